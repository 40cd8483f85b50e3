package main

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/charter-gov/charter/chaincode/delegation"
	"github.com/charter-gov/charter/chaincode/identity"
)

func (a *app) delegateCmd() *cobra.Command {
	return group("delegate", "Delegate your weight per topic (liquid democracy), revoke, list; your delegate statement",
		a.delegateSetCmd(), a.delegateRevokeCmd(), a.delegateListCmd(),
		group("statement", "Your delegate statement: what you stand for, shown in the delegate directory",
			a.delegateStatementUpdateCmd(), a.delegateStatementShowCmd()))
}

func (a *app) delegateStatementUpdateCmd() *cobra.Command {
	var text string
	cmd := &cobra.Command{
		Use: "update --text TEXT", Short: "Set your delegate statement (replaces the earlier one)", Args: noArgs,
		Example: `  charter --as labA-user1 delegate statement update --text "I vote for open evaluations and public red-team reports."`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withVoting(cmd, func(ctx context.Context, v votingAPI) error {
				st, err := v.SetDelegateStatement(ctx, text)
				return printResult(a, st, err)
			})
		},
	}
	cmd.Flags().StringVar(&text, "text", "", "the statement (multi-line allowed)")
	requireFlags(cmd, "text")
	return cmd
}

func (a *app) delegateStatementShowCmd() *cobra.Command {
	var ref memberRef
	cmd := &cobra.Command{
		Use: "show [--member PROFILE | --cert FILE | --id ID]", Short: "Show a member's delegate statement (yours by default)", Args: noArgs,
		Example: `  charter delegate statement show --member labB-user2`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			id, err := a.selfOr(ref)
			if err != nil {
				return err
			}
			return a.withVoting(cmd, func(ctx context.Context, v votingAPI) error {
				st, err := v.DelegateStatement(ctx, id)
				return printResult(a, st, err)
			})
		},
	}
	a.bindMember(cmd, &ref, false)
	return cmd
}

// parseLeg parses "WHO=PERCENT", WHO being a profile name or
// "MSPID/x509::<subject>::<issuer>".
func (a *app) parseLeg(s string) (delegation.Leg, error) {
	i := strings.LastIndex(s, "=")
	if i <= 0 {
		return delegation.Leg{}, usagef("--to %q: want WHO=PERCENT", s)
	}
	pct, err := strconv.ParseInt(s[i+1:], 10, 64)
	if err != nil || pct < 1 || pct > 100 {
		return delegation.Leg{}, usagef("--to %q: percent must be a whole number in 1..100", s)
	}
	who := s[:i]
	var id identity.Identity
	if msp, rest, ok := strings.Cut(who, "/"); ok && strings.HasPrefix(rest, "x509::") {
		id = identity.Identity{MSPID: msp, ID: rest}
		if err := id.Validate(); err != nil {
			return delegation.Leg{}, err
		}
	} else {
		id, err = a.resolve(memberRef{profile: who})
		if err != nil {
			return delegation.Leg{}, err
		}
	}
	return delegation.Leg{To: id, Percent: pct}, nil
}

func (a *app) delegateSetCmd() *cobra.Command {
	var topic, expires string
	var to []string
	cmd := &cobra.Command{
		Use:   "set --topic TOPIC --to WHO=PERCENT [--to WHO=PERCENT ...] [--expires TIME|DURATION]",
		Short: "Delegate your weight for a topic (or * for all) to one or more members",
		Long: `Delegate your weight for a decision type (or "*" for every topic) to one or more
members, each with a percentage; percentages sum to at most 100 and the rest stays
with you. WHO is a profile name or MSPID/x509::<subject>::<issuer>. A ballot reads
delegations as they stood when it opened; voting directly overrides your
delegation for your own weight. Delegation cycles are refused.`,
		Example: `  charter --as labA-user1 delegate set --topic budget --to labB-user2=60 --to labA-user3=40
  charter --as labA-user1 delegate set --topic '*' --to labB-user2=100 --expires 720h`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var exp *time.Time
			if expires != "" {
				if d, err := time.ParseDuration(expires); err == nil {
					if d <= 0 {
						return usagef("--expires %q: want a positive duration", expires)
					}
					t := time.Now().Add(d).UTC().Truncate(time.Second)
					exp = &t
				} else if t, err := time.Parse(time.RFC3339, expires); err == nil {
					exp = &t
				} else {
					return usagef("--expires %q: want an RFC 3339 time or a duration such as 720h", expires)
				}
			}
			var legs []delegation.Leg
			for _, s := range to {
				l, err := a.parseLeg(s)
				if err != nil {
					return err
				}
				legs = append(legs, l)
			}
			return a.withVoting(cmd, func(ctx context.Context, v votingAPI) error {
				d, err := v.Delegate(ctx, delegation.SetRequest{Topic: topic, Legs: legs, ExpiresAt: exp})
				return printResult(a, d, err)
			})
		},
	}
	cmd.Flags().StringVar(&topic, "topic", "", "decision type, or * for all topics")
	cmd.Flags().StringArrayVar(&to, "to", nil, "delegate and percentage, WHO=PERCENT (repeatable)")
	cmd.Flags().StringVar(&expires, "expires", "", "expiry: RFC 3339 time or duration from now")
	requireFlags(cmd, "topic", "to")
	return cmd
}

func (a *app) delegateRevokeCmd() *cobra.Command {
	var topic string
	cmd := &cobra.Command{
		Use: "revoke --topic TOPIC", Short: "Revoke your delegation for a topic", Args: noArgs,
		Example: `  charter --as labA-user1 delegate revoke --topic budget`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withVoting(cmd, func(ctx context.Context, v votingAPI) error {
				d, err := v.RevokeDelegation(ctx, delegation.RevokeRequest{Topic: topic})
				return printResult(a, d, err)
			})
		},
	}
	cmd.Flags().StringVar(&topic, "topic", "", "decision type, or * for all topics")
	requireFlags(cmd, "topic")
	return cmd
}

func (a *app) delegateListCmd() *cobra.Command {
	var ref memberRef
	cmd := &cobra.Command{
		Use: "list [--member PROFILE | --cert FILE | --id ID]", Short: "List delegations in force (yours by default)", Args: noArgs,
		Example: `  charter --as labA-user1 delegate list
  charter delegate list --member labB-user2`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			id, err := a.selfOr(ref)
			if err != nil {
				return err
			}
			return a.withVoting(cmd, func(ctx context.Context, v votingAPI) error {
				ds, err := v.Delegations(ctx, id)
				return printResult(a, ds, err)
			})
		},
	}
	a.bindMember(cmd, &ref, false)
	return cmd
}
