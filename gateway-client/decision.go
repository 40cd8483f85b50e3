package charter

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/charter-gov/charter/chaincode/ballot"
	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/decision"
	"github.com/charter-gov/charter/chaincode/decision/effects"
	"github.com/charter-gov/charter/chaincode/treasury"
)

// Decision transaction names, "contract:function".
const (
	txDecisionPropose    = "decision:Propose"
	txDecisionVote       = "decision:Vote"
	txDecisionConclude   = "decision:Conclude"
	txDecisionAppeal     = "decision:Appeal"
	txDecisionExecute    = "decision:Execute"
	txDecisionGet        = "decision:Get"
	txDecisionList       = "decision:List"
	txDecisionAppellants = "decision:Appellants"
)

// ProposeDecision submits decision:Propose: a decision of req.Type with one
// ballot per house the constitution in force routes it to. The caller must
// be an active member (a House A seat holder for types routed to House A
// only).
//
// Errors (besides the common ones, see the package documentation):
// ErrInvalidArgument (title, subject, payload — e.g. an amendment that
// would leave the constitution invalid or changes nothing), ErrForbidden
// (not a member; no seat), ErrNotFound (type not routed),
// ErrFailedPrecondition (no constitution; the power to decide the type
// expired under a sunset clause).
func (c *Client) ProposeDecision(ctx context.Context, req decision.ProposeRequest) (*decision.Decision, error) {
	var d decision.Decision
	if err := c.submitJSON(ctx, txDecisionPropose, "decision propose request", req, &d); err != nil {
		return nil, err
	}
	return &d, nil
}

// ProposeAmendment is ProposeDecision for a constitutional amendment whose
// payload is the whole amended document.
//
// Errors: as ProposeDecision.
func (c *Client) ProposeAmendment(ctx context.Context, title, description string, doc constitution.Document) (*decision.Decision, error) {
	payload, err := json.Marshal(decision.AmendmentPayload{Document: doc})
	if err != nil {
		return nil, &Error{Code: CodeInvalidArgument, Message: fmt.Sprintf("encode amendment: %v", err), Err: err}
	}
	return c.ProposeDecision(ctx, decision.ProposeRequest{Type: constitution.Amendment, Title: title, Description: description, Payload: payload})
}

// ProposeTokenIssuance is ProposeDecision for a token_issuance decision:
// the only way new governance tokens are issued. They are credited to the
// treasury's token account ({amount, memo}), from which spends pay them
// out. The constitution's token section bounds what one decision may issue
// (checked at proposal and again at execution, against the tokens issued
// in circulation and in the treasury).
//
// Errors: as ProposeDecision; ErrFailedPrecondition when the amount
// exceeds the per-decision limit or the supply cap.
func (c *Client) ProposeTokenIssuance(ctx context.Context, title, description string, req treasury.IssuanceRequest) (*decision.Decision, error) {
	return c.proposeTyped(ctx, constitution.TokenIssuance, "token issuance", title, description, req)
}

// ProposeRoleChange is ProposeDecision for a role decision: typ is
// role_grant or role_revoke (guardian, attester with its categories) or
// office_grant or office_revoke (treasurer, grants administrator). House A
// seats go through seat_confirmation and seat_removal.
//
// Errors: as ProposeDecision; ErrFailedPrecondition when typ does not carry
// the role (the message names the type that does).
func (c *Client) ProposeRoleChange(ctx context.Context, typ constitution.DecisionType, title, description string, p effects.RolePayload) (*decision.Decision, error) {
	payload, err := json.Marshal(p)
	if err != nil {
		return nil, &Error{Code: CodeInvalidArgument, Message: fmt.Sprintf("encode role change: %v", err), Err: err}
	}
	return c.ProposeDecision(ctx, decision.ProposeRequest{Type: typ, Title: title, Description: description, Payload: payload})
}

// VoteOnDecision submits decision:Vote, the caller's vote on a decision's
// ballot (or appeal ballot) in one house, after the recusal check. It
// returns the vote as the ballot engine recorded it.
//
// Errors: ErrForbidden (a disclosed conflict of interest; not eligible in
// the house, e.g. a House B member voting in House A), ErrNotFound,
// ErrFailedPrecondition (voting not open), ErrInvalidArgument (choice).
func (c *Client) VoteOnDecision(ctx context.Context, req decision.VoteRequest) (*ballot.Vote, error) {
	var v ballot.Vote
	if err := c.submitJSON(ctx, txDecisionVote, "decision vote request", req, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// ConcludeDecision submits decision:Conclude, applying the concurrence
// rule to the decision's tallied ballots (or concluding its appeal).
//
// Errors: ErrNotFound, ErrFailedPrecondition (a ballot is not tallied; the
// mediation timelock is running; nothing to conclude).
func (c *Client) ConcludeDecision(ctx context.Context, id string) (*decision.Decision, error) {
	var d decision.Decision
	if err := c.submit(ctx, txDecisionConclude, &d, id); err != nil {
		return nil, err
	}
	return &d, nil
}

// AppealDecision submits decision:Appeal, joining the appeal against a
// passed decision.
//
// Errors: ErrInvalidArgument (no grounds), ErrNotFound, ErrForbidden (not
// an active member), ErrFailedPrecondition (not passed; window closed;
// already lodged), ErrConflict (the caller already appealed).
func (c *Client) AppealDecision(ctx context.Context, req decision.AppealRequest) (*decision.AppealResult, error) {
	var r decision.AppealResult
	if err := c.submitJSON(ctx, txDecisionAppeal, "decision appeal request", req, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// ExecuteDecision submits decision:Execute, performing a passed decision's
// effect after its timelock and appeal window.
//
// Errors: ErrConflict (already executed), ErrFailedPrecondition (not
// passed, appealed, or too early; an amendment drafted against a version
// no longer in force), ErrNotFound.
func (c *Client) ExecuteDecision(ctx context.Context, id string) (*decision.Decision, error) {
	var d decision.Decision
	if err := c.submit(ctx, txDecisionExecute, &d, id); err != nil {
		return nil, err
	}
	return &d, nil
}

// Decision evaluates decision:Get.
//
// Errors: ErrNotFound, ErrInvalidArgument (empty ID).
func (c *Client) Decision(ctx context.Context, id string) (*decision.Decision, error) {
	var d decision.Decision
	if err := c.evaluate(ctx, txDecisionGet, &d, id); err != nil {
		return nil, err
	}
	return &d, nil
}

// DecisionsPage evaluates decision:List for one page: decisions in ID
// order, of one status when status is not empty, pageSize decisions read
// (1..1000; 0: the chaincode's 100) from bookmark ("" starts); the page's
// Bookmark is "" after the last.
//
// Errors: ErrInvalidArgument (unknown status, page size, a bookmark from
// another listing).
func (c *Client) DecisionsPage(ctx context.Context, status decision.Status, pageSize int, bookmark string) (*decision.ListPage, error) {
	var p decision.ListPage
	if err := c.evaluate(ctx, txDecisionList, &p, string(status), strconv.Itoa(pageSize), bookmark); err != nil {
		return nil, err
	}
	return &p, nil
}

// Decisions lists every decision in ID order, of one status when status
// is not empty, following decision:List's pages of DefaultMemberPage.
//
// Errors: as DecisionsPage.
func (c *Client) Decisions(ctx context.Context, status decision.Status) ([]decision.Decision, error) {
	return FollowPages("", func(bookmark string) ([]decision.Decision, string, error) {
		p, err := c.DecisionsPage(ctx, status, DefaultMemberPage, bookmark)
		if err != nil {
			return nil, "", err
		}
		return p.Decisions, p.Bookmark, nil
	})
}

// Appellants evaluates decision:Appellants.
//
// Errors: only the common ones.
func (c *Client) Appellants(ctx context.Context, id string) ([]decision.Appellant, error) {
	var as []decision.Appellant
	if err := c.evaluate(ctx, txDecisionAppellants, &as, id); err != nil {
		return nil, err
	}
	return as, nil
}
