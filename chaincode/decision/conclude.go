package decision

import (
	"time"

	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/timerule"
)

// Conclude applies the concurrence rule (Resolve) to a decision's tallied
// ballots under the rules frozen at proposal, or, for an appealed
// decision, concludes the appeal. Anyone may call it.
//
//   - voting or mediation: passed (the timelock and the appeal window
//     start at DecidedAt, the time of this concluding transaction), rejected, or mediation (the first time the
//     houses are found to disagree; concluding again before the mediation
//     ends is refused);
//   - appealed: when every appeal ballot passed, the appeal is upheld and
//     the decision is overturned; otherwise it is dismissed and the
//     decision is passed again (executable from ExecutableAt, or at once
//     if that has gone by).
//
// Errors: NOT_FOUND, FAILED_PRECONDITION (a ballot is not tallied yet;
// mediation still running; nothing to conclude in this status).
func Conclude(tx *core.Tx, deps Deps, id string) (*Decision, error) {
	d, err := Get(tx.Store, id)
	if err != nil {
		return nil, err
	}
	bs, err := deps.ballots()
	if err != nil {
		return nil, err
	}
	switch d.Status {
	case StatusVoting, StatusMediation:
	case StatusAppealed:
		return concludeAppeal(tx, bs, d)
	default:
		return nil, errcode.PreconditionFieldf("", RuleConcludable, "conclude decision %s: it is %s; only decisions in voting, mediation or appeal are concluded", d.ID, d.Status)
	}
	results, err := results(tx.Store, bs, d.ID, d.Ballots)
	if err != nil {
		return nil, err
	}
	margin, err := timerule.Margin(tx.Store, 0)
	if err != nil {
		return nil, err
	}
	// The mediation deadline is honoured with the skew as margin: Resolve
	// sees the latest time that has certainly passed.
	out, err := Resolve(d.Rule, d.Concurrence, results, tx.Time.Add(-margin))
	if err != nil {
		return nil, err
	}
	switch out.Verdict {
	case VerdictMediation:
		if d.Status == StatusMediation {
			return nil, errcode.PreconditionFieldf("", RuleMediationTimelock, "conclude decision %s: the houses disagree and the mediation timelock runs until %s", d.ID, out.MediationEndsAt.Format(time.RFC3339))
		}
		d.Status = StatusMediation
	case VerdictPassed:
		d.Status = StatusPassed
		// The time rule: the timelock and the appeal window count from this
		// transaction, which fixes the verdict, not from the ballots' close:
		// a conclusion that runs late must not have consumed them already.
		out.DecidedAt = tx.Time
		eta := out.DecidedAt.Add(time.Duration(d.Rule.TimelockSec) * time.Second)
		deadline := out.DecidedAt.Add(time.Duration(d.Appeals.WindowSec) * time.Second)
		exec := eta
		if deadline.After(exec) {
			exec = deadline
		}
		d.ETA, d.AppealDeadline, d.ExecutableAt = &eta, &deadline, &exec
	default:
		d.Status = StatusRejected
	}
	d.Outcome = &out
	if err := save(tx, d); err != nil {
		return nil, err
	}
	return d, tx.Emit(EventConcluded, d)
}

func results(s core.Store, bs Ballots, id string, refs []BallotRef) ([]HouseResult, error) {
	out := make([]HouseResult, 0, len(refs))
	for _, r := range refs {
		res, final, err := bs.Result(s, r.Ballot)
		if err != nil {
			return nil, err
		}
		if !final {
			return nil, errcode.PreconditionFieldf("", RuleTallied, "conclude decision %s: ballot %s in house %s is not tallied yet", id, r.Ballot, r.House)
		}
		res.House, res.Ballot = r.House, r.Ballot
		out = append(out, res)
	}
	return out, nil
}

// concludeAppeal: the appeal is upheld only when every appeal ballot
// passed (for a joint decision, both houses).
func concludeAppeal(tx *core.Tx, bs Ballots, d *Decision) (*Decision, error) {
	res, err := results(tx.Store, bs, d.ID, d.Appeal.Ballots)
	if err != nil {
		return nil, err
	}
	out := Outcome{Verdict: VerdictPassed, Branch: "appeal upheld in every house it went to", Houses: res}
	for _, r := range res {
		if r.ClosedAt.After(out.DecidedAt) {
			out.DecidedAt = r.ClosedAt
		}
		if !r.Passed {
			out.Verdict, out.Branch = VerdictRejected, "appeal dismissed: house "+string(r.House)+" did not uphold it"
		}
	}
	d.Appeal.Outcome = &out
	if out.Verdict == VerdictPassed {
		d.Status = StatusOverturned
	} else {
		d.Status = StatusPassed
	}
	if err := save(tx, d); err != nil {
		return nil, err
	}
	return d, tx.Emit(EventConcluded, d)
}
