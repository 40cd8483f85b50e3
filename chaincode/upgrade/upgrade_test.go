package upgrade_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/internal/testutil"
	"github.com/charter-gov/charter/chaincode/membership"
	. "github.com/charter-gov/charter/chaincode/upgrade"
)

var (
	digestA = strings.Repeat("a1", 32)
	digestB = strings.Repeat("b2", 32)
)

type world struct {
	s                       *core.MemStore
	seatA1, seatA2, seatB   identity.Identity
	plainA, removedSeat     identity.Identity
	admin                   identity.Identity
	t                       time.Time
	authorisationForSeq2    *Authorisation
	authorisationDecisionID string
}

func payload(t *testing.T, v any) json.RawMessage {
	t.Helper()
	raw, err := json.Marshal(v)
	require.NoError(t, err)
	return raw
}

func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{s: core.NewMemStore(), t: testutil.T0()}
	w.seatA1 = testutil.ID("LabAMSP", "seat-a1")
	w.seatA2 = testutil.ID("LabAMSP", "seat-a2")
	w.seatB = testutil.ID("LabBMSP", "seat-b")
	w.plainA = testutil.ID("LabAMSP", "plain-a")
	w.removedSeat = testutil.ID("FoundationMSP", "removed-seat")
	w.admin = testutil.ID("LabAMSP", "Admin")
	for _, f := range []struct {
		id    identity.Identity
		roles []membership.Role
	}{
		{w.seatA1, []membership.Role{membership.RoleHouseA}},
		{w.seatA2, []membership.Role{membership.RoleHouseA}},
		{w.seatB, []membership.Role{membership.RoleHouseA}},
		{w.plainA, nil},
	} {
		_, err := membership.RegisterFounding(testutil.Tx(w.s, f.id, false, w.t), membership.FoundingMember{Member: f.id, Name: "m", Roles: f.roles}, "genesis")
		require.NoError(t, err)
	}
	w.authorisationDecisionID = "dec-upgrade-2"
	tx := testutil.Tx(w.s, w.plainA, false, w.t.Add(time.Hour))
	a, err := Authorise(tx, w.authorisationDecisionID, payload(t, Payload{Digest: digestA, Sequence: 2, Version: "1.1"}))
	require.NoError(t, err)
	require.NotNil(t, tx.Event())
	assert.Equal(t, EventAuthorised, tx.Event().Type)
	w.authorisationForSeq2 = a
	return w
}

func TestDecodePayload(t *testing.T) {
	good := Payload{Digest: digestA, Sequence: 2, Version: "1.1"}
	p, err := DecodePayload(payload(t, good))
	require.NoError(t, err)
	assert.Equal(t, good, p)
	for _, tc := range []struct {
		name, raw, want string
	}{
		{"empty", ``, "needs a payload"},
		{"unknown field", `{"digest":"` + digestA + `","sequence":2,"version":"1.1","packageId":"x"}`, "unknown"},
		{"short digest", `{"digest":"abc","sequence":2,"version":"1.1"}`, "not a SHA-256 digest"},
		{"upper-case digest", `{"digest":"` + strings.ToUpper(digestA) + `","sequence":2,"version":"1.1"}`, "not a SHA-256 digest"},
		{"non-hex digest", `{"digest":"` + strings.Repeat("zz", 32) + `","sequence":2,"version":"1.1"}`, "not a SHA-256 digest"},
		{"sequence 1", `{"digest":"` + digestA + `","sequence":1,"version":"1.1"}`, "sequence 1 is the first deployment"},
		{"negative sequence", `{"digest":"` + digestA + `","sequence":-3,"version":"1.1"}`, "is not an upgrade"},
		{"no version", `{"digest":"` + digestA + `","sequence":2,"version":""}`, "version"},
		{"control character in version", `{"digest":"` + digestA + `","sequence":2,"version":"1.\u0007"}`, "version"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodePayload(json.RawMessage(tc.raw))
			require.Error(t, err)
			assert.ErrorIs(t, err, errcode.ErrInvalidArgument)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestAuthoriseOneBuildPerSequence(t *testing.T) {
	w := newWorld(t)
	got, err := Get(w.s, 2)
	require.NoError(t, err)
	assert.Equal(t, *w.authorisationForSeq2, *got)
	assert.Equal(t, "dec-upgrade-2", got.Decision)

	before := w.s.Snapshot()
	tx := testutil.Tx(w.s, w.plainA, false, w.t.Add(2*time.Hour))
	_, err = Authorise(tx, "dec-other", payload(t, Payload{Digest: digestB, Sequence: 2, Version: "1.1b"}))
	assert.ErrorIs(t, err, errcode.ErrConflict)
	assert.Contains(t, err.Error(), "one sequence, one build")
	assert.Equal(t, before, w.s.Snapshot(), "a refused authorisation changes nothing")
	assert.Nil(t, tx.Event())

	_, err = CheckAuthorise(w.s, payload(t, Payload{Digest: digestB, Sequence: 3, Version: "1.2"}))
	assert.NoError(t, err, "the next sequence is free")
	_, err = Get(w.s, 3)
	assert.ErrorIs(t, err, errcode.ErrNotFound)
}

// The attack table of two-person integrity: who tries what, and what they get.
func TestSignOffRefusals(t *testing.T) {
	w := newWorld(t)
	for _, tc := range []struct {
		name   string
		caller identity.Identity
		req    SignOffRequest
		code   error
		want   string
	}{
		{"a plain member", w.plainA, SignOffRequest{Sequence: 2, Digest: digestA}, errcode.ErrForbidden, "does not hold the house_a role"},
		{"an unregistered identity (an organisation admin)", w.admin, SignOffRequest{Sequence: 2, Digest: digestA}, errcode.ErrForbidden, "not an active member"},
		{"a maintainer naming another build", w.seatA1, SignOffRequest{Sequence: 2, Digest: digestB}, errcode.ErrFailedPrecondition, "is not the one decision"},
		{"a maintainer, for an unauthorised sequence", w.seatA1, SignOffRequest{Sequence: 3, Digest: digestA}, errcode.ErrNotFound, "no executed chaincode_upgrade decision"},
		{"a malformed digest", w.seatA1, SignOffRequest{Sequence: 2, Digest: "sha256:" + digestA}, errcode.ErrInvalidArgument, "not a SHA-256 digest"},
		{"sequence 1", w.seatA1, SignOffRequest{Sequence: 1, Digest: digestA}, errcode.ErrInvalidArgument, "first deployment"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := w.s.Snapshot()
			tx := testutil.Tx(w.s, tc.caller, tc.caller == w.admin, w.t.Add(3*time.Hour))
			_, err := Sign(tx, tc.req)
			require.Error(t, err)
			assert.ErrorIs(t, err, tc.code)
			assert.Contains(t, err.Error(), tc.want)
			assert.Equal(t, before, w.s.Snapshot(), "nothing changed")
			assert.Nil(t, tx.Event())
		})
	}
}

func TestTwoOrganisationsClearABuild(t *testing.T) {
	w := newWorld(t)
	sign := func(who identity.Identity, at time.Duration) (*SignOff, error) {
		return Sign(testutil.Tx(w.s, who, false, w.t.Add(at)), SignOffRequest{Sequence: 2, Digest: digestA})
	}
	// Not signed off at all: refused, naming the rule.
	_, err := Check(w.s, digestA, 2)
	assert.ErrorIs(t, err, errcode.ErrFailedPrecondition)
	assert.Contains(t, err.Error(), "two-person integrity needs 2")

	so, err := sign(w.seatA1, 2*time.Hour)
	require.NoError(t, err)
	assert.Equal(t, w.seatA1, so.Maintainer)
	assert.Equal(t, "dec-upgrade-2", so.Decision)

	// The same maintainer again: CONFLICT, nothing changed.
	before := w.s.Snapshot()
	_, err = sign(w.seatA1, 3*time.Hour)
	assert.ErrorIs(t, err, errcode.ErrConflict)
	assert.Equal(t, before, w.s.Snapshot())

	// A second maintainer of the same organisation is not a second person
	// in the sense that matters: still one organisation.
	_, err = sign(w.seatA2, 3*time.Hour)
	require.NoError(t, err)
	st, err := StatusOf(w.s, 2)
	require.NoError(t, err)
	assert.False(t, st.Cleared)
	assert.Equal(t, []string{"LabAMSP"}, st.Organisations)
	_, err = Check(w.s, digestA, 2)
	assert.ErrorIs(t, err, errcode.ErrFailedPrecondition)
	assert.Contains(t, err.Error(), "1 organisation(s) [LabAMSP]")

	_, err = sign(w.seatB, 4*time.Hour)
	require.NoError(t, err)
	st, err = Check(w.s, digestA, 2)
	require.NoError(t, err)
	assert.True(t, st.Cleared)
	assert.Equal(t, []string{"LabAMSP", "LabBMSP"}, st.Organisations)
	assert.Len(t, st.SignOffs, 3)

	// Cleared, but for another build or another sequence: refused.
	_, err = Check(w.s, digestB, 2)
	assert.ErrorIs(t, err, errcode.ErrFailedPrecondition)
	assert.Contains(t, err.Error(), "is not authorised for sequence 2")
	_, err = Check(w.s, digestA, 3)
	assert.ErrorIs(t, err, errcode.ErrNotFound)
	_, err = Check(w.s, "not-a-digest", 2)
	assert.ErrorIs(t, err, errcode.ErrInvalidArgument)
}

func TestSignOffByARemovedMaintainerIsRefused(t *testing.T) {
	w := newWorld(t)
	s := w.s
	f := w.removedSeat
	_, err := membership.RegisterFounding(testutil.Tx(s, f, false, w.t), membership.FoundingMember{Member: f, Name: "m", Roles: []membership.Role{membership.RoleHouseA}}, "genesis")
	require.NoError(t, err)
	// Mark the member removed directly: removal of a seat is a decision's
	// business (membership), here only the status matters.
	key, err := membership.Key(f)
	require.NoError(t, err)
	var m membership.Member
	_, err = core.GetJSON(s, key, &m)
	require.NoError(t, err)
	m.Status = membership.StatusRemoved
	require.NoError(t, core.PutJSON(s, key, m))
	before := s.Snapshot()
	_, err = Sign(testutil.Tx(s, f, false, w.t.Add(time.Hour)), SignOffRequest{Sequence: 2, Digest: digestA})
	assert.ErrorIs(t, err, errcode.ErrForbidden)
	assert.Equal(t, before, s.Snapshot())
}

func TestStoredBytesAreDeterministic(t *testing.T) {
	run := func() map[string]string {
		w := newWorld(t)
		_, err := Sign(testutil.Tx(w.s, w.seatB, false, w.t.Add(time.Hour)), SignOffRequest{Sequence: 2, Digest: digestA})
		require.NoError(t, err)
		_, err = Sign(testutil.Tx(w.s, w.seatA1, false, w.t.Add(2*time.Hour)), SignOffRequest{Sequence: 2, Digest: digestA})
		require.NoError(t, err)
		return w.s.Snapshot()
	}
	assert.Equal(t, run(), run())
}
