package charter

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hyperledger/fabric-protos-go-apiv2/gateway"
	"github.com/hyperledger/fabric-protos-go-apiv2/orderer"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/charter-gov/charter/chaincode/core"
)

func chaincodeEvent(t *testing.T, block uint64, ev core.Event) *gateway.ChaincodeEventsResponse {
	t.Helper()
	raw, err := json.Marshal(ev)
	require.NoError(t, err)
	return &gateway.ChaincodeEventsResponse{BlockNumber: block, Events: []*peer.ChaincodeEvent{
		{ChaincodeId: "charter", TxId: ev.TxID, EventName: ev.Type, Payload: raw},
	}}
}

func receive(t *testing.T, events <-chan Event) Event {
	t.Helper()
	select {
	case ev, ok := <-events:
		require.True(t, ok, "channel closed early")
		return ev
	case <-time.After(5 * time.Second):
		t.Fatal("no event")
	}
	return Event{}
}

func TestWatchEventsDecodesEnvelopes(t *testing.T) {
	at := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
	registered := core.Event{Type: "member.registered", TxID: "tx1", Time: at, Actor: ada, Payload: json.RawMessage(`{"name":"Ada"}`)}
	initialised := core.Event{Type: "constitution.initialised", TxID: "tx2", Time: at, Actor: ada, Payload: json.RawMessage(`{"version":1}`)}
	f := &fakeGateway{events: []*gateway.ChaincodeEventsResponse{
		chaincodeEvent(t, 5, registered),
		chaincodeEvent(t, 6, initialised),
		{BlockNumber: 7, Events: []*peer.ChaincodeEvent{{TxId: "tx3", EventName: "odd", Payload: []byte("not json")}}},
	}}
	c := newTestClient(t, f)
	start := uint64(5)

	events, err := c.WatchEvents(t.Context(), WatchOptions{StartBlock: &start})
	require.NoError(t, err)

	want := []Event{
		{BlockNumber: 5, TxID: "tx1", Name: "member.registered", Envelope: registered},
		{BlockNumber: 6, TxID: "tx2", Name: "constitution.initialised", Envelope: initialised},
	}
	for _, w := range want {
		got := receive(t, events)
		if diff := cmp.Diff(w, got); diff != "" {
			t.Errorf("event (-want +got):\n%s", diff)
		}
	}
	odd := receive(t, events)
	assert.Equal(t, "tx3", odd.TxID)
	assert.Equal(t, []byte("not json"), odd.Raw)
	require.Error(t, odd.Err)
	assert.Contains(t, odd.Err.Error(), "not a Charter event")

	f.mu.Lock()
	req := f.eventsStart
	f.mu.Unlock()
	require.NotNil(t, req)
	assert.Equal(t, "charter", req.GetChannelId())
	assert.Equal(t, "charter", req.GetChaincodeId())
	assert.Equal(t, uint64(5), req.GetStartPosition().GetSpecified().GetNumber())
}

func TestWatchEventsFromNextCommit(t *testing.T) {
	f := &fakeGateway{}
	c := newTestClient(t, f)

	_, err := c.WatchEvents(t.Context(), WatchOptions{})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		f.mu.Lock()
		defer f.mu.Unlock()
		return f.eventsStart != nil
	}, 5*time.Second, time.Millisecond)
	f.mu.Lock()
	defer f.mu.Unlock()
	_, next := f.eventsStart.GetStartPosition().GetType().(*orderer.SeekPosition_NextCommit)
	assert.True(t, next, "start position %v", f.eventsStart.GetStartPosition())
}

func TestWatchEventsClosesWhenContextEnds(t *testing.T) {
	f := &fakeGateway{events: []*gateway.ChaincodeEventsResponse{chaincodeEvent(t, 1, core.Event{Type: "a", TxID: "t"})}}
	c := newTestClient(t, f)
	ctx, cancel := context.WithCancel(t.Context())

	events, err := c.WatchEvents(ctx, WatchOptions{})
	require.NoError(t, err)
	receive(t, events)
	cancel()
	select {
	case _, ok := <-events:
		assert.False(t, ok, "no more events after cancel")
	case <-time.After(5 * time.Second):
		t.Fatal("channel not closed")
	}
}

func TestWatchEventsClosesWhenStreamEnds(t *testing.T) {
	f := &fakeGateway{eventsErr: status.Error(codes.Unavailable, "peer went away")}
	c := newTestClient(t, f)

	events, err := c.WatchEvents(t.Context(), WatchOptions{})
	require.NoError(t, err)
	select {
	case _, ok := <-events:
		assert.False(t, ok)
	case <-time.After(5 * time.Second):
		t.Fatal("channel not closed")
	}
}
