package round

import (
	"fmt"
	"slices"

	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/treasury"
)

// The two points where rounds meet the treasury (chaincode/treasury):
// the budget that funds a round's matching pool, and the spend that pays
// its matches.

// Funded checks that the budget decision id opened a treasury budget
// (treasury.GetBudget: an executed House B budget decision whose payload
// was {account, amount, purpose}) with at least pool left unreserved, and
// returns it. Whether another round already uses it is Open's to check.
//
// Errors: FAILED_PRECONDITION naming what is missing (an unfunded pool).
func Funded(s core.Store, id string, pool int64) (*treasury.Budget, error) {
	b, err := treasury.GetBudget(s, id)
	if errcode.IsCode(err, errcode.NotFound) {
		return nil, errcode.Preconditionf("the matching pool is not funded: no executed budget decision %s opened a treasury budget", errcode.Quote(id))
	}
	if err != nil {
		return nil, err
	}
	if left := b.Amount - b.Reserved; left < pool {
		return nil, errcode.Preconditionf("the matching pool is not funded: budget %s has %d of %d %s left, the round asks %d", b.Decision, left, b.Amount, b.Account, pool)
	}
	return b, nil
}

// Payee is one project's match.
type Payee struct {
	Project string            `json:"project"`
	To      identity.Identity `json:"to"`
	Amount  int64             `json:"amount"`
}

// Payout is the matches of a closed round, paid from the treasury account
// of the budget that funded the pool.
type Payout struct {
	Source         string  `json:"source"`
	BudgetDecision string  `json:"budgetDecision"`
	Account        string  `json:"account,omitempty"`
	Payees         []Payee `json:"payees"`
	Total          int64   `json:"total"`
	// Status is awaiting_spend until Pay proposes the treasury spend
	// (spend_proposed, with Spend its ID), or nothing_to_pay when no
	// project was matched.
	Status string `json:"status"`
	Spend  string `json:"spend,omitempty"`
}

// Payout statuses.
const (
	PayoutAwaitingSpend = "awaiting_spend"
	PayoutSpendProposed = "spend_proposed"
	PayoutNothingToPay  = "nothing_to_pay"
)

// payMatches records a closed round's matches for Pay. It is called once,
// by the last close page (which anyone may submit).
func payMatches(_ *core.Tx, r *Round, payees []Payee) (*Payout, error) {
	out := &Payout{Source: Ref(r.ID), BudgetDecision: r.BudgetDecision, Account: r.Account, Payees: payees, Status: PayoutAwaitingSpend}
	for _, p := range payees {
		out.Total += p.Amount // each ≤ pool, Σ ≤ pool
	}
	if out.Total == 0 {
		out.Status = PayoutNothingToPay
	}
	return out, nil
}

// PayResult is what Pay returns and its event's payload.
type PayResult struct {
	Round string          `json:"round"`
	Spend *treasury.Spend `json:"spend"`
}

// Pay proposes the treasury spend that pays a closed round's matches: one
// spend from the funding budget's account, bound to the budget decision,
// source "round:<id>", one payee per applicant (its projects' matches
// summed). The spend then follows the treasury's path (its
// spendDecisionThreshold, delay, M-of-N treasurers, period limit,
// guardian pauses). Caller: a grants administrator or treasurer
// (treasury.PrepareSpend checks it). Once per round.
//
// Errors: FAILED_PRECONDITION (not closed; already paid; nothing to pay;
// the budget's remainder or the period limit is too small), FORBIDDEN,
// NOT_FOUND.
func Pay(tx *core.Tx, id string) (*PayResult, error) {
	const action = "pay round"
	res, err := GetResults(tx.Store, id)
	if err != nil {
		return nil, err
	}
	r, err := Get(tx.Store, id)
	if err != nil {
		return nil, err
	}
	if res.Payout == nil || res.Payout.Status != PayoutAwaitingSpend {
		status := "none"
		if res.Payout != nil {
			status = res.Payout.Status
		}
		return nil, errcode.Preconditionf("%s %s: the payout is %s, not awaiting a spend", action, r.ID, status)
	}
	var payees []treasury.Payee
	for _, p := range res.Payout.Payees {
		i := slices.IndexFunc(payees, func(q treasury.Payee) bool { return q.To == p.To })
		if i >= 0 {
			payees[i].Amount += p.Amount
			continue
		}
		payees = append(payees, treasury.Payee{To: p.To, Amount: p.Amount})
	}
	sp, err := treasury.PrepareSpend(tx, treasury.SpendRequest{Account: r.Account, Budget: r.BudgetDecision, Payees: payees,
		Source: Ref(r.ID), Reason: fmt.Sprintf("quadratic matching of round %s", r.ID)})
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", action, r.ID, err)
	}
	res.Payout.Status, res.Payout.Spend = PayoutSpendProposed, sp.ID
	if err := save(tx.Store, func() (string, error) { return resultKey(r.ID) }, res); err != nil {
		return nil, err
	}
	out := &PayResult{Round: r.ID, Spend: sp}
	return out, tx.Emit(EventPaid, out)
}
