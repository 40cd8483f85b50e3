package membership_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/internal/testutil"
	. "github.com/charter-gov/charter/chaincode/membership"
)

func TestRoleByDecision(t *testing.T) {
	s := seeded(t)
	later := testutil.T0().Add(3600e9)
	tx := testutil.Tx(s, bob, false, later)
	m, err := GrantRoleByDecision(tx, ada, RoleHouseA, "d1")
	require.NoError(t, err)
	assert.Equal(t, []Role{RoleMember, RoleAttester, RoleHouseA}, m.Roles, "fixed role order")
	assert.Equal(t, later, m.UpdatedAt)
	assert.Nil(t, tx.Event(), "the decision engine emits the event")
	got, err := Get(s, ada)
	require.NoError(t, err)
	assert.True(t, got.Has(RoleHouseA))

	m, err = RevokeRoleByDecision(testutil.Tx(s, bob, false, later), ada, RoleHouseA, "d2")
	require.NoError(t, err)
	assert.False(t, m.Has(RoleHouseA))
	assert.True(t, m.Has(RoleAttester))

	tests := []struct {
		name string
		op   func(tx *core.Tx) error
		code errcode.Code
	}{
		{"grant twice", func(tx *core.Tx) error { _, err := GrantRoleByDecision(tx, ada, RoleAttester, "d"); return err }, errcode.Conflict},
		{"revoke a role not held", func(tx *core.Tx) error { _, err := RevokeRoleByDecision(tx, ada, RoleHouseA, "d"); return err }, errcode.Conflict},
		{"revoke member role", func(tx *core.Tx) error { _, err := RevokeRoleByDecision(tx, ada, RoleMember, "d"); return err }, errcode.InvalidArgument},
		{"unknown role", func(tx *core.Tx) error { _, err := GrantRoleByDecision(tx, ada, "king", "d"); return err }, errcode.InvalidArgument},
		{"no decision", func(tx *core.Tx) error { _, err := GrantRoleByDecision(tx, ada, RoleHouseA, ""); return err }, errcode.InvalidArgument},
		{"not a member", func(tx *core.Tx) error { _, err := GrantRoleByDecision(tx, bob, RoleHouseA, "d"); return err }, errcode.NotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, writes := s.Snapshot(), s.Writes
			err := tt.op(testutil.Tx(s, bob, false, later))
			assert.Equal(t, tt.code, errcode.CodeOf(err), "%v", err)
			assert.Equal(t, before, s.Snapshot())
			assert.Equal(t, writes, s.Writes)
		})
	}
}
