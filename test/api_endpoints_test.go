package test

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/identity"
	charter "github.com/charter-gov/charter/gateway-client"
	"github.com/charter-gov/charter/gateway-client/audit"
	"github.com/charter-gov/charter/internal/api"
)

// specOp is one operation of api/openapi.yaml.
type specOp struct {
	id, method, path string
	op               *openapi3.Operation
}

// successStatus is the operation's 2xx status in the spec.
func (o specOp) successStatus() int {
	for _, code := range []int{200, 201, 202, 204} {
		if o.op.Responses.Status(code) != nil {
			return code
		}
	}
	return 0
}

// loadSpec reads api/openapi.yaml as the repository has it (not the copy
// compiled into the server), its router, and every operation in it.
func loadSpec(t *testing.T) (routers.Router, []specOp) {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromFile(filepath.Join(repoRoot(), "api", "openapi.yaml"))
	require.NoError(t, err)
	require.NoError(t, doc.Validate(context.Background()))
	doc.Servers = nil // match any host
	router, err := gorillamux.NewRouter(doc)
	require.NoError(t, err)
	var ops []specOp
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			require.NotEmpty(t, op.OperationID, "%s %s has an operationId", method, path)
			ops = append(ops, specOp{id: op.OperationID, method: method, path: path, op: op})
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].id < ops[j].id })
	return router, ops
}

var registerStreamDecoders sync.Once

// apiRecorder is an http.RoundTripper that files every response under
// the spec operation its request matched and checks the response against
// the spec: its status is one the operation declares and its body has
// the declared shape (a problem body for every refusal).
type apiRecorder struct {
	base   http.RoundTripper
	router routers.Router

	mu        sync.Mutex
	hits      map[string]map[int]int
	shapeErrs []string
}

func newAPIRecorder(router routers.Router) *apiRecorder {
	registerStreamDecoders.Do(func() {
		text := func(body io.Reader, _ http.Header, _ *openapi3.SchemaRef, _ openapi3filter.EncodingFn) (any, error) {
			raw, err := io.ReadAll(body)
			return string(raw), err
		}
		for _, ct := range []string{"application/x-ndjson", "text/csv", "text/event-stream", "image/svg+xml"} {
			if openapi3filter.RegisteredBodyDecoder(ct) == nil {
				openapi3filter.RegisterBodyDecoder(ct, text)
			}
		}
	})
	return &apiRecorder{base: http.DefaultTransport, router: router, hits: map[string]map[int]int{}}
}

func (a *apiRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	res, err := a.base.RoundTrip(req)
	if err != nil {
		return res, err
	}
	route, params, ferr := a.router.FindRoute(req)
	op := "unrouted " + req.Method + " " + req.URL.Path
	if ferr == nil {
		op = route.Operation.OperationID
	}
	a.mu.Lock()
	if a.hits[op] == nil {
		a.hits[op] = map[int]int{}
	}
	a.hits[op][res.StatusCode]++
	a.mu.Unlock()
	if ferr != nil || strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		return res, nil // a live stream is read by its caller
	}
	raw, err := io.ReadAll(res.Body)
	_ = res.Body.Close()
	if err != nil {
		return nil, err
	}
	res.Body = io.NopCloser(bytes.NewReader(raw))
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}},
		Status: res.StatusCode, Header: res.Header, Body: io.NopCloser(bytes.NewReader(raw)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	var problems []string
	if verr := openapi3filter.ValidateResponse(req.Context(), in); verr != nil {
		problems = append(problems, verr.Error())
	}
	if res.StatusCode >= 400 && op != "getReadyz" { // readiness answers 503 with its own body
		var p struct {
			Type, Title, Code, Instance string
			Status                      int
		}
		if res.Header.Get("Content-Type") != "application/problem+json" || json.Unmarshal(raw, &p) != nil {
			problems = append(problems, "a refusal that is not application/problem+json: "+string(raw))
		} else if p.Status != res.StatusCode || p.Code == "" || p.Title == "" || !strings.HasPrefix(p.Type, "urn:charter:problem:") || p.Instance != req.URL.Path {
			problems = append(problems, fmt.Sprintf("an incomplete problem (status %d): %s", res.StatusCode, raw))
		}
	}
	if len(problems) > 0 {
		a.mu.Lock()
		a.shapeErrs = append(a.shapeErrs, fmt.Sprintf("%s %s → %d: %s", req.Method, req.URL.RequestURI(), res.StatusCode, strings.Join(problems, "; ")))
		a.mu.Unlock()
	}
	return res, nil
}

func (a *apiRecorder) statuses(op string) []int {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []int
	for s := range a.hits[op] {
		out = append(out, s)
	}
	sort.Ints(out)
	return out
}

// endpointCall is the answer to one request of the endpoint test.
type endpointCall struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
}

// epClient sends the endpoint test's requests through the recorder.
type epClient struct {
	t      *testing.T
	base   string
	hc     *http.Client
	c      *api.ClientWithResponses
	router routers.Router

	mu    sync.Mutex
	notes map[string][]string // per operation: what the chaincode did with its writes
}

// note records an outcome of a write of the operation method path names.
func (e *epClient) note(method, path, outcome string) {
	req, err := http.NewRequest(method, e.base+path, nil)
	if err != nil {
		return
	}
	op := method + " " + path
	if route, _, err := e.router.FindRoute(req); err == nil {
		op = route.Operation.OperationID
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if !slices.Contains(e.notes[op], outcome) {
		e.notes[op] = append(e.notes[op], outcome)
	}
}

func (e *epClient) do(t *testing.T, method, path string, body any, headers ...string) endpointCall {
	t.Helper()
	var rd io.Reader
	if body != nil {
		raw, ok := body.([]byte)
		if !ok {
			var err error
			raw, err = json.Marshal(body)
			require.NoError(t, err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctxFor(t), method, e.base+path, rd)
	require.NoError(t, err)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := e.hc.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	out := endpointCall{status: res.StatusCode, header: res.Header, raw: raw}
	if ct := res.Header.Get("Content-Type"); (ct == "application/json" || ct == "application/problem+json") && len(raw) > 0 {
		require.NoError(t, json.Unmarshal(raw, &out.body), "body %s", raw)
	}
	return out
}

// problemIs asserts a problem answer: its status, code, and the field
// and rule where given.
// clip bounds a body quoted in a failure message.
func clip(raw []byte) string {
	if len(raw) > 400 {
		return string(raw[:400]) + "…"
	}
	return string(raw)
}

func problemIs(t *testing.T, r endpointCall, status int, code, field, rule string) {
	t.Helper()
	assert.Equal(t, status, r.status, "%s", clip(r.raw))
	assert.Equal(t, "application/problem+json", r.header.Get("Content-Type"), "%s", clip(r.raw))
	assert.Equal(t, code, r.body["code"], "%s", clip(r.raw))
	if field != "" {
		assert.Equal(t, field, r.body["field"], "%s", clip(r.raw))
	}
	if rule != "" {
		assert.Equal(t, rule, r.body["rule"], "%s", clip(r.raw))
	}
	assert.NotEmpty(t, r.body["detail"], "the problem says what was wrong: %s", clip(r.raw))
}

// prepare posts a write and requires 201 with a signing session.
func (e *epClient) prepare(t *testing.T, path string, body map[string]any, k *api.KeySigner) *api.SigningResponse {
	t.Helper()
	body["signer"] = k.Signer()
	r := e.do(t, "POST", path, body)
	require.Equal(t, 201, r.status, "prepare %s: %s", path, clip(r.raw))
	var sr api.SigningResponse
	require.NoError(t, json.Unmarshal(r.raw, &sr))
	require.Regexp(t, "^[0-9a-f]{32}$", sr.Signing.Id)
	require.Regexp(t, "^[0-9a-f]{64}$", sr.Signing.TxId)
	require.NotEmpty(t, sr.Signing.Proposal, "the proposal bytes to sign")
	require.NotNil(t, sr.Signing.Transaction)
	return &sr
}

// commit drives a prepared write through its whole life: the member
// signs the proposal (200, the transaction to sign), signs the
// transaction (202, a job submitted with the transaction ID), and the job
// is committed in a block; the transaction is then found by its ID.
func (e *epClient) commit(t *testing.T, k *api.KeySigner, p *api.SigningResponse) *api.Job {
	t.Helper()
	j, _ := e.commitResult(t, k, p)
	return j
}

// commitResult is commit, with the chaincode's result of the endorsement.
func (e *epClient) commitResult(t *testing.T, k *api.KeySigner, p *api.SigningResponse) (*api.Job, map[string]any) {
	t.Helper()
	sig, err := k.Sign(p.Signing.Proposal)
	require.NoError(t, err)
	r := e.do(t, "POST", "/v1/signing/"+p.Signing.Id+"/endorse", map[string]any{"signature": sig})
	require.Equal(t, 200, r.status, "endorse %s: %s", *p.Signing.Transaction, clip(r.raw))
	var er api.EndorseResponse
	require.NoError(t, json.Unmarshal(r.raw, &er))
	require.NotEmpty(t, er.Transaction)
	sig, err = k.Sign(er.Transaction)
	require.NoError(t, err)
	r = e.do(t, "POST", "/v1/signing/"+p.Signing.Id+"/submit", map[string]any{"signature": sig}, "Idempotency-Key", "ep-"+p.Signing.TxId)
	require.Equal(t, 202, r.status, "submit %s: %s", *p.Signing.Transaction, clip(r.raw))
	var jr api.JobResponse
	require.NoError(t, json.Unmarshal(r.raw, &jr))
	assert.Equal(t, "/v1/jobs/"+jr.Job.Id, r.header.Get("Location"))
	assert.Equal(t, p.Signing.TxId, jr.Job.TxId, "the job carries the transaction's ID")
	assert.Contains(t, []api.JobStatus{"submitted", "committed"}, jr.Job.Status)
	done, err := api.AwaitJob(ctxFor(t), e.c, jr.Job.Id)
	require.NoError(t, err)
	require.Equal(t, api.JobStatus("committed"), done.Status, "job %+v", done)
	require.Equal(t, p.Signing.TxId, done.TxId)
	require.NotNil(t, done.BlockHeight)
	assert.Nil(t, done.Code)
	tx := e.do(t, "GET", "/v1/transactions/"+done.TxId, nil)
	require.Equal(t, 200, tx.status, "%s", clip(tx.raw))
	var result map[string]any
	if er.Result != nil {
		result = *er.Result
	}
	return done, result
}

// refused signs a prepared write and requires the chaincode's refusal at
// endorsement: a problem with status and code, nothing to submit.
func (e *epClient) refused(t *testing.T, k *api.KeySigner, p *api.SigningResponse, status int, code, field, rule string) {
	t.Helper()
	sig, err := k.Sign(p.Signing.Proposal)
	require.NoError(t, err)
	r := e.do(t, "POST", "/v1/signing/"+p.Signing.Id+"/endorse", map[string]any{"signature": sig})
	problemIs(t, r, status, code, field, rule)
	// Nothing was endorsed: there is nothing to submit.
	r = e.do(t, "POST", "/v1/signing/"+p.Signing.Id+"/submit", map[string]any{"signature": sig}, "Idempotency-Key", "ep-refused-"+p.Signing.TxId)
	problemIs(t, r, 409, "FAILED_PRECONDITION", "id", "endorse-before-submit")
}

// idOf is the ID the chaincode derives from a creating transaction's ID
// (a prefix letter and the first 8 bytes of its SHA-256).
func idOf(prefix, txID string) string {
	sum := sha256.Sum256([]byte(txID))
	return prefix + hex.EncodeToString(sum[:8])
}

func memberPath(id identity.Identity) string {
	return "/v1/members/" + id.MSPID + "/" + url.PathEscape(id.ID)
}

func memberRef(id identity.Identity) map[string]any {
	return map[string]any{"mspId": id.MSPID, "id": id.ID}
}

// writeCase is one write of the endpoint table: prepared as signer, then
// committed (status 0) or refused by the chaincode with status and code.
type writeCase struct {
	op     string
	path   string
	body   map[string]any
	signer *api.KeySigner
	status int
	code   string
	// prepared refused: the server reads what the write names to build it
	atPrepare bool
}

// readCase is one read of the endpoint table with its expected status,
// and for a refusal the problem's code (and field and rule where the
// spec's validation names them).
type readCase struct {
	op, path          string
	status            int
	code, field, rule string
	// keys the success body has
	keys []string
}

// noSuccessHere are operations whose success this test does not reach,
// and why; the operation's refusal is still tested here, its success by
// the test named (through the typed client on the network, or the API
// against a fake gateway).
var noSuccessHere = map[string]string{
	"getRoundResults":    "needs a closed round: a round's window is at least a minute (TestRoundEndToEnd through the client; handlers_rounds_test.go through the API)",
	"getRoundResultsCSV": "needs a closed round (TestConsoleGrantRound; handlers_rounds_test.go)",
	"closeRoundPage":     "its server reads the round to build the transaction, after the window (TestRoundEndToEnd through the client; TestConsoleGrantRound)",
	"payRound":           "its server reads the round's results to build the transaction (TestRoundEndToEnd through the client; TestConsoleGrantRound)",
	"getUpgradeStatus":   "needs a chaincode_upgrade decision (TestChaincodeUpgradeUnderTwoPersonIntegrity through the client)",
}

// refusalFieldRule: the field and rule a chaincode refusal of the write
// table names (errcode Field/Rule carried to the problem); "" is not
// compared.
var refusalFieldRule = map[string][2]string{
	"transferTokens": {"amount", ""},
}

// notTransactions are POST operations that build no transaction, so have
// no chaincode refusal row; their refusals are read-table style rows.
var notTransactions = map[string]string{
	"draftGenesis": "builds a genesis document; signs and sends nothing",
}

// noRefusal are operations that take no input a request could get wrong.
var noRefusal = map[string]string{
	"getHealthz": "takes no input: the process answers",
	"getReadyz":  "takes no input; 503 only while the index trails the peer",
}

// TestAPIEndpoints calls every operation of api/openapi.yaml on the real
// network: each answers its success status with the spec's body shape
// and refuses bad input with a problem (code, and the field and rule the
// spec's validation names); writes go through offline signing to a
// committed job, a refusal of the chaincode comes back at endorsement
// with its code and adds no block, and a transaction that fails
// validation leaves a failed job with Fabric's code. The list of
// operations is the spec's: one added without a row here fails.
func TestAPIEndpoints(t *testing.T) {
	router, ops := loadSpec(t)
	_, base, _ := apiServer(t)
	rec := newAPIRecorder(router)
	hc := &http.Client{Transport: rec}
	c, err := api.NewClientWithResponses(base, api.WithHTTPClient(hc))
	require.NoError(t, err)
	e := &epClient{t: t, base: base, hc: hc, c: c, router: router, notes: map[string][]string{}}
	require.Eventually(t, func() bool {
		r, err := c.GetReadyzWithResponse(ctxFor(t))
		return err == nil && r.StatusCode() == 200 && r.JSON200.Ready
	}, time.Minute, 100*time.Millisecond, "the API becomes ready")

	stamp := time.Now().UnixNano()
	attester := profileSigner(t, "labA-user2") // an attester in every category (the genesis)
	attesterID := profileIdentity(t, "labA-user2")
	holder := profileSigner(t, "foundation-user2") // holds the genesis allocation
	labAAdmin := profileSigner(t, "labA-admin")
	labBAdmin := profileSigner(t, "labB-admin")
	treasurer := founderSigner(t, "labA", "cap-treasurer")
	grants := founderSigner(t, "foundation", "rounds-admin")
	fresh, freshID, freshKey := apiMember(t, "labB", fmt.Sprintf("apiep-%d@labB", stamp), true)
	outsider, _, _ := apiMember(t, "labB", fmt.Sprintf("apiep-outsider-%d@labB", stamp), false)
	const nope = "ffffffffffffffff"

	// The writes that commit make the objects the reads and refusals use.
	var pollID, decisionID, incidentID, depositID, attestationID, account string
	artifactName, artifactVersion := fmt.Sprintf("apiep-corpus-%d", stamp), "1.0"
	content := []byte(fmt.Sprintf("api endpoint test %d", stamp))
	sum := sha256.Sum256(content)
	digest := hex.EncodeToString(sum[:])
	_, newID := apiMemberIdentity(t, "labA", fmt.Sprintf("apiep-reg-%d@labA", stamp))
	evidence := fmt.Sprintf("https://git.example/charter/pull/%d", stamp)
	var lastTx string

	t.Run("writes that commit", func(t *testing.T) {
		commit := func(path string, body map[string]any, k *api.KeySigner) *api.Job {
			t.Helper()
			j := e.commit(t, k, e.prepare(t, path, body, k))
			e.note("POST", path, "committed")
			lastTx = j.TxId
			return j
		}
		j := commit("/v1/polls", map[string]any{"title": "Are the endpoints all tested?", "votingPeriodSeconds": 3600}, attester)
		pollID = idOf("b", j.TxId)
		j = commit("/v1/decisions", map[string]any{"type": "policy", "title": fmt.Sprintf("Endpoint policy %d", stamp)}, attester)
		decisionID = idOf("d", j.TxId)
		commit("/v1/members", map[string]any{"member": memberRef(newID), "name": "registered through the API"}, labAAdmin)
		commit("/v1/delegations", map[string]any{"topic": "budget", "legs": []any{map[string]any{"to": memberRef(attesterID), "percent": 100}}}, fresh)
		commit("/v1/delegations/revocations", map[string]any{"topic": "budget"}, fresh)
		commit("/v1/artifacts", map[string]any{"kind": "dataset", "name": artifactName, "version": artifactVersion, "sha256": digest, "size": len(content), "licence": "CC-BY-4.0"}, fresh)
		commit("/v1/transfers", map[string]any{"to": memberRef(freshID), "amount": 1, "memo": "endpoint test"}, holder)
		j = commit("/v1/incidents", map[string]any{"kind": "refused_forged_timestamp", "severity": "low", "summary": "a forged timestamp refused by the peer", "occurredAt": time.Now().UTC().Add(-time.Minute).Format(time.RFC3339)}, labAAdmin)
		incidentID = j.TxId // an incident's ID is its filing transaction's
		commit("/v1/conflicts", map[string]any{"subject": map[string]any{"kind": "proposal", "id": pollID}, "statement": "I asked the question"}, attester)
		commit(memberPath(freshID)+"/attestations", map[string]any{"category": "documentation", "weight": 3, "evidence": evidence}, attester)
		commit(memberPath(freshID)+"/vouches", map[string]any{}, attester)
		commit("/v1/delegates/statement", map[string]any{"text": fmt.Sprintf("Open evaluations first (%d).", stamp)}, attester)

		accounts := e.do(t, "GET", "/v1/treasury/accounts", nil)
		require.Equal(t, 200, accounts.status, "%s", clip(accounts.raw))
		for _, a := range accounts.body["items"].([]any) {
			if id := a.(map[string]any)["id"].(string); id != constitution.TreasuryTokenAccount {
				account = id
				break
			}
		}
		require.NotEmpty(t, account, "an asset account: %s", clip(accounts.raw))
		j = commit("/v1/treasury/deposits", map[string]any{"account": account, "amount": 7, "reference": fmt.Sprintf("apiep-%d", stamp), "reason": "endpoint test deposit"}, treasurer)
		depositID = idOf("d", j.TxId)

		hist := e.do(t, "GET", memberPath(freshID)+"/reputation/history?waitFor="+lastTx, nil)
		require.Equal(t, 200, hist.status, "%s", clip(hist.raw))
		for _, a := range hist.body["attestations"].([]any) {
			if a.(map[string]any)["evidence"] == evidence {
				attestationID = a.(map[string]any)["id"].(string)
			}
		}
		require.NotEmpty(t, attestationID, "the attestation is in the history: %s", clip(hist.raw))
	})
	require.NotEmpty(t, lastTx, "the committing writes ran")

	t.Run("a transaction that fails validation leaves a failed job", func(t *testing.T) {
		// Two registrations of one identity, both endorsed before either is
		// ordered: both read the member's key as absent; the second to
		// commit fails validation (MVCC_READ_CONFLICT) and changes nothing.
		_, twice := apiMemberIdentity(t, "labA", fmt.Sprintf("apiep-twice-%d@labA", stamp))
		body := func() map[string]any {
			return map[string]any{"member": memberRef(twice), "name": "registered twice at once"}
		}
		var txs []string
		var sigs [][]byte
		var ps []*api.SigningResponse
		for range 2 {
			p := e.prepare(t, "/v1/members", body(), labAAdmin)
			sig, err := labAAdmin.Sign(p.Signing.Proposal)
			require.NoError(t, err)
			r := e.do(t, "POST", "/v1/signing/"+p.Signing.Id+"/endorse", map[string]any{"signature": sig})
			require.Equal(t, 200, r.status, "%s", clip(r.raw))
			var er api.EndorseResponse
			require.NoError(t, json.Unmarshal(r.raw, &er))
			sig, err = labAAdmin.Sign(er.Transaction)
			require.NoError(t, err)
			ps, sigs, txs = append(ps, p), append(sigs, sig), append(txs, p.Signing.TxId)
		}
		var jobs []*api.Job
		for i, p := range ps {
			r := e.do(t, "POST", "/v1/signing/"+p.Signing.Id+"/submit", map[string]any{"signature": sigs[i]}, "Idempotency-Key", "ep-twice-"+txs[i])
			require.Equal(t, 202, r.status, "%s", clip(r.raw))
			var jr api.JobResponse
			require.NoError(t, json.Unmarshal(r.raw, &jr))
			jobs = append(jobs, &jr.Job)
		}
		var statuses, codes []string
		for _, j := range jobs {
			done, err := api.AwaitJob(ctxFor(t), c, j.Id)
			require.NoError(t, err)
			statuses = append(statuses, string(done.Status))
			if done.Status == "failed" {
				require.NotNil(t, done.Code)
				require.NotNil(t, done.Detail)
				require.NotNil(t, done.BlockHeight, "a failed transaction is in a block too")
				codes = append(codes, *done.Code)
			}
		}
		slices.Sort(statuses)
		assert.Equal(t, []string{"committed", "failed"}, statuses)
		assert.Equal(t, []string{"MVCC_READ_CONFLICT"}, codes)
		e.note("POST", "/v1/members", "job failed: MVCC_READ_CONFLICT (a concurrent twin)")
		// The same Idempotency-Key and signature: the same job again.
		r := e.do(t, "POST", "/v1/signing/"+ps[1].Signing.Id+"/submit", map[string]any{"signature": sigs[1]}, "Idempotency-Key", "ep-twice-"+txs[1])
		require.Equal(t, 202, r.status, "%s", clip(r.raw))
		var jr api.JobResponse
		require.NoError(t, json.Unmarshal(r.raw, &jr))
		assert.Equal(t, jobs[1].Id, jr.Job.Id, "a replayed key answers its job")
	})

	t.Run("offline signing refusals", func(t *testing.T) {
		p := e.prepare(t, "/v1/delegates/statement", map[string]any{"text": "never signed"}, fresh)
		// Another member's key.
		wrong, err := attester.Sign(p.Signing.Proposal)
		require.NoError(t, err)
		problemIs(t, e.do(t, "POST", "/v1/signing/"+p.Signing.Id+"/endorse", map[string]any{"signature": wrong}), 403, "FORBIDDEN", "/signature", "signed-by-signer")
		// The member's own key, with a high S.
		problemIs(t, e.do(t, "POST", "/v1/signing/"+p.Signing.Id+"/endorse", map[string]any{"signature": highS(t, freshKey, p.Signing.Proposal)}), 400, "INVALID_ARGUMENT", "/signature", "low-s")
		// Not DER.
		problemIs(t, e.do(t, "POST", "/v1/signing/"+p.Signing.Id+"/endorse", map[string]any{"signature": []byte("r||s")}), 400, "INVALID_ARGUMENT", "/signature", "ecdsa-der")
		// Unknown sessions.
		problemIs(t, e.do(t, "POST", "/v1/signing/"+strings.Repeat("0", 32)+"/endorse", map[string]any{"signature": wrong}), 404, "NOT_FOUND", "id", "signing-session")
		problemIs(t, e.do(t, "POST", "/v1/signing/"+strings.Repeat("0", 32)+"/submit", map[string]any{"signature": wrong}, "Idempotency-Key", fmt.Sprintf("ep-none-%d", stamp)), 404, "NOT_FOUND", "id", "signing-session")
		// A submit without its Idempotency-Key.
		problemIs(t, e.do(t, "POST", "/v1/signing/"+p.Signing.Id+"/submit", map[string]any{"signature": wrong}), 400, "INVALID_ARGUMENT", "Idempotency-Key", "required")
		// Jobs and transactions nobody made.
		problemIs(t, e.do(t, "GET", "/v1/jobs/"+strings.Repeat("0", 32), nil), 404, "NOT_FOUND", "id", "job")
		unknown := e.do(t, "GET", "/v1/transactions/"+strings.Repeat("0", 64), nil)
		require.Equal(t, 200, unknown.status, "%s", clip(unknown.raw))
		assert.Equal(t, false, unknown.body["found"], "a transaction nobody sent is not found: %s", clip(unknown.raw))
		problemIs(t, e.do(t, "GET", "/v1/transactions/not-a-tx", nil), 400, "INVALID_ARGUMENT", "txId", "pattern")
	})

	t.Run("every write refuses a body without its required fields", func(t *testing.T) {
		for _, o := range ops {
			if o.method != "POST" {
				continue
			}
			path := o.path
			for _, p := range o.op.Parameters {
				if p.Value.In == "path" {
					v := "x1"
					switch p.Value.Name {
					case "mspId":
						v = "LabAMSP"
					case "sequence":
						v = "2"
					case "id":
						if strings.HasPrefix(o.path, "/v1/signing/") {
							v = strings.Repeat("0", 32)
						}
					}
					path = strings.ReplaceAll(path, "{"+p.Value.Name+"}", v)
				}
			}
			schema := o.op.RequestBody.Value.Content.Get("application/json").Schema.Value
			require.NotEmpty(t, schema.Required, "%s requires fields", o.id)
			r := e.do(t, "POST", path, map[string]any{}, "Idempotency-Key", fmt.Sprintf("ep-empty-%d", stamp))
			problemIs(t, r, 400, "INVALID_ARGUMENT", "", "required")
			assert.Contains(t, schema.Required, strings.TrimPrefix(fmt.Sprint(r.body["field"]), "/"), "%s names a required field", o.id)
		}
	})

	t.Run("writes the chaincode refuses add no block", func(t *testing.T) {
		height := settledHeight(t)
		cases := []writeCase{
			{"castVote", "/v1/ballots/b" + nope + "/votes", map[string]any{"choice": "4"}, fresh, 404, "NOT_FOUND", false},
			{"voteOnDecision", "/v1/decisions/d" + nope + "/votes", map[string]any{"house": "B", "choice": "yes"}, fresh, 404, "NOT_FOUND", false},
			{"proposeDecision", "/v1/decisions", map[string]any{"type": "policy", "title": "not a member"}, outsider, 403, "FORBIDDEN", false},
			{"registerMember", "/v1/members", map[string]any{"member": memberRef(newID), "name": "again"}, labAAdmin, 409, "CONFLICT", false},
			{"setDelegation", "/v1/delegations", map[string]any{"topic": "budget", "legs": []any{map[string]any{"to": memberRef(freshID), "percent": 100}}}, fresh, 400, "INVALID_ARGUMENT", false},
			{"revokeDelegation", "/v1/delegations/revocations", map[string]any{"topic": "roadmap"}, fresh, 404, "NOT_FOUND", false},
			{"contribute", "/v1/rounds/r" + nope + "/contributions", map[string]any{"project": "p1", "amount": 1}, fresh, 404, "NOT_FOUND", false},
			{"contributeCart", "/v1/rounds/r" + nope + "/carts", map[string]any{"lines": []any{map[string]any{"project": "p1", "amount": 1}, map[string]any{"project": "p2", "amount": 2}}}, fresh, 404, "NOT_FOUND", false},
			{"approveSpend", "/v1/treasury/spends/s" + nope + "/approvals", map[string]any{}, treasurer, 404, "NOT_FOUND", false},
			{"proposeSpend", "/v1/treasury/spends", map[string]any{"account": account, "budget": "d" + nope, "payees": []any{map[string]any{"to": memberRef(freshID), "amount": 1}}, "reason": "not the grants office"}, fresh, 403, "FORBIDDEN", false},
			{"registerArtifact", "/v1/artifacts", map[string]any{"kind": "dataset", "name": artifactName, "version": artifactVersion, "sha256": digest, "size": len(content), "licence": "CC-BY-4.0"}, fresh, 409, "CONFLICT", false},
			{"supportPause", "/v1/guardian/pauses", map[string]any{"kind": "ballot", "target": pollID, "reason": "not a guardian"}, fresh, 403, "FORBIDDEN", false},
			{"closeBallot", "/v1/ballots/" + pollID + "/close", map[string]any{}, attester, 409, "FAILED_PRECONDITION", false},
			{"concludeDecision", "/v1/decisions/" + decisionID + "/conclusion", map[string]any{}, attester, 409, "FAILED_PRECONDITION", false},
			{"executeDecision", "/v1/decisions/" + decisionID + "/execution", map[string]any{}, attester, 409, "FAILED_PRECONDITION", false},
			{"transferTokens", "/v1/transfers", map[string]any{"to": memberRef(attesterID), "amount": 1_000_000_000}, fresh, 400, "INVALID_ARGUMENT", false},
			{"applyToRound", "/v1/rounds/r" + nope + "/applications", map[string]any{"title": "t", "category": "documentation_bounties"}, fresh, 404, "NOT_FOUND", false},
			{"fileIncident", "/v1/incidents", map[string]any{"kind": "key_compromise", "severity": "high", "summary": "a plain member cannot file", "occurredAt": time.Now().UTC().Format(time.RFC3339)}, fresh, 403, "FORBIDDEN", false},
			{"appealDecision", "/v1/decisions/d" + nope + "/appeals", map[string]any{"grounds": "no such decision"}, fresh, 404, "NOT_FOUND", false},
			{"discloseConflict", "/v1/conflicts", map[string]any{"subject": map[string]any{"kind": "proposal", "id": "b" + nope}}, fresh, 400, "INVALID_ARGUMENT", false},
			{"createPoll", "/v1/polls", map[string]any{"title": "not a member's poll", "votingPeriodSeconds": 600}, outsider, 403, "FORBIDDEN", false},
			{"tallyBallot", "/v1/ballots/" + pollID + "/tally", map[string]any{}, attester, 409, "FAILED_PRECONDITION", false},
			{"queueBallot", "/v1/ballots/" + pollID + "/queue", map[string]any{}, attester, 409, "FAILED_PRECONDITION", false},
			{"executeBallot", "/v1/ballots/" + pollID + "/execution", map[string]any{}, attester, 409, "FAILED_PRECONDITION", false},
			{"cancelPoll", "/v1/ballots/" + pollID + "/cancellation", map[string]any{"reason": "not mine to cancel"}, fresh, 403, "FORBIDDEN", false},
			{"pauseBallot", "/v1/ballots/" + pollID + "/pauses", map[string]any{"reason": "not a guardian"}, fresh, 403, "FORBIDDEN", false},
			{"attestReputation", memberPath(attesterID) + "/attestations", map[string]any{"category": "documentation", "weight": 3, "evidence": evidence}, fresh, 403, "FORBIDDEN", false},
			{"revokeAttestation", memberPath(freshID) + "/attestations/" + attestationID + "/revocation", map[string]any{"reason": "not the attester"}, fresh, 403, "FORBIDDEN", false},
			{"endorseAttestation", memberPath(freshID) + "/attestations/a" + nope + "/endorsements", map[string]any{"comment": "no such attestation"}, attester, 404, "NOT_FOUND", false},
			{"vouchForMember", memberPath(freshID) + "/vouches", map[string]any{}, attester, 409, "CONFLICT", false},
			{"revokeVouch", memberPath(attesterID) + "/vouches/revocation", map[string]any{}, fresh, 404, "NOT_FOUND", false},
			{"depositToTreasury", "/v1/treasury/deposits", map[string]any{"account": account, "amount": 7, "reference": "r", "reason": "not a treasurer"}, fresh, 403, "FORBIDDEN", false},
			{"confirmDeposit", "/v1/treasury/deposits/" + depositID + "/confirmation", map[string]any{}, treasurer, 403, "FORBIDDEN", false},
			{"executeSpend", "/v1/treasury/spends/s" + nope + "/execution", map[string]any{}, treasurer, 404, "NOT_FOUND", false},
			{"cancelSpend", "/v1/treasury/spends/s" + nope + "/cancellation", map[string]any{"reason": "no such spend"}, treasurer, 404, "NOT_FOUND", false},
			{"attestArtifact", "/v1/artifacts/" + artifactName + "/" + artifactVersion + "/attestations", map[string]any{"type": "licence_review", "approved": true}, fresh, 403, "FORBIDDEN", false},
			{"discloseGuardianPause", "/v1/guardian/disclosures", map[string]any{"target": map[string]any{"kind": "ballot", "id": pollID}, "seq": 1, "text": "no such pause"}, fresh, 404, "NOT_FOUND", false},
			{"recordMissedDisclosure", "/v1/guardian/missed-disclosures", map[string]any{"target": map[string]any{"kind": "ballot", "id": pollID}, "seq": 1}, fresh, 404, "NOT_FOUND", false},
			{"attachPostMortem", "/v1/incidents/" + incidentID + "/post-mortem", map[string]any{"postMortem": "https://example.org/post-mortem"}, fresh, 403, "FORBIDDEN", false},
			{"recordFailedExecution", "/v1/decisions/" + decisionID + "/failed-execution", map[string]any{}, attester, 409, "FAILED_PRECONDITION", false},
			{"updateMember", memberPath(newID) + "/update", map[string]any{"name": "renamed by another organisation"}, labBAdmin, 403, "FORBIDDEN", false},
			{"removeMember", memberPath(newID) + "/removal", map[string]any{"reason": "not mine"}, labBAdmin, 403, "FORBIDDEN", false},
			{"proposeGenesis", "/v1/genesis/proposals", map[string]any{"genesis": map[string]any{"founders": []string{"LabAMSP"}, "constitution": map[string]any{}, "members": []any{}}}, labAAdmin, 403, "FORBIDDEN", false},
			{"approveGenesis", "/v1/genesis/approvals", map[string]any{"hash": strings.Repeat("0", 64)}, labAAdmin, 409, "CONFLICT", false},
			{"signOffUpgrade", "/v1/upgrades/2/signoffs", map[string]any{"digest": strings.Repeat("0", 64)}, labAAdmin, 403, "FORBIDDEN", false},
			{"setDelegateStatement", "/v1/delegates/statement", map[string]any{"text": strings.Repeat("\u0007", 3)}, fresh, 400, "INVALID_ARGUMENT", false},
			{"openRound", "/v1/rounds", map[string]any{"title": "a round without a budget", "categories": []string{"compute_credits"}, "rule": map[string]any{"kind": "org_grouped"}, "pool": 10, "budgetDecision": "d" + nope,
				"opensAt": time.Now().UTC().Add(time.Minute).Format(time.RFC3339), "closesAt": time.Now().UTC().Add(time.Hour).Format(time.RFC3339)}, grants, 409, "FAILED_PRECONDITION", false},
			{"acceptProject", "/v1/rounds/r" + nope + "/acceptances", map[string]any{"project": "p1"}, grants, 404, "NOT_FOUND", true},
			{"closeRoundPage", "/v1/rounds/r" + nope + "/close", map[string]any{}, grants, 404, "NOT_FOUND", true},
			{"payRound", "/v1/rounds/r" + nope + "/payout", map[string]any{}, grants, 404, "NOT_FOUND", true},
		}
		seen := map[string]bool{}
		for _, w := range cases {
			seen[w.op] = true
			t.Run(w.op, func(t *testing.T) {
				if w.atPrepare {
					w.body["signer"] = w.signer.Signer()
					problemIs(t, e.do(t, "POST", w.path, w.body), w.status, w.code, "", "")
					e.note("POST", w.path, fmt.Sprintf("refused at prepare: %d %s", w.status, w.code))
					return
				}
				fr := refusalFieldRule[w.op]
				e.refused(t, w.signer, e.prepare(t, w.path, w.body, w.signer), w.status, w.code, fr[0], fr[1])
				e.note("POST", w.path, fmt.Sprintf("refused at endorsement: %d %s", w.status, w.code))
			})
		}
		for _, o := range ops {
			if _, ok := notTransactions[o.id]; ok {
				continue
			}
			if o.method == "POST" && !strings.HasPrefix(o.path, "/v1/signing/") {
				assert.True(t, seen[o.id], "write %s (%s %s) has a chaincode refusal row", o.id, o.method, o.path)
			}
		}
		assert.Equal(t, height, chainHeight(t, net.client(t, "labA-user1")), "the refused writes added no block")
	})

	// A funded round and a spend: a budget decision voted and executed
	// (half a minute of voting), then the round's and the spend's writes.
	var budgetID, roundID, spendID string
	t.Run("a funded round and a spend", func(t *testing.T) {
		ctx := ctxFor(t)
		budgetID = executedBudget(t, ctx, 1000, stamp)
		commit := func(path string, body map[string]any, k *api.KeySigner) map[string]any {
			t.Helper()
			_, res := e.commitResult(t, k, e.prepare(t, path, body, k))
			e.note("POST", path, "committed")
			return res
		}
		opens := time.Now().UTC().Add(2 * testSkew)
		res := commit("/v1/rounds", map[string]any{"title": fmt.Sprintf("Endpoint round %d", stamp), "categories": []string{"evaluation_grants"}, "rule": map[string]any{"kind": "org_grouped"}, "pool": 100, "budgetDecision": budgetID,
			"opensAt": opens.Format(time.RFC3339), "closesAt": opens.Add(10 * time.Minute).Format(time.RFC3339)}, grants)
		roundID, _ = res["id"].(string)
		require.NotEmpty(t, roundID, "the round's ID in the endorsement's result: %v", res)
		res = commit("/v1/rounds/"+roundID+"/applications", map[string]any{"title": "an evaluation suite", "category": "evaluation_grants"}, fresh)
		project, _ := res["id"].(string)
		require.NotEmpty(t, project, "the project's ID in the endorsement's result: %v", res)
		settledHeight(t) // every peer has the application before the administrator's gateway endorses
		commit("/v1/rounds/"+roundID+"/acceptances", map[string]any{"project": project}, grants)

		res = commit("/v1/treasury/spends", map[string]any{"account": constitution.TreasuryTokenAccount, "budget": budgetID, "payees": []any{map[string]any{"to": memberRef(freshID), "amount": 1}}, "reason": "an endpoint test's spend"}, grants)
		spendID, _ = res["id"].(string)
		require.NotEmpty(t, spendID, "the spend's ID in the endorsement's result: %v", res)
		commit("/v1/treasury/spends/"+spendID+"/approvals", map[string]any{}, treasurer)
	})
	t.Run("reads", func(t *testing.T) {
		// The index has every block the writes above made.
		indexCaughtUp(t, c)
		m, mNew, att := memberPath(freshID), memberPath(newID), memberPath(attesterID)
		art := "/v1/artifacts/" + artifactName + "/" + artifactVersion
		_, nobodyID := apiMemberIdentity(t, "labA", fmt.Sprintf("apiep-nobody-%d@labA", stamp))
		nobody := memberPath(nobodyID)
		badWait := "?waitFor=not-a-transaction"
		cases := []readCase{
			{op: "getHealthz", path: "/healthz", status: 200, keys: []string{"status"}},
			{op: "getReadyz", path: "/readyz", status: 200, keys: []string{"ready", "peerReachable", "eventLag"}},
			{op: "listBallots", path: "/v1/ballots?limit=2", status: 200, keys: []string{"items"}},
			{op: "listBallots", path: "/v1/ballots?cursor=AAAA", status: 400, code: "INVALID_ARGUMENT", field: "cursor", rule: "opaque-cursor"},
			{op: "getBallot", path: "/v1/ballots/" + pollID, status: 200, keys: []string{"id", "status"}},
			{op: "getBallot", path: "/v1/ballots/b" + nope, status: 404, code: "NOT_FOUND"},
			{op: "getBallotResults", path: "/v1/ballots/" + pollID + "/results", status: 200},
			{op: "getBallotResults", path: "/v1/ballots/b" + nope + "/results", status: 404, code: "NOT_FOUND"},
			{op: "streamBallotResults", path: "/v1/ballots/b" + nope + "/results/stream", status: 404, code: "NOT_FOUND"},
			{op: "listDecisions", path: "/v1/decisions?limit=2", status: 200, keys: []string{"items"}},
			{op: "listDecisions", path: "/v1/decisions?limit=0", status: 400, code: "INVALID_ARGUMENT", field: "limit", rule: "minimum"},
			{op: "getDecision", path: "/v1/decisions/" + decisionID, status: 200, keys: []string{"type", "status"}},
			{op: "getDecision", path: "/v1/decisions/d" + nope, status: 404, code: "NOT_FOUND"},
			{op: "listMembers", path: "/v1/members?mspId=LabBMSP&limit=3", status: 200, keys: []string{"items"}},
			{op: "listMembers", path: "/v1/members?limit=1001", status: 400, code: "INVALID_ARGUMENT", field: "limit", rule: "maximum"},
			{op: "getMember", path: mNew, status: 200, keys: []string{"name"}},
			{op: "getMember", path: nobody, status: 404, code: "NOT_FOUND"},
			{op: "listMemberDelegations", path: m + "/delegations", status: 200, keys: []string{"items"}},
			{op: "listMemberDelegations", path: m + "/delegations" + badWait, status: 400, code: "INVALID_ARGUMENT", field: "waitFor", rule: "pattern"},
			{op: "getMemberReputation", path: m + "/reputation", status: 200},
			{op: "getMemberReputation", path: m + "/reputation?categories=alchemy", status: 400, code: "INVALID_ARGUMENT", field: "categories"},
			{op: "getMemberBalance", path: m + "/balance", status: 200},
			{op: "getMemberBalance", path: m + "/balance?at=yesterday", status: 400, code: "INVALID_ARGUMENT", field: "at"},
			{op: "getConstitution", path: "/v1/constitution", status: 200, keys: []string{"document"}},
			{op: "getConstitution", path: "/v1/constitution" + badWait, status: 400, code: "INVALID_ARGUMENT", field: "waitFor", rule: "pattern"},
			{op: "listConstitutionVersions", path: "/v1/constitution/versions", status: 200, keys: []string{"items"}},
			{op: "listConstitutionVersions", path: "/v1/constitution/versions" + badWait, status: 400, code: "INVALID_ARGUMENT", field: "waitFor", rule: "pattern"},
			{op: "getRound", path: "/v1/rounds/r" + nope, status: 404, code: "NOT_FOUND"},
			{op: "listRoundProjects", path: "/v1/rounds/r" + nope + "/projects", status: 404, code: "NOT_FOUND"},
			{op: "getRoundEstimate", path: "/v1/rounds/r" + nope + "/estimate", status: 404, code: "NOT_FOUND"},
			{op: "getRoundResults", path: "/v1/rounds/r" + nope + "/results", status: 404, code: "NOT_FOUND"},
			{op: "getRoundResultsCSV", path: "/v1/rounds/r" + nope + "/results.csv", status: 404, code: "NOT_FOUND"},
			{op: "listTreasuryAccounts", path: "/v1/treasury/accounts", status: 200, keys: []string{"items"}},
			{op: "listTreasuryAccounts", path: "/v1/treasury/accounts" + badWait, status: 400, code: "INVALID_ARGUMENT", field: "waitFor", rule: "pattern"},
			{op: "listSpends", path: "/v1/treasury/spends?limit=5", status: 200, keys: []string{"items"}},
			{op: "listSpends", path: "/v1/treasury/spends?cursor=AAAA", status: 400, code: "INVALID_ARGUMENT", field: "cursor", rule: "opaque-cursor"},
			{op: "listSpendApprovals", path: "/v1/treasury/spends/s" + nope + "/approvals", status: 200, keys: []string{"items"}},
			{op: "listSpendApprovals", path: "/v1/treasury/spends/s" + nope + "/approvals" + badWait, status: 400, code: "INVALID_ARGUMENT", field: "waitFor", rule: "pattern"},
			{op: "listArtifacts", path: "/v1/artifacts?name=" + artifactName, status: 200, keys: []string{"items"}},
			{op: "listArtifacts", path: "/v1/artifacts?cursor=AAAA", status: 400, code: "INVALID_ARGUMENT", field: "cursor", rule: "opaque-cursor"},
			{op: "getArtifact", path: art, status: 200},
			{op: "getArtifact", path: "/v1/artifacts/" + artifactName + "/9.9", status: 404, code: "NOT_FOUND"},
			{op: "getGuardianStatus", path: "/v1/guardian/status?kind=ballot&target=" + pollID, status: 200},
			{op: "getGuardianStatus", path: "/v1/guardian/status?kind=castle&target=" + pollID, status: 400, code: "INVALID_ARGUMENT", field: "kind", rule: "enum"},
			{op: "streamAuditBlocks", path: "/v1/audit/blocks?from=0&to=1", status: 200},
			{op: "streamAuditBlocks", path: "/v1/audit/blocks?from=5&to=1", status: 400, code: "INVALID_ARGUMENT", field: "from", rule: "from-le-to"},
			{op: "streamAuditTransactions", path: "/v1/audit/transactions?from=0&to=1", status: 200},
			{op: "streamAuditTransactions", path: "/v1/audit/transactions?from=5&to=1", status: 400, code: "INVALID_ARGUMENT", field: "from", rule: "from-le-to"},
			{op: "getMemberEligibility", path: att + "/eligibility", status: 200},
			{op: "getMemberEligibility", path: nobody + "/eligibility", status: 404, code: "NOT_FOUND"},
			{op: "listTreasuryMovements", path: "/v1/treasury/accounts/" + account + "/movements", status: 200, keys: []string{"items"}},
			{op: "listTreasuryMovements", path: "/v1/treasury/accounts/" + account + "/movements?cursor=AAAA", status: 400, code: "INVALID_ARGUMENT", field: "cursor", rule: "opaque-cursor"},
			{op: "listIncidents", path: "/v1/incidents?limit=2", status: 200, keys: []string{"items"}},
			{op: "listIncidents", path: "/v1/incidents?kind=rumour", status: 400, code: "INVALID_ARGUMENT", field: "kind", rule: "enum"},
			{op: "listDecisionAppellants", path: "/v1/decisions/" + decisionID + "/appellants", status: 200, keys: []string{"items"}},
			{op: "listDecisionAppellants", path: "/v1/decisions/" + decisionID + "/appellants" + badWait, status: 400, code: "INVALID_ARGUMENT", field: "waitFor", rule: "pattern"},
			{op: "listConflicts", path: "/v1/conflicts?subjectKind=proposal&subjectId=" + pollID, status: 200, keys: []string{"items"}},
			{op: "listConflicts", path: "/v1/conflicts?subjectKind=grudge&subjectId=" + pollID, status: 400, code: "INVALID_ARGUMENT", field: "subjectKind", rule: "enum"},
			{op: "listPauseSupports", path: "/v1/ballots/" + pollID + "/pause-supports", status: 200, keys: []string{"items"}},
			{op: "listPauseSupports", path: "/v1/ballots/b" + nope + "/pause-supports", status: 404, code: "NOT_FOUND"},
			{op: "getReputationHistory", path: m + "/reputation/history", status: 200, keys: []string{"attestations"}},
			{op: "getReputationHistory", path: m + "/reputation/history" + badWait, status: 400, code: "INVALID_ARGUMENT", field: "waitFor", rule: "pattern"},
			{op: "listVouches", path: m + "/vouches", status: 200, keys: []string{"items"}},
			{op: "listVouches", path: m + "/vouches" + badWait, status: 400, code: "INVALID_ARGUMENT", field: "waitFor", rule: "pattern"},
			{op: "getTokenHistory", path: m + "/balance/history", status: 200},
			{op: "getTokenHistory", path: m + "/balance/history?limit=0", status: 400, code: "INVALID_ARGUMENT", field: "limit", rule: "minimum"},
			{op: "getTokenSupply", path: "/v1/tokens/supply", status: 200, keys: []string{"supply"}},
			{op: "getTokenSupply", path: "/v1/tokens/supply" + badWait, status: 400, code: "INVALID_ARGUMENT", field: "waitFor", rule: "pattern"},
			{op: "listTokenAccounts", path: "/v1/tokens/accounts?limit=1", status: 200, keys: []string{"items"}},
			{op: "listTokenAccounts", path: "/v1/tokens/accounts?cursor=AAAA", status: 400, code: "INVALID_ARGUMENT", field: "cursor", rule: "opaque-cursor"},
			{op: "listDeposits", path: "/v1/treasury/deposits?limit=2", status: 200, keys: []string{"items"}},
			{op: "listDeposits", path: "/v1/treasury/deposits?cursor=AAAA", status: 400, code: "INVALID_ARGUMENT", field: "cursor", rule: "opaque-cursor"},
			{op: "getDeposit", path: "/v1/treasury/deposits/" + depositID, status: 200, keys: []string{"status"}},
			{op: "getDeposit", path: "/v1/treasury/deposits/d" + nope, status: 404, code: "NOT_FOUND"},
			{op: "getSpend", path: "/v1/treasury/spends/s" + nope, status: 404, code: "NOT_FOUND"},
			{op: "getBudget", path: "/v1/treasury/budgets/d" + nope, status: 404, code: "NOT_FOUND"},
			{op: "getTreasuryUsage", path: "/v1/treasury/accounts/" + account + "/usage", status: 200},
			{op: "getTreasuryUsage", path: "/v1/treasury/accounts/" + account + "/usage?at=soon", status: 400, code: "INVALID_ARGUMENT", field: "at"},
			{op: "getArtifactAttestations", path: art + "/attestations", status: 200},
			{op: "getArtifactAttestations", path: "/v1/artifacts/" + artifactName + "/9.9/attestations", status: 404, code: "NOT_FOUND"},
			{op: "getArtifactLineage", path: art + "/lineage", status: 200},
			{op: "getArtifactLineage", path: "/v1/artifacts/" + artifactName + "/9.9/lineage", status: 404, code: "NOT_FOUND"},
			{op: "verifyArtifact", path: fmt.Sprintf("%s/verification?sha256=%s&size=%d", art, digest, len(content)), status: 200, keys: []string{"registered", "matches"}},
			{op: "verifyArtifact", path: art + "/verification?sha256=XYZ", status: 400, code: "INVALID_ARGUMENT", field: "sha256", rule: "pattern"},
			{op: "listGuardianIncidents", path: "/v1/guardian/incidents?limit=2", status: 200, keys: []string{"items"}},
			{op: "listGuardianIncidents", path: "/v1/guardian/incidents?cursor=AAAA", status: 400, code: "INVALID_ARGUMENT", field: "cursor", rule: "opaque-cursor"},
			{op: "getIncident", path: "/v1/incidents/" + incidentID, status: 200, keys: []string{"kind"}},
			{op: "getIncident", path: "/v1/incidents/i" + nope, status: 404, code: "NOT_FOUND"},
			{op: "getGenesis", path: "/v1/genesis", status: 200},
			{op: "whoami", path: "/v1/whoami", status: 200, keys: []string{"source", "identity", "orgAdmin"}},
			{op: "whoami", path: "/v1/whoami?mspId=LabAMSP", status: 400, code: "INVALID_ARGUMENT", field: "mspId", rule: "mtls-only"},
			{op: "exportArtifactInToto", path: art + "/export", status: 200},
			{op: "exportArtifactInToto", path: "/v1/artifacts/" + artifactName + "/9.9/export", status: 404, code: "NOT_FOUND"},
			{op: "getGenesis", path: "/v1/genesis" + badWait, status: 400, code: "INVALID_ARGUMENT", field: "waitFor", rule: "pattern"},
			{op: "getBuild", path: "/v1/build", status: 200},
			{op: "getBuild", path: "/v1/build" + badWait, status: 400, code: "INVALID_ARGUMENT", field: "waitFor", rule: "pattern"},
			{op: "getUpgradeStatus", path: "/v1/upgrades/2", status: 404, code: "NOT_FOUND"},
			{op: "getUpgradeStatus", path: "/v1/upgrades/0", status: 400, code: "INVALID_ARGUMENT", field: "sequence", rule: "minimum"},
			{op: "getMetrics", path: "/v1/metrics?family=token", status: 200, keys: []string{"families", "all"}},
			{op: "getMetrics", path: "/v1/metrics?from=2030-01-01T00:00:00Z&to=2029-01-01T00:00:00Z", status: 400, code: "INVALID_ARGUMENT", rule: "from-before-to"},
			{op: "getDelegateStatement", path: att + "/statement", status: 200, keys: []string{"text"}},
			{op: "getDelegateStatement", path: m + "/statement", status: 404, code: "NOT_FOUND"},
			{op: "getConstitutionVersion", path: "/v1/constitution/versions/1", status: 200},
			{op: "getConstitutionVersion", path: "/v1/constitution/versions/9999", status: 404, code: "NOT_FOUND"},
			{op: "getDefaultConstitution", path: "/v1/constitution/default", status: 200},
			{op: "getDefaultConstitution", path: "/v1/constitution/default" + badWait, status: 400, code: "INVALID_ARGUMENT", field: "waitFor", rule: "pattern"},
			{op: "getConstitutionDiff", path: "/v1/constitution/diff?from=1&to=1", status: 200},
			{op: "getConstitutionDiff", path: "/v1/constitution/diff?from=1", status: 400, code: "INVALID_ARGUMENT", field: "to", rule: "required"},
			{op: "listEligibleMembers", path: "/v1/eligibility?mspId=LabAMSP&limit=2", status: 200, keys: []string{"items"}},
			{op: "listEligibleMembers", path: "/v1/eligibility?mspId=LabAMSP&cursor=AAAA", status: 400, code: "INVALID_ARGUMENT", field: "cursor", rule: "opaque-cursor"},
			{op: "getJob", path: "/v1/jobs/" + strings.Repeat("0", 32), status: 404, code: "NOT_FOUND"},
			{op: "getMetricsChart", path: "/v1/metrics/chart.svg?family=token", status: 200},
			{op: "getMetricsChart", path: "/v1/metrics/chart.svg?from=2030-01-01T00:00:00Z&to=2029-01-01T00:00:00Z", status: 400, code: "INVALID_ARGUMENT", field: "from", rule: "from-before-to"},
			{op: "streamEvents", path: "/v1/events?fromBlock=0&limit=3", status: 200},
			{op: "streamEvents", path: "/v1/events?after=1.0&fromBlock=2", status: 400, code: "INVALID_ARGUMENT", field: "fromBlock", rule: "from-block-or-after"},
			{op: "streamEvents", path: "/v1/events?alert=1&limit=3", status: 200},
			{op: "streamEvents", path: "/v1/events?alert=0", status: 400, code: "INVALID_ARGUMENT", field: "alert", rule: "range"},
			{op: "exportAudit", path: "/v1/audit/export?fromBlock=5&toBlock=4", status: 400, code: "INVALID_ARGUMENT", field: "toBlock", rule: "from-le-to"},
		}
		if roundID != "" && spendID != "" { // else the subtest above failed
			cases = append(cases,
				readCase{op: "getRound", path: "/v1/rounds/" + roundID, status: 200, keys: []string{"id"}},
				readCase{op: "listRoundProjects", path: "/v1/rounds/" + roundID + "/projects", status: 200, keys: []string{"items"}},
				readCase{op: "getRoundEstimate", path: "/v1/rounds/" + roundID + "/estimate", status: 200},
				readCase{op: "getBudget", path: "/v1/treasury/budgets/" + budgetID, status: 200},
				readCase{op: "getSpend", path: "/v1/treasury/spends/" + spendID, status: 200, keys: []string{"id"}},
				readCase{op: "listSpendApprovals", path: "/v1/treasury/spends/" + spendID + "/approvals", status: 200, keys: []string{"items"}})
		}
		for _, rc := range cases {
			t.Run(rc.op+" "+fmt.Sprint(rc.status), func(t *testing.T) {
				r := e.do(t, "GET", rc.path, nil)
				if rc.status >= 400 {
					problemIs(t, r, rc.status, rc.code, rc.field, rc.rule)
					if rc.status == 404 {
						// an unknown ID names the path parameter (or the
						// chaincode's own field) and the rule it broke
						assert.NotEmpty(t, r.body["field"], "%s: %s", rc.path, clip(r.raw))
						assert.NotEmpty(t, r.body["rule"], "%s: %s", rc.path, clip(r.raw))
					}
					return
				}
				require.Equal(t, rc.status, r.status, "%s: %s", rc.path, clip(r.raw))
				if strings.HasPrefix(rc.path, "/v1/") {
					assert.NotEmpty(t, r.header.Get(api.HeightHeader), "a read says the block height it reflects")
				}
				for _, k := range rc.keys {
					assert.Contains(t, r.body, k, "%s: %s", rc.path, clip(r.raw))
				}
			})
		}

		t.Run("draftGenesis", func(t *testing.T) {
			body := map[string]any{"founders": []any{"LabAMSP", "LabBMSP"},
				"members": []any{map[string]any{"member": memberRef(attesterID), "name": "Ada", "roles": []any{"house_a"}}}}
			r := e.do(t, "POST", "/v1/genesis/draft", body)
			require.Equal(t, 200, r.status, clip(r.raw))
			assert.Regexp(t, "^[0-9a-f]{64}$", r.body["hash"])
			body["periodsFor"] = []any{"budget"}
			problemIs(t, e.do(t, "POST", "/v1/genesis/draft", body), 400, "INVALID_ARGUMENT", "/periodsFor", "with-periods")
		})

		t.Run("streamEvents as WatchEvents", func(t *testing.T) {
			// The endpoint's events are the ones the CLI's watch
			// (fabric-gateway chaincode events) delivers from the same block.
			reader := net.client(t, "labA-user1")
			h := chainHeight(t, reader)
			from := uint64(0)
			if h > 40 {
				from = h - 40
			}
			r := e.do(t, "GET", fmt.Sprintf("/v1/events?fromBlock=%d&limit=50", from), nil)
			require.Equal(t, 200, r.status, "%s", clip(r.raw))
			var got []string
			for _, line := range strings.Split(strings.TrimSpace(string(r.raw)), "\n") {
				var ev struct{ Cursor, TxID, Name string }
				require.NoError(t, json.Unmarshal([]byte(line), &ev), line)
				got = append(got, ev.TxID+" "+ev.Name)
			}
			require.NotEmpty(t, got, "the writes above emitted events")
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()
			evs, err := reader.WatchEvents(ctx, charter.WatchOptions{StartBlock: &from})
			require.NoError(t, err)
			var want []string
			for ev := range evs {
				want = append(want, ev.TxID+" "+ev.Name)
				if len(want) == len(got) {
					break
				}
			}
			require.Equal(t, want, got)
		})

		t.Run("streamEvents alert: the spend is a treasury alert", func(t *testing.T) {
			require.NotEmpty(t, spendID, "the spend subtest above proposed a spend")
			// The spend of 1 proposed above: an alert at 1, none at 2.
			spendAlerts := func(amount int) []map[string]any {
				r := e.do(t, "GET", fmt.Sprintf("/v1/events?alert=%d&limit=1000", amount), nil)
				require.Equal(t, 200, r.status, "%s", clip(r.raw))
				var out []map[string]any
				for _, line := range strings.Split(strings.TrimSpace(string(r.raw)), "\n") {
					if line == "" {
						continue
					}
					var ev struct {
						Cursor string         `json:"cursor"`
						Alert  map[string]any `json:"alert"`
					}
					require.NoError(t, json.Unmarshal([]byte(line), &ev), line)
					require.NotNil(t, ev.Alert, "every line of ?alert= carries its alert: %s", line)
					if ev.Alert["spend"] == spendID {
						out = append(out, ev.Alert)
					}
				}
				return out
			}
			got := spendAlerts(1)
			require.NotEmpty(t, got, "the spend's events are alerts at 1")
			assert.Equal(t, "treasury.spend_queued", got[0]["event"], "a spend against an open budget is queued at its proposal")
			assert.EqualValues(t, 1, got[0]["amount"])
			assert.Equal(t, []any{"1 ≥ the alert amount 1"}, got[0]["why"])
			assert.Empty(t, spendAlerts(2), "a spend of 1 is no alert at 2")
		})

		t.Run("exportAudit 200 verifies", func(t *testing.T) {
			// A bounded export (blocks 0..150 at most) through the endpoint,
			// unpacked and verified as `charter audit verify` does.
			h := chainHeight(t, net.client(t, "labA-user1"))
			last := min(h-1, 150)
			r := e.do(t, "GET", fmt.Sprintf("/v1/audit/export?toBlock=%d", last), nil)
			require.Equal(t, 200, r.status, "%s", clip(r.raw))
			dir := t.TempDir()
			tr := tar.NewReader(bytes.NewReader(r.raw))
			for {
				hd, err := tr.Next()
				if err == io.EOF {
					break
				}
				require.NoError(t, err)
				raw, err := io.ReadAll(tr)
				require.NoError(t, err)
				require.NoError(t, os.WriteFile(filepath.Join(dir, filepath.Base(hd.Name)), raw, 0o644))
			}
			rep, err := audit.Verify(dir, audit.VerifyOptions{})
			require.NoError(t, err, "charter audit verify accepts the endpoint's export")
			assert.Equal(t, int(last+1), rep.Blocks)
			assert.NotEmpty(t, rep.PeersMatched)
		})

		t.Run("streamBallotResults 200", func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()
			req, err := http.NewRequestWithContext(ctx, "GET", base+"/v1/ballots/"+pollID+"/results/stream", nil)
			require.NoError(t, err)
			res, err := hc.Do(req)
			require.NoError(t, err)
			defer res.Body.Close()
			require.Equal(t, 200, res.StatusCode)
			assert.Equal(t, "text/event-stream", strings.Split(res.Header.Get("Content-Type"), ";")[0])
			buf := make([]byte, 4096)
			n, err := res.Body.Read(buf)
			require.NoError(t, err)
			assert.Contains(t, string(buf[:n]), "data:", "the first event: the results now")
		})
	})

	t.Run("every operation answered its success and a refusal", func(t *testing.T) {
		inSpec := map[string]bool{}
		var table []string
		for _, o := range ops {
			inSpec[o.id] = true
			got := rec.statuses(o.id)
			want := o.successStatus()
			if _, ok := noSuccessHere[o.id]; !ok {
				assert.Contains(t, got, want, "%s %s %s answered %d on the network (or has a noSuccessHere row saying why not)", o.id, o.method, o.path, want)
			}
			refusal := slices.ContainsFunc(got, func(s int) bool { return s >= 400 })
			if _, ok := noRefusal[o.id]; !ok {
				assert.True(t, refusal, "%s %s %s refused a request with a problem", o.id, o.method, o.path)
			}
			e.mu.Lock()
			notes := strings.Join(e.notes[o.id], "; ")
			e.mu.Unlock()
			if why, ok := noSuccessHere[o.id]; ok {
				notes = strings.TrimPrefix(notes+"; success not reached here: "+why, "; ")
			}
			var codes []string
			for _, s := range got {
				codes = append(codes, fmt.Sprint(s))
			}
			table = append(table, fmt.Sprintf("| `%s %s` | %s | %s | %s |", strings.ToUpper(o.method), o.path, o.id, strings.Join(codes, ", "), notes))
		}
		for id := range noSuccessHere {
			assert.True(t, inSpec[id], "noSuccessHere names %s, which the spec does not have", id)
		}
		for id := range noRefusal {
			assert.True(t, inSpec[id], "noRefusal names %s, which the spec does not have", id)
		}
		rec.mu.Lock()
		for op := range rec.hits {
			assert.True(t, inSpec[op], "a request matched no operation of the spec: %s", op)
		}
		assert.Empty(t, rec.shapeErrs, "responses the spec does not describe")
		rec.mu.Unlock()
		t.Logf("endpoint → statuses seen:\n%s", strings.Join(table, "\n"))
	})
}
