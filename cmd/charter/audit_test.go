package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hyperledger/fabric-protos-go-apiv2/peer"

	"github.com/charter-gov/charter/gateway-client/audit"
	"github.com/charter-gov/charter/gateway-client/audit/audittest"
)

type chainSource struct{ *audittest.Source }

func (s chainSource) Peers(_ context.Context, last uint64) []audit.PeerView {
	var out []audit.PeerView
	for _, p := range s.PeerInfos(last) {
		out = append(out, audit.PeerView{MSPID: p.MSPID, Address: p.Address, Height: p.Height, CurrentBlockHash: p.CurrentBlockHash, Block: p.Block})
	}
	return out
}

func syntheticExport(t *testing.T) string {
	t.Helper()
	c := audittest.NewChain("charter", "FoundationMSP", "LabAMSP", "LabBMSP")
	for i := range 4 {
		c.AddBlock(audittest.Tx{Creator: c.Orgs[i%3].Client, Endorsers: []*audittest.Signer{c.Orgs[0].Peer, c.Orgs[1].Peer},
			Function: "member:Register", Args: []string{`{"name":"x"}`}, Code: peer.TxValidationCode_VALID})
	}
	dir := t.TempDir()
	if _, err := audit.Export(context.Background(), chainSource{&audittest.Source{Chain: c}}, audit.Options{Dir: dir, Channel: "charter", Chaincode: "charter"}); err != nil {
		t.Fatal(err)
	}
	return dir
}

func runAudit(args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	e := osEnv(&stdout, &stderr)
	e.getenv = func(string) string { return "" }
	code := runWith(context.Background(), e, args)
	return code, stdout.String(), stderr.String()
}

func TestAuditVerifyCommand(t *testing.T) {
	dir := syntheticExport(t)
	code, out, errOut := runAudit("audit", "verify", dir)
	if code != 0 || !strings.Contains(out, "verified "+dir+": channel charter, 5 blocks, 5 transactions (5 valid)") || !strings.Contains(out, "ok  4 creator and 8 endorsement signatures verify") {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ = runAudit("-o", "json", "audit", "verify", dir)
	if code != 0 || !strings.Contains(out, `"creatorSignatures":4`) {
		t.Fatalf("json: exit %d %s", code, out)
	}
	code, out, _ = runAudit("audit", "crosscheck", dir, dir)
	if code != 0 || !strings.Contains(out, "agree on 5 block headers and the validation codes of 5 transactions") {
		t.Fatalf("crosscheck: exit %d %s", code, out)
	}
	// One byte of block 3's data changed: exit 1, the break named.
	hs, err := os.ReadFile(filepath.Join(dir, audit.FileBlocks))
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.LastIndex(hs, []byte(`{"name":"x"}`))
	hs[i+3] ^= 1
	if err := os.WriteFile(filepath.Join(dir, audit.FileBlocks), hs, 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = runAudit("audit", "verify", dir)
	if code != exitFailure || !strings.Contains(errOut, "block 4: data hash:") {
		t.Fatalf("tampered: exit %d, stderr %s", code, errOut)
	}
	if code, _, errOut = runAudit("audit", "verify"); code != exitUsage {
		t.Fatalf("no directory: exit %d %s", code, errOut)
	}
	if code, _, errOut = runAudit("audit", "export"); code != exitUsage || !strings.Contains(errOut, "--out") {
		t.Fatalf("export without --out: exit %d %s", code, errOut)
	}
}
