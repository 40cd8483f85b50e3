package main

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/coi"
	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/contribution"
	"github.com/charter-gov/charter/chaincode/decision"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/reputation"
	charter "github.com/charter-gov/charter/gateway-client"
)

// The fake gateway's reputation operations (reputationAPI).

var (
	testIssued      = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	testAttestation = &reputation.Attestation{ID: "tx-1", Recipient: identity.Identity{MSPID: "LabAMSP", ID: "x509::CN=Ada::CN=ca"},
		Attester: identity.Identity{MSPID: "LabBMSP", ID: "x509::CN=Bob::CN=ca"}, Category: contribution.MergedCode, Weight: 40, Evidence: "pr/42", IssuedAt: testIssued}
)

func (g *fakeGateway) Attest(_ context.Context, req reputation.AttestRequest) (*reputation.Attestation, error) {
	return testAttestation, g.record("Attest", req)
}

func (g *fakeGateway) RevokeAttestation(_ context.Context, req reputation.RevokeRequest) (*reputation.Attestation, error) {
	a := *testAttestation
	a.Revoked = &reputation.Revocation{By: a.Attester, At: testIssued, Reason: req.Reason, Authority: "attester"}
	return &a, g.record("RevokeAttestation", req)
}

func (g *fakeGateway) Endorse(_ context.Context, req reputation.EndorseRequest) (*reputation.Endorsement, error) {
	return &reputation.Endorsement{AttestationID: req.AttestationID, Recipient: req.Recipient, At: testIssued}, g.record("Endorse", req)
}

type scoreArg struct {
	Member identity.Identity
	Query  charter.ScoreQuery
}

func (g *fakeGateway) Score(_ context.Context, member identity.Identity, q charter.ScoreQuery) (*reputation.ScoreReport, error) {
	r := &reputation.ScoreReport{Member: member, At: testIssued, Categories: q.Categories, Score: 41_250}
	for _, c := range contribution.All() {
		r.ByCategory = append(r.ByCategory, reputation.CategoryScore{Category: c})
	}
	r.ByCategory[0].Score = 41_250
	return r, g.record("Score", scoreArg{member, q})
}

func (g *fakeGateway) ReputationHistory(_ context.Context, member identity.Identity) (*reputation.History, error) {
	return &reputation.History{Member: member, Attestations: []reputation.Attestation{*testAttestation}}, g.record("ReputationHistory", member)
}

type eligibleArg struct {
	Member identity.Identity
	At     time.Time
}

func (g *fakeGateway) Eligibility(_ context.Context, member identity.Identity, at time.Time) (*reputation.EligibilityReport, error) {
	return &reputation.EligibilityReport{Member: member, Reasons: []string{"total score 1.000 is below the minimum 500.000"}}, g.record("Eligibility", eligibleArg{member, at})
}

type eligiblePageArg struct {
	MSPID    string
	At       time.Time
	Size     int
	Bookmark string
}

func (g *fakeGateway) EligibleMembersPage(_ context.Context, mspID string, at time.Time, size int, bookmark string) (*reputation.EligibilityPage, error) {
	return &reputation.EligibilityPage{Reports: []reputation.EligibilityReport{
		{Member: testAttestation.Recipient, Eligible: true, ActiveMember: true, TotalScore: 600_000, SafetyScore: 100_000, MinTotalScore: 500_000, MinSafetyScore: 100_000},
		{Member: testAttestation.Attester, HoldsSeat: true, SeatLost: true, ActiveMember: true, TotalScore: 1_000, MinTotalScore: 500_000, MinSafetyScore: 100_000},
	}}, g.record("EligibleMembersPage", eligiblePageArg{mspID, at, size, bookmark})
}

var _ reputationAPI = (*fakeGateway)(nil)

func TestReputationCommands(t *testing.T) {
	f0 := newFixture(t)
	user1 := f0.identityOf(t, "labA-user1", "LabAMSP")
	admin := f0.identityOf(t, "labA-admin", "LabAMSP")
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	exp := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	ref := reputation.AttestationRef{Recipient: user1, AttestationID: "tx-1"}

	tests := []struct {
		name string
		args []string
		want fakeCall
	}{
		{"attest", []string{"--as", "labA-admin", "reputation", "attest", "--member", "labA-user1", "--category", "red_teaming", "--weight", "40", "--evidence", "https://git.example/pr/42"},
			fakeCall{"Attest", reputation.AttestRequest{Recipient: user1, Category: contribution.RedTeaming, Weight: 40, Evidence: "https://git.example/pr/42"}}},
		{"attest with an expiry", []string{"reputation", "attest", "--msp", "LabAMSP", "--id", user1.ID, "--category", "documentation", "--weight", "1", "--evidence", "sha256:ab", "--expires", "2027-01-01T00:00:00Z"},
			fakeCall{"Attest", reputation.AttestRequest{Recipient: user1, Category: contribution.Documentation, Weight: 1, Evidence: "sha256:ab", ExpiresAt: &exp}}},
		{"revoke", []string{"reputation", "revoke", "--member", "labA-user1", "--attestation", "tx-1", "--reason", "duplicate"},
			fakeCall{"RevokeAttestation", reputation.RevokeRequest{AttestationRef: ref, Reason: "duplicate"}}},
		{"attest with a subject", []string{"reputation", "attest", "--member", "labA-user1", "--category", "red_teaming", "--weight", "5", "--evidence", "report-7", "--subject", "artifact:model-x@sha256:ab12"},
			fakeCall{"Attest", reputation.AttestRequest{Recipient: user1, Category: contribution.RedTeaming, Weight: 5, Evidence: "report-7", Subject: &coi.Subject{Kind: coi.KindArtifact, ID: "model-x@sha256:ab12"}}}},
		{"endorse", []string{"reputation", "endorse", "--member", "labA-user1", "--attestation", "tx-1", "--comment", "saw it"},
			fakeCall{"Endorse", reputation.EndorseRequest{AttestationRef: ref, Comment: "saw it"}}},
		{"slash one category: a slashing decision", []string{"reputation", "slash", "--member", "labA-user1", "--fraction-bps", "2500", "--category", "merged_code", "--reason", "farming"},
			fakeCall{"ProposeDecision", decision.ProposeRequest{Type: constitution.Slashing, Title: "Slash 25%: farming",
				Payload: mustRaw(t, reputation.SlashRequest{Member: user1, Category: contribution.MergedCode, FractionBps: 2500, Reason: "farming"})}}},
		{"slash every category with a title", []string{"reputation", "slash", "--member", "labA-user1", "--fraction-bps", "1250", "--reason", "expelled", "--title", "Expel"},
			fakeCall{"ProposeDecision", decision.ProposeRequest{Type: constitution.Slashing, Title: "Expel",
				Payload: mustRaw(t, reputation.SlashRequest{Member: user1, FractionBps: 1250, Reason: "expelled"})}}},
		{"score of oneself now", []string{"--as", "labA-admin", "reputation", "score"},
			fakeCall{"Score", scoreArg{admin, charter.ScoreQuery{}}}},
		{"score of a member at a time in two categories", []string{"reputation", "score", "--member", "labA-user1", "--at", "2026-03-01T09:00:00Z", "--categories", "red_teaming,safety_review"},
			fakeCall{"Score", scoreArg{user1, charter.ScoreQuery{At: at, Categories: []contribution.Category{contribution.RedTeaming, contribution.SafetyReview}}}}},
		{"history of oneself", []string{"--as", "labA-user1", "reputation", "history"}, fakeCall{"ReputationHistory", user1}},
		{"eligible: everyone", []string{"reputation", "eligible", "--at", "2026-03-01T09:00:00Z"}, fakeCall{"EligibleMembersPage", eligiblePageArg{"", at, 1000, ""}}},
		{"eligible: one organisation", []string{"reputation", "eligible", "--msp", "LabBMSP", "--at", "2026-03-01T09:00:00Z", "--page-size", "50"}, fakeCall{"EligibleMembersPage", eligiblePageArg{"LabBMSP", at, 50, ""}}},
		{"eligible: one member", []string{"reputation", "eligible", "--member", "labA-user1"}, fakeCall{"Eligibility", eligibleArg{user1, time.Time{}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkCommand(t, tt.args, []fakeCall{tt.want}) })
	}
}

func TestReputationTextOutput(t *testing.T) {
	f := newFixture(t)
	r := f.run(t, nil, "reputation", "score", "--member", "labA-user1")
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, "41.250 points (all categories)")
	assert.Contains(t, r.stdout, "merged_code")

	r = f.run(t, nil, "reputation", "eligible")
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, "meets every threshold")
	assert.Contains(t, r.stdout, "lost")
	assert.Contains(t, r.stdout, "total below 500.000; safety below 100.000")
}

func TestReputationUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"malformed subject", []string{"reputation", "attest", "--member", "labA-user1", "--category", "red_teaming", "--weight", "5", "--evidence", "e", "--subject", "model-x"}, "--subject"},
		{"unknown category", []string{"reputation", "attest", "--member", "labA-user1", "--category", "poetry", "--weight", "1", "--evidence", "e"}, `unknown contribution category "poetry"`},
		{"weight zero", []string{"reputation", "attest", "--member", "labA-user1", "--category", "merged_code", "--evidence", "e"}, "--weight 0"},
		{"no evidence", []string{"reputation", "attest", "--member", "labA-user1", "--category", "merged_code", "--weight", "3"}, `required flag(s) "evidence" not set`},
		{"bad expiry", []string{"reputation", "attest", "--member", "labA-user1", "--category", "merged_code", "--weight", "3", "--evidence", "e", "--expires", "soon"}, `--expires "soon"`},
		{"no recipient", []string{"reputation", "attest", "--category", "merged_code", "--weight", "3", "--evidence", "e"}, "[member cert id] is required"},
		{"revoke without attestation", []string{"reputation", "revoke", "--member", "labA-user1", "--reason", "r"}, `required flag(s) "attestation" not set`},
		{"slash fraction out of range", []string{"reputation", "slash", "--member", "labA-user1", "--fraction-bps", "10001", "--reason", "r"}, "--fraction-bps 10001"},
		{"slash without reason", []string{"reputation", "slash", "--member", "labA-user1", "--fraction-bps", "10"}, `required flag(s) "reason" not set`},
		{"bad time", []string{"reputation", "score", "--at", "yesterday"}, `--at "yesterday"`},
		{"bad category list", []string{"reputation", "score", "--categories", "merged_code,x"}, `unknown contribution category "x"`},
		{"msp alone", []string{"reputation", "history", "--msp", "LabAMSP"}, "--msp goes with --cert or --id"},
		{"no subcommand", []string{"reputation"}, "needs a subcommand"},
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

func TestReputationRefusalsMapToExitCodes(t *testing.T) {
	tests := []struct {
		err  error
		code int
	}{
		{errcode.Forbiddenf("attest: self-attestation is not allowed"), exitForbidden},
		{errcode.Preconditionf("attest: farming cap exceeded"), exitFailedPrecondition},
		{errcode.NotFoundf("attest: recipient is not an active member"), exitNotFound},
		{errcode.Conflictf("already revoked"), exitConflict},
		{errcode.Invalidf("weight 5000 is out of bounds"), exitUsage},
	}
	for _, tt := range tests {
		t.Run(string(errcode.CodeOf(tt.err)), func(t *testing.T) {
			f := newFixture(t)
			f.fake.err = tt.err
			r := f.run(t, nil, "reputation", "attest", "--member", "labA-user1", "--category", "merged_code", "--weight", "3", "--evidence", "e")
			assert.Equal(t, tt.code, r.code, r.stderr)
			assert.Contains(t, r.stderr, tt.err.Error())
		})
	}
}
