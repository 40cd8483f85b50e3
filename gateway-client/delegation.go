package charter

import (
	"context"
	"time"

	"github.com/charter-gov/charter/chaincode/delegation"
	"github.com/charter-gov/charter/chaincode/identity"
)

// Delegation transaction names.
const (
	txDelegationSet       = "delegation:Set"
	txDelegationRevoke    = "delegation:Revoke"
	txDelegationList      = "delegation:List"
	txDelegationEffective = "delegation:Effective"
	txDelegationIncoming  = "delegation:Incoming"
	txDelegationSetStmt   = "delegation:SetStatement"
	txDelegationStatement = "delegation:Statement"
)

// SetDelegateStatement submits delegation:SetStatement: the caller's
// delegate statement, replacing their earlier one.
//
// Errors: ErrForbidden (not an active member), ErrInvalidArgument (empty,
// too long, control characters).
func (c *Client) SetDelegateStatement(ctx context.Context, text string) (*delegation.Statement, error) {
	arg, err := encodeArg("statement request", delegation.StatementRequest{Text: text})
	if err != nil {
		return nil, err
	}
	var st delegation.Statement
	if err := c.submit(ctx, txDelegationSetStmt, &st, arg); err != nil {
		return nil, err
	}
	return &st, nil
}

// DelegateStatement evaluates delegation:Statement, a member's delegate
// statement.
//
// Errors: ErrNotFound (none set), ErrInvalidArgument (malformed identity).
func (c *Client) DelegateStatement(ctx context.Context, member identity.Identity) (*delegation.Statement, error) {
	var st delegation.Statement
	if err := c.evaluate(ctx, txDelegationStatement, &st, member.MSPID, member.ID); err != nil {
		return nil, err
	}
	return &st, nil
}

// Delegate submits delegation:Set, delegating the caller's weight for a
// topic ("*" for all).
//
// Errors: ErrForbidden (not an active member), ErrInvalidArgument (topic,
// percentages, oneself, expiry, a cycle), ErrNotFound (delegate not an
// active member).
func (c *Client) Delegate(ctx context.Context, req delegation.SetRequest) (*delegation.Version, error) {
	return c.delegationOp(ctx, txDelegationSet, "delegation request", req)
}

// RevokeDelegation submits delegation:Revoke.
//
// Errors: ErrForbidden, ErrInvalidArgument (topic), ErrNotFound (no
// delegation in force).
func (c *Client) RevokeDelegation(ctx context.Context, req delegation.RevokeRequest) (*delegation.Version, error) {
	return c.delegationOp(ctx, txDelegationRevoke, "revoke request", req)
}

func (c *Client) delegationOp(ctx context.Context, tx, what string, req any) (*delegation.Version, error) {
	arg, err := encodeArg(what, req)
	if err != nil {
		return nil, err
	}
	var v delegation.Version
	if err := c.submit(ctx, tx, &v, arg); err != nil {
		return nil, err
	}
	return &v, nil
}

// Delegations evaluates delegation:List, a member's delegations in force.
//
// Errors: ErrInvalidArgument (malformed identity).
func (c *Client) Delegations(ctx context.Context, member identity.Identity) ([]delegation.Version, error) {
	var vs []delegation.Version
	if err := c.evaluate(ctx, txDelegationList, &vs, member.MSPID, member.ID); err != nil {
		return nil, err
	}
	return vs, nil
}

// EffectiveDelegation evaluates delegation:Effective: the delegation that
// governs member's weight for topic at a time (nil when none).
//
// Errors: ErrInvalidArgument.
func (c *Client) EffectiveDelegation(ctx context.Context, member identity.Identity, topic string, at time.Time) (*delegation.Version, error) {
	var v *delegation.Version
	if err := c.evaluate(ctx, txDelegationEffective, &v, member.MSPID, member.ID, topic, at.UTC().Format(time.RFC3339Nano)); err != nil {
		return nil, err
	}
	return v, nil
}

// IncomingDelegations evaluates delegation:Incoming: who delegates to
// member for topic at a time.
//
// Errors: ErrInvalidArgument.
func (c *Client) IncomingDelegations(ctx context.Context, member identity.Identity, topic string, at time.Time) ([]delegation.Inflow, error) {
	var in []delegation.Inflow
	if err := c.evaluate(ctx, txDelegationIncoming, &in, member.MSPID, member.ID, topic, at.UTC().Format(time.RFC3339Nano)); err != nil {
		return nil, err
	}
	return in, nil
}
