package contract

import (
	"strconv"
	"time"

	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"

	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/decision/effects"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/incident"
	"github.com/charter-gov/charter/chaincode/ledger"
)

// IncidentContract exposes the governance incident register ("incident:…").
type IncidentContract struct {
	contractapi.Contract
}

func newIncidentContract(g guard) *IncidentContract {
	return &IncidentContract{Contract: g.base("incident")}
}

// GetEvaluateTransactions lists the queries.
func (c *IncidentContract) GetEvaluateTransactions() []string {
	return []string{"Get", "List"}
}

// File records an incident. requestJSON is an incident.FileRequest.
// Caller: a holder of a role in the constitution's incidents.filerRoles.
func (c *IncidentContract) File(ctx contractapi.TransactionContextInterface, requestJSON string) (string, error) {
	var req incident.FileRequest
	if err := decode("incident", requestJSON, &req); err != nil {
		return "", wire(err)
	}
	return run(ctx, func(tx *core.Tx) (*incident.Incident, error) { return incident.File(tx, req) })
}

// PostMortem attaches a post-mortem link to an incident, once.
// requestJSON is an incident.PostMortemRequest. Caller: a filer.
func (c *IncidentContract) PostMortem(ctx contractapi.TransactionContextInterface, requestJSON string) (string, error) {
	var req incident.PostMortemRequest
	if err := decode("post-mortem request", requestJSON, &req); err != nil {
		return "", wire(err)
	}
	return run(ctx, func(tx *core.Tx) (*incident.Incident, error) { return incident.AttachPostMortem(tx, req) })
}

// RecordFailedExecution records that a passed, executable decision's
// execution is refused (see effects.RecordFailedExecution). Caller: any
// active member.
func (c *IncidentContract) RecordFailedExecution(ctx contractapi.TransactionContextInterface, id string) (string, error) {
	return run(ctx, func(tx *core.Tx) (*incident.Incident, error) {
		return effects.RecordFailedExecution(tx, decisionDeps(), id)
	})
}

// Get returns one incident. Caller: anyone.
func (c *IncidentContract) Get(ctx contractapi.TransactionContextInterface, id string) (string, error) {
	in, err := incident.Get(ledger.StubStore{Stub: ctx.GetStub()}, id)
	if err != nil {
		return "", wire(err)
	}
	return encode(in)
}

// List returns one page of the register, optionally of one kind and
// occurring in [from, to). Caller: anyone.
func (c *IncidentContract) List(ctx contractapi.TransactionContextInterface, kind, from, to, pageSize, bookmark string) (string, error) {
	req := incident.ListRequest{Kind: incident.Kind(kind), Bookmark: bookmark}
	for _, f := range []struct {
		name, v string
		dst     **time.Time
	}{{"from", from, &req.From}, {"to", to, &req.To}} {
		if f.v == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339Nano, f.v)
		if err != nil {
			return "", wire(errcode.Invalidf("list incidents: %s %s is not an RFC 3339 time", f.name, errcode.Quote(f.v)))
		}
		*f.dst = &t
	}
	if pageSize != "" {
		n, err := strconv.Atoi(pageSize)
		if err != nil {
			return "", wire(errcode.Invalidf("list incidents: page size %s is not a whole number", errcode.Quote(pageSize)))
		}
		req.PageSize = n
	}
	p, err := incident.List(ledger.StubStore{Stub: ctx.GetStub()}, req)
	if err != nil {
		return "", wire(err)
	}
	return encode(p)
}
