package treasury

import (
	"fmt"
	"time"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/emergency"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/membership"
	"github.com/charter-gov/charter/chaincode/text"
	"github.com/charter-gov/charter/chaincode/timerule"
	"github.com/charter-gov/charter/chaincode/token"
)

// ---- Proposal --------------------------------------------------------------

// ProposeSpend proposes a spend and emits EventSpendProposed (or
// EventSpendQueued when its total is within the decision threshold and it
// is queued at once). See PrepareSpend for the rules.
func ProposeSpend(tx *core.Tx, req SpendRequest) (*Spend, error) {
	sp, err := PrepareSpend(tx, req)
	if err != nil {
		return nil, err
	}
	ev := EventSpendProposed
	if sp.Status == StatusQueued {
		ev = EventSpendQueued
	}
	return sp, tx.Emit(ev, sp)
}

// PrepareSpend checks and records a spend exactly as ProposeSpend does,
// without emitting an event: for a transaction that emits its own (a
// funding round paying its results, whose event should carry the spend).
//
// Caller: a treasurer or the grants administrator. The spend draws on the
// open budget req.Budget (an executed budget decision) of the same
// account; its total is reserved from the budget at once. Each payee is a
// distinct active member, each amount positive; the total is within the
// account's per-period limit (a spend that could never execute is refused
// now). A total above treasury.spendDecisionThreshold waits for a
// treasury_spend decision; otherwise the spend is queued now and its
// delay starts.
//
// Errors: FORBIDDEN (caller), INVALID_ARGUMENT (payees, amounts, texts,
// a budget of another account), NOT_FOUND (account, budget, payee),
// FAILED_PRECONDITION (the budget's remaining amount or the period limit
// is smaller than the total).
func PrepareSpend(tx *core.Tx, req SpendRequest) (*Spend, error) {
	const action = "propose a spend"
	m, err := membership.Active(tx.Store, tx.Caller.Identity)
	if err != nil || !(m.Has(membership.RoleTreasurer) || m.Has(membership.RoleGrantsAdmin)) {
		return nil, errcode.Fieldf(errcode.Forbidden, "", RuleTreasurerOrGrantsAdmin, "%s: caller %s is not an active treasurer or grants administrator", action, tx.Caller.Identity.Short())
	}
	cur, err := current(tx.Store)
	if err != nil {
		return nil, err
	}
	doc := &cur.Document
	total, err := checkSpendRequest(tx.Store, doc, req)
	if err != nil {
		return nil, err
	}
	b, err := GetBudget(tx.Store, req.Budget)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", action, errcode.WithField(err, "budget"))
	}
	if b.Account != req.Account {
		return nil, errcode.InvalidFieldf("budget", RuleBudgetAccount, "%s: budget %s is for the %s account, not %s", action, b.Decision, b.Account, req.Account)
	}
	if left := b.Amount - b.Reserved; total > left {
		return nil, errcode.PreconditionFieldf("budget", RuleBudgetLeft, "%s: %d exceeds the %d left of budget %s (%d of %d reserved by earlier spends)", action, total, left, b.Decision, b.Reserved, b.Amount)
	}
	id := SpendID(tx.TxID)
	k, err := spendKey(id)
	if err != nil {
		return nil, err
	}
	if raw, err := tx.Store.Get(k); err != nil {
		return nil, err
	} else if raw != nil {
		return nil, errcode.Fieldf(errcode.Conflict, "", RuleOnePerTransaction, "%s: spend %s already exists (one spend per transaction)", action, id)
	}
	sp := &Spend{ID: id, Account: req.Account, Budget: req.Budget, Payees: req.Payees, Total: total, Source: req.Source, Reason: req.Reason,
		Proposer: tx.Caller.Identity, ProposedAt: tx.Time, TxID: tx.TxID, Status: StatusAwaitingDecision}
	if total > doc.Treasury.SpendDecisionThreshold {
		sp.NeedsDecision = true
	} else {
		queue(sp, doc, tx.Time)
	}
	b.Reserved += total
	bk, err := budgetKey(b.Decision)
	if err != nil {
		return nil, err
	}
	if err := core.PutJSON(tx.Store, bk, b); err != nil {
		return nil, err
	}
	if sp.Source != "" {
		sk, err := srcKey(sp.Source, sp.ID)
		if err != nil {
			return nil, err
		}
		if err := core.PutJSON(tx.Store, sk, sp.ID); err != nil {
			return nil, err
		}
	}
	return sp, core.PutJSON(tx.Store, k, sp)
}

func checkSpendRequest(s core.Store, doc *constitution.Document, req SpendRequest) (int64, error) {
	const action = "propose a spend"
	if _, ok := doc.Treasury.Account(req.Account); !ok {
		return 0, errcode.Fieldf(errcode.NotFound, "account", "exists", "%s: the constitution names no treasury account %s", action, errcode.Quote(req.Account))
	}
	if err := checkRef("budget", req.Budget, true); err != nil {
		return 0, err
	}
	if err := checkRef("source", req.Source, false); err != nil {
		return 0, err
	}
	if err := text.Check("reason", req.Reason, reasonRule()); err != nil {
		return 0, err
	}
	if len(req.Payees) == 0 || len(req.Payees) > MaxPayees {
		return 0, errcode.InvalidFieldf("payees", "range", "%s: %d payees, must be 1..%d", action, len(req.Payees), MaxPayees)
	}
	var total int64
	for i, p := range req.Payees {
		if err := membership.ValidateIdentity(p.To, fmt.Sprintf("payees[%d].to", i)); err != nil {
			return 0, fmt.Errorf("%s: payee %d: %w", action, i, err)
		}
		for _, q := range req.Payees[:i] {
			if q.To == p.To {
				return 0, errcode.InvalidFieldf(fmt.Sprintf("payees[%d].to", i), "unique", "%s: payee %d names %s a second time", action, i, p.To)
			}
		}
		if err := checkAmount(fmt.Sprintf("%s: payee %d", action, i), p.Amount); err != nil {
			return 0, errcode.WithField(err, fmt.Sprintf("payees[%d].amount", i))
		}
		if p.Amount > MaxAmount-total {
			return 0, errcode.InvalidFieldf(fmt.Sprintf("payees[%d].amount", i), RuleMaxAmount, "%s: the payees add up to more than %d", action, MaxAmount)
		}
		total += p.Amount
		if _, err := membership.Active(s, p.To); err != nil {
			return 0, fmt.Errorf("%s: payee %d: %w", action, i, errcode.WithField(err, fmt.Sprintf("payees[%d].to", i)))
		}
	}
	if limit := doc.Treasury.SpendLimit(req.Account); total > limit {
		return 0, errcode.PreconditionFieldf("payees", RulePeriodLimit, "%s: %d exceeds the %d the %s account may spend in one period (treasury limit); it could never execute", action, total, limit, req.Account)
	}
	return total, nil
}

// queue starts a spend's delay at time at, pinning the constitution's
// delay, skew and signer rules.
func queue(sp *Spend, doc *constitution.Document, at time.Time) {
	q := at.UTC()
	e := q.Add(time.Duration(doc.Treasury.ExecutionDelaySec) * time.Second)
	sp.Status, sp.QueuedAt, sp.ExecutableAt = StatusQueued, &q, &e
	sp.DelaySec, sp.SkewSec = doc.Treasury.ExecutionDelaySec, doc.Time.MaxClockSkewSec
	sp.SignersRequired, sp.DistinctOrgs = doc.Treasury.SignersRequired, doc.Treasury.SignersFromDistinctOrgs
}

// ---- The treasury_spend decision --------------------------------------------

// CheckSpendDecision checks a treasury_spend decision's payload: the
// spend exists and awaits its decision.
func CheckSpendDecision(s core.Store, p SpendDecisionPayload) (*Spend, error) {
	sp, err := GetSpend(s, p.Spend)
	if err != nil {
		return nil, errcode.WithField(err, "spend")
	}
	if sp.Status != StatusAwaitingDecision {
		return nil, errcode.PreconditionFieldf("spend", RuleAwaitingDecision, "treasury_spend decision: spend %s is %s; only a spend awaiting its decision is approved by one", sp.ID, sp.Status)
	}
	return sp, nil
}

// QueueByDecision queues a spend approved by the executed treasury_spend
// decision named decision: its delay starts now. Only the decision engine
// calls it. It emits EventSpendQueued.
func QueueByDecision(tx *core.Tx, decision string, p SpendDecisionPayload) (*Spend, error) {
	sp, err := CheckSpendDecision(tx.Store, p)
	if err != nil {
		return nil, err
	}
	cur, err := current(tx.Store)
	if err != nil {
		return nil, err
	}
	sp.Decision = decision
	queue(sp, &cur.Document, tx.Time)
	k, err := spendKey(sp.ID)
	if err != nil {
		return nil, err
	}
	if err := core.PutJSON(tx.Store, k, sp); err != nil {
		return nil, err
	}
	return sp, tx.Emit(EventSpendQueued, sp)
}

// ---- Approval ----------------------------------------------------------------

// Approve records the caller's approval of a spend, under its own key:
// treasurers approving at the same time never conflict. Caller: a
// treasurer, while the treasury.spend power is in force. A spend may be
// approved while it awaits its decision or is queued.
//
// Errors: FORBIDDEN (not a treasurer), FAILED_PRECONDITION (the power
// expired; the spend is executed or cancelled), CONFLICT (already
// approved by the caller), NOT_FOUND.
func Approve(tx *core.Tx, req ApproveRequest) (*Approval, error) {
	if _, err := membership.RequireRole(tx, membership.RoleTreasurer, "approve a spend"); err != nil {
		return nil, err
	}
	cur, err := current(tx.Store)
	if err != nil {
		return nil, err
	}
	if err := cur.Document.RequirePower(constitution.PowerTreasurySpend, tx.Time); err != nil {
		return nil, err
	}
	sp, err := GetSpend(tx.Store, req.Spend)
	if err != nil {
		return nil, errcode.WithField(err, "spend")
	}
	if sp.Status != StatusQueued && sp.Status != StatusAwaitingDecision {
		return nil, errcode.PreconditionFieldf("spend", RulePending, "approve spend %s: it is %s", sp.ID, sp.Status)
	}
	k, err := sigKey(sp.ID, tx.Caller.Identity)
	if err != nil {
		return nil, err
	}
	if raw, err := tx.Store.Get(k); err != nil {
		return nil, err
	} else if raw != nil {
		return nil, errcode.Fieldf(errcode.Conflict, "spend", RuleOneApprovalPerTreasurer, "approve spend %s: %s already approved it; each treasurer approves once", sp.ID, tx.Caller.Identity.Short())
	}
	a := &Approval{Spend: sp.ID, Treasurer: tx.Caller.Identity, At: tx.Time, TxID: tx.TxID}
	if err := core.PutJSON(tx.Store, k, a); err != nil {
		return nil, err
	}
	return a, tx.Emit(EventSpendApproved, a)
}

// Approvals returns a spend's approvals in key order (organisation, then
// identity), at most MaxApprovalsRead. It reads with a bounded Scan, not a
// paginated query, because Execute (a transaction that writes) calls it.
func Approvals(s core.Store, spend string) ([]Approval, error) {
	out := []Approval{}
	_, err := core.ScanUpTo(s, objectType, []string{"sig", spend}, MaxApprovalsRead, func(key string, raw []byte) error {
		var a Approval
		if err := core.DecodeJSON(key, raw, &a); err != nil {
			return err
		}
		out = append(out, a)
		return nil
	})
	return out, err
}

// signers returns the approvals that count: by members who still hold the
// treasurer role, in key order.
func signers(s core.Store, spend string) ([]identity.Identity, int, error) {
	as, err := Approvals(s, spend)
	if err != nil {
		return nil, 0, err
	}
	var out []identity.Identity
	orgs := map[string]bool{}
	for _, a := range as {
		m, err := membership.Active(s, a.Treasurer)
		if err != nil || !m.Has(membership.RoleTreasurer) {
			continue // a withdrawn treasurer's approval no longer counts
		}
		out = append(out, a.Treasurer)
		orgs[a.Treasurer.MSPID] = true
	}
	return out, len(orgs), nil
}

// ---- Execution ---------------------------------------------------------------

// Executed is the result of Execute and the payload of its event.
type Executed struct {
	Spend    *Spend          `json:"spend"`
	Movement *Movement       `json:"movement"`
	Usage    *PeriodUsage    `json:"usage"`
	Minted   *token.Issuance `json:"minted,omitempty"`
}

// Execute pays a queued spend out. Caller: a treasurer, while the
// treasury.spend power is in force. It needs:
//
//   - the delay over in real time: the queueing transaction was endorsed
//     no later than one skew after its timestamp, so the delay counts from
//     QueuedAt + skew, and the deadline is honoured with the skew as margin
//     (docs/time.md rule 3): a transaction stamped from
//     ExecutableAt + 2·skew (the larger of the pinned and the current
//     skew, delay and signer rules apply);
//   - the required number of approvals by distinct members who hold the
//     treasurer role now, from as many organisations when required;
//   - no guardian pause in force on the spend;
//   - the account's balance, and the period limit of the period the
//     execution is recorded in;
//   - every payee still an active member.
//
// Errors: FORBIDDEN, FAILED_PRECONDITION (each of the above, naming it),
// CONFLICT (already executed), NOT_FOUND.
func Execute(tx *core.Tx, id string) (*Executed, error) {
	if _, err := membership.RequireRole(tx, membership.RoleTreasurer, "execute a spend"); err != nil {
		return nil, err
	}
	cur, err := current(tx.Store)
	if err != nil {
		return nil, err
	}
	doc := &cur.Document
	if err := doc.RequirePower(constitution.PowerTreasurySpend, tx.Time); err != nil {
		return nil, err
	}
	sp, err := GetSpend(tx.Store, id)
	if err != nil {
		return nil, errcode.WithField(err, "id")
	}
	switch sp.Status {
	case StatusQueued:
	case StatusExecuted:
		return nil, errcode.Fieldf(errcode.Conflict, "id", RulePending, "execute spend %s: it was already executed at %s (transaction %s)", sp.ID, sp.ExecutedAt.Format(time.RFC3339), sp.ExecutedTxID)
	case StatusAwaitingDecision:
		return nil, errcode.PreconditionFieldf("id", RuleAwaitingDecision, "execute spend %s: its total %d exceeds the treasury's decision threshold; it waits for an executed treasury_spend decision", sp.ID, sp.Total)
	default:
		return nil, errcode.PreconditionFieldf("id", RulePending, "execute spend %s: it is %s", sp.ID, sp.Status)
	}
	margin, err := timerule.Margin(tx.Store, sp.SkewSec)
	if err != nil {
		return nil, err
	}
	delay := time.Duration(max(sp.DelaySec, doc.Treasury.ExecutionDelaySec)) * time.Second
	deadline := sp.QueuedAt.Add(margin).Add(delay) // the delay, counted from the latest real time the queueing was endorsed
	if !timerule.Passed(tx.Time, deadline, margin) {
		return nil, errcode.PreconditionFieldf("", RuleDelay, "execute spend %s: queued at %s with a delay of %s; with the clock-skew margin of %s on both ends it can be executed from %s",
			sp.ID, sp.QueuedAt.Format(time.RFC3339), delay, margin, timerule.From(deadline, margin).Format(time.RFC3339Nano))
	}
	need := max(sp.SignersRequired, doc.Treasury.SignersRequired)
	distinct := sp.DistinctOrgs || doc.Treasury.SignersFromDistinctOrgs
	sigs, orgs, err := signers(tx.Store, sp.ID)
	if err != nil {
		return nil, err
	}
	if int64(len(sigs)) < need {
		return nil, errcode.PreconditionFieldf("", RuleSigners, "execute spend %s: %d of the %d treasurer approvals it needs", sp.ID, len(sigs), need)
	}
	if distinct && int64(orgs) < need {
		return nil, errcode.PreconditionFieldf("", RuleSignerOrgs, "execute spend %s: its %d treasurer approvals come from %d organisations; the constitution needs %d distinct organisations", sp.ID, len(sigs), orgs, need)
	}
	if err := refuseIfPaused(tx.Store, sp.ID, tx.Time, margin); err != nil {
		return nil, err
	}
	for i, p := range sp.Payees {
		if _, err := membership.Active(tx.Store, p.To); err != nil {
			return nil, fmt.Errorf("execute spend %s: payee %d: %w", sp.ID, i, errcode.WithField(err, "id"))
		}
	}
	a, err := account(tx.Store, doc, sp.Account)
	if err != nil {
		return nil, err
	}
	at := timerule.Stamp(tx.Time, a.UpdatedAt)
	u, err := usage(tx.Store, doc, sp.Account, at)
	if err != nil {
		return nil, err
	}
	if u.Spent > u.Limit || sp.Total > u.Limit-u.Spent {
		return nil, errcode.PreconditionFieldf("", RulePeriodLimit, "execute spend %s: %d would take the %s account's spending in period %d (%s to %s) from %d past its limit %d",
			sp.ID, sp.Total, sp.Account, u.Period, u.Start.Format(time.RFC3339), u.End.Format(time.RFC3339), u.Spent, u.Limit)
	}
	reason := sp.Reason
	mv, err := move(tx, a, Movement{Kind: MoveSpend, Delta: -sp.Total, Reason: reason, Decision: sp.Budget, Spend: sp.ID, Source: sp.Source})
	if err != nil {
		return nil, fmt.Errorf("execute spend %s: %w", sp.ID, err)
	}
	u.Spent += sp.Total
	pk, err := periodKey(sp.Account, doc.Treasury.PeriodSec, u.Period)
	if err != nil {
		return nil, err
	}
	if err := core.PutJSON(tx.Store, pk, u); err != nil {
		return nil, err
	}
	out := &Executed{Movement: mv, Usage: u}
	if sp.Account == constitution.TreasuryTokenAccount {
		allocs := make([]token.Allocation, len(sp.Payees))
		for i, p := range sp.Payees {
			allocs[i] = token.Allocation{Member: p.To, Amount: p.Amount}
		}
		if out.Minted, err = token.Mint(tx, token.IssueRequest{Allocations: allocs, Memo: "treasury spend " + sp.ID}, sp.ID); err != nil {
			return nil, fmt.Errorf("execute spend %s: pay out governance tokens: %w", sp.ID, err)
		}
	}
	t, by := tx.Time, tx.Caller.Identity
	sp.Status, sp.ExecutedAt, sp.ExecutedBy, sp.ExecutedTxID, sp.Signers, sp.Period = StatusExecuted, &t, &by, tx.TxID, sigs, u.Period
	k, err := spendKey(sp.ID)
	if err != nil {
		return nil, err
	}
	if err := core.PutJSON(tx.Store, k, sp); err != nil {
		return nil, err
	}
	out.Spend = sp
	return out, tx.Emit(EventSpendExecuted, out)
}

// refuseIfPaused refuses to execute a spend while a guardian pause is in
// force on it (chaincode/emergency, target kind "treasury_spend"). It is
// the one place the guardian council's pauses are consulted. The
// execution's timestamp may lie up to one skew before the real time it is
// endorsed at, so a pause counts when it is in force at the timestamp or
// at any time up to two skews after it (it could already be in force in
// real time): a client cannot slip under a fresh pause by stamping its
// execution early.
func refuseIfPaused(s core.Store, spend string, at time.Time, margin time.Duration) error {
	target := emergency.Target{Kind: emergency.KindTreasurySpend, ID: spend}
	for _, t := range []time.Time{at, at.Add(2 * margin)} {
		if err := emergency.RefuseIfPaused(s, target, t, "execute spend "+spend); err != nil {
			return err
		}
	}
	return nil
}

// CheckPausable is the emergency.Check for pausing a treasury spend: the
// spend exists and has not executed or been cancelled (awaiting its
// decision or queued). The guardian:Pause transaction passes it to
// emergency.PauseTarget for targets of kind treasury_spend.
func CheckPausable(s core.Store, t emergency.Target, _ time.Time) error {
	sp, err := GetSpend(s, t.ID)
	if err != nil {
		return err
	}
	if sp.Status != StatusQueued && sp.Status != StatusAwaitingDecision {
		return errcode.PreconditionFieldf("id", RulePending, "pause spend %s: it is %s; only a pending spend is paused", sp.ID, sp.Status)
	}
	return nil
}

// ---- Cancellation --------------------------------------------------------------

// Cancel withdraws a spend that has not executed and gives its reserve
// back to its budget. Caller: the spend's proposer (no one else can undo
// what the route approved; guardians pause instead). It emits
// EventSpendCanceled.
//
// Errors: FORBIDDEN (not the proposer), INVALID_ARGUMENT (reason),
// FAILED_PRECONDITION (executed or cancelled), NOT_FOUND.
func Cancel(tx *core.Tx, req CancelRequest) (*Spend, error) {
	if err := text.Check("reason", req.Reason, reasonRule()); err != nil {
		return nil, err
	}
	sp, err := GetSpend(tx.Store, req.Spend)
	if err != nil {
		return nil, errcode.WithField(err, "spend")
	}
	if sp.Proposer != tx.Caller.Identity {
		return nil, errcode.Fieldf(errcode.Forbidden, "", RuleProposer, "cancel spend %s: only its proposer %s withdraws it", sp.ID, sp.Proposer)
	}
	if sp.Status != StatusQueued && sp.Status != StatusAwaitingDecision {
		return nil, errcode.PreconditionFieldf("spend", RulePending, "cancel spend %s: it is %s", sp.ID, sp.Status)
	}
	b, err := GetBudget(tx.Store, sp.Budget)
	if err != nil {
		return nil, err
	}
	b.Reserved -= sp.Total
	bk, err := budgetKey(b.Decision)
	if err != nil {
		return nil, err
	}
	if err := core.PutJSON(tx.Store, bk, b); err != nil {
		return nil, err
	}
	t := tx.Time
	sp.Status, sp.CancelledAt, sp.CancelReason = StatusCancelled, &t, req.Reason
	k, err := spendKey(sp.ID)
	if err != nil {
		return nil, err
	}
	if err := core.PutJSON(tx.Store, k, sp); err != nil {
		return nil, err
	}
	return sp, tx.Emit(EventSpendCanceled, sp)
}

// ---- Queries -------------------------------------------------------------------

// GetSpend returns a spend, NOT_FOUND (rule "exists", naming no field:
// a caller names the request field that gave the ID) when none was
// proposed.
func GetSpend(s core.Store, id string) (*Spend, error) {
	if err := checkRef("spend", id, true); err != nil {
		return nil, errcode.WithField(err, "id")
	}
	k, err := spendKey(id)
	if err != nil {
		return nil, err
	}
	var sp Spend
	found, err := core.GetJSON(s, k, &sp)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, errcode.Fieldf(errcode.NotFound, "", "exists", "spend %s not found", errcode.Quote(id))
	}
	return &sp, nil
}

// SpendPage is one page of spends and the bookmark of the next.
type SpendPage struct {
	Spends   []Spend `json:"spends"`
	Bookmark string  `json:"bookmark"`
}

// Spends lists one page of spends in ID order.
func Spends(s core.Store, pageSize int, bookmark string) (*SpendPage, error) {
	sps, next, err := core.PageJSON[Spend](s, "treasury spends", objectType, []string{"spend"}, pageSize, bookmark, nil)
	if err != nil {
		return nil, err
	}
	return &SpendPage{Spends: sps, Bookmark: next}, nil
}

// SpendsBySource returns the spends recorded with a source reference
// (e.g. "round:<id>"), at most MaxApprovalsRead, in ID order.
func SpendsBySource(s core.Store, source string) ([]Spend, error) {
	if err := checkRef("source", source, true); err != nil {
		return nil, err
	}
	out := []Spend{}
	_, err := core.Page(s, objectType, []string{"src", source}, "", MaxApprovalsRead, func(key string, raw []byte) error {
		var id string
		if err := core.DecodeJSON(key, raw, &id); err != nil {
			return err
		}
		sp, err := GetSpend(s, id)
		if err != nil {
			return err
		}
		out = append(out, *sp)
		return nil
	})
	return out, err
}

// Accounts returns every account the constitution names with its balance.
func Accounts(s core.Store) ([]Account, error) {
	cur, err := current(s)
	if err != nil {
		return nil, err
	}
	out := []Account{}
	for _, id := range cur.Document.Treasury.AccountIDs() {
		a, err := account(s, &cur.Document, id)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// GetAccount returns one account.
func GetAccount(s core.Store, id string) (*Account, error) {
	cur, err := current(s)
	if err != nil {
		return nil, err
	}
	a, err := account(s, &cur.Document, id)
	if err != nil {
		return nil, err
	}
	return &a, nil
}

// MovementPage is one page of an account's movements, oldest first.
type MovementPage struct {
	Movements []Movement `json:"movements"`
	Bookmark  string     `json:"bookmark"`
}

// Movements lists one page of an account's movements, oldest first.
func Movements(s core.Store, acct string, pageSize int, bookmark string) (*MovementPage, error) {
	if _, err := core.CheckPage("treasury movements", pageSize); err != nil {
		return nil, err
	}
	if err := checkRef("account", acct, true); err != nil {
		return nil, err
	}
	ms, next, err := core.PageJSON[Movement](s, "treasury movements", objectType, []string{"move", acct}, pageSize, bookmark, nil)
	if err != nil {
		return nil, err
	}
	return &MovementPage{Movements: ms, Bookmark: next}, nil
}
