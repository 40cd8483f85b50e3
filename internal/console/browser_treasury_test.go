package console

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/treasury"
)

// TestBrowserTreasury: a treasurer opens a spend from the treasury page,
// approves it and then executes it with the keyboard only, each signed in
// the browser with the member's non-extractable key (the fake API checks
// every signature and applies the chaincode's checks); the page shows the
// approvals, the status and the next action without a reload.
func TestBrowserTreasury(t *testing.T) {
	ctx := browser(t)
	srv, f := consoleWithAPI(t)
	me := importKey(t, ctx, srv, f)
	f.treasury.mu.Lock()
	f.treasury.treasurers[me] = true
	f.treasury.mu.Unlock()

	do(t, ctx, chromedp.Navigate(srv.URL+"/treasury"), chromedp.WaitReady("#spends-table"))
	assert.Contains(t, text(t, ctx, "#accounts-table"), "50000")
	tabTo(t, ctx, "spend-s1", 60)
	do(t, ctx, chromedp.KeyEvent(kb.Enter), chromedp.WaitReady("#spend-actions"))
	waitFor(t, ctx, `document.readyState === 'complete'`)
	require.Contains(t, eval[string](t, ctx, `location.pathname`), "/treasury/spends/s1")
	assert.Contains(t, text(t, ctx, "#spend-approvals"), "1 of the 2 required")
	assert.Contains(t, text(t, ctx, "#execute-why"), "1 of the 2 treasurer approvals it needs", "execution waits for a second approval")
	eval[bool](t, ctx, `window.__noReload = true`)

	// Approve: Tab to the button, Enter.
	tabTo(t, ctx, "approve-button", 60)
	do(t, ctx, chromedp.KeyEvent(kb.Enter))
	waitFor(t, ctx, `/Committed|Refused/.test(document.getElementById('write-result').textContent) || (document.getElementById('approve-status') || {}).classList?.contains('failed')`)
	assert.Contains(t, text(t, ctx, "#write-result"), "Committed in block 41")
	assert.Contains(t, text(t, ctx, "#spend-approvals"), "2 of the 2 required")
	assert.Contains(t, text(t, ctx, "#approvals-table"), "LabAMSP/carol")
	assert.Contains(t, text(t, ctx, "#approve-why"), "already approved")
	require.Equal(t, "execute-button", eval[string](t, ctx, `document.activeElement.id`), "the focus moves to the next action")
	f.treasury.mu.Lock()
	assert.Len(t, f.treasury.approvals["s1"], 2, "the fake ledger holds the browser's approval")
	f.treasury.mu.Unlock()

	// Execute: the focus is on the button; Enter.
	eval[bool](t, ctx, `document.getElementById('write-result').textContent = '', true`)
	do(t, ctx, chromedp.KeyEvent(kb.Enter))
	waitFor(t, ctx, `/Committed|Refused/.test(document.getElementById('write-result').textContent) || (document.getElementById('execute-status') || {}).classList?.contains('failed')`)
	assert.Contains(t, text(t, ctx, "#write-result"), "Committed")
	assert.Contains(t, text(t, ctx, "#spend-status"), "executed at")
	assert.Contains(t, text(t, ctx, "#spend-status"), "LabAMSP/carol")
	assert.Contains(t, text(t, ctx, "#execute-why"), "The spend is executed.")
	assert.True(t, eval[bool](t, ctx, `window.__noReload === true`), "approved and executed without a reload")
	sp, err := f.treasury.spend("s1")
	require.NoError(t, err)
	assert.Equal(t, treasury.StatusExecuted, sp.Status)
	assert.Equal(t, me, *sp.ExecutedBy)

	t.Run("the chaincode's refusal is shown and changes nothing", func(t *testing.T) {
		// s2's delay is not over: the page says until when and offers no
		// Execute. The member's treasurer role is withdrawn after the page
		// offered Approve: the chaincode refuses, and the page says why.
		do(t, ctx, chromedp.Navigate(srv.URL+"/treasury/spends/s2"), chromedp.WaitReady("#spend-actions"))
		assert.Contains(t, text(t, ctx, "#execute-why"), "The delay is not over: the spend can be executed from")
		f.treasury.mu.Lock()
		delete(f.treasury.treasurers, me)
		f.treasury.mu.Unlock()
		tabTo(t, ctx, "approve-button", 60)
		do(t, ctx, chromedp.KeyEvent(kb.Enter))
		waitFor(t, ctx, `document.getElementById('approve-status').classList.contains('failed')`)
		status := text(t, ctx, "#approve-status")
		assert.True(t, strings.HasPrefix(status, "Refused: FORBIDDEN"), status)
		assert.Contains(t, status, "approve a spend: LabAMSP/carol is not a treasurer")
		f.treasury.mu.Lock()
		assert.Empty(t, f.treasury.approvals["s2"], "a refused approval records nothing")
		f.treasury.mu.Unlock()
	})
}
