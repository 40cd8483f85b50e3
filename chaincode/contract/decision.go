package contract

import (
	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"

	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/decision"
	"github.com/charter-gov/charter/chaincode/decision/ballotadapter"
	"github.com/charter-gov/charter/chaincode/decision/effects"
	"github.com/charter-gov/charter/chaincode/ledger"
)

// decisionDeps wires the decision engine: the ballot engine (with the
// reputation source ballots read) and every registered effect.
func decisionDeps() decision.Deps {
	eng := ballotadapter.Engine{Deps: ballotDeps()}
	return decision.Deps{Ballots: eng, Effects: effects.All(), ProposerWeight: eng.ProposerWeight}
}

// DecisionContract exposes decisions ("decision:…").
type DecisionContract struct {
	contractapi.Contract
}

func newDecisionContract(g guard) *DecisionContract {
	return &DecisionContract{Contract: g.base("decision")}
}

// GetEvaluateTransactions lists the queries.
func (c *DecisionContract) GetEvaluateTransactions() []string {
	return []string{"Get", "List", "Appellants"}
}

// Propose proposes a decision and opens its ballots. requestJSON is a
// decision.ProposeRequest. Caller: an active member (a House A seat holder
// for types routed to House A only).
func (c *DecisionContract) Propose(ctx contractapi.TransactionContextInterface, requestJSON string) (string, error) {
	var req decision.ProposeRequest
	if err := decode("decision propose request", requestJSON, &req); err != nil {
		return "", wire(err)
	}
	return run(ctx, func(tx *core.Tx) (*decision.Decision, error) { return decision.Propose(tx, decisionDeps(), req) })
}

// Vote votes on a decision in one house, refusing members with a disclosed
// conflict on its subject. requestJSON is a decision.VoteRequest. Caller:
// an eligible member of that house.
func (c *DecisionContract) Vote(ctx contractapi.TransactionContextInterface, requestJSON string) (string, error) {
	var req decision.VoteRequest
	if err := decode("decision vote request", requestJSON, &req); err != nil {
		return "", wire(err)
	}
	return run(ctx, func(tx *core.Tx) (any, error) { return decision.Vote(tx, decisionDeps(), req) })
}

// Conclude applies the concurrence rule to a decision's tallied ballots
// (or concludes its appeal). Caller: anyone.
func (c *DecisionContract) Conclude(ctx contractapi.TransactionContextInterface, id string) (string, error) {
	return run(ctx, func(tx *core.Tx) (*decision.Decision, error) { return decision.Conclude(tx, decisionDeps(), id) })
}

// Appeal joins the appeal against a passed decision. requestJSON is a
// decision.AppealRequest. Caller: an active member, once per decision.
func (c *DecisionContract) Appeal(ctx contractapi.TransactionContextInterface, requestJSON string) (string, error) {
	var req decision.AppealRequest
	if err := decode("decision appeal request", requestJSON, &req); err != nil {
		return "", wire(err)
	}
	return run(ctx, func(tx *core.Tx) (*decision.AppealResult, error) { return decision.Appeal(tx, decisionDeps(), req) })
}

// Execute executes a passed decision's effect after its timelock and
// appeal window. Caller: anyone; once.
func (c *DecisionContract) Execute(ctx contractapi.TransactionContextInterface, id string) (string, error) {
	return run(ctx, func(tx *core.Tx) (*decision.Decision, error) { return decision.Execute(tx, decisionDeps(), id) })
}

// Get returns one decision. Caller: anyone.
func (c *DecisionContract) Get(ctx contractapi.TransactionContextInterface, id string) (string, error) {
	d, err := decision.Get(ledger.StubStore{Stub: ctx.GetStub()}, id)
	if err != nil {
		return "", wire(err)
	}
	return encode(d)
}

// List returns one page of decisions ({decisions, bookmark}) in ID order,
// of one status when status is not empty; pageSize is a decimal 1..1000
// ("" or "0": 100) of decisions read; bookmark is the previous page's (""
// to start). Caller: anyone.
func (c *DecisionContract) List(ctx contractapi.TransactionContextInterface, status, pageSize, bookmark string) (string, error) {
	size, err := parsePageSize("list decisions", pageSize)
	if err != nil {
		return "", wire(err)
	}
	ds, err := decision.List(ledger.StubStore{Stub: ctx.GetStub()}, decision.Status(status), size, bookmark)
	if err != nil {
		return "", wire(err)
	}
	return encode(ds)
}

// Appellants lists who appealed a decision. Caller: anyone.
func (c *DecisionContract) Appellants(ctx contractapi.TransactionContextInterface, id string) (string, error) {
	as, err := decision.Appellants(ledger.StubStore{Stub: ctx.GetStub()}, id)
	if err != nil {
		return "", wire(err)
	}
	return encode(as)
}
