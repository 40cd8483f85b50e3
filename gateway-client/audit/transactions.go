package audit

import (
	"fmt"

	"github.com/hyperledger/fabric-protos-go-apiv2/common"
)

// BlockTransaction is one transaction of a block as Transactions decodes
// it.
type BlockTransaction struct {
	// Record is the transaction's record, as transactions.jsonl holds it:
	// its position, ID, header type, time, creator, invocation, validation
	// code, writes and chaincode event.
	Record TxRecord
	// DecodeError says why the envelope did not decode completely (Fabric
	// stores malformed transactions too, marked invalid); Record then
	// holds what did decode, its position and validation code at least.
	DecodeError error
}

// Transactions decodes every transaction of b in block order, the way
// the export decodes them: configuration and invalid transactions
// included, each with the validation code the block's metadata records.
// Only a block whose structure is unreadable is an error.
func Transactions(b *common.Block) ([]BlockTransaction, error) {
	db, err := decodeBlock(b)
	if err != nil {
		return nil, fmt.Errorf("decode block: %w", err)
	}
	out := make([]BlockTransaction, len(db.txs))
	for i, t := range db.txs {
		out[i] = BlockTransaction{Record: t.rec, DecodeError: t.decodeErr}
	}
	return out, nil
}
