package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/token"
)

func (a *app) tokenCmd() *cobra.Command {
	return group("token", "The governance token: mint (bootstrap path), transfer, balances, supply",
		a.tokenMintCmd(), a.tokenTransferCmd(), a.tokenBalanceCmd(), a.tokenSupplyCmd(), a.tokenHistoryCmd())
}

// selfOr resolves a member reference, or the acting profile's identity when
// none is given.
func (a *app) selfOr(r memberRef) (identity.Identity, error) {
	if r.profile == "" && r.cert == "" && r.id == "" {
		if r.msp != "" {
			return identity.Identity{}, usagef("--msp goes with --cert or --id")
		}
		r.profile = a.as
	}
	if err := r.check(); err != nil {
		return identity.Identity{}, err
	}
	return a.resolve(r)
}

func (a *app) tokenMoveCmd(use, short, long string, mint bool) *cobra.Command {
	var ref memberRef
	var amount int64
	var memo string
	cmd := &cobra.Command{
		Use:   use + " (--profile NAME | --cert FILE [--msp MSP] | --id ID [--msp MSP]) --amount N [--memo TEXT]",
		Short: short, Long: long + "\n\n" + memberRefHelp, Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := ref.check(); err != nil {
				return err
			}
			if amount <= 0 {
				return usagef("--amount %d: want a positive whole number", amount)
			}
			to, err := a.resolve(ref)
			if err != nil {
				return err
			}
			return a.withVoting(cmd, func(ctx context.Context, v votingAPI) error {
				var r *token.Receipt
				if mint {
					r, err = v.Mint(ctx, token.MintRequest{To: to, Amount: amount, Memo: memo})
				} else {
					r, err = v.Transfer(ctx, token.TransferRequest{To: to, Amount: amount, Memo: memo})
				}
				if err != nil {
					return err
				}
				return a.out().print(r)
			})
		},
	}
	ref.flags(cmd.Flags())
	cmd.Flags().Int64Var(&amount, "amount", 0, "whole tokens (required)")
	cmd.Flags().StringVar(&memo, "memo", "", "a note kept with the transfer")
	return cmd
}

func (a *app) tokenMintCmd() *cobra.Command {
	return a.tokenMoveCmd("mint", "Mint tokens to a member (bootstrap path: org admins and treasurers)",
		"Mint governance tokens to an active member. This is the BOOTSTRAP PATH until the treasury\nexists: organisation admins and treasurers may mint; treasury decisions replace it.", true)
}

func (a *app) tokenTransferCmd() *cobra.Command {
	return a.tokenMoveCmd("transfer", "Transfer tokens from you to another member",
		"Transfer governance tokens from the acting profile to another active member. Ballots that\nopened before the transfer keep counting the balances of when they opened.", false)
}

func (a *app) tokenBalanceCmd() *cobra.Command {
	var ref memberRef
	var at string
	cmd := &cobra.Command{
		Use: "balance [--profile NAME | --cert FILE | --id ID] [--at TIME]", Short: "Show a balance (yours by default), now or at a time", Args: noArgs,
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
					if err != nil {
						return err
					}
					return a.out().print(b)
				}
				b, err := v.BalanceAt(ctx, id, t)
				if err != nil {
					return err
				}
				return a.out().print(b)
			})
		},
	}
	ref.flags(cmd.Flags())
	cmd.Flags().StringVar(&at, "at", "", "RFC 3339 time (default: now)")
	return cmd
}

func (a *app) tokenSupplyCmd() *cobra.Command {
	return &cobra.Command{
		Use: "supply", Short: "Show the total supply", Args: noArgs,
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
		Use: "history [--profile NAME | --cert FILE | --id ID] [--limit N]", Short: "Show an account's balance checkpoints, newest first", Args: noArgs,
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
				if err != nil {
					return err
				}
				return a.out().print(h)
			})
		},
	}
	ref.flags(cmd.Flags())
	cmd.Flags().IntVar(&limit, "limit", 20, "checkpoints to show (1..1000)")
	return cmd
}
