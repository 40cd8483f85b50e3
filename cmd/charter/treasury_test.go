package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/decision"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/treasury"
	charter "github.com/charter-gov/charter/gateway-client"
)

var testSpend = &treasury.Spend{ID: "s1", Account: "usd", Budget: "d1", Total: 5, Status: treasury.StatusQueued,
	Payees: []treasury.Payee{{To: identity.Identity{MSPID: "LabAMSP", ID: "x509::CN=Ada::CN=ca"}, Amount: 5}}}

func (g *fakeGateway) Deposit(_ context.Context, req treasury.DepositRequest) (*treasury.DepositRecord, error) {
	return &treasury.DepositRecord{ID: "d1", Account: req.Account, Amount: req.Amount, Status: treasury.DepositPending}, g.record("Deposit", req)
}
func (g *fakeGateway) ConfirmDeposit(_ context.Context, id string) (*treasury.Deposited, error) {
	return &treasury.Deposited{Deposit: &treasury.DepositRecord{ID: id}, Movement: &treasury.Movement{Account: "usd", Delta: 9}}, g.record("ConfirmDeposit", id)
}
func (g *fakeGateway) TreasuryDeposit(_ context.Context, id string) (*treasury.DepositRecord, error) {
	by := time.Date(2026, 12, 15, 9, 0, 0, 0, time.UTC)
	return &treasury.DepositRecord{ID: id, Status: treasury.DepositLapsed, ConfirmBy: &by}, g.record("TreasuryDeposit", id)
}
func (g *fakeGateway) TreasuryDeposits(_ context.Context, n int, bm string) (*treasury.DepositPage, error) {
	by := time.Date(2026, 12, 15, 9, 0, 0, 0, time.UTC)
	return &treasury.DepositPage{Deposits: []treasury.DepositRecord{{ID: "d1", Status: treasury.DepositPending, ConfirmBy: &by},
		{ID: "d2", Status: treasury.DepositLapsed, Reference: "wire-2", ConfirmBy: &by}}}, g.record("TreasuryDeposits", []any{n, bm})
}
func (g *fakeGateway) ProposeSpend(_ context.Context, req treasury.SpendRequest) (*treasury.Spend, error) {
	return testSpend, g.record("ProposeSpend", req)
}
func (g *fakeGateway) ApproveSpend(_ context.Context, id string) (*treasury.Approval, error) {
	return &treasury.Approval{Spend: id}, g.record("ApproveSpend", id)
}
func (g *fakeGateway) ExecuteSpend(_ context.Context, id string) (*treasury.Executed, error) {
	return &treasury.Executed{Spend: testSpend, Movement: &treasury.Movement{}, Usage: &treasury.PeriodUsage{}}, g.record("ExecuteSpend", id)
}
func (g *fakeGateway) CancelDeposit(_ context.Context, id, reason string) (*treasury.DepositRecord, error) {
	return &treasury.DepositRecord{ID: id, Status: treasury.DepositCancelled, CancelReason: reason}, g.record("CancelDeposit", []string{id, reason})
}

func (g *fakeGateway) CancelSpend(_ context.Context, id, reason string) (*treasury.Spend, error) {
	return testSpend, g.record("CancelSpend", []string{id, reason})
}
func (g *fakeGateway) TreasuryAccounts(context.Context) ([]treasury.Account, error) {
	return []treasury.Account{{ID: "token", Unit: "governance token"}}, g.record("TreasuryAccounts", nil)
}
func (g *fakeGateway) TreasuryMovements(_ context.Context, id string, n int, bm string) (*treasury.MovementPage, error) {
	return &treasury.MovementPage{Movements: []treasury.Movement{{Account: id, Seq: 1, Kind: treasury.MoveDeposit, Delta: 5, Balance: 5}}}, g.record("TreasuryMovements", []any{id, n, bm})
}
func (g *fakeGateway) TreasuryBudget(_ context.Context, id string) (*treasury.Budget, error) {
	return &treasury.Budget{Decision: id}, g.record("TreasuryBudget", id)
}
func (g *fakeGateway) Spend(_ context.Context, id string) (*treasury.Spend, error) {
	return testSpend, g.record("Spend", id)
}
func (g *fakeGateway) Spends(_ context.Context, n int, bm string) (*treasury.SpendPage, error) {
	return &treasury.SpendPage{Spends: []treasury.Spend{*testSpend}}, g.record("Spends", []any{n, bm})
}
func (g *fakeGateway) SpendsBySource(_ context.Context, src string) ([]treasury.Spend, error) {
	return []treasury.Spend{*testSpend}, g.record("SpendsBySource", src)
}
func (g *fakeGateway) SpendApprovals(_ context.Context, id string) ([]treasury.Approval, error) {
	return []treasury.Approval{{Spend: id}}, g.record("SpendApprovals", id)
}
func (g *fakeGateway) TreasuryUsage(_ context.Context, id string, at time.Time) (*treasury.PeriodUsage, error) {
	return &treasury.PeriodUsage{Account: id}, g.record("TreasuryUsage", []any{id, at})
}
func (g *fakeGateway) ProposeBudget(_ context.Context, title, desc string, req treasury.BudgetRequest) (*decision.Decision, error) {
	return testDecision(), g.record("ProposeBudget", []any{title, desc, req})
}
func (g *fakeGateway) ProposeSpendDecision(_ context.Context, title, desc, spend string) (*decision.Decision, error) {
	return testDecision(), g.record("ProposeSpendDecision", []any{title, desc, spend})
}

func TestTreasuryCommands(t *testing.T) {
	f0 := newFixture(t)
	user1 := f0.identityOf(t, "labA-user1", "LabAMSP")
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		args  []string
		wants []fakeCall
	}{
		{"accounts", []string{"treasury", "accounts"}, []fakeCall{{"TreasuryAccounts", nil}}},
		{"movements", []string{"treasury", "movements", "usd", "--page-size", "5"}, []fakeCall{{"TreasuryMovements", []any{"usd", 5, ""}}}},
		{"deposit", []string{"treasury", "deposit", "--account", "usd", "--amount", "9", "--reference", "wire-7", "--reason", "grant"},
			[]fakeCall{{"Deposit", treasury.DepositRequest{Account: "usd", Amount: 9, Reference: "wire-7", Reason: "grant"}}}},
		{"confirm deposit", []string{"treasury", "confirm-deposit", "d1"}, []fakeCall{{"ConfirmDeposit", "d1"}}},
		{"cancel deposit", []string{"treasury", "cancel-deposit", "d1", "--reason", "returned"}, []fakeCall{{"CancelDeposit", []string{"d1", "returned"}}}},
		{"deposits", []string{"treasury", "deposits", "--page-size", "5"}, []fakeCall{{"TreasuryDeposits", []any{5, ""}}}},
		{"deposits show", []string{"treasury", "deposits", "--show", "d1"}, []fakeCall{{"TreasuryDeposit", "d1"}}},
		{"budget", []string{"treasury", "budget", "--account", "usd", "--amount", "100", "--purpose", "evals", "--title", "Q3"},
			[]fakeCall{{"ProposeBudget", []any{"Q3", "", treasury.BudgetRequest{Account: "usd", Amount: 100, Purpose: "evals"}}}}},
		{"budget show", []string{"treasury", "budget", "--show", "d1"}, []fakeCall{{"TreasuryBudget", "d1"}}},
		{"propose", []string{"treasury", "propose", "--account", "usd", "--budget", "d1", "--to", "labA-user1=5", "--to", "LabBMSP/x509::CN=b::CN=ca=7", "--reason", "grant", "--source", "round:r1"},
			[]fakeCall{{"ProposeSpend", treasury.SpendRequest{Account: "usd", Budget: "d1", Reason: "grant", Source: "round:r1",
				Payees: []treasury.Payee{{To: user1, Amount: 5}, {To: identity.Identity{MSPID: "LabBMSP", ID: "x509::CN=b::CN=ca"}, Amount: 7}}}}}},
		{"decide", []string{"treasury", "decide", "s1", "--title", "Big grant"}, []fakeCall{{"ProposeSpendDecision", []any{"Big grant", "", "s1"}}}},
		{"approve", []string{"treasury", "approve", "s1"}, []fakeCall{{"ApproveSpend", "s1"}}},
		{"execute", []string{"treasury", "execute", "s1"}, []fakeCall{{"ExecuteSpend", "s1"}}},
		{"cancel", []string{"treasury", "cancel", "s1", "--reason", "dup"}, []fakeCall{{"CancelSpend", []string{"s1", "dup"}}}},
		{"show", []string{"treasury", "show", "s1"}, []fakeCall{{"Spend", "s1"}}},
		{"show approvals", []string{"treasury", "show", "s1", "--approvals"}, []fakeCall{{"SpendApprovals", "s1"}}},
		{"list", []string{"treasury", "list"}, []fakeCall{{"Spends", []any{0, ""}}}},
		{"list by source", []string{"treasury", "list", "--source", "round:r1"}, []fakeCall{{"SpendsBySource", "round:r1"}}},
		{"usage at", []string{"treasury", "usage", "usd", "--at", "2026-03-01T09:00:00Z"}, []fakeCall{{"TreasuryUsage", []any{"usd", at}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkCommand(t, tt.args, tt.wants) })
	}
}

func TestTreasuryUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"deposit without reference", []string{"treasury", "deposit", "--account", "usd", "--amount", "9", "--reason", "r"}, "--reference"},
		{"deposit zero", []string{"treasury", "deposit", "--account", "usd", "--reference", "x", "--reason", "r"}, "--amount 0"},
		{"budget without title", []string{"treasury", "budget", "--account", "usd", "--amount", "1", "--purpose", "p"}, "--title"},
		{"propose without payee", []string{"treasury", "propose", "--account", "usd", "--budget", "d1", "--reason", "r"}, "--to"},
		{"propose bad payee", []string{"treasury", "propose", "--account", "usd", "--budget", "d1", "--reason", "r", "--to", "labA-user1=0"}, "positive whole number"},
		{"approve nothing", []string{"treasury", "approve"}, "the spend ID"},
		{"cancel deposit without reason", []string{"treasury", "cancel-deposit", "d1"}, "reason"},
		{"cancel deposit without ID", []string{"treasury", "cancel-deposit", "--reason", "r"}, "the deposit ID"},
		{"confirm nothing", []string{"treasury", "confirm-deposit"}, "the deposit ID"},
		{"deposits show and page", []string{"treasury", "deposits", "--show", "d1", "--page-size", "5"}, "none of the others can be"},
		{"cancel without reason", []string{"treasury", "cancel", "s1"}, `required flag(s) "reason" not set`},
		{"usage bad time", []string{"treasury", "usage", "usd", "--at", "noon"}, "RFC 3339"},
		{"alert zero", []string{"events", "watch", "--alert", "0"}, "--alert 0"},
		{"webhook without alert", []string{"events", "watch", "--webhook", "http://x"}, "--webhook goes with --alert"},
		{"webhook not http", []string{"events", "watch", "--alert", "5", "--webhook", "file:///etc/passwd"}, "http:// or https://"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			r := f.run(t, nil, tt.args...)
			assert.Equal(t, exitUsage, r.code, r.stderr)
			assert.Contains(t, r.stderr, tt.want)
			assert.Empty(t, f.fake.calls, "nothing sent")
		})
	}
}

func treasuryEvent(t *testing.T, block uint64, typ string, payload any) charter.Event {
	raw, err := json.Marshal(payload)
	require.NoError(t, err)
	return charter.Event{BlockNumber: block, TxID: "tx" + typ, Name: typ, Envelope: core.Event{Type: typ, Payload: raw}}
}

func TestEventsWatchAlert(t *testing.T) {
	ada := identity.Identity{MSPID: "LabAMSP", ID: "x509::CN=Ada::CN=ca"}
	bob := identity.Identity{MSPID: "LabBMSP", ID: "x509::CN=Bob::CN=ca"}
	small := &treasury.Spend{ID: "s-small", Account: "usd", Total: 10, Proposer: ada, Payees: []treasury.Payee{{To: bob, Amount: 10}}}
	large := &treasury.Spend{ID: "s-large", Account: "usd", Total: 90_000, Proposer: ada, Payees: []treasury.Payee{{To: bob, Amount: 90_000}}, Source: "round:r1"}
	self := &treasury.Spend{ID: "s-self", Account: "usd", Total: 3, Proposer: ada, Payees: []treasury.Payee{{To: ada, Amount: 3}}}
	events := []charter.Event{
		{BlockNumber: 1, TxID: "m", Name: "member.registered", Envelope: core.Event{Type: "member.registered", Payload: json.RawMessage(`{}`)}},
		treasuryEvent(t, 2, treasury.EventSpendQueued, small),
		treasuryEvent(t, 3, treasury.EventSpendExecuted, treasury.Executed{Spend: large}),
		treasuryEvent(t, 4, treasury.EventSpendProposed, self),
		treasuryEvent(t, 5, treasury.EventDeposited, treasury.Deposited{Movement: &treasury.Movement{Account: "usd", Delta: 50_000}}),
	}
	var mu sync.Mutex
	var posted []Alert
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var al Alert
		if json.Unmarshal(body, &al) == nil {
			mu.Lock()
			posted = append(posted, al)
			mu.Unlock()
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()

	f := newFixture(t)
	f.fake.events = events
	r := f.run(t, nil, "events", "watch", "--alert", "50000", "--webhook", srv.URL, "--count", "3")
	require.Equal(t, exitOK, r.code, "stderr: %s", r.stderr)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	require.Len(t, lines, 3, r.stdout)
	assert.Contains(t, lines[0], "treasury.spend_executed usd s-large 90000 source round:r1")
	assert.Contains(t, lines[0], "90000 ≥ the alert amount 50000")
	assert.Contains(t, lines[1], "s-self 3")
	assert.Contains(t, lines[1], "pays its own proposer")
	assert.Contains(t, lines[2], "treasury.deposited usd  50000")
	assert.NotContains(t, r.stdout, "s-small", "a small, ordinary spend is no alert")
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, posted, 3, "every alert is posted")
	assert.Equal(t, "s-large", posted[0].Spend)
	assert.Equal(t, int64(90_000), posted[0].Amount)
}

func TestEventsWatchAlertWebhookFailureIsReported(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusInternalServerError) }))
	defer srv.Close()
	f := newFixture(t)
	f.fake.events = []charter.Event{treasuryEvent(t, 2, treasury.EventIssued, treasury.Issued{Movement: &treasury.Movement{Account: "token", Delta: 7}})}
	r := f.run(t, nil, "events", "watch", "--alert", "5", "--webhook", srv.URL, "--count", "1")
	require.Equal(t, exitOK, r.code, "stderr: %s", r.stderr)
	assert.Contains(t, r.stdout, "treasury.issued token  7")
	assert.Contains(t, r.stderr, "alert webhook")
	assert.Contains(t, r.stderr, "500")
}

// treasury deposits shows a lapsed deposit as lapsed, with its deadline.
func TestTreasuryDepositsShowLapsed(t *testing.T) {
	f := newFixture(t)
	r := f.run(t, nil, "treasury", "deposits")
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, "CONFIRM BY")
	assert.Regexp(t, `d2\s+lapsed\s+`, r.stdout)
	assert.Regexp(t, `d1\s+pending\s+`, r.stdout)
	r = f.run(t, nil, "treasury", "deposits", "--show", "d2")
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, "lapsed: not confirmed by its deadline 2026-12-15")
}
