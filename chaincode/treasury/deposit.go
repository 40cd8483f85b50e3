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
		return nil, errcode.Invalidf("treasury deposit: the %s account takes no deposits; governance tokens come only from an executed token_issuance decision", constitution.TreasuryTokenAccount)
	}
	cur, err := current(tx.Store)
	if err != nil {
		return nil, err
	}
	if _, err := account(tx.Store, &cur.Document, req.Account); err != nil {
		return nil, err
	}
	d := &DepositRecord{ID: DepositID(tx.TxID), Account: req.Account, Amount: req.Amount, Reference: req.Reference, Reason: req.Reason,
		Status: DepositPending, Recorder: tx.Caller.Identity, RecordedAt: tx.Time, TxID: tx.TxID}
	k, err := depositKey(d.ID)
	if err != nil {
		return nil, err
	}
	if raw, err := tx.Store.Get(k); err != nil {
		return nil, err
	} else if raw != nil {
		return nil, errcode.Conflictf("treasury deposit %s is already recorded", d.ID)
	}
	if err := core.PutJSON(tx.Store, k, d); err != nil {
		return nil, err
	}
	return d, tx.Emit(EventDepositRecorded, d)
}

// ConfirmDeposit confirms a pending deposit and credits its account.
// Caller: a treasurer of an organisation other than the recording
// treasurer's (two-organisation integrity for the one path that adds to a
// balance without a decision). It emits EventDeposited.
//
// Errors: FORBIDDEN (not a treasurer; the recording treasurer or a
// treasurer of its organisation), NOT_FOUND (no such deposit; its account
// no longer in the constitution), CONFLICT (already confirmed),
// FAILED_PRECONDITION (cancelled by its recorder), INVALID_ARGUMENT (the
// balance would pass MaxAmount).
func ConfirmDeposit(tx *core.Tx, req ConfirmDepositRequest) (*Deposited, error) {
	if _, err := membership.RequireRole(tx, membership.RoleTreasurer, "treasury confirm deposit"); err != nil {
		return nil, err
	}
	d, err := GetDeposit(tx.Store, req.Deposit)
	if err != nil {
		return nil, err
	}
	if d.Status == DepositCancelled {
		return nil, errcode.Preconditionf("treasury confirm deposit %s: it was cancelled by %s (%s); a cancelled deposit is not confirmed", d.ID, d.Recorder.Short(), errcode.Quote(d.CancelReason))
	}
	if d.Status != DepositPending {
		return nil, errcode.Conflictf("treasury deposit %s is already %s", d.ID, d.Status)
	}
	caller := tx.Caller.Identity
	if caller == d.Recorder {
		return nil, errcode.Forbiddenf("treasury confirm deposit %s: %s recorded it; a treasurer of another organisation confirms a deposit", d.ID, caller.Short())
	}
	if caller.MSPID == d.Recorder.MSPID {
		return nil, errcode.Forbiddenf("treasury confirm deposit %s: %s is of %s, the organisation of %s who recorded it; a treasurer of another organisation confirms a deposit", d.ID, caller.Short(), caller.MSPID, d.Recorder.Short())
	}
	cur, err := current(tx.Store)
	if err != nil {
		return nil, err
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
// confirms or cancels stays pending (it moves nothing). It emits
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
		return nil, err
	}
	caller := tx.Caller.Identity
	if caller != d.Recorder {
		return nil, errcode.Forbiddenf("treasury cancel deposit %s: only %s, who recorded it, withdraws it", d.ID, d.Recorder.Short())
	}
	if d.Status != DepositPending {
		return nil, errcode.Preconditionf("treasury cancel deposit %s: it is %s; only a pending deposit is withdrawn", d.ID, d.Status)
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

// GetDeposit returns a deposit, NOT_FOUND when none was recorded.
func GetDeposit(s core.Store, id string) (*DepositRecord, error) {
	if err := checkRef("deposit", id, true); err != nil {
		return nil, err
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
		return nil, errcode.NotFoundf("treasury deposit %s not found", errcode.Quote(id))
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
