package charter

import (
	"context"

	"github.com/charter-gov/charter/chaincode/genesis"
)

// Founding-act transaction names, "contract:function".
const (
	txGenesisPropose = "constitution:ProposeGenesis"
	txGenesisApprove = "constitution:ApproveGenesis"
	txGenesisStatus  = "constitution:Genesis"
)

// ProposeGenesis submits constitution:ProposeGenesis: the founding act's
// proposal (the first constitution, the initial role holders, the initial
// allocation, the founding organisations). It replaces a pending proposal
// (approvals reset). The result carries the hash each founder approves;
// GenesisHash computes the same hash locally.
//
// Errors: ErrForbidden (caller is not an admin of a founding organisation
// the genesis names, or this peer's organisation knows another founder
// set), ErrConflict (already adopted; this very genesis is already
// pending), ErrInvalidArgument (the genesis breaks a rule).
func (c *Client) ProposeGenesis(ctx context.Context, g genesis.Genesis) (*genesis.Proposal, error) {
	arg, err := encodeArg("genesis", g)
	if err != nil {
		return nil, err
	}
	var p genesis.Proposal
	if err := c.submit(ctx, txGenesisPropose, &p, arg); err != nil {
		return nil, err
	}
	return &p, nil
}

// ApproveGenesis submits constitution:ApproveGenesis: the caller's
// organisation approves the pending genesis named by hash. The approval
// that completes the set adopts it (the result's Adopted is set).
//
// Errors: ErrForbidden (caller is not an admin of a founding organisation),
// ErrConflict (already adopted; hash is not the pending genesis; this
// organisation already approved), ErrFailedPrecondition (nothing pending),
// ErrInvalidArgument (malformed hash).
func (c *Client) ApproveGenesis(ctx context.Context, hash string) (*genesis.ApprovalResult, error) {
	var r genesis.ApprovalResult
	if err := c.submit(ctx, txGenesisApprove, &r, hash); err != nil {
		return nil, err
	}
	return &r, nil
}

// Genesis evaluates constitution:Genesis: the pending proposal with its
// approvals and the founders still to approve, or the adoption.
//
// Errors: only the common ones.
func (c *Client) Genesis(ctx context.Context) (*genesis.Status, error) {
	var st genesis.Status
	if err := c.evaluate(ctx, txGenesisStatus, &st); err != nil {
		return nil, err
	}
	return &st, nil
}

// GenesisHash is the SHA-256 the founders approve for g (of its canonical
// form), computed locally: an approver hashes the document it has read.
func GenesisHash(g genesis.Genesis) (string, error) {
	h, _, err := genesis.Hash(g)
	return h, err
}
