package membership

import (
	"slices"

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
		return nil, errcode.Conflictf("member %s already holds the %s role", member, role)
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
		return nil, errcode.Invalidf("the %s role is removed by removing the member, not by a decision", RoleMember)
	}
	m, err := roleChange(tx, member, role, decision)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(m.Roles, role) {
		return nil, errcode.Conflictf("member %s does not hold the %s role", member, role)
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
		return nil, errcode.Invalidf("unknown role %q", role)
	}
	if decision == "" {
		return nil, errcode.Invalidf("a role change by decision needs the decision's ID")
	}
	return Active(tx.Store, member)
}
