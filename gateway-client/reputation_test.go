package charter

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"

	"github.com/charter-gov/charter/chaincode/contribution"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/reputation"
)

var repBob = identity.Identity{MSPID: "LabBMSP", ID: "x509::CN=Bob::CN=ca.labb"}

func TestReputationArguments(t *testing.T) {
	exp := time.Date(2027, 1, 2, 3, 4, 5, 0, time.UTC)
	at := time.Date(2026, 5, 1, 12, 0, 0, 123, time.FixedZone("CEST", 2*3600))
	attest := reputation.AttestRequest{Recipient: repBob, Category: contribution.RedTeaming, Weight: 40, Evidence: "https://git.example/pr/9", ExpiresAt: &exp}
	ref := reputation.AttestationRef{Recipient: repBob, AttestationID: "abc123"}
	revoke := reputation.RevokeRequest{AttestationRef: ref, Reason: "duplicate"}
	endorse := reputation.EndorseRequest{AttestationRef: ref, Comment: "saw it"}
	mustJSON := func(v any) string {
		raw, err := json.Marshal(v)
		require.NoError(t, err)
		return string(raw)
	}
	tests := []proposalCase{
		{"Attest", "{}", func(ctx context.Context, c *Client) (any, error) { return c.Attest(ctx, attest) },
			call{Kind: "endorse", Name: "reputation:Attest", Args: []string{mustJSON(attest)}}},
		{"RevokeAttestation", "{}", func(ctx context.Context, c *Client) (any, error) { return c.RevokeAttestation(ctx, revoke) },
			call{Kind: "endorse", Name: "reputation:Revoke", Args: []string{mustJSON(revoke)}}},
		{"Endorse", "{}", func(ctx context.Context, c *Client) (any, error) { return c.Endorse(ctx, endorse) },
			call{Kind: "endorse", Name: "reputation:Endorse", Args: []string{mustJSON(endorse)}}},
		{"Score now, all categories", "{}", func(ctx context.Context, c *Client) (any, error) { return c.Score(ctx, repBob, ScoreQuery{}) },
			call{Kind: "evaluate", Name: "reputation:Score", Args: []string{repBob.MSPID, repBob.ID, "", ""}}},
		{"Score at a time, two categories", "{}", func(ctx context.Context, c *Client) (any, error) {
			return c.Score(ctx, repBob, ScoreQuery{At: at, Categories: []contribution.Category{contribution.RedTeaming, contribution.SafetyReview}})
		}, call{Kind: "evaluate", Name: "reputation:Score", Args: []string{repBob.MSPID, repBob.ID, "2026-05-01T10:00:00.000000123Z", "red_teaming,safety_review"}}},
		{"ReputationHistory", "{}", func(ctx context.Context, c *Client) (any, error) { return c.ReputationHistory(ctx, repBob) },
			call{Kind: "evaluate", Name: "reputation:History", Args: []string{repBob.MSPID, repBob.ID}}},
		{"Eligibility", `{"reports":[{}]}`, func(ctx context.Context, c *Client) (any, error) { return c.Eligibility(ctx, repBob, time.Time{}) },
			call{Kind: "evaluate", Name: "reputation:Eligible", Args: []string{repBob.MSPID, repBob.ID, "", "", ""}}},
		{"EligibleMembers", "{}", func(ctx context.Context, c *Client) (any, error) { return c.EligibleMembers(ctx, at) },
			call{Kind: "evaluate", Name: "reputation:Eligible", Args: []string{"", "", "2026-05-01T10:00:00.000000123Z", "1000", ""}}},
		{"EligibleMembersPage", "{}", func(ctx context.Context, c *Client) (any, error) {
			return c.EligibleMembersPage(ctx, "LabAMSP", at, 10, "bm")
		}, call{Kind: "evaluate", Name: "reputation:Eligible", Args: []string{"LabAMSP", "", "2026-05-01T10:00:00.000000123Z", "10", "bm"}}},
	}
	runProposalCases(t, tests)
}

func TestReputationResultsAreDecoded(t *testing.T) {
	issued := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	want := reputation.Attestation{ID: "tx1", Recipient: repBob, Attester: ada, Category: contribution.MergedCode, Weight: 3, Evidence: "e", IssuedAt: issued}
	raw, err := json.Marshal(want)
	require.NoError(t, err)
	report := reputation.ScoreReport{Member: repBob, At: issued, Score: 3000, ByCategory: []reputation.CategoryScore{{Category: contribution.MergedCode, Score: 3000}}}
	rawScore, err := json.Marshal(report)
	require.NoError(t, err)
	f := &fakeGateway{
		endorse:  func(call) ([]byte, error) { return raw, nil },
		evaluate: func(call) ([]byte, error) { return rawScore, nil },
	}
	c := newTestClient(t, f)
	got, err := c.Attest(t.Context(), reputation.AttestRequest{Recipient: repBob})
	require.NoError(t, err)
	if diff := cmp.Diff(&want, got); diff != "" {
		t.Errorf("attestation (-want +got):\n%s", diff)
	}
	sc, err := c.Score(t.Context(), repBob, ScoreQuery{})
	require.NoError(t, err)
	if diff := cmp.Diff(&report, sc); diff != "" {
		t.Errorf("score (-want +got):\n%s", diff)
	}
}

// TestReputationErrorsAreTyped: a coded chaincode refusal comes back as the
// same sentinel, naming the rule.
func TestReputationErrorsAreTyped(t *testing.T) {
	tests := []struct {
		name   string
		wire   string
		invoke func(ctx context.Context, c *Client) error
		want   error
	}{
		{"self-attestation", "FORBIDDEN: attest: self-attestation is not allowed", func(ctx context.Context, c *Client) error {
			_, err := c.Attest(ctx, reputation.AttestRequest{})
			return err
		}, ErrForbidden},
		{"cap exceeded", "FAILED_PRECONDITION: attest: farming cap exceeded", func(ctx context.Context, c *Client) error {
			_, err := c.Attest(ctx, reputation.AttestRequest{})
			return err
		}, ErrFailedPrecondition},
		{"already revoked", "CONFLICT: attestation x was already revoked", func(ctx context.Context, c *Client) error {
			_, err := c.RevokeAttestation(ctx, reputation.RevokeRequest{})
			return err
		}, ErrConflict},
		{"unknown member", "NOT_FOUND: member LabBMSP/x is not registered", func(ctx context.Context, c *Client) error {
			_, err := c.Eligibility(ctx, repBob, time.Time{})
			return err
		}, ErrNotFound},
		{"unknown category", `INVALID_ARGUMENT: unknown contribution category "poetry"`, func(ctx context.Context, c *Client) error {
			_, err := c.Score(ctx, repBob, ScoreQuery{Categories: []contribution.Category{"poetry"}})
			return err
		}, ErrInvalidArgument},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fail := func(call) ([]byte, error) {
				return nil, peerError(codes.Aborted, "failed to endorse", "chaincode response 500, "+tt.wire)
			}
			f := &fakeGateway{evaluate: func(call) ([]byte, error) {
				return nil, peerError(codes.Unknown, "evaluate failed", "chaincode response 500, "+tt.wire)
			}, endorse: fail}
			c := newTestClient(t, f)
			err := tt.invoke(t.Context(), c)
			require.ErrorIs(t, err, tt.want)
			assert.Contains(t, err.Error(), tt.wire[len(string(CodeOf(err)))+2:])
		})
	}
}

func TestEligibilityWrongCountIsInternal(t *testing.T) {
	f := &fakeGateway{evaluate: func(call) ([]byte, error) { return []byte("[]"), nil }}
	c := newTestClient(t, f)
	_, err := c.Eligibility(t.Context(), repBob, time.Time{})
	require.ErrorIs(t, err, ErrInternal)
}
