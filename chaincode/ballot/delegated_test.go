package ballot

import (
	"fmt"
	"math/big"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/delegation"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/token"
)

// refDelegatedWeight is the reference: the recursion the tally used before
// dynamic programming, which follows every simple chain of at most
// MaxDelegationDepth hops (exponential in the depth; fine for small
// graphs), all in math/big.
func refDelegatedWeight(t testing.TB, s core.Store, b *Ballot, voter identity.Identity) *big.Int {
	t.Helper()
	voted := func(m identity.Identity) bool {
		key, err := VoteKey(b.ID, m)
		require.NoError(t, err)
		raw, err := s.Get(key)
		require.NoError(t, err)
		return raw != nil
	}
	bal := func(m identity.Identity) *big.Int {
		v, err := token.BalanceAt(s, m, b.OpensAt)
		require.NoError(t, err)
		return big.NewInt(v)
	}
	var inflow func(n identity.Identity, depth int64, path []identity.Identity) *big.Int
	inflow = func(n identity.Identity, depth int64, path []identity.Identity) *big.Int {
		total := new(big.Int)
		if depth > b.MaxDelegationDepth {
			return total
		}
		ins, err := delegation.Incoming(s, n, string(b.DecisionType), b.OpensAt)
		require.NoError(t, err)
		for _, in := range ins {
			if onPath(path, in.From) || voted(in.From) {
				continue
			}
			sub := inflow(in.From, depth+1, append(append([]identity.Identity{}, path...), in.From))
			sub.Add(sub, bal(in.From))
			sub.Mul(sub, big.NewInt(in.Percent))
			sub.Quo(sub, big.NewInt(100))
			total.Add(total, sub)
		}
		return total
	}
	return inflow(voter, 1, []identity.Identity{voter}).Add(inflow(voter, 1, []identity.Identity{voter}), bal(voter))
}

func onPath(path []identity.Identity, id identity.Identity) bool {
	for _, p := range path {
		if p == id {
			return true
		}
	}
	return false
}

// scanCounter counts range scans.
type scanCounter struct {
	core.Store
	scans int
}

func (c *scanCounter) Scan(obj string, attrs []string, fn func(string, []byte) error) error {
	c.scans++
	return c.Store.Scan(obj, attrs, fn)
}

// layered builds `layers` layers of 8 members, each delegating 12 % to
// each of the 8 members of the layer below; the bottom layer votes.
func layered(t testing.TB, s core.Store, layers int, maxDepth int64) (*world, *Ballot, [][]identity.Identity) {
	w := newWorldOn(t, s, constitution.FamilyDelegated, constitution.HouseB, nil)
	ids := make([][]identity.Identity, layers)
	for l := range layers {
		for i := range 8 {
			id := w.member(fmt.Sprintf("l%02d-%d", l, i))
			w.mint(id, int64(1000+l*8+i))
			ids[l] = append(ids[l], id)
		}
	}
	for l := 1; l < layers; l++ {
		for _, from := range ids[l] {
			var legs []delegation.Leg
			for _, to := range ids[l-1] {
				legs = append(legs, delegation.Leg{To: to, Percent: 12})
			}
			_, err := delegation.Set(w.as(from), delegation.SetRequest{Topic: delegation.AllTopics, Legs: legs})
			require.NoError(t, err)
		}
	}
	b := w.create(ids[0][0], CreateRequest{})
	b.MaxDelegationDepth = maxDepth
	require.NoError(t, save(w.as(w.admin), b))
	w.open(b)
	for _, v := range ids[0] {
		w.vote(b, v, ChoiceFor)
	}
	return w, b, ids
}

// Finding: the recursion re-read every path, 474 → 2,010 → 14,298 →
// 112,602 range scans for 2–5 layers of 8. Each member's delegations are
// now read once per page: the scans grow with members and delegations,
// and the weights equal the reference.
func TestDelegatedTallyReadsEachMemberOnce(t *testing.T) {
	for layers := 2; layers <= 5; layers++ {
		t.Run(fmt.Sprint(layers), func(t *testing.T) {
			cs := &scanCounter{Store: newSortedStore()}
			w, b, ids := layered(t, cs, layers, 8)
			want := new(big.Int)
			for _, v := range ids[0] {
				if layers <= 4 { // the reference itself is exponential
					want.Add(want, refDelegatedWeight(t, cs, b, v))
				}
			}
			w.now = b.CloseableFrom(testSkew * time.Second)
			_, err := Close(w.as(w.admin), b.ID)
			require.NoError(t, err)
			cs.scans = 0
			p, err := Tally(w.as(w.admin), w.deps, b.ID, MaxPageSize)
			require.NoError(t, err)
			require.True(t, p.Done)
			if layers <= 4 {
				assert.Equal(t, want.String(), total(p.Result, ChoiceFor))
			}
			members, edges := 8*layers, 64*(layers-1)
			// Per member: two in-index scans (topic and all topics) and
			// its own delegation versions; per delegation: the
			// delegator's versions (two scans); plus the 256 vote shards
			// and the supply checkpoint.
			bound := 2*members + 2*edges + Shards + 8
			assert.LessOrEqual(t, cs.scans, bound, "%d layers: %d scans", layers, cs.scans)
			t.Logf("%d layers: %d scans (bound %d)", layers, cs.scans, bound)
		})
	}
}

// A cycle can appear although Set refuses one: here a's topic delegation
// to c expires and uncovers a's all-topics delegation to b and v, while b
// delegates to a. The delegations a→b and b→a lie on a cycle and carry
// nothing; a's delegation to v carries a's own balance.
func TestDelegationCycleCarriesNothing(t *testing.T) {
	topic := string(constitution.Budget)
	w := newWorld(t, constitution.FamilyDelegated, constitution.HouseB, nil)
	a, b, c, v := w.member("a"), w.member("b"), w.member("c"), w.member("v")
	w.mint(a, 100)
	w.mint(b, 1000)
	w.mint(v, 1)
	w.mint(c, 1)
	_, err := delegation.Set(w.as(a), delegation.SetRequest{Topic: delegation.AllTopics, Legs: []delegation.Leg{{To: b, Percent: 50}, {To: v, Percent: 50}}})
	require.NoError(t, err)
	exp := w.now.Add(30 * time.Second)
	_, err = delegation.Set(w.as(a), delegation.SetRequest{Topic: topic, Legs: []delegation.Leg{{To: c, Percent: 100}}, ExpiresAt: &exp})
	require.NoError(t, err)
	_, err = delegation.Set(w.as(b), delegation.SetRequest{Topic: topic, Legs: []delegation.Leg{{To: a, Percent: 100}}})
	require.NoError(t, err, "no cycle while a's budget delegation points to c")
	bal := w.create(v, CreateRequest{}) // opens after testDelay (60 s): a's override has expired
	w.open(bal)
	eff, err := delegation.Effective(w.s, a, topic, bal.OpensAt)
	require.NoError(t, err)
	require.Len(t, eff.Legs, 2, "a's all-topics delegation is back in force")
	w.vote(bal, v, ChoiceFor)
	got := w.closeAndTally(bal, 1)
	assert.Equal(t, "51", total(got.Result, ChoiceFor), "v's 1 plus half of a's 100; b's 1000 never travels round the cycle")
}

// randomDelegated builds a delegated ballot whose delegations point only
// to members with a lower index (acyclic, as Set guarantees), with up to
// three legs each, random balances, depth and voters.
func randomDelegated(t testing.TB, s core.Store, rng *rand.Rand, n int, maxBalance int64) (*world, *Ballot, []identity.Identity) {
	w := newWorldOn(t, s, constitution.FamilyDelegated, constitution.HouseB, nil)
	ids := make([]identity.Identity, n)
	for i := range n {
		ids[i] = w.member(fmt.Sprintf("m%03d", i))
		if bal := rng.Int64N(maxBalance + 1); bal > 0 {
			w.mint(ids[i], bal)
		}
	}
	for i := 1; i < n; i++ {
		if rng.IntN(4) == 0 {
			continue
		}
		var legs []delegation.Leg
		left := int64(100)
		for range 1 + rng.IntN(3) {
			to := ids[rng.IntN(i)]
			if left == 0 || slicesHasLeg(legs, to) {
				continue
			}
			p := 1 + rng.Int64N(left)
			left -= p
			legs = append(legs, delegation.Leg{To: to, Percent: p})
		}
		topic := delegation.AllTopics
		if rng.IntN(2) == 0 {
			topic = string(constitution.Budget)
		}
		_, err := delegation.Set(w.as(ids[i]), delegation.SetRequest{Topic: topic, Legs: legs})
		require.NoError(t, err)
	}
	b := w.create(ids[0], CreateRequest{})
	b.MaxDelegationDepth = 1 + rng.Int64N(8)
	require.NoError(t, save(w.as(w.admin), b))
	w.open(b)
	var voters []identity.Identity
	for i := range n {
		if rng.IntN(3) == 0 {
			c := []string{ChoiceFor, ChoiceAgainst, ChoiceAbstain}[rng.IntN(3)]
			if _, err := Cast(w.as(ids[i]), w.deps, CastRequest{Ballot: b.ID, Choice: c}); err != nil {
				t.Fatal(err)
			}
			voters = append(voters, ids[i])
		}
	}
	return w, b, voters
}

func slicesHasLeg(legs []delegation.Leg, to identity.Identity) bool {
	for _, l := range legs {
		if l.To == to {
			return true
		}
	}
	return false
}

// checkDelegatedAgainstReference tallies in pages and compares with the
// in-memory tally over the reference weights.
func checkDelegatedAgainstReference(t testing.TB, w *world, b *Ballot, voters []identity.Identity, pageSize int) {
	var votes []Weighted
	for _, v := range voters {
		vote, err := VoteOf(w.s, b.ID, v)
		require.NoError(t, err)
		votes = append(votes, Weighted{Vote: *vote, Weight: refDelegatedWeight(t, w.s, b, v)})
	}
	supply, err := token.SupplyAt(w.s, b.OpensAt)
	require.NoError(t, err)
	want := Compute(b, votes, big.NewInt(supply))
	got := w.closeAndTally(b, pageSize)
	require.Equal(t, want, got.Result)
}

func TestDelegatedEqualsReference(t *testing.T) {
	for seed := range uint64(30) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 11))
			w, b, voters := randomDelegated(t, core.NewMemStore(), rng, 5+rng.IntN(30), 1000)
			checkDelegatedAgainstReference(t, w, b, voters, 1+rng.IntN(5))
		})
	}
}

// BenchmarkDelegatedTally: 10,000 members in chains 8 deep. Member k of
// every chain delegates 60 % to member k-1 of its chain and 40 % to member
// k-1 of the next chain, so a voter at the bottom has 2⁷ chains behind
// it; the bottom member of every chain votes.
func BenchmarkDelegatedTally(b *testing.B) {
	const members, depth = 10000, 8
	chains := members / depth
	w := newWorldOn(b, newSortedStore(), constitution.FamilyDelegated, constitution.HouseB, nil)
	ids := make([][]identity.Identity, chains)
	for c := range chains {
		for k := range depth {
			id := w.member(fmt.Sprintf("c%04d-%d", c, k))
			w.mint(id, int64(1+k))
			ids[c] = append(ids[c], id)
		}
	}
	for k := 1; k < depth; k++ {
		for c := range chains {
			legs := []delegation.Leg{{To: ids[c][k-1], Percent: 60}, {To: ids[(c+1)%chains][k-1], Percent: 40}}
			if _, err := delegation.Set(w.as(ids[c][k]), delegation.SetRequest{Topic: string(constitution.Budget), Legs: legs}); err != nil {
				b.Fatal(err)
			}
		}
	}
	bal := w.create(ids[0][0], CreateRequest{})
	bal.MaxDelegationDepth = depth
	if err := save(w.as(w.admin), bal); err != nil {
		b.Fatal(err)
	}
	w.open(bal)
	for c := range chains {
		w.vote(bal, ids[c][0], ChoiceFor)
	}
	w.now = bal.CloseableFrom(testSkew * time.Second)
	if _, err := Close(w.as(w.admin), bal.ID); err != nil {
		b.Fatal(err)
	}
	ss := w.s.(*sortedStore)
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		tk, _ := tallyKey(bal.ID)
		delete(ss.data, tk)
		b.StartTimer()
		pages := 0
		for {
			p, err := Tally(w.as(w.admin), w.deps, bal.ID, DefaultPageSize)
			if err != nil {
				b.Fatal(err)
			}
			pages++
			if p.Done {
				b.StopTimer()
				// At most every member's balance (1..8 per chain) reaches the bottom.
				forW, _ := new(big.Int).SetString(total(p.Result, ChoiceFor), 10)
				if forW == nil || forW.Sign() <= 0 || forW.Cmp(big.NewInt(int64(chains*36))) > 0 {
					b.Fatalf("for = %s, want 1..%d", total(p.Result, ChoiceFor), chains*36)
				}
				got, _ := Get(w.s, bal.ID)
				got.Status, got.Result, got.TalliedAt = StatusClosed, nil, nil
				_ = save(w.as(w.admin), got)
				b.StartTimer()
				break
			}
		}
		b.ReportMetric(float64(pages), "pages")
	}
}
