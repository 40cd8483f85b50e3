package test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/internal/api"
)

// profileSigner is a network profile's offline signer (its key file).
func profileSigner(t *testing.T, profile string) *api.KeySigner {
	t.Helper()
	p, err := net.profiles.Profile(profile)
	require.NoError(t, err)
	k, err := api.LoadKeySigner(p.MSPID, p.CertPath, p.KeyPath)
	require.NoError(t, err)
	return k
}

// founderSigner is an issued founding member's offline signer.
func founderSigner(t *testing.T, org, cn string) *api.KeySigner {
	t.Helper()
	k, err := api.LoadKeySigner(mspOf[org], filepath.Join(net.foundersDir(), cn+"-cert.pem"), filepath.Join(net.foundersDir(), cn+"-key.pem"))
	require.NoError(t, err)
	return k
}

// prepared is a write endpoint's answer: 201 with a signing session.
func prepared(t *testing.T, status int, body []byte, sr *api.SigningResponse, err error) *api.SigningResponse {
	t.Helper()
	require.NoError(t, err)
	require.Equal(t, 201, status, "prepare: %s", body)
	return sr
}

// apiCommit signs a prepared write as k, submits it and waits until its
// job is committed.
func apiCommit(t *testing.T, c *api.ClientWithResponses, k *api.KeySigner, p *api.SigningResponse) *api.Job {
	t.Helper()
	ctx := ctxFor(t)
	job, err := k.Complete(ctx, c, p, "ops-"+p.Signing.TxId)
	require.NoError(t, err)
	done, err := api.AwaitJob(ctx, c, job.Id)
	require.NoError(t, err)
	require.Equal(t, api.JobStatus("committed"), done.Status, "job %+v", done)
	return done
}

// apiRefused signs a prepared write as k and requires the chaincode's
// refusal at endorsement with status and code, and no new block.
func apiRefused(t *testing.T, c *api.ClientWithResponses, k *api.KeySigner, p *api.SigningResponse, status int, code string) *api.ProblemError {
	t.Helper()
	height := settledHeight(t)
	_, err := k.Complete(ctxFor(t), c, p, "ops-refused-"+p.Signing.TxId)
	var pe *api.ProblemError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, status, pe.Status, "%v", err)
	require.NotNil(t, pe.Problem.Code, "%v", err)
	assert.Equal(t, code, *pe.Problem.Code, "%v", err)
	assert.Equal(t, height, chainHeight(t, net.client(t, "labA-user1")), "a refused write adds no block")
	return pe
}

// TestAPIOperations drives one write through offline signing, one
// refusal that changes nothing and the reads of each area of the CLI's
// operations on the real network: governance, reputation and tokens, the
// treasury, the registry, members.
func TestAPIOperations(t *testing.T) {
	c, base, _ := apiServer(t)
	ctx := ctxFor(t)
	require.Eventually(t, func() bool {
		r, err := c.GetReadyzWithResponse(ctx)
		return err == nil && r.StatusCode() == 200 && r.JSON200.Ready
	}, 30*time.Second, 100*time.Millisecond, "the API becomes ready")

	attester := profileSigner(t, "labA-user2") // an attester in every category (the genesis)
	stamp := time.Now().UnixNano()
	fresh, freshID, _ := apiMember(t, "labB", fmt.Sprintf("apiops-%d@labB", stamp), true)

	t.Run("governance", func(t *testing.T) {
		r, err := c.CreatePollWithResponse(ctx, api.PollBody{Title: "Is the operations API complete?", VotingPeriodSeconds: 3600, Signer: attester.Signer()})
		poll := prepared(t, r.StatusCode(), r.Body, r.JSON201, err)
		apiCommit(t, c, attester, poll)
		sum := sha256.Sum256([]byte(poll.Signing.TxId))
		pollID := "b" + hex.EncodeToString(sum[:8])

		// A disclosure on the poll, listed by the member.
		stmt := "I wrote the question"
		d, err := c.DiscloseConflictWithResponse(ctx, api.ConflictBody{Subject: api.Subject{Kind: "proposal", Id: pollID}, Statement: &stmt, Signer: attester.Signer()})
		apiCommit(t, c, attester, prepared(t, d.StatusCode(), d.Body, d.JSON201, err))
		status, _, body := httpJSON(t, "GET", base+"/v1/conflicts?subjectKind=proposal&subjectId="+pollID, nil)
		require.Equal(t, 200, status, "%v", body)
		require.Len(t, body["items"], 1, "the disclosure is listed on its subject: %v", body)
		assert.Equal(t, stmt, body["items"].([]any)[0].(map[string]any)["statement"])

		// Its proposer withdraws the poll before its first vote.
		cr, err := c.CancelPollWithResponse(ctx, pollID, api.ReasonBody{Reason: "asked too early", Signer: attester.Signer()})
		job := apiCommit(t, c, attester, prepared(t, cr.StatusCode(), cr.Body, cr.JSON201, err))
		status, _, body = httpJSON(t, "GET", base+"/v1/ballots/"+pollID+"?waitFor="+job.TxId, nil)
		require.Equal(t, 200, status, "%v", body)
		assert.Equal(t, "cancelled", body["status"], "%v", body)

		// A decision proposal through the one endpoint of every type: its
		// ballots open in the houses the constitution routes it to.
		desc := "proposed through the API"
		pr, err := c.ProposeDecisionWithResponse(ctx, api.ProposeDecisionBody{Type: "policy", Title: fmt.Sprintf("API policy %d", stamp), Description: &desc, Signer: attester.Signer()})
		prop := prepared(t, pr.StatusCode(), pr.Body, pr.JSON201, err)
		job = apiCommit(t, c, attester, prop)
		sum = sha256.Sum256([]byte(prop.Signing.TxId))
		decisionID := "d" + hex.EncodeToString(sum[:8])
		status, _, body = httpJSON(t, "GET", base+"/v1/decisions/"+decisionID+"?waitFor="+job.TxId, nil)
		require.Equal(t, 200, status, "%v", body)
		assert.Equal(t, "policy", body["type"], "%v", body)
		assert.Equal(t, "voting", body["status"], "%v", body)

		// An appeal against a decision that does not exist: NOT_FOUND.
		ar, err := c.AppealDecisionWithResponse(ctx, "dffffffffffffffff", api.AppealBody{Grounds: "no such decision", Signer: fresh.Signer()})
		apiRefused(t, c, fresh, prepared(t, ar.StatusCode(), ar.Body, ar.JSON201, err), 404, "NOT_FOUND")
		// A decision of a type the spec does not know: refused before anything is built.
		status, _, body = httpJSON(t, "POST", base+"/v1/decisions", map[string]any{"type": "coup", "title": "t", "signer": fresh.Signer()})
		assert.Equal(t, 400, status)
		assert.Equal(t, "/type", body["field"])
		assert.Equal(t, "enum", body["rule"])
	})

	t.Run("reputation and tokens", func(t *testing.T) {
		ev := fmt.Sprintf("https://git.example/charter/pull/%d", stamp)
		r, err := c.AttestReputationWithResponse(ctx, freshID.MSPID, freshID.ID, api.AttestBody{Category: "documentation", Weight: 3, Evidence: ev, Signer: attester.Signer()})
		job := apiCommit(t, c, attester, prepared(t, r.StatusCode(), r.Body, r.JSON201, err))
		status, _, body := httpJSON(t, "GET", base+"/v1/members/"+freshID.MSPID+"/"+url.PathEscape(freshID.ID)+"/reputation/history?waitFor="+job.TxId, nil)
		require.Equal(t, 200, status, "%v", body)
		assert.Contains(t, fmt.Sprint(body), ev, "the attestation is in the member's history")

		// A member who is not an attester cannot attest.
		target := profileIdentity(t, "labA-user1")
		r, err = c.AttestReputationWithResponse(ctx, target.MSPID, target.ID, api.AttestBody{Category: "documentation", Weight: 3, Evidence: ev, Signer: fresh.Signer()})
		pe := apiRefused(t, c, fresh, prepared(t, r.StatusCode(), r.Body, r.JSON201, err), 403, "FORBIDDEN")
		assert.NotEmpty(t, pe.Problem.Detail)

		status, _, body = httpJSON(t, "GET", base+"/v1/tokens/supply", nil)
		require.Equal(t, 200, status, "%v", body)
		assert.Positive(t, body["supply"], "the founding allocations are in the supply")
		status, _, body = httpJSON(t, "GET", base+"/v1/tokens/accounts?limit=1", nil)
		require.Equal(t, 200, status, "%v", body)
		assert.Len(t, body["items"], 1)
	})

	t.Run("treasury", func(t *testing.T) {
		status, _, body := httpJSON(t, "GET", base+"/v1/treasury/accounts", nil)
		require.Equal(t, 200, status, "%v", body)
		account := ""
		for _, a := range body["items"].([]any) {
			if id := a.(map[string]any)["id"].(string); id != constitution.TreasuryTokenAccount {
				account = id // an asset account: the token account takes no deposits
				break
			}
		}
		require.NotEmpty(t, account, "an asset account: %v", body)

		// A treasurer records a deposit; confirming it takes another
		// organisation's treasurer, never the recorder.
		treasurer := founderSigner(t, "labA", "cap-treasurer")
		r, err := c.DepositToTreasuryWithResponse(ctx, api.DepositBody{Account: account, Amount: 7, Reference: fmt.Sprintf("api-%d", stamp), Reason: "API deposit", Signer: treasurer.Signer()})
		dep := prepared(t, r.StatusCode(), r.Body, r.JSON201, err)
		job := apiCommit(t, c, treasurer, dep)
		sum := sha256.Sum256([]byte(dep.Signing.TxId))
		depID := "d" + hex.EncodeToString(sum[:8])
		status, _, body = httpJSON(t, "GET", base+"/v1/treasury/deposits/"+depID+"?waitFor="+job.TxId, nil)
		require.Equal(t, 200, status, "%v", body)
		assert.Equal(t, "pending", body["status"], "%v", body)

		cr, err := c.ConfirmDepositWithResponse(ctx, depID, api.SignerOnlyBody{Signer: treasurer.Signer()})
		apiRefused(t, c, treasurer, prepared(t, cr.StatusCode(), cr.Body, cr.JSON201, err), 403, "FORBIDDEN")
		status, _, body = httpJSON(t, "GET", base+"/v1/treasury/deposits/"+depID, nil)
		require.Equal(t, 200, status, "%v", body)
		assert.Equal(t, "pending", body["status"], "a refused confirmation changes nothing")

		status, _, body = httpJSON(t, "GET", base+"/v1/treasury/spends/sffffffffffffffff", nil)
		assert.Equal(t, 404, status, "%v", body)
		status, _, body = httpJSON(t, "GET", base+"/v1/treasury/accounts/"+account+"/usage", nil)
		assert.Equal(t, 200, status, "%v", body)
	})

	t.Run("registry", func(t *testing.T) {
		content := []byte(fmt.Sprintf("api registry test %d", stamp))
		sum := sha256.Sum256(content)
		digest := hex.EncodeToString(sum[:])
		name, version := fmt.Sprintf("api-corpus-%d", stamp), "1.0"
		r, err := c.RegisterArtifactWithResponse(ctx, api.ArtifactBody{Kind: "dataset", Name: name, Version: version, Sha256: digest, Size: int64(len(content)), Licence: "CC-BY-4.0", Signer: fresh.Signer()})
		job := apiCommit(t, c, fresh, prepared(t, r.StatusCode(), r.Body, r.JSON201, err))

		status, _, body := httpJSON(t, "GET", fmt.Sprintf("%s/v1/artifacts/%s/%s/verification?sha256=%s&size=%d&waitFor=%s", base, name, version, digest, len(content), job.TxId), nil)
		require.Equal(t, 200, status, "%v", body)
		assert.Equal(t, true, body["registered"])
		assert.Equal(t, true, body["matches"])
		assert.Equal(t, true, body["sizeMatches"])
		status, _, body = httpJSON(t, "GET", fmt.Sprintf("%s/v1/artifacts/%s/%s/lineage", base, name, version), nil)
		assert.Equal(t, 200, status, "%v", body)

		// A member who is not an attester cannot attest the version.
		approved := true
		ar, err := c.AttestArtifactWithResponse(ctx, name, version, api.ArtifactAttestBody{Type: "licence_review", Approved: &approved, Signer: fresh.Signer()})
		apiRefused(t, c, fresh, prepared(t, ar.StatusCode(), ar.Body, ar.JSON201, err), 403, "FORBIDDEN")
	})

	t.Run("members", func(t *testing.T) {
		admin := profileSigner(t, "labA-admin")
		_, id := apiMemberIdentity(t, "labA", fmt.Sprintf("apiops-reg-%d@labA", stamp))
		r, err := c.RegisterMemberWithResponse(ctx, api.RegisterMemberBody{Member: api.MemberRef{MspId: id.MSPID, Id: id.ID}, Name: "registered by the API", Signer: admin.Signer()})
		job := apiCommit(t, c, admin, prepared(t, r.StatusCode(), r.Body, r.JSON201, err))
		status, _, body := httpJSON(t, "GET", base+"/v1/members/"+id.MSPID+"/"+url.PathEscape(id.ID)+"?waitFor="+job.TxId, nil)
		require.Equal(t, 200, status, "%v", body)
		assert.Equal(t, "registered by the API", body["name"])

		// Another organisation's admin cannot remove labA's member.
		other := profileSigner(t, "labB-admin")
		rr, err := c.RemoveMemberWithResponse(ctx, id.MSPID, id.ID, api.ReasonBody{Reason: "not mine", Signer: other.Signer()})
		apiRefused(t, c, other, prepared(t, rr.StatusCode(), rr.Body, rr.JSON201, err), 403, "FORBIDDEN")

		status, _, body = httpJSON(t, "GET", base+"/v1/genesis", nil)
		assert.Equal(t, 200, status, "%v", body)
	})

	t.Run("delegates and the constitution", func(t *testing.T) {
		text := fmt.Sprintf("I vote for open weights (%d).", stamp)
		r, err := c.SetDelegateStatementWithResponse(ctx, api.StatementBody{Text: text, Signer: attester.Signer()})
		job := apiCommit(t, c, attester, prepared(t, r.StatusCode(), r.Body, r.JSON201, err))
		p, err := net.profiles.Profile("labA-user2")
		require.NoError(t, err)
		id := profileIdentity(t, "labA-user2")
		status, _, body := httpJSON(t, "GET", base+"/v1/members/"+p.MSPID+"/"+url.PathEscape(id.ID)+"/statement?waitFor="+job.TxId, nil)
		require.Equal(t, 200, status, "%v", body)
		assert.Equal(t, text, body["text"], "the statement is read at once: %v", body)

		status, _, body = httpJSON(t, "GET", base+"/v1/constitution/versions/1", nil)
		assert.Equal(t, 200, status, "%v", body)
		status, _, body = httpJSON(t, "GET", base+"/v1/constitution/diff?from=1&to=1", nil)
		assert.Equal(t, 200, status, "%v", body)
		status, _, body = httpJSON(t, "GET", base+"/v1/eligibility?mspId=LabAMSP&limit=2", nil)
		require.Equal(t, 200, status, "%v", body)
		assert.NotEmpty(t, body["items"])
	})

	t.Run("metrics", func(t *testing.T) {
		status, _, body := httpJSON(t, "GET", base+"/v1/metrics?family=token", nil)
		require.Equal(t, 200, status, "%v", body)
		assert.Len(t, body["families"], 1, "one family row, as asked: %v", body)
		assert.NotNil(t, body["all"], "%v", body)
		status, _, body = httpJSON(t, "GET", base+"/v1/metrics?from=2030-01-01T00:00:00Z&to=2029-01-01T00:00:00Z", nil)
		assert.Equal(t, 400, status, "%v", body)
		assert.Equal(t, "from-before-to", body["rule"])
	})
}
