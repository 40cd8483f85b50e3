package emergency

import (
	"fmt"
	"time"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/incident"
	"github.com/charter-gov/charter/chaincode/membership"
	"github.com/charter-gov/charter/chaincode/text"
	"github.com/charter-gov/charter/chaincode/timerule"
)

// DefaultDisclosureWithinSec is the disclosure deadline when the
// constitution names none (emergency.disclosureWithinSeconds 0).
const DefaultDisclosureWithinSec = constitution.DefaultDisclosureWithinSec

// PauseRequest is one guardian's support for pausing a target.
type PauseRequest struct {
	Target Target `json:"target"`
	Reason string `json:"reason"`
}

// SupportResult is what AddSupport returns.
type SupportResult struct {
	Support       Support `json:"support"`
	Supporters    int64   `json:"supporters"` // current supporters, the caller included
	Organisations int64   `json:"organisations"`
	Required      int64   `json:"required"`     // emergency.guardiansToAct
	RequiredOrgs  int64   `json:"requiredOrgs"` // emergency.guardianOrgsToAct
	InForce       bool    `json:"inForce"`
	Pause         *Pause  `json:"pause,omitempty"`
}

// Check is the target-specific precondition of a pause (the target
// exists and can be paused now); the caller of AddSupport supplies it, since
// targets live in other packages.
type Check func(s core.Store, t Target, at time.Time) error

// SupportCurrent reports whether a support given at `at` still counts at
// t: the supports of a pause must fall within window of each other in real
// time. A transaction stamped x was endorsed in [x − S, x + S], so the real
// gap between the support and t is at most t − at + 2S: the support counts
// while t + 2S < at + window. A support stamped S in the future therefore
// lapses no later in real time than one stamped honestly.
func SupportCurrent(at, t time.Time, window, skew time.Duration) bool {
	return t.Add(2 * skew).Before(at.Add(window))
}

// AddSupport records the calling guardian's support for pausing req.Target
// and, when it completes the constitution's quorum of guardians, puts a
// pause in force from this transaction's time. It writes and returns, but
// emits no event: PauseTarget (and ballot.PauseBallot) emit theirs.
//
// Caller: an active member holding the guardian role, while the
// emergency.pause power is active.
//
// Errors: INVALID_ARGUMENT (target, reason), FORBIDDEN (not a guardian),
// FAILED_PRECONDITION (the power's sunset passed; the target is already
// paused; the caller supported an earlier pause of the target and no
// decision allowed a new one; check's own), CONFLICT (the caller's support
// is current), NOT_FOUND (check's).
func AddSupport(tx *core.Tx, req PauseRequest, check Check) (*SupportResult, error) {
	t := req.Target
	if err := t.Validate(); err != nil {
		return nil, err
	}
	if err := text.Check("pause reason", req.Reason, text.Rule{MaxRunes: 1024, MultiLine: true, Required: true}); err != nil {
		return nil, errcode.WithField(err, "reason")
	}
	action := fmt.Sprintf("pause %s", t)
	if _, err := membership.RequireRole(tx, membership.RoleGuardian, action); err != nil {
		return nil, err
	}
	cur, err := constitution.Current(tx.Store)
	if err != nil {
		return nil, err
	}
	doc := cur.Document
	if err := doc.RequirePower(constitution.PowerEmergencyPause, tx.Time); err != nil {
		return nil, fmt.Errorf("%s: %w", action, err)
	}
	if check != nil {
		if err := check(tx.Store, t, tx.Time); err != nil {
			return nil, err
		}
	}
	pauses, err := Pauses(tx.Store, t)
	if err != nil {
		return nil, err
	}
	var last *Pause
	if len(pauses) > 0 {
		last = &pauses[len(pauses)-1]
		if last.InForceAt(tx.Time) || tx.Time.Before(last.From) {
			return nil, errcode.PreconditionFieldf("", RuleNotPaused, "%s: it is already paused (pause %d, until %s)", action, last.Seq, last.EndsAt().Format(time.RFC3339))
		}
	}
	if len(pauses) >= MaxPausesPerTarget {
		return nil, errcode.PreconditionFieldf("", RuleMaxPauses, "%s: it was paused %d times, the most one target can be", action, len(pauses))
	}
	caller := tx.Caller.Identity
	if err := refuseReimposition(tx.Store, t, pauses, caller, action); err != nil {
		return nil, err
	}
	skew, err := timerule.Skew(tx.Store, timerule.Default)
	if err != nil {
		return nil, err
	}
	window := time.Duration(doc.Emergency.RatifyWithinSec) * time.Second
	key, err := supportKey(t, caller)
	if err != nil {
		return nil, err
	}
	// A support counts only if given after the last pause began: supports
	// of an earlier pause never carry over into a new one.
	fresh := func(p Support) bool {
		return SupportCurrent(p.At, tx.Time, window, skew) && (last == nil || p.At.After(last.From))
	}
	var mine Support
	if found, err := core.GetJSON(tx.Store, key, &mine); err != nil {
		return nil, err
	} else if found && fresh(mine) {
		return nil, errcode.Fieldf(errcode.Conflict, "", RuleOneSupport, "%s: %s already supports the pause (since %s)", action, caller, mine.At.Format(time.RFC3339))
	}
	support := Support{Target: t, Guardian: caller, Reason: req.Reason, At: tx.Time, TxID: tx.TxID}
	supports, err := Supports(tx.Store, t)
	if err != nil {
		return nil, err
	}
	guardians := []identity.Identity{}
	for _, p := range supports {
		if p.Guardian == caller || !fresh(p) {
			continue
		}
		m, err := membership.Get(tx.Store, p.Guardian)
		if err != nil || m.Status != membership.StatusActive || !m.Has(membership.RoleGuardian) {
			continue // no longer a guardian: the support lapses
		}
		if reimposing(pauses, p.Guardian) && !cleared(tx.Store, t, pauses) {
			continue
		}
		guardians = append(guardians, p.Guardian)
	}
	guardians = insertSorted(guardians, caller)
	em := doc.Emergency
	res := &SupportResult{Support: support, Supporters: int64(len(guardians)), Organisations: countOrgs(guardians),
		Required: em.GuardiansToAct, RequiredOrgs: em.GuardianOrgsToAct}
	if err := core.PutJSON(tx.Store, key, support); err != nil {
		return nil, err
	}
	if res.Supporters < res.Required || res.Organisations < res.RequiredOrgs {
		return res, nil
	}
	until := tx.Time.Add(time.Duration(min(em.MaxPauseSec, em.RatifyWithinSec)) * time.Second)
	maxUntil := tx.Time.Add(time.Duration(em.MaxPauseSec) * time.Second)
	if exp, ok := doc.PowerExpiry(constitution.PowerEmergencyPause); ok {
		if exp.Before(until) {
			until = exp
		}
		if exp.Before(maxUntil) {
			maxUntil = exp
		}
	}
	due := em.DisclosureWithinSec
	if due == 0 {
		due = DefaultDisclosureWithinSec
	}
	p := &Pause{Target: t, Seq: int64(len(pauses)) + 1, From: tx.Time.UTC(), Until: until.UTC(), MaxUntil: maxUntil.UTC(),
		Guardians: guardians, Reason: req.Reason, SkewSec: int64(skew / time.Second),
		DisclosureDue: tx.Time.Add(time.Duration(due) * time.Second).UTC(), TxID: tx.TxID}
	pk, err := pauseKey(t, p.Seq)
	if err != nil {
		return nil, err
	}
	if err := core.PutJSON(tx.Store, pk, p); err != nil {
		return nil, err
	}
	// The incident register counts every emergency action, a ballot's
	// pause included.
	if _, err := incident.Record(tx, incident.Incident{Kind: incident.EmergencyAction, Severity: incident.Medium,
		Summary:    fmt.Sprintf("guardians' pause %d of %s by %d guardians of %d organisations, in force until %s", p.Seq, t, len(guardians), res.Organisations, p.EndsAt().Format(time.RFC3339)),
		Subject:    fmt.Sprintf("%s#%d", t, p.Seq),
		OccurredAt: tx.Time}); err != nil {
		return nil, fmt.Errorf("%s: record the emergency action: %w", action, err)
	}
	res.InForce, res.Pause = true, p
	return res, nil
}

// PauseTarget is the guardian:Pause transaction for artifacts and treasury
// actions: AddSupport, then the event (emergency.paused when the pause came
// into force, else emergency.pause_supported). Ballots are paused through
// ballot.PauseBallot, which also gives back voting time.
func PauseTarget(tx *core.Tx, req PauseRequest, check Check) (*SupportResult, error) {
	if req.Target.Kind == KindBallot {
		return nil, errcode.InvalidFieldf("target.kind", RuleBallotPause, "pause %s: ballots are paused with ballot:Pause, which gives the voting time back", req.Target)
	}
	res, err := AddSupport(tx, req, check)
	if err != nil {
		return nil, err
	}
	if res.InForce {
		return res, tx.Emit(EventPaused, res)
	}
	return res, tx.Emit(EventSupported, res)
}

// reimposing reports whether g supported an earlier pause of the target.
func reimposing(pauses []Pause, g identity.Identity) bool {
	for _, p := range pauses {
		for _, x := range p.Guardians {
			if x == g {
				return true
			}
		}
	}
	return false
}

// cleared reports whether a decision executed after the last pause began
// allowed a new pause of the target by guardians who paused it before.
func cleared(s core.Store, t Target, pauses []Pause) bool {
	if len(pauses) == 0 {
		return true
	}
	k, err := clearanceKey(t)
	if err != nil {
		return false
	}
	var c Clearance
	found, err := core.GetJSON(s, k, &c)
	return err == nil && found && c.At.After(pauses[len(pauses)-1].From)
}

func refuseReimposition(s core.Store, t Target, pauses []Pause, g identity.Identity, action string) error {
	if !reimposing(pauses, g) || cleared(s, t, pauses) {
		return nil
	}
	return errcode.PreconditionFieldf("", RuleReimposition, "%s: %s supported an earlier pause of it (pause %d); the same guardians re-impose a pause only after a new emergency_ratification decision allows it", action, g.Short(), pauses[len(pauses)-1].Seq)
}

func insertSorted(ids []identity.Identity, id identity.Identity) []identity.Identity {
	i := 0
	for i < len(ids) && (ids[i].MSPID < id.MSPID || (ids[i].MSPID == id.MSPID && ids[i].ID < id.ID)) {
		i++
	}
	return append(ids[:i], append([]identity.Identity{id}, ids[i:]...)...)
}

func countOrgs(ids []identity.Identity) int64 {
	var n int64
	for i, id := range ids {
		seen := false
		for _, p := range ids[:i] {
			if p.MSPID == id.MSPID {
				seen = true
			}
		}
		if !seen {
			n++
		}
	}
	return n
}
