package decision

import (
	"math/big"
	"time"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/errcode"
)

// HouseResult is one house's tallied ballot on a decision.
type HouseResult struct {
	House  constitution.HouseID `json:"house"`
	Ballot string               `json:"ballot"`
	// QuorumMet: participation reached the rule's quorum.
	QuorumMet bool `json:"quorumMet"`
	// ForBps is the share of "for" in for + against, in basis points,
	// rounded down (0 when nobody voted for or against).
	ForBps int64 `json:"forBps"`
	// Passed: the ballot passed under the rule (quorum, and for reached
	// the threshold); it implies QuorumMet.
	Passed bool `json:"passed"`
	// Cancelled: the ballot was cancelled; the decision then fails. (A
	// decision's ballots cannot be cancelled since guardians only pause
	// and proposers withdraw only polls; kept for records written before.)
	Cancelled bool `json:"cancelled,omitempty"`
	// VotesCounted is how many votes the tally counted.
	VotesCounted int64     `json:"votesCounted,omitempty"`
	ClosedAt     time.Time `json:"closedAt"`
}

// ShareBps returns floor(forVotes × 10000 / (forVotes + against)), or 0
// when both are zero. Because the bars it is compared with are whole basis
// points, ShareBps(f, a) ≥ bar exactly when f × 10000 ≥ bar × (f + a).
func ShareBps(forVotes, against *big.Int) int64 {
	total := new(big.Int).Add(forVotes, against)
	if total.Sign() <= 0 || forVotes.Sign() <= 0 {
		return 0
	}
	q := new(big.Int).Mul(forVotes, big.NewInt(10000))
	q.Quo(q, total)
	return q.Int64()
}

// Verdict is what the concurrence rule concludes.
type Verdict string

// Verdicts.
const (
	VerdictPassed    Verdict = "passed"
	VerdictRejected  Verdict = "rejected"
	VerdictMediation Verdict = "mediation" // the houses disagree; wait until MediationEndsAt
)

// Branches of the concurrence rule, recorded in Outcome.Branch so that a
// reader sees which one decided.
const (
	BranchCancelled         = "a ballot was cancelled"
	BranchSingleHousePassed = "the deciding house passed it"
	BranchSingleHouseFailed = "the deciding house did not pass it"
	BranchQuorumFailed      = "a house did not reach quorum"
	BranchBothPassed        = "both houses passed it"
	BranchBothFailed        = "neither house passed it"
	BranchMediating         = "the houses disagree: mediation timelock running"
	BranchSupermajority     = "after mediation: supermajority in the passing house and the other house's bar met"
	BranchNoSupermajority   = "after mediation: supermajority not met"
)

// Outcome is the concurrence rule's conclusion.
type Outcome struct {
	Verdict Verdict `json:"verdict"`
	Branch  string  `json:"branch"`
	// DecidedAt is when the verdict became final: the last ballot's close,
	// or the end of mediation. Zero while mediating.
	DecidedAt time.Time `json:"decidedAt,omitzero"`
	// MediationEndsAt is set when the houses disagreed.
	MediationEndsAt *time.Time    `json:"mediationEndsAt,omitempty"`
	Houses          []HouseResult `json:"houses"`
}

// Resolve applies the concurrence rule to the tallied ballots of a
// decision. It is a pure function of its arguments. The exact rule:
//
//  1. If any ballot was cancelled, the decision is rejected.
//  2. A decision routed to one house passes exactly when that house's
//     ballot passed (quorum and threshold of the rule).
//  3. A joint decision (both houses) needs a quorum in both houses: if
//     either house missed its quorum, the decision is rejected; mediation
//     cannot make up for a house that did not take part.
//  4. Both houses passed it: passed, when the later ballot closed.
//  5. Neither house passed it: rejected.
//  6. One house passed it and the other, with quorum, did not: a mediation
//     timelock of conc.MediationSec starts when the later ballot closed.
//     Before it ends the verdict is "mediation". At or after its end, the
//     decision passes exactly when the house that passed it did so with
//     ForBps ≥ conc.PassingHouseBps AND the other house gave it ForBps ≥
//     conc.OtherHouseBps (both compared on the original ballots, for
//     against for + against); otherwise it is rejected.
//
// Errors: INVALID_ARGUMENT when results do not match the rule's houses (one
// result per house, in the rule's order) or a result claims to have passed
// without quorum.
func Resolve(rule constitution.DecisionRule, conc constitution.Concurrence, results []HouseResult, now time.Time) (Outcome, error) {
	if len(results) != len(rule.Houses) || len(results) == 0 {
		return Outcome{}, errcode.InvalidFieldf("", RuleHouseResults, "resolve %q: %d house results for %d houses", rule.Type, len(results), len(rule.Houses))
	}
	var closed time.Time
	for i, r := range results {
		if r.House != rule.Houses[i] {
			return Outcome{}, errcode.InvalidFieldf("", RuleHouseResults, "resolve %q: result %d is for house %s, the rule names house %s", rule.Type, i, r.House, rule.Houses[i])
		}
		if r.Passed && !r.QuorumMet {
			return Outcome{}, errcode.InvalidFieldf("", RuleHouseResults, "resolve %q: house %s passed without quorum", rule.Type, r.House)
		}
		if r.ForBps < 0 || r.ForBps > 10000 {
			return Outcome{}, errcode.InvalidFieldf("", RuleHouseResults, "resolve %q: house %s share %d bps is outside 0..10000", rule.Type, r.House, r.ForBps)
		}
		if r.ClosedAt.After(closed) {
			closed = r.ClosedAt
		}
	}
	out := Outcome{Houses: results, DecidedAt: closed}
	decide := func(v Verdict, branch string) (Outcome, error) {
		out.Verdict, out.Branch = v, branch
		return out, nil
	}
	for _, r := range results {
		if r.Cancelled {
			return decide(VerdictRejected, BranchCancelled)
		}
	}
	if len(results) == 1 {
		if results[0].Passed {
			return decide(VerdictPassed, BranchSingleHousePassed)
		}
		return decide(VerdictRejected, BranchSingleHouseFailed)
	}
	a, b := results[0], results[1]
	switch {
	case !a.QuorumMet || !b.QuorumMet:
		return decide(VerdictRejected, BranchQuorumFailed)
	case a.Passed && b.Passed:
		return decide(VerdictPassed, BranchBothPassed)
	case !a.Passed && !b.Passed:
		return decide(VerdictRejected, BranchBothFailed)
	}
	passing, other := a, b
	if !a.Passed {
		passing, other = b, a
	}
	ends := closed.Add(time.Duration(conc.MediationSec) * time.Second)
	out.MediationEndsAt = &ends
	if now.Before(ends) {
		out.DecidedAt = time.Time{}
		return decide(VerdictMediation, BranchMediating)
	}
	out.DecidedAt = ends
	if passing.ForBps >= conc.PassingHouseBps && other.ForBps >= conc.OtherHouseBps {
		return decide(VerdictPassed, BranchSupermajority)
	}
	return decide(VerdictRejected, BranchNoSupermajority)
}
