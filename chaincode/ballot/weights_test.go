package ballot

import (
	"math/big"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/delegation"
	"github.com/charter-gov/charter/chaincode/errcode"
)

// The weights CastWeights reports are those the tally counts: after
// delegation, and their sum per choice equals the tallied totals.
func TestCastWeightsAfterDelegation(t *testing.T) {
	w := newWorld(t, constitution.FamilyDelegated, constitution.HouseB, nil)
	a, b, c, d := w.member("a"), w.member("b"), w.member("c"), w.member("d")
	w.mint(a, 100)
	w.mint(b, 50)
	w.mint(c, 30)
	w.mint(d, 7)
	_, err := delegation.Set(w.as(b), delegation.SetRequest{Topic: string(constitution.Budget), Legs: []delegation.Leg{{To: a, Percent: 100}}})
	require.NoError(t, err)
	bal := w.create(a, CreateRequest{})
	w.open(bal)
	w.vote(bal, a, ChoiceFor)
	w.vote(bal, c, ChoiceAgainst)
	bal = w.closeAndTally(bal, 1)

	before := w.s.(interface{ Snapshot() map[string]string }).Snapshot()
	p, err := CastWeights(w.s, w.deps, bal.ID, 0, MaxPageSize)
	require.NoError(t, err)
	assert.Equal(t, before, w.s.(interface{ Snapshot() map[string]string }).Snapshot(), "a query writes nothing")
	assert.Equal(t, Shards, p.NextShard)
	assert.Equal(t, "delegated", p.Family)
	got := map[string]string{}
	sum := map[string]*big.Int{ChoiceFor: new(big.Int), ChoiceAgainst: new(big.Int)}
	for _, cw := range p.Weights {
		got[cw.Voter.ID] = cw.Weight
		assert.True(t, cw.Counted)
		v, ok := new(big.Int).SetString(cw.Weight, 10)
		require.True(t, ok)
		sum[cw.Choice].Add(sum[cw.Choice], v)
	}
	assert.Equal(t, map[string]string{a.ID: "150", c.ID: "30"}, got, "a carries b's delegated 50; d did not vote")
	assert.Equal(t, total(bal.Result, ChoiceFor), sum[ChoiceFor].String())
	assert.Equal(t, total(bal.Result, ChoiceAgainst), sum[ChoiceAgainst].String())
}

func TestCastWeightsQuadraticAndErrors(t *testing.T) {
	w := newWorld(t, constitution.FamilyQuadratic, constitution.HouseB, nil)
	a, b := w.member("a"), w.member("b")
	bal := w.create(a, CreateRequest{})
	w.open(bal)
	_, err := Cast(w.as(a), w.deps, CastRequest{Ballot: bal.ID, Allocations: []Allocation{{Choice: ChoiceFor, Votes: 3}, {Choice: ChoiceAgainst, Votes: 1}}})
	require.NoError(t, err)
	_, err = Cast(w.as(b), w.deps, CastRequest{Ballot: bal.ID, Allocations: []Allocation{{Choice: ChoiceAgainst, Votes: 2}}})
	require.NoError(t, err)
	p, err := CastWeights(w.s, w.deps, bal.ID, 0, 1)
	require.NoError(t, err)
	require.NotEmpty(t, p.Weights)
	all := []CastWeight{}
	for next := 0; next < Shards; {
		p, err := CastWeights(w.s, w.deps, bal.ID, next, 1)
		require.NoError(t, err)
		all = append(all, p.Weights...)
		next = p.NextShard
	}
	got := map[string]string{}
	for _, cw := range all {
		got[cw.Voter.ID] = cw.Weight
	}
	assert.Equal(t, map[string]string{a.ID: "4", b.ID: "2"}, got, "a quadratic voter's power is the votes allocated (3+1 for 10 credits)")

	_, err = CastWeights(w.s, w.deps, "missing", 0, 10)
	assert.Equal(t, errcode.NotFound, errcode.CodeOf(err))
	_, err = CastWeights(w.s, w.deps, bal.ID, 0, MaxPageSize+1)
	assert.Equal(t, errcode.InvalidArgument, errcode.CodeOf(err))
	_, err = CastWeights(w.s, w.deps, bal.ID, -1, 10)
	assert.Equal(t, errcode.InvalidArgument, errcode.CodeOf(err))
}
