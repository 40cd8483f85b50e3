package api

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"github.com/stretchr/testify/require"
)

type blocksGateway struct {
	*fakeGateway
	blocks []*common.Block
}

func (g *blocksGateway) BlockEvents(ctx context.Context, start uint64) (<-chan *common.Block, error) {
	ch := make(chan *common.Block)
	go func() {
		defer close(ch)
		for _, b := range g.blocks[start:] {
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

func TestAuditBlocksStream(t *testing.T) {
	g := &blocksGateway{fakeGateway: &fakeGateway{}}
	l := newTestLedger()
	for i := 1; i < 4; i++ {
		code := peer.TxValidationCode_VALID
		if i == 2 {
			code = peer.TxValidationCode_MVCC_READ_CONFLICT
		}
		l.tx(t, strings.Repeat(string(rune('a'+i)), 64), code)
	}
	g.blocks = l.Blocks
	s, ts := newTestServerWith(t, g.fakeGateway, g)
	require.Eventually(t, func() bool { h, _ := s.blocks.Height(); return h == 4 }, 5*time.Second, 10*time.Millisecond, "the listener follows the blocks from 0")

	res, err := http.Get(ts.URL + "/v1/audit/blocks?from=1&to=2")
	require.NoError(t, err)
	defer res.Body.Close()
	require.Equal(t, 200, res.StatusCode)
	require.Equal(t, "application/x-ndjson", res.Header.Get("Content-Type"))
	var lines []blockLine
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		var l blockLine
		require.NoError(t, json.Unmarshal(sc.Bytes(), &l))
		lines = append(lines, l)
	}
	require.Len(t, lines, 2)
	require.Equal(t, uint64(1), lines[0].Number)
	require.Equal(t, []txLine{{TxID: strings.Repeat("c", 64), Code: "MVCC_READ_CONFLICT"}}, lines[1].Transactions)

	r := do(t, ts, "GET", "/v1/audit/blocks?from=3&to=9", nil)
	requireProblem(t, r, 400, "INVALID_ARGUMENT", "to", "committed-block")
	r = do(t, ts, "GET", "/v1/audit/blocks?from=3&to=1", nil)
	requireProblem(t, r, 400, "INVALID_ARGUMENT", "from", "from-le-to")
}
