package contract

import (
	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"

	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/errcode"
)

// BenchContract is the network-throughput calibration transaction
// ("bench:Put"): a trivial key-value put through the same chaincode,
// gateway and endorsement policy as every governance transaction, so that
// benchmarks can report governance throughput as a ratio of the network's
// own limit measured in the same run. It writes only under its own
// namespace ("bench" ~ key), decides nothing, and is open to any identity
// on the channel.
type BenchContract struct {
	contractapi.Contract
}

func newBenchContract(g guard) *BenchContract {
	return &BenchContract{Contract: g.base("bench")}
}

// BenchPut is the result and event payload of Put.
type BenchPut struct {
	Key   string `json:"key"`
	Bytes int    `json:"bytes"`
}

// Put writes value under "bench" ~ key and emits a bench.put event (like
// every governance transaction emits one). key is 1..128 bytes, value at
// most 4096. Caller: anyone.
func (c *BenchContract) Put(ctx contractapi.TransactionContextInterface, key, value string) (string, error) {
	return run(ctx, func(tx *core.Tx) (*BenchPut, error) {
		if len(key) == 0 || len(key) > 128 {
			return nil, errcode.Invalidf("bench put: key must be 1..128 bytes")
		}
		if len(value) > 4096 {
			return nil, errcode.Invalidf("bench put: value is longer than 4096 bytes")
		}
		k, err := core.Key("bench", key)
		if err != nil {
			return nil, err
		}
		if err := tx.Store.Put(k, []byte(value)); err != nil {
			return nil, err
		}
		out := &BenchPut{Key: key, Bytes: len(value)}
		return out, tx.Emit("bench.put", out)
	})
}
