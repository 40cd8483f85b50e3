package round

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/artifact"
	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/funding"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/internal/testutil"
	"github.com/charter-gov/charter/chaincode/membership"
	"github.com/charter-gov/charter/chaincode/token"
	"github.com/charter-gov/charter/chaincode/treasury"
)

const skewSec = 300

var orgs = []string{"FoundationMSP", "LabAMSP", "LabBMSP"}

type world struct {
	t      *testing.T
	s      *core.MemStore
	now    time.Time
	n      int
	admin  identity.Identity // grants administrator (Foundation)
	admin2 identity.Identity // second grants administrator (LabB)
	supply int64
	// artifacts are the registered versions projects link.
	artifacts []string
}

func newWorld(t *testing.T) *world {
	w := &world{t: t, s: core.NewMemStore(), now: testutil.T0()}
	doc := constitution.Default()
	doc.Time.MaxClockSkewSec = skewSec
	_, err := constitution.InstallGenesis(w.tx(testutil.ID("FoundationMSP", "root")), doc)
	require.NoError(t, err)
	w.admin = w.member("FoundationMSP", "grants", 0, membership.RoleGrantsAdmin)
	w.admin2 = w.member("LabBMSP", "grants2", 0, membership.RoleGrantsAdmin)
	w.budget("budget1", 10000)
	_, err = artifact.Register(w.tx(w.admin), artifact.RegisterRequest{Kind: artifact.KindModelWeights, Name: "llama-eval", Version: "1.0",
		SHA256: strings.Repeat("ab", 32), Size: 1, Licence: "Apache-2.0"})
	require.NoError(t, err)
	w.artifacts = []string{"llama-eval@1.0"}
	return w
}

func (w *world) tx(caller identity.Identity) *core.Tx {
	w.n++
	tx := testutil.Tx(w.s, caller, false, w.now)
	tx.TxID = fmt.Sprintf("tx-%06d", w.n)
	return tx
}

func (w *world) member(msp, name string, tokens int64, roles ...membership.Role) identity.Identity {
	w.t.Helper()
	id := testutil.ID(msp, name)
	_, err := membership.RegisterFounding(w.tx(testutil.ID(msp, "admin")), membership.FoundingMember{Member: id, Name: name, Roles: roles}, "test-genesis")
	require.NoError(w.t, err)
	if tokens > 0 {
		_, err := token.Issue(w.tx(id), token.IssueRequest{Allocations: []token.Allocation{{Member: id, Amount: tokens}}}, "genesis")
		require.NoError(w.t, err)
		w.supply += tokens
	}
	return id
}

// budget opens the treasury budget of an executed budget decision, as
// the decision's effect does.
func (w *world) budget(id string, amount int64) {
	_, err := treasury.OpenBudget(w.tx(w.admin), id, treasury.BudgetRequest{Account: constitution.TreasuryTokenAccount, Amount: amount, Purpose: "matching pool"})
	require.NoError(w.t, err)
}

func (w *world) openReq() OpenRequest {
	return OpenRequest{Title: "Evaluation grants Q1", Categories: []Category{EvaluationGrants, ComputeCredits},
		Rule: funding.Rule{Kind: funding.KindOrgGrouped, CapBps: 5000}, Pool: 10000, BudgetDecision: "budget1",
		OpensAt: w.now.Add(skewSec * time.Second), ClosesAt: w.now.Add(skewSec*time.Second + 24*time.Hour)}
}

func (w *world) open(req OpenRequest) *Round {
	w.t.Helper()
	r, err := Open(w.tx(w.admin), req)
	require.NoError(w.t, err)
	return r
}

func (w *world) project(r *Round, applicant identity.Identity, title string) *Project {
	w.t.Helper()
	p, err := Apply(w.tx(applicant), ApplyRequest{Round: r.ID, Title: title, Category: EvaluationGrants, Artifacts: w.artifacts})
	require.NoError(w.t, err)
	_, err = Accept(w.tx(w.admin), AcceptRequest{Round: r.ID, Project: p.ID})
	require.NoError(w.t, err)
	return p
}

func (w *world) give(r *Round, p *Project, who identity.Identity, amount int64) {
	w.t.Helper()
	_, err := Contribute(w.tx(who), ContributeRequest{Round: r.ID, Project: p.ID, Amount: amount})
	require.NoError(w.t, err)
}

func (w *world) closeAll(r *Round, pageSize int) *Results {
	w.t.Helper()
	w.now = r.ClosesAt.Add(skewSec * time.Second)
	for i := 0; i < 10000; i++ {
		p, err := Close(w.tx(testutil.ID("LabAMSP", "anyone")), r.ID, pageSize)
		require.NoError(w.t, err)
		if p.Done {
			return p.Results
		}
	}
	w.t.Fatal("close did not finish")
	return nil
}

// balances sums every account plus what is held in open rounds' escrow.
func (w *world) balances() int64 {
	accts, err := token.Accounts(w.s, "")
	require.NoError(w.t, err)
	var sum int64
	for _, a := range accts {
		sum += a.Balance
	}
	return sum
}

func TestRoundLifecycleAndConservation(t *testing.T) {
	w := newWorld(t)
	r := w.open(w.openReq())
	assert.Equal(t, StatusOpen, r.Status)
	var members []identity.Identity
	for i := range 12 {
		members = append(members, w.member(orgs[i%3], fmt.Sprintf("m%02d", i), 1000))
	}
	a := w.project(r, members[0], "Eval harness")
	b := w.project(r, members[1], "Docs bounty")
	c := w.project(r, members[2], "Single backer")
	w.now = r.OpensAt
	for i, m := range members[3:] {
		w.give(r, a, m, int64(10*(i+1)))
		if i%2 == 0 {
			w.give(r, b, m, 40)
		}
	}
	w.give(r, a, members[3], 5) // a second contribution adds to the same key
	w.give(r, c, members[4], 500)
	assert.Equal(t, w.supply-int64(10+20+30+40+50+60+70+80+90+5+5*40+500), w.balances(), "contributions leave balances for the escrow")

	est, err := EstimateNow(w.s, r.ID)
	require.NoError(t, err)

	res := w.closeAll(r, 3)
	assert.Greater(t, res.Pages, int64(3), "small pages: several")
	assert.Equal(t, est.Report.Matched, res.Matched, "the estimate equals the result when nothing changed")
	require.Len(t, res.Lines, 3)
	byID := map[string]Line{}
	for _, l := range res.Lines {
		byID[l.Project] = l
	}
	assert.Equal(t, int64(455), byID[a.ID].Contributed)
	assert.Equal(t, int64(10), byID[a.ID].Contributions)
	assert.Equal(t, int64(9), byID[a.ID].Contributors)
	assert.Equal(t, int64(3), byID[a.ID].Units, "grouped by organisation")
	assert.Zero(t, byID[c.ID].Match, "a single contributor gets no match")
	assert.LessOrEqual(t, res.Matched, r.Pool)
	assert.Equal(t, r.Pool, res.Matched+res.Unallocated)
	assert.Equal(t, w.supply, w.balances(), "every contribution was released to an applicant")
	for _, l := range res.Lines {
		bal, err := token.Balance(w.s, l.Applicant)
		require.NoError(t, err)
		assert.Equal(t, 1000+l.Contributed, bal, "applicant %s credited its contributions", l.Applicant)
	}
	require.NotNil(t, res.Payout)
	assert.Equal(t, res.Matched, res.Payout.Total)
	assert.Equal(t, "round:"+r.ID, res.Payout.Source)
	got, err := GetResults(w.s, r.ID)
	require.NoError(t, err)
	assert.Equal(t, res, got)
	csv, err := CSV(got)
	require.NoError(t, err)
	assert.Equal(t, 5, strings.Count(csv, "\n"), "header, three projects, totals")
	r2, err := Get(w.s, r.ID)
	require.NoError(t, err)
	assert.Equal(t, StatusClosed, r2.Status)

	// Paying: a plain member may not; a grants administrator proposes the
	// treasury spend (once).
	before := w.s.Snapshot()
	_, err = Pay(w.tx(members[5]), r.ID)
	require.True(t, errcode.IsCode(err, errcode.Forbidden), "%v", err)
	assert.Equal(t, before, w.s.Snapshot())
	paid, err := Pay(w.tx(w.admin2), r.ID)
	require.NoError(t, err)
	assert.Equal(t, res.Matched, paid.Spend.Total)
	assert.Equal(t, "round:"+r.ID, paid.Spend.Source)
	assert.Equal(t, "budget1", paid.Spend.Budget)
	var want []treasury.Payee
	for _, l := range res.Lines {
		if l.Match > 0 {
			want = append(want, treasury.Payee{To: l.Applicant, Amount: l.Match})
		}
	}
	assert.Equal(t, want, paid.Spend.Payees)
	got, err = GetResults(w.s, r.ID)
	require.NoError(t, err)
	assert.Equal(t, PayoutSpendProposed, got.Payout.Status)
	assert.Equal(t, paid.Spend.ID, got.Payout.Spend)
	spends, err := treasury.SpendsBySource(w.s, Ref(r.ID))
	require.NoError(t, err)
	require.Len(t, spends, 1)
	before = w.s.Snapshot()
	_, err = Pay(w.tx(w.admin), r.ID)
	require.True(t, errcode.IsCode(err, errcode.FailedPrecondition), "%v", err)
	assert.Equal(t, before, w.s.Snapshot())

	// A closed round refuses a second close, changing nothing.
	before = w.s.Snapshot()
	_, err = Close(w.tx(members[0]), r.ID, 10)
	require.True(t, errcode.IsCode(err, errcode.FailedPrecondition), "%v", err)
	assert.Equal(t, before, w.s.Snapshot())
}

func TestPageSizeDoesNotChangeResults(t *testing.T) {
	var results []*Results
	for _, ps := range []int{1, 7, MaxPageSize} {
		w := newWorld(t)
		r := w.open(w.openReq())
		var ms []identity.Identity
		for i := range 20 {
			ms = append(ms, w.member(orgs[i%3], fmt.Sprintf("m%02d", i), 100))
		}
		p1, p2 := w.project(r, ms[0], "one"), w.project(r, ms[1], "two")
		w.now = r.OpensAt
		for i, m := range ms[2:] {
			w.give(r, p1, m, int64(1+i))
			w.give(r, p2, m, int64(20-i))
		}
		res := w.closeAll(r, ps)
		res.Pages, res.ClosedAt, res.TxID = 0, time.Time{}, ""
		results = append(results, res)
	}
	assert.Equal(t, results[0], results[1])
	assert.Equal(t, results[0], results[2])
}

// Sixty-four contributors to one project each write only their own keys.
func TestContributionsWriteDisjointKeys(t *testing.T) {
	w := newWorld(t)
	r := w.open(w.openReq())
	owner := w.member("LabAMSP", "owner", 0)
	p := w.project(r, owner, "popular")
	var ms []identity.Identity
	for i := range 64 {
		ms = append(ms, w.member(orgs[i%3], fmt.Sprintf("c%02d", i), 10))
	}
	w.now = r.OpensAt
	seen := map[string]identity.Identity{}
	for _, m := range ms {
		st := &recorder{Staged: testutil.NewStaged(w.s)}
		tx := w.tx(m)
		tx.Store = st
		_, err := Contribute(tx, ContributeRequest{Round: r.ID, Project: p.ID, Amount: 3})
		require.NoError(t, err)
		require.Len(t, st.keys, 3, "the contribution, the account and its checkpoint")
		for _, k := range st.keys {
			if prev, ok := seen[k]; ok {
				t.Fatalf("key %q written by both %s and %s", k, prev, m)
			}
			seen[k] = m
		}
		require.NoError(t, st.Commit())
	}
}

// The attack table of docs/funding.md: every row is refused with its code
// and changes nothing.
func TestAttacks(t *testing.T) {
	w := newWorld(t)
	r := w.open(w.openReq())
	alice := w.member("LabAMSP", "alice", 1000)
	bob := w.member("LabBMSP", "bob", 1000)
	stranger := testutil.ID("LabAMSP", "stranger")
	pAlice := w.project(r, alice, "alice's")
	pending, err := Apply(w.tx(bob), ApplyRequest{Round: r.ID, Title: "not accepted", Category: EvaluationGrants})
	require.NoError(t, err)
	adminOwn, err := Apply(w.tx(w.admin), ApplyRequest{Round: r.ID, Title: "admin's own", Category: EvaluationGrants})
	require.NoError(t, err)
	w.budget("budget-small", 10)

	inWindow, beforeWindow, afterWindow := r.OpensAt, r.OpensAt.Add(-time.Nanosecond), r.ClosesAt
	earlyClose := r.ClosesAt.Add(skewSec*time.Second - time.Nanosecond)
	open := func(edit func(*OpenRequest)) func() error {
		return func() error {
			req := w.openReq()
			edit(&req)
			_, err := Open(w.tx(w.admin), req)
			return err
		}
	}
	for _, row := range []struct {
		attacker, attempt string
		at                time.Time
		code              errcode.Code
		do                func() error
	}{
		{"a plain member", "opens a round", w.now, errcode.Forbidden, func() error { _, err := Open(w.tx(alice), w.openReq()); return err }},
		{"a grants administrator", "opens a round on a decision that opened no budget (unknown, not executed, not a budget)", w.now, errcode.FailedPrecondition, open(func(o *OpenRequest) { o.BudgetDecision = "nope" })},
		{"a grants administrator", "opens a pool larger than the budget has left", w.now, errcode.FailedPrecondition, open(func(o *OpenRequest) { o.BudgetDecision = "budget-small" })},
		{"a grants administrator", "funds a second round from the same budget decision", w.now, errcode.Conflict, open(func(o *OpenRequest) {})},
		{"a grants administrator", "picks plain quadratic matching the constitution does not allow", w.now, errcode.InvalidArgument, open(func(o *OpenRequest) { o.Rule = funding.Rule{Kind: funding.KindQuadratic} })},
		{"a grants administrator", "opens a window that starts inside the skew", w.now, errcode.InvalidArgument, open(func(o *OpenRequest) { o.OpensAt = w.now })},
		{"a grants administrator", "opens a window longer than the constitution allows", w.now, errcode.InvalidArgument, open(func(o *OpenRequest) { o.ClosesAt = o.OpensAt.Add(91 * 24 * time.Hour) })},
		{"an applicant", "applies in a category the round does not fund", w.now, errcode.InvalidArgument, func() error {
			_, err := Apply(w.tx(bob), ApplyRequest{Round: r.ID, Title: "x", Category: DocumentationBounties})
			return err
		}},
		{"an applicant", "links an artifact that is not registered", w.now, errcode.NotFound, func() error {
			_, err := Apply(w.tx(bob), ApplyRequest{Round: r.ID, Title: "x", Category: EvaluationGrants, Artifacts: []string{"llama-eval@9.9"}})
			return err
		}},
		{"an applicant", "links a malformed artifact reference", w.now, errcode.InvalidArgument, func() error {
			_, err := Apply(w.tx(bob), ApplyRequest{Round: r.ID, Title: "x", Category: EvaluationGrants, Artifacts: []string{"no-version"}})
			return err
		}},
		{"a grants administrator", "accepts their own project", w.now, errcode.Forbidden, func() error {
			_, err := Accept(w.tx(w.admin), AcceptRequest{Round: r.ID, Project: adminOwn.ID})
			return err
		}},
		{"a plain member", "accepts a project", w.now, errcode.Forbidden, func() error {
			_, err := Accept(w.tx(alice), AcceptRequest{Round: r.ID, Project: pending.ID})
			return err
		}},
		{"a member", "contributes before the window opens", beforeWindow, errcode.FailedPrecondition, func() error {
			_, err := Contribute(w.tx(bob), ContributeRequest{Round: r.ID, Project: pAlice.ID, Amount: 5})
			return err
		}},
		{"a member", "contributes at the window's close", afterWindow, errcode.FailedPrecondition, func() error {
			_, err := Contribute(w.tx(bob), ContributeRequest{Round: r.ID, Project: pAlice.ID, Amount: 5})
			return err
		}},
		{"a member", "contributes more than its balance", inWindow, errcode.InvalidArgument, func() error {
			_, err := Contribute(w.tx(bob), ContributeRequest{Round: r.ID, Project: pAlice.ID, Amount: 1001})
			return err
		}},
		{"a member", "contributes to a project not accepted", inWindow, errcode.FailedPrecondition, func() error {
			_, err := Contribute(w.tx(alice), ContributeRequest{Round: r.ID, Project: pending.ID, Amount: 5})
			return err
		}},
		{"an applicant", "contributes to its own project", inWindow, errcode.Forbidden, func() error {
			_, err := Contribute(w.tx(alice), ContributeRequest{Round: r.ID, Project: pAlice.ID, Amount: 5})
			return err
		}},
		{"a non-member", "contributes", inWindow, errcode.Forbidden, func() error {
			_, err := Contribute(w.tx(stranger), ContributeRequest{Round: r.ID, Project: pAlice.ID, Amount: 5})
			return err
		}},
		{"anyone", "closes early with a timestamp inside the skew after closesAt", earlyClose, errcode.FailedPrecondition, func() error {
			_, err := Close(w.tx(bob), r.ID, 10)
			return err
		}},
		{"a grants administrator", "pays a round that is not closed", inWindow, errcode.FailedPrecondition, func() error {
			_, err := Pay(w.tx(w.admin), r.ID)
			return err
		}},
		{"anyone", "closes with an oversized page", earlyClose.Add(time.Nanosecond), errcode.InvalidArgument, func() error {
			_, err := Close(w.tx(bob), r.ID, MaxPageSize+1)
			return err
		}},
	} {
		t.Run(row.attacker+" "+row.attempt, func(t *testing.T) {
			w.now = row.at
			before := w.s.Snapshot()
			err := row.do()
			require.Error(t, err)
			assert.True(t, errcode.IsCode(err, row.code), "want %s, got %v", row.code, err)
			assert.Equal(t, before, w.s.Snapshot(), "a refusal changes nothing")
		})
	}
}

// Sybils of one organisation splitting a contribution earn nothing under
// the default organisation grouping; honest contributors of three
// organisations do.
func TestSybilsOfOneOrganisation(t *testing.T) {
	w := newWorld(t)
	r := w.open(w.openReq())
	sybilProject := w.project(r, w.member("LabAMSP", "sybil-owner", 0), "sybil")
	honestProject := w.project(r, w.member("LabBMSP", "honest-owner", 0), "honest")
	w.now = r.OpensAt
	for i := range 10 {
		w.give(r, sybilProject, w.member("LabAMSP", fmt.Sprintf("sybil%d", i), 10), 10)
	}
	for i := range 3 {
		w.give(r, honestProject, w.member(orgs[i], fmt.Sprintf("honest%d", i), 40), 33)
	}
	res := w.closeAll(r, 100)
	for _, l := range res.Lines {
		if l.Project == sybilProject.ID {
			assert.Zero(t, l.Match)
			assert.Equal(t, int64(10), l.Contributors)
			assert.Equal(t, int64(1), l.Units)
		} else {
			assert.Positive(t, l.Match)
		}
	}
}

func TestEmptyRoundCloses(t *testing.T) {
	w := newWorld(t)
	r := w.open(w.openReq())
	res := w.closeAll(r, 10)
	assert.Empty(t, res.Lines)
	assert.Equal(t, r.Pool, res.Unallocated)
}

type recorder struct {
	*testutil.Staged
	keys []string
}

func (r *recorder) Put(k string, v []byte) error {
	r.keys = append(r.keys, k)
	return r.Staged.Put(k, v)
}

// A House decision accepts a project as a grants administrator can; the
// acceptance names the decision; a closed window, an accepted project, a
// full round, an unknown project are refused with a coded error, nothing
// written and no event.
func TestAcceptByDecision(t *testing.T) {
	w := newWorld(t)
	alice := w.member("LabAMSP", "alice", 0)
	bob := w.member("LabBMSP", "bob", 0)
	r := w.open(w.openReq())
	pa, err := Apply(w.tx(alice), ApplyRequest{Round: r.ID, Title: "alice's evals", Category: EvaluationGrants})
	require.NoError(t, err)
	pb, err := Apply(w.tx(bob), ApplyRequest{Round: r.ID, Title: "bob's evals", Category: EvaluationGrants})
	require.NoError(t, err)
	pc, err := Apply(w.tx(bob), ApplyRequest{Round: r.ID, Title: "bob's docs", Category: EvaluationGrants})
	require.NoError(t, err)

	require.NoError(t, CheckAcceptance(w.s, AcceptRequest{Round: r.ID, Project: pa.ID}))
	tx := w.tx(testutil.ID("LabAMSP", "executor"))
	got, err := AcceptByDecision(tx, "d-accept", AcceptRequest{Round: r.ID, Project: pa.ID})
	require.NoError(t, err)
	assert.Equal(t, ProjectAccepted, got.Status)
	assert.Equal(t, "d-accept", got.AcceptedByDecision)
	assert.Nil(t, got.AcceptedBy, "no administrator accepted it")
	require.NotNil(t, tx.Event())
	assert.Equal(t, EventAccepted, tx.Event().Type)
	stored, err := GetProject(w.s, r.ID, pa.ID)
	require.NoError(t, err)
	assert.Equal(t, got, stored)
	_, err = Accept(w.tx(w.admin), AcceptRequest{Round: r.ID, Project: pb.ID})
	require.NoError(t, err, "a grants administrator accepts the next one")

	refused := func(t *testing.T, at time.Time, code errcode.Code, want string, req AcceptRequest) {
		t.Helper()
		before, writes := w.s.Snapshot(), w.s.Writes
		w.now = at
		tx := w.tx(testutil.ID("LabAMSP", "executor"))
		_, err := AcceptByDecision(tx, "d-late", req)
		assert.Equal(t, code, errcode.CodeOf(err), "%v", err)
		assert.ErrorContains(t, err, want)
		assert.Equal(t, before, w.s.Snapshot(), "nothing changed")
		assert.Equal(t, writes, w.s.Writes, "nothing written")
		assert.Nil(t, tx.Event(), "no event")
	}
	inWindow := r.OpensAt.Add(time.Hour)
	t.Run("an accepted project", func(t *testing.T) {
		refused(t, inWindow, errcode.Conflict, "already accepted", AcceptRequest{Round: r.ID, Project: pa.ID})
		assert.Equal(t, errcode.Conflict, errcode.CodeOf(CheckAcceptance(w.s, AcceptRequest{Round: r.ID, Project: pa.ID})))
	})
	t.Run("a project accepted by its administrator", func(t *testing.T) {
		refused(t, inWindow, errcode.Conflict, "already accepted", AcceptRequest{Round: r.ID, Project: pb.ID})
	})
	t.Run("an unknown project", func(t *testing.T) {
		refused(t, inWindow, errcode.NotFound, "has no project \"p-none\"", AcceptRequest{Round: r.ID, Project: "p-none"})
	})
	t.Run("no decision", func(t *testing.T) {
		before := w.s.Snapshot()
		_, err := AcceptByDecision(w.tx(w.admin), " ", AcceptRequest{Round: r.ID, Project: pc.ID})
		require.Error(t, err)
		assert.Equal(t, errcode.InvalidArgument, errcode.CodeOf(err), "%v", err)
		assert.Equal(t, before, w.s.Snapshot())
	})

	// A decision that passes after the window closed accepts nothing.
	w.now = testutil.T0()
	w.budget("budget2", 10000)
	req2 := w.openReq()
	req2.BudgetDecision = "budget2"
	r2 := w.open(req2)
	p2, err := Apply(w.tx(alice), ApplyRequest{Round: r2.ID, Title: "late", Category: EvaluationGrants})
	require.NoError(t, err)
	require.NoError(t, CheckAcceptance(w.s, AcceptRequest{Round: r2.ID, Project: p2.ID}), "proposed while the round is open")
	t.Run("the window closed before execution", func(t *testing.T) {
		refused(t, r2.ClosesAt, errcode.FailedPrecondition, "closed at", AcceptRequest{Round: r2.ID, Project: p2.ID})
	})
	t.Run("the round closed", func(t *testing.T) {
		w.closeAll(r2, 100)
		refused(t, r2.ClosesAt.Add(time.Hour), errcode.FailedPrecondition, "is closed", AcceptRequest{Round: r2.ID, Project: p2.ID})
		assert.Equal(t, errcode.FailedPrecondition, errcode.CodeOf(CheckAcceptance(w.s, AcceptRequest{Round: r2.ID, Project: p2.ID})))
	})
}
