package charter

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/coi"
	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/decision"
	"github.com/charter-gov/charter/chaincode/decision/effects"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/membership"
	"github.com/charter-gov/charter/chaincode/treasury"
)

func TestDecisionAndCoiArguments(t *testing.T) {
	ada := identity.Identity{MSPID: "LabAMSP", ID: "x509::CN=Ada::CN=ca.laba"}
	subject := coi.Subject{Kind: coi.KindArtifact, ID: "m@sha256:00"}
	propose := decision.ProposeRequest{Type: constitution.Budget, Title: "Q3", Subject: &subject}
	vote := decision.VoteRequest{Decision: "d1", House: "A", Choice: "for"}
	appeal := decision.AppealRequest{Decision: "d1", Grounds: "g"}
	disclose := coi.DiscloseRequest{Subject: subject, Statement: "mine"}
	list := coi.ListRequest{Member: &ada}
	doc := constitution.Default()
	amendment, err := json.Marshal(decision.ProposeRequest{Type: constitution.Amendment, Title: "t", Payload: mustRaw(t, decision.AmendmentPayload{Document: doc})})
	require.NoError(t, err)
	issue := treasury.IssuanceRequest{Amount: 5, Memo: "m"}
	issuance, err := json.Marshal(decision.ProposeRequest{Type: constitution.TokenIssuance, Title: "t", Payload: mustRaw(t, issue)})
	require.NoError(t, err)
	role := effects.RolePayload{Member: ada, Role: membership.RoleGuardian}
	roleChange, err := json.Marshal(decision.ProposeRequest{Type: constitution.RoleGrant, Title: "t", Description: "d", Payload: mustRaw(t, role)})
	require.NoError(t, err)
	mustJSON := func(v any) string {
		raw, err := json.Marshal(v)
		require.NoError(t, err)
		return string(raw)
	}
	tests := []proposalCase{
		{"ProposeDecision", "{}", func(ctx context.Context, c *Client) (any, error) { return c.ProposeDecision(ctx, propose) },
			call{Kind: "endorse", Name: "decision:Propose", Args: []string{mustJSON(propose)}}},
		{"ProposeAmendment", "{}", func(ctx context.Context, c *Client) (any, error) { return c.ProposeAmendment(ctx, "t", "", doc) },
			call{Kind: "endorse", Name: "decision:Propose", Args: []string{string(amendment)}}},
		{"ProposeTokenIssuance", "{}", func(ctx context.Context, c *Client) (any, error) { return c.ProposeTokenIssuance(ctx, "t", "", issue) },
			call{Kind: "endorse", Name: "decision:Propose", Args: []string{string(issuance)}}},
		{"ProposeRoleChange", "{}", func(ctx context.Context, c *Client) (any, error) {
			return c.ProposeRoleChange(ctx, constitution.RoleGrant, "t", "d", role)
		}, call{Kind: "endorse", Name: "decision:Propose", Args: []string{string(roleChange)}}},
		{"VoteOnDecision", "{}", func(ctx context.Context, c *Client) (any, error) { return c.VoteOnDecision(ctx, vote) },
			call{Kind: "endorse", Name: "decision:Vote", Args: []string{mustJSON(vote)}}},
		{"ConcludeDecision", "{}", func(ctx context.Context, c *Client) (any, error) { return c.ConcludeDecision(ctx, "d1") },
			call{Kind: "endorse", Name: "decision:Conclude", Args: []string{"d1"}}},
		{"AppealDecision", "{}", func(ctx context.Context, c *Client) (any, error) { return c.AppealDecision(ctx, appeal) },
			call{Kind: "endorse", Name: "decision:Appeal", Args: []string{mustJSON(appeal)}}},
		{"ExecuteDecision", "{}", func(ctx context.Context, c *Client) (any, error) { return c.ExecuteDecision(ctx, "d1") },
			call{Kind: "endorse", Name: "decision:Execute", Args: []string{"d1"}}},
		{"Decision", "{}", func(ctx context.Context, c *Client) (any, error) { return c.Decision(ctx, "d1") },
			call{Kind: "evaluate", Name: "decision:Get", Args: []string{"d1"}}},
		{"Decisions", "{}", func(ctx context.Context, c *Client) (any, error) { return c.Decisions(ctx, decision.StatusPassed) },
			call{Kind: "evaluate", Name: "decision:List", Args: []string{"passed", "1000", ""}}},
		{"DecisionsPage", "{}", func(ctx context.Context, c *Client) (any, error) {
			return c.DecisionsPage(ctx, decision.StatusPassed, 5, "bm")
		}, call{Kind: "evaluate", Name: "decision:List", Args: []string{"passed", "5", "bm"}}},
		{"Appellants", "[]", func(ctx context.Context, c *Client) (any, error) { return c.Appellants(ctx, "d1") },
			call{Kind: "evaluate", Name: "decision:Appellants", Args: []string{"d1"}}},
		{"DiscloseConflict", "{}", func(ctx context.Context, c *Client) (any, error) { return c.DiscloseConflict(ctx, disclose) },
			call{Kind: "endorse", Name: "coi:Disclose", Args: []string{mustJSON(disclose)}}},
		{"Conflicts", "{}", func(ctx context.Context, c *Client) (any, error) { return c.Conflicts(ctx, list) },
			call{Kind: "evaluate", Name: "coi:List", Args: []string{mustJSON(coi.ListRequest{Member: list.Member, PageSize: DefaultMemberPage})}}},
		{"ConflictsPage", "{}", func(ctx context.Context, c *Client) (any, error) {
			return c.ConflictsPage(ctx, coi.ListRequest{Member: list.Member, PageSize: 7, Bookmark: "bm"})
		}, call{Kind: "evaluate", Name: "coi:List", Args: []string{mustJSON(coi.ListRequest{Member: list.Member, PageSize: 7, Bookmark: "bm"})}}},
		{"Conflict", "{}", func(ctx context.Context, c *Client) (any, error) { return c.Conflict(ctx, ada, subject) },
			call{Kind: "evaluate", Name: "coi:Get", Args: []string{"artifact", "m@sha256:00", ada.MSPID, ada.ID}}},
	}
	runProposalCases(t, tests)
}

func TestConstitutionDiffReadsBothVersions(t *testing.T) {
	a := constitution.Version{Version: 1, Document: constitution.Default()}
	b := a
	b.Version = 2
	b.Document.Concurrence.MediationSec = 86400
	f := &fakeGateway{evaluate: func(c call) ([]byte, error) {
		v := a
		if c.Args[0] == "2" {
			v = b
		}
		return json.Marshal(v)
	}}
	c := newTestClient(t, f)
	changes, err := c.ConstitutionDiff(t.Context(), 1, 2)
	require.NoError(t, err)
	assert.Equal(t, []constitution.Change{{Path: "concurrence.mediationSeconds", Old: "604800 (7d)", New: "86400 (1d)"}}, changes)
	assert.Len(t, f.Calls(), 2)
}

func mustRaw(t *testing.T, v any) json.RawMessage {
	t.Helper()
	raw, err := json.Marshal(v)
	require.NoError(t, err)
	return raw
}
