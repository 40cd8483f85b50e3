// Package effects assembles the decision engine's effects registry: the
// decision package's own effects (amendments, House A seats, here with the
// reputation eligibility rule added) and those of other capabilities:
// reputation slashing, the grant and withdrawal of roles that carry power,
// and token issuance. These decisions are the only paths to those powers:
// no transaction grants a power role, issues tokens or slashes. Budgets and
// treasury spends (chaincode/treasury) and chaincode upgrades are here too.
// Release stages, dataset takedowns and emergency ratifications too.
// Partner admissions and removals (chaincode/admission) too.
package effects

import (
	"encoding/json"
	"fmt"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/decision"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/incident"
	"github.com/charter-gov/charter/chaincode/membership"
	"github.com/charter-gov/charter/chaincode/reputation"
)

// All returns every registered effect: the decision package's own (with
// House A eligibility added to seat confirmations), slashing, the role
// decisions, token issuance (to the treasury), budgets and treasury spends,
// project acceptances into funding rounds,
// chaincode upgrades and partner admissions and removals.
func All() []decision.Effect {
	out := []decision.Effect{}
	for _, e := range decision.CoreEffects() {
		if e.Type == constitution.SeatConfirmation {
			e = SeatConfirmation(e)
		}
		out = append(out, e)
	}
	out = append(out, Slashing())
	out = append(out, Roles()...)
	return append(out, TokenIssuance(), Budget(), TreasurySpend(), ProjectAcceptance(), ReleaseStage(), DatasetTakedown(), EmergencyRatification(), ChaincodeUpgrade(), PartnerAdmission(), PartnerRemoval())
}

// Slashing is the effect of a slashing decision: the payload is a
// reputation.SlashRequest, applied with reputation.SlashByDecision (which
// emits the governance-incident event naming the decision), and recorded
// in the incident register as a "slashing" incident (severity high for a
// slash of half or more, else medium).
func Slashing() decision.Effect {
	return decision.Effect{Type: constitution.Slashing, Check: checkSlash, Apply: applySlash}
}

func slashRequest(payload json.RawMessage) (reputation.SlashRequest, error) {
	var req reputation.SlashRequest
	if err := decision.DecodePayload("slashing", payload, &req); err != nil {
		return req, err
	}
	if err := req.Member.Validate(); err != nil {
		return req, errcode.WithField(err, "payload.member")
	}
	if req.FractionBps < 1 || req.FractionBps > 10000 {
		return req, errcode.InvalidFieldf("payload.fractionBps", "range", "slashing: fraction %d bps is out of bounds: it must be 1..10000", req.FractionBps)
	}
	return req, nil
}

func checkSlash(s core.Store, _ *constitution.Version, payload json.RawMessage) error {
	req, err := slashRequest(payload)
	if err != nil {
		return err
	}
	_, err = membership.Get(s, req.Member)
	return err
}

func applySlash(tx *core.Tx, d *decision.Decision) (any, error) {
	req, err := slashRequest(d.Payload)
	if err != nil {
		return nil, err
	}
	rec, err := reputation.SlashByDecision(tx, req, d.ID)
	if err != nil {
		return nil, err
	}
	sev := incident.Medium
	if req.FractionBps >= 5000 {
		sev = incident.High
	}
	txs := []string{}
	if d.TxID != "" {
		txs = append(txs, d.TxID)
	}
	if _, err := incident.Record(tx, incident.Incident{Kind: incident.Slashing, Severity: sev,
		Summary:  fmt.Sprintf("%s slashed by %d bps by decision %s", req.Member, req.FractionBps, d.ID),
		Decision: d.ID, Subject: "member:" + req.Member.MSPID + ":" + req.Member.ID, Transactions: txs}); err != nil {
		return nil, fmt.Errorf("record the slashing incident: %w", err)
	}
	return rec, nil
}
