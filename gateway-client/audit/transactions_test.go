package audit

import (
	"testing"

	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"

	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/gateway-client/audit/audittest"
)

func TestTransactions(t *testing.T) {
	c := audittest.NewChain("charter", "FoundationMSP", "LabAMSP")
	voter := c.Orgs[1].Client
	ids := c.AddBlock(
		audittest.Tx{Creator: voter, Endorsers: []*audittest.Signer{c.Orgs[0].Peer}, Function: "decision:Vote", Args: []string{`{"decision":"d1"}`}, EventName: "decision.voted", Event: []byte(`{"decision":"d1"}`)},
		audittest.Tx{Creator: voter, Function: "decision:Vote", Code: peer.TxValidationCode_MVCC_READ_CONFLICT},
	)
	c.AddRaw([][]byte{[]byte("not an envelope")}, []peer.TxValidationCode{peer.TxValidationCode_BAD_PAYLOAD})

	// The genesis block: one configuration transaction.
	genesis, err := Transactions(c.Blocks[0])
	if err != nil {
		t.Fatal(err)
	}
	if len(genesis) != 1 || genesis[0].Record.Type != common.HeaderType_CONFIG.String() || genesis[0].Record.ValidationCode != "VALID" || genesis[0].DecodeError != nil {
		t.Fatalf("genesis: %+v", genesis)
	}

	txs, err := Transactions(c.Blocks[1])
	if err != nil {
		t.Fatal(err)
	}
	if len(txs) != 2 {
		t.Fatalf("%d transactions, want 2", len(txs))
	}
	voterID, err := identity.FromPEM(voter.MSPID, voter.CertPEM)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []struct {
		code  string
		valid bool
		event string
	}{{"VALID", true, "decision.voted"}, {"MVCC_READ_CONFLICT", false, ""}} {
		r := txs[i].Record
		if txs[i].DecodeError != nil {
			t.Fatalf("transaction %d: %v", i, txs[i].DecodeError)
		}
		if r.Block != 1 || r.Index != i || r.TxID != ids[i] || r.Type != "ENDORSER_TRANSACTION" || r.Chaincode != "charter" || r.Function != "decision:Vote" {
			t.Errorf("transaction %d: %+v", i, r)
		}
		if r.Creator != (Identity{MSPID: "LabAMSP", ID: voterID.ID}) {
			t.Errorf("transaction %d: creator %+v, want %s", i, r.Creator, voterID)
		}
		if r.ValidationCode != want.code || r.Valid != want.valid {
			t.Errorf("transaction %d: %s (valid %v), want %s", i, r.ValidationCode, r.Valid, want.code)
		}
		if got := ""; r.Event != nil {
			got = r.Event.Name
			if got != want.event {
				t.Errorf("transaction %d: event %q, want %q", i, got, want.event)
			}
		} else if want.event != "" {
			t.Errorf("transaction %d: no event, want %q", i, want.event)
		}
		if r.Time.IsZero() {
			t.Errorf("transaction %d: no time", i)
		}
	}

	// A malformed envelope is kept, with its position, code and error.
	bad, err := Transactions(c.Blocks[2])
	if err != nil {
		t.Fatal(err)
	}
	if len(bad) != 1 || bad[0].DecodeError == nil || bad[0].Record.Block != 2 || bad[0].Record.Index != 0 || bad[0].Record.ValidationCode != "BAD_PAYLOAD" || bad[0].Record.TxID != "" {
		t.Fatalf("malformed: %+v", bad)
	}

	// A block without a header is refused.
	if _, err := Transactions(&common.Block{}); err == nil {
		t.Fatal("a block without a header decoded")
	}
}
