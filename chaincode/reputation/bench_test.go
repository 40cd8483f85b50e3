package reputation

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/contribution"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/identity"
)

// fill writes n attestations to member directly (bypassing Attest and its
// cap), spread over ten years and every category, with an endorsement on
// every tenth and a slash every 10000; it also writes 1000 attestations to
// another member, which a score read must not touch.
func fill(b *testing.B, w *world, member identity.Identity, n int) {
	b.Helper()
	cats := contribution.All()
	span := int64(10 * 365 * 24 * 3600)
	put := func(to identity.Identity, i int) {
		at := t0().Add(time.Duration(int64(i)*span/int64(max(n, 1))) * time.Second)
		id := fmt.Sprintf("bench%08d", i)
		a := Attestation{ID: id, Recipient: to, Attester: attA, Category: cats[i%len(cats)], Weight: int64(1 + i%1000), Evidence: "sha256:bench", IssuedAt: at}
		key, err := AttestationKey(to, id)
		require.NoError(b, err)
		require.NoError(b, core.PutJSON(w.s, key, a))
		if to == member && i%10 == 0 {
			ek, err := endorsementKey(to, id, carol)
			require.NoError(b, err)
			require.NoError(b, core.PutJSON(w.s, ek, Endorsement{AttestationID: id, Recipient: to, Endorser: carol, At: at, TxID: id}))
		}
		if to == member && i%10000 == 9999 {
			sk, err := slashKey(to, id)
			require.NoError(b, err)
			require.NoError(b, core.PutJSON(w.s, sk, SlashRecord{ID: id, Member: to, FractionBps: 500, Reason: "bench", By: judge, At: at, Authority: AuthorityDecision, Decision: "bench"}))
		}
	}
	for i := range n {
		put(member, i)
	}
	for i := range 1000 {
		put(bob, i)
	}
}

// BenchmarkScoreAt measures a full score read (every category, with
// endorsements and slashes) as the number of attestations per member grows.
func BenchmarkScoreAt(b *testing.B) {
	for _, n := range []int{10, 1_000, 100_000} {
		for _, store := range []struct {
			name string
			new  func() core.Store
		}{
			{"MemStore", func() core.Store { return core.NewMemStore() }},
			{"indexed", func() core.Store { return newIndexedStore() }},
		} {
			b.Run(fmt.Sprintf("%s/attestations=%d", store.name, n), func(b *testing.B) {
				w := newWorldOn(b, store.new())
				fill(b, w, ada, n)
				at := t0().Add(10 * 365 * 24 * time.Hour)
				b.ReportAllocs()
				b.ResetTimer()
				for b.Loop() {
					if _, err := ScoreAt(w.s, ada, at, nil); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/attestation")
			})
		}
	}
}

// indexedStore is a core.Store whose Scan finds its prefix by binary search
// over sorted keys, as a peer's LevelDB range iterator does (MemStore sorts
// every key of the store on each Scan, which hides the cost of the score
// itself). Benchmark-only.
type indexedStore struct {
	data map[string][]byte
	keys []string // sorted
}

func newIndexedStore() *indexedStore { return &indexedStore{data: map[string][]byte{}} }

func (s *indexedStore) Get(key string) ([]byte, error) { return s.data[key], nil }

func (s *indexedStore) Put(key string, value []byte) error {
	if _, ok := s.data[key]; !ok {
		i := sort.SearchStrings(s.keys, key)
		s.keys = append(s.keys, "")
		copy(s.keys[i+1:], s.keys[i:])
		s.keys[i] = key
	}
	s.data[key] = append([]byte(nil), value...)
	return nil
}

func (s *indexedStore) Delete(key string) error {
	if _, ok := s.data[key]; ok {
		i := sort.SearchStrings(s.keys, key)
		s.keys = append(s.keys[:i], s.keys[i+1:]...)
		delete(s.data, key)
	}
	return nil
}

func (s *indexedStore) Scan(objectType string, attrs []string, fn func(key string, value []byte) error) error {
	prefix, err := core.Key(objectType, attrs...)
	if err != nil {
		return err
	}
	for i := sort.SearchStrings(s.keys, prefix); i < len(s.keys) && strings.HasPrefix(s.keys[i], prefix); i++ {
		if err := fn(s.keys[i], s.data[s.keys[i]]); err != nil {
			return err
		}
	}
	return nil
}

// BenchmarkDecay measures the fixed-point decay of one value.
func BenchmarkDecay(b *testing.B) {
	e := int64(0)
	for b.Loop() {
		e += 7919
		Decay(1_250_000_000, e%(20*halfLife), halfLife)
	}
}
