package console

import (
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/delegation"
)

// TestBrowserStatement: a member writes their delegate statement on their
// own delegate page with the keyboard only, signed in the browser with
// their non-extractable key (the fake API checks every signature and
// delegation.SetStatement's rules); the statement shows on the page
// without a reload and in the directory. An empty, a blank or a too long
// statement is refused in the form, naming the field, and nothing is
// sent; a character the chaincode refuses shows its refusal and changes
// nothing. Another member's page offers no form.
func TestBrowserStatement(t *testing.T) {
	ctx := browser(t)
	srv, f := consoleWithAPI(t)
	me := importKey(t, ctx, srv, f)
	statement := func() (delegation.Statement, bool) {
		f.mu.Lock()
		defer f.mu.Unlock()
		st, ok := f.statements[me]
		return st, ok
	}

	do(t, ctx, chromedp.Navigate(srv.URL+"/delegates/LabAMSP/"+url.PathEscape(me.ID)), chromedp.WaitReady("#statement-form"))
	waitFor(t, ctx, `document.readyState === 'complete'`)
	eval[bool](t, ctx, `window.__noReload = true`)
	assert.Equal(t, "Write your statement", text(t, ctx, "#statement-form-h"))
	assert.Contains(t, text(t, ctx, "#statement"), "No statement yet.")
	assert.Contains(t, text(t, ctx, "#statement-hint"), "At most 4000 characters")
	assert.Empty(t, eval[string](t, ctx, `document.getElementById('statement-text').value`))

	// Keyboard only: Tab to the field, past it to the button, Enter with
	// the field empty.
	tabTo(t, ctx, "statement-text", 80)
	do(t, ctx, chromedp.KeyEvent(kb.Tab))
	require.Equal(t, "statement-button", eval[string](t, ctx, `document.activeElement.id`))
	do(t, ctx, chromedp.KeyEvent(kb.Enter))
	waitFor(t, ctx, `document.getElementById('statement-status').classList.contains('failed')`)
	status := text(t, ctx, "#statement-status")
	assert.True(t, strings.HasPrefix(status, "Your statement: write what you stand for; it cannot be empty or only spaces."), status)
	assert.Equal(t, "statement-text", eval[string](t, ctx, `document.activeElement.id`), "the focus goes to the field")
	assert.Equal(t, "true", eval[string](t, ctx, `document.getElementById('statement-text').getAttribute('aria-invalid')`))
	assert.Empty(t, axeViolations(t, ctx), "axe found serious violations on the form with its error")

	// Only spaces: refused the same way.
	do(t, ctx, chromedp.KeyEvent("   "), chromedp.KeyEvent(kb.Tab), chromedp.KeyEvent(kb.Enter))
	waitFor(t, ctx, `document.activeElement.id === 'statement-text'`)
	assert.Contains(t, text(t, ctx, "#statement-status"), "it cannot be empty or only spaces")
	_, ok := statement()
	assert.False(t, ok, "a refused statement changes nothing")
	assert.Contains(t, text(t, ctx, "#statement"), "No statement yet.")

	// Write it where the focus is (two lines), Tab to the button, Enter.
	do(t, ctx, chromedp.KeyEvent(kb.Backspace+kb.Backspace+kb.Backspace),
		chromedp.KeyEvent("Open weights, audited."), chromedp.KeyEvent(kb.Enter), chromedp.KeyEvent("Fund evaluations first."))
	tabTo(t, ctx, "statement-button", 5)
	do(t, ctx, chromedp.KeyEvent(kb.Enter))
	waitFor(t, ctx, `/Committed|Refused/.test(document.getElementById('write-result').textContent) || document.getElementById('statement-status').classList.contains('failed')`)
	assert.Contains(t, text(t, ctx, "#write-result"), "Committed in block 41")
	st, ok := statement()
	require.True(t, ok, "the fake ledger holds the browser's statement")
	assert.Equal(t, "Open weights, audited.\nFund evaluations first.", st.Text)
	assert.Equal(t, me, st.Member)
	shown := text(t, ctx, "#statement")
	assert.Contains(t, shown, "Open weights, audited.")
	assert.Contains(t, shown, "Fund evaluations first.")
	assert.Contains(t, text(t, ctx, "#statement-meta"), "Written by LabAMSP/carol themself")
	assert.Equal(t, "Update your statement", text(t, ctx, "#statement-form-h"))
	assert.Equal(t, "statement-h", eval[string](t, ctx, `document.activeElement.id`), "the focus goes to the statement")
	assert.False(t, eval[bool](t, ctx, `document.getElementById('statement-text').hasAttribute('aria-invalid')`))
	assert.True(t, eval[bool](t, ctx, `window.__noReload === true`), "written without a reload")

	t.Run("too long: refused in the form, nothing sent", func(t *testing.T) {
		eval[bool](t, ctx, `document.getElementById('statement-text').value = 'x'.repeat(4001), true`)
		tabTo(t, ctx, "statement-button", 5)
		do(t, ctx, chromedp.KeyEvent(kb.Enter))
		waitFor(t, ctx, `document.getElementById('statement-status').classList.contains('failed')`)
		assert.Equal(t, "Your statement: at most 4000 characters; this one has 4001.", text(t, ctx, "#statement-status"))
		assert.Equal(t, "statement-text", eval[string](t, ctx, `document.activeElement.id`))
		assert.Equal(t, "true", eval[string](t, ctx, `document.getElementById('statement-text').getAttribute('aria-invalid')`))
		got, _ := statement()
		assert.Equal(t, st, got, "a refused statement changes nothing")
	})

	t.Run("the chaincode's refusal is shown and changes nothing", func(t *testing.T) {
		// A bidirectional override: the browser does not check the
		// characters; the chaincode refuses it.
		eval[bool](t, ctx, `document.getElementById('statement-text').value = 'I stand for \u202eopen weights', true`)
		tabTo(t, ctx, "statement-button", 5)
		do(t, ctx, chromedp.KeyEvent(kb.Enter))
		waitFor(t, ctx, `document.getElementById('statement-status').textContent.startsWith('Refused')`)
		status := text(t, ctx, "#statement-status")
		assert.True(t, strings.HasPrefix(status, "Refused: INVALID_ARGUMENT"), status)
		assert.Contains(t, status, "delegate statement contains bidirectional control U+202E")
		got, _ := statement()
		assert.Equal(t, st, got, "a refused statement changes nothing")
		assert.Contains(t, text(t, ctx, "#statement"), "Open weights, audited.")
	})

	t.Run("the directory shows it", func(t *testing.T) {
		do(t, ctx, chromedp.Navigate(srv.URL+"/delegates"), chromedp.WaitReady("main table"))
		assert.Contains(t, text(t, ctx, "main table"), "Open weights, audited.")
	})

	t.Run("another member's page offers no form", func(t *testing.T) {
		do(t, ctx, chromedp.Navigate(srv.URL+"/delegates/LabAMSP/"+url.PathEscape(ada.ID)), chromedp.WaitReady("#statement-only"))
		assert.False(t, eval[bool](t, ctx, `document.getElementById('statement-form') !== null`))
		assert.Contains(t, text(t, ctx, "#statement-only"), "Only LabAMSP/ada writes this statement")
	})
}
