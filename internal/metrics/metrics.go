// Package metrics computes the paper's governance metrics (Table 1 of
// "Design Patterns That Work") from what the ledger recorded: per voting
// family and per decision type, over a time range,
//
//   - participation: distinct voters / members eligible for the ballots,
//     and distinct voters / active contributors (members with a
//     contribution attested in the 90 days before the range's end — the
//     paper's definition, which can exceed 100 % when members who
//     contributed nothing recently vote);
//   - decision latency: proposal to final state (executed, rejected,
//     overturned), median and 90th percentile, in days;
//   - voting-power concentration: the Gini coefficient and the Nakamoto
//     coefficient (fewest voters holding more than half) of the effective
//     weights actually cast on each ballot, after delegation, averaged
//     over the ballots;
//   - perceived legitimacy: the mean answer of the 1–7 polls;
//   - governance incidents per year (and severity-weighted).
//
// It is client code: the metrics are reports, not decisions, so they use
// floating point; weights are summed and compared exactly (math/big)
// before the final division. The same Dataset comes from the ledger
// (Collect) or from a synthetic community (internal/simulate).
package metrics

import (
	"fmt"
	"math"
	"math/big"
	"slices"
	"sort"
	"strings"
	"time"
)

// Families are the voting families in the order of the paper's Table 1,
// then one seat one vote (House A).
func Families() []string { return []string{"token", "delegated", "quadratic", "reputation", "seat"} }

// FamilyLabel is a family's name in Table 1.
func FamilyLabel(f string) string {
	switch f {
	case "token":
		return "Token-Weighted (TW)"
	case "delegated":
		return "Delegated / Liquid (DG)"
	case "quadratic":
		return "Quadratic (QV)"
	case "reputation":
		return "Reputation-Weighted (RW)"
	case "seat":
		return "Seat (House A)"
	}
	return f
}

// ActiveWindow is how far back a contribution makes a member an active
// contributor (the paper: 90 days).
const ActiveWindow = 90 * 24 * time.Hour

// Member is a member as the metrics need it.
type Member struct {
	ID           string
	RegisteredAt time.Time
	// RemovedAt is set for a removed member.
	RemovedAt *time.Time
	// HouseASince is since when the member holds a House A seat, if it does.
	HouseASince *time.Time
	// Contributions are the times of the member's attested contributions.
	Contributions []time.Time
}

func (m *Member) activeAt(t time.Time) bool {
	return !m.RegisteredAt.After(t) && (m.RemovedAt == nil || m.RemovedAt.After(t))
}

// Vote is one counted vote and its effective weight (after delegation).
type Vote struct {
	Voter  string
	Weight *big.Int
}

// Ballot is a decision ballot or a poll.
type Ballot struct {
	ID           string
	Poll         bool
	Family       string // decision ballots
	DecisionType string // decision ballots; polls that name one
	House        string
	Decision     string
	OpensAt      time.Time
	Votes        []Vote
	// LikertSum and LikertCount are a poll's answers (1–7).
	LikertSum, LikertCount int64
}

// Decision is a decision's type, families and time line.
type Decision struct {
	ID         string
	Type       string
	Families   []string
	ProposedAt time.Time
	// FinalAt is when it reached a final state (executed, rejected,
	// overturned); nil while it is still open.
	FinalAt *time.Time
}

// Incident is one record of the incident register.
type Incident struct {
	ID         string
	Kind       string
	Severity   string
	Decision   string
	OccurredAt time.Time
}

// SeverityWeight weighs an incident by severity (low 1 … critical 4).
func SeverityWeight(s string) int {
	switch s {
	case "low":
		return 1
	case "medium":
		return 2
	case "high":
		return 3
	case "critical":
		return 4
	}
	return 1
}

// Dataset is everything the metrics read.
type Dataset struct {
	// Start and End bound the chain: the founding act and the moment the
	// data was read.
	Start, End time.Time
	Members    []Member
	Ballots    []Ballot
	Decisions  []Decision
	Incidents  []Incident
	// Routes gives each decision type's voting families (the constitution
	// in force), to attribute polls on a decision type to families.
	Routes map[string][]string
}

// Options select what to report.
type Options struct {
	// From and To bound the range [From, To); zero means the chain's
	// start and end.
	From, To time.Time
	// Families limits the family rows; empty means all.
	Families []string
}

// Row is one line of the report.
type Row struct {
	Group string `json:"group"` // "family", "decisionType" or "all"
	Key   string `json:"key"`
	Label string `json:"label"`

	Ballots   int `json:"ballots"`
	Polls     int `json:"polls"`
	Decisions int `json:"decisions"`
	Final     int `json:"finalDecisions"`

	Voters             int      `json:"voters"`
	Eligible           int      `json:"eligible"`
	ActiveContributors int      `json:"activeContributors"`
	ParticipationPct   *float64 `json:"participationPct"`       // voters / eligible × 100
	ParticipationAct   *float64 `json:"participationActivePct"` // voters / active contributors × 100
	// BallotTurnoutPct is the mean over the ballots of each ballot's
	// voters / members eligible when it opened × 100.
	BallotTurnoutPct *float64 `json:"ballotTurnoutPct"`

	LatencyMedianDays *float64 `json:"latencyMedianDays"`
	LatencyP90Days    *float64 `json:"latencyP90Days"`

	Gini     *float64 `json:"gini"`
	Nakamoto *float64 `json:"nakamoto"`

	Legitimacy          *float64 `json:"legitimacy"`
	LegitimacyResponses int64    `json:"legitimacyResponses"`

	Incidents               int      `json:"incidents"`
	IncidentsPerYear        *float64 `json:"incidentsPerYear"`
	SeverityWeightedPerYear *float64 `json:"severityWeightedPerYear"`
}

// Report is the metrics over one range.
type Report struct {
	From          time.Time `json:"from"`
	To            time.Time `json:"to"`
	Years         float64   `json:"years"`
	Families      []Row     `json:"families"`
	DecisionTypes []Row     `json:"decisionTypes"`
	All           Row       `json:"all"`
}

// Compute computes the report.
//
// Errors: the range is empty or outside the chain; an unknown family.
func Compute(ds *Dataset, opt Options) (*Report, error) {
	from, to := opt.From, opt.To
	if from.IsZero() {
		from = ds.Start
	}
	if to.IsZero() {
		to = ds.End
	}
	if !from.Before(to) {
		return nil, fmt.Errorf("metrics: the range %s .. %s is empty (from must be before to)", stamp(from), stamp(to))
	}
	if !to.After(ds.Start) || !from.Before(ds.End) {
		return nil, fmt.Errorf("metrics: the range %s .. %s is outside the chain, which runs from %s to %s", stamp(from), stamp(to), stamp(ds.Start), stamp(ds.End))
	}
	fams := opt.Families
	if len(fams) == 0 {
		fams = Families()
	}
	for _, f := range fams {
		if !slices.Contains(Families(), f) {
			return nil, fmt.Errorf("metrics: unknown voting family %q (families: %s)", f, strings.Join(Families(), ", "))
		}
	}
	c := &calc{ds: ds, from: from, to: to}
	c.index()
	r := &Report{From: from, To: to, Years: to.Sub(from).Hours() / (24 * 365.25)}
	for _, f := range fams {
		r.Families = append(r.Families, c.row("family", f, FamilyLabel(f),
			func(b *Ballot) bool { return !b.Poll && b.Family == f },
			func(d *Decision) bool { return slices.Contains(d.Families, f) },
			func(p *Ballot) bool { return p.DecisionType != "" && slices.Contains(ds.Routes[p.DecisionType], f) }))
	}
	for _, t := range c.types() {
		r.DecisionTypes = append(r.DecisionTypes, c.row("decisionType", t, t,
			func(b *Ballot) bool { return !b.Poll && b.DecisionType == t },
			func(d *Decision) bool { return d.Type == t },
			func(p *Ballot) bool { return p.DecisionType == t }))
	}
	r.All = c.row("all", "all", "All", func(b *Ballot) bool { return !b.Poll }, func(*Decision) bool { return true }, func(*Ballot) bool { return true })
	return r, nil
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

type calc struct {
	ds       *Dataset
	from, to time.Time
	decByID  map[string]*Decision
	active   map[string]bool
}

func (c *calc) in(t time.Time) bool { return !t.Before(c.from) && t.Before(c.to) }

func (c *calc) index() {
	c.decByID = map[string]*Decision{}
	for i := range c.ds.Decisions {
		c.decByID[c.ds.Decisions[i].ID] = &c.ds.Decisions[i]
	}
	c.active = map[string]bool{}
	lo := c.to.Add(-ActiveWindow)
	for _, m := range c.ds.Members {
		for _, t := range m.Contributions {
			if !t.Before(lo) && t.Before(c.to) {
				c.active[m.ID] = true
				break
			}
		}
	}
}

// types lists the decision types with a ballot, decision or poll in range,
// sorted.
func (c *calc) types() []string {
	set := map[string]bool{}
	for _, b := range c.ds.Ballots {
		if b.DecisionType != "" && c.in(b.OpensAt) {
			set[b.DecisionType] = true
		}
	}
	for _, d := range c.ds.Decisions {
		if c.in(d.ProposedAt) {
			set[d.Type] = true
		}
	}
	out := make([]string, 0, len(set))
	for t := range set {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

func (c *calc) row(group, key, label string, ballotSel func(*Ballot) bool, decSel func(*Decision) bool, pollSel func(*Ballot) bool) Row {
	r := Row{Group: group, Key: key, Label: label}
	voters, eligible := map[string]bool{}, map[string]bool{}
	var ginis, nakas, turnouts []float64
	for i := range c.ds.Ballots {
		b := &c.ds.Ballots[i]
		if !c.in(b.OpensAt) {
			continue
		}
		if b.Poll {
			if pollSel(b) {
				r.Polls++
				r.LegitimacyResponses += b.LikertCount
				if b.LikertCount > 0 {
					sum := float64(b.LikertSum)
					if r.Legitimacy == nil {
						r.Legitimacy = new(float64)
					}
					*r.Legitimacy += sum
				}
			}
			continue
		}
		if !ballotSel(b) {
			continue
		}
		r.Ballots++
		ws := make([]*big.Int, 0, len(b.Votes))
		for _, v := range b.Votes {
			voters[v.Voter] = true
			ws = append(ws, v.Weight)
		}
		here := map[string]bool{}
		for mi := range c.ds.Members {
			m := &c.ds.Members[mi]
			if eligibleFor(m, b) {
				eligible[m.ID] = true
				here[m.ID] = true
			}
		}
		for _, v := range b.Votes {
			here[v.Voter] = true
		}
		if len(here) > 0 {
			turnouts = append(turnouts, 100*float64(len(b.Votes))/float64(len(here)))
		}
		if g, ok := Gini(ws); ok {
			ginis = append(ginis, g)
		}
		if n, ok := Nakamoto(ws); ok {
			nakas = append(nakas, float64(n))
		}
	}
	if r.Legitimacy != nil {
		if r.LegitimacyResponses > 0 {
			*r.Legitimacy /= float64(r.LegitimacyResponses)
		} else {
			r.Legitimacy = nil
		}
	}
	// Voters who were not eligible (e.g. removed since) still voted: they
	// count among the eligible so that the rate stays a share.
	for v := range voters {
		eligible[v] = true
	}
	r.Voters, r.Eligible, r.ActiveContributors = len(voters), len(eligible), len(c.active)
	if r.Ballots > 0 && r.Eligible > 0 {
		r.ParticipationPct = ptr(100 * float64(r.Voters) / float64(r.Eligible))
	}
	if r.Ballots > 0 && r.ActiveContributors > 0 {
		r.ParticipationAct = ptr(100 * float64(r.Voters) / float64(r.ActiveContributors))
	}
	r.Gini, r.Nakamoto, r.BallotTurnoutPct = mean(ginis), mean(nakas), mean(turnouts)

	var lat []float64
	for i := range c.ds.Decisions {
		d := &c.ds.Decisions[i]
		if !c.in(d.ProposedAt) || !decSel(d) {
			continue
		}
		r.Decisions++
		if d.FinalAt != nil && !d.FinalAt.After(c.to) {
			r.Final++
			lat = append(lat, d.FinalAt.Sub(d.ProposedAt).Hours()/24)
		}
	}
	if len(lat) > 0 {
		r.LatencyMedianDays, r.LatencyP90Days = ptr(Quantile(lat, 0.5)), ptr(Quantile(lat, 0.9))
	}

	weighted := 0
	for _, in := range c.ds.Incidents {
		if !c.in(in.OccurredAt) {
			continue
		}
		if group != "all" {
			d := c.decByID[in.Decision]
			if in.Decision == "" || d == nil || !decSel(d) {
				continue
			}
		}
		r.Incidents++
		weighted += SeverityWeight(in.Severity)
	}
	years := c.to.Sub(c.from).Hours() / (24 * 365.25)
	r.IncidentsPerYear = ptr(float64(r.Incidents) / years)
	r.SeverityWeightedPerYear = ptr(float64(weighted) / years)
	return r
}

// eligibleFor reports whether m could vote on b when it opened: an active
// member then, and for a House A ballot a seat holder since then.
func eligibleFor(m *Member, b *Ballot) bool {
	if !m.activeAt(b.OpensAt) {
		return false
	}
	if b.Family == "seat" || b.House == "A" {
		return m.HouseASince != nil && !m.HouseASince.After(b.OpensAt)
	}
	return true
}

func ptr(f float64) *float64 { return &f }

func mean(xs []float64) *float64 {
	if len(xs) == 0 {
		return nil
	}
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return ptr(s / float64(len(xs)))
}

// Gini returns the Gini coefficient of non-negative weights:
//
//	G = Σᵢ (2i − n − 1)·xᵢ / (n·Σx),  x sorted ascending, i = 1..n
//
// (0: all equal; (n−1)/n: one holds everything). The numerator and
// denominator are exact integers; only the quotient is a float. ok is
// false when there is no weight at all (n = 0 or Σx = 0).
func Gini(ws []*big.Int) (float64, bool) {
	xs := sortedCopy(ws)
	n := int64(len(xs))
	sum := new(big.Int)
	num := new(big.Int)
	for i, x := range xs {
		sum.Add(sum, x)
		num.Add(num, new(big.Int).Mul(big.NewInt(2*int64(i+1)-n-1), x))
	}
	if n == 0 || sum.Sign() == 0 {
		return 0, false
	}
	den := new(big.Int).Mul(big.NewInt(n), sum)
	g, _ := new(big.Rat).SetFrac(num, den).Float64()
	return g, true
}

// Nakamoto returns the fewest voters whose weights together exceed half
// of the total (exact: 2·Σtop > Σall). ok is false when there is no weight.
func Nakamoto(ws []*big.Int) (int, bool) {
	xs := sortedCopy(ws)
	total := new(big.Int)
	for _, x := range xs {
		total.Add(total, x)
	}
	if total.Sign() == 0 {
		return 0, false
	}
	acc := new(big.Int)
	two := big.NewInt(2)
	for k := len(xs) - 1; k >= 0; k-- {
		acc.Add(acc, xs[k])
		if new(big.Int).Mul(acc, two).Cmp(total) > 0 {
			return len(xs) - k, true
		}
	}
	return len(xs), true // unreachable: the whole exceeds half of itself
}

func sortedCopy(ws []*big.Int) []*big.Int {
	xs := make([]*big.Int, 0, len(ws))
	for _, w := range ws {
		if w == nil || w.Sign() < 0 {
			xs = append(xs, new(big.Int))
			continue
		}
		xs = append(xs, w)
	}
	sort.Slice(xs, func(i, j int) bool { return xs[i].Cmp(xs[j]) < 0 })
	return xs
}

// Quantile returns the q-quantile (0 ≤ q ≤ 1) of xs by linear
// interpolation between closest ranks: with xs sorted and h = (n−1)·q,
// x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋]). The median of 1, 2, 3, 4 is 2.5;
// the 0.9-quantile of 1..10 is 9.1. NaN for no values.
func Quantile(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	sort.Float64s(s)
	h := float64(len(s)-1) * q
	lo := int(math.Floor(h))
	if lo >= len(s)-1 {
		return s[len(s)-1]
	}
	return s[lo] + (h-float64(lo))*(s[lo+1]-s[lo])
}
