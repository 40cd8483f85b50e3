package emergency_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/emergency"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/incident"
	"github.com/charter-gov/charter/chaincode/internal/testutil"
	"github.com/charter-gov/charter/chaincode/membership"
)

// A pause of an artifact that comes into force records an emergency action
// in the incident register; its disclosure deadline passing without one
// records a missed disclosure there too.
func TestPauseAndMissedDisclosureAreIncidents(t *testing.T) {
	s := core.NewMemStore()
	admin := testutil.ID("LabAMSP", "admin")
	_, err := constitution.InstallGenesis(testutil.Tx(s, admin, true, testutil.T0()), constitution.Default())
	require.NoError(t, err)
	gA, gB := testutil.ID("LabAMSP", "ga"), testutil.ID("LabBMSP", "gb")
	for _, g := range []identity.Identity{gA, gB} {
		_, err := membership.RegisterFounding(testutil.Tx(s, admin, true, testutil.T0()), membership.FoundingMember{Member: g, Name: "G", Roles: []membership.Role{membership.RoleGuardian}}, "test-genesis")
		require.NoError(t, err)
	}
	target := emergency.Target{Kind: emergency.KindArtifact, ID: "model-x@1"}
	now := testutil.T0().Add(time.Hour)
	req := emergency.PauseRequest{Target: target, Reason: "weights leaked with a jailbreak"}
	r, err := emergency.PauseTarget(testutil.Tx(s, gA, false, now), req, nil)
	require.NoError(t, err)
	require.False(t, r.InForce)
	now = now.Add(time.Minute)
	r, err = emergency.PauseTarget(testutil.Tx(s, gB, false, now), req, nil)
	require.NoError(t, err)
	require.True(t, r.InForce)

	p, err := incident.List(s, incident.ListRequest{})
	require.NoError(t, err)
	require.Len(t, p.Incidents, 1)
	assert.Equal(t, incident.EmergencyAction, p.Incidents[0].Kind)
	assert.Equal(t, "artifact:model-x@1#1", p.Incidents[0].Subject, "the pause, by target and sequence")

	// Past the disclosure deadline by more than the skew, anyone records
	// the missed disclosure.
	late := r.Pause.DisclosureDue.Add(time.Hour)
	_, err = emergency.RecordMissedDisclosure(testutil.Tx(s, gA, false, late), target, r.Pause.Seq)
	require.NoError(t, err)
	p, err = incident.List(s, incident.ListRequest{Kind: incident.MissedDisclosure})
	require.NoError(t, err)
	require.Len(t, p.Incidents, 1)
	assert.Equal(t, r.Pause.DisclosureDue, p.Incidents[0].OccurredAt, "it happened at the deadline")
	assert.Equal(t, []string{r.Pause.TxID, "tx-" + late.Format("150405.000000000")}, p.Incidents[0].Transactions)
}
