package ballot

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/incident"
)

// A pause that comes into force is an emergency action: the transaction
// that completes it records it in the incident register; supports that put
// nothing in force record nothing.
func TestPauseInForceRecordsAnEmergencyAction(t *testing.T) {
	w := newPauseWorld(t, nil)
	b := w.create(w.ada, CreateRequest{})
	w.open(b)
	w.now = w.now.Add(time.Minute)
	_, err := w.pause(w.gA1, b)
	require.NoError(t, err)
	_, err = w.pause(w.gA2, b)
	require.NoError(t, err)
	p, err := incident.List(w.s, incident.ListRequest{})
	require.NoError(t, err)
	assert.Empty(t, p.Incidents, "support alone is no emergency action")

	tx := w.as(w.gB)
	r, err := PauseBallot(tx, PauseRequest{Ballot: b.ID, Reason: "credible report of vote buying"})
	require.NoError(t, err)
	require.True(t, r.InForce)
	p, err = incident.List(w.s, incident.ListRequest{})
	require.NoError(t, err)
	require.Len(t, p.Incidents, 1)
	in := p.Incidents[0]
	assert.Equal(t, incident.EmergencyAction, in.Kind)
	assert.Equal(t, "ballot:"+b.ID+"#1", in.Subject, "the pause, by target and sequence")
	assert.Equal(t, []string{tx.TxID}, in.Transactions)
	assert.Equal(t, incident.SourceAutomatic, in.Source)
	assert.Equal(t, EventPaused, tx.Event().Type, "the transaction's one event is still the pause")
}
