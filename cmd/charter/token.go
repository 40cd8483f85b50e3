package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/decision"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/token"
	"github.com/charter-gov/charter/chaincode/treasury"
)

func (a *app) tokenCmd() *cobra.Command {
	return group("token", "The governance token: propose an issuance, transfer, balances, supply",
		a.tokenIssueCmd(), a.tokenTransferCmd(), a.tokenBalanceCmd(), a.tokenSupplyCmd(), a.tokenHistoryCmd())
}

// selfOr resolves a member reference, or the acting profile's identity when
// none is given.
func (a *app) selfOr(r memberRef) (identity.Identity, error) {
	if r.profile == "" && r.cert == "" && r.id == "" {
		if r.msp != "" {
			return identity.Identity{}, usagef("--msp goes with --cert or --id")
		}
		name, err := a.actingProfile()
		if err != nil {
			return identity.Identity{}, err
		}
		r.profile = name
	}
	if err := r.check(); err != nil {
		return identity.Identity{}, err
	}
	return a.resolve(r)
}

func (a *app) tokenMoveCmd(use, short, long string) *cobra.Command {
	var ref memberRef
	var amount int64
	var memo string
	cmd := &cobra.Command{
		Use:     use + " (--member PROFILE | --cert FILE [--msp MSP] | --id ID [--msp MSP]) --amount N [--memo TEXT]",
		Example: "  charter --as labA-user1 token " + use + " --member labB-user1 --amount 25 --memo \"review bounty\"",
		Short:   short, Long: long + "\n\n" + memberRefHelp, Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if amount <= 0 {
				return usagef("--amount %d: want a positive whole number", amount)
			}
			to, err := a.resolve(ref)
			if err != nil {
				return err
			}
			return a.withVoting(cmd, func(ctx context.Context, v votingAPI) error {
				r, err := v.Transfer(ctx, token.TransferRequest{To: to, Amount: amount, Memo: memo})
				return printResult(a, r, err)
			})
		},
	}
	a.bindMember(cmd, &ref, true)
	cmd.Flags().Int64Var(&amount, "amount", 0, "whole tokens (required)")
	cmd.Flags().StringVar(&memo, "memo", "", "a note kept with the transfer")
	return cmd
}

// parseAllocation parses "WHO=AMOUNT", WHO being a profile name or
// "MSPID/x509::<subject>::<issuer>".
func (a *app) parseAllocation(s string) (token.Allocation, error) {
	i := strings.LastIndex(s, "=")
	if i <= 0 {
		return token.Allocation{}, usagef("--to %q: want WHO=AMOUNT", s)
	}
	amount, err := strconv.ParseInt(s[i+1:], 10, 64)
	if err != nil || amount < 1 {
		return token.Allocation{}, usagef("--to %q: amount must be a positive whole number", s)
	}
	who := s[:i]
	var id identity.Identity
	if msp, rest, ok := strings.Cut(who, "/"); ok && strings.HasPrefix(rest, "x509::") {
		id = identity.Identity{MSPID: msp, ID: rest}
		if err := id.Validate(); err != nil {
			return token.Allocation{}, err
		}
	} else if id, err = a.resolve(memberRef{profile: who}); err != nil {
		return token.Allocation{}, err
	}
	return token.Allocation{Member: id, Amount: amount}, nil
}

func (a *app) tokenIssueCmd() *cobra.Command {
	var amount int64
	var memo, title, description string
	cmd := &cobra.Command{
		Use:   "issue --amount N --title TEXT [--memo TEXT] [--description TEXT]",
		Short: "Propose a token_issuance decision (the only way new tokens are issued) crediting the treasury",
		Long: `Propose a token_issuance decision issuing --amount new governance tokens to the
treasury's token account. No one mints alone: there is no minting transaction. The
houses the constitution routes token_issuance to vote on it; once passed, timelocked
and past its appeal window, 'charter decision execute ID' credits the treasury, and
spends ('charter treasury propose --account token') pay the tokens out to members.
One decision may issue at most the larger of the constitution's token.maxIssuanceBps
of the tokens issued (in members' hands and in the treasury) and
token.maxIssuanceUnits, never past token.supplyCap (checked at proposal and again at
execution).`,
		Example: `  charter --as labA-user1 token issue --amount 1600 --title "Q3 contributor allocation"`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if amount <= 0 {
				return usagef("--amount %d: want a positive whole number", amount)
			}
			payload, err := json.Marshal(treasury.IssuanceRequest{Amount: amount, Memo: memo})
			if err != nil {
				return fmt.Errorf("encode token issuance: %w", err)
			}
			return a.withDecisions(cmd, func(ctx context.Context, d decisionAPI) error {
				out, err := d.ProposeDecision(ctx, decision.ProposeRequest{Type: constitution.TokenIssuance, Title: title, Description: description, Payload: payload})
				return printResult(a, out, err)
			})
		},
	}
	cmd.Flags().Int64Var(&amount, "amount", 0, "tokens issued to the treasury (required)")
	cmd.Flags().StringVar(&memo, "memo", "", "a note kept with the issuance")
	cmd.Flags().StringVar(&title, "title", "", "the decision's title (required)")
	cmd.Flags().StringVar(&description, "description", "", "the decision's description")
	requireFlags(cmd, "title")
	return cmd
}

func (a *app) tokenTransferCmd() *cobra.Command {
	return a.tokenMoveCmd("transfer", "Transfer tokens from you to another member",
		"Transfer governance tokens from the acting profile to another active member. Ballots that\nopened before the transfer keep counting the balances of when they opened.")
}

func (a *app) tokenBalanceCmd() *cobra.Command {
	var ref memberRef
	var at string
	cmd := &cobra.Command{
		Use: "balance [--member PROFILE | --cert FILE | --id ID] [--at TIME]", Short: "Show a balance (yours by default), now or at a time", Args: noArgs,
		Example: `  charter --as labA-user1 token balance
  charter token balance --member labB-user1 --at 2026-03-01T00:00:00Z`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			t, err := repParseAt(at)
			if err != nil {
				return err
			}
			id, err := a.selfOr(ref)
			if err != nil {
				return err
			}
			return a.withVoting(cmd, func(ctx context.Context, v votingAPI) error {
				if t.IsZero() {
					b, err := v.Balance(ctx, id)
					return printResult(a, b, err)
				}
				b, err := v.BalanceAt(ctx, id, t)
				return printResult(a, b, err)
			})
		},
	}
	a.bindMember(cmd, &ref, false)
	cmd.Flags().StringVar(&at, "at", "", "RFC 3339 time (default: now)")
	return cmd
}

func (a *app) tokenSupplyCmd() *cobra.Command {
	return &cobra.Command{
		Use: "supply", Short: "Show the total supply", Args: noArgs,
		Example: `  charter token supply`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withVoting(cmd, func(ctx context.Context, v votingAPI) error {
				s, err := v.Supply(ctx)
				if err != nil {
					return err
				}
				return a.out().print(supplyResult{Supply: s})
			})
		},
	}
}

func (a *app) tokenHistoryCmd() *cobra.Command {
	var ref memberRef
	var limit int
	cmd := &cobra.Command{
		Use: "history [--member PROFILE | --cert FILE | --id ID] [--limit N]", Short: "Show an account's balance checkpoints, newest first", Args: noArgs,
		Example: `  charter --as labA-user1 token history --limit 10`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if limit < 1 || limit > 1000 {
				return usagef("--limit %d: want 1..1000", limit)
			}
			id, err := a.selfOr(ref)
			if err != nil {
				return err
			}
			return a.withVoting(cmd, func(ctx context.Context, v votingAPI) error {
				h, err := v.TokenHistory(ctx, id, limit)
				return printResult(a, h, err)
			})
		},
	}
	a.bindMember(cmd, &ref, false)
	cmd.Flags().IntVar(&limit, "limit", 20, "checkpoints to show (1..1000)")
	return cmd
}
