package contract

import (
	"encoding/json"
	"fmt"
	"maps"
	"testing"
	"time"

	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/contribution"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/internal/fakestub"
	"github.com/charter-gov/charter/chaincode/membership"
	"github.com/charter-gov/charter/chaincode/reputation"
)

// repWorld is a harness with a constitution and a cast of members, and a
// transaction-ID sequence of its own (attestation IDs are transaction IDs,
// so every invocation needs a distinct one).
type repWorld struct {
	*harness
	seq                                int
	adminA, adminB                     testIdentity
	attester, recipient, judge, member testIdentity
}

func newRepWorld(t *testing.T) *repWorld { return newRepWorldTB(t) }

// newRepWorldTB is newRepWorld for tests and benchmarks.
func newRepWorldTB(t testing.TB) *repWorld {
	t.Helper()
	w := &repWorld{
		harness:   newHarness(t),
		adminA:    newIdentity(t, "LabAMSP", "Admin@labA", "admin"),
		adminB:    newIdentity(t, "LabBMSP", "Admin@labB", "admin"),
		attester:  newIdentity(t, "LabAMSP", "Attester@labA", "client"),
		recipient: newIdentity(t, "LabBMSP", "Ada@labB", "client"),
		judge:     newIdentity(t, "LabBMSP", "Judge@labB", "client"),
		member:    newIdentity(t, "LabAMSP", "Carol@labA", "client"),
	}
	w.foundDefault(
		membership.FoundingMember{Member: w.id(w.attester), Name: "Attester",
			Roles: []membership.Role{membership.RoleAttester}, AttesterCategories: []contribution.Category{contribution.MergedCode, contribution.SafetyReview}},
		membership.FoundingMember{Member: w.id(w.judge), Name: "Judge", Roles: []membership.Role{membership.RoleHouseA}})
	w.ok(w.adminB, "member:Register", mustJSON(t, membership.RegisterRequest{Member: w.id(w.recipient), Name: "Ada"}))
	w.ok(w.adminA, "member:Register", mustJSON(t, membership.RegisterRequest{Member: w.id(w.member), Name: "Carol"}))
	return w
}

func mustJSON(t testing.TB, v any) string {
	t.Helper()
	raw, err := json.Marshal(v)
	require.NoError(t, err)
	return string(raw)
}

func (w *repWorld) id(ti testIdentity) identity.Identity { return identity.FromCert(ti.msp, ti.cert) }

// call invokes fn as caller with a fresh transaction ID at the harness clock.
func (w *repWorld) call(caller testIdentity, fn string, args ...string) (*peer.Response, *fakestub.Stub) {
	w.t.Helper()
	cc, err := NewChaincode(w.cfg)
	require.NoError(w.t, err)
	w.seq++
	stub := &fakestub.Stub{
		State:     w.state,
		Args:      append([]string{fn}, args...),
		Creator:   caller.serialized(w.t),
		Timestamp: w.clock,
		TxID:      fmt.Sprintf("rep-tx-%04d", w.seq),
		Events:    map[string][]byte{},
	}
	return cc.Invoke(stub), stub
}

// ok invokes and requires success, returning the payload and the stub.
func (w *repWorld) ok(caller testIdentity, fn string, args ...string) ([]byte, *fakestub.Stub) {
	w.t.Helper()
	res, stub := w.call(caller, fn, args...)
	require.Equal(w.t, int32(ok), res.Status, "%s: %s", fn, res.Message)
	return res.Payload, stub
}

func (w *repWorld) attestReq(weight int64) string {
	return mustJSON(w.t, reputation.AttestRequest{Recipient: w.id(w.recipient), Category: contribution.MergedCode, Weight: weight, Evidence: "https://git.example/pull/42"})
}

func TestReputationThroughContract(t *testing.T) {
	w := newRepWorld(t)
	rec := w.id(w.recipient)
	t0 := w.clock

	raw, stub := w.ok(w.attester, "reputation:Attest", w.attestReq(600))
	var a reputation.Attestation
	require.NoError(t, json.Unmarshal(raw, &a))
	assert.Equal(t, stub.TxID, a.ID, "the attestation ID is the transaction ID")
	assert.Equal(t, w.id(w.attester), a.Attester)
	assert.Equal(t, t0, a.IssuedAt)
	require.Len(t, stub.Events, 1, "exactly one event")
	var ev core.Event
	require.NoError(t, json.Unmarshal(stub.Events[reputation.EventAttested], &ev))
	assert.Equal(t, reputation.EventAttested, ev.Type)
	assert.Equal(t, w.id(w.attester), ev.Actor)

	raw, _ = w.ok(w.attester, "reputation:Attest", mustJSON(t, reputation.AttestRequest{Recipient: rec, Category: contribution.SafetyReview, Weight: 150, Evidence: "sha256:beef"}))
	var safety reputation.Attestation
	require.NoError(t, json.Unmarshal(raw, &safety))

	ref := reputation.AttestationRef{Recipient: rec, AttestationID: a.ID}
	raw, stub = w.ok(w.member, "reputation:Endorse", mustJSON(t, reputation.EndorseRequest{AttestationRef: ref, Comment: "reviewed it"}))
	var e reputation.Endorsement
	require.NoError(t, json.Unmarshal(raw, &e))
	assert.Equal(t, w.id(w.member), e.Endorser)
	assert.Contains(t, stub.Events, reputation.EventEndorsed)

	// Score now (empty at: the transaction timestamp), and one half-life on.
	raw, stub = w.ok(w.member, "reputation:Score", rec.MSPID, rec.ID, "", "")
	assert.Empty(t, stub.Events, "queries emit nothing")
	var sc reputation.ScoreReport
	require.NoError(t, json.Unmarshal(raw, &sc))
	assert.Equal(t, int64(600_000*105/100+150_000), sc.Score, "600 points + 5% endorsement bonus + 150 safety points")
	require.Len(t, sc.ByCategory, len(contribution.All()))
	raw, _ = w.ok(w.member, "reputation:Score", rec.MSPID, rec.ID, t0.Add(90*24*time.Hour).Format(time.RFC3339), "merged_code, safety_review")
	require.NoError(t, json.Unmarshal(raw, &sc))
	assert.Equal(t, int64(315_000+75_000), sc.Score)
	assert.Equal(t, []contribution.Category{contribution.MergedCode, contribution.SafetyReview}, sc.Categories)

	raw, _ = w.ok(w.member, "reputation:Eligible", rec.MSPID, rec.ID, "", "", "")
	var el reputation.EligibilityPage
	require.NoError(t, json.Unmarshal(raw, &el))
	require.Len(t, el.Reports, 1)
	assert.True(t, el.Reports[0].Eligible, el.Reports[0].Reasons)
	raw, _ = w.ok(w.member, "reputation:Eligible", "", "", "", "", "")
	el = reputation.EligibilityPage{}
	require.NoError(t, json.Unmarshal(raw, &el))
	assert.Len(t, el.Reports, 4, "every active member")
	assert.Empty(t, el.Bookmark, "on one page")
	raw, _ = w.ok(w.member, "reputation:Eligible", "", "", "", "3", "")
	el = reputation.EligibilityPage{}
	require.NoError(t, json.Unmarshal(raw, &el))
	assert.Len(t, el.Reports, 3, "a page of three")
	require.NotEmpty(t, el.Bookmark)
	raw, _ = w.ok(w.member, "reputation:Eligible", "", "", "", "3", el.Bookmark)
	el = reputation.EligibilityPage{}
	require.NoError(t, json.Unmarshal(raw, &el))
	assert.Len(t, el.Reports, 1, "the rest")
	assert.Empty(t, el.Bookmark)

	raw, stub = w.ok(w.attester, "reputation:Revoke", mustJSON(t, reputation.RevokeRequest{AttestationRef: reputation.AttestationRef{Recipient: rec, AttestationID: safety.ID}, Reason: "wrong evidence"}))
	require.NoError(t, json.Unmarshal(raw, &safety))
	require.NotNil(t, safety.Revoked)
	assert.Contains(t, stub.Events, reputation.EventRevoked)

	// No transaction slashes: a House A member's "reputation:Slash" is
	// refused, naming the slashing decision, and nothing changes.
	before, writes := w.state.Snapshot(), w.state.Writes
	res, stub := w.call(w.judge, "reputation:Slash", mustJSON(t, reputation.SlashRequest{Member: rec, FractionBps: 5000, Reason: "sock puppets"}))
	require.Equal(t, int32(500), res.Status, res.Message)
	decoded, found := errcode.Decode(res.Message)
	require.True(t, found, res.Message)
	assert.Equal(t, errcode.Forbidden, decoded.Code, res.Message)
	assert.Contains(t, res.Message, "slashing decision")
	assert.Equal(t, before, w.state.Snapshot())
	assert.Equal(t, writes, w.state.Writes)
	assert.Empty(t, stub.Events)

	raw, _ = w.ok(w.member, "reputation:History", rec.MSPID, rec.ID)
	var h reputation.History
	require.NoError(t, json.Unmarshal(raw, &h))
	assert.Len(t, h.Attestations, 2)
	assert.Len(t, h.Endorsements, 1)
	assert.Empty(t, h.Slashes)
}

func TestReputationRefusalsAreCodedAndChangeNothing(t *testing.T) {
	type args func(w *repWorld) []string
	tests := []struct {
		name   string
		caller func(w *repWorld) testIdentity
		fn     string
		args   args
		code   errcode.Code
		msg    string
	}{
		{"self-attestation", func(w *repWorld) testIdentity { return w.attester }, "reputation:Attest", func(w *repWorld) []string {
			return []string{mustJSON(w.t, reputation.AttestRequest{Recipient: w.id(w.attester), Category: contribution.MergedCode, Weight: 1, Evidence: "e"})}
		}, errcode.Forbidden, "self-attestation"},
		{"unknown category", func(w *repWorld) testIdentity { return w.attester }, "reputation:Attest", func(w *repWorld) []string {
			return []string{mustJSON(w.t, reputation.AttestRequest{Recipient: w.id(w.recipient), Category: "poetry", Weight: 1, Evidence: "e"})}
		}, errcode.InvalidArgument, `unknown contribution category "poetry"`},
		{"non-attester attests", func(w *repWorld) testIdentity { return w.member }, "reputation:Attest", func(w *repWorld) []string {
			return []string{w.attestReq(1)}
		}, errcode.Forbidden, "does not hold the attester role"},
		{"weight out of bounds", func(w *repWorld) testIdentity { return w.attester }, "reputation:Attest", func(w *repWorld) []string {
			return []string{w.attestReq(5000)}
		}, errcode.InvalidArgument, "out of bounds"},
		{"attestation to a non-member", func(w *repWorld) testIdentity { return w.attester }, "reputation:Attest", func(w *repWorld) []string {
			return []string{mustJSON(w.t, reputation.AttestRequest{Recipient: w.id(w.adminB), Category: contribution.MergedCode, Weight: 1, Evidence: "e"})}
		}, errcode.NotFound, "not an active member"},
		{"cap exceeded", func(w *repWorld) testIdentity { return w.attester }, "reputation:Attest", func(w *repWorld) []string {
			return []string{w.attestReq(1000)}
		}, errcode.FailedPrecondition, "farming cap exceeded"},
		{"revoke by someone other than the issuer", func(w *repWorld) testIdentity { return w.judge }, "reputation:Revoke", func(w *repWorld) []string {
			return []string{mustJSON(w.t, reputation.RevokeRequest{AttestationRef: reputation.AttestationRef{Recipient: w.id(w.recipient), AttestationID: "rep-tx-0003"}, Reason: "r"})}
		}, errcode.Forbidden, "only the issuing attester"},
		{"slash by a plain member", func(w *repWorld) testIdentity { return w.member }, "reputation:Slash", func(w *repWorld) []string {
			return []string{mustJSON(w.t, reputation.SlashRequest{Member: w.id(w.recipient), FractionBps: 100, Reason: "r"})}
		}, errcode.Forbidden, "only from an executed slashing decision"},
		{"slash by a House A member", func(w *repWorld) testIdentity { return w.judge }, "reputation:Slash", func(w *repWorld) []string {
			return []string{mustJSON(w.t, reputation.SlashRequest{Member: w.id(w.recipient), FractionBps: 10000, Reason: "r"})}
		}, errcode.Forbidden, "only from an executed slashing decision"},
		{"malformed JSON", func(w *repWorld) testIdentity { return w.attester }, "reputation:Attest", func(*repWorld) []string { return []string{"{"} },
			errcode.InvalidArgument, "malformed JSON"},
		{"hostile field", func(w *repWorld) testIdentity { return w.attester }, "reputation:Attest", func(*repWorld) []string {
			return []string{`{"recipient":{},"category":"merged_code","weight":1,"evidence":"e","attester":{"mspId":"LabBMSP"}}`}
		}, errcode.InvalidArgument, `unknown field "attester"`},
		{"score at a malformed time", func(w *repWorld) testIdentity { return w.member }, "reputation:Score", func(w *repWorld) []string {
			return []string{"LabBMSP", w.id(w.recipient).ID, "yesterday", ""}
		}, errcode.InvalidArgument, "not RFC 3339"},
		{"score of an unknown category", func(w *repWorld) testIdentity { return w.member }, "reputation:Score", func(w *repWorld) []string {
			return []string{"LabBMSP", w.id(w.recipient).ID, "", "merged_code,poetry"}
		}, errcode.InvalidArgument, `"poetry"`},
		{"eligibility of a non-member", func(w *repWorld) testIdentity { return w.member }, "reputation:Eligible", func(w *repWorld) []string {
			return []string{"LabBMSP", w.id(w.adminB).ID, "", "", ""}
		}, errcode.NotFound, "not registered"},
		{"a page of one member's eligibility", func(w *repWorld) testIdentity { return w.member }, "reputation:Eligible", func(w *repWorld) []string {
			return []string{"LabBMSP", w.id(w.recipient).ID, "", "2", ""}
		}, errcode.InvalidArgument, "no page size or bookmark"},
		{"an eligibility page too large", func(w *repWorld) testIdentity { return w.member }, "reputation:Eligible", func(w *repWorld) []string {
			return []string{"", "", "", "1001", ""}
		}, errcode.InvalidArgument, "outside 1..1000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newRepWorld(t)
			w.ok(w.attester, "reputation:Attest", w.attestReq(1000)) // rep-tx-0003
			w.ok(w.attester, "reputation:Attest", w.attestReq(1000))
			before := w.state.Snapshot()
			res, stub := w.call(tt.caller(w), tt.fn, tt.args(w)...)
			require.Equal(t, int32(500), res.Status)
			decoded, found := errcode.Decode(res.Message)
			require.True(t, found, "coded error: %s", res.Message)
			assert.Equal(t, tt.code, decoded.Code, res.Message)
			assert.Contains(t, res.Message, tt.msg)
			assert.Equal(t, before, w.state.Snapshot(), "state unchanged")
			assert.Empty(t, stub.Events, "no event")
		})
	}
}

// FuzzAttestArgument feeds hostile payloads to reputation:Attest: the
// result is success or a coded refusal, never a panic or an uncoded error,
// and a refusal writes nothing.
func FuzzAttestArgument(f *testing.F) {
	f.Add(`{"recipient":{"mspId":"LabBMSP","id":"x509::CN=Ada@labB,OU=client::CN=ca.LabBMSP"},"category":"merged_code","weight":1,"evidence":"e"}`)
	f.Add(`{"recipient":null,"weight":-1}`)
	f.Add(`{"category":"merged_code","weight":9223372036854775807,"evidence":"\u0000"}`)
	f.Add(`{"expiresAt":"1970-01-01T00:00:00Z"}`)
	f.Fuzz(func(t *testing.T, arg string) {
		w := newRepWorld(t)
		before := w.state.Snapshot()
		res, stub := w.call(w.attester, "reputation:Attest", arg)
		if res.Status == ok {
			if len(stub.Events) != 1 {
				t.Fatalf("accepted attestation emitted %d events", len(stub.Events))
			}
			return
		}
		if _, found := errcode.Decode(res.Message); !found {
			t.Fatalf("uncoded error for %q: %s", arg, res.Message)
		}
		if !maps.Equal(w.state.Snapshot(), before) {
			t.Fatalf("refused attestation wrote state: %q", arg)
		}
	})
}
