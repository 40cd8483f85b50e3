package contract

import (
	"strconv"

	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"

	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/treasury"
)

// TreasuryContract exposes the treasury ("treasury:…"): accounts and
// their movements, budgets, and spends (propose, approve, execute,
// cancel). Issuance into the treasury, budgets and the approval of large
// spends come only from decisions (decision:Execute). See
// chaincode/treasury for who may call what.
type TreasuryContract struct {
	contractapi.Contract
}

func newTreasuryContract(g guard) *TreasuryContract {
	return &TreasuryContract{Contract: g.base("treasury")}
}

// GetEvaluateTransactions lists the queries.
func (c *TreasuryContract) GetEvaluateTransactions() []string {
	return []string{"Accounts", "Account", "Movements", "DepositRecord", "Deposits", "Budget", "Spend", "Spends", "SpendsBySource", "Approvals", "Usage"}
}

// Deposit records an asset received off-chain, pending until a treasurer
// of another organisation confirms it. requestJSON is a
// treasury.DepositRequest. Caller: a treasurer.
func (c *TreasuryContract) Deposit(ctx contractapi.TransactionContextInterface, requestJSON string) (string, error) {
	var req treasury.DepositRequest
	if err := decode("deposit request", requestJSON, &req); err != nil {
		return "", wire(err)
	}
	return run(ctx, func(tx *core.Tx) (*treasury.DepositRecord, error) { return treasury.Deposit(tx, req) })
}

// ConfirmDeposit confirms a pending deposit and credits its account.
// requestJSON is a treasury.ConfirmDepositRequest. Caller: a treasurer of
// an organisation other than the recording treasurer's.
func (c *TreasuryContract) ConfirmDeposit(ctx contractapi.TransactionContextInterface, requestJSON string) (string, error) {
	var req treasury.ConfirmDepositRequest
	if err := decode("deposit confirmation", requestJSON, &req); err != nil {
		return "", wire(err)
	}
	return run(ctx, func(tx *core.Tx) (*treasury.Deposited, error) { return treasury.ConfirmDeposit(tx, req) })
}

// ProposeSpend proposes a spend drawing on a budget. requestJSON is a
// treasury.SpendRequest. Caller: a treasurer or the grants administrator.
func (c *TreasuryContract) ProposeSpend(ctx contractapi.TransactionContextInterface, requestJSON string) (string, error) {
	var req treasury.SpendRequest
	if err := decode("spend request", requestJSON, &req); err != nil {
		return "", wire(err)
	}
	return run(ctx, func(tx *core.Tx) (*treasury.Spend, error) { return treasury.ProposeSpend(tx, req) })
}

// Approve records the caller's approval of a spend. requestJSON is a
// treasury.ApproveRequest. Caller: a treasurer.
func (c *TreasuryContract) Approve(ctx contractapi.TransactionContextInterface, requestJSON string) (string, error) {
	var req treasury.ApproveRequest
	if err := decode("approval request", requestJSON, &req); err != nil {
		return "", wire(err)
	}
	return run(ctx, func(tx *core.Tx) (*treasury.Approval, error) { return treasury.Approve(tx, req) })
}

// Execute pays a queued, approved spend out once its delay is over.
// Caller: a treasurer.
func (c *TreasuryContract) Execute(ctx contractapi.TransactionContextInterface, id string) (string, error) {
	return run(ctx, func(tx *core.Tx) (*treasury.Executed, error) { return treasury.Execute(tx, id) })
}

// CancelDeposit withdraws a pending deposit. requestJSON is a
// treasury.CancelDepositRequest. Caller: the treasurer who recorded it.
func (c *TreasuryContract) CancelDeposit(ctx contractapi.TransactionContextInterface, requestJSON string) (string, error) {
	var req treasury.CancelDepositRequest
	if err := decode("deposit cancellation", requestJSON, &req); err != nil {
		return "", wire(err)
	}
	return run(ctx, func(tx *core.Tx) (*treasury.DepositRecord, error) { return treasury.CancelDeposit(tx, req) })
}

// Cancel withdraws a spend that has not executed. requestJSON is a
// treasury.CancelRequest. Caller: the spend's proposer.
func (c *TreasuryContract) Cancel(ctx contractapi.TransactionContextInterface, requestJSON string) (string, error) {
	var req treasury.CancelRequest
	if err := decode("cancellation request", requestJSON, &req); err != nil {
		return "", wire(err)
	}
	return run(ctx, func(tx *core.Tx) (*treasury.Spend, error) { return treasury.Cancel(tx, req) })
}

// Accounts lists every treasury account with its balance. Caller: anyone.
func (c *TreasuryContract) Accounts(ctx contractapi.TransactionContextInterface) (string, error) {
	return query(ctx, func(tx *core.Tx) (any, error) { return treasury.Accounts(tx.Store) })
}

// Account returns one treasury account. Caller: anyone.
func (c *TreasuryContract) Account(ctx contractapi.TransactionContextInterface, id string) (string, error) {
	return query(ctx, func(tx *core.Tx) (any, error) { return treasury.GetAccount(tx.Store, id) })
}

func pageSizeArg(what, s string) (int, error) {
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, errcode.Invalidf("%s: page size %q is not a whole number", what, s)
	}
	return n, nil
}

// Movements lists one page of an account's movements, oldest first.
// Caller: anyone.
func (c *TreasuryContract) Movements(ctx contractapi.TransactionContextInterface, id, pageSize, bookmark string) (string, error) {
	n, err := pageSizeArg("treasury movements", pageSize)
	if err != nil {
		return "", wire(err)
	}
	return query(ctx, func(tx *core.Tx) (any, error) { return treasury.Movements(tx.Store, id, n, bookmark) })
}

// DepositRecord returns a deposit, pending or confirmed. Caller: anyone.
func (c *TreasuryContract) DepositRecord(ctx contractapi.TransactionContextInterface, id string) (string, error) {
	return query(ctx, func(tx *core.Tx) (any, error) { return treasury.DepositAt(tx.Store, id, tx.Time) })
}

// Deposits lists one page of deposits. Caller: anyone.
func (c *TreasuryContract) Deposits(ctx contractapi.TransactionContextInterface, pageSize, bookmark string) (string, error) {
	n, err := pageSizeArg("treasury deposits", pageSize)
	if err != nil {
		return "", wire(err)
	}
	return query(ctx, func(tx *core.Tx) (any, error) { return treasury.DepositsAt(tx.Store, tx.Time, n, bookmark) })
}

// Budget returns the budget a budget decision opened. Caller: anyone.
func (c *TreasuryContract) Budget(ctx contractapi.TransactionContextInterface, decision string) (string, error) {
	return query(ctx, func(tx *core.Tx) (any, error) { return treasury.GetBudget(tx.Store, decision) })
}

// Spend returns a spend. Caller: anyone.
func (c *TreasuryContract) Spend(ctx contractapi.TransactionContextInterface, id string) (string, error) {
	return query(ctx, func(tx *core.Tx) (any, error) { return treasury.GetSpend(tx.Store, id) })
}

// Spends lists one page of spends. Caller: anyone.
func (c *TreasuryContract) Spends(ctx contractapi.TransactionContextInterface, pageSize, bookmark string) (string, error) {
	n, err := pageSizeArg("treasury spends", pageSize)
	if err != nil {
		return "", wire(err)
	}
	return query(ctx, func(tx *core.Tx) (any, error) { return treasury.Spends(tx.Store, n, bookmark) })
}

// SpendsBySource lists the spends of a source ("round:<id>"). Caller:
// anyone.
func (c *TreasuryContract) SpendsBySource(ctx contractapi.TransactionContextInterface, source string) (string, error) {
	return query(ctx, func(tx *core.Tx) (any, error) { return treasury.SpendsBySource(tx.Store, source) })
}

// Approvals lists a spend's approvals. Caller: anyone.
func (c *TreasuryContract) Approvals(ctx contractapi.TransactionContextInterface, id string) (string, error) {
	return query(ctx, func(tx *core.Tx) (any, error) { return treasury.Approvals(tx.Store, id) })
}

// Usage returns what an account spent in the period containing an RFC 3339
// time. Caller: anyone.
func (c *TreasuryContract) Usage(ctx contractapi.TransactionContextInterface, id, at string) (string, error) {
	t, err := parseTime("time", at)
	if err != nil {
		return "", wire(err)
	}
	return query(ctx, func(tx *core.Tx) (any, error) { return treasury.Usage(tx.Store, id, t) })
}
