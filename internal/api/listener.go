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

// maxSeen bounds how many transaction outcomes the listener remembers
// (the oldest are forgotten first; a job whose transaction was forgotten
// is settled through the ledger's TransactionStatus).
const maxSeen = 200_000

// listener follows the channel's blocks from the height it started at:
// the outcome of every transaction since, and the height it reflects.
// Safe for concurrent use.
type listener struct {
	chain Chain
	log   *slog.Logger

	mu      sync.Mutex
	height  uint64 // next block number expected: every block below it was seen
	started bool
	lastErr error
	seen    map[string]txSeen
	order   []string
	changed chan struct{} // closed and replaced at every block
}

func newListener(chain Chain, log *slog.Logger) *listener {
	return &listener{chain: chain, log: log, seen: map[string]txSeen{}, changed: make(chan struct{})}
}

// run follows blocks until ctx ends, reconnecting after a stream ends.
func (l *listener) run(ctx context.Context) {
	backoff := 200 * time.Millisecond
	for ctx.Err() == nil {
		start, err := l.startHeight(ctx)
		if err == nil {
			err = l.follow(ctx, start)
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

// startHeight is where following starts: where it stopped, or the peer's
// height the first time.
func (l *listener) startHeight(ctx context.Context) (uint64, error) {
	l.mu.Lock()
	if l.started {
		h := l.height
		l.mu.Unlock()
		return h, nil
	}
	l.mu.Unlock()
	h, err := l.chain.ChainHeight(ctx)
	if err != nil {
		return 0, fmt.Errorf("chain height: %w", err)
	}
	l.mu.Lock()
	l.height, l.started = h, true
	l.mu.Unlock()
	l.broadcast()
	return h, nil
}

func (l *listener) follow(ctx context.Context, start uint64) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	blocks, err := l.chain.BlockEvents(ctx, start)
	if err != nil {
		return err
	}
	for b := range blocks {
		l.record(b)
	}
	return fmt.Errorf("block stream from %d closed", start)
}

// record notes a block's transactions and moves the height past it.
func (l *listener) record(b *common.Block) {
	num := b.GetHeader().GetNumber()
	var filter []byte
	if md := b.GetMetadata().GetMetadata(); len(md) > int(common.BlockMetadataIndex_TRANSACTIONS_FILTER) {
		filter = md[common.BlockMetadataIndex_TRANSACTIONS_FILTER]
	}
	l.mu.Lock()
	for i, raw := range b.GetData().GetData() {
		txID := envelopeTxID(raw)
		if txID == "" {
			continue
		}
		code := peer.TxValidationCode_INVALID_OTHER_REASON
		if i < len(filter) {
			code = peer.TxValidationCode(filter[i])
		}
		if _, dup := l.seen[txID]; !dup {
			l.order = append(l.order, txID)
		}
		l.seen[txID] = txSeen{Block: num, Code: code}
	}
	for len(l.order) > maxSeen {
		delete(l.seen, l.order[0])
		l.order = l.order[1:]
	}
	if num+1 > l.height {
		l.height = num + 1
	}
	l.started = true
	l.lastErr = nil
	l.mu.Unlock()
	l.broadcast()
}

func (l *listener) broadcast() {
	l.mu.Lock()
	close(l.changed)
	l.changed = make(chan struct{})
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

// Height is the number of blocks the listener has seen (the block height
// every answer reflects at least), and a channel closed at the next block.
func (l *listener) Height() (uint64, <-chan struct{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.height, l.changed
}

// Seen reports what the listener saw of txID.
func (l *listener) Seen(txID string) (txSeen, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	s, ok := l.seen[txID]
	return s, ok
}

// state is the listener's health: whether it has started and its last
// stream error.
func (l *listener) state() (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.started, l.lastErr
}

// waitFor waits until txID is seen, ctx ends or timeout passes.
func (l *listener) waitFor(ctx context.Context, txID string, timeout time.Duration) (txSeen, error) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	for {
		l.mu.Lock()
		s, ok := l.seen[txID]
		ch := l.changed
		l.mu.Unlock()
		if ok {
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
