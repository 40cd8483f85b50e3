package test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/membership"
	charter "github.com/charter-gov/charter/gateway-client"
)

// TestGenesisFoundedByEveryOrganisation: the constitution in force was
// adopted by the founding act every organisation's admin approved, and
// every peer reports the same founding act — its hash is the one the client
// computes from the document, version 1 names the genesis, the founding
// members hold the roles the genesis gave them and the allocation landed.
func TestGenesisFoundedByEveryOrganisation(t *testing.T) {
	ctx := ctxFor(t)
	var first, adoptedTx string
	for _, org := range orgProfiles {
		c := net.client(t, org+"-user1")
		st, err := c.Genesis(ctx)
		require.NoError(t, err)
		require.NotNil(t, st.Adopted, "%s's peer: the genesis is adopted", org)
		assert.Nil(t, st.Pending)
		p := st.Adopted.Proposal
		hash, err := charter.GenesisHash(p.Genesis)
		require.NoError(t, err)
		assert.Equal(t, hash, p.Hash, "the client hashes the adopted document as the chaincode did")
		assert.Equal(t, []string{"FoundationMSP", "LabAMSP", "LabBMSP"}, p.Genesis.Founders)
		var approvers []string
		for _, a := range st.Approvals {
			assert.Equal(t, p.Hash, a.Hash)
			approvers = append(approvers, a.MSPID)
		}
		assert.Equal(t, []string{"FoundationMSP", "LabAMSP", "LabBMSP"}, approvers, "every founder approved")
		if first == "" {
			first, adoptedTx = p.Hash, st.Adopted.TxID
		}
		assert.Equal(t, first, p.Hash, "%s's peer reports the same genesis", org)

		v1, err := c.ConstitutionVersion(ctx, 1)
		require.NoError(t, err)
		assert.Equal(t, constitution.GenesisDecision, v1.Decision)
		assert.Equal(t, st.Adopted.Version.Hash, v1.Hash)
		assert.Equal(t, st.Adopted.TxID, v1.TxID, "adopted in the approving transaction")
	}

	reader := net.client(t, "labB-user1")
	seat, err := reader.Member(ctx, profileIdentity(t, "foundation-user2"))
	require.NoError(t, err)
	assert.True(t, seat.Has(membership.RoleHouseA), "a House A seat from the genesis")
	assert.Equal(t, first, seat.Genesis)
	hist, err := reader.TokenHistory(ctx, seat.Identity, 1000)
	require.NoError(t, err)
	require.NotEmpty(t, hist)
	oldest := hist[len(hist)-1]
	assert.Equal(t, genesisAllocation, oldest.Delta, "the genesis allocation is the account's first checkpoint")
	assert.Equal(t, "mint", oldest.Kind)
	assert.Equal(t, adoptedTx, oldest.TxID, "issued by the adopting transaction")
}
