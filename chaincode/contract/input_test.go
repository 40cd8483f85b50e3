package contract

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/membership"
)

// refused runs one invocation on a network with a constitution and asserts
// a coded refusal carrying code and msg that changed no state and emitted
// no event. It returns the response message.
func refused(t *testing.T, h *harness, caller testIdentity, fn string, args []string, code errcode.Code, msg string) string {
	t.Helper()
	before := h.state.Snapshot()
	res, stub := h.invoke(caller, 0, fn, args...)
	require.Equal(t, int32(500), res.Status, "refused: %s", errcode.Clip(string(res.Payload), 200))
	decoded, found := errcode.Decode(res.Message)
	require.True(t, found, "coded error: %s", errcode.Clip(res.Message, 300))
	assert.Equal(t, code, decoded.Code, errcode.Clip(res.Message, 300))
	assert.Contains(t, res.Message, msg)
	assert.Equal(t, before, h.state.Snapshot(), "state unchanged")
	assert.Empty(t, stub.Events, "no event")
	return res.Message
}

// TestLaxJSONRefused: every row was accepted by the encoding/json decoder
// the contracts used before chaincode/strictjson; the first registered the
// LabAMSP member although the request also named a LabBMSP one.
func TestLaxJSONRefused(t *testing.T) {
	adminA := newIdentity(t, "LabAMSP", "Admin@labA", "admin")
	founder := newIdentity(t, "FoundationMSP", "Admin@foundation", "admin")
	idA := identity.Identity{MSPID: "LabAMSP", ID: "x509::CN=User1@labA::CN=ca.LabAMSP"}
	idB := identity.Identity{MSPID: "LabBMSP", ID: "x509::CN=User1@labB::CN=ca.LabBMSP"}
	mem := func(id identity.Identity) string {
		raw, err := json.Marshal(id)
		require.NoError(t, err)
		return string(raw)
	}
	reg, err := json.Marshal(membership.RegisterRequest{Member: idA, Name: "Ada"})
	require.NoError(t, err)

	tests := []struct {
		name, arg, msg string
	}{
		{"duplicate key, last would win", `{"member":` + mem(idB) + `,"member":` + mem(idA) + `,"name":"Ada"}`, `duplicate field "member"`},
		{"key in another letter case", `{"MEMBER":` + mem(idA) + `,"name":"Ada"}`, `unknown field "MEMBER"`},
		{"trailing brace", string(reg) + "}", "unexpected data after the JSON value"},
		{"trailing garbage", string(reg) + "]]]garbage", "unexpected data after the JSON value"},
		{"lone surrogate", `{"member":` + mem(idA) + `,"name":"Ada\ud800"}`, "invalid surrogate pair"},
		{"null", `null`, "null is not a register request"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			h.foundDefault()
			refused(t, h, adminA, "member:Register", []string{tc.arg}, errcode.InvalidArgument, tc.msg)
		})
	}

	t.Run("null genesis", func(t *testing.T) {
		h := newHarness(t)
		refused(t, h, founder, "constitution:ProposeGenesis", []string{"null"}, errcode.InvalidArgument, "null is not a genesis")
	})

	t.Run("the strict request still registers", func(t *testing.T) {
		h := newHarness(t)
		h.foundDefault()
		res, _ := h.invoke(adminA, 0, "member:Register", string(reg))
		require.Equal(t, int32(ok), res.Status, res.Message)
	})
}
