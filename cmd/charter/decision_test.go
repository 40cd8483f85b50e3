package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/ballot"
	"github.com/charter-gov/charter/chaincode/coi"
	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/decision"
	"github.com/charter-gov/charter/chaincode/errcode"
)

// The fake gateway's decision operations (decisionAPI).

func testDecision() *decision.Decision {
	at := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	eta := at.Add(7 * 24 * time.Hour)
	def := constitution.Default()
	rule, _ := def.Rule(constitution.Amendment)
	return &decision.Decision{ID: "d0123", Type: constitution.Amendment, Title: "Shorter mediation", Subject: coi.Subject{Kind: coi.KindProposal, ID: "d0123"},
		Proposer: testMember.Identity, ProposedAt: at, ConstitutionVersion: 1, ConstitutionHash: "abc", Rule: rule, Concurrence: constitution.Default().Concurrence,
		Ballots: []decision.BallotRef{{House: "A", Family: "seat", Ballot: "d0123-A"}, {House: "B", Family: "reputation", Ballot: "d0123-B"}},
		Status:  decision.StatusPassed,
		Outcome: &decision.Outcome{Verdict: decision.VerdictPassed, Branch: decision.BranchBothPassed, DecidedAt: at,
			Houses: []decision.HouseResult{{House: "A", QuorumMet: true, Passed: true, ForBps: 8000}, {House: "B", QuorumMet: true, Passed: true, ForBps: 7000}}},
		ETA: &eta, AppealDeadline: &eta, ExecutableAt: &eta}
}

func (g *fakeGateway) ProposeDecision(_ context.Context, req decision.ProposeRequest) (*decision.Decision, error) {
	return testDecision(), g.record("ProposeDecision", req)
}

type amendArg struct {
	Title, Description string
	Doc                constitution.Document
}

func (g *fakeGateway) ProposeAmendment(_ context.Context, title, description string, doc constitution.Document) (*decision.Decision, error) {
	return testDecision(), g.record("ProposeAmendment", amendArg{title, description, doc})
}

func (g *fakeGateway) VoteOnDecision(_ context.Context, req decision.VoteRequest) (*ballot.Vote, error) {
	return &ballot.Vote{Ballot: "d0123-A", Choice: req.Choice}, g.record("VoteOnDecision", req)
}

func (g *fakeGateway) ConcludeDecision(_ context.Context, id string) (*decision.Decision, error) {
	return testDecision(), g.record("ConcludeDecision", id)
}

func (g *fakeGateway) AppealDecision(_ context.Context, req decision.AppealRequest) (*decision.AppealResult, error) {
	return &decision.AppealResult{Appellants: 1, Required: 5, Appellant: decision.Appellant{Decision: req.Decision, Member: testMember.Identity}}, g.record("AppealDecision", req)
}

func (g *fakeGateway) ExecuteDecision(_ context.Context, id string) (*decision.Decision, error) {
	return testDecision(), g.record("ExecuteDecision", id)
}

func (g *fakeGateway) Decision(_ context.Context, id string) (*decision.Decision, error) {
	return testDecision(), g.record("Decision", id)
}

func (g *fakeGateway) DecisionsPage(_ context.Context, status decision.Status, size int, bookmark string) (*decision.ListPage, error) {
	return &decision.ListPage{Decisions: []decision.Decision{*testDecision()}}, g.record("DecisionsPage", pageArg{string(status), size, bookmark})
}

func (g *fakeGateway) Appellants(_ context.Context, id string) ([]decision.Appellant, error) {
	return []decision.Appellant{{Decision: id, Member: testMember.Identity, Grounds: "g"}}, g.record("Appellants", id)
}

type diffArg struct{ From, To int64 }

func (g *fakeGateway) ConstitutionDiff(_ context.Context, from, to int64) ([]constitution.Change, error) {
	return []constitution.Change{{Path: "concurrence.mediationSeconds", Old: "604800 (7d)", New: "86400 (1d)"}}, g.record("ConstitutionDiff", diffArg{from, to})
}

func (g *fakeGateway) DiscloseConflict(_ context.Context, req coi.DiscloseRequest) (*coi.Disclosure, error) {
	return &coi.Disclosure{Subject: req.Subject, Member: testMember.Identity, StatementHash: coi.HashStatement("x"), Statement: req.Statement}, g.record("DiscloseConflict", req)
}

func (g *fakeGateway) ConflictsPage(_ context.Context, q coi.ListRequest) (*coi.ListPage, error) {
	return &coi.ListPage{Disclosures: []coi.Disclosure{{Subject: coi.Subject{Kind: coi.KindArtifact, ID: "m"}, Member: testMember.Identity, StatementHash: coi.HashStatement("x")}}}, g.record("ConflictsPage", q)
}

var _ decisionAPI = (*fakeGateway)(nil)

func TestDecisionCommands(t *testing.T) {
	f0 := newFixture(t)
	user1 := f0.identityOf(t, "labA-user1", "LabAMSP")
	dir := t.TempDir()
	docFile := filepath.Join(dir, "doc.json")
	doc := constitution.Default()
	doc.Concurrence.MediationSec = 86400
	raw, err := json.Marshal(doc)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(docFile, raw, 0o600))
	seatFile := filepath.Join(dir, "seat.json")
	require.NoError(t, os.WriteFile(seatFile, []byte(`{"member":{"mspId":"LabAMSP","id":"x509::CN=Ada::CN=ca"}}`), 0o600))
	artifact := coi.Subject{Kind: coi.KindArtifact, ID: "model-x@sha256:ab12"}

	tests := []struct {
		name string
		args []string
		want fakeCall
	}{
		{"propose", []string{"decision", "propose", "--type", "budget", "--title", "Q3"},
			fakeCall{"ProposeDecision", decision.ProposeRequest{Type: constitution.Budget, Title: "Q3"}}},
		{"propose with subject and payload", []string{"decision", "propose", "--type", "seat_confirmation", "--title", "Seat Ada", "--subject", "organisation:LabAMSP", "--payload", seatFile},
			fakeCall{"ProposeDecision", decision.ProposeRequest{Type: constitution.SeatConfirmation, Title: "Seat Ada", Subject: &coi.Subject{Kind: coi.KindOrganisation, ID: "LabAMSP"},
				Payload: json.RawMessage(`{"member":{"mspId":"LabAMSP","id":"x509::CN=Ada::CN=ca"}}`)}}},
		{"show", []string{"decision", "show", "d0123"}, fakeCall{"Decision", "d0123"}},
		{"show appellants", []string{"decision", "show", "d0123", "--appellants"}, fakeCall{"Appellants", "d0123"}},
		{"list", []string{"decision", "list", "--status", "passed"}, fakeCall{"DecisionsPage", pageArg{"passed", 1000, ""}}},
		{"vote", []string{"decision", "vote", "d0123", "--house", "A", "--choice", "for"},
			fakeCall{"VoteOnDecision", decision.VoteRequest{Decision: "d0123", House: "A", Choice: "for"}}},
		{"conclude", []string{"decision", "conclude", "d0123"}, fakeCall{"ConcludeDecision", "d0123"}},
		{"appeal", []string{"decision", "appeal", "d0123", "--grounds", "licensed"}, fakeCall{"AppealDecision", decision.AppealRequest{Decision: "d0123", Grounds: "licensed"}}},
		{"execute", []string{"decision", "execute", "d0123"}, fakeCall{"ExecuteDecision", "d0123"}},
		{"constitution diff", []string{"constitution", "diff", "1", "2"}, fakeCall{"ConstitutionDiff", diffArg{1, 2}}},
		{"propose-amendment", []string{"constitution", "propose-amendment", "--file", docFile, "--title", "One-day mediation"},
			fakeCall{"ProposeAmendment", amendArg{"One-day mediation", "", doc}}},
		{"coi disclose", []string{"coi", "disclose", "--subject", "artifact:model-x@sha256:ab12", "--statement", "I trained it"},
			fakeCall{"DiscloseConflict", coi.DiscloseRequest{Subject: artifact, Statement: "I trained it"}}},
		{"coi disclose off-ledger", []string{"coi", "disclose", "--subject", "artifact:model-x@sha256:ab12", "--statement", "I trained it", "--off-ledger"},
			fakeCall{"DiscloseConflict", coi.DiscloseRequest{Subject: artifact, StatementHash: coi.HashStatement("I trained it")}}},
		{"coi list by subject", []string{"coi", "list", "--subject", "artifact:model-x@sha256:ab12"}, fakeCall{"ConflictsPage", coi.ListRequest{Subject: &artifact, PageSize: 1000}}},
		{"coi list by member", []string{"coi", "list", "--member", "labA-user1", "--kind", "grantee"}, fakeCall{"ConflictsPage", coi.ListRequest{Member: &user1, Kind: coi.KindGrantee, PageSize: 1000}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkCommand(t, tt.args, []fakeCall{tt.want}) })
	}
}

func TestDecisionTextOutput(t *testing.T) {
	f := newFixture(t)
	r := f.run(t, nil, "decision", "show", "d0123")
	require.Equal(t, exitOK, r.code, r.stderr)
	for _, want := range []string{"constitutional_amendment", "houses A+B, quorum 33.34%, threshold 66.67%", "7d mediation, then 80% in the passing house and 53.34% in the other",
		"both houses passed it", "d0123-B (reputation)"} {
		assert.Contains(t, r.stdout, want)
	}
	r = f.run(t, nil, "constitution", "diff", "1", "2")
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Equal(t, "concurrence.mediationSeconds\n    604800 (7d) → 86400 (1d)\n", r.stdout)
}

func TestDecisionUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"propose without type", []string{"decision", "propose", "--title", "x"}, `required flag(s) "type" not set`},
		{"propose without title", []string{"decision", "propose", "--type", "budget"}, `required flag(s) "title" not set`},
		{"bad subject", []string{"decision", "propose", "--type", "budget", "--title", "x", "--subject", "planet"}, "want KIND:ID"},
		{"unknown subject kind", []string{"decision", "propose", "--type", "budget", "--title", "x", "--subject", "planet:mars"}, "unknown"},
		{"bad status", []string{"decision", "list", "--status", "done"}, `--status "done"`},
		{"vote without house", []string{"decision", "vote", "d1", "--choice", "for"}, "--house"},
		{"appeal without grounds", []string{"decision", "appeal", "d1"}, `required flag(s) "grounds" not set`},
		{"execute without ID", []string{"decision", "execute"}, "the decision ID"},
		{"diff one version", []string{"constitution", "diff", "1"}, "two arguments"},
		{"diff bad version", []string{"constitution", "diff", "1", "x"}, `version "x"`},
		{"amendment without file", []string{"constitution", "propose-amendment", "--title", "t"}, `required flag(s) "file" not set`},
		{"disclose two statements", []string{"coi", "disclose", "--subject", "artifact:m", "--statement", "a", "--statement-sha256", "b"}, "were all set"},
		{"list neither", []string{"coi", "list"}, "[subject member cert id] is required"},
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

func TestDecisionRefusalsMapToExitCodes(t *testing.T) {
	for _, tt := range []struct {
		err  error
		code int
	}{
		{errcode.Forbiddenf("vote on decision d1: recused"), exitForbidden},
		{errcode.Conflictf("execute decision d1: already executed"), exitConflict},
		{errcode.Preconditionf("appeal window closed"), exitFailedPrecondition},
	} {
		f := newFixture(t)
		f.fake.err = tt.err
		r := f.run(t, nil, "decision", "execute", "d1")
		assert.Equal(t, tt.code, r.code, r.stderr)
		assert.Contains(t, r.stderr, tt.err.Error())
	}
}
