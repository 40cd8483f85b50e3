package treasury_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/emergency"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/internal/testutil"
	"github.com/charter-gov/charter/chaincode/membership"
	. "github.com/charter-gov/charter/chaincode/treasury"
)

// The attack table of docs/treasury.md, domain rows. Each refusal names
// the rule, writes nothing and emits no event (world.refused).

func execute(id string) func(tx *core.Tx) error {
	return func(tx *core.Tx) error { _, err := Execute(tx, id); return err }
}

func propose(req SpendRequest) func(tx *core.Tx) error {
	return func(tx *core.Tx) error { _, err := ProposeSpend(tx, req); return err }
}

// queued returns a world with a funded budget and one queued spend of
// 1,000 compute credits to Ada.
func queued(t *testing.T, mutate ...func(*constitution.Document)) (*world, *Spend) {
	w := newWorld(t, mutate...)
	w.deposit("compute_credits", 200_000)
	w.budget("d-b", "compute_credits", 200_000)
	sp := w.propose(foTres, pay("compute_credits", "d-b", Payee{To: ada, Amount: 1_000}))
	require.Equal(t, StatusQueued, sp.Status)
	return w, sp
}

func TestAttackOneOrganisationsTreasurersAlone(t *testing.T) {
	w, sp := queued(t)
	w.approve(sp.ID, aTres, aTres2) // two treasurers, both of LabA
	w.at(delay + 2*skew)
	w.refused(aTres, errcode.FailedPrecondition, "come from 1 organisations; the constitution needs 2 distinct organisations", execute(sp.ID))
	w.approve(sp.ID, foTres)
	_, err := Execute(w.tx(aTres), sp.ID)
	require.NoError(t, err, "with a second organisation's treasurer it executes")
}

func TestAttackOneOrganisationWithoutTheDistinctOrgsOption(t *testing.T) {
	w, sp := queued(t, func(d *constitution.Document) { d.Treasury.SignersFromDistinctOrgs = false })
	w.approve(sp.ID, aTres, aTres2)
	w.at(delay + 2*skew)
	_, err := Execute(w.tx(aTres), sp.ID)
	require.NoError(t, err, "the option is the constitution's: off, two distinct identities suffice")
}

func TestAttackOneTreasurerTwice(t *testing.T) {
	w, sp := queued(t)
	w.approve(sp.ID, foTres)
	w.refused(foTres, errcode.Conflict, "already approved it; each treasurer approves once", func(tx *core.Tx) error {
		_, err := Approve(tx, ApproveRequest{Spend: sp.ID})
		return err
	})
	w.at(delay + 2*skew)
	w.refused(foTres, errcode.FailedPrecondition, "1 of the 2 treasurer approvals", execute(sp.ID))
}

func TestAttackExecutionBeforeTheDelay(t *testing.T) {
	w, sp := queued(t)
	w.approve(sp.ID, foTres, aTres)
	// A client stamps its execution as late as the skew guard lets it
	// (real time + S) while the proposal was stamped S early: the delay
	// counts from the latest real time the queueing was endorsed, and the
	// deadline is honoured with the skew as margin.
	w.now = sp.QueuedAt.Add(delay + 2*skew - time.Nanosecond)
	w.refused(aTres, errcode.FailedPrecondition, "can be executed from "+sp.QueuedAt.Add(delay+2*skew).Format(time.RFC3339Nano), execute(sp.ID))
	w.now = sp.QueuedAt.Add(delay)
	w.refused(aTres, errcode.FailedPrecondition, "with the clock-skew margin", execute(sp.ID))
	w.now = sp.QueuedAt.Add(delay + 2*skew)
	_, err := Execute(w.tx(aTres), sp.ID)
	require.NoError(t, err)
}

func TestAttackLoweringTheDelayAfterQueueing(t *testing.T) {
	w, sp := queued(t)
	w.approve(sp.ID, foTres, aTres)
	// An amendment lowers the delay to zero: the delay pinned when the
	// spend was queued still holds.
	cur, err := constitution.Current(w.s)
	require.NoError(t, err)
	doc := cur.Document
	doc.Treasury.ExecutionDelaySec = 0
	_, err = constitution.Install(w.tx(admin), doc, "d-amend")
	require.NoError(t, err)
	w.at(time.Hour)
	w.refused(aTres, errcode.FailedPrecondition, "with a delay of 48h0m0s", execute(sp.ID))
}

func TestAttackSplittingPastThePeriodLimit(t *testing.T) {
	w := newWorld(t)
	w.deposit("compute_credits", 200_000)
	w.budget("d-b", "compute_credits", 200_000)
	// Limit 50,000 per 30-day period; the 60,000 asked for is split in two.
	first := w.propose(foTres, pay("compute_credits", "d-b", Payee{To: ada, Amount: 30_000}))
	second := w.propose(foTres, pay("compute_credits", "d-b", Payee{To: ada, Amount: 30_000}))
	w.approve(first.ID, foTres, aTres)
	w.approve(second.ID, foTres, aTres)
	w.at(delay + 2*skew)
	_, err := Execute(w.tx(aTres), first.ID)
	require.NoError(t, err)
	w.refused(aTres, errcode.FailedPrecondition, "from 30000 past its limit 50000", execute(second.ID))
	// In the next fixed period it executes.
	cur, err := constitution.Current(w.s)
	require.NoError(t, err)
	_, _, end := PeriodOf(w.now, cur.Document.Treasury.PeriodSec)
	w.now = end
	out, err := Execute(w.tx(aTres), second.ID)
	require.NoError(t, err)
	assert.Equal(t, int64(30_000), out.Usage.Spent, "a fresh period")
	// One spend above the limit could never execute: refused at proposal.
	w.refused(foTres, errcode.FailedPrecondition, "exceeds the 50000 the compute_credits account may spend in one period", propose(pay("compute_credits", "d-b", Payee{To: ada, Amount: 50_001})))
}

func TestAttackSpendingMoreThanTheAccountHolds(t *testing.T) {
	w := newWorld(t)
	w.deposit("compute_credits", 500)
	w.budget("d-b", "compute_credits", 10_000)
	sp := w.propose(foTres, pay("compute_credits", "d-b", Payee{To: ada, Amount: 600}))
	w.approve(sp.ID, foTres, aTres)
	w.at(delay + 2*skew)
	w.refused(aTres, errcode.FailedPrecondition, "holds 500, less than the 600", execute(sp.ID))
}

func TestAttackTheTreasurerPowersSunset(t *testing.T) {
	expiry := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	w, sp := queued(t, func(d *constitution.Document) {
		d.Powers = append(d.Powers, constitution.Sunset{Power: constitution.PowerTreasurySpend, ExpiresAtUnix: expiry.Unix()})
	})
	w.approve(sp.ID, foTres)
	w.now = expiry
	w.refused(aTres, errcode.FailedPrecondition, "power treasury.spend expired", func(tx *core.Tx) error {
		_, err := Approve(tx, ApproveRequest{Spend: sp.ID})
		return err
	})
	w.refused(foTres, errcode.FailedPrecondition, "power treasury.spend expired", execute(sp.ID))
}

func TestAttackAWithdrawnTreasurersApproval(t *testing.T) {
	w, sp := queued(t)
	w.approve(sp.ID, foTres, aTres)
	_, err := membership.RevokeRoleByDecision(w.tx(admin), foTres, membership.RoleTreasurer, "d-revoke")
	require.NoError(t, err)
	w.at(delay + 2*skew)
	w.refused(aTres, errcode.FailedPrecondition, "1 of the 2 treasurer approvals", execute(sp.ID))
}

func TestAttackCallersWithoutTheOffice(t *testing.T) {
	w, sp := queued(t)
	w.budget("d-usd", "usd", 100)
	req := pay("compute_credits", "d-b", Payee{To: ada, Amount: 1})
	tests := []struct {
		name   string
		caller identity.Identity
		fn     func(tx *core.Tx) error
		want   string
	}{
		{"a plain member proposes a spend to itself", ada, propose(pay("compute_credits", "d-b", Payee{To: ada, Amount: 1})), "not an active treasurer or grants administrator"},
		{"an organisation admin proposes a spend", admin, propose(req), "not an active treasurer or grants administrator"},
		{"the grants administrator approves", bGrants, func(tx *core.Tx) error { _, err := Approve(tx, ApproveRequest{Spend: sp.ID}); return err }, "does not hold the treasurer role"},
		{"a plain member approves", ada, func(tx *core.Tx) error { _, err := Approve(tx, ApproveRequest{Spend: sp.ID}); return err }, "does not hold the treasurer role"},
		{"a plain member executes", ada, execute(sp.ID), "does not hold the treasurer role"},
		{"an organisation admin records a deposit", admin, func(tx *core.Tx) error {
			_, err := Deposit(tx, DepositRequest{Account: "usd", Amount: 1, Reference: "r", Reason: "r"})
			return err
		}, "not an active member"},
		{"the grants administrator records a deposit", bGrants, func(tx *core.Tx) error {
			_, err := Deposit(tx, DepositRequest{Account: "usd", Amount: 1, Reference: "r", Reason: "r"})
			return err
		}, "does not hold the treasurer role"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w.t = t
			w.refused(tt.caller, errcode.Forbidden, tt.want, tt.fn)
		})
	}
}

func TestAttackBadSpendsAndDeposits(t *testing.T) {
	w := newWorld(t)
	w.deposit("compute_credits", 1_000)
	w.budget("d-b", "compute_credits", 1_000)
	w.budget("d-usd", "usd", 1_000)
	many := make([]Payee, MaxPayees+1)
	for i := range many {
		many[i] = Payee{To: ada, Amount: 1}
	}
	tests := []struct {
		name string
		fn   func(tx *core.Tx) error
		code errcode.Code
		want string
	}{
		{"governance tokens deposited by a treasurer", func(tx *core.Tx) error {
			_, err := Deposit(tx, DepositRequest{Account: constitution.TreasuryTokenAccount, Amount: 1_000_000, Reference: "r", Reason: "r"})
			return err
		}, errcode.InvalidArgument, "takes no deposits; governance tokens come only from an executed token_issuance decision"},
		{"a deposit to an unknown account", func(tx *core.Tx) error {
			_, err := Deposit(tx, DepositRequest{Account: "gold", Amount: 1, Reference: "r", Reason: "r"})
			return err
		}, errcode.NotFound, "names no such account"},
		{"a deposit without a reference", func(tx *core.Tx) error {
			_, err := Deposit(tx, DepositRequest{Account: "usd", Amount: 1, Reason: "r"})
			return err
		}, errcode.InvalidArgument, "reference"},
		{"a negative deposit", func(tx *core.Tx) error {
			_, err := Deposit(tx, DepositRequest{Account: "usd", Amount: -5, Reference: "r", Reason: "r"})
			return err
		}, errcode.InvalidArgument, "must be between 1"},
		{"a spend without a budget decision", propose(pay("compute_credits", "d-none", Payee{To: ada, Amount: 1})), errcode.NotFound, "no executed budget decision opened it"},
		{"a spend drawing on another account's budget", propose(pay("compute_credits", "d-usd", Payee{To: ada, Amount: 1})), errcode.InvalidArgument, "is for the usd account"},
		{"a spend above its budget", propose(pay("compute_credits", "d-b", Payee{To: ada, Amount: 1_001})), errcode.FailedPrecondition, "exceeds the 1000 left of budget d-b"},
		{"a payee named twice", propose(pay("compute_credits", "d-b", Payee{To: ada, Amount: 1}, Payee{To: ada, Amount: 1})), errcode.InvalidArgument, "a second time"},
		{"a payee who is not a member", propose(pay("compute_credits", "d-b", Payee{To: ghost, Amount: 1})), errcode.NotFound, "payee 0"},
		{"a zero payment", propose(pay("compute_credits", "d-b", Payee{To: ada, Amount: 0})), errcode.InvalidArgument, "must be between 1"},
		{"no payee", propose(pay("compute_credits", "d-b")), errcode.InvalidArgument, "0 payees"},
		{"too many payees", propose(pay("compute_credits", "d-b", many...)), errcode.InvalidArgument, "101 payees"},
		{"payments overflowing int64", propose(pay("compute_credits", "d-b", Payee{To: ada, Amount: MaxAmount}, Payee{To: bob, Amount: MaxAmount})), errcode.InvalidArgument, "add up to more than"},
		{"an unknown account", propose(pay("gold", "d-b", Payee{To: ada, Amount: 1})), errcode.NotFound, "no treasury account"},
		{"a source that cannot be a key", propose(SpendRequest{Account: "compute_credits", Budget: "d-b", Payees: []Payee{{To: ada, Amount: 1}}, Source: "round:\x00", Reason: "r"}), errcode.InvalidArgument, "source"},
		{"no reason", propose(SpendRequest{Account: "compute_credits", Budget: "d-b", Payees: []Payee{{To: ada, Amount: 1}}}), errcode.InvalidArgument, "reason"},
		{"an unknown spend approved", func(tx *core.Tx) error { _, err := Approve(tx, ApproveRequest{Spend: "s-none"}); return err }, errcode.NotFound, "not found"},
		{"an unknown spend executed", execute("s-none"), errcode.NotFound, "not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w.t = t
			w.refused(foTres, tt.code, tt.want, tt.fn)
		})
	}
}

func TestAttackBudgetsAndDecisionsOutsideTheRoute(t *testing.T) {
	w := newWorld(t)
	cur, err := constitution.Current(w.s)
	require.NoError(t, err)
	assert.ErrorIs(t, CheckBudget(w.s, &cur.Document, BudgetRequest{Account: "gold", Amount: 1, Purpose: "p"}), errcode.ErrNotFound)
	assert.ErrorIs(t, CheckBudget(w.s, &cur.Document, BudgetRequest{Account: "usd", Amount: 0, Purpose: "p"}), errcode.ErrInvalidArgument)
	assert.ErrorIs(t, CheckBudget(w.s, &cur.Document, BudgetRequest{Account: "usd", Amount: 5, Purpose: ""}), errcode.ErrInvalidArgument)
	w.budget("d-b", "usd", 10)
	w.refused(admin, errcode.Conflict, "already open", func(tx *core.Tx) error {
		_, err := OpenBudget(tx, "d-b", BudgetRequest{Account: "usd", Amount: 1_000_000, Purpose: "again"})
		return err
	})
	sp := w.propose(foTres, pay("usd", "d-b", Payee{To: ada, Amount: 10}))
	w.refused(admin, errcode.FailedPrecondition, "only a spend awaiting its decision", func(tx *core.Tx) error {
		_, err := QueueByDecision(tx, "d-x", SpendDecisionPayload{Spend: sp.ID})
		return err
	})
	w.refused(admin, errcode.InvalidArgument, "needs the ID of the decision", func(tx *core.Tx) error {
		_, err := Issue(tx, " ", IssuanceRequest{Amount: 1})
		return err
	})
}

func TestAttackASpendWhilePaused(t *testing.T) {
	w, sp := queued(t)
	gA, gB := testutil.ID("LabAMSP", "Guard@labA"), testutil.ID("LabBMSP", "Guard@labB")
	for _, g := range []identity.Identity{gA, gB} {
		adminOf := identity.Identity{MSPID: g.MSPID, ID: "x509::CN=Admin::CN=ca"}
		_, err := membership.Register(testutil.Tx(w.s, adminOf, true, w.now), membership.RegisterRequest{Member: g, Name: "G"})
		require.NoError(t, err)
		_, err = membership.GrantRoleByDecision(w.tx(admin), g, membership.RoleGuardian, "genesis")
		require.NoError(t, err)
	}
	w.approve(sp.ID, foTres, aTres)
	target := emergency.Target{Kind: emergency.KindTreasurySpend, ID: sp.ID}
	w.at(delay + 2*skew + time.Hour) // executable, but not yet executed
	for _, g := range []identity.Identity{gA, gB} {
		tx := w.tx(g)
		tx.Store = &fabricStore{MemStore: w.s} // supports are written after bounded reads, never paginated ones
		_, err := emergency.PauseTarget(tx, emergency.PauseRequest{Target: target, Reason: "payee under investigation"}, CheckPausable)
		require.NoError(t, err)
	}
	p, err := emergency.InForce(w.s, target, w.now)
	require.NoError(t, err)
	require.NotNil(t, p, "two guardians of two organisations put the pause in force")
	w.at(2 * skew)
	w.refused(aTres, errcode.FailedPrecondition, "is paused by 2 guardians", execute(sp.ID))

	// Stamping the execution just before the pause began does not slip
	// under it: it could be endorsed after the pause came into force.
	w.now = p.From.Add(-time.Nanosecond)
	w.refused(aTres, errcode.FailedPrecondition, "is paused", execute(sp.ID))

	// After the pause lapses (unratified: the ratification window), it executes.
	w.now = p.EndsAt().Add(time.Second)
	tx := w.tx(aTres)
	tx.Store = &fabricStore{MemStore: w.s}
	_, err = Execute(tx, sp.ID)
	require.NoError(t, err)
	assert.ErrorContains(t, CheckPausable(w.s, target, w.now), "only a pending spend is paused")
}

// Refusals name members as people read them (MSP and common name), not by
// the full x509 identity string; the code stays the same.
func TestRefusalsNameMembersReadably(t *testing.T) {
	w, sp := queued(t)
	tests := []struct {
		name   string
		caller identity.Identity
		code   errcode.Code
		want   string
		fn     func(tx *core.Tx) error
	}{
		{"a plain member proposes", ada, errcode.Forbidden, "caller LabAMSP/Ada@labA is not an active treasurer or grants administrator", propose(pay("compute_credits", "d-b", Payee{To: ada, Amount: 1}))},
		{"a non-member approves", ghost, errcode.Forbidden, "caller LabBMSP/Ghost@labB is not an active member", func(tx *core.Tx) error { _, err := Approve(tx, ApproveRequest{Spend: sp.ID}); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w.t = t
			w.refused(tt.caller, tt.code, tt.want, tt.fn)
			err := tt.fn(w.tx(tt.caller))
			assert.NotContains(t, err.Error(), "x509::", "no full identity in the text")
		})
	}
}
