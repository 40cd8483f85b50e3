package contract

import (
	"strconv"

	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"

	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/round"
)

// RoundContract exposes quadratic-funding rounds ("round:…"; see
// chaincode/round and docs/funding.md).
type RoundContract struct {
	contractapi.Contract
}

func newRoundContract(g guard) *RoundContract {
	return &RoundContract{Contract: g.base("round")}
}

// GetEvaluateTransactions lists the queries.
func (c *RoundContract) GetEvaluateTransactions() []string {
	return []string{"Get", "Projects", "ContributionOf", "Results", "Estimate"}
}

// Open opens a round; requestJSON is a round.OpenRequest. Caller: a grants
// administrator.
func (c *RoundContract) Open(ctx contractapi.TransactionContextInterface, requestJSON string) (string, error) {
	var req round.OpenRequest
	if err := decode("open round request", requestJSON, &req); err != nil {
		return "", wire(err)
	}
	return run(ctx, func(tx *core.Tx) (*round.Round, error) { return round.Open(tx, req) })
}

// Apply applies to a round; requestJSON is a round.ApplyRequest. Caller:
// an active member.
func (c *RoundContract) Apply(ctx contractapi.TransactionContextInterface, requestJSON string) (string, error) {
	var req round.ApplyRequest
	if err := decode("apply request", requestJSON, &req); err != nil {
		return "", wire(err)
	}
	return run(ctx, func(tx *core.Tx) (*round.Project, error) { return round.Apply(tx, req) })
}

// Accept accepts a project; requestJSON is a round.AcceptRequest. Caller:
// a grants administrator other than the applicant.
func (c *RoundContract) Accept(ctx contractapi.TransactionContextInterface, requestJSON string) (string, error) {
	var req round.AcceptRequest
	if err := decode("accept request", requestJSON, &req); err != nil {
		return "", wire(err)
	}
	return run(ctx, func(tx *core.Tx) (*round.Project, error) { return round.Accept(tx, req) })
}

// Contribute contributes tokens to a project; requestJSON is a
// round.ContributeRequest. Caller: an active member, inside the window.
func (c *RoundContract) Contribute(ctx contractapi.TransactionContextInterface, requestJSON string) (string, error) {
	var req round.ContributeRequest
	if err := decode("contribute request", requestJSON, &req); err != nil {
		return "", wire(err)
	}
	return run(ctx, func(tx *core.Tx) (*round.Receipt, error) { return round.Contribute(tx, req) })
}

// ContributeBatch contributes to several projects of one round in one
// transaction (a cart); requestJSON is a round.ContributeBatchRequest.
// Caller: an active member, inside the window.
func (c *RoundContract) ContributeBatch(ctx contractapi.TransactionContextInterface, requestJSON string) (string, error) {
	var req round.ContributeBatchRequest
	if err := decode("contribute cart request", requestJSON, &req); err != nil {
		return "", wire(err)
	}
	return run(ctx, func(tx *core.Tx) (*round.CartReceipt, error) { return round.ContributeBatch(tx, req) })
}

// Close runs one page of a round's close; pageSize is a whole number
// (0: the default). Caller: anyone, once the window is over by the skew.
func (c *RoundContract) Close(ctx contractapi.TransactionContextInterface, id, pageSize string) (string, error) {
	n, err := strconv.Atoi(pageSize)
	if err != nil {
		return "", wire(errcode.Invalidf("close page size %q is not a whole number", pageSize))
	}
	return run(ctx, func(tx *core.Tx) (*round.Progress, error) { return round.Close(tx, id, n) })
}

// Pay proposes the treasury spend of a closed round's matches. Caller: a
// grants administrator or treasurer.
func (c *RoundContract) Pay(ctx contractapi.TransactionContextInterface, id string) (string, error) {
	return run(ctx, func(tx *core.Tx) (*round.PayResult, error) { return round.Pay(tx, id) })
}

// Get returns a round. Caller: anyone.
func (c *RoundContract) Get(ctx contractapi.TransactionContextInterface, id string) (string, error) {
	return query(ctx, func(tx *core.Tx) (any, error) { return round.Get(tx.Store, id) })
}

// Projects lists one page of a round's projects. Caller: anyone.
func (c *RoundContract) Projects(ctx contractapi.TransactionContextInterface, id, pageSize, bookmark string) (string, error) {
	size := 0
	if pageSize != "" {
		var err error
		if size, err = strconv.Atoi(pageSize); err != nil {
			return "", wire(errcode.Invalidf("round projects: page size %q is not a whole number", pageSize))
		}
	}
	return query(ctx, func(tx *core.Tx) (any, error) { return round.Projects(tx.Store, id, size, bookmark) })
}

// ContributionOf returns one member's contribution to a project. Caller:
// anyone.
func (c *RoundContract) ContributionOf(ctx contractapi.TransactionContextInterface, id, project, mspID, memberID string) (string, error) {
	return query(ctx, func(tx *core.Tx) (any, error) {
		return round.ContributionOf(tx.Store, id, project, identity.Identity{MSPID: mspID, ID: memberID})
	})
}

// Results returns a closed round's results. Caller: anyone.
func (c *RoundContract) Results(ctx contractapi.TransactionContextInterface, id string) (string, error) {
	return query(ctx, func(tx *core.Tx) (any, error) { return round.GetResults(tx.Store, id) })
}

// Estimate returns the matches of the contributions so far. Caller: anyone.
func (c *RoundContract) Estimate(ctx contractapi.TransactionContextInterface, id string) (string, error) {
	return query(ctx, func(tx *core.Tx) (any, error) { return round.EstimateNow(tx.Store, id) })
}
