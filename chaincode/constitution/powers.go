package constitution

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/charter-gov/charter/chaincode/errcode"
)

// Power names a power the constitution grants. Any power can carry a
// sunset clause (Document.Powers); an expired power is refused until an
// amendment renews it (a later expiry, or removing the clause).
type Power string

// Powers that can carry a sunset clause. Besides these, "decide.<type>" is
// the power to propose decisions of a decision type (DecidePower); the
// power to amend the constitution cannot expire, since only an amendment
// could renew it.
const (
	// PowerEmergencyPause is the guardians' time-boxed pause of an
	// artifact's distribution. Emergency.PowersExpireAtUnix is an older
	// spelling of its sunset; the earlier of the two applies.
	PowerEmergencyPause Power = "emergency.pause"
	// PowerTreasurySpend is the treasurers' multi-signature spending.
	PowerTreasurySpend Power = "treasury.spend"
)

const decidePrefix = "decide."

// DecidePower is the power to propose decisions of type t.
func DecidePower(t DecisionType) Power { return Power(decidePrefix + string(t)) }

// KnownPowers lists every power a sunset clause may name, in a fixed order.
func KnownPowers() []Power {
	out := []Power{PowerEmergencyPause, PowerTreasurySpend}
	for _, t := range KnownDecisionTypes() {
		if t != Amendment {
			out = append(out, DecidePower(t))
		}
	}
	return out
}

// Sunset is a sunset clause: Power lapses at ExpiresAtUnix (seconds since
// the Unix epoch, UTC); it is active strictly before that instant.
type Sunset struct {
	Power         Power `json:"power"`
	ExpiresAtUnix int64 `json:"expiresAtUnix"`
}

// maxExpiry bounds expiries (year 36812), so every expiry converts to a
// time.Time without overflow.
const maxExpiry = int64(1) << 40

func (d *Document) validatePowers() error {
	for i, p := range d.Powers {
		if !slices.Contains(KnownPowers(), p.Power) {
			if p.Power == DecidePower(Amendment) {
				return errcode.InvalidFieldf(fmt.Sprintf("powers[%d].power", i), RuleAmendmentNoSunset, "constitution: powers[%d]: the power to amend the constitution cannot expire (only an amendment could renew it)", i)
			}
			return errcode.InvalidFieldf(fmt.Sprintf("powers[%d].power", i), "enum", "constitution: powers[%d]: unknown power %q (known: %s)", i, p.Power, joinPowers(KnownPowers()))
		}
		if p.ExpiresAtUnix < 1 || p.ExpiresAtUnix > maxExpiry {
			return errcode.InvalidFieldf(fmt.Sprintf("powers[%d].expiresAtUnix", i), "range", "constitution: powers[%d]: %s expires at %d, must be between 1 and %d (Unix seconds)", i, p.Power, p.ExpiresAtUnix, maxExpiry)
		}
		for _, q := range d.Powers[:i] {
			if q.Power == p.Power {
				return errcode.InvalidFieldf(fmt.Sprintf("powers[%d].power", i), "unique", "constitution: powers[%d]: power %s has two sunset clauses", i, p.Power)
			}
		}
	}
	return nil
}

func joinPowers(ps []Power) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = string(p)
	}
	return strings.Join(s, ", ")
}

// PowerExpiry returns when a power lapses, and false when it never does.
func (d *Document) PowerExpiry(p Power) (time.Time, bool) {
	exp := int64(0)
	for _, s := range d.Powers {
		if s.Power == p {
			exp = s.ExpiresAtUnix
		}
	}
	if p == PowerEmergencyPause && d.Emergency.PowersExpireAtUnix > 0 && (exp == 0 || d.Emergency.PowersExpireAtUnix < exp) {
		exp = d.Emergency.PowersExpireAtUnix
	}
	if exp == 0 {
		return time.Time{}, false
	}
	return time.Unix(exp, 0).UTC(), true
}

// PowerActive reports whether power p is in force at time at (strictly
// before its expiry, or it never expires).
func (d *Document) PowerActive(p Power, at time.Time) bool {
	exp, ok := d.PowerExpiry(p)
	return !ok || at.Before(exp)
}

// RequirePower returns nil when power p is in force at time at, and
// FAILED_PRECONDITION naming the power and its expiry otherwise.
func (d *Document) RequirePower(p Power, at time.Time) error {
	if d.PowerActive(p, at) {
		return nil
	}
	exp, _ := d.PowerExpiry(p)
	return errcode.PreconditionFieldf("", RulePowerInForce, "power %s expired at %s under its sunset clause; it must be renewed by a constitutional amendment", p, exp.Format(time.RFC3339))
}
