package ballot

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/membership"
)

type pauseWorld struct {
	*world
	ada                 identity.Identity // proposer, LabA
	gA1, gA2, gB, gF    identity.Identity // guardians: two of LabA, one of LabB, one of the Foundation
	plain               identity.Identity
	defaultDoc          func(*constitution.Document)
	pauseSec, ratifySec int64
}

func newPauseWorld(t *testing.T, editDoc func(*constitution.Document)) *pauseWorld {
	w := newWorldWith(t, core.NewMemStore(), constitution.FamilySeat, constitution.HouseB, func(r *constitution.DecisionRule) { r.QuorumBps = 0 }, editDoc)
	pw := &pauseWorld{world: w}
	pw.ada = w.memberOf("LabAMSP", "ada")
	pw.gA1 = w.memberOf("LabAMSP", "ga1", membership.RoleGuardian)
	pw.gA2 = w.memberOf("LabAMSP", "ga2", membership.RoleGuardian)
	pw.gB = w.memberOf("LabBMSP", "gb", membership.RoleGuardian)
	pw.gF = w.memberOf("FoundationMSP", "gf", membership.RoleGuardian)
	pw.plain = w.memberOf("LabBMSP", "plain")
	return pw
}

func (w *pauseWorld) pause(g identity.Identity, b *Ballot) (*PauseResult, error) {
	return PauseBallot(w.as(g), PauseRequest{Ballot: b.ID, Reason: "credible report of vote buying"})
}

func TestPauseNeedsKGuardiansOfTwoOrganisations(t *testing.T) {
	w := newPauseWorld(t, nil)
	b := w.create(w.ada, CreateRequest{})
	w.open(b)
	w.vote(b, w.ada, ChoiceFor)
	w.now = w.now.Add(10 * time.Minute)

	r, err := w.pause(w.gA1, b)
	require.NoError(t, err)
	assert.False(t, r.InForce, "one guardian alone pauses nothing")
	assert.Equal(t, int64(1), r.Supporters)
	r, err = w.pause(w.gA2, b)
	require.NoError(t, err)
	assert.False(t, r.InForce, "two guardians of one organisation pause nothing")
	assert.Equal(t, int64(2), r.Supporters)
	assert.Equal(t, int64(1), r.Organisations)
	_, err = Cast(w.as(w.plain), w.deps, CastRequest{Ballot: b.ID, Choice: ChoiceAgainst})
	require.NoError(t, err, "voting goes on while support gathers")

	from := w.now.Add(time.Minute)
	w.now = from
	r, err = w.pause(w.gB, b)
	require.NoError(t, err)
	require.True(t, r.InForce)
	got, err := Get(w.s, b.ID)
	require.NoError(t, err)
	require.NotNil(t, got.Pause)
	assert.Equal(t, []identity.Identity{w.gA1, w.gA2, w.gB}, got.Pause.Guardians)
	// Default: min(7 days, ratify within 2 days) = 2 days.
	assert.Equal(t, from.Add(48*time.Hour), got.Pause.Until)
	// Voting had 3600 − 660 s left when the pause began; it gets exactly
	// that time back after the pause.
	left := b.EndsAt.Sub(from)
	assert.Equal(t, 2940*time.Second, left)
	// The pause holds until its expiry has passed by the clock skew.
	assert.Equal(t, got.Pause.Until.Add(testSkew*time.Second), got.Pause.EndsAt())
	assert.Equal(t, got.Pause.EndsAt().Add(left), got.EndsAt)
	assert.Equal(t, b.EndsAt, got.Pause.EndsAtBefore)
	assert.Equal(t, b.OpensAt, got.OpensAt, "weights stay those of the original opening")

	// While in force: no vote, no close, no tally.
	w.now = b.EndsAt.Add(time.Hour)
	_, err = Cast(w.as(w.gF), w.deps, CastRequest{Ballot: b.ID, Choice: ChoiceFor})
	require.ErrorIs(t, err, errcode.ErrFailedPrecondition)
	assert.Contains(t, err.Error(), "paused by 3 guardians")
	_, err = Close(w.as(w.ada), b.ID)
	require.ErrorIs(t, err, errcode.ErrFailedPrecondition)

	// It expires by itself, the skew after Until exactly; voting resumes
	// for the time that was left.
	w.now = got.Pause.EndsAt().Add(-time.Nanosecond)
	_, err = Cast(w.as(w.gF), w.deps, CastRequest{Ballot: b.ID, Choice: ChoiceFor})
	require.ErrorIs(t, err, errcode.ErrFailedPrecondition, "one nanosecond before Until + skew the pause still holds")
	w.now = got.Pause.EndsAt()
	w.vote(b, w.gF, ChoiceFor)
	_, err = Close(w.as(w.ada), b.ID)
	require.ErrorIs(t, err, errcode.ErrFailedPrecondition, "the extended period is not over")
	w.now = got.CloseableFrom(testSkew * time.Second)
	_, err = Close(w.as(w.ada), b.ID)
	require.NoError(t, err)

	// Paused once: a second pause is refused.
	_, err = w.pause(w.gF, b)
	require.ErrorIs(t, err, errcode.ErrFailedPrecondition)
	assert.Contains(t, err.Error(), "at most once")
}

func TestPauseOfAClosedBallotBlocksTheTally(t *testing.T) {
	w := newPauseWorld(t, func(d *constitution.Document) {
		d.Safeguards = constitution.Safeguards{OrgCapBps: 10000}
		d.Emergency.GuardiansToAct, d.Emergency.GuardianOrgsToAct = 3, 3
	})
	b := w.create(w.ada, CreateRequest{})
	w.open(b)
	w.vote(b, w.ada, ChoiceFor)
	w.now = b.CloseableFrom(testSkew * time.Second)
	_, err := Close(w.as(w.ada), b.ID)
	require.NoError(t, err)
	for _, g := range []identity.Identity{w.gA1, w.gB} {
		r, err := w.pause(g, b)
		require.NoError(t, err)
		assert.False(t, r.InForce, "three guardians of three organisations needed")
	}
	r, err := w.pause(w.gF, b)
	require.NoError(t, err)
	require.True(t, r.InForce)
	got, _ := Get(w.s, b.ID)
	assert.Equal(t, b.EndsAt, got.EndsAt, "a pause after voting extends nothing")
	_, err = Tally(w.as(w.ada), w.deps, b.ID, 0)
	require.ErrorIs(t, err, errcode.ErrFailedPrecondition)
	w.now = got.Pause.EndsAt()
	_, err = Tally(w.as(w.ada), w.deps, b.ID, 0)
	require.NoError(t, err)
}

func TestPauseEndsAtTheSunset(t *testing.T) {
	sunset := time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
	w := newPauseWorld(t, func(d *constitution.Document) {
		d.Safeguards = constitution.Safeguards{OrgCapBps: 10000}
		d.Powers = []constitution.Sunset{{Power: constitution.PowerEmergencyPause, ExpiresAtUnix: sunset.Unix()}}
	})
	b := w.create(w.ada, CreateRequest{})
	_, err := w.pause(w.gA1, b)
	require.NoError(t, err)
	r, err := w.pause(w.gB, b)
	require.NoError(t, err)
	require.True(t, r.InForce)
	got, _ := Get(w.s, b.ID)
	assert.Equal(t, sunset, got.Pause.Until, "the pause ends when the power does")
	assert.Equal(t, sunset.Add((testSkew+testPeriod)*time.Second), got.EndsAt, "paused before opening: the whole period follows the pause")
	assert.Equal(t, b.OpensAt, got.OpensAt)

	c := w.create(w.ada, CreateRequest{})
	w.now = sunset
	_, err = w.pause(w.gA1, c)
	require.ErrorIs(t, err, errcode.ErrFailedPrecondition)
	assert.Contains(t, err.Error(), "power emergency.pause expired")
}

func TestPauseSupportLapses(t *testing.T) {
	w := newPauseWorld(t, nil)
	b := w.create(w.ada, CreateRequest{})
	_, err := w.pause(w.gA1, b)
	require.NoError(t, err)
	w.now = w.now.Add(48 * time.Hour) // ratifyWithinSeconds later: gA1's support lapsed
	r, err := w.pause(w.gB, b)
	require.NoError(t, err)
	assert.False(t, r.InForce)
	assert.Equal(t, int64(1), r.Supporters)
	r, err = w.pause(w.gA1, b) // renewed
	require.NoError(t, err)
	assert.True(t, r.InForce)

	// A guardian who lost the role no longer counts.
	c := w.create(w.ada, CreateRequest{})
	_, err = w.pause(w.gA1, c)
	require.NoError(t, err)
	_, err = membership.RevokeRoleByDecision(w.as(w.admin), w.gA1, membership.RoleGuardian, "d-removal")
	require.NoError(t, err)
	r, err = w.pause(w.gB, c)
	require.NoError(t, err)
	assert.False(t, r.InForce)
}

func TestPauseRefusalsChangeNothing(t *testing.T) {
	w := newPauseWorld(t, nil)
	b := w.create(w.ada, CreateRequest{})
	_, err := w.pause(w.gA1, b)
	require.NoError(t, err)
	done := w.create(w.ada, CreateRequest{})
	w.open(done)
	w.vote(done, w.ada, ChoiceFor)
	done = w.closeAndTally(done, 0)
	require.Equal(t, StatusSucceeded, done.Status)
	tests := []struct {
		name   string
		caller identity.Identity
		req    PauseRequest
		want   error
		msg    string
	}{
		{"a plain member", w.plain, PauseRequest{Ballot: b.ID, Reason: "r"}, errcode.ErrForbidden, "guardian"},
		{"a proposer", w.ada, PauseRequest{Ballot: b.ID, Reason: "r"}, errcode.ErrForbidden, "guardian"},
		{"no reason", w.gB, PauseRequest{Ballot: b.ID}, errcode.ErrInvalidArgument, "reason"},
		{"unknown ballot", w.gB, PauseRequest{Ballot: "bnope", Reason: "r"}, errcode.ErrNotFound, "bnope"},
		{"support twice", w.gA1, PauseRequest{Ballot: b.ID, Reason: "r"}, errcode.ErrConflict, "already supports"},
		{"a passed ballot", w.gB, PauseRequest{Ballot: done.ID, Reason: "r"}, errcode.ErrFailedPrecondition, "never cancel"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ms := w.s.(*core.MemStore)
			before, writes := ms.Snapshot(), ms.Writes
			tx := w.as(tt.caller)
			_, err := PauseBallot(tx, tt.req)
			require.ErrorIs(t, err, tt.want)
			assert.Contains(t, err.Error(), tt.msg)
			assert.Equal(t, before, ms.Snapshot())
			assert.Equal(t, writes, ms.Writes)
			assert.Nil(t, tx.Event())
		})
	}
	sup, err := PauseSupports(w.s, b.ID)
	require.NoError(t, err)
	require.Len(t, sup, 1, "each guardian's support is its own key")
	assert.Equal(t, w.gA1, sup[0].Guardian)
}

// TestHouseAMemberNeitherCancelsNorPauses: a House A member who proposed
// a House A decision's ballot can neither withdraw nor pause it.
func TestHouseAMemberNeitherCancelsNorPauses(t *testing.T) {
	w := newWorldWith(t, core.NewMemStore(), constitution.FamilySeat, constitution.HouseA, nil, nil)
	seat := w.memberOf("LabAMSP", "seat", membership.RoleHouseA)
	other := w.memberOf("LabBMSP", "seat2", membership.RoleHouseA)
	b := w.create(seat, CreateRequest{})
	w.open(b)
	w.vote(b, other, ChoiceAgainst)
	ms := w.s.(*core.MemStore)
	before, writes := ms.Snapshot(), ms.Writes
	_, err := Cancel(w.as(seat), CancelRequest{Ballot: b.ID, Reason: "losing"})
	require.ErrorIs(t, err, errcode.ErrForbidden)
	_, err = PauseBallot(w.as(seat), PauseRequest{Ballot: b.ID, Reason: "losing"})
	require.ErrorIs(t, err, errcode.ErrForbidden)
	assert.Contains(t, err.Error(), "guardian")
	assert.Equal(t, before, ms.Snapshot())
	assert.Equal(t, writes, ms.Writes)
}
