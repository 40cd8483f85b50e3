package charter

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/hyperledger/fabric-gateway/pkg/client"

	"github.com/charter-gov/charter/chaincode/core"
)

// WatchOptions says where a watch starts.
type WatchOptions struct {
	// StartBlock is the first block to read events from; nil means the
	// next block to be committed. A Checkpoint that has recorded an event
	// takes precedence.
	StartBlock *uint64
	// Checkpoint, when set, resumes the watch just after the last event it
	// recorded: no event is delivered twice and none is skipped, across
	// restarts of the watching process. The caller records each event
	// once it has handled it, with
	// Checkpoint.CheckpointTransaction(ev.BlockNumber, ev.TxID). A
	// checkpoint that has recorded nothing starts at StartBlock.
	// OpenCheckpoint opens one kept in a file.
	Checkpoint Checkpointer
}

// Checkpointer records how far a watch has got: fabric-gateway's
// client.Checkpoint (the block to resume from and the last transaction
// handled in it) and the way to advance it. fabric-gateway's
// *client.FileCheckpointer (see OpenCheckpoint) implements it.
type Checkpointer interface {
	client.Checkpoint
	CheckpointTransaction(blockNumber uint64, transactionID string) error
}

var _ Checkpointer = (*client.FileCheckpointer)(nil)

// checkpointFile is the JSON fabric-gateway's FileCheckpointer keeps.
type checkpointFile struct {
	BlockNumber   *uint64 `json:"blockNumber"`
	TransactionID *string `json:"transactionId"`
}

// OpenCheckpoint opens (creating it when missing) the checkpoint file at
// path, in fabric-gateway's FileCheckpointer format. The caller closes it.
//
// Errors: a plain error naming the file, the problem and the fix when the
// file cannot be created or read, or is not a checkpoint.
func OpenCheckpoint(path string) (*client.FileCheckpointer, error) {
	raw, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		// A new checkpoint: NewFileCheckpointer creates it.
	case err != nil:
		return nil, fmt.Errorf("checkpoint %s: %w (check the path and its permissions)", path, err)
	case len(raw) > 0:
		var cp checkpointFile
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&cp); err != nil || cp.BlockNumber == nil || cp.TransactionID == nil {
			why := "it lacks blockNumber or transactionId"
			if err != nil {
				why = err.Error()
			}
			return nil, fmt.Errorf("checkpoint %s is not an event checkpoint (%s): restore it, or remove it to start from --from-block or the next block", path, why)
		}
	}
	cp, err := client.NewFileCheckpointer(path)
	if err != nil {
		return nil, fmt.Errorf("checkpoint %s: %w (check the path and its permissions)", path, err)
	}
	return cp, nil
}

// Event is one Charter chaincode event.
type Event struct {
	// BlockNumber is the block that committed the transaction.
	BlockNumber uint64 `json:"blockNumber"`
	// TxID is the transaction that emitted the event.
	TxID string `json:"txId"`
	// Name is the Fabric event name: the event type, e.g.
	// "member.registered".
	Name string `json:"name"`
	// Envelope is the decoded payload: type, transaction, time, actor and
	// the type's own payload as raw JSON.
	Envelope core.Event `json:"envelope"`
	// Err is set when the payload is not a Charter event envelope; Raw
	// then holds the payload as received.
	Err error  `json:"-"`
	Raw []byte `json:"-"`
}

// WatchEvents streams the chaincode's events, in block order, from
// opts.StartBlock (or the next block), or just after the last event
// opts.Checkpoint recorded. The channel is closed when ctx ends or when
// the peer ends the stream (for example because the connection broke); to
// resume without a gap or a duplicate, watch again with the same
// checkpoint.
//
// Errors: the common ones (see the transaction methods), when the stream
// cannot be opened.
func (c *Client) WatchEvents(ctx context.Context, opts WatchOptions) (<-chan Event, error) {
	var options []client.ChaincodeEventsOption
	if opts.StartBlock != nil {
		options = append(options, client.WithStartBlock(*opts.StartBlock))
	}
	if opts.Checkpoint != nil {
		// After the start block: a checkpoint that recorded an event
		// overrides it; an empty one leaves it.
		options = append(options, client.WithCheckpoint(opts.Checkpoint))
	}
	src, err := c.events.ChaincodeEvents(ctx, c.cfg.Chaincode, options...)
	if err != nil {
		return nil, mapError(err)
	}
	out := make(chan Event)
	go func() {
		defer close(out)
		// fabric-gateway's sender blocks until its event is read: drain
		// the source after we stop so that its goroutine can end.
		defer func() {
			go func() {
				for range src {
				}
			}()
		}()
		for {
			select {
			case <-ctx.Done():
				return
			case ev, ok := <-src:
				if !ok {
					return
				}
				select {
				case out <- decodeEvent(ev):
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return out, nil
}

// decodeEvent converts a fabric-gateway event.
func decodeEvent(ev *client.ChaincodeEvent) Event {
	e := Event{BlockNumber: ev.BlockNumber, TxID: ev.TransactionID, Name: ev.EventName}
	if err := json.Unmarshal(ev.Payload, &e.Envelope); err != nil {
		e.Envelope = core.Event{}
		e.Err = fmt.Errorf("event %s of transaction %s: payload is not a Charter event: %w", ev.EventName, ev.TransactionID, err)
		e.Raw = ev.Payload
	}
	return e
}
