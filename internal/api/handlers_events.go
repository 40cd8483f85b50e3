package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	charter "github.com/charter-gov/charter/gateway-client"
	"github.com/charter-gov/charter/internal/alert"
)

// Bounds of GET /v1/events: events per response by default and at most.
const (
	eventsDefaultLimit = 100
	eventsMaxLimit     = 1000
)

// eventLine is one event of GET /v1/events: the event as `charter events
// watch -o json` prints it, and its cursor.
type eventLine struct {
	Cursor string `json:"cursor"`
	charter.Event
	// Alert is the event as a treasury alert (with ?alert= only).
	Alert *alert.Alert `json:"alert,omitempty"`
}

// eventCursor is a position in the channel's events: the block and the
// index in it of the transaction that emitted the event.
type eventCursor struct {
	Block uint64
	Index int
}

func (c eventCursor) String() string { return fmt.Sprintf("%d.%d", c.Block, c.Index) }

// parseEventCursor reads "<block>.<index>" (the spec's pattern has
// checked its form).
func parseEventCursor(field, s string) (eventCursor, error) {
	b, i, ok := strings.Cut(s, ".")
	block, err1 := strconv.ParseUint(b, 10, 64)
	idx, err2 := strconv.Atoi(i)
	if !ok || err1 != nil || err2 != nil {
		return eventCursor{}, newProblem(charter.CodeInvalidArgument, field, "event-cursor", "%q is not an event cursor (<block>.<transaction index>, as an event's cursor says)", s)
	}
	return eventCursor{Block: block, Index: idx}, nil
}

// StreamEvents sends the chaincode's events (with alert, only those that
// are treasury alerts at that amount, each with its alert) from fromBlock, or just after
// the cursor given as after or Last-Event-ID, as NDJSON or Server-Sent
// Events: the events WatchEvents delivers, read from the channel's blocks
// (charter.EventsInBlock), so that the response knows where the chain
// ends and every event has an exact position to resume after.
func (s *Server) StreamEvents(w http.ResponseWriter, r *http.Request, p StreamEventsParams) {
	sse := strings.Contains(r.Header.Get("Accept"), "text/event-stream")
	if p.Alert != nil && *p.Alert < 1 {
		writeProblem(w, r, newProblem(charter.CodeInvalidArgument, "alert", "range", "alert %d: want a positive amount (the treasury alert threshold, in the account's units)", *p.Alert))
		return
	}
	h, _ := s.blocks.Height()
	if h == 0 {
		writeProblem(w, r, newProblem(charter.CodeUnavailable, "", "listener-started", "the block listener has not started; try again"))
		return
	}
	var resume *eventCursor
	for _, c := range []struct {
		field string
		v     *string
	}{{"after", p.After}, {"Last-Event-ID", p.LastEventID}} {
		if c.v == nil {
			continue
		}
		cur, err := parseEventCursor(c.field, *c.v)
		if err != nil {
			writeProblem(w, r, err)
			return
		}
		if resume != nil && *resume != cur {
			writeProblem(w, r, newProblem(charter.CodeInvalidArgument, "after", "one-resume-point", "after %s and Last-Event-ID %s name different events; give one", resume, cur))
			return
		}
		if cur.Block >= h {
			writeProblem(w, r, newProblem(charter.CodeInvalidArgument, c.field, "committed-block", "cursor %s names block %d, which is not committed yet (height %d): give a cursor an event of this server carried", cur, cur.Block, h))
			return
		}
		resume = &cur
	}
	from := uint64(0)
	if p.FromBlock != nil {
		if resume != nil {
			writeProblem(w, r, newProblem(charter.CodeInvalidArgument, "fromBlock", "from-block-or-after", "fromBlock %d with a cursor to resume after (%s): give one of them", *p.FromBlock, resume))
			return
		}
		from = uint64(*p.FromBlock)
	}
	if resume != nil {
		from = resume.Block
	}
	limit := eventsDefaultLimit
	if p.Limit != nil {
		limit = *p.Limit
	}
	types := map[string]bool{}
	if p.Type != nil {
		for _, t := range *p.Type {
			types[t] = true
		}
	}
	follow := sse || (p.Follow != nil && *p.Follow)
	if sse && p.Follow != nil && !*p.Follow {
		writeProblem(w, r, newProblem(charter.CodeInvalidArgument, "follow", "sse-follows", "Server-Sent Events always follow new blocks; drop follow=false or ask for NDJSON"))
		return
	}
	fl, _ := w.(http.Flusher)
	ct := "application/x-ndjson"
	if sse {
		ct = "text/event-stream"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Cache-Control", "no-store")
	if !follow && from >= h {
		w.WriteHeader(http.StatusOK) // nothing committed from there yet
		return
	}
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	blocks, err := s.gw.BlockEvents(ctx, from)
	if err != nil {
		writeProblem(w, r, err)
		return
	}
	w.WriteHeader(http.StatusOK)
	if fl != nil {
		fl.Flush()
	}
	heartbeat := time.NewTicker(15 * time.Second)
	defer heartbeat.Stop()
	sent := 0
	for {
		select {
		case <-ctx.Done():
			return
		case <-heartbeat.C:
			if sse {
				fmt.Fprint(w, ": keep-alive\n\n")
				if fl != nil {
					fl.Flush()
				}
			}
			continue
		case blk, ok := <-blocks:
			if !ok {
				if sse && follow {
					fmt.Fprintf(w, "event: problem\ndata: {\"code\":%q,\"detail\":%q}\n\n", charter.CodeUnavailable, "the peer ended the block stream; reconnect to resume")
				}
				return
			}
			num := blk.GetHeader().GetNumber()
			if !follow && num >= h {
				return
			}
			evs, err := charter.EventsInBlock(blk, s.opts.Chaincode)
			if err != nil {
				s.log.Warn("events: a block does not decode", "block", num, "err", err)
				if sse {
					fmt.Fprintf(w, "event: problem\ndata: {\"code\":%q,\"detail\":%q}\n\n", charter.CodeInternal, err.Error())
				}
				return
			}
			for _, ev := range evs {
				cur := eventCursor{Block: num, Index: ev.TxIndex}
				if resume != nil && cur.Block == resume.Block && cur.Index <= resume.Index {
					continue
				}
				if len(types) > 0 && !types[ev.Name] {
					continue
				}
				line := eventLine{Cursor: cur.String(), Event: ev.Event}
				if p.Alert != nil {
					al, ok := alert.Treasury(ev.Event, *p.Alert)
					if !ok {
						continue
					}
					line.Alert = al
				}
				raw, err := json.Marshal(line)
				if err != nil {
					return
				}
				if sse {
					fmt.Fprintf(w, "id: %s\nevent: charter\ndata: %s\n\n", cur, raw)
				} else if _, err := fmt.Fprintf(w, "%s\n", raw); err != nil {
					return
				}
				if sent++; sent >= limit {
					if fl != nil {
						fl.Flush()
					}
					return
				}
			}
			if fl != nil && (follow || len(evs) > 0) {
				fl.Flush()
			}
			if !follow && num+1 >= h {
				return
			}
		}
	}
}
