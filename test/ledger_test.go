package test

import (
	"time"

	"testing"

	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/msp"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	charter "github.com/charter-gov/charter/gateway-client"
)

// chainHeight reads the channel's block height through qscc.
func chainHeight(t testing.TB, c *charter.Client) uint64 {
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

// settledHeight waits until every organisation's peer reports the same
// block height twice in a row and returns it. A transaction's commit is
// confirmed by the client's own gateway peer; the others may still be
// committing that block, so a "nothing was added" check must start from a
// height every peer has reached.
func settledHeight(t testing.TB) uint64 {
	t.Helper()
	var last uint64
	same := 0
	require.Eventually(t, func() bool {
		var hs []uint64
		for _, org := range orgProfiles {
			hs = append(hs, chainHeight(t, net.client(t, org+"-user1")))
		}
		if hs[0] != hs[1] || hs[1] != hs[2] {
			same = 0
			return false
		}
		if hs[0] == last {
			same++
		} else {
			last, same = hs[0], 0
		}
		return same >= 1
	}, 30*time.Second, 150*time.Millisecond, "every peer at one block height")
	return last
}
