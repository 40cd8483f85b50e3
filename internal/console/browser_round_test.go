package console

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/round"
)

// tabTo presses Tab until the element with id has the focus (at most
// limit presses) and fails the test otherwise: the element is reachable
// with the keyboard alone.
func tabTo(t *testing.T, ctx context.Context, id string, limit int) {
	t.Helper()
	active := ""
	for i := 0; i < limit && active != id; i++ {
		do(t, ctx, chromedp.KeyEvent(kb.Tab))
		active = eval[string](t, ctx, `document.activeElement.id`)
	}
	require.Equal(t, id, active, "#%s is reachable with Tab", id)
	assert.True(t, eval[bool](t, ctx, `getComputedStyle(document.activeElement).outlineStyle !== 'none'`), "#%s shows a focus outline", id)
}

// TestBrowserGrantRound runs a grant round from open to payout in the
// browser, every manager action with the keyboard only and signed with
// the member's non-extractable key (the fake API verifies every
// signature): the manager opens the round; 120 applications arrive in
// bulk (as applicants submit them through the API); the manager accepts
// all 120 at once; contributions come in and the estimate shows them;
// the round closes in signed pages; the payout is proposed; the results
// and the payout in the browser equal the API's, and the CSV download
// has a row per project.
func TestBrowserGrantRound(t *testing.T) {
	ctx := browser(t)
	srv, f := consoleWithAPI(t)
	me := importKey(t, ctx, srv, f)

	// Open: the form on /rounds, filled and submitted with the keyboard.
	do(t, ctx, chromedp.Navigate(srv.URL+"/rounds"), chromedp.WaitReady("#open-round-form"))
	tabTo(t, ctx, "open-title", 40)
	do(t, ctx, chromedp.KeyEvent("Evaluation grants, spring"))
	do(t, ctx, chromedp.SendKeys("#open-pool", "50000"), chromedp.SendKeys("#open-budget", "d0009"),
		chromedp.SetValue("#open-cap", "2000"), chromedp.SetValue("#open-rule", "quadratic"))
	do(t, ctx, chromedp.Focus("#open-window"), chromedp.KeyEvent(kb.Tab))
	require.Contains(t, eval[string](t, ctx, `document.activeElement.textContent`), "Sign and open the round")
	do(t, ctx, chromedp.KeyEvent(kb.Enter))
	waitFor(t, ctx, `/^(Committed|Refused)/.test(document.getElementById('open-status').textContent)`)
	require.Contains(t, text(t, ctx, "#open-status"), "Committed", "the open was signed and committed")
	opened := f.g()
	rd, _ := opened.get()
	require.Equal(t, "Evaluation grants, spring", rd.Title)
	require.Equal(t, me, rd.Admin, "the round's administrator is the member who signed")
	require.EqualValues(t, 50000, rd.Pool)
	require.EqualValues(t, 2000, rd.Rule.CapBps)
	require.Contains(t, text(t, ctx, "#opened-round"), "Round r2 is recorded")

	// 120 applications in bulk, not by clicking.
	opened.apply(120)
	do(t, ctx, chromedp.Click("#opened-round"), chromedp.WaitReady("#accept-form"))
	waitFor(t, ctx, `document.readyState === 'complete' && document.getElementById('projects-table') !== null`)
	require.Equal(t, 120, eval[int](t, ctx, `document.querySelectorAll('input[name=accept]').length`), "every application is listed on one page")

	// Accept all 120 with the keyboard: Tab to "select all", Space, Tab to the button, Enter.
	tabTo(t, ctx, "accept-all", 60)
	do(t, ctx, chromedp.KeyEvent(" "))
	require.Equal(t, 120, eval[int](t, ctx, `document.querySelectorAll('input[name=accept]:checked').length`))
	do(t, ctx, chromedp.KeyEvent(kb.Tab))
	require.Equal(t, "accept-button", eval[string](t, ctx, `document.activeElement.id`))
	start := time.Now()
	do(t, ctx, chromedp.KeyEvent(kb.Enter))
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](`/^Accepted \d+ of/.test(document.getElementById('accept-status').textContent)`, chromedp.WithPollingTimeout(4*time.Minute)))
	require.NoError(t, err)
	t.Logf("120 acceptances signed in the browser in %s", time.Since(start).Round(time.Millisecond))
	assert.Equal(t, "Accepted 120 of 120 projects.", text(t, ctx, "#accept-status"))
	rd, _ = opened.get()
	assert.EqualValues(t, 120, rd.Accepted, "the ledger (fake) counts 120 accepted projects")
	assert.Equal(t, 120, eval[int](t, ctx, `[...document.querySelectorAll('#projects-table .project-status')].filter(c => c.textContent === 'accepted').length`), "the table shows them accepted without a reload")

	// Contributions come in; the estimate region refreshes by itself.
	contributed := opened.contribute(4)
	eval[bool](t, ctx, `window.__noReload = true`)
	eval[bool](t, ctx, `htmx.trigger(document.getElementById('round-live'), 'charter:refresh'), true`)
	waitFor(t, ctx, fmt.Sprintf(`(document.getElementById('estimate-table') || {}).dataset?.contributed === '%d'`, contributed))
	est := text(t, ctx, "#round-live")
	assert.Contains(t, est, "it is not a promise")
	assert.Contains(t, est, "0 to 10000", "each project's range: 0 to the cap (20 % of 50,000)")
	assert.True(t, eval[bool](t, ctx, `window.__noReload === true`))

	// Close before the window is over: the chaincode's refusal, shown.
	tabTo(t, ctx, "close-button", 400)
	do(t, ctx, chromedp.KeyEvent(kb.Enter))
	waitFor(t, ctx, `document.getElementById('close-status').classList.contains('failed')`)
	assert.Contains(t, text(t, ctx, "#close-status"), "FAILED_PRECONDITION")
	assert.Equal(t, round.StatusOpen, must(opened.get()).Status, "a refused close changes nothing")

	// The window is over: close in signed pages (50 projects a page, 4 pages).
	opened.mu.Lock()
	opened.over = true
	opened.mu.Unlock()
	require.Equal(t, "close-button", eval[string](t, ctx, `document.activeElement.id`), "the focus stays on the button")
	do(t, ctx, chromedp.KeyEvent(kb.Enter))
	waitFor(t, ctx, `document.getElementById('close-status').dataset.closed === 'yes' || /^Refused/.test(document.getElementById('close-status').textContent)`)
	assert.Contains(t, text(t, ctx, "#close-status"), "Closed in 4 pages: 120 projects")
	waitFor(t, ctx, `document.getElementById('results-table') !== null`)

	// Pay: Tab to the payout button (present once closed: reload the manager view).
	do(t, ctx, chromedp.Reload(), chromedp.WaitReady("#pay-form"))
	tabTo(t, ctx, "pay-button", 60)
	do(t, ctx, chromedp.KeyEvent(kb.Enter))
	waitFor(t, ctx, `/^(Payout proposed|Refused)/.test(document.getElementById('pay-status').textContent)`)
	assert.Contains(t, text(t, ctx, "#pay-status"), "Payout proposed: treasury spend s0042")
	waitFor(t, ctx, `document.getElementById('payout-state').dataset.status === 'spend_proposed'`)
	assert.Contains(t, text(t, ctx, "#payout-state"), "treasury spend s0042")
	screenshot(t, ctx, "round-manager-closed")

	// The browser's results equal the API's.
	resp, err := http.Get(srv.URL + "/v1/rounds/r2/results")
	require.NoError(t, err)
	var api round.Results
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&api))
	resp.Body.Close()
	require.Len(t, api.Lines, 120)
	require.Equal(t, "spend_proposed", api.Payout.Status)
	shown := eval[map[string]string](t, ctx, `Object.fromEntries([...document.querySelectorAll('[data-payout]')].map(c => [c.dataset.payout, c.textContent]))`)
	require.Len(t, shown, 120, "a payout per project in the browser")
	var total int64
	for _, l := range api.Lines {
		assert.Equal(t, strconv.FormatInt(l.Payout, 10), shown[l.Project], "project %s's payout", l.Project)
		total += l.Match
	}
	assert.Equal(t, api.Matched, total)
	assert.Positive(t, api.Matched)
	assert.Equal(t, strconv.FormatInt(api.Matched, 10), eval[string](t, ctx, `document.getElementById('results-table').dataset.matched`))
	assert.Equal(t, contributed, api.Contributed)

	// The CSV download: a header, a row per project and a TOTAL row, as the API's.
	csvText := eval[string](t, ctx, `fetch(document.getElementById('results-csv').href).then(r => r.text())`)
	resp, err = http.Get(srv.URL + "/v1/rounds/r2/results.csv")
	require.NoError(t, err)
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, string(raw), csvText)
	assert.Equal(t, 122, strings.Count(csvText, "\n"))
}

// apiStream reads one of the fake API's audit streams whole.
func apiStream(t *testing.T, srv *httptest.Server, path string) []byte {
	t.Helper()
	resp, err := http.Get(srv.URL + path)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, 200, resp.StatusCode, "%s", raw)
	return raw
}

// exportAndDownload waits for the export the auditor started, checks the
// count the page shows, downloads the file with the keyboard into dir
// and returns the page's status and the file.
func exportAndDownload(t *testing.T, ctx context.Context, dir, name string, want []byte) (string, []byte) {
	t.Helper()
	start := time.Now()
	waitFor(t, ctx, `/^Export (complete|failed)/.test(document.getElementById('export-status').textContent)`)
	rows := strings.Count(string(want), "\n")
	t.Logf("%d rows exported in the browser in %s", rows, time.Since(start).Round(time.Millisecond))
	status := text(t, ctx, "#export-status")
	assert.True(t, strings.HasPrefix(status, fmt.Sprintf("Export complete: %d rows.", rows)), "%s", status)
	assert.Equal(t, strconv.Itoa(rows), eval[string](t, ctx, `document.getElementById('export-download').dataset.rows`))
	do(t, ctx, chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dir})
		return err
	}))
	do(t, ctx, chromedp.Focus("#export-download"), chromedp.KeyEvent(kb.Enter))
	path := filepath.Join(dir, name)
	require.Eventually(t, func() bool {
		b, err := os.ReadFile(path)
		return err == nil && len(b) == len(want)
	}, 30*time.Second, 50*time.Millisecond, "the browser saves the export as %s", path)
	file, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, rows, strings.Count(string(file), "\n"), "the downloaded file has the API's rows")
	assert.Equal(t, string(want), string(file), "and is the API's stream, byte for byte")
	return status, file
}

// TestBrowserAuditExport exports the fake ledger's 10,500 transactions
// (the default rows) and then its 3,500 blocks with the keyboard: the
// count on the page, the downloaded file and the API's stream agree.
func TestBrowserAuditExport(t *testing.T) {
	ctx := browser(t)
	srv, f := consoleWithAPI(t)
	f.mu.Lock()
	f.auditRows = 10_500
	f.mu.Unlock()
	txs := apiStream(t, srv, "/v1/audit/transactions")
	require.Equal(t, 10_500, strings.Count(string(txs), "\n"))
	blocks := apiStream(t, srv, "/v1/audit/blocks")
	require.Equal(t, 3_500, strings.Count(string(blocks), "\n"))
	dir := t.TempDir()

	do(t, ctx, chromedp.Navigate(srv.URL+"/audit"), chromedp.WaitReady("#export-form"))
	require.True(t, eval[bool](t, ctx, `document.getElementById('rows-transactions').checked`), "transactions are the default rows")
	tabTo(t, ctx, "to", 40)
	do(t, ctx, chromedp.KeyEvent(kb.Tab))
	require.Contains(t, eval[string](t, ctx, `document.activeElement.textContent`), "Start the export")
	do(t, ctx, chromedp.KeyEvent(kb.Enter))
	status, _ := exportAndDownload(t, ctx, dir, "charter-audit-transactions.ndjson", txs)
	assert.Equal(t, "Export complete: 10500 rows.", status)
	screenshot(t, ctx, "audit-export")

	// Blocks instead: the arrow key moves the choice.
	tabTo(t, ctx, "rows-transactions", 40)
	do(t, ctx, chromedp.KeyEvent(kb.ArrowDown))
	require.True(t, eval[bool](t, ctx, `document.getElementById('rows-blocks').checked`), "the arrow key chooses blocks")
	tabTo(t, ctx, "to", 40)
	do(t, ctx, chromedp.KeyEvent(kb.Tab), chromedp.KeyEvent(kb.Enter))
	waitFor(t, ctx, `!/^Export complete: 10500 rows/.test(document.getElementById('export-status').textContent)`)
	status, _ = exportAndDownload(t, ctx, dir, "charter-audit.ndjson", blocks)
	assert.Equal(t, "Export complete: 3500 rows.", status)
}

// TestBrowserAuditExportResumes breaks the transaction stream mid-row
// once: the page drops the rows of the last complete row's block, asks
// for the rest from that block (to the last block the first answer
// announced), says it resumed, and the file is the unbroken stream byte
// for byte.
func TestBrowserAuditExportResumes(t *testing.T) {
	ctx := browser(t)
	srv, f := consoleWithAPI(t)
	f.mu.Lock()
	f.auditRows = 10_500
	f.mu.Unlock()
	txs := apiStream(t, srv, "/v1/audit/transactions")
	// The cut: in the middle of the third row of a block.
	cut := len(txs) / 2
	for !strings.Contains(string(txs[strings.LastIndexByte(string(txs[:cut]), '\n')+1:cut]), `"index":2,`) {
		cut += 40
	}
	cut += 20
	lastComplete := txs[:strings.LastIndexByte(string(txs[:cut]), '\n')]
	var row struct {
		Block int `json:"block"`
		Index int `json:"index"`
	}
	require.NoError(t, json.Unmarshal(lastComplete[strings.LastIndexByte(string(lastComplete), '\n')+1:], &row))
	require.Equal(t, 1, row.Index, "the last complete row is the block's second: the page must drop it and the first")
	f.mu.Lock()
	f.auditCut, f.auditRequests = cut, nil
	f.mu.Unlock()

	do(t, ctx, chromedp.Navigate(srv.URL+"/audit"), chromedp.WaitReady("#export-form"),
		chromedp.Click("#export-form button[type=submit]"))
	status, _ := exportAndDownload(t, ctx, t.TempDir(), "charter-audit-transactions.ndjson", txs)
	// The browser may hand the page fewer bytes than the server wrote
	// before the connection broke (its network stack can drop what it
	// had buffered when it sees the reset), so the page resumes at the
	// block of the last complete row it received: at most the cut's.
	var resumed int
	_, err := fmt.Sscanf(status, "Export complete: 10500 rows. The stream broke once; the export resumed from block %d.", &resumed)
	require.NoError(t, err, "status %q says the export resumed and from where", status)
	assert.Positive(t, resumed, "the page kept the rows before the break")
	assert.LessOrEqual(t, resumed, row.Block, "the page cannot resume past the last complete row the server wrote")
	f.mu.Lock()
	defer f.mu.Unlock()
	assert.Equal(t, []string{"from=0", fmt.Sprintf("from=%d&to=3499", resumed)}, f.auditRequests, "the second request resumes at the block it names, to the first answer's last block")
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
