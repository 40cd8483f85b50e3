package contract

import (
	"strconv"

	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"

	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/ledger"
	"github.com/charter-gov/charter/chaincode/membership"
)

// MemberContract exposes membership and roles ("member:…").
type MemberContract struct {
	contractapi.Contract
}

func newMemberContract(g guard) *MemberContract {
	return &MemberContract{Contract: g.base("member")}
}

// GetEvaluateTransactions lists the queries.
func (c *MemberContract) GetEvaluateTransactions() []string {
	return []string{"Get", "List", "Whoami", "Vouches"}
}

// Register registers a member of the caller's organisation.
// requestJSON is a membership.RegisterRequest. Caller: that organisation's admin.
func (c *MemberContract) Register(ctx contractapi.TransactionContextInterface, requestJSON string) (string, error) {
	var req membership.RegisterRequest
	if err := decode("register request", requestJSON, &req); err != nil {
		return "", wire(err)
	}
	return run(ctx, func(tx *core.Tx) (*membership.Member, error) { return membership.Register(tx, req) })
}

// RegisterBatch registers 1..500 plain members of the caller's
// organisation in one transaction, all or nothing. requestJSON is a
// membership.RegisterBatchRequest. Caller: that organisation's admin.
func (c *MemberContract) RegisterBatch(ctx contractapi.TransactionContextInterface, requestJSON string) (string, error) {
	var req membership.RegisterBatchRequest
	if err := decode("register batch request", requestJSON, &req); err != nil {
		return "", wire(err)
	}
	return run(ctx, func(tx *core.Tx) (*membership.BatchResult, error) { return membership.RegisterBatch(tx, req) })
}

// Update replaces a member's roles (and name). requestJSON is a
// membership.UpdateRequest. Caller: the member's organisation admin.
func (c *MemberContract) Update(ctx contractapi.TransactionContextInterface, requestJSON string) (string, error) {
	var req membership.UpdateRequest
	if err := decode("update request", requestJSON, &req); err != nil {
		return "", wire(err)
	}
	return run(ctx, func(tx *core.Tx) (*membership.Member, error) { return membership.Update(tx, req) })
}

// Remove removes a member. requestJSON is a membership.RemoveRequest.
// Caller: the member's organisation admin.
func (c *MemberContract) Remove(ctx contractapi.TransactionContextInterface, requestJSON string) (string, error) {
	var req membership.RemoveRequest
	if err := decode("remove request", requestJSON, &req); err != nil {
		return "", wire(err)
	}
	return run(ctx, func(tx *core.Tx) (*membership.Member, error) { return membership.Remove(tx, req) })
}

// Get returns one member. Caller: anyone.
func (c *MemberContract) Get(ctx contractapi.TransactionContextInterface, mspID, id string) (string, error) {
	m, err := membership.Get(ledger.StubStore{Stub: ctx.GetStub()}, identity.Identity{MSPID: mspID, ID: id})
	if err != nil {
		return "", wire(err)
	}
	return encode(m)
}

// List returns one page of members ({members, bookmark}), of one MSP when
// mspID is not empty; includeRemoved is "true" or "false"; pageSize is a
// decimal 1..1000 ("" or "0": 100); bookmark is the previous page's ("" to
// start). A query: it reads at most pageSize records. Caller: anyone.
func (c *MemberContract) List(ctx contractapi.TransactionContextInterface, mspID, includeRemoved, pageSize, bookmark string) (string, error) {
	all, err := strconv.ParseBool(includeRemoved)
	if err != nil {
		return "", wire(errcode.Invalidf("includeRemoved %q is not true or false", includeRemoved))
	}
	size := 0
	if pageSize != "" {
		if size, err = strconv.Atoi(pageSize); err != nil {
			return "", wire(errcode.Invalidf("list members: page size %q is not a whole number", pageSize))
		}
	}
	p, err := membership.ListPaged(ledger.StubStore{Stub: ctx.GetStub()}, membership.ListRequest{MSPID: mspID, IncludeRemoved: all, PageSize: size, Bookmark: bookmark})
	if err != nil {
		return "", wire(err)
	}
	return encode(p)
}

// Whoami describes the caller. Caller: anyone.
func (c *MemberContract) Whoami(ctx contractapi.TransactionContextInterface) (string, error) {
	tx, err := newTx(ctx)
	if err != nil {
		return "", wire(err)
	}
	w, err := membership.Whoami(tx)
	if err != nil {
		return "", wire(err)
	}
	return encode(w)
}
