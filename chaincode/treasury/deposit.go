package treasury

import (
	"crypto/sha256"
	"encoding/hex"
	"time"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/membership"
	"github.com/charter-gov/charter/chaincode/text"
)

// DepositStatus is a deposit's stored status.
type DepositStatus string

// Deposit statuses: a recorded deposit moves nothing until a treasurer of
// another organisation confirms it; until then the treasurer who recorded
// it may withdraw it (cancelled: it never moves anything).
const (
	DepositPending   DepositStatus = "pending"
	DepositConfirmed DepositStatus = "confirmed"
	DepositCancelled DepositStatus = "cancelled"
	// DepositLapsed is never stored: reads (DepositAt, DepositsAt) show a
	// pending deposit as lapsed once their time reaches its ConfirmBy,
	// when ConfirmDeposit refuses it.
	DepositLapsed DepositStatus = "lapsed"
)

// DepositRecord is one deposit: recorded by a treasurer, pending until a
// treasurer of another organisation confirms it; only the confirmation
// moves the balance (its movement is then named by Seq).
type DepositRecord struct {
	ID         string            `json:"id"`
	Account    string            `json:"account"`
	Amount     int64             `json:"amount"`
	Reference  string            `json:"reference"`
	Reason     string            `json:"reason"`
	Status     DepositStatus     `json:"status"`
	Recorder   identity.Identity `json:"recorder"`
	RecordedAt time.Time         `json:"recordedAt"`
	TxID       string            `json:"txId"`
	// ConfirmBy is the confirmation deadline: RecordedAt plus the
	// constitution's treasury.depositConfirmWithinSeconds in force when
	// the deposit was recorded. A deposit recorded before deadlines
	// existed has none stored; its deadline is RecordedAt plus the window
	// in force when it is read or confirmed (Deadline).
	ConfirmBy *time.Time `json:"confirmBy,omitempty"`

	ConfirmedBy   *identity.Identity `json:"confirmedBy,omitempty"`
	ConfirmedAt   *time.Time         `json:"confirmedAt,omitempty"`
	ConfirmedTxID string             `json:"confirmedTxId,omitempty"`
	MovementSeq   int64              `json:"movementSeq,omitempty"`

	CancelledAt   *time.Time `json:"cancelledAt,omitempty"`
	CancelledTxID string     `json:"cancelledTxId,omitempty"`
	CancelReason  string     `json:"cancelReason,omitempty"`
}

// Deposited is the result of ConfirmDeposit and the payload of its event:
// the confirmed deposit and the movement that credited the account.
type Deposited struct {
	Deposit  *DepositRecord `json:"deposit,omitempty"`
	Movement *Movement      `json:"movement"`
}

// DepositID derives a deposit's ID from the recording transaction's ID.
func DepositID(txID string) string {
	sum := sha256.Sum256([]byte(txID))
	return "d" + hex.EncodeToString(sum[:8])
}

// Deposit records an asset the treasury received off-chain (compute
// credits granted by a provider, a currency transfer), with its external
// reference. The deposit is pending: the balance does not move until a
// treasurer of another organisation confirms it (ConfirmDeposit), so one
// organisation's treasurer cannot overstate a balance alone. Caller: a
// treasurer. The governance token account takes no deposits: its tokens
// come only from token_issuance decisions. It emits EventDepositRecorded.
//
// Errors: FORBIDDEN (not a treasurer), INVALID_ARGUMENT (amount,
// reference, reason; the token account), NOT_FOUND (unknown account).
func Deposit(tx *core.Tx, req DepositRequest) (*DepositRecord, error) {
	if _, err := membership.RequireRole(tx, membership.RoleTreasurer, "treasury deposit"); err != nil {
		return nil, err
	}
	if err := checkAmount("treasury deposit", req.Amount); err != nil {
		return nil, err
	}
	if err := checkRef("reference", req.Reference, true); err != nil {
		return nil, err
	}
	if err := text.Check("reason", req.Reason, reasonRule()); err != nil {
		return nil, err
	}
	if req.Account == constitution.TreasuryTokenAccount {
		return nil, errcode.InvalidFieldf("account", RuleNoTokenDeposits, "treasury deposit: the %s account takes no deposits; governance tokens come only from an executed token_issuance decision", constitution.TreasuryTokenAccount)
	}
	cur, err := current(tx.Store)
	if err != nil {
		return nil, err
	}
	if _, err := account(tx.Store, &cur.Document, req.Account); err != nil {
		return nil, errcode.WithField(err, "account")
	}
	by := tx.Time.Add(time.Duration(cur.Document.Treasury.DepositConfirmWithin()) * time.Second)
	d := &DepositRecord{ID: DepositID(tx.TxID), Account: req.Account, Amount: req.Amount, Reference: req.Reference, Reason: req.Reason,
		Status: DepositPending, Recorder: tx.Caller.Identity, RecordedAt: tx.Time, TxID: tx.TxID, ConfirmBy: &by}
	k, err := depositKey(d.ID)
	if err != nil {
		return nil, err
	}
	if raw, err := tx.Store.Get(k); err != nil {
		return nil, err
	} else if raw != nil {
		return nil, errcode.Fieldf(errcode.Conflict, "", RuleOnePerTransaction, "treasury deposit %s is already recorded", d.ID)
	}
	if err := core.PutJSON(tx.Store, k, d); err != nil {
		return nil, err
	}
	return d, tx.Emit(EventDepositRecorded, d)
}

// ConfirmDeposit confirms a pending deposit and credits its account.
// Caller: a treasurer of an organisation other than the recording
// treasurer's (two-organisation integrity for the one path that adds to a
// balance without a decision), in a transaction stamped before the
// deposit's deadline (Deadline: ConfirmBy). It emits EventDeposited.
//
// The skew rule: the deadline is compared with the transaction's
// timestamp, which the client chooses within the clock skew. A
// confirmation stamped at or after the deadline is refused, so no
// confirmation lands later than one skew (by the peers' clocks) after the
// deadline, and an honest treasurer whose clock is right is never refused
// before deadline − skew. The recorder's own timestamp fixes RecordedAt,
// so it can move the deadline by at most one skew too. Reads show the
// deposit lapsed from the same instant (tx time ≥ deadline), so a read
// and a confirmation stamped at one time agree.
//
// Errors: FORBIDDEN (not a treasurer; the recording treasurer or a
// treasurer of its organisation), NOT_FOUND (no such deposit; its account
// no longer in the constitution), CONFLICT (already confirmed),
// FAILED_PRECONDITION (cancelled by its recorder; lapsed: stamped at or
// after its deadline, named), INVALID_ARGUMENT (the balance would pass
// MaxAmount).
func ConfirmDeposit(tx *core.Tx, req ConfirmDepositRequest) (*Deposited, error) {
	if _, err := membership.RequireRole(tx, membership.RoleTreasurer, "treasury confirm deposit"); err != nil {
		return nil, err
	}
	d, err := GetDeposit(tx.Store, req.Deposit)
	if err != nil {
		return nil, errcode.WithField(err, "deposit")
	}
	if d.Status == DepositCancelled {
		return nil, errcode.PreconditionFieldf("deposit", RulePending, "treasury confirm deposit %s: it was cancelled by %s (%s); a cancelled deposit is not confirmed", d.ID, d.Recorder.Short(), errcode.Quote(d.CancelReason))
	}
	if d.Status != DepositPending {
		return nil, errcode.Fieldf(errcode.Conflict, "deposit", RulePending, "treasury deposit %s is already %s", d.ID, d.Status)
	}
	caller := tx.Caller.Identity
	if caller == d.Recorder {
		return nil, errcode.Fieldf(errcode.Forbidden, "", RuleTreasurerOfAnotherOrg, "treasury confirm deposit %s: %s recorded it; a treasurer of another organisation confirms a deposit", d.ID, caller.Short())
	}
	if caller.MSPID == d.Recorder.MSPID {
		return nil, errcode.Fieldf(errcode.Forbidden, "", RuleTreasurerOfAnotherOrg, "treasury confirm deposit %s: %s is of %s, the organisation of %s who recorded it; a treasurer of another organisation confirms a deposit", d.ID, caller.Short(), caller.MSPID, d.Recorder.Short())
	}
	cur, err := current(tx.Store)
	if err != nil {
		return nil, err
	}
	if deadline := Deadline(d, &cur.Document); !tx.Time.Before(deadline) {
		return nil, errcode.PreconditionFieldf("deposit", "window", "treasury confirm deposit %s: it lapsed at its confirmation deadline %s (recorded %s, confirmed within treasury.depositConfirmWithinSeconds); this transaction is stamped %s; record it again if it did arrive",
			d.ID, deadline.UTC().Format(time.RFC3339Nano), d.RecordedAt.UTC().Format(time.RFC3339Nano), tx.Time.UTC().Format(time.RFC3339Nano))
	}
	a, err := account(tx.Store, &cur.Document, d.Account)
	if err != nil {
		return nil, err
	}
	m, err := move(tx, a, Movement{Kind: MoveDeposit, Delta: d.Amount, Reason: d.Reason, Reference: d.Reference})
	if err != nil {
		return nil, err
	}
	at := m.At
	d.Status, d.ConfirmedBy, d.ConfirmedAt, d.ConfirmedTxID, d.MovementSeq = DepositConfirmed, &caller, &at, tx.TxID, m.Seq
	k, err := depositKey(d.ID)
	if err != nil {
		return nil, err
	}
	if err := core.PutJSON(tx.Store, k, d); err != nil {
		return nil, err
	}
	out := &Deposited{Deposit: d, Movement: m}
	return out, tx.Emit(EventDeposited, out)
}

// CancelDeposit withdraws a pending deposit: the treasurer who recorded it
// says it will not arrive (or was recorded in error). The deposit is
// marked cancelled with the reason, keeps its record, and can no longer
// be confirmed; it never moved a balance, so nothing else changes. Caller:
// the recording treasurer, still holding the treasurer role — no one else,
// not another treasurer of its organisation nor the confirming side, since
// withdrawing is the recorder's own statement. A pending deposit nobody
// confirms or cancels stays pending (it moves nothing) and lapses at its
// deadline (ConfirmDeposit); a lapsed deposit may still be withdrawn. It emits
// EventDepositCancelled.
//
// Errors: FORBIDDEN (not a treasurer; not the recorder), NOT_FOUND (no
// such deposit), FAILED_PRECONDITION (confirmed or already cancelled),
// INVALID_ARGUMENT (reason).
func CancelDeposit(tx *core.Tx, req CancelDepositRequest) (*DepositRecord, error) {
	if _, err := membership.RequireRole(tx, membership.RoleTreasurer, "treasury cancel deposit"); err != nil {
		return nil, err
	}
	if err := text.Check("reason", req.Reason, reasonRule()); err != nil {
		return nil, err
	}
	d, err := GetDeposit(tx.Store, req.Deposit)
	if err != nil {
		return nil, errcode.WithField(err, "deposit")
	}
	caller := tx.Caller.Identity
	if caller != d.Recorder {
		return nil, errcode.Fieldf(errcode.Forbidden, "", RuleRecorder, "treasury cancel deposit %s: only %s, who recorded it, withdraws it", d.ID, d.Recorder.Short())
	}
	if d.Status != DepositPending {
		return nil, errcode.PreconditionFieldf("deposit", RulePending, "treasury cancel deposit %s: it is %s; only a pending deposit is withdrawn", d.ID, d.Status)
	}
	at := tx.Time
	d.Status, d.CancelledAt, d.CancelledTxID, d.CancelReason = DepositCancelled, &at, tx.TxID, req.Reason
	k, err := depositKey(d.ID)
	if err != nil {
		return nil, err
	}
	if err := core.PutJSON(tx.Store, k, d); err != nil {
		return nil, err
	}
	return d, tx.Emit(EventDepositCancelled, d)
}

// Deadline returns a deposit's confirmation deadline: its ConfirmBy, or,
// for a deposit recorded before deadlines existed, RecordedAt plus the
// window of doc (the constitution in force).
func Deadline(d *DepositRecord, doc *constitution.Document) time.Time {
	if d.ConfirmBy != nil {
		return *d.ConfirmBy
	}
	return d.RecordedAt.Add(time.Duration(doc.Treasury.DepositConfirmWithin()) * time.Second)
}

// lapse shows a pending deposit past its deadline at as lapsed (in the
// returned copy only; nothing is stored).
func lapse(d *DepositRecord, doc *constitution.Document, at time.Time) {
	if d.Status != DepositPending {
		return
	}
	by := Deadline(d, doc)
	if d.ConfirmBy == nil {
		d.ConfirmBy = &by
	}
	if !at.Before(by) {
		d.Status = DepositLapsed
	}
}

// DepositAt returns a deposit as a read at time at shows it: a pending
// deposit whose deadline has come is DepositLapsed.
func DepositAt(s core.Store, id string, at time.Time) (*DepositRecord, error) {
	d, err := GetDeposit(s, id)
	if err != nil {
		return nil, err
	}
	cur, err := current(s)
	if err != nil {
		return nil, err
	}
	lapse(d, &cur.Document, at)
	return d, nil
}

// DepositsAt is Deposits as a read at time at shows them (DepositAt).
func DepositsAt(s core.Store, at time.Time, pageSize int, bookmark string) (*DepositPage, error) {
	page, err := Deposits(s, pageSize, bookmark)
	if err != nil {
		return nil, err
	}
	cur, err := current(s)
	if err != nil {
		return nil, err
	}
	for i := range page.Deposits {
		lapse(&page.Deposits[i], &cur.Document, at)
	}
	return page, nil
}

// GetDeposit returns a deposit as stored, NOT_FOUND (rule "exists",
// naming no field, as GetSpend) when none was recorded.
func GetDeposit(s core.Store, id string) (*DepositRecord, error) {
	if err := checkRef("deposit", id, true); err != nil {
		return nil, errcode.WithField(err, "id")
	}
	k, err := depositKey(id)
	if err != nil {
		return nil, err
	}
	var d DepositRecord
	found, err := core.GetJSON(s, k, &d)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, errcode.Fieldf(errcode.NotFound, "", "exists", "treasury deposit %s not found", errcode.Quote(id))
	}
	return &d, nil
}

// DepositPage is one page of deposits.
type DepositPage struct {
	Deposits []DepositRecord `json:"deposits"`
	Bookmark string          `json:"bookmark,omitempty"`
}

// Deposits lists one page of deposits, pending and confirmed, in ID order.
func Deposits(s core.Store, pageSize int, bookmark string) (*DepositPage, error) {
	ds, next, err := core.PageJSON[DepositRecord](s, "treasury deposits", objectType, []string{"deposit"}, pageSize, bookmark, nil)
	if err != nil {
		return nil, err
	}
	return &DepositPage{Deposits: ds, Bookmark: next}, nil
}
