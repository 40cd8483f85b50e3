package ballot

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/internal/testutil"
)

// More ballots than a page: List returns them in pages, every ballot once
// and in ID order, and no page reads more records than its size; no
// listing scans the whole range.
func TestListIsPaged(t *testing.T) {
	w := newWorld(t, constitution.FamilyToken, constitution.HouseB, nil)
	m := w.member("m")
	var want []string
	for i := range 7 {
		p := w.create(m, CreateRequest{Kind: KindPoll, Title: fmt.Sprintf("Poll %d", i), VotingPeriodSec: 60})
		want = append(want, p.ID)
	}
	c := &testutil.Counting{Store: w.s}
	got, pages, err := testutil.AllPages(10, func(bm string) ([]string, string, error) {
		p, err := List(c, w.now, "", 3, bm)
		if err != nil {
			return nil, "", err
		}
		ids := []string{}
		for _, v := range p.Ballots {
			assert.Equal(t, StatusPending, v.StatusNow)
			ids = append(ids, v.ID)
		}
		return ids, p.Bookmark, nil
	})
	require.NoError(t, err)
	assert.Equal(t, 3, pages, "7 ballots in pages of 3")
	assert.ElementsMatch(t, want, got, "every ballot once")
	assert.IsIncreasing(t, got, "in ID order, none repeated")
	assert.Equal(t, 3, c.MaxPage(), "no page reads more than its size")
	assert.Empty(t, c.Scans, "no range is scanned")

	// A status filter reads the same pages and returns only the matches.
	c = &testutil.Counting{Store: w.s}
	none, pages, err := testutil.AllPages(10, func(bm string) ([]View, string, error) {
		p, err := List(c, w.now, StatusActive, 3, bm)
		if err != nil {
			return nil, "", err
		}
		return p.Ballots, p.Bookmark, nil
	})
	require.NoError(t, err)
	assert.Empty(t, none)
	assert.Equal(t, 3, pages)
	assert.Equal(t, 3, c.MaxPage())

	for _, tc := range []struct {
		name     string
		status   Status
		size     int
		bookmark string
	}{
		{"page too large", "", core.MaxPageSize + 1, ""},
		{"negative page", "", -1, ""},
		{"unknown status", "sleeping", 0, ""},
		{"bookmark of another listing", "", 0, core.MustKey("ballot-vote", "x")},
	} {
		_, err := List(w.s, w.now, tc.status, tc.size, tc.bookmark)
		assert.ErrorIs(t, err, errcode.ErrInvalidArgument, tc.name)
	}
}
