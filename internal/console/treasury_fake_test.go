package console

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/treasury"
)

// fakeTreasury is the treasury the console reads and the fake API writes:
// account "compute" with a balance, the governance token account "token"
// (which takes no deposits), four spends and three deposits.
//
//   - s1: queued, delay over, proposed by ada, approved by bob (LabBMSP);
//     it needs 2 approvals from distinct organisations;
//   - s2: queued a moment ago with a day's delay;
//   - s3: executed; s4: awaiting its treasury_spend decision.
type fakeTreasury struct {
	mu         sync.Mutex
	treasurers map[identity.Identity]bool
	spends     map[string]*treasury.Spend
	approvals  map[string][]treasury.Approval
	deposits   []treasury.DepositRecord
	balance    int64
	spent      int64
}

func newTreasury() *fakeTreasury {
	queued, recent := t0, time.Now().UTC()
	executed := t0.Add(2 * time.Hour)
	pin := func(sp *treasury.Spend, at time.Time, delay int64) *treasury.Spend {
		a := at.Add(time.Duration(delay) * time.Second)
		sp.QueuedAt, sp.ExecutableAt, sp.DelaySec, sp.SkewSec, sp.SignersRequired, sp.DistinctOrgs = &at, &a, delay, 30, 2, true
		return sp
	}
	payees := []treasury.Payee{{To: bob, Amount: 600}, {To: ada, Amount: 400}}
	by, confirmed := t0.Add(72*time.Hour), t0.Add(time.Hour)
	past := t0.Add(-24 * time.Hour)
	return &fakeTreasury{
		deposits: []treasury.DepositRecord{
			{ID: "dp1", Account: "compute", Amount: 5000, Reference: "wire 2026-118", Reason: "grant from a funder", Status: treasury.DepositPending, Recorder: ada, RecordedAt: t0, ConfirmBy: &by},
			{ID: "dp2", Account: "compute", Amount: 45000, Reference: "wire 2026-101", Reason: "annual contribution", Status: treasury.DepositConfirmed, Recorder: ada, RecordedAt: t0, ConfirmedBy: &bob, ConfirmedAt: &confirmed},
			{ID: "dp3", Account: "compute", Amount: 700, Reference: "cheque 17", Reason: "donation", Status: treasury.DepositLapsed, Recorder: bob, RecordedAt: past.Add(-72 * time.Hour), ConfirmBy: &past},
		},
		treasurers: map[identity.Identity]bool{bob: true, gus: true},
		balance:    50000,
		spent:      1000,
		spends: map[string]*treasury.Spend{
			"s1": pin(&treasury.Spend{ID: "s1", Account: "compute", Budget: "d1", Payees: payees, Total: 1000, Source: "round:r1", Reason: "payout of round r1",
				Proposer: ada, ProposedAt: t0, Status: treasury.StatusQueued}, queued, 3600),
			"s2": pin(&treasury.Spend{ID: "s2", Account: "compute", Budget: "d1", Payees: payees[:1], Total: 600, Reason: "eval cluster",
				Proposer: ada, ProposedAt: t0.Add(time.Hour), Status: treasury.StatusQueued}, recent, 86400),
			"s3": pin(&treasury.Spend{ID: "s3", Account: "compute", Budget: "d1", Payees: payees[:1], Total: 1000, Reason: "GPU hours",
				Proposer: bob, ProposedAt: t0.Add(-time.Hour), Status: treasury.StatusExecuted, ExecutedAt: &executed, ExecutedBy: &gus}, queued, 3600),
			"s4": {ID: "s4", Account: "compute", Budget: "d1", Payees: payees, Total: 90000, Reason: "a large grant", Proposer: bob,
				ProposedAt: t0.Add(30 * time.Minute), Status: treasury.StatusAwaitingDecision, NeedsDecision: true},
		},
		approvals: map[string][]treasury.Approval{
			"s1": {{Spend: "s1", Treasurer: bob, At: t0.Add(time.Minute), TxID: "aa01"}},
			"s3": {{Spend: "s3", Treasurer: bob, At: t0}, {Spend: "s3", Treasurer: gus, At: t0}},
		},
	}
}

func (x *fakeTreasury) spend(id string) (*treasury.Spend, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	sp, ok := x.spends[id]
	if !ok {
		return nil, errcode.NotFoundf("spend %q not found", id)
	}
	c := *sp
	return &c, nil
}

// approve is treasury.Approve's checks on the fake's records.
func (x *fakeTreasury) approve(caller identity.Identity, id string, commit bool) (any, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	sp, ok := x.spends[id]
	switch {
	case !x.treasurers[caller]:
		return nil, errcode.Forbiddenf("approve a spend: %s is not a treasurer", caller.Short())
	case !ok:
		return nil, errcode.NotFoundf("spend %q not found", id)
	case sp.Status != treasury.StatusQueued && sp.Status != treasury.StatusAwaitingDecision:
		return nil, errcode.Preconditionf("approve spend %s: it is %s", id, sp.Status)
	case slices.ContainsFunc(x.approvals[id], func(a treasury.Approval) bool { return a.Treasurer == caller }):
		return nil, errcode.Conflictf("approve spend %s: %s already approved it", id, caller.Short())
	}
	a := treasury.Approval{Spend: id, Treasurer: caller, At: time.Now().UTC(), TxID: "ab"}
	if commit {
		x.approvals[id] = append(x.approvals[id], a)
	}
	return a, nil
}

// execute is treasury.Execute's checks (status, delay, signers) on the
// fake's records.
func (x *fakeTreasury) execute(caller identity.Identity, id string, commit bool) (any, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	sp, ok := x.spends[id]
	switch {
	case !x.treasurers[caller]:
		return nil, errcode.Forbiddenf("execute a spend: %s is not a treasurer", caller.Short())
	case !ok:
		return nil, errcode.NotFoundf("spend %q not found", id)
	case sp.Status != treasury.StatusQueued:
		return nil, errcode.Preconditionf("execute spend %s: it is %s", id, sp.Status)
	case time.Now().Before(sp.ExecutableAt.Add(2 * time.Duration(sp.SkewSec) * time.Second)):
		return nil, errcode.Preconditionf("execute spend %s: the delay is not over", id)
	case int64(len(x.approvals[id])) < sp.SignersRequired:
		return nil, errcode.Preconditionf("execute spend %s: %d of the %d treasurer approvals it needs", id, len(x.approvals[id]), sp.SignersRequired)
	}
	if !commit {
		return map[string]any{"spend": sp}, nil
	}
	now := time.Now().UTC()
	sp.Status, sp.ExecutedAt, sp.ExecutedBy = treasury.StatusExecuted, &now, &caller
	x.balance -= sp.Total
	x.spent += sp.Total
	return map[string]any{"spend": sp}, nil
}

// depositBody is the body of POST /v1/treasury/deposits.
type depositBody struct {
	Account   string `json:"account"`
	Amount    int64  `json:"amount"`
	Reference string `json:"reference"`
	Reason    string `json:"reason"`
}

// record is treasury.Deposit's checks on the fake's records: a treasurer
// records a pending deposit into an account other than the token account;
// the balance does not move.
func (x *fakeTreasury) record(caller identity.Identity, b depositBody, commit bool) (any, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	switch {
	case !x.treasurers[caller]:
		return nil, errcode.Forbiddenf("treasury deposit: %s is not a treasurer", caller.Short())
	case b.Amount <= 0 || b.Amount > treasury.MaxAmount:
		return nil, errcode.InvalidFieldf("amount", "range", "treasury deposit: amount %d must be between 1 and %d", b.Amount, treasury.MaxAmount)
	case b.Reference == "":
		return nil, errcode.InvalidFieldf("reference", "required", "reference: required")
	case b.Reason == "":
		return nil, errcode.InvalidFieldf("reason", "required", "reason: required")
	case b.Account == constitution.TreasuryTokenAccount:
		return nil, errcode.InvalidFieldf("account", treasury.RuleNoTokenDeposits, "treasury deposit: the %s account takes no deposits", b.Account)
	case b.Account != "compute":
		return nil, errcode.Fieldf(errcode.NotFound, "account", "exists", "treasury account %q: the constitution names no such account (accounts: compute, token)", b.Account)
	}
	now := time.Now().UTC()
	by := now.Add(14 * 24 * time.Hour)
	d := treasury.DepositRecord{ID: fmt.Sprintf("dp%d", len(x.deposits)+1), Account: b.Account, Amount: b.Amount, Reference: b.Reference, Reason: b.Reason,
		Status: treasury.DepositPending, Recorder: caller, RecordedAt: now, ConfirmBy: &by}
	if commit {
		x.deposits = append(x.deposits, d)
	}
	return d, nil
}

// serveTreasury answers the fake API's treasury writes; it reports
// whether it answered.
func (a *fakeAPI) serveTreasury(w http.ResponseWriter, r *http.Request, parts []string) bool {
	x := a.reader.treasury
	if r.Method == http.MethodPost && len(parts) == 2 && parts[0] == "treasury" && parts[1] == "deposits" {
		var b depositBody
		a.prepareOp(w, r, &b, func(caller identity.Identity) func(bool) (any, error) {
			return func(commit bool) (any, error) { return x.record(caller, b, commit) }
		})
		return true
	}
	if r.Method != http.MethodPost || len(parts) != 4 || parts[0] != "treasury" {
		return false
	}
	id := parts[2]
	switch parts[1] + "/" + parts[3] {
	case "deposits/confirmation":
		a.prepareOp(w, r, nil, func(caller identity.Identity) func(bool) (any, error) {
			return func(commit bool) (any, error) { return x.confirm(caller, id, commit) }
		})
	case "spends/approvals":
		a.prepareOp(w, r, nil, func(caller identity.Identity) func(bool) (any, error) {
			return func(commit bool) (any, error) { return x.approve(caller, id, commit) }
		})
	case "spends/execution":
		a.prepareOp(w, r, nil, func(caller identity.Identity) func(bool) (any, error) {
			return func(commit bool) (any, error) { return x.execute(caller, id, commit) }
		})
	default:
		return false
	}
	return true
}

func (f *fakeReader) TreasuryAccounts(context.Context) ([]treasury.Account, error) {
	x := f.treasury
	x.mu.Lock()
	defer x.mu.Unlock()
	return []treasury.Account{{ID: "compute", Unit: "USD", Balance: x.balance, Seq: 3, UpdatedAt: t0},
		{ID: constitution.TreasuryTokenAccount, Unit: "tokens", Balance: 1000000, Seq: 1, UpdatedAt: t0}}, nil
}

func (f *fakeReader) TreasuryUsage(_ context.Context, account string, at time.Time) (*treasury.PeriodUsage, error) {
	x := f.treasury
	x.mu.Lock()
	defer x.mu.Unlock()
	start := at.UTC().Truncate(30 * 24 * time.Hour)
	switch account {
	case "compute":
		return &treasury.PeriodUsage{Account: account, Period: 7, Start: start, End: start.Add(30 * 24 * time.Hour), Spent: x.spent, Limit: 20000}, nil
	case constitution.TreasuryTokenAccount:
		return &treasury.PeriodUsage{Account: account, Period: 7, Start: start, End: start.Add(30 * 24 * time.Hour), Limit: 100000}, nil
	}
	return nil, errcode.NotFoundf("account %s", account)
}

// Spends lists the spends in ID order (as the chaincode's key order
// would), two to a page: the console sorts each page newest first.
func (f *fakeReader) Spends(_ context.Context, _ int, bookmark string) (*treasury.SpendPage, error) {
	x := f.treasury
	x.mu.Lock()
	defer x.mu.Unlock()
	if bookmark == "s3" {
		return &treasury.SpendPage{Spends: []treasury.Spend{*x.spends["s3"], *x.spends["s4"]}}, nil
	}
	if bookmark != "" {
		return nil, errcode.Invalidf("bookmark %q is not one this list gave", bookmark)
	}
	return &treasury.SpendPage{Spends: []treasury.Spend{*x.spends["s1"], *x.spends["s2"]}, Bookmark: "s3"}, nil
}

func (f *fakeReader) Spend(_ context.Context, id string) (*treasury.Spend, error) {
	return f.treasury.spend(id)
}

func (f *fakeReader) SpendApprovals(_ context.Context, id string) ([]treasury.Approval, error) {
	x := f.treasury
	x.mu.Lock()
	defer x.mu.Unlock()
	return slices.Clone(x.approvals[id]), nil
}

func (f *fakeReader) TreasuryDeposits(context.Context, int, string) (*treasury.DepositPage, error) {
	x := f.treasury
	x.mu.Lock()
	defer x.mu.Unlock()
	return &treasury.DepositPage{Deposits: slices.Clone(x.deposits)}, nil
}

// confirm is treasury.ConfirmDeposit's checks on the fake's records.
func (x *fakeTreasury) confirm(caller identity.Identity, id string, commit bool) (any, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	i := slices.IndexFunc(x.deposits, func(d treasury.DepositRecord) bool { return d.ID == id })
	switch {
	case !x.treasurers[caller]:
		return nil, errcode.Forbiddenf("treasury confirm deposit: %s is not a treasurer", caller.Short())
	case i < 0:
		return nil, errcode.NotFoundf("deposit %q not found", id)
	case x.deposits[i].Status != treasury.DepositPending:
		return nil, errcode.Conflictf("treasury deposit %s is already %s", id, x.deposits[i].Status)
	case caller.MSPID == x.deposits[i].Recorder.MSPID:
		return nil, errcode.Forbiddenf("treasury confirm deposit %s: a treasurer of another organisation confirms a deposit", id)
	}
	if commit {
		now := time.Now().UTC()
		d := &x.deposits[i]
		d.Status, d.ConfirmedBy, d.ConfirmedAt = treasury.DepositConfirmed, &caller, &now
		x.balance += d.Amount
	}
	return map[string]any{"deposit": x.deposits[i]}, nil
}
