package admission_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	. "github.com/charter-gov/charter/chaincode/admission"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/genesis"
	"github.com/charter-gov/charter/chaincode/internal/testutil"
)

var (
	rootA = strings.Repeat("a1", 32)
	rootB = strings.Repeat("b2", 32)
	tlsA  = strings.Repeat("c3", 32)
)

func raw(t *testing.T, v any) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return b
}

func labC() Payload {
	return Payload{MSPID: "LabCMSP", Name: "Lab C", RootCADigests: []string{rootA}, TLSCADigests: []string{tlsA},
		PeerEndpoints: []string{"peer0.labc.example:7051", "10.77.0.2:7051"}}
}

// founded is a store whose adopted genesis names the three founders.
func founded(t *testing.T) *core.MemStore {
	t.Helper()
	s := core.NewMemStore()
	ad := genesis.Adoption{Proposal: genesis.Proposal{Genesis: genesis.Genesis{Founders: []string{"FoundationMSP", "LabAMSP", "LabBMSP"}}}}
	require.NoError(t, core.PutJSON(s, core.MustKey("genesis", "adopted"), ad))
	return s
}

func TestAdmitRecordsTheOrganisation(t *testing.T) {
	s := founded(t)
	tx := testutil.Tx(s, testutil.ID("LabAMSP", "u"), false, testutil.T0())
	a, err := Admit(tx, "d0007", raw(t, labC()))
	require.NoError(t, err)
	assert.Equal(t, "d0007", a.Decision)
	assert.Equal(t, []string{"10.77.0.2:7051", "peer0.labc.example:7051"}, a.PeerEndpoints, "endpoints stored sorted")
	assert.Equal(t, testutil.T0(), a.AdmittedAt)
	require.NotNil(t, tx.Event())
	assert.Equal(t, EventRecorded, tx.Event().Type)

	got, err := Get(s, "LabCMSP")
	require.NoError(t, err)
	assert.Equal(t, a, got)
	_, err = Get(s, "LabDMSP")
	assert.True(t, errcode.IsCode(err, errcode.NotFound), "%v", err)
}

func TestAdmitRefusals(t *testing.T) {
	s := founded(t)
	_, err := Admit(testutil.Tx(s, testutil.ID("LabAMSP", "u"), false, testutil.T0()), "d0007", raw(t, labC()))
	require.NoError(t, err)
	with := func(f func(p *Payload)) json.RawMessage {
		p := labC()
		p.MSPID = "LabDMSP"
		f(&p)
		return raw(t, p)
	}
	for _, tc := range []struct {
		name    string
		payload json.RawMessage
		code    errcode.Code
		want    string
	}{
		{"no payload", nil, errcode.InvalidArgument, "needs a payload"},
		{"unknown field", json.RawMessage(`{"mspId":"LabDMSP","admin":true}`), errcode.InvalidArgument, "admin"},
		{"a founder", with(func(p *Payload) { p.MSPID = "LabAMSP" }), errcode.Conflict, "founded the consortium"},
		{"admitted twice", with(func(p *Payload) { p.MSPID = "LabCMSP" }), errcode.Conflict, `already admitted by decision "d0007"`},
		{"MSP ID with a space", with(func(p *Payload) { p.MSPID = "Lab D" }), errcode.InvalidArgument, "may contain only"},
		{"no name", with(func(p *Payload) { p.Name = "" }), errcode.InvalidArgument, "name"},
		{"no root CA", with(func(p *Payload) { p.RootCADigests = nil }), errcode.InvalidArgument, "root CA digests: name 1 to 8"},
		{"a root CA digest in upper case", with(func(p *Payload) { p.RootCADigests = []string{strings.ToUpper(rootA)} }), errcode.InvalidArgument, "not a SHA-256 digest"},
		{"a root CA named twice", with(func(p *Payload) { p.RootCADigests = []string{rootB, rootB} }), errcode.InvalidArgument, "named twice"},
		{"no TLS CA", with(func(p *Payload) { p.TLSCADigests = []string{} }), errcode.InvalidArgument, "TLS CA digests: name 1 to 8"},
		{"no peer", with(func(p *Payload) { p.PeerEndpoints = nil }), errcode.InvalidArgument, "1 to 8 peer endpoints"},
		{"a loopback peer", with(func(p *Payload) { p.PeerEndpoints = []string{"127.0.0.1:7051"} }), errcode.InvalidArgument, "not a loopback"},
		{"localhost", with(func(p *Payload) { p.PeerEndpoints = []string{"localhost:7051"} }), errcode.InvalidArgument, "not localhost"},
		{"the unspecified address", with(func(p *Payload) { p.PeerEndpoints = []string{"0.0.0.0:7051"} }), errcode.InvalidArgument, "not a loopback"},
		{"no port", with(func(p *Payload) { p.PeerEndpoints = []string{"peer0.labd.example"} }), errcode.InvalidArgument, "not host:port"},
		{"port 0", with(func(p *Payload) { p.PeerEndpoints = []string{"peer0.labd.example:0"} }), errcode.InvalidArgument, "port must be 1..65535"},
		{"an IPv6 literal", with(func(p *Payload) { p.PeerEndpoints = []string{"[fd00::2]:7051"} }), errcode.InvalidArgument, "IPv6"},
		{"a bad IPv4", with(func(p *Payload) { p.PeerEndpoints = []string{"10.0.0.300:7051"} }), errcode.InvalidArgument, "not an IPv4 address"},
		{"a bad host name", with(func(p *Payload) { p.PeerEndpoints = []string{"peer_0.labd:7051"} }), errcode.InvalidArgument, "not a DNS host name"},
		{"a peer named twice", with(func(p *Payload) { p.PeerEndpoints = []string{"10.77.0.3:7051", "10.77.0.3:7051"} }), errcode.InvalidArgument, "named twice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := s.Snapshot()
			tx := testutil.Tx(s, testutil.ID("LabAMSP", "u"), false, testutil.T0().Add(time.Hour))
			_, err := Admit(tx, "d0009", tc.payload)
			require.Error(t, err)
			assert.True(t, errcode.IsCode(err, tc.code), "code of %v", err)
			assert.Contains(t, err.Error(), tc.want)
			assert.Equal(t, before, s.Snapshot(), "a refused admission changes nothing")
			assert.Nil(t, tx.Event(), "and emits nothing")
		})
	}
}

func TestMatches(t *testing.T) {
	s := founded(t)
	a, err := Admit(testutil.Tx(s, testutil.ID("LabAMSP", "u"), false, testutil.T0()), "d0007", raw(t, labC()))
	require.NoError(t, err)
	same := labC()
	same.PeerEndpoints = []string{same.PeerEndpoints[1], same.PeerEndpoints[0]}
	require.NoError(t, a.Matches(same), "the same organisation, endpoints in another order")
	for _, tc := range []struct {
		name string
		f    func(p *Payload)
		want string
	}{
		{"another MSP", func(p *Payload) { p.MSPID = "LabDMSP" }, `the update adds "LabDMSP", decision "d0007" admitted LabCMSP`},
		{"another root CA", func(p *Payload) { p.RootCADigests = []string{rootB} }, "root CA digests"},
		{"an extra root CA", func(p *Payload) { p.RootCADigests = []string{rootA, rootB} }, "root CA digests"},
		{"another TLS CA", func(p *Payload) { p.TLSCADigests = []string{rootB} }, "TLS CA digests"},
		{"another peer", func(p *Payload) { p.PeerEndpoints = []string{"10.77.0.9:7051"} }, "peer endpoints"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := labC()
			tc.f(&p)
			err := a.Matches(p)
			require.Error(t, err)
			assert.True(t, errcode.IsCode(err, errcode.FailedPrecondition), "%v", err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

// admitted is a founded store where LabC is admitted by decision d0007.
func admitted(t *testing.T) *core.MemStore {
	t.Helper()
	s := founded(t)
	_, err := Admit(testutil.Tx(s, testutil.ID("LabAMSP", "u"), false, testutil.T0()), "d0007", raw(t, labC()))
	require.NoError(t, err)
	return s
}

func TestRemoveMarksTheOrganisationRemoved(t *testing.T) {
	s := admitted(t)
	at := testutil.T0().Add(time.Hour)
	tx := testutil.Tx(s, testutil.ID("LabBMSP", "u"), false, at)
	a, err := Remove(tx, "d0009", raw(t, RemovalPayload{MSPID: "LabCMSP", Reason: "left the consortium"}))
	require.NoError(t, err)
	require.NotNil(t, a.Removal)
	assert.Equal(t, "d0009", a.Removal.Decision)
	assert.Equal(t, "left the consortium", a.Removal.Reason)
	assert.Equal(t, at, a.Removal.RemovedAt)
	assert.Equal(t, "d0007", a.Decision, "the admission's decision stays on the record")
	require.NotNil(t, tx.Event())
	assert.Equal(t, EventRemoved, tx.Event().Type)

	got, err := Get(s, "LabCMSP")
	require.NoError(t, err)
	assert.Equal(t, a, got, "admission:Get shows the removal with its decision")
	assert.Contains(t, got.String(), "removed by decision d0009")

	// The channel update is refused for a removed admission.
	err = got.Matches(labC())
	assert.True(t, errcode.IsCode(err, errcode.FailedPrecondition), "%v", err)
	assert.ErrorContains(t, err, `LabCMSP was removed by decision "d0009"`)

	// A removed organisation may be admitted again by a new decision.
	again, err := Admit(testutil.Tx(s, testutil.ID("LabAMSP", "u"), false, at.Add(time.Hour)), "d0011", raw(t, labC()))
	require.NoError(t, err)
	assert.Equal(t, "d0011", again.Decision)
	assert.Nil(t, again.Removal)
}

// Attack rows of a partner_removal: each refused, at proposal (CheckRemove)
// and at execution (Remove), with nothing changed.
func TestRemoveRefusals(t *testing.T) {
	for _, tc := range []struct {
		name    string
		setup   func(t *testing.T, s *core.MemStore)
		payload json.RawMessage
		code    errcode.Code
		want    string
	}{
		{"no payload", nil, nil, errcode.InvalidArgument, "needs a payload {mspId, reason}"},
		{"unknown field", nil, json.RawMessage(`{"mspId":"LabCMSP","reason":"r","x":1}`), errcode.InvalidArgument, "x"},
		{"no reason", nil, raw(t, RemovalPayload{MSPID: "LabCMSP"}), errcode.InvalidArgument, "reason"},
		{"malformed MSP ID", nil, raw(t, RemovalPayload{MSPID: "Lab C", Reason: "r"}), errcode.InvalidArgument, "may contain only"},
		{"an organisation no decision admitted", nil, raw(t, RemovalPayload{MSPID: "LabDMSP", Reason: "r"}), errcode.NotFound,
			"no executed partner_admission decision admits LabDMSP"},
		{"a founding organisation", nil, raw(t, RemovalPayload{MSPID: "LabBMSP", Reason: "outvoted"}), errcode.FailedPrecondition,
			"LabBMSP founded the consortium"},
		{"already removed", func(t *testing.T, s *core.MemStore) {
			_, err := Remove(testutil.Tx(s, testutil.ID("LabAMSP", "u"), false, testutil.T0()), "d0009", raw(t, RemovalPayload{MSPID: "LabCMSP", Reason: "r"}))
			require.NoError(t, err)
		}, raw(t, RemovalPayload{MSPID: "LabCMSP", Reason: "again"}), errcode.Conflict, `LabCMSP is already removed by decision "d0009"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := admitted(t)
			if tc.setup != nil {
				tc.setup(t, s)
			}
			before := s.Snapshot()
			_, _, err := CheckRemove(s, tc.payload)
			assert.True(t, errcode.IsCode(err, tc.code), "check: %v", err)
			assert.ErrorContains(t, err, tc.want)
			tx := testutil.Tx(s, testutil.ID("LabAMSP", "u"), false, testutil.T0())
			_, err = Remove(tx, "d0010", tc.payload)
			assert.True(t, errcode.IsCode(err, tc.code), "remove: %v", err)
			assert.Nil(t, tx.Event(), "no event")
			assert.Equal(t, before, s.Snapshot(), "nothing changed")
		})
	}
}
