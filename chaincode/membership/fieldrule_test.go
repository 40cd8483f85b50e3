package membership_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/contribution"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/internal/testutil"
	. "github.com/charter-gov/charter/chaincode/membership"
)

// Every refusal of the member register names the request field it is
// about (empty when it is about the caller) and the rule it broke, keeps
// them on the wire, and writes nothing.
func TestRefusalsNameFieldAndRule(t *testing.T) {
	s := seeded(t)
	gone := testutil.ID("LabAMSP", "gone")
	_, err := Register(testutil.Tx(s, adminA, true, testutil.T0()), RegisterRequest{Member: gone, Name: "Gone"})
	require.NoError(t, err)
	_, err = Remove(testutil.Tx(s, adminA, true, testutil.T0()), RemoveRequest{Member: gone, Reason: "left"})
	require.NoError(t, err)
	u2 := testutil.ID("LabAMSP", "u2")
	at := testutil.T0()
	reg := func(caller identity.Identity, admin bool, req RegisterRequest) func() error {
		return func() error { _, err := Register(testutil.Tx(s, caller, admin, at), req); return err }
	}
	batch := func(reqs ...RegisterRequest) func() error {
		return func() error {
			_, err := RegisterBatch(testutil.Tx(s, adminA, true, at), RegisterBatchRequest{Members: reqs})
			return err
		}
	}
	remove := func(member identity.Identity, reason string) func() error {
		return func() error {
			_, err := Remove(testutil.Tx(s, adminA, true, at), RemoveRequest{Member: member, Reason: reason})
			return err
		}
	}
	requireRole := func(caller identity.Identity, role Role) func() error {
		return func() error { _, err := RequireRole(testutil.Tx(s, caller, false, at), role, "act"); return err }
	}
	byDecision := func(do func(tx *core.Tx) (*Member, error)) func() error {
		return func() error { _, err := do(testutil.Tx(s, adminA, true, at)); return err }
	}
	cats := []contribution.Category{contribution.MergedCode}
	ok := RegisterRequest{Member: u2, Name: "U2"}
	for _, tt := range []struct {
		name        string
		do          func() error
		code        errcode.Code
		field, rule string
	}{
		{"no MSP", reg(adminA, true, RegisterRequest{Member: identity.Identity{ID: u2.ID}, Name: "x"}), errcode.InvalidArgument, "member.mspId", "required"},
		{"a control character", reg(adminA, true, RegisterRequest{Member: identity.Identity{MSPID: "LabA\x01MSP", ID: u2.ID}, Name: "x"}), errcode.InvalidArgument, "member", "characters"},
		{"not an admin", reg(ada, false, ok), errcode.Forbidden, "", RuleOrgAdmin},
		{"another organisation", reg(adminB, true, ok), errcode.Forbidden, "member", RuleOwnOrganisation},
		{"an unknown role", reg(adminA, true, RegisterRequest{Member: u2, Name: "U2", Roles: []Role{"king"}}), errcode.InvalidArgument, "roles", "enum"},
		{"a power role", reg(adminA, true, RegisterRequest{Member: u2, Name: "U2", Roles: []Role{RoleHouseA}}), errcode.Forbidden, "roles", RuleGrantedByDecision},
		{"attester categories", reg(adminA, true, RegisterRequest{Member: u2, Name: "U2", AttesterCategories: cats}), errcode.Forbidden, "attesterCategories", RuleGrantedByDecision},
		{"no name", reg(adminA, true, RegisterRequest{Member: u2}), errcode.InvalidArgument, "name", "required"},
		{"already registered", reg(adminA, true, RegisterRequest{Member: ada, Name: "Ada"}), errcode.Conflict, "member", "unique"},
		{"an empty batch", batch(), errcode.InvalidArgument, "members", "range"},
		{"a member twice in a batch", batch(ok, ok), errcode.InvalidArgument, "members[1].member", "unique"},
		{"a batch member without a name", batch(ok, RegisterRequest{Member: testutil.ID("LabAMSP", "u3")}), errcode.InvalidArgument, "members[1].name", "required"},
		{"a batch member of another organisation", batch(ok, RegisterRequest{Member: bob, Name: "Bob"}), errcode.Forbidden, "members[1].member", RuleOwnOrganisation},
		{"rename an unknown member", func() error {
			_, err := Update(testutil.Tx(s, adminA, true, at), UpdateRequest{Member: u2, Name: "U2"})
			return err
		}, errcode.NotFound, "member", "exists"},
		{"remove without a reason", remove(ada, " "), errcode.InvalidArgument, "reason", "required"},
		{"remove with a long reason", remove(ada, strings.Repeat("x", 1025)), errcode.InvalidArgument, "reason", "max-bytes"},
		{"remove a removed member", remove(gone, "again"), errcode.NotFound, "member", RuleActiveMember},
		{"remove a consortium-granted role holder", remove(ada, "left"), errcode.FailedPrecondition, "member", RuleRevokedByDecision},
		{"a caller who is no member", requireRole(u2, RoleMember), errcode.Forbidden, "", RuleActiveMember},
		{"a caller without the role", requireRole(ada, RoleHouseA), errcode.Forbidden, "", RuleHoldsRole},
		{"a founding member without the genesis", byDecision(func(tx *core.Tx) (*Member, error) {
			return RegisterFounding(tx, FoundingMember{Member: u2, Name: "U2"}, "")
		}), errcode.InvalidArgument, "genesis", "required"},
		{"a founding member with categories but no attester role", byDecision(func(tx *core.Tx) (*Member, error) {
			return RegisterFounding(tx, FoundingMember{Member: u2, Name: "U2", AttesterCategories: cats}, "g1")
		}), errcode.InvalidArgument, "attesterCategories", RuleAttesterRole},
		{"grant an unknown role", byDecision(func(tx *core.Tx) (*Member, error) { return GrantRoleByDecision(tx, ada, "king", "d1") }), errcode.InvalidArgument, "role", "enum"},
		{"grant without a decision", byDecision(func(tx *core.Tx) (*Member, error) { return GrantRoleByDecision(tx, ada, RoleHouseA, "") }), errcode.InvalidArgument, "decision", "required"},
		{"grant a held role", byDecision(func(tx *core.Tx) (*Member, error) { return GrantRoleByDecision(tx, ada, RoleAttester, "d1") }), errcode.Conflict, "member", RuleHoldsRole},
		{"grant to a removed member", byDecision(func(tx *core.Tx) (*Member, error) { return GrantRoleByDecision(tx, gone, RoleHouseA, "d1") }), errcode.NotFound, "member", RuleActiveMember},
		{"revoke the member role", byDecision(func(tx *core.Tx) (*Member, error) { return RevokeRoleByDecision(tx, ada, RoleMember, "d1") }), errcode.InvalidArgument, "role", RuleRevokedByDecision},
		{"revoke a role not held", byDecision(func(tx *core.Tx) (*Member, error) { return RevokeRoleByDecision(tx, ada, RoleHouseA, "d1") }), errcode.Conflict, "member", RuleHoldsRole},
		{"grant attester without a category", byDecision(func(tx *core.Tx) (*Member, error) { return GrantAttesterByDecision(tx, ada, nil, "d1") }), errcode.InvalidArgument, "categories", "required"},
		{"revoke attester in a category not held", byDecision(func(tx *core.Tx) (*Member, error) {
			return RevokeAttesterByDecision(tx, ada, []contribution.Category{contribution.RedTeaming}, "d1")
		}), errcode.Conflict, "categories", RuleHoldsRole},
		{"look up an unknown member", func() error { _, err := Get(s, u2); return err }, errcode.NotFound, "", "exists"},
		{"look up a removed member as active", func() error { _, err := Active(s, gone); return err }, errcode.NotFound, "", RuleActiveMember},
		{"a shard out of range", func() error { return ScanShard(s, Shards, func(*Member) error { return nil }) }, errcode.InvalidArgument, "shard", "range"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before, writes := s.Snapshot(), s.Writes
			err := tt.do()
			testutil.AssertRefusal(t, err, tt.code, tt.field, tt.rule)
			assert.Equal(t, before, s.Snapshot(), "a refusal writes nothing")
			assert.Equal(t, writes, s.Writes)
		})
	}
}
