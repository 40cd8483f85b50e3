package contract

import (
	"fmt"
	"strings"
	"time"

	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"

	"github.com/charter-gov/charter/chaincode/contribution"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/ledger"
	"github.com/charter-gov/charter/chaincode/reputation"
)

// ReputationContract exposes the reputation ledger ("reputation:…"). It
// has no slashing transaction: a slash is the effect of an executed
// slashing decision (decision:Execute); "reputation:Slash" is refused with
// FORBIDDEN.
type ReputationContract struct {
	contractapi.Contract
}

func newReputationContract(g guard) *ReputationContract {
	return &ReputationContract{Contract: g.base("reputation")}
}

// GetEvaluateTransactions lists the queries.
func (c *ReputationContract) GetEvaluateTransactions() []string {
	return []string{"Score", "History", "Eligible"}
}

// Attest issues an attestation. requestJSON is a reputation.AttestRequest.
// Caller: an active attester authorised for the category, never the
// recipient.
func (c *ReputationContract) Attest(ctx contractapi.TransactionContextInterface, requestJSON string) (string, error) {
	var req reputation.AttestRequest
	if err := decode("attest request", requestJSON, &req); err != nil {
		return "", wire(err)
	}
	return run(ctx, func(tx *core.Tx) (*reputation.Attestation, error) { return reputation.Attest(tx, req) })
}

// Revoke revokes an attestation. requestJSON is a reputation.RevokeRequest.
// Caller: the attester who issued it.
func (c *ReputationContract) Revoke(ctx contractapi.TransactionContextInterface, requestJSON string) (string, error) {
	var req reputation.RevokeRequest
	if err := decode("revoke request", requestJSON, &req); err != nil {
		return "", wire(err)
	}
	return run(ctx, func(tx *core.Tx) (*reputation.Attestation, error) { return reputation.Revoke(tx, req) })
}

// Endorse vouches for an attestation. requestJSON is a
// reputation.EndorseRequest. Caller: an active member who is neither its
// recipient nor its attester.
func (c *ReputationContract) Endorse(ctx contractapi.TransactionContextInterface, requestJSON string) (string, error) {
	var req reputation.EndorseRequest
	if err := decode("endorse request", requestJSON, &req); err != nil {
		return "", wire(err)
	}
	return run(ctx, func(tx *core.Tx) (*reputation.Endorsement, error) { return reputation.Endorse(tx, req) })
}

// Score returns a member's score at a time. at is RFC 3339 (empty: the
// transaction's timestamp); categories is a comma-separated list of
// categories (empty: all). Caller: anyone.
func (c *ReputationContract) Score(ctx contractapi.TransactionContextInterface, mspID, id, at, categories string) (string, error) {
	when, err := atTime(ctx, at)
	if err != nil {
		return "", wire(err)
	}
	cats, err := parseCategories(categories)
	if err != nil {
		return "", wire(err)
	}
	r, err := reputation.Scores(ledger.StubStore{Stub: ctx.GetStub()}, identity.Identity{MSPID: mspID, ID: id}, when, cats)
	if err != nil {
		return "", wire(err)
	}
	return encode(r)
}

// History returns every reputation record of a member. Caller: anyone.
func (c *ReputationContract) History(ctx contractapi.TransactionContextInterface, mspID, id string) (string, error) {
	h, err := reputation.MemberHistory(ledger.StubStore{Stub: ctx.GetStub()}, identity.Identity{MSPID: mspID, ID: id})
	if err != nil {
		return "", wire(err)
	}
	return encode(h)
}

// Eligible reports House A eligibility at a time (RFC 3339; empty: the
// transaction's timestamp) as one page ({reports, bookmark}): of one
// member when id is given (one report; no page size or bookmark), else of
// one page of active members, of one MSP when mspID is not empty; pageSize
// is a decimal 1..1000 ("" or "0": 100) of member records read; bookmark
// is the previous page's ("" to start). Caller: anyone.
func (c *ReputationContract) Eligible(ctx contractapi.TransactionContextInterface, mspID, id, at, pageSize, bookmark string) (string, error) {
	when, err := atTime(ctx, at)
	if err != nil {
		return "", wire(err)
	}
	size, err := parsePageSize("eligible members", pageSize)
	if err != nil {
		return "", wire(err)
	}
	store := ledger.StubStore{Stub: ctx.GetStub()}
	if id == "" {
		p, err := reputation.EligibleMembers(store, mspID, when, size, bookmark)
		if err != nil {
			return "", wire(err)
		}
		return encode(p)
	}
	if size != 0 || bookmark != "" {
		return "", wire(errcode.Invalidf("eligibility of one member takes no page size or bookmark"))
	}
	r, err := reputation.Eligibility(store, identity.Identity{MSPID: mspID, ID: id}, when)
	if err != nil {
		return "", wire(err)
	}
	return encode(reputation.EligibilityPage{Reports: []reputation.EligibilityReport{r}})
}

// atTime parses an RFC 3339 time argument; empty means the transaction's
// timestamp.
func atTime(ctx contractapi.TransactionContextInterface, at string) (time.Time, error) {
	if at == "" {
		ts, err := ctx.GetStub().GetTxTimestamp()
		if err != nil {
			return time.Time{}, fmt.Errorf("read transaction timestamp: %w", err)
		}
		return ts.AsTime().UTC(), nil
	}
	t, err := time.Parse(time.RFC3339Nano, at)
	if err != nil {
		return time.Time{}, errcode.Invalidf("time %q is not RFC 3339 (for example 2026-03-01T09:00:00Z)", at)
	}
	return t.UTC(), nil
}

// parseCategories parses a comma-separated category list.
func parseCategories(s string) ([]contribution.Category, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var out []contribution.Category
	for _, part := range strings.Split(s, ",") {
		c := contribution.Category(strings.TrimSpace(part))
		if err := c.Check(); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}
