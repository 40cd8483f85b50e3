package delegation

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/internal/testutil"
	"github.com/charter-gov/charter/chaincode/membership"
	"github.com/charter-gov/charter/chaincode/text"
)

// Every refused delegation, revocation and statement names the field of
// the request it is about and the rule it broke, and writes nothing.
func TestRefusalsNameFieldAndRule(t *testing.T) {
	s := core.NewMemStore()
	admin := testutil.ID("LabAMSP", "admin")
	a, b, c := testutil.ID("LabAMSP", "a"), testutil.ID("LabAMSP", "b"), testutil.ID("LabAMSP", "c")
	stranger := testutil.ID("LabBMSP", "stranger")
	t0 := testutil.T0()
	for _, id := range []identity.Identity{a, b, c} {
		_, err := membership.Register(testutil.Tx(s, admin, true, t0), membership.RegisterRequest{Member: id, Name: "x"})
		require.NoError(t, err)
	}
	_, err := Set(testutil.Tx(s, b, false, t0), SetRequest{Topic: AllTopics, Legs: []Leg{{To: a, Percent: 50}}})
	require.NoError(t, err)
	at := t0.Add(time.Minute)
	past := t0
	set := func(who identity.Identity, req SetRequest) func() error {
		return func() error { _, err := Set(testutil.Tx(s, who, false, at), req); return err }
	}
	legs := func(ls ...Leg) SetRequest { return SetRequest{Topic: AllTopics, Legs: ls} }
	many := make([]Leg, MaxLegs+1)
	for i := range many {
		many[i] = Leg{To: testutil.ID("LabAMSP", fmt.Sprintf("d%d", i)), Percent: 1}
	}
	budget := string(constitution.Budget)
	for _, tt := range []struct {
		name        string
		do          func() error
		code        errcode.Code
		field, rule string
	}{
		{"set: not a member", set(stranger, legs(Leg{To: c, Percent: 10})), errcode.Forbidden, "", RuleActiveMember},
		{"set: an unknown topic", set(a, SetRequest{Topic: "weather", Legs: []Leg{{To: c, Percent: 10}}}), errcode.InvalidArgument, "topic", "enum"},
		{"set: no legs", set(a, legs()), errcode.InvalidArgument, "legs", "required"},
		{"set: too many legs", set(a, legs(many...)), errcode.InvalidArgument, "legs", "max-items"},
		{"set: a malformed delegate", set(a, legs(Leg{To: c, Percent: 10}, Leg{To: identity.Identity{ID: "x"}, Percent: 10})), errcode.InvalidArgument, "legs[1].to", "required"},
		{"set: to oneself", set(a, legs(Leg{To: a, Percent: 10})), errcode.InvalidArgument, "legs[0].to", RuleNotSelf},
		{"set: a delegate twice", set(a, legs(Leg{To: c, Percent: 10}, Leg{To: c, Percent: 10})), errcode.InvalidArgument, "legs[1].to", "unique"},
		{"set: percent 0", set(a, legs(Leg{To: c, Percent: 0})), errcode.InvalidArgument, "legs[0].percent", "range"},
		{"set: past 100 in all", set(a, legs(Leg{To: c, Percent: 60}, Leg{To: b, Percent: 50})), errcode.InvalidArgument, "legs[1].percent", RuleMaxTotal},
		{"set: a delegate not a member", set(a, legs(Leg{To: c, Percent: 10}, Leg{To: stranger, Percent: 10})), errcode.NotFound, "legs[1].to", RuleActiveMember},
		{"set: an expiry in the past", set(a, SetRequest{Topic: budget, Legs: []Leg{{To: c, Percent: 10}}, ExpiresAt: &past}), errcode.InvalidArgument, "expiresAt", RuleFuture},
		{"set: a cycle", set(a, legs(Leg{To: c, Percent: 10}, Leg{To: b, Percent: 10})), errcode.InvalidArgument, "legs[1].to", RuleNoCycle},
		{"revoke: not a member", func() error {
			_, err := Revoke(testutil.Tx(s, stranger, false, at), RevokeRequest{Topic: budget})
			return err
		}, errcode.Forbidden, "", RuleActiveMember},
		{"revoke: an unknown topic", func() error {
			_, err := Revoke(testutil.Tx(s, a, false, at), RevokeRequest{Topic: "weather"})
			return err
		}, errcode.InvalidArgument, "topic", "enum"},
		{"revoke: none in force", func() error { _, err := Revoke(testutil.Tx(s, a, false, at), RevokeRequest{Topic: budget}); return err }, errcode.NotFound, "topic", "exists"},
		{"statement: not a member", func() error {
			_, err := SetStatement(testutil.Tx(s, stranger, false, at), StatementRequest{Text: "hi"})
			return err
		}, errcode.Forbidden, "", RuleActiveMember},
		{"statement: empty", func() error { _, err := SetStatement(testutil.Tx(s, a, false, at), StatementRequest{}); return err }, errcode.InvalidArgument, "text", text.RuleRequired},
		{"statement of: none", func() error { _, err := StatementOf(s, c); return err }, errcode.NotFound, "member", "exists"},
		{"statement of: a malformed member", func() error { _, err := StatementOf(s, identity.Identity{ID: "x"}); return err }, errcode.InvalidArgument, "member", "required"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := s.Snapshot()
			err := tt.do()
			testutil.AssertRefusal(t, err, tt.code, tt.field, tt.rule)
			assert.Equal(t, before, s.Snapshot(), "a refusal writes nothing")
		})
	}
}

// A delegation whose target reaches more members than the cycle check may
// visit is refused with the cycle-check-limit rule, and writes nothing: a
// chain of MaxCycleCheck+1 members, each delegating to the next, then one
// more member delegating to its second (MaxCycleCheck members reachable:
// checked) and to its head (one more: refused).
func TestCycleCheckLimitNamesRule(t *testing.T) {
	s := core.NewMemStore()
	admin := testutil.ID("LabAMSP", "admin")
	t0 := testutil.T0()
	chain := make([]identity.Identity, MaxCycleCheck+1)
	for i := range chain {
		chain[i] = testutil.ID("LabAMSP", fmt.Sprintf("m%05d", i))
		_, err := membership.Register(testutil.Tx(s, admin, true, t0), membership.RegisterRequest{Member: chain[i], Name: "x"})
		require.NoError(t, err)
	}
	newcomer := testutil.ID("LabAMSP", "newcomer")
	_, err := membership.Register(testutil.Tx(s, admin, true, t0), membership.RegisterRequest{Member: newcomer, Name: "x"})
	require.NoError(t, err)
	// Built from the head so that each check walks only what follows.
	for i := 0; i+1 < len(chain); i++ {
		_, err := Set(testutil.Tx(s, chain[i], false, t0), SetRequest{Topic: string(constitution.Budget), Legs: []Leg{{To: chain[i+1], Percent: 50}}})
		require.NoError(t, err, "link %d", i)
	}
	at := t0.Add(time.Minute)
	_, err = Set(testutil.Tx(s, newcomer, false, at), SetRequest{Topic: string(constitution.Budget), Legs: []Leg{{To: chain[1], Percent: 50}}})
	require.NoError(t, err, "a graph of MaxCycleCheck members is checked")
	_, err = Revoke(testutil.Tx(s, newcomer, false, at), RevokeRequest{Topic: string(constitution.Budget)})
	require.NoError(t, err)
	before := s.Snapshot()
	_, err = Set(testutil.Tx(s, newcomer, false, at), SetRequest{Topic: string(constitution.Budget), Legs: []Leg{{To: chain[0], Percent: 50}}})
	testutil.AssertRefusal(t, err, errcode.FailedPrecondition, "legs[0].to", RuleCycleCheckLimit)
	assert.Equal(t, before, s.Snapshot(), "a refusal writes nothing")
}
