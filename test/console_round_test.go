package test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/round"
	"github.com/charter-gov/charter/chaincode/token"
)

// consoleRoundProjects is how many projects the console's grant round on
// the network has.
const consoleRoundProjects = 120

// TestConsoleGrantRound runs a grant round from open to payout in the
// browser on the real network, as a grants administrator whose key the
// browser imported (non-extractable) and who signs every manager action
// through the API's offline signing, with the keyboard only: open the
// round (funded by an executed budget decision); 120 applications arrive
// in bulk through the client; accept all 120; members contribute and the
// estimate shows it; close in signed pages after the window; propose the
// payout; the browser's results and payout equal the API's, and the CSV
// download has a row per project.
func TestConsoleGrantRound(t *testing.T) {
	start := time.Now()
	ctx := consoleBrowserFor(t, 15*time.Minute)
	tctx, cancel := context.WithTimeout(t.Context(), 15*time.Minute)
	defer cancel()
	run := time.Now().UnixNano()
	reader := net.client(t, "foundation-user1")
	// The console reads through the API's index, as charter serve mounts it.
	srv := consoleServer(t, reader, consoleIndexed)

	budgetID := executedBudget(t, tctx, 5000, run)
	t.Logf("budget decision %s executed after %s", budgetID, time.Since(start).Round(time.Second))
	admin := foundingMember(t, "labB", "rounds-admin2") // the browser's member: a grants administrator
	payer := foundingMember(t, "foundation", "rounds-admin")
	applicants := []member{newMember(t, "foundation", fmt.Sprintf("cr-app1-%d", run)), newMember(t, "labA", fmt.Sprintf("cr-app2-%d", run)), newMember(t, "labA", fmt.Sprintf("cr-app3-%d", run))}
	contributors := []member{newMember(t, "foundation", fmt.Sprintf("cr-c1-%d", run)), newMember(t, "labA", fmt.Sprintf("cr-c2-%d", run)), newMember(t, "labB", fmt.Sprintf("cr-c3-%d", run))}
	for _, c := range contributors {
		require.NoError(t, agreed(tctx, payer.id, func() error {
			_, err := payer.client.Transfer(tctx, token.TransferRequest{To: c.id, Amount: 100})
			return err
		}))
	}

	// Import the administrator's key through the page.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/identity"), chromedp.WaitReady("#import-form"),
		chromedp.SendKeys("#msp", "LabBMSP"),
		chromedp.SetUploadFiles("#keyfile", []string{filepath.Join(net.foundersDir(), "rounds-admin2-key.pem")}),
		chromedp.SetUploadFiles("#certfile", []string{filepath.Join(net.foundersDir(), "rounds-admin2-cert.pem")}),
		chromedp.Click("#import-form button[type=submit]")))
	poll(t, ctx, `/^Import(ed| failed)/.test(document.getElementById('import-status').textContent)`, time.Minute)
	require.Contains(t, textOf(t, ctx, "#import-status"), "Imported: writes will be signed as LabBMSP/rounds-admin2")

	// Open: the form, with the keyboard; the window opens in a minute and lasts two.
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/rounds"), chromedp.WaitReady("#open-round-form"),
		chromedp.SendKeys("#open-title", "Evaluation grants through the console"),
		chromedp.SetValue("#open-rule", "org_grouped"), chromedp.SetValue("#open-cap", "2000"),
		chromedp.SendKeys("#open-pool", "5000"), chromedp.SendKeys("#open-budget", budgetID),
		chromedp.SetValue("#open-in", "1"), chromedp.SetValue("#open-window", "2"),
		chromedp.Focus("#open-window"), chromedp.KeyEvent(kb.Tab), chromedp.KeyEvent(kb.Enter)))
	poll(t, ctx, `/^(Committed|Refused|Still)/.test(document.getElementById('open-status').textContent)`, 2*time.Minute)
	require.Contains(t, textOf(t, ctx, "#open-status"), "Committed in block")
	href, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('opened-round').getAttribute('href')`))
	require.NoError(t, err)
	roundID := strings.TrimPrefix(href, "/rounds/")
	rd, err := reader.Round(tctx, roundID)
	require.NoError(t, err)
	require.Equal(t, admin.id, rd.Admin, "the round's administrator is the browser's member")
	settledHeight(t) // every organisation's peer has the round before its applicants apply

	// 120 applications in bulk through the client (IDs from the transaction: no shared key).
	var wg sync.WaitGroup
	errs := make([]error, consoleRoundProjects)
	for i := range consoleRoundProjects {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a := applicants[i%len(applicants)]
			_, errs[i] = a.client.ApplyToRound(tctx, round.ApplyRequest{Round: roundID, Title: fmt.Sprintf("eval suite %03d", i), Category: round.DocumentationBounties})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		require.NoError(t, err, "application %d: %s", i, wireText(err))
	}
	settledHeight(t)
	t.Logf("round %s open with %d applications after %s", roundID, consoleRoundProjects, time.Since(start).Round(time.Second))

	// Accept all 120 with the keyboard.
	page := srv.URL + "/rounds/" + roundID
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(page), chromedp.WaitReady("#accept-form")))
	poll(t, ctx, `document.readyState === 'complete' && document.querySelectorAll('input[name=accept]').length === 120`, time.Minute)
	tabUntil(t, ctx, "accept-all", 60)
	require.NoError(t, chromedp.Do(ctx, chromedp.KeyEvent(" "), chromedp.KeyEvent(kb.Tab)))
	acceptStart := time.Now()
	require.NoError(t, chromedp.Do(ctx, chromedp.KeyEvent(kb.Enter)))
	poll(t, ctx, `/^Accepted \d+ of/.test(document.getElementById('accept-status').textContent)`, 4*time.Minute)
	t.Logf("120 acceptances signed in the browser and committed in %s", time.Since(acceptStart).Round(time.Second))
	require.Equal(t, "Accepted 120 of 120 projects.", textOf(t, ctx, "#accept-status"))
	rd, err = reader.Round(tctx, roundID)
	require.NoError(t, err)
	require.EqualValues(t, consoleRoundProjects, rd.Accepted)

	// Contributions in the window; the estimate shows them without a reload.
	pp, err := reader.RoundProjects(tctx, roundID, 0, "")
	require.NoError(t, err)
	waitUntil(t, rd.OpensAt)
	var contributed int64
	// Every contributor backs the same three projects, so each has
	// contributors of three organisations and a positive match (a project
	// with one contributor gets none, and a round with no match has
	// nothing to pay).
	for _, c := range contributors {
		for k := range 3 {
			p := pp.Projects[k]
			amount := int64(2 + k)
			require.NoError(t, agreed(tctx, c.id, func() error {
				_, err := c.client.Contribute(tctx, round.ContributeRequest{Round: roundID, Project: p.ID, Amount: amount})
				return err
			}), "contribution")
			contributed += amount
		}
	}
	settledHeight(t)
	_, err = chromedp.Run(ctx, chromedp.Evaluate[bool](`window.__noReload = true; htmx.trigger(document.getElementById('round-live'), 'charter:refresh'); true`))
	require.NoError(t, err)
	poll(t, ctx, fmt.Sprintf(`(document.getElementById('estimate-table') || {}).dataset?.contributed === '%d'`, contributed), time.Minute)

	// Close after the window and the skew: pages signed in the browser.
	waitUntil(t, rd.ClosesAt.Add(testSkew+time.Second))
	tabUntil(t, ctx, "close-button", 20)
	require.NoError(t, chromedp.Do(ctx, chromedp.KeyEvent(kb.Enter)))
	poll(t, ctx, `document.getElementById('close-status').dataset.closed === 'yes' || /^Refused/.test(document.getElementById('close-status').textContent)`, 3*time.Minute)
	require.Contains(t, textOf(t, ctx, "#close-status"), "Closed in")
	settledHeight(t)

	// Pay: propose the treasury spend of the matches.
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(page), chromedp.WaitReady("#pay-form")))
	tabUntil(t, ctx, "pay-button", 60)
	require.NoError(t, chromedp.Do(ctx, chromedp.KeyEvent(kb.Enter)))
	poll(t, ctx, `/^(Payout proposed|Refused)/.test(document.getElementById('pay-status').textContent)`, 2*time.Minute)
	require.Contains(t, textOf(t, ctx, "#pay-status"), "Payout proposed: treasury spend")
	poll(t, ctx, `(document.getElementById('payout-state') || {dataset: {}}).dataset.status === 'spend_proposed'`, time.Minute)

	// The browser's results equal the API's.
	resp, err := http.Get(srv.URL + "/v1/rounds/" + roundID + "/results")
	require.NoError(t, err)
	var res round.Results
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&res))
	resp.Body.Close()
	require.Len(t, res.Lines, consoleRoundProjects)
	require.NotNil(t, res.Payout)
	assert.Equal(t, round.PayoutSpendProposed, res.Payout.Status)
	assert.Contains(t, textOf(t, ctx, "#payout-state"), res.Payout.Spend)
	assert.Equal(t, contributed, res.Contributed)
	shown, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]string](`Object.fromEntries([...document.querySelectorAll('[data-payout]')].map(c => [c.dataset.payout, c.textContent]))`))
	require.NoError(t, err)
	require.Len(t, shown, consoleRoundProjects)
	for _, l := range res.Lines {
		assert.Equal(t, strconv.FormatInt(l.Payout, 10), shown[l.Project], "project %s", l.Project)
	}
	csvText, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch(document.getElementById('results-csv').href).then(r => r.text())`, chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	assert.Equal(t, consoleRoundProjects+2, strings.Count(csvText, "\n"), "a header, a row per project and a TOTAL row")
	t.Logf("round %s from open to payout in the browser: %d contributed, %d matched, spend %s; %s in all", roundID, res.Contributed, res.Matched, res.Payout.Spend, time.Since(start).Round(time.Second))
}

// poll waits until a JavaScript condition holds in the tab.
func poll(t *testing.T, ctx context.Context, cond string, timeout time.Duration) {
	t.Helper()
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](cond, chromedp.WithPollingTimeout(timeout)))
	require.NoError(t, err, "wait for %s", cond)
}

// textOf is the visible text of the first node matching sel.
func textOf(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Text(sel))
	require.NoError(t, err, "text of %s", sel)
	return v
}

// tabUntil presses Tab until the element with id has the focus (at most
// limit presses): it is reachable with the keyboard alone.
func tabUntil(t *testing.T, ctx context.Context, id string, limit int) {
	t.Helper()
	active := ""
	for i := 0; i < limit && active != id; i++ {
		require.NoError(t, chromedp.Do(ctx, chromedp.KeyEvent(kb.Tab)))
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement.id`))
		require.NoError(t, err)
		active = v
	}
	require.Equal(t, id, active, "#%s is reachable with Tab", id)
}
