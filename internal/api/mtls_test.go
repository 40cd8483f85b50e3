package api

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// testCA issues certificates, as an organisation's CA does.
type testCA struct {
	key  *ecdsa.PrivateKey
	cert *x509.Certificate
	pem  []byte
}

func newTestCA(t *testing.T, name string) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "ca." + name, Organization: []string{name}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	return &testCA{key: key, cert: cert, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

var serial int64 = 10

// issue makes a member (a client certificate with its key) or, with
// server, a TLS server certificate for 127.0.0.1.
func (ca *testCA) issue(t *testing.T, cn string, server bool) member {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	serial++
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn, OrganizationalUnit: []string{"client"}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	if server {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		tmpl.IPAddresses = []net.IP{net.ParseIP("127.0.0.1")}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	require.NoError(t, err)
	return member{key: key, certPEM: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))}
}

func (m member) tlsCert(t *testing.T) tls.Certificate {
	t.Helper()
	kd, err := x509.MarshalPKCS8PrivateKey(m.key)
	require.NoError(t, err)
	c, err := tls.X509KeyPair([]byte(m.certPEM), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kd}))
	require.NoError(t, err)
	return c
}

func writeFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, data, 0o600))
	return p
}

// mtlsServer runs the API over HTTPS with mutual TLS for the clients of
// orgs' CAs.
func mtlsServer(t *testing.T, f *fakeGateway, server *testCA, orgs ...*testCA) *httptest.Server {
	t.Helper()
	f.message, f.txMessage = []byte("proposal bytes"), []byte("transaction bytes")
	dir := t.TempDir()
	srv := server.issue(t, "api.charter.local", true)
	kd, err := x509.MarshalPKCS8PrivateKey(srv.key)
	require.NoError(t, err)
	var cas []string
	for i, o := range orgs {
		cas = append(cas, writeFile(t, dir, "ca"+string(rune('0'+i))+".pem", o.pem))
	}
	cfg, err := ServerTLS(writeFile(t, dir, "server.pem", []byte(srv.certPEM)), writeFile(t, dir, "server.key", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kd})), cas)
	require.NoError(t, err)
	s, err := NewServer(Options{Gateway: f, WaitTimeout: 200 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NoError(t, err)
	ts := httptest.NewUnstartedServer(s.Handler())
	ts.TLS = cfg
	ts.StartTLS()
	t.Cleanup(func() { ts.Close(); _ = s.Close() })
	return ts
}

// httpsClient trusts server's CA and presents as (when given).
func httpsClient(t *testing.T, server *testCA, as *member) *http.Client {
	t.Helper()
	pool := x509.NewCertPool()
	pool.AddCert(server.cert)
	cfg := &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	if as != nil {
		cfg.Certificates = []tls.Certificate{as.tlsCert(t)}
	}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: cfg}, Timeout: 10 * time.Second}
}

func TestMutualTLSCallerActsOnlyAsItsCertificate(t *testing.T) {
	serverCA, labA, labB := newTestCA(t, "tls"), newTestCA(t, "LabAMSP"), newTestCA(t, "LabBMSP")
	f := &fakeGateway{}
	ts := mtlsServer(t, f, serverCA, labA, labB)
	alice, bob := labA.issue(t, "alice", false), labB.issue(t, "bob", false)
	asAlice, asBob, anonymous := httpsClient(t, serverCA, &alice), httpsClient(t, serverCA, &bob), httpsClient(t, serverCA, nil)
	call := func(c *http.Client, method, path string, body any, headers ...string) response {
		t.Helper()
		old := http.DefaultClient
		http.DefaultClient = c
		defer func() { http.DefaultClient = old }()
		return do(t, ts, method, path, body, headers...)
	}
	vote := func(c *http.Client, signer member) response {
		return call(c, "POST", "/v1/ballots/b1/votes", map[string]any{"choice": "for", "signer": map[string]any{"mspId": "LabAMSP", "certificate": signer.certPEM}})
	}

	// Alice, authenticated by her certificate, prepares her own vote.
	own := vote(asAlice, alice)
	require.Equal(t, 201, own.status, "%v", own.body)
	// She cannot create a transaction as Bob.
	requireProblem(t, vote(asAlice, bob), 403, "FORBIDDEN", "/signer/certificate", "mtls-client-certificate")
	// A member without a client certificate (a browser) signs as themself.
	browser := vote(anonymous, bob)
	require.Equal(t, 201, browser.status, "%v", browser.body)

	// Bob's session cannot be endorsed or submitted over Alice's
	// connection, even with Bob's valid signature.
	bobs := vote(asBob, bob)
	require.Equal(t, 201, bobs.status, "%v", bobs.body)
	sg := bobs.body["signing"].(map[string]any)
	proposal, err := base64.StdEncoding.DecodeString(sg["proposal"].(string))
	require.NoError(t, err)
	sig := bob.sign(t, proposal, false)
	requireProblem(t, call(asAlice, "POST", "/v1/signing/"+sg["id"].(string)+"/endorse", sigBody(sig)), 403, "FORBIDDEN", "id", "mtls-client-certificate")
	requireProblem(t, call(asAlice, "POST", "/v1/signing/"+sg["id"].(string)+"/submit", sigBody(sig), "Idempotency-Key", "k1"), 403, "FORBIDDEN", "id", "mtls-client-certificate")
	require.Zero(t, f.endorsed, "nothing reached the gateway")
	require.Empty(t, f.submitted)
	// Bob himself goes on.
	require.Equal(t, 200, call(asBob, "POST", "/v1/signing/"+sg["id"].(string)+"/endorse", sigBody(sig)).status)
	require.Equal(t, 1, f.endorsed)

	// A certificate of a CA the server was not given, pushed even though
	// the server did not ask for its CA: no TLS session.
	mallory := newTestCA(t, "Elsewhere").issue(t, "mallory", false)
	mc := httpsClient(t, serverCA, nil)
	mcert := mallory.tlsCert(t)
	mc.Transport.(*http.Transport).TLSClientConfig.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &mcert, nil }
	_, err = mc.Get(ts.URL + "/healthz")
	require.Error(t, err, "a client certificate of an unknown CA is refused")
}

func TestServerTLSRefusesIncompleteConfiguration(t *testing.T) {
	dir := t.TempDir()
	_, err := ServerTLS("", "", nil)
	require.ErrorContains(t, err, "both required")
	ca := newTestCA(t, "tls")
	srv := ca.issue(t, "api", true)
	kd, err := x509.MarshalPKCS8PrivateKey(srv.key)
	require.NoError(t, err)
	cert := writeFile(t, dir, "s.pem", []byte(srv.certPEM))
	key := writeFile(t, dir, "s.key", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kd}))
	_, err = ServerTLS(cert, key, []string{writeFile(t, dir, "empty.pem", []byte("not a certificate"))})
	require.ErrorContains(t, err, "no PEM certificate")
	_, err = ServerTLS(cert, key, []string{filepath.Join(dir, "missing.pem")})
	require.Error(t, err)
	cfg, err := ServerTLS(cert, key, nil)
	require.NoError(t, err)
	require.Equal(t, tls.NoClientCert, cfg.ClientAuth, "TLS without --client-ca asks for no client certificate")
	cfg, err = ServerTLS(cert, key, []string{writeFile(t, dir, "ca.pem", ca.pem)})
	require.NoError(t, err)
	require.Equal(t, tls.VerifyClientCertIfGiven, cfg.ClientAuth)
}
