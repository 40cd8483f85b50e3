package membership_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/contribution"
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

func TestAttesterByDecision(t *testing.T) {
	s := core.NewMemStore()
	_, err := Register(testutil.Tx(s, adminA, true, testutil.T0()), RegisterRequest{Member: ada, Name: "Ada"})
	require.NoError(t, err)
	later := testutil.T0().Add(3600e9)
	tx := testutil.Tx(s, bob, false, later)
	m, err := GrantAttesterByDecision(tx, ada, []contribution.Category{contribution.SafetyReview, contribution.RedTeaming}, "d1")
	require.NoError(t, err)
	assert.Equal(t, []Role{RoleMember, RoleAttester}, m.Roles)
	assert.Equal(t, []contribution.Category{contribution.RedTeaming, contribution.SafetyReview}, m.AttesterCategories, "fixed category order")
	assert.Nil(t, tx.Event(), "the decision engine emits the event")

	m, err = GrantAttesterByDecision(testutil.Tx(s, bob, false, later), ada, []contribution.Category{contribution.MergedCode, contribution.RedTeaming}, "d2")
	require.NoError(t, err)
	assert.Equal(t, []contribution.Category{contribution.MergedCode, contribution.RedTeaming, contribution.SafetyReview}, m.AttesterCategories, "categories are added")

	m, err = RevokeAttesterByDecision(testutil.Tx(s, bob, false, later), ada, []contribution.Category{contribution.RedTeaming}, "d3")
	require.NoError(t, err)
	assert.True(t, m.Has(RoleAttester))
	assert.Equal(t, []contribution.Category{contribution.MergedCode, contribution.SafetyReview}, m.AttesterCategories)

	tests := []struct {
		name string
		op   func(tx *core.Tx) error
		code errcode.Code
	}{
		{"grant categories already held", func(tx *core.Tx) error {
			_, err := GrantAttesterByDecision(tx, ada, []contribution.Category{contribution.MergedCode}, "d")
			return err
		}, errcode.Conflict},
		{"grant no category", func(tx *core.Tx) error { _, err := GrantAttesterByDecision(tx, ada, nil, "d"); return err }, errcode.InvalidArgument},
		{"grant unknown category", func(tx *core.Tx) error {
			_, err := GrantAttesterByDecision(tx, ada, []contribution.Category{"astrology"}, "d")
			return err
		}, errcode.InvalidArgument},
		{"grant without a decision", func(tx *core.Tx) error {
			_, err := GrantAttesterByDecision(tx, ada, []contribution.Category{contribution.Documentation}, "")
			return err
		}, errcode.InvalidArgument},
		{"revoke a category not held", func(tx *core.Tx) error {
			_, err := RevokeAttesterByDecision(tx, ada, []contribution.Category{contribution.RedTeaming}, "d")
			return err
		}, errcode.Conflict},
		{"revoke from a non-member", func(tx *core.Tx) error {
			_, err := RevokeAttesterByDecision(tx, bob, []contribution.Category{contribution.MergedCode}, "d")
			return err
		}, errcode.NotFound},
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

	m, err = RevokeAttesterByDecision(testutil.Tx(s, bob, false, later), ada, []contribution.Category{contribution.SafetyReview, contribution.MergedCode}, "d4")
	require.NoError(t, err)
	assert.False(t, m.Has(RoleAttester), "the last category takes the role with it")
	assert.Empty(t, m.AttesterCategories)
}
