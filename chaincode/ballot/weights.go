package ballot

import (
	"fmt"
	"math/big"
	"time"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
)

// CastWeight is one vote with the weight the tally gives it: the voter's
// effective voting power on this ballot after delegation (token balance
// at opening plus what others delegated to the voter, reputation score at
// opening, one for a seat or a poll answer, the sum of the votes a
// quadratic voter allocated). Counted is false for a vote the tally reads
// but does not count (its voter is not in the electorate); its weight is
// then zero. The organisation cap, which the tally applies to the totals
// of a decision ballot, is not applied to single votes.
type CastWeight struct {
	Voter   identity.Identity `json:"voter"`
	Choice  string            `json:"choice,omitempty"`
	Weight  string            `json:"weight"` // decimal integer
	Credits int64             `json:"credits,omitempty"`
	Counted bool              `json:"counted"`
	CastAt  time.Time         `json:"castAt"`
}

// WeightPage is one page of CastWeights; NextShard is Shards on the last.
type WeightPage struct {
	Ballot    string       `json:"ballot"`
	Family    string       `json:"family,omitempty"`
	Weights   []CastWeight `json:"weights"`
	NextShard int          `json:"nextShard"`
}

// CastWeights returns up to limit votes of a ballot (whole vote shards from
// fromShard, like Votes) with the weight each carries, computed by the
// tally's own Weigher. It is a query (for the governance metrics: the
// distribution of voting power actually cast); it writes nothing.
//
// Errors: NOT_FOUND (unknown ballot), INVALID_ARGUMENT (shard or limit
// out of range).
func CastWeights(s core.Store, deps Deps, id string, fromShard, limit int) (*WeightPage, error) {
	votes, next, err := Votes(s, id, fromShard, limit)
	if err != nil {
		return nil, err
	}
	b, err := Get(s, id)
	if err != nil {
		return nil, err
	}
	w := NewWeigher(s, deps, b)
	fam := string(b.Family)
	if b.Kind == KindPoll {
		fam = string(KindPoll)
	}
	out := &WeightPage{Ballot: id, Family: fam, Weights: make([]CastWeight, 0, len(votes)), NextShard: next}
	for _, v := range votes {
		cw := CastWeight{Voter: v.Voter, Choice: v.Choice, Credits: v.Credits, CastAt: v.CastAt, Weight: "0"}
		counts, err := w.inElectorate(v.Voter)
		if err != nil {
			return nil, fmt.Errorf("weights of ballot %s: %w", id, err)
		}
		if counts {
			weight, err := w.Weigh(v.Voter)
			if err != nil {
				return nil, fmt.Errorf("weights of ballot %s: %w", id, err)
			}
			quadratic := b.Kind != KindPoll && b.Family == constitution.FamilyQuadratic
			if quadratic {
				weight = new(big.Int)
				for _, a := range v.Allocations {
					weight.Add(weight, big.NewInt(a.Votes))
				}
			}
			if weight.Sign() < 0 {
				return nil, errcode.New(errcode.Internal, "weights of ballot %s: negative weight for %s", id, v.Voter)
			}
			cw.Weight, cw.Counted = weight.String(), weight.Sign() > 0 || quadratic || b.Kind == KindPoll
		}
		out.Weights = append(out.Weights, cw)
	}
	return out, nil
}
