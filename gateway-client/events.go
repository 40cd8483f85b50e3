package charter

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/hyperledger/fabric-gateway/pkg/client"

	"github.com/charter-gov/charter/chaincode/core"
)

// WatchOptions says where a watch starts.
type WatchOptions struct {
	// StartBlock is the first block to read events from; nil means the
	// next block to be committed.
	StartBlock *uint64
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
// opts.StartBlock (or the next block). The channel is closed when ctx ends
// or when the peer ends the stream (for example because the connection
// broke); to resume, watch again from the last BlockNumber seen (events of
// that block are delivered again).
//
// Errors: the common ones (see the transaction methods), when the stream
// cannot be opened.
func (c *Client) WatchEvents(ctx context.Context, opts WatchOptions) (<-chan Event, error) {
	var options []client.ChaincodeEventsOption
	if opts.StartBlock != nil {
		options = append(options, client.WithStartBlock(*opts.StartBlock))
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
