package charter

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/decision"
	"github.com/charter-gov/charter/chaincode/treasury"
)

// Treasury transaction names.
const (
	txTreasuryDeposit        = "treasury:Deposit"
	txTreasuryConfirmDeposit = "treasury:ConfirmDeposit"
	txTreasuryCancelDeposit  = "treasury:CancelDeposit"
	txTreasuryDepositRecord  = "treasury:DepositRecord"
	txTreasuryDeposits       = "treasury:Deposits"
	txTreasuryProposeSpend   = "treasury:ProposeSpend"
	txTreasuryApprove        = "treasury:Approve"
	txTreasuryExecute        = "treasury:Execute"
	txTreasuryCancel         = "treasury:Cancel"
	txTreasuryAccounts       = "treasury:Accounts"
	txTreasuryAccount        = "treasury:Account"
	txTreasuryMovements      = "treasury:Movements"
	txTreasuryBudget         = "treasury:Budget"
	txTreasurySpend          = "treasury:Spend"
	txTreasurySpends         = "treasury:Spends"
	txTreasurySpendsBySource = "treasury:SpendsBySource"
	txTreasuryApprovals      = "treasury:Approvals"
	txTreasuryUsage          = "treasury:Usage"
)

// Deposit submits treasury:Deposit: an asset received off-chain, recorded
// pending; the balance moves when a treasurer of another organisation
// confirms it (ConfirmDeposit).
//
// Errors: ErrForbidden (not a treasurer), ErrInvalidArgument (amount,
// reference, reason; the token account), ErrNotFound (account).
func (c *Client) Deposit(ctx context.Context, req treasury.DepositRequest) (*treasury.DepositRecord, error) {
	var out treasury.DepositRecord
	if err := c.submitJSON(ctx, txTreasuryDeposit, "deposit request", req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ConfirmDeposit submits treasury:ConfirmDeposit: a treasurer of another
// organisation than the recording treasurer's confirms a pending deposit,
// which credits its account.
//
// Errors: ErrForbidden (not a treasurer; the recorder or a treasurer of
// its organisation), ErrConflict (already confirmed), ErrNotFound.
func (c *Client) ConfirmDeposit(ctx context.Context, deposit string) (*treasury.Deposited, error) {
	var out treasury.Deposited
	if err := c.submitJSON(ctx, txTreasuryConfirmDeposit, "deposit confirmation", treasury.ConfirmDepositRequest{Deposit: deposit}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// CancelDeposit submits treasury:CancelDeposit: the treasurer who recorded
// a pending deposit withdraws it, with the reason; it can no longer be
// confirmed and never moved a balance.
//
// Errors: ErrForbidden (not a treasurer; not the recorder),
// ErrFailedPrecondition (confirmed, or already cancelled), ErrNotFound,
// ErrInvalidArgument (reason).
func (c *Client) CancelDeposit(ctx context.Context, deposit, reason string) (*treasury.DepositRecord, error) {
	var out treasury.DepositRecord
	if err := c.submitJSON(ctx, txTreasuryCancelDeposit, "deposit cancellation", treasury.CancelDepositRequest{Deposit: deposit, Reason: reason}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// TreasuryDeposit evaluates treasury:DepositRecord: one deposit, pending,
// confirmed or cancelled.
//
// Errors: ErrNotFound.
func (c *Client) TreasuryDeposit(ctx context.Context, id string) (*treasury.DepositRecord, error) {
	var out treasury.DepositRecord
	if err := c.evaluate(ctx, txTreasuryDepositRecord, &out, id); err != nil {
		return nil, err
	}
	return &out, nil
}

// TreasuryDeposits evaluates treasury:Deposits: one page of deposits.
func (c *Client) TreasuryDeposits(ctx context.Context, pageSize int, bookmark string) (*treasury.DepositPage, error) {
	var out treasury.DepositPage
	if err := c.evaluate(ctx, txTreasuryDeposits, &out, strconv.Itoa(pageSize), bookmark); err != nil {
		return nil, err
	}
	return &out, nil
}

// ProposeSpend submits treasury:ProposeSpend: a spend drawing on a budget.
//
// Errors: ErrForbidden (not a treasurer or grants administrator),
// ErrInvalidArgument, ErrNotFound (account, budget, payee),
// ErrFailedPrecondition (budget left, period limit).
func (c *Client) ProposeSpend(ctx context.Context, req treasury.SpendRequest) (*treasury.Spend, error) {
	var out treasury.Spend
	if err := c.submitJSON(ctx, txTreasuryProposeSpend, "spend request", req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ApproveSpend submits treasury:Approve: the caller's approval.
//
// Errors: ErrForbidden (not a treasurer), ErrConflict (approved before),
// ErrFailedPrecondition (power expired; spend executed or cancelled),
// ErrNotFound.
func (c *Client) ApproveSpend(ctx context.Context, spend string) (*treasury.Approval, error) {
	var out treasury.Approval
	if err := c.submitJSON(ctx, txTreasuryApprove, "approval", treasury.ApproveRequest{Spend: spend}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ExecuteSpend submits treasury:Execute.
//
// Errors: ErrForbidden (not a treasurer), ErrFailedPrecondition (delay,
// approvals, organisations, pause, balance, period limit, awaiting its
// decision), ErrConflict (executed), ErrNotFound.
func (c *Client) ExecuteSpend(ctx context.Context, spend string) (*treasury.Executed, error) {
	var out treasury.Executed
	if err := c.submit(ctx, txTreasuryExecute, &out, spend); err != nil {
		return nil, err
	}
	return &out, nil
}

// CancelSpend submits treasury:Cancel.
//
// Errors: ErrForbidden (not the proposer), ErrFailedPrecondition,
// ErrInvalidArgument (reason), ErrNotFound.
func (c *Client) CancelSpend(ctx context.Context, spend, reason string) (*treasury.Spend, error) {
	var out treasury.Spend
	if err := c.submitJSON(ctx, txTreasuryCancel, "cancellation", treasury.CancelRequest{Spend: spend, Reason: reason}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// TreasuryAccounts evaluates treasury:Accounts.
func (c *Client) TreasuryAccounts(ctx context.Context) ([]treasury.Account, error) {
	var out []treasury.Account
	if err := c.evaluate(ctx, txTreasuryAccounts, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// TreasuryAccount evaluates treasury:Account.
//
// Errors: ErrNotFound (no such account).
func (c *Client) TreasuryAccount(ctx context.Context, id string) (*treasury.Account, error) {
	var out treasury.Account
	if err := c.evaluate(ctx, txTreasuryAccount, &out, id); err != nil {
		return nil, err
	}
	return &out, nil
}

// TreasuryMovements evaluates treasury:Movements: one page of an account's
// movements, oldest first (pageSize 0: the default).
func (c *Client) TreasuryMovements(ctx context.Context, id string, pageSize int, bookmark string) (*treasury.MovementPage, error) {
	var out treasury.MovementPage
	if err := c.evaluate(ctx, txTreasuryMovements, &out, id, strconv.Itoa(pageSize), bookmark); err != nil {
		return nil, err
	}
	return &out, nil
}

// TreasuryBudget evaluates treasury:Budget.
//
// Errors: ErrNotFound (no executed budget decision opened it).
func (c *Client) TreasuryBudget(ctx context.Context, decisionID string) (*treasury.Budget, error) {
	var out treasury.Budget
	if err := c.evaluate(ctx, txTreasuryBudget, &out, decisionID); err != nil {
		return nil, err
	}
	return &out, nil
}

// Spend evaluates treasury:Spend.
//
// Errors: ErrNotFound.
func (c *Client) Spend(ctx context.Context, id string) (*treasury.Spend, error) {
	var out treasury.Spend
	if err := c.evaluate(ctx, txTreasurySpend, &out, id); err != nil {
		return nil, err
	}
	return &out, nil
}

// Spends evaluates treasury:Spends: one page of spends.
func (c *Client) Spends(ctx context.Context, pageSize int, bookmark string) (*treasury.SpendPage, error) {
	var out treasury.SpendPage
	if err := c.evaluate(ctx, txTreasurySpends, &out, strconv.Itoa(pageSize), bookmark); err != nil {
		return nil, err
	}
	return &out, nil
}

// SpendsBySource evaluates treasury:SpendsBySource ("round:<id>").
func (c *Client) SpendsBySource(ctx context.Context, source string) ([]treasury.Spend, error) {
	var out []treasury.Spend
	if err := c.evaluate(ctx, txTreasurySpendsBySource, &out, source); err != nil {
		return nil, err
	}
	return out, nil
}

// SpendApprovals evaluates treasury:Approvals.
func (c *Client) SpendApprovals(ctx context.Context, id string) ([]treasury.Approval, error) {
	var out []treasury.Approval
	if err := c.evaluate(ctx, txTreasuryApprovals, &out, id); err != nil {
		return nil, err
	}
	return out, nil
}

// TreasuryUsage evaluates treasury:Usage: what an account spent in the
// fixed period containing at.
func (c *Client) TreasuryUsage(ctx context.Context, id string, at time.Time) (*treasury.PeriodUsage, error) {
	var out treasury.PeriodUsage
	if err := c.evaluate(ctx, txTreasuryUsage, &out, id, at.UTC().Format(time.RFC3339Nano)); err != nil {
		return nil, err
	}
	return &out, nil
}

// ProposeBudget is ProposeDecision for a budget decision that opens a
// treasury budget ({account, amount, purpose}).
//
// Errors: as ProposeDecision; ErrNotFound (account).
func (c *Client) ProposeBudget(ctx context.Context, title, description string, req treasury.BudgetRequest) (*decision.Decision, error) {
	return c.proposeTyped(ctx, constitution.Budget, "budget", title, description, req)
}

// ProposeSpendDecision is ProposeDecision for the treasury_spend decision
// a spend above the constitution's spendDecisionThreshold waits for.
//
// Errors: as ProposeDecision; ErrFailedPrecondition (the spend does not
// await a decision), ErrNotFound.
func (c *Client) ProposeSpendDecision(ctx context.Context, title, description, spend string) (*decision.Decision, error) {
	return c.proposeTyped(ctx, constitution.TreasurySpend, "treasury spend", title, description, treasury.SpendDecisionPayload{Spend: spend})
}

func (c *Client) proposeTyped(ctx context.Context, typ constitution.DecisionType, what, title, description string, payload any) (*decision.Decision, error) {
	raw, err := json.Marshal(payload)
	if err != nil {
		return nil, &Error{Code: CodeInvalidArgument, Message: fmt.Sprintf("encode %s: %v", what, err), Err: err}
	}
	return c.ProposeDecision(ctx, decision.ProposeRequest{Type: typ, Title: title, Description: description, Payload: raw})
}
