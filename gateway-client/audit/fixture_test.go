package audit

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"google.golang.org/protobuf/proto"
)

// testdata/network is an export taken once from a real network
// (test/audit_test.go with CHARTER_AUDIT_FIXTURE): the founding act, a
// member registration, a token issuance voted in House A by two seats and
// in House B by a member, both ballots closed and tallied, the decision
// concluded and executed (crediting the treasury); 27 blocks from the
// foundation's peer, with every organisation's peer report.
const fixture = "testdata/network"

// copyFixture copies the real export into a temporary directory.
func copyFixture(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "export")
	if err := os.CopyFS(dir, os.DirFS(fixture)); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestRealExportVerifies(t *testing.T) {
	rep, err := Verify(fixture, VerifyOptions{})
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	if rep.Blocks != 27 || rep.Transactions != 27 || rep.OrdererSigs != 26 || rep.UnsignedConfig != 1 ||
		strings.Join(rep.PeersMatched, ",") != "FoundationMSP,LabAMSP,LabBMSP" {
		t.Fatalf("report: %+v", rep)
	}
	// Endorser transactions carry two endorsements or more (MAJORITY of
	// three organisations).
	if rep.CreatorSigs == 0 || rep.EndorseSigs < 2*rep.CreatorSigs-rep.ConfigBlocks {
		t.Fatalf("%d creator, %d endorsement signatures", rep.CreatorSigs, rep.EndorseSigs)
	}
}

func TestRealExportReplay(t *testing.T) {
	rep, err := Replay(fixture)
	if err != nil {
		t.Fatalf("replay: %v", err)
	}
	if rep.Replayed != 6 || rep.ByFunction["ballot:Tally"] != 2 || rep.ByFunction["ballot:Close"] != 2 || rep.ByFunction["decision:Conclude"] != 1 ||
		rep.ByFunction["decision:Execute"] != 1 || rep.Mismatches != 0 || len(rep.Outcomes) != 4 {
		t.Fatalf("report: %+v", rep)
	}
	for _, o := range rep.Outcomes {
		if !o.Match || !bytes.Contains(o.Replayed, []byte(`"passed":true`)) && !bytes.Contains(o.Replayed, []byte(`"status":"passed"`)) {
			t.Fatalf("outcome %s %s: match %v, replayed %s", o.Kind, o.ID, o.Match, o.Replayed)
		}
	}
}

// TestRealExportFlippedByte: one byte changed in each part of a real
// export breaks verification at the right place.
func TestRealExportFlippedByte(t *testing.T) {
	for _, tc := range []struct {
		name  string
		where func(t *testing.T, dir string) (string, int64)
		check string
		block int64
		tx    int
	}{
		{"header", func(t *testing.T, dir string) (string, int64) {
			off, _ := blockSpan(t, dir, 10)
			return FileBlocks, off + 6 // inside the header's previous hash
		}, "previous hash", 10, -1},
		{"data", func(t *testing.T, dir string) (string, int64) {
			off, raw := blockSpan(t, dir, 19)
			return FileBlocks, off + int64(bytes.Index(raw, []byte(`"choice":"for","castAt"`))+10)
		}, "data hash", 19, -1},
		{"orderer signature", func(t *testing.T, dir string) (string, int64) {
			off, raw := blockSpan(t, dir, 7)
			var b common.Block
			var md common.Metadata
			if err := proto.Unmarshal(raw, &b); err != nil {
				t.Fatal(err)
			}
			if err := proto.Unmarshal(b.Metadata.Metadata[common.BlockMetadataIndex_SIGNATURES], &md); err != nil {
				t.Fatal(err)
			}
			return FileBlocks, off + int64(bytes.Index(raw, md.Signatures[0].Signature)+20)
		}, "orderer signature", 7, -1},
		{"manifest", func(t *testing.T, dir string) (string, int64) {
			raw, _ := os.ReadFile(filepath.Join(dir, FileManifest))
			return FileManifest, int64(bytes.Index(raw, []byte(`"lastBlockHeaderHash": "`)) + len(`"lastBlockHeaderHash": "`))
		}, "peer report", 26, -1},
		{"record", func(t *testing.T, dir string) (string, int64) {
			raw, _ := os.ReadFile(filepath.Join(dir, FileTransactions))
			return FileTransactions, int64(bytes.Index(raw, []byte(`"function":"ballot:Tally"`)) + 14)
		}, "decoded records", 22, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := copyFixture(t)
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

// TestRealExportDoctoredVote: an export whose recorded vote was changed
// (which verify refuses: see the data case above) does not replay either:
// the tally recomputed from the doctored vote differs from the one the
// ledger recorded.
func TestRealExportDoctoredVote(t *testing.T) {
	dir := copyFixture(t)
	off, raw := blockSpan(t, dir, 19)
	i := bytes.Index(raw, []byte(`"choice":"for","castAt"`))
	if i < 0 {
		t.Fatal("vote not found")
	}
	data, err := os.ReadFile(filepath.Join(dir, FileBlocks))
	if err != nil {
		t.Fatal(err)
	}
	copy(data[off+int64(i):], `"choice":"abs","castAt"`)
	if err := os.WriteFile(filepath.Join(dir, FileBlocks), data, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = Replay(dir)
	var re *ReplayError
	if !errors.As(err, &re) || re.Block != 22 || re.Function != "ballot:Tally" {
		t.Fatalf("replay of a doctored vote: %v, want a ReplayError at House A's tally (block 22)", err)
	}
	t.Log(err)
}
