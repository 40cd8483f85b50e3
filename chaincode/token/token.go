// Package token is Charter's governance token: the weight of
// token-weighted and delegated ballots.
//
// Balances are kept per account with a checkpoint for every change, so
// that "the balance when voting opened" is a bounded read of that account's
// own records and no transfer made after a ballot opened (a flash loan, a
// last-minute purchase) can change an open vote's weight. The total supply
// is checkpointed the same way, for quorum.
//
// Keys (one account's records are written only by transactions that move
// that account's balance, so transfers between different accounts never
// conflict):
//
//	"token" ~ "acct" ~ msp ~ id          → Account: the current balance
//	"token" ~ "cp" ~ msp ~ id ~ inv(t)   → Checkpoint: the balance from time t
//	"token" ~ "supply"                   → Checkpoint: the current supply
//	"token" ~ "supplycp" ~ inv(t)        → Checkpoint: the supply from time t
//
// inv(t) is %020d of (MaxInt64 − t in Unix nanoseconds), so a range over an
// account's checkpoints returns the newest first and BalanceAt stops at the
// first one at or before the time asked.
//
// The time rule (chaincode/timerule, docs/time.md): every history here is
// append-only in time order. An issuance or transfer is recorded at
// t = max(transaction time, newest entry of every history it writes), the
// same t on both sides, so a transaction stamped back inside the clock-skew
// window cannot slip under a checkpoint already written. Then the entries
// at or before any time T form a consistent cut, and the balances at T sum
// to the supply at T. Checkpoint.At is that recorded time.
//
// Issuance. New tokens come only from Issue, the effect of an executed
// token_issuance decision (within the constitution's token limits) or of
// the genesis allocation every founding organisation approved. No
// transaction mints: an organisation admin or a treasurer cannot issue
// tokens alone. Every issuance is one event naming its decision and a
// checkpoint per account, so every allocation is auditable.
//
// Who may call what:
//
//	Issue                the decision engine (token_issuance); never a transaction
//	IssueInitial         the genesis (the founding act every founder approved); never a transaction
//	Transfer             an active member, from their own balance to another active member
//	Balance, BalanceAt,
//	Supply, SupplyAt,
//	History              anyone with an identity on the channel
//
// Amounts are whole units in int64; every sum is checked against MaxSupply,
// so no arithmetic can overflow.
package token

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/membership"
	"github.com/charter-gov/charter/chaincode/text"
	"github.com/charter-gov/charter/chaincode/timerule"
)

// MaxSupply bounds the total supply (and so every balance and amount).
const MaxSupply int64 = 1 << 62

// Event types this package emits.
const (
	EventIssued      = "token.issued"
	EventTransferred = "token.transferred"
)

const objectType = "token"

// Account is the current balance of one account.
type Account struct {
	Account   identity.Identity `json:"account"`
	Balance   int64             `json:"balance"`
	UpdatedAt time.Time         `json:"updatedAt"`
	TxID      string            `json:"txId"`
}

// Checkpoint is a balance (or the supply) from a point in time on.
type Checkpoint struct {
	Balance int64     `json:"balance"`
	At      time.Time `json:"at"`
	Delta   int64     `json:"delta"`
	Kind    string    `json:"kind"` // "mint", "in", "out"
	TxID    string    `json:"txId"`
}

// Allocation is an amount issued to one member.
type Allocation struct {
	Member identity.Identity `json:"member"`
	Amount int64             `json:"amount"`
}

// IssueRequest is what an issuance creates: the payload of a
// token_issuance decision.
type IssueRequest struct {
	Allocations []Allocation `json:"allocations"`
	Memo        string       `json:"memo,omitempty"`
}

// Issuance is the result of Issue and the payload of its event.
type Issuance struct {
	Decision string    `json:"decision"`
	Receipts []Receipt `json:"receipts"`
	Total    int64     `json:"total"`
	Supply   int64     `json:"supply"`
	Memo     string    `json:"memo,omitempty"`
	At       time.Time `json:"at"`
}

// MintRequest is one allocation of the genesis's initial issuance
// (IssueInitial).
type MintRequest struct {
	To     identity.Identity `json:"to"`
	Amount int64             `json:"amount"`
	Memo   string            `json:"memo,omitempty"`
}

// TransferRequest asks to move Amount from the caller to To.
type TransferRequest struct {
	To     identity.Identity `json:"to"`
	Amount int64             `json:"amount"`
	Memo   string            `json:"memo,omitempty"`
}

// Receipt is the result of Transfer and the payload of its event, and one
// allocation of an Issuance.
type Receipt struct {
	From        *identity.Identity `json:"from,omitempty"`
	To          identity.Identity  `json:"to"`
	Amount      int64              `json:"amount"`
	FromBalance *int64             `json:"fromBalance,omitempty"`
	ToBalance   int64              `json:"toBalance"`
	Supply      int64              `json:"supply"`
	Memo        string             `json:"memo,omitempty"`
	At          time.Time          `json:"at"`
}

// Inv renders t as a key part that sorts newest first.
func Inv(t time.Time) string { return fmt.Sprintf("%020d", math.MaxInt64-t.UnixNano()) }

func acctKey(a identity.Identity) (string, error) { return core.Key(objectType, "acct", a.MSPID, a.ID) }
func cpKey(a identity.Identity, t time.Time) (string, error) {
	return core.Key(objectType, "cp", a.MSPID, a.ID, Inv(t))
}
func supplyKey() string              { return core.MustKey(objectType, "supply") }
func supplyCPKey(t time.Time) string { return core.MustKey(objectType, "supplycp", Inv(t)) }

func checkAmount(action string, amount int64) error {
	if amount <= 0 {
		return errcode.InvalidFieldf("amount", "positive", "%s: amount %d must be a positive whole number", action, amount)
	}
	if amount > MaxSupply {
		return errcode.InvalidFieldf("amount", "max-supply", "%s: amount %d exceeds the maximum supply %d", action, amount, MaxSupply)
	}
	return nil
}

func checkMemo(action, memo string) error {
	if err := text.Check("memo", memo, text.Rule{MaxRunes: MaxMemoRunes}); err != nil {
		return errcode.Invalidf("%s: %s", action, strings.TrimPrefix(err.Error(), string(errcode.InvalidArgument)+": "))
	}
	return nil
}

// MaxMemoRunes bounds an issuance's or transfer's memo (single-line text,
// see chaincode/text).
const MaxMemoRunes = 512

// MaxAllocations bounds the allocations of one issuance.
const MaxAllocations = 100

// Issue creates new tokens for the members of req.Allocations as the
// effect of the decision named decision (an executed token_issuance
// decision, or the genesis). It is the only issuance primitive: no
// transaction calls it directly, so no organisation, admin or treasurer can
// issue tokens alone. The constitution's issuance limits are the caller's
// to check (chaincode/decision/effects); Issue enforces MaxSupply. It
// emits one EventIssued naming the decision.
//
// Errors: INVALID_ARGUMENT (no or too many allocations, a member named
// twice, a bad amount or memo, no decision, the supply would pass
// MaxSupply), NOT_FOUND (a recipient is not an active member).
func Issue(tx *core.Tx, req IssueRequest, decision string) (*Issuance, error) {
	out, err := Mint(tx, req, decision)
	if err != nil {
		return nil, err
	}
	return out, tx.Emit(EventIssued, out)
}

// Mint is Issue without the event, for a caller whose transaction emits
// its own event describing the issuance: the treasury, paying governance
// tokens it holds out to members (chaincode/treasury, where the reference
// is the executed spend and the tokens were issued to the treasury by a
// token_issuance decision). Like Issue, no transaction calls it directly.
func Mint(tx *core.Tx, req IssueRequest, decision string) (*Issuance, error) {
	if strings.TrimSpace(decision) == "" {
		return nil, errcode.Invalidf("issue: an issuance needs the ID of the decision that authorises it")
	}
	total, err := CheckIssue(tx.Store, req)
	if err != nil {
		return nil, err
	}
	supply, err := Supply(tx.Store)
	if err != nil {
		return nil, err
	}
	if total > MaxSupply-supply {
		return nil, errcode.Invalidf("issue: %d more tokens would take the supply %d past the maximum %d", total, supply, MaxSupply)
	}
	accts := make([]Account, len(req.Allocations))
	latest := make([]time.Time, 0, len(req.Allocations)+1)
	for i, a := range req.Allocations {
		if accts[i], _, err = account(tx.Store, a.Member); err != nil {
			return nil, err
		}
		latest = append(latest, accts[i].UpdatedAt)
	}
	var cur Checkpoint
	if _, err := core.GetJSON(tx.Store, supplyKey(), &cur); err != nil {
		return nil, err
	}
	// The time rule: every history this issuance writes records it at one
	// time, never before the newest entry of any of them.
	at := timerule.Stamp(tx.Time, append(latest, cur.At)...)
	out := &Issuance{Decision: decision, Receipts: make([]Receipt, 0, len(req.Allocations)), Total: total, Memo: req.Memo, At: at}
	for i, a := range req.Allocations {
		// balance+amount <= supply+total <= MaxSupply: no overflow.
		bal := accts[i].Balance + a.Amount
		if err := setBalance(tx, a.Member, accts[i], at, bal, a.Amount, "mint"); err != nil {
			return nil, err
		}
		out.Receipts = append(out.Receipts, Receipt{To: a.Member, Amount: a.Amount, ToBalance: bal, Memo: req.Memo, At: at})
	}
	newSupply := supply + total
	for i := range out.Receipts {
		out.Receipts[i].Supply = newSupply
	}
	out.Supply = newSupply
	sc := Checkpoint{Balance: newSupply, At: at, Delta: total, Kind: "mint", TxID: tx.TxID}
	if cur.At.Equal(at) {
		sc.Delta += cur.Delta // merged with the entry at the same time
	}
	if err := core.PutJSON(tx.Store, supplyKey(), sc); err != nil {
		return nil, err
	}
	if err := core.PutJSON(tx.Store, supplyCPKey(at), sc); err != nil {
		return nil, err
	}
	return out, nil
}

// CheckIssue validates an issuance against the store without writing:
// 1..MaxAllocations allocations, each to a distinct active member, each a
// positive amount, a valid memo, and a total within MaxSupply. It returns
// the total.
func CheckIssue(s core.Store, req IssueRequest) (int64, error) {
	const action = "issue"
	if len(req.Allocations) == 0 {
		return 0, errcode.InvalidFieldf("allocations", "required", "%s: name at least one allocation", action)
	}
	if len(req.Allocations) > MaxAllocations {
		return 0, errcode.InvalidFieldf("allocations", "max-items", "%s: %d allocations, at most %d per issuance", action, len(req.Allocations), MaxAllocations)
	}
	if err := checkMemo(action, req.Memo); err != nil {
		return 0, err
	}
	var total int64
	for i, a := range req.Allocations {
		if err := a.Member.Validate(); err != nil {
			return 0, errcode.WithField(fmt.Errorf("%s: allocation %d: %w", action, i, err), fmt.Sprintf("allocations[%d].member", i))
		}
		for _, b := range req.Allocations[:i] {
			if b.Member == a.Member {
				return 0, errcode.InvalidFieldf(fmt.Sprintf("allocations[%d].member", i), "unique", "%s: allocation %d names %s a second time", action, i, a.Member.Short())
			}
		}
		if err := checkAmount(fmt.Sprintf("%s: allocation %d", action, i), a.Amount); err != nil {
			return 0, errcode.WithField(err, fmt.Sprintf("allocations[%d].amount", i))
		}
		if a.Amount > MaxSupply-total {
			return 0, errcode.InvalidFieldf(fmt.Sprintf("allocations[%d].amount", i), "max-supply", "%s: the allocations add up to more than the maximum supply %d", action, MaxSupply)
		}
		total += a.Amount
		if _, err := membership.Active(s, a.Member); err != nil {
			return 0, fmt.Errorf("%s: allocation %d: recipient: %w", action, i, err)
		}
	}
	return total, nil
}

// IssueInitial issues the initial allocation of the founding act in one
// step, and returns the supply after it: each recipient's balance and
// checkpoint is written once, the supply and its checkpoint once, and
// nothing written is read back (Fabric does not let a transaction read its
// own writes). The recipients come in ascending identity order, each once;
// the caller (the founding act) guarantees they are members registered in
// the same transaction, so membership is not read here. It checks no caller
// and emits no event.
//
// Errors: INVALID_ARGUMENT (bad amount or memo, recipients out of order or
// named twice, the supply would exceed MaxSupply).
func IssueInitial(tx *core.Tx, reqs []MintRequest) (int64, error) {
	const action = "issue the initial allocation"
	supply, err := Supply(tx.Store)
	if err != nil {
		return 0, err
	}
	if len(reqs) == 0 {
		return supply, nil
	}
	total := int64(0)
	for i, r := range reqs {
		if err := checkAmount(action, r.Amount); err != nil {
			return 0, err
		}
		if err := checkMemo(action, r.Memo); err != nil {
			return 0, err
		}
		if err := r.To.Validate(); err != nil {
			return 0, err
		}
		if i > 0 {
			prev := reqs[i-1].To
			if prev.MSPID > r.To.MSPID || (prev.MSPID == r.To.MSPID && prev.ID >= r.To.ID) {
				return 0, errcode.Invalidf("%s: recipients must come in ascending order, each once (%s after %s)", action, r.To, prev)
			}
		}
		if r.Amount > MaxSupply-supply-total {
			return 0, errcode.Invalidf("%s: the allocation would take the supply past the maximum %d", action, MaxSupply)
		}
		total += r.Amount
	}
	// The time rule: every history records the allocation at one time,
	// never before the newest entry of any of them.
	var cur Checkpoint
	if _, err := core.GetJSON(tx.Store, supplyKey(), &cur); err != nil {
		return 0, err
	}
	accts := make([]Account, len(reqs))
	latest := []time.Time{cur.At}
	for i, r := range reqs {
		a, _, err := account(tx.Store, r.To)
		if err != nil {
			return 0, err
		}
		accts[i] = a
		latest = append(latest, a.UpdatedAt)
	}
	at := timerule.Stamp(tx.Time, latest...)
	for i, r := range reqs {
		if err := setBalance(tx, r.To, accts[i], at, accts[i].Balance+r.Amount, r.Amount, "mint"); err != nil {
			return 0, err
		}
	}
	sc := Checkpoint{Balance: supply + total, At: at, Delta: total, Kind: "mint", TxID: tx.TxID}
	if cur.At.Equal(at) {
		sc.Delta += cur.Delta // merged with the entry at the same time
	}
	if err := core.PutJSON(tx.Store, supplyKey(), sc); err != nil {
		return 0, err
	}
	if err := core.PutJSON(tx.Store, supplyCPKey(at), sc); err != nil {
		return 0, err
	}
	return supply + total, nil
}

// Transfer moves Amount from the caller to To.
//
// Errors: FORBIDDEN (caller is not an active member), INVALID_ARGUMENT (bad
// amount or memo, a transfer to oneself, or more than the caller's
// balance), NOT_FOUND (To is not an active member).
func Transfer(tx *core.Tx, req TransferRequest) (*Receipt, error) {
	const action = "transfer"
	if _, err := membership.Active(tx.Store, tx.Caller.Identity); err != nil {
		return nil, errcode.Fieldf(errcode.Forbidden, "", "active-member", "%s: caller %s is not an active member", action, tx.Caller.Identity.Short())
	}
	if err := checkAmount(action, req.Amount); err != nil {
		return nil, err
	}
	if err := checkMemo(action, req.Memo); err != nil {
		return nil, err
	}
	if err := req.To.Validate(); err != nil {
		return nil, err
	}
	if req.To == tx.Caller.Identity {
		return nil, errcode.InvalidFieldf("to", "not-self", "%s: cannot transfer to oneself (%s)", action, req.To.Short())
	}
	if _, err := membership.Active(tx.Store, req.To); err != nil {
		return nil, fmt.Errorf("%s: recipient: %w", action, err)
	}
	fromAcct, _, err := account(tx.Store, tx.Caller.Identity)
	if err != nil {
		return nil, err
	}
	from := fromAcct.Balance
	if req.Amount > from {
		return nil, errcode.InvalidFieldf("amount", "balance", "%s: amount %d exceeds the balance %d of %s", action, req.Amount, from, tx.Caller.Identity.Short())
	}
	toAcct, _, err := account(tx.Store, req.To)
	if err != nil {
		return nil, err
	}
	to := toAcct.Balance
	// The time rule: both accounts record the transfer at one time, never
	// before the newest entry of either, so a backdated transfer cannot
	// reach under a checkpoint already written (and count twice).
	at := timerule.Stamp(tx.Time, fromAcct.UpdatedAt, toAcct.UpdatedAt)
	// to+amount <= supply <= MaxSupply: no overflow.
	if err := setBalance(tx, tx.Caller.Identity, fromAcct, at, from-req.Amount, -req.Amount, "out"); err != nil {
		return nil, err
	}
	if err := setBalance(tx, req.To, toAcct, at, to+req.Amount, req.Amount, "in"); err != nil {
		return nil, err
	}
	supply, err := Supply(tx.Store)
	if err != nil {
		return nil, err
	}
	caller, fromBal := tx.Caller.Identity, from-req.Amount
	r := &Receipt{From: &caller, To: req.To, Amount: req.Amount, FromBalance: &fromBal, ToBalance: to + req.Amount, Supply: supply, Memo: req.Memo, At: at}
	return r, tx.Emit(EventTransferred, r)
}

// setBalance records a's new balance at time at (the transaction's stamp,
// never before prev.UpdatedAt). A second entry at the same time replaces
// the checkpoint of the first with the balance after both and the sum of
// their deltas; the events keep every movement.
func setBalance(tx *core.Tx, a identity.Identity, prev Account, at time.Time, balance, delta int64, kind string) error {
	ak, err := acctKey(a)
	if err != nil {
		return err
	}
	ck, err := cpKey(a, at)
	if err != nil {
		return err
	}
	cp := Checkpoint{Balance: balance, At: at, Delta: delta, Kind: kind, TxID: tx.TxID}
	if prev.UpdatedAt.Equal(at) {
		var old Checkpoint
		if _, err := core.GetJSON(tx.Store, ck, &old); err != nil {
			return err
		}
		cp.Delta += old.Delta
	}
	if err := core.PutJSON(tx.Store, ak, Account{Account: a, Balance: balance, UpdatedAt: at, TxID: tx.TxID}); err != nil {
		return err
	}
	return core.PutJSON(tx.Store, ck, cp)
}

// Balance returns an account's current balance (0 for an account that
// never held tokens). It is one point read.
func Balance(s core.Store, a identity.Identity) (int64, error) {
	acct, found, err := account(s, a)
	if err != nil || !found {
		return 0, err
	}
	return acct.Balance, nil
}

func account(s core.Store, a identity.Identity) (Account, bool, error) {
	if err := a.Validate(); err != nil {
		return Account{}, false, err
	}
	k, err := acctKey(a)
	if err != nil {
		return Account{}, false, err
	}
	var acct Account
	found, err := core.GetJSON(s, k, &acct)
	return acct, found, err
}

// stop ends a scan early.
type stop struct{}

func (stop) Error() string { return "stop" }

func isStop(err error) bool { var s stop; return errors.As(err, &s) }

// BalanceAt returns an account's balance at time at: the balance of its
// newest checkpoint at or before at. It reads the account record (one
// point read) and, only when the account moved after at, that account's own
// checkpoints newest first, stopping at the first one at or before at.
func BalanceAt(s core.Store, a identity.Identity, at time.Time) (int64, error) {
	acct, found, err := account(s, a)
	if err != nil || !found {
		return 0, err
	}
	if !acct.UpdatedAt.After(at) {
		return acct.Balance, nil
	}
	var bal int64
	err = s.Scan(objectType, []string{"cp", a.MSPID, a.ID}, func(key string, raw []byte) error {
		var cp Checkpoint
		if err := core.DecodeJSON(key, raw, &cp); err != nil {
			return err
		}
		if !cp.At.After(at) {
			bal = cp.Balance
			return stop{}
		}
		return nil
	})
	if err != nil && !isStop(err) {
		return 0, fmt.Errorf("balance of %s at %s: %w", a, at.Format(time.RFC3339Nano), err)
	}
	return bal, nil
}

// Supply returns the current total supply.
func Supply(s core.Store) (int64, error) {
	var cp Checkpoint
	if _, err := core.GetJSON(s, supplyKey(), &cp); err != nil {
		return 0, err
	}
	return cp.Balance, nil
}

// SupplyAt returns the total supply at time at.
func SupplyAt(s core.Store, at time.Time) (int64, error) {
	var cur Checkpoint
	found, err := core.GetJSON(s, supplyKey(), &cur)
	if err != nil || !found {
		return 0, err
	}
	if !cur.At.After(at) {
		return cur.Balance, nil
	}
	var supply int64
	err = s.Scan(objectType, []string{"supplycp"}, func(key string, raw []byte) error {
		var cp Checkpoint
		if err := core.DecodeJSON(key, raw, &cp); err != nil {
			return err
		}
		if !cp.At.After(at) {
			supply = cp.Balance
			return stop{}
		}
		return nil
	})
	if err != nil && !isStop(err) {
		return 0, fmt.Errorf("supply at %s: %w", at.Format(time.RFC3339Nano), err)
	}
	return supply, nil
}

// History returns an account's checkpoints, newest first, at most limit
// (1..1000).
func History(s core.Store, a identity.Identity, limit int) ([]Checkpoint, error) {
	if err := a.Validate(); err != nil {
		return nil, err
	}
	if limit < 1 || limit > 1000 {
		return nil, errcode.InvalidFieldf("limit", "range", "token history: limit %d is outside 1..1000", limit)
	}
	out := []Checkpoint{}
	err := s.Scan(objectType, []string{"cp", a.MSPID, a.ID}, func(key string, raw []byte) error {
		var cp Checkpoint
		if err := core.DecodeJSON(key, raw, &cp); err != nil {
			return err
		}
		out = append(out, cp)
		if len(out) == limit {
			return stop{}
		}
		return nil
	})
	if err != nil && !isStop(err) {
		return nil, fmt.Errorf("token history of %s: %w", a, err)
	}
	return out, nil
}

// Accounts lists every account with its current balance, in key order.
func Accounts(s core.Store, mspID string) ([]Account, error) {
	out := []Account{}
	bookmark := ""
	for {
		p, err := AccountsPaged(s, mspID, core.MaxPageSize, bookmark)
		if err != nil {
			return nil, err
		}
		out = append(out, p.Accounts...)
		if p.Bookmark == "" {
			return out, nil
		}
		bookmark = p.Bookmark
	}
}

// AccountPage is one page of accounts and the bookmark of the next ("" when
// this was the last).
type AccountPage struct {
	Accounts []Account `json:"accounts"`
	Bookmark string    `json:"bookmark,omitempty"`
}

// AccountsPaged returns one page of accounts in key order, of one MSP when
// mspID is not empty: at most pageSize (1..core.MaxPageSize; 0 means
// core.DefaultListPage) from bookmark ("" starts). A query: it reads at
// most pageSize records.
func AccountsPaged(s core.Store, mspID string, pageSize int, bookmark string) (*AccountPage, error) {
	limit, err := core.CheckPage("token accounts", pageSize)
	if err != nil {
		return nil, err
	}
	attrs := []string{"acct"}
	if strings.TrimSpace(mspID) != "" {
		attrs = append(attrs, mspID)
	}
	out := &AccountPage{Accounts: []Account{}}
	next, err := core.Page(s, objectType, attrs, bookmark, limit, func(key string, raw []byte) error {
		var a Account
		if err := core.DecodeJSON(key, raw, &a); err != nil {
			return err
		}
		out.Accounts = append(out.Accounts, a)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("token accounts: %w", err)
	}
	out.Bookmark = next
	return out, nil
}
