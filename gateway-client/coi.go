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

// ConflictsPage evaluates coi:List for one page: the disclosures on a
// subject, or of a member (optionally of one kind), q.PageSize of them
// (1..1000; 0: the chaincode's 100) from q.Bookmark ("" starts); the
// page's Bookmark is "" after the last.
//
// Errors: ErrInvalidArgument (neither or both of subject and member; page
// size; a bookmark from another listing).
func (c *Client) ConflictsPage(ctx context.Context, q coi.ListRequest) (*coi.ListPage, error) {
	arg, err := encodeArg("list request", q)
	if err != nil {
		return nil, err
	}
	var p coi.ListPage
	if err := c.evaluate(ctx, txCoiList, &p, arg); err != nil {
		return nil, err
	}
	return &p, nil
}

// Conflicts lists every disclosure q selects, following coi:List's pages
// (q.PageSize each, DefaultMemberPage when 0) from q.Bookmark to the end.
//
// Errors: as ConflictsPage.
func (c *Client) Conflicts(ctx context.Context, q coi.ListRequest) ([]coi.Disclosure, error) {
	if q.PageSize == 0 {
		q.PageSize = DefaultMemberPage
	}
	return FollowPages(q.Bookmark, func(bookmark string) ([]coi.Disclosure, string, error) {
		q.Bookmark = bookmark
		p, err := c.ConflictsPage(ctx, q)
		if err != nil {
			return nil, "", err
		}
		return p.Disclosures, p.Bookmark, nil
	})
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
