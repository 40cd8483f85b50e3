package token

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/internal/testutil"
	"github.com/charter-gov/charter/chaincode/membership"
)

func setup(t *testing.T) (*core.MemStore, identity.Identity, identity.Identity, identity.Identity) {
	s := core.NewMemStore()
	admin := testutil.ID("LabAMSP", "admin")
	ada, bob, tess := testutil.ID("LabAMSP", "ada"), testutil.ID("LabAMSP", "bob"), testutil.ID("LabAMSP", "tess")
	for _, m := range []struct {
		id    identity.Identity
		roles []membership.Role
	}{{ada, nil}, {bob, nil}, {tess, []membership.Role{membership.RoleTreasurer}}} {
		_, err := membership.RegisterFounding(testutil.Tx(s, admin, true, testutil.T0()), membership.FoundingMember{Member: m.id, Name: "x", Roles: m.roles}, "test-genesis")
		require.NoError(t, err)
	}
	return s, ada, bob, tess
}

func TestCheckpointsAnswerBalanceAtAnyTime(t *testing.T) {
	s, ada, bob, tess := setup(t)
	t0 := testutil.T0()
	at := func(sec int) time.Time { return t0.Add(time.Duration(sec) * time.Second) }
	_, err := Issue(testutil.Tx(s, tess, false, at(10)), IssueRequest{Allocations: []Allocation{{Member: ada, Amount: 100}}}, "d1")
	require.NoError(t, err)
	_, err = Transfer(testutil.Tx(s, ada, false, at(20)), TransferRequest{To: bob, Amount: 30})
	require.NoError(t, err)
	_, err = Issue(testutil.Tx(s, testutil.ID("LabAMSP", "admin"), true, at(30)), IssueRequest{Allocations: []Allocation{{Member: bob, Amount: 5}}}, "d2")
	require.NoError(t, err)
	_, err = Transfer(testutil.Tx(s, bob, false, at(40)), TransferRequest{To: ada, Amount: 35})
	require.NoError(t, err)
	tests := []struct {
		sec           int
		ada, bob, sup int64
	}{
		{5, 0, 0, 0}, {10, 100, 0, 100}, {19, 100, 0, 100}, {20, 70, 30, 100}, {30, 70, 35, 105}, {39, 70, 35, 105}, {40, 105, 0, 105}, {99, 105, 0, 105},
	}
	for _, tt := range tests {
		a, err := BalanceAt(s, ada, at(tt.sec))
		require.NoError(t, err)
		b, err := BalanceAt(s, bob, at(tt.sec))
		require.NoError(t, err)
		sup, err := SupplyAt(s, at(tt.sec))
		require.NoError(t, err)
		assert.Equal(t, []int64{tt.ada, tt.bob, tt.sup}, []int64{a, b, sup}, "at +%ds", tt.sec)
	}
	h, err := History(s, ada, 2)
	require.NoError(t, err)
	require.Len(t, h, 2)
	assert.Equal(t, int64(35), h[0].Delta, "newest first")
	accts, err := Accounts(s, "")
	require.NoError(t, err)
	assert.Len(t, accts, 2)
}

func TestIssue(t *testing.T) {
	s, ada, bob, tess := setup(t)
	tx := testutil.Tx(s, tess, false, testutil.T0())
	out, err := Issue(tx, IssueRequest{Allocations: []Allocation{{Member: ada, Amount: 100}, {Member: bob, Amount: 50}}, Memo: "founding"}, "d1")
	require.NoError(t, err)
	assert.Equal(t, int64(150), out.Total)
	assert.Equal(t, int64(150), out.Supply)
	assert.Equal(t, "d1", out.Decision)
	require.Len(t, out.Receipts, 2)
	assert.Equal(t, Receipt{To: bob, Amount: 50, ToBalance: 50, Supply: 150, Memo: "founding", At: testutil.T0()}, out.Receipts[1])
	require.NotNil(t, tx.Event())
	assert.Equal(t, EventIssued, tx.Event().Type, "one event for the whole issuance")

	removed := testutil.ID("LabAMSP", "gone")
	allocs := func(as ...Allocation) IssueRequest { return IssueRequest{Allocations: as} }
	many := IssueRequest{}
	for i := 0; i <= MaxAllocations; i++ {
		many.Allocations = append(many.Allocations, Allocation{Member: testutil.ID("LabAMSP", fmt.Sprintf("m%d", i)), Amount: 1})
	}
	tests := []struct {
		name     string
		req      IssueRequest
		decision string
		code     errcode.Code
		want     string
	}{
		{"no decision", allocs(Allocation{Member: ada, Amount: 1}), " ", errcode.InvalidArgument, "decision"},
		{"no allocation", IssueRequest{}, "d", errcode.InvalidArgument, "at least one allocation"},
		{"too many allocations", many, "d", errcode.InvalidArgument, "at most 100"},
		{"a member twice", allocs(Allocation{Member: ada, Amount: 1}, Allocation{Member: ada, Amount: 1}), "d", errcode.InvalidArgument, "a second time"},
		{"zero amount", allocs(Allocation{Member: ada, Amount: 0}), "d", errcode.InvalidArgument, "positive"},
		{"negative amount", allocs(Allocation{Member: ada, Amount: -5}), "d", errcode.InvalidArgument, "positive"},
		{"not a member", allocs(Allocation{Member: removed, Amount: 1}), "d", errcode.NotFound, "not registered"},
		{"malformed member", allocs(Allocation{Member: identity.Identity{}, Amount: 1}), "d", errcode.InvalidArgument, "allocation 0"},
		{"sum overflows", allocs(Allocation{Member: ada, Amount: MaxSupply}, Allocation{Member: bob, Amount: MaxSupply}), "d", errcode.InvalidArgument, "more than the maximum supply"},
		{"past the maximum supply", allocs(Allocation{Member: ada, Amount: MaxSupply - 100}), "d", errcode.InvalidArgument, "past the maximum"},
		{"control character in memo", IssueRequest{Allocations: []Allocation{{Member: ada, Amount: 1}}, Memo: "a\x00"}, "d", errcode.InvalidArgument, "control character"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, writes := s.Snapshot(), s.Writes
			tx := testutil.Tx(s, tess, false, testutil.T0())
			_, err := Issue(tx, tt.req, tt.decision)
			assert.Equal(t, tt.code, errcode.CodeOf(err), "%v", err)
			assert.ErrorContains(t, err, tt.want)
			assert.Equal(t, before, s.Snapshot(), "nothing changed")
			assert.Equal(t, writes, s.Writes)
			assert.Nil(t, tx.Event())
		})
	}
}

func TestSupplyCap(t *testing.T) {
	s, ada, _, tess := setup(t)
	_, err := Issue(testutil.Tx(s, tess, false, testutil.T0()), IssueRequest{Allocations: []Allocation{{Member: ada, Amount: MaxSupply}}}, "d1")
	require.NoError(t, err)
	before := s.Snapshot()
	_, err = Issue(testutil.Tx(s, tess, false, testutil.T0()), IssueRequest{Allocations: []Allocation{{Member: ada, Amount: 1}}}, "d2")
	require.ErrorIs(t, err, errcode.ErrInvalidArgument)
	assert.Equal(t, before, s.Snapshot())
}

func TestIssueInitial(t *testing.T) {
	s, ada, bob, _ := setup(t)
	tx := testutil.Tx(s, testutil.ID("LabBMSP", "admin"), true, testutil.T0())
	supply, err := IssueInitial(tx, []MintRequest{{To: ada, Amount: 70}, {To: bob, Amount: 30}})
	require.NoError(t, err)
	assert.Equal(t, int64(100), supply)
	assert.Nil(t, tx.Event(), "the founding act emits the event")
	for _, c := range []struct {
		id   identity.Identity
		want int64
	}{{ada, 70}, {bob, 30}} {
		b, err := Balance(s, c.id)
		require.NoError(t, err)
		assert.Equal(t, c.want, b)
	}
	cp, err := SupplyAt(s, testutil.T0())
	require.NoError(t, err)
	assert.Equal(t, int64(100), cp)

	for _, tc := range []struct {
		name string
		reqs []MintRequest
		want string
	}{
		{"out of order", []MintRequest{{To: bob, Amount: 1}, {To: ada, Amount: 1}}, "ascending order"},
		{"named twice", []MintRequest{{To: ada, Amount: 1}, {To: ada, Amount: 1}}, "ascending order"},
		{"zero", []MintRequest{{To: ada, Amount: 0}}, "positive"},
		{"past the maximum supply", []MintRequest{{To: ada, Amount: MaxSupply}}, "maximum"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := s.Snapshot()
			_, err := IssueInitial(testutil.Tx(s, ada, false, testutil.T0()), tc.reqs)
			require.ErrorIs(t, err, errcode.ErrInvalidArgument)
			assert.Contains(t, err.Error(), tc.want)
			assert.Equal(t, before, s.Snapshot())
		})
	}
}

// Finding: backdating doubled weight. Ada→Bob stamped a minute after an
// opening O, then Bob→Tess stamped a minute before O: on the old code the
// second transfer wrote checkpoints under O (Bob's "latest" record at O−1m
// with balance 0, Tess 100 from O−1m) while Ada still had 100 at O, so two
// accounts held 100 each as of O with a supply of 100. Now the second
// transfer is recorded at O+1m on both sides.
func TestBackdatedTransferCannotReachUnderALaterCheckpoint(t *testing.T) {
	s, ada, bob, tess := setup(t)
	o := testutil.T0().Add(time.Hour)
	_, err := Issue(testutil.Tx(s, tess, false, o.Add(-time.Hour/2)), IssueRequest{Allocations: []Allocation{{Member: ada, Amount: 100}}}, "d-back")
	require.NoError(t, err)
	_, err = Transfer(testutil.Tx(s, ada, false, o.Add(time.Minute)), TransferRequest{To: bob, Amount: 100})
	require.NoError(t, err)
	r, err := Transfer(testutil.Tx(s, bob, false, o.Add(-time.Minute)), TransferRequest{To: tess, Amount: 100})
	require.NoError(t, err)
	assert.Equal(t, o.Add(time.Minute), r.At, "recorded at the newest entry's time, not before it")

	var sum int64
	for _, a := range []identity.Identity{ada, bob, tess} {
		b, err := BalanceAt(s, a, o)
		require.NoError(t, err)
		sum += b
	}
	supply, err := SupplyAt(s, o)
	require.NoError(t, err)
	assert.Equal(t, int64(100), supply)
	assert.Equal(t, supply, sum, "balances as of O add up to the supply as of O")
	a, err := BalanceAt(s, ada, o)
	require.NoError(t, err)
	assert.Equal(t, int64(100), a)

	h, err := History(s, tess, 10)
	require.NoError(t, err)
	require.Len(t, h, 1)
	assert.Equal(t, o.Add(time.Minute), h[0].At)
}

// Two entries of one account at the same recorded time merge: the
// checkpoint keeps the balance after both and the sum of their deltas.
func TestEntriesAtTheSameTimeMerge(t *testing.T) {
	s, ada, bob, tess := setup(t)
	t1 := testutil.T0().Add(time.Minute)
	_, err := Issue(testutil.Tx(s, tess, false, t1), IssueRequest{Allocations: []Allocation{{Member: ada, Amount: 10}}}, "d-1")
	require.NoError(t, err)
	_, err = Issue(testutil.Tx(s, tess, false, t1.Add(-time.Second)), IssueRequest{Allocations: []Allocation{{Member: ada, Amount: 5}}}, "d-same")
	require.NoError(t, err)
	_, err = Transfer(testutil.Tx(s, ada, false, t1), TransferRequest{To: bob, Amount: 3})
	require.NoError(t, err)
	h, err := History(s, ada, 10)
	require.NoError(t, err)
	require.Len(t, h, 1)
	assert.Equal(t, Checkpoint{Balance: 12, At: t1, Delta: 12, Kind: "out", TxID: h[0].TxID}, h[0])
	sup, err := SupplyAt(s, t1)
	require.NoError(t, err)
	assert.Equal(t, int64(15), sup)
	hs, err := SupplyAt(s, t1.Add(-time.Nanosecond))
	require.NoError(t, err)
	assert.Equal(t, int64(0), hs)
}

func TestAccountsPaged(t *testing.T) {
	s, ada, bob, tess := setup(t)
	admin := testutil.ID("LabAMSP", "admin")
	for i, id := range []identity.Identity{ada, bob, tess} {
		_, err := Issue(testutil.Tx(s, admin, true, testutil.T0().Add(time.Duration(i+1)*time.Second)), IssueRequest{Allocations: []Allocation{{Member: id, Amount: int64(10 * (i + 1))}}}, "d-paged")
		require.NoError(t, err)
	}
	var got []Account
	bookmark, pages := "", 0
	for {
		p, err := AccountsPaged(s, "LabAMSP", 2, bookmark)
		require.NoError(t, err)
		assert.LessOrEqual(t, len(p.Accounts), 2)
		got = append(got, p.Accounts...)
		pages++
		if p.Bookmark == "" {
			break
		}
		bookmark = p.Bookmark
	}
	assert.Equal(t, 2, pages)
	all, err := Accounts(s, "")
	require.NoError(t, err)
	assert.Equal(t, all, got)
	require.Len(t, got, 3)
	_, err = AccountsPaged(s, "", core.MaxPageSize+1, "")
	assert.ErrorIs(t, err, errcode.ErrInvalidArgument)
}

// An escrow refused for its amount or its reference names the field and
// rule, and writes nothing.
func TestEscrowRefusalsNameFieldAndRule(t *testing.T) {
	s, ada, _, tess := setup(t)
	_, err := Issue(testutil.Tx(s, tess, false, testutil.T0()), IssueRequest{Allocations: []Allocation{{Member: ada, Amount: 10}}}, "d1")
	require.NoError(t, err)
	for _, tt := range []struct {
		name        string
		amount      int64
		ref         string
		field, rule string
	}{
		{"more than the balance", 11, "round:r1", "amount", "balance"},
		{"no reference", 5, " ", "ref", "required"},
		{"not positive", 0, "round:r1", "amount", "positive"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := s.Snapshot()
			_, err := Escrow(testutil.Tx(s, ada, false, testutil.T0().Add(time.Minute)), ada, tt.amount, tt.ref)
			require.True(t, errcode.IsCode(err, errcode.InvalidArgument), "%v", err)
			field, rule := errcode.FieldOf(err)
			assert.Equal(t, []string{tt.field, tt.rule}, []string{field, rule}, "%v", err)
			assert.Equal(t, before, s.Snapshot())
		})
	}
}

// Issuances and transfers refused for one input name it and the rule,
// and write nothing.
func TestIssueAndTransferRefusalsNameFieldAndRule(t *testing.T) {
	s, ada, bob, _ := setup(t)
	many := make([]Allocation, MaxAllocations+1)
	for i := range many {
		many[i] = Allocation{Member: ada, Amount: 1}
	}
	stranger := testutil.ID("LabAMSP", "stranger")
	for _, tt := range []struct {
		name        string
		do          func() error
		field, rule string
	}{
		{"no allocation", func() error { _, err := CheckIssue(s, IssueRequest{}); return err }, "allocations", "required"},
		{"too many allocations", func() error { _, err := CheckIssue(s, IssueRequest{Allocations: many}); return err }, "allocations", "max-items"},
		{"a member twice", func() error {
			_, err := CheckIssue(s, IssueRequest{Allocations: []Allocation{{Member: ada, Amount: 1}, {Member: ada, Amount: 1}}})
			return err
		}, "allocations[1].member", "unique"},
		{"a malformed member", func() error {
			_, err := CheckIssue(s, IssueRequest{Allocations: []Allocation{{Member: ada, Amount: 1}, {Member: identity.Identity{MSPID: "LabAMSP", ID: "bob"}, Amount: 1}}})
			return err
		}, "allocations[1].member", "x509-identity"},
		{"a zero amount", func() error {
			_, err := CheckIssue(s, IssueRequest{Allocations: []Allocation{{Member: ada, Amount: 1}, {Member: bob, Amount: 0}}})
			return err
		}, "allocations[1].amount", "positive"},
		{"past the maximum supply", func() error {
			_, err := CheckIssue(s, IssueRequest{Allocations: []Allocation{{Member: ada, Amount: MaxSupply}, {Member: bob, Amount: 1}}})
			return err
		}, "allocations[1].amount", "max-supply"},
		{"a transfer to oneself", func() error {
			_, err := Transfer(testutil.Tx(s, ada, false, testutil.T0()), TransferRequest{To: ada, Amount: 1})
			return err
		}, "to", "not-self"},
		{"a transfer by a non-member", func() error {
			_, err := Transfer(testutil.Tx(s, stranger, false, testutil.T0()), TransferRequest{To: ada, Amount: 1})
			return err
		}, "", "active-member"},
		{"a history past its limit", func() error { _, err := History(s, ada, 1001); return err }, "limit", "range"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := s.Snapshot()
			err := tt.do()
			require.Error(t, err)
			field, rule := errcode.FieldOf(err)
			assert.Equal(t, []string{tt.field, tt.rule}, []string{field, rule}, "%v", err)
			assert.Equal(t, before, s.Snapshot())
		})
	}
}
