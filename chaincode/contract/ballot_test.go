package contract

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/ballot"
	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/decision"
	"github.com/charter-gov/charter/chaincode/delegation"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/genesis"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/membership"
	"github.com/charter-gov/charter/chaincode/token"
	"github.com/charter-gov/charter/chaincode/vouch"
)

func mustArg(t *testing.T, v any) string {
	t.Helper()
	raw, err := json.Marshal(v)
	require.NoError(t, err)
	return string(raw)
}

// harnessSkewSec is the clock skew of the ballot harness's constitution:
// ballots open that long after creation.
const harnessSkewSec = 5

// ballotHarness: a constitution whose budget decisions are token-weighted
// with short periods, an admin and two founding members holding the given
// genesis allocations (ada's, bob's; 0 for none), of one organisation, so
// without the organisation cap (guard_test.go covers it).
func ballotHarness(t *testing.T, adaTokens, bobTokens int64) (*harness, testIdentity, testIdentity, testIdentity) {
	h := newHarness(t)
	admin := newIdentity(t, "LabAMSP", "Admin@labA", "admin")
	ada := newIdentity(t, "LabAMSP", "Ada@labA", "client")
	bob := newIdentity(t, "LabAMSP", "Bob@labA", "client")
	doc := constitution.Default()
	doc.Safeguards.OrgCapBps = 10000
	doc.Time.MaxClockSkewSec = harnessSkewSec
	for i := range doc.DecisionRules {
		if doc.DecisionRules[i].Type == constitution.Budget {
			r := &doc.DecisionRules[i]
			r.Families, r.VotingDelaySec, r.VotingPeriodSec, r.TimelockSec = []constitution.Family{constitution.FamilyToken}, 0, 60, 30
		}
	}
	var members []membership.FoundingMember
	var allocs []genesis.Allocation
	for i, u := range []testIdentity{ada, bob} {
		id := identity.FromCert(u.msp, u.cert)
		members = append(members, membership.FoundingMember{Member: id, Name: u.cert.Subject.CommonName})
		if amount := []int64{adaTokens, bobTokens}[i]; amount > 0 {
			allocs = append(allocs, genesis.Allocation{To: id, Amount: amount})
		}
	}
	h.found(testGenesis(t, &doc, members, allocs))
	return h, admin, ada, bob
}

func TestBallotThroughContract(t *testing.T) {
	h, _, ada, bob := ballotHarness(t, 40, 60)
	adaID := identity.FromCert(ada.msp, ada.cert)
	h.clock = h.clock.Add(time.Second) // the genesis allocation precedes the ballot

	b := proposeBudget(t, h, ada, "GPU credits")
	res, stub := h.invoke(ada, 0, "ballot:Get", b.ID)
	require.Equal(t, int32(ok), res.Status, res.Message)
	assert.Equal(t, constitution.FamilyToken, b.Family)
	assert.Equal(t, h.clock.Add(harnessSkewSec*time.Second), b.OpensAt, "no voting delay: voting opens one skew after creation")

	h.clock = b.OpensAt
	res, stub = h.invoke(ada, 0, "ballot:Vote", mustArg(t, ballot.CastRequest{Ballot: b.ID, Choice: "for"}))
	require.Equal(t, int32(ok), res.Status, res.Message)
	assert.Contains(t, stub.Events, ballot.EventVoted)
	res, _ = h.invoke(bob, 0, "ballot:Vote", mustArg(t, ballot.CastRequest{Ballot: b.ID, Choice: "against"}))
	require.Equal(t, int32(ok), res.Status, res.Message)

	res, _ = h.invoke(bob, 0, "ballot:Get", b.ID)
	require.Equal(t, int32(ok), res.Status, res.Message)
	assert.Contains(t, string(res.Payload), `"statusNow":"active"`)

	h.clock = b.EndsAt
	res, _ = h.invoke(bob, 0, "ballot:Close", b.ID)
	assert.Contains(t, res.Message, "clock-skew margin of 5s", "not before the end plus the skew")
	h.clock = b.CloseableFrom(harnessSkewSec * time.Second)
	res, stub = h.invoke(bob, 0, "ballot:Close", b.ID)
	require.Equal(t, int32(ok), res.Status, res.Message)
	assert.Contains(t, stub.Events, ballot.EventClosed)
	res, stub = h.invoke(bob, 0, "ballot:Tally", b.ID, "0")
	require.Equal(t, int32(ok), res.Status, res.Message)
	assert.Contains(t, stub.Events, ballot.EventTallied)
	var p ballot.Progress
	require.NoError(t, json.Unmarshal(res.Payload, &p))
	require.True(t, p.Done)
	assert.Equal(t, ballot.StatusDefeated, p.Status)

	res, _ = h.invoke(bob, 0, "ballot:Results", b.ID)
	require.Equal(t, int32(ok), res.Status, res.Message)
	var r BallotResults
	require.NoError(t, json.Unmarshal(res.Payload, &r))
	require.NotNil(t, r.Ballot.Result)
	assert.Equal(t, "60", r.Ballot.Result.Totals[1].Total)
	assert.Equal(t, ballot.PhaseDone, r.Tally.Phase)

	res, _ = h.invoke(bob, 0, "ballot:Votes", b.ID, "0", "100")
	require.Equal(t, int32(ok), res.Status, res.Message)
	var vp VotePage
	require.NoError(t, json.Unmarshal(res.Payload, &vp))
	assert.Len(t, vp.Votes, 2)

	res, _ = h.invoke(bob, 0, "token:Balance", adaID.MSPID, adaID.ID)
	require.Equal(t, int32(ok), res.Status, res.Message)
	assert.JSONEq(t, `{"account":{"mspId":"LabAMSP","id":"`+adaID.ID+`"},"balance":40}`, string(res.Payload))

}

func TestBallotRefusalsAreCodedAndChangeNothing(t *testing.T) {
	h, admin, ada, bob := ballotHarness(t, 10, 0)
	adaID, bobID := identity.FromCert(ada.msp, ada.cert), identity.FromCert(bob.msp, bob.cert)
	stranger := newIdentity(t, "LabBMSP", "Eve@labB", "client")
	h.clock = h.clock.Add(time.Second)
	b := proposeBudget(t, h, ada, "x")
	res, _ := h.invoke(ada, 0, "ballot:Get", b.ID)
	require.Equal(t, int32(ok), res.Status, res.Message)
	res, _ = h.invoke(bob, 0, "delegation:Set", mustArg(t, delegation.SetRequest{Topic: "*", Legs: []delegation.Leg{{To: adaID, Percent: 100}}}))
	require.Equal(t, int32(ok), res.Status, res.Message)
	h.clock = b.OpensAt

	tests := []struct {
		name   string
		caller testIdentity
		fn     string
		args   []string
		code   errcode.Code
		msg    string
	}{
		{"vote by non-member", stranger, "ballot:Vote", []string{mustArg(t, ballot.CastRequest{Ballot: b.ID, Choice: "for"})}, errcode.Forbidden, "not an active member"},
		{"vote without weight", bob, "ballot:Vote", []string{mustArg(t, ballot.CastRequest{Ballot: b.ID, Choice: "for"})}, errcode.Forbidden, "held no tokens"},
		{"vote unknown option", ada, "ballot:Vote", []string{mustArg(t, ballot.CastRequest{Ballot: b.ID, Choice: "perhaps"})}, errcode.InvalidArgument, "unknown choice"},
		{"vote unknown ballot", ada, "ballot:Vote", []string{mustArg(t, ballot.CastRequest{Ballot: "bzzz", Choice: "for"})}, errcode.NotFound, "bzzz"},
		{"vote with unknown field", ada, "ballot:Vote", []string{`{"ballot":"` + b.ID + `","choice":"for","weight":1000}`}, errcode.InvalidArgument, `unknown field "weight"`},
		{"close early", bob, "ballot:Close", []string{b.ID}, errcode.FailedPrecondition, "cannot be closed before"},
		{"tally bad page", bob, "ballot:Tally", []string{b.ID, "many"}, errcode.InvalidArgument, "not a whole number"},
		{"execute a decision's ballot", bob, "ballot:Execute", []string{b.ID}, errcode.FailedPrecondition, "belongs to decision"},
		{"a decision ballot through ballot:Create", ada, "ballot:Create", []string{mustArg(t, ballot.CreateRequest{DecisionType: constitution.Budget, Title: "x"})}, errcode.InvalidArgument, "opened only by decision:Propose"},
		{"cancel a decision's ballot", ada, "ballot:Cancel", []string{mustArg(t, ballot.CancelRequest{Ballot: b.ID, Reason: "mine"})}, errcode.Forbidden, "cannot be cancelled by anyone"},
		{"pause by a non-guardian", ada, "ballot:Pause", []string{mustArg(t, ballot.PauseRequest{Ballot: b.ID, Reason: "r"})}, errcode.Forbidden, "guardian"},
		{"vouch within one's organisation", ada, "member:Vouch", []string{mustArg(t, vouch.GiveRequest{Member: bobID})}, errcode.Forbidden, "another organisation"},
		{"transfer beyond balance", ada, "token:Transfer", []string{mustArg(t, token.TransferRequest{To: bobID, Amount: 11})}, errcode.InvalidArgument, "exceeds the balance"},
		{"negative transfer", ada, "token:Transfer", []string{mustArg(t, token.TransferRequest{To: bobID, Amount: -1})}, errcode.InvalidArgument, "positive"},
		{"mint by a member", ada, "token:Mint", []string{`{"to":{"mspId":"LabAMSP","id":"x"},"amount":1}`}, errcode.Forbidden, "token_issuance decision"},
		{"mint by an organisation admin", admin, "token:Mint", []string{`{"to":{"mspId":"LabAMSP","id":"x"},"amount":1}`}, errcode.Forbidden, "token_issuance decision"},
		{"delegation cycle", ada, "delegation:Set", []string{mustArg(t, delegation.SetRequest{Topic: "*", Legs: []delegation.Leg{{To: bobID, Percent: 50}}})}, errcode.InvalidArgument, "cycle"},
		{"delegation to oneself", ada, "delegation:Set", []string{mustArg(t, delegation.SetRequest{Topic: "*", Legs: []delegation.Leg{{To: adaID, Percent: 50}}})}, errcode.InvalidArgument, "oneself"},
		{"bad time", ada, "token:BalanceAt", []string{adaID.MSPID, adaID.ID, "yesterday"}, errcode.InvalidArgument, "RFC 3339"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := h.state.Snapshot()
			res, stub := h.invoke(tt.caller, 0, tt.fn, tt.args...)
			require.Equal(t, int32(500), res.Status, res.Message)
			decoded, found := errcode.Decode(res.Message)
			require.True(t, found, "coded error: %s", res.Message)
			assert.Equal(t, tt.code, decoded.Code, res.Message)
			assert.Contains(t, res.Message, tt.msg)
			assert.Equal(t, before, h.state.Snapshot(), "state unchanged")
			assert.Empty(t, stub.Events, "no event")
		})
	}
}

// proposeBudget proposes a budget decision (House B only) and returns its
// ballot: decision ballots are opened only through decision:Propose.
func proposeBudget(t *testing.T, h *harness, by testIdentity, title string) ballot.Ballot {
	t.Helper()
	res, stub := h.invoke(by, 0, "decision:Propose", mustArg(t, decision.ProposeRequest{Type: constitution.Budget, Title: title}))
	require.Equal(t, int32(ok), res.Status, res.Message)
	assert.Contains(t, stub.Events, decision.EventProposed)
	var d decision.Decision
	require.NoError(t, json.Unmarshal(res.Payload, &d))
	require.Len(t, d.Ballots, 1)
	res, _ = h.invoke(by, 0, "ballot:Get", d.Ballots[0].Ballot)
	require.Equal(t, int32(ok), res.Status, res.Message)
	var b ballot.Ballot
	require.NoError(t, json.Unmarshal(res.Payload, &b))
	return b
}
