package console

import (
	"context"
	"errors"
	"math/big"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/charter-gov/charter/chaincode/artifact"
	"github.com/charter-gov/charter/chaincode/ballot"
	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/decision"
	"github.com/charter-gov/charter/chaincode/delegation"
	"github.com/charter-gov/charter/chaincode/emergency"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/membership"
	"github.com/charter-gov/charter/chaincode/reputation"
	"github.com/charter-gov/charter/chaincode/round"
	charter "github.com/charter-gov/charter/gateway-client"
)

// Page sizes: every list reads one bounded page and links the next by
// cursor (the chaincode's bookmark), never by offset.
const (
	listPage = 50
	// maxLiveVotes bounds the votes the provisional results read per
	// refresh; beyond it the fragment says the count is partial.
	maxLiveVotes = 5000
	votesPage    = 1000
)

func (s *server) home(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p, err := s.r.BallotsPage(ctx, ballot.StatusActive, listPage, "")
	if err != nil {
		s.fail(w, r, "active ballots", err)
		return
	}
	s.render(w, r, "home", "Charter console", "home", map[string]any{"Active": p.Ballots})
}

func (s *server) identityPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, "identity", "Your identity", "identity", nil)
}

// ballotRow is one line of the ballot list.
type ballotRow struct {
	ballot.View
}

func (s *server) ballots(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	status := ballot.Status(q.Get("status"))
	if status != "" && !status.Valid() {
		w.WriteHeader(http.StatusBadRequest)
		s.render(w, r, "error", "Unknown status", "", map[string]any{"What": "ballot list", "Err": "status " + string(status) + " is not a ballot status", "Status": 400})
		return
	}
	text := strings.TrimSpace(q.Get("q"))
	p, err := s.r.BallotsPage(r.Context(), status, listPage, q.Get("cursor"))
	if err != nil {
		s.fail(w, r, "ballots", err)
		return
	}
	rows := []ballot.View{}
	for _, b := range p.Ballots {
		if text == "" || strings.Contains(strings.ToLower(b.Title), strings.ToLower(text)) {
			rows = append(rows, b)
		}
	}
	next := ""
	if p.Bookmark != "" {
		v := url.Values{"cursor": {p.Bookmark}}
		if status != "" {
			v.Set("status", string(status))
		}
		if text != "" {
			v.Set("q", text)
		}
		next = "/ballots?" + v.Encode()
	}
	s.render(w, r, "ballots", "Ballots", "ballots", map[string]any{
		"Ballots": rows, "Status": string(status), "Q": text, "Statuses": ballot.Statuses(), "Next": next, "Paged": q.Get("cursor") != "",
	})
}

func (s *server) ballotPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id := r.PathValue("id")
	res, err := s.r.BallotResults(ctx, id)
	if err != nil {
		s.fail(w, r, "ballot "+id, err)
		return
	}
	live, err := s.liveResults(ctx, &res.Ballot)
	if err != nil {
		s.fail(w, r, "results of ballot "+id, err)
		return
	}
	var st *ballot.Standing
	if m := memberOf(r); m != nil {
		if st, err = s.r.Standing(ctx, id, *m); err != nil {
			s.fail(w, r, "your standing on ballot "+id, err)
			return
		}
	}
	b := &res.Ballot.Ballot
	s.render(w, r, "ballot", res.Ballot.Title, "ballots", map[string]any{"B": res.Ballot, "Results": live, "Standing": st,
		"Choices": b.Choices(), "Quadratic": b.Kind != ballot.KindPoll && b.Family == constitution.FamilyQuadratic,
		"Open": res.Ballot.StatusNow == ballot.StatusActive})
}

func (s *server) ballotResults(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id := r.PathValue("id")
	res, err := s.r.BallotResults(ctx, id)
	if err != nil {
		http.Error(w, err.Error(), statusOf(err))
		return
	}
	live, err := s.liveResults(ctx, &res.Ballot)
	if err != nil {
		http.Error(w, err.Error(), statusOf(err))
		return
	}
	s.fragment(w, "ballot", "results", map[string]any{"B": res.Ballot, "Results": live})
}

func (s *server) ballotStanding(w http.ResponseWriter, r *http.Request) {
	m := memberOf(r)
	if m == nil {
		s.fragment(w, "ballot", "standing", map[string]any{"Standing": nil})
		return
	}
	st, err := s.r.Standing(r.Context(), r.PathValue("id"), *m)
	if err != nil {
		http.Error(w, err.Error(), statusOf(err))
		return
	}
	s.fragment(w, "ballot", "standing", map[string]any{"Standing": st})
}

// Results is what the results table shows: the tally's result once
// tallied, otherwise the votes cast so far summed with the weight the
// tally gives each (metrics:Weights, the tally's own Weigher), marked
// provisional.
type Results struct {
	Final       bool
	Provisional bool
	Partial     bool // more than maxLiveVotes votes: the sums cover the first ones
	Basis       string
	Rows        []ResultRow
	Votes       int
	Total       string
	Result      *ballot.Result
}

// ResultRow is one choice with its total and its share of the largest
// total (for the bar) and of the sum (in basis points, for the text).
type ResultRow struct {
	Choice   string
	Total    string
	ShareBps int64
	BarBps   int64
}

func (s *server) liveResults(ctx context.Context, b *ballot.View) (*Results, error) {
	choices := b.Choices()
	sums := make(map[string]*big.Int, len(choices))
	for _, c := range choices {
		sums[c] = new(big.Int)
	}
	out := &Results{Basis: string(ballot.BasisOf(&b.Ballot))}
	if b.Result != nil {
		out.Final, out.Result = true, b.Result
		for _, t := range b.Result.Totals {
			v, ok := new(big.Int).SetString(t.Total, 10)
			if !ok {
				return nil, errors.New("result total " + t.Total + " is not a whole number")
			}
			sums[t.Choice] = v
		}
	} else {
		out.Provisional = true
		if err := s.sumVotes(ctx, b, sums, out); err != nil {
			return nil, err
		}
	}
	out.Rows, out.Total = rows(choices, sums)
	return out, nil
}

func (s *server) sumVotes(ctx context.Context, b *ballot.View, sums map[string]*big.Int, out *Results) error {
	quadratic := b.Kind != ballot.KindPoll && b.Family == constitution.FamilyQuadratic
	for shard := 0; shard < ballot.Shards; {
		if out.Votes >= maxLiveVotes {
			out.Partial = true
			return nil
		}
		next := ballot.Shards
		if quadratic {
			p, err := s.r.BallotVotes(ctx, b.ID, shard, votesPage)
			if err != nil {
				return err
			}
			for _, v := range p.Votes {
				for _, a := range v.Allocations {
					if sum, ok := sums[a.Choice]; ok {
						sum.Add(sum, big.NewInt(a.Votes))
					}
				}
			}
			out.Votes += len(p.Votes)
			next = p.NextShard
		} else {
			p, err := s.r.BallotWeightsPage(ctx, b.ID, shard, votesPage)
			if err != nil {
				return err
			}
			for _, cw := range p.Weights {
				if !cw.Counted {
					continue
				}
				wt, ok := new(big.Int).SetString(cw.Weight, 10)
				if !ok {
					return errors.New("vote weight " + cw.Weight + " is not a whole number")
				}
				if sum, ok := sums[cw.Choice]; ok {
					sum.Add(sum, wt)
				}
			}
			out.Votes += len(p.Weights)
			next = p.NextShard
		}
		if next <= shard {
			break
		}
		shard = next
	}
	return nil
}

// rows orders the choices as the ballot lists them, with shares in basis
// points (integers: the console shows what the chaincode decided, never
// a float's rounding of it).
func rows(choices []string, sums map[string]*big.Int) ([]ResultRow, string) {
	total, max := new(big.Int), new(big.Int)
	for _, c := range choices {
		total.Add(total, sums[c])
		if sums[c].Cmp(max) > 0 {
			max.Set(sums[c])
		}
	}
	out := make([]ResultRow, 0, len(choices))
	for _, c := range choices {
		out = append(out, ResultRow{Choice: c, Total: sums[c].String(), ShareBps: bps(sums[c], total), BarBps: bps(sums[c], max)})
	}
	return out, total.String()
}

func bps(part, whole *big.Int) int64 {
	if whole.Sign() == 0 {
		return 0
	}
	q := new(big.Int).Mul(part, big.NewInt(10000))
	return q.Quo(q, whole).Int64()
}

func (s *server) decisions(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	status := decision.Status(q.Get("status"))
	p, err := s.r.DecisionsPage(r.Context(), status, listPage, q.Get("cursor"))
	if err != nil {
		s.fail(w, r, "decisions", err)
		return
	}
	typ := q.Get("type")
	rows := []decision.Decision{}
	for _, d := range p.Decisions {
		if typ == "" || string(d.Type) == typ {
			rows = append(rows, d)
		}
	}
	next := ""
	if p.Bookmark != "" {
		v := url.Values{"cursor": {p.Bookmark}}
		if status != "" {
			v.Set("status", string(status))
		}
		if typ != "" {
			v.Set("type", typ)
		}
		next = "/decisions?" + v.Encode()
	}
	s.render(w, r, "decisions", "Decisions", "decisions", map[string]any{
		"Decisions": rows, "Status": string(status), "Statuses": decision.Statuses(), "Type": typ, "Types": constitution.RequiredDecisionTypes(), "Next": next,
	})
}

func (s *server) decisionPage(w http.ResponseWriter, r *http.Request) {
	d, err := s.r.Decision(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, "decision "+r.PathValue("id"), err)
		return
	}
	s.render(w, r, "decision", d.Title, "decisions", map[string]any{"D": d})
}

// delegateRow is one member of the delegate directory with what flows to
// them now on the topic asked.
type delegateRow struct {
	Member    identity.Identity
	Name      string
	Roles     []string
	Inflows   []delegation.Inflow
	Incoming  int
	Statement *delegation.Statement
}

// statementOf is a member's delegate statement, nil when they set none.
func (s *server) statementOf(ctx context.Context, m identity.Identity) (*delegation.Statement, error) {
	st, err := s.r.DelegateStatement(ctx, m)
	if errors.Is(err, charter.ErrNotFound) {
		return nil, nil
	}
	return st, err
}

func (s *server) delegates(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	topic := q.Get("topic")
	if topic == "" {
		topic = string(constitution.Budget)
	}
	p, err := s.r.MembersPage(ctx, charter.MemberQuery{MSPID: q.Get("msp"), PageSize: listPage, Bookmark: q.Get("cursor")})
	if err != nil {
		s.fail(w, r, "members", err)
		return
	}
	now := time.Now().UTC()
	rows := make([]delegateRow, 0, len(p.Members))
	for _, m := range p.Members {
		ins, err := s.r.IncomingDelegations(ctx, m.Identity, topic, now)
		if err != nil {
			s.fail(w, r, "delegations to "+m.Identity.Short(), err)
			return
		}
		st, err := s.statementOf(ctx, m.Identity)
		if err != nil {
			s.fail(w, r, "statement of "+m.Identity.Short(), err)
			return
		}
		roles := make([]string, len(m.Roles))
		for i, ro := range m.Roles {
			roles[i] = string(ro)
		}
		rows = append(rows, delegateRow{Member: m.Identity, Name: m.Name, Roles: roles, Inflows: ins, Incoming: len(ins), Statement: st})
	}
	next := ""
	if p.Bookmark != "" {
		next = "/delegates?" + url.Values{"cursor": {p.Bookmark}, "topic": {topic}}.Encode()
	}
	s.render(w, r, "delegates", "Delegate directory", "delegates", map[string]any{"Rows": rows, "Topic": topic, "Types": constitution.RequiredDecisionTypes(), "Next": next})
}

// delegatePage is one member's delegate profile: their statement, the
// delegations they receive on a topic, and a delegation form. On the page
// of the member whose key the browser holds it offers the statement form
// (delegation.SetStatement: only the member writes their own).
func (s *server) delegatePage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	m := identity.Identity{MSPID: r.PathValue("msp"), ID: r.PathValue("id")}
	if err := m.Validate(); err != nil {
		s.fail(w, r, "member", err)
		return
	}
	topic := r.URL.Query().Get("topic")
	if topic == "" {
		topic = string(constitution.Budget)
	}
	rec, err := s.r.Member(ctx, m)
	if err != nil {
		s.fail(w, r, "member "+m.Short(), err)
		return
	}
	st, err := s.statementOf(ctx, m)
	if err != nil {
		s.fail(w, r, "statement of "+m.Short(), err)
		return
	}
	ins, err := s.r.IncomingDelegations(ctx, m, topic, time.Now().UTC())
	if err != nil {
		s.fail(w, r, "delegations to "+m.Short(), err)
		return
	}
	me := memberOf(r)
	var write *Action
	if me != nil && *me == m {
		a := statementWrite(rec)
		write = &a
	}
	s.render(w, r, "delegate", "Delegate "+rec.Name, "delegates", map[string]any{"M": rec, "Statement": st, "Inflows": ins, "Topic": topic,
		"Types": constitution.RequiredDecisionTypes(), "Signed": me != nil, "Write": write, "MaxStatement": delegation.MaxStatementRunes})
}

// statementWrite says whether the member whose key the browser holds (rec:
// their membership record, read on their own delegate page) may write
// their statement, as delegation.SetStatement decides: an active member.
func statementWrite(rec *membership.Member) Action {
	if rec == nil || rec.Status != membership.StatusActive {
		status := "not a member"
		if rec != nil {
			status = string(rec.Status)
		}
		return Action{Why: "You are not an active member (" + status + "): only an active member writes a statement."}
	}
	return Action{Allowed: true}
}

func (s *server) myDelegations(w http.ResponseWriter, r *http.Request) {
	m := memberOf(r)
	var vs []delegation.Version
	if m != nil {
		var err error
		if vs, err = s.r.Delegations(r.Context(), *m); err != nil {
			s.fail(w, r, "your delegations", err)
			return
		}
	}
	s.render(w, r, "mydelegations", "Your delegations", "delegates", map[string]any{"Versions": vs, "Types": constitution.RequiredDecisionTypes()})
}

// scorePoints is how many points the reputation chart samples.
const scorePoints = 12

func (s *server) reputationPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	m := identity.Identity{MSPID: r.PathValue("msp"), ID: r.PathValue("id")}
	if err := m.Validate(); err != nil {
		s.fail(w, r, "member", err)
		return
	}
	h, err := s.r.ReputationHistory(ctx, m)
	if err != nil {
		s.fail(w, r, "reputation of "+m.Short(), err)
		return
	}
	now := time.Now().UTC().Truncate(time.Second)
	from := now
	for _, a := range h.Attestations {
		if a.IssuedAt.Before(from) {
			from = a.IssuedAt
		}
	}
	var pts []Point
	var cur *reputation.ScoreReport
	for _, at := range sampleTimes(from, now, scorePoints) {
		rep, err := s.r.Score(ctx, m, charter.ScoreQuery{At: at})
		if err != nil {
			s.fail(w, r, "score of "+m.Short(), err)
			return
		}
		pts = append(pts, Point{At: at, Value: rep.Score})
		cur = rep
	}
	s.render(w, r, "reputation", "Reputation of "+m.Short(), "reputation", map[string]any{
		"Member": m, "History": h, "Points": pts, "Chart": lineChart("Decayed reputation score over time", pts, 640, 220), "Now": cur,
	})
}

// sampleTimes returns n times from from to to inclusive (one when equal).
func sampleTimes(from, to time.Time, n int) []time.Time {
	if !to.After(from) || n < 2 {
		return []time.Time{to}
	}
	span := to.Sub(from)
	out := make([]time.Time, n)
	for i := range n {
		out[i] = from.Add(span * time.Duration(i) / time.Duration(n-1)).Truncate(time.Second)
	}
	out[n-1] = to
	return out
}

func (s *server) roundsIndex(w http.ResponseWriter, r *http.Request) {
	if id := strings.TrimSpace(r.URL.Query().Get("id")); id != "" {
		http.Redirect(w, r, "/rounds/"+url.PathEscape(id), http.StatusSeeOther)
		return
	}
	s.render(w, r, "rounds", "Funding rounds", "rounds", nil)
}

// roundProjectsPage is how many projects the round page lists at once: a
// round's whole default limit (maxProjectsPerRound, 200), so a manager
// selects every project to accept on one page.
const roundProjectsPage = 200

func (s *server) roundPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id := r.PathValue("id")
	rd, err := s.r.Round(ctx, id)
	if err != nil {
		s.fail(w, r, "round "+id, err)
		return
	}
	pp, err := s.r.RoundProjects(ctx, id, roundProjectsPage, r.URL.Query().Get("cursor"))
	if err != nil {
		s.fail(w, r, "projects of round "+id, err)
		return
	}
	live, err := s.roundLive(ctx, rd)
	if err != nil {
		s.fail(w, r, "matching estimate or results of round "+id, err)
		return
	}
	next := ""
	if pp.Bookmark != "" {
		next = "/rounds/" + url.PathEscape(id) + "?" + url.Values{"cursor": {pp.Bookmark}}.Encode()
	}
	applied := 0
	for _, p := range pp.Projects {
		if p.Status == round.ProjectApplied {
			applied++
		}
	}
	s.render(w, r, "round", rd.Title, "rounds", map[string]any{
		"R": rd, "Projects": pp.Projects, "Next": next, "Live": live, "Manager": s.manages(ctx, r, rd), "Applied": applied,
	})
}

// manages says whether the member whose key the browser holds may run the
// round's manager actions: its administrator, or another grants
// administrator (the chaincode decides; the view only offers them).
func (s *server) manages(ctx context.Context, r *http.Request, rd *round.Round) bool {
	m := memberOf(r)
	if m == nil {
		return false
	}
	if *m == rd.Admin {
		return true
	}
	mem, err := s.r.Member(ctx, *m)
	if err != nil {
		return false
	}
	return slices.Contains(mem.Roles, membership.RoleGrantsAdmin)
}

// roundLive is the part of the round page that refreshes: while the round
// is open, the matching estimate and its range; once closed, the results
// and the payout of the matches.
func (s *server) roundLive(ctx context.Context, rd *round.Round) (map[string]any, error) {
	out := map[string]any{"R": rd, "API": s.apiBase}
	if rd.Status == round.StatusClosed {
		res, err := s.r.RoundResults(ctx, rd.ID)
		if err != nil {
			return nil, err
		}
		out["Results"] = res
		return out, nil
	}
	est, err := s.r.RoundEstimate(ctx, rd.ID)
	if err != nil && !errors.Is(err, charter.ErrFailedPrecondition) && !errors.Is(err, charter.ErrNotFound) {
		return nil, err
	}
	out["Estimate"], out["Max"] = est, matchBound(rd, est)
	return out, nil
}

// roundLiveFragment is the refreshing region of the round page.
func (s *server) roundLiveFragment(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	rd, err := s.r.Round(ctx, r.PathValue("id"))
	if err != nil {
		http.Error(w, err.Error(), statusOf(err))
		return
	}
	live, err := s.roundLive(ctx, rd)
	if err != nil {
		http.Error(w, err.Error(), statusOf(err))
		return
	}
	s.fragment(w, "round", "round-live", live)
}

// matchBound is the upper end of any project's final match: the
// per-project cap when the rule has one, else the pool. The lower end is
// zero: contributions still to come to other projects can take a
// project's whole share.
func matchBound(rd *round.Round, est *round.Estimate) int64 {
	if est != nil && est.Report != nil && est.Report.Cap > 0 && est.Report.Cap < rd.Pool {
		return est.Report.Cap
	}
	return rd.Pool
}

func (s *server) artifacts(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	p, err := s.r.ListArtifacts(r.Context(), artifact.ListRequest{Name: q.Get("name"), Limit: listPage, Bookmark: q.Get("cursor")})
	if err != nil {
		s.fail(w, r, "artifacts", err)
		return
	}
	next := ""
	if p.Bookmark != "" {
		v := url.Values{"cursor": {p.Bookmark}}
		if n := q.Get("name"); n != "" {
			v.Set("name", n)
		}
		next = "/artifacts?" + v.Encode()
	}
	s.render(w, r, "artifacts", "Artifact registry", "artifacts", map[string]any{"Artifacts": p.Artifacts, "Name": q.Get("name"), "Next": next})
}

func (s *server) artifactPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	ref := artifact.Ref{Name: r.PathValue("name"), Version: r.PathValue("version")}
	st, err := s.r.ArtifactStatus(ctx, ref)
	if err != nil {
		s.fail(w, r, "artifact "+ref.String(), err)
		return
	}
	lin, err := s.r.ArtifactLineage(ctx, artifact.LineageRequest{Artifact: ref, Limit: 64})
	if err != nil {
		s.fail(w, r, "lineage of "+ref.String(), err)
		return
	}
	gs, err := s.r.GuardianStatus(ctx, ref.Target())
	if err != nil {
		s.fail(w, r, "pauses of "+ref.String(), err)
		return
	}
	s.render(w, r, "artifact", ref.String(), "artifacts", map[string]any{
		"S": st, "Lineage": lin, "Graph": lineageGraph(lin), "Guardian": gs,
	})
}

// latestAlerts is how many treasury alerts the guardian page lists.
const latestAlerts = 20

func (s *server) guardian(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	data := map[string]any{"Kinds": emergency.Kinds()}
	if kind, target := q.Get("kind"), strings.TrimSpace(q.Get("target")); kind != "" && target != "" {
		t := emergency.Target{Kind: emergency.Kind(kind), ID: target}
		st, err := s.r.GuardianStatus(ctx, t)
		if err != nil {
			s.fail(w, r, "pause status of "+t.String(), err)
			return
		}
		data["Status"], data["Kind"], data["Target"] = st, kind, target
	}
	inc, err := s.r.GuardianIncidents(ctx, listPage, q.Get("cursor"))
	if err != nil {
		s.fail(w, r, "guardian incidents", err)
		return
	}
	data["Incidents"] = inc.Incidents
	if ar, ok := s.r.(AlertReader); ok && s.alertAt > 0 {
		alerts, err := ar.TreasuryAlerts(ctx, s.alertAt, latestAlerts)
		if err != nil {
			s.fail(w, r, "treasury alerts", err)
			return
		}
		data["Alerts"], data["AlertAmount"] = alerts, s.alertAt
	}
	s.render(w, r, "guardian", "Guardian panel", "guardian", data)
}

// guardianStatus is the refreshed pause status of one target (a
// fragment): the page polls it, so a pause that lapses by itself shows
// without a reload.
func (s *server) guardianStatus(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	t := emergency.Target{Kind: emergency.Kind(q.Get("kind")), ID: strings.TrimSpace(q.Get("target"))}
	if t.ID == "" {
		http.Error(w, "target: required", http.StatusBadRequest)
		return
	}
	st, err := s.r.GuardianStatus(r.Context(), t)
	if err != nil {
		http.Error(w, err.Error(), statusOf(err))
		return
	}
	s.fragment(w, "guardian", "status", st)
}

func (s *server) audit(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, "audit", "Audit exports", "audit", nil)
}
