package audit

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/msp"
	"google.golang.org/protobuf/proto"
)

// BreakError is a verification failure: the first block (and transaction)
// where the export stops being what the ledger committed.
type BreakError struct {
	Check string // the check that failed: "data hash", "creator signature"…
	// Block is -1 when the failure is not in a block (manifest, files).
	Block   int64
	TxIndex int // -1 when the failure is not in a transaction
	TxID    string
	Err     error
}

func (e *BreakError) Error() string {
	var sb strings.Builder
	if e.Block >= 0 {
		fmt.Fprintf(&sb, "block %d", e.Block)
		if e.TxIndex >= 0 {
			fmt.Fprintf(&sb, ", transaction %d", e.TxIndex)
			if e.TxID != "" {
				fmt.Fprintf(&sb, " (%s)", e.TxID)
			}
		}
		sb.WriteString(": ")
	}
	fmt.Fprintf(&sb, "%s: %v", e.Check, e.Err)
	return sb.String()
}

func (e *BreakError) Unwrap() error { return e.Err }

func breakf(check string, block int64, tx int, txID string, format string, args ...any) *BreakError {
	return &BreakError{Check: check, Block: block, TxIndex: tx, TxID: txID, Err: fmt.Errorf(format, args...)}
}

// Report is what Verify checked.
type Report struct {
	Dir            string        `json:"dir"`
	Format         string        `json:"format"`
	Channel        string        `json:"channel"`
	Blocks         int           `json:"blocks"`
	ConfigBlocks   int           `json:"configBlocks"`
	Transactions   int           `json:"transactions"`
	ValidTx        int           `json:"validTransactions"`
	TxIDs          int           `json:"txIdsRecomputed"`
	CreatorSigs    int           `json:"creatorSignatures"`
	EndorseSigs    int           `json:"endorsementSignatures"`
	OrdererSigs    int           `json:"ordererSignatures"`
	UnsignedConfig int           `json:"unsignedConfigTransactions"`
	InvalidTxSigs  int           `json:"signatureFailuresOnInvalidTransactions"`
	Records        int           `json:"records"`
	LastBlock      uint64        `json:"lastBlock"`
	LastHeaderHash string        `json:"lastHeaderHash"`
	PeersMatched   []string      `json:"peersMatched"`
	Checks         []string      `json:"checks"`
	Elapsed        time.Duration `json:"elapsedNs"`
}

// VerifyOptions tune Verify.
type VerifyOptions struct {
	// Workers verifying signatures in parallel (default: the number of
	// CPUs).
	Workers int
}

// export is a loaded export directory.
type export struct {
	dir      string
	manifest Manifest
	raw      [][]byte // block bytes per block number
	blocks   []*decodedBlock
	// configs[i] is the MSP set in force for block i's transactions.
	configs []*mspSet
}

// loadExport reads the manifest and blocks.bin, checks the framing and
// decodes every block (in parallel).
func loadExport(dir string, workers int) (*export, error) {
	e := &export{dir: dir}
	raw, err := os.ReadFile(filepath.Join(dir, FileManifest))
	if errors.Is(err, os.ErrNotExist) {
		return nil, breakf("manifest", -1, -1, "", "%s has no %s: the export is incomplete (resume it)", dir, FileManifest)
	}
	if err != nil {
		return nil, fmt.Errorf("read manifest: %w", err)
	}
	if err := json.Unmarshal(raw, &e.manifest); err != nil {
		return nil, breakf("manifest", -1, -1, "", "%s does not decode: %v", FileManifest, err)
	}
	if !strings.HasPrefix(e.manifest.Format, "charter-audit/1") {
		return nil, breakf("manifest", -1, -1, "", "format %q: this verifier reads %s", e.manifest.Format, FormatVersion)
	}
	data, err := os.ReadFile(filepath.Join(dir, FileBlocks))
	if err != nil {
		return nil, fmt.Errorf("read blocks: %w", err)
	}
	for off := 0; off < len(data); {
		n := uint64(len(e.raw))
		if len(data)-off < frameHeader {
			return nil, breakf("block framing", int64(n), -1, "", "%s ends inside a frame header at byte %d", FileBlocks, off)
		}
		num := binary.BigEndian.Uint64(data[off:])
		size := int(binary.BigEndian.Uint32(data[off+8:]))
		if num != n {
			return nil, breakf("block numbering", int64(n), -1, "", "frame at byte %d holds block %d where block %d was expected (blocks must be consecutive from 0)", off, num, n)
		}
		off += frameHeader
		if size > len(data)-off {
			return nil, breakf("block framing", int64(n), -1, "", "frame at byte %d is %d bytes, past the end of %s", off-frameHeader, size, FileBlocks)
		}
		e.raw = append(e.raw, data[off:off+size])
		off += size
	}
	if len(e.raw) == 0 {
		return nil, breakf("block numbering", -1, -1, "", "%s holds no block", FileBlocks)
	}
	e.blocks = make([]*decodedBlock, len(e.raw))
	errs := make([]error, len(e.raw))
	parallel(len(e.raw), workers, func(i int) {
		var b common.Block
		if err := proto.Unmarshal(e.raw[i], &b); err != nil {
			errs[i] = breakf("block encoding", int64(i), -1, "", "block bytes do not decode: %v", err)
			return
		}
		if b.GetHeader().GetNumber() != uint64(i) {
			errs[i] = breakf("block numbering", int64(i), -1, "", "header says block %d", b.GetHeader().GetNumber())
			return
		}
		db, err := decodeBlock(&b)
		if err != nil {
			errs[i] = breakf("block structure", int64(i), -1, "", "%v", err)
			return
		}
		e.blocks[i] = db
	})
	if err := firstErr(errs); err != nil {
		return nil, err
	}
	// The MSPs in force: a configuration block's configuration applies to
	// the blocks after it; its own transaction is checked against the one
	// before (the genesis block's against itself).
	e.configs = make([]*mspSet, len(e.blocks))
	var cur *mspSet
	for i, db := range e.blocks {
		e.configs[i] = cur
		for _, t := range db.txs {
			if t.config == nil {
				continue
			}
			set, err := mspsOf(uint64(i), t.config)
			if err != nil {
				return nil, breakf("channel configuration", int64(i), t.rec.Index, t.rec.TxID, "%v", err)
			}
			cur = set
			if i == 0 {
				e.configs[0] = set
			}
		}
	}
	return e, nil
}

// parallel runs fn(0..n-1) on workers goroutines.
func parallel(n, workers int, fn func(i int)) {
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	var wg sync.WaitGroup
	next := make(chan int, workers*4)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				fn(i)
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}

// firstErr is the error of the lowest index.
func firstErr(errs []error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// Verify checks an export directory offline and returns what it checked,
// or the first break (a *BreakError naming the block and transaction).
func Verify(dir string, opts VerifyOptions) (*Report, error) {
	started := time.Now()
	e, err := loadExport(dir, opts.Workers)
	if err != nil {
		return nil, err
	}
	m := &e.manifest
	rep := &Report{Dir: dir, Format: m.Format, Channel: m.Channel, Blocks: len(e.blocks)}
	if uint64(len(e.blocks)) != m.LastBlock+1 {
		return nil, breakf("block count", int64(len(e.blocks)), -1, "", "%s holds blocks 0..%d, the manifest says 0..%d", FileBlocks, len(e.blocks)-1, m.LastBlock)
	}
	rep.Checks = append(rep.Checks, fmt.Sprintf("block numbers consecutive 0..%d", len(e.blocks)-1))

	// Hashes: each header's data hash, and the previous-hash chain.
	hashErrs := make([]error, len(e.blocks))
	parallel(len(e.blocks), opts.Workers, func(i int) {
		b := e.blocks[i].block
		if got := DataHash(b.GetData()); !bytes.Equal(got, b.GetHeader().GetDataHash()) {
			hashErrs[i] = breakf("data hash", int64(i), -1, "", "header data hash %x, the block's transactions hash to %x", b.GetHeader().GetDataHash(), got)
			return
		}
		if i > 0 {
			prev := HeaderHash(e.blocks[i-1].block.GetHeader())
			if !bytes.Equal(prev, b.GetHeader().GetPreviousHash()) {
				hashErrs[i] = breakf("previous hash", int64(i), -1, "", "header's previous hash %x, block %d's header hashes to %x", b.GetHeader().GetPreviousHash(), i-1, prev)
			}
		}
	})
	if err := firstErr(hashErrs); err != nil {
		return nil, err
	}
	rep.Checks = append(rep.Checks, "every header's data hash matches its transactions", "previous-hash chain (SHA-256 of the ASN.1 header) unbroken")

	// Transaction IDs and signatures, block by block in parallel.
	type counts struct{ txs, valid, ids, creator, endorse, orderer, unsigned, invalidSigs, config int }
	cs := make([]counts, len(e.blocks))
	sigErrs := make([]error, len(e.blocks))
	parallel(len(e.blocks), opts.Workers, func(i int) {
		db, set := e.blocks[i], e.configs[i]
		c := &cs[i]
		if db.rec.Config {
			c.config++
		}
		for _, t := range db.txs {
			c.txs++
			if t.rec.Valid {
				c.valid++
			}
			if t.decodeErr != nil {
				if t.rec.Valid {
					sigErrs[i] = breakf("transaction structure", int64(i), t.rec.Index, t.rec.TxID, "marked VALID but does not decode: %v", t.decodeErr)
					return
				}
				continue
			}
			if t.rec.Type == common.HeaderType_ENDORSER_TRANSACTION.String() || t.headerTx != "" {
				if want := TxID(t.nonce, t.creator); want != t.headerTx {
					if t.rec.Valid {
						sigErrs[i] = breakf("transaction ID", int64(i), t.rec.Index, t.rec.TxID, "does not recompute from nonce and creator (want %s)", want)
						return
					}
				} else {
					c.ids++
				}
			}
			if t.unsigned {
				if t.config != nil && i == 0 {
					c.unsigned++
					continue
				}
				if t.rec.Valid {
					sigErrs[i] = breakf("creator signature", int64(i), t.rec.Index, t.rec.TxID, "the envelope is not signed")
					return
				}
			}
			for _, s := range t.sigs {
				err := checkSigned(set, s)
				if err != nil {
					if t.rec.Valid {
						sigErrs[i] = breakf(sigCheck(s.what), int64(i), t.rec.Index, t.rec.TxID, "%s: %v", s.what, err)
						return
					}
					c.invalidSigs++
					continue
				}
				if s.what == "creator signature" {
					c.creator++
				} else {
					c.endorse++
				}
			}
		}
		if i > 0 {
			if len(db.ordererSigs) == 0 {
				sigErrs[i] = breakf("orderer signature", int64(i), -1, "", "the block carries no orderer signature")
				return
			}
			for _, s := range db.ordererSigs {
				if err := checkOrdererSigned(set, s); err != nil {
					sigErrs[i] = breakf("orderer signature", int64(i), -1, "", "%s: %v", s.what, err)
					return
				}
				c.orderer++
			}
		}
	})
	if err := firstErr(sigErrs); err != nil {
		return nil, err
	}
	for _, c := range cs {
		rep.Transactions += c.txs
		rep.ValidTx += c.valid
		rep.TxIDs += c.ids
		rep.CreatorSigs += c.creator
		rep.EndorseSigs += c.endorse
		rep.OrdererSigs += c.orderer
		rep.UnsignedConfig += c.unsigned
		rep.InvalidTxSigs += c.invalidSigs
		rep.ConfigBlocks += c.config
	}
	rep.Checks = append(rep.Checks,
		fmt.Sprintf("%d transaction IDs recompute from nonce and creator", rep.TxIDs),
		fmt.Sprintf("%d creator and %d endorsement signatures verify (ECDSA, low S) with certificates chaining to the channel's MSPs from %d configuration block(s)", rep.CreatorSigs, rep.EndorseSigs, rep.ConfigBlocks),
		fmt.Sprintf("%d orderer block signatures verify", rep.OrdererSigs))
	if rep.UnsignedConfig > 0 {
		rep.Checks = append(rep.Checks, "the genesis configuration transaction is unsigned (as the channel participation API creates it); it is the trust anchor")
	}
	if rep.InvalidTxSigs > 0 {
		rep.Checks = append(rep.Checks, fmt.Sprintf("%d signatures fail on transactions the peers marked invalid (consistent with their validation codes)", rep.InvalidTxSigs))
	}

	// The last header against the manifest and the peers' reports.
	last := e.blocks[len(e.blocks)-1]
	lastHash := last.rec.HeaderHash
	rep.LastBlock, rep.LastHeaderHash = m.LastBlock, lastHash
	if m.LastHeaderHash != lastHash {
		return nil, breakf("manifest last header hash", int64(m.LastBlock), -1, "", "manifest says %s, the last block's header hashes to %s", m.LastHeaderHash, lastHash)
	}
	codes := validationCodes(last.block)
	for _, p := range m.Peers {
		if p.Error != "" {
			rep.Checks = append(rep.Checks, fmt.Sprintf("peer %s (%s) could not be asked at export time: %s", p.MSPID, p.Address, p.Error))
			continue
		}
		if p.LastBlockHeaderHash != "" && p.LastBlockHeaderHash != lastHash {
			return nil, breakf("peer report", int64(m.LastBlock), -1, "", "%s's peer %s stores block %d with header hash %s, the export's hashes to %s", p.MSPID, p.Address, m.LastBlock, p.LastBlockHeaderHash, lastHash)
		}
		if p.Height == m.LastBlock+1 && p.CurrentBlockHash != lastHash {
			return nil, breakf("peer report", int64(m.LastBlock), -1, "", "%s's peer %s reported current block hash %s at height %d, the export's last header hashes to %s", p.MSPID, p.Address, p.CurrentBlockHash, p.Height, lastHash)
		}
		if p.LastBlockValidation != nil && strings.Join(p.LastBlockValidation, ",") != strings.Join(codes, ",") {
			return nil, breakf("peer report", int64(m.LastBlock), -1, "", "%s's peer %s recorded validation codes %v for block %d, the export has %v", p.MSPID, p.Address, p.LastBlockValidation, m.LastBlock, codes)
		}
		if p.LastBlockHeaderHash == "" && p.Height != m.LastBlock+1 {
			rep.Checks = append(rep.Checks, fmt.Sprintf("peer %s (%s) reported height %d; no hash comparable with block %d", p.MSPID, p.Address, p.Height, m.LastBlock))
			continue
		}
		rep.PeersMatched = append(rep.PeersMatched, p.MSPID)
	}
	if len(rep.PeersMatched) == 0 {
		return nil, breakf("peer report", int64(m.LastBlock), -1, "", "no organisation's peer report in the manifest can be compared with the last block: the export is not anchored to the ledger")
	}
	rep.Checks = append(rep.Checks, fmt.Sprintf("last header hash %s equals what the peers of %s reported", lastHash, strings.Join(rep.PeersMatched, ", ")))

	// The per-block digests and the decoded files.
	if len(m.Blocks) != len(e.blocks) {
		return nil, breakf("manifest block digests", -1, -1, "", "manifest lists %d block digests for %d blocks", len(m.Blocks), len(e.blocks))
	}
	for i, d := range m.Blocks {
		sum := sha256.Sum256(e.raw[i])
		if d.Number != uint64(i) || d.Sha256 != hex.EncodeToString(sum[:]) {
			return nil, breakf("manifest block digest", int64(i), -1, "", "manifest says block %d has SHA-256 %s, the exported block bytes have %x", d.Number, d.Sha256, sum)
		}
	}
	rep.Checks = append(rep.Checks, "per-block SHA-256 digests match the manifest")
	n, err := e.checkDerived()
	if err != nil {
		return nil, err
	}
	rep.Records = n
	rep.Checks = append(rep.Checks, fmt.Sprintf("%s, %s and %s are exactly what the blocks decode to (%d records under the manifest's filter)", FileHeaders, FileTransactions, FileCSV, n))
	for _, name := range dataFiles {
		want, ok := m.Files[name]
		if !ok {
			return nil, breakf("manifest file digest", -1, -1, "", "manifest has no digest of %s", name)
		}
		got, err := digestFile(filepath.Join(dir, name))
		if err != nil {
			return nil, err
		}
		if got != want {
			return nil, breakf("manifest file digest", -1, -1, "", "%s is %d bytes with SHA-256 %s, the manifest says %d bytes with %s", name, got.Size, got.Sha256, want.Size, want.Sha256)
		}
	}
	rep.Checks = append(rep.Checks, "file sizes and SHA-256 digests match the manifest")
	rep.Elapsed = time.Since(started)
	return rep, nil
}

func sigCheck(what string) string {
	if strings.HasPrefix(what, "endorsement") {
		return "endorsement signature"
	}
	return what
}

// checkOrdererSigned is checkSigned for a block signature, whose signer
// must belong to an orderer organisation.
func checkOrdererSigned(set *mspSet, s signed) error {
	if set == nil {
		return fmt.Errorf("no channel configuration precedes this block")
	}
	var si msp.SerializedIdentity
	if err := proto.Unmarshal(s.identity, &si); err != nil {
		return fmt.Errorf("signer identity does not decode: %w", err)
	}
	if info := set.msps[si.GetMspid()]; info == nil || !info.orderer {
		return fmt.Errorf("signer of MSP %q is not an orderer organisation of the channel configuration (block %d)", si.GetMspid(), set.block)
	}
	return checkSigned(set, s)
}

// checkSigned verifies one signature against the MSP set in force.
func checkSigned(set *mspSet, s signed) error {
	if set == nil {
		return fmt.Errorf("no channel configuration precedes this block")
	}
	pub, err := set.key(s.identity)
	if err != nil {
		return err
	}
	return verifySig(pub, s.data, s.signature)
}

// checkDerived regenerates headers.jsonl, transactions.jsonl and
// transactions.csv from the blocks and compares them with the files, line
// by line; it returns the number of records.
func (e *export) checkDerived() (int, error) {
	var hdr, txs, csvb bytes.Buffer
	ef := &exportFiles{w: map[string]*bufio.Writer{}, sizes: map[string]int64{}}
	ef.w[FileBlocks] = bufio.NewWriter(io.Discard)
	ef.w[FileHeaders] = bufio.NewWriter(&hdr)
	ef.w[FileTransactions] = bufio.NewWriter(&txs)
	ef.w[FileCSV] = bufio.NewWriter(&csvb)
	cp := &Checkpoint{Filter: e.manifest.Filter}
	if err := writeCSVHeader(ef); err != nil {
		return 0, err
	}
	for i, db := range e.blocks {
		cp.NextBlock = uint64(i)
		if err := appendDecoded(ef, cp, e.raw[i], db); err != nil {
			return 0, breakf("decoded records", int64(i), -1, "", "%v", err)
		}
	}
	for _, w := range ef.w {
		if err := w.Flush(); err != nil {
			return 0, err
		}
	}
	for _, f := range []struct {
		name string
		want []byte
		loc  func(line int) (int64, int, string)
	}{
		{FileHeaders, hdr.Bytes(), func(line int) (int64, int, string) { return int64(line - 1), -1, "" }},
		{FileTransactions, txs.Bytes(), e.recordAt(txs.Bytes(), 0)},
		{FileCSV, csvb.Bytes(), e.recordAt(txs.Bytes(), 1)},
	} {
		got, err := os.ReadFile(filepath.Join(e.dir, f.name))
		if err != nil {
			return 0, fmt.Errorf("read %s: %w", f.name, err)
		}
		if line, ok := firstDiff(got, f.want); !ok {
			b, tx, id := f.loc(line)
			return 0, breakf("decoded records", b, tx, id, "%s line %d differs from what the blocks decode to", f.name, line)
		}
	}
	return int(cp.RecordCount), nil
}

// recordAt maps a line of a record file (skip header lines) to its block
// and transaction.
func (e *export) recordAt(jsonl []byte, skip int) func(line int) (int64, int, string) {
	return func(line int) (int64, int, string) {
		lines := bytes.Split(jsonl, []byte("\n"))
		k := line - 1 - skip
		if k < 0 || k >= len(lines) || len(lines[k]) == 0 {
			return -1, -1, ""
		}
		var r TxRecord
		if json.Unmarshal(lines[k], &r) != nil {
			return -1, -1, ""
		}
		return int64(r.Block), r.Index, r.TxID
	}
}

// firstDiff returns the first line (1-based) where a and b differ.
func firstDiff(a, b []byte) (int, bool) {
	if bytes.Equal(a, b) {
		return 0, true
	}
	la, lb := bytes.Split(a, []byte("\n")), bytes.Split(b, []byte("\n"))
	n := min(len(la), len(lb))
	for i := 0; i < n; i++ {
		if !bytes.Equal(la[i], lb[i]) {
			return i + 1, false
		}
	}
	return n + 1, false
}
