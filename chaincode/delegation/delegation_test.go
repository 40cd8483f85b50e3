package delegation

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/internal/testutil"
	"github.com/charter-gov/charter/chaincode/membership"
)

func TestEffectiveAsOfATime(t *testing.T) {
	s := core.NewMemStore()
	admin := testutil.ID("LabAMSP", "admin")
	a, b, c := testutil.ID("LabAMSP", "a"), testutil.ID("LabAMSP", "b"), testutil.ID("LabAMSP", "c")
	t0 := testutil.T0()
	for _, id := range []identity.Identity{a, b, c} {
		_, err := membership.Register(testutil.Tx(s, admin, true, t0), membership.RegisterRequest{Member: id, Name: "x"})
		require.NoError(t, err)
	}
	at := func(sec int) time.Time { return t0.Add(time.Duration(sec) * time.Second) }
	exp := at(50)
	_, err := Set(testutil.Tx(s, a, false, at(10)), SetRequest{Topic: AllTopics, Legs: []Leg{{To: b, Percent: 100}}})
	require.NoError(t, err)
	_, err = Set(testutil.Tx(s, a, false, at(20)), SetRequest{Topic: string(constitution.Budget), Legs: []Leg{{To: c, Percent: 40}}, ExpiresAt: &exp})
	require.NoError(t, err)
	_, err = Revoke(testutil.Tx(s, a, false, at(60)), RevokeRequest{Topic: AllTopics})
	require.NoError(t, err)

	tests := []struct {
		sec   int
		topic constitution.DecisionType
		to    string // "" none
	}{
		{5, constitution.Budget, ""},
		{10, constitution.Budget, "b"},
		{20, constitution.Budget, "c"},
		{20, constitution.Roadmap, "b"},
		{50, constitution.Budget, "b"}, // the topic delegation expired: back to all topics
		{60, constitution.Budget, ""},  // revoked
	}
	names := map[identity.Identity]string{b: "b", c: "c"}
	for _, tt := range tests {
		v, err := Effective(s, a, string(tt.topic), at(tt.sec))
		require.NoError(t, err)
		got := ""
		if v != nil {
			got = names[v.Legs[0].To]
		}
		assert.Equal(t, tt.to, got, "+%ds %s", tt.sec, tt.topic)
	}
	in, err := Incoming(s, c, string(constitution.Budget), at(30))
	require.NoError(t, err)
	assert.Equal(t, []Inflow{{From: a, Percent: 40}}, in)
	in, err = Incoming(s, b, string(constitution.Budget), at(30))
	require.NoError(t, err)
	assert.Empty(t, in, "the budget delegation overrides the all-topics one")
	ls, err := List(s, a, at(30))
	require.NoError(t, err)
	assert.Len(t, ls, 2)
}

// The time rule for delegations: a revocation stamped before the version it
// revokes is recorded at that version's time. On the old code it was
// written under the version (dated O−1m) and took a's weight away from b as
// of an opening O at which a's delegation to b already stood.
func TestBackdatedVersionIsRecordedAfterTheNewest(t *testing.T) {
	s := core.NewMemStore()
	admin := testutil.ID("LabAMSP", "admin")
	a, b := testutil.ID("LabAMSP", "a"), testutil.ID("LabAMSP", "b")
	t0 := testutil.T0()
	for _, id := range []identity.Identity{a, b} {
		_, err := membership.Register(testutil.Tx(s, admin, true, t0), membership.RegisterRequest{Member: id, Name: "x"})
		require.NoError(t, err)
	}
	o := t0.Add(time.Hour)
	_, err := Set(testutil.Tx(s, a, false, o.Add(-10*time.Minute)), SetRequest{Topic: AllTopics, Legs: []Leg{{To: b, Percent: 100}}})
	require.NoError(t, err)
	_, err = Set(testutil.Tx(s, a, false, o.Add(time.Minute)), SetRequest{Topic: AllTopics, Legs: []Leg{{To: b, Percent: 50}}})
	require.NoError(t, err)
	v, err := Revoke(testutil.Tx(s, a, false, o.Add(-time.Minute)), RevokeRequest{Topic: AllTopics})
	require.NoError(t, err)
	assert.Equal(t, o.Add(time.Minute), v.At)
	in, err := Incoming(s, b, string(constitution.Budget), o)
	require.NoError(t, err)
	assert.Equal(t, []Inflow{{From: a, Percent: 100}}, in, "the delegation as of O is the one set before O")
	eff, err := Effective(s, a, AllTopics, o.Add(time.Minute))
	require.NoError(t, err)
	assert.Nil(t, eff, "revoked from its recorded time on")
}

// Every version used to add a key to the delegate's in-index, so a member
// switching back and forth made every later tally read more. The in-index
// now holds one key per (delegate, topic, delegator): churn rewrites it,
// and snapshots before, between and after the changes still resolve.
func TestInIndexDoesNotGrowWithChurn(t *testing.T) {
	s := core.NewMemStore()
	admin := testutil.ID("LabAMSP", "admin")
	a, b, c := testutil.ID("LabAMSP", "a"), testutil.ID("LabAMSP", "b"), testutil.ID("LabAMSP", "c")
	t0 := testutil.T0()
	for _, id := range []identity.Identity{a, b, c} {
		_, err := membership.Register(testutil.Tx(s, admin, true, t0), membership.RegisterRequest{Member: id, Name: "x"})
		require.NoError(t, err)
	}
	at := func(sec int) time.Time { return t0.Add(time.Duration(sec) * time.Second) }
	const rounds = 50
	for i := range rounds {
		to := b
		if i%2 == 1 {
			to = c
		}
		_, err := Set(testutil.Tx(s, a, false, at(10+i)), SetRequest{Topic: AllTopics, Legs: []Leg{{To: to, Percent: int64(10 + i)}}})
		require.NoError(t, err)
	}
	inKeys := 0
	require.NoError(t, s.Scan(objectType, []string{"in"}, func(string, []byte) error { inKeys++; return nil }))
	assert.Equal(t, 2, inKeys, "one key per delegate, after %d changes", rounds)
	for _, tt := range []struct {
		sec   int
		to    identity.Identity
		other identity.Identity
		pct   int64
	}{
		{10, b, c, 10}, {11, c, b, 11}, {30, b, c, 30}, {10 + rounds - 1, c, b, 10 + rounds - 1},
	} {
		in, err := Incoming(s, tt.to, string(constitution.Budget), at(tt.sec))
		require.NoError(t, err)
		assert.Equal(t, []Inflow{{From: a, Percent: tt.pct}}, in, "+%ds", tt.sec)
		in, err = Incoming(s, tt.other, string(constitution.Budget), at(tt.sec))
		require.NoError(t, err)
		assert.Empty(t, in, "+%ds", tt.sec)
	}
	in, err := Incoming(s, b, string(constitution.Budget), at(5))
	require.NoError(t, err)
	assert.Empty(t, in, "before the first delegation")
}
