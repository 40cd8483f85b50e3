package charter

import (
	"context"
	"strconv"
	"time"

	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/token"
)

// Token transaction names.
const (
	txTokenTransfer  = "token:Transfer"
	txTokenBalance   = "token:Balance"
	txTokenBalanceAt = "token:BalanceAt"
	txTokenSupply    = "token:Supply"
	txTokenHistory   = "token:History"
	txTokenAccounts  = "token:Accounts"
)

// Balance is an account's balance (at a time, for BalanceAt).
type Balance struct {
	Account identity.Identity `json:"account"`
	Balance int64             `json:"balance"`
	At      string            `json:"at,omitempty"`
}

// Transfer submits token:Transfer from the caller.
//
// Errors: ErrForbidden (caller not an active member), ErrInvalidArgument
// (amount, memo, to oneself, beyond the balance), ErrNotFound (recipient).
func (c *Client) Transfer(ctx context.Context, req token.TransferRequest) (*token.Receipt, error) {
	return c.tokenOp(ctx, txTokenTransfer, "transfer request", req)
}

func (c *Client) tokenOp(ctx context.Context, tx, what string, req any) (*token.Receipt, error) {
	arg, err := encodeArg(what, req)
	if err != nil {
		return nil, err
	}
	var r token.Receipt
	if err := c.submit(ctx, tx, &r, arg); err != nil {
		return nil, err
	}
	return &r, nil
}

// Balance evaluates token:Balance, an account's current balance.
//
// Errors: ErrInvalidArgument (malformed identity).
func (c *Client) Balance(ctx context.Context, account identity.Identity) (*Balance, error) {
	var b Balance
	if err := c.evaluate(ctx, txTokenBalance, &b, account.MSPID, account.ID); err != nil {
		return nil, err
	}
	return &b, nil
}

// BalanceAt evaluates token:BalanceAt, an account's balance at a time.
//
// Errors: ErrInvalidArgument.
func (c *Client) BalanceAt(ctx context.Context, account identity.Identity, at time.Time) (*Balance, error) {
	var b Balance
	if err := c.evaluate(ctx, txTokenBalanceAt, &b, account.MSPID, account.ID, at.UTC().Format(time.RFC3339Nano)); err != nil {
		return nil, err
	}
	return &b, nil
}

// Supply evaluates token:Supply, the total supply.
//
// Errors: only the common ones.
func (c *Client) Supply(ctx context.Context) (int64, error) {
	var s struct {
		Supply int64 `json:"supply"`
	}
	if err := c.evaluate(ctx, txTokenSupply, &s); err != nil {
		return 0, err
	}
	return s.Supply, nil
}

// TokenHistory evaluates token:History, an account's checkpoints newest
// first (limit 1..1000).
//
// Errors: ErrInvalidArgument.
func (c *Client) TokenHistory(ctx context.Context, account identity.Identity, limit int) ([]token.Checkpoint, error) {
	var h []token.Checkpoint
	if err := c.evaluate(ctx, txTokenHistory, &h, account.MSPID, account.ID, strconv.Itoa(limit)); err != nil {
		return nil, err
	}
	return h, nil
}

// TokenAccountsPage evaluates token:Accounts for one page (of one MSP when
// mspID is not empty): pageSize 1..1000 (0: the chaincode's 100), from
// bookmark ("" starts); the page's Bookmark is "" after the last.
//
// Errors: ErrInvalidArgument (page size, a bookmark from another listing).
func (c *Client) TokenAccountsPage(ctx context.Context, mspID string, pageSize int, bookmark string) (*token.AccountPage, error) {
	var p token.AccountPage
	if err := c.evaluate(ctx, txTokenAccounts, &p, mspID, strconv.Itoa(pageSize), bookmark); err != nil {
		return nil, err
	}
	return &p, nil
}

// TokenAccounts lists every account (of one MSP when mspID is not empty),
// following token:Accounts' pages of DefaultMemberPage.
//
// Errors: only the common ones.
func (c *Client) TokenAccounts(ctx context.Context, mspID string) ([]token.Account, error) {
	return FollowPages("", func(bookmark string) ([]token.Account, string, error) {
		p, err := c.TokenAccountsPage(ctx, mspID, DefaultMemberPage, bookmark)
		if err != nil {
			return nil, "", err
		}
		return p.Accounts, p.Bookmark, nil
	})
}
