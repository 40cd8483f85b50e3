package charter

import (
	"context"

	"github.com/charter-gov/charter/chaincode/ballot"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/vouch"
)

// Transactions of the guardians' pause and of vouching.
const (
	txBallotPause         = "ballot:Pause"
	txBallotPauseSupports = "ballot:PauseSupports"
	txMemberVouch         = "member:Vouch"
	txMemberUnvouch       = "member:Unvouch"
	txMemberVouches       = "member:Vouches"
)

// PauseBallot submits ballot:Pause, the calling guardian's support for
// pausing a ballot. The result says how many guardians (and
// organisations) support it and whether the pause came into force: it
// needs the constitution's emergency.guardiansToAct guardians from
// emergency.guardianOrgsToAct organisations.
//
// Errors: ErrForbidden (not a guardian), ErrInvalidArgument (no reason),
// ErrNotFound, ErrFailedPrecondition (the emergency.pause power expired;
// the ballot is tallied or final, or was already paused), ErrConflict
// (the caller's support is already recorded).
func (c *Client) PauseBallot(ctx context.Context, req ballot.PauseRequest) (*ballot.PauseResult, error) {
	arg, err := encodeArg("pause request", req)
	if err != nil {
		return nil, err
	}
	var r ballot.PauseResult
	if err := c.submit(ctx, txBallotPause, &r, arg); err != nil {
		return nil, err
	}
	return &r, nil
}

// PauseSupports evaluates ballot:PauseSupports, the guardians' supports
// for pausing a ballot.
func (c *Client) PauseSupports(ctx context.Context, id string) ([]ballot.PauseSupport, error) {
	var out []ballot.PauseSupport
	if err := c.evaluate(ctx, txBallotPauseSupports, &out, id); err != nil {
		return nil, err
	}
	return out, nil
}

// Vouch submits member:Vouch: the caller vouches for a member of another
// organisation.
//
// Errors: ErrForbidden (the caller is not an active member, or is of the
// member's organisation), ErrNotFound (no such active member),
// ErrConflict (already vouched), ErrInvalidArgument.
func (c *Client) Vouch(ctx context.Context, member identity.Identity) (*vouch.Vouch, error) {
	arg, err := encodeArg("vouch request", vouch.GiveRequest{Member: member})
	if err != nil {
		return nil, err
	}
	var v vouch.Vouch
	if err := c.submit(ctx, txMemberVouch, &v, arg); err != nil {
		return nil, err
	}
	return &v, nil
}

// Unvouch submits member:Unvouch: the caller withdraws its vouch for a
// member. Ballots already open keep counting it; later ones do not.
//
// Errors: ErrNotFound (the caller never vouched for the member),
// ErrConflict (already withdrawn), ErrInvalidArgument.
func (c *Client) Unvouch(ctx context.Context, member identity.Identity) (*vouch.Vouch, error) {
	arg, err := encodeArg("unvouch request", vouch.WithdrawRequest{Member: member})
	if err != nil {
		return nil, err
	}
	var v vouch.Vouch
	if err := c.submit(ctx, txMemberUnvouch, &v, arg); err != nil {
		return nil, err
	}
	return &v, nil
}

// Vouches evaluates member:Vouches, the vouches for a member.
func (c *Client) Vouches(ctx context.Context, member identity.Identity) ([]vouch.Vouch, error) {
	var out []vouch.Vouch
	if err := c.evaluate(ctx, txMemberVouches, &out, member.MSPID, member.ID); err != nil {
		return nil, err
	}
	return out, nil
}
