package reputation

import (
	"fmt"
	"math"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/contribution"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
)

// capTime sorts later times first, over the whole range of time.Time, and
// parses back to the same instant.
func TestCapTimeOrderAndRoundTrip(t *testing.T) {
	times := []time.Time{
		{},
		time.Unix(-1, 999_999_999).UTC(),
		time.Unix(0, 0).UTC(),
		time.Unix(0, 1).UTC(),
		t0(),
		t0().Add(time.Nanosecond),
		t0().Add(time.Second - time.Nanosecond),
		t0().Add(time.Second),
		t0().Add(30 * 24 * time.Hour),
		time.Date(2262, 4, 12, 0, 0, 0, 0, time.UTC), // past UnixNano's range
		time.Date(9999, 12, 31, 23, 59, 59, 999_999_999, time.UTC),
		time.Unix(math.MaxInt64/4, 0).UTC(),
	}
	for _, tm := range times {
		back, ok := parseCapTime(capTime(tm))
		require.True(t, ok, "%s", tm)
		assert.True(t, back.Equal(tm), "%s parsed back as %s", tm, back)
	}
	for i := range times {
		for j := range times {
			a, b := capTime(times[i]), capTime(times[j])
			assert.Equal(t, times[i].After(times[j]), a < b, "%s vs %s", times[i], times[j])
		}
	}
	// after every character of a transaction ID (hexadecimal)
	for _, c := range "0123456789abcdefABCDEF" {
		assert.Less(t, string(c), capTime(time.Time{}))
	}
	for _, bad := range []string{"", "~", capTime(t0())[1:], "x" + capTime(t0())[1:], capTime(t0())[:21] + "x" + capTime(t0())[22:],
		"~0000000000000000000a.000000000", "~00000000000000000000.99999999a", "~00000000000000000000.-00000001"} {
		_, ok := parseCapTime(bad)
		assert.False(t, ok, "%q", bad)
	}
}

// rangeCounter counts what each Scan of the cap index delivered to its
// callback (a peer's range read: every key read is in the read set and read
// again at commit).
type rangeCounter struct {
	core.Store
	delivered []int
}

func (c *rangeCounter) Scan(obj string, attrs []string, fn func(string, []byte) error) error {
	if obj != objGiven {
		return c.Store.Scan(obj, attrs, fn)
	}
	n := 0
	err := c.Store.Scan(obj, attrs, func(k string, v []byte) error {
		n++
		return fn(k, v)
	})
	c.delivered = append(c.delivered, n)
	return err
}

// The farming cap reads only the cap period of the pair's index: however
// long the pair's history, an attestation reads the entries issued in the
// period and at most one before it.
func TestCapReadCoversOnlyThePeriod(t *testing.T) {
	const period = 30 * 24 * time.Hour
	for _, tt := range []struct {
		name          string
		old, inPeriod int
	}{
		{"no history", 0, 0},
		{"history outside the period only", 50, 0},
		{"history inside the period only", 0, 7},
		{"long history, a few in the period", 200, 3},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := &rangeCounter{Store: core.NewMemStore()}
			w := newWorldOn(t, c)
			at := t0()
			for range tt.old {
				w.attest(attA, ada, contribution.MergedCode, 1, at)
				at = at.Add(time.Hour)
			}
			now := at.Add(period + time.Hour)
			for i := range tt.inPeriod {
				w.attest(attA, ada, contribution.MergedCode, 1, now.Add(-time.Duration(tt.inPeriod-i)*time.Minute))
			}
			// another pair's history is never read
			for i := range 20 {
				w.attest(attB, ada, contribution.MergedCode, 1, now.Add(-time.Duration(i)*time.Minute))
			}
			c.delivered = nil
			w.attest(attA, ada, contribution.MergedCode, 1, now)
			require.Len(t, c.delivered, 1)
			want := tt.inPeriod
			if tt.old > 0 {
				want++ // the newest entry before the period ends the read
			}
			assert.Equal(t, want, c.delivered[0])
		})
	}
}

// A ledger written with the legacy cap index layout (no time part) gives
// the same cap after the upgrade: its entries are all still counted, with
// the new layout's entries written after it, and the period applies to
// both.
func TestCapCountsLegacyEntries(t *testing.T) {
	const period = 30 * 24 * time.Hour
	// legacy writes an entry of the layout before the upgrade (a Fabric
	// transaction ID: 64 hexadecimal characters).
	legacy := func(w *world, by, to identity.Identity, n int, weight int64, at time.Time) {
		t.Helper()
		id := fmt.Sprintf("%064x", n)
		k, err := legacyGivenKey(to, by, id)
		require.NoError(t, err)
		require.NoError(t, core.PutJSON(w.s, k, Given{AttestationID: id, Weight: weight, IssuedAt: at}))
	}
	type entry struct {
		legacy bool
		weight int64
		at     time.Duration
	}
	for _, tt := range []struct {
		name    string
		prior   []entry
		weight  int64
		at      time.Duration
		ok      bool
		already int64 // what the refusal says was given in the period
	}{
		{"legacy entries alone reach the cap", []entry{{true, 1000, 0}, {true, 1000, time.Minute}}, 1, time.Hour, false, 2000},
		{"legacy and new entries add up", []entry{{true, 1500, 0}, {false, 400, time.Minute}}, 101, time.Hour, false, 1900},
		{"legacy and new entries up to the cap exactly", []entry{{true, 1500, 0}, {false, 400, time.Minute}}, 100, time.Hour, true, 0},
		{"a legacy entry leaves the window", []entry{{true, 1000, 0}, {true, 1000, 2 * time.Hour}}, 1000, period, true, 0},
		{"a legacy entry one second inside the window", []entry{{true, 1000, time.Second}, {false, 1000, time.Hour}}, 1, period, false, 2000},
		{"a legacy entry issued after the transaction does not count", []entry{{true, 1000, 2 * time.Hour}, {false, 1000, 0}}, 1000, time.Hour, true, 0},
		{"a new entry issued after the transaction does not count", []entry{{false, 1000, 2 * time.Hour}, {true, 1000, 0}}, 1000, time.Hour, true, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			for i, e := range tt.prior {
				if e.legacy {
					legacy(w, attA, ada, i, e.weight, t0().Add(e.at))
				} else {
					w.attest(attA, ada, contribution.MergedCode, e.weight, t0().Add(e.at))
				}
			}
			// another pair's legacy entries never count
			legacy(w, attB, ada, 99, 2000, t0())
			legacy(w, attA, bob, 98, 2000, t0())
			before, writes := w.m.Snapshot(), w.m.Writes
			tx := w.tx(attA, false, t0().Add(tt.at))
			_, err := Attest(tx, AttestRequest{Recipient: ada, Category: contribution.MergedCode, Weight: tt.weight, Evidence: "e"})
			if tt.ok {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, errcode.ErrFailedPrecondition)
			assert.Contains(t, err.Error(), fmt.Sprintf(" %d points in the last", tt.already))
			assert.Equal(t, before, w.m.Snapshot(), "nothing written")
			assert.Equal(t, writes, w.m.Writes)
			assert.Nil(t, tx.Event())
		})
	}
}

// The same history gives the same cap whether it was written in the legacy
// layout or the new one, at every point in time around the window's edges.
func TestCapSameOnBothLayouts(t *testing.T) {
	const period = 30 * 24 * time.Hour
	offsets := []time.Duration{0, time.Second, time.Hour, 3 * time.Hour, 10 * 24 * time.Hour, period - time.Second, period}
	weights := []int64{300, 200, 500, 100, 400, 250, 150}
	newW, oldW := newWorld(t), newWorld(t)
	for i, off := range offsets {
		newW.attest(attA, ada, contribution.MergedCode, weights[i], t0().Add(off))
		id := fmt.Sprintf("%064x", i)
		k, err := legacyGivenKey(ada, attA, id)
		require.NoError(t, err)
		require.NoError(t, core.PutJSON(oldW.s, k, Given{AttestationID: id, Weight: weights[i], IssuedAt: t0().Add(off)}))
	}
	var keys []string
	for _, k := range newW.m.Keys() {
		if obj, _, _ := core.SplitKey(k); obj == objGiven {
			keys = append(keys, k)
		}
	}
	require.Len(t, keys, len(offsets))
	assert.True(t, sort.SliceIsSorted(keys, func(i, j int) bool { return keys[i] < keys[j] }))
	for _, at := range []time.Duration{0, time.Second, 2 * time.Hour, period - time.Second, period, period + time.Second, period + 5*time.Hour, 2 * period, 3 * period} {
		to := t0().Add(at)
		from := to.Add(-period)
		a, err := givenWithin(newW.s, ada, attA, from, to)
		require.NoError(t, err)
		b, err := givenWithin(oldW.s, ada, attA, from, to)
		require.NoError(t, err)
		var want int64
		for i, off := range offsets {
			if t0().Add(off).After(from) && !t0().Add(off).After(to) {
				want += weights[i]
			}
		}
		assert.Equal(t, want, a, "new layout at +%s", at)
		assert.Equal(t, want, b, "legacy layout at +%s", at)
	}
}

// A cap index entry that is neither layout is an internal error, never a
// silent zero.
func TestCapIndexCorruptKey(t *testing.T) {
	for _, attrs := range [][]string{
		{"~garbage", "1", "x"},
		{capTime(t0()), "0", "x"},
		{capTime(t0()), "-3", "x"},
		{capTime(t0()), "one", "x"},
		{capTime(t0()), "x"},
		{"a", "b", "c", "d"},
	} {
		w := newWorld(t)
		k, err := core.Key(objGiven, append([]string{ada.MSPID, ada.ID, attA.MSPID, attA.ID}, attrs...)...)
		require.NoError(t, err)
		require.NoError(t, w.s.Put(k, []byte(`{"attestationId":"x","weight":1,"issuedAt":"2026-01-01T12:00:00Z"}`)))
		before := w.m.Snapshot()
		_, err = Attest(w.tx(attA, false, t0()), AttestRequest{Recipient: ada, Category: contribution.MergedCode, Weight: 1, Evidence: "e"})
		assert.ErrorIs(t, err, errcode.ErrInternal, "%q", attrs)
		assert.Equal(t, before, w.m.Snapshot())
	}
}

// A new entry's key holds the weight its value holds.
func TestCapKeyHoldsTheWeight(t *testing.T) {
	w := newWorld(t)
	a := w.attest(attA, ada, contribution.MergedCode, 37, t0())
	n := 0
	require.NoError(t, w.s.Scan(objGiven, []string{ada.MSPID, ada.ID, attA.MSPID, attA.ID}, func(key string, value []byte) error {
		n++
		_, attrs, err := core.SplitKey(key)
		require.NoError(t, err)
		var g Given
		require.NoError(t, core.DecodeJSON(key, value, &g))
		assert.Equal(t, []string{ada.MSPID, ada.ID, attA.MSPID, attA.ID, capTime(a.IssuedAt), "37", a.ID}, attrs)
		assert.Equal(t, Given{AttestationID: a.ID, Weight: 37, IssuedAt: a.IssuedAt}, g)
		return nil
	}))
	assert.Equal(t, 1, n)
}
