package contract

import (
	"encoding/json"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/genesis"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/internal/fakestub"
	"github.com/charter-gov/charter/chaincode/membership"
)

const ok = 200

func TestConstitutionAdoptedAndRead(t *testing.T) {
	h := newHarness(t)
	g := testGenesis(t, nil, nil, nil)
	raw, err := json.Marshal(g)
	require.NoError(t, err)
	res, _ := h.invoke(founderAdmin(t, "FoundationMSP"), 0, "constitution:ProposeGenesis", string(raw))
	require.Equal(t, int32(ok), res.Status, res.Message)
	var p genesis.Proposal
	require.NoError(t, json.Unmarshal(res.Payload, &p))
	var stub *fakestub.Stub
	last := founderAdmin(t, "LabBMSP")
	for _, msp := range founderMSPs {
		res, stub = h.invoke(founderAdmin(t, msp), 0, "constitution:ApproveGenesis", p.Hash)
		require.Equal(t, int32(ok), res.Status, res.Message)
	}
	var r genesis.ApprovalResult
	require.NoError(t, json.Unmarshal(res.Payload, &r))
	require.NotNil(t, r.Adopted)
	assert.Equal(t, int64(1), r.Adopted.Version.Version)
	assert.Equal(t, h.clock, r.Adopted.AdoptedAt)

	rawEv, found := stub.Events[genesis.EventAdopted]
	require.True(t, found, "event emitted")
	var ev core.Event
	require.NoError(t, json.Unmarshal(rawEv, &ev))
	assert.Equal(t, genesis.EventAdopted, ev.Type)
	assert.Equal(t, identity.FromCert("LabBMSP", last.cert), ev.Actor, "the approval that completed the set")

	user := newIdentity(t, "LabAMSP", "User1@labA", "client")
	res, _ = h.invoke(user, 0, "constitution:Current")
	require.Equal(t, int32(ok), res.Status, res.Message)
	var v constitution.Version
	require.NoError(t, json.Unmarshal(res.Payload, &v))
	assert.Equal(t, r.Adopted.Version.Hash, v.Hash)
	assert.Equal(t, constitution.GenesisDecision, v.Decision)

	res, _ = h.invoke(user, 0, "constitution:History")
	require.Equal(t, int32(ok), res.Status, res.Message)
	assert.Contains(t, string(res.Payload), v.Hash)
}

func TestRefusalsAreCodedAndChangeNothing(t *testing.T) {
	admin := newIdentity(t, "LabAMSP", "Admin@labA", "admin")
	user := newIdentity(t, "LabAMSP", "User1@labA", "client")
	otherAdmin := newIdentity(t, "LabBMSP", "Admin@labB", "admin")
	userID := identity.FromCert("LabAMSP", user.cert)
	reg, err := json.Marshal(membership.RegisterRequest{Member: userID, Name: "Ada"})
	require.NoError(t, err)

	tests := []struct {
		name   string
		caller testIdentity
		skew   time.Duration
		fn     string
		args   []string
		code   errcode.Code
		msg    string
	}{
		{"the removed Init", admin, 0, "constitution:Init", []string{""}, errcode.InvalidArgument, `no transaction "Init"`},
		{"register with a role", admin, 0, "member:Register", []string{mustArg(t, membership.RegisterRequest{Member: userID, Name: "Ada", Roles: []membership.Role{membership.RoleGuardian}})}, errcode.Forbidden, "role_grant decision"},
		{"register a House A seat", admin, 0, "member:Register", []string{mustArg(t, membership.RegisterRequest{Member: userID, Name: "Ada", Roles: []membership.Role{membership.RoleHouseA}})}, errcode.Forbidden, "seat_confirmation decision"},
		{"unknown field", admin, 0, "member:Register", []string{`{"member":{},"name":"x","king":true}`}, errcode.InvalidArgument, `unknown field "king"`},
		{"trailing data", admin, 0, "member:Register", []string{string(reg) + "{}"}, errcode.InvalidArgument, "unexpected data"},
		{"oversized", admin, 0, "member:Register", []string{`"` + strings.Repeat("a", MaxArgBytes) + `"`}, errcode.InvalidArgument, "at most"},
		{"register by other org", otherAdmin, 0, "member:Register", []string{string(reg)}, errcode.Forbidden, "cannot manage members of LabAMSP"},
		{"register by non-admin", user, 0, "member:Register", []string{string(reg)}, errcode.Forbidden, "not an organisation admin"},
		{"unknown member", user, 0, "member:Get", []string{"LabAMSP", userID.ID}, errcode.NotFound, "not registered"},
		{"bad bool", user, 0, "member:List", []string{"", "maybe", "", ""}, errcode.InvalidArgument, `"maybe"`},
		{"bad page size", user, 0, "member:List", []string{"", "false", "ten", ""}, errcode.InvalidArgument, `pageSize "ten"`},
		{"page size over the cap", user, 0, "member:List", []string{"", "false", "1001", ""}, errcode.InvalidArgument, "outside 1..1000"},
		{"bad version", user, 0, "constitution:Get", []string{"one"}, errcode.InvalidArgument, "not a whole number"},
		{"unknown transaction", user, 0, "member:Crown", nil, errcode.InvalidArgument, `no transaction "Crown"`},
		{"timestamp an hour ahead", admin, time.Hour, "member:Register", []string{string(reg)}, errcode.InvalidArgument, "away from this peer's clock"},
		{"timestamp an hour behind", user, -time.Hour, "member:Whoami", nil, errcode.InvalidArgument, "at most 5m0s is accepted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			h.foundDefault()
			before := h.state.Snapshot()

			res, stub := h.invoke(tt.caller, tt.skew, tt.fn, tt.args...)
			require.Equal(t, int32(500), res.Status)
			decoded, found := errcode.Decode(res.Message)
			require.True(t, found, "coded error: %s", res.Message)
			assert.Equal(t, tt.code, decoded.Code, res.Message)
			assert.Contains(t, res.Message, tt.msg)
			assert.Equal(t, before, h.state.Snapshot(), "state unchanged")
			assert.Empty(t, stub.Events, "no event")
		})
	}
}

func TestMemberLifecycleThroughContract(t *testing.T) {
	h := newHarness(t)
	h.foundDefault()
	admin := newIdentity(t, "LabAMSP", "Admin@labA", "admin")
	user := newIdentity(t, "LabAMSP", "User1@labA", "client")
	userID := identity.FromCert("LabAMSP", user.cert)

	reg, err := json.Marshal(membership.RegisterRequest{Member: userID, Name: "Ada"})
	require.NoError(t, err)
	res, stub := h.invoke(admin, 0, "member:Register", string(reg))
	require.Equal(t, int32(ok), res.Status, res.Message)
	assert.Contains(t, stub.Events, membership.EventRegistered)

	res, _ = h.invoke(user, time.Minute, "member:Whoami")
	require.Equal(t, int32(ok), res.Status, res.Message)
	var w membership.WhoAmI
	require.NoError(t, json.Unmarshal(res.Payload, &w))
	require.NotNil(t, w.Member)
	assert.Equal(t, "Ada", w.Member.Name)
	assert.False(t, w.OrgAdmin)

	upd, err := json.Marshal(membership.UpdateRequest{Member: userID, Name: "Ada L."})
	require.NoError(t, err)
	res, stub = h.invoke(admin, 0, "member:Update", string(upd))
	require.Equal(t, int32(ok), res.Status, res.Message)
	assert.Contains(t, stub.Events, membership.EventUpdated)

	res, _ = h.invoke(user, 0, "member:List", "LabAMSP", "false", "1", "")
	require.Equal(t, int32(ok), res.Status, res.Message)
	var page membership.ListPage
	require.NoError(t, json.Unmarshal(res.Payload, &page))
	ms := page.Members
	require.Len(t, ms, 1)
	assert.Equal(t, []membership.Role{membership.RoleMember}, ms[0].Roles)
	assert.Equal(t, "Ada L.", ms[0].Name)

	rem, err := json.Marshal(membership.RemoveRequest{Member: userID, Reason: "moved on"})
	require.NoError(t, err)
	res, stub = h.invoke(admin, 0, "member:Remove", string(rem))
	require.Equal(t, int32(ok), res.Status, res.Message)
	assert.Contains(t, stub.Events, membership.EventRemoved)

	res, _ = h.invoke(user, 0, "member:Get", userID.MSPID, userID.ID)
	require.Equal(t, int32(ok), res.Status, res.Message)
	assert.Contains(t, string(res.Payload), `"status":"removed"`)
}

func TestNegativeSkewRefused(t *testing.T) {
	_, err := NewChaincode(Config{MaxClockSkew: -time.Second})
	require.Error(t, err)
}

// FuzzRegisterArgument feeds hostile payloads to the argument decoder of a
// real transaction: the result is either success or a coded refusal, never
// a panic or an uncoded error, and a refusal writes nothing.
func FuzzRegisterArgument(f *testing.F) {
	f.Add(`{"member":{"mspId":"LabAMSP","id":"x509::CN=a::CN=b"},"name":"A"}`)
	f.Add(`{"member":null}`)
	f.Add(`[]`)
	f.Add(`{"roles":["member","\u0000"]}`)
	f.Fuzz(func(t *testing.T, arg string) {
		h := newHarness(t)
		h.foundDefault()
		before := h.state.Snapshot()
		admin := newIdentity(t, "LabAMSP", "Admin@labA", "admin")
		res, _ := h.invoke(admin, 0, "member:Register", arg)
		if res.Status == ok {
			return
		}
		if _, found := errcode.Decode(res.Message); !found {
			t.Fatalf("uncoded error for %q: %s", arg, res.Message)
		}
		if !maps.Equal(before, h.state.Snapshot()) {
			t.Fatalf("refused register wrote state: %q", arg)
		}
	})
}

// The guard applies the constitution's time.maxClockSkewSeconds once one is
// adopted, the configured default before. On the old code the adopted
// 60-second bound was ignored and a proposal two minutes off was endorsed.
func TestGuardUsesTheConstitutionsSkew(t *testing.T) {
	h := newHarness(t)
	admin := newIdentity(t, "FoundationMSP", "Admin@foundation", "admin")
	user := newIdentity(t, "LabAMSP", "User1@labA", "client")

	res, _ := h.invoke(user, 2*time.Minute, "member:Whoami")
	require.Equal(t, int32(ok), res.Status, "before adoption the configured 5m applies: %s", res.Message)

	doc := constitution.Default()
	doc.Time.MaxClockSkewSec = 60
	h.found(testGenesis(t, &doc, nil, nil))

	before := h.state.Snapshot()
	for _, skew := range []time.Duration{2 * time.Minute, -61 * time.Second} {
		res, stub := h.invoke(admin, skew, "member:Register", `{"member":{"mspId":"FoundationMSP","id":"x509::CN=u::CN=ca"},"name":"U"}`)
		require.Equal(t, int32(500), res.Status, "skew %s", skew)
		assert.Contains(t, res.Message, "at most 1m0s is accepted")
		assert.Empty(t, stub.Events)
	}
	assert.Equal(t, before, h.state.Snapshot(), "refused proposals change nothing")
	res, _ = h.invoke(user, 59*time.Second, "member:Whoami")
	assert.Equal(t, int32(ok), res.Status, res.Message)
}

// member:RegisterBatch through the contract: one transaction registers
// several plain members of the admin's organisation with one event; a
// batch holding another organisation's member is refused whole.
func TestRegisterBatchThroughContract(t *testing.T) {
	h := newHarness(t)
	h.foundDefault()
	admin := newIdentity(t, "LabAMSP", "Admin@labA", "admin")
	a1 := identity.FromCert("LabAMSP", newIdentity(t, "LabAMSP", "U1@labA", "client").cert)
	a2 := identity.FromCert("LabAMSP", newIdentity(t, "LabAMSP", "U2@labA", "client").cert)
	b1 := identity.FromCert("LabBMSP", newIdentity(t, "LabBMSP", "U1@labB", "client").cert)

	before := h.state.Snapshot()
	res, stub := h.invoke(admin, 0, "member:RegisterBatch", mustArg(t, membership.RegisterBatchRequest{Members: []membership.RegisterRequest{{Member: a1, Name: "One"}, {Member: b1, Name: "Intruder"}}}))
	require.Equal(t, int32(500), res.Status)
	assert.Contains(t, res.Message, "FORBIDDEN")
	assert.Contains(t, res.Message, "member 1")
	assert.Equal(t, before, h.state.Snapshot(), "state unchanged")
	assert.Empty(t, stub.Events)

	res, stub = h.invoke(admin, 0, "member:RegisterBatch", mustArg(t, membership.RegisterBatchRequest{Members: []membership.RegisterRequest{{Member: a1, Name: "One"}, {Member: a2, Name: "Two"}}}))
	require.Equal(t, int32(ok), res.Status, res.Message)
	require.Len(t, stub.Events, 1)
	assert.Contains(t, stub.Events, membership.EventRegisteredBatch)
	var out membership.BatchResult
	require.NoError(t, json.Unmarshal(res.Payload, &out))
	require.Len(t, out.Members, 2)
	assert.Equal(t, "Two", out.Members[1].Name)
}
