package contract

import (
	"strconv"

	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"

	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/token"
)

// TokenContract exposes the governance token ("token:…"). It has no
// issuing transaction: tokens are issued only by executing a token_issuance
// decision (decision:Execute); "token:Mint" is refused with FORBIDDEN.
type TokenContract struct {
	contractapi.Contract
}

func newTokenContract(g guard) *TokenContract {
	return &TokenContract{Contract: g.base("token")}
}

// GetEvaluateTransactions lists the queries.
func (c *TokenContract) GetEvaluateTransactions() []string {
	return []string{"Balance", "BalanceAt", "Supply", "History", "Accounts"}
}

// Transfer moves tokens from the caller. requestJSON is a
// token.TransferRequest. Caller: an active member.
func (c *TokenContract) Transfer(ctx contractapi.TransactionContextInterface, requestJSON string) (string, error) {
	var req token.TransferRequest
	if err := decode("transfer request", requestJSON, &req); err != nil {
		return "", wire(err)
	}
	return run(ctx, func(tx *core.Tx) (*token.Receipt, error) { return token.Transfer(tx, req) })
}

// BalanceResult is what Balance and BalanceAt return.
type BalanceResult struct {
	Account identity.Identity `json:"account"`
	Balance int64             `json:"balance"`
	At      string            `json:"at,omitempty"`
}

// Balance returns an account's current balance. Caller: anyone.
func (c *TokenContract) Balance(ctx contractapi.TransactionContextInterface, mspID, id string) (string, error) {
	return query(ctx, func(tx *core.Tx) (any, error) {
		a := identity.Identity{MSPID: mspID, ID: id}
		bal, err := token.Balance(tx.Store, a)
		return BalanceResult{Account: a, Balance: bal}, err
	})
}

// BalanceAt returns an account's balance at an RFC 3339 time. Caller:
// anyone.
func (c *TokenContract) BalanceAt(ctx contractapi.TransactionContextInterface, mspID, id, at string) (string, error) {
	t, err := parseTime("time", at)
	if err != nil {
		return "", wire(err)
	}
	return query(ctx, func(tx *core.Tx) (any, error) {
		a := identity.Identity{MSPID: mspID, ID: id}
		bal, err := token.BalanceAt(tx.Store, a, t)
		return BalanceResult{Account: a, Balance: bal, At: at}, err
	})
}

// SupplyResult is what Supply returns.
type SupplyResult struct {
	Supply int64 `json:"supply"`
}

// Supply returns the total supply. Caller: anyone.
func (c *TokenContract) Supply(ctx contractapi.TransactionContextInterface) (string, error) {
	return query(ctx, func(tx *core.Tx) (any, error) {
		s, err := token.Supply(tx.Store)
		return SupplyResult{Supply: s}, err
	})
}

// History returns an account's checkpoints, newest first; limit is 1..1000.
// Caller: anyone.
func (c *TokenContract) History(ctx contractapi.TransactionContextInterface, mspID, id, limit string) (string, error) {
	n, err := strconv.Atoi(limit)
	if err != nil {
		return "", wire(errcode.Invalidf("history limit %q is not a whole number", limit))
	}
	return query(ctx, func(tx *core.Tx) (any, error) {
		return token.History(tx.Store, identity.Identity{MSPID: mspID, ID: id}, n)
	})
}

// Accounts lists one page of accounts with their balances
// ({accounts, bookmark}), of one MSP when mspID is not empty; pageSize is a
// decimal 1..1000 ("" or "0": 100); bookmark is the previous page's ("" to
// start). Caller: anyone.
func (c *TokenContract) Accounts(ctx contractapi.TransactionContextInterface, mspID, pageSize, bookmark string) (string, error) {
	size := 0
	if pageSize != "" {
		var err error
		if size, err = strconv.Atoi(pageSize); err != nil {
			return "", wire(errcode.Invalidf("token accounts: page size %q is not a whole number", pageSize))
		}
	}
	return query(ctx, func(tx *core.Tx) (any, error) { return token.AccountsPaged(tx.Store, mspID, size, bookmark) })
}
