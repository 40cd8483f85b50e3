package charter

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/genesis"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/membership"
)

// Transaction names, "contract:function".
const (
	txGenesisPropose      = "constitution:ProposeGenesis"
	txGenesisApprove      = "constitution:ApproveGenesis"
	txGenesisStatus       = "constitution:Genesis"
	txConstitutionCurrent = "constitution:Current"
	txConstitutionGet     = "constitution:Get"
	txConstitutionHistory = "constitution:History"
	txConstitutionDefault = "constitution:Default"
	txMemberRegister      = "member:Register"
	txMemberUpdate        = "member:Update"
	txMemberRemove        = "member:Remove"
	txMemberGet           = "member:Get"
	txMemberList          = "member:List"
	txMemberWhoami        = "member:Whoami"
)

// Errors common to every method (each method lists those it adds):
//
//   - CodeUnavailable, CodeDeadlineExceeded, CodeCanceled: the peer could
//     not be reached, or the timeout or ctx ended before the transaction
//     reached the orderer (nothing was written).
//   - CodeUnknown: any other gateway failure (for example an endorsement
//     policy failure); the message includes each peer's report.
//   - CodeInternal: a chaincode bug, or a result the client cannot decode.
//
// Submitting methods may also return:
//
//   - CodeUnknownOutcome: sent for ordering, commit status not received in
//     time; the *Error carries the TxID.
//   - CodeNotCommitted: the transaction failed validation, including
//     MVCC_READ_CONFLICT after Config.MVCCRetries retries; the *Error wraps
//     a *CommitError.

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

// followPages calls page from bookmark from ("" is the first page) until a
// page's bookmark is "", and returns every item in order (an empty slice,
// never nil).
func followPages[T any](from string, page func(bookmark string) ([]T, string, error)) ([]T, error) {
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

// Members lists every member matching q, following member:List's pages
// (q.PageSize each, DefaultMemberPage when 0) from q.Bookmark to the end.
//
// Errors: as MembersPage.
func (c *Client) Members(ctx context.Context, q MemberQuery) ([]membership.Member, error) {
	if q.PageSize == 0 {
		q.PageSize = DefaultMemberPage
	}
	return followPages(q.Bookmark, func(bookmark string) ([]membership.Member, string, error) {
		q.Bookmark = bookmark
		p, err := c.MembersPage(ctx, q)
		if err != nil {
			return nil, "", err
		}
		return p.Members, p.Bookmark, nil
	})
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

// encodeArg renders a structured argument as one JSON string.
func encodeArg(what string, v any) (string, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return "", &Error{Code: CodeInvalidArgument, Message: fmt.Sprintf("encode %s: %v", what, err), Err: err}
	}
	return string(raw), nil
}
