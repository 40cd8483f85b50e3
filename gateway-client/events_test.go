package charter

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
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

// startOf waits for the fake to receive the events request.
func startOf(t *testing.T, f *fakeGateway) *gateway.ChaincodeEventsRequest {
	t.Helper()
	require.Eventually(t, func() bool {
		f.mu.Lock()
		defer f.mu.Unlock()
		return f.eventsStart != nil
	}, 5*time.Second, time.Millisecond)
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.eventsStart
}

func TestWatchEventsResumesAfterTheCheckpoint(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.json")
	start := uint64(2)
	tests := []struct {
		name      string
		file      string // "" : no file yet
		wantBlock uint64
		wantAfter string
	}{
		{"a new checkpoint starts at StartBlock", "", 2, ""},
		{"a recorded event overrides StartBlock", `{"blockNumber":5,"transactionId":"tx1"}`, 5, "tx1"},
		{"a recorded block", `{"blockNumber":7,"transactionId":""}`, 7, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_ = os.Remove(path)
			if tt.file != "" {
				require.NoError(t, os.WriteFile(path, []byte(tt.file), 0o600))
			}
			cp, err := OpenCheckpoint(path)
			require.NoError(t, err)
			t.Cleanup(func() { _ = cp.Close() })
			f := &fakeGateway{}
			c := newTestClient(t, f)
			_, err = c.WatchEvents(t.Context(), WatchOptions{StartBlock: &start, Checkpoint: cp})
			require.NoError(t, err)
			req := startOf(t, f)
			assert.Equal(t, tt.wantBlock, req.GetStartPosition().GetSpecified().GetNumber())
			assert.Equal(t, tt.wantAfter, req.GetAfterTransactionId())
		})
	}
}

func TestCheckpointRecordsWhatWasHandled(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.json")
	cp, err := OpenCheckpoint(path)
	require.NoError(t, err)
	require.NoError(t, cp.CheckpointTransaction(9, "tx7"))
	require.NoError(t, cp.Close())

	again, err := OpenCheckpoint(path)
	require.NoError(t, err)
	defer again.Close()
	assert.Equal(t, uint64(9), again.BlockNumber())
	assert.Equal(t, "tx7", again.TransactionID())
}

func TestOpenCheckpointRefusesWhatIsNotACheckpoint(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name    string
		content string
		want    string
	}{
		{"malformed JSON", `{"blockNumber":`, "is not an event checkpoint"},
		{"another JSON document", `{"profile":"labA-user1"}`, "is not an event checkpoint"},
		{"missing transaction", `{"blockNumber":3}`, "lacks blockNumber or transactionId"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "-")+".json")
			require.NoError(t, os.WriteFile(path, []byte(tt.content), 0o600))
			_, err := OpenCheckpoint(path)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.Contains(t, err.Error(), path)
			assert.Contains(t, err.Error(), "remove it to start")
			raw, readErr := os.ReadFile(path)
			require.NoError(t, readErr)
			assert.Equal(t, tt.content, string(raw), "the file is left as it was")
		})
	}
	t.Run("a directory", func(t *testing.T) {
		_, err := OpenCheckpoint(dir)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "checkpoint "+dir)
		assert.Contains(t, err.Error(), "check the path")
	})
}
