package charter

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/decision"
	"github.com/charter-gov/charter/chaincode/upgrade"
)

// Transaction names of chaincode upgrades and the system contract.
const (
	txUpgradeSignOff = "upgrade:SignOff"
	txUpgradeGet     = "upgrade:Get"
	txUpgradeCheck   = "upgrade:Check"
	txSystemBuild    = "system:Build"
)

// ProposeChaincodeUpgrade is ProposeDecision for a chaincode_upgrade
// decision naming a build's SHA-256 digest (network/build-chaincode.sh),
// the definition sequence it may be committed at and its version label.
//
// Errors: as ProposeDecision; ErrInvalidArgument (malformed digest,
// sequence below 2, bad version), ErrConflict (the sequence already has an
// authorised build).
func (c *Client) ProposeChaincodeUpgrade(ctx context.Context, title, description string, p upgrade.Payload) (*decision.Decision, error) {
	payload, err := json.Marshal(p)
	if err != nil {
		return nil, &Error{Code: CodeInvalidArgument, Message: fmt.Sprintf("encode chaincode upgrade: %v", err), Err: err}
	}
	return c.ProposeDecision(ctx, decision.ProposeRequest{Type: constitution.ChaincodeUpgrade, Title: title, Description: description, Payload: payload})
}

// SignOffUpgrade submits upgrade:SignOff: the caller, a maintainer (House
// A seat), states that the build authorised for sequence has this digest.
//
// Errors: ErrForbidden (caller holds no House A seat), ErrNotFound (no
// executed chaincode_upgrade decision for the sequence),
// ErrFailedPrecondition (the digest is not the authorised one),
// ErrConflict (already signed off), ErrInvalidArgument.
func (c *Client) SignOffUpgrade(ctx context.Context, sequence int64, digest string) (*upgrade.SignOff, error) {
	var so upgrade.SignOff
	if err := c.submitJSON(ctx, txUpgradeSignOff, "sign-off request", upgrade.SignOffRequest{Sequence: sequence, Digest: digest}, &so); err != nil {
		return nil, err
	}
	return &so, nil
}

// UpgradeStatus evaluates upgrade:Get: the authorisation of a sequence,
// its sign-offs and whether it is cleared.
//
// Errors: ErrNotFound, ErrInvalidArgument.
func (c *Client) UpgradeStatus(ctx context.Context, sequence int64) (*upgrade.Status, error) {
	var st upgrade.Status
	if err := c.evaluate(ctx, txUpgradeGet, &st, strconv.FormatInt(sequence, 10)); err != nil {
		return nil, err
	}
	return &st, nil
}

// CheckUpgrade evaluates upgrade:Check: whether the build with digest may
// be approved at sequence.
//
// Errors: ErrNotFound (no authorisation), ErrFailedPrecondition (another
// digest authorised, or not signed off by two organisations),
// ErrInvalidArgument.
func (c *Client) CheckUpgrade(ctx context.Context, digest string, sequence int64) (*upgrade.Status, error) {
	var st upgrade.Status
	if err := c.evaluate(ctx, txUpgradeCheck, &st, digest, strconv.FormatInt(sequence, 10)); err != nil {
		return nil, err
	}
	return &st, nil
}

// Build evaluates system:Build on the client's own organisation's peer:
// the digest of the chaincode binary that organisation's service runs.
//
// Errors: ErrFailedPrecondition (the service does not know its digest).
func (c *Client) Build(ctx context.Context) (*upgrade.Build, error) {
	var b upgrade.Build
	if err := c.evaluate(ctx, txSystemBuild, &b); err != nil {
		return nil, err
	}
	return &b, nil
}
