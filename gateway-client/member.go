package charter

import (
	"context"
	"strconv"

	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/membership"
)

// Membership transaction names, "contract:function".
const (
	txMemberRegister = "member:Register"
	txMemberUpdate   = "member:Update"
	txMemberRemove   = "member:Remove"
	txMemberGet      = "member:Get"
	txMemberList     = "member:List"
	txMemberWhoami   = "member:Whoami"
)

// RegisterMember submits member:Register, registering (or re-admitting) a
// plain member of the caller's organisation. The caller must be that
// organisation's admin. It grants no role: roles come from the genesis or
// decisions, and req.Roles must be empty.
//
// Errors: ErrForbidden (not an admin of the member's organisation; the
// request carries a role, named with the decision type that grants it),
// ErrConflict (already an active member), ErrInvalidArgument (bad identity,
// name or unknown role).
func (c *Client) RegisterMember(ctx context.Context, req membership.RegisterRequest) (*membership.Member, error) {
	return c.submitMember(ctx, txMemberRegister, "register request", req)
}

// UpdateMember submits member:Update, renaming an active member. The
// caller must be the member's organisation admin. Roles do not change this
// way: req.Roles must be empty.
//
// Errors: ErrForbidden (also: the request carries a role), ErrNotFound
// (not registered or removed), ErrInvalidArgument (empty or bad name).
func (c *Client) UpdateMember(ctx context.Context, req membership.UpdateRequest) (*membership.Member, error) {
	return c.submitMember(ctx, txMemberUpdate, "update request", req)
}

// RemoveMember submits member:Remove, marking an active member removed
// (the record stays for the audit trail). The caller must be the member's
// organisation admin.
//
// Errors: ErrForbidden, ErrNotFound (not registered or already removed),
// ErrInvalidArgument (no reason, or a reason over 1024 bytes).
func (c *Client) RemoveMember(ctx context.Context, req membership.RemoveRequest) (*membership.Member, error) {
	return c.submitMember(ctx, txMemberRemove, "remove request", req)
}

func (c *Client) submitMember(ctx context.Context, tx, what string, req any) (*membership.Member, error) {
	arg, err := encodeArg(what, req)
	if err != nil {
		return nil, err
	}
	var m membership.Member
	if err := c.submit(ctx, tx, &m, arg); err != nil {
		return nil, err
	}
	return &m, nil
}

// Member evaluates member:Get, one member's record (active or removed).
//
// Errors: ErrNotFound (never registered), ErrInvalidArgument (malformed
// identity).
func (c *Client) Member(ctx context.Context, id identity.Identity) (*membership.Member, error) {
	var m membership.Member
	if err := c.evaluate(ctx, txMemberGet, &m, id.MSPID, id.ID); err != nil {
		return nil, err
	}
	return &m, nil
}

// MemberQuery selects members for Members.
type MemberQuery struct {
	// MSPID limits the list to one organisation; empty means all.
	MSPID string
	// IncludeRemoved also lists removed members.
	IncludeRemoved bool
	// PageSize is the members per query (1..1000); 0 means
	// DefaultMemberPage for Members and the chaincode's default (100) for
	// MembersPage.
	PageSize int
	// Bookmark continues a MembersPage listing ("" starts).
	Bookmark string
}

// DefaultMemberPage is the page size Members follows pages with.
const DefaultMemberPage = 1000

// MembersPage evaluates member:List for one page: members in key order
// (by MSP, then identity) and the bookmark of the next page ("" when this
// was the last).
//
// Errors: ErrInvalidArgument (page size outside 1..1000, a bookmark from
// another listing).
func (c *Client) MembersPage(ctx context.Context, q MemberQuery) (*membership.ListPage, error) {
	var p membership.ListPage
	if err := c.evaluate(ctx, txMemberList, &p, q.MSPID, strconv.FormatBool(q.IncludeRemoved), strconv.Itoa(q.PageSize), q.Bookmark); err != nil {
		return nil, err
	}
	return &p, nil
}

// Members lists every member matching q, following member:List's pages
// (q.PageSize each, DefaultMemberPage when 0) from q.Bookmark to the end.
//
// Errors: as MembersPage.
func (c *Client) Members(ctx context.Context, q MemberQuery) ([]membership.Member, error) {
	if q.PageSize == 0 {
		q.PageSize = DefaultMemberPage
	}
	return FollowPages(q.Bookmark, func(bookmark string) ([]membership.Member, string, error) {
		q.Bookmark = bookmark
		p, err := c.MembersPage(ctx, q)
		if err != nil {
			return nil, "", err
		}
		return p.Members, p.Bookmark, nil
	})
}

// FollowPages calls page from bookmark from ("" is the first page) until a
// page's bookmark is "", and returns every item in order (an empty slice,
// never nil).
func FollowPages[T any](from string, page func(bookmark string) ([]T, string, error)) ([]T, error) {
	out := []T{}
	bookmark := from
	for {
		items, next, err := page(bookmark)
		if err != nil {
			return nil, err
		}
		out = append(out, items...)
		if next == "" {
			return out, nil
		}
		bookmark = next
	}
}

// Whoami evaluates member:Whoami: the caller's identity as the chaincode
// sees it, whether it is an organisation admin, and its member record if
// registered.
//
// Errors: ErrForbidden (the certificate is not usable as an identity).
func (c *Client) Whoami(ctx context.Context) (*membership.WhoAmI, error) {
	var w membership.WhoAmI
	if err := c.evaluate(ctx, txMemberWhoami, &w); err != nil {
		return nil, err
	}
	return &w, nil
}
