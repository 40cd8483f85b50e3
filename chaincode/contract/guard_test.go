package contract

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/ballot"
	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/genesis"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/membership"
	"github.com/charter-gov/charter/chaincode/vouch"
)

// TestGuardiansVouchesAndTheCapThroughContract: members of two
// organisations registered after genesis vote only once vouched by the
// other; one organisation's guardians cannot pause alone.
func TestGuardiansVouchesAndTheCapThroughContract(t *testing.T) {
	h := newHarness(t)
	adminA, adminB := founderAdmin(t, "LabAMSP"), founderAdmin(t, "LabBMSP")
	ada := newIdentity(t, "LabAMSP", "Ada@labA", "client")
	gA1 := newIdentity(t, "LabAMSP", "Guard1@labA", "client")
	gA2 := newIdentity(t, "LabAMSP", "Guard2@labA", "client")
	bob := newIdentity(t, "LabBMSP", "Bob@labB", "client")
	gB := newIdentity(t, "LabBMSP", "Guard@labB", "client")
	doc := constitution.Default()
	for i := range doc.DecisionRules {
		if r := &doc.DecisionRules[i]; r.Type == constitution.Budget {
			r.Families, r.VotingDelaySec, r.VotingPeriodSec, r.TimelockSec = []constitution.Family{constitution.FamilySeat}, 0, 600, 30
		}
	}
	require.Equal(t, int64(5000), doc.Safeguards.OrgCapBps)
	require.Equal(t, int64(1), doc.Safeguards.VouchesRequired)
	id := func(u testIdentity) identity.Identity { return identity.FromCert(u.msp, u.cert) }
	guardian := func(u testIdentity) membership.FoundingMember {
		return membership.FoundingMember{Member: id(u), Name: u.cert.Subject.CommonName, Roles: []membership.Role{membership.RoleGuardian}}
	}
	h.found(testGenesis(t, &doc, []membership.FoundingMember{guardian(gA1), guardian(gA2), guardian(gB)}, nil))
	h.clock = h.clock.Add(time.Second)
	// ada and bob are plain members registered after the genesis: they
	// vote only once vouched for.
	for _, m := range []struct{ admin, u testIdentity }{{adminA, ada}, {adminB, bob}} {
		res, _ := h.invoke(m.admin, 0, "member:Register", mustArg(t, membership.RegisterRequest{Member: id(m.u), Name: m.u.cert.Subject.CommonName}))
		require.Equal(t, int32(ok), res.Status, res.Message)
	}
	res, stub := h.invoke(bob, 0, "member:Vouch", mustArg(t, vouch.GiveRequest{Member: id(ada)}))
	require.Equal(t, int32(ok), res.Status, res.Message)
	assert.Contains(t, stub.Events, vouch.EventVouched)
	res, _ = h.invoke(bob, 0, "member:Vouches", id(ada).MSPID, id(ada).ID)
	require.Equal(t, int32(ok), res.Status, res.Message)
	assert.Contains(t, string(res.Payload), id(bob).ID)

	h.clock = h.clock.Add(time.Second)
	b := proposeBudget(t, h, ada, "GPU credits")
	h.clock = b.OpensAt // voting opens one clock skew after the proposal
	refusedHere := func(caller testIdentity, code errcode.Code, msg, fn string, args ...string) {
		t.Helper()
		before := h.state.Snapshot()
		res, stub := h.invoke(caller, 0, fn, args...)
		require.Equal(t, int32(500), res.Status, res.Message)
		decoded, found := errcode.Decode(res.Message)
		require.True(t, found, res.Message)
		assert.Equal(t, code, decoded.Code, res.Message)
		assert.Contains(t, res.Message, msg)
		assert.Equal(t, before, h.state.Snapshot(), "state unchanged")
		assert.Empty(t, stub.Events)
	}
	// bob was never vouched for.
	refusedHere(bob, errcode.Forbidden, "fewer than 1 vouches", "ballot:Vote", mustArg(t, ballot.CastRequest{Ballot: b.ID, Choice: "against"}))
	res, _ = h.invoke(ada, 0, "ballot:Vote", mustArg(t, ballot.CastRequest{Ballot: b.ID, Choice: "for"}))
	require.Equal(t, int32(ok), res.Status, res.Message)

	pause := func(g testIdentity) ballot.PauseResult {
		t.Helper()
		res, _ := h.invoke(g, 0, "ballot:Pause", mustArg(t, ballot.PauseRequest{Ballot: b.ID, Reason: "vote buying reported"}))
		require.Equal(t, int32(ok), res.Status, res.Message)
		var r ballot.PauseResult
		require.NoError(t, json.Unmarshal(res.Payload, &r))
		return r
	}
	assert.False(t, pause(gA1).InForce, "one guardian")
	assert.False(t, pause(gA2).InForce, "two guardians of one organisation")
	refusedHere(gA1, errcode.Conflict, "already supports", "ballot:Pause", mustArg(t, ballot.PauseRequest{Ballot: b.ID, Reason: "again"}))
	res, _ = h.invoke(ada, 0, "ballot:Vote", mustArg(t, ballot.CastRequest{Ballot: b.ID, Choice: "for"}))
	require.Equal(t, int32(ok), res.Status, "voting goes on: %s", res.Message)
	res, stub = h.invoke(gB, 0, "ballot:Pause", mustArg(t, ballot.PauseRequest{Ballot: b.ID, Reason: "confirmed"}))
	require.Equal(t, int32(ok), res.Status, res.Message)
	assert.Contains(t, stub.Events, ballot.EventPaused)
	refusedHere(ada, errcode.FailedPrecondition, "paused by 3 guardians", "ballot:Vote", mustArg(t, ballot.CastRequest{Ballot: b.ID, Choice: "against"}))
	res, _ = h.invoke(ada, 0, "ballot:PauseSupports", b.ID)
	require.Equal(t, int32(ok), res.Status, res.Message)
	var sup []ballot.PauseSupport
	require.NoError(t, json.Unmarshal(res.Payload, &sup))
	assert.Len(t, sup, 3)
}

// TestOrgCapThroughContract: LabB's 70 tokens for its own budget against
// LabA's 40 are capped to 40, so LabB alone does not pass it.
func TestOrgCapThroughContract(t *testing.T) {
	h := newHarness(t)
	ada := newIdentity(t, "LabAMSP", "Ada@labA", "client")
	bob := newIdentity(t, "LabBMSP", "Bob@labB", "client")
	doc := constitution.Default()
	for i := range doc.DecisionRules {
		if r := &doc.DecisionRules[i]; r.Type == constitution.Budget {
			r.Families, r.VotingDelaySec, r.VotingPeriodSec, r.TimelockSec = []constitution.Family{constitution.FamilyToken}, 0, 60, 30
		}
	}
	id := func(u testIdentity) identity.Identity { return identity.FromCert(u.msp, u.cert) }
	h.found(testGenesis(t, &doc, []membership.FoundingMember{{Member: id(ada), Name: "Ada"}, {Member: id(bob), Name: "Bob"}},
		[]genesis.Allocation{{To: id(ada), Amount: 40}, {To: id(bob), Amount: 70}}))
	h.clock = h.clock.Add(time.Second)
	b := proposeBudget(t, h, bob, "LabB's budget")
	h.clock = b.OpensAt
	for _, v := range []struct {
		who    testIdentity
		choice string
	}{{ada, "against"}, {bob, "for"}} {
		res, _ := h.invoke(v.who, 0, "ballot:Vote", mustArg(t, ballot.CastRequest{Ballot: b.ID, Choice: v.choice}))
		require.Equal(t, int32(ok), res.Status, res.Message)
	}
	h.clock = b.CloseableFrom(time.Duration(doc.Time.MaxClockSkewSec) * time.Second)
	res, _ := h.invoke(ada, 0, "ballot:Close", b.ID)
	require.Equal(t, int32(ok), res.Status, res.Message)
	res, _ = h.invoke(ada, 0, "ballot:Tally", b.ID, "0")
	require.Equal(t, int32(ok), res.Status, res.Message)
	var p ballot.Progress
	require.NoError(t, json.Unmarshal(res.Payload, &p))
	require.True(t, p.Done)
	assert.Equal(t, ballot.StatusDefeated, p.Status, "70 for against 40 would pass; capped, 40 for is not more than 40 against")
	assert.Equal(t, "40", p.Result.Totals[0].Total)
	assert.Equal(t, "40", p.Result.Totals[1].Total)
	require.NotNil(t, p.Result.OrgCap)
	assert.Equal(t, "LabBMSP", p.Result.OrgCap.Capped)
}

func TestParseMaxClockSkew(t *testing.T) {
	for in, want := range map[string]time.Duration{"": DefaultMaxClockSkew, "5s": 5 * time.Second, "1h": time.Hour} {
		got, err := ParseMaxClockSkew(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, bad := range []string{"0s", "-1m", "5", "soon"} {
		_, err := ParseMaxClockSkew(bad)
		assert.ErrorContains(t, err, "want a positive duration", bad)
	}
}
