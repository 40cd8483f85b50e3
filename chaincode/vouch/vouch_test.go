package vouch

import (
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
)

type world struct {
	s   *core.MemStore
	now time.Time
}

func newWorld(t *testing.T) *world {
	w := &world{s: core.NewMemStore(), now: testutil.T0()}
	_, err := constitution.InstallGenesis(w.tx(testutil.ID("FoundationMSP", "admin"), true), constitution.Default())
	require.NoError(t, err)
	return w
}

func (w *world) tx(caller identity.Identity, admin bool) *core.Tx {
	w.now = w.now.Add(time.Second)
	return testutil.Tx(w.s, caller, admin, w.now)
}

func (w *world) member(t *testing.T, msp, name string) identity.Identity {
	id := testutil.ID(msp, name)
	_, err := membership.Register(w.tx(testutil.ID(msp, "admin"), true), membership.RegisterRequest{Member: id, Name: name})
	require.NoError(t, err)
	return id
}

func TestGiveRefusalsChangeNothing(t *testing.T) {
	w := newWorld(t)
	ada := w.member(t, "LabAMSP", "ada")
	ann := w.member(t, "LabAMSP", "ann")
	bob := w.member(t, "LabBMSP", "bob")
	gone := w.member(t, "LabBMSP", "gone")
	_, err := membership.Remove(w.tx(testutil.ID("LabBMSP", "admin"), true), membership.RemoveRequest{Member: gone, Reason: "left"})
	require.NoError(t, err)
	_, err = Give(w.tx(bob, false), GiveRequest{Member: ada})
	require.NoError(t, err)

	tests := []struct {
		name   string
		caller identity.Identity
		admin  bool
		member identity.Identity
		want   error
		text   string
	}{
		{"same organisation", ann, false, ada, errcode.ErrForbidden, "another organisation"},
		{"an organisation admin is not a member", testutil.ID("LabBMSP", "admin"), true, ada, errcode.ErrForbidden, "not an active member"},
		{"a stranger", testutil.ID("LabBMSP", "stranger"), false, ada, errcode.ErrForbidden, "not an active member"},
		{"a removed voucher", gone, false, ada, errcode.ErrForbidden, "not an active member"},
		{"unknown member", bob, false, testutil.ID("LabAMSP", "ghost"), errcode.ErrNotFound, "ghost"},
		{"removed member", ada, false, gone, errcode.ErrNotFound, "removed"},
		{"malformed member", bob, false, identity.Identity{MSPID: "LabAMSP"}, errcode.ErrInvalidArgument, ""},
		{"twice", bob, false, ada, errcode.ErrConflict, "already vouched"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, writes := w.s.Snapshot(), w.s.Writes
			tx := w.tx(tt.caller, tt.admin)
			_, err := Give(tx, GiveRequest{Member: tt.member})
			require.ErrorIs(t, err, tt.want)
			assert.Contains(t, err.Error(), tt.text)
			assert.Equal(t, before, w.s.Snapshot(), "state unchanged")
			assert.Equal(t, writes, w.s.Writes)
			assert.Nil(t, tx.Event(), "no event")
		})
	}
}

func TestStanding(t *testing.T) {
	w := newWorld(t)
	ada := w.member(t, "LabAMSP", "ada")
	ann := w.member(t, "LabAMSP", "ann")
	bob := w.member(t, "LabBMSP", "bob")
	fay := w.member(t, "FoundationMSP", "fay")
	_, err := Give(w.tx(bob, false), GiveRequest{Member: ada})
	require.NoError(t, err)
	afterBob := w.now
	_, err = Give(w.tx(fay, false), GiveRequest{Member: ada})
	require.NoError(t, err)
	afterFay := w.now

	founder := testutil.ID("LabAMSP", "founder")
	_, err = membership.RegisterFounding(w.tx(testutil.ID("LabAMSP", "admin"), true), membership.FoundingMember{Member: founder, Name: "F"}, "genesis-hash")
	require.NoError(t, err)
	ruleOf := func(n int64) Rule { return Rule{Required: n} }
	tests := []struct {
		name    string
		rule    Rule
		member  identity.Identity
		at      time.Time
		vouched bool
		count   int64
		founder bool
	}{
		{"nothing required", ruleOf(0), ann, afterFay, true, 0, false},
		{"one from another org", ruleOf(1), ada, afterFay, true, 1, false},
		{"two needed, two given", ruleOf(2), ada, afterFay, true, 2, false},
		{"three needed", ruleOf(3), ada, afterFay, false, 2, false},
		{"as of before the second", ruleOf(2), ada, afterBob, false, 1, false},
		{"as of before any", ruleOf(1), ada, testutil.T0(), false, 0, false},
		{"nobody vouched", ruleOf(1), ann, afterFay, false, 0, false},
		{"a founder (registered by the genesis)", ruleOf(2), founder, testutil.T0(), true, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := membership.Get(w.s, tt.member)
			require.NoError(t, err)
			st, err := tt.rule.StandingAt(w.s, m, tt.at)
			require.NoError(t, err)
			assert.Equal(t, tt.vouched, st.Vouched)
			assert.Equal(t, tt.count, st.Vouches)
			assert.Equal(t, tt.founder, st.Founder)
		})
	}
	vs, err := List(w.s, ada)
	require.NoError(t, err)
	require.Len(t, vs, 2)
	assert.Equal(t, bob, vs[1].Voucher) // key order: FoundationMSP before LabBMSP
}

// A withdrawn vouch counts for every moment from its giving to its
// withdrawal and for none after: a ballot that opened before the
// withdrawal keeps it, one that opens later does not. Refusals change
// nothing.
func TestWithdraw(t *testing.T) {
	w := newWorld(t)
	ada := w.member(t, "LabAMSP", "ada")
	bob := w.member(t, "LabBMSP", "bob")
	fay := w.member(t, "FoundationMSP", "fay")
	given, err := Give(w.tx(bob, false), GiveRequest{Member: ada})
	require.NoError(t, err)
	opened := w.now // a ballot opening here counts bob's vouch

	tx := w.tx(bob, false)
	v, err := Withdraw(tx, WithdrawRequest{Member: ada})
	require.NoError(t, err)
	require.NotNil(t, v.WithdrawnAt)
	assert.Equal(t, tx.Time, *v.WithdrawnAt)
	assert.Equal(t, given.At, v.At, "the giving is kept")
	require.NotNil(t, tx.Event())
	assert.Equal(t, EventUnvouched, tx.Event().Type)

	m, err := membership.Get(w.s, ada)
	require.NoError(t, err)
	rule := Rule{Required: 1}
	st, err := rule.StandingAt(w.s, m, opened)
	require.NoError(t, err)
	assert.True(t, st.Vouched, "as of a moment before the withdrawal: still vouched")
	st, err = rule.StandingAt(w.s, m, *v.WithdrawnAt)
	require.NoError(t, err)
	assert.False(t, st.Vouched, "from the withdrawal on: not vouched")
	vs, err := List(w.s, ada)
	require.NoError(t, err)
	require.Len(t, vs, 1, "the record stays")
	assert.NotNil(t, vs[0].WithdrawnAt)

	// A withdrawal stamped before the vouch is recorded at the vouch's time
	// (the time rule), so the vouch never reads as withdrawn before given.
	_, err = Give(w.tx(fay, false), GiveRequest{Member: ada})
	require.NoError(t, err)
	back := testutil.Tx(w.s, fay, false, testutil.T0())
	v, err = Withdraw(back, WithdrawRequest{Member: ada})
	require.NoError(t, err)
	assert.False(t, v.WithdrawnAt.Before(v.At))

	tests := []struct {
		name   string
		caller identity.Identity
		member identity.Identity
		do     func(*core.Tx, identity.Identity) error
		want   error
		text   string
	}{
		{"withdraw twice", bob, ada, withdraw, errcode.ErrConflict, "already withdrew"},
		{"give again after withdrawing", bob, ada, give, errcode.ErrConflict, "not given again"},
		{"withdraw what was never given", fay, bob, withdraw, errcode.ErrNotFound, "has not vouched"},
		{"withdraw another's vouch", testutil.ID("LabBMSP", "mallory"), ada, withdraw, errcode.ErrNotFound, "has not vouched"},
		{"malformed member", bob, identity.Identity{MSPID: "LabAMSP"}, withdraw, errcode.ErrInvalidArgument, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, writes := w.s.Snapshot(), w.s.Writes
			tx := w.tx(tt.caller, false)
			err := tt.do(tx, tt.member)
			require.ErrorIs(t, err, tt.want)
			assert.Contains(t, err.Error(), tt.text)
			assert.Equal(t, before, w.s.Snapshot(), "state unchanged")
			assert.Equal(t, writes, w.s.Writes)
			assert.Nil(t, tx.Event(), "no event")
		})
	}
}

func withdraw(tx *core.Tx, m identity.Identity) error {
	_, err := Withdraw(tx, WithdrawRequest{Member: m})
	return err
}

func give(tx *core.Tx, m identity.Identity) error {
	_, err := Give(tx, GiveRequest{Member: m})
	return err
}
