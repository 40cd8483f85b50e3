package ballot

import (
	"fmt"
	"time"

	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/emergency"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/membership"
	"github.com/charter-gov/charter/chaincode/text"
)

// Events of the guardians' pause.
const (
	EventPauseSupported = "ballot.pause_supported"
	EventPaused         = "ballot.paused"
)

// Pause is a ballot's emergency pause by k guardians, a copy of the
// chaincode/emergency pause of target ballot:<id>: while it is in force
// (From ≤ t and its expiry Until has not passed by the clock skew,
// t < Until + SkewSec) no vote, close or tally page is accepted. A ballot
// is paused at most once; guardians never cancel a ballot.
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
	// SkewSec is the clock skew pinned by the pause: its expiry is a
	// deadline honoured with the skew as margin (docs/time.md).
	SkewSec int64 `json:"skewSeconds,omitempty"`
	// Seq is the emergency pause's sequence number (emergency.Get).
	Seq int64 `json:"seq,omitempty"`
}

// EndsAt is the first transaction time at which the pause no longer holds.
func (p *Pause) EndsAt() time.Time {
	return p.Until.Add(time.Duration(p.SkewSec) * time.Second).UTC()
}

// PauseRequest is one guardian's support for pausing a ballot.
type PauseRequest struct {
	Ballot string `json:"ballot"`
	Reason string `json:"reason"`
}

// PauseSupport is one guardian's support for pausing a ballot, as listed
// by PauseSupports (stored by chaincode/emergency as an emergency.Support
// under emergency-support ~ ballot ~ id ~ MSP ID ~ ID, so that guardians
// acting at once never write the same key).
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

// PausedAt reports whether the guardians' pause is in force at t.
func (b *Ballot) PausedAt(t time.Time) bool {
	return b.Pause != nil && !t.Before(b.Pause.From) && t.Before(b.Pause.EndsAt())
}

func (b *Ballot) refusePaused(action string, t time.Time) error {
	if b.PausedAt(t) {
		return errcode.Preconditionf("%s ballot %s: paused by %d guardians until %s", action, b.ID, len(b.Pause.Guardians), b.Pause.EndsAt().Format(time.RFC3339))
	}
	return nil
}

// Target is the emergency target of ballot id.
func Target(id string) emergency.Target {
	return emergency.Target{Kind: emergency.KindBallot, ID: id}
}

// PauseBallot records the calling guardian's support for pausing a ballot
// through chaincode/emergency (emergency.AddSupport: emergency.guardiansToAct
// distinct active guardians from at least emergency.guardianOrgsToAct
// organisations, supports current within emergency.ratifyWithinSeconds
// with the skew as margin) and, when that support completes the quorum,
// puts the pause in force.
//
// The pause lasts min(emergency.maxPauseSeconds,
// emergency.ratifyWithinSeconds) and ends earlier if the emergency.pause
// power's sunset falls before; it holds until its expiry has passed by the
// clock skew. The part of the pause that overlaps voting is added to the
// end of voting, so voters lose no time; the weights stay those of the
// original opening, so the delay gives no one a vote. A ballot is paused
// at most once.
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
	if _, err := membership.RequireRole(tx, membership.RoleGuardian, fmt.Sprintf("pause ballot %s", b.ID)); err != nil {
		return nil, err
	}
	check := func(core.Store, emergency.Target, time.Time) error {
		if b.Pause != nil {
			return errcode.Preconditionf("pause ballot %s: it was already paused from %s to %s; a ballot is paused at most once", b.ID, b.Pause.From.Format(time.RFC3339), b.Pause.Until.Format(time.RFC3339))
		}
		if b.Status != StatusPending && b.Status != StatusClosed {
			return errcode.Preconditionf("pause ballot %s: it is %s; guardians pause only a ballot being voted on or awaiting its tally, and never cancel one", b.ID, b.StatusAt(tx.Time))
		}
		return nil
	}
	r, err := emergency.AddSupport(tx, emergency.PauseRequest{Target: Target(b.ID), Reason: req.Reason}, check)
	if err != nil {
		return nil, err
	}
	res := &PauseResult{Support: supportView(r.Support), Supporters: r.Supporters, Organisations: r.Organisations,
		Required: r.Required, RequiredOrgs: r.RequiredOrgs, Ballot: b}
	if !r.InForce {
		return res, tx.Emit(EventPauseSupported, res)
	}
	ep := r.Pause
	p := &Pause{From: ep.From, Until: ep.Until, Guardians: ep.Guardians, EndsAtBefore: b.EndsAt, TxID: tx.TxID, SkewSec: ep.SkewSec, Seq: ep.Seq}
	if b.Status == StatusPending && p.EndsAt().After(b.OpensAt) && p.From.Before(b.EndsAt) {
		// Voting time the pause takes away, [max(from, opensAt), endsAt),
		// is given back after it: voting ends that long after the pause.
		b.EndsAt = p.EndsAt().Add(b.EndsAt.Sub(maxTime(p.From, b.OpensAt)))
	}
	b.Pause = p
	if err := save(tx, b); err != nil {
		return nil, err
	}
	// The pause coming into force is recorded in the incident register by
	// chaincode/emergency, as for every target.
	res.InForce = true
	return res, tx.Emit(EventPaused, res)
}

func supportView(s emergency.Support) PauseSupport {
	return PauseSupport{Ballot: s.Target.ID, Guardian: s.Guardian, Reason: s.Reason, At: s.At, TxID: s.TxID}
}

// PauseSupports lists the guardians' supports for pausing a ballot.
func PauseSupports(s core.Store, id string) ([]PauseSupport, error) {
	if _, err := Get(s, id); err != nil {
		return nil, err
	}
	sup, err := emergency.Supports(s, Target(id))
	if err != nil {
		return nil, fmt.Errorf("pause supports of ballot %s: %w", id, err)
	}
	out := make([]PauseSupport, len(sup))
	for i, x := range sup {
		out[i] = supportView(x)
	}
	return out, nil
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
