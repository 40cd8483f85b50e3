package effects_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/decision"
	. "github.com/charter-gov/charter/chaincode/decision/effects"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/incident"
	"github.com/charter-gov/charter/chaincode/internal/testutil"
)

// storePassed writes a passed decision directly (the engine's own path
// through ballots is tested in chaincode/decision), executable at exec.
func storePassed(t *testing.T, s core.Store, id string, typ constitution.DecisionType, payload any, exec time.Time) {
	t.Helper()
	d := decision.Decision{ID: id, Type: typ, Title: "t", Payload: raw(t, payload), ProposedAt: testutil.T0(), TxID: "tx-proposal-" + id,
		Status: decision.StatusPassed, ETA: &exec, AppealDeadline: &exec, ExecutableAt: &exec}
	key, err := decision.Key(id)
	require.NoError(t, err)
	require.NoError(t, core.PutJSON(s, key, d))
}

func TestRecordFailedExecution(t *testing.T) {
	w := newCapWorld(t)
	deps := decision.Deps{Effects: All()}
	exec := testutil.T0().Add(time.Hour)
	// A seat confirmation for a member without reputation: its execution
	// is refused (House A eligibility at execution).
	storePassed(t, w.s, "d-seat", constitution.SeatConfirmation, decision.SeatPayload{Member: ada}, exec)
	// A slashing that executes fine.
	storePassed(t, w.s, "d-ok", constitution.Slashing, map[string]any{"member": ada, "fractionBps": 100, "reason": "spam"}, exec)
	later := exec.Add(time.Hour)

	refusals := []struct {
		name   string
		caller bool // an active member
		id     string
		at     time.Time
		code   errcode.Code
		want   string
	}{
		{"not a member", false, "d-seat", later, errcode.Forbidden, "not an active member"},
		{"unknown decision", true, "d-none", later, errcode.NotFound, ""},
		{"not yet executable", true, "d-seat", exec.Add(-time.Minute), errcode.FailedPrecondition, "not executable yet"},
		{"execution succeeds", true, "d-ok", later, errcode.FailedPrecondition, "execution succeeds now"},
	}
	for _, r := range refusals {
		t.Run(r.name, func(t *testing.T) {
			caller := ghost
			if r.caller {
				caller = ada
			}
			before := w.s.Snapshot()
			_, err := RecordFailedExecution(testutil.Tx(w.s, caller, false, r.at), deps, r.id)
			assert.Equal(t, r.code, errcode.CodeOf(err), "%v", err)
			assert.ErrorContains(t, err, r.want)
			assert.Equal(t, before, w.s.Snapshot(), "nothing changed (the scratch execution wrote nothing)")
		})
	}

	tx := testutil.Tx(w.s, ada, false, later)
	in, err := RecordFailedExecution(tx, deps, "d-seat")
	require.NoError(t, err)
	assert.Equal(t, incident.FailedExecution, in.Kind)
	require.NotNil(t, tx.Event())
	assert.Equal(t, incident.EventRecorded, tx.Event().Type)
	assert.Equal(t, "d-seat", in.Decision)
	assert.Equal(t, exec, in.OccurredAt)
	assert.Contains(t, in.Summary, "not eligible for a House A seat")
	assert.Equal(t, []string{"tx-proposal-d-seat", tx.TxID}, in.Transactions)
	d, err := decision.Get(w.s, "d-seat")
	require.NoError(t, err)
	assert.Equal(t, decision.StatusPassed, d.Status, "the decision itself is unchanged")

	before := w.s.Snapshot()
	_, err = RecordFailedExecution(testutil.Tx(w.s, ada, false, later.Add(time.Minute)), deps, "d-seat")
	assert.Equal(t, errcode.Conflict, errcode.CodeOf(err), "once per decision: %v", err)
	assert.Equal(t, before, w.s.Snapshot())
}
