package contract

import (
	"strconv"

	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"

	"github.com/charter-gov/charter/chaincode/ballot"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/ledger"
)

// MetricsContract holds the queries the governance metrics read that no
// other contract answers ("metrics:…"). It writes nothing.
type MetricsContract struct {
	contractapi.Contract
}

func newMetricsContract(g guard) *MetricsContract {
	return &MetricsContract{Contract: g.base("metrics")}
}

// GetEvaluateTransactions lists the queries (all of them).
func (c *MetricsContract) GetEvaluateTransactions() []string {
	return []string{"Weights"}
}

// Weights returns one page of a ballot's votes, whole vote shards from
// fromShard, with the weight the tally gives each (after delegation; see
// ballot.CastWeights). Caller: anyone.
func (c *MetricsContract) Weights(ctx contractapi.TransactionContextInterface, id, fromShard, limit string) (string, error) {
	from, err := strconv.Atoi(fromShard)
	if err != nil {
		return "", wire(errcode.Invalidf("ballot weights: fromShard %s is not a whole number", errcode.Quote(fromShard)))
	}
	n, err := strconv.Atoi(limit)
	if err != nil {
		return "", wire(errcode.Invalidf("ballot weights: limit %s is not a whole number", errcode.Quote(limit)))
	}
	p, err := ballot.CastWeights(ledger.StubStore{Stub: ctx.GetStub()}, ballotDeps(), id, from, n)
	if err != nil {
		return "", wire(err)
	}
	return encode(p)
}
