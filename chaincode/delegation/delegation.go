// Package delegation is liquid democracy for Charter's delegated ballots:
// a member hands their weight, per topic or for all topics, to one or more
// other members, revocably, optionally in part and with an expiry.
//
// A topic is a decision type of the constitution, or "*" for all topics. A
// delegation for a topic overrides the member's "*" delegation for that
// topic. Legs name a delegate and a whole percentage; the percentages sum to
// at most 100 and the rest stays with the delegator.
//
// When delegations are read. A ballot resolves every delegation as it stood
// when voting opened (Effective(..., at = opensAt)), exactly like token
// weight: delegating, re-delegating or revoking after a ballot opened does
// not change that ballot. Every change is therefore kept as a new version.
//
// Time rule (docs/time.md): versions of one (delegator, topic) are
// recorded in time order, at max(transaction time, the newest version's
// time).
//
// Cycles. Set refuses a delegation that would close a cycle in the graph of
// delegations in force (for its topic, and for every topic when the topic
// is "*"). The tally also ignores any cycle it meets (an edge back to a
// member already on the path) and any chain longer than the constitution's
// Delegation.MaxDepth, so a cycle formed by expiries and per-topic
// overrides cannot loop.
//
// Keys (all written only by the delegator's own transactions):
//
//	"delegation" ~ "out" ~ msp ~ id ~ topic ~ inv(t)                      → Version
//	"delegation" ~ "in" ~ toMsp ~ toId ~ topic ~ fromMsp ~ fromId         → InEdge (the latest leg)
//
// Who may call what:
//
//	Set, Revoke                 an active member, for their own weight
//	Effective, Incoming, List   anyone with an identity on the channel
package delegation

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/membership"
	"github.com/charter-gov/charter/chaincode/timerule"
	"github.com/charter-gov/charter/chaincode/token"
)

// AllTopics is the topic of a delegation for every decision type.
const AllTopics = "*"

// MaxLegs bounds the delegates of one delegation.
const MaxLegs = 8

// MaxCycleCheck bounds the members Set visits when it looks for a cycle.
const MaxCycleCheck = 4096

// Event types this package emits.
const (
	EventSet     = "delegation.set"
	EventRevoked = "delegation.revoked"
)

const objectType = "delegation"

// Leg hands Percent of the delegator's weight to To.
type Leg struct {
	To      identity.Identity `json:"to"`
	Percent int64             `json:"percent"`
}

// Version is one state of a member's delegation for a topic.
type Version struct {
	Delegator identity.Identity `json:"delegator"`
	Topic     string            `json:"topic"`
	Legs      []Leg             `json:"legs"`
	ExpiresAt *time.Time        `json:"expiresAt,omitempty"`
	Revoked   bool              `json:"revoked,omitempty"`
	At        time.Time         `json:"at"`
	TxID      string            `json:"txId"`
}

// ActiveAt reports whether the version delegates anything at time t.
func (v *Version) ActiveAt(t time.Time) bool {
	return v != nil && !v.Revoked && len(v.Legs) > 0 && (v.ExpiresAt == nil || v.ExpiresAt.After(t))
}

// InEdge indexes a leg under its delegate, so that the tally finds who
// delegated to a voter without scanning every delegation.
type InEdge struct {
	From    identity.Identity `json:"from"`
	Topic   string            `json:"topic"`
	Percent int64             `json:"percent"`
	At      time.Time         `json:"at"`
}

// SetRequest delegates the caller's weight for Topic.
type SetRequest struct {
	Topic     string     `json:"topic"`
	Legs      []Leg      `json:"legs"`
	ExpiresAt *time.Time `json:"expiresAt,omitempty"`
}

// RevokeRequest ends the caller's delegation for Topic.
type RevokeRequest struct {
	Topic string `json:"topic"`
}

// The rules a refusal names (errcode field/rule), besides the shared
// "required", "enum", "range", "unique", "max-items" and "exists".
const (
	RuleActiveMember    = "active-member"     // the caller, and each delegate, is an active member
	RuleNotSelf         = "not-self"          // no delegation to oneself
	RuleMaxTotal        = "max-total"         // a delegation's percentages sum to at most 100
	RuleFuture          = "future"            // an expiry is after the transaction time
	RuleNoCycle         = "no-cycle"          // a delegation closes no cycle
	RuleCycleCheckLimit = "cycle-check-limit" // the graph checked for cycles stays within MaxCycleCheck members
)

// refused names field and rule on a coded refusal that came from another
// package (its code and text unchanged); other errors pass unchanged.
func refused(err error, field, rule string) error {
	err = errcode.WithField(err, field)
	var e *errcode.Error
	if errors.As(err, &e) {
		e.Rule = rule
	}
	return err
}

// CheckTopic accepts "*" and the decision types of the constitution
// (field "topic", rule "enum").
func CheckTopic(topic string) error {
	if topic == AllTopics || slices.Contains(constitution.KnownDecisionTypes(), constitution.DecisionType(topic)) {
		return nil
	}
	return errcode.InvalidFieldf("topic", "enum", "delegation topic %q is neither %q nor a decision type of the constitution", topic, AllTopics)
}

func outKey(from identity.Identity, topic string, t time.Time) (string, error) {
	return core.Key(objectType, "out", from.MSPID, from.ID, topic, token.Inv(t))
}

// inKey is one key per (delegate, topic, delegator), whatever the number of
// versions: the in-index names candidates, and each candidate's own
// versions decide (Effective) whether and how much it delegated at a time.
// Churn — delegating to the same member again and again — rewrites the
// same key, so the index grows only with distinct (delegate, delegator)
// pairs per topic, never with the number of changes.
func inKey(to, from identity.Identity, topic string) (string, error) {
	return core.Key(objectType, "in", to.MSPID, to.ID, topic, from.MSPID, from.ID)
}

// Set records a new delegation version for the caller and topic, replacing
// the one in force.
//
// Errors: FORBIDDEN (caller is not an active member), INVALID_ARGUMENT (bad
// topic, no legs or too many, a delegation to oneself, a delegate named
// twice, a percentage outside 1..100 or a sum over 100, an expiry not in the
// future, or a delegation cycle), NOT_FOUND (a delegate is not an active
// member), FAILED_PRECONDITION (constitution not initialised, or the graph
// is too large to check for cycles).
func Set(tx *core.Tx, req SetRequest) (*Version, error) {
	const action = "delegate"
	caller := tx.Caller.Identity
	if _, err := membership.Active(tx.Store, caller); err != nil {
		return nil, errcode.Fieldf(errcode.Forbidden, "", RuleActiveMember, "%s: caller %s is not an active member", action, caller)
	}
	if err := CheckTopic(req.Topic); err != nil {
		return nil, err
	}
	if len(req.Legs) == 0 || len(req.Legs) > MaxLegs {
		rule := "max-items"
		if len(req.Legs) == 0 {
			rule = "required"
		}
		return nil, errcode.InvalidFieldf("legs", rule, "%s: a delegation needs 1 to %d delegates, got %d", action, MaxLegs, len(req.Legs))
	}
	var sum int64
	for i, l := range req.Legs {
		to, percent := fmt.Sprintf("legs[%d].to", i), fmt.Sprintf("legs[%d].percent", i)
		if err := l.To.Validate(); err != nil {
			return nil, errcode.WithField(fmt.Errorf("%s: delegate %d: %w", action, i, err), to)
		}
		if l.To == caller {
			return nil, errcode.InvalidFieldf(to, RuleNotSelf, "%s: cannot delegate to oneself (%s)", action, caller)
		}
		for _, prev := range req.Legs[:i] {
			if prev.To == l.To {
				return nil, errcode.InvalidFieldf(to, "unique", "%s: delegate %s is named twice", action, l.To)
			}
		}
		if l.Percent < 1 || l.Percent > 100 {
			return nil, errcode.InvalidFieldf(percent, "range", "%s: percentage %d for %s is outside 1..100", action, l.Percent, l.To)
		}
		sum += l.Percent
		if sum > 100 {
			return nil, errcode.InvalidFieldf(percent, RuleMaxTotal, "%s: percentages sum to more than 100", action)
		}
		if _, err := membership.Active(tx.Store, l.To); err != nil {
			return nil, refused(fmt.Errorf("%s: delegate: %w", action, err), to, RuleActiveMember)
		}
	}
	at, err := stamp(tx, caller, req.Topic)
	if err != nil {
		return nil, err
	}
	if req.ExpiresAt != nil && !req.ExpiresAt.After(at) {
		return nil, errcode.InvalidFieldf("expiresAt", RuleFuture, "%s: expiry %s is not after the transaction time %s", action, req.ExpiresAt.UTC().Format(time.RFC3339), tx.Time.Format(time.RFC3339))
	}
	topics := []string{req.Topic}
	if req.Topic == AllTopics {
		topics = topicsAll()
	}
	for _, topic := range topics {
		for i, l := range req.Legs {
			if err := checkNoCycle(tx.Store, caller, l.To, topic, at); err != nil {
				return nil, errcode.WithField(err, fmt.Sprintf("legs[%d].to", i))
			}
		}
	}
	v := &Version{Delegator: caller, Topic: req.Topic, Legs: req.Legs, At: at, TxID: tx.TxID}
	if req.ExpiresAt != nil {
		exp := req.ExpiresAt.UTC()
		v.ExpiresAt = &exp
	}
	if err := save(tx, v); err != nil {
		return nil, err
	}
	return v, tx.Emit(EventSet, v)
}

// Revoke ends the caller's delegation for a topic.
//
// Errors: FORBIDDEN (not an active member), INVALID_ARGUMENT (bad topic),
// NOT_FOUND (no delegation in force for that topic).
func Revoke(tx *core.Tx, req RevokeRequest) (*Version, error) {
	caller := tx.Caller.Identity
	if _, err := membership.Active(tx.Store, caller); err != nil {
		return nil, errcode.Fieldf(errcode.Forbidden, "", RuleActiveMember, "revoke delegation: caller %s is not an active member", caller)
	}
	if err := CheckTopic(req.Topic); err != nil {
		return nil, err
	}
	at, err := stamp(tx, caller, req.Topic)
	if err != nil {
		return nil, err
	}
	cur, err := latest(tx.Store, caller, req.Topic, at)
	if err != nil {
		return nil, err
	}
	if !cur.ActiveAt(at) {
		return nil, errcode.Fieldf(errcode.NotFound, "topic", "exists", "revoke delegation: %s has no delegation in force for topic %q", caller, req.Topic)
	}
	v := &Version{Delegator: caller, Topic: req.Topic, Legs: []Leg{}, Revoked: true, At: at, TxID: tx.TxID}
	if err := save(tx, v); err != nil {
		return nil, err
	}
	return v, tx.Emit(EventRevoked, v)
}

// stamp is the time rule for delegation versions: a new version of
// (from, topic) is recorded at max(transaction time, the newest version's
// time), so a version stamped back inside the clock-skew window cannot
// slip under one already written.
func stamp(tx *core.Tx, from identity.Identity, topic string) (time.Time, error) {
	newest, err := latest(tx.Store, from, topic, time.Unix(1<<62, 0))
	if err != nil {
		return time.Time{}, err
	}
	if newest == nil {
		return timerule.Stamp(tx.Time), nil
	}
	return timerule.Stamp(tx.Time, newest.At), nil
}

func save(tx *core.Tx, v *Version) error {
	k, err := outKey(v.Delegator, v.Topic, v.At)
	if err != nil {
		return err
	}
	if err := core.PutJSON(tx.Store, k, v); err != nil {
		return err
	}
	for _, l := range v.Legs {
		ik, err := inKey(l.To, v.Delegator, v.Topic)
		if err != nil {
			return err
		}
		if err := core.PutJSON(tx.Store, ik, InEdge{From: v.Delegator, Topic: v.Topic, Percent: l.Percent, At: v.At}); err != nil {
			return err
		}
	}
	return nil
}

func topicsAll() []string {
	out := []string{AllTopics}
	for _, t := range constitution.KnownDecisionTypes() {
		out = append(out, string(t))
	}
	return out
}

type stop struct{}

func (stop) Error() string { return "stop" }

func isStop(err error) bool { var s stop; return errors.As(err, &s) }

// latest returns the newest version for (from, topic) at or before at, or
// nil. It reads the delegator's own versions newest first.
func latest(s core.Store, from identity.Identity, topic string, at time.Time) (*Version, error) {
	var found *Version
	err := s.Scan(objectType, []string{"out", from.MSPID, from.ID, topic}, func(key string, raw []byte) error {
		var v Version
		if err := core.DecodeJSON(key, raw, &v); err != nil {
			return err
		}
		if !v.At.After(at) {
			found = &v
			return stop{}
		}
		return nil
	})
	if err != nil && !isStop(err) {
		return nil, fmt.Errorf("delegation of %s for %q: %w", from, topic, err)
	}
	return found, nil
}

// Effective returns the delegation of from that governs topic at time at:
// the topic's own delegation if one is in force, else the "*" delegation if
// in force, else nil.
func Effective(s core.Store, from identity.Identity, topic string, at time.Time) (*Version, error) {
	if err := from.Validate(); err != nil {
		return nil, err
	}
	if topic != AllTopics {
		v, err := latest(s, from, topic, at)
		if err != nil {
			return nil, err
		}
		if v.ActiveAt(at) {
			return v, nil
		}
	}
	v, err := latest(s, from, AllTopics, at)
	if err != nil {
		return nil, err
	}
	if v.ActiveAt(at) {
		return v, nil
	}
	return nil, nil
}

// Inflow is one delegator whose effective delegation at a time hands
// Percent of their weight to a delegate.
type Inflow struct {
	From    identity.Identity `json:"from"`
	Percent int64             `json:"percent"`
}

// Incoming returns who delegates to `to` for topic at time at, each with
// the percentage in force then, in key order of the delegators. It reads
// the in-index of `to` and, for each candidate, that delegator's own
// versions.
func Incoming(s core.Store, to identity.Identity, topic string, at time.Time) ([]Inflow, error) {
	topics := []string{topic}
	if topic != AllTopics {
		topics = append(topics, AllTopics)
	}
	var cands []identity.Identity
	for _, tp := range topics {
		err := s.Scan(objectType, []string{"in", to.MSPID, to.ID, tp}, func(key string, raw []byte) error {
			var e InEdge
			if err := core.DecodeJSON(key, raw, &e); err != nil {
				return err
			}
			cands = append(cands, e.From) // Effective decides whether e.From delegated at `at`
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("delegations to %s: %w", to, err)
		}
	}
	slices.SortFunc(cands, CompareIdentity)
	cands = slices.Compact(cands)
	out := []Inflow{}
	for _, from := range cands {
		v, err := Effective(s, from, topic, at)
		if err != nil {
			return nil, err
		}
		if v == nil {
			continue
		}
		for _, l := range v.Legs {
			if l.To == to {
				out = append(out, Inflow{From: from, Percent: l.Percent})
			}
		}
	}
	return out, nil
}

// CompareIdentity orders identities by MSP ID, then certificate identity.
func CompareIdentity(a, b identity.Identity) int {
	switch {
	case a.MSPID < b.MSPID:
		return -1
	case a.MSPID > b.MSPID:
		return 1
	case a.ID < b.ID:
		return -1
	case a.ID > b.ID:
		return 1
	}
	return 0
}

// checkNoCycle refuses from→to when, following delegations in force at t
// for topic, `to` already reaches `from`.
func checkNoCycle(s core.Store, from, to identity.Identity, topic string, t time.Time) error {
	seen := []identity.Identity{to}
	queue := []identity.Identity{to}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		v, err := Effective(s, n, topic, t)
		if err != nil {
			return err
		}
		if v == nil {
			continue
		}
		for _, l := range v.Legs {
			if l.To == from {
				return errcode.InvalidFieldf("to", RuleNoCycle, "delegate: delegating from %s to %s for topic %q would close a delegation cycle (%s already delegates back to %s)", from, to, topic, n, from)
			}
			if !slices.Contains(seen, l.To) {
				if len(seen) >= MaxCycleCheck {
					return errcode.PreconditionFieldf("", RuleCycleCheckLimit, "delegate: the delegation graph reachable from %s is larger than %d members; cannot check it for cycles", to, MaxCycleCheck)
				}
				seen = append(seen, l.To)
				queue = append(queue, l.To)
			}
		}
	}
	return nil
}

// List returns the delegations of from in force at time at, one per topic
// that has one, in topic order.
func List(s core.Store, from identity.Identity, at time.Time) ([]Version, error) {
	if err := from.Validate(); err != nil {
		return nil, err
	}
	out := []Version{}
	for _, topic := range topicsAll() {
		v, err := latest(s, from, topic, at)
		if err != nil {
			return nil, err
		}
		if v.ActiveAt(at) {
			out = append(out, *v)
		}
	}
	return out, nil
}
