package test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	stdnet "net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/ballot"
	"github.com/charter-gov/charter/chaincode/membership"
	charter "github.com/charter-gov/charter/gateway-client"
	"github.com/charter-gov/charter/internal/api"
)

// indexServer is an API server on a state directory, as `charter serve
// --state-dir` runs it.
type indexServer struct {
	srv    *api.Server
	ts     *httptest.Server
	client *api.ClientWithResponses
	stop   func()
}

func startIndexServer(t *testing.T, stateDir string) *indexServer {
	t.Helper()
	cfg, err := net.profiles.Config("labA-user1")
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	c, err := charter.Connect(ctx, cfg)
	require.NoError(t, err)
	srv, err := api.NewServer(api.Options{Gateway: api.ClientGateway{Client: c, MSPID: cfg.MSPID}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), StateDir: stateDir})
	require.NoError(t, err)
	runCtx, stopRun := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); srv.Run(runCtx) }()
	ts := httptest.NewServer(srv.Handler())
	client, err := api.NewClientWithResponses(ts.URL)
	require.NoError(t, err)
	stopped := false
	s := &indexServer{srv: srv, ts: ts, client: client}
	s.stop = func() {
		if stopped {
			return
		}
		stopped = true
		ts.Close()
		stopRun()
		<-done
		require.NoError(t, srv.Close())
		_ = c.Close()
	}
	t.Cleanup(s.stop)
	return s
}

// getJSON reads one API answer and the height it reflects.
func getJSON(t *testing.T, url string) (int, string, map[string]any) {
	t.Helper()
	status, hdr, body := httpJSON(t, "GET", url, nil)
	return status, hdr.Get(api.HeightHeader), body
}

// indexList follows every page of an API listing.
func indexList(t *testing.T, base, path string) []map[string]any {
	t.Helper()
	out := []map[string]any{}
	url := base + path
	for pages := 0; ; pages++ {
		require.Less(t, pages, 1000, "the listing ends")
		status, _, body := getJSON(t, url)
		require.Equal(t, 200, status, "%s: %v", url, body)
		for _, it := range body["items"].([]any) {
			out = append(out, it.(map[string]any))
		}
		next, ok := body["nextCursor"].(string)
		if !ok {
			return out
		}
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		url = base + path + sep + "cursor=" + next
	}
}

// asItems renders the peer's typed answers as the API's JSON objects,
// without a ballot's statusNow (computed at each read's own time).
func asItems[T any](t *testing.T, vs []T) []map[string]any {
	t.Helper()
	raw, err := json.Marshal(vs)
	require.NoError(t, err)
	out := []map[string]any{}
	require.NoError(t, json.Unmarshal(raw, &out))
	return withoutStatusNow(out)
}

func withoutStatusNow(items []map[string]any) []map[string]any {
	for _, it := range items {
		delete(it, "statusNow")
	}
	return items
}

// TestAPIIndex: the API's reads of ballots, results, decisions and members
// come from its event-fed index, equal the peer's evaluate answers, and
// survive a restart: the server resumes from its checkpoint (the writes
// made while it was down are reflected, none applied twice), still
// answers its jobs and refuses a replayed Idempotency-Key with another
// body.
func TestAPIIndex(t *testing.T) {
	ctx := ctxFor(t)
	stateDir := t.TempDir()
	a := startIndexServer(t, stateDir)
	ensureMember(t, "foundation", "user1")
	proposer := net.client(t, "foundation-user1")
	peerReader := net.client(t, "labA-user1")
	admin := net.client(t, "labA-admin")

	// A member who will vote through the API, registered before the
	// ballots open.
	voter, _, _ := apiMember(t, "labA", fmt.Sprintf("apiindexvoter-%d@labA", time.Now().UnixNano()), true)

	// N writes, each read back with waitFor.
	var last *ballot.Ballot
	for i := range 3 {
		_, id := apiMemberIdentity(t, "labA", fmt.Sprintf("apiindex-%d-%d@labA", i, time.Now().UnixNano()))
		_, err := admin.RegisterMember(ctx, membership.RegisterRequest{Member: id, Name: fmt.Sprintf("index member %d", i)})
		require.NoError(t, err)
		b, err := proposer.CreateBallot(ctx, ballot.CreateRequest{Kind: ballot.KindPoll, Title: fmt.Sprintf("index ballot %d", i), VotingPeriodSec: 120})
		require.NoError(t, err)
		status, height, body := getJSON(t, a.ts.URL+"/v1/ballots/"+b.ID+"?waitFor="+b.TxID)
		require.Equal(t, 200, status, "%v", body)
		assert.Equal(t, b.Title, body["title"])
		assert.NotEmpty(t, height)
		status, _, body = getJSON(t, a.ts.URL+"/v1/members/"+id.MSPID+"/"+id.ID)
		require.Equal(t, 200, status, "a member registered before the ballot is reflected with it: %v", body)
		last = b
	}

	// Consistency: with no write in between (same chain height before and
	// after), every index listing equals the peer's evaluate answers.
	consistent := func(base string, client *api.ClientWithResponses) {
		t.Helper()
		for try := 0; ; try++ {
			require.Less(t, try, 5, "a quiet moment to compare the index with the peer")
			indexCaughtUp(t, client)
			before := chainHeight(t, peerReader)
			ballots := withoutStatusNow(indexList(t, base, "/v1/ballots?limit=1000"))
			decisions := indexList(t, base, "/v1/decisions?limit=1000")
			members := indexList(t, base, "/v1/members?includeRemoved=true&limit=1000")
			_, resultsHeight, results := getJSON(t, base+"/v1/ballots/"+last.ID+"/results")
			peerBallots, err := peerReader.Ballots(ctx, "")
			require.NoError(t, err)
			peerDecisions, err := peerReader.Decisions(ctx, "")
			require.NoError(t, err)
			peerMembers, err := peerReader.Members(ctx, charter.MemberQuery{IncludeRemoved: true})
			require.NoError(t, err)
			peerResults, err := peerReader.BallotResults(ctx, last.ID)
			require.NoError(t, err)
			if chainHeight(t, peerReader) != before || resultsHeight != fmt.Sprint(before) {
				continue // something was written meanwhile: compare again
			}
			assert.Equal(t, asItems(t, peerBallots), ballots, "ballots")
			assert.Equal(t, asItems(t, peerDecisions), decisions, "decisions")
			assert.Equal(t, asItems(t, peerMembers), members, "members")
			delete(results["ballot"].(map[string]any), "statusNow")
			assert.Equal(t, asItems(t, []any{peerResults})[0]["tally"], results["tally"], "results' tally")
			assert.Equal(t, withoutStatusNow([]map[string]any{asItems(t, []any{peerResults})[0]["ballot"].(map[string]any)})[0], results["ballot"], "results' ballot")
			return
		}
	}
	consistent(a.ts.URL, a.client)

	// A write through the API (offline signing) makes a job.
	if wait := time.Until(last.OpensAt); wait > 0 {
		time.Sleep(wait + 500*time.Millisecond)
	}
	choice := "5"
	prep, err := a.client.CastVoteWithResponse(ctx, last.ID, api.VoteBody{Choice: &choice, Signer: voter.Signer()})
	require.NoError(t, err)
	require.Equal(t, 201, prep.StatusCode(), "body %s", prep.Body)
	key := "index-vote-" + prep.JSON201.Signing.TxId
	job, err := voter.Complete(ctx, a.client, prep.JSON201, key)
	require.NoError(t, err)
	done, err := api.AwaitJob(ctx, a.client, job.Id)
	require.NoError(t, err)
	require.Equal(t, api.JobStatus("committed"), done.Status)
	stoppedAt, _ := indexHeight(t, a.ts.URL)
	a.stop()

	// While the server is down: more writes.
	var downTx []string
	var downBallots []*ballot.Ballot
	for i := range 2 {
		b, err := proposer.CreateBallot(ctx, ballot.CreateRequest{Kind: ballot.KindPoll, Title: fmt.Sprintf("written while the API was down %d", i), VotingPeriodSec: 120})
		require.NoError(t, err)
		downTx, downBallots = append(downTx, b.TxID), append(downBallots, b)
	}

	b := startIndexServer(t, stateDir)
	resumed, _ := indexHeight(t, b.ts.URL)
	assert.GreaterOrEqual(t, resumed, stoppedAt, "the restarted server resumes from its checkpoint")
	for i, tx := range downTx {
		status, _, body := getJSON(t, b.ts.URL+"/v1/ballots/"+downBallots[i].ID+"?waitFor="+tx)
		require.Equal(t, 200, status, "a transaction committed while the server was down is reflected: %v", body)
		assert.Equal(t, downBallots[i].Title, body["title"])
	}
	got, err := b.client.GetJobWithResponse(ctx, job.Id, nil)
	require.NoError(t, err)
	require.Equal(t, 200, got.StatusCode(), "the restarted server still answers its job: %s", got.Body)
	assert.Equal(t, api.JobStatus("committed"), got.JSON200.Status)
	assert.Equal(t, *done.BlockHeight, *got.JSON200.BlockHeight, "the vote's block, applied once")
	status, _, body := httpJSON(t, "POST", b.ts.URL+"/v1/signing/"+prep.JSON201.Signing.Id+"/submit", map[string]any{"signature": []byte{0x30, 0x06, 2, 1, 1, 2, 1, 1}}, "Idempotency-Key", key)
	assert.Equal(t, 409, status, "a replayed key with another body: %v", body)
	assert.Equal(t, "idempotency-key-reuse", body["rule"])
	consistent(b.ts.URL, b.client)
}

// indexHeight is the height an index answer reflects.
func indexHeight(t *testing.T, base string) (uint64, string) {
	t.Helper()
	status, h, body := getJSON(t, base+"/v1/decisions?limit=1")
	require.Equal(t, 200, status, "%v", body)
	var n uint64
	_, err := fmt.Sscan(h, &n)
	require.NoError(t, err)
	return n, h
}

// TestAPIMutualTLS: an operator authenticated by the certificate the
// network's CA issued them may prepare transactions only as that
// certificate.
func TestAPIMutualTLS(t *testing.T) {
	cfg, err := net.profiles.Config("labA-user1")
	require.NoError(t, err)
	other, err := net.profiles.Config("labA-admin")
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	c, err := charter.Connect(ctx, cfg)
	require.NoError(t, err)
	defer c.Close()
	srv, err := api.NewServer(api.Options{Gateway: api.ClientGateway{Client: c, MSPID: cfg.MSPID}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NoError(t, err)
	defer srv.Close()

	dir := t.TempDir()
	serverCert, serverKey, serverPool := selfSignedServer(t, dir)
	cas, err := filepath.Glob(filepath.Join(net.stateDir, "crypto", "peerOrganizations", "*", "msp", "cacerts", "*.pem"))
	require.NoError(t, err)
	require.NotEmpty(t, cas, "the organisations' CA certificates")
	tlsCfg, err := api.ServerTLS(serverCert, serverKey, cas)
	require.NoError(t, err)
	ts := httptest.NewUnstartedServer(srv.Handler())
	ts.TLS = tlsCfg
	ts.StartTLS()
	defer ts.Close()

	pair, err := tls.LoadX509KeyPair(cfg.CertPath, cfg.KeyPath)
	require.NoError(t, err)
	hc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: serverPool, Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}}}
	client, err := api.NewClientWithResponses(ts.URL, api.WithHTTPClient(hc))
	require.NoError(t, err)
	signer := func(cert string) api.Signer {
		raw, err := os.ReadFile(cert)
		require.NoError(t, err)
		return api.Signer{MspId: cfg.MSPID, Certificate: string(raw)}
	}
	choice := "for"
	own, err := client.CastVoteWithResponse(t.Context(), "bffffffffffffffff", api.VoteBody{Choice: &choice, Signer: signer(cfg.CertPath)})
	require.NoError(t, err)
	// The ballot does not exist: the chaincode is asked only at endorsement,
	// so preparing one's own vote succeeds.
	assert.Equal(t, 201, own.StatusCode(), "one's own certificate: %s", own.Body)
	asOther, err := client.CastVoteWithResponse(t.Context(), "bffffffffffffffff", api.VoteBody{Choice: &choice, Signer: signer(other.CertPath)})
	require.NoError(t, err)
	require.Equal(t, 403, asOther.StatusCode(), "another member's certificate: %s", asOther.Body)
	assert.Contains(t, string(asOther.Body), "mtls-client-certificate")
}

// selfSignedServer writes a TLS server certificate for 127.0.0.1.
func selfSignedServer(t *testing.T, dir string) (certPath, keyPath string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "charter-api"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses: []stdnet.IP{stdnet.ParseIP("127.0.0.1")},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	kd, err := x509.MarshalPKCS8PrivateKey(key)
	require.NoError(t, err)
	certPath, keyPath = filepath.Join(dir, "server.pem"), filepath.Join(dir, "server.key")
	require.NoError(t, os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600))
	require.NoError(t, os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kd}), 0o600))
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certPath, keyPath, pool
}
