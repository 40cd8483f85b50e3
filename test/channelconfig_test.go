package test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/msp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"
)

// channelConfig reads the channel's current configuration through the
// peer's configuration system chaincode (cscc GetChannelConfig), as any
// member of the channel may.
func channelConfig(t *testing.T) *common.Config {
	t.Helper()
	c := net.client(t, "labA-user1")
	raw, err := c.Network().GetContract("cscc").EvaluateWithContext(ctxFor(t), "GetChannelConfig", clientArgs("charter")...)
	require.NoError(t, err, "cscc GetChannelConfig")
	var cfg common.Config
	require.NoError(t, proto.Unmarshal(raw, &cfg))
	return &cfg
}

// Charter's organisation-admin check (chaincode/identity.IsOrgAdmin) reads
// the NodeOU "admin" role from the caller's certificate. It means what it
// says only when every organisation's MSP in the channel enables NodeOUs
// with an admin OU: then an identity's role is the OU its organisation's CA
// wrote into its certificate, the MSP refuses certificates without exactly
// one role, and the channel's Admins policies use the same classification.
// Without NodeOUs an "admin" OU would be text any issued certificate could
// carry. This checks the channel configuration the peers enforce.
func TestEveryChannelMSPEnablesNodeOUsWithAnAdminOU(t *testing.T) {
	cfg := channelConfig(t)
	groups := map[string]*common.ConfigGroup{}
	for _, section := range []string{"Application", "Orderer"} {
		g := cfg.GetChannelGroup().GetGroups()[section]
		require.NotNil(t, g, "channel config has the %s group", section)
		for name, org := range g.GetGroups() {
			groups[section+"/"+name] = org
		}
	}
	var mspIDs []string
	for name, org := range groups {
		v := org.GetValues()["MSP"]
		require.NotNil(t, v, "%s has an MSP value", name)
		var mc msp.MSPConfig
		require.NoError(t, proto.Unmarshal(v.GetValue(), &mc))
		require.Equal(t, int32(0), mc.GetType(), "%s: a Fabric (X.509) MSP", name)
		var fc msp.FabricMSPConfig
		require.NoError(t, proto.Unmarshal(mc.GetConfig(), &fc))
		mspIDs = append(mspIDs, fc.GetName())
		ous := fc.GetFabricNodeOus()
		require.NotNil(t, ous, "%s (%s) defines NodeOUs", name, fc.GetName())
		assert.True(t, ous.GetEnable(), "%s (%s) enables NodeOUs", name, fc.GetName())
		for role, id := range map[string]*msp.FabricOUIdentifier{
			"admin": ous.GetAdminOuIdentifier(), "client": ous.GetClientOuIdentifier(),
			"peer": ous.GetPeerOuIdentifier(), "orderer": ous.GetOrdererOuIdentifier(),
		} {
			require.NotNil(t, id, "%s (%s) has a %s OU", name, fc.GetName(), role)
			assert.Equal(t, role, id.GetOrganizationalUnitIdentifier(), "%s (%s) %s OU", name, fc.GetName(), role)
		}
	}
	slices.Sort(mspIDs)
	assert.Equal(t, []string{"FoundationMSP", "LabAMSP", "LabBMSP", "OrdererMSP"}, mspIDs, "every organisation of the channel was checked")
}

// contractsOf lists the contracts a chaincode's metadata names.
func contractsOf(t *testing.T, chaincode string) []string {
	t.Helper()
	c := net.client(t, "labB-user1")
	raw, err := c.Network().GetContract(chaincode).EvaluateWithContext(ctxFor(t), "org.hyperledger.fabric:GetMetadata")
	require.NoError(t, err, "%s metadata", chaincode)
	var md struct {
		Contracts map[string]json.RawMessage `json:"contracts"`
	}
	require.NoError(t, json.Unmarshal(raw, &md))
	var names []string
	for n := range md.Contracts {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// The calibration put lets anyone write without limit; on the network it
// is a chaincode of its own, and Charter's chaincode does not list it.
func TestProductionChaincodeListsNoCalibrationContract(t *testing.T) {
	prod := contractsOf(t, "charter")
	assert.NotContains(t, prod, "bench")
	assert.Contains(t, prod, "constitution")
	assert.Equal(t, []string{"bench", "org.hyperledger.fabric"}, contractsOf(t, "bench"))
}
