package membership_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/contribution"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/internal/testutil"
	. "github.com/charter-gov/charter/chaincode/membership"
)

var (
	adminA = testutil.ID("LabAMSP", "Admin@labA")
	adminB = testutil.ID("LabBMSP", "Admin@labB")
	ada    = testutil.ID("LabAMSP", "User1@labA")
	bob    = testutil.ID("LabBMSP", "User1@labB")
)

func seeded(t *testing.T) *core.MemStore {
	t.Helper()
	s := core.NewMemStore()
	_, err := RegisterFounding(testutil.Tx(s, adminA, true, testutil.T0()), FoundingMember{Member: ada, Name: "Ada", Roles: []Role{RoleAttester}}, "g1")
	require.NoError(t, err)
	return s
}

func TestRegister(t *testing.T) {
	s := core.NewMemStore()
	tx := testutil.Tx(s, adminA, true, testutil.T0())
	m, err := Register(tx, RegisterRequest{Member: ada, Name: "Ada", Roles: []Role{RoleMember}})
	require.NoError(t, err)
	assert.Equal(t, []Role{RoleMember}, m.Roles, "a plain member")
	assert.Equal(t, StatusActive, m.Status)
	assert.Equal(t, adminA, m.RegisteredBy)
	assert.Equal(t, testutil.T0(), m.RegisteredAt)
	assert.Empty(t, m.Genesis)
	require.NotNil(t, tx.Event())
	assert.Equal(t, EventRegistered, tx.Event().Type)

	got, err := Get(s, ada)
	require.NoError(t, err)
	assert.Equal(t, m, got)
	assert.True(t, got.Has(RoleMember))
	assert.False(t, got.Has(RoleHouseA))
}

// TestAdminsGrantNoRole: an organisation admin registers and renames plain
// members only; every power role is refused with the decision type that
// grants it, and nothing is written.
func TestAdminsGrantNoRole(t *testing.T) {
	u2 := testutil.ID("LabAMSP", "u2")
	tests := []struct {
		name string
		op   func(tx *core.Tx) error
		want string
	}{
		{"register a House A seat", func(tx *core.Tx) error {
			_, err := Register(tx, RegisterRequest{Member: u2, Name: "U2", Roles: []Role{RoleHouseA}})
			return err
		}, "the house_a role is granted by the genesis or a seat_confirmation decision"},
		{"register a guardian", func(tx *core.Tx) error {
			_, err := Register(tx, RegisterRequest{Member: u2, Name: "U2", Roles: []Role{RoleMember, RoleGuardian}})
			return err
		}, "the guardian role is granted by the genesis or a role_grant decision"},
		{"register a treasurer", func(tx *core.Tx) error {
			_, err := Register(tx, RegisterRequest{Member: u2, Name: "U2", Roles: []Role{RoleTreasurer}})
			return err
		}, "the treasurer role is granted by the genesis or a office_grant decision"},
		{"register a grants administrator", func(tx *core.Tx) error {
			_, err := Register(tx, RegisterRequest{Member: u2, Name: "U2", Roles: []Role{RoleGrantsAdmin}})
			return err
		}, "the grants_admin role is granted by the genesis or a office_grant decision"},
		{"register an attester", func(tx *core.Tx) error {
			_, err := Register(tx, RegisterRequest{Member: u2, Name: "U2", Roles: []Role{RoleAttester}, AttesterCategories: []contribution.Category{contribution.MergedCode}})
			return err
		}, "the attester role is granted by the genesis or a role_grant decision"},
		{"register with attester categories alone", func(tx *core.Tx) error {
			_, err := Register(tx, RegisterRequest{Member: u2, Name: "U2", AttesterCategories: []contribution.Category{contribution.MergedCode}})
			return err
		}, "attester categories are granted with the attester role"},
		{"update: grant itself a seat", func(tx *core.Tx) error {
			_, err := Update(tx, UpdateRequest{Member: adminA, Name: "Admin", Roles: []Role{RoleHouseA}})
			return err
		}, "seat_confirmation"},
		{"update: grant a member a guardian role", func(tx *core.Tx) error {
			_, err := Update(tx, UpdateRequest{Member: ada, Name: "Ada", Roles: []Role{RoleGuardian}})
			return err
		}, "the guardian role is granted"},
		{"update: change attester categories", func(tx *core.Tx) error {
			_, err := Update(tx, UpdateRequest{Member: ada, Name: "Ada", AttesterCategories: []contribution.Category{contribution.Documentation}})
			return err
		}, "attester categories are granted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := seeded(t)
			_, err := Register(testutil.Tx(s, adminA, true, testutil.T0()), RegisterRequest{Member: adminA, Name: "Admin"})
			require.NoError(t, err)
			before, writes := s.Snapshot(), s.Writes
			tx := testutil.Tx(s, adminA, true, testutil.T0().Add(time.Hour))
			err = tt.op(tx)
			require.ErrorIs(t, err, errcode.ErrForbidden)
			assert.Contains(t, err.Error(), tt.want)
			assert.Contains(t, err.Error(), "plain members only")
			assert.Equal(t, before, s.Snapshot(), "state unchanged")
			assert.Equal(t, writes, s.Writes, "no writes")
			assert.Nil(t, tx.Event(), "no event")
		})
	}
}

func TestRegisterFounding(t *testing.T) {
	s := core.NewMemStore()
	tx := testutil.Tx(s, adminB, true, testutil.T0())
	m, err := RegisterFounding(tx, FoundingMember{Member: ada, Name: "Ada", Roles: []Role{RoleHouseA, RoleAttester, RoleAttester},
		AttesterCategories: []contribution.Category{contribution.SafetyReview, contribution.MergedCode}}, "g1")
	require.NoError(t, err)
	assert.Equal(t, []Role{RoleMember, RoleAttester, RoleHouseA}, m.Roles, "member role added, duplicates dropped, fixed order")
	assert.Equal(t, []contribution.Category{contribution.MergedCode, contribution.SafetyReview}, m.AttesterCategories)
	assert.Equal(t, "g1", m.Genesis)
	assert.Nil(t, tx.Event(), "the founding act emits the event")
	got, err := Get(s, ada)
	require.NoError(t, err)
	assert.Equal(t, m, got)

	for _, tc := range []struct {
		name string
		f    FoundingMember
		hash string
		code errcode.Code
	}{
		{"no genesis hash", FoundingMember{Member: bob, Name: "Bob"}, "", errcode.InvalidArgument},
		{"already registered", FoundingMember{Member: ada, Name: "Ada"}, "g1", errcode.Conflict},
		{"unknown role", FoundingMember{Member: bob, Name: "Bob", Roles: []Role{"king"}}, "g1", errcode.InvalidArgument},
		{"categories without attester", FoundingMember{Member: bob, Name: "Bob", AttesterCategories: []contribution.Category{contribution.MergedCode}}, "g1", errcode.InvalidArgument},
		{"empty name", FoundingMember{Member: bob, Name: ""}, "g1", errcode.InvalidArgument},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := s.Snapshot()
			_, err := RegisterFounding(testutil.Tx(s, adminB, true, testutil.T0()), tc.f, tc.hash)
			assert.Equal(t, tc.code, errcode.CodeOf(err), "%v", err)
			assert.Equal(t, before, s.Snapshot())
		})
	}
}

func TestRefusalsChangeNothing(t *testing.T) {
	long := make([]byte, 129)
	for i := range long {
		long[i] = 'x'
	}
	tests := []struct {
		name   string
		caller identity.Identity
		admin  bool
		op     func(tx *core.Tx) error
		code   errcode.Code
	}{
		{"non-admin registers", ada, false, func(tx *core.Tx) error {
			_, err := Register(tx, RegisterRequest{Member: testutil.ID("LabAMSP", "u2"), Name: "U2"})
			return err
		}, errcode.Forbidden},
		{"other org's admin registers", adminB, true, func(tx *core.Tx) error {
			_, err := Register(tx, RegisterRequest{Member: testutil.ID("LabAMSP", "u2"), Name: "U2"})
			return err
		}, errcode.Forbidden},
		{"second registration", adminA, true, func(tx *core.Tx) error {
			_, err := Register(tx, RegisterRequest{Member: ada, Name: "Ada again"})
			return err
		}, errcode.Conflict},
		{"unknown role", adminA, true, func(tx *core.Tx) error {
			_, err := Register(tx, RegisterRequest{Member: testutil.ID("LabAMSP", "u2"), Name: "U2", Roles: []Role{"king"}})
			return err
		}, errcode.InvalidArgument},
		{"update without a name", adminA, true, func(tx *core.Tx) error {
			_, err := Update(tx, UpdateRequest{Member: ada})
			return err
		}, errcode.InvalidArgument},
		{"empty name", adminA, true, func(tx *core.Tx) error {
			_, err := Register(tx, RegisterRequest{Member: testutil.ID("LabAMSP", "u2"), Name: "  "})
			return err
		}, errcode.InvalidArgument},
		{"name too long", adminA, true, func(tx *core.Tx) error {
			_, err := Register(tx, RegisterRequest{Member: testutil.ID("LabAMSP", "u2"), Name: string(long)})
			return err
		}, errcode.InvalidArgument},
		{"control character in name", adminA, true, func(tx *core.Tx) error {
			_, err := Register(tx, RegisterRequest{Member: testutil.ID("LabAMSP", "u2"), Name: "a\nb"})
			return err
		}, errcode.InvalidArgument},
		{"malformed identity", adminA, true, func(tx *core.Tx) error {
			_, err := Register(tx, RegisterRequest{Member: identity.Identity{MSPID: "LabAMSP", ID: "bob"}, Name: "Bob"})
			return err
		}, errcode.InvalidArgument},
		{"empty MSP", adminA, true, func(tx *core.Tx) error {
			_, err := Register(tx, RegisterRequest{Member: identity.Identity{ID: ada.ID}, Name: "Bob"})
			return err
		}, errcode.InvalidArgument},
		{"update unknown member", adminA, true, func(tx *core.Tx) error {
			_, err := Update(tx, UpdateRequest{Member: testutil.ID("LabAMSP", "ghost"), Name: "Ghost"})
			return err
		}, errcode.NotFound},
		{"update by other org", adminB, true, func(tx *core.Tx) error {
			_, err := Update(tx, UpdateRequest{Member: ada, Name: "Eve"})
			return err
		}, errcode.Forbidden},
		{"update by the member", ada, false, func(tx *core.Tx) error {
			_, err := Update(tx, UpdateRequest{Member: ada, Name: "Queen Ada"})
			return err
		}, errcode.Forbidden},
		{"remove without reason", adminA, true, func(tx *core.Tx) error {
			_, err := Remove(tx, RemoveRequest{Member: ada})
			return err
		}, errcode.InvalidArgument},
		{"remove unknown", adminA, true, func(tx *core.Tx) error {
			_, err := Remove(tx, RemoveRequest{Member: testutil.ID("LabAMSP", "ghost"), Reason: "x"})
			return err
		}, errcode.NotFound},
		{"remove by other org", adminB, true, func(tx *core.Tx) error {
			_, err := Remove(tx, RemoveRequest{Member: ada, Reason: "x"})
			return err
		}, errcode.Forbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := seeded(t)
			before := s.Snapshot()
			writes := s.Writes
			tx := testutil.Tx(s, tt.caller, tt.admin, testutil.T0().Add(time.Hour))
			err := tt.op(tx)
			require.Error(t, err)
			assert.Equal(t, tt.code, errcode.CodeOf(err), "error %v", err)
			assert.Equal(t, before, s.Snapshot(), "state unchanged")
			assert.Equal(t, writes, s.Writes, "no writes")
			assert.Nil(t, tx.Event(), "no event")
		})
	}
}

func TestUpdateRemoveReadmit(t *testing.T) {
	s := seeded(t)
	t1 := testutil.T0().Add(time.Hour)
	tx1 := testutil.Tx(s, adminA, true, t1)
	m, err := Update(tx1, UpdateRequest{Member: ada, Name: "Ada L."})
	require.NoError(t, err)
	assert.Equal(t, []Role{RoleMember, RoleAttester}, m.Roles, "a rename keeps the roles")
	assert.Equal(t, "Ada L.", m.Name)
	assert.Equal(t, EventUpdated, tx1.Event().Type)
	assert.Equal(t, t1, m.UpdatedAt)
	assert.Equal(t, testutil.T0(), m.RegisteredAt)

	// The attester role came from the consortium: the organisation removes
	// its holder only once a role_revoke decision has withdrawn it.
	before := s.Snapshot()
	_, err = Remove(testutil.Tx(s, adminA, true, t1.Add(time.Hour)), RemoveRequest{Member: ada, Reason: "left the project"})
	require.Error(t, err)
	assert.Equal(t, errcode.FailedPrecondition, errcode.CodeOf(err))
	assert.Contains(t, err.Error(), "role_revoke")
	assert.Equal(t, before, s.Snapshot(), "a refused removal writes nothing")
	_, err = RevokeRoleByDecision(testutil.Tx(s, adminA, true, t1.Add(time.Hour)), ada, RoleAttester, "d-revoke")
	require.NoError(t, err)

	tx := testutil.Tx(s, adminA, true, t1.Add(time.Hour))
	m, err = Remove(tx, RemoveRequest{Member: ada, Reason: "left the project"})
	require.NoError(t, err)
	assert.Equal(t, StatusRemoved, m.Status)
	assert.Empty(t, m.Roles)
	assert.Equal(t, EventRemoved, tx.Event().Type)
	assert.False(t, m.Has(RoleMember))

	_, err = Active(s, ada)
	assert.ErrorIs(t, err, errcode.ErrNotFound)
	_, err = Update(testutil.Tx(s, adminA, true, t1), UpdateRequest{Member: ada, Name: "Ada"})
	assert.ErrorIs(t, err, errcode.ErrNotFound, "a removed member cannot be updated")

	active, err := List(s, "", false)
	require.NoError(t, err)
	assert.Empty(t, active)
	all, err := List(s, "", true)
	require.NoError(t, err)
	assert.Len(t, all, 1)

	m, err = Register(testutil.Tx(s, adminA, true, t1.Add(2*time.Hour)), RegisterRequest{Member: ada, Name: "Ada", Roles: nil})
	require.NoError(t, err, "a removed member may be re-admitted")
	assert.Equal(t, StatusActive, m.Status)
	assert.Empty(t, m.RemovedReason)
	assert.Equal(t, []Role{RoleMember}, m.Roles, "re-admitted as a plain member: the removed roles do not return")
}

func TestListByOrg(t *testing.T) {
	s := seeded(t)
	_, err := Register(testutil.Tx(s, adminB, true, testutil.T0()), RegisterRequest{Member: bob, Name: "Bob"})
	require.NoError(t, err)
	for _, tc := range []struct {
		msp  string
		want []string
	}{{"", []string{"Ada", "Bob"}}, {"LabAMSP", []string{"Ada"}}, {"LabBMSP", []string{"Bob"}}, {"NoMSP", nil}} {
		ms, err := List(s, tc.msp, false)
		require.NoError(t, err)
		var names []string
		for _, m := range ms {
			names = append(names, m.Name)
		}
		assert.Equal(t, tc.want, names, tc.msp)
	}
}

func TestRequireRole(t *testing.T) {
	s := seeded(t)
	_, err := RequireRole(testutil.Tx(s, ada, false, testutil.T0()), RoleAttester, "attest")
	require.NoError(t, err)
	_, err = RequireRole(testutil.Tx(s, ada, false, testutil.T0()), RoleTreasurer, "spend")
	assert.ErrorIs(t, err, errcode.ErrForbidden)
	assert.Contains(t, err.Error(), "treasurer")
	_, err = RequireRole(testutil.Tx(s, bob, false, testutil.T0()), RoleMember, "vote")
	assert.ErrorIs(t, err, errcode.ErrForbidden)
	assert.Contains(t, err.Error(), "not an active member")
}

func TestWhoami(t *testing.T) {
	s := seeded(t)
	w, err := Whoami(testutil.Tx(s, ada, false, testutil.T0()))
	require.NoError(t, err)
	require.NotNil(t, w.Member)
	assert.Equal(t, "Ada", w.Member.Name)
	w, err = Whoami(testutil.Tx(s, adminB, true, testutil.T0()))
	require.NoError(t, err)
	assert.Nil(t, w.Member)
	assert.True(t, w.OrgAdmin)
}

// TestDeterministicBytes runs the same operations on two fresh stores and
// compares every written byte.
func TestDeterministicBytes(t *testing.T) {
	a, b := seeded(t), seeded(t)
	assert.Equal(t, a.Snapshot(), b.Snapshot())
}

func TestAttesterCategories(t *testing.T) {
	s := core.NewMemStore()
	m, err := RegisterFounding(testutil.Tx(s, adminA, true, testutil.T0()), FoundingMember{Member: ada, Name: "Ada", Roles: []Role{RoleAttester},
		AttesterCategories: []contribution.Category{contribution.SafetyReview, contribution.MergedCode, contribution.SafetyReview}}, "g1")
	require.NoError(t, err)
	assert.Equal(t, []contribution.Category{contribution.MergedCode, contribution.SafetyReview}, m.AttesterCategories, "fixed order, no duplicates")
	assert.True(t, m.CanAttest(contribution.MergedCode))
	assert.True(t, m.CanAttest(contribution.SafetyReview))
	assert.False(t, m.CanAttest(contribution.Documentation), "not authorised for documentation")

	raw, err := s.Get(core.MustKey("member", ada.MSPID, ada.ID))
	require.NoError(t, err)
	assert.Contains(t, string(raw), `"attesterCategories":["merged_code","safety_review"]`)

	// A rename keeps the categories.
	m, err = Update(testutil.Tx(s, adminA, true, testutil.T0()), UpdateRequest{Member: ada, Name: "Ada L."})
	require.NoError(t, err)
	assert.True(t, m.CanAttest(contribution.MergedCode))

	// A role_revoke decision withdrawing every category withdraws the
	// attester role; then the organisation may remove the member.
	m, err = RevokeAttesterByDecision(testutil.Tx(s, adminA, true, testutil.T0()), ada, []contribution.Category{contribution.MergedCode, contribution.SafetyReview}, "d-revoke")
	require.NoError(t, err)
	assert.Empty(t, m.AttesterCategories)
	assert.False(t, m.Has(RoleAttester))
	m, err = Remove(testutil.Tx(s, adminA, true, testutil.T0()), RemoveRequest{Member: ada, Reason: "left"})
	require.NoError(t, err)
	assert.Empty(t, m.AttesterCategories)
	assert.False(t, m.CanAttest(contribution.MergedCode))
	raw, err = s.Get(core.MustKey("member", ada.MSPID, ada.ID))
	require.NoError(t, err)
	assert.NotContains(t, string(raw), "attesterCategories", "omitted when empty")
	var nilMember *Member
	assert.False(t, nilMember.CanAttest(contribution.Documentation))
}

func TestIndexesAndPagedList(t *testing.T) {
	s := core.NewMemStore()
	admin := testutil.ID("LabAMSP", "admin")
	tx := func() *core.Tx { return testutil.Tx(s, admin, true, testutil.T0()) }
	var ids []identity.Identity
	for i := range 25 {
		id := testutil.ID("LabAMSP", fmt.Sprintf("m%02d", i))
		_, err := Register(tx(), RegisterRequest{Member: id, Name: fmt.Sprintf("m%02d", i)})
		require.NoError(t, err)
		if i%5 == 0 {
			_, err = GrantRoleByDecision(tx(), id, RoleHouseA, "d-seat")
			require.NoError(t, err)
		}
		ids = append(ids, id)
	}
	seats, err := SeatHolders(s)
	require.NoError(t, err)
	assert.Len(t, seats, 5)
	// Losing the seat (update) or the membership (removal) leaves the index.
	_, err = RevokeRoleByDecision(tx(), ids[0], RoleHouseA, "d-removal")
	require.NoError(t, err)
	_, err = Remove(tx(), RemoveRequest{Member: ids[5], Reason: "left"})
	require.Error(t, err, "a seat holder is removed only after a seat_removal decision")
	assert.Equal(t, errcode.FailedPrecondition, errcode.CodeOf(err))
	_, err = RevokeRoleByDecision(tx(), ids[5], RoleHouseA, "d-removal-2")
	require.NoError(t, err)
	_, err = Remove(tx(), RemoveRequest{Member: ids[5], Reason: "left"})
	require.NoError(t, err)
	seats, err = SeatHolders(s)
	require.NoError(t, err)
	assert.Len(t, seats, 3)

	// The shard index holds every member exactly once, as the register does.
	inShards := 0
	for sh := range Shards {
		require.NoError(t, ScanShard(s, sh, func(m *Member) error {
			inShards++
			assert.Equal(t, fmt.Sprintf("%02x", sh), Shard(m.Identity))
			reg, err := Get(s, m.Identity)
			require.NoError(t, err)
			assert.Equal(t, reg, m, "the copy is the record")
			return nil
		}))
	}
	assert.Equal(t, 25, inShards)

	// Pages of 7 list every active member once.
	var got []identity.Identity
	bookmark := ""
	for {
		p, err := ListPaged(s, ListRequest{MSPID: "LabAMSP", PageSize: 7, Bookmark: bookmark})
		require.NoError(t, err)
		assert.LessOrEqual(t, len(p.Members), 7)
		for _, m := range p.Members {
			got = append(got, m.Identity)
		}
		if p.Bookmark == "" {
			break
		}
		bookmark = p.Bookmark
	}
	all, err := List(s, "LabAMSP", false)
	require.NoError(t, err)
	require.Len(t, got, 24)
	for i := range all {
		assert.Equal(t, all[i].Identity, got[i])
	}
	for _, size := range []int{-1, core.MaxPageSize + 1} {
		_, err := ListPaged(s, ListRequest{PageSize: size})
		assert.ErrorIs(t, err, errcode.ErrInvalidArgument, "page size %d", size)
	}
}

// The time rule for memberships: a re-admission stamped before the removal
// is recorded at the removal (on the old code it was dated before it, and
// the member slipped into a ballot opened in between), and a role is dated
// from the change that granted it.
func TestMemberHistoryInTimeOrder(t *testing.T) {
	s := core.NewMemStore()
	admin := testutil.ID("LabAMSP", "admin")
	ada := testutil.ID("LabAMSP", "ada")
	t0 := testutil.T0()
	_, err := Register(testutil.Tx(s, admin, true, t0), RegisterRequest{Member: ada, Name: "Ada"})
	require.NoError(t, err)
	removedAt := t0.Add(10 * time.Minute)
	_, err = Remove(testutil.Tx(s, admin, true, removedAt), RemoveRequest{Member: ada, Reason: "left"})
	require.NoError(t, err)
	m, err := Register(testutil.Tx(s, admin, true, removedAt.Add(-2*time.Minute)), RegisterRequest{Member: ada, Name: "Ada"})
	require.NoError(t, err)
	assert.Equal(t, removedAt, m.RegisteredAt, "a re-admission cannot be dated before the removal")
	opening := removedAt.Add(-time.Minute)
	assert.False(t, m.HeldSince(RoleMember, opening))
	assert.True(t, m.HeldSince(RoleMember, removedAt))

	seated := removedAt.Add(30 * time.Minute)
	_, err = GrantRoleByDecision(testutil.Tx(s, admin, false, seated), ada, RoleHouseA, "d1")
	require.NoError(t, err)
	m, err = Get(s, ada)
	require.NoError(t, err)
	assert.False(t, m.HeldSince(RoleHouseA, removedAt), "a seat granted by decision is dated from the grant, not the registration")
	assert.True(t, m.HeldSince(RoleHouseA, seated))

	granted := removedAt.Add(time.Hour)
	_, err = GrantRoleByDecision(testutil.Tx(s, admin, false, granted), ada, RoleGuardian, "d2")
	require.NoError(t, err)
	m, err = Get(s, ada)
	require.NoError(t, err)
	assert.True(t, m.HeldSince(RoleHouseA, seated), "a kept role keeps its date")
	assert.False(t, m.HeldSince(RoleGuardian, seated), "a new role is dated from its grant")
	assert.True(t, m.HeldSince(RoleGuardian, granted))
	_, err = RevokeRoleByDecision(testutil.Tx(s, admin, false, granted.Add(-time.Minute)), ada, RoleHouseA, "d3")
	require.NoError(t, err)
	m, err = Get(s, ada)
	require.NoError(t, err)
	assert.Equal(t, granted, m.UpdatedAt, "a change stamped before the last change is recorded at it")
	assert.False(t, m.HeldSince(RoleHouseA, granted))
	assert.True(t, m.HeldSince(RoleGuardian, granted), "the other role keeps its date")

	_, err = Update(testutil.Tx(s, admin, true, granted.Add(-2*time.Minute)), UpdateRequest{Member: ada, Name: "Ada L."})
	require.NoError(t, err)
	m, err = Get(s, ada)
	require.NoError(t, err)
	assert.Equal(t, granted, m.UpdatedAt, "a rename stamped before the last change is recorded at it")
}
