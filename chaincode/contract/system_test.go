package contract

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/errcode"
)

func TestSystemVersion(t *testing.T) {
	user := newIdentity(t, "LabAMSP", "User1@labA", "client")
	tests := []struct {
		name            string
		version, digest string
		want            Build
	}{
		{"unstamped build", "", "", Build{Version: Unstamped, Digest: Unstamped, ContractVersion: contractVersion}},
		{"stamped build", "v0.3.0-4-gabc1234-dirty", "5f2c", Build{Version: "v0.3.0-4-gabc1234-dirty", Digest: "5f2c", ContractVersion: contractVersion}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			oldV, oldD := buildVersion, buildDigest
			buildVersion, buildDigest = tt.version, tt.digest
			t.Cleanup(func() { buildVersion, buildDigest = oldV, oldD })
			h := newHarness(t)
			// Before any genesis, and with a clock far off: the version
			// is answered regardless, and nothing is written.
			res, stub := h.invoke(user, time.Hour, "system:Version")
			require.Equal(t, int32(ok), res.Status, res.Message)
			var got Build
			require.NoError(t, json.Unmarshal(res.Payload, &got))
			assert.Equal(t, tt.want, got)
			assert.Empty(t, stub.Events)
			assert.Empty(t, h.state.Keys(), "system:Version writes nothing")
		})
	}
}

func TestSystemVersionTakesNoArguments(t *testing.T) {
	h := newHarness(t)
	user := newIdentity(t, "LabAMSP", "User1@labA", "client")
	res, _ := h.invoke(user, 0, "system:Version", "extra")
	require.NotEqual(t, int32(ok), res.Status)
	d, found := errcode.Decode(res.Message)
	require.True(t, found, res.Message)
	assert.Equal(t, errcode.InvalidArgument, d.Code)
	assert.Contains(t, d.Message, "system:Version takes 0 arguments")
}
