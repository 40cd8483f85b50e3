package api

import (
	"bytes"
	"context"
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
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/ledger/rwset/kvrwset"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/charter-gov/charter/chaincode/ballot"
	"github.com/charter-gov/charter/chaincode/errcode"
	charter "github.com/charter-gov/charter/gateway-client"
	"github.com/charter-gov/charter/gateway-client/audit/audittest"
)

// fakeGateway plays the typed client. Methods a test does not set panic
// (the embedded nil interface), so a test shows which calls it expects.
type fakeGateway struct {
	Gateway
	mu         sync.Mutex
	height     uint64
	pages      map[string]*ballot.ListPage // by bookmark
	endorsed   int
	submitted  []string
	endorseErr error
	message    []byte
	txMessage  []byte
}

func (f *fakeGateway) ChainHeight(context.Context) (uint64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.height, nil
}
func (f *fakeGateway) BlockEvents(ctx context.Context, _ uint64) (<-chan *common.Block, error) {
	ch := make(chan *common.Block)
	go func() { <-ctx.Done(); close(ch) }()
	return ch, nil
}
func (f *fakeGateway) TransactionStatus(_ context.Context, txID string) (*charter.TxStatus, error) {
	return &charter.TxStatus{TxID: txID}, nil
}
func (f *fakeGateway) BallotsPage(_ context.Context, _ ballot.Status, _ int, bookmark string) (*ballot.ListPage, error) {
	p, ok := f.pages[bookmark]
	if !ok {
		return nil, &charter.Error{Code: charter.CodeInvalidArgument, Message: "bookmark from another listing"}
	}
	return p, nil
}
func (f *fakeGateway) Ballot(_ context.Context, id string) (*ballot.View, error) {
	return nil, &charter.Error{Code: charter.CodeNotFound, Message: "ballot " + errcode.Quote(id) + " does not exist"}
}
func (f *fakeGateway) Prepare(_ context.Context, s charter.Signer, _ func(context.Context, *charter.Client) error) (*charter.Unsigned, error) {
	return &charter.Unsigned{TxID: strings.Repeat("ab", 32), Transaction: "ballot:Vote", Message: f.message, State: []byte("proposal-state")}, nil
}
func (f *fakeGateway) EndorseSigned(_ context.Context, state, _ []byte) (*charter.Endorsed, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.endorseErr != nil {
		return nil, f.endorseErr
	}
	f.endorsed++
	return &charter.Endorsed{TxID: strings.Repeat("ab", 32), Message: f.txMessage, State: []byte("tx-state"), Result: []byte(`{"ballot":"b1"}`)}, nil
}
func (f *fakeGateway) SubmitSigned(_ context.Context, state, _ []byte) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.submitted = append(f.submitted, string(state))
	return strings.Repeat("ab", 32), nil
}

func newTestServer(t *testing.T, f *fakeGateway) (*Server, *httptest.Server) {
	t.Helper()
	return newTestServerWith(t, f, f)
}

func newTestServerWith(t *testing.T, f *fakeGateway, gw Gateway) (*Server, *httptest.Server) {
	t.Helper()
	if f.message == nil {
		f.message, f.txMessage = []byte("proposal bytes"), []byte("transaction bytes")
	}
	return startTestServer(t, Options{Gateway: gw})
}

// startTestServer runs a server over opts (a discarding logger and a short
// wait unless set) until the test ends.
func startTestServer(t *testing.T, opts Options) (*Server, *httptest.Server) {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opts.WaitTimeout == 0 {
		opts.WaitTimeout = 200 * time.Millisecond
	}
	s, err := NewServer(opts)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); s.Run(ctx) }()
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(func() {
		ts.Close()
		cancel()
		<-done
		require.NoError(t, s.Close())
	})
	return s, ts
}

// testLedger builds blocks that chain (as the index requires): real
// endorser transactions with writes, or bare envelopes with a chosen
// transaction ID.
type testLedger struct {
	*audittest.Chain
	user *audittest.Signer
}

func newTestLedger() *testLedger {
	c := audittest.NewChain("charter", "LabAMSP")
	return &testLedger{Chain: c, user: c.Orgs[0].NewSigner("user1", "client")}
}

// tx adds a block with one transaction txID that failed or passed
// validation with code.
func (l *testLedger) tx(t *testing.T, txID string, code peer.TxValidationCode) {
	t.Helper()
	l.AddRaw([][]byte{testEnvelope(t, txID)}, []peer.TxValidationCode{code})
}

// writes adds a block with one valid transaction writing kvs.
func (l *testLedger) writes(kvs ...*kvrwset.KVWrite) string {
	return l.AddBlock(audittest.Tx{Creator: l.user, Writes: kvs})[0]
}

// fill adds empty blocks until the chain has n.
func (l *testLedger) fill(n int) {
	for len(l.Blocks) < n {
		l.writes()
	}
}

// feed applies the blocks the server's index has not seen.
func feed(t *testing.T, s *Server, l *testLedger) {
	t.Helper()
	h, _ := s.blocks.Height()
	require.NoError(t, s.blocks.record(l.Blocks[h:]...))
}

type member struct {
	key     *ecdsa.PrivateKey
	certPEM string
}

func newMember(t *testing.T, cn string) member {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn, OrganizationalUnit: []string{"client"}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	return member{key: key, certPEM: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))}
}

// sign signs SHA-256 of msg with a low S (high: with N−S, the other valid
// but refused form).
func (m member) sign(t *testing.T, msg []byte, high bool) []byte {
	t.Helper()
	d := sha256.Sum256(msg)
	r, s, err := ecdsa.Sign(rand.Reader, m.key, d[:])
	require.NoError(t, err)
	n := elliptic.P256().Params().N
	if s.Cmp(halfOrder) > 0 {
		s = new(big.Int).Sub(n, s)
	}
	if high {
		s = new(big.Int).Sub(n, s)
	}
	der, err := asn1.Marshal(struct{ R, S *big.Int }{r, s})
	require.NoError(t, err)
	return der
}

type response struct {
	status int
	header http.Header
	body   map[string]any
}

func do(t *testing.T, ts *httptest.Server, method, path string, body any, headers ...string) response {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		require.NoError(t, err)
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, ts.URL+path, rd)
	require.NoError(t, err)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
		req.Close = true // an oversized body leaves the connection unusable
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	out := response{status: res.StatusCode, header: res.Header}
	if len(raw) > 0 {
		require.NoError(t, json.Unmarshal(raw, &out.body), "body %s", raw)
	}
	return out
}

func requireProblem(t *testing.T, r response, status int, code, field, rule string) {
	t.Helper()
	require.Equal(t, status, r.status, "body %v", r.body)
	require.Equal(t, "application/problem+json", r.header.Get("Content-Type"))
	require.Equal(t, code, r.body["code"], "body %v", r.body)
	require.EqualValues(t, status, r.body["status"])
	require.NotEmpty(t, r.body["title"])
	require.NotEmpty(t, r.body["detail"])
	if field != "" {
		require.Equal(t, field, r.body["field"], "body %v", r.body)
	}
	if rule != "" {
		require.Equal(t, rule, r.body["rule"], "body %v", r.body)
	}
}

func TestProblemsFromValidation(t *testing.T) {
	f := &fakeGateway{}
	_, ts := newTestServer(t, f)
	m := newMember(t, "voter")
	signer := map[string]any{"mspId": "LabAMSP", "certificate": m.certPEM}
	for _, tt := range []struct {
		name, method, path string
		body               any
		status             int
		code, field, rule  string
	}{
		{"no signer", "POST", "/v1/ballots/b1/votes", map[string]any{"choice": "for"}, 400, "INVALID_ARGUMENT", "/signer", "required"},
		{"unknown field", "POST", "/v1/ballots/b1/votes", map[string]any{"choice": "for", "signer": signer, "weight": 9}, 400, "INVALID_ARGUMENT", "/weight", "additionalProperties"},
		{"bad house", "POST", "/v1/decisions/d1/votes", map[string]any{"house": "C", "signer": signer}, 400, "INVALID_ARGUMENT", "/house", "enum"},
		{"bad id", "GET", "/v1/ballots/..%2f", nil, 400, "INVALID_ARGUMENT", "id", ""},
		{"limit too big", "GET", "/v1/ballots?limit=5000", nil, 400, "INVALID_ARGUMENT", "limit", ""},
		{"bad waitFor", "GET", "/v1/ballots?waitFor=xyz", nil, 400, "INVALID_ARGUMENT", "waitFor", ""},
		{"unknown route", "GET", "/v1/nothing", nil, 404, "NOT_FOUND", "", "route"},
		{"transfer without amount", "POST", "/v1/transfers", map[string]any{"to": map[string]any{"mspId": "LabBMSP", "id": "x"}, "signer": signer}, 400, "INVALID_ARGUMENT", "/amount", "required"},
		{"transfer of nothing", "POST", "/v1/transfers", map[string]any{"to": map[string]any{"mspId": "LabBMSP", "id": "x"}, "amount": 0, "signer": signer}, 400, "INVALID_ARGUMENT", "/amount", "minimum"},
		{"close with a bad signer", "POST", "/v1/ballots/b1/close", map[string]any{"signer": map[string]any{"mspId": "LabAMSP", "certificate": strings.Repeat("x", 80)}}, 400, "INVALID_ARGUMENT", "/signer/certificate", "pem-x509-certificate"},
		{"wrong method", "DELETE", "/v1/ballots/b1", nil, 400, "INVALID_ARGUMENT", "", "method"},
		{"not json", "POST", "/v1/ballots/b1/votes", "{", 400, "INVALID_ARGUMENT", "body", ""},
		{"oversized", "POST", "/v1/ballots/b1/votes", `{"choice":"` + strings.Repeat("x", 2<<20) + `"}`, 413, "PAYLOAD_TOO_LARGE", "body", "max-body-size"},
		{"no idempotency key", "POST", "/v1/signing/0123456789abcdef0123456789abcdef/submit", map[string]any{"signature": "MEUCIQ=="}, 400, "INVALID_ARGUMENT", "Idempotency-Key", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := do(t, ts, tt.method, tt.path, tt.body)
			requireProblem(t, r, tt.status, tt.code, tt.field, tt.rule)
		})
	}
	require.Zero(t, f.endorsed)
	require.Empty(t, f.submitted)
}

func TestProblemFromClientCode(t *testing.T) {
	_, ts := newTestServer(t, &fakeGateway{})
	r := do(t, ts, "GET", "/v1/ballots/nope", nil)
	requireProblem(t, r, 404, "NOT_FOUND", "", "")
	require.Equal(t, "urn:charter:problem:not-found", r.body["type"])
	require.Contains(t, r.body["detail"], "nope")
	require.NotEmpty(t, r.header.Get(HeightHeader))
}

func TestStatusOfEveryCode(t *testing.T) {
	for code, want := range map[charter.Code]int{
		charter.CodeInvalidArgument: 400, charter.CodeForbidden: 403, charter.CodeNotFound: 404,
		charter.CodeConflict: 409, charter.CodeFailedPrecondition: 409, charter.CodeNotCommitted: 409,
		charter.CodeUnavailable: 503, charter.CodeDeadlineExceeded: 504, charter.CodeUnknownOutcome: 504,
		charter.CodeInternal: 500, charter.CodeUnknown: 502,
	} {
		require.Equal(t, want, statusOf(code), "code %s", code)
		require.NotEmpty(t, titles[code], "code %s has a title", code)
	}
}

func TestCursorPagination(t *testing.T) {
	s, ts := newTestServer(t, &fakeGateway{})
	l := newTestLedger()
	for _, id := range []string{"b1", "b2"} {
		key, err := ballot.Key(id)
		require.NoError(t, err)
		raw, err := json.Marshal(ballot.Ballot{ID: id, Kind: ballot.KindPoll, Title: id, Status: ballot.StatusClosed})
		require.NoError(t, err)
		l.writes(&kvrwset.KVWrite{Key: key, Value: raw})
	}
	feed(t, s, l)
	first := do(t, ts, "GET", "/v1/ballots?limit=1", nil)
	require.Equal(t, 200, first.status)
	require.Len(t, first.body["items"], 1)
	require.EqualValues(t, 3, first.body["blockHeight"], "the height the index answer reflects")
	require.Equal(t, "3", first.header.Get(HeightHeader))
	cur, ok := first.body["nextCursor"].(string)
	require.True(t, ok, "a first page with more has a cursor: %v", first.body)
	require.NotContains(t, cur, "b2", "cursors are opaque")

	second := do(t, ts, "GET", "/v1/ballots?limit=1&cursor="+cur, nil)
	require.Equal(t, 200, second.status)
	require.Equal(t, "b2", second.body["items"].([]any)[0].(map[string]any)["id"])
	require.NotContains(t, second.body, "nextCursor", "the last page has no cursor")

	// A cursor of one listing is refused by another.
	other := do(t, ts, "GET", "/v1/ballots?status=active&cursor="+cur, nil)
	requireProblem(t, other, 400, "INVALID_ARGUMENT", "cursor", "same-listing")
	forged := do(t, ts, "GET", "/v1/ballots?cursor=Zm9v", nil)
	requireProblem(t, forged, 400, "INVALID_ARGUMENT", "cursor", "opaque-cursor")
}

// prepareVote runs the first step and returns the signing session.
func prepareVote(t *testing.T, ts *httptest.Server, m member) (id string, proposal []byte) {
	t.Helper()
	r := do(t, ts, "POST", "/v1/ballots/b1/votes", map[string]any{"choice": "for", "signer": map[string]any{"mspId": "LabAMSP", "certificate": m.certPEM}})
	require.Equal(t, 201, r.status, "body %v", r.body)
	sg := r.body["signing"].(map[string]any)
	p, err := base64.StdEncoding.DecodeString(sg["proposal"].(string))
	require.NoError(t, err)
	require.Equal(t, strings.Repeat("ab", 32), sg["txId"])
	return sg["id"].(string), p
}

func sigBody(sig []byte) map[string]any {
	return map[string]any{"signature": base64.StdEncoding.EncodeToString(sig)}
}

func TestSignatureChecks(t *testing.T) {
	f := &fakeGateway{}
	_, ts := newTestServer(t, f)
	m, other := newMember(t, "voter"), newMember(t, "someone-else")
	id, proposal := prepareVote(t, ts, m)
	require.Equal(t, f.message, proposal)

	wrongKey := do(t, ts, "POST", "/v1/signing/"+id+"/endorse", sigBody(other.sign(t, proposal, false)))
	requireProblem(t, wrongKey, 403, "FORBIDDEN", "/signature", "signed-by-signer")
	highS := do(t, ts, "POST", "/v1/signing/"+id+"/endorse", sigBody(m.sign(t, proposal, true)))
	requireProblem(t, highS, 400, "INVALID_ARGUMENT", "/signature", "low-s")
	otherBytes := do(t, ts, "POST", "/v1/signing/"+id+"/endorse", sigBody(m.sign(t, []byte("other bytes"), false)))
	requireProblem(t, otherBytes, 403, "FORBIDDEN", "/signature", "signed-by-signer")
	rawRS := do(t, ts, "POST", "/v1/signing/"+id+"/endorse", sigBody(bytes.Repeat([]byte{7}, 64)))
	requireProblem(t, rawRS, 400, "INVALID_ARGUMENT", "/signature", "ecdsa-der")
	require.Zero(t, f.endorsed, "no refused signature reaches the gateway")

	submitEarly := do(t, ts, "POST", "/v1/signing/"+id+"/submit", sigBody(m.sign(t, f.txMessage, false)), "Idempotency-Key", "k0")
	requireProblem(t, submitEarly, 409, "FAILED_PRECONDITION", "id", "endorse-before-submit")

	ok := do(t, ts, "POST", "/v1/signing/"+id+"/endorse", sigBody(m.sign(t, proposal, false)))
	require.Equal(t, 200, ok.status, "body %v", ok.body)
	require.Equal(t, base64.StdEncoding.EncodeToString(f.txMessage), ok.body["transaction"])
	require.Equal(t, 1, f.endorsed)
	again := do(t, ts, "POST", "/v1/signing/"+id+"/endorse", sigBody(m.sign(t, proposal, false)))
	requireProblem(t, again, 409, "FAILED_PRECONDITION", "id", "endorse-once")

	wrongTx := do(t, ts, "POST", "/v1/signing/"+id+"/submit", sigBody(other.sign(t, f.txMessage, false)), "Idempotency-Key", "k1")
	requireProblem(t, wrongTx, 403, "FORBIDDEN", "/signature", "signed-by-signer")
	require.Empty(t, f.submitted)

	unknown := do(t, ts, "POST", "/v1/signing/0123456789abcdef0123456789abcdef/endorse", sigBody(m.sign(t, proposal, false)))
	requireProblem(t, unknown, 404, "NOT_FOUND", "id", "signing-session")
}

func TestEndorseRefusalCarriesChaincodeCode(t *testing.T) {
	f := &fakeGateway{endorseErr: &charter.Error{Code: charter.CodeFailedPrecondition, Message: "ballot \"b1\" is not open for voting"}}
	_, ts := newTestServer(t, f)
	m := newMember(t, "voter")
	id, proposal := prepareVote(t, ts, m)
	r := do(t, ts, "POST", "/v1/signing/"+id+"/endorse", sigBody(m.sign(t, proposal, false)))
	requireProblem(t, r, 409, "FAILED_PRECONDITION", "", "")
	require.Contains(t, r.body["detail"], "not open for voting")
}

func TestIdempotentSubmitAndJobLifecycle(t *testing.T) {
	f := &fakeGateway{}
	s, ts := newTestServer(t, f)
	m := newMember(t, "voter")
	id, proposal := prepareVote(t, ts, m)
	require.Equal(t, 200, do(t, ts, "POST", "/v1/signing/"+id+"/endorse", sigBody(m.sign(t, proposal, false))).status)

	txSig := m.sign(t, f.txMessage, false)
	first := do(t, ts, "POST", "/v1/signing/"+id+"/submit", sigBody(txSig), "Idempotency-Key", "vote-1")
	require.Equal(t, 202, first.status, "body %v", first.body)
	job := first.body["job"].(map[string]any)
	require.Equal(t, "submitted", job["status"])
	require.Equal(t, strings.Repeat("ab", 32), job["txId"])
	require.Equal(t, "/v1/jobs/"+job["id"].(string), first.header.Get("Location"))

	replay := do(t, ts, "POST", "/v1/signing/"+id+"/submit", sigBody(txSig), "Idempotency-Key", "vote-1")
	require.Equal(t, 202, replay.status)
	require.Equal(t, job["id"], replay.body["job"].(map[string]any)["id"], "a same-body replay returns the same job")

	differs := do(t, ts, "POST", "/v1/signing/"+id+"/submit", sigBody(m.sign(t, f.txMessage, false)), "Idempotency-Key", "vote-1")
	requireProblem(t, differs, 409, "CONFLICT", "Idempotency-Key", "idempotency-key-reuse")
	newKey := do(t, ts, "POST", "/v1/signing/"+id+"/submit", sigBody(txSig), "Idempotency-Key", "vote-2")
	requireProblem(t, newKey, 409, "CONFLICT", "id", "submit-once")
	require.Len(t, f.submitted, 1, "one transaction went out")

	// The listener sees the transaction committed.
	l := newTestLedger()
	l.fill(7)
	l.tx(t, strings.Repeat("ab", 32), peer.TxValidationCode_VALID)
	feed(t, s, l)
	got := do(t, ts, "GET", "/v1/jobs/"+job["id"].(string), nil)
	require.Equal(t, 200, got.status)
	require.Equal(t, "committed", got.body["status"])
	require.EqualValues(t, 8, got.body["blockHeight"])
	require.Equal(t, "8", got.header.Get(HeightHeader))

	// waitFor answers at once for a seen transaction, and times out for
	// another with a problem.
	waited := do(t, ts, "GET", "/v1/jobs/"+job["id"].(string)+"?waitFor="+strings.Repeat("ab", 32), nil)
	require.Equal(t, 200, waited.status)
	timedOut := do(t, ts, "GET", "/v1/jobs/"+job["id"].(string)+"?waitFor="+strings.Repeat("cd", 32), nil)
	requireProblem(t, timedOut, 504, "WAIT_TIMEOUT", "waitFor", "wait-for-transaction")

	missing := do(t, ts, "GET", "/v1/jobs/0123456789abcdef0123456789abcdef", nil)
	requireProblem(t, missing, 404, "NOT_FOUND", "id", "job")
}

func TestFailedJob(t *testing.T) {
	f := &fakeGateway{}
	s, ts := newTestServer(t, f)
	m := newMember(t, "voter")
	id, proposal := prepareVote(t, ts, m)
	require.Equal(t, 200, do(t, ts, "POST", "/v1/signing/"+id+"/endorse", sigBody(m.sign(t, proposal, false))).status)
	r := do(t, ts, "POST", "/v1/signing/"+id+"/submit", sigBody(m.sign(t, f.txMessage, false)), "Idempotency-Key", "x")
	require.Equal(t, 202, r.status)
	l := newTestLedger()
	l.fill(3)
	l.tx(t, strings.Repeat("ab", 32), peer.TxValidationCode_MVCC_READ_CONFLICT)
	feed(t, s, l)
	got := do(t, ts, "GET", "/v1/jobs/"+r.body["job"].(map[string]any)["id"].(string), nil)
	require.Equal(t, "failed", got.body["status"])
	require.Equal(t, "MVCC_READ_CONFLICT", got.body["code"])
}

func TestHealth(t *testing.T) {
	f := &fakeGateway{height: 12}
	s, ts := newTestServer(t, f)
	require.Equal(t, 200, do(t, ts, "GET", "/healthz", nil).status)
	require.Eventually(t, func() bool {
		started, _ := s.blocks.state()
		return started
	}, 5*time.Second, 10*time.Millisecond)
	r := do(t, ts, "GET", "/readyz", nil)
	require.Equal(t, 503, r.status, "the index is 12 blocks behind the peer: %v", r.body)
	l := newTestLedger()
	l.fill(12)
	feed(t, s, l)
	r = do(t, ts, "GET", "/readyz", nil)
	require.Equal(t, 200, r.status, "body %v", r.body)
	require.Equal(t, true, r.body["ready"])
	require.EqualValues(t, 12, r.body["peerHeight"])
	require.EqualValues(t, 0, r.body["eventLag"])
	f.mu.Lock()
	f.height = 40
	f.mu.Unlock()
	lag := do(t, ts, "GET", "/readyz", nil)
	require.Equal(t, 503, lag.status)
	require.EqualValues(t, 28, lag.body["eventLag"])
}

// testEnvelope is a bare envelope carrying txID.
func testEnvelope(t *testing.T, txID string) []byte {
	t.Helper()
	m := func(msg proto.Message) []byte {
		b, err := proto.Marshal(msg)
		require.NoError(t, err)
		return b
	}
	return m(&common.Envelope{Payload: m(&common.Payload{Header: &common.Header{ChannelHeader: m(&common.ChannelHeader{TxId: txID})}})})
}
