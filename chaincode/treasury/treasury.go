package treasury

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/text"
	"github.com/charter-gov/charter/chaincode/timerule"
	"github.com/charter-gov/charter/chaincode/token"
)

// Event types this package emits.
const (
	EventIssued          = "treasury.issued"
	EventDeposited       = "treasury.deposited"
	EventDepositRecorded = "treasury.deposit_recorded"
	// EventDepositCancelled: a pending deposit withdrawn by its recorder.
	EventDepositCancelled = "treasury.deposit_cancelled"
	EventBudgetOpened     = "treasury.budget_opened"
	EventSpendProposed    = "treasury.spend_proposed"
	EventSpendQueued      = "treasury.spend_queued"
	EventSpendApproved    = "treasury.spend_approved"
	EventSpendExecuted    = "treasury.spend_executed"
	EventSpendCanceled    = "treasury.spend_cancelled"
)

// MoveKind is why a balance changed.
type MoveKind string

// Movement kinds.
const (
	MoveIssuance MoveKind = "issuance"
	MoveDeposit  MoveKind = "deposit"
	MoveSpend    MoveKind = "spend"
)

// SpendStatus is a spend's stored status.
type SpendStatus string

// Spend statuses: a spend above the decision threshold awaits its
// treasury_spend decision; a queued spend collects approvals and waits
// for its delay; executed and cancelled are final.
const (
	StatusAwaitingDecision SpendStatus = "awaiting_decision"
	StatusQueued           SpendStatus = "queued"
	StatusExecuted         SpendStatus = "executed"
	StatusCancelled        SpendStatus = "cancelled"
)

// Limits.
const (
	// MaxPayees bounds the payees of one spend (token.MaxAllocations, so
	// that a payout of governance tokens is one issuance).
	MaxPayees = token.MaxAllocations
	// MaxReferenceBytes bounds a source or deposit reference (a key part).
	MaxReferenceBytes = 128
	// MaxApprovalsRead bounds the approvals read for one spend.
	MaxApprovalsRead = 1000
	// MaxAmount bounds every amount and balance, so no sum overflows.
	MaxAmount int64 = 1 << 62
)

const objectType = "treasury"

// reasonRule is the text rule of reasons and purposes: required,
// multi-line, at most text.MaxReasonRunes characters.
func reasonRule() text.Rule {
	return text.Rule{MaxRunes: text.MaxReasonRunes, MultiLine: true, Required: true}
}

// Account is one treasury account's current balance.
type Account struct {
	ID        string    `json:"id"`
	Unit      string    `json:"unit"`
	Balance   int64     `json:"balance"`
	Seq       int64     `json:"seq"` // movements recorded so far
	UpdatedAt time.Time `json:"updatedAt,omitempty"`
	TxID      string    `json:"txId,omitempty"`
}

// Movement is one append-only record of a balance change.
type Movement struct {
	Account string   `json:"account"`
	Seq     int64    `json:"seq"`
	Kind    MoveKind `json:"kind"`
	// Delta is positive for issuances and deposits, negative for spends.
	Delta   int64  `json:"delta"`
	Balance int64  `json:"balance"`
	Reason  string `json:"reason"`
	// Decision is the token_issuance decision (issuance) or the budget
	// decision (spend); Spend and Source are set for spends; Reference is
	// a deposit's external reference.
	Decision  string            `json:"decision,omitempty"`
	Spend     string            `json:"spend,omitempty"`
	Source    string            `json:"source,omitempty"`
	Reference string            `json:"reference,omitempty"`
	Actor     identity.Identity `json:"actor"`
	At        time.Time         `json:"at"`
	TxID      string            `json:"txId"`
}

// Budget is what an executed budget decision allows to be spent from one
// account. Reserved grows when a spend is proposed against it and shrinks
// when that spend is cancelled.
type Budget struct {
	Decision string    `json:"decision"`
	Account  string    `json:"account"`
	Amount   int64     `json:"amount"`
	Reserved int64     `json:"reserved"`
	Purpose  string    `json:"purpose"`
	OpenedAt time.Time `json:"openedAt"`
	TxID     string    `json:"txId"`
}

// Payee is one payment of a spend.
type Payee struct {
	To     identity.Identity `json:"to"`
	Amount int64             `json:"amount"`
}

// SpendRequest asks for a spend (ProposeSpend, PrepareSpend).
type SpendRequest struct {
	Account string  `json:"account"`
	Budget  string  `json:"budget"` // the executed budget decision drawn on
	Payees  []Payee `json:"payees"`
	Source  string  `json:"source,omitempty"` // e.g. "round:<id>"
	Reason  string  `json:"reason"`
}

// Spend is the stored record of one spend.
type Spend struct {
	ID         string            `json:"id"`
	Account    string            `json:"account"`
	Budget     string            `json:"budget"`
	Payees     []Payee           `json:"payees"`
	Total      int64             `json:"total"`
	Source     string            `json:"source,omitempty"`
	Reason     string            `json:"reason"`
	Proposer   identity.Identity `json:"proposer"`
	ProposedAt time.Time         `json:"proposedAt"`
	TxID       string            `json:"txId"`
	Status     SpendStatus       `json:"status"`
	// NeedsDecision is set when the total exceeded the constitution's
	// spendDecisionThreshold at proposal; Decision is then the executed
	// treasury_spend decision that queued it.
	NeedsDecision bool   `json:"needsDecision"`
	Decision      string `json:"decision,omitempty"`
	// The rules pinned when queued; execution applies the stricter of
	// these and the constitution in force.
	QueuedAt        *time.Time `json:"queuedAt,omitempty"`
	ExecutableAt    *time.Time `json:"executableAt,omitempty"`
	DelaySec        int64      `json:"delaySeconds,omitempty"`
	SkewSec         int64      `json:"skewSeconds,omitempty"`
	SignersRequired int64      `json:"signersRequired,omitempty"`
	DistinctOrgs    bool       `json:"distinctOrgs,omitempty"`

	ExecutedAt   *time.Time          `json:"executedAt,omitempty"`
	ExecutedBy   *identity.Identity  `json:"executedBy,omitempty"`
	ExecutedTxID string              `json:"executedTxId,omitempty"`
	Signers      []identity.Identity `json:"signers,omitempty"`
	Period       int64               `json:"period,omitempty"`

	CancelledAt  *time.Time `json:"cancelledAt,omitempty"`
	CancelReason string     `json:"cancelReason,omitempty"`
}

// Approval is one treasurer's approval of a spend (its own key).
type Approval struct {
	Spend     string            `json:"spend"`
	Treasurer identity.Identity `json:"treasurer"`
	At        time.Time         `json:"at"`
	TxID      string            `json:"txId"`
}

// PeriodUsage is what the executed spends of one account moved in one
// fixed period.
type PeriodUsage struct {
	Account string    `json:"account"`
	Period  int64     `json:"period"`
	Start   time.Time `json:"start"`
	End     time.Time `json:"end"`
	Spent   int64     `json:"spent"`
	Limit   int64     `json:"limit"`
}

// IssuanceRequest is the payload of a token_issuance decision: new
// governance tokens for the treasury's token account.
type IssuanceRequest struct {
	Amount int64  `json:"amount"`
	Memo   string `json:"memo,omitempty"`
}

// BudgetRequest is the payload of a budget decision that opens a budget.
type BudgetRequest struct {
	Account string `json:"account"`
	Amount  int64  `json:"amount"`
	Purpose string `json:"purpose"`
}

// SpendDecisionPayload is the payload of a treasury_spend decision.
type SpendDecisionPayload struct {
	Spend string `json:"spend"`
}

// DepositRequest records an asset received off-chain.
type DepositRequest struct {
	Account   string `json:"account"`
	Amount    int64  `json:"amount"`
	Reference string `json:"reference"` // e.g. the bank transfer or the provider's grant ID
	Reason    string `json:"reason"`
}

// ConfirmDepositRequest confirms a recorded deposit.
type ConfirmDepositRequest struct {
	Deposit string `json:"deposit"`
}

// CancelDepositRequest withdraws a pending deposit (its recorder only).
type CancelDepositRequest struct {
	Deposit string `json:"deposit"`
	Reason  string `json:"reason"`
}

// ApproveRequest approves a spend.
type ApproveRequest struct {
	Spend string `json:"spend"`
}

// CancelRequest withdraws a spend.
type CancelRequest struct {
	Spend  string `json:"spend"`
	Reason string `json:"reason"`
}

// Rules a treasury refusal names (errcode.Fieldf), beside the common ones
// ("required", "range", "unique", "exists", "window", "max-bytes"),
// membership's (RuleActiveMember, RuleHoldsRole) and
// constitution.RulePowerInForce.
const (
	RuleTreasurerOrGrantsAdmin  = "treasurer-or-grants-admin"  // a spend is proposed by an active treasurer or grants administrator
	RuleTreasurerOfAnotherOrg   = "treasurer-of-another-org"   // a deposit is confirmed by a treasurer of another organisation than its recorder's
	RuleRecorder                = "recorder"                   // only the treasurer who recorded a deposit withdraws it
	RuleProposer                = "proposer"                   // only a spend's proposer withdraws it
	RuleNoTokenDeposits         = "no-token-deposits"          // the governance token account takes no deposits
	RuleOnePerTransaction       = "one-per-transaction"        // one deposit or spend per transaction
	RulePending                 = "pending"                    // a deposit or spend is acted on only while pending (not confirmed, executed or cancelled)
	RuleAwaitingDecision        = "awaiting-decision"          // a spend above the decision threshold waits for its treasury_spend decision
	RuleBudgetAccount           = "budget-account"             // a spend draws on a budget of its own account
	RuleBudgetLeft              = "budget-left"                // a spend's total is within what is left of its budget
	RulePeriodLimit             = "period-limit"               // an account's spending stays within its per-period limit
	RuleMaxAmount               = "max-amount"                 // sums (payees, a balance) stay within MaxAmount
	RuleBalance                 = "balance"                    // an account pays out no more than it holds
	RuleIssuanceLimit           = "issuance-limit"             // one token_issuance decision issues within the constitution's limit
	RuleOneApprovalPerTreasurer = "one-approval-per-treasurer" // each treasurer approves a spend once
	RuleDelay                   = "delay"                      // a spend executes once its delay (with the clock-skew margin) is over
	RuleSigners                 = "signers"                    // a spend executes with the treasurer approvals the constitution requires
	RuleSignerOrgs              = "signer-orgs"                // ... from as many distinct organisations, when required
)

// SpendID derives a spend's ID from the proposing transaction's ID.
func SpendID(txID string) string {
	sum := sha256.Sum256([]byte(txID))
	return "s" + hex.EncodeToString(sum[:8])
}

func acctKey(id string) (string, error) { return core.Key(objectType, "acct", id) }
func moveKey(id string, seq int64) (string, error) {
	return core.Key(objectType, "move", id, fmt.Sprintf("%020d", seq))
}
func budgetKey(d string) (string, error)   { return core.Key(objectType, "budget", d) }
func spendKey(id string) (string, error)   { return core.Key(objectType, "spend", id) }
func depositKey(id string) (string, error) { return core.Key(objectType, "deposit", id) }
func srcKey(src, id string) (string, error) {
	return core.Key(objectType, "src", src, id)
}
func sigKey(spend string, t identity.Identity) (string, error) {
	return core.Key(objectType, "sig", spend, t.MSPID, t.ID)
}
func periodKey(acct string, periodSec, n int64) (string, error) {
	return core.Key(objectType, "period", acct, fmt.Sprintf("%d", periodSec), fmt.Sprintf("%020d", n))
}

// current returns the constitution in force.
func current(s core.Store) (*constitution.Version, error) {
	cur, err := constitution.Current(s)
	if err != nil {
		return nil, fmt.Errorf("treasury: read the constitution: %w", err)
	}
	return cur, nil
}

func checkAmount(what string, n int64) error {
	if n <= 0 || n > MaxAmount {
		return errcode.InvalidFieldf("amount", "range", "%s: amount %d must be between 1 and %d", what, n, MaxAmount)
	}
	return nil
}

func checkRef(field, v string, required bool) error {
	if v == "" && !required {
		return nil
	}
	return text.Check(field, v, text.ID(MaxReferenceBytes))
}

// account reads an account's record; an account the constitution names
// but that never moved has a zero balance. NOT_FOUND when the
// constitution names no such account.
func account(s core.Store, doc *constitution.Document, id string) (Account, error) {
	def, ok := doc.Treasury.Account(id)
	if !ok {
		return Account{}, errcode.Fieldf(errcode.NotFound, "account", "exists", "treasury account %s: the constitution names no such account (accounts: %s)", errcode.Quote(id), strings.Join(doc.Treasury.AccountIDs(), ", "))
	}
	k, err := acctKey(id)
	if err != nil {
		return Account{}, err
	}
	a := Account{ID: id}
	if _, err := core.GetJSON(s, k, &a); err != nil {
		return Account{}, err
	}
	a.Unit = def.Unit
	return a, nil
}

// move records one movement and the account's new balance, at the
// transaction's time or the account's newest movement when that is later
// (the time rule: the history is append-only in time order).
func move(tx *core.Tx, a Account, m Movement) (*Movement, error) {
	if m.Delta < 0 && a.Balance < -m.Delta {
		return nil, errcode.PreconditionFieldf("", RuleBalance, "treasury account %s holds %d, less than the %d this spend moves", a.ID, a.Balance, -m.Delta)
	}
	if m.Delta > 0 && a.Balance > MaxAmount-m.Delta {
		return nil, errcode.InvalidFieldf("amount", RuleMaxAmount, "treasury account %s: %d more would take its balance past %d", a.ID, m.Delta, MaxAmount)
	}
	m.Account, m.Seq, m.Balance = a.ID, a.Seq+1, a.Balance+m.Delta
	m.At = timerule.Stamp(tx.Time, a.UpdatedAt)
	m.Actor, m.TxID = tx.Caller.Identity, tx.TxID
	mk, err := moveKey(a.ID, m.Seq)
	if err != nil {
		return nil, err
	}
	ak, err := acctKey(a.ID)
	if err != nil {
		return nil, err
	}
	a.Balance, a.Seq, a.UpdatedAt, a.TxID = m.Balance, m.Seq, m.At, tx.TxID
	if err := core.PutJSON(tx.Store, ak, a); err != nil {
		return nil, err
	}
	if err := core.PutJSON(tx.Store, mk, m); err != nil {
		return nil, err
	}
	return &m, nil
}

// ---- Issuance --------------------------------------------------------------

// Issued is the result of Issue and the payload of its event.
type Issued struct {
	Movement *Movement `json:"movement"`
	// Circulating is the token supply in members' hands; Reserve the
	// treasury's token balance after the issuance.
	Circulating int64 `json:"circulating"`
	Reserve     int64 `json:"reserve"`
}

// CirculatingAndReserve returns the governance tokens in members' hands
// (chaincode/token's supply) and in the treasury's token account. Their
// sum is what the constitution's issuance limit and supply cap apply to.
func CirculatingAndReserve(s core.Store) (circulating, reserve int64, err error) {
	if circulating, err = token.Supply(s); err != nil {
		return 0, 0, err
	}
	k, err := acctKey(constitution.TreasuryTokenAccount)
	if err != nil {
		return 0, 0, err
	}
	var a Account
	if _, err := core.GetJSON(s, k, &a); err != nil {
		return 0, 0, err
	}
	return circulating, a.Balance, nil
}

// CheckIssuance checks a token_issuance payload against the constitution
// doc (version v) and the tokens issued so far: a positive amount within
// the larger of maxIssuanceBps of the issued tokens (circulating and in
// the treasury) and maxIssuanceUnits, never past the supply cap.
func CheckIssuance(s core.Store, doc *constitution.Document, v int64, req IssuanceRequest) error {
	if err := checkAmount("token issuance", req.Amount); err != nil {
		return err
	}
	if err := text.Check("memo", req.Memo, text.Rule{MaxRunes: token.MaxMemoRunes}); err != nil {
		return fmt.Errorf("token issuance: %w", err)
	}
	circ, res, err := CirculatingAndReserve(s)
	if err != nil {
		return err
	}
	issued := circ + res
	if limit := doc.Token.IssuanceLimit(issued); req.Amount > limit {
		return errcode.PreconditionFieldf("amount", RuleIssuanceLimit, "token issuance: %d tokens exceed the %d one token_issuance decision may issue under constitution version %d (the larger of %d bps of the %d issued and %d units, within the supply cap %d)",
			req.Amount, limit, v, doc.Token.MaxIssuanceBps, issued, doc.Token.MaxIssuanceUnits, doc.Token.SupplyCap)
	}
	return nil
}

// Issue credits the treasury's token account with newly issued governance
// tokens, the effect of the executed token_issuance decision named
// decision. It re-checks the constitution's limits against the
// constitution and the tokens issued now. Only the decision engine calls
// it. It emits EventIssued.
func Issue(tx *core.Tx, decision string, req IssuanceRequest) (*Issued, error) {
	if strings.TrimSpace(decision) == "" {
		return nil, errcode.InvalidFieldf("decision", "required", "treasury issue: an issuance needs the ID of the decision that authorises it")
	}
	cur, err := current(tx.Store)
	if err != nil {
		return nil, err
	}
	if err := CheckIssuance(tx.Store, &cur.Document, cur.Version, req); err != nil {
		return nil, err
	}
	circ, _, err := CirculatingAndReserve(tx.Store)
	if err != nil {
		return nil, err
	}
	a, err := account(tx.Store, &cur.Document, constitution.TreasuryTokenAccount)
	if err != nil {
		return nil, err
	}
	reason := req.Memo
	if reason == "" {
		reason = "token_issuance decision " + decision
	}
	m, err := move(tx, a, Movement{Kind: MoveIssuance, Delta: req.Amount, Reason: reason, Decision: decision})
	if err != nil {
		return nil, err
	}
	out := &Issued{Movement: m, Circulating: circ, Reserve: m.Balance}
	return out, tx.Emit(EventIssued, out)
}

// ---- Budgets ---------------------------------------------------------------

// CheckBudget checks a budget decision's payload against the constitution.
func CheckBudget(s core.Store, doc *constitution.Document, req BudgetRequest) error {
	if err := checkAmount("budget", req.Amount); err != nil {
		return err
	}
	if err := text.Check("purpose", req.Purpose, reasonRule()); err != nil {
		return fmt.Errorf("budget: %w", err)
	}
	_, err := account(s, doc, req.Account)
	return err
}

// OpenBudget opens the budget of the executed budget decision named
// decision. Only the decision engine calls it. It emits EventBudgetOpened.
func OpenBudget(tx *core.Tx, decision string, req BudgetRequest) (*Budget, error) {
	cur, err := current(tx.Store)
	if err != nil {
		return nil, err
	}
	if err := CheckBudget(tx.Store, &cur.Document, req); err != nil {
		return nil, err
	}
	k, err := budgetKey(decision)
	if err != nil {
		return nil, err
	}
	if raw, err := tx.Store.Get(k); err != nil {
		return nil, err
	} else if raw != nil {
		return nil, errcode.Fieldf(errcode.Conflict, "decision", "unique", "budget %s is already open", decision)
	}
	b := &Budget{Decision: decision, Account: req.Account, Amount: req.Amount, Purpose: req.Purpose, OpenedAt: tx.Time, TxID: tx.TxID}
	if err := core.PutJSON(tx.Store, k, b); err != nil {
		return nil, err
	}
	return b, tx.Emit(EventBudgetOpened, b)
}

// GetBudget returns a budget, NOT_FOUND when no executed budget decision
// opened it.
func GetBudget(s core.Store, decision string) (*Budget, error) {
	k, err := budgetKey(decision)
	if err != nil {
		return nil, err
	}
	var b Budget
	found, err := core.GetJSON(s, k, &b)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, errcode.Fieldf(errcode.NotFound, "", "exists", "budget %s: no executed budget decision opened it", errcode.Quote(decision))
	}
	return &b, nil
}

// ---- Periods ---------------------------------------------------------------

// PeriodOf returns the index of the fixed period (aligned to the Unix
// epoch) that contains t, and its bounds.
func PeriodOf(t time.Time, periodSec int64) (n int64, start, end time.Time) {
	u := t.Unix()
	n = u / periodSec
	if u < 0 && u%periodSec != 0 {
		n--
	}
	start = time.Unix(n*periodSec, 0).UTC()
	return n, start, start.Add(time.Duration(periodSec) * time.Second)
}

// Usage returns what the executed spends of an account moved in the
// period containing at, under the constitution in force.
func Usage(s core.Store, acct string, at time.Time) (*PeriodUsage, error) {
	cur, err := current(s)
	if err != nil {
		return nil, err
	}
	if _, ok := cur.Document.Treasury.Account(acct); !ok {
		return nil, errcode.Fieldf(errcode.NotFound, "", "exists", "treasury account %s: the constitution names no such account", errcode.Quote(acct))
	}
	return usage(s, &cur.Document, acct, at)
}

func usage(s core.Store, doc *constitution.Document, acct string, at time.Time) (*PeriodUsage, error) {
	n, start, end := PeriodOf(at, doc.Treasury.PeriodSec)
	k, err := periodKey(acct, doc.Treasury.PeriodSec, n)
	if err != nil {
		return nil, err
	}
	u := PeriodUsage{Account: acct, Period: n, Start: start, End: end}
	if _, err := core.GetJSON(s, k, &u); err != nil {
		return nil, err
	}
	u.Start, u.End, u.Limit = start, end, doc.Treasury.SpendLimit(acct)
	return &u, nil
}
