package charter

import (
	"context"
	"fmt"
	"strconv"

	"github.com/charter-gov/charter/chaincode/constitution"
)

// Constitution transaction names, "contract:function".
const (
	txConstitutionCurrent = "constitution:Current"
	txConstitutionGet     = "constitution:Get"
	txConstitutionHistory = "constitution:History"
	txConstitutionDefault = "constitution:Default"
)

// Constitution evaluates constitution:Current, the version in force.
//
// Errors: ErrFailedPrecondition (no constitution adopted yet).
func (c *Client) Constitution(ctx context.Context) (*constitution.Version, error) {
	var v constitution.Version
	if err := c.evaluate(ctx, txConstitutionCurrent, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// ConstitutionVersion evaluates constitution:Get, one adopted version.
//
// Errors: ErrNotFound (no such version), ErrInvalidArgument (version < 1).
func (c *Client) ConstitutionVersion(ctx context.Context, version int64) (*constitution.Version, error) {
	var v constitution.Version
	if err := c.evaluate(ctx, txConstitutionGet, &v, strconv.FormatInt(version, 10)); err != nil {
		return nil, err
	}
	return &v, nil
}

// ConstitutionHistory evaluates constitution:History, every adopted
// version, oldest first (empty before initialisation).
//
// Errors: only the common ones.
func (c *Client) ConstitutionHistory(ctx context.Context) ([]constitution.VersionSummary, error) {
	var h []constitution.VersionSummary
	if err := c.evaluate(ctx, txConstitutionHistory, &h); err != nil {
		return nil, err
	}
	return h, nil
}

// DefaultConstitution evaluates constitution:Default, the default
// document a genesis may adopt.
//
// Errors: only the common ones.
func (c *Client) DefaultConstitution(ctx context.Context) (*constitution.Document, error) {
	var d constitution.Document
	if err := c.evaluate(ctx, txConstitutionDefault, &d); err != nil {
		return nil, err
	}
	return &d, nil
}

// ConstitutionDiff reads two adopted versions and returns what changed
// from the first to the second (computed locally with constitution.Diff).
//
// Errors: ErrNotFound (no such version), ErrInvalidArgument (version < 1).
func (c *Client) ConstitutionDiff(ctx context.Context, from, to int64) ([]constitution.Change, error) {
	a, err := c.ConstitutionVersion(ctx, from)
	if err != nil {
		return nil, err
	}
	b, err := c.ConstitutionVersion(ctx, to)
	if err != nil {
		return nil, err
	}
	changes, err := constitution.Diff(a.Document, b.Document)
	if err != nil {
		return nil, &Error{Code: CodeInternal, Message: fmt.Sprintf("diff versions %d and %d: %v", from, to, err), Err: err}
	}
	return changes, nil
}
