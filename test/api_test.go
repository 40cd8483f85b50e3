package test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/asn1"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	gwid "github.com/hyperledger/fabric-gateway/pkg/identity"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/ballot"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/membership"
	charter "github.com/charter-gov/charter/gateway-client"
	"github.com/charter-gov/charter/internal/api"
)

// apiServer runs the HTTP API in-process against the network, reading as
// labA-user1, and returns its generated client and base URL.
func apiServer(t *testing.T) (*api.ClientWithResponses, string, *api.Server) {
	t.Helper()
	cfg, err := net.profiles.Config("labA-user1")
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	c, err := charter.Connect(ctx, cfg)
	require.NoError(t, err)
	srv, err := api.NewServer(api.Options{Gateway: api.ClientGateway{Client: c, MSPID: cfg.MSPID}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NoError(t, err)
	runCtx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); srv.Run(runCtx) }()
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		ts.Close()
		stop()
		<-done
		_ = srv.Close() // the index's temporary state directory
		_ = c.Close()
	})
	client, err := api.NewClientWithResponses(ts.URL)
	require.NoError(t, err)
	return client, ts.URL, srv
}

// apiMember issues and registers a member of org and returns its signer.
func apiMember(t *testing.T, org, cn string, register bool) (*api.KeySigner, identity.Identity, string) {
	t.Helper()
	certPath, keyPath := issueClientCert(t, org, cn, t.TempDir())
	cfg, err := net.profiles.Config(org + "-user1")
	require.NoError(t, err)
	pemBytes, err := os.ReadFile(certPath)
	require.NoError(t, err)
	id, err := identity.FromPEM(cfg.MSPID, pemBytes)
	require.NoError(t, err)
	if register {
		_, err = net.client(t, org+"-admin").RegisterMember(ctxFor(t), membership.RegisterRequest{Member: id, Name: cn})
		require.NoError(t, err)
	}
	k, err := api.LoadKeySigner(cfg.MSPID, certPath, keyPath)
	require.NoError(t, err)
	return k, id, keyPath
}

func httpJSON(t *testing.T, method, url string, body any, headers ...string) (int, http.Header, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		require.NoError(t, err)
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctxFor(t), method, url, rd)
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	var out map[string]any
	if len(raw) > 0 {
		require.NoError(t, json.Unmarshal(raw, &out), "body %s", raw)
	}
	return res.StatusCode, res.Header, out
}

// highS re-signs msg with key and flips S to N−S: valid ECDSA, refused by
// Fabric and by the API.
func highS(t *testing.T, keyPath string, msg []byte) []byte {
	t.Helper()
	raw, err := os.ReadFile(keyPath)
	require.NoError(t, err)
	key, err := gwid.PrivateKeyFromPEM(raw)
	require.NoError(t, err)
	d := sha256.Sum256(msg)
	r, s, err := ecdsa.Sign(rand.Reader, key.(*ecdsa.PrivateKey), d[:])
	require.NoError(t, err)
	n := elliptic.P256().Params().N
	if s.Cmp(new(big.Int).Rsh(n, 1)) <= 0 {
		s = new(big.Int).Sub(n, s)
	}
	der, err := asn1.Marshal(struct{ R, S *big.Int }{r, s})
	require.NoError(t, err)
	return der
}

// TestAPI drives the HTTP API against the real network: health, status
// codes and problems, a vote through offline signing and its job, waitFor,
// refusals that change nothing, and a member listing paged while members
// are registered.
func TestAPI(t *testing.T) {
	c, base, _ := apiServer(t)
	ctx := ctxFor(t)

	require.Eventually(t, func() bool {
		r, err := c.GetReadyzWithResponse(ctx)
		return err == nil && r.StatusCode() == 200 && r.JSON200.Ready
	}, 30*time.Second, 100*time.Millisecond, "the API becomes ready")

	// A poll to vote on, and two voters: one member, one who is not.
	ensureMember(t, "foundation", "user1")
	proposer := net.client(t, "foundation-user1")
	b, err := proposer.CreateBallot(ctx, ballot.CreateRequest{Kind: ballot.KindPoll, Title: "Is the API legible?", VotingPeriodSec: 60})
	require.NoError(t, err)
	voter, voterID, voterKey := apiMember(t, "labA", fmt.Sprintf("apivoter-%d@labA", time.Now().UnixNano()), true)
	outsiderCN := fmt.Sprintf("apioutsider-%d@labB", time.Now().UnixNano())
	outsider, _, _ := apiMember(t, "labB", outsiderCN, false)

	t.Run("status codes and problems", func(t *testing.T) {
		status, hdr, body := httpJSON(t, "GET", base+"/v1/ballots/bffffffffffffffff", nil)
		assert.Equal(t, 404, status)
		assert.Equal(t, "NOT_FOUND", body["code"])
		assert.Equal(t, "application/problem+json", hdr.Get("Content-Type"))
		status, hdr, body = httpJSON(t, "GET", base+"/v1/constitution", nil)
		assert.Equal(t, 200, status)
		assert.NotEmpty(t, hdr.Get(api.HeightHeader))
		assert.NotNil(t, body["document"], "the constitution in force: %v", body)
		status, _, body = httpJSON(t, "POST", base+"/v1/ballots/"+b.ID+"/votes", map[string]any{"choice": "4"})
		assert.Equal(t, 400, status)
		assert.Equal(t, "/signer", body["field"])
		assert.Equal(t, "required", body["rule"])
	})

	// A poll opens one clock skew after it is created.
	if wait := time.Until(b.OpensAt); wait > 0 {
		time.Sleep(wait + 500*time.Millisecond)
	}

	t.Run("refusals change nothing", func(t *testing.T) {
		prep := func(k *api.KeySigner, choice string) *api.SigningResponse {
			r, err := c.CastVoteWithResponse(ctx, b.ID, api.VoteBody{Choice: &choice, Signer: k.Signer()})
			require.NoError(t, err)
			require.Equal(t, 201, r.StatusCode(), "body %s", r.Body)
			return r.JSON201
		}
		height := settledHeight(t)

		p := prep(voter, "4")
		wrong, err := outsider.Sign(p.Signing.Proposal)
		require.NoError(t, err)
		status, _, body := httpJSON(t, "POST", base+"/v1/signing/"+p.Signing.Id+"/endorse", map[string]any{"signature": wrong})
		assert.Equal(t, 403, status, "a signature by another key: %v", body)
		assert.Equal(t, "signed-by-signer", body["rule"])

		status, _, body = httpJSON(t, "POST", base+"/v1/signing/"+p.Signing.Id+"/endorse", map[string]any{"signature": highS(t, voterKey, p.Signing.Proposal)})
		assert.Equal(t, 400, status, "the member's own signature with a high S: %v", body)
		assert.Equal(t, "low-s", body["rule"])

		// Not a member: the chaincode refuses at endorsement.
		_, err = outsider.Complete(ctx, c, prep(outsider, "4"), "outsider-vote")
		var pe *api.ProblemError
		require.ErrorAs(t, err, &pe)
		assert.Equal(t, 403, pe.Status)
		assert.Equal(t, "FORBIDDEN", *pe.Problem.Code, "%v", err)

		// An out-of-range answer: INVALID_ARGUMENT from the chaincode.
		_, err = voter.Complete(ctx, c, prep(voter, "9"), "bad-answer")
		require.ErrorAs(t, err, &pe)
		assert.Equal(t, 400, pe.Status, "%v", err)

		assert.Equal(t, height, chainHeight(t, net.client(t, "labA-user1")), "no block was added")
	})

	t.Run("vote through offline signing", func(t *testing.T) {
		choice := "6"
		r, err := c.CastVoteWithResponse(ctx, b.ID, api.VoteBody{Choice: &choice, Signer: voter.Signer()})
		require.NoError(t, err)
		require.Equal(t, 201, r.StatusCode(), "body %s", r.Body)
		job, err := voter.Complete(ctx, c, r.JSON201, "api-vote-"+r.JSON201.Signing.TxId)
		require.NoError(t, err)
		require.Equal(t, api.JobStatus("submitted"), job.Status)
		require.Equal(t, r.JSON201.Signing.TxId, job.TxId)

		// The same key and body: the same job. Another body: 409.
		status, _, body := httpJSON(t, "POST", base+"/v1/signing/"+r.JSON201.Signing.Id+"/submit", map[string]any{"signature": []byte{0x30, 0x06, 2, 1, 1, 2, 1, 1}}, "Idempotency-Key", "api-vote-"+r.JSON201.Signing.TxId)
		assert.Equal(t, 409, status, "%v", body)
		assert.Equal(t, "Idempotency-Key", body["field"])

		done, err := api.AwaitJob(ctx, c, job.Id)
		require.NoError(t, err)
		require.Equal(t, api.JobStatus("committed"), done.Status, "job %+v", done)
		require.NotNil(t, done.BlockHeight)

		status, hdr, body := httpJSON(t, "GET", base+"/v1/ballots/"+b.ID+"/results?waitFor="+job.TxId, nil)
		require.Equal(t, 200, status, "%v", body)
		h, err := strconv.ParseInt(hdr.Get(api.HeightHeader), 10, 64)
		require.NoError(t, err)
		assert.GreaterOrEqual(t, h, *done.BlockHeight, "the read reflects the vote's block")

		v, err := net.client(t, "labA-user1").VoteOf(ctx, b.ID, voterID)
		require.NoError(t, err)
		assert.Equal(t, "6", v.Choice, "the member's own vote, signed by the member")
	})

	t.Run("the registry, treasury, tokens, reputation and constitution come from the index", func(t *testing.T) {
		heightOf := func(hdr http.Header) int64 {
			h, err := strconv.ParseInt(hdr.Get(api.HeightHeader), 10, 64)
			require.NoError(t, err)
			return h
		}
		status, hdr, _ := httpJSON(t, "GET", base+"/v1/artifacts", nil)
		require.Equal(t, 200, status)
		before := heightOf(hdr)
		name := fmt.Sprintf("api-index-%d", time.Now().UnixNano())
		r, err := c.RegisterArtifactWithResponse(ctx, api.ArtifactBody{Kind: "dataset", Name: name, Version: "1", Sha256: strings.Repeat("ab", 32), Size: 10, Licence: "MIT", Signer: voter.Signer()})
		require.NoError(t, err)
		require.Equal(t, 201, r.StatusCode(), "body %s", r.Body)
		job, err := voter.Complete(ctx, c, r.JSON201, "api-artifact-"+r.JSON201.Signing.TxId)
		require.NoError(t, err)
		// At once with waitFor: the write is in the index's answer, at a
		// height past the one before it.
		status, hdr, body := httpJSON(t, "GET", base+"/v1/artifacts/"+name+"/1?waitFor="+job.TxId, nil)
		require.Equal(t, 200, status, "%v", body)
		after := heightOf(hdr)
		assert.Greater(t, after, before, "the height header grew with the registration's block")
		assert.Equal(t, name, body["artifact"].(map[string]any)["name"])
		status, hdr, body = httpJSON(t, "GET", base+"/v1/artifacts?name="+name+"&waitFor="+job.TxId, nil)
		require.Equal(t, 200, status, "%v", body)
		assert.Len(t, body["items"], 1)
		assert.EqualValues(t, heightOf(hdr), body["blockHeight"], "a list's blockHeight is the header's")
		// Every other newly indexed area answers from the same index.
		for _, path := range []string{
			"/v1/constitution", "/v1/constitution/versions", "/v1/treasury/accounts", "/v1/treasury/spends", "/v1/treasury/deposits",
			"/v1/tokens/supply", "/v1/tokens/accounts", "/v1/members/LabAMSP/" + url.PathEscape(voterID.ID) + "/balance",
			"/v1/members/LabAMSP/" + url.PathEscape(voterID.ID) + "/reputation",
		} {
			status, hdr, body := httpJSON(t, "GET", base+path+"?waitFor="+job.TxId, nil)
			assert.Equal(t, 200, status, "%s: %v", path, body)
			assert.GreaterOrEqual(t, heightOf(hdr), after, "%s reflects the registration's block", path)
		}
	})

	t.Run("a delegation and a delegate statement come from the index at once", func(t *testing.T) {
		heightOf := func(hdr http.Header) int64 {
			h, err := strconv.ParseInt(hdr.Get(api.HeightHeader), 10, 64)
			require.NoError(t, err)
			return h
		}
		member := "/v1/members/LabAMSP/" + url.PathEscape(voterID.ID)
		status, hdr, _ := httpJSON(t, "GET", base+member+"/delegations", nil)
		require.Equal(t, 200, status)
		before := heightOf(hdr)
		text := fmt.Sprintf("I vote on evaluations; statement %d", time.Now().UnixNano())
		sr, err := c.SetDelegateStatementWithResponse(ctx, api.StatementBody{Text: text, Signer: voter.Signer()})
		require.NoError(t, err)
		require.Equal(t, 201, sr.StatusCode(), "body %s", sr.Body)
		sjob, err := voter.Complete(ctx, c, sr.JSON201, "api-statement-"+sr.JSON201.Signing.TxId)
		require.NoError(t, err)
		status, hdr, body := httpJSON(t, "GET", base+member+"/statement?waitFor="+sjob.TxId, nil)
		require.Equal(t, 200, status, "%v", body)
		assert.Equal(t, text, body["text"], "the statement is in the index's answer at once")
		afterStatement := heightOf(hdr)
		assert.Greater(t, afterStatement, before, "the height grew with the statement's block")

		to := proposer.Identity()
		leg := api.DelegationLeg{Percent: 100}
		leg.To.MspId, leg.To.Id = to.MSPID, to.ID
		dr, err := c.SetDelegationWithResponse(ctx, api.DelegationBody{Topic: "*", Legs: []api.DelegationLeg{leg}, Signer: voter.Signer()})
		require.NoError(t, err)
		require.Equal(t, 201, dr.StatusCode(), "body %s", dr.Body)
		djob, err := voter.Complete(ctx, c, dr.JSON201, "api-delegation-"+dr.JSON201.Signing.TxId)
		require.NoError(t, err)
		status, hdr, body = httpJSON(t, "GET", base+member+"/delegations?waitFor="+djob.TxId, nil)
		require.Equal(t, 200, status, "%v", body)
		require.Len(t, body["items"], 1, "the delegation is in the index's answer at once: %v", body)
		legs := body["items"].([]any)[0].(map[string]any)["legs"].([]any)
		assert.Equal(t, to.ID, legs[0].(map[string]any)["to"].(map[string]any)["id"])
		assert.Greater(t, heightOf(hdr), afterStatement, "the height grew with the delegation's block")
		assert.EqualValues(t, heightOf(hdr), body["blockHeight"], "a list's blockHeight is the header's")
	})

	t.Run("pagination is stable while writes happen", func(t *testing.T) {
		admin := net.client(t, "labA-admin")
		before, err := net.client(t, "labA-user1").Members(ctx, charter.MemberQuery{MSPID: "LabAMSP"})
		require.NoError(t, err)
		// The API reads from its index: wait until it has every block the
		// peer had when the members were read.
		indexCaughtUp(t, c)
		// Between every two pages a member is registered (committed): its
		// key lands before or after the cursor at random.
		seen := map[string]int{}
		var cursor *string
		// About ten pages, whatever the members other tests registered.
		msp, limit, written := "LabAMSP", max(1, min(1000, len(before)/10)), 0
		for pages := 0; ; pages++ {
			require.Less(t, pages, 2000, "the listing ends")
			r, err := c.ListMembersWithResponse(ctx, &api.ListMembersParams{MspId: &msp, Limit: &limit, Cursor: cursor})
			require.NoError(t, err)
			require.Equal(t, 200, r.StatusCode(), "body %s", r.Body)
			for _, m := range r.JSON200.Items {
				seen[m["mspId"].(string)+"/"+m["id"].(string)]++
			}
			if r.JSON200.NextCursor == nil {
				break
			}
			cursor = r.JSON200.NextCursor
			if written < 8 {
				_, id := apiMemberIdentity(t, "labA", fmt.Sprintf("apipage-%d@labA", time.Now().UnixNano()))
				_, err := admin.RegisterMember(ctx, membership.RegisterRequest{Member: id, Name: "registered while paging"})
				require.NoError(t, err)
				written++
			}
		}
		require.Positive(t, written, "members were registered while the listing was paged")
		for k, n := range seen {
			assert.Equal(t, 1, n, "member %s listed once", k)
		}
		for _, m := range before {
			assert.Contains(t, seen, m.Identity.String(), "a member present before the listing is on a page")
		}
	})
}

// indexCaughtUp waits until the API's index has applied every block the
// gateway peer has now (/readyz eventLag 0).
func indexCaughtUp(t *testing.T, c *api.ClientWithResponses) {
	t.Helper()
	require.Eventually(t, func() bool {
		r, err := c.GetReadyzWithResponse(ctxFor(t))
		if err != nil {
			return false
		}
		body := r.JSON200
		if body == nil {
			body = r.JSON503
		}
		return body != nil && body.PeerReachable && body.EventLag == 0
	}, time.Minute, 50*time.Millisecond, "the API's index catches up with the peer")
}

// apiMemberIdentity makes an identity of org without keeping its key.
func apiMemberIdentity(t *testing.T, org, cn string) (string, identity.Identity) {
	t.Helper()
	certPath, _ := issueClientCert(t, org, cn, t.TempDir())
	cfg, err := net.profiles.Config(org + "-user1")
	require.NoError(t, err)
	pemBytes, err := os.ReadFile(certPath)
	require.NoError(t, err)
	id, err := identity.FromPEM(cfg.MSPID, pemBytes)
	require.NoError(t, err)
	return certPath, id
}
