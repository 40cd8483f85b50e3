// Package funding is Charter's quadratic matching rule: pure, exact
// integer arithmetic (math/big), no store, no Fabric imports. The rounds
// (chaincode/round) feed it the contributions of a closed round and record
// what it returns. docs/funding.md states the rule with worked examples.
//
// # The rule
//
// A project's contributions are first summed per unit: per contributor
// (kinds quadratic and pairwise) or per organisation (org_grouped and
// org_pairwise: one organisation's members are treated as one correlated
// contributor, so splitting money over many identities of one organisation
// gains nothing). With c_u the sum of unit u and S = Scale (10^6):
//
//	r_u = ⌊√(S²·c_u)⌋            (√c_u in units of 1/S, exact integer root)
//	A_p = max(0, (Σ_u r_u)² − S²·Σ_u c_u)
//
// A_p is (Σ√c)² − Σc = Σ_{u≠v} √(c_u·c_v) in units of 1/S². Only the square
// roots are rounded (down, each by less than 1/S); everything after is
// exact. A project with a single unit has no pair and A_p = 0 exactly
// (r² ≤ S²c), so a single contributor (or a single organisation, when
// grouped) gets no match.
//
// Pairwise-bounded matching (pairwise, org_pairwise; Buterin, Hitzig and
// Weyl 2019): each pair of units (u, v) carries, over every project of the
// round, the total T_uv = Σ_p q_uv^p with q_uv^p = r_u^p·r_v^p (the product
// of the two units' rounded roots: √(c_u·c_v) in units of 1/S², rounded
// down by less than S·(√c_u+√c_v)/S², with no further square root), and the
// pair's subsidy is damped by
// M/(M + T_uv), M being Rule.PairwiseM in whole units:
//
//	A_p = Σ_{u<v} ⌊2·q_uv^p·M·S² / (M·S² + T_uv)⌋
//
// so a pair that funds many projects together, or funds one heavily, adds
// less and less: its total over all projects stays below 2·M whatever it
// contributes.
//
// # Scaling to the pool, caps and the dust
//
// A project's ideal match is A_p/S²; with a per-project cap C (CapBps of
// the pool, in whole units) its bound is u_p = min(C, A_p/S²). The matches
// are m_p = min(u_p, λ·A_p) with the largest λ for which Σ m_p ≤ pool (water
// filling: a project at its cap keeps the cap, and what it would have
// taken above it is redistributed to the others in proportion to A_p). In
// integers: with every quantity in units of 1/S², the projects are taken
// in descending A_p; the remaining pool R and remaining weight W decide
// whether the next project saturates (R·A_p ≥ u_p·W); once one does not,
// none of the rest does, and each gets ⌊R·A_p / (W·S²)⌋. A saturated
// project gets ⌊u_p⌋ = min(C, ⌊A_p/S²⌋).
//
// Every match is rounded down, so Σ m_p ≤ pool always. The difference —
// the dust of rounding plus whatever the pool was larger than every
// project's bound — is Report.Unallocated: it is not paid and stays with
// the treasury account that funded the pool. Nothing is lost or created:
// Matched + Unallocated = Pool, and Σ Payout = Contributed + Matched.
package funding

import (
	"fmt"
	"math/big"
	"sort"

	"github.com/charter-gov/charter/chaincode/errcode"
)

// Kind names an anti-collusion option of the matching rule.
type Kind string

// Kinds.
const (
	// KindQuadratic is plain quadratic matching per contributor.
	KindQuadratic Kind = "quadratic"
	// KindOrgGrouped treats each organisation's members as one contributor.
	KindOrgGrouped Kind = "org_grouped"
	// KindPairwise bounds the subsidy of every pair of contributors.
	KindPairwise Kind = "pairwise"
	// KindOrgPairwise groups by organisation and bounds every pair of
	// organisations.
	KindOrgPairwise Kind = "org_pairwise"
)

// Kinds lists every kind.
func Kinds() []Kind { return []Kind{KindQuadratic, KindOrgGrouped, KindPairwise, KindOrgPairwise} }

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool {
	for _, x := range Kinds() {
		if x == k {
			return true
		}
	}
	return false
}

// Grouped reports whether units are organisations.
func (k Kind) Grouped() bool { return k == KindOrgGrouped || k == KindOrgPairwise }

// Pairwise reports whether pairs are bounded.
func (k Kind) Pairwise() bool { return k == KindPairwise || k == KindOrgPairwise }

// Scale is S: square roots are taken in units of 1/S.
const Scale int64 = 1_000_000

// Rules a matching refusal names (errcode.Fieldf), beside "enum", "range"
// and "pairwise-only".
const (
	RuleMaxAmount = "max-amount" // sums (a project's contributions; contributions and pool) stay within MaxAmount
	RuleMaxPairs  = "max-pairs"  // a pairwise rule's round has at most MaxPairs contributor pairs
)

// MaxAmount bounds one contribution sum, the pool and PairwiseM (the token
// package's maximum supply).
const MaxAmount int64 = 1 << 62

// Rule is a matching rule.
type Rule struct {
	Kind Kind `json:"kind"`
	// CapBps is the per-project cap as a share of the pool (1..10000); 0
	// means no cap.
	CapBps int64 `json:"capBps"`
	// PairwiseM is the pairwise bound M in whole units (pairwise kinds
	// only, 1..MaxAmount).
	PairwiseM int64 `json:"pairwiseM,omitempty"`
}

// Validate checks the rule.
func (r Rule) Validate() error {
	if !r.Kind.Valid() {
		return errcode.InvalidFieldf("rule.kind", "enum", "matching rule: unknown kind %s (known: %v)", errcode.Quote(string(r.Kind)), Kinds())
	}
	if r.CapBps < 0 || r.CapBps > 10000 {
		return errcode.InvalidFieldf("rule.capBps", "range", "matching rule: capBps %d is outside 0..10000", r.CapBps)
	}
	if r.Kind.Pairwise() {
		if r.PairwiseM < 1 || r.PairwiseM > MaxAmount {
			return errcode.InvalidFieldf("rule.pairwiseM", "range", "matching rule: pairwise kind %s needs pairwiseM in 1..%d, got %d", r.Kind, MaxAmount, r.PairwiseM)
		}
	} else if r.PairwiseM != 0 {
		return errcode.InvalidFieldf("rule.pairwiseM", "pairwise-only", "matching rule: pairwiseM applies only to pairwise kinds, not %s", r.Kind)
	}
	return nil
}

// Cap returns the per-project cap in whole units for a pool:
// ⌊pool·CapBps/10000⌋ (0 when CapBps is 0, which means no cap; a cap can
// also round down to 0, which means no project is matched).
func (r Rule) Cap(pool int64) int64 {
	if r.CapBps == 0 {
		return 0
	}
	c := new(big.Int).Mul(big.NewInt(pool), big.NewInt(r.CapBps))
	return c.Quo(c, big.NewInt(10000)).Int64()
}

// Contribution is what one contributor gave one project: Amount in Count
// contributions (0 counts as 1).
type Contribution struct {
	Contributor string `json:"contributor"`
	Org         string `json:"org"`
	Amount      int64  `json:"amount"`
	Count       int64  `json:"count,omitempty"`
}

// Project is a project and its contributions.
type Project struct {
	ID            string         `json:"id"`
	Contributions []Contribution `json:"contributions"`
}

// UnitSum is what one unit (a contributor, or an organisation when
// grouped) gave one project.
type UnitSum struct {
	Unit   string `json:"unit"`
	Amount int64  `json:"amount"`
}

// Totals is one project's contributions summed per unit, in unit order.
type Totals struct {
	Project       string    `json:"project"`
	Contributed   int64     `json:"contributed"`
	Contributions int64     `json:"contributions"`
	Contributors  int64     `json:"contributors"`
	Units         []UnitSum `json:"units"`
}

// Aggregate sums a project's contributions per unit of rule kind k, in
// O(n log n). Contributors counts distinct contributors.
func Aggregate(k Kind, p Project) (Totals, error) {
	t := Totals{Project: p.ID, Units: []UnitSum{}}
	sums := make(map[string]int64, len(p.Contributions)) // looked up, never iterated
	seen := make(map[string]bool, len(p.Contributions))
	var units []string
	for i, c := range p.Contributions {
		if c.Amount < 1 || c.Amount > MaxAmount {
			return Totals{}, errcode.InvalidFieldf(fmt.Sprintf("contributions[%d].amount", i), "range", "project %s: contribution of %s: amount %d is outside 1..%d", p.ID, errcode.Quote(c.Contributor), c.Amount, MaxAmount)
		}
		if c.Amount > MaxAmount-t.Contributed {
			return Totals{}, errcode.InvalidFieldf(fmt.Sprintf("contributions[%d].amount", i), RuleMaxAmount, "project %s: contributions exceed %d", p.ID, MaxAmount)
		}
		t.Contributed += c.Amount
		t.Contributions += max(c.Count, 1)
		if !seen[c.Contributor] {
			seen[c.Contributor] = true
			t.Contributors++
		}
		unit := c.Contributor
		if k.Grouped() {
			unit = c.Org
		}
		if _, ok := sums[unit]; !ok {
			units = append(units, unit)
		}
		sums[unit] += c.Amount // ≤ t.Contributed ≤ MaxAmount
	}
	sort.Strings(units)
	for _, u := range units {
		t.Units = append(t.Units, UnitSum{Unit: u, Amount: sums[u]})
	}
	return t, nil
}

// s2 returns S² as a fresh value (no shared mutable state).
func s2() *big.Int { return new(big.Int).Mul(big.NewInt(Scale), big.NewInt(Scale)) }

// Weight returns A_p of one project for a non-pairwise kind:
// max(0, (Σ r_u)² − S²·Σ c_u) with r_u = ⌊√(S²·c_u)⌋.
func Weight(t Totals) *big.Int {
	sumR, sumC, x, bigS2 := new(big.Int), new(big.Int), new(big.Int), s2()
	for _, u := range t.Units {
		x.SetInt64(u.Amount)
		sumC.Add(sumC, x)
		x.Mul(x, bigS2)
		sumR.Add(sumR, x.Sqrt(x))
	}
	a := sumR.Mul(sumR, sumR)
	a.Sub(a, sumC.Mul(sumC, bigS2))
	if a.Sign() < 0 {
		a.SetInt64(0)
	}
	return a
}

// root returns r = ⌊√(S²·c)⌋.
func root(c int64, bigS2 *big.Int) *big.Int {
	x := new(big.Int).Mul(big.NewInt(c), bigS2)
	return x.Sqrt(x)
}

// MaxPairs bounds the unit pairs a pairwise round may hold (Σ over
// projects of n·(n−1)/2 for n units): the matching page computes each.
const MaxPairs = 250_000

type pair struct{ u, v int32 }

// Weights returns A_p of every project under rule r, in order.
func Weights(r Rule, ts []Totals) ([]*big.Int, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	out := make([]*big.Int, len(ts))
	if !r.Kind.Pairwise() {
		for i := range ts {
			out[i] = Weight(ts[i])
		}
		return out, nil
	}
	// Pairs are bounded before anything is computed.
	var pairs int64
	for _, t := range ts {
		n := int64(len(t.Units))
		pairs += n * (n - 1) / 2
		if pairs > MaxPairs {
			return nil, errcode.InvalidFieldf("rule.kind", RuleMaxPairs, "pairwise matching: more than %d contributor pairs in the round; use an org_pairwise or org_grouped rule", MaxPairs)
		}
	}
	bigS2 := s2()
	// Intern units so pairs are small keys, and take each unit's root once
	// per project. The maps are only looked up, never iterated.
	ids := map[string]int32{}
	idx := make([][]int32, len(ts))
	roots := make([][]*big.Int, len(ts))
	for i, t := range ts {
		idx[i] = make([]int32, len(t.Units))
		roots[i] = make([]*big.Int, len(t.Units))
		for j, u := range t.Units {
			id, ok := ids[u.Unit]
			if !ok {
				id = int32(len(ids))
				ids[u.Unit] = id
			}
			idx[i][j] = id
			roots[i][j] = root(u.Amount, bigS2)
		}
	}
	key := func(a, b int32) pair {
		if a > b {
			a, b = b, a
		}
		return pair{a, b}
	}
	// Pass 1: T_uv = Σ_p r_u·r_v over every project.
	tot := map[pair]*big.Int{}
	q := new(big.Int)
	for i := range ts {
		rs := roots[i]
		for a := range rs {
			for b := a + 1; b < len(rs); b++ {
				k := key(idx[i][a], idx[i][b])
				q.Mul(rs[a], rs[b])
				if cur, ok := tot[k]; ok {
					cur.Add(cur, q)
				} else {
					tot[k] = new(big.Int).Set(q)
				}
			}
		}
	}
	// Pass 2: A_p = Σ ⌊2·q·M·S² / (M·S² + T)⌋.
	ms2 := new(big.Int).Mul(big.NewInt(r.PairwiseM), bigS2)
	num, den := new(big.Int), new(big.Int)
	for i := range ts {
		rs := roots[i]
		a := new(big.Int)
		for x := range rs {
			for y := x + 1; y < len(rs); y++ {
				num.Mul(rs[x], rs[y])
				num.Mul(num, ms2)
				num.Lsh(num, 1)
				den.Add(ms2, tot[key(idx[i][x], idx[i][y])])
				a.Add(a, num.Quo(num, den))
			}
		}
		out[i] = a
	}
	return out, nil
}

// Allocation is the result of Allocate.
type Allocation struct {
	Matches     []int64
	Capped      []bool
	Matched     int64
	Unallocated int64
}

// Allocate shares pool among weights (A_p in units of 1/S²) with the
// per-project cap capUnits when hasCap (a cap may round down to 0), by the
// water-filling rule of the package documentation.
func Allocate(pool, capUnits int64, hasCap bool, weights []*big.Int) (*Allocation, error) {
	if pool < 0 || pool > MaxAmount {
		return nil, errcode.InvalidFieldf("pool", "range", "matching pool %d is outside 0..%d", pool, MaxAmount)
	}
	if capUnits < 0 {
		return nil, errcode.InvalidFieldf("cap", "range", "matching cap %d is negative", capUnits)
	}
	n := len(weights)
	al := &Allocation{Matches: make([]int64, n), Capped: make([]bool, n)}
	order := make([]int, 0, n)
	W := new(big.Int)
	for i, w := range weights {
		if w == nil || w.Sign() < 0 {
			return nil, errcode.InvalidFieldf(fmt.Sprintf("weights[%d]", i), "range", "matching weight %d is negative or missing", i)
		}
		if w.Sign() > 0 {
			order = append(order, i)
			W.Add(W, w)
		}
	}
	bigS2 := s2()
	sort.SliceStable(order, func(a, b int) bool { return weights[order[a]].Cmp(weights[order[b]]) > 0 })
	R := new(big.Int).Mul(big.NewInt(pool), bigS2) // remaining pool, 1/S² units
	capS := new(big.Int).Mul(big.NewInt(capUnits), bigS2)
	lhs, rhs, u := new(big.Int), new(big.Int), new(big.Int)
	k := 0
	for ; k < len(order); k++ {
		a := weights[order[k]]
		u.Set(a)
		capped := false
		if hasCap && capS.Cmp(a) < 0 {
			u.Set(capS)
			capped = true
		}
		if lhs.Mul(R, a).Cmp(rhs.Mul(u, W)) < 0 {
			break // λ·A_p < u_p: this one and every later one share R
		}
		q := new(big.Int).Quo(u, bigS2)
		al.Matches[order[k]] = q.Int64()
		al.Capped[order[k]] = capped
		R.Sub(R, u)
		W.Sub(W, a)
	}
	if k < len(order) {
		den := new(big.Int).Mul(W, bigS2)
		for ; k < len(order); k++ {
			m := new(big.Int).Mul(R, weights[order[k]])
			al.Matches[order[k]] = m.Quo(m, den).Int64()
		}
	}
	for _, m := range al.Matches {
		al.Matched += m // each ≤ pool and Σ ≤ pool: no overflow
	}
	al.Unallocated = pool - al.Matched
	if al.Unallocated < 0 {
		return nil, errcode.New(errcode.Internal, "matching allocated %d of a pool of %d", al.Matched, pool)
	}
	return al, nil
}

// Outcome is one project's line of a report.
type Outcome struct {
	Project       string `json:"project"`
	Contributed   int64  `json:"contributed"`
	Contributions int64  `json:"contributions"`
	Contributors  int64  `json:"contributors"`
	Units         int64  `json:"units"`
	// Weight is A_p in units of 1/S² (a decimal integer).
	Weight string `json:"weight"`
	Match  int64  `json:"match"`
	Capped bool   `json:"capped"`
	// Payout is Contributed + Match.
	Payout int64 `json:"payout"`
}

// Report is the result of a round's matching.
type Report struct {
	Rule  Rule  `json:"rule"`
	Scale int64 `json:"scale"`
	Pool  int64 `json:"pool"`
	// Cap is the per-project cap in whole units when Rule.CapBps > 0.
	Cap         int64     `json:"cap"`
	Projects    []Outcome `json:"projects"`
	Contributed int64     `json:"contributed"`
	Matched     int64     `json:"matched"`
	// Unallocated is Pool − Matched: rounding dust and whatever the pool
	// exceeded every project's bound by. It stays in the account that
	// funded the pool.
	Unallocated int64 `json:"unallocated"`
	Paid        int64 `json:"paid"`
}

// Compute runs the whole rule on per-project totals (in the order given).
func Compute(r Rule, pool int64, ts []Totals) (*Report, error) {
	ws, err := Weights(r, ts)
	if err != nil {
		return nil, err
	}
	capU := r.Cap(pool)
	al, err := Allocate(pool, capU, r.CapBps > 0, ws)
	if err != nil {
		return nil, err
	}
	rep := &Report{Rule: r, Scale: Scale, Pool: pool, Cap: capU, Projects: make([]Outcome, len(ts)), Matched: al.Matched, Unallocated: al.Unallocated}
	for i, t := range ts {
		if t.Contributed > MaxAmount-al.Matched-rep.Contributed {
			return nil, errcode.InvalidFieldf("pool", RuleMaxAmount, "matching: contributions and pool exceed %d", MaxAmount)
		}
		rep.Contributed += t.Contributed
		rep.Projects[i] = Outcome{Project: t.Project, Contributed: t.Contributed, Contributions: t.Contributions,
			Contributors: t.Contributors, Units: int64(len(t.Units)), Weight: ws[i].String(), Match: al.Matches[i],
			Capped: al.Capped[i], Payout: t.Contributed + al.Matches[i]}
	}
	rep.Paid = rep.Contributed + rep.Matched
	return rep, nil
}

// Match aggregates each project's contributions and runs the rule.
func Match(r Rule, pool int64, ps []Project) (*Report, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	ts := make([]Totals, len(ps))
	for i, p := range ps {
		t, err := Aggregate(r.Kind, p)
		if err != nil {
			return nil, fmt.Errorf("matching: %w", err)
		}
		ts[i] = t
	}
	return Compute(r, pool, ts)
}
