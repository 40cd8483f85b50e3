package benchcc

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
)

func newTx(s core.Store) *core.Tx {
	return &core.Tx{
		Store:  s,
		Caller: core.Caller{Identity: identity.Identity{MSPID: "LabAMSP", ID: "x509::CN=ada::CN=ca"}},
		Time:   time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC),
		TxID:   "tx1",
	}
}

func TestPutWritesOneKeyAndEmitsOneEvent(t *testing.T) {
	s := core.NewMemStore()
	tx := newTx(s)
	out, err := Do(tx, "k1", "hello")
	require.NoError(t, err)
	assert.Equal(t, &Put{Key: "k1", Bytes: 5}, out)
	k, err := core.Key("bench", "k1")
	require.NoError(t, err)
	assert.Equal(t, map[string]string{k: "hello"}, s.Snapshot())
	require.NotNil(t, tx.Event())
	assert.Equal(t, EventPut, tx.Event().Type)
	assert.JSONEq(t, `{"key":"k1","bytes":5}`, string(tx.Event().Payload))
}

func TestPutRefusalsChangeNothing(t *testing.T) {
	tests := []struct {
		name, key, value, want string
	}{
		{"empty key", "", "v", "key must be 1..128 bytes"},
		{"long key", strings.Repeat("k", MaxKeyBytes+1), "v", "key must be 1..128 bytes"},
		{"long value", "k", strings.Repeat("v", MaxValueBytes+1), "at most 4096"},
		{"key with a composite-key separator", "a\x00b", "v", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := core.NewMemStore()
			tx := newTx(s)
			_, err := Do(tx, tt.key, tt.value)
			require.Error(t, err)
			assert.Equal(t, errcode.InvalidArgument, errcode.CodeOf(err))
			if tt.want != "" {
				assert.Contains(t, err.Error(), tt.want)
			}
			assert.Empty(t, s.Snapshot(), "nothing written")
			assert.Nil(t, tx.Event(), "no event")
		})
	}
}

func TestPutAtTheLimits(t *testing.T) {
	s := core.NewMemStore()
	_, err := Do(newTx(s), strings.Repeat("k", MaxKeyBytes), strings.Repeat("v", MaxValueBytes))
	require.NoError(t, err)
	_, err = Do(newTx(s), "empty-value", "")
	require.NoError(t, err)
	assert.Len(t, s.Snapshot(), 2)
}
