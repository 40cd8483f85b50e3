package genesis

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/contribution"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/internal/testutil"
	"github.com/charter-gov/charter/chaincode/membership"
	"github.com/charter-gov/charter/chaincode/token"
)

const (
	fMSP = "FoundationMSP"
	aMSP = "LabAMSP"
	bMSP = "LabBMSP"
)

var (
	adminF, adminA, adminB = testutil.ID(fMSP, "admin"), testutil.ID(aMSP, "admin"), testutil.ID(bMSP, "admin")
	grace, ada, kath       = testutil.ID(fMSP, "grace"), testutil.ID(aMSP, "ada"), testutil.ID(bMSP, "kath")
	adminOf                = map[string]identity.Identity{fMSP: adminF, aMSP: adminA, bMSP: adminB}
)

func at(sec int) time.Time { return testutil.T0().Add(time.Duration(sec) * time.Second) }

func valid() Genesis {
	return Genesis{
		Founders:     []string{bMSP, fMSP, aMSP},
		Constitution: constitution.Default(),
		Members: []membership.FoundingMember{
			{Member: kath, Name: "Katherine Johnson", Roles: []membership.Role{membership.RoleAttester}, AttesterCategories: []contribution.Category{contribution.Documentation}},
			{Member: grace, Name: "Grace Hopper", Roles: []membership.Role{membership.RoleGuardian, membership.RoleHouseA}},
			{Member: ada, Name: "Ada Lovelace", Roles: []membership.Role{membership.RoleHouseA, membership.RoleTreasurer}},
		},
		Allocations: []Allocation{{To: grace, Amount: 1000}, {To: ada, Amount: 600}},
	}
}

// in runs fn as one transaction with Fabric's semantics on s (a
// *core.MemStore): fn reads none of its own writes, and they reach s only
// when fn succeeds.
func in[T any](s core.Store, who identity.Identity, admin bool, sec int, fn func(*core.Tx) (T, error)) (T, *core.Tx, error) {
	st := testutil.NewStaged(s.(*core.MemStore))
	t := testutil.Tx(st, who, admin, at(sec))
	out, err := fn(t)
	if err == nil {
		err = st.Commit()
	}
	return out, t, err
}

func proposeAs(s core.Store, who identity.Identity, admin bool, sec int, g Genesis) (*Proposal, error) {
	p, _, err := in(s, who, admin, sec, func(tx *core.Tx) (*Proposal, error) { return Propose(tx, g) })
	return p, err
}

func approveTx(s core.Store, who identity.Identity, admin bool, sec int, hash string) (*ApprovalResult, *core.Tx, error) {
	return in(s, who, admin, sec, func(tx *core.Tx) (*ApprovalResult, error) { return Approve(tx, hash) })
}

func approveAs(s core.Store, who identity.Identity, admin bool, sec int, hash string) (*ApprovalResult, error) {
	r, _, err := approveTx(s, who, admin, sec, hash)
	return r, err
}

func propose(t *testing.T, s core.Store, g Genesis, sec int) *Proposal {
	t.Helper()
	p, err := proposeAs(s, adminF, true, sec, g)
	require.NoError(t, err)
	return p
}

func TestNormaliseRefusesBadGenesis(t *testing.T) {
	tests := []struct {
		name string
		edit func(g *Genesis)
		want string
	}{
		{"one founder", func(g *Genesis) { g.Founders = []string{fMSP} }, "no organisation founds alone"},
		{"no founders", func(g *Genesis) { g.Founders = nil }, "needs 2 to"},
		{"founder named twice", func(g *Genesis) { g.Founders = []string{fMSP, aMSP, fMSP} }, "named twice"},
		{"bad MSP ID", func(g *Genesis) { g.Founders = []string{fMSP, "Lab A"} }, "may contain only"},
		{"invalid constitution", func(g *Genesis) { g.Constitution.Name = "" }, "name is empty"},
		{"no members", func(g *Genesis) { g.Members = nil }, "initial members"},
		{"member of a non-founder", func(g *Genesis) { g.Members[0].Member = testutil.ID("LabCMSP", "eve") }, "not a founding organisation"},
		{"member named twice", func(g *Genesis) { g.Members[1].Member = kath; g.Members[1].Roles = nil }, "named twice"},
		{"no House A seat", func(g *Genesis) { g.Members = g.Members[:1] }, "seats no House A member"},
		{"more seats than the maximum", func(g *Genesis) { g.Constitution.Houses[0].MaxSeats, g.Constitution.Houses[0].MinSeats = 1, 1 }, "maximum of 1"},
		{"unknown role", func(g *Genesis) { g.Members[0].Roles = []membership.Role{"emperor"} }, "unknown role"},
		{"categories without attester", func(g *Genesis) { g.Members[1].AttesterCategories = []contribution.Category{contribution.MergedCode} }, "need the attester role"},
		{"empty member name", func(g *Genesis) { g.Members[0].Name = " " }, "name is empty"},
		{"allocation to a non-member", func(g *Genesis) { g.Allocations[0].To = testutil.ID(fMSP, "nobody") }, "not an initial member"},
		{"zero allocation", func(g *Genesis) { g.Allocations[0].Amount = 0 }, "positive whole number"},
		{"negative allocation", func(g *Genesis) { g.Allocations[0].Amount = -3 }, "positive whole number"},
		{"two allocations to one member", func(g *Genesis) { g.Allocations[1].To = grace }, "two allocations"},
		{"allocations past the maximum supply", func(g *Genesis) { g.Allocations[0].Amount, g.Allocations[1].Amount = token.MaxSupply, 1 }, "maximum supply"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := valid()
			tc.edit(&g)
			_, err := Normalise(g)
			require.ErrorIs(t, err, errcode.ErrInvalidArgument)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestHashIsCanonical(t *testing.T) {
	h1, n, err := Hash(valid())
	require.NoError(t, err)
	g := valid()
	g.Founders = []string{aMSP, bMSP, fMSP}
	g.Members[0], g.Members[2] = g.Members[2], g.Members[0]
	g.Members[1].Roles = []membership.Role{membership.RoleHouseA, membership.RoleGuardian, membership.RoleMember}
	g.Allocations[0], g.Allocations[1] = g.Allocations[1], g.Allocations[0]
	h2, _, err := Hash(g)
	require.NoError(t, err)
	assert.Equal(t, h1, h2, "order does not change the genesis")
	assert.Equal(t, []string{fMSP, aMSP, bMSP}, []string{n.Founders[0], n.Founders[1], n.Founders[2]})
	g.Allocations[0].Amount++
	h3, _, err := Hash(g)
	require.NoError(t, err)
	assert.NotEqual(t, h1, h3, "any change changes the hash")
}

func TestFoundingAct(t *testing.T) {
	s := core.NewMemStore()
	p := propose(t, s, valid(), 0)
	assert.Equal(t, int64(1), p.Round)
	require.ErrorIs(t, constitution.RequireAdopted(s), errcode.ErrFailedPrecondition, "nothing is adopted by a proposal")

	r, txF, err := approveTx(s, adminF, true, 1, p.Hash)
	require.NoError(t, err)
	assert.Equal(t, []string{aMSP, bMSP}, r.Missing)
	assert.Nil(t, r.Adopted)
	assert.Equal(t, EventApproved, txF.Event().Type)
	r, err = approveAs(s, adminA, true, 2, p.Hash)
	require.NoError(t, err)
	assert.Equal(t, []string{bMSP}, r.Missing)
	require.ErrorIs(t, constitution.RequireAdopted(s), errcode.ErrFailedPrecondition, "two of three founders adopt nothing")
	st, err := Get(s)
	require.NoError(t, err)
	require.NotNil(t, st.Pending)
	assert.Len(t, st.Approvals, 2)
	assert.Equal(t, []string{bMSP}, st.Missing)

	r, txB, err := approveTx(s, adminB, true, 3, p.Hash)
	require.NoError(t, err)
	require.NotNil(t, r.Adopted)
	assert.Empty(t, r.Missing)
	assert.Equal(t, EventAdopted, txB.Event().Type, "the completing approval emits the one adoption event")

	cur, err := constitution.Current(s)
	require.NoError(t, err)
	assert.Equal(t, int64(1), cur.Version)
	assert.Equal(t, constitution.GenesisDecision, cur.Decision)
	assert.Equal(t, at(3), cur.AdoptedAt)
	wantHash, err := p.Genesis.Constitution.Hash()
	require.NoError(t, err)
	assert.Equal(t, wantHash, cur.Hash)

	g, err := membership.Active(s, grace)
	require.NoError(t, err)
	assert.Equal(t, []membership.Role{membership.RoleMember, membership.RoleHouseA, membership.RoleGuardian}, g.Roles)
	assert.Equal(t, p.Hash, g.Genesis)
	k, err := membership.Active(s, kath)
	require.NoError(t, err)
	assert.True(t, k.CanAttest(contribution.Documentation))
	assert.False(t, k.CanAttest(contribution.MergedCode))

	for _, c := range []struct {
		id   identity.Identity
		want int64
	}{{grace, 1000}, {ada, 600}, {kath, 0}} {
		b, err := token.Balance(s, c.id)
		require.NoError(t, err)
		assert.Equal(t, c.want, b, "%s", c.id)
	}
	sup, err := token.Supply(s)
	require.NoError(t, err)
	assert.Equal(t, int64(1600), sup)
	assert.Equal(t, int64(1600), r.Adopted.Supply)

	st, err = Get(s)
	require.NoError(t, err)
	require.NotNil(t, st.Adopted)
	assert.Nil(t, st.Pending, "the pending proposal is cleared")
	assert.Len(t, st.Approvals, 3)
	assert.Equal(t, p.Hash, st.Adopted.Proposal.Hash)
}

func TestRefusalsChangeNothing(t *testing.T) {
	other := valid()
	other.Allocations = nil
	otherHash, _, err := Hash(other)
	require.NoError(t, err)
	selfOnly := valid()
	selfOnly.Founders = []string{fMSP}
	eve := testutil.ID("LabCMSP", "admin")
	tests := []struct {
		name  string
		setup func(t *testing.T, s core.Store) string // returns the pending hash
		call  func(s core.Store, hash string) error
		code  errcode.Code
		want  string
	}{
		{"approve with nothing pending", nil,
			func(s core.Store, _ string) error { _, err := approveAs(s, adminA, true, 5, otherHash); return err },
			errcode.FailedPrecondition, "no genesis is pending"},
		{"propose by a plain member", nil,
			func(s core.Store, _ string) error { _, err := proposeAs(s, grace, false, 5, valid()); return err },
			errcode.Forbidden, "not an organisation admin"},
		{"propose by a non-founder's admin", nil,
			func(s core.Store, _ string) error { _, err := proposeAs(s, eve, true, 5, valid()); return err },
			errcode.Forbidden, "not a founding organisation"},
		{"propose naming only oneself", nil,
			func(s core.Store, _ string) error { _, err := proposeAs(s, adminF, true, 5, selfOnly); return err },
			errcode.InvalidArgument, "no organisation founds alone"},
		{"approve another hash", pendingValid,
			func(s core.Store, _ string) error { _, err := approveAs(s, adminA, true, 5, otherHash); return err },
			errcode.Conflict, "approve only the document you have read"},
		{"approve a malformed hash", pendingValid,
			func(s core.Store, _ string) error { _, err := approveAs(s, adminA, true, 5, "abc"); return err },
			errcode.InvalidArgument, "64 hexadecimal"},
		{"approve by a plain member", pendingValid,
			func(s core.Store, h string) error { _, err := approveAs(s, ada, false, 5, h); return err },
			errcode.Forbidden, "not an organisation admin"},
		{"approve by a non-founder's admin", pendingValid,
			func(s core.Store, h string) error { _, err := approveAs(s, eve, true, 5, h); return err },
			errcode.Forbidden, "not a founding organisation"},
		{"approve twice", func(t *testing.T, s core.Store) string {
			h := pendingValid(t, s)
			_, err := approveAs(s, adminA, true, 2, h)
			require.NoError(t, err)
			return h
		}, func(s core.Store, h string) error { _, err := approveAs(s, adminA, true, 5, h); return err },
			errcode.Conflict, "already approved round 1"},
		{"propose the pending hash again", pendingValid,
			func(s core.Store, _ string) error { _, err := proposeAs(s, adminB, true, 5, valid()); return err },
			errcode.Conflict, "already pending"},
		{"propose after adoption", adopted,
			func(s core.Store, _ string) error { _, err := proposeAs(s, adminB, true, 5, other); return err },
			errcode.Conflict, "already adopted"},
		{"approve after adoption", adopted,
			func(s core.Store, h string) error { _, err := approveAs(s, adminB, true, 5, h); return err },
			errcode.Conflict, "already adopted"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := core.NewMemStore()
			hash := ""
			if tc.setup != nil {
				hash = tc.setup(t, s)
			}
			before := s.Snapshot()
			err := tc.call(s, hash)
			require.Error(t, err)
			assert.True(t, errcode.IsCode(err, tc.code), "code of %v", err)
			assert.Contains(t, err.Error(), tc.want)
			assert.Equal(t, before, s.Snapshot(), "a refusal writes nothing")
		})
	}
}

func pendingValid(t *testing.T, s core.Store) string {
	t.Helper()
	return propose(t, s, valid(), 0).Hash
}

func adopted(t *testing.T, s core.Store) string {
	t.Helper()
	h := pendingValid(t, s)
	for i, msp := range []string{fMSP, aMSP, bMSP} {
		_, err := approveAs(s, adminOf[msp], true, i+1, h)
		require.NoError(t, err)
	}
	return h
}

func TestSecondProposalReplacesAndResetsApprovals(t *testing.T) {
	s := core.NewMemStore()
	p1 := propose(t, s, valid(), 0)
	_, err := approveAs(s, adminA, true, 1, p1.Hash)
	require.NoError(t, err)
	_, err = approveAs(s, adminB, true, 2, p1.Hash)
	require.NoError(t, err)

	g2 := valid()
	g2.Allocations = nil
	p2, err := proposeAs(s, adminA, true, 3, g2)
	require.NoError(t, err)
	assert.Equal(t, int64(2), p2.Round)
	assert.NotEqual(t, p1.Hash, p2.Hash)

	_, err = approveAs(s, adminF, true, 4, p1.Hash)
	require.ErrorIs(t, err, errcode.ErrConflict, "the replaced hash can no longer be approved")
	st, err := Get(s)
	require.NoError(t, err)
	assert.Empty(t, st.Approvals, "round 1's approvals do not count for round 2")
	assert.Equal(t, []string{fMSP, aMSP, bMSP}, st.Missing)

	// FoundationMSP's approval alone does not adopt: the earlier approvals
	// of LabA and LabB were of round 1.
	r, err := approveAs(s, adminF, true, 5, p2.Hash)
	require.NoError(t, err)
	assert.Equal(t, []string{aMSP, bMSP}, r.Missing)
	require.ErrorIs(t, constitution.RequireAdopted(s), errcode.ErrFailedPrecondition)
}

func TestAdoptionIsDeterministic(t *testing.T) {
	run := func() map[string]string {
		s := core.NewMemStore()
		adopted(t, s)
		return s.Snapshot()
	}
	a, b := run(), run()
	require.Equal(t, a, b)
	var ad Adoption
	for k, v := range a {
		if k == adoptedKey() {
			require.NoError(t, json.Unmarshal([]byte(v), &ad))
		}
	}
	assert.Equal(t, int64(1), ad.Version.Version)
}

func TestSameFounders(t *testing.T) {
	g := valid()
	assert.True(t, SameFounders(g, []string{fMSP, aMSP, bMSP}))
	assert.False(t, SameFounders(g, []string{fMSP, aMSP}))
	assert.False(t, SameFounders(g, []string{fMSP, aMSP, bMSP, "LabCMSP"}))
}
