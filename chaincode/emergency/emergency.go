// Package emergency holds the guardian council's time-boxed emergency
// power: a pause of a target (a ballot, an artifact's distribution, a
// pending treasury action) put in force by k distinct guardians of at least
// m organisations, effective when the k-th support commits.
//
// The rules, each enforced here:
//
//   - k-of-n: emergency.guardiansToAct distinct active guardians from at
//     least emergency.guardianOrgsToAct organisations, each support current
//     (given within emergency.ratifyWithinSeconds of the others, with the
//     clock skew as margin so that a future-stamped support cannot stretch
//     its lapse).
//   - self-expiry: an unratified pause lasts min(maxPauseSeconds,
//     ratifyWithinSeconds); it is in force at t while From ≤ t and the
//     expiry Until has not passed with the skew as margin
//     (timerule.Passed(t, Until, S) is false), like every other deadline.
//   - extension only by an executed House A emergency_ratification
//     decision, never beyond From + maxPauseSeconds.
//   - no re-imposition: a guardian who supported an earlier pause of the
//     same target cannot support a new one unless a decision executed since
//     that pause began allowed it (emergency_ratification with reimpose).
//   - post-hoc disclosure: one of the pause's guardians publishes a
//     disclosure within emergency.disclosureWithinSeconds of From; a
//     missing (or late) disclosure is recorded as a governance incident.
//   - sunset: the emergency.pause power's sunset clause (constitution)
//     refuses new supports after it and ends a pause no later than it.
//
// The package has no Fabric imports and is deterministic.
package emergency

import (
	"fmt"
	"strings"
	"time"

	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/text"
)

// Kind is the kind of thing guardians may pause.
type Kind string

// Target kinds.
const (
	KindBallot        Kind = "ballot"
	KindArtifact      Kind = "artifact"
	KindTreasurySpend Kind = "treasury_spend"
)

// Kinds lists every target kind in a fixed order.
func Kinds() []Kind { return []Kind{KindBallot, KindArtifact, KindTreasurySpend} }

// MaxTargetIDBytes bounds a target's ID (an artifact's "name@version" fits).
const MaxTargetIDBytes = 256

// Target is what a pause applies to.
type Target struct {
	Kind Kind   `json:"kind"`
	ID   string `json:"id"`
}

func (t Target) String() string { return string(t.Kind) + ":" + t.ID }

// The rules a refusal names (errcode field/rule), besides the shared
// "required", "enum", "range", "exists" and the text rules.
const (
	RuleNotPaused        = "not-paused"         // the target is not paused (an action on it; a new pause)
	RuleMaxPauses        = "max-pauses"         // a target is paused at most MaxPausesPerTarget times
	RuleOneSupport       = "one-support"        // a guardian's support is current once
	RuleReimposition     = "reimposition"       // the guardians of an earlier pause re-impose one only after a ratification allows it
	RuleBallotPause      = "ballot-pause"       // ballots are paused with ballot:Pause
	RulePauseGuardian    = "pause-guardian"     // only a guardian who put the pause in force discloses it
	RuleOneDisclosure    = "one-disclosure"     // a pause is disclosed once
	RuleOneIncident      = "one-incident"       // a missed disclosure is recorded once
	RuleUndisclosed      = "undisclosed"        // a missed disclosure is recorded only for an undisclosed pause
	RuleDeadlinePassed   = "deadline-passed"    // the disclosure deadline passed by the clock skew
	RuleExtendOrReimpose = "extend-or-reimpose" // a ratification extends a pause or allows a re-imposition
	RuleReimposeOnly     = "reimpose-only"      // a ballot's pause is not extended
	RuleInForce          = "in-force"           // an extension applies to a pause still in force
)

// prefixed names the field of a coded refusal under prefix ("payload."
// for a decision payload's "target.kind"); other errors pass unchanged.
func prefixed(err error, prefix string) error {
	field, _ := errcode.FieldOf(err)
	return errcode.WithField(err, prefix+field)
}

// Validate checks the kind and the ID (an identifier, usable in a key):
// fields "target.kind" and "target.id".
func (t Target) Validate() error {
	known := false
	for _, k := range Kinds() {
		if t.Kind == k {
			known = true
		}
	}
	if !known {
		return errcode.InvalidFieldf("target.kind", "enum", "pause target: unknown kind %s (known: ballot, artifact, treasury_spend)", errcode.Quote(string(t.Kind)))
	}
	if err := text.Check("pause target "+string(t.Kind)+" ID", t.ID, text.ID(MaxTargetIDBytes)); err != nil {
		return errcode.WithField(err, "target.id")
	}
	return nil
}

// Events.
const (
	EventSupported        = "emergency.pause_supported"
	EventPaused           = "emergency.paused"
	EventDisclosed        = "emergency.disclosed"
	EventDisclosureMissed = "emergency.disclosure_missed"
	EventRatified         = "emergency.ratified"
)

// Support is one guardian's support for pausing a target: its own key,
// emergency-support ~ kind ~ id ~ MSP ID ~ ID, so guardians acting at once
// never write the same key.
type Support struct {
	Target   Target            `json:"target"`
	Guardian identity.Identity `json:"guardian"`
	Reason   string            `json:"reason"`
	At       time.Time         `json:"at"`
	TxID     string            `json:"txId"`
}

// Disclosure is the guardians' post-hoc account of a pause.
type Disclosure struct {
	By   identity.Identity `json:"by"`
	Text string            `json:"text"`
	At   time.Time         `json:"at"`
	Late bool              `json:"late"`
	TxID string            `json:"txId"`
}

// Ratification is an executed emergency_ratification decision's mark on
// a pause.
type Ratification struct {
	Decision    string    `json:"decision"`
	At          time.Time `json:"at"`
	UntilBefore time.Time `json:"untilBefore"`
	Until       time.Time `json:"until"`
}

// Pause is a pause put in force: emergency-pause ~ kind ~ id ~ seq (seq in
// 8 decimal digits, from 1). It is in force at t while From ≤ t and
// timerule.Passed(t, Until, SkewSec) is false.
type Pause struct {
	Target Target    `json:"target"`
	Seq    int64     `json:"seq"`
	From   time.Time `json:"from"`
	Until  time.Time `json:"until"`
	// MaxUntil is the furthest a ratification may extend it:
	// From + maxPauseSeconds, bounded by the power's sunset.
	MaxUntil time.Time `json:"maxUntil"`
	// Guardians whose support put it in force, in key order.
	Guardians     []identity.Identity `json:"guardians"`
	Reason        string              `json:"reason"`
	SkewSec       int64               `json:"skewSeconds"`
	DisclosureDue time.Time           `json:"disclosureDue"`
	Disclosure    *Disclosure         `json:"disclosure,omitempty"`
	Ratifications []Ratification      `json:"ratifications,omitempty"`
	// Incident is set once a missing or late disclosure was recorded.
	Incident *Incident `json:"incident,omitempty"`
	TxID     string    `json:"txId"`
}

// Incident is the governance incident recorded for a pause whose
// disclosure was missing at its deadline: emergency-incident ~ kind ~ id ~
// seq, and a copy on the pause.
type Incident struct {
	Target     Target              `json:"target"`
	Seq        int64               `json:"seq"`
	Rule       string              `json:"rule"`
	Due        time.Time           `json:"due"`
	RecordedAt time.Time           `json:"recordedAt"`
	Guardians  []identity.Identity `json:"guardians"`
	TxID       string              `json:"txId"`
}

// Skew returns the pause's pinned skew.
func (p *Pause) Skew() time.Duration { return time.Duration(p.SkewSec) * time.Second }

// InForceAt reports whether the pause holds at t: from its start until its
// expiry has passed with the pinned skew as margin (a transaction stamped
// t ≥ Until + S was endorsed no earlier than real time Until).
func (p *Pause) InForceAt(t time.Time) bool {
	return !t.Before(p.From) && t.Before(p.Until.Add(p.Skew()))
}

// EndsAt is the first transaction time at which the pause no longer holds.
func (p *Pause) EndsAt() time.Time { return p.Until.Add(p.Skew()).UTC() }

func supportKey(t Target, g identity.Identity) (string, error) {
	return core.Key("emergency-support", string(t.Kind), t.ID, g.MSPID, g.ID)
}

func pauseKey(t Target, seq int64) (string, error) {
	return core.Key("emergency-pause", string(t.Kind), t.ID, fmt.Sprintf("%08d", seq))
}

func incidentKey(t Target, seq int64) (string, error) {
	return core.Key("emergency-incident", string(t.Kind), t.ID, fmt.Sprintf("%08d", seq))
}

func clearanceKey(t Target) (string, error) {
	return core.Key("emergency-clearance", string(t.Kind), t.ID)
}

// Clearance is the newest decision that allowed guardians who paused a
// target before to pause it again.
type Clearance struct {
	Target   Target    `json:"target"`
	Decision string    `json:"decision"`
	At       time.Time `json:"at"`
}

// Pauses lists the pauses of a target, oldest first. A target has few
// (each new one by the same guardians needs a decision), and the read is
// bounded by MaxPausesPerTarget.
func Pauses(s core.Store, t Target) ([]Pause, error) {
	if err := t.Validate(); err != nil {
		return nil, err
	}
	out := []Pause{}
	// A bounded Scan, not a paginated query: transactions that write
	// (supports, and the treasury's and the registry's checks) call it,
	// and Fabric refuses paginated queries in them.
	_, err := core.ScanUpTo(s, "emergency-pause", []string{string(t.Kind), t.ID}, MaxPausesPerTarget, func(k string, raw []byte) error {
		var p Pause
		if err := core.DecodeJSON(k, raw, &p); err != nil {
			return err
		}
		out = append(out, p)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("pauses of %s: %w", t, err)
	}
	return out, nil
}

// MaxPausesPerTarget bounds how many pauses one target can have.
const MaxPausesPerTarget = 100

// Latest returns the newest pause of a target, or nil.
func Latest(s core.Store, t Target) (*Pause, error) {
	ps, err := Pauses(s, t)
	if err != nil || len(ps) == 0 {
		return nil, err
	}
	return &ps[len(ps)-1], nil
}

// InForce returns the pause of target in force at `at`, or nil when none
// is. Other capabilities (treasury spends, artifact verification) call it
// to refuse what a pause blocks.
func InForce(s core.Store, target Target, at time.Time) (*Pause, error) {
	p, err := Latest(s, target)
	if err != nil || p == nil {
		return nil, err
	}
	if p.InForceAt(at) {
		return p, nil
	}
	return nil, nil
}

// RefuseIfPaused returns FAILED_PRECONDITION naming the pause when target
// is paused at `at`, for an action described by `action`.
func RefuseIfPaused(s core.Store, target Target, at time.Time, action string) error {
	p, err := InForce(s, target, at)
	if err != nil {
		return err
	}
	if p != nil {
		return errcode.PreconditionFieldf("", RuleNotPaused, "%s: %s is paused by %d guardians (%s) until %s", action, target, len(p.Guardians), joinIDs(p.Guardians), p.EndsAt().Format(time.RFC3339))
	}
	return nil
}

// Supports lists the supports recorded for pausing a target, in key order.
func Supports(s core.Store, t Target) ([]Support, error) {
	if err := t.Validate(); err != nil {
		return nil, err
	}
	out := []Support{}
	// A bounded Scan: AddSupport (a transaction that writes) calls it.
	_, err := core.ScanUpTo(s, "emergency-support", []string{string(t.Kind), t.ID}, maxSupportsRead, func(k string, raw []byte) error {
		var p Support
		if err := core.DecodeJSON(k, raw, &p); err != nil {
			return err
		}
		out = append(out, p)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("pause supports of %s: %w", t, err)
	}
	return out, nil
}

// maxSupportsRead bounds the supports read for one target (every guardian
// has one key per target; guardians are at most a few dozen).
const maxSupportsRead = 1000

func joinIDs(ids []identity.Identity) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = id.String()
	}
	return strings.Join(s, ", ")
}
