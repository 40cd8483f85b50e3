package effects

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/contribution"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/decision"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/membership"
	"github.com/charter-gov/charter/chaincode/reputation"
)

// RolePayload is the payload of role_grant, role_revoke, office_grant and
// office_revoke decisions: which member gains or loses which role, and for
// the attester role, in which contribution categories.
type RolePayload struct {
	Member             identity.Identity       `json:"member"`
	Role               membership.Role         `json:"role"`
	AttesterCategories []contribution.Category `json:"attesterCategories,omitempty"`
}

// Roles returns the effects of the four role decision types.
func Roles() []decision.Effect {
	out := make([]decision.Effect, 0, 4)
	for _, t := range []constitution.DecisionType{constitution.RoleGrant, constitution.RoleRevoke, constitution.OfficeGrant, constitution.OfficeRevoke} {
		out = append(out, decision.Effect{Type: t, Check: checkRole(t), Apply: applyRole(t)})
	}
	return out
}

func isGrant(t constitution.DecisionType) bool {
	return t == constitution.RoleGrant || t == constitution.OfficeGrant
}

// The rules the effects' refusals name (errcode field/rule), besides
// decision's and the shared "enum", "range", "required".
const (
	RuleExecutionFails = "execution-fails" // a failed execution is recorded only while the execution fails
	RuleRolePower      = "role-power"      // a role decision names a role that carries a power
	RuleRoleDecision   = "role-decision"   // a role is granted or withdrawn by its own decision type
	RuleAttesterOnly   = "attester-only"   // attesterCategories are for the attester role
	RuleRoleHeld       = "role-held"       // a grant names a role not held, a withdrawal one held
	RuleEligible       = "eligible"        // a seat holder is eligible for House A at execution
)

// rolePayload decodes and validates a role decision's payload for type t:
// the role must be one that type t carries; the attester role names its
// categories, no other role names any.
func rolePayload(t constitution.DecisionType, payload json.RawMessage) (RolePayload, error) {
	var p RolePayload
	what := string(t)
	if err := decision.DecodePayload(what, payload, &p); err != nil {
		return p, err
	}
	if err := p.Member.Validate(); err != nil {
		return p, errcode.WithField(err, "payload.member")
	}
	if !p.Role.Valid() {
		return p, errcode.InvalidFieldf("payload.role", "enum", "%s: unknown role %q", what, p.Role)
	}
	grant, revoke, ok := constitution.RoleDecisionTypes(string(p.Role))
	if !ok {
		return p, errcode.InvalidFieldf("payload.role", RuleRolePower, "%s: the %s role carries no power: an organisation admin gives it by registering the member and takes it by removing them", what, p.Role)
	}
	want := revoke
	if isGrant(t) {
		want = grant
	}
	if want != t {
		verb := "withdrawn"
		if isGrant(t) {
			verb = "granted"
		}
		return p, errcode.PreconditionFieldf("payload.role", RuleRoleDecision, "%s: the %s role is %s only by a %s decision, not by %s", what, p.Role, verb, want, t)
	}
	if p.Role == membership.RoleAttester {
		cats, err := contribution.Normalise(p.AttesterCategories)
		if err != nil {
			f, _ := errcode.FieldOf(err)
			return p, errcode.WithField(err, "payload.attesterC"+strings.TrimPrefix(f, "c"))
		}
		if len(cats) == 0 {
			return p, errcode.InvalidFieldf("payload.attesterCategories", "required", "%s: the attester role is granted and withdrawn per contribution category: name at least one in attesterCategories", what)
		}
		p.AttesterCategories = cats
	} else if len(p.AttesterCategories) > 0 {
		return p, errcode.InvalidFieldf("payload.attesterCategories", RuleAttesterOnly, "%s: attesterCategories are only for the attester role, not %s", what, p.Role)
	}
	return p, nil
}

// checkRoleState checks p against the member register: the member is
// active, and (for a grant) does not hold the role yet / (for a revoke)
// holds it.
func checkRoleState(s core.Store, t constitution.DecisionType, p RolePayload) error {
	m, err := membership.Active(s, p.Member)
	if err != nil {
		return errcode.WithField(err, "payload.member")
	}
	if isGrant(t) {
		if m.Has(p.Role) && (p.Role != membership.RoleAttester || !slices.ContainsFunc(p.AttesterCategories, func(c contribution.Category) bool { return !m.CanAttest(c) })) {
			return errcode.Fieldf(errcode.Conflict, "payload.role", RuleRoleHeld, "%s: %s already holds the %s role%s", t, p.Member.Short(), p.Role, cats(p))
		}
		return nil
	}
	if !m.Has(p.Role) {
		return errcode.Fieldf(errcode.Conflict, "payload.role", RuleRoleHeld, "%s: %s does not hold the %s role", t, p.Member.Short(), p.Role)
	}
	for _, c := range p.AttesterCategories {
		if !m.CanAttest(c) {
			return errcode.Fieldf(errcode.Conflict, "payload.role", RuleRoleHeld, "%s: %s is not an attester in %s", t, p.Member.Short(), c)
		}
	}
	return nil
}

func cats(p RolePayload) string {
	if len(p.AttesterCategories) == 0 {
		return ""
	}
	s := make([]string, len(p.AttesterCategories))
	for i, c := range p.AttesterCategories {
		s[i] = string(c)
	}
	return " in " + strings.Join(s, ", ")
}

func checkRole(t constitution.DecisionType) func(core.Store, *constitution.Version, json.RawMessage) error {
	return func(s core.Store, _ *constitution.Version, payload json.RawMessage) error {
		p, err := rolePayload(t, payload)
		if err != nil {
			return err
		}
		return checkRoleState(s, t, p)
	}
}

// applyRole re-checks the payload against the register as it is at
// execution (the member may have been removed or given the role by another
// decision meanwhile) and changes the member's roles.
func applyRole(t constitution.DecisionType) func(*core.Tx, *decision.Decision) (any, error) {
	return func(tx *core.Tx, d *decision.Decision) (any, error) {
		p, err := rolePayload(t, d.Payload)
		if err != nil {
			return nil, err
		}
		if err := checkRoleState(tx.Store, t, p); err != nil {
			return nil, err
		}
		switch {
		case p.Role == membership.RoleAttester && isGrant(t):
			return membership.GrantAttesterByDecision(tx, p.Member, p.AttesterCategories, d.ID)
		case p.Role == membership.RoleAttester:
			return membership.RevokeAttesterByDecision(tx, p.Member, p.AttesterCategories, d.ID)
		case isGrant(t):
			return membership.GrantRoleByDecision(tx, p.Member, p.Role, d.ID)
		default:
			return membership.RevokeRoleByDecision(tx, p.Member, p.Role, d.ID)
		}
	}
}

// SeatConfirmation is the decision package's seat confirmation effect with
// the House A eligibility rule added at execution: the member must be
// eligible by reputation (reputation.Eligibility: active, total and safety
// scores at the constitution's minimums) when the decision is executed, and
// House A must have a free seat (checked by the core effect).
func SeatConfirmation(eff decision.Effect) decision.Effect {
	apply := eff.Apply
	eff.Apply = func(tx *core.Tx, d *decision.Decision) (any, error) {
		var p decision.SeatPayload
		if err := decision.DecodePayload("seat confirmation", d.Payload, &p); err != nil {
			return nil, err
		}
		rep, err := reputation.Eligibility(tx.Store, p.Member, tx.Time)
		if err != nil {
			return nil, err
		}
		if !rep.Eligible {
			return nil, errcode.PreconditionFieldf("payload.member", RuleEligible, "seat confirmation: %s is not eligible for a House A seat at execution: %s", p.Member.Short(), strings.Join(rep.Reasons, "; "))
		}
		return apply(tx, d)
	}
	return eff
}
