package constitution

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/errcode"
)

func TestIncidentFilerRolesValidate(t *testing.T) {
	tests := []struct {
		name  string
		roles []string
		want  string // "" = valid
	}{
		{"default", DefaultIncidentFilerRoles(), ""},
		{"empty means the default", nil, ""},
		{"one role", []string{"guardian"}, ""},
		{"every role", []string{"member", "attester", "house_a", "guardian", "treasurer", "grants_admin", "org_admin"}, ""},
		{"unknown role", []string{"house_a", "king"}, `incidents.filerRoles[1] "king" is not a role`},
		{"admin spelled as a stored role", []string{"admin"}, `incidents.filerRoles[0] "admin" is not a role`},
		{"duplicate", []string{"guardian", "guardian"}, `names "guardian" twice`},
		{"too many", []string{"member", "attester", "house_a", "guardian", "treasurer", "grants_admin", "org_admin", "member"}, "names 8 roles, at most 7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Default()
			d.Incidents.FilerRoles = tt.roles
			err := d.Validate()
			if tt.want == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, errcode.ErrInvalidArgument)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestIncidentFilersDefault(t *testing.T) {
	assert.Equal(t, []string{"house_a", "guardian", "org_admin"}, Incidents{}.Filers())
	assert.Equal(t, []string{"guardian"}, Incidents{FilerRoles: []string{"guardian"}}.Filers())
	assert.Equal(t, DefaultIncidentFilerRoles(), Default().Incidents.Filers())
}

// A document written before the register existed has no "incidents"
// section: it still validates, its bytes (and so its hash) are unchanged by
// the new field, and the default filers apply to it.
func TestDocumentWithoutIncidentsKeepsItsBytes(t *testing.T) {
	d := Default()
	d.Incidents = Incidents{}
	raw, err := json.Marshal(d)
	require.NoError(t, err)
	assert.NotContains(t, string(raw), `"incidents"`)
	var back Document
	require.NoError(t, json.Unmarshal(raw, &back))
	require.NoError(t, back.Validate())
	again, err := json.Marshal(back)
	require.NoError(t, err)
	assert.Equal(t, raw, again)
	assert.Equal(t, DefaultIncidentFilerRoles(), back.Incidents.Filers())
}
