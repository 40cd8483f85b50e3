package ballot

import (
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
)

// WeightSource names what a voter's weight on a ballot is made of.
type WeightSource string

// Weight sources, one per voting family (and polls).
const (
	SourceTokens     WeightSource = "tokens"     // token balance when voting opened
	SourceDelegated  WeightSource = "delegated"  // own balance plus delegations in force when voting opened
	SourceReputation WeightSource = "reputation" // reputation score (milli-points) when voting opened
	SourceSeat       WeightSource = "seat"       // one per eligible member
	SourceCredits    WeightSource = "credits"    // quadratic: voice credits to spend, n votes costing n²
	SourcePoll       WeightSource = "poll"       // one answer per member
)

// Standing is one member's standing on one ballot at a time: whether
// ballot:Vote would accept a vote from them then and, when it would not,
// the refusal it would give (Code and Reason are that error's code and
// text); and the weight the tally would give their vote, with what it is
// made of. It is what the console shows a voter ("why can't I vote?",
// "why is my weight what it is?"), computed by the same functions Cast
// and the tally run, never by a copy of their rules.
type Standing struct {
	Ballot  string            `json:"ballot"`
	Voter   identity.Identity `json:"voter"`
	At      time.Time         `json:"at"`
	Status  Status            `json:"status"`
	Family  string            `json:"family"`
	CanVote bool              `json:"canVote"`
	// Code and Reason: the refusal ballot:Vote would give at At (empty
	// when CanVote). A choice is not checked: any listed choice is valid.
	Code   errcode.Code `json:"code,omitempty"`
	Reason string       `json:"reason,omitempty"`
	// Weight is the weight the tally gives the voter's vote (decimal),
	// computed as of AsOf (when voting opened); set once the voter passed
	// the eligibility checks, even if the ballot is no longer active.
	Weight string       `json:"weight,omitempty"`
	Source WeightSource `json:"source,omitempty"`
	AsOf   time.Time    `json:"asOf"`
	// Own and Delegated split a delegated ballot's weight: the voter's own
	// balance and what flows to them from members who have not voted
	// (a delegator's own vote takes its weight back).
	Own       string `json:"own,omitempty"`
	Delegated string `json:"delegated,omitempty"`
	// Vote is the voter's current vote, if any.
	Vote *Vote `json:"vote,omitempty"`
}

// StandingOf returns voter's standing on ballot id at time t. It reads the
// ballot, the voter's member record, vouches and disclosures (through
// deps.Eligible), their vote and their weight's sources; it writes
// nothing.
//
// Errors: NOT_FOUND (unknown ballot); a store error.
func StandingOf(s core.Store, deps Deps, id string, voter identity.Identity, t time.Time) (*Standing, error) {
	b, err := Get(s, id)
	if err != nil {
		return nil, err
	}
	st := &Standing{Ballot: b.ID, Voter: voter, At: t, Status: b.StatusAt(t), Family: familyName(b), AsOf: b.OpensAt, Source: sourceOf(b)}
	if v, err := VoteOf(s, b.ID, voter); err == nil {
		st.Vote = v
	} else if !errcode.IsCode(err, errcode.NotFound) {
		return nil, fmt.Errorf("standing on ballot %s: %w", b.ID, err)
	}
	refusal := mayVote(s, deps, b, voter, t)
	// The status or a pause may refuse a vote now while the voter is still
	// someone the ballot counts: their weight is shown all the same.
	counted := eligible(s, b, voter)
	if counted == nil && deps.Eligible != nil && b.Decision != "" {
		counted = deps.Eligible(s, b.ID, voter)
	}
	if counted == nil {
		if err := st.weigh(s, deps, b, voter); err != nil {
			return nil, fmt.Errorf("standing on ballot %s: %w", b.ID, err)
		}
		if refusal == nil {
			refusal = hasWeight(s, deps, b, voter)
		}
	}
	if refusal != nil {
		var coded *errcode.Error
		if !errors.As(refusal, &coded) {
			return nil, fmt.Errorf("standing on ballot %s: %w", b.ID, refusal)
		}
		st.Code, st.Reason = coded.Code, coded.Message
		return st, nil
	}
	st.CanVote = true
	return st, nil
}

func sourceOf(b *Ballot) WeightSource {
	if b.Kind == KindPoll {
		return SourcePoll
	}
	switch b.Family {
	case constitution.FamilyToken:
		return SourceTokens
	case constitution.FamilyDelegated:
		return SourceDelegated
	case constitution.FamilyReputation:
		return SourceReputation
	case constitution.FamilyQuadratic:
		return SourceCredits
	}
	return SourceSeat
}

// weigh fills the weight with the tally's own Weigher (quadratic: the
// ballot's voice credits, which the voter spends as they choose).
func (st *Standing) weigh(s core.Store, deps Deps, b *Ballot, voter identity.Identity) error {
	if b.Kind != KindPoll && b.Family == constitution.FamilyQuadratic {
		st.Weight = big.NewInt(b.VoiceCredits).String()
		return nil
	}
	w := NewWeigher(s, deps, b)
	weight, err := w.Weigh(voter)
	if err != nil {
		return err
	}
	st.Weight = weight.String()
	if b.Kind != KindPoll && b.Family == constitution.FamilyDelegated {
		own, err := w.balance(voter)
		if err != nil {
			return err
		}
		ownB := big.NewInt(own)
		st.Own, st.Delegated = ownB.String(), new(big.Int).Sub(weight, ownB).String()
	}
	return nil
}
