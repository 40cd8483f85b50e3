package genesis

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/internal/testutil"
	"github.com/charter-gov/charter/chaincode/membership"
	"github.com/charter-gov/charter/chaincode/token"
)

// Every refused proposal or approval of the genesis names the field of the
// document (or the hash) it is about, empty when it is about the caller
// or the founding's state, and the rule it broke; and writes nothing.
func TestRefusalsNameFieldAndRule(t *testing.T) {
	edit := func(f func(g *Genesis)) Genesis { g := valid(); f(&g); return g }
	propose := func(g Genesis) func(s core.Store, _ string) error {
		return func(s core.Store, _ string) error { _, err := proposeAs(s, adminF, true, 5, g); return err }
	}
	eve := testutil.ID("LabCMSP", "admin")
	other := valid()
	other.Allocations = nil
	otherHash, _, err := Hash(other)
	require.NoError(t, err)
	for _, tt := range []struct {
		name        string
		setup       func(t *testing.T, s core.Store) string
		do          func(s core.Store, hash string) error
		code        errcode.Code
		field, rule string
	}{
		{"one founder", nil, propose(edit(func(g *Genesis) { g.Founders = []string{fMSP} })), errcode.InvalidArgument, "founders", "range"},
		{"a malformed founder", nil, propose(edit(func(g *Genesis) { g.Founders[1] = "Lab A" })), errcode.InvalidArgument, "founders[1]", "format"},
		{"a founder twice", nil, propose(edit(func(g *Genesis) { g.Founders[2] = bMSP })), errcode.InvalidArgument, "founders", "unique"},
		{"a constitution that breaks a rule", nil, propose(edit(func(g *Genesis) { g.Constitution.Houses[0].MinSeats = 0 })), errcode.InvalidArgument, "constitution.houses[0].minSeats", "range"},
		{"no member", nil, propose(edit(func(g *Genesis) { g.Members = nil })), errcode.InvalidArgument, "members", "range"},
		{"a member without a name", nil, propose(edit(func(g *Genesis) { g.Members[1].Name = "" })), errcode.InvalidArgument, "members[1].name", "required"},
		{"a member with an unknown role", nil, propose(edit(func(g *Genesis) { g.Members[2].Roles = []membership.Role{"king"} })), errcode.InvalidArgument, "members[2].roles", "enum"},
		{"a member of no founder", nil, propose(edit(func(g *Genesis) { g.Members[0].Member = testutil.ID("LabCMSP", "cy") })),
			errcode.InvalidArgument, "members[0].member.mspId", RuleFoundingOrganisation},
		{"a member twice", nil, propose(edit(func(g *Genesis) { g.Members[0] = g.Members[1] })), errcode.InvalidArgument, "members", "unique"},
		{"no House A seat", nil, propose(edit(func(g *Genesis) {
			g.Members[1].Roles = []membership.Role{membership.RoleGuardian}
			g.Members[2].Roles = nil
		})), errcode.InvalidArgument, "members", RuleHouseASeats},
		{"a zero allocation", nil, propose(edit(func(g *Genesis) { g.Allocations[1].Amount = 0 })), errcode.InvalidArgument, "allocations[1].amount", "range"},
		{"an allocation to a stranger", nil, propose(edit(func(g *Genesis) { g.Allocations[0].To = testutil.ID(aMSP, "stranger") })),
			errcode.InvalidArgument, "allocations[0].to", RuleInitialMember},
		{"allocations past the supply", nil, propose(edit(func(g *Genesis) { g.Allocations[0].Amount, g.Allocations[1].Amount = token.MaxSupply, 1 })),
			errcode.InvalidArgument, "allocations[1].amount", RuleMaxSupply},
		{"two allocations to one member", nil, propose(edit(func(g *Genesis) { g.Allocations[1].To = grace })), errcode.InvalidArgument, "allocations", "unique"},
		{"propose by a plain member", nil, func(s core.Store, _ string) error { _, err := proposeAs(s, grace, false, 5, valid()); return err },
			errcode.Forbidden, "", membership.RuleOrgAdmin},
		{"propose by a non-founder's admin", nil, func(s core.Store, _ string) error { _, err := proposeAs(s, eve, true, 5, valid()); return err },
			errcode.Forbidden, "", RuleFounderAdmin},
		{"propose the pending genesis again", pendingValid, propose(valid()), errcode.Conflict, "", RulePendingHash},
		{"propose after adoption", adopted, propose(other), errcode.Conflict, "", RuleNotAdopted},
		{"approve with nothing pending", nil, func(s core.Store, _ string) error { _, err := approveAs(s, adminA, true, 5, otherHash); return err },
			errcode.FailedPrecondition, "", RulePending},
		{"approve a malformed hash", pendingValid, func(s core.Store, _ string) error {
			_, err := approveAs(s, adminA, true, 5, strings.ToUpper(otherHash))
			return err
		}, errcode.InvalidArgument, "hash", "format"},
		{"approve another hash", pendingValid, func(s core.Store, _ string) error { _, err := approveAs(s, adminA, true, 5, otherHash); return err },
			errcode.Conflict, "hash", RulePendingHash},
		{"approve twice", func(t *testing.T, s core.Store) string {
			h := pendingValid(t, s)
			_, err := approveAs(s, adminA, true, 2, h)
			require.NoError(t, err)
			return h
		}, func(s core.Store, h string) error { _, err := approveAs(s, adminA, true, 5, h); return err }, errcode.Conflict, "", RuleOneApprovalPerRound},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := core.NewMemStore()
			hash := ""
			if tt.setup != nil {
				hash = tt.setup(t, s)
			}
			before := s.Snapshot()
			err := tt.do(s, hash)
			testutil.AssertRefusal(t, err, tt.code, tt.field, tt.rule)
			assert.Equal(t, before, s.Snapshot(), "a refusal writes nothing")
		})
	}
}
