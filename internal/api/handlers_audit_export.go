package api

import (
	"archive/tar"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"

	"github.com/hyperledger/fabric-protos-go-apiv2/common"

	charter "github.com/charter-gov/charter/gateway-client"
	"github.com/charter-gov/charter/gateway-client/audit"
)

// AuditExport is what GET /v1/audit/export reads and what its manifest
// says of it.
type AuditExport struct {
	// Source streams the blocks and asks every organisation's peer for
	// its view of the last block: audit.NewClientSource over the
	// profiles, as `charter audit export` does. Nil: the gateway's blocks
	// and heights, and the view of the gateway's own peer only (a
	// ClientGateway); another Gateway has no peer to anchor the export to,
	// and `charter audit verify` refuses such an export.
	Source audit.Source
	// Channel, Peer (address) and PeerMSP name where the blocks come from;
	// empty Channel: charter.DefaultChannel.
	Channel, Peer, PeerMSP string
	// Exporter is the identity the server reads as.
	Exporter audit.Identity
}

// maxAuditExports bounds the exports running at once (each streams the
// whole chain from a peer and spools it on disk).
const maxAuditExports = 2

// auditExportFiles are the export's files in the order they are sent:
// the data files, then the manifest that digests them.
var auditExportFiles = []string{audit.FileBlocks, audit.FileHeaders, audit.FileTransactions, audit.FileCSV, audit.FileManifest}

// ExportAudit runs `charter audit export`'s export (audit.Export) into a
// spool directory under the server's state directory and streams its
// files as a tar, the manifest last; the spool is removed afterwards.
// The rows go from the peer to the disk and from the disk to the client,
// a buffer at a time: the server never holds them.
func (s *Server) ExportAudit(w http.ResponseWriter, r *http.Request, p ExportAuditParams) {
	var f audit.Filter
	if p.FromBlock != nil {
		f.FromBlock = uint64(*p.FromBlock)
	}
	if p.ToBlock != nil {
		f.ToBlock = uint64(*p.ToBlock)
		if f.ToBlock < f.FromBlock {
			writeProblem(w, r, newProblem(charter.CodeInvalidArgument, "toBlock", "from-le-to", "toBlock %d is before fromBlock %d", f.ToBlock, f.FromBlock))
			return
		}
	}
	if p.Since != nil {
		f.From = p.Since.UTC()
	}
	if p.Until != nil {
		f.To = p.Until.UTC()
	}
	if !f.From.IsZero() && !f.To.IsZero() && f.To.Before(f.From) {
		writeProblem(w, r, newProblem(charter.CodeInvalidArgument, "until", "since-before-until", "until %s is before since %s", f.To, f.From))
		return
	}
	for _, l := range []struct {
		dst *[]string
		src *[]string
	}{{&f.Decisions, p.Decision}, {&f.Artifacts, p.Artifact}, {&f.Members, p.Member}} {
		if l.src != nil {
			*l.dst = *l.src
		}
	}
	cfg := s.opts.AuditExport
	src := cfg.Source
	if src == nil {
		src = gatewayAuditSource{s.gw}
	}
	ctx := r.Context()
	height, err := src.Height(ctx)
	if err != nil {
		writeProblem(w, r, err)
		return
	}
	if f.ToBlock > 0 && f.ToBlock >= height {
		writeProblem(w, r, newProblem(charter.CodeInvalidArgument, "toBlock", "committed-block", "block %d is not committed yet (height %d)", f.ToBlock, height))
		return
	}
	if f.FromBlock >= height {
		writeProblem(w, r, newProblem(charter.CodeInvalidArgument, "fromBlock", "committed-block", "block %d is not committed yet (height %d)", f.FromBlock, height))
		return
	}
	select {
	case s.exports <- struct{}{}:
		defer func() { <-s.exports }()
	default:
		writeProblem(w, r, newProblem(charter.CodeUnavailable, "", "export-busy", "%d audit exports are running on this server; try again when one has finished", maxAuditExports))
		return
	}
	root := filepath.Join(s.stateDir(), "exports")
	if err := os.MkdirAll(root, 0o700); err != nil {
		writeProblem(w, r, fmt.Errorf("audit export: spool directory: %w", err))
		return
	}
	dir, err := os.MkdirTemp(root, "export-")
	if err != nil {
		writeProblem(w, r, fmt.Errorf("audit export: spool directory: %w", err))
		return
	}
	defer func() {
		if err := os.RemoveAll(dir); err != nil {
			s.log.Warn("audit export: removing the spool", "dir", dir, "err", err)
		}
	}()
	channel := cfg.Channel
	if channel == "" {
		channel = charter.DefaultChannel
	}
	if _, err := audit.Export(ctx, src, audit.Options{
		Dir: dir, Channel: channel, Chaincode: s.opts.Chaincode,
		Source: cfg.Peer, SourceMSP: cfg.PeerMSP, Exporter: cfg.Exporter, Filter: f,
	}); err != nil {
		writeProblem(w, r, fmt.Errorf("audit export: %w", err))
		return
	}
	w.Header().Set("Content-Type", "application/x-tar")
	w.Header().Set("Content-Disposition", `attachment; filename="charter-audit.tar"`)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	if err := writeExportTar(w, dir); err != nil {
		// The status is sent: the client sees a truncated tar (no
		// manifest, or a short file), which verify refuses.
		s.log.Warn("audit export: streaming", "err", err)
	}
}

// writeExportTar writes the export's files in dir as a tar.
func writeExportTar(w io.Writer, dir string) error {
	tw := tar.NewWriter(w)
	for _, name := range auditExportFiles {
		if err := tarFile(tw, filepath.Join(dir, name), name); err != nil {
			return err
		}
	}
	return tw.Close()
}

func tarFile(tw *tar.Writer, path, name string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("open %s: %w", name, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("stat %s: %w", name, err)
	}
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: st.Size(), ModTime: st.ModTime(), Format: tar.FormatPAX}); err != nil {
		return fmt.Errorf("tar header of %s: %w", name, err)
	}
	if _, err := io.Copy(tw, f); err != nil {
		return fmt.Errorf("send %s: %w", name, err)
	}
	return nil
}

// gatewayAuditSource is the export's source when the server was given
// none: the gateway's blocks and height, and the gateway peer's view
// when the gateway is a ClientGateway.
type gatewayAuditSource struct{ gw Gateway }

func (g gatewayAuditSource) Height(ctx context.Context) (uint64, error) {
	return g.gw.ChainHeight(ctx)
}

func (g gatewayAuditSource) Blocks(ctx context.Context, start uint64) (<-chan *common.Block, error) {
	return g.gw.BlockEvents(ctx, start)
}

func (g gatewayAuditSource) Peers(ctx context.Context, last uint64) []audit.PeerView {
	cg, ok := g.gw.(ClientGateway)
	if !ok {
		return nil
	}
	addr := cg.GatewayAddress()
	pl, err := cg.PeerLedgerOf(ctx, cg.MSPID, addr, &last)
	if err != nil {
		return []audit.PeerView{{MSPID: cg.MSPID, Address: addr, Err: fmt.Errorf("ask %s's peer: %w", cg.MSPID, err)}}
	}
	return []audit.PeerView{{MSPID: cg.MSPID, Address: addr, Height: pl.Height, CurrentBlockHash: pl.CurrentBlockHash, Block: pl.Block}}
}
