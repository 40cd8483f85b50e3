package api

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/funding"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/round"
	charter "github.com/charter-gov/charter/gateway-client"
)

// roundsGateway knows round r1 (closed, with results) and records which
// chaincode transaction each prepared write would submit.
type roundsGateway struct {
	*fakeGateway
	mu       sync.Mutex
	prepared []string
}

func (g *roundsGateway) Round(_ context.Context, id string) (*round.Round, error) {
	if id != "r1" {
		return nil, &charter.Error{Code: charter.CodeNotFound, Message: "round " + errcode.Quote(id) + " does not exist"}
	}
	return &round.Round{ID: "r1", Title: "Docs", Status: "closed"}, nil
}

func (g *roundsGateway) RoundResults(_ context.Context, id string) (*round.Results, error) {
	if id != "r1" {
		return nil, &charter.Error{Code: charter.CodeNotFound, Message: "round " + errcode.Quote(id) + " does not exist"}
	}
	app := identity.Identity{MSPID: "LabAMSP", ID: "x509::CN=ann,OU=client::CN=ca"}
	return &round.Results{Round: "r1", Rule: funding.Rule{Kind: funding.KindQuadratic}, Pool: 1000, Matched: 900, Unallocated: 100, Contributed: 30,
		Lines: []round.Line{
			{Outcome: funding.Outcome{Project: "p0001", Contributed: 20, Contributions: 2, Contributors: 2, Units: 2, Weight: "4", Match: 600, Payout: 620}, Title: "Docs, \"better\"", Applicant: app},
			{Outcome: funding.Outcome{Project: "p0002", Contributed: 10, Contributions: 1, Contributors: 1, Units: 1, Weight: "1", Match: 300, Payout: 310}, Title: "Evals", Applicant: app},
		}}, nil
}

// recordingContract records the transaction a typed client method submits.
type recordingContract struct{ name *string }

func (c recordingContract) EvaluateWithContext(context.Context, string, ...client.ProposalOption) ([]byte, error) {
	return nil, errors.New("no evaluations here")
}

func (c recordingContract) SubmitAsyncWithContext(_ context.Context, name string, _ ...client.ProposalOption) ([]byte, *client.Commit, error) {
	*c.name = name
	return nil, nil, errors.New("recorded")
}

func (g *roundsGateway) Prepare(ctx context.Context, s charter.Signer, call func(context.Context, *charter.Client) error) (*charter.Unsigned, error) {
	var name string
	_ = call(ctx, charter.New(identity.Identity{MSPID: s.MSPID, ID: "member"}, recordingContract{&name}, nil, charter.Config{}))
	g.mu.Lock()
	g.prepared = append(g.prepared, name)
	g.mu.Unlock()
	return g.fakeGateway.Prepare(ctx, s, call)
}

func TestRoundManagerWritesArePrepared(t *testing.T) {
	g := &roundsGateway{fakeGateway: &fakeGateway{}}
	_, ts := newTestServerWith(t, g.fakeGateway, g)
	m := newMember(t, "grants-admin")
	signer := map[string]any{"mspId": "FoundationMSP", "certificate": m.certPEM}
	opens := time.Now().Add(time.Minute).UTC()
	open := map[string]any{"title": "Q1 docs", "categories": []string{"documentation_bounties"}, "rule": map[string]any{"kind": "quadratic", "capBps": 2500},
		"pool": 1000, "budgetDecision": "d0001", "opensAt": opens.Format(time.RFC3339), "closesAt": opens.Add(time.Hour).Format(time.RFC3339), "signer": signer}
	for _, tt := range []struct {
		name, path string
		body       any
		tx         string
	}{
		{"open", "/v1/rounds", open, "round:Open"},
		{"accept", "/v1/rounds/r1/acceptances", map[string]any{"project": "p0001", "signer": signer}, "round:Accept"},
		{"close a page", "/v1/rounds/r1/close", map[string]any{"pageSize": 10, "signer": signer}, "round:Close"},
		{"close a page of the default size", "/v1/rounds/r1/close", map[string]any{"signer": signer}, "round:Close"},
		{"pay", "/v1/rounds/r1/payout", map[string]any{"signer": signer}, "round:Pay"},
		{"contribute", "/v1/rounds/r1/contributions", map[string]any{"project": "p0001", "amount": 5, "signer": signer}, "round:Contribute"},
		{"contribute a cart", "/v1/rounds/r1/carts", map[string]any{"lines": []any{map[string]any{"project": "p0001", "amount": 5}, map[string]any{"project": "p0002", "amount": 3}}, "signer": signer}, "round:ContributeBatch"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := len(g.prepared)
			r := do(t, ts, "POST", tt.path, tt.body)
			require.Equal(t, http.StatusCreated, r.status, "body %v", r.body)
			sg, _ := r.body["signing"].(map[string]any)
			require.NotEmpty(t, sg["id"], "a signing session")
			require.NotEmpty(t, sg["proposal"], "the proposal bytes to sign")
			require.Len(t, g.prepared, before+1)
			require.Equal(t, tt.tx, g.prepared[before])
		})
	}
	require.Zero(t, g.endorsed, "preparing endorses nothing")
	require.Empty(t, g.submitted, "preparing submits nothing")
}

func TestRoundManagerProblems(t *testing.T) {
	g := &roundsGateway{fakeGateway: &fakeGateway{}}
	_, ts := newTestServerWith(t, g.fakeGateway, g)
	m := newMember(t, "grants-admin")
	signer := map[string]any{"mspId": "FoundationMSP", "certificate": m.certPEM}
	opens := time.Now().Add(time.Minute).UTC()
	openWith := func(k string, v any) map[string]any {
		b := map[string]any{"title": "Q1 docs", "categories": []string{"documentation_bounties"}, "rule": map[string]any{"kind": "quadratic"},
			"pool": 1000, "budgetDecision": "d0001", "opensAt": opens.Format(time.RFC3339), "closesAt": opens.Add(time.Hour).Format(time.RFC3339), "signer": signer}
		if v == nil {
			delete(b, k)
		} else {
			b[k] = v
		}
		return b
	}
	for _, tt := range []struct {
		name, path        string
		body              any
		status            int
		code, field, rule string
	}{
		{"open: no pool", "/v1/rounds", openWith("pool", nil), 400, "INVALID_ARGUMENT", "/pool", "required"},
		{"open: an empty pool", "/v1/rounds", openWith("pool", 0), 400, "INVALID_ARGUMENT", "/pool", "minimum"},
		{"open: an unknown category", "/v1/rounds", openWith("categories", []string{"marketing"}), 400, "INVALID_ARGUMENT", "/categories/0", "enum"},
		{"open: no category", "/v1/rounds", openWith("categories", []string{}), 400, "INVALID_ARGUMENT", "/categories", "minItems"},
		{"open: an unknown rule", "/v1/rounds", openWith("rule", map[string]any{"kind": "plurality"}), 400, "INVALID_ARGUMENT", "/rule/kind", "enum"},
		{"open: a cap above the pool", "/v1/rounds", openWith("rule", map[string]any{"kind": "quadratic", "capBps": 10001}), 400, "INVALID_ARGUMENT", "/rule/capBps", "maximum"},
		{"open: not a time", "/v1/rounds", openWith("opensAt", "tomorrow"), 400, "INVALID_ARGUMENT", "/opensAt", ""},
		{"open: a window that ends before it opens", "/v1/rounds", openWith("closesAt", opens.Add(-time.Hour).Format(time.RFC3339)), 400, "INVALID_ARGUMENT", "/closesAt", "window"},
		{"open: a window of no length", "/v1/rounds", openWith("closesAt", opens.Format(time.RFC3339)), 400, "INVALID_ARGUMENT", "/closesAt", "window"},
		{"open: an extra field", "/v1/rounds", openWith("admin", "me"), 400, "INVALID_ARGUMENT", "/admin", "additionalProperties"},
		{"accept: no project", "/v1/rounds/r1/acceptances", map[string]any{"signer": signer}, 400, "INVALID_ARGUMENT", "/project", "required"},
		{"accept: an unknown round", "/v1/rounds/r9/acceptances", map[string]any{"project": "p0001", "signer": signer}, 404, "NOT_FOUND", "", ""},
		{"close: a page of none", "/v1/rounds/r1/close", map[string]any{"pageSize": 0, "signer": signer}, 400, "INVALID_ARGUMENT", "/pageSize", "minimum"},
		{"close: a page above the chaincode's limit", "/v1/rounds/r1/close", map[string]any{"pageSize": 5001, "signer": signer}, 400, "INVALID_ARGUMENT", "/pageSize", "maximum"},
		{"close: an unknown round", "/v1/rounds/r9/close", map[string]any{"signer": signer}, 404, "NOT_FOUND", "", ""},
		{"cart: no lines", "/v1/rounds/r1/carts", map[string]any{"lines": []any{}, "signer": signer}, 400, "INVALID_ARGUMENT", "/lines", "minItems"},
		{"cart: 101 lines", "/v1/rounds/r1/carts", map[string]any{"lines": cartLines(101), "signer": signer}, 400, "INVALID_ARGUMENT", "/lines", "maxItems"},
		{"cart: a line of nothing", "/v1/rounds/r1/carts", map[string]any{"lines": []any{map[string]any{"project": "p0001", "amount": 0}}, "signer": signer}, 400, "INVALID_ARGUMENT", "/lines/0/amount", "minimum"},
		{"cart: a line without a project", "/v1/rounds/r1/carts", map[string]any{"lines": []any{map[string]any{"amount": 2}}, "signer": signer}, 400, "INVALID_ARGUMENT", "/lines/0/project", "required"},
		{"pay: no signer", "/v1/rounds/r1/payout", map[string]any{}, 400, "INVALID_ARGUMENT", "/signer", "required"},
		{"pay: an unknown round", "/v1/rounds/r9/payout", map[string]any{"signer": signer}, 404, "NOT_FOUND", "", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := do(t, ts, "POST", tt.path, tt.body)
			requireProblem(t, r, tt.status, tt.code, tt.field, tt.rule)
		})
	}
	require.Empty(t, g.prepared, "nothing was prepared")
	require.Zero(t, g.endorsed)
	require.Empty(t, g.submitted)
}

func cartLines(n int) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = map[string]any{"project": fmt.Sprintf("p%04d", i), "amount": 1}
	}
	return out
}

func TestRoundResultsCSV(t *testing.T) {
	g := &roundsGateway{fakeGateway: &fakeGateway{}}
	s, ts := newTestServerWith(t, g.fakeGateway, g)
	// The results are read from the index: round r1 and its results
	// arrive in a block.
	l := newTestLedger()
	l.writes(
		kv(t, core.MustKey("round", "r1"), must(g.Round(context.Background(), "r1"))),
		kv(t, core.MustKey("round-result", "r1"), must(g.RoundResults(context.Background(), "r1"))),
	)
	feed(t, s, l)
	res, err := http.Get(ts.URL + "/v1/rounds/r1/results.csv")
	require.NoError(t, err)
	defer res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Equal(t, "text/csv; charset=utf-8", res.Header.Get("Content-Type"))
	require.Contains(t, res.Header.Get("Content-Disposition"), `filename="round-r1-results.csv"`)
	raw, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	rows, err := csv.NewReader(strings.NewReader(string(raw))).ReadAll()
	require.NoError(t, err)
	require.Len(t, rows, 4, "a header, one row per project and a TOTAL row")
	require.Equal(t, "project", rows[0][1])
	require.Equal(t, []string{"p0001", `Docs, "better"`}, rows[1][1:3], "quoted as CSV")
	require.Equal(t, "620", rows[1][12])
	require.Equal(t, "TOTAL", rows[3][1])
	require.Equal(t, "930", rows[3][12], "contributed plus matched")
	want, err := round.CSV(must(g.RoundResults(context.Background(), "r1")))
	require.NoError(t, err)
	require.Equal(t, want, string(raw), "the CLI's --csv, byte for byte")
	require.Equal(t, "2", res.Header.Get(HeightHeader), "the height the index answered at (the genesis block and the one with r1)")

	r := do(t, ts, "GET", "/v1/rounds/r9/results.csv", nil)
	requireProblem(t, r, 404, "NOT_FOUND", "", "")
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
