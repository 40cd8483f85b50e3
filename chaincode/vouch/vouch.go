// Package vouch records vouches: a member of one organisation stating that
// a member of another organisation is a real, distinct person. A member
// votes (and counts in a ballot's electorate) only once the constitution's
// safeguards.vouchesRequired members of other organisations have vouched
// for it, as of the moment the ballot opened. This bounds the permissioned
// sybil: an organisation admin can register any number of identities, but
// each needs someone outside that organisation to vouch for it before it
// weighs anything.
//
// Each vouch is its own key, vouch ~ member MSP ~ member ID ~ voucher MSP ~
// voucher ID, written by the voucher's own transactions only: vouches for
// different members, or by different vouchers, never touch the same key.
//
// A voucher may withdraw its vouch (Withdraw). The record stays, marked
// withdrawn at a time; the vouch counts for every moment from its giving
// up to its withdrawal and for none after. A ballot weighs vouches as of
// its opening, so a withdrawal changes nothing for a ballot already open
// and removes the vouch from every ballot that opens later. A withdrawn
// vouch cannot be given again: rewriting the record would change who was
// vouched at moments already weighed.
package vouch

import (
	"errors"
	"fmt"
	"time"

	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/membership"
	"github.com/charter-gov/charter/chaincode/timerule"
)

// EventVouched is the event Give emits.
const EventVouched = "member.vouched"

// EventUnvouched is the event Withdraw emits.
const EventUnvouched = "member.unvouched"

// Vouch is the stored record of one vouch.
type Vouch struct {
	Member  identity.Identity `json:"member"`
	Voucher identity.Identity `json:"voucher"`
	At      time.Time         `json:"at"`
	TxID    string            `json:"txId"`
	// WithdrawnAt is when the voucher withdrew the vouch (recorded under
	// the time rule: never before At); nil while it stands.
	WithdrawnAt *time.Time `json:"withdrawnAt,omitempty"`
	// WithdrawTxID is the transaction that withdrew it.
	WithdrawTxID string `json:"withdrawTxId,omitempty"`
}

// CountsAt reports whether the vouch stands at time at: given no later
// than at and not withdrawn by then.
func (v Vouch) CountsAt(at time.Time) bool {
	return !v.At.After(at) && (v.WithdrawnAt == nil || v.WithdrawnAt.After(at))
}

// GiveRequest vouches for Member.
type GiveRequest struct {
	Member identity.Identity `json:"member"`
}

const obj = "vouch"

// Rules a vouch refusal names (errcode.Fieldf), beside the common ones
// ("unique", "exists") and membership.RuleActiveMember.
const (
	RuleOtherOrganisation = "other-organisation" // a vouch comes from another organisation than the member's
	RuleNotWithdrawn      = "not-withdrawn"      // a withdrawn vouch is neither given again nor withdrawn twice
)

// Key returns the state key of voucher's vouch for member.
func Key(member, voucher identity.Identity) (string, error) {
	return core.Key(obj, member.MSPID, member.ID, voucher.MSPID, voucher.ID)
}

// Give records the caller's vouch for req.Member.
//
// Caller: an active member of an organisation other than the member's.
// The member must be active.
//
// Errors: INVALID_ARGUMENT (malformed member identity), FORBIDDEN (the
// caller is not an active member, or belongs to the member's own
// organisation), NOT_FOUND (no such active member), CONFLICT (the caller
// already vouched for the member).
func Give(tx *core.Tx, req GiveRequest) (*Vouch, error) {
	if err := membership.ValidateIdentity(req.Member, "member"); err != nil {
		return nil, err
	}
	caller := tx.Caller.Identity
	if _, err := membership.Active(tx.Store, caller); err != nil {
		return nil, errcode.Fieldf(errcode.Forbidden, "", membership.RuleActiveMember, "vouch for %s: caller %s is not an active member", req.Member.Short(), caller.Short())
	}
	if caller.MSPID == req.Member.MSPID {
		return nil, errcode.Fieldf(errcode.Forbidden, "member", RuleOtherOrganisation, "vouch for %s: a vouch must come from another organisation than the member's (%s); an organisation cannot vouch for its own registrations", req.Member.Short(), req.Member.MSPID)
	}
	if _, err := membership.Active(tx.Store, req.Member); err != nil {
		return nil, fmt.Errorf("vouch for %s: %w", req.Member, errcode.WithField(err, "member"))
	}
	key, err := Key(req.Member, caller)
	if err != nil {
		return nil, err
	}
	var old Vouch
	if found, err := core.GetJSON(tx.Store, key, &old); err != nil {
		return nil, err
	} else if found && old.WithdrawnAt != nil {
		return nil, errcode.Fieldf(errcode.Conflict, "member", RuleNotWithdrawn, "vouch for %s: %s vouched for this member and withdrew it at %s; a withdrawn vouch is not given again", req.Member.Short(), caller.Short(), old.WithdrawnAt.Format(time.RFC3339))
	} else if found {
		return nil, errcode.Fieldf(errcode.Conflict, "member", "unique", "vouch for %s: %s has already vouched for this member", req.Member.Short(), caller.Short())
	}
	v := &Vouch{Member: req.Member, Voucher: caller, At: tx.Time, TxID: tx.TxID}
	if err := core.PutJSON(tx.Store, key, v); err != nil {
		return nil, err
	}
	return v, tx.Emit(EventVouched, v)
}

// WithdrawRequest withdraws the caller's vouch for Member.
type WithdrawRequest struct {
	Member identity.Identity `json:"member"`
}

// Withdraw marks the caller's vouch for req.Member withdrawn, recorded at
// timerule.Stamp(tx time, the vouch's time): the vouch no longer counts
// from that moment; ballots that opened before it keep counting it.
//
// Caller: the voucher (its own vouch only; whether or not it is still an
// active member: withdrawing a statement grants nothing).
//
// Errors: INVALID_ARGUMENT (malformed member identity), NOT_FOUND (the
// caller never vouched for the member), CONFLICT (already withdrawn).
func Withdraw(tx *core.Tx, req WithdrawRequest) (*Vouch, error) {
	if err := membership.ValidateIdentity(req.Member, "member"); err != nil {
		return nil, err
	}
	caller := tx.Caller.Identity
	key, err := Key(req.Member, caller)
	if err != nil {
		return nil, err
	}
	var v Vouch
	found, err := core.GetJSON(tx.Store, key, &v)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, errcode.Fieldf(errcode.NotFound, "member", "exists", "withdraw vouch for %s: %s has not vouched for this member", req.Member.Short(), caller.Short())
	}
	if v.WithdrawnAt != nil {
		return nil, errcode.Fieldf(errcode.Conflict, "member", RuleNotWithdrawn, "withdraw vouch for %s: %s already withdrew it at %s", req.Member.Short(), caller.Short(), v.WithdrawnAt.Format(time.RFC3339))
	}
	at := timerule.Stamp(tx.Time, v.At)
	v.WithdrawnAt, v.WithdrawTxID = &at, tx.TxID
	if err := core.PutJSON(tx.Store, key, v); err != nil {
		return nil, err
	}
	return &v, tx.Emit(EventUnvouched, v)
}

// List returns the vouches for member in key order.
func List(s core.Store, member identity.Identity) ([]Vouch, error) {
	if err := membership.ValidateIdentity(member, "member"); err != nil {
		return nil, err
	}
	out := []Vouch{}
	err := s.Scan(obj, []string{member.MSPID, member.ID}, func(key string, raw []byte) error {
		var v Vouch
		if err := core.DecodeJSON(key, raw, &v); err != nil {
			return err
		}
		out = append(out, v)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("vouches for %s: %w", member, err)
	}
	return out, nil
}

// Rule is the vouching rule of one ballot: how many vouches a member
// needs. Founding members (registered by the genesis, Member.Genesis set)
// count as vouched.
type Rule struct {
	Required int64 `json:"required"`
}

// Standing is how a member stands under a vouching rule at a time.
type Standing struct {
	Member   identity.Identity `json:"member"`
	Founder  bool              `json:"founder"`
	Vouches  int64             `json:"vouches"` // counted vouches (stops at Required)
	Required int64             `json:"required"`
	Vouched  bool              `json:"vouched"`
}

type stop struct{}

func (stop) Error() string { return "stop" }

// StandingAt counts the vouches for m standing at at (given no later than
// at and not withdrawn by then) by members of other organisations,
// stopping once Required are found. A founder, or any member when nothing
// is required, is vouched.
func (r Rule) StandingAt(s core.Store, m *membership.Member, at time.Time) (*Standing, error) {
	st := &Standing{Member: m.Identity, Required: r.Required}
	if r.Required <= 0 {
		st.Vouched = true
		return st, nil
	}
	if m.Genesis != "" {
		st.Founder, st.Vouched = true, true
		return st, nil
	}
	err := s.Scan(obj, []string{m.MSPID, m.ID}, func(key string, raw []byte) error {
		var v Vouch
		if err := core.DecodeJSON(key, raw, &v); err != nil {
			return err
		}
		if v.Voucher.MSPID == m.MSPID || !v.CountsAt(at) {
			return nil
		}
		st.Vouches++
		if st.Vouches >= r.Required {
			return stop{}
		}
		return nil
	})
	var s0 stop
	if err != nil && !errors.As(err, &s0) {
		return nil, fmt.Errorf("vouches for %s: %w", m.Identity, err)
	}
	st.Vouched = st.Vouches >= r.Required
	return st, nil
}

// Vouched reports whether m was vouched for as of at.
func (r Rule) Vouched(s core.Store, m *membership.Member, at time.Time) (bool, error) {
	st, err := r.StandingAt(s, m, at)
	if err != nil {
		return false, err
	}
	return st.Vouched, nil
}
