package api

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hyperledger/fabric-protos-go-apiv2/ledger/rwset/kvrwset"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/artifact"
	"github.com/charter-gov/charter/chaincode/ballot"
	"github.com/charter-gov/charter/chaincode/coi"
	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/emergency"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/incident"
	"github.com/charter-gov/charter/chaincode/token"
	"github.com/charter-gov/charter/chaincode/treasury"
	charter "github.com/charter-gov/charter/gateway-client"
)

// opsGateway is the fake with the reads of the operation endpoints and a
// count of prepared transactions.
type opsGateway struct {
	*fakeGateway
	prepared int
	requests *requestRecorder
}

func (g *opsGateway) Prepare(ctx context.Context, s charter.Signer, call func(context.Context, *charter.Client) error) (*charter.Unsigned, error) {
	g.mu.Lock()
	g.prepared++
	g.mu.Unlock()
	if g.requests != nil {
		g.requests.record(ctx, s, call)
	}
	return g.fakeGateway.Prepare(ctx, s, call)
}

func newOpsServer(t *testing.T) (*opsGateway, *Server, func(method, path string, body any, headers ...string) response) {
	t.Helper()
	f := &fakeGateway{}
	g := &opsGateway{fakeGateway: f, requests: newRequestRecorder(t)}
	s, ts := newTestServerWith(t, f, g)
	seedOps(t, s)
	return g, s, func(method, path string, body any, headers ...string) response {
		return do(t, ts, method, path, body, headers...)
	}
}

var hex64 = strings.Repeat("ab", 32)

// TestOperationWritesPrepare: every write endpoint of the operations
// answers a valid body with a signing session.
func TestOperationWritesPrepare(t *testing.T) {
	g, _, call := newOpsServer(t)
	signer := map[string]any{"mspId": "LabAMSP", "certificate": newMember(t, "member").certPEM}
	with := func(b map[string]any) map[string]any { b["signer"] = signer; return b }
	member := "/v1/members/LabAMSP/alice"
	for _, tt := range []struct {
		path string
		body map[string]any
		// tx and args: the transaction the handler built and its arguments
		// (JSON compared as JSON); nil args: not compared.
		tx   string
		args []string
	}{
		{"/v1/decisions", with(map[string]any{"type": "budget", "title": "Q3 grants", "payload": map[string]any{"account": "grants", "amount": 100, "purpose": "grants"}}), "decision:Propose", []string{`{"type":"budget","title":"Q3 grants","payload":{"account":"grants","amount":100,"purpose":"grants"}}`}},
		{"/v1/decisions", with(map[string]any{"type": "slashing", "title": "slash", "subject": map[string]any{"kind": "organisation", "id": "LabBMSP"}}), "decision:Propose", []string{`{"type":"slashing","subject":{"kind":"organisation","id":"LabBMSP"},"title":"slash"}`}},
		{"/v1/decisions/d1/appeals", with(map[string]any{"grounds": "the tally skipped votes"}), "decision:Appeal", []string{`{"decision":"d1","grounds":"the tally skipped votes"}`}},
		{"/v1/conflicts", with(map[string]any{"subject": map[string]any{"kind": "proposal", "id": "d1"}, "statement": "I advise lab B"}), "coi:Disclose", []string{`{"subject":{"kind":"proposal","id":"d1"},"statement":"I advise lab B"}`}},
		{"/v1/polls", with(map[string]any{"title": "Is Charter legitimate?", "votingPeriodSeconds": 3600, "decisionType": "policy"}), "ballot:Create", []string{`{"kind":"poll","decisionType":"policy","title":"Is Charter legitimate?","votingPeriodSeconds":3600}`}},
		{"/v1/ballots/b1/tally", with(map[string]any{"pageSize": 50}), "ballot:Tally", []string{"b1", "50"}},
		{"/v1/ballots/b1/tally", with(map[string]any{}), "ballot:Tally", []string{"b1", "200"}},
		{"/v1/ballots/b1/queue", with(map[string]any{}), "ballot:Queue", []string{"b1"}},
		{"/v1/ballots/b1/execution", with(map[string]any{}), "ballot:Execute", []string{"b1"}},
		{"/v1/ballots/b1/cancellation", with(map[string]any{"reason": "wrong question"}), "ballot:Cancel", []string{`{"ballot":"b1","reason":"wrong question"}`}},
		{"/v1/ballots/b1/pauses", with(map[string]any{"reason": "vote buying"}), "ballot:Pause", []string{`{"ballot":"b1","reason":"vote buying"}`}},
		{member + "/attestations", with(map[string]any{"category": "merged_code", "weight": 5, "evidence": "https://git.example/pr/1"}), "reputation:Attest", []string{`{"recipient":{"mspId":"LabAMSP","id":"alice"},"category":"merged_code","weight":5,"evidence":"https://git.example/pr/1"}`}},
		{member + "/attestations/a1/revocation", with(map[string]any{"reason": "duplicate"}), "reputation:Revoke", []string{`{"recipient":{"mspId":"LabAMSP","id":"alice"},"attestationId":"a1","reason":"duplicate"}`}},
		{member + "/attestations/a1/endorsements", with(map[string]any{"comment": "seen it"}), "reputation:Endorse", []string{`{"recipient":{"mspId":"LabAMSP","id":"alice"},"attestationId":"a1","comment":"seen it"}`}},
		{member + "/vouches", with(map[string]any{}), "member:Vouch", []string{`{"member":{"mspId":"LabAMSP","id":"alice"}}`}},
		{member + "/vouches/revocation", with(map[string]any{}), "member:Unvouch", []string{`{"member":{"mspId":"LabAMSP","id":"alice"}}`}},
		{"/v1/treasury/deposits", with(map[string]any{"account": "grants", "amount": 500, "reference": "bank-1", "reason": "donation"}), "treasury:Deposit", []string{`{"account":"grants","amount":500,"reference":"bank-1","reason":"donation"}`}},
		{"/v1/treasury/deposits/dep1/confirmation", with(map[string]any{}), "treasury:ConfirmDeposit", []string{`{"deposit":"dep1"}`}},
		{"/v1/treasury/spends", with(map[string]any{"account": "grants", "budget": "d1", "payees": []any{map[string]any{"to": map[string]any{"mspId": "LabBMSP", "id": "bob"}, "amount": 10}}, "reason": "grant"}), "treasury:ProposeSpend", []string{`{"account":"grants","budget":"d1","payees":[{"to":{"mspId":"LabBMSP","id":"bob"},"amount":10}],"reason":"grant"}`}},
		{"/v1/treasury/spends/s1/execution", with(map[string]any{}), "treasury:Execute", []string{"s1"}},
		{"/v1/treasury/spends/s1/cancellation", with(map[string]any{"reason": "duplicate"}), "treasury:Cancel", []string{`{"spend":"s1","reason":"duplicate"}`}},
		{"/v1/artifacts", with(map[string]any{"kind": "dataset", "name": "corpus", "version": "1.0", "sha256": hex64, "size": 10, "licence": "CC-BY-4.0"}), "artifact:Register", []string{`{"kind":"dataset","name":"corpus","version":"1.0","sha256":"abababababababababababababababababababababababababababababababab","size":10,"licence":"CC-BY-4.0"}`}},
		{"/v1/artifacts/corpus/1.0/attestations", with(map[string]any{"type": "licence_review", "approved": true, "evidence": "review-1"}), "artifact:Attest", []string{`{"artifact":{"name":"corpus","version":"1.0"},"type":"licence_review","approved":true,"evidence":"review-1"}`}},
		{"/v1/guardian/disclosures", with(map[string]any{"target": map[string]any{"kind": "ballot", "id": "b1"}, "seq": 1, "text": "why we paused"}), "guardian:Disclose", []string{`{"target":{"kind":"ballot","id":"b1"},"seq":1,"text":"why we paused"}`}},
		{"/v1/guardian/missed-disclosures", with(map[string]any{"target": map[string]any{"kind": "ballot", "id": "b1"}, "seq": 1}), "guardian:RecordMissedDisclosure", []string{"ballot", "b1", "1"}},
		{"/v1/incidents", with(map[string]any{"kind": "key_compromise", "severity": "high", "summary": "a key leaked", "occurredAt": "2026-11-30T10:00:00Z"}), "incident:File", []string{`{"kind":"key_compromise","severity":"high","summary":"a key leaked","occurredAt":"2026-11-30T10:00:00Z"}`}},
		{"/v1/incidents/i1/post-mortem", with(map[string]any{"postMortem": "https://example.org/pm"}), "incident:PostMortem", []string{`{"id":"i1","postMortem":"https://example.org/pm"}`}},
		{"/v1/decisions/d1/failed-execution", with(map[string]any{}), "incident:RecordFailedExecution", []string{"d1"}},
		{"/v1/members", with(map[string]any{"member": map[string]any{"mspId": "LabAMSP", "id": "carol"}, "name": "Carol", "roles": []any{"member", "attester"}, "attesterCategories": []any{"documentation"}}), "member:Register", []string{`{"member":{"mspId":"LabAMSP","id":"carol"},"name":"Carol","roles":["member","attester"],"attesterCategories":["documentation"]}`}},
		{member + "/update", with(map[string]any{"name": "Alice A.", "roles": []any{"member"}}), "member:Update", []string{`{"member":{"mspId":"LabAMSP","id":"alice"},"name":"Alice A.","roles":["member"]}`}},
		{member + "/removal", with(map[string]any{"reason": "left the lab"}), "member:Remove", []string{`{"member":{"mspId":"LabAMSP","id":"alice"},"reason":"left the lab"}`}},
		{"/v1/genesis/proposals", with(map[string]any{"genesis": map[string]any{"founders": []any{"LabAMSP"}, "constitution": map[string]any{}, "members": []any{}}}), "constitution:ProposeGenesis", nil},
		{"/v1/genesis/approvals", with(map[string]any{"hash": hex64}), "constitution:ApproveGenesis", []string{"abababababababababababababababababababababababababababababababab"}},
		{"/v1/upgrades/2/signoffs", with(map[string]any{"digest": hex64}), "upgrade:SignOff", []string{`{"sequence":2,"digest":"abababababababababababababababababababababababababababababababab"}`}},
		{"/v1/delegates/statement", with(map[string]any{"text": "I vote for open weights."}), "delegation:SetStatement", []string{`{"text":"I vote for open weights."}`}},
	} {
		r := call("POST", tt.path, tt.body)
		require.Equal(t, 201, r.status, "%s: %v", tt.path, r.body)
		require.NotEmpty(t, r.body["signing"].(map[string]any)["proposal"], tt.path)
		got := g.requests.last()
		require.Equal(t, tt.tx, got.Name, tt.path)
		if tt.args != nil {
			requireArgs(t, tt.args, got.Args, tt.path)
		}
	}
	require.Equal(t, 35, g.prepared)
}

// TestOperationRefusals: bad bodies, parameters and identities get a
// problem naming the field and the rule, and nothing is prepared.
func TestOperationRefusals(t *testing.T) {
	g, _, call := newOpsServer(t)
	signer := map[string]any{"mspId": "LabAMSP", "certificate": newMember(t, "member").certPEM}
	with := func(b map[string]any) map[string]any { b["signer"] = signer; return b }
	for _, tt := range []struct {
		name, method, path string
		body               any
		status             int
		code, field, rule  string
	}{
		// governance
		{"unknown decision type", "POST", "/v1/decisions", with(map[string]any{"type": "coup", "title": "t"}), 400, "INVALID_ARGUMENT", "/type", "enum"},
		{"proposal without title", "POST", "/v1/decisions", with(map[string]any{"type": "policy"}), 400, "INVALID_ARGUMENT", "/title", "required"},
		{"payload not an object", "POST", "/v1/decisions", with(map[string]any{"type": "policy", "title": "t", "payload": "x"}), 400, "INVALID_ARGUMENT", "/payload", "type"},
		{"appeal without grounds", "POST", "/v1/decisions/d1/appeals", with(map[string]any{}), 400, "INVALID_ARGUMENT", "/grounds", "required"},
		{"conflict on an unknown subject kind", "POST", "/v1/conflicts", with(map[string]any{"subject": map[string]any{"kind": "planet", "id": "x"}}), 400, "INVALID_ARGUMENT", "/subject/kind", "enum"},
		{"conflict statement hash not hex", "POST", "/v1/conflicts", with(map[string]any{"subject": map[string]any{"kind": "proposal", "id": "d1"}, "statementHash": "zz"}), 400, "INVALID_ARGUMENT", "/statementHash", "pattern"},
		{"poll without period", "POST", "/v1/polls", with(map[string]any{"title": "q"}), 400, "INVALID_ARGUMENT", "/votingPeriodSeconds", "required"},
		{"poll with options", "POST", "/v1/polls", with(map[string]any{"title": "q", "votingPeriodSeconds": 60, "options": []any{"a"}}), 400, "INVALID_ARGUMENT", "/options", "additionalProperties"},
		{"tally page too big", "POST", "/v1/ballots/b1/tally", with(map[string]any{"pageSize": 5000}), 400, "INVALID_ARGUMENT", "/pageSize", "maximum"},
		{"pause without reason", "POST", "/v1/ballots/b1/pauses", with(map[string]any{}), 400, "INVALID_ARGUMENT", "/reason", "required"},
		{"conflicts of nobody", "GET", "/v1/conflicts", nil, 400, "INVALID_ARGUMENT", "subjectKind", "subject-or-member"},
		{"conflicts by half a member", "GET", "/v1/conflicts?mspId=LabAMSP", nil, 400, "INVALID_ARGUMENT", "memberId", "member-msp-and-id"},
		{"conflicts by subject and member", "GET", "/v1/conflicts?subjectKind=proposal&subjectId=d1&mspId=LabAMSP&memberId=x", nil, 400, "INVALID_ARGUMENT", "subjectKind", "subject-or-member"},
		// reputation, tokens
		{"attestation of an unknown category", "POST", "/v1/members/LabAMSP/alice/attestations", with(map[string]any{"category": "charm", "weight": 1, "evidence": "e"}), 400, "INVALID_ARGUMENT", "/category", "enum"},
		{"attestation of no weight", "POST", "/v1/members/LabAMSP/alice/attestations", with(map[string]any{"category": "merged_code", "weight": 0, "evidence": "e"}), 400, "INVALID_ARGUMENT", "/weight", "minimum"},
		{"attestation with a recipient in the body", "POST", "/v1/members/LabAMSP/alice/attestations", with(map[string]any{"category": "merged_code", "weight": 1, "evidence": "e", "recipient": map[string]any{"mspId": "LabBMSP", "id": "x"}}), 400, "INVALID_ARGUMENT", "/recipient", "additionalProperties"},
		{"vouch as nobody", "POST", "/v1/members/LabAMSP/alice/vouches", map[string]any{}, 400, "INVALID_ARGUMENT", "/signer", "required"},
		{"token history limit", "GET", "/v1/members/LabAMSP/alice/balance/history?limit=0", nil, 400, "INVALID_ARGUMENT", "limit", ""},
		// treasury
		{"spend with no payee", "POST", "/v1/treasury/spends", with(map[string]any{"account": "grants", "budget": "d1", "payees": []any{}, "reason": "r"}), 400, "INVALID_ARGUMENT", "/payees", "minItems"},
		{"spend of nothing", "POST", "/v1/treasury/spends", with(map[string]any{"account": "grants", "budget": "d1", "payees": []any{map[string]any{"to": map[string]any{"mspId": "LabBMSP", "id": "b"}, "amount": 0}}, "reason": "r"}), 400, "INVALID_ARGUMENT", "/payees/0/amount", "minimum"},
		{"deposit of a negative amount", "POST", "/v1/treasury/deposits", with(map[string]any{"account": "grants", "amount": -5, "reference": "x", "reason": "r"}), 400, "INVALID_ARGUMENT", "/amount", "minimum"},
		{"cancel without reason", "POST", "/v1/treasury/spends/s1/cancellation", with(map[string]any{}), 400, "INVALID_ARGUMENT", "/reason", "required"},
		{"usage at a non-time", "GET", "/v1/treasury/accounts/grants/usage?at=yesterday", nil, 400, "INVALID_ARGUMENT", "at", ""},
		// registry, guardian, incidents
		{"artifact digest not hex", "POST", "/v1/artifacts", with(map[string]any{"kind": "dataset", "name": "c", "version": "1", "sha256": "xyz", "size": 1, "licence": "MIT"}), 400, "INVALID_ARGUMENT", "/sha256", "pattern"},
		{"artifact of an unknown kind", "POST", "/v1/artifacts", with(map[string]any{"kind": "vibes", "name": "c", "version": "1", "sha256": hex64, "size": 1, "licence": "MIT"}), 400, "INVALID_ARGUMENT", "/kind", "enum"},
		{"attestation score out of range", "POST", "/v1/artifacts/c/1/attestations", with(map[string]any{"type": "evaluation", "scoreBps": 20000}), 400, "INVALID_ARGUMENT", "/scoreBps", "maximum"},
		{"verify without a digest", "GET", "/v1/artifacts/llm/1/verification?size=10", nil, 400, "INVALID_ARGUMENT", "sha256", "required"},
		{"disclosure of seq 0", "POST", "/v1/guardian/disclosures", with(map[string]any{"target": map[string]any{"kind": "ballot", "id": "b1"}, "seq": 0, "text": "t"}), 400, "INVALID_ARGUMENT", "/seq", "minimum"},
		{"incident of an unknown severity", "POST", "/v1/incidents", with(map[string]any{"kind": "key_compromise", "severity": "apocalyptic", "summary": "s", "occurredAt": "2026-11-30T10:00:00Z"}), 400, "INVALID_ARGUMENT", "/severity", "enum"},
		{"incident without time", "POST", "/v1/incidents", with(map[string]any{"kind": "key_compromise", "severity": "low", "summary": "s"}), 400, "INVALID_ARGUMENT", "/occurredAt", "required"},
		// members, genesis, upgrades
		{"member of an unknown role", "POST", "/v1/members", with(map[string]any{"member": map[string]any{"mspId": "LabAMSP", "id": "c"}, "name": "C", "roles": []any{"king"}}), 400, "INVALID_ARGUMENT", "/roles/0", "enum"},
		{"update naming another member", "POST", "/v1/members/LabAMSP/alice/update", with(map[string]any{"name": "A", "member": map[string]any{"mspId": "LabBMSP", "id": "x"}}), 400, "INVALID_ARGUMENT", "/member", "additionalProperties"},
		{"genesis without founders", "POST", "/v1/genesis/proposals", with(map[string]any{"genesis": map[string]any{"constitution": map[string]any{}, "members": []any{}}}), 400, "INVALID_ARGUMENT", "/genesis/founders", "required"},
		{"approval of a non-hash", "POST", "/v1/genesis/approvals", with(map[string]any{"hash": "abc"}), 400, "INVALID_ARGUMENT", "/hash", "pattern"},
		{"metrics of an empty range", "GET", "/v1/metrics?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z", nil, 400, "INVALID_ARGUMENT", "from", "from-before-to"},
		{"metrics of an unknown family", "GET", "/v1/metrics?family=lottery", nil, 400, "INVALID_ARGUMENT", "family", ""},
		{"statement too long", "POST", "/v1/delegates/statement", with(map[string]any{"text": strings.Repeat("x", 4001)}), 400, "INVALID_ARGUMENT", "/text", "maxLength"},
		{"empty statement", "POST", "/v1/delegates/statement", with(map[string]any{"text": ""}), 400, "INVALID_ARGUMENT", "/text", "minLength"},
		{"diff without its end", "GET", "/v1/constitution/diff?from=1", nil, 400, "INVALID_ARGUMENT", "to", "required"},
		{"constitution version 0", "GET", "/v1/constitution/versions/0", nil, 400, "INVALID_ARGUMENT", "version", ""},
		{"upgrade sequence 0", "POST", "/v1/upgrades/0/signoffs", with(map[string]any{"digest": hex64}), 400, "INVALID_ARGUMENT", "sequence", ""},
		{"sign-off by a bad certificate", "POST", "/v1/upgrades/2/signoffs", map[string]any{"digest": hex64, "signer": map[string]any{"mspId": "LabAMSP", "certificate": strings.Repeat("x", 80)}}, 400, "INVALID_ARGUMENT", "/signer/certificate", "pem-x509-certificate"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			requireProblem(t, call(tt.method, tt.path, tt.body), tt.status, tt.code, tt.field, tt.rule)
		})
	}
	require.Zero(t, g.prepared, "no refused request was prepared")
}

func TestOperationReads(t *testing.T) {
	_, _, call := newOpsServer(t)

	supply := call("GET", "/v1/tokens/supply", nil)
	require.Equal(t, 200, supply.status)
	require.EqualValues(t, 1234, supply.body["supply"])

	first := call("GET", "/v1/tokens/accounts?mspId=LabAMSP&limit=2", nil)
	require.Equal(t, 200, first.status, "%v", first.body)
	require.Equal(t, "a", first.body["items"].([]any)[0].(map[string]any)["account"].(map[string]any)["id"])
	cur := first.body["nextCursor"].(string)
	second := call("GET", "/v1/tokens/accounts?mspId=LabAMSP&limit=2&cursor="+cur, nil)
	require.Equal(t, aliceID, second.body["items"].([]any)[0].(map[string]any)["account"].(map[string]any)["id"])
	require.NotContains(t, second.body, "nextCursor")
	requireProblem(t, call("GET", "/v1/tokens/accounts?mspId=LabBMSP&cursor="+cur, nil), 400, "INVALID_ARGUMENT", "cursor", "same-listing")

	requireProblem(t, call("GET", "/v1/treasury/spends/nope", nil), 404, "NOT_FOUND", "id", "exists")

	sup := call("GET", "/v1/ballots/b1/pause-supports", nil)
	require.Equal(t, 200, sup.status)
	require.Equal(t, "vote buying", sup.body["items"].([]any)[0].(map[string]any)["reason"])

	// Conflicts, from the index: on a subject, and of a member by kind.
	c := call("GET", "/v1/conflicts?subjectKind=proposal&subjectId=d1", nil)
	require.Equal(t, 200, c.status, "%v", c.body)
	require.Len(t, c.body["items"], 1)
	require.Equal(t, "I wrote it", c.body["items"].([]any)[0].(map[string]any)["statement"])
	c = call("GET", "/v1/conflicts?mspId=LabAMSP&memberId="+url.QueryEscape(aliceID)+"&kind=grantee", nil)
	require.Equal(t, 200, c.status, "%v", c.body)
	require.Empty(t, c.body["items"], "alice disclosed on a proposal, not as a grantee")
	c = call("GET", "/v1/conflicts?mspId=LabAMSP&memberId="+url.QueryEscape(aliceID)+"&kind=proposal", nil)
	require.Len(t, c.body["items"], 1)

	// Verification compares the caller's digest with the registry's.
	ok := call("GET", "/v1/artifacts/llm/1/verification?sha256="+strings.Repeat("a", 64)+"&size=10", nil)
	require.Equal(t, 200, ok.status, "%v", ok.body)
	require.Equal(t, true, ok.body["registered"])
	require.Equal(t, true, ok.body["matches"])
	require.Equal(t, "research", ok.body["use"])
	bad := call("GET", "/v1/artifacts/llm/1/verification?sha256="+strings.Repeat("b", 64)+"&size=10", nil)
	require.Equal(t, false, bad.body["matches"])
	require.Equal(t, false, bad.body["ok"])
	require.Contains(t, bad.body["reason"], "digest mismatch")
	missing := call("GET", "/v1/artifacts/other/1/verification?sha256="+strings.Repeat("a", 64)+"&size=10", nil)
	require.Equal(t, 200, missing.status)
	require.Equal(t, false, missing.body["registered"])

	// The CLI's filters: a spend source, incidents by kind and time, a
	// score and a balance at a time.
	sp := call("GET", "/v1/treasury/spends?source=round:r1", nil)
	require.Equal(t, 200, sp.status, "%v", sp.body)
	require.Equal(t, "round:r1", sp.body["items"].([]any)[0].(map[string]any)["source"])
	require.NotContains(t, sp.body, "nextCursor")
	in := call("GET", "/v1/incidents?kind=slashing&from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z", nil)
	require.Equal(t, 200, in.status, "%v", in.body)
	require.Len(t, in.body["items"], 1, "one slashing in January; the March one and the key compromise are filtered out")
	require.Equal(t, "i1", in.body["items"].([]any)[0].(map[string]any)["id"])
	require.Len(t, call("GET", "/v1/incidents", nil).body["items"], 3)
	require.Equal(t, "slashing", call("GET", "/v1/incidents/i1", nil).body["kind"])
	requireProblem(t, call("GET", "/v1/incidents/i9", nil), 404, "NOT_FOUND", "id", "exists")
	requireProblem(t, call("GET", "/v1/incidents?kind=gossip", nil), 400, "INVALID_ARGUMENT", "kind", "")
	alice := "/v1/members/LabAMSP/" + url.PathEscape(aliceID)
	sc0 := call("GET", alice+"/reputation?at=2026-03-01T00:00:00Z&categories=merged_code&categories=documentation", nil)
	require.Equal(t, 200, sc0.status, "%v", sc0.body)
	sc := call("GET", alice+"/reputation?at=2026-03-01T00:00:00Z&categories=merged_code&categories=documentation", nil)
	require.Equal(t, 200, sc.status, "%v", sc.body)
	require.Equal(t, "2026-03-01T00:00:00Z", sc.body["at"], "the score at the time asked")
	require.Equal(t, []any{"merged_code", "documentation"}, sc.body["categories"])
	bal := call("GET", alice+"/balance?at=2026-03-01T00:00:00Z", nil)
	require.Equal(t, 200, bal.status, "%v", bal.body)
	require.EqualValues(t, 70, bal.body["balance"], "the checkpoint of February, not today's 90")
	bal = call("GET", alice+"/balance", nil)
	require.EqualValues(t, 90, bal.body["balance"])

	// An upgrade's status, or its check against a digest, from the index:
	// nothing authorises sequence 3.
	requireProblem(t, call("GET", "/v1/upgrades/3", nil), 404, "NOT_FOUND", "", "")
	requireProblem(t, call("GET", "/v1/upgrades/3?digest="+hex64, nil), 404, "NOT_FOUND", "", "")
}

// seedOps writes, through one block the server's index applies, the
// records the operation reads answer from: the token supply and accounts
// (alice with a February checkpoint), a constitution in force, the
// artifact llm/1 and a round's payout spend.
func seedOps(t *testing.T, s *Server) {
	t.Helper()
	alice := identity.Identity{MSPID: "LabAMSP", ID: aliceID}
	feb, apr := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	disclosure := coi.Disclosure{Subject: coi.Subject{Kind: coi.KindProposal, ID: "d1"}, Member: alice, Statement: "I wrote it", DisclosedAt: feb}
	l := newTestLedger()
	l.writes(
		kv(t, core.MustKey("token", "supply"), token.Checkpoint{Balance: 1234}),
		kv(t, core.MustKey("token", "acct", "LabAMSP", "a"), token.Account{Account: identity.Identity{MSPID: "LabAMSP", ID: "a"}}),
		kv(t, core.MustKey("token", "acct", "LabAMSP", aliceID), token.Account{Account: alice, Balance: 90, UpdatedAt: apr}),
		kv(t, core.MustKey("token", "acct", "LabAMSP", "b"), token.Account{Account: identity.Identity{MSPID: "LabAMSP", ID: "b"}}),
		kv(t, core.MustKey("token", "acct", "LabBMSP", "c"), token.Account{Account: identity.Identity{MSPID: "LabBMSP", ID: "c"}}),
		kv(t, core.MustKey("token", "cp", "LabAMSP", aliceID, token.Inv(apr)), token.Checkpoint{Balance: 90, At: apr, Delta: 20, Kind: "in"}),
		kv(t, core.MustKey("token", "cp", "LabAMSP", aliceID, token.Inv(feb)), token.Checkpoint{Balance: 70, At: feb, Delta: 70, Kind: "mint"}),
		kv(t, core.MustKey("constitution", "current"), constitution.Version{Version: 1, Decision: "genesis", Document: constitution.Default()}),
		kv(t, core.MustKey("artifact", "llm", "1"), artifact.Artifact{Kind: "model", Name: "llm", Version: "1", SHA256: strings.Repeat("a", 64), Size: 10}),
		kv(t, core.MustKey("treasury", "spend", "s1"), treasury.Spend{ID: "s1", Source: "round:r1"}),
		kv(t, core.MustKey("treasury", "src", "round:r1", "s1"), "s1"),
		// a ballot with a guardian's pause support, alice's disclosure on
		// proposal d1, and three incidents
		kv(t, core.MustKey("ballot", "b1"), ballot.Ballot{ID: "b1", Kind: ballot.KindPoll, Title: "q", Status: ballot.StatusPending}),
		kv(t, core.MustKey("emergency-support", "ballot", "b1", "FoundationMSP", "g"), emergency.Support{Target: ballot.Target("b1"), Guardian: identity.Identity{MSPID: "FoundationMSP", ID: "g"}, Reason: "vote buying", At: feb}),
		kv(t, core.MustKey("coi", "proposal", "d1", "LabAMSP", aliceID), disclosure),
		kv(t, core.MustKey("coi-member", "LabAMSP", aliceID, "proposal", "d1"), disclosure),
		kv(t, core.MustKey("incident", "i1"), incident.Incident{ID: "i1", Kind: "slashing", Severity: "low", Summary: "s", OccurredAt: feb.AddDate(0, 0, -15)}),
		kv(t, core.MustKey("incident", "i2"), incident.Incident{ID: "i2", Kind: "slashing", Severity: "low", Summary: "s", OccurredAt: feb.AddDate(0, 1, 0)}),
		kv(t, core.MustKey("incident", "i3"), incident.Incident{ID: "i3", Kind: "key_compromise", Severity: "high", Summary: "s", OccurredAt: feb.AddDate(0, 0, -15)}),
	)
	feed(t, s, l)
}

const aliceID = "x509::CN=alice::CN=ca"

func kv(t *testing.T, key string, v any) *kvrwset.KVWrite {
	t.Helper()
	raw, err := json.Marshal(v)
	require.NoError(t, err)
	return &kvrwset.KVWrite{Key: key, Value: raw}
}
