package ledger_test

import (
	"errors"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/internal/fakestub"
	"github.com/charter-gov/charter/chaincode/ledger"
)

// The conformance suite runs against both stores: what the domain relies on
// from core.Store must hold for MemStore (the domain tests' store) and for
// StubStore (the ledger adapter). Known differences, which the suite
// therefore does not assert:
//
//   - An invalid scan prefix (a key part with U+0000 or U+10FFFF, or
//     invalid UTF-8) is an error for both, but only MemStore promises
//     errcode INVALID_ARGUMENT (TestMemStoreScanInvalidPrefix). StubStore
//     wraps whatever the stub returns: the fake validates with core.Key and
//     so happens to return INVALID_ARGUMENT; the real shim returns a plain
//     error without a code.
//   - Within one transaction a real peer does not let reads see the
//     transaction's own writes; MemStore and the fake do. The round-trip
//     cases below therefore describe the stores as tests use them, not one
//     Fabric transaction. (Writing an empty value is also a delete on a peer,
//     so no case writes one.)
//   - MemStore refuses an empty object type in Scan (core.Key); the real
//     shim accepts it.

func TestMemStoreConformance(t *testing.T) {
	runStoreSuite(t, func(t *testing.T) core.Store { return core.NewMemStore() })
}

func TestStubStoreConformance(t *testing.T) {
	runStoreSuite(t, func(t *testing.T) core.Store {
		return ledger.StubStore{Stub: &fakestub.Stub{State: core.NewMemStore()}}
	})
}

// scanOnly hides MemStore's Page, so the suite also covers core.Page's
// fallback for stores without native paging.
type scanOnly struct{ core.Store }

func TestScanOnlyStoreConformance(t *testing.T) {
	runStoreSuite(t, func(t *testing.T) core.Store { return scanOnly{core.NewMemStore()} })
}

type kv struct {
	key   string
	value string
}

// scanFixture is written in non-sorted order and holds neighbours that a
// prefix match must tell apart: type "b" vs "bb", attr "x" vs "xx", and a
// simple (non-composite) key "b".
func scanFixture() []kv {
	return []kv{
		{core.MustKey("b", "x", "2"), "b/x/2"},
		{core.MustKey("bb", "x", "1"), "bb/x/1"},
		{core.MustKey("b", "xx", "1"), "b/xx/1"},
		{core.MustKey("a", "x", "1"), "a/x/1"},
		{"b", "simple"},
		{core.MustKey("b", "x", "1"), "\x00binary\xff\x00"},
		{core.MustKey("b"), "b itself"},
	}
}

// nextTx returns the next transaction's view of the same state: a fresh
// fake stub over the same world state for a StubStore (a peer's simulator
// is per transaction), the store itself otherwise.
func nextTx(s core.Store) core.Store {
	if st, ok := s.(ledger.StubStore); ok {
		return ledger.StubStore{Stub: &fakestub.Stub{State: st.Stub.(*fakestub.Stub).State}}
	}
	return s
}

func put(t *testing.T, s core.Store, kvs ...kv) {
	t.Helper()
	for _, e := range kvs {
		require.NoError(t, s.Put(e.key, []byte(e.value)))
	}
}

func scanAll(t *testing.T, s core.Store, objectType string, attrs ...string) []kv {
	t.Helper()
	var got []kv
	require.NoError(t, s.Scan(objectType, attrs, func(key string, value []byte) error {
		got = append(got, kv{key, string(value)})
		return nil
	}))
	return got
}

func runStoreSuite(t *testing.T, newStore func(t *testing.T) core.Store) {
	key := core.MustKey("asset", "1")
	tests := []struct {
		name string
		run  func(t *testing.T, s core.Store)
	}{
		{"missing key reads nil without error", func(t *testing.T, s core.Store) {
			v, err := s.Get(key)
			require.NoError(t, err)
			assert.Nil(t, v)
		}},
		{"put then get round-trips", func(t *testing.T, s core.Store) {
			put(t, s, kv{key, "v1"})
			v, err := s.Get(key)
			require.NoError(t, err)
			assert.Equal(t, []byte("v1"), v)
		}},
		{"get returns a copy", func(t *testing.T, s core.Store) {
			put(t, s, kv{key, "v1"})
			v, err := s.Get(key)
			require.NoError(t, err)
			v[0] = 'X'
			again, err := s.Get(key)
			require.NoError(t, err)
			assert.Equal(t, []byte("v1"), again)
		}},
		{"put keeps no reference to the caller's slice", func(t *testing.T, s core.Store) {
			in := []byte("v1")
			require.NoError(t, s.Put(key, in))
			in[0] = 'X'
			v, err := s.Get(key)
			require.NoError(t, err)
			assert.Equal(t, []byte("v1"), v)
		}},
		{"put overwrites", func(t *testing.T, s core.Store) {
			put(t, s, kv{key, "v1"}, kv{key, "v2"})
			v, err := s.Get(key)
			require.NoError(t, err)
			assert.Equal(t, []byte("v2"), v)
		}},
		{"delete then get is nil", func(t *testing.T, s core.Store) {
			put(t, s, kv{key, "v1"})
			require.NoError(t, s.Delete(key))
			v, err := s.Get(key)
			require.NoError(t, err)
			assert.Nil(t, v)
			assert.Empty(t, scanAll(t, s, "asset"))
		}},
		{"delete of a missing key is not an error", func(t *testing.T, s core.Store) {
			require.NoError(t, s.Delete(key))
		}},
		{"scan returns exactly the prefix's keys in ascending order", func(t *testing.T, s core.Store) {
			put(t, s, scanFixture()...)
			assert.Equal(t, []kv{
				{core.MustKey("b", "x", "1"), "\x00binary\xff\x00"},
				{core.MustKey("b", "x", "2"), "b/x/2"},
			}, scanAll(t, s, "b", "x"))
		}},
		{"scan of a type alone spans its attrs but not a longer sibling type", func(t *testing.T, s core.Store) {
			put(t, s, scanFixture()...)
			assert.Equal(t, []kv{
				{core.MustKey("b"), "b itself"},
				{core.MustKey("b", "x", "1"), "\x00binary\xff\x00"},
				{core.MustKey("b", "x", "2"), "b/x/2"},
				{core.MustKey("b", "xx", "1"), "b/xx/1"},
			}, scanAll(t, s, "b"))
			assert.Equal(t, []kv{{core.MustKey("bb", "x", "1"), "bb/x/1"}}, scanAll(t, s, "bb"))
		}},
		{"scan with no match calls fn never", func(t *testing.T, s core.Store) {
			put(t, s, scanFixture()...)
			assert.Empty(t, scanAll(t, s, "b", "y"))
			assert.Empty(t, scanAll(t, s, "c"))
		}},
		{"scan stops at and returns fn's first error", func(t *testing.T, s core.Store) {
			put(t, s, scanFixture()...)
			stop := errors.New("stop here")
			var seen []string
			err := s.Scan("b", nil, func(key string, _ []byte) error {
				seen = append(seen, key)
				if len(seen) == 2 {
					return stop
				}
				if len(seen) > 2 {
					return errors.New("called after the error")
				}
				return nil
			})
			require.Error(t, err)
			assert.ErrorIs(t, err, stop)
			assert.Equal(t, []string{core.MustKey("b"), core.MustKey("b", "x", "1")}, seen)
		}},
		{"pages of every size read the prefix exactly once, in order", func(t *testing.T, s core.Store) {
			put(t, s, scanFixture()...)
			want := scanAll(t, s, "b")
			for limit := 1; limit <= len(want)+1; limit++ {
				var got []kv
				bookmark, pages := "", 0
				for {
					next, err := core.Page(nextTx(s), "b", nil, bookmark, limit, func(key string, value []byte) error {
						got = append(got, kv{key, string(value)})
						return nil
					})
					require.NoError(t, err)
					pages++
					require.LessOrEqual(t, len(got), pages*limit, "a page holds at most limit entries")
					if next == "" {
						break
					}
					require.Greater(t, next, bookmark, "the bookmark moves forward")
					bookmark = next
				}
				assert.Equal(t, want, got, "limit %d", limit)
				assert.Equal(t, (len(want)+limit-1)/limit, pages, "limit %d: no empty last page", limit)
			}
		}},
		{"a transaction that writes may read a first page, and write after it", func(t *testing.T, s core.Store) {
			put(t, s, scanFixture()...)
			tx := nextTx(s)
			var got []string
			next, err := core.Page(tx, "b", nil, "", 2, func(key string, _ []byte) error {
				got = append(got, key)
				return nil
			})
			require.NoError(t, err)
			assert.Len(t, got, 2)
			assert.NotEmpty(t, next)
			require.NoError(t, tx.Put(core.MustKey("d", "1"), []byte("after a first page")))
			_, err = core.Page(tx, "b", nil, "", 2, func(string, []byte) error { return nil })
			require.NoError(t, err, "a first page after a write is a plain range read")
		}},
		{"a page of an empty prefix is empty and final", func(t *testing.T, s core.Store) {
			put(t, s, scanFixture()...)
			next, err := core.Page(nextTx(s), "c", nil, "", 5, func(string, []byte) error { return errors.New("called") })
			require.NoError(t, err)
			assert.Equal(t, "", next)
		}},
		{"a bookmark from another list is refused", func(t *testing.T, s core.Store) {
			put(t, s, scanFixture()...)
			_, err := core.Page(nextTx(s), "b", []string{"x"}, core.MustKey("a", "x", "1"), 5, func(string, []byte) error { return nil })
			assert.ErrorIs(t, err, errcode.ErrInvalidArgument)
		}},
		{"scan with an invalid prefix is an error", func(t *testing.T, s core.Store) {
			put(t, s, scanFixture()...)
			called := false
			err := s.Scan("b", []string{"x\x00"}, func(string, []byte) error {
				called = true
				return nil
			})
			require.Error(t, err)
			assert.False(t, called)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.run(t, newStore(t))
		})
	}
}

// MemStore's invalid-prefix error carries a code; the suite asserts only
// that both stores fail.
func TestMemStoreScanInvalidPrefix(t *testing.T) {
	for _, attrs := range [][]string{{"x\x00"}, {"\U0010FFFF"}, {"\xff"}} {
		err := core.NewMemStore().Scan("b", attrs, func(string, []byte) error { return nil })
		assert.ErrorIs(t, err, errcode.ErrInvalidArgument, "%q", attrs)
	}
}

// failingStub fails every state access the adapter makes.
type failingStub struct {
	*fakestub.Stub
	err error
}

func (f failingStub) GetState(string) ([]byte, error) { return nil, f.err }
func (f failingStub) PutState(string, []byte) error   { return f.err }
func (f failingStub) DelState(string) error           { return f.err }

func TestStubStoreWrapsStubErrors(t *testing.T) {
	boom := errors.New("peer unavailable")
	s := ledger.StubStore{Stub: failingStub{Stub: &fakestub.Stub{State: core.NewMemStore()}, err: boom}}
	key := core.MustKey("asset", "1")
	_, getErr := s.Get(key)
	tests := []struct {
		name string
		err  error
		verb string
	}{
		{"get", getErr, "get state"},
		{"put", s.Put(key, []byte("v")), "put state"},
		{"delete", s.Delete(key), "delete state"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Error(t, tt.err)
			assert.ErrorIs(t, tt.err, boom)
			assert.Contains(t, tt.err.Error(), tt.verb+" "+strconv.Quote(key), "the message names the key")
		})
	}
}
