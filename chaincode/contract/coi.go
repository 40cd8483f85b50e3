package contract

import (
	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"

	"github.com/charter-gov/charter/chaincode/coi"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/ledger"
)

// CoiContract exposes conflict-of-interest disclosures ("coi:…").
type CoiContract struct {
	contractapi.Contract
}

func newCoiContract(g guard) *CoiContract {
	return &CoiContract{Contract: g.base("coi")}
}

// GetEvaluateTransactions lists the queries.
func (c *CoiContract) GetEvaluateTransactions() []string {
	return []string{"List", "Get"}
}

// Disclose records the caller's conflict on a subject. requestJSON is a
// coi.DiscloseRequest. Caller: an active member, for themselves.
func (c *CoiContract) Disclose(ctx contractapi.TransactionContextInterface, requestJSON string) (string, error) {
	var req coi.DiscloseRequest
	if err := decode("disclose request", requestJSON, &req); err != nil {
		return "", wire(err)
	}
	return run(ctx, func(tx *core.Tx) (*coi.Disclosure, error) { return coi.Disclose(tx, req) })
}

// List returns one page of disclosures ({disclosures, bookmark}) on a
// subject or of a member. requestJSON is a coi.ListRequest (pageSize
// 1..1000, 0 for 100; bookmark the previous page's). Caller: anyone.
func (c *CoiContract) List(ctx contractapi.TransactionContextInterface, requestJSON string) (string, error) {
	var req coi.ListRequest
	if err := decode("list request", requestJSON, &req); err != nil {
		return "", wire(err)
	}
	ds, err := coi.List(ledger.StubStore{Stub: ctx.GetStub()}, req)
	if err != nil {
		return "", wire(err)
	}
	return encode(ds)
}

// Get returns one member's disclosure on one subject. Caller: anyone.
func (c *CoiContract) Get(ctx contractapi.TransactionContextInterface, kind, subjectID, mspID, memberID string) (string, error) {
	d, err := coi.Get(ledger.StubStore{Stub: ctx.GetStub()}, identity.Identity{MSPID: mspID, ID: memberID}, coi.Subject{Kind: coi.Kind(kind), ID: subjectID})
	if err != nil {
		return "", wire(err)
	}
	return encode(d)
}
