package contract

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/artifact"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/internal/fakestub"
)

// readTwice lists the keys a transaction read from the peer more than once.
func readTwice(reads []string) []string {
	seen := map[string]int{}
	var out []string
	for _, k := range reads {
		seen[k]++
		if seen[k] == 2 {
			out = append(out, k)
		}
	}
	return out
}

// A transaction reads each key from the peer once: the guard's clock-skew
// bound and the adoption check both read the constitution's time rule, and
// an attestation and an artifact registration read it once.
func TestTransactionReadsEachKeyOnce(t *testing.T) {
	w := newRepWorld(t)
	for range 3 {
		w.ok(w.attester, "reputation:Attest", w.attestReq(1))
	}
	_, stub := w.ok(w.attester, "reputation:Attest", w.attestReq(1))
	assert.Empty(t, readTwice(stub.Reads), "attest: %q", stub.Reads)
	assert.Contains(t, stub.Reads, core.MustKey("constitution", "time"))
	assert.Len(t, stub.Reads, 5, "the time rule, the constitution, the attester, the recipient, the attestation's own key: %q", stub.Reads)

	_, stub = w.ok(w.member, "artifact:Register", mustJSON(t, artifact.RegisterRequest{Kind: artifact.KindDataset, Name: "x", Version: "1",
		SHA256: "a3b1c2d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90", Size: 1, Licence: "Apache-2.0"}))
	assert.Empty(t, readTwice(stub.Reads), "artifact: %q", stub.Reads)
	assert.Len(t, stub.Reads, 3, "the time rule, the publisher, the version's key: %q", stub.Reads)

	// every invocation has its own context: the next one reads the peer again
	_, stub = w.ok(w.attester, "reputation:Attest", w.attestReq(1))
	assert.Contains(t, stub.Reads, core.MustKey("constitution", "time"))
}

// The memo returns what the peer returned the first time, also after the
// transaction wrote the key (a peer never shows a transaction its own
// writes), remembers missing keys, and hands out copies.
func TestMemoStoreReadsLikeAPeer(t *testing.T) {
	state := core.NewMemStore()
	require.NoError(t, state.Put("k", []byte("committed")))
	stub := &fakestub.Stub{State: state, TxID: "tx1"}
	ctx := &txContext{}
	ctx.SetStub(stub)
	s := store(ctx)

	v, err := s.Get("k")
	require.NoError(t, err)
	assert.Equal(t, "committed", string(v))
	v[0] = 'X' // a caller's change does not reach the memo
	missing, err := s.Get("absent")
	require.NoError(t, err)
	assert.Nil(t, missing)

	require.NoError(t, s.Put("k", []byte("written")))
	require.NoError(t, s.Put("absent", []byte("new")))
	v, err = s.Get("k")
	require.NoError(t, err)
	assert.Equal(t, "committed", string(v), "the committed value, as a peer returns it")
	missing, err = s.Get("absent")
	require.NoError(t, err)
	assert.Nil(t, missing, "still missing for this transaction, as on a peer")
	assert.Equal(t, []string{"k", "absent"}, stub.Reads, "each key read from the peer once")
	got, err := state.Get("k")
	require.NoError(t, err)
	assert.Equal(t, "written", string(got), "writes go to the ledger")

	// a context that is not Charter's reads the ledger directly
	plain := &fakestub.Stub{State: state, TxID: "tx2"}
	pctx := &struct{ txContext }{}
	pctx.SetStub(plain)
	_, ok := store(&pctx.TransactionContext).(memoStore)
	assert.False(t, ok)
}
