// Package simulate runs a synthetic community through the chaincode's own
// domain code (membership, token, reputation, delegation, ballot) against
// an in-memory store, the same proposals under each voting family, and
// measures it with internal/metrics, so that a community can compare
// governance designs before adopting one.
//
// It is client code: it draws the community from a seeded math/rand
// generator (reproducible: the same parameters and seed give the same
// report), which the chaincode itself never does. The chaincode's rules
// decide every weight: token balances at opening, delegated weight after
// delegation (direct votes override it), n quadratic votes for n² voice
// credits, decayed reputation scores.
//
// What it does not simulate: perceived legitimacy (a survey of people, not
// a consequence of the rules: reported as not measured) and incidents
// (none happen in the simulation). Decision latency is the ballot's
// voting delay and period, which the constitution fixes per decision type,
// so it differs between families only through their rules.
package simulate

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"github.com/charter-gov/charter/chaincode/ballot"
	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/contribution"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/delegation"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/membership"
	"github.com/charter-gov/charter/chaincode/reputation"
	"github.com/charter-gov/charter/chaincode/token"
	"github.com/charter-gov/charter/internal/metrics"
)

// Params describe the synthetic community.
type Params struct {
	Members   int    // community size
	Orgs      int    // organisations the members belong to
	Proposals int    // proposals, each voted under every family
	Seed      uint64 // RNG seed
	// TokenAlpha is the Pareto shape of token holdings (smaller: heavier
	// tail; 1.16 is the 80/20 rule). TokenMin is the smallest holding.
	TokenAlpha float64
	TokenMin   int64
	// Attesters is how many members attest contributions; Contributions
	// is the mean number of attested contributions per member over the
	// past year (geometric, so a few contribute much and many little);
	// Inactive is the share of members with none.
	Attesters     int
	Contributions float64
	Inactive      float64
	// Turnout is the mean probability that a member votes on a proposal;
	// each member's own propensity is drawn around it (Beta-distributed).
	Turnout float64
	// Delegators is the share of members who delegate (to one of the ten
	// largest holders or contributors) rather than watch every proposal;
	// they vote themselves with a quarter of their propensity.
	Delegators float64
	// VoiceCredits of each member on a quadratic ballot.
	VoiceCredits int64
	// Families to run; empty means the paper's four.
	Families []string
}

// Defaults returns the default parameters.
func Defaults() Params {
	return Params{Members: 200, Orgs: 3, Proposals: 12, Seed: 1, TokenAlpha: 1.16, TokenMin: 10,
		Attesters: 8, Contributions: 4, Inactive: 0.3, Turnout: 0.3, Delegators: 0.3, VoiceCredits: 100,
		Families: []string{"token", "delegated", "quadratic", "reputation"}}
}

// Validate names the first bad parameter.
func (p Params) Validate() error {
	checks := []struct {
		ok   bool
		what string
	}{
		{p.Members >= 2 && p.Members <= 20000, "members must be 2..20000"},
		{p.Orgs >= 1 && p.Orgs <= 16 && p.Orgs <= p.Members, "orgs must be 1..16 and at most the members"},
		{p.Proposals >= 1 && p.Proposals <= 500, "proposals must be 1..500"},
		{p.TokenAlpha > 0.5 && p.TokenAlpha <= 10, "token alpha must be in (0.5, 10]"},
		{p.TokenMin >= 1 && p.TokenMin <= 1_000_000, "token minimum must be 1..1000000"},
		{p.Attesters >= 1 && p.Attesters < p.Members, "attesters must be at least 1 and fewer than the members"},
		{p.Contributions >= 0 && p.Contributions <= 100, "contributions must be 0..100"},
		{p.Inactive >= 0 && p.Inactive <= 1, "inactive must be 0..1"},
		{p.Turnout > 0 && p.Turnout <= 1, "turnout must be in (0, 1]"},
		{p.Delegators >= 0 && p.Delegators <= 1, "delegators must be 0..1"},
		{p.VoiceCredits >= 1 && p.VoiceCredits <= constitution.MaxVoiceCredits, "voice credits must be 1..10^12"},
	}
	for _, c := range checks {
		if !c.ok {
			return fmt.Errorf("simulate: %s", c.what)
		}
	}
	for _, f := range p.families() {
		if f == "seat" || !contains(metrics.Families(), f) {
			return fmt.Errorf("simulate: unknown voting family %q (families: token, delegated, quadratic, reputation)", f)
		}
	}
	return nil
}

func (p Params) families() []string {
	if len(p.Families) == 0 {
		return Defaults().Families
	}
	return p.Families
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// Start is the simulated founding act.
var Start = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

const (
	skewSec    = 60
	delaySec   = 3600
	periodSec  = 5 * 24 * 3600
	historyLen = 365 * 24 * time.Hour
	// proposalGap separates proposals.
	proposalGap = 7 * 24 * time.Hour
)

// community is what the RNG drew: the same in every family's world.
type community struct {
	ids        []identity.Identity
	tokens     []int64
	attesters  []int
	attests    []attest
	delegateTo []int // -1: does not delegate
	propensity []float64
	proposals  []proposal
}

type attest struct {
	by, to int
	cat    contribution.Category
	weight int64
	at     time.Time
}

type proposal struct {
	pFor   float64
	voters []int // who votes, in order
	choice []string
	// intensity is each voter's share of voice credits spent (quadratic).
	intensity []float64
}

func draw(p Params) *community {
	r := rand.New(rand.NewPCG(p.Seed, 0x43686172746572)) // "Charter"
	c := &community{}
	for i := 0; i < p.Members; i++ {
		org := fmt.Sprintf("Org%dMSP", i%p.Orgs+1)
		c.ids = append(c.ids, identity.Identity{MSPID: org, ID: fmt.Sprintf("x509::CN=member%05d,OU=client::CN=ca.%s", i, strings.ToLower(org))})
		// Pareto: xm / U^(1/alpha), capped to keep the supply bounded.
		u := 1 - r.Float64()
		t := float64(p.TokenMin) / math.Pow(u, 1/p.TokenAlpha)
		t = math.Min(t, float64(p.TokenMin)*1e6)
		c.tokens = append(c.tokens, int64(t))
		c.propensity = append(c.propensity, betaLike(r, p.Turnout))
	}
	// Attesters: the first Attesters members by a random permutation.
	perm := r.Perm(p.Members)
	c.attesters = append(c.attesters, perm[:p.Attesters]...)
	sort.Ints(c.attesters)
	cats := contribution.All()
	for i := 0; i < p.Members; i++ {
		if r.Float64() < p.Inactive {
			continue
		}
		// Geometric number of contributions with the given mean (≥ 1).
		n := 1
		if p.Contributions > 1 {
			q := 1 / p.Contributions
			for r.Float64() > q && n < 200 {
				n++
			}
		}
		for k := 0; k < n; k++ {
			by := c.attesters[r.IntN(len(c.attesters))]
			if by == i {
				continue
			}
			at := Start.Add(-historyLen + time.Duration(r.Int64N(int64(historyLen))))
			c.attests = append(c.attests, attest{by: by, to: i, cat: cats[r.IntN(len(cats))], weight: 1 + r.Int64N(100), at: at})
		}
	}
	sort.SliceStable(c.attests, func(i, j int) bool { return c.attests[i].at.Before(c.attests[j].at) })
	// Delegates: the ten largest holders.
	order := make([]int, p.Members)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(i, j int) bool { return c.tokens[order[i]] > c.tokens[order[j]] })
	top := order[:min(10, len(order))]
	for i := 0; i < p.Members; i++ {
		d := -1
		if r.Float64() < p.Delegators {
			d = top[r.IntN(len(top))]
			if d == i {
				d = -1
			}
		}
		c.delegateTo = append(c.delegateTo, d)
	}
	for k := 0; k < p.Proposals; k++ {
		pr := proposal{pFor: 0.2 + 0.6*r.Float64()}
		for i := 0; i < p.Members; i++ {
			prop := c.propensity[i]
			if c.delegateTo[i] >= 0 {
				prop /= 4
			}
			if r.Float64() < prop {
				pr.voters = append(pr.voters, i)
				ch := ballot.ChoiceAgainst
				if r.Float64() < pr.pFor {
					ch = ballot.ChoiceFor
				}
				pr.choice = append(pr.choice, ch)
				pr.intensity = append(pr.intensity, 0.1+0.9*r.Float64())
			}
		}
		c.proposals = append(c.proposals, pr)
	}
	return c
}

// betaLike draws a propensity with the given mean: the mean of two
// uniforms scaled so that its mean is m, clipped to [0, 1].
func betaLike(r *rand.Rand, m float64) float64 {
	x := (r.Float64() + r.Float64()) * m
	return math.Max(0, math.Min(1, x))
}

// Result is a simulation's report and what it ran.
type Result struct {
	Params  Params          `json:"params"`
	Report  *metrics.Report `json:"report"`
	Supply  int64           `json:"tokenSupply"`
	Attests int             `json:"attestations"`
	// Passed counts, per family, the proposals that passed.
	Passed map[string]int `json:"passed"`
}

// Run simulates the community under each family and measures it.
func Run(p Params) (*Result, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	c := draw(p)
	ds := &metrics.Dataset{Start: Start.Add(-historyLen), Routes: map[string][]string{}}
	res := &Result{Params: p, Passed: map[string]int{}}
	for i, id := range c.ids {
		m := metrics.Member{ID: metrics.MemberKey(id), RegisteredAt: Start.Add(-historyLen)}
		for _, a := range c.attests {
			if a.to == i {
				m.Contributions = append(m.Contributions, a.at)
			}
		}
		ds.Members = append(ds.Members, m)
	}
	var end time.Time
	for _, fam := range p.families() {
		w, err := newWorld(p, c, toFamily(fam))
		if err != nil {
			return nil, fmt.Errorf("simulate %s: %w", fam, err)
		}
		res.Supply, res.Attests = w.supply, w.attests
		ballots, decisions, passed, last, err := w.run()
		if err != nil {
			return nil, fmt.Errorf("simulate %s: %w", fam, err)
		}
		ds.Ballots = append(ds.Ballots, ballots...)
		ds.Decisions = append(ds.Decisions, decisions...)
		res.Passed[fam] = passed
		if last.After(end) {
			end = last
		}
	}
	ds.End = end.Add(time.Second)
	fams := p.families()
	r, err := metrics.Compute(ds, metrics.Options{From: Start, To: ds.End, Families: fams})
	if err != nil {
		return nil, err
	}
	res.Report = r
	return res, nil
}

// world is one family's ledger.
type world struct {
	p       Params
	c       *community
	fam     constitution.Family
	s       *sortedStore
	deps    ballot.Deps
	n       int
	now     time.Time
	admin   identity.Identity
	supply  int64
	attests int
}

func newWorld(p Params, c *community, fam constitution.Family) (*world, error) {
	w := &world{p: p, c: c, fam: fam, s: newSortedStore(), admin: identity.Identity{MSPID: "Org1MSP", ID: "x509::CN=admin,OU=admin::CN=ca.org1msp"}}
	w.deps = ballot.Deps{Reputation: func(s core.Store, m identity.Identity, at time.Time, cats []string, pin *constitution.Reputation) (int64, error) {
		cs := make([]contribution.Category, len(cats))
		for i, x := range cats {
			cs[i] = contribution.Category(x)
		}
		return reputation.ScoreWith(s, m, at, cs, pin)
	}}
	doc := constitution.Default()
	doc.Time.MaxClockSkewSec = skewSec
	// Every member may vote without vouches (the simulation has no
	// vouching step); the organisation cap stays as the default.
	doc.Safeguards.VouchesRequired = 0
	for i := range doc.DecisionRules {
		r := &doc.DecisionRules[i]
		if r.Type == constitution.Budget {
			r.Houses, r.Families = []constitution.HouseID{constitution.HouseB}, []constitution.Family{fam}
			r.VotingDelaySec, r.VotingPeriodSec = delaySec, periodSec
			r.VoiceCredits = p.VoiceCredits
		}
	}
	w.now = Start.Add(-historyLen - time.Hour)
	if _, err := constitution.InstallGenesis(w.tx(w.admin, true), doc); err != nil {
		return nil, fmt.Errorf("install the constitution: %w", err)
	}
	cats := contribution.All()
	for i, id := range c.ids {
		fm := membership.FoundingMember{Member: id, Name: fmt.Sprintf("member %d", i)}
		if contains(intsToStrings(c.attesters), fmt.Sprint(i)) {
			fm.Roles, fm.AttesterCategories = []membership.Role{membership.RoleAttester}, cats
		}
		if _, err := membership.RegisterFounding(w.tx(w.admin, true), fm, "simulation"); err != nil {
			return nil, fmt.Errorf("register member %d: %w", i, err)
		}
	}
	// Tokens, at most token.MaxAllocations per issuance.
	for lo := 0; lo < len(c.ids); lo += token.MaxAllocations {
		req := token.IssueRequest{}
		for i := lo; i < min(lo+token.MaxAllocations, len(c.ids)); i++ {
			req.Allocations = append(req.Allocations, token.Allocation{Member: c.ids[i], Amount: c.tokens[i]})
			w.supply += c.tokens[i]
		}
		if _, err := token.Issue(w.tx(w.admin, true), req, "simulation"); err != nil {
			return nil, fmt.Errorf("issue tokens: %w", err)
		}
	}
	// Reputation history, in time order; an attestation over the farming
	// cap is dropped (the rule refuses it), as in a real community.
	for _, a := range c.attests {
		w.now = a.at
		_, err := reputation.Attest(w.tx(c.ids[a.by], false), reputation.AttestRequest{Recipient: c.ids[a.to], Category: a.cat, Weight: a.weight, Evidence: "https://example.org/contribution"})
		if err == nil {
			w.attests++
		}
	}
	// Delegations, set before the first proposal.
	w.now = Start.Add(-time.Hour)
	for i, d := range c.delegateTo {
		if d < 0 {
			continue
		}
		if _, err := delegation.Set(w.tx(c.ids[i], false), delegation.SetRequest{Topic: string(constitution.Budget), Legs: []delegation.Leg{{To: c.ids[d], Percent: 100}}}); err != nil {
			// A delegation that would close a cycle is refused: the member keeps its weight.
			continue
		}
	}
	return w, nil
}

func intsToStrings(xs []int) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = fmt.Sprint(x)
	}
	return out
}

func (w *world) tx(caller identity.Identity, admin bool) *core.Tx {
	w.n++
	return &core.Tx{Store: w.s, Caller: core.Caller{Identity: caller, OrgAdmin: admin}, Time: w.now, TxID: fmt.Sprintf("sim-%s-%08d", w.fam, w.n)}
}

// run opens, votes, closes and tallies every proposal and returns them as
// metrics ballots and decisions.
func (w *world) run() ([]metrics.Ballot, []metrics.Decision, int, time.Time, error) {
	var bs []metrics.Ballot
	var ds []metrics.Decision
	passed := 0
	var last time.Time
	for k, pr := range w.c.proposals {
		w.now = Start.Add(time.Duration(k) * proposalGap)
		cur, err := constitution.Current(w.s)
		if err != nil {
			return nil, nil, 0, last, err
		}
		rule, err := cur.Document.Rule(constitution.Budget)
		if err != nil {
			return nil, nil, 0, last, err
		}
		proposer := w.c.ids[pr.voters0()]
		id := fmt.Sprintf("%s-%03d", w.fam, k)
		b, err := ballot.Open(w.tx(proposer, false), ballot.OpenSpec{ID: id, Decision: "d-" + id, House: constitution.HouseB, Rule: rule,
			ConstitutionVersion: cur.Version, ConstitutionHash: cur.Hash, MaxDelegationDepth: cur.Document.Delegation.MaxDepth,
			Title: fmt.Sprintf("Proposal %d", k+1), Proposer: proposer})
		if err != nil {
			return nil, nil, 0, last, fmt.Errorf("open proposal %d: %w", k, err)
		}
		w.now = b.OpensAt.Add(time.Minute)
		for j, v := range pr.voters {
			req := ballot.CastRequest{Ballot: b.ID, Choice: pr.choice[j]}
			if w.fam == constitution.FamilyQuadratic {
				n := ballot.ISqrt(int64(float64(w.p.VoiceCredits) * pr.intensity[j]))
				if n < 1 {
					n = 1
				}
				req = ballot.CastRequest{Ballot: b.ID, Allocations: []ballot.Allocation{{Choice: pr.choice[j], Votes: n}}}
			}
			if _, err := ballot.Cast(w.tx(w.c.ids[v], false), w.deps, req); err != nil {
				if errcode.CodeOf(err) == errcode.Forbidden {
					// The rule refuses this voter (no balance or no
					// reputation when voting opened): it does not vote.
					continue
				}
				return nil, nil, 0, last, fmt.Errorf("vote on proposal %d: %w", k, err)
			}
		}
		w.now = b.CloseableFrom(skewSec * time.Second)
		if _, err := ballot.Close(w.tx(w.admin, false), b.ID); err != nil {
			return nil, nil, 0, last, fmt.Errorf("close proposal %d: %w", k, err)
		}
		for i := 0; ; i++ {
			prog, err := ballot.Tally(w.tx(w.admin, false), w.deps, b.ID, ballot.MaxPageSize)
			if err != nil {
				return nil, nil, 0, last, fmt.Errorf("tally proposal %d: %w", k, err)
			}
			if prog.Done {
				break
			}
			if i > 10000 {
				return nil, nil, 0, last, fmt.Errorf("tally proposal %d does not end", k)
			}
		}
		done, err := ballot.Get(w.s, b.ID)
		if err != nil {
			return nil, nil, 0, last, err
		}
		if done.Result != nil && done.Result.Passed {
			passed++
		}
		mb := metrics.Ballot{ID: b.ID, Family: string(w.fam), DecisionType: string(constitution.Budget), House: "B", Decision: b.Decision, OpensAt: b.OpensAt}
		for shard := 0; shard < ballot.Shards; {
			page, err := ballot.CastWeights(w.s, w.deps, b.ID, shard, ballot.MaxPageSize)
			if err != nil {
				return nil, nil, 0, last, err
			}
			for _, cw := range page.Weights {
				if !cw.Counted {
					continue
				}
				x, _ := new(big.Int).SetString(cw.Weight, 10)
				mb.Votes = append(mb.Votes, metrics.Vote{Voter: metrics.MemberKey(cw.Voter), Weight: x})
			}
			shard = page.NextShard
		}
		bs = append(bs, mb)
		final := w.now
		ds = append(ds, metrics.Decision{ID: b.Decision, Type: string(constitution.Budget), Families: []string{string(w.fam)}, ProposedAt: b.CreatedAt, FinalAt: &final})
		if final.After(last) {
			last = final
		}
	}
	return bs, ds, passed, last, nil
}

// voters0 is the proposal's proposer: its first voter, else member 0.
func (pr proposal) voters0() int {
	if len(pr.voters) > 0 {
		return pr.voters[0]
	}
	return 0
}

func toFamily(f string) constitution.Family { return constitution.Family(f) }
