package artifact

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/internal/testutil"
)

// rangeStore is a store with ordered range reads, as a peer's state
// database has (core.MemStore sorts every key on each scan, which would
// measure itself rather than the lineage walk).
type rangeStore struct {
	data map[string][]byte
	keys []string
}

func (r *rangeStore) Get(k string) ([]byte, error) { return r.data[k], nil }
func (r *rangeStore) Put(k string, v []byte) error {
	if _, ok := r.data[k]; !ok {
		i := sort.SearchStrings(r.keys, k)
		r.keys = append(r.keys, "")
		copy(r.keys[i+1:], r.keys[i:])
		r.keys[i] = k
	}
	r.data[k] = append([]byte(nil), v...)
	return nil
}
func (r *rangeStore) Delete(string) error { panic("not used") }
func (r *rangeStore) Scan(objectType string, attrs []string, fn func(string, []byte) error) error {
	_, err := r.Page(objectType, attrs, "", 1<<30, fn)
	return err
}
func (r *rangeStore) Page(objectType string, attrs []string, bookmark string, limit int, fn func(string, []byte) error) (string, error) {
	prefix, err := core.Key(objectType, attrs...)
	if err != nil {
		return "", err
	}
	start := prefix
	if bookmark > start {
		start = bookmark
	}
	n := 0
	for i := sort.SearchStrings(r.keys, start); i < len(r.keys) && strings.HasPrefix(r.keys[i], prefix); i++ {
		if n == limit {
			return r.keys[i], nil
		}
		n++
		if err := fn(r.keys[i], r.data[r.keys[i]]); err != nil {
			return "", err
		}
	}
	return "", nil
}

// BenchmarkLineage10000 answers the full lineage (both ways) of the root
// dataset of a provenance graph of 10,000 versions: a dataset, 99 recipes
// derived from it, and 9,900 weights each derived from the dataset and one
// recipe. Every version is read once.
func BenchmarkLineage10000(b *testing.B) {
	w := newWorld(b)
	rs := &rangeStore{data: map[string][]byte{}}
	for _, k := range w.s.Keys() {
		v, _ := w.s.Get(k)
		require.NoError(b, rs.Put(k, v))
	}
	reg := func(kind Kind, name string, parents ...Ref) Ref {
		tx := testutil.Tx(rs, w.pubA, false, w.now)
		tx.TxID = "tx-" + name
		a, err := Register(tx, RegisterRequest{Kind: kind, Name: name, Version: "1", SHA256: sha(name), Size: 1, Licence: "MIT", Parents: parents})
		require.NoError(b, err)
		return a.Ref()
	}
	ds := reg(KindDataset, "corpus")
	n := 1
	var recipes []Ref
	for i := 0; i < 99; i++ {
		recipes = append(recipes, reg(KindTrainingRecipe, fmt.Sprintf("recipe-%03d", i), ds))
		n++
	}
	for i := 0; n < 10000; i++ {
		reg(KindModelWeights, fmt.Sprintf("model-%05d", i), ds, recipes[i%len(recipes)])
		n++
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		l, err := GetLineage(rs, LineageRequest{Artifact: ds, Direction: Both})
		require.NoError(b, err)
		require.Len(b, l.Nodes, 10000)
		require.False(b, l.Truncated)
	}
}
