package ballot

import (
	"math"
	"math/big"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/membership"
)

func TestISqrt(t *testing.T) {
	for _, tt := range []struct{ n, want int64 }{
		{-5, 0}, {0, 0}, {1, 1}, {2, 1}, {3, 1}, {4, 2}, {24, 4}, {25, 5}, {26, 5},
		{constitution.MaxVoiceCredits, 1_000_000}, {constitution.MaxVoiceCredits - 1, 999_999},
		{1 << 62, 1 << 31}, {math.MaxInt64, 3037000499},
	} {
		assert.Equal(t, tt.want, ISqrt(tt.n), "isqrt(%d)", tt.n)
	}
}

// With voice credits at the constitution's maximum (10¹²), an allocation of
// 2³² votes squares to 2⁶⁴, which wraps to 0 in an int64. Before the
// integer-square-root bound these votes were accepted at a cost of 0
// credits; they must be refused and change nothing.
func TestQuadraticCostCannotWrap(t *testing.T) {
	w := newWorld(t, constitution.FamilyQuadratic, constitution.HouseB, func(r *constitution.DecisionRule) {
		r.VoiceCredits = constitution.MaxVoiceCredits
	})
	a := w.member("a")
	bal := w.create(a, CreateRequest{Options: []string{"gpu", "docs"}})
	w.open(bal)
	for _, as := range [][]Allocation{
		{{"gpu", 1 << 32}},
		{{"gpu", 3 << 32}},
		{{"gpu", 1}, {"docs", 1 << 32}},
		{{"gpu", 1_000_000}, {"docs", 1}}, // exactly the credits, then one more
		{{"gpu", 1_000_001}},
	} {
		ms := w.s.(*core.MemStore)
		before, writes := ms.Snapshot(), ms.Writes
		_, err := Cast(w.as(a), w.deps, CastRequest{Ballot: bal.ID, Allocations: as})
		require.ErrorIs(t, err, errcode.ErrInvalidArgument, "%v", as)
		assert.Contains(t, err.Error(), "more than the 1000000000000 voice credits")
		assert.Equal(t, before, ms.Snapshot(), "%v: nothing changed", as)
		assert.Equal(t, writes, ms.Writes)
	}
	v, err := Cast(w.as(a), w.deps, CastRequest{Ballot: bal.ID, Allocations: []Allocation{{"gpu", 999_999}, {"docs", 1414}}})
	require.NoError(t, err)
	want := new(big.Int).Add(new(big.Int).Mul(big.NewInt(999_999), big.NewInt(999_999)), big.NewInt(1414*1414))
	assert.Equal(t, want.Int64(), v.Credits)
	assert.LessOrEqual(t, v.Credits, constitution.MaxVoiceCredits)
}

// A seat holder who votes and then loses the seat counted as a voter but
// not in the electorate, so participation could exceed 100 %. Voters and
// electorate now pass the same test: such a vote is read, not counted.
func TestSeatLostAfterVotingCountsInNeither(t *testing.T) {
	w := newWorld(t, constitution.FamilySeat, constitution.HouseA, func(r *constitution.DecisionRule) { r.QuorumBps = 5000 })
	s1, s2 := w.member("s1", membership.RoleHouseA), w.member("s2", membership.RoleHouseA)
	w.member("s3", membership.RoleHouseA)
	bal := w.create(s1, CreateRequest{})
	w.open(bal)
	w.vote(bal, s1, ChoiceFor)
	w.vote(bal, s2, ChoiceFor)
	for _, id := range []identity.Identity{s1, s2} {
		_, err := membership.RevokeRoleByDecision(w.tx(w.admin, false), id, membership.RoleHouseA, "seat-removal")
		require.NoError(t, err)
	}
	got := w.closeAndTally(bal, 1)
	assert.Equal(t, "1", got.Result.Electorate, "only s3 still holds a seat")
	assert.Equal(t, "0", got.Result.Participation, "neither former seat holder counts")
	assert.Equal(t, int64(2), got.Result.VotesRead)
	assert.Equal(t, int64(0), got.Result.VotesCounted)
	assert.Equal(t, "0", total(got.Result, ChoiceFor))
	assert.False(t, got.Result.QuorumReached)
	assert.Equal(t, StatusDefeated, got.Status)
}
