package round

import (
	"encoding/json"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/decision"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
)

// The two points where rounds meet the treasury. Each is one function so
// that wiring the treasury's spend path (chaincode/treasury, being built)
// changes only its body.

// BudgetPayload is the part of a budget decision's payload a round reads:
// the matching pool it funds, in whole units. Other fields of the payload
// are the treasury's and are ignored here.
type BudgetPayload struct {
	MatchingPool int64 `json:"matchingPool"`
}

// Funded checks that the executed budget decision id funds a matching
// pool of at least pool: the decision exists, is of type budget, has been
// executed (passed, timelocked, not overturned on appeal), and its payload
// names a matchingPool ≥ pool. Whether another round already uses it is
// Open's to check.
//
// Errors: FAILED_PRECONDITION naming what is missing (an unfunded pool).
func Funded(s core.Store, id string, pool int64) error {
	d, err := decision.Get(s, id)
	if errcode.IsCode(err, errcode.NotFound) {
		return errcode.Preconditionf("the matching pool is not funded: no decision %s", errcode.Quote(id))
	}
	if err != nil {
		return err
	}
	if d.Type != constitution.Budget {
		return errcode.Preconditionf("the matching pool is not funded: decision %s is a %s decision, not a budget decision", d.ID, d.Type)
	}
	if d.Status != decision.StatusExecuted {
		return errcode.Preconditionf("the matching pool is not funded: budget decision %s is %s, not executed", d.ID, d.Status)
	}
	var p BudgetPayload
	if len(d.Payload) > 0 {
		// Lenient on purpose: the rest of the payload belongs to the treasury.
		if err := json.Unmarshal(d.Payload, &p); err != nil {
			return errcode.Preconditionf("the matching pool is not funded: budget decision %s's payload does not decode: %v", d.ID, err)
		}
	}
	if p.MatchingPool < pool {
		return errcode.Preconditionf("the matching pool is not funded: budget decision %s funds a matching pool of %d, the round asks %d", d.ID, p.MatchingPool, pool)
	}
	return nil
}

// Payee is one project's match.
type Payee struct {
	Project string            `json:"project"`
	To      identity.Identity `json:"to"`
	Amount  int64             `json:"amount"`
}

// Payout is the matches of a closed round, to be paid from the treasury
// account that funded the pool.
type Payout struct {
	Source         string  `json:"source"`
	BudgetDecision string  `json:"budgetDecision"`
	Payees         []Payee `json:"payees"`
	Total          int64   `json:"total"`
	// Status is "awaiting_treasury": the treasury's spend path (a spend
	// with these payees bound to the budget decision) is not on this
	// branch yet; docs/funding.md says what remains.
	Status string `json:"status"`
}

// PayoutAwaitingTreasury is the status of a payout recorded for the
// treasury to pay.
const PayoutAwaitingTreasury = "awaiting_treasury"

// payMatches hands a closed round's matches to the treasury. It is called
// once, by the last close page.
func payMatches(_ *core.Tx, r *Round, payees []Payee) (*Payout, error) {
	out := &Payout{Source: Ref(r.ID), BudgetDecision: r.BudgetDecision, Payees: payees, Status: PayoutAwaitingTreasury}
	for _, p := range payees {
		out.Total += p.Amount // each ≤ pool, Σ ≤ pool
	}
	return out, nil
}
