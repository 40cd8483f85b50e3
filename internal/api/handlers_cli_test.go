package api

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/artifact"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/membership"
	charter "github.com/charter-gov/charter/gateway-client"
)

// Whoami of the fake: the server's own read identity.
func (f *fakeGateway) Whoami(context.Context) (*membership.WhoAmI, error) {
	return &membership.WhoAmI{Identity: identity.Identity{MSPID: "LabAMSP", ID: "x509::CN=server-reader"}}, nil
}

// Member of the fake: registered only under LabAMSP.
func (f *fakeGateway) Member(_ context.Context, id identity.Identity) (*membership.Member, error) {
	if id.MSPID != "LabAMSP" {
		return nil, &charter.Error{Code: charter.CodeNotFound, Message: "member " + id.Short() + " is not registered"}
	}
	return &membership.Member{Identity: id, Name: "Alice", Roles: []membership.Role{membership.RoleMember}}, nil
}

func TestWhoamiWithoutClientCertificateIsTheServer(t *testing.T) {
	_, ts := newTestServer(t, &fakeGateway{})
	r := do(t, ts, "GET", "/v1/whoami", nil)
	require.Equal(t, 200, r.status, "%v", r.body)
	require.Equal(t, "server", r.body["source"])
	require.Equal(t, "x509::CN=server-reader", r.body["identity"].(map[string]any)["id"])
	require.Nil(t, r.body["member"])
	// mspId belongs to a client certificate: refused without one.
	requireProblem(t, do(t, ts, "GET", "/v1/whoami?mspId=LabBMSP", nil), 400, "INVALID_ARGUMENT", "mspId", "mtls-only")
}

func TestWhoamiWithClientCertificateIsTheCaller(t *testing.T) {
	serverCA, labA := newTestCA(t, "tls"), newTestCA(t, "LabAMSP")
	ts := mtlsServer(t, &fakeGateway{}, serverCA, labA)
	alice := labA.issue(t, "alice", false)
	old := http.DefaultClient
	http.DefaultClient = httpsClient(t, serverCA, &alice)
	t.Cleanup(func() { http.DefaultClient = old })

	r := do(t, ts, "GET", "/v1/whoami?mspId=LabAMSP", nil)
	require.Equal(t, 200, r.status, "%v", r.body)
	require.Equal(t, "mtls", r.body["source"])
	id := r.body["identity"].(map[string]any)
	require.Equal(t, "LabAMSP", id["mspId"])
	require.True(t, strings.HasPrefix(id["id"].(string), "x509::CN=alice"), "%v", id)
	require.Equal(t, false, r.body["orgAdmin"], "a client OU is no admin")
	require.Equal(t, "Alice", r.body["member"].(map[string]any)["name"])

	// Under another organisation the certificate is no member.
	r = do(t, ts, "GET", "/v1/whoami?mspId=LabBMSP", nil)
	require.Equal(t, 200, r.status, "%v", r.body)
	require.Nil(t, r.body["member"])
	// The organisation must be named.
	requireProblem(t, do(t, ts, "GET", "/v1/whoami", nil), 400, "INVALID_ARGUMENT", "mspId", "required-with-mtls")
}

func TestGenesisDraft(t *testing.T) {
	_, ts := newTestServer(t, &fakeGateway{})
	ada := map[string]any{"mspId": "LabAMSP", "id": "x509::CN=ada::CN=ca"}
	body := map[string]any{
		"founders":       []any{"LabAMSP", "LabBMSP"},
		"members":        []any{map[string]any{"member": ada, "name": "Ada", "roles": []any{"house_a", "attester"}, "attesterCategories": []any{"merged_code"}}},
		"allocations":    []any{map[string]any{"to": ada, "amount": 1000}},
		"periodsSeconds": 20, "periodsFor": []any{"seat_confirmation"}, "clockSkewSeconds": 2,
	}
	r := do(t, ts, "POST", "/v1/genesis/draft", body)
	require.Equal(t, 200, r.status, "%v", r.body)
	require.Regexp(t, "^[0-9a-f]{64}$", r.body["hash"])
	g := r.body["genesis"].(map[string]any)
	require.Equal(t, []any{"LabAMSP", "LabBMSP"}, g["founders"])
	c := g["constitution"].(map[string]any)
	require.EqualValues(t, 2, c["time"].(map[string]any)["maxClockSkewSeconds"])
	for _, rule := range c["decisionRules"].([]any) {
		rr := rule.(map[string]any)
		if rr["type"] == "seat_confirmation" {
			require.EqualValues(t, 20, rr["votingPeriodSeconds"])
		} else {
			require.NotEqualValues(t, 20, rr["votingPeriodSeconds"], "only periodsFor is shortened: %v", rr["type"])
		}
	}
	require.Len(t, g["allocations"], 1)

	// The same parts draft the same document: the hash is stable.
	again := do(t, ts, "POST", "/v1/genesis/draft", body)
	require.Equal(t, r.body["hash"], again.body["hash"])

	for _, tt := range []struct {
		name        string
		body        map[string]any
		field, rule string
	}{
		{"no founders", map[string]any{"members": body["members"]}, "/founders", "required"},
		{"unknown role", map[string]any{"founders": []any{"LabAMSP", "LabBMSP"}, "members": []any{map[string]any{"member": ada, "name": "Ada", "roles": []any{"king"}}}}, "/members/0/roles/0", "enum"},
		{"periodsFor without periods", map[string]any{"founders": []any{"LabAMSP", "LabBMSP"}, "members": body["members"], "periodsFor": []any{"budget"}}, "/periodsFor", "with-periods"},
		{"a constitution with an unknown field", map[string]any{"founders": []any{"LabAMSP", "LabBMSP"}, "members": body["members"], "constitution": map[string]any{"king": true}}, "/constitution", "constitution-document"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			requireProblem(t, do(t, ts, "POST", "/v1/genesis/draft", tt.body), 400, "INVALID_ARGUMENT", tt.field, tt.rule)
		})
	}
}

// exportGateway answers the attestations of llm@1.0 only.
type exportGateway struct{ *fakeGateway }

func (g exportGateway) ArtifactAttestations(_ context.Context, r artifact.Ref) (*charter.ArtifactAttestations, error) {
	if r.Name != "llm" || r.Version != "1.0" {
		return nil, &charter.Error{Code: charter.CodeNotFound, Message: "artifact " + r.Name + "@" + r.Version + " is not registered"}
	}
	return &charter.ArtifactAttestations{Statements: []artifact.Statement{
		{Type: "https://in-toto.io/Statement/v1", PredicateType: "https://slsa.dev/provenance/v1", Predicate: map[string]any{"note": "<a&b>"}},
		{Type: "https://in-toto.io/Statement/v1", PredicateType: "https://charter.dev/licence-review/v1", Predicate: map[string]any{"approved": true}},
	}}, nil
}

func TestArtifactExportIsTheCLIsJSONLines(t *testing.T) {
	f := &fakeGateway{}
	_, ts := newTestServerWith(t, f, exportGateway{f})
	resp, err := http.Get(ts.URL + "/v1/artifacts/llm/1.0/export")
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)
	require.Equal(t, "application/x-ndjson", resp.Header.Get("Content-Type"))
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSuffix(string(body), "\n"), "\n")
	require.Len(t, lines, 2)
	require.Contains(t, lines[0], `"predicateType":"https://slsa.dev/provenance/v1"`)
	require.Contains(t, lines[0], `<a&b>`, "HTML characters are not escaped, as the CLI writes them")
	require.Contains(t, lines[1], `"predicateType":"https://charter.dev/licence-review/v1"`)

	requireProblem(t, do(t, ts, "GET", "/v1/artifacts/nope/1.0/export", nil), 404, "NOT_FOUND", "name,version", "exists")
}
