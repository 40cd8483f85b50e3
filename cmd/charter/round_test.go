package main

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/decision"
	"github.com/charter-gov/charter/chaincode/funding"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/round"
)

// The fake gateway's funding-round operations (roundAPI).

var testRoundResults = &round.Results{Round: "r1", Rule: funding.Rule{Kind: funding.KindOrgGrouped, CapBps: 5000}, Scale: funding.Scale, Pool: 100,
	Lines: []round.Line{{Outcome: funding.Outcome{Project: "p1", Contributed: 5, Contributions: 2, Contributors: 2, Units: 2, Weight: "4000000000000", Match: 4, Payout: 9}, Title: "Evals",
		Applicant: identity.Identity{MSPID: "LabAMSP", ID: "x509::CN=a::CN=ca"}}},
	Contributed: 5, Matched: 4, Unallocated: 96, Payout: &round.Payout{Source: "round:r1", BudgetDecision: "d1", Total: 4, Status: round.PayoutAwaitingSpend}}

type roundPageArg struct {
	ID       string
	PageSize int
}

func (g *fakeGateway) OpenRound(_ context.Context, req round.OpenRequest) (*round.Round, error) {
	return &round.Round{ID: "r1", Title: req.Title, Rule: req.Rule, Pool: req.Pool, Status: round.StatusOpen}, g.record("OpenRound", req)
}
func (g *fakeGateway) ApplyToRound(_ context.Context, req round.ApplyRequest) (*round.Project, error) {
	return &round.Project{Round: req.Round, ID: "p1", Title: req.Title, Category: req.Category, Status: round.ProjectApplied}, g.record("ApplyToRound", req)
}
func (g *fakeGateway) ProposeProjectAcceptance(_ context.Context, title, description string, req round.AcceptRequest) (*decision.Decision, error) {
	return &decision.Decision{ID: "d1", Type: "project_acceptance"}, g.record("ProposeProjectAcceptance", []any{title, description, req})
}
func (g *fakeGateway) AcceptProject(_ context.Context, req round.AcceptRequest) (*round.Project, error) {
	return &round.Project{Round: req.Round, ID: req.Project, Status: round.ProjectAccepted}, g.record("AcceptProject", req)
}
func (g *fakeGateway) Contribute(_ context.Context, req round.ContributeRequest) (*round.Receipt, error) {
	return &round.Receipt{Contribution: round.Contribution{Round: req.Round, Project: req.Project, Amount: req.Amount, Count: 1}, Added: req.Amount}, g.record("Contribute", req)
}
func (g *fakeGateway) ContributeBatch(_ context.Context, req round.ContributeBatchRequest) (*round.CartReceipt, error) {
	out := &round.CartReceipt{Round: req.Round, Balance: 90}
	for _, l := range req.Lines {
		out.Total += l.Amount
		out.Lines = append(out.Lines, round.Receipt{Contribution: round.Contribution{Round: req.Round, Project: l.Project, Amount: l.Amount, Count: 1}, Added: l.Amount})
	}
	return out, g.record("ContributeBatch", req)
}
func (g *fakeGateway) CloseRound(_ context.Context, id string, pageSize int) (*round.Progress, error) {
	return &round.Progress{Round: id, Phase: round.PhaseDone, Done: true, Results: testRoundResults}, g.record("CloseRound", roundPageArg{id, pageSize})
}
func (g *fakeGateway) PayRound(_ context.Context, id string) (*round.PayResult, error) {
	return &round.PayResult{Round: id}, g.record("PayRound", id)
}
func (g *fakeGateway) Round(_ context.Context, id string) (*round.Round, error) {
	return &round.Round{ID: id, Status: round.StatusOpen}, g.record("Round", id)
}
func (g *fakeGateway) RoundProjects(_ context.Context, id string, pageSize int, bookmark string) (*round.ProjectPage, error) {
	return &round.ProjectPage{Projects: []round.Project{{ID: "p1", Title: "Evals"}}}, g.record("RoundProjects", id)
}
func (g *fakeGateway) RoundContribution(_ context.Context, id, project string, who identity.Identity) (*round.Contribution, error) {
	return &round.Contribution{Round: id, Project: project, Contributor: who}, g.record("RoundContribution", id)
}
func (g *fakeGateway) RoundResults(_ context.Context, id string) (*round.Results, error) {
	return testRoundResults, g.record("RoundResults", id)
}
func (g *fakeGateway) RoundEstimate(_ context.Context, id string) (*round.Estimate, error) {
	return &round.Estimate{Round: id, Report: &funding.Report{Rule: testRoundResults.Rule, Pool: 100}}, g.record("RoundEstimate", id)
}

func TestRoundCommands(t *testing.T) {
	opens := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		args  []string
		wants []fakeCall
	}{
		{"open", []string{"round", "open", "--title", "Evals", "--category", "evaluation_grants,compute_credits", "--rule", "pairwise", "--pairwise-m", "50",
			"--cap-bps", "2500", "--pool", "1000", "--budget-decision", "d1", "--opens-at", "2026-12-01T09:00:00Z", "--window", "24h"},
			[]fakeCall{{"OpenRound", round.OpenRequest{Title: "Evals", Categories: []round.Category{round.EvaluationGrants, round.ComputeCredits},
				Rule: funding.Rule{Kind: funding.KindPairwise, CapBps: 2500, PairwiseM: 50}, Pool: 1000, BudgetDecision: "d1", OpensAt: opens, ClosesAt: opens.Add(24 * time.Hour)}}}},
		{"apply", []string{"round", "apply", "--round", "r1", "--title", "Evals", "--category", "evaluation_grants", "--artifact", "model:x@sha256:ab"},
			[]fakeCall{{"ApplyToRound", round.ApplyRequest{Round: "r1", Title: "Evals", Category: round.EvaluationGrants, Artifacts: []string{"model:x@sha256:ab"}}}}},
		{"accept", []string{"round", "accept", "--round", "r1", "--project", "p1"}, []fakeCall{{"AcceptProject", round.AcceptRequest{Round: "r1", Project: "p1"}}}},
		{"accept by decision", []string{"round", "accept", "--round", "r1", "--project", "p1", "--by-decision", "--title", "Accept it"},
			[]fakeCall{{"ProposeProjectAcceptance", []any{"Accept it", "", round.AcceptRequest{Round: "r1", Project: "p1"}}}}},
		{"contribute", []string{"round", "contribute", "--round", "r1", "--project", "p1", "--amount", "7"},
			[]fakeCall{{"Contribute", round.ContributeRequest{Round: "r1", Project: "p1", Amount: 7}}}},
		{"contribute a cart", []string{"round", "contribute", "--round", "r1", "--project", "p1=5", "--project", "p2=3"},
			[]fakeCall{{"ContributeBatch", round.ContributeBatchRequest{Round: "r1", Lines: []round.CartLine{{Project: "p1", Amount: 5}, {Project: "p2", Amount: 3}}}}}},
		{"contribute a one-line cart", []string{"round", "contribute", "--round", "r1", "--project", "p1=5"},
			[]fakeCall{{"ContributeBatch", round.ContributeBatchRequest{Round: "r1", Lines: []round.CartLine{{Project: "p1", Amount: 5}}}}}},
		{"close", []string{"round", "close", "r1", "--page-size", "200"}, []fakeCall{{"CloseRound", roundPageArg{"r1", 200}}}},
		{"pay", []string{"round", "pay", "r1"}, []fakeCall{{"PayRound", "r1"}}},
		{"results", []string{"round", "results", "r1"}, []fakeCall{{"RoundResults", "r1"}}},
		{"estimate", []string{"round", "estimate", "r1"}, []fakeCall{{"RoundEstimate", "r1"}}},
		{"show", []string{"round", "show", "r1"}, []fakeCall{{"Round", "r1"}}},
		{"projects", []string{"round", "projects", "r1"}, []fakeCall{{"RoundProjects", "r1"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkCommand(t, tt.args, tt.wants) })
	}
}

func TestRoundCartText(t *testing.T) {
	f := newFixture(t)
	r := f.run(t, nil, "round", "contribute", "--round", "r1", "--project", "p1=5", "--project", "p2=3")
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, "cart of 2 lines to round r1: 8 contributed, balance left 90")
	assert.Regexp(t, `p2\s+3\s+3`, r.stdout)
}

func TestRoundResultsCSVAndText(t *testing.T) {
	f := newFixture(t)
	r := f.run(t, nil, "round", "results", "r1", "--csv")
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, "round,project,title,applicant_msp")
	assert.Contains(t, r.stdout, "r1,p1,Evals,LabAMSP,x509::CN=a::CN=ca,5,2,2,2,4000000000000,4,false,9")
	assert.Contains(t, r.stdout, "r1,TOTAL,org_grouped,,unallocated=96,5,,,,,4,,9")
	r = f.run(t, nil, "round", "results", "r1")
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, "matched 4, unallocated 96")
	assert.Contains(t, r.stdout, "awaiting_spend")
}

func TestRoundUsageErrors(t *testing.T) {
	f := newFixture(t)
	for _, args := range [][]string{
		{"round", "contribute", "--round", "r1", "--project", "p1", "--amount", "0"},
		{"round", "contribute", "--round", "r1", "--amount", "5"},
		{"round", "contribute", "--round", "r1", "--project", "p1", "--project", "p2", "--amount", "5"},
		{"round", "contribute", "--round", "r1", "--project", "p1=5", "--project", "p1=3"},
		{"round", "contribute", "--round", "r1", "--project", "p1=5", "--project", "p2=0"},
		{"round", "contribute", "--round", "r1", "--project", "p1=5", "--project", "p2=x"},
		{"round", "contribute", "--round", "r1", "--project", "p1=5", "--project", "p2"},
		{"round", "contribute", "--round", "r1", "--project", "p1=5", "--amount", "5"},
		{"round", "close", "r1", "--page-size", "-1"},
		{"round", "open", "--title", "x", "--pool", "1", "--budget-decision", "d1", "--window", "1h"},
		{"round", "results"},
		{"round", "accept", "--round", "r1", "--project", "p1", "--by-decision"},
		{"round", "accept", "--round", "r1", "--project", "p1", "--title", "t"},
		{"round", "accept", "--round", "r1"},
	} {
		r := f.run(t, nil, args...)
		assert.Equal(t, exitUsage, r.code, "%v: %s", args, r.stderr)
	}
}
