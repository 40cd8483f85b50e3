package membership

import (
	"fmt"
	"slices"

	"github.com/charter-gov/charter/chaincode/contribution"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/timerule"
)

// GrantRoleByDecision adds role to an active member as the effect of the
// decision named decision (a House A seat confirmation). It is called by
// the decision engine, never directly by a transaction, and emits no
// event: the decision engine emits the transaction's one event.
//
// Errors: INVALID_ARGUMENT (unknown role, empty decision), NOT_FOUND (not
// an active member), CONFLICT (the member already holds the role).
func GrantRoleByDecision(tx *core.Tx, member identity.Identity, role Role, decision string) (*Member, error) {
	m, err := roleChange(tx, member, role, decision)
	if err != nil {
		return nil, err
	}
	if slices.Contains(m.Roles, role) {
		return nil, errcode.Fieldf(errcode.Conflict, "member", RuleHoldsRole, "member %s already holds the %s role", member.Short(), role)
	}
	roles, err := normaliseRoles(append(slices.Clone(m.Roles), role))
	if err != nil {
		return nil, err
	}
	// The time rule: the role is dated from this change, recorded no
	// earlier than the record's newest entry; held roles keep their dates.
	at := timerule.Stamp(tx.Time, m.UpdatedAt)
	m.Grants = grants(m, roles, at)
	m.Roles, m.UpdatedAt = roles, at
	return m, save(tx, m)
}

// RevokeRoleByDecision removes role from an active member as the effect of
// the decision named decision (a House A seat removal). Like
// GrantRoleByDecision it is called only by the decision engine and emits
// no event.
//
// Errors: INVALID_ARGUMENT (unknown role or the member role, empty
// decision), NOT_FOUND (not an active member), CONFLICT (the member does
// not hold the role).
func RevokeRoleByDecision(tx *core.Tx, member identity.Identity, role Role, decision string) (*Member, error) {
	if role == RoleMember {
		return nil, errcode.InvalidFieldf("role", RuleRevokedByDecision, "the %s role is removed by removing the member, not by a decision", RoleMember)
	}
	m, err := roleChange(tx, member, role, decision)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(m.Roles, role) {
		return nil, errcode.Fieldf(errcode.Conflict, "member", RuleHoldsRole, "member %s does not hold the %s role", member.Short(), role)
	}
	roles := slices.DeleteFunc(slices.Clone(m.Roles), func(r Role) bool { return r == role })
	at := timerule.Stamp(tx.Time, m.UpdatedAt)
	m.Grants = grants(m, roles, at)
	m.Roles = roles
	if role == RoleAttester {
		m.AttesterCategories = nil
	}
	m.UpdatedAt = at
	return m, save(tx, m)
}

func roleChange(tx *core.Tx, member identity.Identity, role Role, decision string) (*Member, error) {
	if !role.Valid() {
		return nil, errcode.InvalidFieldf("role", "enum", "unknown role %q", role)
	}
	if decision == "" {
		return nil, errcode.InvalidFieldf("decision", "required", "a role change by decision needs the decision's ID")
	}
	m, err := Active(tx.Store, member)
	if err != nil {
		return nil, errcode.WithField(err, "member")
	}
	return m, nil
}

// GrantAttesterByDecision authorises an active member to attest in
// categories as the effect of the decision named decision (a role_grant
// decision, or the genesis): it adds the attester role when the member
// does not hold it and adds the categories to those the member already
// holds. Like GrantRoleByDecision it is called only by the decision engine
// and emits no event.
//
// Errors: INVALID_ARGUMENT (no categories, an unknown category, empty
// decision), NOT_FOUND (not an active member), CONFLICT (the member is
// already an attester in every one of the categories).
func GrantAttesterByDecision(tx *core.Tx, member identity.Identity, categories []contribution.Category, decision string) (*Member, error) {
	cats, err := decisionCategories(categories)
	if err != nil {
		return nil, err
	}
	m, err := roleChange(tx, member, RoleAttester, decision)
	if err != nil {
		return nil, err
	}
	held := m.AttesterCategories
	if !m.Has(RoleAttester) {
		held = nil
	}
	if m.Has(RoleAttester) && !slices.ContainsFunc(cats, func(c contribution.Category) bool { return !slices.Contains(held, c) }) {
		return nil, errcode.Fieldf(errcode.Conflict, "categories", "unique", "member %s is already an attester in %v", member.Short(), cats)
	}
	roles, err := normaliseRoles(append(slices.Clone(m.Roles), RoleAttester))
	if err != nil {
		return nil, err
	}
	union, err := contribution.Normalise(append(slices.Clone(held), cats...))
	if err != nil {
		return nil, err
	}
	m.Roles, m.AttesterCategories, m.UpdatedAt = roles, union, tx.Time
	return m, save(tx, m)
}

// RevokeAttesterByDecision withdraws an attester's authority in categories
// as the effect of the decision named decision (a role_revoke decision);
// when no category is left, the attester role goes too. Called only by the
// decision engine; emits no event.
//
// Errors: INVALID_ARGUMENT (no categories, an unknown category, empty
// decision), NOT_FOUND (not an active member), CONFLICT (not an attester,
// or not authorised in one of the categories).
func RevokeAttesterByDecision(tx *core.Tx, member identity.Identity, categories []contribution.Category, decision string) (*Member, error) {
	cats, err := decisionCategories(categories)
	if err != nil {
		return nil, err
	}
	m, err := roleChange(tx, member, RoleAttester, decision)
	if err != nil {
		return nil, err
	}
	if !m.Has(RoleAttester) {
		return nil, errcode.Fieldf(errcode.Conflict, "member", RuleHoldsRole, "member %s does not hold the %s role", member.Short(), RoleAttester)
	}
	for _, c := range cats {
		if !slices.Contains(m.AttesterCategories, c) {
			return nil, errcode.Fieldf(errcode.Conflict, "categories", RuleHoldsRole, "member %s is not an attester in %s", member.Short(), c)
		}
	}
	left := slices.DeleteFunc(slices.Clone(m.AttesterCategories), func(c contribution.Category) bool { return slices.Contains(cats, c) })
	if len(left) == 0 {
		m.Roles = slices.DeleteFunc(slices.Clone(m.Roles), func(r Role) bool { return r == RoleAttester })
		left = nil
	}
	m.AttesterCategories, m.UpdatedAt = left, tx.Time
	return m, save(tx, m)
}

func decisionCategories(categories []contribution.Category) ([]contribution.Category, error) {
	cats, err := contribution.Normalise(categories)
	if err != nil {
		return nil, fmt.Errorf("attester categories: %w", errcode.WithField(err, "categories"))
	}
	if len(cats) == 0 {
		return nil, errcode.InvalidFieldf("categories", "required", "an attester is granted or withdrawn per contribution category: name at least one")
	}
	return cats, nil
}
