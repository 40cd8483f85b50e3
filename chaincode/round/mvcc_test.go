package round

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/internal/testutil"
)

// rwStore records what one transaction reads (keys and scanned prefixes)
// and writes, as the peer's read-write set would.
type rwStore struct {
	*core.MemStore
	reads, writes map[string]bool
	scans         []string
}

func newRW(s *core.MemStore) *rwStore {
	return &rwStore{MemStore: s, reads: map[string]bool{}, writes: map[string]bool{}}
}

func (r *rwStore) Get(key string) ([]byte, error) {
	r.reads[key] = true
	return r.MemStore.Get(key)
}

func (r *rwStore) Put(key string, value []byte) error {
	r.writes[key] = true
	return r.MemStore.Put(key, value)
}

func (r *rwStore) Delete(key string) error {
	r.writes[key] = true
	return r.MemStore.Delete(key)
}

func (r *rwStore) Scan(objectType string, attrs []string, fn func(key string, value []byte) error) error {
	prefix, err := core.Key(objectType, attrs...)
	if err != nil {
		return err
	}
	r.scans = append(r.scans, prefix)
	return r.MemStore.Scan(objectType, attrs, fn)
}

// Sixty-four members contributing to one project at the same time meet no
// MVCC conflict: each contribution is its own key and the contributor's
// own token account, and no contribution reads (or scans a range holding)
// a key another one writes. Fabric validates a block's transactions
// against the state before the block, so these read-write sets, endorsed
// against the same state and committed in one block, are all valid.
func TestSixtyFourContributorsToOneProjectDoNotConflict(t *testing.T) {
	const n = 64
	w := newWorld(t)
	alice := w.member("LabAMSP", "alice", 0)
	contributors := make([]identity.Identity, n)
	for i := range contributors {
		contributors[i] = w.member(orgs[i%len(orgs)], fmt.Sprintf("c%02d", i), 100)
	}
	r := w.open(w.openReq())
	p := w.project(r, alice, "one project")
	w.now = r.OpensAt.Add(time.Minute)

	// Every contribution is endorsed against the same state: run each on
	// a copy of the state before any of them, recording its read-write set.
	base := w.s.Snapshot()
	sets := make([]*rwStore, n)
	for i, who := range contributors {
		s := core.NewMemStore()
		for k, v := range base {
			require.NoError(t, s.Put(k, []byte(v)))
		}
		sets[i] = newRW(s)
		tx := testutil.Tx(sets[i], who, false, w.now)
		tx.TxID = fmt.Sprintf("tx-c%02d", i)
		_, err := Contribute(tx, ContributeRequest{Round: r.ID, Project: p.ID, Amount: int64(1 + i%5)})
		require.NoError(t, err, "contributor %d", i)
	}
	conflicts := []string{}
	for i, a := range sets {
		for j, b := range sets {
			if i == j {
				continue
			}
			for k := range b.writes {
				if a.reads[k] || a.writes[k] {
					conflicts = append(conflicts, fmt.Sprintf("%d and %d both touch %q", i, j, k))
				}
				for _, prefix := range a.scans {
					if strings.HasPrefix(k, prefix) {
						conflicts = append(conflicts, fmt.Sprintf("%d scans %q where %d writes %q", i, prefix, j, k))
					}
				}
			}
		}
	}
	sort.Strings(conflicts)
	assert.Empty(t, conflicts, "no contribution reads or writes what another writes")
	for _, s := range sets {
		assert.NotEmpty(t, s.writes, "each contribution writes its own keys")
	}
}
