package emergency

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/incident"
	"github.com/charter-gov/charter/chaincode/internal/testutil"
	"github.com/charter-gov/charter/chaincode/membership"
)

const testSkew = 30 * time.Second

type world struct {
	t                testing.TB
	s                *core.MemStore
	now              time.Time
	n                int
	admin            identity.Identity
	gA1, gA2, gB, gF identity.Identity
	plain            identity.Identity
}

func newWorld(t testing.TB, edit func(*constitution.Document)) *world {
	w := &world{t: t, s: core.NewMemStore(), now: testutil.T0(), admin: testutil.ID("LabAMSP", "admin")}
	doc := constitution.Default()
	doc.Time.MaxClockSkewSec = int64(testSkew / time.Second)
	if edit != nil {
		edit(&doc)
	}
	_, err := constitution.InstallGenesis(w.tx(w.admin), doc)
	require.NoError(t, err)
	w.gA1 = w.member("LabAMSP", "ga1", membership.RoleGuardian)
	w.gA2 = w.member("LabAMSP", "ga2", membership.RoleGuardian)
	w.gB = w.member("LabBMSP", "gb", membership.RoleGuardian)
	w.gF = w.member("FoundationMSP", "gf", membership.RoleGuardian)
	w.plain = w.member("LabBMSP", "plain")
	return w
}

func (w *world) tx(caller identity.Identity) *core.Tx {
	w.n++
	tx := testutil.Tx(w.s, caller, caller == w.admin, w.now)
	tx.TxID = fmt.Sprintf("tx-%06d", w.n)
	return tx
}

func (w *world) member(msp, name string, roles ...membership.Role) identity.Identity {
	id := testutil.ID(msp, name)
	_, err := membership.RegisterFounding(w.tx(w.admin), membership.FoundingMember{Member: id, Name: name, Roles: roles}, "test-genesis")
	require.NoError(w.t, err)
	return id
}

var art = Target{Kind: KindArtifact, ID: "llama-x@1.0"}

func exists(core.Store, Target, time.Time) error { return nil }

func (w *world) pause(g identity.Identity, t Target) (*SupportResult, error) {
	return PauseTarget(w.tx(g), PauseRequest{Target: t, Reason: "weights leak a private dataset"}, exists)
}

func (w *world) mustPause(t Target, gs ...identity.Identity) *Pause {
	w.t.Helper()
	var r *SupportResult
	var err error
	for _, g := range gs {
		r, err = w.pause(g, t)
		require.NoError(w.t, err)
	}
	require.True(w.t, r.InForce)
	return r.Pause
}

func TestPauseNeedsKGuardiansOfTwoOrganisations(t *testing.T) {
	w := newWorld(t, nil)
	r, err := w.pause(w.gA1, art)
	require.NoError(t, err)
	assert.False(t, r.InForce, "one guardian alone pauses nothing")
	r, err = w.pause(w.gA2, art)
	require.NoError(t, err)
	assert.False(t, r.InForce, "two guardians of one organisation pause nothing")
	assert.Equal(t, int64(2), r.Supporters)
	assert.Equal(t, int64(1), r.Organisations)
	p, err := InForce(w.s, art, w.now)
	require.NoError(t, err)
	assert.Nil(t, p)

	w.now = w.now.Add(time.Minute)
	r, err = w.pause(w.gB, art)
	require.NoError(t, err)
	require.True(t, r.InForce, "effective when the k-th support commits")
	assert.Equal(t, []identity.Identity{w.gA1, w.gA2, w.gB}, r.Pause.Guardians)
	// Default: min(7 days, ratify within 2 days); disclosure due in 3 days.
	assert.Equal(t, w.now.Add(48*time.Hour), r.Pause.Until)
	assert.Equal(t, w.now.Add(72*time.Hour), r.Pause.DisclosureDue)
	assert.Equal(t, w.now.Add(7*24*time.Hour), r.Pause.MaxUntil)
	p, err = InForce(w.s, art, w.now)
	require.NoError(t, err)
	require.NotNil(t, p)
	assert.Equal(t, int64(1), p.Seq)
	require.ErrorIs(t, RefuseIfPaused(w.s, art, w.now, "spend"), errcode.ErrFailedPrecondition)
	other := Target{Kind: KindTreasurySpend, ID: "spend-1"}
	require.NoError(t, RefuseIfPaused(w.s, other, w.now, "spend"), "a pause holds only its own target")
}

// TestPauseExpiryBoundary: the expiry is a deadline honoured with the
// skew as margin: in force at Until + S − 1 ns, over at Until + S.
func TestPauseExpiryBoundary(t *testing.T) {
	w := newWorld(t, nil)
	p := w.mustPause(art, w.gA1, w.gB)
	for _, c := range []struct {
		at   time.Time
		want bool
	}{
		{p.From.Add(-time.Nanosecond), false},
		{p.From, true},
		{p.Until, true},
		{p.Until.Add(testSkew - time.Nanosecond), true},
		{p.Until.Add(testSkew), false},
	} {
		got, err := InForce(w.s, art, c.at)
		require.NoError(t, err)
		assert.Equal(t, c.want, got != nil, "at %s", c.at)
	}
	assert.Equal(t, p.Until.Add(testSkew), p.EndsAt())
}

// TestSupportLapseBoundary: a support counts while t + 2S < at + window,
// so a support stamped S in the future lapses no later in real time than
// an honest one.
func TestSupportLapseBoundary(t *testing.T) {
	window := 48 * time.Hour
	at := testutil.T0()
	assert.True(t, SupportCurrent(at, at.Add(window-2*testSkew-time.Nanosecond), window, testSkew))
	assert.False(t, SupportCurrent(at, at.Add(window-2*testSkew), window, testSkew))

	for _, c := range []struct {
		name  string
		after time.Duration
		want  bool
	}{
		{"just inside", window - 2*testSkew - time.Second, true},
		{"at the lapse", window - 2*testSkew, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t, nil)
			start := w.now
			// gA1 stamps its support S in the future.
			w.now = start.Add(testSkew)
			_, err := w.pause(w.gA1, art)
			require.NoError(t, err)
			// Real time advances; gB stamps honestly.
			w.now = start.Add(testSkew).Add(c.after)
			r, err := w.pause(w.gB, art)
			require.NoError(t, err)
			assert.Equal(t, c.want, r.InForce)
		})
	}
}

func TestRatificationExtendsWithinTheMaximum(t *testing.T) {
	w := newWorld(t, nil)
	p := w.mustPause(art, w.gA1, w.gB)
	w.now = w.now.Add(time.Hour)
	payload, _ := json.Marshal(RatificationPayload{Target: art, Seq: 1, ExtendSeconds: 30 * 24 * 3600})
	cur, err := constitution.Current(w.s)
	require.NoError(t, err)
	require.ErrorIs(t, CheckRatification(w.s, &cur.Document, payload), errcode.ErrInvalidArgument, "beyond maxPauseSeconds")
	payload, _ = json.Marshal(RatificationPayload{Target: art, Seq: 1, ExtendSeconds: 5 * 24 * 3600})
	require.NoError(t, CheckRatification(w.s, &cur.Document, payload))
	_, err = Ratify(w.tx(w.admin), payload, "d-ratify")
	require.NoError(t, err)
	got, err := Get(w.s, art, 1)
	require.NoError(t, err)
	assert.Equal(t, p.From.Add(5*24*time.Hour), got.Until)
	require.Len(t, got.Ratifications, 1)
	assert.Equal(t, "d-ratify", got.Ratifications[0].Decision)
	assert.Equal(t, p.Until, got.Ratifications[0].UntilBefore)
	inf, _ := InForce(w.s, art, p.Until.Add(time.Hour))
	assert.NotNil(t, inf, "ratified: in force after the unratified expiry")

	// A lapsed pause is not revived.
	w.now = got.EndsAt()
	_, err = Ratify(w.tx(w.admin), payload, "d-late")
	require.ErrorIs(t, err, errcode.ErrFailedPrecondition)
}

func TestNoReimpositionBySameGuardiansWithoutDecision(t *testing.T) {
	w := newWorld(t, nil)
	p := w.mustPause(art, w.gA1, w.gB)
	w.now = p.EndsAt()
	before, writes := w.s.Snapshot(), w.s.Writes
	_, err := w.pause(w.gA1, art)
	require.ErrorIs(t, err, errcode.ErrFailedPrecondition)
	assert.Contains(t, err.Error(), "re-impose")
	assert.Equal(t, before, w.s.Snapshot())
	assert.Equal(t, writes, w.s.Writes)

	// Other guardians may pause again.
	r, err := w.pause(w.gA2, art)
	require.NoError(t, err)
	assert.False(t, r.InForce)
	r, err = w.pause(w.gF, art)
	require.NoError(t, err)
	require.True(t, r.InForce)
	assert.Equal(t, int64(2), r.Pause.Seq)
	w.now = r.Pause.EndsAt()

	// A decision allowing re-imposition lets the first guardians act again.
	payload, _ := json.Marshal(RatificationPayload{Target: art, Reimpose: true})
	_, err = Ratify(w.tx(w.admin), payload, "d-reimpose")
	require.NoError(t, err)
	w.now = w.now.Add(time.Second)
	_, err = w.pause(w.gA1, art)
	require.NoError(t, err)
	r, err = w.pause(w.gB, art)
	require.NoError(t, err)
	require.True(t, r.InForce)
	assert.Equal(t, int64(3), r.Pause.Seq)
}

func TestDisclosureDeadlineAndIncident(t *testing.T) {
	w := newWorld(t, nil)
	p := w.mustPause(art, w.gA1, w.gB)

	// Too early to record a missing disclosure: the deadline + skew.
	w.now = p.DisclosureDue.Add(testSkew - time.Nanosecond)
	_, err := RecordMissedDisclosure(w.tx(w.plain), art, 1)
	require.ErrorIs(t, err, errcode.ErrFailedPrecondition)
	w.now = p.DisclosureDue.Add(testSkew)
	inc, err := RecordMissedDisclosure(w.tx(w.plain), art, 1)
	require.NoError(t, err)
	assert.Equal(t, []identity.Identity{w.gA1, w.gB}, inc.Guardians)
	_, err = RecordMissedDisclosure(w.tx(w.plain), art, 1)
	require.ErrorIs(t, err, errcode.ErrConflict)
	incs, _, err := Incidents(w.s, "", 0)
	require.NoError(t, err)
	require.Len(t, incs, 1)
	// The governance incident register has the pause (emergency_action)
	// and the missed disclosure.
	reg, err := incident.List(w.s, incident.ListRequest{})
	require.NoError(t, err)
	var kinds []incident.Kind
	for _, in := range reg.Incidents {
		kinds = append(kinds, in.Kind)
	}
	assert.ElementsMatch(t, []incident.Kind{incident.EmergencyAction, incident.MissedDisclosure}, kinds)

	// A late disclosure is still recorded, marked late.
	got, err := Disclose(w.tx(w.gB), DiscloseRequest{Target: art, Seq: 1, Text: "we paused because …"})
	require.NoError(t, err)
	assert.True(t, got.Disclosure.Late)
}

func TestDisclosureOnTime(t *testing.T) {
	w := newWorld(t, nil)
	p := w.mustPause(art, w.gA1, w.gB)
	w.now = p.DisclosureDue.Add(-time.Nanosecond)
	_, err := Disclose(w.tx(w.gA2), DiscloseRequest{Target: art, Seq: 1, Text: "x"})
	require.ErrorIs(t, err, errcode.ErrForbidden, "only the pause's guardians disclose")
	got, err := Disclose(w.tx(w.gA1), DiscloseRequest{Target: art, Seq: 1, Text: "x"})
	require.NoError(t, err)
	assert.False(t, got.Disclosure.Late)
	assert.Nil(t, got.Incident)
	_, err = Disclose(w.tx(w.gB), DiscloseRequest{Target: art, Seq: 1, Text: "y"})
	require.ErrorIs(t, err, errcode.ErrConflict)
	w.now = p.DisclosureDue.Add(time.Hour)
	_, err = RecordMissedDisclosure(w.tx(w.plain), art, 1)
	require.ErrorIs(t, err, errcode.ErrFailedPrecondition, "disclosed in time: no incident")
}

func TestSunsetRefusesAndCaps(t *testing.T) {
	sunset := testutil.T0().Add(24 * time.Hour)
	w := newWorld(t, func(d *constitution.Document) {
		d.Powers = []constitution.Sunset{{Power: constitution.PowerEmergencyPause, ExpiresAtUnix: sunset.Unix()}}
	})
	p := w.mustPause(art, w.gA1, w.gB)
	assert.Equal(t, sunset, p.Until, "a pause ends no later than the power")
	assert.Equal(t, sunset, p.MaxUntil)
	w.now = sunset
	_, err := w.pause(w.gF, Target{Kind: KindArtifact, ID: "other@1"})
	require.ErrorIs(t, err, errcode.ErrFailedPrecondition)
	assert.Contains(t, err.Error(), "emergency.pause expired")
}

func TestPauseRefusalsChangeNothing(t *testing.T) {
	w := newWorld(t, nil)
	_, err := w.pause(w.gA1, art)
	require.NoError(t, err)
	missing := func(core.Store, Target, time.Time) error { return errcode.NotFoundf("artifact nope@1 not found") }
	tests := []struct {
		name   string
		caller identity.Identity
		req    PauseRequest
		check  Check
		want   error
		msg    string
	}{
		{"a plain member", w.plain, PauseRequest{Target: art, Reason: "r"}, exists, errcode.ErrForbidden, "guardian"},
		{"no reason", w.gB, PauseRequest{Target: art}, exists, errcode.ErrInvalidArgument, "reason"},
		{"unknown kind", w.gB, PauseRequest{Target: Target{Kind: "house", ID: "x"}, Reason: "r"}, exists, errcode.ErrInvalidArgument, "unknown kind"},
		{"empty id", w.gB, PauseRequest{Target: Target{Kind: KindArtifact}, Reason: "r"}, exists, errcode.ErrInvalidArgument, "ID"},
		{"unknown target", w.gB, PauseRequest{Target: Target{Kind: KindArtifact, ID: "nope@1"}, Reason: "r"}, missing, errcode.ErrNotFound, "nope"},
		{"support twice", w.gA1, PauseRequest{Target: art, Reason: "r"}, exists, errcode.ErrConflict, "already supports"},
		{"a ballot through the generic path", w.gB, PauseRequest{Target: Target{Kind: KindBallot, ID: "b1"}, Reason: "r"}, exists, errcode.ErrInvalidArgument, "ballot:Pause"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, writes := w.s.Snapshot(), w.s.Writes
			tx := w.tx(tt.caller)
			_, err := PauseTarget(tx, tt.req, tt.check)
			require.ErrorIs(t, err, tt.want)
			assert.Contains(t, err.Error(), tt.msg)
			assert.Equal(t, before, w.s.Snapshot())
			assert.Equal(t, writes, w.s.Writes)
			assert.Nil(t, tx.Event())
		})
	}
}
