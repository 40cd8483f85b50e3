package console

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/charter-gov/charter/chaincode/artifact"
	"github.com/charter-gov/charter/chaincode/ballot"
	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/decision"
	"github.com/charter-gov/charter/chaincode/delegation"
	"github.com/charter-gov/charter/chaincode/emergency"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/funding"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/membership"
	"github.com/charter-gov/charter/chaincode/reputation"
	"github.com/charter-gov/charter/chaincode/round"
	charter "github.com/charter-gov/charter/gateway-client"
)

var (
	t0     = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	reader = identity.Identity{MSPID: "FoundationMSP", ID: "x509::CN=reader,OU=client::CN=ca.foundation"}
	ada    = identity.Identity{MSPID: "LabAMSP", ID: "x509::CN=ada,OU=client::CN=ca.laba"}
	bob    = identity.Identity{MSPID: "LabBMSP", ID: "x509::CN=bob,OU=client::CN=ca.labb"}
	// gus holds grants_admin but administers no fake round.
	gus = identity.Identity{MSPID: "LabBMSP", ID: "x509::CN=gus,OU=client::CN=ca.labb"}
)

// fakeReader answers from fixed records: one active token ballot "b1"
// with two votes, one tallied poll "p1", a round, an artifact with a
// parent, a paused target. standing maps a voter to their standing on b1.
type fakeReader struct {
	mu       sync.Mutex
	standing map[identity.Identity]*ballot.Standing
	votes    []ballot.CastWeight
	grant    *fakeGrant // round r2, which the manager tests drive
	treasury *fakeTreasury
	// statements are the delegate statements (ada's to begin with), which
	// the fake API's statement write replaces.
	statements map[identity.Identity]delegation.Statement
	// auditRows is how many transactions the fake API's ledger holds
	// (auditPerBlock to a block, the last block possibly fewer).
	auditRows int
	// auditCut, when positive, breaks the next audit stream after that
	// many bytes (mid-row), once.
	auditCut int
	// auditRequests are the audit streams' query strings, in order.
	auditRequests []string
}

func newFake() *fakeReader {
	return &fakeReader{
		standing: map[identity.Identity]*ballot.Standing{
			ada: {Ballot: "b1", Voter: ada, Status: ballot.StatusActive, CanVote: true, Weight: "120", Source: ballot.SourceTokens, AsOf: t0},
			bob: {Ballot: "b1", Voter: bob, Status: ballot.StatusActive, Code: errcode.Forbidden,
				Reason: "vote on ballot b1: LabBMSP/bob held no tokens when voting opened at 2026-11-30T12:00:00Z, so has no weight in a token-weighted ballot",
				Weight: "0", Source: ballot.SourceTokens, AsOf: t0},
		},
		votes: []ballot.CastWeight{
			{Voter: ada, Choice: "for", Weight: "120", Counted: true, CastAt: t0},
			{Voter: bob, Choice: "against", Weight: "40", Counted: true, CastAt: t0},
			{Voter: reader, Choice: "against", Weight: "999", Counted: false, CastAt: t0},
		},
		grant:    newGrant(3),
		treasury: newTreasury(),
		statements: map[identity.Identity]delegation.Statement{
			ada: {Member: ada, Text: "Open evaluations first.\nAsk me anything.", UpdatedAt: t0},
		},
	}
}

func (f *fakeReader) Identity() identity.Identity { return reader }

// g is round r2 (the manager's open replaces it).
func (f *fakeReader) g() *fakeGrant {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.grant
}

// allow lets voter vote on b1 with weight.
func (f *fakeReader) allow(voter identity.Identity, weight string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.standing[voter] = &ballot.Standing{Ballot: "b1", Voter: voter, Status: ballot.StatusActive, CanVote: true, Weight: weight, Source: ballot.SourceTokens, AsOf: t0}
}

// addVote records a committed vote on b1.
func (f *fakeReader) addVote(v ballot.CastWeight) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.votes = append(f.votes, v)
}

func (f *fakeReader) ballotView(id string) (*ballot.View, error) {
	switch id {
	case "b1":
		return &ballot.View{Ballot: ballot.Ballot{ID: "b1", Kind: ballot.KindDecision, Title: "Fund the eval suite", Description: "Spend 500 GPU hours.",
			DecisionType: constitution.Budget, Decision: "d1", House: constitution.HouseB, Family: constitution.FamilyToken,
			Rule: constitution.DecisionRule{Type: constitution.Budget, QuorumBps: 1000, ThresholdBps: 5001, TimelockSec: 600}, ConstitutionVersion: 3,
			ConstitutionHash: "ab12", Proposer: ada, OpensAt: t0, EndsAt: t0.Add(time.Hour), Status: ballot.StatusPending}, StatusNow: ballot.StatusActive}, nil
	case "p1":
		return &ballot.View{Ballot: ballot.Ballot{ID: "p1", Kind: ballot.KindPoll, Title: "How legitimate was it?", Proposer: ada, OpensAt: t0, EndsAt: t0.Add(time.Hour),
			Status: ballot.StatusCompleted, Result: &ballot.Result{Basis: ballot.BasisVoters, Totals: []ballot.ChoiceTotal{{Choice: "1", Total: "0"}, {Choice: "7", Total: "3"}},
				Participation: "3", Electorate: "10", QuorumRequired: "1", QuorumReached: true}}, StatusNow: ballot.StatusCompleted}, nil
	}
	return nil, errcode.NotFoundf("ballot %s", id)
}

func (f *fakeReader) BallotsPage(_ context.Context, status ballot.Status, _ int, bookmark string) (*ballot.ListPage, error) {
	if bookmark == "\x00next" {
		p, _ := f.ballotView("p1")
		return &ballot.ListPage{Ballots: []ballot.View{*p}}, nil
	}
	b, _ := f.ballotView("b1")
	if status != "" && status != b.StatusNow {
		return &ballot.ListPage{Ballots: []ballot.View{}}, nil
	}
	return &ballot.ListPage{Ballots: []ballot.View{*b}, Bookmark: "\x00next"}, nil
}

func (f *fakeReader) BallotResults(_ context.Context, id string) (*charter.BallotResults, error) {
	b, err := f.ballotView(id)
	if err != nil {
		return nil, err
	}
	return &charter.BallotResults{Ballot: *b}, nil
}

func (f *fakeReader) BallotWeightsPage(_ context.Context, id string, fromShard, _ int) (*ballot.WeightPage, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return &ballot.WeightPage{Ballot: id, Weights: append([]ballot.CastWeight(nil), f.votes...), NextShard: ballot.Shards}, nil
}

func (f *fakeReader) BallotVotes(context.Context, string, int, int) (*charter.VotePage, error) {
	return &charter.VotePage{NextShard: ballot.Shards}, nil
}

func (f *fakeReader) Standing(_ context.Context, id string, voter identity.Identity) (*ballot.Standing, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if id != "b1" {
		return nil, errcode.NotFoundf("ballot %s", id)
	}
	if st, ok := f.standing[voter]; ok {
		return st, nil
	}
	return &ballot.Standing{Ballot: id, Voter: voter, Code: errcode.Forbidden, Reason: "vote on ballot b1: " + voter.String() + " is not an active member", Source: ballot.SourceTokens}, nil
}

func (f *fakeReader) DecisionsPage(context.Context, decision.Status, int, string) (*decision.ListPage, error) {
	d, _ := f.Decision(context.Background(), "d1")
	return &decision.ListPage{Decisions: []decision.Decision{*d}}, nil
}

func (f *fakeReader) Decision(_ context.Context, id string) (*decision.Decision, error) {
	if id != "d1" {
		return nil, errcode.NotFoundf("decision %s", id)
	}
	return &decision.Decision{ID: "d1", Type: constitution.Budget, Title: "Fund the eval suite", Proposer: ada, ProposedAt: t0, ConstitutionVersion: 3,
		Status: decision.StatusVoting, Ballots: []decision.BallotRef{{House: constitution.HouseB, Family: constitution.FamilyToken, Ballot: "b1"}}}, nil
}

func (f *fakeReader) Constitution(context.Context) (*constitution.Version, error) {
	return &constitution.Version{Version: 3}, nil
}

func (f *fakeReader) Member(_ context.Context, id identity.Identity) (*membership.Member, error) {
	m := &membership.Member{Identity: id, Name: "Ada", Status: membership.StatusActive}
	if id == gus {
		m.Name, m.Roles = "Gus", []membership.Role{membership.RoleGrantsAdmin}
	}
	f.treasury.mu.Lock()
	defer f.treasury.mu.Unlock()
	if f.treasury.treasurers[id] {
		m.Roles = append(m.Roles, membership.RoleTreasurer)
	}
	return m, nil
}

// MembersPage lists ada and bob, then (in key order) every other member
// who has written a statement through the fake API.
func (f *fakeReader) MembersPage(context.Context, charter.MemberQuery) (*membership.ListPage, error) {
	out := []membership.Member{
		{Identity: ada, Name: "Ada Lovelace", Roles: []membership.Role{membership.RoleHouseA}, Status: membership.StatusActive},
		{Identity: bob, Name: "Bob", Status: membership.StatusActive},
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var more []membership.Member
	for id := range f.statements {
		if id != ada && id != bob {
			more = append(more, membership.Member{Identity: id, Name: "Member " + id.Short(), Status: membership.StatusActive})
		}
	}
	slices.SortFunc(more, func(a, b membership.Member) int { return strings.Compare(a.Identity.String(), b.Identity.String()) })
	return &membership.ListPage{Members: append(out, more...)}, nil
}

func (f *fakeReader) Delegations(_ context.Context, m identity.Identity) ([]delegation.Version, error) {
	return []delegation.Version{{Delegator: m, Topic: "budget", Legs: []delegation.Leg{{To: ada, Percent: 100}}, At: t0}}, nil
}

func (f *fakeReader) IncomingDelegations(_ context.Context, m identity.Identity, _ string, _ time.Time) ([]delegation.Inflow, error) {
	if m == ada {
		return []delegation.Inflow{{From: bob, Percent: 100}}, nil
	}
	return nil, nil
}

func (f *fakeReader) DelegateStatement(_ context.Context, m identity.Identity) (*delegation.Statement, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if st, ok := f.statements[m]; ok {
		return &st, nil
	}
	return nil, errcode.NotFoundf("%s has no delegate statement", m)
}

func (f *fakeReader) ReputationHistory(_ context.Context, m identity.Identity) (*reputation.History, error) {
	return &reputation.History{Member: m, Attestations: []reputation.Attestation{
		{ID: "a1", Recipient: m, Attester: bob, Category: "red_teaming", Weight: 5, Evidence: "https://example.org/report", IssuedAt: t0.Add(-90 * 24 * time.Hour)},
	}}, nil
}

func (f *fakeReader) Score(_ context.Context, m identity.Identity, q charter.ScoreQuery) (*reputation.ScoreReport, error) {
	// A decaying score: 5000 milli-points at issue, halving every 30 days.
	age := q.At.Sub(t0.Add(-90 * 24 * time.Hour))
	v := int64(5000) >> uint(age/(30*24*time.Hour))
	return &reputation.ScoreReport{Member: m, At: q.At, Score: v}, nil
}

func (f *fakeReader) Round(_ context.Context, id string) (*round.Round, error) {
	if id == "r2" {
		return f.g().get()
	}
	if id != "r1" {
		return nil, errcode.NotFoundf("round %s", id)
	}
	return &round.Round{ID: "r1", Title: "Q1 documentation grants", Rule: funding.Rule{Kind: funding.KindQuadratic, CapBps: 2500}, Pool: 2500,
		BudgetDecision: "d1", Account: "compute", Admin: ada, OpensAt: t0, ClosesAt: t0.Add(24 * time.Hour), MaxProjects: 200, Accepted: 1, Status: "open"}, nil
}

func (f *fakeReader) RoundProjects(_ context.Context, id string, pageSize int, bookmark string) (*round.ProjectPage, error) {
	if id == "r2" {
		return f.g().projectsPage(pageSize, bookmark)
	}
	return &round.ProjectPage{Projects: []round.Project{{Round: "r1", ID: "p0001", Title: "Better docs", Category: "documentation", Applicant: bob, Status: "accepted", AppliedAt: t0}}}, nil
}

func (f *fakeReader) RoundEstimate(_ context.Context, id string) (*round.Estimate, error) {
	if id == "r2" {
		return f.g().estimate()
	}
	return &round.Estimate{Round: "r1", Report: &funding.Report{Pool: 2500, Cap: 625, Contributed: 30, Matched: 625,
		Projects: []funding.Outcome{{Project: "p0001", Contributed: 30, Contributors: 3, Match: 625, Capped: true}}}}, nil
}

func (f *fakeReader) RoundResults(_ context.Context, id string) (*round.Results, error) {
	if id == "r2" {
		return f.g().results()
	}
	if id == "r1" {
		return nil, errcode.Preconditionf("round r1 is not closed")
	}
	return nil, errcode.NotFoundf("round %s", id)
}

func (f *fakeReader) ListArtifacts(context.Context, artifact.ListRequest) (*artifact.ListPage, error) {
	return &artifact.ListPage{Artifacts: []artifact.Artifact{{Kind: "model_weights", Name: "charter-7b", Version: "1.0", SHA256: "00ff", Licence: "Apache-2.0", Publisher: ada}}}, nil
}

func (f *fakeReader) ArtifactStatus(_ context.Context, r artifact.Ref) (*artifact.Status, error) {
	if r.Name != "charter-7b" {
		return nil, errcode.NotFoundf("artifact %s", r)
	}
	return &artifact.Status{Artifact: artifact.Artifact{Kind: "model_weights", Name: r.Name, Version: r.Version, SHA256: "00ff", Licence: "Apache-2.0", Publisher: ada},
		Stage: "research_only", NextStage: "non_commercial", Next: []artifact.Item{{Item: "model_card", Met: true, Detail: "complete"}, {Item: "red_team", Met: false, Detail: "no attestation"}}}, nil
}

func (f *fakeReader) ArtifactLineage(_ context.Context, req artifact.LineageRequest) (*artifact.Lineage, error) {
	parent := artifact.Ref{Name: "corpus", Version: "2"}
	return &artifact.Lineage{Root: req.Artifact, Nodes: []artifact.Node{{Ref: parent, Kind: "dataset", Depth: -1}, {Ref: req.Artifact, Kind: "model_weights"}},
		Edges: []artifact.Edge{{Parent: parent, Child: req.Artifact}}}, nil
}

func (f *fakeReader) GuardianStatus(_ context.Context, t emergency.Target) (*emergency.Status, error) {
	st := &emergency.Status{Target: t, At: t0}
	if t.ID == "paused" || t.ID == "charter-7b@1.0" {
		st.InForce = &emergency.Pause{Target: t, From: t0, Until: t0.Add(time.Hour), Guardians: []identity.Identity{ada, bob}, Reason: "leaked weights", DisclosureDue: t0.Add(48 * time.Hour)}
	}
	return st, nil
}

func (f *fakeReader) GuardianIncidents(context.Context, int, string) (*charter.IncidentPage, error) {
	return &charter.IncidentPage{}, nil
}
