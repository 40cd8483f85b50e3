package charter

import (
	"context"

	"github.com/charter-gov/charter/chaincode/coi"
	"github.com/charter-gov/charter/chaincode/identity"
)

// Conflict-of-interest transaction names, "contract:function".
const (
	txCoiDisclose = "coi:Disclose"
	txCoiList     = "coi:List"
	txCoiGet      = "coi:Get"
)

// DiscloseConflict submits coi:Disclose, recording the connected user's
// conflict of interest on req.Subject (with the statement, or only its
// SHA-256 to keep it off the ledger: see coi.HashStatement).
//
// Errors (besides the common ones, see the package documentation):
// ErrInvalidArgument (bad subject; no statement or hash; hash mismatch),
// ErrForbidden (not an active member), ErrConflict (already disclosed).
func (c *Client) DiscloseConflict(ctx context.Context, req coi.DiscloseRequest) (*coi.Disclosure, error) {
	var d coi.Disclosure
	if err := c.submitJSON(ctx, txCoiDisclose, "disclose request", req, &d); err != nil {
		return nil, err
	}
	return &d, nil
}

// Conflicts evaluates coi:List: the disclosures on a subject, or of a
// member (optionally of one kind).
//
// Errors: ErrInvalidArgument (neither or both of subject and member).
func (c *Client) Conflicts(ctx context.Context, q coi.ListRequest) ([]coi.Disclosure, error) {
	arg, err := encodeArg("list request", q)
	if err != nil {
		return nil, err
	}
	var ds []coi.Disclosure
	if err := c.evaluate(ctx, txCoiList, &ds, arg); err != nil {
		return nil, err
	}
	return ds, nil
}

// Conflict evaluates coi:Get, one member's disclosure on one subject.
//
// Errors: ErrNotFound (none), ErrInvalidArgument.
func (c *Client) Conflict(ctx context.Context, member identity.Identity, subject coi.Subject) (*coi.Disclosure, error) {
	var d coi.Disclosure
	if err := c.evaluate(ctx, txCoiGet, &d, string(subject.Kind), subject.ID, member.MSPID, member.ID); err != nil {
		return nil, err
	}
	return &d, nil
}
