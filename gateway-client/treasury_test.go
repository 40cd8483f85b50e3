package charter

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/decision"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/round"
	"github.com/charter-gov/charter/chaincode/treasury"
)

func TestTreasuryArguments(t *testing.T) {
	ada := identity.Identity{MSPID: "LabAMSP", ID: "x509::CN=Ada::CN=ca.laba"}
	mustJSON := func(v any) string {
		raw, err := json.Marshal(v)
		require.NoError(t, err)
		return string(raw)
	}
	deposit := treasury.DepositRequest{Account: "usd", Amount: 5, Reference: "wire-1", Reason: "grant"}
	spend := treasury.SpendRequest{Account: "usd", Budget: "d1", Payees: []treasury.Payee{{To: ada, Amount: 5}}, Source: "round:r1", Reason: "r"}
	budget := treasury.BudgetRequest{Account: "usd", Amount: 9, Purpose: "p"}
	at := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	tests := []proposalCase{
		{"Deposit", "{}", func(ctx context.Context, c *Client) (any, error) { return c.Deposit(ctx, deposit) },
			call{Kind: "endorse", Name: "treasury:Deposit", Args: []string{mustJSON(deposit)}}},
		{"ConfirmDeposit", "{}", func(ctx context.Context, c *Client) (any, error) { return c.ConfirmDeposit(ctx, "d1") },
			call{Kind: "endorse", Name: "treasury:ConfirmDeposit", Args: []string{`{"deposit":"d1"}`}}},
		{"TreasuryDeposit", "{}", func(ctx context.Context, c *Client) (any, error) { return c.TreasuryDeposit(ctx, "d1") },
			call{Kind: "evaluate", Name: "treasury:DepositRecord", Args: []string{"d1"}}},
		{"TreasuryDeposits", "{}", func(ctx context.Context, c *Client) (any, error) { return c.TreasuryDeposits(ctx, 5, "bm") },
			call{Kind: "evaluate", Name: "treasury:Deposits", Args: []string{"5", "bm"}}},
		{"ProposeSpend", "{}", func(ctx context.Context, c *Client) (any, error) { return c.ProposeSpend(ctx, spend) },
			call{Kind: "endorse", Name: "treasury:ProposeSpend", Args: []string{mustJSON(spend)}}},
		{"ApproveSpend", "{}", func(ctx context.Context, c *Client) (any, error) { return c.ApproveSpend(ctx, "s1") },
			call{Kind: "endorse", Name: "treasury:Approve", Args: []string{`{"spend":"s1"}`}}},
		{"ExecuteSpend", "{}", func(ctx context.Context, c *Client) (any, error) { return c.ExecuteSpend(ctx, "s1") },
			call{Kind: "endorse", Name: "treasury:Execute", Args: []string{"s1"}}},
		{"CancelSpend", "{}", func(ctx context.Context, c *Client) (any, error) { return c.CancelSpend(ctx, "s1", "why") },
			call{Kind: "endorse", Name: "treasury:Cancel", Args: []string{`{"spend":"s1","reason":"why"}`}}},
		{"TreasuryAccounts", "[]", func(ctx context.Context, c *Client) (any, error) { return c.TreasuryAccounts(ctx) },
			call{Kind: "evaluate", Name: "treasury:Accounts", Args: []string{}}},
		{"TreasuryAccount", "{}", func(ctx context.Context, c *Client) (any, error) { return c.TreasuryAccount(ctx, "usd") },
			call{Kind: "evaluate", Name: "treasury:Account", Args: []string{"usd"}}},
		{"TreasuryMovements", "{}", func(ctx context.Context, c *Client) (any, error) { return c.TreasuryMovements(ctx, "usd", 10, "bm") },
			call{Kind: "evaluate", Name: "treasury:Movements", Args: []string{"usd", "10", "bm"}}},
		{"TreasuryBudget", "{}", func(ctx context.Context, c *Client) (any, error) { return c.TreasuryBudget(ctx, "d1") },
			call{Kind: "evaluate", Name: "treasury:Budget", Args: []string{"d1"}}},
		{"Spend", "{}", func(ctx context.Context, c *Client) (any, error) { return c.Spend(ctx, "s1") },
			call{Kind: "evaluate", Name: "treasury:Spend", Args: []string{"s1"}}},
		{"Spends", "{}", func(ctx context.Context, c *Client) (any, error) { return c.Spends(ctx, 0, "") },
			call{Kind: "evaluate", Name: "treasury:Spends", Args: []string{"0", ""}}},
		{"SpendsBySource", "[]", func(ctx context.Context, c *Client) (any, error) { return c.SpendsBySource(ctx, "round:r1") },
			call{Kind: "evaluate", Name: "treasury:SpendsBySource", Args: []string{"round:r1"}}},
		{"SpendApprovals", "[]", func(ctx context.Context, c *Client) (any, error) { return c.SpendApprovals(ctx, "s1") },
			call{Kind: "evaluate", Name: "treasury:Approvals", Args: []string{"s1"}}},
		{"TreasuryUsage", "{}", func(ctx context.Context, c *Client) (any, error) { return c.TreasuryUsage(ctx, "usd", at) },
			call{Kind: "evaluate", Name: "treasury:Usage", Args: []string{"usd", "2026-11-30T12:00:00Z"}}},
		{"ProposeBudget", "{}", func(ctx context.Context, c *Client) (any, error) { return c.ProposeBudget(ctx, "t", "d", budget) },
			call{Kind: "endorse", Name: "decision:Propose", Args: []string{mustJSON(decision.ProposeRequest{Type: constitution.Budget, Title: "t", Description: "d", Payload: mustRaw(t, budget)})}}},
		{"ProposeProjectAcceptance", "{}", func(ctx context.Context, c *Client) (any, error) {
			return c.ProposeProjectAcceptance(ctx, "t", "", round.AcceptRequest{Round: "r1", Project: "p1"})
		},
			call{Kind: "endorse", Name: "decision:Propose", Args: []string{mustJSON(decision.ProposeRequest{Type: constitution.ProjectAcceptance, Title: "t", Payload: json.RawMessage(`{"round":"r1","project":"p1"}`)})}}},
		{"ProposeSpendDecision", "{}", func(ctx context.Context, c *Client) (any, error) { return c.ProposeSpendDecision(ctx, "t", "", "s1") },
			call{Kind: "endorse", Name: "decision:Propose", Args: []string{mustJSON(decision.ProposeRequest{Type: constitution.TreasurySpend, Title: "t", Payload: json.RawMessage(`{"spend":"s1"}`)})}}},
	}
	runProposalCases(t, tests)
}
