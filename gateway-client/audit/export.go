package audit

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/protobuf/proto"
)

// PeerView is what a Source learned from one organisation's peer.
type PeerView struct {
	MSPID            string
	Address          string
	Height           uint64
	CurrentBlockHash []byte
	// Block is the export's last block as this peer stores it.
	Block *common.Block
	Err   error
}

// Source is where an export reads the chain: the gateway client over
// fabric-gateway block events and qscc, or a test's in-memory chain.
type Source interface {
	// Height is the chain height of the peer the blocks come from.
	Height(ctx context.Context) (uint64, error)
	// Blocks streams whole blocks in order from start; the channel closes
	// when the stream ends (ctx done, peer gone).
	Blocks(ctx context.Context, start uint64) (<-chan *common.Block, error)
	// Peers asks every organisation's peer for its chain information and
	// for block last.
	Peers(ctx context.Context, last uint64) []PeerView
}

// Progress is reported after every block.
type Progress struct {
	Block, Last      uint64
	Txs, Records     int64
	Elapsed          time.Duration
	Resumed          bool
	ResumedFromBlock uint64
}

// Options configure an export.
type Options struct {
	Dir       string
	Channel   string
	Chaincode string
	// Source and SourceMSP name the peer blocks are streamed from.
	Source    string
	SourceMSP string
	Exporter  Identity
	Filter    Filter
	// CheckpointEvery is how many blocks are written between checkpoints
	// (default 50); a checkpoint is also taken at least every second.
	CheckpointEvery int
	// Progress, when set, is called after every block.
	Progress func(Progress)
	// Now is the clock (default time.Now); only the manifest's and
	// checkpoint's timestamps use it.
	Now func() time.Time
	// afterCheckpoint is a test hook, called after every checkpoint.
	afterCheckpoint func(cp *Checkpoint) error
}

// ErrComplete is returned by Export for a directory whose export already
// completed (it has a manifest).
var ErrComplete = errors.New("export already complete")

// exportFiles are the open data files of an export.
type exportFiles struct {
	f     map[string]*os.File
	w     map[string]*bufio.Writer
	sizes map[string]int64
}

func (ef *exportFiles) write(name string, p []byte) error {
	n, err := ef.w[name].Write(p)
	ef.sizes[name] += int64(n)
	if err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	return nil
}

// sync flushes and fsyncs every data file.
func (ef *exportFiles) sync() error {
	for _, name := range dataFiles {
		if err := ef.w[name].Flush(); err != nil {
			return fmt.Errorf("flush %s: %w", name, err)
		}
		if err := ef.f[name].Sync(); err != nil {
			return fmt.Errorf("sync %s: %w", name, err)
		}
	}
	return nil
}

func (ef *exportFiles) close() {
	for _, f := range ef.f {
		_ = f.Close()
	}
}

// Export writes (or resumes) an export of the chain from block 0 to the
// source's height at the start (or Filter.ToBlock) into opts.Dir.
//
// Crash safety: each block is appended to blocks.bin, headers.jsonl,
// transactions.jsonl and transactions.csv in that order; every
// CheckpointEvery blocks (and at the end) the files are flushed and
// fsynced, then checkpoint.json is written to a temporary file, fsynced
// and renamed over the old one, and the directory is fsynced. A resumed
// export truncates every data file to the checkpoint's sizes (dropping
// whatever a crash left after it) and streams again from the checkpoint's
// next block: no gap, no duplicate. The manifest is written the same way,
// last; its presence marks a complete export.
func Export(ctx context.Context, src Source, opts Options) (*Manifest, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.CheckpointEvery <= 0 {
		opts.CheckpointEvery = 50
	}
	if err := os.MkdirAll(opts.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("export directory: %w", err)
	}
	if _, err := os.Stat(filepath.Join(opts.Dir, FileManifest)); err == nil {
		return nil, fmt.Errorf("%s: %w (it has a %s); export into a new directory", opts.Dir, ErrComplete, FileManifest)
	}
	cp, resumed, err := loadCheckpoint(opts.Dir)
	if err != nil {
		return nil, err
	}
	if resumed {
		if cp.Channel != opts.Channel {
			return nil, fmt.Errorf("resume %s: the checkpoint is of channel %q, not %q", opts.Dir, cp.Channel, opts.Channel)
		}
		if !sameFilter(cp.Filter, opts.Filter) {
			return nil, fmt.Errorf("resume %s: the export was started with another filter (%s); resume with the same filter or export into a new directory", opts.Dir, mustJSON(cp.Filter))
		}
	} else {
		cp = &Checkpoint{Format: FormatVersion, Channel: opts.Channel, Filter: opts.Filter, Started: opts.Now().UTC(), Sizes: map[string]int64{}}
	}
	ef, err := openFiles(opts.Dir, cp.Sizes)
	if err != nil {
		return nil, err
	}
	defer ef.close()
	if !resumed {
		if err := writeCSVHeader(ef); err != nil {
			return nil, err
		}
		if err := commit(opts.Dir, ef, cp); err != nil {
			return nil, err
		}
	}
	height, err := src.Height(ctx)
	if err != nil {
		return nil, fmt.Errorf("chain height of %s: %w", opts.Source, err)
	}
	if height == 0 {
		return nil, fmt.Errorf("chain of %s is empty", opts.Source)
	}
	last := height - 1
	if opts.Filter.ToBlock > 0 && opts.Filter.ToBlock < last {
		last = opts.Filter.ToBlock
	}
	start := opts.Now()
	resumedFrom := cp.NextBlock
	if cp.NextBlock <= last {
		sctx, cancel := context.WithCancel(ctx)
		defer cancel()
		ch, err := src.Blocks(sctx, cp.NextBlock)
		if err != nil {
			return nil, fmt.Errorf("stream blocks from %d: %w", cp.NextBlock, err)
		}
		sinceCP, lastCP := 0, opts.Now()
		for cp.NextBlock <= last {
			var b *common.Block
			var ok bool
			select {
			case <-ctx.Done():
				return nil, fmt.Errorf("export stopped at block %d (resume to continue): %w", cp.NextBlock, ctx.Err())
			case b, ok = <-ch:
			}
			if !ok {
				return nil, fmt.Errorf("block stream ended before block %d (resume to continue)", cp.NextBlock)
			}
			if got := b.GetHeader().GetNumber(); got != cp.NextBlock {
				return nil, fmt.Errorf("block stream sent block %d where block %d was expected", got, cp.NextBlock)
			}
			if err := appendBlock(ef, cp, b); err != nil {
				return nil, err
			}
			cp.NextBlock++
			sinceCP++
			if opts.Progress != nil {
				opts.Progress(Progress{Block: cp.NextBlock - 1, Last: last, Txs: cp.TxCount, Records: cp.RecordCount, Elapsed: opts.Now().Sub(start), Resumed: resumed, ResumedFromBlock: resumedFrom})
			}
			if sinceCP >= opts.CheckpointEvery || opts.Now().Sub(lastCP) >= time.Second || cp.NextBlock > last {
				if err := commit(opts.Dir, ef, cp); err != nil {
					return nil, err
				}
				if opts.afterCheckpoint != nil {
					if err := opts.afterCheckpoint(cp); err != nil {
						return nil, err
					}
				}
				sinceCP, lastCP = 0, opts.Now()
			}
		}
		cancel()
	}
	views := src.Peers(ctx, last)
	m, err := finish(opts, cp, last, views)
	if err != nil {
		return nil, err
	}
	return m, nil
}

func mustJSON(v any) string {
	raw, _ := json.Marshal(v)
	return string(raw)
}

func sameFilter(a, b Filter) bool { return mustJSON(a) == mustJSON(b) }

func loadCheckpoint(dir string) (*Checkpoint, bool, error) {
	raw, err := os.ReadFile(filepath.Join(dir, FileCheckpoint))
	if errors.Is(err, os.ErrNotExist) {
		for _, name := range dataFiles {
			if st, err := os.Stat(filepath.Join(dir, name)); err == nil && st.Size() > 0 {
				return nil, false, fmt.Errorf("%s has %s but no %s: not an export this program can resume; export into a new directory", dir, name, FileCheckpoint)
			}
		}
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("read checkpoint: %w", err)
	}
	var cp Checkpoint
	if err := json.Unmarshal(raw, &cp); err != nil {
		return nil, false, fmt.Errorf("checkpoint %s: %w", filepath.Join(dir, FileCheckpoint), err)
	}
	if cp.Format != FormatVersion {
		return nil, false, fmt.Errorf("checkpoint %s: format %q, this program writes %q", dir, cp.Format, FormatVersion)
	}
	if cp.Sizes == nil {
		cp.Sizes = map[string]int64{}
	}
	return &cp, true, nil
}

// openFiles opens the data files, truncated to sizes (the checkpoint's).
func openFiles(dir string, sizes map[string]int64) (*exportFiles, error) {
	ef := &exportFiles{f: map[string]*os.File{}, w: map[string]*bufio.Writer{}, sizes: map[string]int64{}}
	for _, name := range dataFiles {
		f, err := os.OpenFile(filepath.Join(dir, name), os.O_RDWR|os.O_CREATE, 0o644)
		if err != nil {
			ef.close()
			return nil, fmt.Errorf("open %s: %w", name, err)
		}
		ef.f[name] = f
		size := sizes[name]
		st, err := f.Stat()
		if err != nil {
			ef.close()
			return nil, fmt.Errorf("stat %s: %w", name, err)
		}
		if st.Size() < size {
			ef.close()
			return nil, fmt.Errorf("%s is %d bytes, shorter than the checkpoint's %d: the export directory was damaged; export into a new directory", name, st.Size(), size)
		}
		if err := f.Truncate(size); err != nil {
			ef.close()
			return nil, fmt.Errorf("truncate %s to the checkpoint: %w", name, err)
		}
		if _, err := f.Seek(size, io.SeekStart); err != nil {
			ef.close()
			return nil, fmt.Errorf("seek %s: %w", name, err)
		}
		ef.w[name] = bufio.NewWriterSize(f, 1<<20)
		ef.sizes[name] = size
	}
	return ef, nil
}

// csvHeader is the first line of transactions.csv.
var csvHeader = []string{"block", "index", "txId", "time", "type", "creatorMsp", "creatorId", "chaincode", "function", "args", "validationCode", "valid", "endorsingOrgs", "writtenKeys", "eventName", "eventPayload"}

func writeCSVHeader(ef *exportFiles) error {
	return writeCSV(ef, csvHeader)
}

func writeCSV(ef *exportFiles, row []string) error {
	var sb strings.Builder
	w := csv.NewWriter(&sb)
	if err := w.Write(row); err != nil {
		return fmt.Errorf("csv row: %w", err)
	}
	w.Flush()
	return ef.write(FileCSV, []byte(sb.String()))
}

// csvRow renders a record as a CSV row: lists and arguments as JSON.
func csvRow(r *TxRecord) []string {
	keys := make([]string, len(r.Writes))
	for i, w := range r.Writes {
		keys[i] = w.Namespace + "/" + w.Key
	}
	evName, evPayload := "", ""
	if r.Event != nil {
		evName, evPayload = r.Event.Name, string(r.Event.Payload)
	}
	args := mustJSON(r.Args)
	if r.Args == nil {
		args = "[]"
	}
	if r.ArgsBase64 {
		args = "base64:" + args
	}
	return []string{
		strconv.FormatUint(r.Block, 10), strconv.Itoa(r.Index), r.TxID, r.Time.Format(time.RFC3339Nano), r.Type,
		r.Creator.MSPID, r.Creator.ID, r.Chaincode, r.Function, args, r.ValidationCode, strconv.FormatBool(r.Valid),
		strings.Join(r.EndorsingOrgs, ";"), mustJSON(keys), evName, evPayload,
	}
}

// frameHeader is the frame prefix of a block in blocks.bin: the block
// number (8 bytes) and the length of the block bytes (4 bytes), big-endian.
const frameHeader = 12

// marshalBlock is the deterministic protobuf encoding of a block.
func marshalBlock(b *common.Block) ([]byte, error) {
	return proto.MarshalOptions{Deterministic: true}.Marshal(b)
}

// appendBlock writes one block to every data file and advances cp.
func appendBlock(ef *exportFiles, cp *Checkpoint, b *common.Block) error {
	raw, err := marshalBlock(b)
	if err != nil {
		return fmt.Errorf("encode block %d: %w", b.GetHeader().GetNumber(), err)
	}
	db, err := decodeBlock(b)
	if err != nil {
		return err
	}
	return appendDecoded(ef, cp, raw, db)
}

// appendDecoded is appendBlock for a block already encoded and decoded.
func appendDecoded(ef *exportFiles, cp *Checkpoint, raw []byte, db *decodedBlock) error {
	var err error
	if cp.NextBlock > 0 && db.rec.PreviousHash != cp.LastHeaderHash {
		return fmt.Errorf("block %d: previous hash %s does not match block %d's header hash %s: the source sent a broken chain", db.rec.Number, db.rec.PreviousHash, db.rec.Number-1, cp.LastHeaderHash)
	}
	sum := sha256.Sum256(raw)
	db.rec.Offset, db.rec.Length, db.rec.Sha256 = ef.sizes[FileBlocks], len(raw), hex.EncodeToString(sum[:])
	var frame [frameHeader]byte
	binary.BigEndian.PutUint64(frame[:8], db.rec.Number)
	binary.BigEndian.PutUint32(frame[8:], uint32(len(raw)))
	if err := ef.write(FileBlocks, frame[:]); err != nil {
		return err
	}
	if err := ef.write(FileBlocks, raw); err != nil {
		return err
	}
	line, err := json.Marshal(db.rec)
	if err != nil {
		return fmt.Errorf("encode header record %d: %w", db.rec.Number, err)
	}
	if err := ef.write(FileHeaders, append(line, '\n')); err != nil {
		return err
	}
	for i := range db.txs {
		cp.TxCount++
		r := &db.txs[i].rec
		if !cp.Filter.match(r) {
			continue
		}
		line, err := json.Marshal(r)
		if err != nil {
			return fmt.Errorf("encode transaction record %d/%d: %w", r.Block, r.Index, err)
		}
		if err := ef.write(FileTransactions, append(line, '\n')); err != nil {
			return err
		}
		if err := writeCSV(ef, csvRow(r)); err != nil {
			return err
		}
		cp.RecordCount++
	}
	cp.LastHeaderHash = db.rec.HeaderHash
	return nil
}

// commit makes everything written so far durable, then records it in the
// checkpoint (atomically).
func commit(dir string, ef *exportFiles, cp *Checkpoint) error {
	if err := ef.sync(); err != nil {
		return err
	}
	cp.Sizes = map[string]int64{}
	for k, v := range ef.sizes {
		cp.Sizes[k] = v
	}
	return writeAtomic(dir, FileCheckpoint, cp)
}

// writeAtomic writes v as JSON to dir/name through a temporary file,
// fsync and rename, then fsyncs the directory.
func writeAtomic(dir, name string, v any) error {
	raw, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encode %s: %w", name, err)
	}
	tmp := filepath.Join(dir, name+".tmp")
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	if _, err := f.Write(append(raw, '\n')); err != nil {
		_ = f.Close()
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return fmt.Errorf("sync %s: %w", name, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", name, err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		return fmt.Errorf("rename %s: %w", name, err)
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("open directory %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync directory %s: %w", dir, err)
	}
	return nil
}

// finish writes the manifest.
func finish(opts Options, cp *Checkpoint, last uint64, views []PeerView) (*Manifest, error) {
	m := &Manifest{
		Format: FormatVersion, Channel: opts.Channel, Chaincode: opts.Chaincode,
		Source: opts.Source, SourceMSP: opts.SourceMSP, Exporter: opts.Exporter,
		Started: cp.Started, Completed: opts.Now().UTC(), Filter: cp.Filter,
		FirstBlock: 0, LastBlock: last, TxCount: cp.TxCount, RecordCount: cp.RecordCount,
		LastHeaderHash: cp.LastHeaderHash, Files: map[string]FileDigest{},
	}
	for _, v := range views {
		pr := PeerReport{MSPID: v.MSPID, Address: v.Address, Height: v.Height, CurrentBlockHash: hex.EncodeToString(v.CurrentBlockHash)}
		if v.Err != nil {
			pr.Error = v.Err.Error()
		}
		if v.Block != nil {
			pr.LastBlockHeaderHash = hex.EncodeToString(HeaderHash(v.Block.GetHeader()))
			pr.LastBlockValidation = validationCodes(v.Block)
		}
		m.Peers = append(m.Peers, pr)
	}
	slices.SortFunc(m.Peers, func(a, b PeerReport) int { return strings.Compare(a.MSPID, b.MSPID) })
	recs, err := readHeaders(filepath.Join(opts.Dir, FileHeaders))
	if err != nil {
		return nil, err
	}
	for _, r := range recs {
		m.Blocks = append(m.Blocks, BlockDigest{Number: r.Number, Sha256: r.Sha256})
	}
	for _, name := range dataFiles {
		d, err := digestFile(filepath.Join(opts.Dir, name))
		if err != nil {
			return nil, err
		}
		m.Files[name] = d
	}
	if err := writeAtomic(opts.Dir, FileManifest, m); err != nil {
		return nil, err
	}
	return m, nil
}

// validationCodes names the validation code of each transaction of b.
func validationCodes(b *common.Block) []string {
	md := b.GetMetadata().GetMetadata()
	var codes []byte
	if int(common.BlockMetadataIndex_TRANSACTIONS_FILTER) < len(md) {
		codes = md[common.BlockMetadataIndex_TRANSACTIONS_FILTER]
	}
	out := make([]string, len(b.GetData().GetData()))
	for i := range out {
		c := peer.TxValidationCode_NOT_VALIDATED
		if i < len(codes) {
			c = peer.TxValidationCode(codes[i])
		}
		out[i] = c.String()
	}
	return out
}

func digestFile(path string) (FileDigest, error) {
	f, err := os.Open(path)
	if err != nil {
		return FileDigest{}, fmt.Errorf("digest %s: %w", filepath.Base(path), err)
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return FileDigest{}, fmt.Errorf("digest %s: %w", filepath.Base(path), err)
	}
	return FileDigest{Size: n, Sha256: hex.EncodeToString(h.Sum(nil))}, nil
}

func readHeaders(path string) ([]BlockRecord, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", filepath.Base(path), err)
	}
	defer f.Close()
	var out []BlockRecord
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	for line := 1; sc.Scan(); line++ {
		var r BlockRecord
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return nil, fmt.Errorf("%s line %d: %w", filepath.Base(path), line, err)
		}
		out = append(out, r)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", filepath.Base(path), err)
	}
	return out, nil
}

// match reports whether a record passes the filter.
func (f Filter) match(r *TxRecord) bool {
	if r.Block < f.FromBlock || (f.ToBlock > 0 && r.Block > f.ToBlock) {
		return false
	}
	if !f.From.IsZero() && r.Time.Before(f.From) {
		return false
	}
	if !f.To.IsZero() && r.Time.After(f.To) {
		return false
	}
	if len(f.Decisions) > 0 && !slices.ContainsFunc(f.Decisions, func(t string) bool { return mentions(r, t) }) {
		return false
	}
	if len(f.Artifacts) > 0 && !slices.ContainsFunc(f.Artifacts, func(t string) bool { return mentions(r, t) }) {
		return false
	}
	if len(f.Members) > 0 && !slices.ContainsFunc(f.Members, func(t string) bool {
		return t == r.Creator.ID || t == r.Creator.MSPID+"/"+r.Creator.ID || mentions(r, t)
	}) {
		return false
	}
	return true
}

// mentions reports whether term is an attribute of a written composite
// key, an argument, or a JSON string inside an argument or the event
// payload.
func mentions(r *TxRecord, term string) bool {
	if term == "" {
		return false
	}
	for _, w := range r.Writes {
		if len(w.Key) > 0 && w.Key[0] == 0 && slices.Contains(strings.Split(w.Key[1:len(w.Key)-1], "\x00"), term) {
			return true
		}
	}
	quoted := mustJSON(term)
	for _, a := range r.Args {
		if a == term || strings.Contains(a, quoted) {
			return true
		}
	}
	return r.Event != nil && strings.Contains(string(r.Event.Payload), quoted)
}
