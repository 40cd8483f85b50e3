package test

import (
	"testing"

	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/msp"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	charter "github.com/charter-gov/charter/gateway-client"
)

// chainHeight reads the channel's block height through qscc.
func chainHeight(t *testing.T, c *charter.Client) uint64 {
	t.Helper()
	raw, err := c.Network().GetContract("qscc").EvaluateWithContext(ctxFor(t), "GetChainInfo", clientArgs("charter")...)
	require.NoError(t, err, "qscc GetChainInfo")
	var info common.BlockchainInfo
	require.NoError(t, proto.Unmarshal(raw, &info))
	return info.GetHeight()
}

// endorsingMSPs returns the MSP IDs that endorsed a committed transaction,
// and its validation code, read through qscc.
func endorsingMSPs(t *testing.T, c *charter.Client, txID string) ([]string, peer.TxValidationCode) {
	t.Helper()
	raw, err := c.Network().GetContract("qscc").EvaluateWithContext(ctxFor(t), "GetTransactionByID", clientArgs("charter", txID)...)
	require.NoError(t, err, "qscc GetTransactionByID %s", txID)
	var ptx peer.ProcessedTransaction
	require.NoError(t, proto.Unmarshal(raw, &ptx))
	var payload common.Payload
	require.NoError(t, proto.Unmarshal(ptx.GetTransactionEnvelope().GetPayload(), &payload))
	var tx peer.Transaction
	require.NoError(t, proto.Unmarshal(payload.GetData(), &tx))
	require.NotEmpty(t, tx.GetActions())
	var cap peer.ChaincodeActionPayload
	require.NoError(t, proto.Unmarshal(tx.GetActions()[0].GetPayload(), &cap))
	var msps []string
	for _, e := range cap.GetAction().GetEndorsements() {
		var sid msp.SerializedIdentity
		require.NoError(t, proto.Unmarshal(e.GetEndorser(), &sid))
		msps = append(msps, sid.GetMspid())
	}
	return msps, peer.TxValidationCode(ptx.GetValidationCode())
}
