package constitution

import (
	"fmt"
	"slices"

	"github.com/charter-gov/charter/chaincode/errcode"
)

// OrgAdminFiler names, in Incidents.FilerRoles, the administrator of any
// organisation (the NodeOU "admin" role of the caller's certificate): the
// one who reads its own peer's logs, e.g. a proposal that peer refused to
// endorse for a forged timestamp, which never reaches the ledger otherwise.
const OrgAdminFiler = "org_admin"

// Incidents says who files governance incidents in the register
// (chaincode/incident). Filing records a report; it decides nothing and
// grants no power, and every record names its filer, so a report one
// organisation files alone is visible as such.
type Incidents struct {
	// FilerRoles are the roles whose holders may file an incident: stored
	// member roles (house_a, guardian, attester, treasurer, grants_admin,
	// member) and OrgAdminFiler. Empty means DefaultIncidentFilerRoles.
	FilerRoles []string `json:"filerRoles,omitempty"`
}

// DefaultIncidentFilerRoles: the safety council (House A), the guardians
// and every organisation's admin.
func DefaultIncidentFilerRoles() []string {
	return []string{"house_a", "guardian", OrgAdminFiler}
}

// incidentFilerRoles lists what FilerRoles may name, in a fixed order.
func incidentFilerRoles() []string {
	return []string{"member", "attester", "house_a", "guardian", "treasurer", "grants_admin", OrgAdminFiler}
}

// MaxIncidentFilerRoles bounds Incidents.FilerRoles.
const MaxIncidentFilerRoles = 7

// Filers returns the roles that may file incidents under this document:
// its FilerRoles, or DefaultIncidentFilerRoles when it names none (a
// document written before the register existed).
func (i Incidents) Filers() []string {
	if len(i.FilerRoles) == 0 {
		return DefaultIncidentFilerRoles()
	}
	return slices.Clone(i.FilerRoles)
}

func (d *Document) validateIncidents() error {
	roles := d.Incidents.FilerRoles
	if len(roles) > MaxIncidentFilerRoles {
		return errcode.InvalidFieldf("incidents.filerRoles", "range", "constitution: incidents.filerRoles names %d roles, at most %d", len(roles), MaxIncidentFilerRoles)
	}
	for i, r := range roles {
		if !slices.Contains(incidentFilerRoles(), r) {
			return errcode.InvalidFieldf(fmt.Sprintf("incidents.filerRoles[%d]", i), "enum", "constitution: incidents.filerRoles[%d] %s is not a role (roles: member, attester, house_a, guardian, treasurer, grants_admin, org_admin)", i, errcode.Quote(r))
		}
		if slices.Contains(roles[:i], r) {
			return errcode.InvalidFieldf(fmt.Sprintf("incidents.filerRoles[%d]", i), "unique", "constitution: incidents.filerRoles names %s twice", errcode.Quote(r))
		}
	}
	return nil
}
