package api

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"github.com/stretchr/testify/require"
)

// ledgerGateway serves a testLedger's blocks from any start, and the
// ledger's length as the peer's height.
type ledgerGateway struct {
	*fakeGateway
	l *testLedger
}

func (g *ledgerGateway) ChainHeight(context.Context) (uint64, error) {
	return uint64(len(g.l.Blocks)), nil
}

func (g *ledgerGateway) BlockEvents(ctx context.Context, start uint64) (<-chan *common.Block, error) {
	ch := make(chan *common.Block)
	blocks := g.l.Blocks
	go func() {
		defer close(ch)
		for _, b := range blocks[start:] {
			select {
			case ch <- b:
			case <-ctx.Done():
				return
			}
		}
		<-ctx.Done()
	}()
	return ch, nil
}

// TestRestartResumesFromTheCheckpoint: a server stopped and started again
// on the same state directory resumes from its checkpoint (the blocks
// committed while it was down are applied once), still answers its jobs
// and refuses a replayed Idempotency-Key with another body.
func TestRestartResumesFromTheCheckpoint(t *testing.T) {
	dir := t.TempDir()
	l := newTestLedger()
	l.fill(3)
	f := &fakeGateway{message: []byte("proposal bytes"), txMessage: []byte("transaction bytes")}
	g := &ledgerGateway{fakeGateway: f, l: l}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))

	s1, err := NewServer(Options{Gateway: g, Logger: quiet, WaitTimeout: 2 * time.Second, StateDir: dir})
	require.NoError(t, err)
	ctx1, stop1 := context.WithCancel(context.Background())
	done1 := make(chan struct{})
	go func() { defer close(done1); s1.Run(ctx1) }()
	ts1 := httptest.NewServer(s1.Handler())

	m := newMember(t, "voter")
	id, proposal := prepareVote(t, ts1, m)
	require.Equal(t, 200, do(t, ts1, "POST", "/v1/signing/"+id+"/endorse", sigBody(m.sign(t, proposal, false))).status)
	txSig := m.sign(t, f.txMessage, false)
	sub := do(t, ts1, "POST", "/v1/signing/"+id+"/submit", sigBody(txSig), "Idempotency-Key", "restart-1")
	require.Equal(t, 202, sub.status, "%v", sub.body)
	jobID := sub.body["job"].(map[string]any)["id"].(string)
	r := do(t, ts1, "GET", "/v1/decisions?limit=5", nil)
	require.Equal(t, 200, r.status, "%v", r.body)
	require.Equal(t, "3", r.header.Get(HeightHeader))
	ts1.Close()
	stop1()
	<-done1
	require.NoError(t, s1.Close())

	// While the server is down: the transaction commits, and a decision
	// is written.
	txID := strings.Repeat("ab", 32)
	l.tx(t, txID, peer.TxValidationCode_VALID)
	l.writes(ballotWrite(t, "b7", "written while the server was down"))
	decided := l.writes()

	s2, ts2 := startTestServer(t, Options{Gateway: g, WaitTimeout: 2 * time.Second, StateDir: dir})
	h, _ := s2.blocks.Height()
	require.GreaterOrEqual(t, h, uint64(3), "resumed at the checkpoint, not at 0")

	got := do(t, ts2, "GET", "/v1/jobs/"+jobID+"?waitFor="+txID, nil)
	require.Equal(t, 200, got.status, "%v", got.body)
	require.Equal(t, "committed", got.body["status"])
	require.EqualValues(t, 4, got.body["blockHeight"])
	w := do(t, ts2, "GET", "/v1/ballots/b7?waitFor="+decided, nil)
	require.Equal(t, 200, w.status, "%v", w.body)
	require.Equal(t, "written while the server was down", w.body["title"])
	require.Equal(t, "6", w.header.Get(HeightHeader))

	same := do(t, ts2, "POST", "/v1/signing/"+id+"/submit", sigBody(txSig), "Idempotency-Key", "restart-1")
	require.Equal(t, 202, same.status, "%v", same.body)
	require.Equal(t, jobID, same.body["job"].(map[string]any)["id"], "the same key and body: the same job")
	other := do(t, ts2, "POST", "/v1/signing/"+id+"/submit", sigBody(m.sign(t, f.txMessage, false)), "Idempotency-Key", "restart-1")
	requireProblem(t, other, 409, "CONFLICT", "Idempotency-Key", "idempotency-key-reuse")
	require.Len(t, f.submitted, 1, "one transaction went out")

	// Every block was applied exactly once: the index's outcomes of the
	// transaction is its first and only block.
	seen, ok := s2.blocks.Seen(txID)
	require.True(t, ok)
	require.Equal(t, uint64(3), seen.Block)
}
