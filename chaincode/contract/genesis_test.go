package contract

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/genesis"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/membership"
	"github.com/charter-gov/charter/chaincode/token"
)

var founderMSPs = []string{"FoundationMSP", "LabAMSP", "LabBMSP"}

// founderAdmin is the admin identity of a founding organisation.
func founderAdmin(t testing.TB, msp string) testIdentity {
	return newIdentity(t, msp, "Admin@"+msp, "admin")
}

// testGenesis is a genesis founded by the three organisations; when no
// member holds a House A seat, a seat holder of the Foundation is added.
func testGenesis(t testing.TB, doc *constitution.Document, members []membership.FoundingMember, allocs []genesis.Allocation) genesis.Genesis {
	t.Helper()
	g := genesis.Genesis{Founders: founderMSPs, Constitution: constitution.Default(), Members: members, Allocations: allocs}
	if doc != nil {
		g.Constitution = *doc
	}
	seated := false
	for _, m := range members {
		for _, r := range m.Roles {
			seated = seated || r == membership.RoleHouseA
		}
	}
	if !seated {
		seat := newIdentity(t, "FoundationMSP", "Seat@foundation", "client")
		g.Members = append(g.Members, membership.FoundingMember{Member: identity.FromCert(seat.msp, seat.cert), Name: "Seat", Roles: []membership.Role{membership.RoleHouseA}})
	}
	return g
}

// found adopts g: the Foundation's admin proposes, every founder's admin
// approves.
func (h *harness) found(g genesis.Genesis) string {
	h.t.Helper()
	raw, err := json.Marshal(g)
	require.NoError(h.t, err)
	res, _ := h.invoke(founderAdmin(h.t, "FoundationMSP"), 0, "constitution:ProposeGenesis", string(raw))
	require.Equal(h.t, int32(ok), res.Status, res.Message)
	var p genesis.Proposal
	require.NoError(h.t, json.Unmarshal(res.Payload, &p))
	for _, msp := range founderMSPs {
		res, _ := h.invoke(founderAdmin(h.t, msp), 0, "constitution:ApproveGenesis", p.Hash)
		require.Equal(h.t, int32(ok), res.Status, res.Message)
	}
	return p.Hash
}

// foundDefault adopts the default constitution with members.
func (h *harness) foundDefault(members ...membership.FoundingMember) string {
	h.t.Helper()
	return h.found(testGenesis(h.t, nil, members, nil))
}

func TestFoundingActThroughContract(t *testing.T) {
	h := newHarness(t)
	ada := newIdentity(t, "LabAMSP", "Ada@labA", "client")
	adaID := identity.FromCert(ada.msp, ada.cert)
	g := testGenesis(t, nil, []membership.FoundingMember{{Member: adaID, Name: "Ada", Roles: []membership.Role{membership.RoleHouseA, membership.RoleTreasurer}}},
		[]genesis.Allocation{{To: adaID, Amount: 500}})
	raw, err := json.Marshal(g)
	require.NoError(t, err)

	res, stub := h.invoke(founderAdmin(t, "LabBMSP"), 0, "constitution:ProposeGenesis", string(raw))
	require.Equal(t, int32(ok), res.Status, res.Message)
	assert.Contains(t, stub.Events, genesis.EventProposed)
	var p genesis.Proposal
	require.NoError(t, json.Unmarshal(res.Payload, &p))
	want, _, err := genesis.Hash(g)
	require.NoError(t, err)
	assert.Equal(t, want, p.Hash, "the client computes the same hash from the document it holds")

	for i, msp := range founderMSPs {
		res, stub = h.invoke(founderAdmin(t, msp), 0, "constitution:ApproveGenesis", p.Hash)
		require.Equal(t, int32(ok), res.Status, res.Message)
		var r genesis.ApprovalResult
		require.NoError(t, json.Unmarshal(res.Payload, &r))
		if i < 2 {
			assert.Contains(t, stub.Events, genesis.EventApproved)
			assert.Nil(t, r.Adopted)
			res, _ = h.invoke(ada, 0, "constitution:Genesis")
			require.Equal(t, int32(ok), res.Status, res.Message)
			var st genesis.Status
			require.NoError(t, json.Unmarshal(res.Payload, &st))
			assert.Len(t, st.Approvals, i+1)
			assert.Len(t, st.Missing, 2-i)
		} else {
			assert.Contains(t, stub.Events, genesis.EventAdopted)
			require.NotNil(t, r.Adopted)
		}
	}
	res, _ = h.invoke(ada, 0, "constitution:Current")
	require.Equal(t, int32(ok), res.Status, res.Message)
	var cur constitution.Version
	require.NoError(t, json.Unmarshal(res.Payload, &cur))
	assert.Equal(t, constitution.GenesisDecision, cur.Decision)
	res, _ = h.invoke(ada, 0, "member:Whoami")
	require.Equal(t, int32(ok), res.Status, res.Message)
	var w membership.WhoAmI
	require.NoError(t, json.Unmarshal(res.Payload, &w))
	require.NotNil(t, w.Member)
	assert.True(t, w.Member.Has(membership.RoleTreasurer))
	res, _ = h.invoke(ada, 0, "token:Balance", adaID.MSPID, adaID.ID)
	require.Equal(t, int32(ok), res.Status, res.Message)
	assert.Contains(t, string(res.Payload), `"balance":500`)
}

// TestNothingRunsBeforeTheGenesis: every state-changing transaction but the
// founding act's is refused until adoption, and writes nothing.
func TestNothingRunsBeforeTheGenesis(t *testing.T) {
	admin := founderAdmin(t, "LabAMSP")
	user := newIdentity(t, "LabAMSP", "Ada@labA", "client")
	userID := identity.FromCert(user.msp, user.cert)
	reg := mustArg(t, membership.RegisterRequest{Member: userID, Name: "Ada"})
	for _, tc := range []struct {
		caller testIdentity
		fn     string
		args   []string
	}{
		{admin, "member:Register", []string{reg}},
		{admin, "member:Update", []string{mustArg(t, membership.UpdateRequest{Member: userID, Name: "Ada"})}},
		{admin, "member:Remove", []string{mustArg(t, membership.RemoveRequest{Member: userID, Reason: "x"})}},
		{user, "token:Transfer", []string{mustArg(t, token.TransferRequest{To: userID, Amount: 1})}},
		{user, "ballot:Create", []string{`{"kind":"poll","title":"x","votingPeriodSeconds":60}`}},
		{user, "decision:Propose", []string{`{"type":"budget","title":"x"}`}},
		{user, "reputation:Attest", []string{`{}`}},
		{user, "delegation:Set", []string{`{}`}},
		{user, "coi:Disclose", []string{`{}`}},
	} {
		t.Run(tc.fn, func(t *testing.T) {
			h := newHarness(t)
			res, stub := h.invoke(tc.caller, 0, tc.fn, tc.args...)
			require.Equal(t, int32(500), res.Status)
			decoded, found := errcode.Decode(res.Message)
			require.True(t, found, res.Message)
			assert.Equal(t, errcode.FailedPrecondition, decoded.Code, res.Message)
			assert.Contains(t, res.Message, "no constitution adopted yet")
			assert.Empty(t, h.state.Keys(), "nothing written")
			assert.Empty(t, stub.Events)
		})
	}
}

func TestGenesisRefusalsAreCodedAndChangeNothing(t *testing.T) {
	user := newIdentity(t, "LabAMSP", "Ada@labA", "client")
	outsider := founderAdmin(t, "LabCMSP")
	valid := func(t *testing.T) genesis.Genesis { return testGenesis(t, nil, nil, nil) }
	selfOnly := func(t *testing.T) genesis.Genesis {
		g := valid(t)
		g.Founders = []string{"FoundationMSP", "LabCMSP"}
		return g
	}
	tests := []struct {
		name     string
		founders []string // configured CHARTER_FOUNDERS
		pending  bool
		adopted  bool
		caller   testIdentity
		fn       string
		arg      func(t *testing.T, pendingHash string) string
		code     errcode.Code
		msg      string
	}{
		{"malformed genesis", nil, false, false, founderAdmin(t, "FoundationMSP"), "constitution:ProposeGenesis",
			func(*testing.T, string) string { return `{"founders":` }, errcode.InvalidArgument, "malformed JSON"},
		{"unknown field", nil, false, false, founderAdmin(t, "FoundationMSP"), "constitution:ProposeGenesis",
			func(*testing.T, string) string { return `{"founders":[],"king":1}` }, errcode.InvalidArgument, `unknown field "king"`},
		{"proposed by a plain member", nil, false, false, user, "constitution:ProposeGenesis",
			func(t *testing.T, _ string) string { return mustArg(t, valid(t)) }, errcode.Forbidden, "not an organisation admin"},
		{"proposed by a non-founder", nil, false, false, outsider, "constitution:ProposeGenesis",
			func(t *testing.T, _ string) string { return mustArg(t, valid(t)) }, errcode.Forbidden, "not a founding organisation"},
		{"founders differ from the consortium's: not endorsed", founderMSPs, false, false, founderAdmin(t, "FoundationMSP"), "constitution:ProposeGenesis",
			func(t *testing.T, _ string) string { return mustArg(t, selfOnly(t)) }, errcode.Forbidden, "does not endorse a genesis that leaves a founder out"},
		{"approve another hash", nil, true, false, founderAdmin(t, "LabAMSP"), "constitution:ApproveGenesis",
			func(*testing.T, string) string {
				return "00000000000000000000000000000000000000000000000000000000000000aa"
			}, errcode.Conflict, "approve only the document you have read"},
		{"approve with nothing pending", nil, false, false, founderAdmin(t, "LabAMSP"), "constitution:ApproveGenesis",
			func(*testing.T, string) string {
				return "00000000000000000000000000000000000000000000000000000000000000aa"
			}, errcode.FailedPrecondition, "no genesis is pending"},
		{"approve by a non-founder", nil, true, false, outsider, "constitution:ApproveGenesis",
			func(_ *testing.T, h string) string { return h }, errcode.Forbidden, "not a founding organisation"},
		{"second proposal after adoption", nil, false, true, founderAdmin(t, "LabBMSP"), "constitution:ProposeGenesis",
			func(t *testing.T, _ string) string {
				g := valid(t)
				g.Constitution.Name = "Another"
				return mustArg(t, g)
			}, errcode.Conflict, "already adopted"},
		{"approval after adoption", nil, false, true, founderAdmin(t, "LabBMSP"), "constitution:ApproveGenesis",
			func(_ *testing.T, h string) string { return h }, errcode.Conflict, "already adopted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			h.cfg.Founders = tt.founders
			hash := ""
			if tt.pending {
				res, _ := h.invoke(founderAdmin(t, "FoundationMSP"), 0, "constitution:ProposeGenesis", mustArg(t, valid(t)))
				require.Equal(t, int32(ok), res.Status, res.Message)
				var p genesis.Proposal
				require.NoError(t, json.Unmarshal(res.Payload, &p))
				hash = p.Hash
			}
			if tt.adopted {
				hash = h.found(valid(t))
			}
			before := h.state.Snapshot()
			res, stub := h.invoke(tt.caller, time.Second, tt.fn, tt.arg(t, hash))
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

// TestConfiguredFoundersEndorseTheirGenesis: a peer configured with the
// consortium's founders endorses a genesis naming exactly them, in any
// order.
func TestConfiguredFoundersEndorseTheirGenesis(t *testing.T) {
	h := newHarness(t)
	h.cfg.Founders = []string{"LabBMSP", "FoundationMSP", "LabAMSP"}
	h.found(testGenesis(t, nil, nil, nil))
	res, _ := h.invoke(founderAdmin(t, "LabAMSP"), 0, "constitution:Current")
	require.Equal(t, int32(ok), res.Status, res.Message)
}

func TestParseFounders(t *testing.T) {
	got, err := ParseFounders(" LabBMSP,FoundationMSP , LabAMSP")
	require.NoError(t, err)
	assert.Equal(t, []string{"FoundationMSP", "LabAMSP", "LabBMSP"}, got)
	got, err = ParseFounders("")
	require.NoError(t, err)
	assert.Nil(t, got)
	for _, bad := range []string{"LabAMSP", "LabAMSP,,LabBMSP", "LabAMSP,LabAMSP"} {
		_, err := ParseFounders(bad)
		assert.Error(t, err, bad)
	}
}
