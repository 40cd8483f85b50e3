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
	"github.com/charter-gov/charter/chaincode/funding"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/round"
)

// roundAPI is what the round commands use of a *charter.Client.
type roundAPI interface {
	OpenRound(ctx context.Context, req round.OpenRequest) (*round.Round, error)
	ApplyToRound(ctx context.Context, req round.ApplyRequest) (*round.Project, error)
	AcceptProject(ctx context.Context, req round.AcceptRequest) (*round.Project, error)
	ProposeProjectAcceptance(ctx context.Context, title, description string, req round.AcceptRequest) (*decision.Decision, error)
	Contribute(ctx context.Context, req round.ContributeRequest) (*round.Receipt, error)
	ContributeBatch(ctx context.Context, req round.ContributeBatchRequest) (*round.CartReceipt, error)
	CloseRound(ctx context.Context, id string, pageSize int) (*round.Progress, error)
	PayRound(ctx context.Context, id string) (*round.PayResult, error)
	Round(ctx context.Context, id string) (*round.Round, error)
	RoundProjects(ctx context.Context, id string, pageSize int, bookmark string) (*round.ProjectPage, error)
	RoundContribution(ctx context.Context, id, project string, who identity.Identity) (*round.Contribution, error)
	RoundResults(ctx context.Context, id string) (*round.Results, error)
	RoundEstimate(ctx context.Context, id string) (*round.Estimate, error)
}

func (a *app) withRounds(cmd *cobra.Command, fn func(ctx context.Context, r roundAPI) error) error {
	return withAPI(a, cmd, "funding-round operations", fn)
}

func (a *app) roundCmd() *cobra.Command {
	return group("round", "Quadratic-funding rounds: open, apply, accept, contribute, close, pay, results, estimate",
		a.roundOpenCmd(), a.roundApplyCmd(), a.roundAcceptCmd(), a.roundContributeCmd(), a.roundCloseCmd(), a.roundPayCmd(),
		a.roundResultsCmd(), a.roundEstimateCmd(), a.roundShowCmd(), a.roundProjectsCmd())
}

func oneRound(cmd *cobra.Command, args []string) error {
	if len(args) != 1 || strings.TrimSpace(args[0]) == "" {
		return usagef("%s takes one argument: the round ID", cmd.CommandPath())
	}
	return nil
}

func (a *app) roundOpenCmd() *cobra.Command {
	var req round.OpenRequest
	var cats []string
	var kind, opensAt, closesAt string
	var opensIn, window time.Duration
	cmd := &cobra.Command{
		Use:     "open --title T --category C[,C] --rule KIND [--cap-bps N] [--pairwise-m N] --pool N --budget-decision ID (--opens-at TIME | --opens-in DUR) (--closes-at TIME | --window DUR)",
		Example: `  charter --as foundation-user2 round open --title "Q1 open-source grants" --category documentation --rule quadratic --pool 10000 --budget-decision d0123 --opens-in 1m --window 24h`,
		Short:   "Open a funding round (a grants administrator; the pool funded by an executed budget decision)",
		Long: `Open a quadratic-funding round. The matching rule is one the constitution's
funding.rules allow: org_grouped (one organisation's members count as one
contributor), pairwise (each pair of contributors' subsidy bounded by
--pairwise-m), org_pairwise (both), quadratic (plain, per identity). The
window must open at least one clock skew from now.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			for _, c := range cats {
				req.Categories = append(req.Categories, round.Category(strings.TrimSpace(c)))
			}
			req.Rule.Kind = funding.Kind(kind)
			now := time.Now().UTC()
			switch {
			case opensAt != "" && opensIn != 0:
				return usagef("give --opens-at or --opens-in, not both")
			case opensAt != "":
				t, err := time.Parse(time.RFC3339Nano, opensAt)
				if err != nil {
					return usagef("--opens-at %q: want an RFC 3339 time", opensAt)
				}
				req.OpensAt = t
			case opensIn > 0:
				req.OpensAt = now.Add(opensIn)
			default:
				return usagef("give --opens-at or --opens-in")
			}
			switch {
			case closesAt != "" && window != 0:
				return usagef("give --closes-at or --window, not both")
			case closesAt != "":
				t, err := time.Parse(time.RFC3339Nano, closesAt)
				if err != nil {
					return usagef("--closes-at %q: want an RFC 3339 time", closesAt)
				}
				req.ClosesAt = t
			case window > 0:
				req.ClosesAt = req.OpensAt.Add(window)
			default:
				return usagef("give --closes-at or --window")
			}
			return a.withRounds(cmd, func(ctx context.Context, r roundAPI) error {
				out, err := r.OpenRound(ctx, req)
				return printResult(a, out, err)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&req.Title, "title", "", "the round's title")
	f.StringVar(&req.Description, "description", "", "what the round funds")
	f.StringSliceVar(&cats, "category", nil, "eligible categories: compute_credits, evaluation_grants, documentation_bounties")
	f.StringVar(&kind, "rule", string(funding.KindOrgGrouped), "matching rule: org_grouped, pairwise, org_pairwise, quadratic")
	f.Int64Var(&req.Rule.CapBps, "cap-bps", 0, "per-project cap, basis points of the pool (0: none)")
	f.Int64Var(&req.Rule.PairwiseM, "pairwise-m", 0, "the pairwise bound M in whole units (pairwise rules)")
	f.Int64Var(&req.Pool, "pool", 0, "the matching pool in whole units")
	f.StringVar(&req.BudgetDecision, "budget-decision", "", "the executed budget decision that funds the pool")
	f.StringVar(&opensAt, "opens-at", "", "when contributions open (RFC 3339)")
	f.DurationVar(&opensIn, "opens-in", 0, "open this long from now")
	f.StringVar(&closesAt, "closes-at", "", "when contributions close (RFC 3339)")
	f.DurationVar(&window, "window", 0, "close this long after opening")
	return cmd
}

func (a *app) roundApplyCmd() *cobra.Command {
	var req round.ApplyRequest
	var cat string
	cmd := &cobra.Command{
		Use: "apply --round ID --title T --category C [--description D] [--artifact REF]...", Short: "Apply to a round with a project (the applicant is paid)", Args: noArgs,
		Example: `  charter --as labA-user2 round apply --round r0001 --title "Better docs" --category documentation`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			req.Category = round.Category(cat)
			return a.withRounds(cmd, func(ctx context.Context, r roundAPI) error {
				out, err := r.ApplyToRound(ctx, req)
				return printResult(a, out, err)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&req.Round, "round", "", "round ID")
	f.StringVar(&req.Title, "title", "", "the project's title")
	f.StringVar(&req.Description, "description", "", "the project")
	f.StringVar(&cat, "category", "", "one of the round's categories")
	f.StringArrayVar(&req.Artifacts, "artifact", nil, "a registered artifact reference (repeatable)")
	return cmd
}

func (a *app) roundAcceptCmd() *cobra.Command {
	var req round.AcceptRequest
	var byDecision bool
	var title, description string
	cmd := &cobra.Command{
		Use:   "accept --round ID --project ID [--by-decision --title TEXT [--description TEXT]]",
		Short: "Accept a project (a grants administrator, not the applicant), or propose a House decision that accepts it",
		Long: `Accept a project into a round as a grants administrator (not the applicant).
With --by-decision, propose a project_acceptance decision instead (routed by the
constitution, House B by default): executed, it accepts the project, unless the
round's window has closed by then.`,
		Args: noArgs,
		Example: `  charter --as foundation-user2 round accept --round r0001 --project p0001
  charter --as labB-user1 round accept --round r0001 --project p0002 --by-decision --title "Accept the eval harness"`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if req.Round == "" || req.Project == "" {
				return usagef("--round and --project are required")
			}
			if byDecision && strings.TrimSpace(title) == "" {
				return usagef("--by-decision needs --title")
			}
			if !byDecision && (title != "" || description != "") {
				return usagef("--title and --description go with --by-decision")
			}
			return a.withRounds(cmd, func(ctx context.Context, r roundAPI) error {
				if byDecision {
					out, err := r.ProposeProjectAcceptance(ctx, title, description, req)
					return printResult(a, out, err)
				}
				out, err := r.AcceptProject(ctx, req)
				return printResult(a, out, err)
			})
		},
	}
	cmd.Flags().StringVar(&req.Round, "round", "", "round ID")
	cmd.Flags().StringVar(&req.Project, "project", "", "project ID")
	cmd.Flags().BoolVar(&byDecision, "by-decision", false, "propose a project_acceptance decision instead of accepting as a grants administrator")
	cmd.Flags().StringVar(&title, "title", "", "the decision's title (with --by-decision)")
	cmd.Flags().StringVar(&description, "description", "", "the decision's description (with --by-decision)")
	return cmd
}

func (a *app) roundContributeCmd() *cobra.Command {
	var (
		id       string
		projects []string
		amount   int64
	)
	cmd := &cobra.Command{
		Use:   "contribute --round ID (--project ID --amount N | --project ID=N [--project ID=N]...)",
		Short: "Contribute tokens to a project, or to several in one transaction (a cart), during the window",
		Args:  noArgs,
		Long: `Contribute tokens to a project of a round during its window.

--project ID --amount N contributes N to one project (round:Contribute).
--project ID=N, repeated (at most ` + strconv.Itoa(round.MaxCartLines) + ` projects, each once), sends one cart
(round:ContributeBatch): one signed transaction that contributes to every
project named, each line under the same rules; any refused line refuses the
whole cart and nothing is contributed.`,
		Example: `  charter --as labB-user1 round contribute --round r0001 --project p0001 --amount 25
  charter --as labB-user1 round contribute --round r0001 --project p0001=5 --project p0002=3`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if len(projects) == 0 {
				return usagef("--project: name a project (--project ID --amount N, or --project ID=N)")
			}
			if !strings.Contains(projects[0], "=") {
				if len(projects) > 1 {
					return usagef("--project given %d times: a cart names each line as --project ID=N", len(projects))
				}
				if amount <= 0 {
					return usagef("--amount %d: want a positive whole number", amount)
				}
				req := round.ContributeRequest{Round: id, Project: projects[0], Amount: amount}
				return a.withRounds(cmd, func(ctx context.Context, r roundAPI) error {
					out, err := r.Contribute(ctx, req)
					return printResult(a, out, err)
				})
			}
			if cmd.Flags().Changed("amount") {
				return usagef("--amount goes with a single --project ID; a cart gives each line's amount as --project ID=N")
			}
			if len(projects) > round.MaxCartLines {
				return usagef("%d --project lines: a cart holds at most %d", len(projects), round.MaxCartLines)
			}
			req := round.ContributeBatchRequest{Round: id}
			for _, p := range projects {
				name, n, ok := strings.Cut(p, "=")
				if !ok || strings.TrimSpace(name) == "" {
					return usagef("--project %q: a cart line is ID=N", p)
				}
				v, err := strconv.ParseInt(n, 10, 64)
				if err != nil || v <= 0 {
					return usagef("--project %q: the amount %q is not a positive whole number", p, n)
				}
				for _, l := range req.Lines {
					if l.Project == name {
						return usagef("--project %s is in the cart twice: one line per project", name)
					}
				}
				req.Lines = append(req.Lines, round.CartLine{Project: name, Amount: v})
			}
			return a.withRounds(cmd, func(ctx context.Context, r roundAPI) error {
				out, err := r.ContributeBatch(ctx, req)
				return printResult(a, out, err)
			})
		},
	}
	cmd.Flags().StringVar(&id, "round", "", "round ID")
	cmd.Flags().StringArrayVar(&projects, "project", nil, "project ID (with --amount), or ID=N for a cart line (repeatable)")
	cmd.Flags().Int64Var(&amount, "amount", 0, "whole tokens (with a single --project ID)")
	return cmd
}

func (a *app) roundCloseCmd() *cobra.Command {
	var pageSize int
	cmd := &cobra.Command{
		Use: "close ROUND [--page-size N]", Short: "Close a round in pages (or resume), compute the matches and pay out", Args: oneRound,
		Example: `  charter round close r0001`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if pageSize < 0 || pageSize > round.MaxPageSize {
				return usagef("--page-size %d: want 0 (default) to %d", pageSize, round.MaxPageSize)
			}
			return a.withRounds(cmd, func(ctx context.Context, r roundAPI) error {
				p, err := r.CloseRound(ctx, args[0], pageSize)
				return printResult(a, p, err)
			})
		},
	}
	cmd.Flags().IntVar(&pageSize, "page-size", 0, "contributions per close transaction (0: the chaincode's default)")
	return cmd
}

func (a *app) roundPayCmd() *cobra.Command {
	return idCmd(a, a.withRounds, cmdSpec{
		Use: "pay ROUND", Short: "Propose the treasury spend of a closed round's matches (a grants administrator or treasurer)", Args: oneRound,
		Example: `  charter --as foundation-user2 round pay r0001`,
	}, roundAPI.PayRound)
}

func (a *app) roundResultsCmd() *cobra.Command {
	var csv bool
	cmd := &cobra.Command{
		Use: "results ROUND [--csv]", Short: "A closed round's results: per project contributions, contributors, match; --csv exports them", Args: oneRound,
		Example: `  charter round results r0001 --csv > r0001.csv`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withRounds(cmd, func(ctx context.Context, r roundAPI) error {
				res, err := r.RoundResults(ctx, args[0])
				if err != nil {
					return err
				}
				if csv {
					s, err := round.CSV(res)
					if err != nil {
						return err
					}
					_, err = a.stdout.Write([]byte(s))
					return err
				}
				return a.out().print(res)
			})
		},
	}
	cmd.Flags().BoolVar(&csv, "csv", false, "print CSV")
	return cmd
}

func (a *app) roundEstimateCmd() *cobra.Command {
	return idCmd(a, a.withRounds, cmdSpec{
		Use: "estimate ROUND", Short: "The matches if the round closed with the contributions so far", Args: oneRound,
		Example: `  charter round estimate r0001`,
	}, roundAPI.RoundEstimate)
}

func (a *app) roundShowCmd() *cobra.Command {
	return idCmd(a, a.withRounds, cmdSpec{
		Use: "show ROUND", Short: "A round", Args: oneRound,
		Example: `  charter round show r0001`,
	}, roundAPI.Round)
}

func (a *app) roundProjectsCmd() *cobra.Command {
	return &cobra.Command{
		Use: "projects ROUND", Short: "A round's projects, applied and accepted", Args: oneRound,
		Example: `  charter round projects r0001`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withRounds(cmd, func(ctx context.Context, r roundAPI) error {
				var all []round.Project
				bookmark := ""
				for {
					p, err := r.RoundProjects(ctx, args[0], 0, bookmark)
					if err != nil {
						return err
					}
					all = append(all, p.Projects...)
					if p.Bookmark == "" {
						return a.out().print(&round.ProjectPage{Projects: all})
					}
					bookmark = p.Bookmark
				}
			})
		},
	}
}

// roundText renders the round types.
func roundText(w *bytes.Buffer, v any) error {
	switch v := v.(type) {
	case *round.Round:
		kv := newKV(w)
		kv.add("round", v.ID)
		kv.add("title", v.Title)
		kv.add("status", string(v.Status))
		kv.add("rule", ruleText(v.Rule))
		kv.add("pool", strconv.FormatInt(v.Pool, 10))
		kv.add("budget decision", v.BudgetDecision)
		kv.add("window", v.OpensAt.Format(time.RFC3339)+" .. "+v.ClosesAt.Format(time.RFC3339))
		kv.add("accepted projects", fmt.Sprintf("%d of at most %d", v.Accepted, v.MaxProjects))
		return kv.flush()
	case *round.Project:
		kv := newKV(w)
		kv.add("project", v.ID)
		kv.add("round", v.Round)
		kv.add("title", v.Title)
		kv.add("category", string(v.Category))
		kv.add("applicant", v.Applicant.Short())
		kv.add("status", string(v.Status))
		return kv.flush()
	case *round.ProjectPage:
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "PROJECT\tSTATUS\tCATEGORY\tAPPLICANT\tTITLE")
		for _, p := range v.Projects {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", p.ID, p.Status, p.Category, p.Applicant.Short(), p.Title)
		}
		return tw.Flush()
	case *round.Receipt:
		kv := newKV(w)
		kv.add("contributed", fmt.Sprintf("%d to %s (round %s)", v.Added, v.Contribution.Project, v.Contribution.Round))
		kv.add("your total", strconv.FormatInt(v.Contribution.Amount, 10))
		kv.add("balance left", strconv.FormatInt(v.Balance, 10))
		return kv.flush()
	case *round.CartReceipt:
		fmt.Fprintf(w, "cart of %d lines to round %s: %d contributed, balance left %d\n", len(v.Lines), v.Round, v.Total, v.Balance)
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "PROJECT\tADDED\tYOUR TOTAL")
		for _, l := range v.Lines {
			fmt.Fprintf(tw, "%s\t%d\t%d\n", l.Contribution.Project, l.Added, l.Contribution.Amount)
		}
		return tw.Flush()
	case *round.Progress:
		if v.Results != nil {
			return roundText(w, v.Results)
		}
		kv := newKV(w)
		kv.add("round", v.Round)
		kv.add("phase", v.Phase)
		kv.add("projects read", fmt.Sprintf("%d of %d", v.ProjectsRead, v.Projects))
		kv.add("contributions read", strconv.FormatInt(v.ContributionsRead, 10))
		return kv.flush()
	case *round.Results:
		fmt.Fprintf(w, "round %s: %s, pool %d, matched %d, unallocated %d, contributions %d\n", v.Round, ruleText(v.Rule), v.Pool, v.Matched, v.Unallocated, v.Contributed)
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "PROJECT\tCONTRIBUTED\tCONTRIBUTORS\tUNITS\tMATCH\tCAPPED\tPAYOUT\tTITLE")
		for _, l := range v.Lines {
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%s\t%d\t%s\n", l.Project, l.Contributed, l.Contributors, l.Units, l.Match, yesNo(l.Capped), l.Payout, l.Title)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		if v.Payout != nil {
			fmt.Fprintf(w, "matches %d to %d payees from budget %s (%s account): %s %s\n", v.Payout.Total, len(v.Payout.Payees), v.Payout.BudgetDecision, v.Payout.Account, v.Payout.Status, v.Payout.Spend)
		}
		return nil
	case *round.PayResult:
		kv := newKV(w)
		kv.add("round", v.Round)
		if v.Spend != nil {
			kv.add("spend", v.Spend.ID)
			kv.add("account", v.Spend.Account)
			kv.add("total", strconv.FormatInt(v.Spend.Total, 10))
			kv.add("payees", strconv.Itoa(len(v.Spend.Payees)))
			kv.add("status", string(v.Spend.Status))
		}
		return kv.flush()
	case *round.Estimate:
		fmt.Fprintf(w, "estimate for round %s: %s, pool %d, would match %d (unallocated %d)\n", v.Round, ruleText(v.Report.Rule), v.Report.Pool, v.Report.Matched, v.Report.Unallocated)
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "PROJECT\tCONTRIBUTED\tCONTRIBUTORS\tMATCH")
		for _, o := range v.Report.Projects {
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\n", o.Project, o.Contributed, o.Contributors, o.Match)
		}
		return tw.Flush()
	}
	return errNoTextForm
}

func ruleText(r funding.Rule) string {
	s := string(r.Kind)
	if r.CapBps > 0 {
		s += fmt.Sprintf(", cap %d bps", r.CapBps)
	}
	if r.PairwiseM > 0 {
		s += fmt.Sprintf(", M %d", r.PairwiseM)
	}
	return s
}
