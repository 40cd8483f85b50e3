package charter

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/charter-gov/charter/chaincode/contribution"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/reputation"
)

// Reputation transaction names, "contract:function".
const (
	txReputationAttest   = "reputation:Attest"
	txReputationRevoke   = "reputation:Revoke"
	txReputationEndorse  = "reputation:Endorse"
	txReputationScore    = "reputation:Score"
	txReputationHistory  = "reputation:History"
	txReputationEligible = "reputation:Eligible"
)

// Attest submits reputation:Attest, issuing an attestation of req.Recipient's
// contribution as the connected user. The caller must be an active member
// holding the attester role for req.Category, and not the recipient.
//
// Errors (besides the common ones, see the package documentation): ErrInvalidArgument
// (unknown category, weight out of bounds, no evidence, expiry not in the
// future, malformed recipient), ErrForbidden (not an attester for the
// category; self-attestation), ErrNotFound (recipient is not an active
// member), ErrFailedPrecondition (the constitution's farming cap per
// attester, recipient and period would be exceeded; no constitution).
func (c *Client) Attest(ctx context.Context, req reputation.AttestRequest) (*reputation.Attestation, error) {
	var a reputation.Attestation
	if err := c.submitReputation(ctx, txReputationAttest, "attest request", req, &a); err != nil {
		return nil, err
	}
	return &a, nil
}

// RevokeAttestation submits reputation:Revoke. The record stays, marked
// revoked; from the revocation on it no longer counts. The caller must be
// the attester who issued it.
//
// Errors: ErrInvalidArgument (no reason), ErrNotFound (no such
// attestation), ErrForbidden (not the issuer), ErrConflict (already
// revoked).
func (c *Client) RevokeAttestation(ctx context.Context, req reputation.RevokeRequest) (*reputation.Attestation, error) {
	var a reputation.Attestation
	if err := c.submitReputation(ctx, txReputationRevoke, "revoke request", req, &a); err != nil {
		return nil, err
	}
	return &a, nil
}

// Endorse submits reputation:Endorse, vouching for an attestation. The
// caller must be an active member who is neither its recipient nor its
// attester, once per attestation.
//
// Errors: ErrInvalidArgument, ErrNotFound (no such attestation),
// ErrForbidden (not an active member; the recipient or attester),
// ErrFailedPrecondition (revoked or expired), ErrConflict (already
// endorsed by the caller).
func (c *Client) Endorse(ctx context.Context, req reputation.EndorseRequest) (*reputation.Endorsement, error) {
	var e reputation.Endorsement
	if err := c.submitReputation(ctx, txReputationEndorse, "endorse request", req, &e); err != nil {
		return nil, err
	}
	return &e, nil
}

// ScoreQuery selects a score.
type ScoreQuery struct {
	// At is the point in time; zero means the transaction's timestamp (now).
	At time.Time
	// Categories limits the score to these categories; empty means all.
	Categories []contribution.Category
}

// Score evaluates reputation:Score, member's score (in milli-points) at
// q.At over q.Categories, with every category's score.
//
// Errors: ErrInvalidArgument (malformed identity, unknown category),
// ErrFailedPrecondition (no constitution).
func (c *Client) Score(ctx context.Context, member identity.Identity, q ScoreQuery) (*reputation.ScoreReport, error) {
	cats := make([]string, len(q.Categories))
	for i, cat := range q.Categories {
		cats[i] = string(cat)
	}
	var r reputation.ScoreReport
	if err := c.evaluate(ctx, txReputationScore, &r, member.MSPID, member.ID, reputationTime(q.At), strings.Join(cats, ",")); err != nil {
		return nil, err
	}
	return &r, nil
}

// ReputationHistory evaluates reputation:History, every reputation record
// of member: attestations received (revoked ones marked), endorsements of
// them and slashes.
//
// Errors: ErrInvalidArgument (malformed identity).
func (c *Client) ReputationHistory(ctx context.Context, member identity.Identity) (*reputation.History, error) {
	var h reputation.History
	if err := c.evaluate(ctx, txReputationHistory, &h, member.MSPID, member.ID); err != nil {
		return nil, err
	}
	return &h, nil
}

// Eligibility evaluates reputation:Eligible for one member: whether it is
// eligible for a House A seat at at (zero: now), and why.
//
// Errors: ErrNotFound (never registered), ErrInvalidArgument (malformed
// identity), ErrFailedPrecondition (no constitution).
func (c *Client) Eligibility(ctx context.Context, member identity.Identity, at time.Time) (*reputation.EligibilityReport, error) {
	var p reputation.EligibilityPage
	if err := c.evaluate(ctx, txReputationEligible, &p, member.MSPID, member.ID, reputationTime(at), "", ""); err != nil {
		return nil, err
	}
	if len(p.Reports) != 1 {
		return nil, &Error{Code: CodeInternal, Message: "reputation:Eligible returned " + strconv.Itoa(len(p.Reports)) + " reports for one member"}
	}
	return &p.Reports[0], nil
}

// EligibleMembersPage evaluates reputation:Eligible for one page of active
// members (of one MSP when mspID is not empty) at at (zero: now): pageSize
// member records read (1..1000; 0: the chaincode's 100) from bookmark (""
// starts); the page's Bookmark is "" after the last.
//
// Errors: ErrFailedPrecondition (no constitution), ErrInvalidArgument
// (page size, a bookmark from another listing).
func (c *Client) EligibleMembersPage(ctx context.Context, mspID string, at time.Time, pageSize int, bookmark string) (*reputation.EligibilityPage, error) {
	var p reputation.EligibilityPage
	if err := c.evaluate(ctx, txReputationEligible, &p, mspID, "", reputationTime(at), strconv.Itoa(pageSize), bookmark); err != nil {
		return nil, err
	}
	return &p, nil
}

// EligibleMembers reports every active member at at (zero: now), in key
// order, following reputation:Eligible's pages of DefaultMemberPage; filter
// on Eligible for who may sit.
//
// Errors: as EligibleMembersPage.
func (c *Client) EligibleMembers(ctx context.Context, at time.Time) ([]reputation.EligibilityReport, error) {
	return FollowPages("", func(bookmark string) ([]reputation.EligibilityReport, string, error) {
		p, err := c.EligibleMembersPage(ctx, "", at, DefaultMemberPage, bookmark)
		if err != nil {
			return nil, "", err
		}
		return p.Reports, p.Bookmark, nil
	})
}

// submitReputation encodes req as the one JSON argument of a submitted
// transaction and decodes its result into out.
func (c *Client) submitReputation(ctx context.Context, tx, what string, req, out any) error {
	arg, err := encodeArg(what, req)
	if err != nil {
		return err
	}
	return c.submit(ctx, tx, out, arg)
}

// reputationTime renders a time argument: RFC 3339 with nanoseconds, or "" (the
// transaction's timestamp) for the zero time.
func reputationTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}
