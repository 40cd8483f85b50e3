package api

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/gateway-client/audit/audittest"
)

type blocksGateway struct {
	*fakeGateway
	blocks []*common.Block
	// breakAfter, when positive, ends every block stream after that many
	// blocks (the peer's stream broke).
	breakAfter atomic.Int32
}

func (g *blocksGateway) BlockEvents(ctx context.Context, start uint64) (<-chan *common.Block, error) {
	ch := make(chan *common.Block)
	go func() {
		defer close(ch)
		for i, b := range g.blocks[start:] {
			if n := int(g.breakAfter.Load()); n > 0 && i == n {
				return
			}
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

// auditLedger is a channel of five blocks: the configuration block 0; a
// block of two endorser transactions, the first valid with an event, the
// second an MVCC conflict; a block of one valid transaction of another
// creator; a block holding an envelope that does not decode; and a block
// of one valid transaction.
func auditLedger(t *testing.T) (*testLedger, []string, *audittest.Signer) {
	t.Helper()
	l := newTestLedger()
	other := l.Orgs[0].NewSigner("Auditor2@laba", "client")
	var ids []string
	ids = append(ids, l.AddBlock(
		audittest.Tx{Creator: l.user, Function: "decision:Vote", Args: []string{`{"decision":"d1"}`}, EventName: "decision.voted", Event: []byte(`{"decision":"d1"}`)},
		audittest.Tx{Creator: l.user, Function: "decision:Vote", Code: peer.TxValidationCode_MVCC_READ_CONFLICT},
	)...)
	ids = append(ids, l.AddBlock(audittest.Tx{Creator: other, Chaincode: "calibration", Function: "Put"})...)
	l.AddRaw([][]byte{[]byte("not an envelope")}, []peer.TxValidationCode{peer.TxValidationCode_BAD_PAYLOAD})
	ids = append(ids, l.AddBlock(audittest.Tx{Creator: l.user, Function: "token:Transfer"})...)
	return l, ids, other
}

// auditLines reads an NDJSON audit stream of transactions; each line must
// be an AuditTransaction with no other field.
func auditLines(t *testing.T, raw []byte) []AuditTransaction {
	t.Helper()
	var out []AuditTransaction
	for _, line := range bytes.SplitAfter(raw, []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		require.True(t, bytes.HasSuffix(line, []byte("\n")), "a line ends with a newline: %q", line)
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.DisallowUnknownFields()
		var a AuditTransaction
		require.NoError(t, dec.Decode(&a), "line %s is an AuditTransaction", line)
		out = append(out, a)
	}
	return out
}

func TestAuditTransactionsStream(t *testing.T) {
	l, ids, other := auditLedger(t)
	g := &blocksGateway{fakeGateway: &fakeGateway{}, blocks: l.Blocks}
	s, ts := newTestServerWith(t, g.fakeGateway, g)
	require.Eventually(t, func() bool { h, _ := s.blocks.Height(); return h == 5 }, 5*time.Second, 10*time.Millisecond, "the listener follows the blocks from 0")

	res, err := http.Get(ts.URL + "/v1/audit/transactions")
	require.NoError(t, err)
	raw, err := io.ReadAll(res.Body)
	require.NoError(t, err, "the stream ends cleanly")
	res.Body.Close()
	require.Equal(t, 200, res.StatusCode, "%s", raw)
	require.Equal(t, "application/x-ndjson", res.Header.Get("Content-Type"))
	require.Equal(t, "4", res.Header.Get(AuditToHeader), "to defaults to the height minus one")
	rows := auditLines(t, raw)
	require.Len(t, rows, 6, "every transaction of blocks 0..4: %s", raw)

	user, err := identity.FromPEM("LabAMSP", l.user.CertPEM)
	require.NoError(t, err)
	auditor, err := identity.FromPEM("LabAMSP", other.CertPEM)
	require.NoError(t, err)
	str := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	type want struct {
		block          int64
		index          int
		txID, typ      string
		creator        identity.Identity
		cc, fn, code   string
		event, decoded string
	}
	wants := []want{
		{block: 0, typ: "CONFIG", code: "VALID"},
		{block: 1, txID: ids[0], typ: "ENDORSER_TRANSACTION", creator: user, cc: "charter", fn: "decision:Vote", code: "VALID", event: "decision.voted"},
		{block: 1, index: 1, txID: ids[1], typ: "ENDORSER_TRANSACTION", creator: user, cc: "charter", fn: "decision:Vote", code: "MVCC_READ_CONFLICT"},
		{block: 2, txID: ids[2], typ: "ENDORSER_TRANSACTION", creator: auditor, cc: "calibration", fn: "Put", code: "VALID"},
		{block: 3, code: "BAD_PAYLOAD", decoded: "envelope"},
		{block: 4, txID: ids[3], typ: "ENDORSER_TRANSACTION", creator: user, cc: "charter", fn: "token:Transfer", code: "VALID"},
	}
	for i, w := range wants {
		r := rows[i]
		assert.Equal(t, w.block, r.Block, "row %d", i)
		assert.Equal(t, w.index, r.Index, "row %d", i)
		assert.Equal(t, w.txID, r.TxId, "row %d", i)
		assert.Equal(t, w.code, r.ValidationCode, "row %d", i)
		assert.Equal(t, w.cc, str(r.Chaincode), "row %d", i)
		assert.Equal(t, w.fn, str(r.Function), "row %d", i)
		assert.Equal(t, w.event, str(r.Event), "row %d", i)
		if w.decoded != "" {
			assert.Contains(t, str(r.DecodeError), w.decoded, "row %d", i)
			assert.Empty(t, r.Type, "row %d", i)
			continue
		}
		assert.Nil(t, r.DecodeError, "row %d", i)
		assert.Equal(t, w.typ, r.Type, "row %d", i)
		assert.NotNil(t, r.Time, "row %d has the channel header's time", i)
		if w.creator.ID == "" {
			assert.Nil(t, r.Creator, "row %d (the genesis configuration is unsigned)", i)
			continue
		}
		assert.Equal(t, w.creator.MSPID, str(r.CreatorMsp), "row %d", i)
		assert.Equal(t, w.creator.ID, str(r.CreatorId), "row %d", i)
		assert.Equal(t, w.creator.Short(), str(r.Creator), "row %d", i)
	}
	assert.Equal(t, "LabAMSP/Auditor2@laba", str(rows[3].Creator), "the short form: MSP and common name")

	// A range: blocks 1..2 only; the key order is the documented one.
	res, err = http.Get(ts.URL + "/v1/audit/transactions?from=1&to=2")
	require.NoError(t, err)
	raw, err = io.ReadAll(res.Body)
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, 200, res.StatusCode, "%s", raw)
	require.Equal(t, "2", res.Header.Get(AuditToHeader))
	rows = auditLines(t, raw)
	require.Len(t, rows, 3)
	assert.Equal(t, []int64{1, 1, 2}, []int64{rows[0].Block, rows[1].Block, rows[2].Block})
	assert.True(t, strings.HasPrefix(string(raw), `{"block":1,"index":0,"txId":"`+ids[0]+`","type":"ENDORSER_TRANSACTION","time":"`), "%s", raw)

	// Bad ranges: the blocks stream's problems, and nothing streamed.
	for _, path := range []string{"/v1/audit/transactions", "/v1/audit/blocks"} {
		r := do(t, ts, "GET", path+"?from=3&to=9", nil)
		requireProblem(t, r, 400, "INVALID_ARGUMENT", "to", "committed-block")
		assert.Contains(t, r.body["detail"], "block 9 is not committed yet (height 5)")
		r = do(t, ts, "GET", path+"?from=3&to=1", nil)
		requireProblem(t, r, 400, "INVALID_ARGUMENT", "from", "from-le-to")
		assert.Contains(t, r.body["detail"], "from 3 is after to 1")
		r = do(t, ts, "GET", path+"?from=-1", nil)
		requireProblem(t, r, 400, "INVALID_ARGUMENT", "from", "minimum")
	}
}

// A peer stream that breaks before the last block asked for aborts the
// response: the client sees a broken transfer, not a short file that
// looks complete.
func TestAuditStreamBreakAborts(t *testing.T) {
	l, _, _ := auditLedger(t)
	g := &blocksGateway{fakeGateway: &fakeGateway{}, blocks: l.Blocks}
	s, ts := newTestServerWith(t, g.fakeGateway, g)
	require.Eventually(t, func() bool { h, _ := s.blocks.Height(); return h == 5 }, 5*time.Second, 10*time.Millisecond, "the listener follows the blocks from 0")
	g.breakAfter.Store(2)
	for _, path := range []string{"/v1/audit/transactions?from=1", "/v1/audit/blocks?from=1"} {
		res, err := http.Get(ts.URL + path)
		require.NoError(t, err)
		require.Equal(t, 200, res.StatusCode)
		raw, err := io.ReadAll(res.Body)
		res.Body.Close()
		require.Error(t, err, "%s: the transfer breaks after %q", path, raw)
	}
}
