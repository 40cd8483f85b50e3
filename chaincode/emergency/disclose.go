package emergency

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/incident"
	"github.com/charter-gov/charter/chaincode/strictjson"
	"github.com/charter-gov/charter/chaincode/text"
	"github.com/charter-gov/charter/chaincode/timerule"
)

// DiscloseRequest is a guardian's post-hoc disclosure of a pause.
type DiscloseRequest struct {
	Target Target `json:"target"`
	Seq    int64  `json:"seq"`
	Text   string `json:"text"`
}

func get(s core.Store, t Target, seq int64) (*Pause, string, error) {
	if err := t.Validate(); err != nil {
		return nil, "", err
	}
	if seq < 1 || seq > MaxPausesPerTarget {
		return nil, "", errcode.InvalidFieldf("seq", "range", "pause of %s: sequence %d is outside 1..%d", t, seq, MaxPausesPerTarget)
	}
	k, err := pauseKey(t, seq)
	if err != nil {
		return nil, "", err
	}
	var p Pause
	found, err := core.GetJSON(s, k, &p)
	if err != nil {
		return nil, "", err
	}
	if !found {
		return nil, "", errcode.Fieldf(errcode.NotFound, "seq", "exists", "pause %d of %s not found", seq, t)
	}
	return &p, k, nil
}

// Get returns pause seq of a target.
func Get(s core.Store, t Target, seq int64) (*Pause, error) {
	p, _, err := get(s, t, seq)
	return p, err
}

// Disclose records the post-hoc disclosure of a pause. Caller: one of the
// guardians whose support put it in force. A disclosure is accepted once;
// one stamped at or after DisclosureDue is recorded as late, and the
// governance incident of a missing disclosure is recorded with it if it
// was not already.
//
// Errors: INVALID_ARGUMENT, NOT_FOUND, FORBIDDEN (not one of the pause's
// guardians), CONFLICT (already disclosed).
func Disclose(tx *core.Tx, req DiscloseRequest) (*Pause, error) {
	p, k, err := get(tx.Store, req.Target, req.Seq)
	if err != nil {
		return nil, err
	}
	if err := text.Check("pause disclosure", req.Text, text.Rule{MaxRunes: 16384, MultiLine: true, Required: true}); err != nil {
		return nil, errcode.WithField(err, "text")
	}
	caller := tx.Caller.Identity
	if !reimposing([]Pause{*p}, caller) {
		return nil, errcode.Fieldf(errcode.Forbidden, "", RulePauseGuardian, "disclose pause %d of %s: %s is not one of the guardians who put it in force (%s)", p.Seq, p.Target, caller, joinIDs(p.Guardians))
	}
	if p.Disclosure != nil {
		return nil, errcode.Fieldf(errcode.Conflict, "", RuleOneDisclosure, "disclose pause %d of %s: %s already disclosed it at %s; a disclosure is a permanent record", p.Seq, p.Target, p.Disclosure.By, p.Disclosure.At.Format(time.RFC3339))
	}
	late := !tx.Time.Before(p.DisclosureDue)
	p.Disclosure = &Disclosure{By: caller, Text: req.Text, At: tx.Time.UTC(), Late: late, TxID: tx.TxID}
	if late && p.Incident == nil {
		if err := recordIncident(tx, p, "the disclosure was published after its deadline"); err != nil {
			return nil, err
		}
	}
	if err := core.PutJSON(tx.Store, k, p); err != nil {
		return nil, err
	}
	return p, tx.Emit(EventDisclosed, p)
}

// RecordMissedDisclosure records the governance incident of a pause whose
// disclosure deadline passed (with the skew as margin) without one. Anyone
// who is an active member may call it; it changes nothing else.
//
// Errors: NOT_FOUND, FAILED_PRECONDITION (the deadline has not passed by
// the skew; the disclosure was published), CONFLICT (already recorded).
func RecordMissedDisclosure(tx *core.Tx, t Target, seq int64) (*Incident, error) {
	p, k, err := get(tx.Store, t, seq)
	if err != nil {
		return nil, err
	}
	if p.Incident != nil {
		return nil, errcode.Fieldf(errcode.Conflict, "", RuleOneIncident, "record missed disclosure of pause %d of %s: already recorded at %s", p.Seq, t, p.Incident.RecordedAt.Format(time.RFC3339))
	}
	if p.Disclosure != nil {
		return nil, errcode.PreconditionFieldf("", RuleUndisclosed, "record missed disclosure of pause %d of %s: %s disclosed it at %s", p.Seq, t, p.Disclosure.By, p.Disclosure.At.Format(time.RFC3339))
	}
	if !timerule.Passed(tx.Time, p.DisclosureDue, p.Skew()) {
		return nil, errcode.PreconditionFieldf("", RuleDeadlinePassed, "record missed disclosure of pause %d of %s: the deadline %s has not passed by the clock skew (from %s)", p.Seq, t, p.DisclosureDue.Format(time.RFC3339), timerule.From(p.DisclosureDue, p.Skew()).Format(time.RFC3339))
	}
	if err := recordIncident(tx, p, "no disclosure was published by the deadline"); err != nil {
		return nil, err
	}
	if err := core.PutJSON(tx.Store, k, p); err != nil {
		return nil, err
	}
	return p.Incident, tx.Emit(EventDisclosureMissed, p.Incident)
}

// recordIncident records the missed disclosure on the pause, under
// emergency-incident, and in the governance incident register
// (chaincode/incident, kind missed_disclosure, once per pause).
func recordIncident(tx *core.Tx, p *Pause, rule string) error {
	inc := &Incident{Target: p.Target, Seq: p.Seq, Rule: "emergency.disclosure: " + rule, Due: p.DisclosureDue,
		RecordedAt: tx.Time.UTC(), Guardians: p.Guardians, TxID: tx.TxID}
	if _, err := incident.RecordOnce(tx, incident.Incident{Kind: incident.MissedDisclosure, Severity: incident.High,
		Summary:    fmt.Sprintf("guardians' pause %d of %s (%d guardians): %s (due %s)", p.Seq, p.Target, len(p.Guardians), rule, p.DisclosureDue.Format(time.RFC3339)),
		Subject:    fmt.Sprintf("%s#%d", p.Target, p.Seq),
		OccurredAt: p.DisclosureDue, Transactions: []string{p.TxID}}); err != nil {
		return fmt.Errorf("record the missed disclosure of pause %d of %s: %w", p.Seq, p.Target, err)
	}
	ik, err := incidentKey(p.Target, p.Seq)
	if err != nil {
		return err
	}
	if err := core.PutJSON(tx.Store, ik, inc); err != nil {
		return err
	}
	p.Incident = inc
	return nil
}

// Incidents lists the recorded disclosure incidents, one page.
func Incidents(s core.Store, bookmark string, limit int) ([]Incident, string, error) {
	limit, err := core.CheckPage("emergency incidents", limit)
	if err != nil {
		return nil, "", err
	}
	out := []Incident{}
	next, err := core.Page(s, "emergency-incident", nil, bookmark, limit, func(k string, raw []byte) error {
		var in Incident
		if err := core.DecodeJSON(k, raw, &in); err != nil {
			return err
		}
		out = append(out, in)
		return nil
	})
	if err != nil {
		return nil, "", fmt.Errorf("emergency incidents: %w", err)
	}
	return out, next, nil
}

// RatificationPayload is the payload of an emergency_ratification
// decision. ExtendSeconds > 0 extends the pause Seq of Target to
// From + ExtendSeconds (at most From + maxPauseSeconds, never shortening
// it); Reimpose allows the guardians who paused Target before to pause it
// again. At least one of the two.
type RatificationPayload struct {
	Target        Target `json:"target"`
	Seq           int64  `json:"seq,omitempty"`
	ExtendSeconds int64  `json:"extendSeconds,omitempty"`
	Reimpose      bool   `json:"reimpose,omitempty"`
}

// DecodeRatification decodes and checks the shape of a payload.
func DecodeRatification(payload json.RawMessage) (RatificationPayload, error) {
	var p RatificationPayload
	if len(payload) == 0 {
		return p, errcode.InvalidFieldf("payload", "required", "emergency_ratification: the decision needs a payload")
	}
	if err := strictjson.Decode("emergency_ratification payload", payload, 0, &p); err != nil {
		return p, err
	}
	if err := p.Target.Validate(); err != nil {
		return p, prefixed(err, "payload.")
	}
	if p.ExtendSeconds < 0 || (p.ExtendSeconds == 0 && !p.Reimpose) {
		return p, errcode.InvalidFieldf("payload.extendSeconds", RuleExtendOrReimpose, "emergency_ratification of %s: give extendSeconds > 0 (with the pause's seq) or reimpose", p.Target)
	}
	if p.ExtendSeconds > 0 && p.Target.Kind == KindBallot {
		return p, errcode.InvalidFieldf("payload.extendSeconds", RuleReimposeOnly, "emergency_ratification of %s: a ballot's pause is not extended (its voting time was given back when it began); only reimpose applies to ballots", p.Target)
	}
	return p, nil
}

// CheckRatification is the decision's check at proposal and execution: the
// pause to extend exists and the extension fits the constitution.
func CheckRatification(s core.Store, doc *constitution.Document, payload json.RawMessage) error {
	p, err := DecodeRatification(payload)
	if err != nil {
		return err
	}
	if p.ExtendSeconds == 0 {
		return nil
	}
	if _, err := Get(s, p.Target, p.Seq); err != nil {
		return prefixed(err, "payload.")
	}
	if p.ExtendSeconds > doc.Emergency.MaxPauseSec {
		return errcode.InvalidFieldf("payload.extendSeconds", "range", "emergency_ratification of pause %d of %s: %d s is beyond emergency.maxPauseSeconds %d", p.Seq, p.Target, p.ExtendSeconds, doc.Emergency.MaxPauseSec)
	}
	return nil
}

// Ratify applies an executed emergency_ratification decision. An
// extension applies only to a pause still in force at execution (a lapsed
// pause is not revived: a new one needs new supports) and never beyond
// MaxUntil.
func Ratify(tx *core.Tx, payload json.RawMessage, decisionID string) (any, error) {
	p, err := DecodeRatification(payload)
	if err != nil {
		return nil, err
	}
	out := struct {
		Pause     *Pause     `json:"pause,omitempty"`
		Clearance *Clearance `json:"clearance,omitempty"`
	}{}
	if p.ExtendSeconds > 0 {
		pause, k, err := get(tx.Store, p.Target, p.Seq)
		if err != nil {
			return nil, prefixed(err, "payload.")
		}
		if !pause.InForceAt(tx.Time) {
			return nil, errcode.PreconditionFieldf("", RuleInForce, "emergency_ratification %s: pause %d of %s is no longer in force (it ended at %s); a lapsed pause is not revived", decisionID, p.Seq, p.Target, pause.EndsAt().Format(time.RFC3339))
		}
		until := pause.From.Add(time.Duration(p.ExtendSeconds) * time.Second)
		if until.After(pause.MaxUntil) {
			until = pause.MaxUntil
		}
		if until.Before(pause.Until) {
			until = pause.Until
		}
		pause.Ratifications = append(pause.Ratifications, Ratification{Decision: decisionID, At: tx.Time.UTC(), UntilBefore: pause.Until, Until: until.UTC()})
		pause.Until = until.UTC()
		if err := core.PutJSON(tx.Store, k, pause); err != nil {
			return nil, err
		}
		out.Pause = pause
	}
	if p.Reimpose {
		c := &Clearance{Target: p.Target, Decision: decisionID, At: tx.Time.UTC()}
		k, err := clearanceKey(p.Target)
		if err != nil {
			return nil, err
		}
		if err := core.PutJSON(tx.Store, k, c); err != nil {
			return nil, err
		}
		out.Clearance = c
	}
	return out, nil
}

// Status is what guardian:Status returns for a target.
type Status struct {
	Target   Target    `json:"target"`
	At       time.Time `json:"at"`
	InForce  *Pause    `json:"inForce,omitempty"`
	Pauses   []Pause   `json:"pauses"`
	Supports []Support `json:"supports"`
}

// StatusOf returns a target's pauses, supports and the pause in force at t.
func StatusOf(s core.Store, t Target, at time.Time) (*Status, error) {
	ps, err := Pauses(s, t)
	if err != nil {
		return nil, err
	}
	sup, err := Supports(s, t)
	if err != nil {
		return nil, err
	}
	st := &Status{Target: t, At: at.UTC(), Pauses: ps, Supports: sup}
	if n := len(ps); n > 0 && ps[n-1].InForceAt(at) {
		st.InForce = &ps[n-1]
	}
	return st, nil
}
