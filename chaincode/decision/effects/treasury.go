package effects

import (
	"encoding/json"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/decision"
	"github.com/charter-gov/charter/chaincode/round"
	"github.com/charter-gov/charter/chaincode/treasury"
)

// Budget is the effect of a budget decision (House B). With a payload
// (a treasury.BudgetRequest: {account, amount, purpose}) it opens a
// treasury budget that spends draw on; without one it stays what budget
// decisions were before the treasury: a recorded authorisation.
func Budget() decision.Effect {
	return decision.Effect{Type: constitution.Budget, Check: checkBudget, Apply: applyBudget}
}

func checkBudget(s core.Store, cur *constitution.Version, payload json.RawMessage) error {
	if len(payload) == 0 {
		return nil
	}
	var req treasury.BudgetRequest
	if err := decision.DecodePayload("budget", payload, &req); err != nil {
		return err
	}
	return treasury.CheckBudget(s, &cur.Document, req)
}

func applyBudget(tx *core.Tx, d *decision.Decision) (any, error) {
	if len(d.Payload) == 0 {
		return nil, nil
	}
	var req treasury.BudgetRequest
	if err := decision.DecodePayload("budget", d.Payload, &req); err != nil {
		return nil, err
	}
	return treasury.OpenBudget(tx, d.ID, req)
}

// TreasurySpend is the effect of a treasury_spend decision: the payload
// names a spend ({"spend": id}) whose total exceeds the constitution's
// treasury.spendDecisionThreshold; executing the decision queues it, and
// its delay starts.
func TreasurySpend() decision.Effect {
	return decision.Effect{Type: constitution.TreasurySpend, Check: checkSpendDecision, Apply: applySpendDecision}
}

func spendPayload(payload json.RawMessage) (treasury.SpendDecisionPayload, error) {
	var p treasury.SpendDecisionPayload
	err := decision.DecodePayload("treasury spend", payload, &p)
	return p, err
}

func checkSpendDecision(s core.Store, _ *constitution.Version, payload json.RawMessage) error {
	p, err := spendPayload(payload)
	if err != nil {
		return err
	}
	_, err = treasury.CheckSpendDecision(s, p)
	return err
}

func applySpendDecision(tx *core.Tx, d *decision.Decision) (any, error) {
	p, err := spendPayload(d.Payload)
	if err != nil {
		return nil, err
	}
	return treasury.QueueByDecision(tx, d.ID, p)
}

// ProjectAcceptance is the effect of a project_acceptance decision (House
// B by default): the payload is a round.AcceptRequest ({round, project});
// executing the decision accepts the project into the round, as a grants
// administrator could, unless the round's window has closed by then.
func ProjectAcceptance() decision.Effect {
	return decision.Effect{Type: constitution.ProjectAcceptance, Check: checkProjectAcceptance, Apply: applyProjectAcceptance}
}

func acceptancePayload(payload json.RawMessage) (round.AcceptRequest, error) {
	var p round.AcceptRequest
	err := decision.DecodePayload("project acceptance", payload, &p)
	return p, err
}

func checkProjectAcceptance(s core.Store, _ *constitution.Version, payload json.RawMessage) error {
	p, err := acceptancePayload(payload)
	if err != nil {
		return err
	}
	return round.CheckAcceptance(s, p)
}

func applyProjectAcceptance(tx *core.Tx, d *decision.Decision) (any, error) {
	p, err := acceptancePayload(d.Payload)
	if err != nil {
		return nil, err
	}
	return round.AcceptByDecision(tx, d.ID, p)
}
