package test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/ballot"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/membership"
	charter "github.com/charter-gov/charter/gateway-client"
)

// voter is a generated client identity of one organisation.
type voter struct {
	org    string
	id     identity.Identity
	client *charter.Client
}

func stateDir() string {
	if d := os.Getenv("CHARTER_STATE_DIR"); d != "" {
		return d
	}
	return filepath.Join(repoRoot(), ".charter", "network")
}

// issueClientCert makes a client certificate (NodeOU "client") for cn,
// signed by the CA of org's MSP (cryptogen leaves the CA key in the state
// folder), and writes the certificate and key under dir.
func issueClientCert(t testing.TB, org, cn, dir string) (certPath, keyPath string) {
	t.Helper()
	certPath, keyPath, err := issueCert(net.profiles, org, cn, dir)
	require.NoError(t, err)
	return certPath, keyPath
}

// issueCert is issueClientCert for callers without a testing.TB (TestMain).
func issueCert(profiles *charter.Profiles, org, cn, dir string) (certPath, keyPath string, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", "", err
	}
	if certPath, err = issueCertFor(profiles, org, cn, &key.PublicKey, dir); err != nil {
		return "", "", err
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return "", "", err
	}
	keyPath = filepath.Join(dir, cn+"-key.pem")
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}), 0o600); err != nil {
		return "", "", err
	}
	return certPath, keyPath, nil
}

// issueCertFor is issueCert for a public key whose private key is kept
// elsewhere (an HSM): it writes only the certificate.
func issueCertFor(profiles *charter.Profiles, org, cn string, pub any, dir string) (certPath string, err error) {
	p, err := profiles.Profile(org + "-user1")
	if err != nil {
		return "", err
	}
	userPEM, err := os.ReadFile(p.CertPath)
	if err != nil {
		return "", err
	}
	userCert, err := identity.ParsePEM(userPEM)
	if err != nil {
		return "", err
	}
	if len(userCert.Issuer.Organization) == 0 {
		return "", fmt.Errorf("the issuer of %s names no organisation domain", p.CertPath)
	}
	caDir := filepath.Join(stateDir(), "crypto", "peerOrganizations", userCert.Issuer.Organization[0], "ca")
	caPEM, err := os.ReadFile(filepath.Join(caDir, "ca."+userCert.Issuer.Organization[0]+"-cert.pem"))
	if err != nil {
		return "", err
	}
	caCert, err := identity.ParsePEM(caPEM)
	if err != nil {
		return "", err
	}
	caKeyPEM, err := os.ReadFile(filepath.Join(caDir, "priv_sk"))
	if err != nil {
		return "", err
	}
	block, _ := pem.Decode(caKeyPEM)
	if block == nil {
		return "", fmt.Errorf("%s holds no PEM block", filepath.Join(caDir, "priv_sk"))
	}
	caKey, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return "", err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return "", err
	}
	subject := pkix.Name{Country: userCert.Subject.Country, Province: userCert.Subject.Province, Locality: userCert.Subject.Locality,
		OrganizationalUnit: []string{"client"}, CommonName: cn}
	tmpl := &x509.Certificate{
		SerialNumber: serial, Subject: subject,
		// Fabric's MSP checks the chain at NotBefore+1s: the certificate must
		// not predate its CA.
		NotBefore: caCert.NotBefore, NotAfter: caCert.NotAfter,
		KeyUsage: x509.KeyUsageDigitalSignature, BasicConstraintsValid: true,
		AuthorityKeyId: caCert.SubjectKeyId,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, pub, caKey)
	if err != nil {
		return "", err
	}
	certPath = filepath.Join(dir, cn+"-cert.pem")
	if err := os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		return "", err
	}
	return certPath, nil
}

// newVoters makes n distinct client identities spread over the three
// organisations, registers each as a member through its org admin, and
// connects each with MVCC retries disabled, so that any conflict would
// surface as an error.
func newVoters(t testing.TB, n int, prefix string) []*voter {
	t.Helper()
	dir := t.TempDir()
	voters := make([]*voter, n)
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		org := orgProfiles[i%len(orgProfiles)]
		cn := fmt.Sprintf("%s%03d@%s", prefix, i, org)
		certPath, keyPath := issueClientCert(t, org, cn, dir)
		cfg, err := net.profiles.Config(org + "-user1")
		require.NoError(t, err)
		cfg.CertPath, cfg.KeyPath, cfg.MVCCRetries = certPath, keyPath, -1
		pemBytes, err := os.ReadFile(certPath)
		require.NoError(t, err)
		id, err := identity.FromPEM(cfg.MSPID, pemBytes)
		require.NoError(t, err)
		voters[i] = &voter{org: org, id: id}
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			if _, err := net.client(t, org+"-admin").RegisterMember(ctx, membership.RegisterRequest{Member: id, Name: cn}); err != nil {
				errs[i] = fmt.Errorf("register %s: %w", cn, err)
				return
			}
			c, err := charter.Connect(ctx, cfg)
			if err != nil {
				errs[i] = fmt.Errorf("connect %s: %w", cn, err)
				return
			}
			voters[i].client = c
		}()
	}
	wg.Wait()
	t.Cleanup(func() {
		for _, v := range voters {
			if v.client != nil {
				_ = v.client.Close()
			}
		}
	})
	for _, err := range errs {
		require.NoError(t, err)
	}
	return voters
}

// TestBallotSixtyFourConcurrentVoters: 64 distinct members vote on one
// ballot at the same moment with MVCC retries disabled: every vote commits
// the first time. Then the ballot is closed and tallied in pages, and every
// organisation's peer reports the same result, with 64 votes counted.
func TestBallotSixtyFourConcurrentVoters(t *testing.T) {
	const n = 64
	voters := newVoters(t, n, "voter")
	proposer := net.client(t, "foundation-user1")
	ensureMember(t, "foundation", "user1")
	ctx := ctxFor(t)
	const period = 25 * time.Second
	b, err := proposer.CreateBallot(ctx, ballot.CreateRequest{Kind: ballot.KindPoll, Title: "How legitimate was the last release decision?", VotingPeriodSec: int64(period / time.Second)})
	require.NoError(t, err)
	require.Equal(t, ballot.StatusPending, b.Status)
	// The create committed on the proposer's peer; every peer must have it
	// before the voters' gateways endorse on them.
	for _, org := range orgProfiles {
		require.Eventually(t, func() bool {
			_, err := net.client(t, org+"-user1").Ballot(ctx, b.ID)
			return err == nil
		}, 20*time.Second, 50*time.Millisecond, "the %s peer sees ballot %s", org, b.ID)
	}

	// A poll opens one clock skew after it is created.
	if wait := time.Until(b.OpensAt); wait > 0 {
		time.Sleep(wait + 500*time.Millisecond)
	}

	var start sync.WaitGroup
	start.Add(1)
	var wg sync.WaitGroup
	errs := make([]error, n)
	began := time.Now()
	for i, v := range voters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			start.Wait()
			_, errs[i] = v.client.Vote(ctx, ballot.CastRequest{Ballot: b.ID, Choice: strconv.Itoa(i%7 + 1)})
		}()
	}
	start.Done()
	wg.Wait()
	elapsed := time.Since(began)
	failed := 0
	for i, err := range errs {
		if err != nil {
			failed++
			t.Errorf("voter %d: %s", i, wireText(err))
		}
	}
	require.Zero(t, failed, "every vote committed the first time (MVCC retries disabled): zero MVCC conflicts")
	t.Logf("64 concurrent votes committed in %s", elapsed.Round(time.Millisecond))

	// Bad input on the real network: a clear code, nothing written.
	outsider := newVotersUnregistered(t, "outsider")
	observer := net.client(t, "labA-user1")
	refusals := []struct {
		name string
		call func() error
		code errcode.Code
		msg  string
	}{
		{"answer outside 1..7", func() error {
			_, err := voters[0].client.Vote(ctx, ballot.CastRequest{Ballot: b.ID, Choice: "8"})
			return err
		}, errcode.InvalidArgument, `unknown choice "8"`},
		{"non-member votes", func() error {
			_, err := outsider.Vote(ctx, ballot.CastRequest{Ballot: b.ID, Choice: "4"})
			return err
		}, errcode.Forbidden, "not an active member"},
		{"unknown ballot", func() error {
			_, err := voters[1].client.Vote(ctx, ballot.CastRequest{Ballot: "bffffffffffffffff", Choice: "4"})
			return err
		}, errcode.NotFound, "does not exist"},
		{"close before the period ends", func() error { _, err := proposer.CloseBallot(ctx, b.ID); return err }, errcode.FailedPrecondition, "cannot be closed before"},
	}
	for _, r := range refusals {
		t.Run(r.name, func(t *testing.T) {
			height := settledHeight(t)
			err := r.call()
			require.Error(t, err)
			assert.Equal(t, r.code, codeOf(err), wireText(err))
			assert.Contains(t, wireText(err), r.msg)
			assert.Equal(t, height, chainHeight(t, observer), "no block was added")
		})
	}

	// Closing waits until the end is one clock skew past.
	if wait := time.Until(b.CloseableFrom(testSkew)); wait > 0 {
		time.Sleep(wait + time.Second)
	}
	closed, err := net.client(t, "labB-user1").CloseBallot(ctx, b.ID)
	require.NoError(t, err)
	require.Equal(t, ballot.StatusClosed, closed.Status)
	_, err = voters[2].client.Vote(ctx, ballot.CastRequest{Ballot: b.ID, Choice: "5"})
	require.Error(t, err)
	assert.Equal(t, errcode.FailedPrecondition, codeOf(err), "a late vote is refused by status: %s", wireText(err))

	pages := 0
	var p *ballot.Progress
	for p == nil || !p.Done {
		p, err = net.client(t, "labA-user1").TallyPage(ctx, b.ID, 10)
		require.NoError(t, err)
		pages++
	}
	t.Logf("tallied in %d pages", pages)
	assert.Greater(t, pages, 1, "the tally ran in several pages")
	require.Equal(t, ballot.StatusCompleted, p.Status)
	require.NotNil(t, p.Result.Likert)
	assert.Equal(t, int64(n), p.Result.VotesCounted, "every vote counted")
	assert.Equal(t, []int64{10, 9, 9, 9, 9, 9, 9}, p.Result.Likert.Distribution)

	// Every organisation's peer reports the same result once the last
	// tally page has reached it.
	var prints []string
	require.Eventually(t, func() bool {
		prints = prints[:0]
		for _, org := range orgProfiles {
			r, err := net.client(t, org+"-user1").BallotResults(ctx, b.ID)
			if err != nil || r.Ballot.Result == nil || r.Ballot.Result.VotesCounted != int64(n) {
				return false
			}
			raw, err := json.Marshal(r.Ballot.Ballot)
			require.NoError(t, err)
			prints = append(prints, fmt.Sprintf("%x", sha256.Sum256(raw)))
		}
		return prints[0] == prints[1] && prints[1] == prints[2]
	}, 20*time.Second, 100*time.Millisecond, "every peer reports %d votes counted and the same ballot: %v", n, prints)
}

// newVotersUnregistered makes one client identity that is not a member.
func newVotersUnregistered(t testing.TB, cn string) *charter.Client {
	t.Helper()
	certPath, keyPath := issueClientCert(t, "labB", cn+"@labB", t.TempDir())
	cfg, err := net.profiles.Config("labB-user1")
	require.NoError(t, err)
	cfg.CertPath, cfg.KeyPath = certPath, keyPath
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := charter.Connect(ctx, cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// BenchmarkVoteVsPut measures, in one run and through the same gateways,
// closed-loop throughput of 64 clients casting (and re-casting) votes on
// one ballot and of the same 64 clients submitting the trivial bench:Put,
// in alternating phases (CHARTER_BENCH_ROUNDS rounds of CHARTER_BENCH_PHASE
// per kind, default 8 × 5s, after a warm-up of each), and reports both
// rates and their ratio. Run it
// inside the integration TestMain:
//
//	go test -run XXX -bench VoteVsPut -benchtime 1x ./test/
func BenchmarkVoteVsPut(b *testing.B) {
	if net == nil {
		b.Skip("the network is not up")
	}
	const clients = 64
	phase := 5 * time.Second
	if s := os.Getenv("CHARTER_BENCH_PHASE"); s != "" {
		d, err := time.ParseDuration(s)
		require.NoError(b, err)
		phase = d
	}
	rounds := 8
	if s := os.Getenv("CHARTER_BENCH_ROUNDS"); s != "" {
		n, err := strconv.Atoi(s)
		require.NoError(b, err)
		rounds = n
	}
	voters := newVoters(b, clients, fmt.Sprintf("bench%d-", time.Now().UnixNano()%100000))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	pc := net.client(b, "foundation-admin")
	_, _ = pc.RegisterMember(ctx, membership.RegisterRequest{Member: pc.Identity(), Name: "foundation admin"})
	bal, err := pc.CreateBallot(ctx, ballot.CreateRequest{Kind: ballot.KindPoll, Title: "benchmark poll", VotingPeriodSec: 3600})
	require.NoError(b, err)
	if wait := time.Until(bal.OpensAt); wait > 0 { // a poll opens one clock skew after creation
		time.Sleep(wait + 500*time.Millisecond)
	}

	var samplesMu sync.Mutex
	var samples []string
	run := func(kind string, round int) (int64, int64) {
		var ok, bad atomic.Int64
		deadline := time.Now().Add(phase)
		var wg sync.WaitGroup
		for i, v := range voters {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for k := 0; time.Now().Before(deadline); k++ {
					var err error
					if kind == "vote" {
						_, err = v.client.Vote(ctx, ballot.CastRequest{Ballot: bal.ID, Choice: strconv.Itoa((i+k)%7 + 1)})
					} else {
						_, err = v.client.BenchPut(ctx, fmt.Sprintf("r%d-c%d-k%d", round, i, k), "v")
					}
					if err != nil {
						bad.Add(1)
						samplesMu.Lock()
						if len(samples) < 5 {
							samples = append(samples, kind+": "+wireText(err))
						}
						samplesMu.Unlock()
						continue
					}
					ok.Add(1)
				}
			}()
		}
		wg.Wait()
		return ok.Load(), bad.Load()
	}
	b.ResetTimer()
	for range b.N {
		var votes, puts, voteErr, putErr int64
		// Warm up both paths, then alternate phases so drift hits both.
		run("put", 0)
		run("vote", 0)
		for round := 1; round <= rounds; round++ {
			// Alternate which kind goes first, so neither always follows the other.
			order := []string{"put", "vote"}
			if round%2 == 0 {
				order = []string{"vote", "put"}
			}
			for _, kind := range order {
				n, e := run(kind, round)
				if kind == "put" {
					puts, putErr = puts+n, putErr+e
				} else {
					votes, voteErr = votes+n, voteErr+e
				}
			}
		}
		secs := float64(rounds) * phase.Seconds()
		b.ReportMetric(float64(votes)/secs, "vote-tx/s")
		b.ReportMetric(float64(puts)/secs, "put-tx/s")
		b.ReportMetric(float64(votes)/float64(puts), "vote/put")
		b.ReportMetric(float64(voteErr), "vote-errors")
		b.ReportMetric(float64(putErr), "put-errors")
		for _, e := range samples {
			b.Logf("error sample: %s", e)
		}
		b.Logf("%d clients, %d×%s per kind: votes %d (%.1f tx/s, %d errors), puts %d (%.1f tx/s, %d errors), ratio %.3f",
			clients, rounds, phase, votes, float64(votes)/secs, voteErr, puts, float64(puts)/secs, putErr, float64(votes)/float64(puts))
	}
}
