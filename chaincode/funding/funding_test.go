package funding

import (
	"encoding/json"
	"flag"
	"fmt"
	"math/big"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/errcode"
)

var update = flag.Bool("update", false, "rewrite the golden round report")

func c(who, org string, amount int64) Contribution {
	return Contribution{Contributor: who, Org: org, Amount: amount}
}

func proj(id string, cs ...Contribution) Project { return Project{ID: id, Contributions: cs} }

const sq = int64(1_000_000_000_000) // S²

// Hand-computed examples (docs/funding.md walks through them).
//
//	X: a=1, b=4            (√1+√4)² − 5  = 4
//	Y: a=100 alone         no pair        = 0
//	Z: four times 1        (4·1)² − 4    = 12
func TestMatchHandComputed(t *testing.T) {
	x := proj("X", c("a", "A", 1), c("b", "B", 4))
	y := proj("Y", c("a", "A", 100))
	z := proj("Z", c("a", "A", 1), c("b", "B", 1), c("c", "C", 1), c("d", "A", 1))
	x2 := proj("X2", c("e", "B", 1), c("f", "C", 4))
	q := Rule{Kind: KindQuadratic}
	for _, tc := range []struct {
		name        string
		rule        Rule
		pool        int64
		ps          []Project
		matches     []int64
		capped      []bool
		unallocated int64
	}{
		{"pool larger than every ideal: ideals paid, rest unallocated", q, 100, []Project{x, y, z}, []int64{4, 0, 12}, []bool{false, false, false}, 84},
		{"pool exactly shared: X 8·4/16, Z 8·12/16", q, 8, []Project{x, y, z}, []int64{2, 0, 6}, []bool{false, false, false}, 0},
		{"dust: X ⌊2.5⌋, Z ⌊7.5⌋, 1 unallocated", q, 10, []Project{x, y, z}, []int64{2, 0, 7}, []bool{false, false, false}, 1},
		{"cap 50% of 10: Z capped at 5, overflow gives X its full ideal 4", Rule{Kind: KindQuadratic, CapBps: 5000}, 10, []Project{x, y, z}, []int64{4, 0, 5}, []bool{false, false, true}, 1},
		{"cap 40% of 10: Z capped at 4, overflow 2 shared by X and X2", Rule{Kind: KindQuadratic, CapBps: 4000}, 10, []Project{x, z, x2}, []int64{3, 4, 3}, []bool{false, true, false}, 0},
		{"cap 30% of 10: every project capped at 3", Rule{Kind: KindQuadratic, CapBps: 3000}, 10, []Project{x, z, x2}, []int64{3, 3, 3}, []bool{true, true, true}, 1},
		{"a cap that rounds down to 0 (41 bps of 100) matches nothing", Rule{Kind: KindQuadratic, CapBps: 41}, 100, []Project{x, z}, []int64{0, 0}, []bool{true, true}, 100},
		{"single contributor gets nothing even from a large pool", q, 1000, []Project{y}, []int64{0}, []bool{false}, 1000},
		{"empty pool", q, 0, []Project{x, z}, []int64{0, 0}, []bool{false, false}, 0},
		// Z has two members of org A: grouped, A=2, B=1, C=1:
		// (√2+1+1)² − 4 = 4√2+2 ≈ 7.657 → weight 7656854249492.
		{"org grouped: Z's two org-A members count as one", Rule{Kind: KindOrgGrouped}, 100, []Project{x, z}, []int64{4, 7}, []bool{false, false}, 89},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := Match(tc.rule, tc.pool, tc.ps)
			require.NoError(t, err)
			got, capped := []int64{}, []bool{}
			for _, o := range rep.Projects {
				got = append(got, o.Match)
				capped = append(capped, o.Capped)
				require.Equal(t, o.Contributed+o.Match, o.Payout)
			}
			require.Equal(t, tc.matches, got)
			require.Equal(t, tc.capped, capped)
			require.Equal(t, tc.unallocated, rep.Unallocated)
			require.Equal(t, tc.pool, rep.Matched+rep.Unallocated)
		})
	}
}

func TestWeightsExact(t *testing.T) {
	ws, err := Weights(Rule{Kind: KindQuadratic}, []Totals{mustAgg(t, KindQuadratic, proj("X", c("a", "A", 1), c("b", "B", 4)))})
	require.NoError(t, err)
	require.Equal(t, big.NewInt(4*sq), ws[0])
	// √2 is rounded down in units of 1/S: r = 1414213 + 1000000.
	ws, err = Weights(Rule{Kind: KindOrgGrouped}, []Totals{mustAgg(t, KindOrgGrouped, proj("G", c("a1", "A", 1), c("a2", "A", 1), c("b", "B", 1)))})
	require.NoError(t, err)
	require.Equal(t, "2828424409369", ws[0].String()) // 2414213² − 3·10¹²
}

func mustAgg(t *testing.T, k Kind, p Project) Totals {
	t.Helper()
	tot, err := Aggregate(k, p)
	require.NoError(t, err)
	return tot
}

// Sybils: one organisation's members splitting one contribution.
func TestSybilsOfOneOrganisationGainNothingWhenGrouped(t *testing.T) {
	var sybils []Contribution
	for i := range 10 {
		sybils = append(sybils, c(fmt.Sprintf("s%d", i), "A", 10))
	}
	honest := proj("H", c("h1", "A", 25), c("h2", "B", 25), c("h3", "C", 50))
	quad, err := Match(Rule{Kind: KindQuadratic}, 1000, []Project{proj("S", sybils...), honest})
	require.NoError(t, err)
	require.Greater(t, quad.Projects[0].Match, quad.Projects[1].Match, "plain quadratic rewards the split")
	grp, err := Match(Rule{Kind: KindOrgGrouped}, 1000, []Project{proj("S", sybils...), honest})
	require.NoError(t, err)
	require.Zero(t, grp.Projects[0].Match, "one organisation is one contributor")
	require.Positive(t, grp.Projects[1].Match)
}

// Pairwise: a pair that funds many projects together is damped.
//
//	P: a=1, b=1, M=1: q = S², T = S²: term = ⌊2·S²·S²/(2S²)⌋ = S² → 1 unit (plain: 2)
//	P and Q both a=1, b=1: T = 2S²: each ⌊2·S⁴/(3S²)⌋ = 666666666666
func TestPairwiseHandComputed(t *testing.T) {
	r := Rule{Kind: KindPairwise, PairwiseM: 1}
	p := proj("P", c("a", "A", 1), c("b", "B", 1))
	ws, err := Weights(r, []Totals{mustAgg(t, r.Kind, p)})
	require.NoError(t, err)
	require.Equal(t, big.NewInt(sq), ws[0])
	q := proj("Q", c("a", "A", 1), c("b", "B", 1))
	ws, err = Weights(r, []Totals{mustAgg(t, r.Kind, p), mustAgg(t, r.Kind, q)})
	require.NoError(t, err)
	require.Equal(t, "666666666666", ws[0].String())
	require.Equal(t, "666666666666", ws[1].String())
	// The same pair over 100 projects stays under 2M in total.
	var ts []Totals
	for i := range 100 {
		ts = append(ts, mustAgg(t, r.Kind, proj(fmt.Sprint(i), c("a", "A", 1000), c("b", "B", 1000))))
	}
	ws, err = Weights(r, ts)
	require.NoError(t, err)
	total := new(big.Int)
	for _, w := range ws {
		total.Add(total, w)
	}
	require.Negative(t, total.Cmp(big.NewInt(2*sq)), "pair total %s", total)
	// A pair splitting into two projects earns no more than together.
	oneProj, err := Match(r, 1_000_000, []Project{proj("J", c("a", "A", 100), c("b", "B", 100))})
	require.NoError(t, err)
	split, err := Match(r, 1_000_000, []Project{proj("J1", c("a", "A", 50), c("b", "B", 50)), proj("J2", c("a", "A", 50), c("b", "B", 50))})
	require.NoError(t, err)
	require.LessOrEqual(t, split.Matched, oneProj.Matched)
}

func TestRuleValidate(t *testing.T) {
	for _, tc := range []struct {
		r  Rule
		ok bool
	}{
		{Rule{Kind: KindQuadratic}, true},
		{Rule{Kind: KindOrgGrouped, CapBps: 10000}, true},
		{Rule{Kind: KindPairwise, PairwiseM: 1}, true},
		{Rule{Kind: KindOrgPairwise, PairwiseM: MaxAmount}, true},
		{Rule{Kind: "linear"}, false},
		{Rule{Kind: KindQuadratic, CapBps: -1}, false},
		{Rule{Kind: KindQuadratic, CapBps: 10001}, false},
		{Rule{Kind: KindPairwise}, false},
		{Rule{Kind: KindQuadratic, PairwiseM: 5}, false},
		{Rule{Kind: KindPairwise, PairwiseM: MaxAmount + 1}, false},
	} {
		err := tc.r.Validate()
		if tc.ok {
			require.NoError(t, err, "%+v", tc.r)
		} else {
			require.True(t, errcode.IsCode(err, errcode.InvalidArgument), "%+v: %v", tc.r, err)
		}
	}
	_, err := Allocate(-1, 0, false, nil)
	require.True(t, errcode.IsCode(err, errcode.InvalidArgument))
	_, err = Aggregate(KindQuadratic, proj("P", c("a", "A", 0)))
	require.True(t, errcode.IsCode(err, errcode.InvalidArgument))
}

// Properties over random rounds: matches never exceed the pool, each
// project's cap or its ideal; conservation; an oracle agrees exactly.
func TestMatchProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	for i := range 300 {
		r := Rule{Kind: Kinds()[rng.IntN(4)]}
		if rng.IntN(3) > 0 {
			r.CapBps = 1 + rng.Int64N(10000)
		}
		if r.Kind.Pairwise() {
			r.PairwiseM = 1 + rng.Int64N(1000)
		}
		pool := rng.Int64N(1_000_000)
		ps := randomRound(rng, 1+rng.IntN(12), 1+rng.IntN(40), 1+rng.Int64N(10_000))
		rep, err := Match(r, pool, ps)
		require.NoError(t, err, "case %d", i)
		checkReport(t, r, pool, ps, rep)
	}
}

func randomRound(rng *rand.Rand, projects, contributors int, maxAmount int64) []Project {
	orgs := []string{"FoundationMSP", "LabAMSP", "LabBMSP"}
	ps := make([]Project, projects)
	for p := range ps {
		ps[p].ID = fmt.Sprintf("p%03d", p)
		for range rng.IntN(2 * contributors) {
			who := rng.IntN(contributors)
			ps[p].Contributions = append(ps[p].Contributions, c(fmt.Sprintf("m%04d", who), orgs[who%3], 1+rng.Int64N(maxAmount)))
		}
	}
	return ps
}

func checkReport(t *testing.T, r Rule, pool int64, ps []Project, rep *Report) {
	t.Helper()
	want := oracle(r, pool, ps)
	var matched, contributed, paid int64
	for i, o := range rep.Projects {
		require.Equal(t, want.weights[i].String(), o.Weight, "weight of %s", o.Project)
		require.Equal(t, want.matches[i], o.Match, "match of %s (rule %+v pool %d)", o.Project, r, pool)
		require.GreaterOrEqual(t, o.Match, int64(0))
		if c := r.Cap(pool); r.CapBps > 0 {
			require.LessOrEqual(t, o.Match, c, "cap")
		}
		ideal := new(big.Int).Quo(want.weights[i], big.NewInt(sq))
		require.LessOrEqual(t, o.Match, ideal.Int64(), "never above the ideal")
		if o.Units < 2 {
			require.Zero(t, o.Match, "a single unit gets no match")
		}
		matched += o.Match
		contributed += o.Contributed
		paid += o.Payout
	}
	require.Equal(t, matched, rep.Matched)
	require.Equal(t, contributed, rep.Contributed)
	require.Equal(t, pool, rep.Matched+rep.Unallocated, "the pool is conserved")
	require.Equal(t, paid, rep.Paid)
	require.Equal(t, contributed+matched, paid, "payouts are contributions plus matches")
	require.LessOrEqual(t, paid, pool+contributed)
}

type oracleResult struct {
	weights []*big.Int
	matches []int64
}

// oracle recomputes the rule from the inputs alone by another route:
// weights as Σ_{u≠v} r_u·r_v + Σ_u (r_u² − S²c_u), pairs over unit names,
// and the allocation by repeated capping with big.Rat.
func oracle(r Rule, pool int64, ps []Project) oracleResult {
	S := big.NewInt(Scale)
	S2 := new(big.Int).Mul(S, S)
	type unit struct {
		name string
		amt  *big.Int
	}
	units := make([][]unit, len(ps))
	for i, p := range ps {
		byName := map[string]*big.Int{}
		var names []string
		for _, cn := range p.Contributions {
			n := cn.Contributor
			if r.Kind.Grouped() {
				n = cn.Org
			}
			if byName[n] == nil {
				byName[n] = new(big.Int)
				names = append(names, n)
			}
			byName[n].Add(byName[n], big.NewInt(cn.Amount))
		}
		for _, n := range names {
			units[i] = append(units[i], unit{n, byName[n]})
		}
	}
	root := func(x *big.Int, scale *big.Int) *big.Int {
		y := new(big.Int).Mul(x, scale)
		return y.Sqrt(y)
	}
	weights := make([]*big.Int, len(ps))
	pairT := map[string]*big.Int{}
	pk := func(a, b string) string {
		if a > b {
			a, b = b, a
		}
		return a + "|" + b
	}
	if r.Kind.Pairwise() {
		for _, us := range units {
			for a := range us {
				for b := range us {
					if a < b {
						q := new(big.Int).Mul(root(us[a].amt, S2), root(us[b].amt, S2))
						k := pk(us[a].name, us[b].name)
						if pairT[k] == nil {
							pairT[k] = new(big.Int)
						}
						pairT[k].Add(pairT[k], q)
					}
				}
			}
		}
	}
	for i, us := range units {
		w := new(big.Int)
		if r.Kind.Pairwise() {
			M := new(big.Int).Mul(big.NewInt(r.PairwiseM), S2)
			for a := range us {
				for b := range us {
					if a < b {
						q := new(big.Int).Mul(root(us[a].amt, S2), root(us[b].amt, S2))
						num := new(big.Int).Mul(q, M)
						num.Mul(num, big.NewInt(2))
						w.Add(w, num.Quo(num, new(big.Int).Add(M, pairT[pk(us[a].name, us[b].name)])))
					}
				}
			}
		} else {
			rs := make([]*big.Int, len(us))
			for a := range us {
				rs[a] = root(us[a].amt, S2)
			}
			for a := range us {
				sq := new(big.Int).Mul(rs[a], rs[a])
				w.Add(w, sq.Sub(sq, new(big.Int).Mul(us[a].amt, S2)))
				for b := range us {
					if a != b {
						w.Add(w, new(big.Int).Mul(rs[a], rs[b]))
					}
				}
			}
			if w.Sign() < 0 {
				w.SetInt64(0)
			}
		}
		weights[i] = w
	}
	// Allocation: bound_p = min(cap, A_p/S²) as rationals; cap repeatedly.
	capU := new(big.Rat)
	if r.CapBps > 0 {
		capU.SetInt(new(big.Int).Quo(new(big.Int).Mul(big.NewInt(pool), big.NewInt(r.CapBps)), big.NewInt(10000)))
	}
	bound := make([]*big.Rat, len(ps))
	for i, w := range weights {
		bound[i] = new(big.Rat).SetFrac(w, S2)
		if r.CapBps > 0 && bound[i].Cmp(capU) > 0 {
			bound[i] = capU
		}
	}
	fixed := make([]bool, len(ps))
	share := make([]*big.Rat, len(ps))
	for {
		R := new(big.Rat).SetInt64(pool)
		W := new(big.Int)
		for i := range ps {
			if fixed[i] {
				R.Sub(R, bound[i])
			} else {
				W.Add(W, weights[i])
			}
		}
		changed := false
		for i := range ps {
			if fixed[i] || weights[i].Sign() == 0 {
				continue
			}
			s := new(big.Rat).Mul(R, new(big.Rat).SetFrac(weights[i], W))
			if s.Cmp(bound[i]) >= 0 {
				fixed[i], changed = true, true
			}
			share[i] = s
		}
		if !changed {
			break
		}
	}
	matches := make([]int64, len(ps))
	for i := range ps {
		var m *big.Rat
		switch {
		case weights[i].Sign() == 0:
			m = new(big.Rat)
		case fixed[i]:
			m = bound[i]
		default:
			m = share[i]
		}
		matches[i] = new(big.Int).Quo(m.Num(), m.Denom()).Int64()
	}
	return oracleResult{weights, matches}
}

// FuzzMatch: the rule equals the oracle exactly and conserves the pool.
func FuzzMatch(f *testing.F) {
	f.Add(uint64(1), uint8(0), uint16(0), int64(100), int64(5))
	f.Add(uint64(2), uint8(1), uint16(4000), int64(10), int64(1<<40))
	f.Add(uint64(3), uint8(2), uint16(10000), int64(1<<62), int64(1<<62))
	f.Add(uint64(4), uint8(3), uint16(1), int64(7), int64(3))
	f.Fuzz(func(t *testing.T, seed uint64, kind uint8, capBps uint16, pool, maxAmount int64) {
		r := Rule{Kind: Kinds()[int(kind)%4], CapBps: int64(capBps) % 10001}
		if r.Kind.Pairwise() {
			r.PairwiseM = 1 + int64(seed%1_000_000)
		}
		if pool < 0 {
			pool = -(pool + 1)
		}
		pool %= MaxAmount + 1
		if maxAmount < 1 {
			maxAmount = 1
		}
		// Every sum stays within MaxAmount: at most 64 contributions.
		maxAmount = min(maxAmount, (MaxAmount-pool)/64+1, MaxAmount/64)
		rng := rand.New(rand.NewPCG(seed, seed>>7))
		ps := randomRound(rng, 1+rng.IntN(4), 1+rng.IntN(8), maxAmount)
		total := 0
		for _, p := range ps {
			total += len(p.Contributions)
		}
		if total > 64 {
			return
		}
		rep, err := Match(r, pool, ps)
		if err != nil {
			require.True(t, errcode.IsCode(err, errcode.InvalidArgument), "%v", err)
			return
		}
		checkReport(t, r, pool, ps, rep)
	})
}

// The golden round report: a fixed round under each kind, byte for byte.
func TestGoldenReport(t *testing.T) {
	rng := rand.New(rand.NewPCG(2026, 11))
	ps := randomRound(rng, 6, 20, 500)
	ps = append(ps, proj("sybil", c("s1", "LabAMSP", 100), c("sq", "LabAMSP", 100), c("s3", "LabAMSP", 100), c("s4", "LabAMSP", 100)))
	type entry struct {
		Name   string  `json:"name"`
		Report *Report `json:"report"`
	}
	var out []entry
	for _, r := range []Rule{
		{Kind: KindQuadratic, CapBps: 2500},
		{Kind: KindOrgGrouped, CapBps: 2500},
		{Kind: KindPairwise, CapBps: 2500, PairwiseM: 200},
		{Kind: KindOrgPairwise, PairwiseM: 200},
	} {
		rep, err := Match(r, 50_000, ps)
		require.NoError(t, err)
		checkReport(t, r, 50_000, ps, rep)
		out = append(out, entry{string(r.Kind), rep})
	}
	got, err := json.MarshalIndent(out, "", "  ")
	require.NoError(t, err)
	path := filepath.Join("testdata", "round-report.golden.json")
	if *update {
		require.NoError(t, os.WriteFile(path, append(got, '\n'), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, string(want), string(got)+"\n")
}

// BenchmarkMatch: 1,000 projects × 100,000 contributions from 20,000
// contributors of three organisations. Per-contributor pairwise matching
// over that round holds about 5 million contributor pairs, more than
// MaxPairs (it is refused); its benchmark uses 20,000 contributions
// (about 190,000 pairs).
func BenchmarkMatch(b *testing.B) {
	round := func(contributions int) []Project {
		rng := rand.New(rand.NewPCG(1, 2))
		orgs := []string{"FoundationMSP", "LabAMSP", "LabBMSP"}
		ps := make([]Project, 1000)
		for i := range ps {
			ps[i].ID = fmt.Sprintf("p%04d", i)
		}
		for range contributions {
			who := rng.IntN(20_000)
			p := rng.IntN(1000)
			ps[p].Contributions = append(ps[p].Contributions, c(fmt.Sprintf("m%05d", who), orgs[who%3], 1+rng.Int64N(10_000)))
		}
		return ps
	}
	full, reduced := round(100_000), round(20_000)
	for _, tc := range []struct {
		r  Rule
		ps []Project
	}{
		{Rule{Kind: KindQuadratic, CapBps: 500}, full},
		{Rule{Kind: KindOrgGrouped, CapBps: 500}, full},
		{Rule{Kind: KindOrgPairwise, CapBps: 500, PairwiseM: 1000}, full},
		{Rule{Kind: KindPairwise, CapBps: 500, PairwiseM: 1000}, reduced},
	} {
		n := 0
		for _, p := range tc.ps {
			n += len(p.Contributions)
		}
		b.Run(fmt.Sprintf("%s/%d", tc.r.Kind, n), func(b *testing.B) {
			for b.Loop() {
				if _, err := Match(tc.r, 10_000_000, tc.ps); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func TestPairwiseRefusesTooManyPairs(t *testing.T) {
	var cs []Contribution
	for i := range 800 { // 800·799/2 > MaxPairs
		cs = append(cs, c(fmt.Sprint(i), "A", 1))
	}
	_, err := Match(Rule{Kind: KindPairwise, PairwiseM: 1}, 10, []Project{proj("big", cs...)})
	require.True(t, errcode.IsCode(err, errcode.InvalidArgument), "%v", err)
}

// A refused matching rule names its field (under the request's "rule")
// and the rule it broke.
func TestRuleValidateNamesFieldAndRule(t *testing.T) {
	for _, tt := range []struct {
		rule        Rule
		field, want string
	}{
		{Rule{Kind: "lottery"}, "rule.kind", "enum"},
		{Rule{Kind: KindQuadratic, CapBps: -1}, "rule.capBps", "range"},
		{Rule{Kind: KindPairwise}, "rule.pairwiseM", "range"},
		{Rule{Kind: KindQuadratic, PairwiseM: 5}, "rule.pairwiseM", "pairwise-only"},
	} {
		err := tt.rule.Validate()
		require.True(t, errcode.IsCode(err, errcode.InvalidArgument), "%+v: %v", tt.rule, err)
		field, rule := errcode.FieldOf(err)
		assert.Equal(t, []string{tt.field, tt.want}, []string{field, rule}, "%+v: %v", tt.rule, err)
	}
}
