package charter

import (
	"context"
	"strconv"

	"github.com/charter-gov/charter/chaincode/ballot"
	"github.com/charter-gov/charter/chaincode/identity"
)

// Ballot transaction names.
const (
	txBallotCreate   = "ballot:Create"
	txBallotVote     = "ballot:Vote"
	txBallotClose    = "ballot:Close"
	txBallotTally    = "ballot:Tally"
	txBallotQueue    = "ballot:Queue"
	txBallotExecute  = "ballot:Execute"
	txBallotCancel   = "ballot:Cancel"
	txBallotGet      = "ballot:Get"
	txBallotList     = "ballot:List"
	txBallotVoteOf   = "ballot:VoteOf"
	txBallotStanding = "ballot:Standing"
	txBallotResults  = "ballot:Results"
	txBallotVotes    = "ballot:Votes"
	txBenchPut       = "bench:Put"
)

// BallotResults is a ballot, its result once tallied, and its tally
// progress.
type BallotResults struct {
	Ballot ballot.View        `json:"ballot"`
	Tally  *ballot.TallyState `json:"tally"`
}

// VotePage is one page of a ballot's votes.
type VotePage struct {
	Votes     []ballot.Vote `json:"votes"`
	NextShard int           `json:"nextShard"`
}

// CreateBallot submits ballot:Create, which creates polls
// (req.Kind == ballot.KindPoll, with their own delay and period).
// Decision ballots are opened only by ProposeDecision.
//
// Errors: ErrForbidden (not an active member), ErrInvalidArgument (a
// decision ballot, a bad poll), ErrFailedPrecondition (no constitution).
func (c *Client) CreateBallot(ctx context.Context, req ballot.CreateRequest) (*ballot.Ballot, error) {
	arg, err := encodeArg("ballot create request", req)
	if err != nil {
		return nil, err
	}
	var b ballot.Ballot
	if err := c.submit(ctx, txBallotCreate, &b, arg); err != nil {
		return nil, err
	}
	return &b, nil
}

// Vote submits ballot:Vote, casting or changing the caller's vote.
//
// Errors: ErrNotFound (unknown ballot), ErrFailedPrecondition (voting not
// open), ErrForbidden (not a member, or not eligible), ErrInvalidArgument
// (unknown choice, bad allocations, more voice credits than granted).
func (c *Client) Vote(ctx context.Context, req ballot.CastRequest) (*ballot.Vote, error) {
	arg, err := encodeArg("vote request", req)
	if err != nil {
		return nil, err
	}
	var v ballot.Vote
	if err := c.submit(ctx, txBallotVote, &v, arg); err != nil {
		return nil, err
	}
	return &v, nil
}

// CloseBallot submits ballot:Close once the voting period is over.
//
// Errors: ErrNotFound, ErrFailedPrecondition (period not over, or not
// pending).
func (c *Client) CloseBallot(ctx context.Context, id string) (*ballot.Ballot, error) {
	return c.ballotOp(ctx, txBallotClose, id)
}

// TallyPage submits one ballot:Tally page (pageSize 0: the chaincode's
// default).
//
// Errors: ErrNotFound, ErrInvalidArgument (page size), ErrFailedPrecondition
// (not closed, or already tallied).
func (c *Client) TallyPage(ctx context.Context, id string, pageSize int) (*ballot.Progress, error) {
	var p ballot.Progress
	if err := c.submit(ctx, txBallotTally, &p, id, strconv.Itoa(pageSize)); err != nil {
		return nil, err
	}
	return &p, nil
}

// Tally submits ballot:Tally pages one after another until the tally is
// done, and returns the last page's progress (with the result).
//
// Errors: as TallyPage.
func (c *Client) Tally(ctx context.Context, id string, pageSize int) (*ballot.Progress, error) {
	for {
		p, err := c.TallyPage(ctx, id, pageSize)
		if err != nil {
			return nil, err
		}
		if p.Done {
			return p, nil
		}
	}
}

// QueueBallot submits ballot:Queue, starting a succeeded decision's
// timelock.
//
// Errors: ErrNotFound, ErrFailedPrecondition (not succeeded).
func (c *Client) QueueBallot(ctx context.Context, id string) (*ballot.Ballot, error) {
	return c.ballotOp(ctx, txBallotQueue, id)
}

// ExecuteBallot submits ballot:Execute after the timelock.
//
// Errors: ErrNotFound, ErrFailedPrecondition (not queued, timelock not
// over, or expired).
func (c *Client) ExecuteBallot(ctx context.Context, id string) (*ballot.Ballot, error) {
	return c.ballotOp(ctx, txBallotExecute, id)
}

// CancelBallot submits ballot:Cancel.
//
// Errors: ErrNotFound, ErrForbidden (not the proposer; a decision's or
// appeal ballot, which nobody cancels), ErrInvalidArgument (no reason),
// ErrFailedPrecondition (a vote was cast; voting ended; final).
func (c *Client) CancelBallot(ctx context.Context, req ballot.CancelRequest) (*ballot.Ballot, error) {
	arg, err := encodeArg("cancel request", req)
	if err != nil {
		return nil, err
	}
	var b ballot.Ballot
	if err := c.submit(ctx, txBallotCancel, &b, arg); err != nil {
		return nil, err
	}
	return &b, nil
}

func (c *Client) ballotOp(ctx context.Context, tx, id string) (*ballot.Ballot, error) {
	var b ballot.Ballot
	if err := c.submit(ctx, tx, &b, id); err != nil {
		return nil, err
	}
	return &b, nil
}

// Ballot evaluates ballot:Get, a ballot with its status now.
//
// Errors: ErrNotFound.
func (c *Client) Ballot(ctx context.Context, id string) (*ballot.View, error) {
	var v ballot.View
	if err := c.evaluate(ctx, txBallotGet, &v, id); err != nil {
		return nil, err
	}
	return &v, nil
}

// BallotsPage evaluates ballot:List for one page: ballots in ID order
// (only those whose status now is status, when not empty), pageSize
// ballots read (1..1000; 0: the chaincode's 100) from bookmark ("" starts);
// the page's Bookmark is "" after the last.
//
// Errors: ErrInvalidArgument (unknown status, page size, a bookmark from
// another listing).
func (c *Client) BallotsPage(ctx context.Context, status ballot.Status, pageSize int, bookmark string) (*ballot.ListPage, error) {
	var p ballot.ListPage
	if err := c.evaluate(ctx, txBallotList, &p, string(status), strconv.Itoa(pageSize), bookmark); err != nil {
		return nil, err
	}
	return &p, nil
}

// Ballots lists every ballot (only those whose status now is status, when
// not empty), following ballot:List's pages of DefaultMemberPage.
//
// Errors: as BallotsPage.
func (c *Client) Ballots(ctx context.Context, status ballot.Status) ([]ballot.View, error) {
	return FollowPages("", func(bookmark string) ([]ballot.View, string, error) {
		p, err := c.BallotsPage(ctx, status, DefaultMemberPage, bookmark)
		if err != nil {
			return nil, "", err
		}
		return p.Ballots, p.Bookmark, nil
	})
}

// VoteOf evaluates ballot:VoteOf, one voter's vote.
//
// Errors: ErrNotFound (unknown ballot, or no vote).
func (c *Client) VoteOf(ctx context.Context, id string, voter identity.Identity) (*ballot.Vote, error) {
	var v ballot.Vote
	if err := c.evaluate(ctx, txBallotVoteOf, &v, id, voter.MSPID, voter.ID); err != nil {
		return nil, err
	}
	return &v, nil
}

// Standing evaluates ballot:Standing: whether voter may vote on ballot id
// now, the refusal ballot:Vote would give when not, and the weight the
// tally gives them, with what it is made of.
//
// Errors: ErrNotFound (unknown ballot).
func (c *Client) Standing(ctx context.Context, id string, voter identity.Identity) (*ballot.Standing, error) {
	var st ballot.Standing
	if err := c.evaluate(ctx, txBallotStanding, &st, id, voter.MSPID, voter.ID); err != nil {
		return nil, err
	}
	return &st, nil
}

// BallotResults evaluates ballot:Results.
//
// Errors: ErrNotFound.
func (c *Client) BallotResults(ctx context.Context, id string) (*BallotResults, error) {
	var r BallotResults
	if err := c.evaluate(ctx, txBallotResults, &r, id); err != nil {
		return nil, err
	}
	return &r, nil
}

// BallotVotes evaluates ballot:Votes, a page of votes from fromShard.
//
// Errors: ErrNotFound, ErrInvalidArgument.
func (c *Client) BallotVotes(ctx context.Context, id string, fromShard, limit int) (*VotePage, error) {
	var p VotePage
	if err := c.evaluate(ctx, txBallotVotes, &p, id, strconv.Itoa(fromShard), strconv.Itoa(limit)); err != nil {
		return nil, err
	}
	return &p, nil
}

// BenchPut submits bench:Put to the calibration chaincode named by
// Config.BenchChaincode (deployed by network/up.sh --bench, never part of
// the production chaincode): a trivial key-value put that measures the
// network's own throughput.
//
// Errors: ErrFailedPrecondition when no calibration chaincode is
// configured; ErrInvalidArgument (key or value size).
func (c *Client) BenchPut(ctx context.Context, key, value string) (txID string, err error) {
	if c.bench == nil {
		return "", &Error{Code: CodeFailedPrecondition, Message: "bench put: no calibration chaincode is configured (Config.BenchChaincode; bring the network up with network/up.sh --bench or CHARTER_BENCH=1)"}
	}
	var out struct{}
	return c.submitTxTo(ctx, c.bench, txBenchPut, &out, key, value)
}
