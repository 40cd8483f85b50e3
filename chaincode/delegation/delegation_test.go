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
