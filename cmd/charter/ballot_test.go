package main

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/ballot"
	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/decision"
	"github.com/charter-gov/charter/chaincode/delegation"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/token"
	"github.com/charter-gov/charter/chaincode/treasury"
	"github.com/charter-gov/charter/chaincode/vouch"
	charter "github.com/charter-gov/charter/gateway-client"
)

// The fake gateway's voting operations (votingAPI).

var testBallot = &ballot.Ballot{ID: "b1", Kind: ballot.KindDecision, Title: "GPUs", DecisionType: constitution.Budget, House: constitution.HouseB,
	Family: constitution.FamilyToken, Status: ballot.StatusPending, Rule: constitution.DecisionRule{QuorumBps: 1000, ThresholdBps: 5001}}

var testResult = &ballot.Result{Basis: ballot.BasisWeight, Totals: []ballot.ChoiceTotal{{Choice: "for", Total: "7"}, {Choice: "against", Total: "3"}, {Choice: "abstain", Total: "0"}},
	Participation: "10", Electorate: "20", QuorumBps: 1000, ThresholdBps: 5001, QuorumRequired: "2", QuorumReached: true, Decisive: "10", Winner: "for", Passed: true, VotesRead: 2, VotesCounted: 2}

type tallyArg struct {
	ID       string
	PageSize int
}

type idArg struct {
	ID string
	At time.Time
}

func (g *fakeGateway) CreateBallot(_ context.Context, req ballot.CreateRequest) (*ballot.Ballot, error) {
	return testBallot, g.record("CreateBallot", req)
}
func (g *fakeGateway) Vote(_ context.Context, req ballot.CastRequest) (*ballot.Vote, error) {
	return &ballot.Vote{Ballot: req.Ballot, Choice: req.Choice, Allocations: req.Allocations}, g.record("Vote", req)
}
func (g *fakeGateway) CloseBallot(_ context.Context, id string) (*ballot.Ballot, error) {
	return testBallot, g.record("CloseBallot", id)
}
func (g *fakeGateway) TallyPage(_ context.Context, id string, pageSize int) (*ballot.Progress, error) {
	return &ballot.Progress{Ballot: id, Phase: ballot.PhaseDone, Done: true, Status: ballot.StatusSucceeded, Result: testResult}, g.record("TallyPage", tallyArg{id, pageSize})
}
func (g *fakeGateway) QueueBallot(_ context.Context, id string) (*ballot.Ballot, error) {
	return testBallot, g.record("QueueBallot", id)
}
func (g *fakeGateway) ExecuteBallot(_ context.Context, id string) (*ballot.Ballot, error) {
	return testBallot, g.record("ExecuteBallot", id)
}
func (g *fakeGateway) CancelBallot(_ context.Context, req ballot.CancelRequest) (*ballot.Ballot, error) {
	return testBallot, g.record("CancelBallot", req)
}
func (g *fakeGateway) Ballot(_ context.Context, id string) (*ballot.View, error) {
	return &ballot.View{Ballot: *testBallot, StatusNow: ballot.StatusActive}, g.record("Ballot", id)
}

type pageArg struct {
	Filter   string
	Size     int
	Bookmark string
}

// BallotsPage answers two pages (the second from bookmark "bm-2"), so the
// CLI's following of pages is exercised.
func (g *fakeGateway) BallotsPage(_ context.Context, status ballot.Status, size int, bookmark string) (*ballot.ListPage, error) {
	p := &ballot.ListPage{Ballots: []ballot.View{{Ballot: *testBallot, StatusNow: ballot.StatusActive}}}
	if bookmark == "" {
		p.Bookmark = "bm-2"
	}
	return p, g.record("BallotsPage", pageArg{string(status), size, bookmark})
}
func (g *fakeGateway) BallotResults(_ context.Context, id string) (*charter.BallotResults, error) {
	b := *testBallot
	b.Result = testResult
	return &charter.BallotResults{Ballot: ballot.View{Ballot: b, StatusNow: ballot.StatusSucceeded}}, g.record("BallotResults", id)
}
func (g *fakeGateway) Transfer(_ context.Context, req token.TransferRequest) (*token.Receipt, error) {
	return &token.Receipt{To: req.To, Amount: req.Amount}, g.record("Transfer", req)
}
func (g *fakeGateway) Balance(_ context.Context, a identity.Identity) (*charter.Balance, error) {
	return &charter.Balance{Account: a, Balance: 5}, g.record("Balance", a)
}
func (g *fakeGateway) BalanceAt(_ context.Context, a identity.Identity, at time.Time) (*charter.Balance, error) {
	return &charter.Balance{Account: a, Balance: 4}, g.record("BalanceAt", idArg{a.ID, at})
}
func (g *fakeGateway) Supply(context.Context) (int64, error) { return 99, g.record("Supply", nil) }
func (g *fakeGateway) TokenHistory(_ context.Context, a identity.Identity, limit int) ([]token.Checkpoint, error) {
	return []token.Checkpoint{{Balance: 5, Kind: "mint", Delta: 5}}, g.record("TokenHistory", limit)
}
func (g *fakeGateway) Delegate(_ context.Context, req delegation.SetRequest) (*delegation.Version, error) {
	return &delegation.Version{Topic: req.Topic, Legs: req.Legs}, g.record("Delegate", req)
}
func (g *fakeGateway) SetDelegateStatement(_ context.Context, text string) (*delegation.Statement, error) {
	return &delegation.Statement{Text: text}, g.record("SetDelegateStatement", text)
}

func (g *fakeGateway) DelegateStatement(_ context.Context, m identity.Identity) (*delegation.Statement, error) {
	return &delegation.Statement{Member: m, Text: "open evals"}, g.record("DelegateStatement", m)
}

func (g *fakeGateway) RevokeDelegation(_ context.Context, req delegation.RevokeRequest) (*delegation.Version, error) {
	return &delegation.Version{Topic: req.Topic, Revoked: true, Legs: []delegation.Leg{}}, g.record("RevokeDelegation", req)
}
func (g *fakeGateway) Delegations(_ context.Context, m identity.Identity) ([]delegation.Version, error) {
	return []delegation.Version{}, g.record("Delegations", m)
}
func (g *fakeGateway) PauseBallot(_ context.Context, req ballot.PauseRequest) (*ballot.PauseResult, error) {
	return &ballot.PauseResult{Support: ballot.PauseSupport{Ballot: req.Ballot}, Supporters: 1, Required: 2, Organisations: 1, RequiredOrgs: 2}, g.record("PauseBallot", req)
}
func (g *fakeGateway) PauseSupports(_ context.Context, id string) ([]ballot.PauseSupport, error) {
	return []ballot.PauseSupport{}, g.record("PauseSupports", id)
}
func (g *fakeGateway) Vouch(_ context.Context, m identity.Identity) (*vouch.Vouch, error) {
	return &vouch.Vouch{Member: m}, g.record("Vouch", m)
}
func (g *fakeGateway) Unvouch(_ context.Context, m identity.Identity) (*vouch.Vouch, error) {
	return &vouch.Vouch{Member: m}, g.record("Unvouch", m)
}
func (g *fakeGateway) Vouches(_ context.Context, m identity.Identity) ([]vouch.Vouch, error) {
	return []vouch.Vouch{}, g.record("Vouches", m)
}

func TestVotingCommands(t *testing.T) {
	f0 := newFixture(t)
	user1 := f0.identityOf(t, "labA-user1", "LabAMSP")
	admin := f0.identityOf(t, "labA-admin", "LabAMSP")
	tests := []struct {
		name  string
		args  []string
		wants []fakeCall
	}{
		{"create poll about a type", []string{"ballot", "create", "--poll", "--type", "budget", "--title", "Legit?", "--period", "1h", "--delay", "1m"},
			[]fakeCall{{"CreateBallot", ballot.CreateRequest{Kind: ballot.KindPoll, DecisionType: constitution.Budget, Title: "Legit?", VotingPeriodSec: 3600, VotingDelaySec: 60}}}},
		{"pause", []string{"--as", "labA-user1", "ballot", "pause", "b1", "--reason", "vote buying"},
			[]fakeCall{{"PauseBallot", ballot.PauseRequest{Ballot: "b1", Reason: "vote buying"}}}},
		{"pause supports", []string{"ballot", "pause-supports", "b1"}, []fakeCall{{"PauseSupports", "b1"}}},
		{"vouch", []string{"--as", "labA-admin", "member", "vouch", "--member", "labA-user1"}, []fakeCall{{"Vouch", user1}}},
		{"vouches", []string{"member", "vouches", "--member", "labA-user1"}, []fakeCall{{"Vouches", user1}}},
		{"unvouch", []string{"--as", "labA-admin", "member", "unvouch", "--member", "labA-user1"}, []fakeCall{{"Unvouch", user1}}},
		{"create poll", []string{"ballot", "create", "--poll", "--title", "Legit?", "--period", "1h"},
			[]fakeCall{{"CreateBallot", ballot.CreateRequest{Kind: ballot.KindPoll, Title: "Legit?", VotingPeriodSec: 3600}}}},
		{"show", []string{"ballot", "show", "b1"}, []fakeCall{{"Ballot", "b1"}}},
		{"list", []string{"ballot", "list", "--status", "active", "--page-size", "5"}, []fakeCall{
			{"BallotsPage", pageArg{"active", 5, ""}}, {"BallotsPage", pageArg{"active", 5, "bm-2"}}}},
		{"vote", []string{"ballot", "vote", "b1", "--choice", "for"}, []fakeCall{{"Vote", ballot.CastRequest{Ballot: "b1", Choice: "for"}}}},
		{"vote quadratic", []string{"ballot", "vote", "b1", "--alloc", "gpu=3,docs=1"},
			[]fakeCall{{"Vote", ballot.CastRequest{Ballot: "b1", Allocations: []ballot.Allocation{{Choice: "gpu", Votes: 3}, {Choice: "docs", Votes: 1}}}}}},
		{"close and tally", []string{"ballot", "close", "b1", "--page-size", "500"}, []fakeCall{{"CloseBallot", "b1"}, {"TallyPage", tallyArg{"b1", 500}}}},
		{"close only", []string{"ballot", "close", "b1", "--no-tally"}, []fakeCall{{"CloseBallot", "b1"}}},
		{"tally", []string{"ballot", "tally", "b1"}, []fakeCall{{"TallyPage", tallyArg{"b1", 0}}}},
		{"queue", []string{"ballot", "queue", "b1"}, []fakeCall{{"QueueBallot", "b1"}}},
		{"execute", []string{"ballot", "execute", "b1"}, []fakeCall{{"ExecuteBallot", "b1"}}},
		{"cancel", []string{"ballot", "cancel", "b1", "--reason", "dup"}, []fakeCall{{"CancelBallot", ballot.CancelRequest{Ballot: "b1", Reason: "dup"}}}},
		{"results", []string{"ballot", "results", "b1"}, []fakeCall{{"BallotResults", "b1"}}},
		{"issue", []string{"--as", "labA-user1", "token", "issue", "--amount", "12", "--memo", "q3", "--title", "Q3 allocation"},
			[]fakeCall{{"ProposeDecision", decision.ProposeRequest{Type: constitution.TokenIssuance, Title: "Q3 allocation",
				Payload: mustRaw(t, treasury.IssuanceRequest{Amount: 12, Memo: "q3"})}}}},
		{"transfer", []string{"token", "transfer", "--member", "labA-admin", "--amount", "2", "--memo", "thanks"},
			[]fakeCall{{"Transfer", token.TransferRequest{To: admin, Amount: 2, Memo: "thanks"}}}},
		{"balance of oneself", []string{"--as", "labA-user1", "token", "balance"}, []fakeCall{{"Balance", user1}}},
		{"balance at", []string{"token", "balance", "--member", "labA-user1", "--at", "2026-03-01T09:00:00Z"},
			[]fakeCall{{"BalanceAt", idArg{user1.ID, time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}}}},
		{"supply", []string{"token", "supply"}, []fakeCall{{"Supply", nil}}},
		{"history", []string{"--as", "labA-user1", "token", "history", "--limit", "3"}, []fakeCall{{"TokenHistory", 3}}},
		{"delegate", []string{"delegate", "set", "--topic", "budget", "--to", "labA-user1=60", "--to", "LabBMSP/x509::CN=b::CN=ca=40"},
			[]fakeCall{{"Delegate", delegation.SetRequest{Topic: "budget", Legs: []delegation.Leg{{To: user1, Percent: 60},
				{To: identity.Identity{MSPID: "LabBMSP", ID: "x509::CN=b::CN=ca"}, Percent: 40}}}}}},
		{"revoke", []string{"delegate", "revoke", "--topic", "*"}, []fakeCall{{"RevokeDelegation", delegation.RevokeRequest{Topic: "*"}}}},
		{"list delegations", []string{"--as", "labA-user1", "delegate", "list"}, []fakeCall{{"Delegations", user1}}},
		{"update statement", []string{"delegate", "statement", "update", "--text", "open evals"}, []fakeCall{{"SetDelegateStatement", "open evals"}}},
		{"show statement", []string{"--as", "labA-user1", "delegate", "statement", "show"}, []fakeCall{{"DelegateStatement", user1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkCommand(t, tt.args, tt.wants) })
	}
}

func TestVotingTextOutput(t *testing.T) {
	f := newFixture(t)
	r := f.run(t, nil, "ballot", "results", "b1")
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, "10 of 20 (weight)")
	assert.Contains(t, r.stdout, "winner:")
	r = f.run(t, nil, "ballot", "list")
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, "GPUs")
}

func TestVotingUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"create a decision ballot", []string{"ballot", "create", "--type", "budget", "--title", "x"}, "decision ballots are opened by 'charter decision propose'"},
		{"poll without title", []string{"ballot", "create", "--poll", "--period", "1h"}, `required flag(s) "title" not set`},
		{"pause without reason", []string{"ballot", "pause", "b1"}, `required flag(s) "reason" not set`},
		{"vouch for nobody", []string{"member", "vouch"}, "[member cert id] is required"},
		{"poll without period", []string{"ballot", "create", "--poll", "--title", "x"}, "--period is required"},
		{"vote without choice", []string{"ballot", "vote", "b1"}, "[choice alloc]"},
		{"vote with both", []string{"ballot", "vote", "b1", "--choice", "for", "--alloc", "a=1"}, "[choice alloc]"},
		{"bad allocation", []string{"ballot", "vote", "b1", "--alloc", "a=-1"}, "positive whole number"},
		{"vote without ballot", []string{"ballot", "vote", "--choice", "for"}, "one argument: the ballot ID"},
		{"bad status", []string{"ballot", "list", "--status", "asleep"}, `--status "asleep"`},
		{"page too large", []string{"ballot", "list", "--page-size", "1001"}, `--page-size 1001`},
		{"page too large", []string{"ballot", "close", "b1", "--page-size", "20000"}, "--page-size 20000"},
		{"cancel without reason", []string{"ballot", "cancel", "b1"}, `required flag(s) "reason" not set`},
		{"mint is gone", []string{"token", "mint"}, `unknown command "mint"`},
		{"issue without amount", []string{"token", "issue", "--title", "x"}, "--amount 0"},
		{"issue without title", []string{"token", "issue", "--amount", "5"}, `required flag(s) "title" not set`},
		{"issue negative", []string{"token", "issue", "--amount", "-3", "--title", "x"}, "positive whole number"},
		{"issue to members is gone", []string{"token", "issue", "--to", "labA-user1=5", "--amount", "5", "--title", "x"}, "unknown flag: --to"},
		{"negative transfer", []string{"token", "transfer", "--member", "labA-user1", "--amount", "-4"}, "--amount -4"},
		{"delegate without topic", []string{"delegate", "set", "--to", "labA-user1=5"}, `required flag(s) "topic" not set`},
		{"delegate bad percent", []string{"delegate", "set", "--topic", "budget", "--to", "labA-user1=101"}, "1..100"},
		{"delegate bad leg", []string{"delegate", "set", "--topic", "budget", "--to", "labA-user1"}, "WHO=PERCENT"},
		{"history limit", []string{"token", "history", "--limit", "0"}, "--limit 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			r := f.run(t, nil, tt.args...)
			assert.Equal(t, exitUsage, r.code, r.stderr)
			assert.Contains(t, r.stderr, tt.want)
			assert.Empty(t, f.fake.calls, "nothing sent")
		})
	}
}

// mustRaw is v's JSON, as the commands that build a decision payload encode it.
func mustRaw(t *testing.T, v any) json.RawMessage {
	t.Helper()
	raw, err := json.Marshal(v)
	require.NoError(t, err)
	return raw
}
