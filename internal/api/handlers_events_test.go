package api

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/gateway-client/audit/audittest"
)

// eventsGateway serves a chain's blocks and counts the block streams
// opened.
type eventsGateway struct {
	*blocksGateway
	mu      sync.Mutex
	streams int
}

func newEventsGateway(blocks []*common.Block) *eventsGateway {
	return &eventsGateway{blocksGateway: &blocksGateway{fakeGateway: &fakeGateway{}, blocks: blocks}}
}

func (g *eventsGateway) BlockEvents(ctx context.Context, start uint64) (<-chan *common.Block, error) {
	g.mu.Lock()
	g.streams++
	g.mu.Unlock()
	return g.blocksGateway.BlockEvents(ctx, start)
}

func (g *eventsGateway) streamCount() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.streams
}

// charterEvent is a Charter event envelope's JSON.
func charterEvent(typ string, n int) []byte {
	return []byte(fmt.Sprintf(`{"type":%q,"txId":"t%d","time":"2026-11-30T12:00:00Z","actor":{"mspId":"LabAMSP","id":"a"},"payload":{"n":%d}}`, typ, n, n))
}

// wantEvent is what an event line must say.
type wantEvent struct{ cursor, name string }

// eventsChain builds blocks with several events each, a transaction of
// another chaincode, an invalid transaction and one without an event; it
// returns the events GET /v1/events must send, in order.
func eventsChain(t *testing.T) (*testLedger, []wantEvent) {
	l := newTestLedger()
	var want []wantEvent
	types := []string{"member.registered", "ballot.opened", "ballot.voted"}
	n := 0
	for b := 0; b < 5; b++ {
		var txs []audittest.Tx
		for i := 0; i < 4; i++ {
			n++
			tx := audittest.Tx{Creator: l.user, EventName: types[n%3], Event: charterEvent(types[n%3], n)}
			switch {
			case i == 1 && b%2 == 0:
				tx.Code = peer.TxValidationCode_MVCC_READ_CONFLICT // no event: invalid
			case i == 2 && b == 1:
				tx.Chaincode = "other" // another chaincode's event
			case i == 3 && b == 3:
				tx.EventName, tx.Event = "", nil
			default:
				want = append(want, wantEvent{cursor: fmt.Sprintf("%d.%d", len(l.Blocks), i), name: types[n%3]})
			}
			txs = append(txs, tx)
		}
		l.AddBlock(txs...)
	}
	return l, want
}

type eventGot struct {
	Cursor      string          `json:"cursor"`
	BlockNumber uint64          `json:"blockNumber"`
	TxID        string          `json:"txId"`
	Name        string          `json:"name"`
	Envelope    json.RawMessage `json:"envelope"`
}

func readNDJSON(t *testing.T, res *http.Response) []eventGot {
	t.Helper()
	defer res.Body.Close()
	require.Equal(t, 200, res.StatusCode)
	require.Equal(t, "application/x-ndjson", res.Header.Get("Content-Type"))
	var out []eventGot
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		var e eventGot
		require.NoError(t, json.Unmarshal(sc.Bytes(), &e), "line %s", sc.Text())
		out = append(out, e)
	}
	require.NoError(t, sc.Err())
	return out
}

func cursorsOf(evs []eventGot) []wantEvent {
	out := []wantEvent{}
	for _, e := range evs {
		out = append(out, wantEvent{e.Cursor, e.Name})
	}
	return out
}

// TestEventsStream: GET /v1/events sends the chaincode's events of valid
// transactions in chain order, each with a cursor; resuming after any
// cursor (after, or Last-Event-ID) sends exactly the rest, so a client
// paging with limit gets every event once; the type filter and SSE; bad
// input is a problem and opens no block stream.
func TestEventsStream(t *testing.T) {
	l, want := eventsChain(t)
	g := newEventsGateway(l.Blocks)
	s, ts := startTestServer(t, Options{Gateway: g})
	require.Eventually(t, func() bool { h, _ := s.blocks.Height(); return h == uint64(len(l.Blocks)) }, 5*time.Second, 10*time.Millisecond)
	get := func(path string, headers ...string) *http.Response {
		req, err := http.NewRequestWithContext(t.Context(), "GET", ts.URL+path, nil)
		require.NoError(t, err)
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		return res
	}

	all := readNDJSON(t, get("/v1/events"))
	require.Equal(t, want, cursorsOf(all), "every event of a valid transaction of the chaincode, in order")
	for _, e := range all {
		var env struct{ Type string }
		require.NoError(t, json.Unmarshal(e.Envelope, &env))
		require.Equal(t, e.Name, env.Type, "the envelope is decoded as the CLI decodes it")
		require.Len(t, e.TxID, 64)
	}

	t.Run("resume after every event", func(t *testing.T) {
		for k := range all {
			rest := readNDJSON(t, get("/v1/events?after="+all[k].Cursor))
			require.Equal(t, want[k+1:], cursorsOf(rest), "after %s", all[k].Cursor)
		}
		rest := readNDJSON(t, get("/v1/events", "Last-Event-ID", all[3].Cursor))
		require.Equal(t, want[4:], cursorsOf(rest), "Last-Event-ID resumes as after does")
	})
	t.Run("paging with limit", func(t *testing.T) {
		var got []wantEvent
		path := "/v1/events?limit=3"
		for range 20 {
			page := readNDJSON(t, get(path))
			if len(page) == 0 {
				break
			}
			require.LessOrEqual(t, len(page), 3)
			got = append(got, cursorsOf(page)...)
			path = "/v1/events?limit=3&after=" + page[len(page)-1].Cursor
		}
		require.Equal(t, want, got, "no event twice, none skipped")
	})
	t.Run("type filter and fromBlock", func(t *testing.T) {
		var voted []wantEvent
		for _, w := range want {
			if w.name == "ballot.voted" || w.name == "member.registered" {
				if !strings.HasPrefix(w.cursor, "1.") && !strings.HasPrefix(w.cursor, "2.") {
					voted = append(voted, w)
				}
			}
		}
		got := readNDJSON(t, get("/v1/events?type=ballot.voted,member.registered&fromBlock=3"))
		require.Equal(t, voted, cursorsOf(got))
	})
	t.Run("server-sent events", func(t *testing.T) {
		res := get("/v1/events?limit=2&after="+all[0].Cursor, "Accept", "text/event-stream")
		defer res.Body.Close()
		require.Equal(t, "text/event-stream", res.Header.Get("Content-Type"))
		var ids []string
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			if id, ok := strings.CutPrefix(sc.Text(), "id: "); ok {
				ids = append(ids, id)
			}
		}
		require.Equal(t, []string{want[1].cursor, want[2].cursor}, ids, "the SSE id is the cursor; the stream ends at the limit")
	})

	streams := g.streamCount()
	h := len(l.Blocks)
	for _, tc := range []struct {
		name, path, header, field, rule string
	}{
		{"cursor and fromBlock", "/v1/events?after=1.0&fromBlock=2", "", "fromBlock", "from-block-or-after"},
		{"cursor beyond the chain", fmt.Sprintf("/v1/events?after=%d.0", h), "", "after", "committed-block"},
		{"Last-Event-ID beyond the chain", "/v1/events", fmt.Sprintf("%d.0", h+5), "Last-Event-ID", "committed-block"},
		{"two resume points", "/v1/events?after=1.0", "2.0", "after", "one-resume-point"},
		{"not a cursor", "/v1/events?after=abc", "", "after", "pattern"},
		{"limit 0", "/v1/events?limit=0", "", "limit", "minimum"},
		{"limit over the maximum", "/v1/events?limit=1001", "", "limit", "maximum"},
		{"not an event type", "/v1/events?type=Ballot%20Opened", "", "type", ""},
		{"negative block", "/v1/events?fromBlock=-1", "", "fromBlock", "minimum"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var hdr []string
			if tc.header != "" {
				hdr = []string{"Last-Event-ID", tc.header}
			}
			requireProblem(t, do(t, ts, "GET", tc.path, nil, hdr...), 400, "INVALID_ARGUMENT", tc.field, tc.rule)
		})
	}
	requireProblem(t, do(t, ts, "GET", "/v1/events?follow=false", nil, "Accept", "text/event-stream"), 400, "INVALID_ARGUMENT", "follow", "sse-follows")
	require.Equal(t, streams, g.streamCount(), "no refused request opened a block stream")
}
