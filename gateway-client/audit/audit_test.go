package audit

import (
	"bufio"
	"bytes"
	"context"
	"encoding/asn1"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/protobuf/proto"

	"github.com/charter-gov/charter/gateway-client/audit/audittest"
)

// testSource adapts audittest.Source to Source.
type testSource struct{ *audittest.Source }

func (s testSource) Peers(_ context.Context, last uint64) []PeerView {
	var out []PeerView
	for _, p := range s.PeerInfos(last) {
		out = append(out, PeerView{MSPID: p.MSPID, Address: p.Address, Height: p.Height, CurrentBlockHash: p.CurrentBlockHash, Block: p.Block})
	}
	return out
}

// buildChain makes a channel of three organisations and blocks of
// transactions: each creator in turn, endorsed by two organisations, some
// marked MVCC_READ_CONFLICT.
func buildChain(blocks, perBlock int) *audittest.Chain {
	c := audittest.NewChain("charter", "FoundationMSP", "LabAMSP", "LabBMSP")
	k := 0
	for b := 0; b < blocks; b++ {
		var txs []audittest.Tx
		for i := 0; i < perBlock; i++ {
			k++
			o := c.Orgs[k%3]
			code := peer.TxValidationCode_VALID
			if k%7 == 0 {
				code = peer.TxValidationCode_MVCC_READ_CONFLICT
			}
			dec := fmt.Sprintf("dec-%d", k%5)
			txs = append(txs, audittest.Tx{
				Creator:   o.Client,
				Endorsers: []*audittest.Signer{c.Orgs[0].Peer, c.Orgs[1+k%2].Peer},
				Function:  "decision:Vote",
				Args:      []string{fmt.Sprintf(`{"decision":%q,"choice":"for"}`, dec)},
				Writes:    audittest.Writes("\x00vote\x00"+dec+"\x00"+o.MSPID+"\x00", fmt.Sprintf(`{"n":%d}`, k)),
				EventName: "decision.voted",
				Event:     []byte(fmt.Sprintf(`{"type":"decision.voted","payload":{"decision":%q}}`, dec)),
				Code:      code,
			})
		}
		c.AddBlock(txs...)
	}
	return c
}

func exportChain(t testing.TB, c *audittest.Chain, dir string, f Filter) *Manifest {
	t.Helper()
	m, err := Export(context.Background(), testSource{&audittest.Source{Chain: c}}, Options{Dir: dir, Channel: "charter", Chaincode: "charter", Source: "peer0.FoundationMSP:7051", SourceMSP: "FoundationMSP", Filter: f})
	if err != nil {
		t.Fatalf("export: %v", err)
	}
	return m
}

func TestExportVerifyClean(t *testing.T) {
	c := buildChain(12, 5)
	dir := t.TempDir()
	m := exportChain(t, c, dir, Filter{})
	if m.LastBlock != 12 || m.TxCount != 61 || m.RecordCount != 61 || len(m.Blocks) != 13 || len(m.Peers) != 3 {
		t.Fatalf("manifest: last %d, %d tx, %d records, %d digests, %d peers", m.LastBlock, m.TxCount, m.RecordCount, len(m.Blocks), len(m.Peers))
	}
	rep, err := Verify(dir, VerifyOptions{})
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	// 60 endorser transactions, 8 of them MVCC conflicts (k%7==0), all
	// properly signed; the genesis config transaction is unsigned.
	if rep.Blocks != 13 || rep.Transactions != 61 || rep.ValidTx != 53 || rep.TxIDs != 60 || rep.CreatorSigs != 60 || rep.EndorseSigs != 120 || rep.OrdererSigs != 12 || rep.UnsignedConfig != 1 || rep.Records != 61 {
		t.Fatalf("report: %+v", rep)
	}
	if strings.Join(rep.PeersMatched, ",") != "FoundationMSP,LabAMSP,LabBMSP" {
		t.Fatalf("peers matched: %v", rep.PeersMatched)
	}
	// The records decode what the transactions carried.
	recs := readRecords(t, dir)
	r := recs[1]
	if r.Block != 1 || r.Index != 0 || r.Function != "decision:Vote" || r.Creator.MSPID != "LabAMSP" || !strings.Contains(r.Creator.ID, "CN=User1@LabAMSP") ||
		strings.Join(r.EndorsingOrgs, ",") != "FoundationMSP,LabBMSP" || len(r.Writes) != 1 || r.Writes[0].Value != `{"n":1}` || r.Event == nil || r.Event.Name != "decision.voted" || !r.Valid {
		t.Fatalf("record: %+v", r)
	}
	if recs[7].ValidationCode != "MVCC_READ_CONFLICT" || recs[7].Valid {
		t.Fatalf("record 7 validation: %s", recs[7].ValidationCode)
	}
	if _, err := Export(context.Background(), testSource{&audittest.Source{Chain: c}}, Options{Dir: dir, Channel: "charter"}); !errors.Is(err, ErrComplete) {
		t.Fatalf("export into a complete directory: %v, want ErrComplete", err)
	}
}

func readRecords(t testing.TB, dir string) []TxRecord {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, FileTransactions))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []TxRecord
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var r TxRecord
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

func TestFilter(t *testing.T) {
	c := buildChain(6, 5)
	dir := t.TempDir()
	labA := c.Orgs[1].Client
	m := exportChain(t, c, dir, Filter{Decisions: []string{"dec-1"}, FromBlock: 2})
	recs := readRecords(t, dir)
	if int64(len(recs)) != m.RecordCount || len(recs) == 0 {
		t.Fatalf("%d records, manifest says %d", len(recs), m.RecordCount)
	}
	for _, r := range recs {
		if r.Block < 2 || !strings.Contains(r.Args[0], `"dec-1"`) {
			t.Fatalf("record outside the filter: %+v", r)
		}
	}
	// k in 6..30 with k%5 == 1: 6, 11, 16, 21, 26.
	if len(recs) != 5 {
		t.Fatalf("%d records, want 5", len(recs))
	}
	dir2 := t.TempDir()
	exportChain(t, c, dir2, Filter{Members: []string{"LabAMSP/" + readRecordsOf(t, c, labA)}})
	for _, r := range readRecords(t, dir2) {
		if r.Creator.MSPID != "LabAMSP" {
			t.Fatalf("member filter kept %s", r.Creator.MSPID)
		}
	}
	if _, err := Verify(dir, VerifyOptions{}); err != nil {
		t.Fatalf("verify filtered export: %v", err)
	}
}

func readRecordsOf(t testing.TB, _ *audittest.Chain, s *audittest.Signer) string {
	return identityOf(s.Serialized).ID
}

// flip changes one byte of a file at off.
func flip(t testing.TB, path string, off int64) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	raw[off] ^= 0x01
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
}

// blockSpan is the offset and length of block n's bytes in blocks.bin.
func blockSpan(t testing.TB, dir string, n int) (int64, []byte) {
	t.Helper()
	hs, err := readHeaders(filepath.Join(dir, FileHeaders))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, FileBlocks))
	if err != nil {
		t.Fatal(err)
	}
	off := hs[n].Offset + frameHeader
	return off, raw[off : off+int64(hs[n].Length)]
}

func wantBreak(t *testing.T, err error, check string, block int64, tx int) {
	t.Helper()
	var be *BreakError
	if !errors.As(err, &be) {
		t.Fatalf("verify: %v, want a break in %q", err, check)
	}
	if be.Check != check || be.Block != block || be.TxIndex != tx {
		t.Fatalf("verify broke at %q block %d tx %d (%v), want %q block %d tx %d", be.Check, be.Block, be.TxIndex, be, check, block, tx)
	}
}

func TestVerifyFlippedByte(t *testing.T) {
	c := buildChain(8, 4)
	const k = 5 // the block tampered with
	b := c.Blocks[k]
	env := b.Data.Data[2]
	var e common.Envelope
	if err := proto.Unmarshal(env, &e); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		where func(t *testing.T, dir string) (string, int64)
		check string
		block int64
		tx    int
	}{
		{"header previous hash", func(t *testing.T, dir string) (string, int64) {
			off, raw := blockSpan(t, dir, k)
			return FileBlocks, off + int64(bytes.Index(raw, b.Header.PreviousHash))
		}, "previous hash", k, -1},
		{"header data hash", func(t *testing.T, dir string) (string, int64) {
			off, raw := blockSpan(t, dir, k)
			return FileBlocks, off + int64(bytes.Index(raw, b.Header.DataHash))
		}, "data hash", k, -1},
		{"transaction data", func(t *testing.T, dir string) (string, int64) {
			off, raw := blockSpan(t, dir, k)
			return FileBlocks, off + int64(bytes.Index(raw, []byte(`"choice":"for"`)))
		}, "data hash", k, -1},
		{"creator signature bytes", func(t *testing.T, dir string) (string, int64) {
			off, raw := blockSpan(t, dir, k)
			return FileBlocks, off + int64(bytes.Index(raw, e.Signature)+10)
		}, "data hash", k, -1},
		{"orderer signature", func(t *testing.T, dir string) (string, int64) {
			off, raw := blockSpan(t, dir, k)
			var md common.Metadata
			if err := proto.Unmarshal(b.Metadata.Metadata[common.BlockMetadataIndex_SIGNATURES], &md); err != nil {
				t.Fatal(err)
			}
			return FileBlocks, off + int64(bytes.Index(raw, md.Signatures[0].Signature)+12)
		}, "orderer signature", k, -1},
		{"validation code", func(t *testing.T, dir string) (string, int64) {
			off, raw := blockSpan(t, dir, k)
			filter := b.Metadata.Metadata[common.BlockMetadataIndex_TRANSACTIONS_FILTER]
			return FileBlocks, off + int64(bytes.Index(raw, append([]byte{byte(len(filter))}, filter...))+1)
		}, "manifest block digest", k, -1},
		{"manifest last header hash", func(t *testing.T, dir string) (string, int64) {
			raw, _ := os.ReadFile(filepath.Join(dir, FileManifest))
			return FileManifest, int64(bytes.Index(raw, []byte(`"lastHeaderHash": "`)) + len(`"lastHeaderHash": "`))
		}, "manifest last header hash", 8, -1},
		{"manifest peer report", func(t *testing.T, dir string) (string, int64) {
			raw, _ := os.ReadFile(filepath.Join(dir, FileManifest))
			return FileManifest, int64(bytes.Index(raw, []byte(`"currentBlockHash": "`)) + len(`"currentBlockHash": "`) + 3)
		}, "peer report", 8, -1},
		{"transaction record", func(t *testing.T, dir string) (string, int64) {
			raw, _ := os.ReadFile(filepath.Join(dir, FileTransactions))
			lines := bytes.SplitAfter(raw, []byte("\n"))
			off := 0
			for _, l := range lines[:4*(k-1)+1+2] { // genesis record, 4 per block
				off += len(l)
			}
			return FileTransactions, int64(off + bytes.Index(lines[4*(k-1)+1+2], []byte(`"for`)) + 2)
		}, "decoded records", k, 2},
		{"csv", func(t *testing.T, dir string) (string, int64) {
			raw, _ := os.ReadFile(filepath.Join(dir, FileCSV))
			return FileCSV, int64(bytes.LastIndex(raw, []byte("MVCC_READ_CONFLICT")))
		}, "decoded records", 7, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			exportChain(t, c, dir, Filter{})
			if _, err := Verify(dir, VerifyOptions{}); err != nil {
				t.Fatalf("verify before tampering: %v", err)
			}
			file, off := tc.where(t, dir)
			if off < 0 {
				t.Fatal("tamper location not found")
			}
			flip(t, filepath.Join(dir, file), off)
			_, err := Verify(dir, VerifyOptions{})
			wantBreak(t, err, tc.check, tc.block, tc.tx)
		})
	}
}

// highS returns the same signature with S replaced by N−S: valid ECDSA,
// but Fabric refuses it.
func highS(t *testing.T, sig []byte, curveN *big.Int) []byte {
	var rs struct{ R, S *big.Int }
	if _, err := asn1.Unmarshal(sig, &rs); err != nil {
		t.Fatal(err)
	}
	rs.S = new(big.Int).Sub(curveN, rs.S)
	out, err := asn1.Marshal(rs)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestVerifyRewrittenHistory: someone rewrites a transaction and
// recomputes every hash after it (and re-signs the blocks with an orderer
// key); the transaction's signatures still fail, naming block and
// transaction.
func TestVerifyRewrittenHistory(t *testing.T) {
	const k, j = 4, 1
	stranger := audittest.NewOrg("LabAMSP") // same MSP name, another CA
	for _, tc := range []struct {
		name   string
		tamper func(t *testing.T, c *audittest.Chain)
		check  string
	}{
		{"forged creator signature", func(t *testing.T, c *audittest.Chain) {
			env := unmarshalEnv(t, c.Blocks[k].Data.Data[j])
			env.Signature = c.Orgs[2].NewSigner("mallory", "client").Sign(env.Payload) // another key
			c.Blocks[k].Data.Data[j] = mustMarshal(t, env)
		}, "creator signature"},
		{"high-S creator signature", func(t *testing.T, c *audittest.Chain) {
			env := unmarshalEnv(t, c.Blocks[k].Data.Data[j])
			env.Signature = highS(t, env.Signature, c.Orgs[0].Client.Key.Curve.Params().N)
			c.Blocks[k].Data.Data[j] = mustMarshal(t, env)
		}, "creator signature"},
		{"endorsement by an outside CA", func(t *testing.T, c *audittest.Chain) {
			env, _ := c.Envelope(audittest.Tx{Creator: c.Orgs[0].Client, Endorsers: []*audittest.Signer{c.Orgs[0].Peer, stranger.Peer}, Function: "decision:Vote", Args: []string{"x"}})
			c.Blocks[k].Data.Data[j] = env
		}, "endorsement signature"},
		{"changed arguments, same signature", func(t *testing.T, c *audittest.Chain) {
			env := unmarshalEnv(t, c.Blocks[k].Data.Data[j])
			env.Payload = bytes.Replace(env.Payload, []byte(`"choice":"for"`), []byte(`"choice":"xyz"`), 1)
			c.Blocks[k].Data.Data[j] = mustMarshal(t, env)
		}, "creator signature"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := buildChain(6, 3)
			tc.tamper(t, c)
			c.Rechain(k)
			dir := t.TempDir()
			exportChain(t, c, dir, Filter{})
			_, err := Verify(dir, VerifyOptions{})
			wantBreak(t, err, tc.check, k, j)
		})
	}
}

func unmarshalEnv(t *testing.T, raw []byte) *common.Envelope {
	var e common.Envelope
	if err := proto.Unmarshal(raw, &e); err != nil {
		t.Fatal(err)
	}
	return &e
}

func mustMarshal(t *testing.T, m proto.Message) []byte {
	raw, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// TestResumeAfterBrokenStream: the stream breaks mid-export and the
// process leaves half-written data after its last checkpoint; the resumed
// export has every block and transaction exactly once.
func TestResumeAfterBrokenStream(t *testing.T) {
	c := buildChain(30, 3)
	dir := t.TempDir()
	var cps []uint64
	opts := Options{Dir: dir, Channel: "charter", Chaincode: "charter", CheckpointEvery: 4,
		afterCheckpoint: func(cp *Checkpoint) error { cps = append(cps, cp.NextBlock); return nil }}
	_, err := Export(context.Background(), testSource{&audittest.Source{Chain: c, StopAfter: 11}}, opts)
	if err == nil || !strings.Contains(err.Error(), "resume") {
		t.Fatalf("export over a broken stream: %v, want an error saying to resume", err)
	}
	if len(cps) == 0 || cps[len(cps)-1] != 8 {
		t.Fatalf("checkpoints %v, want the last at block 8", cps)
	}
	// A crash between checkpoints leaves bytes past the checkpoint.
	for _, name := range dataFiles {
		f, err := os.OpenFile(filepath.Join(dir, name), os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.WriteString(`{"torn":`); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	var resumedFrom uint64
	opts.Progress = func(p Progress) { resumedFrom = p.ResumedFromBlock }
	m, err := Export(context.Background(), testSource{&audittest.Source{Chain: c}}, opts)
	if err != nil {
		t.Fatalf("resume: %v", err)
	}
	if resumedFrom != 8 || m.LastBlock != 30 || m.TxCount != 91 {
		t.Fatalf("resumed from %d; last block %d, %d tx", resumedFrom, m.LastBlock, m.TxCount)
	}
	checkNoGapNoDup(t, dir, c)
	if _, err := Verify(dir, VerifyOptions{}); err != nil {
		t.Fatalf("verify resumed export: %v", err)
	}
}

// checkNoGapNoDup: every transaction of the chain appears exactly once,
// in order.
func checkNoGapNoDup(t *testing.T, dir string, c *audittest.Chain) {
	t.Helper()
	recs := readRecords(t, dir)
	i := 0
	for bn, b := range c.Blocks {
		for j := range b.Data.Data {
			if i >= len(recs) || recs[i].Block != uint64(bn) || recs[i].Index != j {
				t.Fatalf("record %d: want block %d tx %d, have %+v", i, bn, j, recs[min(i, len(recs)-1)])
			}
			i++
		}
	}
	if i != len(recs) {
		t.Fatalf("%d records for %d transactions", len(recs), i)
	}
}

func TestResumeRefusesAnotherFilter(t *testing.T) {
	c := buildChain(10, 2)
	dir := t.TempDir()
	_, err := Export(context.Background(), testSource{&audittest.Source{Chain: c, StopAfter: 3}}, Options{Dir: dir, Channel: "charter", CheckpointEvery: 1})
	if err == nil {
		t.Fatal("broken stream: no error")
	}
	before, _ := os.ReadFile(filepath.Join(dir, FileCheckpoint))
	_, err = Export(context.Background(), testSource{&audittest.Source{Chain: c}}, Options{Dir: dir, Channel: "charter", Filter: Filter{Members: []string{"x"}}})
	if err == nil || !strings.Contains(err.Error(), "another filter") {
		t.Fatalf("resume with another filter: %v", err)
	}
	after, _ := os.ReadFile(filepath.Join(dir, FileCheckpoint))
	if !bytes.Equal(before, after) {
		t.Fatal("refused resume changed the checkpoint")
	}
}

func TestCrossCheck(t *testing.T) {
	c := buildChain(6, 3)
	a, b := t.TempDir(), t.TempDir()
	exportChain(t, c, a, Filter{})
	exportChain(t, c, b, Filter{})
	rep, err := CrossCheck(a, b)
	if err != nil {
		t.Fatalf("cross-check: %v", err)
	}
	if rep.Blocks != 7 || rep.Transactions != 19 {
		t.Fatalf("cross-check compared %d blocks, %d tx", rep.Blocks, rep.Transactions)
	}
	// Another organisation's peer that recorded another validation code
	// for block 3, transaction 1.
	c.Blocks[3].Metadata.Metadata[common.BlockMetadataIndex_TRANSACTIONS_FILTER][1] = byte(peer.TxValidationCode_ENDORSEMENT_POLICY_FAILURE)
	d := t.TempDir()
	exportChain(t, c, d, Filter{})
	_, err = CrossCheck(a, d)
	wantBreak(t, err, "cross-check validation code", 3, 1)
}

// TestVerifySig: low-S signatures verify; the same signature with S
// replaced by N−S (valid ECDSA) is refused, as Fabric refuses it; a
// signature over other data fails.
func TestVerifySig(t *testing.T) {
	c := buildChain(1, 1)
	s := c.Orgs[0].Client
	sig := s.Sign([]byte("x"))
	if err := verifySig(&s.Key.PublicKey, []byte("x"), sig); err != nil {
		t.Fatalf("low-S signature: %v", err)
	}
	if err := verifySig(&s.Key.PublicKey, []byte("x"), highS(t, sig, s.Key.Curve.Params().N)); !errors.Is(err, errHighS) {
		t.Fatalf("high-S signature: %v, want errHighS", err)
	}
	if err := verifySig(&s.Key.PublicKey, []byte("y"), sig); err == nil {
		t.Fatal("signature over other data verified")
	}
}
