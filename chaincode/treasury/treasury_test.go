package treasury_test

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
	"github.com/charter-gov/charter/chaincode/token"
	. "github.com/charter-gov/charter/chaincode/treasury"
)

var (
	foTres  = testutil.ID("FoundationMSP", "Tres@fo") // treasurer
	aTres   = testutil.ID("LabAMSP", "Tres@labA")     // treasurer
	aTres2  = testutil.ID("LabAMSP", "Tres2@labA")    // treasurer, same organisation as aTres
	bGrants = testutil.ID("LabBMSP", "Grants@labB")   // grants administrator
	ada     = testutil.ID("LabAMSP", "Ada@labA")      // plain member, payee
	bob     = testutil.ID("LabBMSP", "Bob@labB")      // plain member, payee
	ghost   = testutil.ID("LabBMSP", "Ghost@labB")    // never registered
	admin   = testutil.ID("LabAMSP", "Admin@labA")    // organisation admin
)

const (
	day   = 24 * time.Hour
	skew  = 300 * time.Second
	delay = 2 * day
)

type world struct {
	t   *testing.T
	s   *core.MemStore
	now time.Time
	n   int
}

func newWorld(t *testing.T, mutate ...func(*constitution.Document)) *world {
	t.Helper()
	w := &world{t: t, s: core.NewMemStore(), now: testutil.T0()}
	doc := constitution.Default()
	for _, m := range mutate {
		m(&doc)
	}
	_, err := constitution.InstallGenesis(testutil.Tx(w.s, admin, true, w.now), doc)
	require.NoError(t, err)
	for _, id := range []identity.Identity{foTres, aTres, aTres2, bGrants, ada, bob} {
		adminOf := identity.Identity{MSPID: id.MSPID, ID: "x509::CN=Admin::CN=ca"}
		_, err := membership.Register(testutil.Tx(w.s, adminOf, true, w.now), membership.RegisterRequest{Member: id, Name: "M"})
		require.NoError(t, err)
	}
	tx := w.tx(admin)
	for _, id := range []identity.Identity{foTres, aTres, aTres2} {
		_, err = membership.GrantRoleByDecision(tx, id, membership.RoleTreasurer, "genesis")
		require.NoError(t, err)
	}
	_, err = membership.GrantRoleByDecision(tx, bGrants, membership.RoleGrantsAdmin, "genesis")
	require.NoError(t, err)
	w.at(time.Minute)
	return w
}

// at moves the clock forward.
func (w *world) at(d time.Duration) { w.now = w.now.Add(d) }

func (w *world) tx(caller identity.Identity) *core.Tx {
	w.n++
	tx := testutil.Tx(w.s, caller, false, w.now)
	tx.TxID = fmt.Sprintf("tx-%04d", w.n)
	return tx
}

// refused runs fn as caller and checks it fails with code and a message
// containing want, writing nothing and emitting no event.
func (w *world) refused(caller identity.Identity, code errcode.Code, want string, fn func(tx *core.Tx) error) {
	w.t.Helper()
	before, writes := w.s.Snapshot(), w.s.Writes
	tx := w.tx(caller)
	err := fn(tx)
	require.Error(w.t, err)
	assert.Equal(w.t, code, errcode.CodeOf(err), "%v", err)
	assert.ErrorContains(w.t, err, want)
	assert.Equal(w.t, before, w.s.Snapshot(), "nothing changed")
	assert.Equal(w.t, writes, w.s.Writes, "nothing written")
	assert.Nil(w.t, tx.Event(), "no event")
}

// deposit records a deposit by the Foundation's treasurer and confirms it
// by LabA's.
func (w *world) deposit(acct string, amount int64) {
	w.t.Helper()
	d, err := Deposit(w.tx(foTres), DepositRequest{Account: acct, Amount: amount, Reference: "wire-" + acct, Reason: "grant received"})
	require.NoError(w.t, err)
	_, err = ConfirmDeposit(w.tx(aTres), ConfirmDepositRequest{Deposit: d.ID})
	require.NoError(w.t, err)
}

func (w *world) budget(id, acct string, amount int64) {
	w.t.Helper()
	_, err := OpenBudget(w.tx(admin), id, BudgetRequest{Account: acct, Amount: amount, Purpose: "evaluation compute"})
	require.NoError(w.t, err)
}

func (w *world) propose(by identity.Identity, req SpendRequest) *Spend {
	w.t.Helper()
	sp, err := ProposeSpend(w.tx(by), req)
	require.NoError(w.t, err)
	return sp
}

func (w *world) approve(id string, by ...identity.Identity) {
	w.t.Helper()
	for _, b := range by {
		_, err := Approve(w.tx(b), ApproveRequest{Spend: id})
		require.NoError(w.t, err)
	}
}

func pay(acct, budget string, payees ...Payee) SpendRequest {
	return SpendRequest{Account: acct, Budget: budget, Payees: payees, Reason: "evaluation grant"}
}

func balance(t *testing.T, s core.Store, acct string) int64 {
	t.Helper()
	a, err := GetAccount(s, acct)
	require.NoError(t, err)
	return a.Balance
}

func TestSpendLifecycle(t *testing.T) {
	w := newWorld(t)
	w.deposit("compute_credits", 30_000)
	w.budget("d-budget", "compute_credits", 20_000)
	sp := w.propose(bGrants, SpendRequest{Account: "compute_credits", Budget: "d-budget", Source: "round:r1", Reason: "round r1 matching",
		Payees: []Payee{{To: ada, Amount: 6_000}, {To: bob, Amount: 4_000}}})
	assert.Equal(t, StatusQueued, sp.Status, "within the decision threshold: queued at once")
	assert.Equal(t, int64(10_000), sp.Total)
	assert.False(t, sp.NeedsDecision)
	require.NotNil(t, sp.ExecutableAt)
	assert.Equal(t, sp.QueuedAt.Add(delay), *sp.ExecutableAt)
	b, err := GetBudget(w.s, "d-budget")
	require.NoError(t, err)
	assert.Equal(t, int64(10_000), b.Reserved, "the budget reserves the spend at once")

	w.approve(sp.ID, foTres, aTres)
	as, err := Approvals(w.s, sp.ID)
	require.NoError(t, err)
	assert.Len(t, as, 2)

	w.at(delay + 2*skew)
	tx := w.tx(aTres)
	out, err := Execute(tx, sp.ID)
	require.NoError(t, err)
	assert.Equal(t, StatusExecuted, out.Spend.Status)
	assert.Equal(t, []identity.Identity{foTres, aTres}, out.Spend.Signers)
	require.NotNil(t, tx.Event())
	assert.Equal(t, EventSpendExecuted, tx.Event().Type)
	assert.Equal(t, int64(20_000), balance(t, w.s, "compute_credits"))
	assert.Equal(t, int64(10_000), out.Usage.Spent)
	assert.Equal(t, int64(50_000), out.Usage.Limit, "the account's own limit")

	mv, err := Movements(w.s, "compute_credits", 0, "")
	require.NoError(t, err)
	require.Len(t, mv.Movements, 2)
	assert.Equal(t, MoveDeposit, mv.Movements[0].Kind)
	assert.Equal(t, "wire-compute_credits", mv.Movements[0].Reference)
	assert.Equal(t, Movement{Account: "compute_credits", Seq: 2, Kind: MoveSpend, Delta: -10_000, Balance: 20_000, Reason: "round r1 matching",
		Decision: "d-budget", Spend: sp.ID, Source: "round:r1", Actor: aTres, At: w.now, TxID: tx.TxID}, mv.Movements[1])

	bySrc, err := SpendsBySource(w.s, "round:r1")
	require.NoError(t, err)
	require.Len(t, bySrc, 1)
	assert.Equal(t, StatusExecuted, bySrc[0].Status)

	w.refused(aTres, errcode.Conflict, "already executed", func(tx *core.Tx) error { _, err := Execute(tx, sp.ID); return err })
	w.refused(bGrants, errcode.FailedPrecondition, "it is executed", func(tx *core.Tx) error {
		_, err := Cancel(tx, CancelRequest{Spend: sp.ID, Reason: "too late"})
		return err
	})
}

func TestPrepareSpendEmitsNothing(t *testing.T) {
	w := newWorld(t)
	w.budget("d-round", "compute_credits", 5_000)
	tx := w.tx(bGrants)
	sp, err := PrepareSpend(tx, SpendRequest{Account: "compute_credits", Budget: "d-round", Source: "round:r9", Reason: "round r9",
		Payees: []Payee{{To: ada, Amount: 5_000}}})
	require.NoError(t, err)
	assert.Nil(t, tx.Event(), "the round's transaction emits its own event")
	assert.Equal(t, SpendID(tx.TxID), sp.ID)
	got, err := GetSpend(w.s, sp.ID)
	require.NoError(t, err)
	assert.Equal(t, sp, got)
}

func TestTokenAccountPaysOutByMinting(t *testing.T) {
	w := newWorld(t)
	_, err := Issue(w.tx(admin), "d-issue", IssuanceRequest{Amount: 50_000, Memo: "contributors"})
	require.NoError(t, err)
	circ, res, err := CirculatingAndReserve(w.s)
	require.NoError(t, err)
	assert.Equal(t, [2]int64{0, 50_000}, [2]int64{circ, res})

	w.budget("d-b", constitution.TreasuryTokenAccount, 10_000)
	sp := w.propose(foTres, pay(constitution.TreasuryTokenAccount, "d-b", Payee{To: ada, Amount: 7_000}, Payee{To: bob, Amount: 3_000}))
	w.approve(sp.ID, foTres, aTres)
	w.at(delay + 2*skew)
	out, err := Execute(w.tx(foTres), sp.ID)
	require.NoError(t, err)
	require.NotNil(t, out.Minted)
	assert.Equal(t, sp.ID, out.Minted.Decision, "the mint names the spend")
	bal, err := token.Balance(w.s, ada)
	require.NoError(t, err)
	assert.Equal(t, int64(7_000), bal)
	circ, res, err = CirculatingAndReserve(w.s)
	require.NoError(t, err)
	assert.Equal(t, [2]int64{10_000, 40_000}, [2]int64{circ, res}, "issued tokens are conserved: 50,000 in all")
}

func TestLargeSpendNeedsItsDecision(t *testing.T) {
	w := newWorld(t)
	w.deposit("usd", 900_000)
	w.budget("d-b", "usd", 900_000)
	sp := w.propose(foTres, pay("usd", "d-b", Payee{To: ada, Amount: 150_000}))
	assert.Equal(t, StatusAwaitingDecision, sp.Status, "above the 100,000 threshold")
	assert.True(t, sp.NeedsDecision)
	assert.Nil(t, sp.ExecutableAt)
	w.approve(sp.ID, foTres, aTres) // approvals may come before the decision
	w.at(30 * day)
	w.refused(foTres, errcode.FailedPrecondition, "waits for an executed treasury_spend decision", func(tx *core.Tx) error { _, err := Execute(tx, sp.ID); return err })

	tx := w.tx(admin)
	q, err := QueueByDecision(tx, "d-spend", SpendDecisionPayload{Spend: sp.ID})
	require.NoError(t, err)
	assert.Equal(t, EventSpendQueued, tx.Event().Type)
	assert.Equal(t, "d-spend", q.Decision)
	assert.Equal(t, w.now, *q.QueuedAt, "the delay starts when the decision executes")
	w.refused(admin, errcode.FailedPrecondition, "only a spend awaiting its decision", func(tx *core.Tx) error {
		_, err := QueueByDecision(tx, "d-again", SpendDecisionPayload{Spend: sp.ID})
		return err
	})
	w.refused(foTres, errcode.FailedPrecondition, "can be executed from", func(tx *core.Tx) error { _, err := Execute(tx, sp.ID); return err })
	w.at(delay + 2*skew)
	_, err = Execute(w.tx(foTres), sp.ID)
	require.NoError(t, err)
}

func TestCancelGivesTheReserveBack(t *testing.T) {
	w := newWorld(t)
	w.budget("d-b", "usd", 1_000)
	sp := w.propose(aTres, pay("usd", "d-b", Payee{To: ada, Amount: 800}))
	w.refused(foTres, errcode.Forbidden, "only its proposer", func(tx *core.Tx) error {
		_, err := Cancel(tx, CancelRequest{Spend: sp.ID, Reason: "veto"})
		return err
	})
	w.refused(aTres, errcode.FailedPrecondition, "exceeds the 200 left of budget d-b", func(tx *core.Tx) error {
		_, err := ProposeSpend(tx, pay("usd", "d-b", Payee{To: bob, Amount: 201}))
		return err
	})
	tx := w.tx(aTres)
	_, err := Cancel(tx, CancelRequest{Spend: sp.ID, Reason: "wrong payee"})
	require.NoError(t, err)
	assert.Equal(t, EventSpendCanceled, tx.Event().Type)
	b, err := GetBudget(w.s, "d-b")
	require.NoError(t, err)
	assert.Equal(t, int64(0), b.Reserved)
	w.propose(aTres, pay("usd", "d-b", Payee{To: bob, Amount: 1_000}))
	w.refused(aTres, errcode.FailedPrecondition, "it is cancelled", func(tx *core.Tx) error {
		_, err := Approve(tx, ApproveRequest{Spend: sp.ID})
		return err
	})
}

func TestPeriodOf(t *testing.T) {
	p := int64(30 * 86400)
	n, start, end := PeriodOf(time.Unix(p*700+5, 0), p)
	assert.Equal(t, int64(700), n)
	assert.Equal(t, time.Unix(p*700, 0).UTC(), start)
	assert.Equal(t, time.Unix(p*701, 0).UTC(), end)
	n, _, _ = PeriodOf(time.Unix(p*701-1, 999_999_999), p)
	assert.Equal(t, int64(700), n, "the last nanosecond of a period is in it")
	n, _, _ = PeriodOf(time.Unix(-1, 0), p)
	assert.Equal(t, int64(-1), n, "before the epoch rounds down")
}

// fabricStore is a MemStore with one more of Fabric's rules: a transaction
// that ran a paginated query may not write (the peer refuses the write).
type fabricStore struct {
	*core.MemStore
	paged bool
}

func (f *fabricStore) Page(objectType string, attrs []string, bookmark string, limit int, fn func(key string, value []byte) error) (string, error) {
	f.paged = true
	return f.MemStore.Page(objectType, attrs, bookmark, limit, fn)
}

func (f *fabricStore) Put(key string, value []byte) error {
	if f.paged {
		return fmt.Errorf("put %q: the transaction has already performed a paginated query; writes are not allowed", key)
	}
	return f.MemStore.Put(key, value)
}

func TestWritingTransactionsRunNoPaginatedQuery(t *testing.T) {
	w := newWorld(t)
	on := func(caller identity.Identity) *core.Tx {
		w.n++
		tx := testutil.Tx(&fabricStore{MemStore: w.s}, caller, false, w.now)
		tx.TxID = fmt.Sprintf("tx-f%04d", w.n)
		return tx
	}
	d, err := Deposit(on(foTres), DepositRequest{Account: "usd", Amount: 100, Reference: "r", Reason: "r"})
	require.NoError(t, err)
	_, err = ConfirmDeposit(on(aTres), ConfirmDepositRequest{Deposit: d.ID})
	require.NoError(t, err)
	_, err = OpenBudget(on(admin), "d-b", BudgetRequest{Account: "usd", Amount: 100, Purpose: "p"})
	require.NoError(t, err)
	sp, err := ProposeSpend(on(foTres), pay("usd", "d-b", Payee{To: ada, Amount: 60}))
	require.NoError(t, err)
	for _, tr := range []identity.Identity{foTres, aTres} {
		_, err = Approve(on(tr), ApproveRequest{Spend: sp.ID})
		require.NoError(t, err)
	}
	w.at(delay + 2*skew)
	_, err = Execute(on(aTres), sp.ID)
	require.NoError(t, err, "execution reads approvals and pauses with bounded scans")
	sp2, err := ProposeSpend(on(foTres), pay("usd", "d-b", Payee{To: ada, Amount: 40}))
	require.NoError(t, err)
	_, err = Cancel(on(foTres), CancelRequest{Spend: sp2.ID, Reason: "r"})
	require.NoError(t, err)
}

func TestDepositMovesTheBalanceOnlyOnConfirmation(t *testing.T) {
	w := newWorld(t)
	tx := w.tx(aTres)
	d, err := Deposit(tx, DepositRequest{Account: "usd", Amount: 7_500, Reference: "wire-42", Reason: "sponsor transfer"})
	require.NoError(t, err)
	assert.Equal(t, DepositID(tx.TxID), d.ID)
	assert.Equal(t, DepositPending, d.Status)
	assert.Equal(t, aTres, d.Recorder)
	require.NotNil(t, tx.Event())
	assert.Equal(t, EventDepositRecorded, tx.Event().Type)
	assert.Equal(t, int64(0), balance(t, w.s, "usd"), "a recorded deposit moves nothing")
	mv, err := Movements(w.s, "usd", 0, "")
	require.NoError(t, err)
	assert.Empty(t, mv.Movements)

	w.at(time.Hour)
	tx = w.tx(foTres)
	out, err := ConfirmDeposit(tx, ConfirmDepositRequest{Deposit: d.ID})
	require.NoError(t, err)
	require.NotNil(t, tx.Event())
	assert.Equal(t, EventDeposited, tx.Event().Type)
	assert.Equal(t, int64(7_500), balance(t, w.s, "usd"))
	assert.Equal(t, Movement{Account: "usd", Seq: 1, Kind: MoveDeposit, Delta: 7_500, Balance: 7_500, Reason: "sponsor transfer",
		Reference: "wire-42", Actor: foTres, At: w.now, TxID: tx.TxID}, *out.Movement)
	got, err := GetDeposit(w.s, d.ID)
	require.NoError(t, err)
	assert.Equal(t, out.Deposit, got)
	assert.Equal(t, DepositConfirmed, got.Status)
	require.NotNil(t, got.ConfirmedBy)
	assert.Equal(t, foTres, *got.ConfirmedBy)
	assert.Equal(t, int64(1), got.MovementSeq)

	page, err := Deposits(w.s, 0, "")
	require.NoError(t, err)
	require.Len(t, page.Deposits, 1)
	assert.Equal(t, *got, page.Deposits[0])
}

func TestAttackConfirmingADepositWithinOneOrganisation(t *testing.T) {
	w := newWorld(t)
	d, err := Deposit(w.tx(aTres), DepositRequest{Account: "compute_credits", Amount: 1_000_000, Reference: "grant-x", Reason: "a grant that never arrived"})
	require.NoError(t, err)
	confirm := func(id string) func(tx *core.Tx) error {
		return func(tx *core.Tx) error { _, err := ConfirmDeposit(tx, ConfirmDepositRequest{Deposit: id}); return err }
	}
	tests := []struct {
		name   string
		caller identity.Identity
		id     string
		code   errcode.Code
		want   string
	}{
		{"the recording treasurer confirms its own deposit", aTres, d.ID, errcode.Forbidden, "LabAMSP/Tres@labA recorded it; a treasurer of another organisation confirms a deposit"},
		{"a treasurer of the recorder's organisation confirms it", aTres2, d.ID, errcode.Forbidden, "is of LabAMSP, the organisation of LabAMSP/Tres@labA who recorded it"},
		{"the grants administrator confirms it", bGrants, d.ID, errcode.Forbidden, "does not hold the treasurer role"},
		{"a plain member confirms it", bob, d.ID, errcode.Forbidden, "does not hold the treasurer role"},
		{"an organisation admin confirms it", admin, d.ID, errcode.Forbidden, "not an active member"},
		{"a deposit never recorded", foTres, "d-none", errcode.NotFound, "treasury deposit \"d-none\" not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w.t = t
			w.refused(tt.caller, tt.code, tt.want, confirm(tt.id))
			assert.Equal(t, int64(0), balance(t, w.s, "compute_credits"))
		})
	}
	w.t = t
	_, err = ConfirmDeposit(w.tx(foTres), ConfirmDepositRequest{Deposit: d.ID})
	require.NoError(t, err, "a treasurer of another organisation confirms it")
	assert.Equal(t, int64(1_000_000), balance(t, w.s, "compute_credits"))
	w.refused(bGrants, errcode.Forbidden, "does not hold the treasurer role", confirm(d.ID))
	w.refused(foTres, errcode.Conflict, "is already confirmed", confirm(d.ID))
	assert.Equal(t, int64(1_000_000), balance(t, w.s, "compute_credits"), "confirmed once, credited once")
}

// A pending deposit is withdrawn by the treasurer who recorded it, and by
// no one else; a confirmed deposit is not withdrawn; a withdrawn one is
// not confirmed (docs/treasury.md, attack rows 22–24).
func TestAttackCancellingADeposit(t *testing.T) {
	w := newWorld(t)
	d, err := Deposit(w.tx(aTres), DepositRequest{Account: "compute_credits", Amount: 5_000, Reference: "grant-y", Reason: "a grant announced"})
	require.NoError(t, err)
	cancel := func(id, reason string) func(tx *core.Tx) error {
		return func(tx *core.Tx) error {
			_, err := CancelDeposit(tx, CancelDepositRequest{Deposit: id, Reason: reason})
			return err
		}
	}
	confirm := func(id string) func(tx *core.Tx) error {
		return func(tx *core.Tx) error { _, err := ConfirmDeposit(tx, ConfirmDepositRequest{Deposit: id}); return err }
	}
	for _, tt := range []struct {
		name   string
		caller identity.Identity
		id     string
		reason string
		code   errcode.Code
		want   string
	}{
		{"a treasurer of another organisation", foTres, d.ID, "r", errcode.Forbidden, "only LabAMSP/Tres@labA, who recorded it, withdraws it"},
		{"a treasurer of the recorder's organisation", aTres2, d.ID, "r", errcode.Forbidden, "only LabAMSP/Tres@labA, who recorded it, withdraws it"},
		{"the grants administrator", bGrants, d.ID, "r", errcode.Forbidden, "does not hold the treasurer role"},
		{"a plain member", ada, d.ID, "r", errcode.Forbidden, "does not hold the treasurer role"},
		{"an organisation admin", admin, d.ID, "r", errcode.Forbidden, "not an active member"},
		{"no reason", aTres, d.ID, "", errcode.InvalidArgument, "reason"},
		{"a deposit never recorded", aTres, "d-none", "r", errcode.NotFound, "treasury deposit \"d-none\" not found"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w.t = t
			w.refused(tt.caller, tt.code, tt.want, cancel(tt.id, tt.reason))
			got, err := GetDeposit(w.s, d.ID)
			require.NoError(t, err)
			assert.Equal(t, DepositPending, got.Status, "still pending")
		})
	}
	w.t = t

	// The recorder withdraws it: cancelled with the reason, the record
	// kept, the balance never moved.
	w.at(time.Minute)
	tx := w.tx(aTres)
	out, err := CancelDeposit(tx, CancelDepositRequest{Deposit: d.ID, Reason: "the provider withdrew the grant"})
	require.NoError(t, err)
	assert.Equal(t, DepositCancelled, out.Status)
	assert.Equal(t, "the provider withdrew the grant", out.CancelReason)
	require.NotNil(t, out.CancelledAt)
	assert.Equal(t, w.now, *out.CancelledAt)
	assert.Equal(t, tx.TxID, out.CancelledTxID)
	require.NotNil(t, tx.Event())
	assert.Equal(t, EventDepositCancelled, tx.Event().Type)
	got, err := GetDeposit(w.s, d.ID)
	require.NoError(t, err)
	assert.Equal(t, out, got)
	assert.Equal(t, int64(0), balance(t, w.s, "compute_credits"))

	// Cancel, then confirm: refused; cancelled twice: refused.
	w.refused(foTres, errcode.FailedPrecondition, "it was cancelled by LabAMSP/Tres@labA", confirm(d.ID))
	w.refused(aTres, errcode.FailedPrecondition, "it is cancelled; only a pending deposit is withdrawn", cancel(d.ID, "again"))
	assert.Equal(t, int64(0), balance(t, w.s, "compute_credits"), "a cancelled deposit never moves the balance")

	// A confirmed deposit is not withdrawn, by its recorder or anyone.
	d2, err := Deposit(w.tx(aTres), DepositRequest{Account: "compute_credits", Amount: 700, Reference: "grant-z", Reason: "a grant received"})
	require.NoError(t, err)
	_, err = ConfirmDeposit(w.tx(foTres), ConfirmDepositRequest{Deposit: d2.ID})
	require.NoError(t, err)
	w.refused(aTres, errcode.FailedPrecondition, "it is confirmed; only a pending deposit is withdrawn", cancel(d2.ID, "changed my mind"))
	w.refused(foTres, errcode.Forbidden, "who recorded it, withdraws it", cancel(d2.ID, "r"))
	assert.Equal(t, int64(700), balance(t, w.s, "compute_credits"))

	// The list shows all three states' records as stored.
	page, err := Deposits(w.s, 0, "")
	require.NoError(t, err)
	statuses := map[string]DepositStatus{}
	for _, x := range page.Deposits {
		statuses[x.ID] = x.Status
	}
	assert.Equal(t, map[string]DepositStatus{d.ID: DepositCancelled, d2.ID: DepositConfirmed}, statuses)
}

// A pending deposit lapses at its confirmation deadline: recordedAt plus
// the constitution's treasury.depositConfirmWithinSeconds when it was
// recorded. A confirmation stamped one nanosecond before the deadline
// credits the account; one stamped at the deadline (a client choosing its
// timestamp inside the skew cannot stamp later than it is and pass) is
// FAILED_PRECONDITION naming the deadline, and nothing changes. Reads at
// the same instants agree: pending before, lapsed from the deadline.
func TestAttackConfirmingALapsedDeposit(t *testing.T) {
	w := newWorld(t)
	d, err := Deposit(w.tx(foTres), DepositRequest{Account: "usd", Amount: 700, Reference: "wire-late", Reason: "grant"})
	require.NoError(t, err)
	require.NotNil(t, d.ConfirmBy)
	deadline := d.RecordedAt.Add(time.Duration(constitution.DefaultDepositConfirmWithinSec) * time.Second)
	assert.Equal(t, deadline, *d.ConfirmBy, "the default 14 days")

	read := func(at time.Time) DepositStatus {
		got, err := DepositAt(w.s, d.ID, at)
		require.NoError(t, err)
		page, err := DepositsAt(w.s, at, 0, "")
		require.NoError(t, err)
		require.Len(t, page.Deposits, 1)
		assert.Equal(t, got.Status, page.Deposits[0].Status)
		return got.Status
	}
	assert.Equal(t, DepositPending, read(deadline.Add(-time.Nanosecond)))
	assert.Equal(t, DepositLapsed, read(deadline))
	stored, err := GetDeposit(w.s, d.ID)
	require.NoError(t, err)
	assert.Equal(t, DepositPending, stored.Status, "a read stores nothing: lapsed is computed")

	confirm := func(tx *core.Tx) error {
		_, err := ConfirmDeposit(tx, ConfirmDepositRequest{Deposit: d.ID})
		return err
	}
	w.now = deadline
	w.refused(aTres, errcode.FailedPrecondition, "lapsed at its confirmation deadline "+deadline.Format(time.RFC3339Nano), confirm)
	w.now = deadline.Add(skew)
	w.refused(aTres, errcode.FailedPrecondition, "lapsed", confirm)

	// The recorder may still withdraw a lapsed deposit (it moves nothing).
	_, err = CancelDeposit(w.tx(foTres), CancelDepositRequest{Deposit: d.ID, Reason: "never arrived"})
	require.NoError(t, err)
	assert.Equal(t, DepositCancelled, read(deadline.Add(day)), "cancelled, not lapsed")

	// One nanosecond before the deadline, the confirmation credits.
	d2, err := Deposit(w.tx(foTres), DepositRequest{Account: "usd", Amount: 300, Reference: "wire-edge", Reason: "grant"})
	require.NoError(t, err)
	w.now = d2.ConfirmBy.Add(-time.Nanosecond)
	out, err := ConfirmDeposit(w.tx(aTres), ConfirmDepositRequest{Deposit: d2.ID})
	require.NoError(t, err)
	assert.Equal(t, int64(300), out.Movement.Balance)
	got, err := DepositAt(w.s, d2.ID, d2.ConfirmBy.Add(day))
	require.NoError(t, err)
	assert.Equal(t, DepositConfirmed, got.Status, "a confirmed deposit never lapses")
}

// The deadline is recorded with the deposit, from the constitution's
// treasury.depositConfirmWithinSeconds in force then (here 2 hours). A
// deposit stored before deadlines existed (no confirmBy) lapses at
// recordedAt plus the window in force.
func TestDepositDeadlineIsRecorded(t *testing.T) {
	w := newWorld(t, func(d *constitution.Document) { d.Treasury.DepositConfirmWithinSec = 2 * 3600 })
	d, err := Deposit(w.tx(foTres), DepositRequest{Account: "usd", Amount: 5, Reference: "wire-2h", Reason: "grant"})
	require.NoError(t, err)
	assert.Equal(t, d.RecordedAt.Add(2*time.Hour), *d.ConfirmBy)

	// A record of the older shape: no confirmBy.
	old := *d
	old.ID, old.ConfirmBy = "dold", nil
	k, err := core.Key("treasury", "deposit", old.ID)
	require.NoError(t, err)
	require.NoError(t, core.PutJSON(w.s, k, old))
	got, err := DepositAt(w.s, old.ID, old.RecordedAt.Add(2*time.Hour-time.Nanosecond))
	require.NoError(t, err)
	assert.Equal(t, DepositPending, got.Status)
	require.NotNil(t, got.ConfirmBy, "reads show the deadline in force")
	assert.Equal(t, old.RecordedAt.Add(2*time.Hour), *got.ConfirmBy)
	w.now = old.RecordedAt.Add(2 * time.Hour)
	w.refused(aTres, errcode.FailedPrecondition, "lapsed", func(tx *core.Tx) error {
		_, err := ConfirmDeposit(tx, ConfirmDepositRequest{Deposit: old.ID})
		return err
	})
}
