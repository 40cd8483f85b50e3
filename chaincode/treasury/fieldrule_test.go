package treasury_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/internal/testutil"
	"github.com/charter-gov/charter/chaincode/membership"
	. "github.com/charter-gov/charter/chaincode/treasury"
)

// names runs fn as caller and checks that it is refused with code, field
// and rule (also on the wire), writing nothing and emitting no event.
func (w *world) names(caller identity.Identity, code errcode.Code, field, rule string, fn func(tx *core.Tx) error) {
	w.t.Helper()
	before, writes := w.s.Snapshot(), w.s.Writes
	tx := w.tx(caller)
	err := fn(tx)
	testutil.AssertRefusal(w.t, err, code, field, rule)
	assert.Equal(w.t, code, errcode.CodeOf(err), "%v", err)
	assert.Equal(w.t, before, w.s.Snapshot(), "nothing changed")
	assert.Equal(w.t, writes, w.s.Writes, "nothing written")
	assert.Nil(w.t, tx.Event(), "no event")
}

// Every refused deposit names the request field it is about (empty when
// it is about the caller) and the rule it broke.
func TestDepositRefusalsNameFieldAndRule(t *testing.T) {
	w := newWorld(t)
	deposit := func(req DepositRequest) func(tx *core.Tx) error {
		return func(tx *core.Tx) error { _, err := Deposit(tx, req); return err }
	}
	confirm := func(id string) func(tx *core.Tx) error {
		return func(tx *core.Tx) error { _, err := ConfirmDeposit(tx, ConfirmDepositRequest{Deposit: id}); return err }
	}
	cancel := func(id string) func(tx *core.Tx) error {
		return func(tx *core.Tx) error {
			_, err := CancelDeposit(tx, CancelDepositRequest{Deposit: id, Reason: "r"})
			return err
		}
	}
	ok := DepositRequest{Account: "usd", Amount: 10, Reference: "wire-1", Reason: "grant"}
	with := func(f func(r *DepositRequest)) DepositRequest { r := ok; f(&r); return r }
	w.names(ada, errcode.Forbidden, "", membership.RuleHoldsRole, deposit(ok))
	w.names(foTres, errcode.InvalidArgument, "amount", "range", deposit(with(func(r *DepositRequest) { r.Amount = 0 })))
	w.names(foTres, errcode.InvalidArgument, "reference", "required", deposit(with(func(r *DepositRequest) { r.Reference = "" })))
	w.names(foTres, errcode.InvalidArgument, "account", RuleNoTokenDeposits, deposit(with(func(r *DepositRequest) { r.Account = constitution.TreasuryTokenAccount })))
	w.names(foTres, errcode.NotFound, "account", "exists", deposit(with(func(r *DepositRequest) { r.Account = "gold" })))

	d, err := Deposit(w.tx(foTres), ok)
	require.NoError(t, err)
	w.names(foTres, errcode.Conflict, "", RuleOnePerTransaction, func(tx *core.Tx) error {
		tx.TxID = d.TxID
		_, err := Deposit(tx, ok)
		return err
	})
	w.names(aTres, errcode.NotFound, "deposit", "exists", confirm("d-nope"))
	w.names(foTres, errcode.Forbidden, "", RuleTreasurerOfAnotherOrg, confirm(d.ID))
	w.names(aTres, errcode.Forbidden, "", RuleRecorder, cancel(d.ID))
	lapsed := w.now
	w.at(30 * 24 * time.Hour)
	w.names(aTres, errcode.FailedPrecondition, "deposit", "window", confirm(d.ID))
	w.now = lapsed

	_, err = ConfirmDeposit(w.tx(aTres), ConfirmDepositRequest{Deposit: d.ID})
	require.NoError(t, err)
	w.names(foTres, errcode.FailedPrecondition, "deposit", RulePending, cancel(d.ID))
	w.names(aTres2, errcode.Conflict, "deposit", RulePending, confirm(d.ID))
}

// Every refused spend, approval, execution or cancellation names the
// request field it is about (empty when it is about the caller, the
// approvals or the clock) and the rule it broke.
func TestSpendRefusalsNameFieldAndRule(t *testing.T) {
	w, sp := queued(t)
	w.budget("d-usd", "usd", 1_000)
	propose := func(req SpendRequest) func(tx *core.Tx) error {
		return func(tx *core.Tx) error { _, err := ProposeSpend(tx, req); return err }
	}
	approve := func(id string) func(tx *core.Tx) error {
		return func(tx *core.Tx) error { _, err := Approve(tx, ApproveRequest{Spend: id}); return err }
	}
	execute := func(id string) func(tx *core.Tx) error {
		return func(tx *core.Tx) error { _, err := Execute(tx, id); return err }
	}
	w.names(ada, errcode.Forbidden, "", RuleTreasurerOrGrantsAdmin, propose(pay("compute_credits", "d-b", Payee{To: bob, Amount: 1})))
	w.names(foTres, errcode.NotFound, "account", "exists", propose(pay("gold", "d-b", Payee{To: bob, Amount: 1})))
	w.names(foTres, errcode.InvalidArgument, "payees", "range", propose(pay("compute_credits", "d-b")))
	w.names(foTres, errcode.InvalidArgument, "payees[1].to.mspId", "required", propose(pay("compute_credits", "d-b", Payee{To: bob, Amount: 1}, Payee{To: identity.Identity{ID: ada.ID}, Amount: 1})))
	w.names(foTres, errcode.InvalidArgument, "payees[1].to", "unique", propose(pay("compute_credits", "d-b", Payee{To: bob, Amount: 1}, Payee{To: bob, Amount: 2})))
	w.names(foTres, errcode.InvalidArgument, "payees[1].amount", "range", propose(pay("compute_credits", "d-b", Payee{To: bob, Amount: 1}, Payee{To: ada, Amount: 0})))
	w.names(foTres, errcode.InvalidArgument, "payees[1].amount", RuleMaxAmount, propose(pay("compute_credits", "d-b", Payee{To: bob, Amount: MaxAmount}, Payee{To: ada, Amount: 1})))
	w.names(foTres, errcode.NotFound, "payees[1].to", "exists", propose(pay("compute_credits", "d-b", Payee{To: bob, Amount: 1}, Payee{To: ghost, Amount: 1})))
	w.names(foTres, errcode.FailedPrecondition, "payees", RulePeriodLimit, propose(pay("compute_credits", "d-b", Payee{To: bob, Amount: 50_001})))
	w.names(foTres, errcode.NotFound, "budget", "exists", propose(pay("compute_credits", "d-none", Payee{To: bob, Amount: 1})))
	w.names(foTres, errcode.InvalidArgument, "budget", RuleBudgetAccount, propose(pay("compute_credits", "d-usd", Payee{To: bob, Amount: 1})))
	w.names(foTres, errcode.FailedPrecondition, "budget", RuleBudgetLeft, propose(pay("usd", "d-usd", Payee{To: bob, Amount: 1_001})))
	w.names(foTres, errcode.Conflict, "", RuleOnePerTransaction, func(tx *core.Tx) error {
		tx.TxID = sp.TxID
		_, err := ProposeSpend(tx, pay("compute_credits", "d-b", Payee{To: bob, Amount: 1}))
		return err
	})

	w.names(ghost, errcode.Forbidden, "", membership.RuleActiveMember, approve(sp.ID))
	w.names(foTres, errcode.NotFound, "spend", "exists", approve("s-nope"))
	w.approve(sp.ID, aTres)
	w.names(aTres, errcode.Conflict, "spend", RuleOneApprovalPerTreasurer, approve(sp.ID))
	w.names(aTres, errcode.NotFound, "id", "exists", execute("s-nope"))
	w.names(aTres, errcode.FailedPrecondition, "", RuleDelay, execute(sp.ID))
	w.at(delay + 2*skew)
	w.names(aTres, errcode.FailedPrecondition, "", RuleSigners, execute(sp.ID))
	w.approve(sp.ID, aTres2)
	w.names(aTres, errcode.FailedPrecondition, "", RuleSignerOrgs, execute(sp.ID))
	w.names(admin, errcode.FailedPrecondition, "spend", RuleAwaitingDecision, func(tx *core.Tx) error {
		_, err := QueueByDecision(tx, "d-spend", SpendDecisionPayload{Spend: sp.ID})
		return err
	})
	w.names(aTres, errcode.Forbidden, "", RuleProposer, func(tx *core.Tx) error {
		_, err := Cancel(tx, CancelRequest{Spend: sp.ID, Reason: "r"})
		return err
	})
	w.approve(sp.ID, foTres)
	_, err := Execute(w.tx(aTres), sp.ID)
	require.NoError(t, err)
	w.names(aTres, errcode.Conflict, "id", RulePending, execute(sp.ID))
	w.names(aTres, errcode.FailedPrecondition, "spend", RulePending, approve(sp.ID))
	w.names(foTres, errcode.FailedPrecondition, "spend", RulePending, func(tx *core.Tx) error {
		_, err := Cancel(tx, CancelRequest{Spend: sp.ID, Reason: "r"})
		return err
	})
}

// The decision engine's treasury effects name the payload field and rule
// of what they refuse, and an execution past the balance names the rule.
func TestEffectRefusalsNameFieldAndRule(t *testing.T) {
	w := newWorld(t)
	w.deposit("compute_credits", 500)
	w.budget("d-b", "compute_credits", 10_000)
	w.names(admin, errcode.Conflict, "decision", "unique", func(tx *core.Tx) error {
		_, err := OpenBudget(tx, "d-b", BudgetRequest{Account: "usd", Amount: 1, Purpose: "p"})
		return err
	})
	w.names(admin, errcode.NotFound, "account", "exists", func(tx *core.Tx) error {
		_, err := OpenBudget(tx, "d-c", BudgetRequest{Account: "gold", Amount: 1, Purpose: "p"})
		return err
	})
	w.names(admin, errcode.InvalidArgument, "decision", "required", func(tx *core.Tx) error {
		_, err := Issue(tx, " ", IssuanceRequest{Amount: 1})
		return err
	})
	w.names(admin, errcode.FailedPrecondition, "amount", RuleIssuanceLimit, func(tx *core.Tx) error {
		_, err := Issue(tx, "d-issue", IssuanceRequest{Amount: 100_001})
		return err
	})
	sp := w.propose(foTres, pay("compute_credits", "d-b", Payee{To: ada, Amount: 600}))
	w.approve(sp.ID, foTres, aTres)
	w.at(delay + 2*skew)
	w.names(aTres, errcode.FailedPrecondition, "", RuleBalance, func(tx *core.Tx) error { _, err := Execute(tx, sp.ID); return err })
}
