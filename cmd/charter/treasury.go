package main

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/charter-gov/charter/chaincode/decision"
	"github.com/charter-gov/charter/chaincode/treasury"
	charter "github.com/charter-gov/charter/gateway-client"
)

// treasuryAPI is what the treasury commands use of a *charter.Client.
type treasuryAPI interface {
	Deposit(ctx context.Context, req treasury.DepositRequest) (*treasury.DepositRecord, error)
	ConfirmDeposit(ctx context.Context, deposit string) (*treasury.Deposited, error)
	CancelDeposit(ctx context.Context, deposit, reason string) (*treasury.DepositRecord, error)
	TreasuryDeposit(ctx context.Context, id string) (*treasury.DepositRecord, error)
	TreasuryDeposits(ctx context.Context, pageSize int, bookmark string) (*treasury.DepositPage, error)
	ProposeSpend(ctx context.Context, req treasury.SpendRequest) (*treasury.Spend, error)
	ApproveSpend(ctx context.Context, spend string) (*treasury.Approval, error)
	ExecuteSpend(ctx context.Context, spend string) (*treasury.Executed, error)
	CancelSpend(ctx context.Context, spend, reason string) (*treasury.Spend, error)
	TreasuryAccounts(ctx context.Context) ([]treasury.Account, error)
	TreasuryMovements(ctx context.Context, id string, pageSize int, bookmark string) (*treasury.MovementPage, error)
	TreasuryBudget(ctx context.Context, decisionID string) (*treasury.Budget, error)
	Spend(ctx context.Context, id string) (*treasury.Spend, error)
	Spends(ctx context.Context, pageSize int, bookmark string) (*treasury.SpendPage, error)
	SpendsBySource(ctx context.Context, source string) ([]treasury.Spend, error)
	SpendApprovals(ctx context.Context, id string) ([]treasury.Approval, error)
	TreasuryUsage(ctx context.Context, id string, at time.Time) (*treasury.PeriodUsage, error)
	ProposeBudget(ctx context.Context, title, description string, req treasury.BudgetRequest) (*decision.Decision, error)
	ProposeSpendDecision(ctx context.Context, title, description, spend string) (*decision.Decision, error)
}

var _ treasuryAPI = (*charter.Client)(nil)

func (a *app) withTreasury(cmd *cobra.Command, fn func(ctx context.Context, t treasuryAPI) error) error {
	return withAPI(a, cmd, "treasury operations", fn)
}

func (a *app) treasuryCmd() *cobra.Command {
	return group("treasury", "The treasury: accounts, movements, budgets and multi-signature spends",
		a.treasuryAccountsCmd(), a.treasuryMovementsCmd(), a.treasuryDepositCmd(), a.treasuryConfirmDepositCmd(), a.treasuryCancelDepositCmd(), a.treasuryDepositsCmd(),
		a.treasuryBudgetCmd(),
		a.treasuryProposeCmd(), a.treasuryDecideCmd(), a.treasuryApproveCmd(), a.treasuryExecuteCmd(), a.treasuryCancelCmd(),
		a.treasuryShowCmd(), a.treasuryListCmd(), a.treasuryUsageCmd())
}

func oneSpend(cmd *cobra.Command, args []string) error {
	if len(args) != 1 || strings.TrimSpace(args[0]) == "" {
		return usagef("%s takes one argument: the spend ID", cmd.CommandPath())
	}
	return nil
}

func (a *app) treasuryAccountsCmd() *cobra.Command {
	return &cobra.Command{
		Use: "accounts", Short: "List the treasury's accounts and balances", Args: noArgs,
		Example: `  charter treasury accounts`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withTreasury(cmd, func(ctx context.Context, t treasuryAPI) error {
				out, err := t.TreasuryAccounts(ctx)
				return printResult(a, out, err)
			})
		},
	}
}

func (a *app) treasuryMovementsCmd() *cobra.Command {
	var pageSize int
	var bookmark string
	cmd := &cobra.Command{
		Use: "movements ACCOUNT [--page-size N] [--bookmark B]", Short: "List an account's movements, oldest first, each with its reason",
		Example: `  charter treasury movements grants --page-size 50`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("%s takes one argument: the account", cmd.CommandPath())
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if pageSize < 0 || pageSize > 1000 {
				return usagef("--page-size %d: want 1..1000 (0: the default)", pageSize)
			}
			return a.withTreasury(cmd, func(ctx context.Context, t treasuryAPI) error {
				out, err := t.TreasuryMovements(ctx, args[0], pageSize, bookmark)
				return printResult(a, out, err)
			})
		},
	}
	cmd.Flags().IntVar(&pageSize, "page-size", 0, "movements per page, 1..1000 (default 100)")
	cmd.Flags().StringVar(&bookmark, "bookmark", "", "the previous page's bookmark")
	return cmd
}

func (a *app) treasuryDepositCmd() *cobra.Command {
	var req treasury.DepositRequest
	cmd := &cobra.Command{
		Use:     "deposit --account ID --amount N --reference REF --reason TEXT",
		Example: `  charter --as foundation-user2 treasury deposit --account grants --amount 50000 --reference wire-2026-11-30 --reason "sponsor contribution"`,
		Short:   "As a treasurer, record an asset received off-chain (never governance tokens), pending a treasurer of another organisation",
		Long: `Record an asset the treasury received off-chain. The deposit is pending: the
account's balance moves only when a treasurer of another organisation confirms it
with "charter treasury confirm-deposit ID".`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if req.Account == "" || req.Reference == "" || strings.TrimSpace(req.Reason) == "" {
				return usagef("--account, --reference and --reason are required")
			}
			if req.Amount <= 0 {
				return usagef("--amount %d: want a positive whole number", req.Amount)
			}
			return a.withTreasury(cmd, func(ctx context.Context, t treasuryAPI) error {
				out, err := t.Deposit(ctx, req)
				return printResult(a, out, err)
			})
		},
	}
	cmd.Flags().StringVar(&req.Account, "account", "", "the treasury account (required)")
	cmd.Flags().Int64Var(&req.Amount, "amount", 0, "units received (required)")
	cmd.Flags().StringVar(&req.Reference, "reference", "", "the external reference: transfer or grant ID (required)")
	cmd.Flags().StringVar(&req.Reason, "reason", "", "why (required)")
	return cmd
}

func oneDeposit(cmd *cobra.Command, args []string) error {
	if len(args) != 1 || strings.TrimSpace(args[0]) == "" {
		return usagef("%s takes one argument: the deposit ID", cmd.CommandPath())
	}
	return nil
}

func (a *app) treasuryConfirmDepositCmd() *cobra.Command {
	return idCmd(a, a.withTreasury, cmdSpec{
		Use: "confirm-deposit DEPOSIT", Args: oneDeposit,
		Short:   "As a treasurer of another organisation than its recorder's, confirm a pending deposit (the balance moves)",
		Example: `  charter --as labB-user1 treasury confirm-deposit d0123456789abcdef`,
	}, treasuryAPI.ConfirmDeposit)
}

func (a *app) treasuryCancelDepositCmd() *cobra.Command {
	return idReasonCmd(a, a.withTreasury, cmdSpec{
		Use: "cancel-deposit DEPOSIT --reason TEXT", Args: oneDeposit,
		Short:   "As the treasurer who recorded it, withdraw a pending deposit (it can no longer be confirmed)",
		Example: `  charter --as foundation-user2 treasury cancel-deposit d0123456789abcdef --reason "the transfer was returned"`,
	}, treasuryAPI.CancelDeposit)
}

func (a *app) treasuryDepositsCmd() *cobra.Command {
	var pageSize int
	var bookmark, show string
	cmd := &cobra.Command{
		Use: "deposits [--page-size N] [--bookmark B] | --show DEPOSIT", Short: "List deposits, pending, confirmed and cancelled, or show one",
		Example: `  charter treasury deposits
  charter treasury deposits --show d0123456789abcdef`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if pageSize < 0 || pageSize > 1000 {
				return usagef("--page-size %d: want 1..1000 (0: the default)", pageSize)
			}
			return a.withTreasury(cmd, func(ctx context.Context, t treasuryAPI) error {
				if show != "" {
					out, err := t.TreasuryDeposit(ctx, show)
					return printResult(a, out, err)
				}
				out, err := t.TreasuryDeposits(ctx, pageSize, bookmark)
				return printResult(a, out, err)
			})
		},
	}
	cmd.Flags().IntVar(&pageSize, "page-size", 0, "deposits per page, 1..1000 (default 100)")
	cmd.Flags().StringVar(&bookmark, "bookmark", "", "the previous page's bookmark")
	cmd.Flags().StringVar(&show, "show", "", "show one deposit")
	cmd.MarkFlagsMutuallyExclusive("show", "page-size")
	cmd.MarkFlagsMutuallyExclusive("show", "bookmark")
	return cmd
}

func (a *app) treasuryBudgetCmd() *cobra.Command {
	var req treasury.BudgetRequest
	var title, description, show string
	cmd := &cobra.Command{
		Use: "budget (--account ID --amount N --purpose TEXT --title TEXT [--description TEXT] | --show DECISION)",
		Example: `  charter --as labA-user1 treasury budget --account grants --amount 20000 --purpose "evaluation compute" --title "Q1 evals budget"
  charter treasury budget --show d0123`,
		Short: "Propose a budget decision that opens a treasury budget, or show one",
		Long: `Propose a budget decision (routed by the constitution, House B by default) that, once
executed, opens a budget of --amount units of --account for --purpose. Spends draw on
an executed budget. --show DECISION prints the budget a decision opened.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if show != "" {
				return a.withTreasury(cmd, func(ctx context.Context, t treasuryAPI) error {
					out, err := t.TreasuryBudget(ctx, show)
					return printResult(a, out, err)
				})
			}
			if req.Account == "" || strings.TrimSpace(req.Purpose) == "" || strings.TrimSpace(title) == "" {
				return usagef("--account, --purpose and --title are required")
			}
			if req.Amount <= 0 {
				return usagef("--amount %d: want a positive whole number", req.Amount)
			}
			return a.withTreasury(cmd, func(ctx context.Context, t treasuryAPI) error {
				out, err := t.ProposeBudget(ctx, title, description, req)
				return printResult(a, out, err)
			})
		},
	}
	cmd.Flags().StringVar(&req.Account, "account", "", "the treasury account")
	cmd.Flags().Int64Var(&req.Amount, "amount", 0, "the budget's amount")
	cmd.Flags().StringVar(&req.Purpose, "purpose", "", "what the budget is for")
	cmd.Flags().StringVar(&title, "title", "", "the decision's title")
	cmd.Flags().StringVar(&description, "description", "", "the decision's description")
	cmd.Flags().StringVar(&show, "show", "", "show the budget opened by this decision instead")
	return cmd
}

func (a *app) treasuryProposeCmd() *cobra.Command {
	var req treasury.SpendRequest
	var to []string
	cmd := &cobra.Command{
		Use:   "propose --account ID --budget DECISION --to WHO=AMOUNT [--to ...] --reason TEXT [--source REF]",
		Short: "As a treasurer or the grants administrator, propose a spend drawing on a budget",
		Long: `Propose a spend of --account drawing on the budget opened by decision --budget, paying
each --to WHO=AMOUNT (WHO a profile name or MSPID/x509::<subject>::<issuer>). Within
the constitution's treasury.spendDecisionThreshold it is queued at once; above it, it
waits for a treasury_spend decision ('charter treasury decide'). Treasurers then
approve it and, after the delay, execute it.`,
		Example: `  charter --as foundation-user1 treasury propose --account compute_credits --budget d12ab --to labA-user1=500 --reason "eval grant"`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if req.Account == "" || req.Budget == "" || len(to) == 0 || strings.TrimSpace(req.Reason) == "" {
				return usagef("--account, --budget, --to and --reason are required")
			}
			for _, s := range to {
				al, err := a.parseAllocation(s)
				if err != nil {
					return err
				}
				req.Payees = append(req.Payees, treasury.Payee{To: al.Member, Amount: al.Amount})
			}
			return a.withTreasury(cmd, func(ctx context.Context, t treasuryAPI) error {
				out, err := t.ProposeSpend(ctx, req)
				return printResult(a, out, err)
			})
		},
	}
	cmd.Flags().StringVar(&req.Account, "account", "", "the treasury account (required)")
	cmd.Flags().StringVar(&req.Budget, "budget", "", "the executed budget decision drawn on (required)")
	cmd.Flags().StringArrayVar(&to, "to", nil, "a payment, WHO=AMOUNT (repeatable; required)")
	cmd.Flags().StringVar(&req.Reason, "reason", "", "why (required)")
	cmd.Flags().StringVar(&req.Source, "source", "", "a source reference, e.g. round:<id>")
	return cmd
}

func (a *app) treasuryDecideCmd() *cobra.Command {
	var title, description string
	cmd := &cobra.Command{
		Use: "decide SPEND --title TEXT [--description TEXT]", Short: "Propose the treasury_spend decision a large spend waits for",
		Example: `  charter --as labA-user1 treasury decide s0123456789abcdef --title "Pay the audit firm"`,
		Args:    oneSpend,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withTreasury(cmd, func(ctx context.Context, t treasuryAPI) error {
				out, err := t.ProposeSpendDecision(ctx, title, description, args[0])
				return printResult(a, out, err)
			})
		},
	}
	cmd.Flags().StringVar(&title, "title", "", "the decision's title (required)")
	cmd.Flags().StringVar(&description, "description", "", "the decision's description")
	requireFlags(cmd, "title")
	return cmd
}

func (a *app) treasuryApproveCmd() *cobra.Command {
	return idCmd(a, a.withTreasury, cmdSpec{
		Use: "approve SPEND", Short: "As a treasurer, approve a spend (each treasurer once)", Args: oneSpend,
		Example: `  charter --as labB-user1 treasury approve s0123456789abcdef`,
	}, treasuryAPI.ApproveSpend)
}

func (a *app) treasuryExecuteCmd() *cobra.Command {
	return idCmd(a, a.withTreasury, cmdSpec{
		Use: "execute SPEND", Short: "As a treasurer, pay an approved spend out after its delay", Args: oneSpend,
		Example: `  charter --as foundation-user2 treasury execute s0123456789abcdef`,
	}, treasuryAPI.ExecuteSpend)
}

func (a *app) treasuryCancelCmd() *cobra.Command {
	return idReasonCmd(a, a.withTreasury, cmdSpec{
		Use: "cancel SPEND --reason TEXT", Short: "As its proposer, withdraw a spend that has not executed", Args: oneSpend,
		Example: `  charter --as labA-user1 treasury cancel s0123456789abcdef --reason "invoice withdrawn"`,
	}, treasuryAPI.CancelSpend)
}

func (a *app) treasuryShowCmd() *cobra.Command {
	var approvals bool
	cmd := &cobra.Command{
		Use: "show SPEND [--approvals]", Short: "Show a spend (or its approvals)", Args: oneSpend,
		Example: `  charter treasury show s0123456789abcdef --approvals`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withTreasury(cmd, func(ctx context.Context, t treasuryAPI) error {
				if approvals {
					out, err := t.SpendApprovals(ctx, args[0])
					return printResult(a, out, err)
				}
				out, err := t.Spend(ctx, args[0])
				return printResult(a, out, err)
			})
		},
	}
	cmd.Flags().BoolVar(&approvals, "approvals", false, "list the treasurers' approvals instead")
	return cmd
}

func (a *app) treasuryListCmd() *cobra.Command {
	var source, bookmark string
	var pageSize int
	cmd := &cobra.Command{
		Use: "list [--source REF] [--page-size N] [--bookmark B]", Short: "List spends (of one source, e.g. round:<id>)", Args: noArgs,
		Example: `  charter treasury list
  charter treasury list --source round:r0001`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if pageSize < 0 || pageSize > 1000 {
				return usagef("--page-size %d: want 1..1000 (0: the default)", pageSize)
			}
			return a.withTreasury(cmd, func(ctx context.Context, t treasuryAPI) error {
				if source != "" {
					out, err := t.SpendsBySource(ctx, source)
					return printResult(a, out, err)
				}
				out, err := t.Spends(ctx, pageSize, bookmark)
				return printResult(a, out, err)
			})
		},
	}
	cmd.Flags().StringVar(&source, "source", "", "only the spends of this source")
	cmd.Flags().IntVar(&pageSize, "page-size", 0, "spends per page, 1..1000 (default 100)")
	cmd.Flags().StringVar(&bookmark, "bookmark", "", "the previous page's bookmark")
	return cmd
}

func (a *app) treasuryUsageCmd() *cobra.Command {
	var at string
	cmd := &cobra.Command{
		Use: "usage ACCOUNT [--at TIME]", Short: "What an account spent in its fixed period (aligned to the Unix epoch) and its limit",
		Example: `  charter treasury usage grants`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("%s takes one argument: the account", cmd.CommandPath())
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			t := time.Now()
			if at != "" {
				var err error
				if t, err = time.Parse(time.RFC3339Nano, at); err != nil {
					return usagef("--at %q: want an RFC 3339 time", at)
				}
			}
			return a.withTreasury(cmd, func(ctx context.Context, tr treasuryAPI) error {
				out, err := tr.TreasuryUsage(ctx, args[0], t)
				return printResult(a, out, err)
			})
		},
	}
	cmd.Flags().StringVar(&at, "at", "", "a time in the period (default: now)")
	return cmd
}

// treasuryText renders the treasury's types.
func treasuryText(w *bytes.Buffer, v any) error {
	switch v := v.(type) {
	case []treasury.Account:
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ACCOUNT\tBALANCE\tUNIT\tMOVEMENTS")
		for _, x := range v {
			fmt.Fprintf(tw, "%s\t%d\t%s\t%d\n", x.ID, x.Balance, x.Unit, x.Seq)
		}
		return tw.Flush()
	case *treasury.MovementPage:
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "SEQ\tKIND\tDELTA\tBALANCE\tAT\tREFERENCE\tREASON")
		for _, m := range v.Movements {
			ref := m.Reference
			if m.Spend != "" {
				ref = "spend " + m.Spend + " (budget " + m.Decision + ")"
			} else if m.Decision != "" {
				ref = "decision " + m.Decision
			}
			fmt.Fprintf(tw, "%d\t%s\t%+d\t%d\t%s\t%s\t%s\n", m.Seq, m.Kind, m.Delta, m.Balance, timeText(m.At), ref, m.Reason)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		if v.Bookmark != "" {
			fmt.Fprintf(w, "more: --bookmark %s\n", strconv.Quote(v.Bookmark))
		}
		return nil
	case *treasury.Deposited:
		by := ""
		if v.Deposit != nil && v.Deposit.ConfirmedBy != nil {
			by = fmt.Sprintf(", deposit %s recorded by %s, confirmed by %s", v.Deposit.ID, actor(v.Deposit.Recorder), actor(*v.Deposit.ConfirmedBy))
		}
		fmt.Fprintf(w, "deposited %d to %s (balance %d), reference %s%s\n", v.Movement.Delta, v.Movement.Account, v.Movement.Balance, v.Movement.Reference, by)
		return nil
	case *treasury.DepositRecord:
		kv := newKV(w)
		kv.add("deposit", v.ID)
		kv.add("status", string(v.Status))
		kv.add("account", v.Account)
		kv.add("amount", strconv.FormatInt(v.Amount, 10))
		kv.add("reference", v.Reference)
		kv.add("reason", v.Reason)
		kv.add("recorded", fmt.Sprintf("%s by %s", timeText(v.RecordedAt), actor(v.Recorder)))
		switch {
		case v.ConfirmedBy != nil && v.ConfirmedAt != nil:
			kv.add("confirmed", fmt.Sprintf("%s by %s (movement %d)", timeText(*v.ConfirmedAt), actor(*v.ConfirmedBy), v.MovementSeq))
		case v.Status == treasury.DepositLapsed && v.ConfirmBy != nil:
			kv.add("confirmed", fmt.Sprintf("lapsed: not confirmed by its deadline %s; it can no longer be confirmed", timeText(*v.ConfirmBy)))
		case v.Status == treasury.DepositPending && v.ConfirmBy != nil:
			kv.add("confirmed", fmt.Sprintf("pending: a treasurer of another organisation confirms it before %s", timeText(*v.ConfirmBy)))
		case v.Status == treasury.DepositPending:
			kv.add("confirmed", "pending: a treasurer of another organisation confirms it")
		}
		return kv.flush()
	case *treasury.DepositPage:
		if len(v.Deposits) == 0 {
			w.WriteString("no deposits\n")
			return nil
		}
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "DEPOSIT\tSTATUS\tACCOUNT\tAMOUNT\tREFERENCE\tRECORDED BY\tCONFIRM BY\tCONFIRMED BY")
		for _, d := range v.Deposits {
			conf, by := "-", "-"
			if d.ConfirmedBy != nil {
				conf = actor(*d.ConfirmedBy)
			}
			if d.ConfirmBy != nil && (d.Status == treasury.DepositPending || d.Status == treasury.DepositLapsed) {
				by = timeText(*d.ConfirmBy)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\n", d.ID, d.Status, d.Account, d.Amount, d.Reference, actor(d.Recorder), by, conf)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		if v.Bookmark != "" {
			fmt.Fprintf(w, "more: --bookmark %s\n", strconv.Quote(v.Bookmark))
		}
		return nil
	case *treasury.Budget:
		kv := newKV(w)
		kv.add("budget", v.Decision)
		kv.add("account", v.Account)
		kv.add("amount", fmt.Sprintf("%d (%d reserved by spends)", v.Amount, v.Reserved))
		kv.add("purpose", v.Purpose)
		kv.add("opened", timeText(v.OpenedAt))
		return kv.flush()
	case *treasury.Spend:
		return spendText(w, v)
	case *treasury.Executed:
		fmt.Fprintf(w, "executed spend %s: %d from %s (balance %d); period %d spent %d of %d\n",
			v.Spend.ID, v.Spend.Total, v.Spend.Account, v.Movement.Balance, v.Usage.Period, v.Usage.Spent, v.Usage.Limit)
		return nil
	case *treasury.Approval:
		fmt.Fprintf(w, "spend %s approved by %s at %s\n", v.Spend, actor(v.Treasurer), timeText(v.At))
		return nil
	case []treasury.Approval:
		if len(v) == 0 {
			w.WriteString("no approvals\n")
			return nil
		}
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "TREASURER\tAT")
		for _, x := range v {
			fmt.Fprintf(tw, "%s\t%s\n", actor(x.Treasurer), timeText(x.At))
		}
		return tw.Flush()
	case []treasury.Spend:
		return spendsTable(w, v, "")
	case *treasury.SpendPage:
		return spendsTable(w, v.Spends, v.Bookmark)
	case *Alert:
		fmt.Fprintf(w, "ALERT block %d %s %s %s %d", v.Block, v.Event, v.Account, v.Spend, v.Amount)
		if v.Source != "" {
			fmt.Fprintf(w, " source %s", v.Source)
		}
		fmt.Fprintf(w, " by %s: %s\n", actor(v.Actor), strings.Join(v.Why, "; "))
		return nil
	case *treasury.PeriodUsage:
		fmt.Fprintf(w, "%s period %d (%s to %s): spent %d of %d\n", v.Account, v.Period, timeText(v.Start), timeText(v.End), v.Spent, v.Limit)
		return nil
	}
	return errNoTextForm
}

func spendText(w *bytes.Buffer, v *treasury.Spend) error {
	kv := newKV(w)
	kv.add("spend", v.ID)
	kv.add("status", string(v.Status))
	kv.add("account", v.Account)
	kv.add("total", strconv.FormatInt(v.Total, 10))
	kv.add("budget", v.Budget)
	if v.Source != "" {
		kv.add("source", v.Source)
	}
	kv.add("reason", v.Reason)
	kv.add("proposed", fmt.Sprintf("%s by %s", timeText(v.ProposedAt), actor(v.Proposer)))
	if v.NeedsDecision {
		d := v.Decision
		if d == "" {
			d = "awaiting a treasury_spend decision"
		}
		kv.add("decision", d)
	}
	if v.ExecutableAt != nil {
		orgs := ""
		if v.DistinctOrgs {
			orgs = " of distinct organisations"
		}
		kv.add("executable", fmt.Sprintf("after %s (delay %ds, %d signers%s, plus the clock-skew margin)", timeText(*v.ExecutableAt), v.DelaySec, v.SignersRequired, orgs))
	}
	if v.ExecutedAt != nil {
		kv.add("executed", fmt.Sprintf("%s by %s", timeText(*v.ExecutedAt), actor(*v.ExecutedBy)))
	}
	if v.CancelledAt != nil {
		kv.add("cancelled", timeText(*v.CancelledAt)+": "+v.CancelReason)
	}
	for i, p := range v.Payees {
		kv.add(fmt.Sprintf("payee %d", i+1), fmt.Sprintf("%s %d", actor(p.To), p.Amount))
	}
	return kv.flush()
}

func spendsTable(w *bytes.Buffer, v []treasury.Spend, bookmark string) error {
	if len(v) == 0 {
		w.WriteString("no spends\n")
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SPEND\tSTATUS\tACCOUNT\tTOTAL\tPAYEES\tSOURCE")
	for _, s := range v {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%s\n", s.ID, s.Status, s.Account, s.Total, len(s.Payees), s.Source)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if bookmark != "" {
		fmt.Fprintf(w, "more: --bookmark %s\n", strconv.Quote(bookmark))
	}
	return nil
}
