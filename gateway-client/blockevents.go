package charter

import (
	"fmt"

	"github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/protobuf/proto"
)

// BlockEvent is a chaincode event with the position of its transaction
// in its block: (BlockNumber, TxIndex) orders every event of a channel
// and names a point to resume after (a transaction emits at most one
// Charter event).
type BlockEvent struct {
	Event
	TxIndex int
}

// EventsInBlock returns the events that chaincode emitted in the valid
// transactions of b, in block order: what WatchEvents delivers for that
// block (fabric-gateway's chaincode events are those of valid
// transactions), decoded as WatchEvents decodes them. Envelopes that are
// not endorser transactions (configuration) carry none; one that does
// not decode is an error naming its block and position.
func EventsInBlock(b *common.Block, chaincode string) ([]BlockEvent, error) {
	num := b.GetHeader().GetNumber()
	md := b.GetMetadata().GetMetadata()
	var codes []byte
	if int(common.BlockMetadataIndex_TRANSACTIONS_FILTER) < len(md) {
		codes = md[common.BlockMetadataIndex_TRANSACTIONS_FILTER]
	}
	var out []BlockEvent
	for i, raw := range b.GetData().GetData() {
		if i >= len(codes) || peer.TxValidationCode(codes[i]) != peer.TxValidationCode_VALID {
			continue
		}
		ev, err := chaincodeEventOf(raw)
		if err != nil {
			return nil, fmt.Errorf("block %d transaction %d: %w", num, i, err)
		}
		if ev == nil || ev.GetChaincodeId() != chaincode {
			continue
		}
		e := decodeEvent(&client.ChaincodeEvent{BlockNumber: num, TransactionID: ev.GetTxId(), ChaincodeName: ev.GetChaincodeId(), EventName: ev.GetEventName(), Payload: ev.GetPayload()})
		out = append(out, BlockEvent{Event: e, TxIndex: i})
	}
	return out, nil
}

// chaincodeEventOf is the chaincode event of an endorser transaction's
// envelope (nil when it has none or is not an endorser transaction).
func chaincodeEventOf(raw []byte) (*peer.ChaincodeEvent, error) {
	var env common.Envelope
	if err := proto.Unmarshal(raw, &env); err != nil {
		return nil, fmt.Errorf("envelope: %w", err)
	}
	var pl common.Payload
	if err := proto.Unmarshal(env.GetPayload(), &pl); err != nil {
		return nil, fmt.Errorf("payload: %w", err)
	}
	var ch common.ChannelHeader
	if err := proto.Unmarshal(pl.GetHeader().GetChannelHeader(), &ch); err != nil {
		return nil, fmt.Errorf("channel header: %w", err)
	}
	if common.HeaderType(ch.GetType()) != common.HeaderType_ENDORSER_TRANSACTION {
		return nil, nil
	}
	var tx peer.Transaction
	if err := proto.Unmarshal(pl.GetData(), &tx); err != nil {
		return nil, fmt.Errorf("transaction: %w", err)
	}
	for _, act := range tx.GetActions() {
		var cap peer.ChaincodeActionPayload
		if err := proto.Unmarshal(act.GetPayload(), &cap); err != nil {
			return nil, fmt.Errorf("action payload: %w", err)
		}
		var prp peer.ProposalResponsePayload
		if err := proto.Unmarshal(cap.GetAction().GetProposalResponsePayload(), &prp); err != nil {
			return nil, fmt.Errorf("proposal response: %w", err)
		}
		var cca peer.ChaincodeAction
		if err := proto.Unmarshal(prp.GetExtension(), &cca); err != nil {
			return nil, fmt.Errorf("chaincode action: %w", err)
		}
		if len(cca.GetEvents()) == 0 {
			continue
		}
		var ev peer.ChaincodeEvent
		if err := proto.Unmarshal(cca.GetEvents(), &ev); err != nil {
			return nil, fmt.Errorf("chaincode event: %w", err)
		}
		if ev.GetEventName() == "" && len(ev.GetPayload()) == 0 {
			continue
		}
		return &ev, nil
	}
	return nil, nil
}
