package api

import (
	"archive/tar"
	"context"
	"encoding/binary"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/charter-gov/charter/gateway-client/audit"
)

// fixtureBlocks reads the blocks of the audit package's export of a real
// network (27 blocks: the founding act, a member, a token issuance voted
// and executed).
func fixtureBlocks(t *testing.T) []*common.Block {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "gateway-client", "audit", "testdata", "network", audit.FileBlocks))
	require.NoError(t, err)
	var out []*common.Block
	for len(raw) > 0 {
		require.GreaterOrEqual(t, len(raw), 12)
		n := int(binary.BigEndian.Uint32(raw[8:12]))
		b := &common.Block{}
		require.NoError(t, proto.Unmarshal(raw[12:12+n], b))
		out = append(out, b)
		raw = raw[12+n:]
	}
	return out
}

// chainSource is an audit.Source over blocks whose every organisation's
// peer holds them; it counts the exports started.
type chainSource struct {
	blocks  []*common.Block
	orgs    []string
	heights int
}

func (c *chainSource) Height(context.Context) (uint64, error) {
	c.heights++
	return uint64(len(c.blocks)), nil
}

func (c *chainSource) Blocks(ctx context.Context, start uint64) (<-chan *common.Block, error) {
	return (&blocksGateway{fakeGateway: &fakeGateway{}, blocks: c.blocks}).BlockEvents(ctx, start)
}

func (c *chainSource) Peers(_ context.Context, last uint64) []audit.PeerView {
	head := audit.HeaderHash(c.blocks[len(c.blocks)-1].GetHeader())
	var out []audit.PeerView
	for _, o := range c.orgs {
		out = append(out, audit.PeerView{MSPID: o, Address: "peer0." + o, Height: uint64(len(c.blocks)), CurrentBlockHash: head, Block: c.blocks[last]})
	}
	return out
}

// untar unpacks a tar stream into dir and returns its names in order.
func untar(t *testing.T, r io.Reader, dir string) []string {
	t.Helper()
	tr := tar.NewReader(r)
	var names []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return names
		}
		require.NoError(t, err)
		require.Equal(t, filepath.Base(h.Name), h.Name, "a flat archive")
		f, err := os.Create(filepath.Join(dir, h.Name))
		require.NoError(t, err)
		_, err = io.Copy(f, tr)
		require.NoError(t, err)
		require.NoError(t, f.Close())
		names = append(names, h.Name)
	}
}

// TestAuditExportEndpoint: GET /v1/audit/export streams the export
// `charter audit export` writes (audit.Export over the same source: the
// same data files byte for byte, and a manifest of the same digests,
// range and filter) as a tar, the manifest last; `charter audit verify`
// (audit.Verify) accepts it unpacked; the spool is removed; bad filters
// are problems that start no export.
func TestAuditExportEndpoint(t *testing.T) {
	blocks := fixtureBlocks(t)
	require.Len(t, blocks, 27)
	src := &chainSource{blocks: blocks, orgs: []string{"FoundationMSP", "LabAMSP", "LabBMSP"}}
	g := newEventsGateway(blocks)
	stateDir := t.TempDir()
	s, ts := startTestServer(t, Options{Gateway: g, StateDir: stateDir, AuditExport: AuditExport{Source: src, Channel: "charter", Peer: "peer0.FoundationMSP", PeerMSP: "FoundationMSP"}})
	require.Eventually(t, func() bool { h, _ := s.blocks.Height(); return h == 27 }, 10*time.Second, 10*time.Millisecond)

	for _, tc := range []struct {
		name, query string
		filter      audit.Filter
		records     int64
	}{
		{"everything", "", audit.Filter{}, 27},
		{"a block range and a member", "?fromBlock=16&toBlock=20&member=LabAMSP", audit.Filter{FromBlock: 16, ToBlock: 20, Members: []string{"LabAMSP"}}, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := http.Get(ts.URL + "/v1/audit/export" + tc.query)
			require.NoError(t, err)
			defer res.Body.Close()
			require.Equal(t, 200, res.StatusCode)
			require.Equal(t, "application/x-tar", res.Header.Get("Content-Type"))
			dir := t.TempDir()
			names := untar(t, res.Body, dir)
			require.Equal(t, []string{audit.FileBlocks, audit.FileHeaders, audit.FileTransactions, audit.FileCSV, audit.FileManifest}, names)

			rep, err := audit.Verify(dir, audit.VerifyOptions{})
			require.NoError(t, err, "charter audit verify accepts the endpoint's export")
			require.Equal(t, []string{"FoundationMSP", "LabAMSP", "LabBMSP"}, rep.PeersMatched)

			// The CLI's export of the same source and filter.
			cli := t.TempDir()
			wantM, err := audit.Export(context.Background(), src, audit.Options{Dir: cli, Channel: "charter", Chaincode: "charter", Source: "peer0.FoundationMSP", SourceMSP: "FoundationMSP", Filter: tc.filter})
			require.NoError(t, err)
			for _, f := range []string{audit.FileBlocks, audit.FileHeaders, audit.FileTransactions, audit.FileCSV} {
				a, err := os.ReadFile(filepath.Join(dir, f))
				require.NoError(t, err)
				b, err := os.ReadFile(filepath.Join(cli, f))
				require.NoError(t, err)
				require.Equal(t, string(b), string(a), "%s as the CLI writes it", f)
			}
			var m audit.Manifest
			raw, err := os.ReadFile(filepath.Join(dir, audit.FileManifest))
			require.NoError(t, err)
			require.NoError(t, json.Unmarshal(raw, &m))
			require.Equal(t, wantM.Files, m.Files)
			require.Equal(t, wantM.Blocks, m.Blocks)
			require.Equal(t, wantM.Filter, m.Filter)
			require.Equal(t, wantM.LastBlock, m.LastBlock)
			require.Equal(t, wantM.RecordCount, m.RecordCount)
			if tc.records >= 0 {
				require.Equal(t, tc.records, m.RecordCount)
			} else {
				require.Less(t, m.RecordCount, int64(5), "the filter selects records")
			}
			spool, err := os.ReadDir(filepath.Join(stateDir, "exports"))
			require.NoError(t, err)
			require.Empty(t, spool, "the spool is removed")
		})
	}

	heights := src.heights
	for _, tc := range []struct {
		path, field, rule string
	}{
		{"/v1/audit/export?fromBlock=5&toBlock=4", "toBlock", "from-le-to"},
		{"/v1/audit/export?since=2026-12-01T00:00:00Z&until=2026-11-01T00:00:00Z", "until", "since-before-until"},
		{"/v1/audit/export?toBlock=0", "toBlock", "minimum"},
		{"/v1/audit/export?fromBlock=-1", "fromBlock", "minimum"},
		{"/v1/audit/export?since=today", "since", ""},
		{"/v1/audit/export?member=", "member", ""},
	} {
		t.Run(tc.path, func(t *testing.T) {
			requireProblem(t, do(t, ts, "GET", tc.path, nil), 400, "INVALID_ARGUMENT", tc.field, tc.rule)
		})
	}
	require.Equal(t, heights, src.heights, "no refused request reached the source")
	for _, tc := range []struct {
		path, field string
	}{
		{"/v1/audit/export?toBlock=27", "toBlock"},
		{"/v1/audit/export?fromBlock=40", "fromBlock"},
	} {
		requireProblem(t, do(t, ts, "GET", tc.path, nil), 400, "INVALID_ARGUMENT", tc.field, "committed-block")
	}
	spool, err := os.ReadDir(filepath.Join(stateDir, "exports"))
	require.NoError(t, err)
	require.Empty(t, spool, "a refused export spools nothing")
}
