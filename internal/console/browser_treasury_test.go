package console

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/treasury"
)

// TestBrowserTreasury: a treasurer opens a spend from the treasury page,
// approves it and then executes it with the keyboard only, each signed in
// the browser with the member's non-extractable key (the fake API checks
// every signature and applies the chaincode's checks); the page shows the
// approvals, the status and the next action without a reload.
func TestBrowserTreasury(t *testing.T) {
	ctx, srv, f, me := treasurerInBrowser(t)

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
		withdrawTreasurer(f, me)
		tabTo(t, ctx, "approve-button", 60)
		do(t, ctx, chromedp.KeyEvent(kb.Enter))
		status := refusedForbidden(t, ctx, "approve-status")
		assert.Contains(t, status, "approve a spend: LabAMSP/carol is not a treasurer")
		f.treasury.mu.Lock()
		assert.Empty(t, f.treasury.approvals["s2"], "a refused approval records nothing")
		f.treasury.mu.Unlock()
	})

	t.Run("a treasurer of another organisation confirms a deposit", func(t *testing.T) {
		carl := importKeyAs(t, ctx, srv, "carl", "LabBMSP")
		f.treasury.mu.Lock()
		f.treasury.treasurers[carl] = true
		f.treasury.mu.Unlock()
		do(t, ctx, chromedp.Navigate(srv.URL+"/treasury"), chromedp.WaitReady("#deposits-table"))
		eval[bool](t, ctx, `window.__noReload = true`)
		tabTo(t, ctx, "confirm-button-dp1", 80)
		do(t, ctx, chromedp.KeyEvent(kb.Enter))
		waitFor(t, ctx, `/Committed|Refused/.test(document.getElementById('write-result').textContent) || document.querySelector('#confirm-dp1 .write-status.failed') !== null`)
		assert.Contains(t, text(t, ctx, "#write-result"), "Committed")
		assert.Contains(t, text(t, ctx, `[data-deposit="dp1"]`), "confirmed by LabBMSP/carl")
		assert.Equal(t, "deposits-h", eval[string](t, ctx, `document.activeElement.id`), "no other action: the focus goes to the deposits heading")
		assert.True(t, eval[bool](t, ctx, `window.__noReload === true`))
		f.treasury.mu.Lock()
		assert.EqualValues(t, 5000+50000-1000, f.treasury.balance, "the confirmed deposit is in the balance (after s1's execution)")
		f.treasury.mu.Unlock()
	})
}

// TestBrowserTreasuryDeposit: a treasurer records a deposit on the
// treasury page with the keyboard only, signed in the browser; a bad
// amount is refused in the form, naming the field, before anything is
// prepared; the recorded deposit shows in the deposits table as pending
// confirmation by another organisation, without a reload.
func TestBrowserTreasuryDeposit(t *testing.T) {
	ctx, srv, f, me := treasurerInBrowser(t)
	deposits := func() []treasury.DepositRecord {
		f.treasury.mu.Lock()
		defer f.treasury.mu.Unlock()
		return slices.Clone(f.treasury.deposits)
	}

	do(t, ctx, chromedp.Navigate(srv.URL+"/treasury"), chromedp.WaitReady("#deposit-form"))
	waitFor(t, ctx, `document.readyState === 'complete'`)
	eval[bool](t, ctx, `window.__noReload = true`)
	assert.Equal(t, []string{"compute"}, eval[[]string](t, ctx, `[...document.querySelectorAll('#deposit-account option')].map(o => o.value)`), "the token account takes no deposits")
	assert.Contains(t, text(t, ctx, "#deposit-hint"), "only once a treasurer of another organisation than yours confirms it, before its deadline")

	// Keyboard only: Tab to the account (compute is chosen), then through
	// the fields, typing; the amount 0 is bad.
	tabTo(t, ctx, "deposit-account", 120)
	do(t, ctx, chromedp.KeyEvent(kb.Tab))
	require.Equal(t, "deposit-amount", eval[string](t, ctx, `document.activeElement.id`))
	do(t, ctx, chromedp.KeyEvent("0"), chromedp.KeyEvent(kb.Tab))
	require.Equal(t, "deposit-reference", eval[string](t, ctx, `document.activeElement.id`))
	do(t, ctx, chromedp.KeyEvent("wire 2026-130"), chromedp.KeyEvent(kb.Tab))
	require.Equal(t, "deposit-reason", eval[string](t, ctx, `document.activeElement.id`))
	do(t, ctx, chromedp.KeyEvent("compute credits from a provider"), chromedp.KeyEvent(kb.Tab))
	require.Equal(t, "deposit-button", eval[string](t, ctx, `document.activeElement.id`))
	do(t, ctx, chromedp.KeyEvent(kb.Enter))
	waitFor(t, ctx, `document.getElementById('deposit-status').classList.contains('failed')`)
	status := text(t, ctx, "#deposit-status")
	assert.True(t, strings.HasPrefix(status, "Amount: give a whole number of at least 1"), status)
	assert.Contains(t, status, `"0" is not one`)
	assert.Equal(t, "deposit-amount", eval[string](t, ctx, `document.activeElement.id`), "the focus goes to the bad field")
	assert.Equal(t, "true", eval[string](t, ctx, `document.getElementById('deposit-amount').getAttribute('aria-invalid')`))
	assert.Len(t, deposits(), 3, "a bad amount changes nothing")
	assert.Empty(t, axeViolations(t, ctx), "axe found serious violations on the form with its error")
	assert.NotContains(t, text(t, ctx, "#deposits-table"), "wire 2026-130")

	// Correct the amount where the focus is, Tab to the button, Enter.
	do(t, ctx, chromedp.KeyEvent(kb.Backspace), chromedp.KeyEvent("2500"))
	tabTo(t, ctx, "deposit-button", 5)
	do(t, ctx, chromedp.KeyEvent(kb.Enter))
	waitFor(t, ctx, `/Committed|Refused/.test(document.getElementById('write-result').textContent) || document.getElementById('deposit-status').textContent.startsWith('Refused')`)
	assert.Contains(t, text(t, ctx, "#write-result"), "Committed")
	got := deposits()
	require.Len(t, got, 4, "the fake ledger holds the browser's deposit")
	d := got[3]
	assert.Equal(t, treasury.DepositPending, d.Status)
	assert.Equal(t, me, d.Recorder)
	assert.Equal(t, "compute", d.Account)
	assert.EqualValues(t, 2500, d.Amount)
	assert.Equal(t, "wire 2026-130", d.Reference)
	assert.Equal(t, "compute credits from a provider", d.Reason)
	row := text(t, ctx, `#deposits-table tbody tr:last-child`)
	assert.Contains(t, row, "2500")
	assert.Contains(t, row, "wire 2026-130")
	assert.Contains(t, row, "LabAMSP/carol")
	assert.Contains(t, text(t, ctx, `[data-deposit="`+d.ID+`"]`), "pending confirmation by a treasurer of another organisation than LabAMSP, until ")
	assert.Contains(t, text(t, ctx, "#confirm-why-"+d.ID), "It was recorded in your organisation (LabAMSP)")
	assert.Equal(t, "deposits-h", eval[string](t, ctx, `document.activeElement.id`), "the focus goes to the deposits")
	assert.Empty(t, eval[string](t, ctx, `document.getElementById('deposit-amount').value`), "the form is cleared for the next deposit")
	assert.False(t, eval[bool](t, ctx, `document.getElementById('deposit-amount').hasAttribute('aria-invalid')`))
	assert.True(t, eval[bool](t, ctx, `window.__noReload === true`), "recorded without a reload")
	f.treasury.mu.Lock()
	assert.EqualValues(t, 50000, f.treasury.balance, "a pending deposit moves nothing")
	f.treasury.mu.Unlock()

	t.Run("the chaincode's refusal is shown and writes nothing", func(t *testing.T) {
		// The member's treasurer role is withdrawn after the page offered
		// the form: the chaincode refuses, and the form says why.
		withdrawTreasurer(f, me)
		tabTo(t, ctx, "deposit-amount", 20)
		do(t, ctx, chromedp.KeyEvent("700"), chromedp.KeyEvent(kb.Tab), chromedp.KeyEvent("cheque 18"), chromedp.KeyEvent(kb.Tab), chromedp.KeyEvent("a donation"))
		tabTo(t, ctx, "deposit-button", 5)
		do(t, ctx, chromedp.KeyEvent(kb.Enter))
		status := refusedForbidden(t, ctx, "deposit-status")
		assert.Contains(t, status, "treasury deposit: LabAMSP/carol is not a treasurer")
		assert.Len(t, deposits(), 4, "a refused deposit writes nothing")
	})
}

// importKeyAs imports a fresh key and certificate for cn of msp through
// the identity page, replacing the browser's key, and returns the identity.
// treasurerInBrowser starts the browser and the console against the fake
// API, imports a member key into the browser and makes that member a
// treasurer.
func treasurerInBrowser(t *testing.T) (context.Context, *httptest.Server, *fakeReader, identity.Identity) {
	ctx := browser(t)
	srv, f := consoleWithAPI(t)
	me := importKey(t, ctx, srv, f)
	f.treasury.mu.Lock()
	f.treasury.treasurers[me] = true
	f.treasury.mu.Unlock()
	return ctx, srv, f, me
}

// withdrawTreasurer takes the treasurer role from me after the page has
// loaded: the page still offers the action, and the chaincode refuses it.
func withdrawTreasurer(f *fakeReader, me identity.Identity) {
	f.treasury.mu.Lock()
	delete(f.treasury.treasurers, me)
	f.treasury.mu.Unlock()
}

// refusedForbidden waits until the write status with that ID shows a
// failure, requires it to be the chaincode's FORBIDDEN refusal and
// returns its text.
func refusedForbidden(t *testing.T, ctx context.Context, id string) string {
	t.Helper()
	waitFor(t, ctx, fmt.Sprintf(`document.getElementById(%q).classList.contains('failed')`, id))
	status := text(t, ctx, "#"+id)
	assert.True(t, strings.HasPrefix(status, "Refused: FORBIDDEN"), status)
	return status
}

func importKeyAs(t *testing.T, ctx context.Context, srv *httptest.Server, cn, msp string) identity.Identity {
	t.Helper()
	key, cert := selfSigned(t, cn)
	dir := t.TempDir()
	keyPath, certPath := filepath.Join(dir, "priv_sk"), filepath.Join(dir, "cert.pem")
	require.NoError(t, os.WriteFile(keyPath, []byte(pkcs8PEM(t, key)), 0o600))
	require.NoError(t, os.WriteFile(certPath, []byte(cert), 0o600))
	id, err := identity.FromPEM(msp, []byte(cert))
	require.NoError(t, err)
	do(t, ctx,
		chromedp.Navigate(srv.URL+"/identity"), chromedp.WaitReady("#import-form"),
		chromedp.SetValue("#msp", msp),
		chromedp.SetUploadFiles("#keyfile", []string{keyPath}),
		chromedp.SetUploadFiles("#certfile", []string{certPath}),
		chromedp.Click("#import-form button[type=submit]"))
	waitFor(t, ctx, `/^Import(ed|ed:| failed)/.test(document.getElementById('import-status').textContent)`)
	require.Contains(t, text(t, ctx, "#import-status"), "Imported: writes will be signed as "+id.Short())
	return id
}
