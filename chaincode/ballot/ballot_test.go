package ballot

import (
	"encoding/json"
	"fmt"
	"math/big"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/delegation"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/internal/testutil"
	"github.com/charter-gov/charter/chaincode/membership"
	"github.com/charter-gov/charter/chaincode/token"
)

func TestLifecycle(t *testing.T) {
	w := newWorld(t, constitution.FamilyToken, constitution.HouseB, nil)
	ada, bob := w.member("ada"), w.member("bob")
	w.mint(ada, 70)
	w.mint(bob, 30)
	b := w.create(ada, CreateRequest{})
	assert.Equal(t, StatusPending, b.Status)
	assert.Equal(t, w.now.Add(testDelay*time.Second), b.OpensAt)
	assert.Equal(t, b.OpensAt.Add(testPeriod*time.Second), b.EndsAt)
	assert.Equal(t, int64(1), b.ConstitutionVersion)
	assert.NotEmpty(t, b.ConstitutionHash)

	_, err := Cast(w.as(ada), w.deps, CastRequest{Ballot: b.ID, Choice: ChoiceFor})
	require.ErrorIs(t, err, errcode.ErrFailedPrecondition)
	assert.Contains(t, err.Error(), "voting opens at")

	w.open(b)
	assert.Equal(t, StatusActive, b.StatusAt(w.now))
	w.vote(b, ada, ChoiceAgainst)
	w.vote(b, ada, ChoiceFor) // change of mind
	v, err := VoteOf(w.s, b.ID, ada)
	require.NoError(t, err)
	assert.Equal(t, ChoiceFor, v.Choice, "the later vote replaced the earlier")
	w.vote(b, bob, ChoiceAgainst)

	_, err = Close(w.as(bob), b.ID)
	require.ErrorIs(t, err, errcode.ErrFailedPrecondition)
	assert.Contains(t, err.Error(), "cannot be closed before")

	w.ended(b)
	assert.Equal(t, StatusEnded, b.StatusAt(w.now))
	_, err = Cast(w.as(bob), w.deps, CastRequest{Ballot: b.ID, Choice: ChoiceFor})
	require.ErrorIs(t, err, errcode.ErrFailedPrecondition)
	// Deadline inside the skew: a close stamped less than one skew after
	// the end could be endorsed before voting really ended (on the old
	// code it was accepted at the end itself, i.e. up to a skew early).
	for _, at := range []time.Time{b.EndsAt, b.EndsAt.Add(testSkew*time.Second - time.Nanosecond)} {
		w.now = at
		before := w.s.(*core.MemStore).Snapshot()
		_, err = Close(w.as(bob), b.ID)
		require.ErrorIs(t, err, errcode.ErrFailedPrecondition)
		assert.Contains(t, err.Error(), "clock-skew margin of 30s")
		assert.Equal(t, before, w.s.(*core.MemStore).Snapshot(), "a refused close changes nothing")
	}
	w.now = b.EndsAt.Add(testSkew * time.Second)
	_, err = Close(w.as(bob), b.ID)
	require.NoError(t, err)
	// Late votes are refused by status even with an in-period timestamp.
	w.now = b.OpensAt.Add(time.Minute)
	_, err = Cast(w.as(bob), w.deps, CastRequest{Ballot: b.ID, Choice: ChoiceFor})
	require.ErrorIs(t, err, errcode.ErrFailedPrecondition)
	assert.Contains(t, err.Error(), "the ballot is closed")
	w.now = b.EndsAt

	_, err = Queue(w.as(bob), b.ID)
	require.ErrorIs(t, err, errcode.ErrFailedPrecondition, "cannot queue before the tally")
	p, err := Tally(w.as(bob), w.deps, b.ID, 0)
	require.NoError(t, err)
	require.True(t, p.Done)
	assert.Equal(t, StatusSucceeded, p.Status)
	assert.Equal(t, "70", total(p.Result, ChoiceFor))
	assert.Equal(t, "30", total(p.Result, ChoiceAgainst))
	assert.Equal(t, "100", p.Result.Electorate)
	_, err = Tally(w.as(bob), w.deps, b.ID, 0)
	require.ErrorIs(t, err, errcode.ErrFailedPrecondition, "tally runs once")

	q, err := Queue(w.as(bob), b.ID)
	require.NoError(t, err)
	assert.Equal(t, w.now.Add(testLock*time.Second), *q.ETA)
	_, err = Execute(w.as(bob), b.ID)
	require.ErrorIs(t, err, errcode.ErrFailedPrecondition)
	assert.Contains(t, err.Error(), "timelock ends at")
	// Execution needs the timelock over by the skew (the old code executed
	// at the ETA itself, up to a skew before the timelock really ended).
	w.now = q.ETA.Add(testSkew*time.Second - time.Nanosecond)
	_, err = Execute(w.as(bob), b.ID)
	require.ErrorIs(t, err, errcode.ErrFailedPrecondition)
	assert.Contains(t, err.Error(), "clock-skew margin")
	w.now = q.ETA.Add(testSkew * time.Second)
	e, err := Execute(w.as(bob), b.ID)
	require.NoError(t, err)
	assert.Equal(t, StatusExecuted, e.Status)
	_, err = Execute(w.as(bob), b.ID)
	require.ErrorIs(t, err, errcode.ErrFailedPrecondition)
}

func TestExpiryAndCancel(t *testing.T) {
	w := newWorld(t, constitution.FamilyToken, constitution.HouseB, nil)
	ada, bob := w.member("ada"), w.member("bob")
	guard := w.member("gina", membership.RoleGuardian)
	w.mint(ada, 10)
	b := w.create(ada, CreateRequest{})
	w.open(b)
	w.vote(b, ada, ChoiceFor)
	b = w.closeAndTally(b, 0)
	require.Equal(t, StatusSucceeded, b.Status)
	q, err := Queue(w.as(bob), b.ID)
	require.NoError(t, err)
	w.now = q.ExecuteBy.Add(time.Second)
	assert.Equal(t, StatusExpired, q.StatusAt(w.now))
	_, err = Execute(w.as(bob), b.ID)
	require.ErrorIs(t, err, errcode.ErrFailedPrecondition)
	assert.Contains(t, err.Error(), "expired")

	// Withdrawal: the proposer, before the first vote, never a decision's ballot.
	poll := func() *Ballot {
		return w.create(ada, CreateRequest{Kind: KindPoll, Title: "Legit?", VotingDelaySec: 60, VotingPeriodSec: 600})
	}
	c := poll()
	_, err = Cancel(w.as(bob), CancelRequest{Ballot: c.ID, Reason: "mine now"})
	require.ErrorIs(t, err, errcode.ErrForbidden, "only the proposer")
	_, err = Cancel(w.as(guard), CancelRequest{Ballot: c.ID, Reason: "guardian"})
	require.ErrorIs(t, err, errcode.ErrForbidden, "guardians pause, never cancel")
	_, err = Cancel(w.as(ada), CancelRequest{Ballot: c.ID})
	require.ErrorIs(t, err, errcode.ErrInvalidArgument, "a reason is required")
	got, err := Cancel(w.as(ada), CancelRequest{Ballot: c.ID, Reason: "withdrawn"})
	require.NoError(t, err)
	assert.Equal(t, StatusCancelled, got.Status)
	w.now = got.OpensAt
	_, err = Cast(w.as(ada), w.deps, CastRequest{Ballot: c.ID, Choice: "5"})
	require.ErrorIs(t, err, errcode.ErrFailedPrecondition)

	voted := poll()
	w.open(voted)
	w.vote(voted, bob, "4")
	_, err = Cancel(w.as(ada), CancelRequest{Ballot: voted.ID, Reason: "I dislike the answers"})
	require.ErrorIs(t, err, errcode.ErrFailedPrecondition, "not after the first vote")
	assert.Contains(t, err.Error(), "votes have been cast")

	late := poll()
	w.ended(late)
	_, err = Cancel(w.as(ada), CancelRequest{Ballot: late.ID, Reason: "too late"})
	require.ErrorIs(t, err, errcode.ErrFailedPrecondition, "the proposer may not cancel after voting ends")

	d := w.create(ada, CreateRequest{})
	for _, who := range []identity.Identity{ada, guard} {
		_, err = Cancel(w.as(who), CancelRequest{Ballot: d.ID, Reason: "stop it"})
		require.ErrorIs(t, err, errcode.ErrForbidden, "a decision's ballot is never cancelled")
		assert.Contains(t, err.Error(), "cannot be cancelled by anyone")
	}
}

func TestStatusTransitions(t *testing.T) {
	allowed := map[Status][]Status{
		StatusPending:   {StatusClosed, StatusCancelled},
		StatusClosed:    {StatusSucceeded, StatusDefeated, StatusCompleted, StatusCancelled},
		StatusSucceeded: {StatusQueued, StatusCancelled},
		StatusQueued:    {StatusExecuted, StatusCancelled},
	}
	for _, from := range Statuses() {
		for _, to := range Statuses() {
			want := false
			for _, a := range allowed[from] {
				want = want || a == to
			}
			assert.Equal(t, want, from.CanMoveTo(to), "%s → %s", from, to)
		}
	}
}

// TestFrozenRule: an open ballot keeps the parameters it was opened with.
func TestFrozenRule(t *testing.T) {
	w := newWorld(t, constitution.FamilyToken, constitution.HouseB, nil)
	ada := w.member("ada")
	w.mint(ada, 5)
	b := w.create(ada, CreateRequest{})
	doc := constitution.Default()
	_, err := constitution.Install(w.as(w.admin), doc, "amendment-x")
	require.NoError(t, err)
	got, err := Get(w.s, b.ID)
	require.NoError(t, err)
	assert.Equal(t, int64(testPeriod), got.Rule.VotingPeriodSec)
	assert.Equal(t, int64(1), got.ConstitutionVersion)
}

func TestDecide(t *testing.T) {
	binary := &Ballot{Kind: KindDecision, Family: constitution.FamilyToken, Rule: constitution.DecisionRule{QuorumBps: 2000, ThresholdBps: 6000}}
	zeroQ := &Ballot{Kind: KindDecision, Family: constitution.FamilyToken, Rule: constitution.DecisionRule{QuorumBps: 0, ThresholdBps: 5001}}
	opts := &Ballot{Kind: KindDecision, Family: constitution.FamilyToken, Options: []string{"a", "b", "c"}, Rule: constitution.DecisionRule{QuorumBps: 1000, ThresholdBps: 5001}}
	tests := []struct {
		name       string
		b          *Ballot
		totals     []int64
		electorate int64
		quorum     bool
		passed     bool
		winner     string
	}{
		{"clear pass", binary, []int64{60, 40, 0}, 100, true, true, "for"},
		{"exactly at threshold", binary, []int64{60, 40, 0}, 500, true, true, "for"},
		{"just under threshold", binary, []int64{59, 41, 0}, 100, true, false, ""},
		{"tie", zeroQ, []int64{50, 50, 0}, 100, true, false, ""},
		{"quorum exactly met", binary, []int64{20, 0, 0}, 100, true, true, "for"},
		{"quorum missed by one", binary, []int64{19, 0, 0}, 100, false, false, ""},
		{"abstain counts toward quorum only", binary, []int64{3, 1, 16}, 100, true, true, "for"},
		{"all abstain", binary, []int64{0, 0, 100}, 100, true, false, ""},
		{"zero quorum, no votes", zeroQ, []int64{0, 0, 0}, 0, true, false, ""},
		{"zero quorum, one vote", zeroQ, []int64{1, 0, 0}, 1000000, true, true, "for"},
		{"options majority", opts, []int64{6, 3, 1, 0}, 10, true, true, "a"},
		{"options plurality is not majority", opts, []int64{5, 3, 2, 0}, 10, true, false, ""},
		{"options tie for first", opts, []int64{4, 4, 0, 0}, 10, true, false, ""},
		{"options tie below leader is fine", opts, []int64{6, 2, 2, 0}, 10, true, true, "a"},
		{"options all abstain", opts, []int64{0, 0, 0, 9}, 10, true, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			totals := make([]*big.Int, len(tt.totals))
			part := new(big.Int)
			for i, v := range tt.totals {
				totals[i] = big.NewInt(v)
				part.Add(part, totals[i])
			}
			r := decide(tt.b, totals, part, big.NewInt(tt.electorate), 0, 0)
			assert.Equal(t, tt.quorum, r.QuorumReached, "quorum")
			assert.Equal(t, tt.passed, r.Passed, "passed")
			assert.Equal(t, tt.winner, r.Winner)
		})
	}
}

func TestTokenWeightIsBalanceWhenVotingOpened(t *testing.T) {
	w := newWorld(t, constitution.FamilyToken, constitution.HouseB, nil)
	ada, bob, cy := w.member("ada"), w.member("bob"), w.member("cy")
	w.mint(ada, 100)
	w.mint(bob, 60)
	b := w.create(ada, CreateRequest{})
	w.open(b)
	// After voting opened ada moves everything to cy: a flash loan changes nothing.
	w.now = w.now.Add(time.Second)
	_, err := token.Transfer(w.as(ada), token.TransferRequest{To: cy, Amount: 100})
	require.NoError(t, err)
	w.vote(b, ada, ChoiceFor)
	w.vote(b, bob, ChoiceAgainst)
	_, err = Cast(w.as(cy), w.deps, CastRequest{Ballot: b.ID, Choice: ChoiceAgainst})
	require.ErrorIs(t, err, errcode.ErrForbidden, "cy held nothing when voting opened")
	assert.Contains(t, err.Error(), "held no tokens when voting opened")
	b = w.closeAndTally(b, 0)
	assert.Equal(t, "100", total(b.Result, ChoiceFor))
	assert.Equal(t, "60", total(b.Result, ChoiceAgainst))
	assert.Equal(t, "160", b.Result.Electorate)
	assert.Equal(t, StatusSucceeded, b.Status)
}

func TestDelegatedWeights(t *testing.T) {
	topic := string(constitution.Budget)
	type deleg struct {
		from, topic string
		legs        map[string]int64
	}
	tests := []struct {
		name     string
		maxDepth int64
		balances map[string]int64
		delegs   []deleg
		votes    map[string]string
		wantFor  string
		wantAg   string
	}{
		{"simple delegation", 8, map[string]int64{"a": 10, "b": 5},
			[]deleg{{"b", topic, map[string]int64{"a": 100}}}, map[string]string{"a": "for"}, "15", "0"},
		{"all-topics delegation", 8, map[string]int64{"a": 10, "b": 5},
			[]deleg{{"b", "*", map[string]int64{"a": 100}}}, map[string]string{"a": "for"}, "15", "0"},
		{"topic overrides all-topics", 8, map[string]int64{"a": 10, "b": 5, "c": 1},
			[]deleg{{"b", "*", map[string]int64{"a": 100}}, {"b", topic, map[string]int64{"c": 100}}}, map[string]string{"a": "for", "c": "against"}, "10", "6"},
		{"other topic ignored", 8, map[string]int64{"a": 10, "b": 5},
			[]deleg{{"b", string(constitution.Roadmap), map[string]int64{"a": 100}}}, map[string]string{"a": "for"}, "10", "0"},
		{"partial split, rest unused", 8, map[string]int64{"a": 0, "b": 0, "d": 100},
			[]deleg{{"d", topic, map[string]int64{"a": 30, "b": 50}}}, map[string]string{"a": "for", "b": "against"}, "30", "50"},
		{"direct vote overrides", 8, map[string]int64{"a": 10, "b": 5},
			[]deleg{{"b", topic, map[string]int64{"a": 100}}}, map[string]string{"a": "for", "b": "against"}, "10", "5"},
		{"transitive", 8, map[string]int64{"a": 1, "b": 2, "c": 4},
			[]deleg{{"c", topic, map[string]int64{"b": 100}}, {"b", topic, map[string]int64{"a": 100}}}, map[string]string{"a": "for"}, "7", "0"},
		{"transitive partial floors at each hop", 8, map[string]int64{"a": 0, "b": 0, "c": 10},
			[]deleg{{"c", topic, map[string]int64{"b": 33}}, {"b", topic, map[string]int64{"a": 50}}}, map[string]string{"a": "for"}, "1", "0"},
		{"middle voter stops the flow", 8, map[string]int64{"a": 1, "b": 2, "c": 4},
			[]deleg{{"c", topic, map[string]int64{"b": 100}}, {"b", topic, map[string]int64{"a": 100}}}, map[string]string{"a": "for", "b": "against"}, "1", "6"},
		{"chain at the depth limit counts", 3, map[string]int64{"v": 1, "d1": 10, "d2": 100, "d3": 1000},
			[]deleg{{"d1", topic, map[string]int64{"v": 100}}, {"d2", topic, map[string]int64{"d1": 100}}, {"d3", topic, map[string]int64{"d2": 100}}},
			map[string]string{"v": "for"}, "1111", "0"},
		{"beyond the depth limit is dropped", 2, map[string]int64{"v": 1, "d1": 10, "d2": 100, "d3": 1000},
			[]deleg{{"d1", topic, map[string]int64{"v": 100}}, {"d2", topic, map[string]int64{"d1": 100}}, {"d3", topic, map[string]int64{"d2": 100}}},
			map[string]string{"v": "for"}, "111", "0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, constitution.FamilyDelegated, constitution.HouseB, nil)
			ids := map[string]identity.Identity{}
			for _, n := range []string{"a", "b", "c", "d", "v", "d1", "d2", "d3"} {
				ids[n] = w.member(n)
			}
			for _, n := range []string{"a", "b", "c", "d", "v", "d1", "d2", "d3"} {
				if tt.balances[n] > 0 {
					w.mint(ids[n], tt.balances[n])
				}
			}
			for _, d := range tt.delegs {
				var legs []delegation.Leg
				for _, to := range []string{"a", "b", "c", "d", "v", "d1", "d2", "d3"} {
					if p, ok := d.legs[to]; ok {
						legs = append(legs, delegation.Leg{To: ids[to], Percent: p})
					}
				}
				_, err := delegation.Set(w.as(ids[d.from]), delegation.SetRequest{Topic: d.topic, Legs: legs})
				require.NoError(t, err)
			}
			w.mint(w.member("whale"), 1) // a quorum denominator that is not zero
			b := w.create(ids["a"], CreateRequest{})
			b.MaxDelegationDepth = tt.maxDepth
			require.NoError(t, save(w.as(w.admin), b))
			w.open(b)
			// Delegation changes after opening do not count.
			w.now = w.now.Add(time.Second)
			_, _ = delegation.Revoke(w.as(ids["b"]), delegation.RevokeRequest{Topic: topic})
			for _, n := range []string{"a", "b", "c", "d", "v", "d1", "d2", "d3"} {
				if c, ok := tt.votes[n]; ok {
					w.vote(b, ids[n], c)
				}
			}
			b = w.closeAndTally(b, 1)
			assert.Equal(t, tt.wantFor, total(b.Result, ChoiceFor), "for")
			assert.Equal(t, tt.wantAg, total(b.Result, ChoiceAgainst), "against")
		})
	}
}

func TestDelegationRefusals(t *testing.T) {
	w := newWorld(t, constitution.FamilyDelegated, constitution.HouseB, nil)
	a, b, c := w.member("a"), w.member("b"), w.member("c")
	stranger := testutil.ID("LabBMSP", "stranger")
	_, err := delegation.Set(w.as(a), delegation.SetRequest{Topic: "*", Legs: []delegation.Leg{{To: b, Percent: 100}}})
	require.NoError(t, err)
	_, err = delegation.Set(w.as(b), delegation.SetRequest{Topic: string(constitution.Budget), Legs: []delegation.Leg{{To: c, Percent: 100}}})
	require.NoError(t, err)
	past := w.now.Add(-time.Hour)
	tests := []struct {
		name   string
		caller identity.Identity
		req    delegation.SetRequest
		code   errcode.Code
		msg    string
	}{
		{"cycle through a topic delegation", c, delegation.SetRequest{Topic: string(constitution.Budget), Legs: []delegation.Leg{{To: a, Percent: 100}}}, errcode.InvalidArgument, "cycle"},
		{"cycle through all topics", c, delegation.SetRequest{Topic: "*", Legs: []delegation.Leg{{To: a, Percent: 100}}}, errcode.InvalidArgument, "cycle"},
		{"two-member cycle", b, delegation.SetRequest{Topic: "*", Legs: []delegation.Leg{{To: a, Percent: 10}}}, errcode.InvalidArgument, "cycle"},
		{"to oneself", a, delegation.SetRequest{Topic: "*", Legs: []delegation.Leg{{To: a, Percent: 10}}}, errcode.InvalidArgument, "oneself"},
		{"over 100 percent", c, delegation.SetRequest{Topic: "*", Legs: []delegation.Leg{{To: a, Percent: 60}, {To: b, Percent: 41}}}, errcode.InvalidArgument, "more than 100"},
		{"negative percent", c, delegation.SetRequest{Topic: "*", Legs: []delegation.Leg{{To: a, Percent: -1}}}, errcode.InvalidArgument, "outside 1..100"},
		{"unknown topic", c, delegation.SetRequest{Topic: "weather", Legs: []delegation.Leg{{To: a, Percent: 1}}}, errcode.InvalidArgument, "weather"},
		{"past expiry", c, delegation.SetRequest{Topic: "*", Legs: []delegation.Leg{{To: w.member("d"), Percent: 1}}, ExpiresAt: &past}, errcode.InvalidArgument, "expiry"},
		{"non-member delegate", c, delegation.SetRequest{Topic: "*", Legs: []delegation.Leg{{To: stranger, Percent: 1}}}, errcode.NotFound, "not registered"},
		{"non-member delegator", stranger, delegation.SetRequest{Topic: "*", Legs: []delegation.Leg{{To: a, Percent: 1}}}, errcode.Forbidden, "not an active member"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ms := w.s.(*core.MemStore)
			before, writes := ms.Snapshot(), ms.Writes
			tx := w.as(tt.caller)
			_, err := delegation.Set(tx, tt.req)
			require.Error(t, err)
			assert.Equal(t, tt.code, errcode.CodeOf(err), err.Error())
			assert.Contains(t, err.Error(), tt.msg)
			assert.Equal(t, before, ms.Snapshot())
			assert.Equal(t, writes, ms.Writes)
			assert.Nil(t, tx.Event())
		})
	}
	_, err = delegation.Revoke(w.as(c), delegation.RevokeRequest{Topic: "*"})
	assert.ErrorIs(t, err, errcode.ErrNotFound)
}

func TestQuadratic(t *testing.T) {
	w := newWorld(t, constitution.FamilyQuadratic, constitution.HouseB, func(r *constitution.DecisionRule) { r.VoiceCredits = 25 })
	a, b, c := w.member("a"), w.member("b"), w.member("c")
	w.member("d") // eligible, does not vote
	bal := w.create(a, CreateRequest{Options: []string{"gpu", "docs", "evals"}})
	assert.Equal(t, int64(25), bal.VoiceCredits)
	w.open(bal)
	cast := func(who identity.Identity, as ...Allocation) error {
		_, err := Cast(w.as(who), w.deps, CastRequest{Ballot: bal.ID, Allocations: as})
		return err
	}
	require.NoError(t, cast(a, Allocation{"gpu", 5}))                        // 25
	require.NoError(t, cast(b, Allocation{"docs", 3}, Allocation{"gpu", 4})) // 9+16
	require.NoError(t, cast(c, Allocation{"evals", 4}, Allocation{"docs", 2}, Allocation{"abstain", 2}))
	refusals := []struct {
		name string
		as   []Allocation
		msg  string
	}{
		{"over credits", []Allocation{{"gpu", 4}, {"docs", 3}, {"evals", 1}}, "more than the 25 voice credits"},
		{"single over credits", []Allocation{{"gpu", 6}}, "more than the 25"},
		{"huge votes do not overflow", []Allocation{{"gpu", 1 << 40}}, "more than the 25"},
		{"zero votes", []Allocation{{"gpu", 0}}, "positive whole numbers"},
		{"negative votes", []Allocation{{"gpu", -3}}, "positive whole numbers"},
		{"unknown option", []Allocation{{"yachts", 1}}, `unknown choice "yachts"`},
		{"allocated twice", []Allocation{{"gpu", 1}, {"gpu", 1}}, "allocated twice"},
		{"no allocation", nil, "at least one allocation"},
	}
	for _, r := range refusals {
		t.Run(r.name, func(t *testing.T) {
			before := w.s.(*core.MemStore).Snapshot()
			err := cast(a, r.as...)
			require.ErrorIs(t, err, errcode.ErrInvalidArgument)
			assert.Contains(t, err.Error(), r.msg)
			assert.Equal(t, before, w.s.(*core.MemStore).Snapshot())
		})
	}
	_, err := Cast(w.as(a), w.deps, CastRequest{Ballot: bal.ID, Choice: "gpu"})
	require.ErrorIs(t, err, errcode.ErrInvalidArgument)
	got := w.closeAndTally(bal, 2)
	assert.Equal(t, "9", total(got.Result, "gpu"))
	assert.Equal(t, "5", total(got.Result, "docs"))
	assert.Equal(t, "4", total(got.Result, "evals"))
	assert.Equal(t, "2", total(got.Result, ChoiceAbstain))
	assert.Equal(t, "3", got.Result.Participation, "quadratic quorum counts voters")
	assert.Equal(t, "4", got.Result.Electorate, "every eligible member")
	assert.False(t, got.Result.Passed, "gpu has 9 of 18: not a majority")
	assert.Equal(t, StatusDefeated, got.Status)
}

func TestReputationAndSeat(t *testing.T) {
	t.Run("reputation", func(t *testing.T) {
		w := newWorld(t, constitution.FamilyReputation, constitution.HouseB, func(r *constitution.DecisionRule) {
			r.ReputationCategories = []string{"safety"}
			r.QuorumBps = 5000
		})
		a, b, c := w.member("a"), w.member("b"), w.member("c")
		var seen []string
		w.deps.Reputation = func(_ core.Store, m identity.Identity, at time.Time, cats []string, _ *constitution.Reputation) (int64, error) {
			seen = cats
			if at.After(testutil.T0().Add(testDelay * time.Second)) {
				return 0, fmt.Errorf("score read at %s, not at open", at)
			}
			return map[identity.Identity]int64{a: 3000, b: 1000, c: 2500}[m], nil
		}
		bal := w.create(a, CreateRequest{})
		w.open(bal)
		w.vote(bal, a, ChoiceFor)
		w.vote(bal, b, ChoiceAgainst)
		got := w.closeAndTally(bal, 0)
		assert.Equal(t, []string{"safety"}, seen)
		assert.Equal(t, "3000", total(got.Result, ChoiceFor))
		assert.Equal(t, "6500", got.Result.Electorate)
		assert.True(t, got.Result.QuorumReached, "4000 of 6500 ≥ 50%")
		assert.Equal(t, StatusSucceeded, got.Status)
	})
	t.Run("reputation without a score is ineligible", func(t *testing.T) {
		w := newWorld(t, constitution.FamilyReputation, constitution.HouseB, nil)
		a, z := w.member("a"), w.member("z")
		w.rep[a] = 10
		bal := w.create(a, CreateRequest{})
		w.open(bal)
		_, err := Cast(w.as(z), w.deps, CastRequest{Ballot: bal.ID, Choice: ChoiceFor})
		require.ErrorIs(t, err, errcode.ErrForbidden)
		assert.Contains(t, err.Error(), "had no reputation")
	})
	t.Run("reputation ledger missing", func(t *testing.T) {
		w := newWorld(t, constitution.FamilyReputation, constitution.HouseB, nil)
		a := w.member("a")
		bal := w.create(a, CreateRequest{})
		w.open(bal)
		_, err := Cast(w.as(a), Deps{}, CastRequest{Ballot: bal.ID, Choice: ChoiceFor})
		require.ErrorIs(t, err, errcode.ErrFailedPrecondition)
		assert.Contains(t, err.Error(), "reputation ledger is not available")
	})
	t.Run("seat: House A only, one vote each", func(t *testing.T) {
		w := newWorld(t, constitution.FamilySeat, constitution.HouseA, func(r *constitution.DecisionRule) { r.QuorumBps = 5000 })
		s1, s2, s3 := w.member("s1", membership.RoleHouseA), w.member("s2", membership.RoleHouseA), w.member("s3", membership.RoleHouseA)
		plain := w.member("p")
		bal := w.create(s1, CreateRequest{})
		w.open(bal)
		_, err := Cast(w.as(plain), w.deps, CastRequest{Ballot: bal.ID, Choice: ChoiceFor})
		require.ErrorIs(t, err, errcode.ErrForbidden)
		assert.Contains(t, err.Error(), "House A seat")
		w.vote(bal, s1, ChoiceFor)
		w.vote(bal, s2, ChoiceAbstain)
		_ = s3
		got := w.closeAndTally(bal, 0)
		assert.Equal(t, "3", got.Result.Electorate)
		assert.Equal(t, "2", got.Result.Participation)
		assert.True(t, got.Result.QuorumReached)
		assert.Equal(t, StatusSucceeded, got.Status)
	})
}

func TestPoll(t *testing.T) {
	w := newWorld(t, constitution.FamilyToken, constitution.HouseB, nil)
	var ms []identity.Identity
	for i := range 7 {
		ms = append(ms, w.member(fmt.Sprintf("m%d", i)))
	}
	p := w.create(ms[0], CreateRequest{Kind: KindPoll, Title: "How legitimate was the last release decision?", VotingPeriodSec: 60})
	assert.Equal(t, w.now.Add(testSkew*time.Second), p.OpensAt, "a poll with no delay opens one clock skew after creation")
	w.open(p)
	for i, ans := range []string{"7", "6", "6", "5", "3", "2", "1"} {
		w.vote(p, ms[i], ans)
	}
	_, err := Cast(w.as(ms[0]), w.deps, CastRequest{Ballot: p.ID, Choice: "8"})
	require.ErrorIs(t, err, errcode.ErrInvalidArgument)
	got := w.closeAndTally(p, 3)
	assert.Equal(t, StatusCompleted, got.Status)
	require.NotNil(t, got.Result.Likert)
	assert.Equal(t, []int64{1, 1, 1, 0, 1, 2, 1}, got.Result.Likert.Distribution)
	assert.Equal(t, "30/7", got.Result.Likert.Mean)
	assert.Equal(t, int64(4286), got.Result.Likert.MeanMilli)
	_, err = Queue(w.as(ms[0]), p.ID)
	require.ErrorIs(t, err, errcode.ErrFailedPrecondition, "polls decide nothing")
}

func TestRefusalsChangeNothing(t *testing.T) {
	w := newWorld(t, constitution.FamilyToken, constitution.HouseB, nil)
	ada, bob := w.member("ada"), w.member("bob")
	poor := w.member("poor")
	stranger := testutil.ID("LabBMSP", "stranger")
	w.mint(ada, 10)
	w.mint(bob, 10)
	b := w.create(ada, CreateRequest{})
	closed := w.create(ada, CreateRequest{Title: "closed one"})
	w.open(b)
	w.now = w.now.Add(time.Second)
	late := w.member("late")
	w.mint(late, 5)
	w.now = closed.CloseableFrom(testSkew * time.Second)
	_, err := Close(w.as(ada), closed.ID)
	require.NoError(t, err)
	w.now = b.OpensAt.Add(time.Minute)
	huge := int64(1) << 62
	tests := []struct {
		name string
		call func() error
		code errcode.Code
		msg  string
	}{
		{"non-member votes", func() error {
			_, err := Cast(w.as(stranger), w.deps, CastRequest{Ballot: b.ID, Choice: "for"})
			return err
		}, errcode.Forbidden, "not an active member"},
		{"member registered after opening", func() error {
			_, err := Cast(w.as(late), w.deps, CastRequest{Ballot: b.ID, Choice: "for"})
			return err
		}, errcode.Forbidden, "registered at"},
		{"member without weight", func() error {
			_, err := Cast(w.as(poor), w.deps, CastRequest{Ballot: b.ID, Choice: "for"})
			return err
		}, errcode.Forbidden, "held no tokens"},
		{"closed ballot", func() error {
			_, err := Cast(w.as(ada), w.deps, CastRequest{Ballot: closed.ID, Choice: "for"})
			return err
		}, errcode.FailedPrecondition, "is closed"},
		{"unknown ballot", func() error {
			_, err := Cast(w.as(ada), w.deps, CastRequest{Ballot: "bnope", Choice: "for"})
			return err
		}, errcode.NotFound, "bnope"},
		{"unknown option", func() error {
			_, err := Cast(w.as(ada), w.deps, CastRequest{Ballot: b.ID, Choice: "maybe"})
			return err
		}, errcode.InvalidArgument, `unknown choice "maybe"`},
		{"allocations on a token ballot", func() error {
			_, err := Cast(w.as(ada), w.deps, CastRequest{Ballot: b.ID, Allocations: []Allocation{{"for", 1}}})
			return err
		}, errcode.InvalidArgument, "quadratic"},
		{"close before the period ends", func() error { _, err := Close(w.as(ada), b.ID); return err }, errcode.FailedPrecondition, "cannot be closed before"},
		{"tally before close", func() error { _, err := Tally(w.as(ada), w.deps, b.ID, 0); return err }, errcode.FailedPrecondition, "only closed ballots"},
		{"page too big", func() error { _, err := Tally(w.as(ada), w.deps, closed.ID, MaxPageSize+1); return err }, errcode.InvalidArgument, "page size"},
		{"execute before queue", func() error { _, err := Execute(w.as(ada), b.ID); return err }, errcode.FailedPrecondition, "cannot become executed"},
		{"create a decision ballot", func() error {
			_, err := Create(w.as(ada), w.deps, CreateRequest{Title: "x", DecisionType: constitution.Budget})
			return err
		}, errcode.InvalidArgument, "opened only by decision:Propose"},
		{"create a decision ballot, kind given", func() error {
			_, err := Create(w.as(ada), w.deps, CreateRequest{Kind: KindDecision, Title: "x"})
			return err
		}, errcode.InvalidArgument, "opened only by decision:Propose"},
		{"poll by non-member", func() error {
			_, err := Create(w.as(stranger), w.deps, CreateRequest{Kind: KindPoll, Title: "x", VotingPeriodSec: 60})
			return err
		}, errcode.Forbidden, "not an active member"},
		{"poll about an unknown type", func() error {
			_, err := Create(w.as(ada), w.deps, CreateRequest{Kind: KindPoll, Title: "x", DecisionType: "coup", VotingPeriodSec: 60})
			return err
		}, errcode.InvalidArgument, "coup"},
		{"open in the wrong house", func() error {
			_, err := w.openDecision(ada, CreateRequest{Title: "x", House: constitution.HouseA})
			return err
		}, errcode.InvalidArgument, "not decided by house"},
		{"open with duplicate options", func() error {
			_, err := w.openDecision(ada, CreateRequest{Title: "x", Options: []string{"a", "a"}})
			return err
		}, errcode.InvalidArgument, "listed twice"},
		{"poll without period", func() error {
			_, err := Create(w.as(ada), w.deps, CreateRequest{Kind: KindPoll, Title: "x"})
			return err
		}, errcode.InvalidArgument, "votingPeriodSeconds"},
		{"issue negative", func() error {
			_, err := token.Issue(w.tx(w.admin, true), token.IssueRequest{Allocations: []token.Allocation{{Member: ada, Amount: -5}}}, "d")
			return err
		}, errcode.InvalidArgument, "positive"},
		{"issue overflowing", func() error {
			_, err := token.Issue(w.tx(w.admin, true), token.IssueRequest{Allocations: []token.Allocation{{Member: ada, Amount: huge}}}, "d")
			return err
		}, errcode.InvalidArgument, "past the maximum"},
		{"transfer beyond balance", func() error {
			_, err := token.Transfer(w.as(ada), token.TransferRequest{To: bob, Amount: 11})
			return err
		}, errcode.InvalidArgument, "exceeds the balance 10"},
		{"transfer to oneself", func() error {
			_, err := token.Transfer(w.as(ada), token.TransferRequest{To: ada, Amount: 1})
			return err
		}, errcode.InvalidArgument, "oneself"},
		{"transfer to a stranger", func() error {
			_, err := token.Transfer(w.as(ada), token.TransferRequest{To: stranger, Amount: 1})
			return err
		}, errcode.NotFound, "not registered"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ms := w.s.(*core.MemStore)
			before, writes := ms.Snapshot(), ms.Writes
			err := tt.call()
			require.Error(t, err)
			assert.Equal(t, tt.code, errcode.CodeOf(err), err.Error())
			assert.Contains(t, err.Error(), tt.msg)
			assert.Equal(t, before, ms.Snapshot(), "state unchanged")
			assert.Equal(t, writes, ms.Writes, "nothing written")
		})
	}
}

// TestVoteWritesOnlyTheVotersKey pins the data design: a vote writes one
// key, the voter's own.
func TestVoteWritesOnlyTheVotersKey(t *testing.T) {
	w := newWorld(t, constitution.FamilyToken, constitution.HouseB, nil)
	ada := w.member("ada")
	w.mint(ada, 3)
	b := w.create(ada, CreateRequest{})
	w.open(b)
	ms := w.s.(*core.MemStore)
	before := ms.Snapshot()
	w.vote(b, ada, ChoiceFor)
	after := ms.Snapshot()
	key, err := VoteKey(b.ID, ada)
	require.NoError(t, err)
	var changed []string
	for _, k := range ms.Keys() {
		if before[k] != after[k] {
			changed = append(changed, k)
		}
	}
	assert.Equal(t, []string{key}, changed)
}

// randomBallot builds a token or delegated ballot with n voters whose
// balances, choices and delegations come from seed.
func randomBallot(t testing.TB, s core.Store, seed uint64, n int, fam constitution.Family) (*world, *Ballot, []Weighted) {
	rng := rand.New(rand.NewPCG(seed, 7))
	w := newWorldOn(t, s, fam, constitution.HouseB, func(r *constitution.DecisionRule) { r.QuorumBps = int64(rng.IntN(3000)) })
	var opts []string
	if rng.IntN(2) == 0 {
		opts = []string{"alpha", "beta", "gamma"}
	}
	ids := make([]identity.Identity, n)
	bal := make([]int64, n)
	for i := range n {
		ids[i] = w.member(fmt.Sprintf("v%06d", i))
		bal[i] = int64(rng.IntN(1000) + 1)
		w.mint(ids[i], bal[i])
	}
	b := w.create(ids[0], CreateRequest{Options: opts})
	w.open(b)
	choices := b.Choices()
	var votes []Weighted
	for i := range n {
		if rng.IntN(10) == 0 {
			continue // abstains from voting altogether
		}
		c := choices[rng.IntN(len(choices))]
		w.vote(b, ids[i], c)
		if rng.IntN(5) == 0 { // changes their mind
			c = choices[rng.IntN(len(choices))]
			w.vote(b, ids[i], c)
		}
		votes = append(votes, Weighted{Vote: Vote{Voter: ids[i], Choice: c}, Weight: big.NewInt(bal[i])})
	}
	return w, b, votes
}

func TestPagedTallyEqualsInMemory(t *testing.T) {
	for seed := range uint64(40) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			w, b, votes := randomBallot(t, core.NewMemStore(), seed, 20+int(seed)*7, constitution.FamilyToken)
			supply, err := token.SupplyAt(w.s, b.OpensAt)
			require.NoError(t, err)
			want := Compute(b, votes, big.NewInt(supply))
			got := w.closeAndTally(b, 1+int(seed)%9)
			assert.Equal(t, want, got.Result)
		})
	}
}

func TestTallyIsByteIdentical(t *testing.T) {
	run := func() []byte {
		w, b, _ := randomBallot(t, core.NewMemStore(), 99, 60, constitution.FamilyToken)
		got := w.closeAndTally(b, 7)
		raw, err := json.Marshal(got)
		require.NoError(t, err)
		return raw
	}
	assert.Equal(t, string(run()), string(run()))
}

func BenchmarkTally(b *testing.B) {
	for _, n := range []int{1000, 10000, 100000} {
		b.Run(fmt.Sprintf("votes=%d", n), func(b *testing.B) {
			w, bal, votes := randomBallot(b, newSortedStore(), 1, n, constitution.FamilyToken)
			if err := func() error {
				w.now = bal.CloseableFrom(testSkew * time.Second)
				_, err := Close(w.as(w.admin), bal.ID)
				return err
			}(); err != nil {
				b.Fatal(err)
			}
			supply, err := token.SupplyAt(w.s, bal.OpensAt)
			if err != nil {
				b.Fatal(err)
			}
			want := Compute(bal, votes, big.NewInt(supply))
			ss := w.s.(*sortedStore)
			b.ResetTimer()
			for range b.N {
				b.StopTimer()
				tk, _ := tallyKey(bal.ID)
				delete(ss.data, tk) // fresh tally each round
				b.StartTimer()
				pages := 0
				for {
					p, err := Tally(w.as(w.admin), w.deps, bal.ID, DefaultPageSize)
					if err != nil {
						b.Fatal(err)
					}
					pages++
					if p.Done {
						b.StopTimer()
						if got, _ := json.Marshal(p.Result); string(got) != string(mustJSON(want)) {
							b.Fatalf("paged tally differs from in-memory tally")
						}
						// reopen for the next round
						got, _ := Get(w.s, bal.ID)
						got.Status, got.Result, got.TalliedAt = StatusClosed, nil, nil
						_ = save(w.as(w.admin), got)
						b.StartTimer()
						break
					}
				}
				b.ReportMetric(float64(pages), "pages")
			}
		})
	}
}

func mustJSON(v any) []byte {
	raw, _ := json.Marshal(v)
	return raw
}

func TestOpenWritesADecisionBallotWithoutAnEvent(t *testing.T) {
	s := core.NewMemStore()
	_, err := constitution.InstallGenesis(testutil.Tx(s, testutil.ID("LabAMSP", "admin"), true, testutil.T0()), constitution.Default())
	require.NoError(t, err)
	rule := constitution.DecisionRule{Type: constitution.Budget, Houses: []constitution.HouseID{constitution.HouseB},
		Families: []constitution.Family{constitution.FamilyQuadratic}, QuorumBps: 1000, ThresholdBps: 5001,
		VotingDelaySec: 60, VotingPeriodSec: 600, TimelockSec: 30}
	tx := &core.Tx{Store: s, Time: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), TxID: "t1"}
	spec := OpenSpec{ID: "d1-B", Decision: "d1", House: constitution.HouseB, Rule: rule, ConstitutionVersion: 1,
		ConstitutionHash: "abc", MaxDelegationDepth: 4, Title: "Q1 budget"}
	b, err := Open(tx, spec)
	require.NoError(t, err)
	assert.Nil(t, tx.Event(), "the decision's transaction emits its own event")
	assert.Equal(t, KindDecision, b.Kind)
	assert.Equal(t, "d1", b.Decision)
	assert.Equal(t, constitution.FamilyQuadratic, b.Family)
	assert.Equal(t, rule.Credits(), b.VoiceCredits)
	// The default constitution's skew of 5 minutes, longer than the
	// rule's one-minute delay, decides when voting opens.
	assert.Equal(t, tx.Time.Add(5*time.Minute), b.OpensAt)
	assert.Equal(t, tx.Time.Add(15*time.Minute), b.EndsAt)
	assert.Equal(t, int64(300), b.SkewSec)
	assert.Equal(t, int64(5000), b.OrgCapBps, "the organisation cap of the frozen version")
	require.NotNil(t, b.Vouching, "the vouching rule of the frozen version")
	assert.Equal(t, int64(1), b.Vouching.Required)
	got, err := Get(s, "d1-B")
	require.NoError(t, err)
	assert.Equal(t, b, got)

	writes := s.Writes
	_, err = Open(tx, spec)
	assert.ErrorIs(t, err, errcode.ErrConflict)
	other := spec
	other.ID, other.House = "d1-A", constitution.HouseA
	_, err = Open(tx, other)
	assert.ErrorIs(t, err, errcode.ErrInvalidArgument, "a house the rule does not route to")
	assert.Equal(t, writes, s.Writes, "refusals write nothing")
}
