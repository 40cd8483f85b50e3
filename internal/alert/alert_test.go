package alert

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/treasury"
	charter "github.com/charter-gov/charter/gateway-client"
)

var (
	ada = identity.Identity{MSPID: "LabAMSP", ID: "x509::CN=Ada@laba.example::CN=ca"}
	bob = identity.Identity{MSPID: "LabBMSP", ID: "x509::CN=Bob::CN=ca"}
)

func event(t *testing.T, typ string, payload any) charter.Event {
	raw, err := json.Marshal(payload)
	require.NoError(t, err)
	return charter.Event{BlockNumber: 7, TxID: "tx1", Name: typ, Envelope: core.Event{Type: typ, Actor: ada, Payload: raw}}
}

// TestTreasury: which events are alerts at an amount, and why.
func TestTreasury(t *testing.T) {
	spend := func(total int64, to identity.Identity) *treasury.Spend {
		return &treasury.Spend{ID: "s1", Account: "usd", Total: total, Proposer: ada, Payees: []treasury.Payee{{To: to, Amount: total}}, Source: "round:r1"}
	}
	canceled := spend(3, bob)
	canceled.CancelReason = "duplicate"
	byDecision := spend(3, bob)
	byDecision.Decision = "d9"
	for _, tc := range []struct {
		name string
		ev   charter.Event
		want []string // nil: no alert
	}{
		{"a large spend proposed", event(t, treasury.EventSpendProposed, spend(500, bob)), []string{"500 ≥ the alert amount 100"}},
		{"a spend at the amount", event(t, treasury.EventSpendQueued, spend(100, bob)), []string{"100 ≥ the alert amount 100"}},
		{"a small spend", event(t, treasury.EventSpendProposed, spend(99, bob)), nil},
		{"a small spend to its proposer", event(t, treasury.EventSpendProposed, spend(5, ada)), []string{"pays its own proposer LabAMSP/Ada"}},
		{"a large spend to its proposer", event(t, treasury.EventSpendExecuted, treasury.Executed{Spend: spend(500, ada)}), []string{"500 ≥ the alert amount 100", "pays its own proposer LabAMSP/Ada"}},
		{"a cancelled spend", event(t, treasury.EventSpendCanceled, canceled), []string{"cancelled: duplicate"}},
		{"queued by a decision", event(t, treasury.EventSpendQueued, byDecision), []string{"queued by treasury_spend decision d9"}},
		{"a large deposit recorded", event(t, treasury.EventDepositRecorded, treasury.DepositRecord{Account: "usd", Amount: 1000}), []string{"1000 ≥ the alert amount 100"}},
		{"a large deposit", event(t, treasury.EventDeposited, treasury.Deposited{Movement: &treasury.Movement{Account: "usd", Delta: 100}}), []string{"100 ≥ the alert amount 100"}},
		{"a small issuance", event(t, treasury.EventIssued, treasury.Issued{Movement: &treasury.Movement{Account: "token", Delta: 9}}), nil},
		{"an executed event without its spend", event(t, treasury.EventSpendExecuted, map[string]any{}), nil},
		{"another area's event", event(t, "ballot.opened", map[string]any{"total": 1000}), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			al, ok := Treasury(tc.ev, 100)
			if tc.want == nil {
				assert.False(t, ok)
				return
			}
			require.True(t, ok)
			assert.Equal(t, tc.want, al.Why)
			assert.Equal(t, uint64(7), al.Block)
			assert.Equal(t, "tx1", al.TxID)
			assert.Equal(t, tc.ev.Envelope.Type, al.Event)
			assert.Equal(t, ada, al.Actor)
		})
	}
	al, ok := Treasury(event(t, treasury.EventSpendExecuted, treasury.Executed{Spend: spend(500, bob)}), 100)
	require.True(t, ok)
	assert.Equal(t, Alert{Block: 7, TxID: "tx1", Event: treasury.EventSpendExecuted, Actor: ada, Account: "usd", Amount: 500, Spend: "s1", Source: "round:r1",
		Why: []string{"500 ≥ the alert amount 100"}}, *al)
}

func TestWho(t *testing.T) {
	assert.Equal(t, "-", Who(identity.Identity{}))
	assert.Equal(t, "LabAMSP/Ada", Who(ada))
	assert.Equal(t, "LabBMSP/Bob", Who(bob))
	assert.Equal(t, "X/plain", Who(identity.Identity{MSPID: "X", ID: "plain"}))
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// TestWebhookRetries: a failed post is retried with backoff until one
// succeeds; every attempt carries the alert's JSON.
func TestWebhookRetries(t *testing.T) {
	var mu sync.Mutex
	var got []Alert
	var at []time.Time
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var al Alert
		require.NoError(t, json.NewDecoder(r.Body).Decode(&al))
		assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
		mu.Lock()
		defer mu.Unlock()
		got, at = append(got, al), append(at, time.Now())
		if len(got) < 3 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	al := &Alert{Block: 4, TxID: "t4", Event: treasury.EventSpendProposed, Amount: 9, Why: []string{"x"}}
	w := &Webhook{URL: srv.URL, Attempts: 4, Backoff: 20 * time.Millisecond, Logger: quiet()}
	require.NoError(t, w.Deliver(context.Background(), al))
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, got, 3, "posted until the first success")
	for _, g := range got {
		assert.Equal(t, *al, g)
	}
	assert.GreaterOrEqual(t, at[1].Sub(at[0]), 20*time.Millisecond)
	assert.GreaterOrEqual(t, at[2].Sub(at[1]), 40*time.Millisecond, "the backoff doubles")
}

// TestWebhookGivesUp: a receiver that keeps failing gets exactly Attempts
// posts, and the error names the alert's transaction and the last answer.
func TestWebhookGivesUp(t *testing.T) {
	var mu sync.Mutex
	posts := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		posts++
		mu.Unlock()
		w.WriteHeader(http.StatusInternalServerError)
	}))
	defer srv.Close()
	w := &Webhook{URL: srv.URL, Attempts: 3, Backoff: time.Millisecond, Logger: quiet()}
	err := w.Deliver(context.Background(), &Alert{Block: 4, TxID: "t4"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "t4")
	assert.Contains(t, err.Error(), "500")
	mu.Lock()
	assert.Equal(t, 3, posts)
	mu.Unlock()

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	slow := &Webhook{URL: srv.URL, Attempts: 10, Backoff: time.Hour, Logger: quiet()}
	require.Error(t, slow.Deliver(ctx, &Alert{TxID: "t5"}), "an ended context stops the retries")
}

func TestValidURL(t *testing.T) {
	require.NoError(t, ValidURL("https://ops.example/hook"))
	require.NoError(t, ValidURL("http://127.0.0.1:9/x"))
	err := ValidURL("file:///etc/passwd")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "http:// or https://")
}
