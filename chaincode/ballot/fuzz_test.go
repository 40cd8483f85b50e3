package ballot

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/membership"
	"github.com/charter-gov/charter/chaincode/token"
)

// One fuzz target per weighing function. Each builds a ballot from the
// fuzzer's input, tallies it in pages, and compares the result with an
// oracle that computes every weight, sum and product in math/big from the
// inputs alone.

// FuzzQuadraticCost: checkAllocations accepts exactly the allocations
// whose Σ votes², computed in math/big, fits the credits, and charges that.
func FuzzQuadraticCost(f *testing.F) {
	f.Add(int64(25), int64(5), int64(0), int64(0))
	f.Add(constitution.MaxVoiceCredits, int64(1)<<32, int64(0), int64(0))
	f.Add(constitution.MaxVoiceCredits, int64(3)<<32, int64(1), int64(0))
	f.Add(constitution.MaxVoiceCredits, int64(999_999), int64(1414), int64(1))
	f.Add(int64(100), int64(7), int64(7), int64(1))
	f.Fuzz(func(t *testing.T, credits, v1, v2, v3 int64) {
		if credits < 1 || credits > constitution.MaxVoiceCredits {
			credits = 1 + (credits&math.MaxInt64)%constitution.MaxVoiceCredits
		}
		b := &Ballot{ID: "q", Kind: KindDecision, Family: constitution.FamilyQuadratic, Options: []string{"x", "y", "z"}, VoiceCredits: credits}
		var as []Allocation
		for i, v := range []int64{v1, v2, v3} {
			if v != 0 {
				as = append(as, Allocation{Choice: []string{"x", "y", "z"}[i], Votes: v})
			}
		}
		cost, err := checkAllocations(b, as)
		want, ok := new(big.Int), len(as) > 0
		for _, a := range as {
			if a.Votes < 1 {
				ok = false
			}
			want.Add(want, new(big.Int).Mul(big.NewInt(a.Votes), big.NewInt(a.Votes)))
		}
		ok = ok && want.Cmp(big.NewInt(credits)) <= 0
		if !ok {
			require.Error(t, err, "allocations %v cost %s of %d credits", as, want, credits)
			return
		}
		require.NoError(t, err)
		require.Equal(t, want.String(), fmt.Sprint(cost))
	})
}

// fuzzVoters registers n members (n from the input) and returns them.
func fuzzVoters(w *world, n int, roles ...membership.Role) []identity.Identity {
	ids := make([]identity.Identity, n)
	for i := range n {
		ids[i] = w.member(fmt.Sprintf("f%03d", i), roles...)
	}
	return ids
}

// tallyAgainst tallies b in pages and compares with Compute over the
// oracle's weights and electorate.
func tallyAgainst(t *testing.T, w *world, b *Ballot, votes []Weighted, electorate *big.Int, pageSize int) *Ballot {
	want := Compute(b, votes, electorate)
	got := w.closeAndTally(b, pageSize)
	require.Equal(t, want, got.Result)
	return got
}

// FuzzTokenWeight: weight is the balance at opening, up to MaxSupply in
// total; totals, participation and quorum products exceed an int64.
func FuzzTokenWeight(f *testing.F) {
	f.Add(uint64(1), uint8(5), true)
	f.Add(uint64(2), uint8(12), false)
	f.Fuzz(func(t *testing.T, seed uint64, n uint8, huge bool) {
		rng := rand.New(rand.NewPCG(seed, 1))
		w := newWorld(t, constitution.FamilyToken, constitution.HouseB, func(r *constitution.DecisionRule) { r.QuorumBps = rng.Int64N(10001) })
		ids := fuzzVoters(w, 1+int(n)%12)
		limit := int64(1000)
		if huge {
			limit = token.MaxSupply / int64(len(ids))
		}
		bals := map[identity.Identity]int64{}
		for _, id := range ids {
			bals[id] = 1 + rng.Int64N(limit)
			w.mint(id, bals[id])
		}
		b := w.create(ids[0], CreateRequest{})
		w.open(b)
		var votes []Weighted
		for _, id := range ids {
			if rng.IntN(4) > 0 {
				c := b.Choices()[rng.IntN(3)]
				w.vote(b, id, c)
				votes = append(votes, Weighted{Vote: Vote{Voter: id, Choice: c}, Weight: big.NewInt(bals[id])})
			}
		}
		supply := new(big.Int)
		for _, id := range ids {
			supply.Add(supply, big.NewInt(bals[id]))
		}
		tallyAgainst(t, w, b, votes, supply, 1+rng.IntN(4))
	})
}

// FuzzDelegatedWeight: the dynamic programme equals the recursion over
// every chain (refDelegatedWeight, math/big) on random acyclic graphs.
func FuzzDelegatedWeight(f *testing.F) {
	f.Add(uint64(1), uint8(10), false)
	f.Add(uint64(7), uint8(25), true)
	f.Fuzz(func(t *testing.T, seed uint64, n uint8, huge bool) {
		rng := rand.New(rand.NewPCG(seed, 2))
		size := 2 + int(n)%25
		maxBal := int64(1000)
		if huge {
			maxBal = token.MaxSupply / int64(size)
		}
		w, b, voters := randomDelegated(t, core.NewMemStore(), rng, size, maxBal)
		checkDelegatedAgainstReference(t, w, b, voters, 1+rng.IntN(4))
	})
}

// FuzzReputationWeight: weight is the score at opening, up to MaxInt64
// each, so sums of weights overflow an int64 and must not.
func FuzzReputationWeight(f *testing.F) {
	f.Add(uint64(1), uint8(4), true)
	f.Add(uint64(3), uint8(9), false)
	f.Fuzz(func(t *testing.T, seed uint64, n uint8, huge bool) {
		rng := rand.New(rand.NewPCG(seed, 3))
		w := newWorld(t, constitution.FamilyReputation, constitution.HouseB, func(r *constitution.DecisionRule) { r.QuorumBps = rng.Int64N(10001) })
		ids := fuzzVoters(w, 1+int(n)%12)
		electorate := new(big.Int)
		for _, id := range ids {
			sc := rng.Int64N(1000)
			if huge {
				sc = math.MaxInt64 - rng.Int64N(1000)
			}
			w.rep[id] = sc
			electorate.Add(electorate, big.NewInt(sc))
		}
		if w.rep[ids[0]] == 0 { // the proposer
			w.rep[ids[0]] = 1
			electorate.Add(electorate, big.NewInt(1))
		}
		b := w.create(ids[0], CreateRequest{})
		w.open(b)
		var votes []Weighted
		for _, id := range ids {
			if w.rep[id] > 0 && rng.IntN(4) > 0 {
				c := b.Choices()[rng.IntN(3)]
				w.vote(b, id, c)
				votes = append(votes, Weighted{Vote: Vote{Voter: id, Choice: c}, Weight: big.NewInt(w.rep[id])})
			}
		}
		tallyAgainst(t, w, b, votes, electorate, 1+rng.IntN(4))
	})
}

// FuzzSeatWeight: one seat, one vote; the electorate is the number of
// seats when voting opened and never less than the voters.
func FuzzSeatWeight(f *testing.F) {
	f.Add(uint64(1), uint8(5))
	f.Fuzz(func(t *testing.T, seed uint64, n uint8) {
		rng := rand.New(rand.NewPCG(seed, 4))
		w := newWorld(t, constitution.FamilySeat, constitution.HouseA, func(r *constitution.DecisionRule) { r.QuorumBps = rng.Int64N(10001) })
		seats := fuzzVoters(w, 1+int(n)%15, membership.RoleHouseA)
		w.member("plain") // not in the electorate
		b := w.create(seats[0], CreateRequest{})
		w.open(b)
		var votes []Weighted
		for _, id := range seats {
			if rng.IntN(3) > 0 {
				c := b.Choices()[rng.IntN(3)]
				w.vote(b, id, c)
				votes = append(votes, Weighted{Vote: Vote{Voter: id, Choice: c}, Weight: big.NewInt(1)})
			}
		}
		got := tallyAgainst(t, w, b, votes, big.NewInt(int64(len(seats))), 1+rng.IntN(4))
		part, _ := new(big.Int).SetString(got.Result.Participation, 10)
		el, _ := new(big.Int).SetString(got.Result.Electorate, 10)
		require.LessOrEqual(t, part.Cmp(el), 0, "participation never exceeds the electorate")
	})
}

// FuzzPollWeight: one answer per voter; the Likert distribution, sum and
// mean (thousandths, half up) against math/big.
func FuzzPollWeight(f *testing.F) {
	f.Add(uint64(1), uint8(7))
	f.Fuzz(func(t *testing.T, seed uint64, n uint8) {
		rng := rand.New(rand.NewPCG(seed, 5))
		w := newWorld(t, constitution.FamilyToken, constitution.HouseB, nil)
		ids := fuzzVoters(w, 1+int(n)%20)
		b := w.create(ids[0], CreateRequest{Kind: KindPoll, Title: "How legitimate?", VotingPeriodSec: 60})
		w.open(b)
		count, sum := new(big.Int), new(big.Int)
		dist := make([]int64, Likert)
		var votes []Weighted
		for _, id := range ids {
			if rng.IntN(4) > 0 {
				a := 1 + rng.IntN(Likert)
				w.vote(b, id, fmt.Sprint(a))
				votes = append(votes, Weighted{Vote: Vote{Voter: id, Choice: fmt.Sprint(a)}, Weight: big.NewInt(1)})
				dist[a-1]++
				count.Add(count, big.NewInt(1))
				sum.Add(sum, big.NewInt(int64(a)))
			}
		}
		got := tallyAgainst(t, w, b, votes, new(big.Int), 1+rng.IntN(4))
		l := got.Result.Likert
		require.Equal(t, dist, l.Distribution)
		require.Equal(t, count.Int64(), l.Count)
		require.Equal(t, sum.Int64(), l.Sum)
		if count.Sign() > 0 {
			// round(sum × 1000 / count), halves up = ⌊(2000·sum + count) / (2·count)⌋
			milli := new(big.Int).Mul(sum, big.NewInt(2000))
			milli.Add(milli, count).Quo(milli, new(big.Int).Mul(count, big.NewInt(2)))
			require.Equal(t, milli.Int64(), l.MeanMilli)
			require.Equal(t, fmt.Sprintf("%s/%s", sum, count), l.Mean)
		}
	})
}
