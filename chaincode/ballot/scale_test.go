package ballot

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/membership"
)

// typeCounter counts scans and the entries they return, per object type.
type typeCounter struct {
	core.Store
	scans, entries map[string]int
}

func (c *typeCounter) Scan(obj string, attrs []string, fn func(string, []byte) error) error {
	c.scans[obj]++
	return c.Store.Scan(obj, attrs, func(k string, v []byte) error {
		c.entries[obj]++
		return fn(k, v)
	})
}

// Every electorate page re-scanned the member register from its start
// (quadratic in members over a tally). The electorate now reads each shard
// of the member shard index once over the whole tally, however small the
// pages, and never the register itself.
func TestElectorateReadsEachMemberOnce(t *testing.T) {
	tc := &typeCounter{Store: core.NewMemStore(), scans: map[string]int{}, entries: map[string]int{}}
	w := newWorldOn(t, tc, constitution.FamilySeat, constitution.HouseA, nil)
	const seats, plain = 40, 200
	var first = w.member("seat-000", membership.RoleHouseA)
	for i := 1; i < seats; i++ {
		w.member(fmt.Sprintf("seat-%03d", i), membership.RoleHouseA)
	}
	for i := range plain {
		w.member(fmt.Sprintf("plain-%03d", i))
	}
	bal := w.create(first, CreateRequest{})
	w.open(bal)
	w.vote(bal, first, ChoiceFor)
	w.now = bal.CloseableFrom(testSkew * time.Second)
	_, err := Close(w.as(w.admin), bal.ID)
	require.NoError(t, err)
	clear(tc.scans)
	clear(tc.entries)
	pages := 0
	for {
		p, err := Tally(w.as(w.admin), w.deps, bal.ID, 3)
		require.NoError(t, err)
		pages++
		if p.Done {
			assert.Equal(t, fmt.Sprint(seats), p.Result.Electorate)
			break
		}
	}
	assert.Greater(t, pages, 10, "the electorate took many pages")
	assert.Zero(t, tc.scans["member"], "the member register is never scanned whole")
	assert.Equal(t, membership.Shards, tc.scans["member-shard"], "each shard once")
	assert.Equal(t, seats+plain, tc.entries["member-shard"], "each member read once over the whole tally")
}
