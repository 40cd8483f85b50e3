package console

import (
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/funding"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/round"
	"github.com/charter-gov/charter/chaincode/treasury"
)

// fakeGrant is funding round r2 as the chaincode keeps it, for the round
// manager's browser tests: applied projects, acceptance by a grants
// administrator who is not the applicant, contributions, a close in pages
// (closePage projects a page) whose last page runs the real matching rule
// (funding.Match), and one payout.
type fakeGrant struct {
	mu       sync.Mutex
	r        round.Round
	projects []round.Project
	contrib  map[string][]funding.Contribution
	over     bool // the window is over by the skew
	pages    int64
	read     int
	res      *round.Results
}

// closePage is how many projects one fake close page reads.
const closePage = 50

var applicants = []identity.Identity{bob, ada, {MSPID: "FoundationMSP", ID: "x509::CN=fay,OU=client::CN=ca.foundation"}}

func newGrant(n int) *fakeGrant {
	g := &fakeGrant{
		r: round.Round{ID: "r2", Title: "Evaluation grants, winter", Description: "Grants for open evaluation suites.", Categories: []round.Category{round.EvaluationGrants},
			Rule: funding.Rule{Kind: funding.KindQuadratic, CapBps: 2000}, Pool: 100000, BudgetDecision: "d7", Account: "token", Admin: reader,
			OpensAt: t0, ClosesAt: t0.Add(24 * time.Hour), MaxProjects: 200, Status: round.StatusOpen},
		contrib: map[string][]funding.Contribution{},
	}
	g.apply(n)
	return g
}

// apply adds n applications (what applicants submit through the API).
func (g *fakeGrant) apply(n int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for range n {
		i := len(g.projects) + 1
		g.projects = append(g.projects, round.Project{Round: g.r.ID, ID: fmt.Sprintf("p%04d", i), Title: fmt.Sprintf("Eval suite %d", i),
			Category: round.EvaluationGrants, Applicant: applicants[i%len(applicants)], Status: round.ProjectApplied, AppliedAt: t0})
	}
}

// setAdmin makes id the round's administrator.
func (g *fakeGrant) setAdmin(id identity.Identity) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.r.Admin = id
}

func (g *fakeGrant) get() (*round.Round, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	r := g.r
	return &r, nil
}

func (g *fakeGrant) projectsPage(size int, bookmark string) (*round.ProjectPage, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	from := 0
	if bookmark != "" {
		var err error
		if from, err = strconv.Atoi(bookmark); err != nil {
			return nil, errcode.Invalidf("bookmark %q", bookmark)
		}
	}
	to := min(from+size, len(g.projects))
	out := &round.ProjectPage{Projects: append([]round.Project(nil), g.projects[from:to]...)}
	if to < len(g.projects) {
		out.Bookmark = strconv.Itoa(to)
	}
	return out, nil
}

func (g *fakeGrant) project(id string) *round.Project {
	for i := range g.projects {
		if g.projects[i].ID == id {
			return &g.projects[i]
		}
	}
	return nil
}

// accept is round.Accept's checks and effect.
func (g *fakeGrant) accept(caller identity.Identity, id string, commit bool) (any, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if caller != g.r.Admin {
		return nil, errcode.Forbiddenf("accept project: %s is not a grants administrator", caller.Short())
	}
	p := g.project(id)
	switch {
	case p == nil:
		return nil, errcode.NotFoundf("project %s of round r2", id)
	case g.r.Status != round.StatusOpen || g.over:
		return nil, errcode.Preconditionf("accept project: round r2's window has closed")
	case p.Status == round.ProjectAccepted:
		return nil, errcode.Conflictf("accept project: %s is already accepted", id)
	case p.Applicant == caller:
		return nil, errcode.Forbiddenf("accept project: %s applied for %s", caller.Short(), id)
	}
	if commit {
		p.Status = round.ProjectAccepted
		g.r.Accepted++
	}
	out := *p
	out.Status = round.ProjectAccepted
	return out, nil
}

// contribute records contributions from n members to every accepted
// project (project i gets amounts 1+i%5 from each).
func (g *fakeGrant) contribute(n int) int64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	var total int64
	for i, p := range g.projects {
		if p.Status != round.ProjectAccepted {
			continue
		}
		for k := range n {
			a := int64(1 + (i+k)%5)
			g.contrib[p.ID] = append(g.contrib[p.ID], funding.Contribution{Contributor: fmt.Sprintf("m%03d", k), Org: applicants[k%3].MSPID, Amount: a, Count: 1})
			total += a
		}
	}
	return total
}

func (g *fakeGrant) report() (*funding.Report, error) {
	var ps []funding.Project
	for _, p := range g.projects {
		if p.Status == round.ProjectAccepted {
			ps = append(ps, funding.Project{ID: p.ID, Contributions: g.contrib[p.ID]})
		}
	}
	return funding.Match(g.r.Rule, g.r.Pool, ps)
}

func (g *fakeGrant) estimate() (*round.Estimate, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.contrib) == 0 {
		return nil, errcode.Preconditionf("round r2 has no contributions yet")
	}
	rep, err := g.report()
	if err != nil {
		return nil, err
	}
	return &round.Estimate{Round: "r2", Report: rep}, nil
}

// closeStep is one close page: refused before the window is over; the
// last page runs the rule and records the results.
func (g *fakeGrant) closeStep(commit bool) (any, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.over {
		return nil, errcode.Preconditionf("close round r2: the window ends at %s plus the clock skew", g.r.ClosesAt.Format(time.RFC3339))
	}
	if g.res != nil {
		return nil, errcode.Preconditionf("close round r2: already closed")
	}
	accepted := 0
	for _, p := range g.projects {
		if p.Status == round.ProjectAccepted {
			accepted++
		}
	}
	pr := &round.Progress{Round: "r2", Phase: "contributions", Pages: g.pages + 1, Projects: accepted, ProjectsRead: min(g.read+closePage, accepted)}
	var res *round.Results
	if g.read >= accepted {
		rep, err := g.report()
		if err != nil {
			return nil, err
		}
		res = &round.Results{Round: "r2", Rule: g.r.Rule, Scale: rep.Scale, Pool: rep.Pool, Cap: rep.Cap, Contributed: rep.Contributed, Matched: rep.Matched,
			Unallocated: rep.Unallocated, Released: rep.Contributed, Pages: g.pages + 1, ClosedAt: g.r.ClosesAt.Add(time.Minute)}
		payout := &round.Payout{Source: "round:r2", BudgetDecision: g.r.BudgetDecision, Account: g.r.Account, Status: round.PayoutAwaitingSpend}
		for _, o := range rep.Projects {
			p := g.project(o.Project)
			res.Lines = append(res.Lines, round.Line{Outcome: o, Title: p.Title, Applicant: p.Applicant})
			if o.Match > 0 {
				payout.Payees = append(payout.Payees, round.Payee{To: p.Applicant, Amount: o.Match})
				payout.Total += o.Match
			}
		}
		res.Payout = payout
		pr.Phase, pr.Done, pr.Results = "done", true, res
	}
	if commit {
		g.pages++
		g.read = pr.ProjectsRead
		g.r.Status = round.StatusClosing
		if res != nil {
			g.res, g.r.Status = res, round.StatusClosed
		}
	}
	return pr, nil
}

// pay is round.Pay: once, after close, by the administrator.
func (g *fakeGrant) pay(caller identity.Identity, commit bool) (any, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	switch {
	case caller != g.r.Admin:
		return nil, errcode.Forbiddenf("pay round: %s is not a grants administrator or treasurer", caller.Short())
	case g.res == nil:
		return nil, errcode.Preconditionf("pay round: round r2 is not closed")
	case g.res.Payout.Status != round.PayoutAwaitingSpend:
		return nil, errcode.Preconditionf("pay round: round r2's matches are already %s", g.res.Payout.Status)
	}
	sp := &treasury.Spend{ID: "s0042", Account: g.r.Account, Source: "round:r2", Total: g.res.Payout.Total, Proposer: caller}
	for _, p := range g.res.Payout.Payees {
		sp.Payees = append(sp.Payees, treasury.Payee{To: p.To, Amount: p.Amount})
	}
	if commit {
		g.res.Payout.Status, g.res.Payout.Spend = round.PayoutSpendProposed, sp.ID
	}
	return round.PayResult{Round: "r2", Spend: sp}, nil
}

func (g *fakeGrant) results() (*round.Results, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.res == nil {
		return nil, errcode.Preconditionf("round r2 is not closed")
	}
	cp := *g.res
	p := *cp.Payout
	cp.Payout = &p
	return &cp, nil
}
