package contract

import (
	"encoding/json"
	"github.com/charter-gov/charter/chaincode/artifact"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/coi"
	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/decision"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/membership"
)

func TestDecisionAndCoiThroughContract(t *testing.T) {
	h := newHarness(t)
	admin := newIdentity(t, "LabAMSP", "Admin@labA", "admin")
	seat := newIdentity(t, "LabAMSP", "User1@labA", "client")
	comm := newIdentity(t, "LabAMSP", "User2@labA", "client")
	mustOK := func(caller testIdentity, fn string, args ...string) []byte {
		t.Helper()
		res, _ := h.invoke(caller, 0, fn, args...)
		require.Equal(t, int32(ok), res.Status, "%s: %s", fn, res.Message)
		return res.Payload
	}
	arg := func(v any) string {
		raw, err := json.Marshal(v)
		require.NoError(t, err)
		return string(raw)
	}
	h.foundDefault(membership.FoundingMember{Member: identity.FromCert("LabAMSP", seat.cert), Name: "Seat", Roles: []membership.Role{membership.RoleHouseA}})
	mustOK(admin, "member:Register", arg(membership.RegisterRequest{Member: identity.FromCert("LabAMSP", comm.cert), Name: "Comm"}))

	mustOK(comm, "artifact:Register", arg(artifact.RegisterRequest{Kind: artifact.KindModelWeights, Name: "model", Version: "1", SHA256: strings.Repeat("0", 64), Size: 1, Licence: "MIT"}))
	subject := coi.Subject{Kind: coi.KindArtifact, ID: "model@1"}
	res, stub := h.invoke(seat, 0, "coi:Disclose", arg(coi.DiscloseRequest{Subject: subject, Statement: "mine"}))
	require.Equal(t, int32(ok), res.Status, res.Message)
	_, found := stub.Events[coi.EventDisclosed]
	assert.True(t, found)
	list := mustOK(comm, "coi:List", arg(coi.ListRequest{Subject: &subject}))
	var dp coi.ListPage
	require.NoError(t, json.Unmarshal(list, &dp))
	require.Len(t, dp.Disclosures, 1)
	assert.Empty(t, dp.Bookmark)
	assert.Equal(t, coi.HashStatement("mine"), dp.Disclosures[0].StatementHash)

	var d decision.Decision
	res, stub = h.invoke(seat, 0, "decision:Propose", arg(decision.ProposeRequest{Type: constitution.ReleaseStage, Title: "Stage it", Subject: &subject,
		Payload: json.RawMessage(`{"artifact":{"name":"model","version":"1"},"stage":"non_commercial"}`)}))
	require.Equal(t, int32(ok), res.Status, res.Message)
	require.NoError(t, json.Unmarshal(res.Payload, &d))
	raw, found := stub.Events[decision.EventProposed]
	require.True(t, found)
	var ev core.Event
	require.NoError(t, json.Unmarshal(raw, &ev))
	assert.Equal(t, decision.EventProposed, ev.Type)
	require.Len(t, d.Ballots, 1)
	ballot := mustOK(comm, "ballot:Get", d.Ballots[0].Ballot)
	assert.Contains(t, string(ballot), `"house":"A"`, "the decision's ballot is an ordinary ballot record")

	h.clock = h.clock.Add(constitution.DefaultMaxClockSkewSec * time.Second) // voting opens one skew after the proposal
	before, writes := h.state.Snapshot(), h.state.Writes
	res, _ = h.invoke(seat, 0, "decision:Vote", arg(decision.VoteRequest{Decision: d.ID, House: "A", Choice: "for"}))
	assert.True(t, strings.HasPrefix(res.Message, "FORBIDDEN: "), res.Message)
	assert.Contains(t, res.Message, "recused")
	res, _ = h.invoke(comm, 0, "decision:Vote", arg(decision.VoteRequest{Decision: d.ID, House: "A", Choice: "for"}))
	assert.True(t, strings.HasPrefix(res.Message, "FORBIDDEN: "), res.Message)
	assert.Contains(t, res.Message, "House A seat")
	res, _ = h.invoke(comm, 0, "decision:Execute", d.ID)
	assert.True(t, strings.HasPrefix(res.Message, "FAILED_PRECONDITION: "), res.Message)
	res, _ = h.invoke(comm, 0, "decision:Propose", `{"type":"budget","title":"x","extra":1}`)
	assert.True(t, strings.HasPrefix(res.Message, "INVALID_ARGUMENT: "), res.Message)
	res, _ = h.invoke(comm, 0, "decision:Get", "nope")
	assert.True(t, strings.HasPrefix(res.Message, "NOT_FOUND: "), res.Message)
	assert.Equal(t, before, h.state.Snapshot())
	assert.Equal(t, writes, h.state.Writes)

	var got decision.Decision
	require.NoError(t, json.Unmarshal(mustOK(comm, "decision:Get", d.ID), &got))
	assert.Equal(t, d.ID, got.ID)
	var all decision.ListPage
	require.NoError(t, json.Unmarshal(mustOK(comm, "decision:List", "", "", ""), &all))
	assert.Len(t, all.Decisions, 1)
	assert.Empty(t, all.Bookmark)
	var one decision.ListPage
	require.NoError(t, json.Unmarshal(mustOK(comm, "decision:List", "", "1", ""), &one))
	assert.Len(t, one.Decisions, 1, "a page of one")
	var ballots struct {
		Ballots []json.RawMessage `json:"ballots"`
	}
	require.NoError(t, json.Unmarshal(mustOK(comm, "ballot:List", "", "", ""), &ballots))
	assert.Len(t, ballots.Ballots, 1, "the decision's ballot")
	var aps []decision.Appellant
	require.NoError(t, json.Unmarshal(mustOK(comm, "decision:Appellants", d.ID), &aps))
	assert.Empty(t, aps)
}
