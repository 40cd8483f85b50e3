package contract

import (
	"strconv"
	"time"

	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"

	"github.com/charter-gov/charter/chaincode/ballot"
	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/contribution"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/decision"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/reputation"
)

// ballotDeps wires the sources ballots read from other packages: the
// reputation ledger's ScoreAt for reputation-weighted ballots (the rule's
// category names are contribution categories; an unknown one is refused
// by ScoreAt with INVALID_ARGUMENT).
func ballotDeps() ballot.Deps {
	return ballot.Deps{
		Reputation: func(s core.Store, m identity.Identity, at time.Time, cats []string, p *constitution.Reputation) (int64, error) {
			cs := make([]contribution.Category, len(cats))
			for i, c := range cats {
				cs[i] = contribution.Category(c)
			}
			return reputation.ScoreWith(s, m, at, cs, p)
		},
		// Recusal: a member with a disclosed conflict on a decision's
		// subject cannot vote on its ballots, through ballot:Vote either.
		Eligible: decision.CheckVoter,
	}
}

// BallotContract exposes ballots ("ballot:…").
type BallotContract struct {
	contractapi.Contract
}

func newBallotContract(g guard) *BallotContract {
	return &BallotContract{Contract: g.base("ballot")}
}

// GetEvaluateTransactions lists the queries.
func (c *BallotContract) GetEvaluateTransactions() []string {
	return []string{"Get", "List", "VoteOf", "Standing", "Results", "Votes", "PauseSupports"}
}

// Create creates a poll. requestJSON is a ballot.CreateRequest. Caller:
// any active member. Decision ballots are opened only by decision:Propose.
func (c *BallotContract) Create(ctx contractapi.TransactionContextInterface, requestJSON string) (string, error) {
	var req ballot.CreateRequest
	if err := decode("ballot create request", requestJSON, &req); err != nil {
		return "", wire(err)
	}
	return run(ctx, func(tx *core.Tx) (*ballot.Ballot, error) { return ballot.Create(tx, ballotDeps(), req) })
}

// Vote casts or changes the caller's vote. requestJSON is a
// ballot.CastRequest. Caller: an eligible member, while the ballot is
// active. Writes only the caller's vote key.
func (c *BallotContract) Vote(ctx contractapi.TransactionContextInterface, requestJSON string) (string, error) {
	var req ballot.CastRequest
	if err := decode("vote request", requestJSON, &req); err != nil {
		return "", wire(err)
	}
	return run(ctx, func(tx *core.Tx) (*ballot.Vote, error) { return ballot.Cast(tx, ballotDeps(), req) })
}

// Close ends voting once the period is over. Caller: anyone.
func (c *BallotContract) Close(ctx contractapi.TransactionContextInterface, id string) (string, error) {
	return run(ctx, func(tx *core.Tx) (*ballot.Ballot, error) { return ballot.Close(tx, id) })
}

// Tally runs one page of a closed ballot's tally; pageSize is a whole
// number ("0" for the default). Submit it until the result says done.
// Caller: anyone.
func (c *BallotContract) Tally(ctx contractapi.TransactionContextInterface, id, pageSize string) (string, error) {
	n, err := strconv.Atoi(pageSize)
	if err != nil {
		return "", wire(errcode.Invalidf("tally page size %q is not a whole number", pageSize))
	}
	return run(ctx, func(tx *core.Tx) (*ballot.Progress, error) { return ballot.Tally(tx, ballotDeps(), id, n) })
}

// Queue starts the timelock of a succeeded decision. Caller: anyone.
func (c *BallotContract) Queue(ctx contractapi.TransactionContextInterface, id string) (string, error) {
	return run(ctx, func(tx *core.Tx) (*ballot.Ballot, error) {
		if err := decision.RequireStandalone(tx.Store, id, "queue"); err != nil {
			return nil, err
		}
		return ballot.Queue(tx, id)
	})
}

// Execute marks a queued decision executed after its timelock. Caller:
// anyone.
func (c *BallotContract) Execute(ctx contractapi.TransactionContextInterface, id string) (string, error) {
	return run(ctx, func(tx *core.Tx) (*ballot.Ballot, error) {
		if err := decision.RequireStandalone(tx.Store, id, "execute"); err != nil {
			return nil, err
		}
		return ballot.Execute(tx, id)
	})
}

// Cancel withdraws a ballot. requestJSON is a ballot.CancelRequest.
// Caller: the proposer, before the first vote; never a decision's or an
// appeal ballot.
func (c *BallotContract) Cancel(ctx contractapi.TransactionContextInterface, requestJSON string) (string, error) {
	var req ballot.CancelRequest
	if err := decode("cancel request", requestJSON, &req); err != nil {
		return "", wire(err)
	}
	return run(ctx, func(tx *core.Tx) (*ballot.Ballot, error) { return ballot.Cancel(tx, req) })
}

// Pause records the calling guardian's support for pausing a ballot; the
// pause comes into force with the constitution's number of guardians from
// enough organisations. requestJSON is a ballot.PauseRequest. Caller: a
// guardian. Writes the caller's own support key (and the ballot, when
// the pause comes into force).
func (c *BallotContract) Pause(ctx contractapi.TransactionContextInterface, requestJSON string) (string, error) {
	var req ballot.PauseRequest
	if err := decode("pause request", requestJSON, &req); err != nil {
		return "", wire(err)
	}
	return run(ctx, func(tx *core.Tx) (*ballot.PauseResult, error) { return ballot.PauseBallot(tx, req) })
}

// PauseSupports lists the guardians' supports for pausing a ballot.
// Caller: anyone.
func (c *BallotContract) PauseSupports(ctx contractapi.TransactionContextInterface, id string) (string, error) {
	return query(ctx, func(tx *core.Tx) (any, error) { return ballot.PauseSupports(tx.Store, id) })
}

// Get returns a ballot with its status at the proposal's time. Caller:
// anyone.
func (c *BallotContract) Get(ctx contractapi.TransactionContextInterface, id string) (string, error) {
	return query(ctx, func(tx *core.Tx) (any, error) {
		b, err := ballot.Get(tx.Store, id)
		if err != nil {
			return nil, err
		}
		return ballot.View{Ballot: *b, StatusNow: b.StatusAt(tx.Time)}, nil
	})
}

// List returns one page of ballots ({ballots, bookmark}) in ID order, only
// those whose status now is status when it is not empty; pageSize is a
// decimal 1..1000 ("" or "0": 100) of ballots read; bookmark is the
// previous page's ("" to start). Caller: anyone.
func (c *BallotContract) List(ctx contractapi.TransactionContextInterface, status, pageSize, bookmark string) (string, error) {
	size, err := parsePageSize("list ballots", pageSize)
	if err != nil {
		return "", wire(err)
	}
	return query(ctx, func(tx *core.Tx) (any, error) {
		return ballot.List(tx.Store, tx.Time, ballot.Status(status), size, bookmark)
	})
}

// VoteOf returns one voter's vote. Caller: anyone.
func (c *BallotContract) VoteOf(ctx contractapi.TransactionContextInterface, id, mspID, voterID string) (string, error) {
	return query(ctx, func(tx *core.Tx) (any, error) {
		return ballot.VoteOf(tx.Store, id, identity.Identity{MSPID: mspID, ID: voterID})
	})
}

// Standing returns one member's standing on a ballot at the
// transaction's time: whether ballot:Vote would accept their vote, the
// refusal it would give when not, and the weight the tally gives them
// (ballot.StandingOf). Caller: anyone; it writes nothing.
func (c *BallotContract) Standing(ctx contractapi.TransactionContextInterface, id, mspID, voterID string) (string, error) {
	return query(ctx, func(tx *core.Tx) (any, error) {
		return ballot.StandingOf(tx.Store, ballotDeps(), id, identity.Identity{MSPID: mspID, ID: voterID}, tx.Time)
	})
}

// BallotResults is what Results returns.
type BallotResults struct {
	Ballot ballot.View        `json:"ballot"`
	Tally  *ballot.TallyState `json:"tally"`
}

// Results returns a ballot, its result (once tallied) and its tally
// progress. Caller: anyone.
func (c *BallotContract) Results(ctx contractapi.TransactionContextInterface, id string) (string, error) {
	return query(ctx, func(tx *core.Tx) (any, error) {
		b, err := ballot.Get(tx.Store, id)
		if err != nil {
			return nil, err
		}
		st, err := ballot.TallyProgress(tx.Store, id)
		if err != nil {
			return nil, err
		}
		return BallotResults{Ballot: ballot.View{Ballot: *b, StatusNow: b.StatusAt(tx.Time)}, Tally: st}, nil
	})
}

// VotePage is what Votes returns.
type VotePage struct {
	Votes     []ballot.Vote `json:"votes"`
	NextShard int           `json:"nextShard"`
}

// Votes returns a page of a ballot's votes from shard fromShard. Caller:
// anyone.
func (c *BallotContract) Votes(ctx contractapi.TransactionContextInterface, id, fromShard, limit string) (string, error) {
	from, err1 := strconv.Atoi(fromShard)
	n, err2 := strconv.Atoi(limit)
	if err1 != nil || err2 != nil {
		return "", wire(errcode.Invalidf("votes: fromShard %q and limit %q must be whole numbers", fromShard, limit))
	}
	return query(ctx, func(tx *core.Tx) (any, error) {
		vs, next, err := ballot.Votes(tx.Store, id, from, n)
		if err != nil {
			return nil, err
		}
		return VotePage{Votes: vs, NextShard: next}, nil
	})
}

// query runs a read-only domain call with the transaction context (for
// its time) and encodes the result.
func query(ctx contractapi.TransactionContextInterface, fn func(tx *core.Tx) (any, error)) (string, error) {
	tx, err := newTx(ctx)
	if err != nil {
		return "", wire(err)
	}
	out, err := fn(tx)
	if err != nil {
		return "", wire(err)
	}
	return encode(out)
}

// parsePageSize parses a page size argument: "" is 0 (the default page).
// The range is checked by the domain (core.CheckPage).
func parsePageSize(what, pageSize string) (int, error) {
	if pageSize == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(pageSize)
	if err != nil {
		return 0, errcode.Invalidf("%s: page size %q is not a whole number", what, pageSize)
	}
	return n, nil
}

// parseTime parses an RFC 3339 time argument.
func parseTime(name, s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, errcode.Invalidf("%s %q is not an RFC 3339 time", name, s)
	}
	return t.UTC(), nil
}
