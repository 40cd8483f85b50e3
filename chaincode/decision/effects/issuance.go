package effects

import (
	"encoding/json"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/decision"
	"github.com/charter-gov/charter/chaincode/treasury"
)

// TokenIssuance is the effect of a token_issuance decision: the payload is
// a treasury.IssuanceRequest ({amount, memo}); the new tokens are credited
// to the treasury's token account, from which spends pay them out. The
// amount must be within the constitution's token limits
// (Token.IssuanceLimit over the tokens issued so far, in members' hands
// and in the treasury: a share of them or an absolute number per decision,
// never past the supply cap) at proposal and again at execution, against
// the constitution and the tokens issued then.
func TokenIssuance() decision.Effect {
	return decision.Effect{Type: constitution.TokenIssuance, Check: checkIssuance, Apply: applyIssuance}
}

func issuanceRequest(payload json.RawMessage) (treasury.IssuanceRequest, error) {
	var req treasury.IssuanceRequest
	err := decision.DecodePayload("token issuance", payload, &req)
	return req, err
}

func checkIssuance(s core.Store, cur *constitution.Version, payload json.RawMessage) error {
	req, err := issuanceRequest(payload)
	if err != nil {
		return err
	}
	return treasury.CheckIssuance(s, &cur.Document, cur.Version, req)
}

func applyIssuance(tx *core.Tx, d *decision.Decision) (any, error) {
	req, err := issuanceRequest(d.Payload)
	if err != nil {
		return nil, err
	}
	return treasury.Issue(tx, d.ID, req)
}
