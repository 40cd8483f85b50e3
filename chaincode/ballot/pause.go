package ballot

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
)

// Events of the guardians' pause.
const (
	EventPauseSupported = "ballot.pause_supported"
	EventPaused         = "ballot.paused"
)

// Pause is a ballot's emergency pause by k guardians: while it is in force
// (From ≤ t < Until) no vote, close or tally page is accepted. A ballot is
// paused at most once; guardians never cancel a ballot.
type Pause struct {
	From  time.Time `json:"from"`
	Until time.Time `json:"until"`
	// Guardians are the guardians whose support put the pause in force, in
	// key order (MSP ID, then ID).
	Guardians []identity.Identity `json:"guardians"`
	// EndsAtBefore is the end of voting before the pause; EndsAt was
	// extended by the part of the pause that overlapped voting.
	EndsAtBefore time.Time `json:"endsAtBefore"`
	TxID         string    `json:"txId"`
}

// PauseRequest is one guardian's support for pausing a ballot.
type PauseRequest struct {
	Ballot string `json:"ballot"`
	Reason string `json:"reason"`
}

// PauseSupport is the stored record of one guardian's support: its own
// key, ballot-pause ~ ballot ~ MSP ID ~ ID, so that guardians acting at
// once never write the same key.
type PauseSupport struct {
	Ballot   string            `json:"ballot"`
	Guardian identity.Identity `json:"guardian"`
	Reason   string            `json:"reason"`
	At       time.Time         `json:"at"`
	TxID     string            `json:"txId"`
}

// PauseResult is what Pause returns.
type PauseResult struct {
	Support       PauseSupport `json:"support"`
	Supporters    int64        `json:"supporters"` // current supporters, the caller included
	Organisations int64        `json:"organisations"`
	Required      int64        `json:"required"`     // emergency.guardiansToAct
	RequiredOrgs  int64        `json:"requiredOrgs"` // emergency.guardianOrgsToAct
	InForce       bool         `json:"inForce"`
	Ballot        *Ballot      `json:"ballot"`
}

func pauseKey(id string, g identity.Identity) (string, error) {
	return core.Key("ballot-pause", id, g.MSPID, g.ID)
}

// PausedAt reports whether the guardians' pause is in force at t.
func (b *Ballot) PausedAt(t time.Time) bool {
	return b.Pause != nil && !t.Before(b.Pause.From) && t.Before(b.Pause.Until)
}

func (b *Ballot) refusePaused(action string, t time.Time) error {
	if b.PausedAt(t) {
		return errcode.Preconditionf("%s ballot %s: paused by %d guardians until %s", action, b.ID, len(b.Pause.Guardians), b.Pause.Until.Format(time.RFC3339))
	}
	return nil
}

// PauseBallot records the calling guardian's support for pausing a ballot
// and, when that support completes the constitution's quorum of
// guardians — emergency.guardiansToAct distinct active guardians from at
// least emergency.guardianOrgsToAct organisations, each having supported
// within the last emergency.ratifyWithinSeconds — puts the pause in force.
//
// The pause lasts min(emergency.maxPauseSeconds,
// emergency.ratifyWithinSeconds) (a pause nobody can yet ratify cannot
// outlive the ratification window) and ends earlier if the emergency.pause
// power's sunset falls before. The part of the pause that overlaps voting
// is added to the end of voting, so voters lose no time; the weights stay
// those of the original opening, so the delay gives no one a vote. A
// ballot is paused at most once.
//
// Caller: an active member with the guardian role, while the constitution
// in force grants the emergency.pause power.
//
// Errors: INVALID_ARGUMENT (no reason), NOT_FOUND, FORBIDDEN (not a
// guardian), FAILED_PRECONDITION (the power expired; the ballot is
// tallied, final or was already paused), CONFLICT (the caller's support
// is already recorded and current).
func PauseBallot(tx *core.Tx, req PauseRequest) (*PauseResult, error) {
	if err := text.Check("ballot pause reason", req.Reason, text.Rule{MaxRunes: 1024, MultiLine: true, Required: true}); err != nil {
		return nil, err
	}
	b, err := Get(tx.Store, req.Ballot)
	if err != nil {
		return nil, err
	}
	caller := tx.Caller.Identity
	if _, err := membership.RequireRole(tx, membership.RoleGuardian, fmt.Sprintf("pause ballot %s", b.ID)); err != nil {
		return nil, err
	}
	cur, err := constitution.Current(tx.Store)
	if err != nil {
		return nil, err
	}
	em := cur.Document.Emergency
	if err := cur.Document.RequirePower(constitution.PowerEmergencyPause, tx.Time); err != nil {
		return nil, fmt.Errorf("pause ballot %s: %w", b.ID, err)
	}
	if b.Pause != nil {
		return nil, errcode.Preconditionf("pause ballot %s: it was already paused from %s to %s; a ballot is paused at most once", b.ID, b.Pause.From.Format(time.RFC3339), b.Pause.Until.Format(time.RFC3339))
	}
	if b.Status != StatusPending && b.Status != StatusClosed {
		return nil, errcode.Preconditionf("pause ballot %s: it is %s; guardians pause only a ballot being voted on or awaiting its tally, and never cancel one", b.ID, b.StatusAt(tx.Time))
	}
	window := time.Duration(em.RatifyWithinSec) * time.Second
	current := func(p PauseSupport) bool { return tx.Time.Sub(p.At) < window }
	key, err := pauseKey(b.ID, caller)
	if err != nil {
		return nil, err
	}
	var mine PauseSupport
	if found, err := core.GetJSON(tx.Store, key, &mine); err != nil {
		return nil, err
	} else if found && current(mine) {
		return nil, errcode.Conflictf("pause ballot %s: %s already supports the pause (since %s)", b.ID, caller, mine.At.Format(time.RFC3339))
	}
	support := PauseSupport{Ballot: b.ID, Guardian: caller, Reason: req.Reason, At: tx.Time, TxID: tx.TxID}
	guardians := []identity.Identity{}
	err = tx.Store.Scan("ballot-pause", []string{b.ID}, func(k string, raw []byte) error {
		var p PauseSupport
		if err := core.DecodeJSON(k, raw, &p); err != nil {
			return err
		}
		if p.Guardian == caller || !current(p) {
			return nil
		}
		m, err := membership.Get(tx.Store, p.Guardian)
		if err != nil || m.Status != membership.StatusActive || !m.Has(membership.RoleGuardian) {
			return nil // no longer a guardian: their support lapses
		}
		guardians = append(guardians, p.Guardian)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("pause ballot %s: %w", b.ID, err)
	}
	guardians = insertSorted(guardians, caller)
	res := &PauseResult{Support: support, Supporters: int64(len(guardians)), Organisations: countOrgs(guardians),
		Required: em.GuardiansToAct, RequiredOrgs: em.GuardianOrgsToAct, Ballot: b}
	if err := core.PutJSON(tx.Store, key, support); err != nil {
		return nil, err
	}
	if res.Supporters < res.Required || res.Organisations < res.RequiredOrgs {
		return res, tx.Emit(EventPauseSupported, res)
	}
	until := tx.Time.Add(time.Duration(min(em.MaxPauseSec, em.RatifyWithinSec)) * time.Second)
	if exp, ok := cur.Document.PowerExpiry(constitution.PowerEmergencyPause); ok && exp.Before(until) {
		until = exp
	}
	p := &Pause{From: tx.Time, Until: until, Guardians: guardians, EndsAtBefore: b.EndsAt, TxID: tx.TxID}
	if b.Status == StatusPending && p.Until.After(b.OpensAt) && p.From.Before(b.EndsAt) {
		// Voting time the pause takes away, [max(from, opensAt), endsAt),
		// is given back after it: voting ends that long after the pause.
		b.EndsAt = p.Until.Add(b.EndsAt.Sub(maxTime(p.From, b.OpensAt)))
	}
	b.Pause = p
	if err := save(tx, b); err != nil {
		return nil, err
	}
	// The incident register counts every emergency action.
	if _, err := incident.Record(tx, incident.Incident{Kind: incident.EmergencyAction, Severity: incident.High,
		Summary:  fmt.Sprintf("guardians paused ballot %s until %s", b.ID, p.Until.UTC().Format(time.RFC3339)),
		Decision: b.Decision, Subject: "ballot:" + b.ID}); err != nil {
		return nil, fmt.Errorf("record the emergency action: %w", err)
	}
	res.InForce = true
	return res, tx.Emit(EventPaused, res)
}

// PauseSupports lists the guardians' supports for pausing a ballot.
func PauseSupports(s core.Store, id string) ([]PauseSupport, error) {
	if _, err := Get(s, id); err != nil {
		return nil, err
	}
	out := []PauseSupport{}
	err := s.Scan("ballot-pause", []string{id}, func(k string, raw []byte) error {
		var p PauseSupport
		if err := core.DecodeJSON(k, raw, &p); err != nil {
			return err
		}
		out = append(out, p)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("pause supports of ballot %s: %w", id, err)
	}
	return out, nil
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

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
