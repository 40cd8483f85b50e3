package test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/ballot"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/membership"
	charter "github.com/charter-gov/charter/gateway-client"
	"github.com/charter-gov/charter/internal/api"
	"github.com/charter-gov/charter/internal/console"
)

// How the console of consoleServer reads the ledger.
const (
	consoleIndexed = true  // through the API's index, as charter serve mounts it
	consoleDirect  = false // straight from the gateway client
)

// consoleServer starts the HTTP API (its block listener feeding its index)
// and the console beside it, as charter serve mounts them: the console at
// "/", the API at "/v1/", "/healthz" and "/readyz", both reading as
// reader; indexed says whether the console reads through the API's index
// (consoleIndexed) or straight from the client (consoleDirect). The
// server, the listener and the index's temporary state directory are
// closed when the test ends.
func consoleServer(t *testing.T, reader *charter.Client, indexed bool) *httptest.Server {
	t.Helper()
	apiSrv, err := api.NewServer(api.Options{Gateway: api.ClientGateway{Client: reader, MSPID: reader.Identity().MSPID}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NoError(t, err)
	opts := console.Options{Client: reader}
	if indexed {
		opts = console.Options{Reader: apiSrv.IndexedReader(reader)}
	}
	h, err := console.New(opts)
	if err != nil {
		_ = apiSrv.Close()
	}
	require.NoError(t, err)
	runCtx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); apiSrv.Run(runCtx) }()
	mux := http.NewServeMux()
	mux.Handle("/", h)
	for _, p := range []string{"/v1/", "/healthz", "/readyz"} {
		mux.Handle(p, apiSrv.Handler())
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(func() { srv.Close(); stop(); <-done; _ = apiSrv.Close() /* the index's temporary state directory */ })
	return srv
}

// consoleBrowser starts headless Chromium (Debian's chromium, driven by
// chromedp from Go) and returns a tab whose actions time out after four
// minutes; it skips the test, saying why, where chromium is absent.
func consoleBrowser(t *testing.T) context.Context {
	t.Helper()
	return consoleBrowserFor(t, 4*time.Minute)
}

// consoleBrowserFor is consoleBrowser whose actions time out after d.
func consoleBrowserFor(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	path := os.Getenv("CHARTER_CHROMIUM")
	for _, n := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if path != "" {
			break
		}
		path, _ = exec.LookPath(n)
	}
	if path == "" {
		t.Skip("chromium is not installed (apt-get install chromium; .ci/run installs it): the console's end-to-end test needs it")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.WindowSize(1100, 800))
	actx, cancel := chromedp.NewExecAllocator(t.Context(), opts...)
	t.Cleanup(cancel)
	ctx, cancelTab := chromedp.NewContext(actx)
	t.Cleanup(cancelTab)
	require.NoError(t, chromedp.Do(ctx), "start chromium")
	ctx, cancelTime := context.WithTimeout(ctx, d)
	t.Cleanup(cancelTime)
	return ctx
}

// TestConsoleOnTheNetwork runs the web console against the real network,
// read as foundation-user1, in headless Chromium: a member registered
// after a poll opened sees, in the browser, the chaincode's own reason
// they cannot vote (ballot:Standing); a member who can sees their weight;
// a vote committed on the ledger appears in the results without a
// reload; the ballot page passes an axe-core WCAG 2.2 AA scan.
func TestConsoleOnTheNetwork(t *testing.T) {
	ctx := consoleBrowser(t)
	reader := net.client(t, "foundation-user1")
	ensureMember(t, "foundation", "user1")
	// The console at "/" and the HTTP API beside it, as charter serve
	// mounts them, both reading as foundation-user1.
	srv := consoleServer(t, reader, consoleIndexed)

	voter := newMember(t, "labA", fmt.Sprintf("console-voter-%d@labA", time.Now().UnixNano()))
	// A member whose key the browser imports: its files, registered before the poll opens.
	keyDir := t.TempDir()
	browserCN := fmt.Sprintf("console-browser-%d@labA", time.Now().UnixNano())
	browserCert, browserKey := issueClientCert(t, "labA", browserCN, keyDir)
	certPEM, err := os.ReadFile(browserCert)
	require.NoError(t, err)
	browserID, err := identity.FromPEM("LabAMSP", certPEM)
	require.NoError(t, err)
	_, err = net.client(t, "labA-admin").RegisterMember(ctxFor(t), membership.RegisterRequest{Member: browserID, Name: browserCN})
	require.NoError(t, err)
	poll, err := reader.CreateBallot(ctxFor(t), ballot.CreateRequest{Kind: ballot.KindPoll, Title: "Is the console legible?", VotingPeriodSec: 600})
	require.NoError(t, err)
	for _, org := range orgProfiles {
		require.Eventually(t, func() bool {
			_, err := net.client(t, org+"-user1").Ballot(ctxFor(t), poll.ID)
			return err == nil
		}, 30*time.Second, 100*time.Millisecond, "the %s peer sees poll %s", org, poll.ID)
	}
	if wait := time.Until(poll.OpensAt); wait > 0 {
		time.Sleep(wait + 500*time.Millisecond) // a poll opens one clock skew after it is created
	}
	late := newMember(t, "labB", fmt.Sprintf("console-late-%d@labB", time.Now().UnixNano()))

	asMember := func(cookie string) {
		t.Helper()
		_, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.cookie = "charter_member=`+cookie+`; path=/"`))
		require.NoError(t, err)
	}
	page := srv.URL + "/ballots/" + poll.ID
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/identity"), chromedp.WaitReady("main")))

	t.Run("a member registered after opening sees why they cannot vote", func(t *testing.T) {
		asMember(console.MemberCookie(late.id))
		require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(page), chromedp.WaitReady("#standing")))
		reason, err := chromedp.Run(ctx, chromedp.Text("#cannot-vote"))
		require.NoError(t, err)
		assert.Contains(t, reason, "You cannot vote now.")
		assert.Contains(t, reason, "after voting opened")
		assert.Contains(t, reason, "(FORBIDDEN)")
		// The reason is the one ballot:Vote gives: ask the chaincode.
		_, voteErr := late.client.Vote(ctxFor(t), ballot.CastRequest{Ballot: poll.ID, Choice: "4"})
		require.Error(t, voteErr)
		assert.Contains(t, wireText(voteErr), "after voting opened")
	})

	t.Run("a vote appears in the results without a reload", func(t *testing.T) {
		asMember(console.MemberCookie(voter.id))
		require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(page), chromedp.WaitReady("#results-table")))
		standing, err := chromedp.Run(ctx, chromedp.Text("#standing"))
		require.NoError(t, err)
		assert.Contains(t, standing, "You can vote on this ballot.")
		assert.Contains(t, standing, "Your weight: 1")
		_, err = chromedp.Run(ctx, chromedp.Evaluate[bool](`window.__noReload = true`))
		require.NoError(t, err)
		// Read the cell inside the page in one step: the results region is
		// swapped every 10 s and on every committed block, and a node read
		// across a swap reads as empty.
		_, err = chromedp.Run(ctx, chromedp.Poll[bool](`(document.querySelector('td[data-choice="6"]') || {}).textContent === '0'`, chromedp.WithPollingTimeout(15*time.Second)))
		require.NoError(t, err, "choice 6 has no vote yet")

		_, err = voter.client.Vote(ctxFor(t), ballot.CastRequest{Ballot: poll.ID, Choice: "6"})
		require.NoError(t, err, "%s", wireText(err))
		_, err = chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelector('td[data-choice="6"]').textContent === '1'`, chromedp.WithPollingTimeout(45*time.Second)))
		require.NoError(t, err, "the results region shows the committed vote")
		same, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.__noReload === true`))
		require.NoError(t, err)
		assert.True(t, same, "no reload")
	})

	t.Run("keyboard-only voting through the API's offline signing", func(t *testing.T) {
		// Import the key once: non-extractable in WebCrypto, kept in IndexedDB.
		require.NoError(t, chromedp.Do(ctx,
			chromedp.Navigate(srv.URL+"/identity"), chromedp.WaitReady("#import-form"),
			chromedp.SendKeys("#msp", "LabAMSP"),
			chromedp.SetUploadFiles("#keyfile", []string{browserKey}),
			chromedp.SetUploadFiles("#certfile", []string{browserCert}),
			chromedp.Click("#import-form button[type=submit]")))
		_, err := chromedp.Run(ctx, chromedp.Poll[bool](`/^Import(ed| failed)/.test(document.getElementById('import-status').textContent)`))
		require.NoError(t, err)
		imported, err := chromedp.Run(ctx, chromedp.Text("#import-status"))
		require.NoError(t, err)
		require.Contains(t, imported, "Imported: writes will be signed as LabAMSP/"+browserCN)

		require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(page), chromedp.WaitReady("#vote-form")))
		_, err = chromedp.Run(ctx, chromedp.Evaluate[bool](`window.__noReload = true`))
		require.NoError(t, err)
		// Read the cell inside the page in one step: the results region is
		// swapped every 10 s and on every committed block, and a node read
		// across a swap reads as empty.
		_, err = chromedp.Run(ctx, chromedp.Poll[bool](`(document.querySelector('td[data-choice="2"]') || {}).textContent === '0'`, chromedp.WithPollingTimeout(15*time.Second)))
		require.NoError(t, err, "choice 2 has no vote yet")
		active := ""
		for i := 0; i < 80 && active != "choice-2"; i++ {
			require.NoError(t, chromedp.Do(ctx, chromedp.KeyEvent(kb.Tab)))
			active, err = chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement.id`))
			require.NoError(t, err)
			if active == "choice-1" { // the group's first radio takes the focus: the arrow key moves to "2"
				require.NoError(t, chromedp.Do(ctx, chromedp.KeyEvent(kb.ArrowDown)))
				active, err = chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement.id`))
				require.NoError(t, err)
			}
		}
		require.Equal(t, "choice-2", active, "the choice is reachable with the keyboard")
		require.NoError(t, chromedp.Do(ctx, chromedp.KeyEvent(" "), chromedp.KeyEvent(kb.Tab)))
		button, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement.textContent`))
		require.NoError(t, err)
		require.Contains(t, button, "Sign and cast my vote")
		require.NoError(t, chromedp.Do(ctx, chromedp.KeyEvent(kb.Enter)))
		_, err = chromedp.Run(ctx, chromedp.Poll[bool](`/^(Committed|Refused|Still)/.test(document.getElementById('vote-status').textContent)`, chromedp.WithPollingTimeout(90*time.Second)))
		require.NoError(t, err)
		status, err := chromedp.Run(ctx, chromedp.Text("#vote-status"))
		require.NoError(t, err)
		require.Contains(t, status, "Committed in block", "the browser signed the proposal and the transaction; the network committed the vote")
		_, err = chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelector('td[data-choice="2"]').textContent === '1'`, chromedp.WithPollingTimeout(45*time.Second)))
		require.NoError(t, err, "the vote shows in the results")
		same, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.__noReload === true`))
		require.NoError(t, err)
		assert.True(t, same, "no reload")
		v, err := reader.VoteOf(ctxFor(t), poll.ID, browserID)
		require.NoError(t, err)
		assert.Equal(t, "2", v.Choice, "the ledger holds the browser member's own vote")
	})

	t.Run("a delegate's statement appears at once", func(t *testing.T) {
		profile := srv.URL + "/delegates/" + url.PathEscape(voter.id.MSPID) + "/" + url.PathEscape(voter.id.ID)
		require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(profile), chromedp.WaitReady("#statement")))
		before, err := chromedp.Run(ctx, chromedp.Text("#statement"))
		require.NoError(t, err)
		assert.Contains(t, before, "No statement yet.")
		text := fmt.Sprintf("Open evaluations first (%d).", time.Now().UnixNano())
		_, err = voter.client.SetDelegateStatement(ctxFor(t), text)
		require.NoError(t, err, "%s", wireText(err))
		// Committed on the voter's peer; the console reads through the
		// Foundation's: the statement is there as soon as that peer has the block.
		require.Eventually(t, func() bool {
			_, err := reader.DelegateStatement(ctxFor(t), voter.id)
			return err == nil
		}, 30*time.Second, 100*time.Millisecond, "the reader's peer has the statement")
		require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(profile), chromedp.WaitReady("#statement")))
		after, err := chromedp.Run(ctx, chromedp.Text("#statement"))
		require.NoError(t, err)
		assert.Equal(t, text, after)
	})

	t.Run("a guardian pause shows, stops the voter, and lapses by itself", func(t *testing.T) {
		g1 := foundingMember(t, "labA", "reg-guardian1")
		g2 := foundingMember(t, "labB", "reg-guardian2")
		_, err := g1.client.PauseBallot(ctxFor(t), ballot.PauseRequest{Ballot: poll.ID, Reason: "a report of coordinated fake accounts"})
		require.NoError(t, err, "%s", wireText(err))
		r2, err := g2.client.PauseBallot(ctxFor(t), ballot.PauseRequest{Ballot: poll.ID, Reason: "confirmed"})
		require.NoError(t, err, "%s", wireText(err))
		require.True(t, r2.InForce)
		require.NotNil(t, r2.Ballot.Pause)
		ends := r2.Ballot.Pause.EndsAt()
		require.Eventually(t, func() bool {
			v, err := reader.Ballot(ctxFor(t), poll.ID)
			return err == nil && v.Pause != nil
		}, 30*time.Second, 100*time.Millisecond, "the reader's peer has the pause")

		// The voter sees why they cannot vote now: the chaincode's pause refusal.
		require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(page), chromedp.WaitReady("#standing")))
		reason, err := chromedp.Run(ctx, chromedp.Text("#cannot-vote"))
		require.NoError(t, err)
		assert.Contains(t, reason, "paused by 2 guardians until")
		assert.Contains(t, reason, "(FAILED_PRECONDITION)")

		// The guardian panel shows the pause, then its end, without a reload.
		require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/guardian?kind=ballot&target="+poll.ID), chromedp.WaitReady("#pause-state")))
		state, err := chromedp.Run(ctx, chromedp.Text("#pause-state"))
		require.NoError(t, err)
		assert.Contains(t, state, "Paused by 2 guardians")
		_, err = chromedp.Run(ctx, chromedp.Evaluate[bool](`window.__noReload = true`))
		require.NoError(t, err)
		wait := time.Until(ends) + 45*time.Second
		_, err = chromedp.Run(ctx, chromedp.Poll[bool](`document.getElementById('pause-state').dataset.inForce === 'no'`, chromedp.WithPollingTimeout(wait), chromedp.WithPollingInterval(time.Second)))
		require.NoError(t, err, "the pause lapses by itself (at %s) and the page shows it", ends.Format(time.RFC3339))
		assert.False(t, time.Now().Before(ends), "not before the pause's end")
		same, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.__noReload === true && document.getElementById('announce').textContent === 'The pause has lapsed.'`))
		require.NoError(t, err)
		assert.True(t, same, "no reload, and the end was announced")
	})

	t.Run("the ballot page passes an axe-core scan", func(t *testing.T) {
		axeSource, err := os.ReadFile(filepath.Join(repoRoot(), "internal", "console", "testdata", "axe.min.js"))
		require.NoError(t, err)
		require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(page), chromedp.WaitReady("main")))
		_, err = chromedp.Run(ctx, chromedp.Evaluate[bool](string(axeSource)+";\ntrue"))
		require.NoError(t, err)
		violations, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}})
			.then(r => r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical').map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join('; ')))`, chromedp.EvalAwaitPromise))
		require.NoError(t, err)
		assert.Empty(t, violations)
	})
}
