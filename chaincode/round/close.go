package round

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/funding"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/timerule"
	"github.com/charter-gov/charter/chaincode/token"
)

// Close phases.
const (
	PhaseTotals   = "totals"
	PhaseMatching = "matching"
	PhaseDone     = "done"
)

// CloseState is the paged close's cursor, carried between pages.
type CloseState struct {
	Round string `json:"round"`
	Phase string `json:"phase"`
	// Projects are the accepted projects in ID order, fixed by the first
	// page (the window is over: no project is accepted any more).
	Projects  []string `json:"projects"`
	Next      int      `json:"next"`
	NextShard int      `json:"nextShard"`
	// Partial holds the contributions read so far of Projects[Next].
	Partial           []funding.Contribution `json:"partial,omitempty"`
	Pages             int64                  `json:"pages"`
	ContributionsRead int64                  `json:"contributionsRead"`
}

// Progress is what a close page returns.
type Progress struct {
	Round             string   `json:"round"`
	Phase             string   `json:"phase"`
	Done              bool     `json:"done"`
	Pages             int64    `json:"pages"`
	ProjectsRead      int      `json:"projectsRead"`
	Projects          int      `json:"projects"`
	ContributionsRead int64    `json:"contributionsRead"`
	Results           *Results `json:"results,omitempty"`
}

// Line is one project's result.
type Line struct {
	funding.Outcome
	Title     string            `json:"title"`
	Applicant identity.Identity `json:"applicant"`
}

// Results are a closed round's outcome: each project's contributions,
// contributors, match and payout, the rule that produced them, and the
// payout of the matches.
type Results struct {
	Round       string       `json:"round"`
	Rule        funding.Rule `json:"rule"`
	Scale       int64        `json:"scale"`
	Pool        int64        `json:"pool"`
	Cap         int64        `json:"cap"`
	Lines       []Line       `json:"lines"`
	Contributed int64        `json:"contributed"`
	Matched     int64        `json:"matched"`
	// Unallocated is Pool − Matched (rounding dust and what no project
	// could take): it is never paid and stays with the funding account.
	Unallocated int64 `json:"unallocated"`
	// Released is the contributions credited to the applicants at close.
	Released int64     `json:"released"`
	Payout   *Payout   `json:"payout"`
	ClosedAt time.Time `json:"closedAt"`
	Pages    int64     `json:"pages"`
	TxID     string    `json:"txId"`
}

// Close runs one page of a round's close. Anyone may submit it, once the
// window is over by the clock skew: a transaction stamped at or after
// closesAt + skew (timerule.Passed), so every contribution stamped before
// closesAt that could still be endorsed has landed, and no client can
// close early by choosing its timestamp inside the skew window.
//
// Pages: the first fixes the accepted projects and moves the round to
// closing. Each page reads whole contribution shards of the projects in ID
// order until it has read at least pageSize contributions (default
// DefaultPageSize, at most MaxPageSize), and writes each finished
// project's totals. The page after the last project's totals computes the
// matches (chaincode/funding) from the totals (at most the constitution's
// maxProjectsPerRound records), records the results, credits each
// applicant with its projects' contributions (token.Release from the
// escrow) and hands the matches to the treasury (payMatches). A page
// interrupted by a failed transaction changes nothing, so pages are
// resumable by simply submitting the next one.
//
// Errors: NOT_FOUND, INVALID_ARGUMENT (page size), FAILED_PRECONDITION
// (window not over by the skew; already closed).
func Close(tx *core.Tx, id string, pageSize int) (*Progress, error) {
	const action = "close round"
	if pageSize == 0 {
		pageSize = DefaultPageSize
	}
	if pageSize < 1 || pageSize > MaxPageSize {
		return nil, errcode.InvalidFieldf("pageSize", "range", "%s %s: page size %d is outside 1..%d", action, id, pageSize, MaxPageSize)
	}
	r, err := Get(tx.Store, id)
	if err != nil {
		return nil, err
	}
	if r.Status == StatusClosed {
		return nil, errcode.Preconditionf("%s %s: already closed", action, r.ID)
	}
	margin, err := skew(tx.Store, r)
	if err != nil {
		return nil, err
	}
	if !timerule.Passed(tx.Time, r.ClosesAt, margin) {
		return nil, errcode.PreconditionFieldf("", "window", "%s %s: the window closes at %s; with the clock skew of %s the round can be closed from %s, not at %s",
			action, r.ID, fmtTime(r.ClosesAt), margin, fmtTime(timerule.From(r.ClosesAt, margin)), fmtTime(tx.Time))
	}
	ck, err := closeKey(r.ID)
	if err != nil {
		return nil, err
	}
	var st CloseState
	found, err := core.GetJSON(tx.Store, ck, &st)
	if err != nil {
		return nil, err
	}
	if !found {
		st = CloseState{Round: r.ID, Phase: PhaseTotals, Projects: []string{}}
		err := tx.Store.Scan(objAcc, []string{r.ID}, func(key string, raw []byte) error {
			var a AcceptedRef
			if err := core.DecodeJSON(key, raw, &a); err != nil {
				return err
			}
			st.Projects = append(st.Projects, a.Project)
			if int64(len(st.Projects)) > r.MaxProjects {
				return errcode.New(errcode.Internal, "round %s has more than %d accepted projects", r.ID, r.MaxProjects)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("%s %s: accepted projects: %w", action, r.ID, err)
		}
		r.Status = StatusClosing
		if err := save(tx.Store, func() (string, error) { return roundKey(r.ID) }, r); err != nil {
			return nil, err
		}
	}
	if st.Phase == PhaseTotals && st.Next >= len(st.Projects) {
		st.Phase = PhaseMatching
	}
	if st.Phase == PhaseMatching && (found || len(st.Projects) == 0) && st.Next >= len(st.Projects) {
		return finish(tx, r, &st, ck)
	}
	work := 0
	for st.Next < len(st.Projects) && work < pageSize {
		pid := st.Projects[st.Next]
		n, err := readShard(tx.Store, r, pid, st.NextShard, &st.Partial)
		if err != nil {
			return nil, err
		}
		work += n
		st.ContributionsRead += int64(n)
		st.NextShard++
		if st.NextShard == Shards {
			tot, err := funding.Aggregate(r.Rule.Kind, funding.Project{ID: pid, Contributions: st.Partial})
			if err != nil {
				return nil, err
			}
			if err := save(tx.Store, func() (string, error) { return totalsKey(r.ID, pid) }, tot); err != nil {
				return nil, err
			}
			st.Partial, st.NextShard = nil, 0
			st.Next++
		}
	}
	if st.Next >= len(st.Projects) {
		st.Phase = PhaseMatching
	}
	st.Pages++
	if err := core.PutJSON(tx.Store, ck, st); err != nil {
		return nil, err
	}
	p := &Progress{Round: r.ID, Phase: st.Phase, Pages: st.Pages, ProjectsRead: st.Next, Projects: len(st.Projects), ContributionsRead: st.ContributionsRead}
	return p, tx.Emit(EventClosePage, p)
}

func unitOf(id identity.Identity) string { return id.MSPID + "/" + id.ID }

func readShard(s core.Store, r *Round, pid string, shard int, into *[]funding.Contribution) (int, error) {
	n := 0
	sh := strconv.FormatInt(int64(shard), 16)
	err := s.Scan(objContrib, []string{r.ID, pid, sh}, func(key string, raw []byte) error {
		var c Contribution
		if err := core.DecodeJSON(key, raw, &c); err != nil {
			return err
		}
		n++
		*into = append(*into, funding.Contribution{Contributor: unitOf(c.Contributor), Org: c.Contributor.MSPID, Amount: c.Amount, Count: c.Count})
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("close round %s: project %s shard %s: %w", r.ID, pid, sh, err)
	}
	return n, nil
}

// finish is the matching page: it reads every project's totals (written by
// earlier pages), computes the matches, records the results, releases the
// contributions to the applicants and hands the matches to the treasury.
func finish(tx *core.Tx, r *Round, st *CloseState, ck string) (*Progress, error) {
	ts := make([]funding.Totals, len(st.Projects))
	projects := make([]*Project, len(st.Projects))
	for i, pid := range st.Projects {
		k, err := totalsKey(r.ID, pid)
		if err != nil {
			return nil, err
		}
		found, err := core.GetJSON(tx.Store, k, &ts[i])
		if err != nil {
			return nil, err
		}
		if !found {
			return nil, errcode.New(errcode.Internal, "close round %s: project %s has no totals", r.ID, pid)
		}
		if projects[i], err = GetProject(tx.Store, r.ID, pid); err != nil {
			return nil, err
		}
	}
	rep, err := funding.Compute(r.Rule, r.Pool, ts)
	if err != nil {
		return nil, fmt.Errorf("close round %s: %w", r.ID, err)
	}
	st.Phase = PhaseDone
	st.Pages++
	res := &Results{Round: r.ID, Rule: r.Rule, Scale: rep.Scale, Pool: rep.Pool, Cap: rep.Cap, Lines: make([]Line, len(rep.Projects)),
		Contributed: rep.Contributed, Matched: rep.Matched, Unallocated: rep.Unallocated, ClosedAt: tx.Time.UTC(), Pages: st.Pages, TxID: tx.TxID}
	payees := []Payee{}
	var credits []token.ReleaseCredit
	for i, o := range rep.Projects {
		res.Lines[i] = Line{Outcome: o, Title: projects[i].Title, Applicant: projects[i].Applicant}
		if o.Match > 0 {
			payees = append(payees, Payee{Project: o.Project, To: projects[i].Applicant, Amount: o.Match})
		}
		if o.Contributed > 0 {
			credits = addCredit(credits, projects[i].Applicant, o.Contributed)
		}
	}
	if len(credits) > 0 {
		if _, err := token.Release(tx, credits, Ref(r.ID)); err != nil {
			return nil, fmt.Errorf("close round %s: %w", r.ID, err)
		}
	}
	res.Released = rep.Contributed
	if res.Payout, err = payMatches(tx, r, payees); err != nil {
		return nil, err
	}
	at := tx.Time.UTC()
	r.Status, r.ClosedAt = StatusClosed, &at
	if err := save(tx.Store, func() (string, error) { return roundKey(r.ID) }, r); err != nil {
		return nil, err
	}
	if err := core.PutJSON(tx.Store, ck, st); err != nil {
		return nil, err
	}
	if err := save(tx.Store, func() (string, error) { return resultKey(r.ID) }, res); err != nil {
		return nil, err
	}
	p := &Progress{Round: r.ID, Phase: st.Phase, Done: true, Pages: st.Pages, ProjectsRead: st.Next, Projects: len(st.Projects), ContributionsRead: st.ContributionsRead, Results: res}
	return p, tx.Emit(EventClosed, res)
}

// addCredit adds amount for to, keeping credits sorted by identity with
// each account once.
func addCredit(cs []token.ReleaseCredit, to identity.Identity, amount int64) []token.ReleaseCredit {
	less := func(a, b identity.Identity) bool { return a.MSPID < b.MSPID || (a.MSPID == b.MSPID && a.ID < b.ID) }
	i := sort.Search(len(cs), func(i int) bool { return !less(cs[i].To, to) })
	if i < len(cs) && cs[i].To == to {
		cs[i].Amount += amount // Σ contributions ≤ MaxAmount
		return cs
	}
	cs = append(cs, token.ReleaseCredit{})
	copy(cs[i+1:], cs[i:])
	cs[i] = token.ReleaseCredit{To: to, Amount: amount}
	return cs
}

// GetResults returns a closed round's results.
func GetResults(s core.Store, id string) (*Results, error) {
	r, err := Get(s, id)
	if err != nil {
		return nil, err
	}
	k, err := resultKey(r.ID)
	if err != nil {
		return nil, err
	}
	var res Results
	found, err := core.GetJSON(s, k, &res)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, errcode.Preconditionf("round %s is %s: no results yet", r.ID, r.Status)
	}
	return &res, nil
}

// Estimate is what the round would pay if it closed with the
// contributions made so far.
type Estimate struct {
	Round  string          `json:"round"`
	Report *funding.Report `json:"report"`
}

// EstimateNow computes the matches of the contributions so far (a query:
// it reads every accepted project's contributions, at most
// MaxEstimateContributions).
//
// Errors: NOT_FOUND, FAILED_PRECONDITION (more contributions than an
// estimate reads).
func EstimateNow(s core.Store, id string) (*Estimate, error) {
	r, err := Get(s, id)
	if err != nil {
		return nil, err
	}
	var ps []funding.Project
	read := 0
	err = s.Scan(objAcc, []string{r.ID}, func(key string, raw []byte) error {
		var a AcceptedRef
		if err := core.DecodeJSON(key, raw, &a); err != nil {
			return err
		}
		p := funding.Project{ID: a.Project}
		err := s.Scan(objContrib, []string{r.ID, a.Project}, func(key string, raw []byte) error {
			var c Contribution
			if err := core.DecodeJSON(key, raw, &c); err != nil {
				return err
			}
			read++
			if read > MaxEstimateContributions {
				return errcode.Preconditionf("estimate round %s: more than %d contributions; close the round for the exact results", r.ID, MaxEstimateContributions)
			}
			p.Contributions = append(p.Contributions, funding.Contribution{Contributor: unitOf(c.Contributor), Org: c.Contributor.MSPID, Amount: c.Amount, Count: c.Count})
			return nil
		})
		ps = append(ps, p)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("estimate round %s: %w", r.ID, err)
	}
	rep, err := funding.Match(r.Rule, r.Pool, ps)
	if err != nil {
		return nil, err
	}
	return &Estimate{Round: r.ID, Report: rep}, nil
}

// CSV renders results as CSV: one row per project, then a totals row.
func CSV(res *Results) (string, error) {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	rows := [][]string{{"round", "project", "title", "applicant_msp", "applicant", "contributed", "contributions", "contributors", "units", "weight", "match", "capped", "payout"}}
	for _, l := range res.Lines {
		rows = append(rows, []string{res.Round, l.Project, l.Title, l.Applicant.MSPID, l.Applicant.ID,
			strconv.FormatInt(l.Contributed, 10), strconv.FormatInt(l.Contributions, 10), strconv.FormatInt(l.Contributors, 10),
			strconv.FormatInt(l.Units, 10), l.Weight, strconv.FormatInt(l.Match, 10), strconv.FormatBool(l.Capped), strconv.FormatInt(l.Payout, 10)})
	}
	rows = append(rows, []string{res.Round, "TOTAL", string(res.Rule.Kind), "", "unallocated=" + strconv.FormatInt(res.Unallocated, 10),
		strconv.FormatInt(res.Contributed, 10), "", "", "", "", strconv.FormatInt(res.Matched, 10), "", strconv.FormatInt(res.Contributed+res.Matched, 10)})
	if err := w.WriteAll(rows); err != nil {
		return "", fmt.Errorf("results CSV: %w", err)
	}
	return b.String(), nil
}
