package console

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/identity"
)

func newTestServer(t *testing.T) (*httptest.Server, *fakeReader) {
	t.Helper()
	f := newFake()
	h, err := New(Options{Reader: f})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv, f
}

func get(t *testing.T, srv *httptest.Server, path string, member *identity.Identity) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+path, nil)
	require.NoError(t, err)
	if member != nil {
		req.AddCookie(&http.Cookie{Name: memberCookie, Value: encodeMember(*member)})
	}
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(body)
}

func TestNewNeedsAReader(t *testing.T) {
	_, err := New(Options{})
	require.ErrorContains(t, err, "Client (or Reader) is required")
	_, err = New(Options{Reader: newFake(), APIBase: "v1"})
	require.ErrorContains(t, err, "absolute path")
}

func TestPages(t *testing.T) {
	srv, _ := newTestServer(t)
	tests := []struct {
		name   string
		path   string
		member *identity.Identity
		status int
		want   []string
	}{
		{"home lists active ballots and both identities", "/", nil, 200,
			[]string{`href="/ballots/b1"`, "Pages are read as", "reader", "import yours", `class="skip" href="#main"`}},
		{"ballot list filters by status", "/ballots?status=active", nil, 200,
			[]string{"<caption>Ballots with status active", `href="/ballots/b1"`, `rel="next"`}},
		{"ballot list filters by title", "/ballots?q=nothing-matches", nil, 200, []string{"No ballot on this page matches."}},
		{"ballot list refuses an unknown status", "/ballots?status=bogus", nil, 400, []string{"is not a ballot status"}},
		{"next page by cursor", "/ballots?cursor=%00next", nil, 200, []string{`href="/ballots/p1"`}},
		{"ballot page: rules, provisional results, vote form", "/ballots/b1", &ada, 200, []string{
			"constitution version <strong>3</strong>", "Quorum</dt><dd>10.00 % of the electorate",
			"Provisional results: 3 votes cast so far", `data-choice="for">120</td>`, `data-choice="against">40</td>`,
			"75.00 %", `id="can-vote"`, "Your weight: <strong>120</strong>", "token balance when voting opened",
			`data-write="/ballots/b1/votes"`, `Writes are signed as <strong id="member-identity">LabAMSP/ada</strong>`}},
		{"a voter who cannot vote sees the chaincode's reason", "/ballots/b1", &bob, 200, []string{
			`id="cannot-vote"`, "held no tokens when voting opened at 2026-11-30T12:00:00Z", "(FORBIDDEN)"}},
		{"no key: told to import it", "/ballots/b1", nil, 200, []string{`id="no-member"`}},
		{"tallied poll shows the result", "/ballots/p1", nil, 200, []string{"Result as tallied", `data-choice="7">3</td>`, "quorum 1: reached"}},
		{"unknown ballot is a 404 page", "/ballots/nope", nil, 404, []string{"NOT_FOUND", "ballot nope"}},
		{"decision page", "/decisions/d1", nil, 200, []string{`href="/ballots/b1"`, "House B"}},
		{"decisions list", "/decisions?type=budget", nil, 200, []string{"of type budget", `href="/decisions/d1"`}},
		{"delegate directory with statements", "/delegates", nil, 200, []string{"Ada Lovelace", "1: LabBMSP/bob (100 %)", "Open evaluations first.", "no statement"}},
		{"a delegate's profile", "/delegates/LabAMSP/" + url.PathEscape(ada.ID), nil, 200, []string{`<blockquote id="statement" class="statement">Open evaluations first.`, "LabBMSP/bob (100 %)", `data-to-msp="LabAMSP"`}},
		{"a delegate without a statement", "/delegates/LabBMSP/" + url.PathEscape(bob.ID), nil, 200, []string{"No statement yet."}},
		{"own delegations", "/me/delegations", &bob, 200, []string{"Delegation history of LabBMSP/bob", "LabAMSP/ada (100 %)"}},
		{"reputation chart", "/members/" + url.PathEscape(ada.MSPID) + "/" + url.PathEscape(ada.ID) + "/reputation", nil, 200,
			[]string{"<svg class=\"chart\" role=\"img\"", "<title id=\"chart-title\">Decayed reputation score", "red_teaming", "Score samples"}},
		{"round: manager view and honest estimate", "/rounds/r1", &ada, 200, []string{"Manager view", "it is not a promise", "0 to 625", "625 (capped)", `data-write="/rounds/r1/contributions"`}},
		{"round: contributor view has no manager panel", "/rounds/r1", &bob, 200, []string{"Contribute"}},
		{"artifact: checklist, lineage, pause", "/artifacts/charter-7b/1.0", nil, 200, []string{"red_team", "<strong>no</strong>", `<svg class="lineage"`, "corpus@2", "<strong>paused</strong> by 2 guardians"}},
		{"guardian panel", "/guardian?kind=ballot&target=paused", nil, 200, []string{"<strong>Paused</strong> by 2 guardians", "lapses by itself", `data-kind="pause"`}},
		{"guardian status fragment, refreshed by the page", "/guardian/status?kind=ballot&target=paused", nil, 200, []string{`data-in-force="yes"`, "lapses by itself"}},
		{"guardian status of a target not paused", "/guardian/status?kind=ballot&target=calm", nil, 200, []string{`data-in-force="no"`, "Not paused at"}},
		{"guardian status needs a target", "/guardian/status?kind=ballot", nil, 400, []string{"target: required"}},
		{"audit page", "/audit", nil, 200, []string{`id="export-form"`, "/v1/audit/transactions", "/v1/audit/blocks", `id="rows-transactions" name="rows" value="transactions" checked`}},
		{"identity page", "/identity", nil, 200, []string{"non-extractable", `id="keyfile"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := get(t, srv, tt.path, tt.member)
			assert.Equal(t, tt.status, status, body)
			for _, w := range tt.want {
				assert.Contains(t, body, w)
			}
		})
	}
	t.Run("contributor view has no manager panel", func(t *testing.T) {
		_, body := get(t, srv, "/rounds/r1", &bob)
		assert.NotContains(t, body, "Manager view")
	})
	t.Run("uncounted votes are not summed", func(t *testing.T) {
		_, body := get(t, srv, "/ballots/b1/results", nil)
		assert.NotContains(t, body, "999")
		assert.NotContains(t, body, "<html", "a fragment, not a page")
	})
}

func TestContentPolicy(t *testing.T) {
	srv, _ := newTestServer(t)
	resp, err := srv.Client().Get(srv.URL + "/")
	require.NoError(t, err)
	resp.Body.Close()
	csp := resp.Header.Get("Content-Security-Policy")
	assert.Contains(t, csp, "script-src 'self';")
	assert.Contains(t, csp, "connect-src 'self';")
	assert.Equal(t, "DENY", resp.Header.Get("X-Frame-Options"))
	assert.Contains(t, contentPolicy("https://api.example.org/v1"), "connect-src 'self' https://api.example.org;", "an API elsewhere is allowed to be fetched")
}

func TestStandingFragment(t *testing.T) {
	srv, _ := newTestServer(t)
	_, body := get(t, srv, "/ballots/b1/standing", &bob)
	assert.Contains(t, body, `id="cannot-vote"`)
	assert.NotContains(t, body, "<html")
	_, body = get(t, srv, "/ballots/b1/standing", nil)
	assert.Contains(t, body, `id="no-member"`)
}

func TestMemberCookieIsValidated(t *testing.T) {
	srv, _ := newTestServer(t)
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+"/ballots/b1", nil)
	require.NoError(t, err)
	req.AddCookie(&http.Cookie{Name: memberCookie, Value: base64.RawURLEncoding.EncodeToString([]byte(`{"mspId":"","id":"x"}`))})
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	assert.Contains(t, string(body), `id="no-member"`, "an invalid identity in the cookie is ignored")
}

// selfSigned returns a P-256 key and a certificate for it, as PEM.
func selfSigned(t *testing.T, cn string) (*ecdsa.PrivateKey, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn, OrganizationalUnit: []string{"client"}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	return key, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

// signDER signs SHA-256(msg) and returns DER with S forced high or low.
func signDER(t *testing.T, key *ecdsa.PrivateKey, msg []byte, high bool) []byte {
	t.Helper()
	d := sha256.Sum256(msg)
	r, s, err := ecdsa.Sign(rand.Reader, key, d[:])
	require.NoError(t, err)
	n := elliptic.P256().Params().N
	half := new(big.Int).Rsh(n, 1)
	if (s.Cmp(half) > 0) != high {
		s = new(big.Int).Sub(n, s)
	}
	out, err := asn1.Marshal(struct{ R, S *big.Int }{r, s})
	require.NoError(t, err)
	return out
}

func TestIdentityEndpoint(t *testing.T) {
	srv, _ := newTestServer(t)
	key, cert := selfSigned(t, "ada")
	other, _ := selfSigned(t, "mallory")
	post := func(body map[string]string) (int, map[string]any) {
		raw, _ := json.Marshal(body)
		resp, err := srv.Client().Post(srv.URL+"/console/identity", "application/json", strings.NewReader(string(raw)))
		require.NoError(t, err)
		defer resp.Body.Close()
		var out map[string]any
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
		return resp.StatusCode, out
	}
	b64 := base64.StdEncoding.EncodeToString
	tests := []struct {
		name   string
		body   map[string]string
		status int
		field  string
	}{
		{"the key's proof over the certificate", map[string]string{"mspId": "LabAMSP", "certificate": cert, "proof": b64(signDER(t, key, []byte(cert), false))}, 200, ""},
		{"no MSP", map[string]string{"certificate": cert, "proof": b64(signDER(t, key, []byte(cert), false))}, 400, "mspId"},
		{"not a certificate", map[string]string{"mspId": "LabAMSP", "certificate": "hello", "proof": "AAAA"}, 400, "certificate"},
		{"no proof", map[string]string{"mspId": "LabAMSP", "certificate": cert}, 400, "proof"},
		{"another key's proof", map[string]string{"mspId": "LabAMSP", "certificate": cert, "proof": b64(signDER(t, other, []byte(cert), false))}, 400, "proof"},
		{"a high-S proof", map[string]string{"mspId": "LabAMSP", "certificate": cert, "proof": b64(signDER(t, key, []byte(cert), true))}, 400, "proof"},
		{"a proof over other bytes", map[string]string{"mspId": "LabAMSP", "certificate": cert, "proof": b64(signDER(t, key, []byte("x"), false))}, 400, "proof"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, out := post(tt.body)
			require.Equal(t, tt.status, status, out)
			if tt.status != 200 {
				assert.Equal(t, tt.field, out["field"])
				return
			}
			want, err := identity.FromPEM("LabAMSP", []byte(cert))
			require.NoError(t, err)
			assert.Equal(t, want.ID, out["id"])
			got, err := decodeMember(out["cookie"].(string))
			require.NoError(t, err)
			assert.Equal(t, want, got)
		})
	}
}

func TestLowSDER(t *testing.T) {
	key, _ := selfSigned(t, "ada")
	require.NoError(t, LowSDER(signDER(t, key, []byte("m"), false)))
	require.ErrorContains(t, LowSDER(signDER(t, key, []byte("m"), true)), "S is high")
	require.ErrorContains(t, LowSDER([]byte{0x30, 0x00}), "not ASN.1 DER")
	zero, _ := asn1.Marshal(struct{ R, S *big.Int }{big.NewInt(0), big.NewInt(1)})
	require.ErrorContains(t, LowSDER(zero), "out of range")
}

func TestLineChart(t *testing.T) {
	svg := string(lineChart("Score <of> ada", []Point{{At: t0, Value: 5000}, {At: t0.Add(48 * time.Hour), Value: 1250}}, 640, 220))
	assert.Contains(t, svg, "Score &lt;of&gt; ada", "titles are escaped")
	assert.Contains(t, svg, "2 samples from 2026-11-30 (5.000) to 2026-12-02 (1.250).")
	assert.Contains(t, svg, `points="64,16 624,139"`, "the highest value at the top (y 16), a quarter of it three quarters down the 164-pixel plot")
	assert.Contains(t, string(lineChart("empty", nil, 100, 100)), "No data.")
}

func TestRowsShares(t *testing.T) {
	sums := map[string]*big.Int{"for": big.NewInt(2), "against": big.NewInt(1), "abstain": big.NewInt(0)}
	rs, total := rows([]string{"for", "against", "abstain"}, sums)
	assert.Equal(t, "3", total)
	assert.Equal(t, []ResultRow{{"for", "2", 6666, 10000}, {"against", "1", 3333, 5000}, {"abstain", "0", 0, 0}}, rs)
	zero := map[string]*big.Int{"for": new(big.Int)}
	rs, _ = rows([]string{"for"}, zero)
	assert.Equal(t, int64(0), rs[0].ShareBps, "no division by zero")
}

func TestMilli(t *testing.T) {
	assert.Equal(t, "1.250", milli(1250))
	assert.Equal(t, "-0.005", milli(-5))
	assert.Equal(t, "0.000", milli(0))
}
