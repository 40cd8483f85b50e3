package decision

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/internal/testutil"
)

// More decisions than a page: List returns them in pages, each once and in
// ID order; a status filter reads the same pages; no page reads more
// records than its size and no range is scanned.
func TestListIsPaged(t *testing.T) {
	s := core.NewMemStore()
	var all, passed []string
	for i := range 8 {
		d := Decision{ID: fmt.Sprintf("dec-%02d", i), Status: StatusVoting}
		if i%3 == 0 {
			d.Status = StatusPassed
			passed = append(passed, d.ID)
		}
		key, err := Key(d.ID)
		require.NoError(t, err)
		require.NoError(t, core.PutJSON(s, key, d))
		all = append(all, d.ID)
	}
	list := func(c *testutil.Counting, status Status) ([]string, int) {
		ids, pages, err := testutil.AllPages(10, func(bm string) ([]string, string, error) {
			p, err := List(c, status, 3, bm)
			if err != nil {
				return nil, "", err
			}
			out := []string{}
			for _, d := range p.Decisions {
				out = append(out, d.ID)
			}
			return out, p.Bookmark, nil
		})
		require.NoError(t, err)
		return ids, pages
	}
	c := &testutil.Counting{Store: s}
	got, pages := list(c, "")
	assert.Equal(t, all, got, "every decision once, in ID order")
	assert.Equal(t, 3, pages, "8 decisions in pages of 3")
	assert.Equal(t, 3, c.MaxPage())
	assert.Empty(t, c.Scans)

	c = &testutil.Counting{Store: s}
	got, pages = list(c, StatusPassed)
	assert.Equal(t, passed, got)
	assert.Equal(t, 3, pages, "a filter reads the same pages")
	assert.Equal(t, 3, c.MaxPage())

	for name, call := range map[string]func() error{
		"page too large":   func() error { _, err := List(s, "", core.MaxPageSize+1, ""); return err },
		"unknown status":   func() error { _, err := List(s, "asleep", 0, ""); return err },
		"foreign bookmark": func() error { _, err := List(s, "", 0, core.MustKey("coi", "x")); return err },
	} {
		assert.ErrorIs(t, call(), errcode.ErrInvalidArgument, name)
	}
}
