package effects

import (
	"encoding/json"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/decision"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/token"
)

// TokenIssuance is the effect of a token_issuance decision: the payload is
// a token.IssueRequest ({allocations: [{member, amount}], memo}); the total
// must be within the constitution's token limits (Token.IssuanceLimit: a
// share of the supply or an absolute number per decision, never past the
// supply cap) at proposal and again at execution, against the constitution
// and the supply in force then.
func TokenIssuance() decision.Effect {
	return decision.Effect{Type: constitution.TokenIssuance, Check: checkIssuance, Apply: applyIssuance}
}

func issuance(s core.Store, doc *constitution.Document, version int64, payload json.RawMessage) (token.IssueRequest, error) {
	var req token.IssueRequest
	if err := decision.DecodePayload("token issuance", payload, &req); err != nil {
		return req, err
	}
	total, err := token.CheckIssue(s, req)
	if err != nil {
		return req, err
	}
	supply, err := token.Supply(s)
	if err != nil {
		return req, err
	}
	if limit := doc.Token.IssuanceLimit(supply); total > limit {
		return req, errcode.Preconditionf("token issuance: %d tokens exceed the %d one token_issuance decision may issue under constitution version %d (the larger of %d bps of the supply %d and %d units, within the supply cap %d)",
			total, limit, version, doc.Token.MaxIssuanceBps, supply, doc.Token.MaxIssuanceUnits, doc.Token.SupplyCap)
	}
	return req, nil
}

func checkIssuance(s core.Store, cur *constitution.Version, payload json.RawMessage) error {
	_, err := issuance(s, &cur.Document, cur.Version, payload)
	return err
}

func applyIssuance(tx *core.Tx, d *decision.Decision) (any, error) {
	cur, err := constitution.Current(tx.Store)
	if err != nil {
		return nil, err
	}
	req, err := issuance(tx.Store, &cur.Document, cur.Version, d.Payload)
	if err != nil {
		return nil, err
	}
	return token.Issue(tx, req, d.ID)
}
