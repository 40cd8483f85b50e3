package charter

import (
	"testing"

	"github.com/hyperledger/fabric-protos-go-apiv2/peer"

	"github.com/charter-gov/charter/gateway-client/audit/audittest"
)

// TestEventsInBlock: the events of a block are those of its valid
// transactions of the chaincode, in order, with their positions, decoded
// as WatchEvents decodes them; the configuration block has none.
func TestEventsInBlock(t *testing.T) {
	c := audittest.NewChain("charter", "LabAMSP")
	u := c.Orgs[0].NewSigner("user1", "client")
	env := func(typ string) []byte {
		return []byte(`{"type":"` + typ + `","txId":"x","time":"2026-11-30T12:00:00Z","actor":{"mspId":"LabAMSP","id":"a"},"payload":{}}`)
	}
	ids := c.AddBlock(
		audittest.Tx{Creator: u, EventName: "member.registered", Event: env("member.registered")},
		audittest.Tx{Creator: u, EventName: "ballot.voted", Event: env("ballot.voted"), Code: peer.TxValidationCode_MVCC_READ_CONFLICT},
		audittest.Tx{Creator: u, Chaincode: "other", EventName: "other.thing", Event: env("other.thing")},
		audittest.Tx{Creator: u},
		audittest.Tx{Creator: u, EventName: "ballot.opened", Event: []byte("not json")},
	)
	for n, b := range c.Blocks {
		evs, err := EventsInBlock(b, "charter")
		if err != nil {
			t.Fatalf("block %d: %v", n, err)
		}
		if n < len(c.Blocks)-1 {
			if len(evs) != 0 {
				t.Fatalf("block %d (configuration) has events: %+v", n, evs)
			}
			continue
		}
		if len(evs) != 2 {
			t.Fatalf("events %+v: want the valid member.registered and ballot.opened", evs)
		}
		first, second := evs[0], evs[1]
		if first.TxIndex != 0 || first.TxID != ids[0] || first.Name != "member.registered" || first.Envelope.Type != "member.registered" || first.Err != nil || first.BlockNumber != uint64(n) {
			t.Fatalf("first event %+v", first)
		}
		if second.TxIndex != 4 || second.TxID != ids[4] || second.Name != "ballot.opened" || second.Err == nil || string(second.Raw) != "not json" {
			t.Fatalf("second event %+v: a payload that is not an envelope keeps its bytes and an error, as WatchEvents does", second)
		}
	}
}
