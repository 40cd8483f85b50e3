package charter

import (
	"context"
	"strconv"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/decision"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/round"
)

// Funding-round transaction names.
const (
	txRoundOpen           = "round:Open"
	txRoundApply          = "round:Apply"
	txRoundAccept         = "round:Accept"
	txRoundContribute     = "round:Contribute"
	txRoundContributeCart = "round:ContributeBatch"
	txRoundClose          = "round:Close"
	txRoundPay            = "round:Pay"
	txRoundGet            = "round:Get"
	txRoundProjects       = "round:Projects"
	txRoundContributionOf = "round:ContributionOf"
	txRoundResults        = "round:Results"
	txRoundEstimate       = "round:Estimate"
)

// OpenRound submits round:Open.
//
// Errors: ErrForbidden (not a grants administrator), ErrInvalidArgument
// (title, categories, rule, pool, window), ErrFailedPrecondition (the pool
// is not funded by an executed budget decision), ErrConflict (the budget
// decision funds another round).
func (c *Client) OpenRound(ctx context.Context, req round.OpenRequest) (*round.Round, error) {
	var r round.Round
	if err := c.submitJSON(ctx, txRoundOpen, "open round request", req, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// ApplyToRound submits round:Apply.
//
// Errors: ErrForbidden (not an active member), ErrNotFound (round),
// ErrInvalidArgument (category, title, artifacts), ErrFailedPrecondition
// (the window closed).
func (c *Client) ApplyToRound(ctx context.Context, req round.ApplyRequest) (*round.Project, error) {
	var p round.Project
	if err := c.submitJSON(ctx, txRoundApply, "apply request", req, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// AcceptProject submits round:Accept.
//
// Errors: ErrForbidden (not a grants administrator; one's own project),
// ErrNotFound, ErrFailedPrecondition (window closed, project limit),
// ErrConflict (already accepted).
func (c *Client) AcceptProject(ctx context.Context, req round.AcceptRequest) (*round.Project, error) {
	var p round.Project
	if err := c.submitJSON(ctx, txRoundAccept, "accept request", req, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// ProposeProjectAcceptance is ProposeDecision for a project_acceptance
// decision: a House decision (House B by default) that accepts a project
// into a round when executed, as a grants administrator can; refused at
// execution when the round's window has closed by then.
//
// Errors: as ProposeDecision; ErrNotFound (round, project; the type not
// routed by the constitution in force), ErrConflict (already accepted),
// ErrFailedPrecondition (round not open, project limit).
func (c *Client) ProposeProjectAcceptance(ctx context.Context, title, description string, req round.AcceptRequest) (*decision.Decision, error) {
	return c.proposeTyped(ctx, constitution.ProjectAcceptance, "project acceptance", title, description, req)
}

// Contribute submits round:Contribute.
//
// Errors: ErrForbidden (not an active member; one's own project),
// ErrNotFound, ErrInvalidArgument (amount; above the balance),
// ErrFailedPrecondition (outside the window; project not accepted).
func (c *Client) Contribute(ctx context.Context, req round.ContributeRequest) (*round.Receipt, error) {
	var r round.Receipt
	if err := c.submitJSON(ctx, txRoundContribute, "contribute request", req, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// ContributeBatch submits round:ContributeBatch: one transaction that
// contributes to up to round.MaxCartLines distinct projects of one round
// (a cart), each line under Contribute's rules, the total escrowed once.
// Any refused line refuses the whole cart.
//
// Errors: ErrForbidden (not an active member; one's own project),
// ErrNotFound, ErrInvalidArgument (no lines or too many, an amount, a
// project twice, a total that overflows or passes the balance),
// ErrFailedPrecondition (outside the window; a project not accepted).
func (c *Client) ContributeBatch(ctx context.Context, req round.ContributeBatchRequest) (*round.CartReceipt, error) {
	var r round.CartReceipt
	if err := c.submitJSON(ctx, txRoundContributeCart, "contribute cart request", req, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// CloseRoundPage submits one page of round:Close (pageSize 0: the default).
//
// Errors: ErrFailedPrecondition (window not over by the clock skew;
// already closed), ErrInvalidArgument (page size), ErrNotFound.
func (c *Client) CloseRoundPage(ctx context.Context, id string, pageSize int) (*round.Progress, error) {
	var p round.Progress
	if err := c.submit(ctx, txRoundClose, &p, id, strconv.Itoa(pageSize)); err != nil {
		return nil, err
	}
	return &p, nil
}

// CloseRound submits close pages until the round is closed, and returns
// the last page (with the results).
func (c *Client) CloseRound(ctx context.Context, id string, pageSize int) (*round.Progress, error) {
	for {
		p, err := c.CloseRoundPage(ctx, id, pageSize)
		if err != nil {
			return nil, err
		}
		if p.Done {
			return p, nil
		}
	}
}

// PayRound submits round:Pay: the treasury spend of a closed round's
// matches.
//
// Errors: ErrForbidden (not a grants administrator or treasurer),
// ErrFailedPrecondition (not closed, already paid, nothing to pay, the
// budget or the period limit too small), ErrNotFound.
func (c *Client) PayRound(ctx context.Context, id string) (*round.PayResult, error) {
	var r round.PayResult
	if err := c.submit(ctx, txRoundPay, &r, id); err != nil {
		return nil, err
	}
	return &r, nil
}

// Round evaluates round:Get.
func (c *Client) Round(ctx context.Context, id string) (*round.Round, error) {
	var r round.Round
	if err := c.evaluate(ctx, txRoundGet, &r, id); err != nil {
		return nil, err
	}
	return &r, nil
}

// RoundProjects evaluates round:Projects, one page (pageSize 0: default).
func (c *Client) RoundProjects(ctx context.Context, id string, pageSize int, bookmark string) (*round.ProjectPage, error) {
	var p round.ProjectPage
	if err := c.evaluate(ctx, txRoundProjects, &p, id, strconv.Itoa(pageSize), bookmark); err != nil {
		return nil, err
	}
	return &p, nil
}

// RoundContribution evaluates round:ContributionOf.
func (c *Client) RoundContribution(ctx context.Context, id, project string, who identity.Identity) (*round.Contribution, error) {
	var out round.Contribution
	if err := c.evaluate(ctx, txRoundContributionOf, &out, id, project, who.MSPID, who.ID); err != nil {
		return nil, err
	}
	return &out, nil
}

// RoundResults evaluates round:Results.
//
// Errors: ErrFailedPrecondition (not closed yet), ErrNotFound.
func (c *Client) RoundResults(ctx context.Context, id string) (*round.Results, error) {
	var r round.Results
	if err := c.evaluate(ctx, txRoundResults, &r, id); err != nil {
		return nil, err
	}
	return &r, nil
}

// RoundEstimate evaluates round:Estimate: the matches if the round closed
// now.
func (c *Client) RoundEstimate(ctx context.Context, id string) (*round.Estimate, error) {
	var e round.Estimate
	if err := c.evaluate(ctx, txRoundEstimate, &e, id); err != nil {
		return nil, err
	}
	return &e, nil
}
