package api

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/round"
	charter "github.com/charter-gov/charter/gateway-client"
)

// TestIndexedReaderWaitsForThePeersHeight: the console's reader answers
// from the index, and only once the index has applied every block the
// peer had when the read began; an index that cannot get there answers
// UNAVAILABLE, not a stale page.
func TestIndexedReaderWaitsForThePeersHeight(t *testing.T) {
	f := &fakeGateway{}
	s, _ := newTestServer(t, f)
	require.Eventually(t, func() bool { started, _ := s.blocks.state(); return started }, 5e9, 1e7, "the listener asked the peer's height once")
	x := s.IndexedReader(nil)

	_, err := x.Round(context.Background(), "r1")
	require.Equal(t, charter.CodeNotFound, charter.CodeOf(err), "the index is at the peer's height 0: no round yet (%v)", err)

	l := newTestLedger()
	l.writes(kv(t, core.MustKey("round", "r1"), round.Round{ID: "r1", Title: "docs"}))
	f.mu.Lock()
	f.height = uint64(len(l.Blocks)) // the peer committed r1's block
	f.mu.Unlock()
	got := make(chan *round.Round, 1)
	go func() {
		r, err := x.Round(context.Background(), "r1")
		if err != nil {
			got <- nil
			return
		}
		got <- r
	}()
	select {
	case <-got:
		t.Fatal("answered before the index had applied the peer's blocks")
	default:
	}
	feed(t, s, l)
	r := <-got
	require.NotNil(t, r)
	require.Equal(t, "docs", r.Title)

	f.mu.Lock()
	f.height = 99
	f.mu.Unlock()
	_, err = x.Round(context.Background(), "r1")
	require.Equal(t, charter.CodeUnavailable, charter.CodeOf(err), "%v", err)
}
