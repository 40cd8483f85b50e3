package ballot

import (
	"errors"
	"fmt"
	"time"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/membership"
	"github.com/charter-gov/charter/chaincode/text"
	"github.com/charter-gov/charter/chaincode/timerule"
	"github.com/charter-gov/charter/chaincode/token"
)

// Allocation spends Votes quadratic votes on Choice (cost Votes²).
type Allocation struct {
	Choice string `json:"choice"`
	Votes  int64  `json:"votes"`
}

// CastRequest casts (or changes) the caller's vote.
type CastRequest struct {
	Ballot string `json:"ballot"`
	// Choice: "for", "against", "abstain", an option, or "1".."7" on a
	// poll. Empty on quadratic ballots.
	Choice string `json:"choice,omitempty"`
	// Allocations: quadratic ballots only.
	Allocations []Allocation `json:"allocations,omitempty"`
}

// Vote is the stored record of one voter's vote on one ballot.
type Vote struct {
	Ballot      string            `json:"ballot"`
	Voter       identity.Identity `json:"voter"`
	Choice      string            `json:"choice,omitempty"`
	Allocations []Allocation      `json:"allocations,omitempty"`
	Credits     int64             `json:"credits,omitempty"` // quadratic: credits spent
	CastAt      time.Time         `json:"castAt"`
	TxID        string            `json:"txId"`
}

// Cast records the caller's vote, replacing their earlier vote on the same
// ballot. It reads the ballot record, the caller's member record and
// (token and reputation ballots) the caller's own weight when voting
// opened; it writes only the caller's vote key, blindly: it never reads the
// earlier vote, so a voter changing their vote in quick succession cannot
// meet an MVCC conflict on an endorsing peer that has not yet committed the
// previous one.
//
// Eligibility: an active member registered before voting opened; on House
// A ballots, holding the house_a role; on token ballots, a positive balance
// when voting opened; on reputation ballots, a positive score then.
//
// Errors: NOT_FOUND (unknown ballot), FAILED_PRECONDITION (voting not open:
// pending, ended, closed, tallied, cancelled), FORBIDDEN (non-member or
// ineligible member), INVALID_ARGUMENT (unknown choice or option, bad
// allocations, more quadratic credits than granted).
func Cast(tx *core.Tx, deps Deps, req CastRequest) (*Vote, error) {
	b, err := Get(tx.Store, req.Ballot)
	if err != nil {
		return nil, err
	}
	voter := tx.Caller.Identity
	if err := mayVote(tx.Store, deps, b, voter, tx.Time); err != nil {
		return nil, err
	}
	v := &Vote{Ballot: b.ID, Voter: voter, CastAt: tx.Time, TxID: tx.TxID}
	if b.Family == constitution.FamilyQuadratic {
		if req.Choice != "" {
			return nil, errcode.InvalidFieldf("choice", "allocations-only", "vote on ballot %s: a quadratic ballot takes allocations, not a single choice", b.ID)
		}
		cost, err := checkAllocations(b, req.Allocations)
		if err != nil {
			return nil, err
		}
		v.Allocations, v.Credits = req.Allocations, cost
	} else {
		if len(req.Allocations) > 0 {
			return nil, errcode.InvalidFieldf("allocations", "quadratic-only", "vote on ballot %s: allocations are for quadratic ballots; this one is %s", b.ID, familyName(b))
		}
		if b.choiceIndex(req.Choice) < 0 {
			return nil, errcode.InvalidFieldf("choice", "enum", "vote on ballot %s: unknown choice %q (choices: %v)", b.ID, req.Choice, b.Choices())
		}
		v.Choice = req.Choice
	}
	if err := hasWeight(tx.Store, deps, b, voter); err != nil {
		return nil, err
	}
	key, err := VoteKey(b.ID, voter)
	if err != nil {
		return nil, err
	}
	if err := core.PutJSON(tx.Store, key, v); err != nil {
		return nil, err
	}
	return v, tx.Emit(EventVoted, v)
}

func familyName(b *Ballot) string {
	if b.Kind == KindPoll {
		return "a poll"
	}
	return string(b.Family) + "-weighted"
}

// mayVote runs the checks Cast runs before it looks at the vote itself:
// the ballot's status at t, a pause in force, the voter's eligibility
// (eligible) and, on a decision's ballot, deps.Eligible (recusal). Standing
// runs the same function, so the reason the console shows is the refusal
// ballot:Vote would give.
func mayVote(s core.Store, deps Deps, b *Ballot, voter identity.Identity, t time.Time) error {
	switch st := b.StatusAt(t); st {
	case StatusActive:
	case StatusPending:
		return errcode.PreconditionFieldf("", "window", "vote on ballot %s: voting opens at %s", b.ID, b.OpensAt.Format(time.RFC3339))
	case StatusEnded:
		return errcode.PreconditionFieldf("", "window", "vote on ballot %s: voting ended at %s", b.ID, b.EndsAt.Format(time.RFC3339))
	default:
		return errcode.Preconditionf("vote on ballot %s: the ballot is %s; votes are accepted only while it is active", b.ID, st)
	}
	if err := b.refusePaused("vote on", t); err != nil {
		return err
	}
	if err := eligible(s, b, voter); err != nil {
		return err
	}
	if deps.Eligible != nil && b.Decision != "" {
		if err := deps.Eligible(s, b.ID, voter); err != nil {
			return err
		}
	}
	return nil
}

// hasWeight refuses a voter with no weight when voting opened on a token
// or reputation ballot (the checks Cast runs after the choice).
func hasWeight(s core.Store, deps Deps, b *Ballot, voter identity.Identity) error {
	switch b.Family {
	case constitution.FamilyToken:
		bal, err := token.BalanceAt(s, voter, b.OpensAt)
		if err != nil {
			return err
		}
		if bal <= 0 {
			return errcode.Forbiddenf("vote on ballot %s: %s held no tokens when voting opened at %s, so has no weight in a token-weighted ballot", b.ID, voter.Short(), b.OpensAt.Format(time.RFC3339))
		}
	case constitution.FamilyReputation:
		sc, err := deps.score(s, voter, b.OpensAt, b)
		if err != nil {
			return err
		}
		if sc <= 0 {
			return errcode.Forbiddenf("vote on ballot %s: %s had no reputation when voting opened at %s, so has no weight in a reputation-weighted ballot", b.ID, voter.Short(), b.OpensAt.Format(time.RFC3339))
		}
	}
	return nil
}

// eligible checks that voter may vote on b, reading only voter's member
// record.
func eligible(s core.Store, b *Ballot, voter identity.Identity) error {
	m, err := membership.Active(s, voter)
	if err != nil {
		return errcode.Forbiddenf("vote on ballot %s: %s is not an active member", b.ID, voter)
	}
	if m.RegisteredAt.After(b.OpensAt) {
		return errcode.Forbiddenf("vote on ballot %s: %s was registered at %s, after voting opened at %s; only members registered before a ballot opens may vote on it",
			b.ID, voter, m.RegisteredAt.Format(time.RFC3339), b.OpensAt.Format(time.RFC3339))
	}
	if b.House == constitution.HouseA && !m.HeldSince(membership.RoleHouseA, b.OpensAt) {
		return errcode.Forbiddenf("vote on ballot %s: %s did not hold a House A seat (role %s) when voting opened at %s", b.ID, voter, membership.RoleHouseA, b.OpensAt.Format(time.RFC3339))
	}
	return b.requireVouched(s, m)
}

// checkAllocations validates quadratic allocations and returns their cost
// Σ votes², refusing more than the ballot's voice credits. Nothing is
// squared before it is known to fit: each allocation must be at most the
// integer square root of the credits still unspent (credits ≤
// constitution.MaxVoiceCredits = 10¹², so votes ≤ 10⁶ and every product
// and sum stays far inside an int64). Squaring first would wrap: 2³² votes
// squared is 2⁶⁴, which an int64 holds as 0.
func checkAllocations(b *Ballot, as []Allocation) (int64, error) {
	if len(as) == 0 {
		return 0, errcode.InvalidFieldf("allocations", "required", "vote on ballot %s: a quadratic vote needs at least one allocation", b.ID)
	}
	if len(as) > len(b.Choices()) {
		return 0, errcode.InvalidFieldf("allocations", "max-items", "vote on ballot %s: %d allocations for %d choices", b.ID, len(as), len(b.Choices()))
	}
	var cost int64
	for i, a := range as {
		if b.choiceIndex(a.Choice) < 0 {
			return 0, errcode.InvalidFieldf(fmt.Sprintf("allocations[%d].choice", i), "enum", "vote on ballot %s: unknown choice %q (choices: %v)", b.ID, a.Choice, b.Choices())
		}
		for _, p := range as[:i] {
			if p.Choice == a.Choice {
				return 0, errcode.InvalidFieldf(fmt.Sprintf("allocations[%d].choice", i), "unique", "vote on ballot %s: choice %q is allocated twice", b.ID, a.Choice)
			}
		}
		if a.Votes < 1 {
			return 0, errcode.InvalidFieldf("allocations", "positive", "vote on ballot %s: %d votes on %q; allocations must be positive whole numbers", b.ID, a.Votes, a.Choice)
		}
		if a.Votes > ISqrt(b.VoiceCredits-cost) {
			return 0, errcode.InvalidFieldf("allocations", "voice-credits", "vote on ballot %s: the allocations cost more than the %d voice credits granted (n votes on a choice cost n²)", b.ID, b.VoiceCredits)
		}
		cost += a.Votes * a.Votes
	}
	return cost, nil
}

// VoteOf returns voter's vote on a ballot, or NOT_FOUND.
func VoteOf(s core.Store, ballotID string, voter identity.Identity) (*Vote, error) {
	if err := voter.Validate(); err != nil {
		return nil, err
	}
	if _, err := Get(s, ballotID); err != nil {
		return nil, err
	}
	key, err := VoteKey(ballotID, voter)
	if err != nil {
		return nil, err
	}
	var v Vote
	found, err := core.GetJSON(s, key, &v)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, errcode.NotFoundf("%s has not voted on ballot %s", voter, ballotID)
	}
	return &v, nil
}

// Close ends voting on a ballot. Anyone with an identity on the channel may
// close a ballot once its voting period is over by the clock-skew margin
// and its opening snapshot is final (CloseableFrom): a transaction stamped
// that late is endorsed no earlier than the real end of voting, so nobody
// can cut the period short by stamping a close early.
//
// Errors: NOT_FOUND, FAILED_PRECONDITION (period not over, or the ballot is
// not pending).
func Close(tx *core.Tx, id string) (*Ballot, error) {
	b, err := Get(tx.Store, id)
	if err != nil {
		return nil, err
	}
	if st := b.StatusAt(tx.Time); st == StatusPending || st == StatusActive {
		return nil, errcode.Preconditionf("close ballot %s: the voting period ends at %s; it cannot be closed before", b.ID, b.EndsAt.Format(time.RFC3339))
	}
	if err := b.refusePaused("close", tx.Time); err != nil {
		return nil, err
	}
	if b.Status == StatusPending {
		margin, err := timerule.Margin(tx.Store, b.SkewSec)
		if err != nil {
			return nil, err
		}
		if from := b.CloseableFrom(margin); tx.Time.Before(from) {
			return nil, errcode.Preconditionf("close ballot %s: the voting period ended at %s; with the clock-skew margin of %s it can be closed from %s",
				b.ID, b.EndsAt.Format(time.RFC3339), margin, from.Format(time.RFC3339Nano))
		}
	}
	if err := move(b, StatusClosed); err != nil {
		return nil, err
	}
	t, by := tx.Time, tx.Caller.Identity
	b.ClosedAt, b.ClosedBy = &t, &by
	if err := save(tx, b); err != nil {
		return nil, err
	}
	return b, tx.Emit(EventClosed, summary(b))
}

// Queue starts the timelock of a succeeded decision: it can be executed
// from eta = now + the rule's timelock until eta + GracePeriodSec. Anyone
// may queue.
//
// Errors: NOT_FOUND, FAILED_PRECONDITION (not succeeded).
func Queue(tx *core.Tx, id string) (*Ballot, error) {
	b, err := Get(tx.Store, id)
	if err != nil {
		return nil, err
	}
	if err := move(b, StatusQueued); err != nil {
		return nil, err
	}
	eta := tx.Time.Add(time.Duration(b.Rule.TimelockSec) * time.Second)
	by := eta.Add(GracePeriodSec * time.Second)
	b.ETA, b.ExecuteBy = &eta, &by
	if err := save(tx, b); err != nil {
		return nil, err
	}
	return b, tx.Emit(EventQueued, summary(b))
}

// Execute marks a queued decision executed once its timelock is over and
// before it expires. Anyone may execute.
//
// Errors: NOT_FOUND, FAILED_PRECONDITION (not queued, timelock not over,
// expired).
func Execute(tx *core.Tx, id string) (*Ballot, error) {
	b, err := Get(tx.Store, id)
	if err != nil {
		return nil, err
	}
	if b.StatusAt(tx.Time) == StatusExpired {
		return nil, errcode.Preconditionf("execute ballot %s: it expired at %s, unexecuted", b.ID, b.ExecuteBy.Format(time.RFC3339))
	}
	if b.Status == StatusQueued {
		margin, err := timerule.Margin(tx.Store, b.SkewSec)
		if err != nil {
			return nil, err
		}
		if !timerule.Passed(tx.Time, *b.ETA, margin) {
			return nil, errcode.Preconditionf("execute ballot %s: the timelock ends at %s; with the clock-skew margin of %s it can be executed from %s",
				b.ID, b.ETA.Format(time.RFC3339), margin, timerule.From(*b.ETA, margin).Format(time.RFC3339Nano))
		}
	}
	if err := move(b, StatusExecuted); err != nil {
		return nil, err
	}
	t := tx.Time
	b.ExecutedAt = &t
	if err := save(tx, b); err != nil {
		return nil, err
	}
	return b, tx.Emit(EventExecuted, summary(b))
}

// CancelRequest withdraws a ballot.
type CancelRequest struct {
	Ballot string `json:"ballot"`
	Reason string `json:"reason"`
}

// Cancel withdraws a ballot: only its proposer, only before the first vote
// is cast, and never a ballot that belongs to a decision (a decision's
// ballot or an appeal ballot, which nobody may cancel once opened).
// Guardians do not cancel ballots; they pause them (PauseBallot).
//
// The check for votes is a range read of the ballot's vote keys that stops
// at the first: a vote committed concurrently invalidates the withdrawal
// (Fabric's phantom-read check), so a ballot with a vote is never
// withdrawn.
//
// Errors: NOT_FOUND, FORBIDDEN (not the proposer; a decision's or appeal
// ballot), INVALID_ARGUMENT (no reason), FAILED_PRECONDITION (a vote was
// cast; voting ended; final status).
func Cancel(tx *core.Tx, req CancelRequest) (*Ballot, error) {
	if err := text.Check("ballot cancel reason", req.Reason, text.Rule{MaxRunes: 1024, MultiLine: true, Required: true}); err != nil {
		return nil, err
	}
	b, err := Get(tx.Store, req.Ballot)
	if err != nil {
		return nil, err
	}
	if b.Decision != "" {
		return nil, errcode.Forbiddenf("cancel ballot %s: it belongs to decision %s; a decision's ballots and appeal ballots cannot be cancelled by anyone once opened", b.ID, b.Decision)
	}
	if b.Proposer != tx.Caller.Identity {
		return nil, errcode.Forbiddenf("cancel ballot %s: only its proposer %s may withdraw it", b.ID, b.Proposer)
	}
	st := b.StatusAt(tx.Time)
	if st != StatusPending && st != StatusActive {
		return nil, errcode.Preconditionf("cancel ballot %s: it is %s; a ballot is withdrawn only before voting ends and before the first vote", b.ID, st)
	}
	voted, err := hasVotes(tx.Store, b.ID)
	if err != nil {
		return nil, err
	}
	if voted {
		return nil, errcode.Preconditionf("cancel ballot %s: votes have been cast; a ballot is withdrawn only before the first vote", b.ID)
	}
	if err := move(b, StatusCancelled); err != nil {
		return nil, err
	}
	t := tx.Time
	b.CancelledAt, b.CancelReason = &t, req.Reason
	if err := save(tx, b); err != nil {
		return nil, err
	}
	return b, tx.Emit(EventCancelled, summary(b))
}

// hasVotes reports whether any vote was cast on a ballot, reading at most
// one vote key.
func hasVotes(s core.Store, id string) (bool, error) {
	found := false
	err := s.Scan("ballot-vote", []string{id}, func(string, []byte) error {
		found = true
		return stopScan{}
	})
	var stop stopScan
	if err != nil && !errors.As(err, &stop) {
		return false, fmt.Errorf("votes on ballot %s: %w", id, err)
	}
	return found, nil
}

// Summary is the payload of lifecycle events.
type Summary struct {
	ID     string  `json:"id"`
	Status Status  `json:"status"`
	Result *Result `json:"result,omitempty"`
}

func summary(b *Ballot) Summary { return Summary{ID: b.ID, Status: b.Status, Result: b.Result} }

// stopScan ends a Scan early.
type stopScan struct{}

func (stopScan) Error() string { return "stop" }
