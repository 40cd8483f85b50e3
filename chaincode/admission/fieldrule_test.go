package admission_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	. "github.com/charter-gov/charter/chaincode/admission"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/internal/testutil"
)

// Every refused partner admission or removal names the payload field it
// is about and the rule it broke, keeps them on the wire, and writes
// nothing.
func TestRefusalsNameFieldAndRule(t *testing.T) {
	s := admitted(t)
	_, err := Admit(testutil.Tx(s, testutil.ID("LabAMSP", "u"), false, testutil.T0()), "d0008", raw(t, Payload{MSPID: "LabEMSP", Name: "Lab E",
		RootCADigests: []string{rootA}, TLSCADigests: []string{tlsA}, PeerEndpoints: []string{"10.77.0.5:7051"}}))
	require.NoError(t, err)
	_, err = Remove(testutil.Tx(s, testutil.ID("LabAMSP", "u"), false, testutil.T0()), "d0009", raw(t, RemovalPayload{MSPID: "LabEMSP", Reason: "left"}))
	require.NoError(t, err)
	with := func(f func(p *Payload)) json.RawMessage {
		p := labC()
		p.MSPID = "LabDMSP"
		f(&p)
		return raw(t, p)
	}
	admit := func(payload json.RawMessage) func() error {
		return func() error {
			_, err := Admit(testutil.Tx(s, testutil.ID("LabAMSP", "u"), false, testutil.T0()), "d0010", payload)
			return err
		}
	}
	remove := func(payload json.RawMessage) func() error {
		return func() error {
			_, err := Remove(testutil.Tx(s, testutil.ID("LabAMSP", "u"), false, testutil.T0()), "d0010", payload)
			return err
		}
	}
	lab := func(msp string) func() error {
		return func() error { _, err := Get(s, msp); return err }
	}
	a, err := Get(s, "LabCMSP")
	require.NoError(t, err)
	e, err := Get(s, "LabEMSP")
	require.NoError(t, err)
	for _, tt := range []struct {
		name        string
		do          func() error
		code        errcode.Code
		field, rule string
	}{
		{"no payload", admit(nil), errcode.InvalidArgument, "payload", "required"},
		{"an unknown field", admit(json.RawMessage(`{"mspId":"LabDMSP","admin":true}`)), errcode.InvalidArgument, "payload", "format"},
		{"no MSP ID", admit(with(func(p *Payload) { p.MSPID = "" })), errcode.InvalidArgument, "payload.mspId", "range"},
		{"an MSP ID with a space", admit(with(func(p *Payload) { p.MSPID = "Lab D" })), errcode.InvalidArgument, "payload.mspId", "format"},
		{"no name", admit(with(func(p *Payload) { p.Name = "" })), errcode.InvalidArgument, "payload.name", "required"},
		{"no root CA", admit(with(func(p *Payload) { p.RootCADigests = nil })), errcode.InvalidArgument, "payload.rootCaDigests", "range"},
		{"a TLS CA digest in upper case", admit(with(func(p *Payload) { p.TLSCADigests = []string{tlsA, strings.ToUpper(rootA)} })), errcode.InvalidArgument, "payload.tlsCaDigests[1]", "format"},
		{"a root CA named twice", admit(with(func(p *Payload) { p.RootCADigests = []string{rootB, rootB} })), errcode.InvalidArgument, "payload.rootCaDigests", "unique"},
		{"no peer", admit(with(func(p *Payload) { p.PeerEndpoints = nil })), errcode.InvalidArgument, "payload.peerEndpoints", "range"},
		{"a loopback peer", admit(with(func(p *Payload) { p.PeerEndpoints = []string{"10.77.0.3:7051", "127.0.0.1:7051"} })), errcode.InvalidArgument, "payload.peerEndpoints[1]", RuleReachableHost},
		{"no port", admit(with(func(p *Payload) { p.PeerEndpoints = []string{"peer0.labd.example"} })), errcode.InvalidArgument, "payload.peerEndpoints[0]", "format"},
		{"port 0", admit(with(func(p *Payload) { p.PeerEndpoints = []string{"peer0.labd.example:0"} })), errcode.InvalidArgument, "payload.peerEndpoints[0]", "range"},
		{"a peer named twice", admit(with(func(p *Payload) { p.PeerEndpoints = []string{"10.77.0.3:7051", "10.77.0.3:7051"} })), errcode.InvalidArgument, "payload.peerEndpoints", "unique"},
		{"admit a founder", admit(with(func(p *Payload) { p.MSPID = "LabAMSP" })), errcode.Conflict, "payload.mspId", RuleNotFounder},
		{"admit twice", admit(with(func(p *Payload) { p.MSPID = "LabCMSP" })), errcode.Conflict, "payload.mspId", RuleNotAdmitted},
		{"no removal payload", remove(nil), errcode.InvalidArgument, "payload", "required"},
		{"no reason", remove(raw(t, RemovalPayload{MSPID: "LabCMSP"})), errcode.InvalidArgument, "payload.reason", "required"},
		{"remove a founder", remove(raw(t, RemovalPayload{MSPID: "LabBMSP", Reason: "r"})), errcode.FailedPrecondition, "payload.mspId", RuleNotFounder},
		{"remove one never admitted", remove(raw(t, RemovalPayload{MSPID: "LabDMSP", Reason: "r"})), errcode.NotFound, "payload.mspId", "exists"},
		{"remove twice", remove(raw(t, RemovalPayload{MSPID: "LabEMSP", Reason: "r"})), errcode.Conflict, "payload.mspId", RuleNotRemoved},
		{"look up a malformed MSP ID", lab("Lab D"), errcode.InvalidArgument, "mspId", "format"},
		{"look up an unknown organisation", lab("LabDMSP"), errcode.NotFound, "", "exists"},
		{"an update adding another MSP", func() error { p := labC(); p.MSPID = "LabDMSP"; return a.Matches(p) }, errcode.FailedPrecondition, "mspId", RuleMatchAdmission},
		{"an update with other endpoints", func() error { p := labC(); p.PeerEndpoints = []string{"10.77.0.9:7051"}; return a.Matches(p) },
			errcode.FailedPrecondition, "peerEndpoints", RuleMatchAdmission},
		{"an update adding a removed organisation", func() error { return e.Matches(e.Payload) }, errcode.FailedPrecondition, "mspId", RuleNotRemoved},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := s.Snapshot()
			err := tt.do()
			testutil.AssertRefusal(t, err, tt.code, tt.field, tt.rule)
			assert.Equal(t, before, s.Snapshot(), "a refusal writes nothing")
		})
	}
}
