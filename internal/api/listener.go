package api

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/protobuf/proto"

	charter "github.com/charter-gov/charter/gateway-client"
	"github.com/charter-gov/charter/internal/index"
)

// Chain is what the block listener needs of the gateway: the channel's
// committed blocks from a number on, and the gateway peer's height.
type Chain interface {
	BlockEvents(ctx context.Context, start uint64) (<-chan *common.Block, error)
	ChainHeight(ctx context.Context) (uint64, error)
}

// txSeen is what a block said of one transaction.
type txSeen struct {
	Block uint64
	Code  peer.TxValidationCode
}

// maxBatch bounds how many blocks that are already waiting the listener
// applies in one index commit (while it catches up).
const maxBatch = 256

// listener follows the channel's blocks from the index's checkpoint and
// applies each to the index (internal/index): the world state the reads
// answer from, every transaction's outcome, and the checkpoint, in one
// atomic commit. After a restart it resumes from the checkpoint, so no
// block is missed or applied twice. Safe for concurrent use.
type listener struct {
	chain Chain
	idx   *index.Index
	log   *slog.Logger

	mu      sync.Mutex
	height  uint64 // the index's checkpoint: every block below it was applied
	target  uint64 // the peer's height when following first started
	started bool
	lastErr error
	changed chan struct{} // closed and replaced at every block
	caught  chan struct{} // closed once height ≥ target
}

func newListener(chain Chain, idx *index.Index, log *slog.Logger) (*listener, error) {
	h, err := idx.Height()
	if err != nil {
		return nil, fmt.Errorf("api: read the index checkpoint: %w", err)
	}
	return &listener{chain: chain, idx: idx, log: log, height: h, changed: make(chan struct{}), caught: make(chan struct{})}, nil
}

// run follows blocks until ctx ends, reconnecting after a stream ends.
func (l *listener) run(ctx context.Context) {
	backoff := 200 * time.Millisecond
	for ctx.Err() == nil {
		err := l.catchTarget(ctx)
		if err == nil {
			err = l.follow(ctx)
		}
		if ctx.Err() != nil {
			return
		}
		l.mu.Lock()
		l.lastErr = err
		l.mu.Unlock()
		l.log.Warn("block listener: stream ended; reconnecting", "error", err, "backoff", backoff)
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		backoff = min(backoff*2, 5*time.Second)
	}
}

// catchTarget asks the peer's height once: until the index reaches it,
// index reads wait (caughtUp), so that a restarted or new server never
// answers from an index older than the ledger it started against.
func (l *listener) catchTarget(ctx context.Context) error {
	l.mu.Lock()
	if l.started {
		l.mu.Unlock()
		return nil
	}
	l.mu.Unlock()
	h, err := l.chain.ChainHeight(ctx)
	if err != nil {
		return fmt.Errorf("chain height: %w", err)
	}
	l.mu.Lock()
	l.target, l.started = h, true
	l.mu.Unlock()
	l.broadcast()
	return nil
}

// follow applies blocks from the checkpoint on.
func (l *listener) follow(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	l.mu.Lock()
	start := l.height
	l.mu.Unlock()
	blocks, err := l.chain.BlockEvents(ctx, start)
	if err != nil {
		return err
	}
	for b := range blocks {
		batch := []*common.Block{b}
	drain:
		for len(batch) < maxBatch {
			select {
			case more, ok := <-blocks:
				if !ok {
					break drain
				}
				batch = append(batch, more)
			default:
				break drain
			}
		}
		if err := l.record(batch...); err != nil {
			return err
		}
	}
	return fmt.Errorf("block stream from %d closed", start)
}

// record applies blocks to the index (in one commit) and moves the
// height past them.
func (l *listener) record(blocks ...*common.Block) error {
	applied, err := l.idx.Apply(blocks...)
	if err != nil {
		return err
	}
	h, err := l.idx.Height()
	if err != nil {
		return err
	}
	l.mu.Lock()
	l.height = h
	l.lastErr = nil
	l.mu.Unlock()
	if applied > 0 {
		l.broadcast()
	}
	return nil
}

func (l *listener) broadcast() {
	l.mu.Lock()
	close(l.changed)
	l.changed = make(chan struct{})
	if l.started && l.height >= l.target {
		select {
		case <-l.caught:
		default:
			close(l.caught)
		}
	}
	l.mu.Unlock()
}

// envelopeTxID is the transaction ID in an envelope's channel header.
func envelopeTxID(raw []byte) string {
	var env common.Envelope
	if proto.Unmarshal(raw, &env) != nil {
		return ""
	}
	var pl common.Payload
	if proto.Unmarshal(env.GetPayload(), &pl) != nil {
		return ""
	}
	var ch common.ChannelHeader
	if proto.Unmarshal(pl.GetHeader().GetChannelHeader(), &ch) != nil {
		return ""
	}
	return ch.GetTxId()
}

// Height is the index's height (the block height every index answer
// reflects), and a channel closed at the next block.
func (l *listener) Height() (uint64, <-chan struct{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.height, l.changed
}

// Seen reports what the index saw of txID.
func (l *listener) Seen(txID string) (txSeen, bool) {
	o, ok, err := l.idx.Outcome(txID)
	if err != nil || !ok {
		return txSeen{}, false
	}
	return txSeen{Block: o.Block, Code: o.Code}, true
}

// state is the listener's health: whether it has started and its last
// stream error.
func (l *listener) state() (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.started, l.lastErr
}

// caughtUp waits until the index has reached the peer's height at the
// time following started (bounded by timeout).
func (l *listener) caughtUp(ctx context.Context, timeout time.Duration) error {
	select {
	case <-l.caught:
		return nil
	default:
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-l.caught:
		return nil
	case <-ctx.Done():
		return newProblem(codeTimeout, "", "index-catching-up", "the request ended while the read index was catching up with the ledger")
	case <-t.C:
		h, _ := l.Height()
		l.mu.Lock()
		target := l.target
		l.mu.Unlock()
		return newProblem(charter.CodeUnavailable, "", "index-catching-up", "the read index is catching up with the ledger (at height %d of %d); try again (see /readyz)", h, target)
	}
}

// waitFor waits until txID is seen, ctx ends or timeout passes.
func (l *listener) waitFor(ctx context.Context, txID string, timeout time.Duration) (txSeen, error) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	for {
		_, ch := l.Height()
		if s, ok := l.Seen(txID); ok {
			return s, nil
		}
		select {
		case <-ctx.Done():
			return txSeen{}, newProblem(codeTimeout, "waitFor", "wait-for-transaction", "transaction %s: the request ended before the server saw it committed", txID)
		case <-t.C:
			return txSeen{}, newProblem(codeTimeout, "waitFor", "wait-for-transaction", "transaction %s was not seen in a block within %s (it may not have been submitted, or the server's listener lags: see /readyz)", txID, timeout)
		case <-ch:
		}
	}
}
