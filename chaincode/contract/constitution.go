package contract

import (
	"strconv"

	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/genesis"
	"github.com/charter-gov/charter/chaincode/ledger"
)

// ConstitutionContract exposes the constitution ("constitution:…").
type ConstitutionContract struct {
	contractapi.Contract
	guard guard
}

func newConstitutionContract(g guard) *ConstitutionContract {
	return &ConstitutionContract{Contract: g.base("constitution"), guard: g}
}

// GetEvaluateTransactions lists the queries.
func (c *ConstitutionContract) GetEvaluateTransactions() []string {
	return []string{"Current", "Get", "History", "Default", "Genesis"}
}

// ProposeGenesis proposes the founding act. genesisJSON is a
// genesis.Genesis. Caller: an admin of an organisation the genesis names as
// founder; before adoption. A pending proposal is replaced (approvals
// reset).
//
// Endorsement-time check: when this peer's chaincode server is configured
// with the consortium's founders (Config.Founders), it refuses to endorse a
// genesis naming any other founder set. Like the clock-skew guard it decides
// only whether this peer endorses; with the MAJORITY endorsement policy one
// organisation cannot get a genesis that leaves others out endorsed.
func (c *ConstitutionContract) ProposeGenesis(ctx contractapi.TransactionContextInterface, genesisJSON string) (string, error) {
	var g genesis.Genesis
	if err := decode("genesis", genesisJSON, &g); err != nil {
		return "", wire(err)
	}
	if err := c.guard.checkFounders(g, "propose genesis"); err != nil {
		return "", wire(err)
	}
	return runFounding(ctx, func(tx *core.Tx) (*genesis.Proposal, error) { return genesis.Propose(tx, g) })
}

// ApproveGenesis records the caller's organisation's approval of the
// pending genesis, named by its SHA-256; the approval that completes the
// set adopts it. Caller: an admin of a founding organisation, once per
// round. The endorsement-time founders check applies to the pending
// genesis too.
func (c *ConstitutionContract) ApproveGenesis(ctx contractapi.TransactionContextInterface, hash string) (string, error) {
	if len(c.guard.cfg.Founders) > 0 {
		p, err := genesis.Pending(ledger.StubStore{Stub: ctx.GetStub()})
		if err != nil {
			return "", wire(err)
		}
		if p != nil {
			if err := c.guard.checkFounders(p.Genesis, "approve genesis"); err != nil {
				return "", wire(err)
			}
		}
	}
	return runFounding(ctx, func(tx *core.Tx) (*genesis.ApprovalResult, error) { return genesis.Approve(tx, hash) })
}

// Genesis returns the founding act's state: the pending proposal with its
// approvals and the founders still to approve, or the adoption. Caller:
// anyone.
func (c *ConstitutionContract) Genesis(ctx contractapi.TransactionContextInterface) (string, error) {
	st, err := genesis.Get(ledger.StubStore{Stub: ctx.GetStub()})
	if err != nil {
		return "", wire(err)
	}
	return encode(st)
}

// Current returns the version in force. Caller: anyone.
func (c *ConstitutionContract) Current(ctx contractapi.TransactionContextInterface) (string, error) {
	v, err := constitution.Current(ledger.StubStore{Stub: ctx.GetStub()})
	if err != nil {
		return "", wire(err)
	}
	return encode(v)
}

// Get returns one version. Caller: anyone.
func (c *ConstitutionContract) Get(ctx contractapi.TransactionContextInterface, version string) (string, error) {
	n, err := strconv.ParseInt(version, 10, 64)
	if err != nil {
		return "", wire(errcode.Invalidf("constitution version %q is not a whole number", version))
	}
	v, err := constitution.Get(ledger.StubStore{Stub: ctx.GetStub()}, n)
	if err != nil {
		return "", wire(err)
	}
	return encode(v)
}

// History lists every version, oldest first. Caller: anyone.
func (c *ConstitutionContract) History(ctx contractapi.TransactionContextInterface) (string, error) {
	h, err := constitution.History(ledger.StubStore{Stub: ctx.GetStub()})
	if err != nil {
		return "", wire(err)
	}
	return encode(h)
}

// Default returns the default constitution document. Caller: anyone.
func (c *ConstitutionContract) Default(ctx contractapi.TransactionContextInterface) (string, error) {
	return encode(constitution.Default())
}
