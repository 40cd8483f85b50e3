package api

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/treasury"
	"github.com/charter-gov/charter/gateway-client/audit/audittest"
	"github.com/charter-gov/charter/internal/alert"
)

var (
	alertAda = identity.Identity{MSPID: "LabAMSP", ID: "x509::CN=Ada::CN=ca"}
	alertBob = identity.Identity{MSPID: "LabBMSP", ID: "x509::CN=Bob::CN=ca"}
)

// spendTx is a transaction emitting typ for a spend of total paid to to.
func spendTx(t *testing.T, l *testLedger, typ, id string, total int64, to identity.Identity) audittest.Tx {
	sp := &treasury.Spend{ID: id, Account: "usd", Total: total, Proposer: alertAda, Payees: []treasury.Payee{{To: to, Amount: total}}}
	var payload any = sp
	if typ == treasury.EventSpendExecuted {
		payload = treasury.Executed{Spend: sp}
	}
	raw, err := json.Marshal(payload)
	require.NoError(t, err)
	env, err := json.Marshal(core.Event{Type: typ, Actor: alertAda, Time: time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC), Payload: raw})
	require.NoError(t, err)
	return audittest.Tx{Creator: l.user, EventName: typ, Event: env}
}

type alertLine struct {
	Cursor string       `json:"cursor"`
	Name   string       `json:"name"`
	Alert  *alert.Alert `json:"alert"`
}

// TestEventsAlerts: GET /v1/events?alert= sends only treasury alerts at
// the amount, each with its alert (the CLI's JSON), resumable by cursor
// and counted by limit; an amount below 1 is a problem.
func TestEventsAlerts(t *testing.T) {
	l := newTestLedger()
	l.AddBlock(spendTx(t, l, treasury.EventSpendProposed, "s-small", 10, alertBob), charterTx(l, "ballot.opened", 1))
	l.AddBlock(spendTx(t, l, treasury.EventSpendProposed, "s-large", 90_000, alertBob), spendTx(t, l, treasury.EventSpendProposed, "s-self", 3, alertAda))
	l.AddBlock(spendTx(t, l, treasury.EventSpendExecuted, "s-large", 90_000, alertBob))
	g := newEventsGateway(l.Blocks)
	s, ts := startTestServer(t, Options{Gateway: g})
	require.Eventually(t, func() bool { h, _ := s.blocks.Height(); return h == uint64(len(l.Blocks)) }, 5*time.Second, 10*time.Millisecond)
	get := func(path string) []alertLine {
		res, err := http.Get(ts.URL + path)
		require.NoError(t, err)
		defer res.Body.Close()
		require.Equal(t, 200, res.StatusCode)
		require.Equal(t, "application/x-ndjson", res.Header.Get("Content-Type"))
		var out []alertLine
		dec := json.NewDecoder(res.Body)
		for dec.More() {
			var a alertLine
			require.NoError(t, dec.Decode(&a))
			out = append(out, a)
		}
		return out
	}
	all := get("/v1/events?alert=50000")
	require.Len(t, all, 3, "%+v", all)
	assert.Equal(t, []string{"2.0", "2.1", "3.0"}, []string{all[0].Cursor, all[1].Cursor, all[2].Cursor})
	require.NotNil(t, all[0].Alert)
	assert.Equal(t, alert.Alert{Block: 2, TxID: all[0].Alert.TxID, Event: treasury.EventSpendProposed, Time: time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC),
		Actor: alertAda, Account: "usd", Amount: 90_000, Spend: "s-large", Why: []string{"90000 ≥ the alert amount 50000"}}, *all[0].Alert)
	assert.Len(t, all[0].Alert.TxID, 64)
	assert.Equal(t, []string{"pays its own proposer LabAMSP/Ada"}, all[1].Alert.Why)
	assert.Equal(t, treasury.EventSpendExecuted, all[2].Name)

	rest := get("/v1/events?alert=50000&limit=1&after=" + all[0].Cursor)
	require.Len(t, rest, 1, "limit counts alerts")
	assert.Equal(t, "2.1", rest[0].Cursor)
	assert.Len(t, get("/v1/events?alert=5"), 4, "a lower amount makes the small spend an alert too")
	plain := get("/v1/events")
	require.Len(t, plain, 5)
	for _, e := range plain {
		assert.Nil(t, e.Alert, "without ?alert= no line carries an alert")
	}

	streams := g.streamCount()
	for _, path := range []string{"/v1/events?alert=0", "/v1/events?alert=-5"} {
		requireProblem(t, do(t, ts, "GET", path, nil), 400, "INVALID_ARGUMENT", "alert", "range")
	}
	requireProblem(t, do(t, ts, "GET", "/v1/events?alert=lots", nil), 400, "INVALID_ARGUMENT", "alert", "")
	require.Equal(t, streams, g.streamCount(), "a refused request opened no block stream")

	got, err := s.latestAlerts(context.Background(), 50000, 100, 2)
	require.NoError(t, err)
	require.Len(t, got, 2, "the latest two, newest first")
	assert.Equal(t, treasury.EventSpendExecuted, got[0].Event)
	assert.Equal(t, "s-self", got[1].Spend)
}

// charterTx is a transaction emitting a non-treasury event.
func charterTx(l *testLedger, typ string, n int) audittest.Tx {
	return audittest.Tx{Creator: l.user, EventName: typ, Event: charterEvent(typ, n)}
}

// hookReceiver records the alerts posted to it; the first fail posts
// answer 503.
type hookReceiver struct {
	mu    sync.Mutex
	fail  int
	posts int
	got   []alert.Alert
}

func (h *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.posts++
	if h.fail > 0 {
		h.fail--
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	var al alert.Alert
	if err := json.NewDecoder(r.Body).Decode(&al); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	h.got = append(h.got, al)
	w.WriteHeader(http.StatusNoContent)
}

func (h *hookReceiver) spends() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := []string{}
	for _, a := range h.got {
		out = append(out, a.Spend)
	}
	return out
}

// TestAlertWebhook: a server with Options.Alerts posts each alert of the
// blocks committed after it first started, retrying a failed post; a
// restarted server resumes from its checkpoint and posts no alert twice.
func TestAlertWebhook(t *testing.T) {
	dir := t.TempDir()
	l := newTestLedger()
	l.AddBlock(spendTx(t, l, treasury.EventSpendProposed, "s-before", 90_000, alertBob))
	recv := &hookReceiver{fail: 1}
	hook := httptest.NewServer(recv)
	defer hook.Close()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	run := func(wait func() bool) {
		t.Helper()
		g := &ledgerGateway{fakeGateway: &fakeGateway{}, l: l}
		s, err := NewServer(Options{Gateway: g, Logger: quiet, StateDir: dir, Alerts: AlertOptions{Amount: 50_000,
			Webhook: &alert.Webhook{URL: hook.URL, Attempts: 3, Backoff: 10 * time.Millisecond, Logger: quiet}}})
		require.NoError(t, err)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); s.Run(ctx) }()
		require.Eventually(t, wait, 5*time.Second, 10*time.Millisecond)
		cancel()
		<-done
		require.NoError(t, s.Close())
	}
	checkpoint := func() alertCheckpoint {
		var cp alertCheckpoint
		raw, err := os.ReadFile(filepath.Join(dir, alertCheckpointFile))
		if err != nil || json.Unmarshal(raw, &cp) != nil {
			return alertCheckpoint{}
		}
		return cp
	}
	// First start: the alerts of blocks already committed are not posted.
	run(func() bool { return checkpoint().Block == 2 })
	assert.Equal(t, []string{}, recv.spends())

	l.AddBlock(spendTx(t, l, treasury.EventSpendProposed, "s-small", 10, alertBob))
	l.AddBlock(spendTx(t, l, treasury.EventSpendQueued, "s-large", 90_000, alertBob), spendTx(t, l, treasury.EventSpendProposed, "s-self", 3, alertAda))
	run(func() bool { return len(recv.spends()) == 2 && checkpoint().Block == 4 })
	assert.Equal(t, []string{"s-large", "s-self"}, recv.spends(), "each alert once, in order; the small spend is none")
	recv.mu.Lock()
	assert.Equal(t, 3, recv.posts, "the failed first post was retried")
	recv.mu.Unlock()

	l.AddBlock(spendTx(t, l, treasury.EventSpendExecuted, "s-large", 90_000, alertBob))
	run(func() bool { return len(recv.spends()) == 3 })
	assert.Equal(t, []string{"s-large", "s-self", "s-large"}, recv.spends(), "after a restart only the new block's alert is posted")
	assert.Equal(t, treasury.EventSpendExecuted, recv.got[2].Event)
	assert.Equal(t, uint64(4), recv.got[2].Block)
}

// TestAlertOptionsChecked: a webhook without an amount, or a negative
// amount, is refused.
func TestAlertOptionsChecked(t *testing.T) {
	for _, a := range []AlertOptions{{Amount: -1}, {Webhook: &alert.Webhook{URL: "http://x"}}} {
		_, err := NewServer(Options{Gateway: &fakeGateway{}, Alerts: a})
		require.Error(t, err)
		assert.Contains(t, err.Error(), "Alerts.Amount")
	}
}
