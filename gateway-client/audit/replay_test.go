package audit

import (
	"errors"
	"strings"
	"testing"

	"github.com/charter-gov/charter/gateway-client/audit/audittest"
)

// TestReplayRefusedTransaction: a transaction recorded VALID that the
// domain code refuses on the rebuilt state is a replay failure naming the
// block and transaction.
func TestReplayRefusedTransaction(t *testing.T) {
	c := buildChain(2, 2)
	ids := c.AddBlock(audittest.Tx{Creator: c.Orgs[0].Client, Endorsers: []*audittest.Signer{c.Orgs[0].Peer, c.Orgs[1].Peer},
		Function: "ballot:Close", Args: []string{"no-such-ballot"}, Writes: audittest.Writes("\x00ballot\x00no-such-ballot\x00", `{}`)})
	dir := t.TempDir()
	exportChain(t, c, dir, Filter{})
	if _, err := Verify(dir, VerifyOptions{}); err != nil {
		t.Fatalf("verify: %v", err)
	}
	_, err := Replay(dir)
	var re *ReplayError
	if !errors.As(err, &re) || re.Block != 3 || re.TxIndex != 0 || re.TxID != ids[0] || re.Function != "ballot:Close" || !strings.Contains(err.Error(), "refuses") {
		t.Fatalf("replay: %v, want a ReplayError at block 3 tx 0", err)
	}
}

// TestReplayAppliesWrites: transactions that are not re-executed only
// have their writes applied; invalid ones are skipped.
func TestReplayAppliesWrites(t *testing.T) {
	c := buildChain(4, 3) // 12 votes, k = 7 is an MVCC conflict
	dir := t.TempDir()
	exportChain(t, c, dir, Filter{})
	rep, err := Replay(dir)
	if err != nil {
		t.Fatalf("replay: %v", err)
	}
	// 11 valid transactions; keys vote~dec-(k%5)~MSP: distinct pairs.
	if rep.Applied != 11 || rep.Replayed != 0 || rep.Keys == 0 || rep.Keys > 11 {
		t.Fatalf("report: %+v", rep)
	}
}
