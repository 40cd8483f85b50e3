// Package ballotadapter implements decision.Ballots over the ballot engine
// (chaincode/ballot): a decision's ballots are ordinary ballot records, so
// that ballot:Vote, ballot:Close, ballot:Tally, ballot:Get and the
// ballot events work on them, but they are opened by the decision engine
// with the rule frozen at proposal and a decision-derived ID.
//
// Open writes the ballot record itself, mirroring ballot.Create's decision
// path, because the ballot engine has no entry point that takes a given ID
// and rule without emitting an event (a decision opens up to two ballots
// in one transaction, and a transaction emits one event). When the ballot
// package gains one (e.g. ballot.Open(tx, deps, spec) taking an ID and a
// frozen rule and emitting nothing), Open should call it instead.
package ballotadapter

import (
	"math/big"
	"time"

	"github.com/charter-gov/charter/chaincode/ballot"
	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/decision"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
)

// Engine is decision.Ballots over chaincode/ballot.
type Engine struct {
	Deps ballot.Deps
}

var _ decision.Ballots = Engine{}

// Open writes a pending decision ballot: voting opens at the transaction
// time plus the rule's voting delay and lasts its voting period.
//
// Errors: CONFLICT (a ballot with this ID exists), INVALID_ARGUMENT (the
// ID is not a valid key part).
func (e Engine) Open(tx *core.Tx, spec decision.BallotSpec) error {
	_, err := ballot.Open(tx, ballot.OpenSpec{
		ID: spec.ID, Decision: spec.Decision, House: spec.House, Rule: spec.Rule,
		ConstitutionVersion: spec.ConstitutionVersion, ConstitutionHash: spec.ConstitutionHash,
		MaxDelegationDepth: spec.MaxDelegationDepth,
		Title:              spec.Title, Description: spec.Description, Proposer: spec.Proposer,
	})
	return err
}

// ProposerWeight is ballot.ProposerWeight with the engine's sources, for
// decision.Deps.ProposerWeight.
func (e Engine) ProposerWeight(s core.Store, fam constitution.Family, rule constitution.DecisionRule, m identity.Identity, at time.Time) (int64, error) {
	return ballot.ProposerWeight(s, e.Deps, fam, rule, m, at)
}

// Result reads a ballot's result once it is tallied (succeeded, defeated,
// queued, executed) or cancelled; final is false before.
func (e Engine) Result(s core.Store, id string) (decision.HouseResult, bool, error) {
	b, err := ballot.Get(s, id)
	if err != nil {
		return decision.HouseResult{}, false, err
	}
	r := decision.HouseResult{House: b.House, Ballot: b.ID}
	if b.ClosedAt != nil {
		r.ClosedAt = *b.ClosedAt
	}
	switch b.Status {
	case ballot.StatusCancelled:
		r.Cancelled = true
		if b.CancelledAt != nil {
			r.ClosedAt = *b.CancelledAt
		}
		return r, true, nil
	case ballot.StatusSucceeded, ballot.StatusDefeated, ballot.StatusQueued, ballot.StatusExecuted:
	default:
		return r, false, nil
	}
	if b.Result == nil {
		return r, false, errcode.New(errcode.Internal, "ballot %s is %s but has no result", b.ID, b.Status)
	}
	r.QuorumMet, r.Passed, r.VotesCounted = b.Result.QuorumReached, b.Result.Passed, b.Result.VotesCounted
	forVotes, against := new(big.Int), new(big.Int)
	for _, t := range b.Result.Totals {
		v, ok := new(big.Int).SetString(t.Total, 10)
		if !ok {
			return r, false, errcode.New(errcode.Internal, "ballot %s total %q of %q is not an integer", b.ID, t.Total, t.Choice)
		}
		switch t.Choice {
		case ballot.ChoiceFor:
			forVotes = v
		case ballot.ChoiceAgainst:
			against = v
		}
	}
	r.ForBps = decision.ShareBps(forVotes, against)
	return r, true, nil
}

// Cast casts the caller's vote with ballot.Cast.
func (e Engine) Cast(tx *core.Tx, id, choice string, allocations []decision.Allocation) (any, error) {
	req := ballot.CastRequest{Ballot: id, Choice: choice}
	for _, a := range allocations {
		req.Allocations = append(req.Allocations, ballot.Allocation{Choice: a.Choice, Votes: a.Votes})
	}
	return ballot.Cast(tx, e.Deps, req)
}

// VoteChoice implements decision.Ballots: the voter's choice on a ballot
// (one point read), found false when the voter did not vote.
func (e Engine) VoteChoice(s core.Store, id string, voter identity.Identity) (string, bool, error) {
	v, err := ballot.VoteOf(s, id, voter)
	if errcode.IsCode(err, errcode.NotFound) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	return v.Choice, true, nil
}
