package test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/contract"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/membership"
	charter "github.com/charter-gov/charter/gateway-client"
)

// TestChaincodeVersionOnEveryPeer: every organisation's peer reports the
// build it runs, stamped by network/up.sh, and all run the same sources.
func TestChaincodeVersionOnEveryPeer(t *testing.T) {
	ctx := ctxFor(t)
	c := net.client(t, "labA-user1")
	digests := map[string]bool{}
	for _, org := range orgProfiles {
		b, err := c.ChaincodeVersion(ctx, mspOf[org])
		require.NoError(t, err, org)
		assert.Equal(t, mspOf[org], b.MSPID)
		assert.NotEqual(t, contract.Unstamped, b.Version, "%s's chaincode carries a build stamp", org)
		assert.Len(t, b.Digest, 64, "%s's chaincode digest", org)
		digests[b.Digest] = true
	}
	assert.Len(t, digests, 1, "every organisation's peer runs chaincode built from the same sources")
}

// watched is one event a watcher handled.
type watched struct {
	block uint64
	tx    string
	name  string // the member's name when the event concerns the test's member
}

// TestEventsResumeFromCheckpoint: a watcher is stopped in the middle of a
// stream of events; a new watcher with the same checkpoint file receives
// exactly the events the first did not handle — those already delivered
// to it but not handled, and those committed while no watcher ran — with
// no gap and no duplicate.
func TestEventsResumeFromCheckpoint(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 6*time.Minute)
	defer cancel()
	admin := net.client(t, "labA-admin")

	// A member of its own, so that its events are recognisable.
	certPath, _, err := issueCert(net.profiles, "labA", fmt.Sprintf("events-%d", time.Now().UnixNano()), t.TempDir())
	require.NoError(t, err)
	pemBytes, err := os.ReadFile(certPath)
	require.NoError(t, err)
	member, err := identity.FromPEM("LabAMSP", pemBytes)
	require.NoError(t, err)
	mine := func(ev charter.Event) string {
		if ev.Name != membership.EventRegistered && ev.Name != membership.EventUpdated {
			return ""
		}
		var m membership.Member
		if json.Unmarshal(ev.Envelope.Payload, &m) != nil || m.Identity != member {
			return ""
		}
		return m.Name
	}

	file := filepath.Join(t.TempDir(), "events-checkpoint.json")
	cp, err := charter.OpenCheckpoint(file)
	require.NoError(t, err)

	// The first watcher, from the next block to commit (the height now):
	// it handles every event it
	// receives (records it in the checkpoint) until it has handled the
	// third rename, then it is stopped.
	watchCtx, stopWatcher := context.WithCancel(ctx)
	watcher := net.client(t, "labB-user1")
	next := chainHeight(t, watcher)
	events, err := watcher.WatchEvents(watchCtx, charter.WatchOptions{StartBlock: &next, Checkpoint: cp})
	require.NoError(t, err)
	handled := make(chan []watched, 1)
	go func() {
		var seen []watched
		renames := 0
		for ev := range events {
			if err := cp.CheckpointTransaction(ev.BlockNumber, ev.TxID); err != nil {
				t.Errorf("checkpoint: %v", err)
				break
			}
			w := watched{block: ev.BlockNumber, tx: ev.TxID, name: mine(ev)}
			seen = append(seen, w)
			if w.name != "" && w.name != "Events 0" {
				renames++
			}
			if renames == 3 {
				break
			}
		}
		stopWatcher()
		handled <- seen
	}()

	// Register the member, then rename it six times while the watcher
	// runs; the watcher stops after three renames, so it has received
	// some of the later events without handling them.
	_, err = admin.RegisterMember(ctx, membership.RegisterRequest{Member: member, Name: "Events 0"})
	require.NoError(t, err)
	for i := 1; i <= 6; i++ {
		_, err := admin.UpdateMember(ctx, membership.UpdateRequest{Member: member, Name: fmt.Sprintf("Events %d", i)})
		require.NoError(t, err)
	}
	var first []watched
	select {
	case first = <-handled:
	case <-ctx.Done():
		t.Fatal("the first watcher did not see three renames")
	}
	require.NoError(t, cp.Close())
	var firstNames []string
	for _, w := range first {
		if w.name != "" {
			firstNames = append(firstNames, w.name)
		}
	}
	require.Equal(t, []string{"Events 0", "Events 1", "Events 2", "Events 3"}, firstNames)
	last := first[len(first)-1]

	// While no watcher runs, two more renames commit.
	for i := 7; i <= 8; i++ {
		_, err := admin.UpdateMember(ctx, membership.UpdateRequest{Member: member, Name: fmt.Sprintf("Events %d", i)})
		require.NoError(t, err)
	}

	// A new watcher (a restarted process: the checkpoint read back from
	// its file) resumes right after the last handled event.
	cp2, err := charter.OpenCheckpoint(file)
	require.NoError(t, err)
	defer cp2.Close()
	assert.Equal(t, last.block, cp2.BlockNumber())
	assert.Equal(t, last.tx, cp2.TransactionID())
	resumeCtx, stopResumed := context.WithCancel(ctx)
	defer stopResumed()
	events2, err := net.client(t, "labA-user2").WatchEvents(resumeCtx, charter.WatchOptions{Checkpoint: cp2})
	require.NoError(t, err)
	var second []watched
	var secondNames []string
	for ev := range events2 {
		w := watched{block: ev.BlockNumber, tx: ev.TxID, name: mine(ev)}
		second = append(second, w)
		if w.name != "" {
			secondNames = append(secondNames, w.name)
		}
		if w.name == "Events 8" {
			break
		}
	}
	require.NotEmpty(t, second, "the resumed watcher received events")
	assert.Equal(t, []string{"Events 4", "Events 5", "Events 6", "Events 7", "Events 8"}, secondNames,
		"exactly the renames the first watcher did not handle, in order")
	firstAfter := second[0]
	assert.True(t, firstAfter.block > last.block || (firstAfter.block == last.block && firstAfter.tx != last.tx),
		"the first resumed event (%d, %s) comes after the last handled one (%d, %s)", firstAfter.block, firstAfter.tx, last.block, last.tx)
	handledTx := map[string]bool{}
	for _, w := range first {
		handledTx[w.tx] = true
	}
	for _, w := range second {
		assert.False(t, handledTx[w.tx], "event of %s delivered again after the checkpoint", w.tx)
	}
}
