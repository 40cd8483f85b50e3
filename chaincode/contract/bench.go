package contract

import (
	"fmt"

	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"

	"github.com/charter-gov/charter/chaincode/benchcc"
	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/core"
)

// BenchContract is the network-throughput calibration transaction
// ("bench:Put") of the separate calibration chaincode that benchmark and
// test networks deploy next to Charter's (NewBenchChaincode; never part of
// NewChaincode). It runs through the same guard, transaction context and
// event path as every governance transaction, so that its throughput is
// the network's own limit for a transaction of that shape.
type BenchContract struct {
	contractapi.Contract
}

func newBenchContract(g guard) *BenchContract {
	return &BenchContract{Contract: g.base("bench")}
}

// Put writes value under "bench" ~ key and emits a bench.put event (see
// benchcc.Do for the limits). Caller: anyone on the channel. The
// calibration chaincode has its own namespace, where no constitution is
// ever adopted, so it runs without the genesis check.
func (c *BenchContract) Put(ctx contractapi.TransactionContextInterface, key, value string) (string, error) {
	return execute(ctx, false, func(tx *core.Tx) (*benchcc.Put, error) { return benchcc.Do(tx, key, value) })
}

// SetSkew gives the calibration namespace the time rule seconds (see
// benchcc.SetSkew), so that a put's guard reads one key, as a governance
// transaction's does. Caller: anyone on the channel.
func (c *BenchContract) SetSkew(ctx contractapi.TransactionContextInterface, seconds string) (string, error) {
	return execute(ctx, false, func(tx *core.Tx) (*constitution.TimeRule, error) { return benchcc.SetSkew(tx, seconds) })
}

// NewBenchChaincode assembles the calibration chaincode: the bench
// contract alone. Deploy it under its own name (network/up.sh --bench
// deploys it as "bench"), never into the production chaincode: it lets any
// identity on the channel write without limit.
func NewBenchChaincode(cfg Config) (*contractapi.ContractChaincode, error) {
	if cfg.MaxClockSkew == 0 {
		cfg.MaxClockSkew = DefaultMaxClockSkew
	}
	if cfg.MaxClockSkew < 0 {
		return nil, fmt.Errorf("max clock skew %s is negative", cfg.MaxClockSkew)
	}
	cc, err := contractapi.NewChaincode(newBenchContract(guard{cfg: cfg}))
	if err != nil {
		return nil, fmt.Errorf("assemble bench chaincode: %w", err)
	}
	cc.TransactionSerializer = new(stringSerializer)
	cc.Info.Title = "Charter calibration (bench)"
	cc.Info.Version = "0.1.0"
	cc.DefaultContract = "bench"
	return cc, nil
}
