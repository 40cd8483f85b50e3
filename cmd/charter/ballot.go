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

	"github.com/charter-gov/charter/chaincode/ballot"
	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/delegation"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/token"
	charter "github.com/charter-gov/charter/gateway-client"
)

// votingAPI is what the ballot, token and delegate commands use of a
// *charter.Client.
type votingAPI interface {
	CreateBallot(ctx context.Context, req ballot.CreateRequest) (*ballot.Ballot, error)
	Vote(ctx context.Context, req ballot.CastRequest) (*ballot.Vote, error)
	CloseBallot(ctx context.Context, id string) (*ballot.Ballot, error)
	TallyPage(ctx context.Context, id string, pageSize int) (*ballot.Progress, error)
	QueueBallot(ctx context.Context, id string) (*ballot.Ballot, error)
	ExecuteBallot(ctx context.Context, id string) (*ballot.Ballot, error)
	CancelBallot(ctx context.Context, req ballot.CancelRequest) (*ballot.Ballot, error)
	Ballot(ctx context.Context, id string) (*ballot.View, error)
	BallotsPage(ctx context.Context, status ballot.Status, pageSize int, bookmark string) (*ballot.ListPage, error)
	BallotResults(ctx context.Context, id string) (*charter.BallotResults, error)

	Transfer(ctx context.Context, req token.TransferRequest) (*token.Receipt, error)
	Balance(ctx context.Context, account identity.Identity) (*charter.Balance, error)
	BalanceAt(ctx context.Context, account identity.Identity, at time.Time) (*charter.Balance, error)
	Supply(ctx context.Context) (int64, error)
	TokenHistory(ctx context.Context, account identity.Identity, limit int) ([]token.Checkpoint, error)

	Delegate(ctx context.Context, req delegation.SetRequest) (*delegation.Version, error)
	RevokeDelegation(ctx context.Context, req delegation.RevokeRequest) (*delegation.Version, error)
	Delegations(ctx context.Context, member identity.Identity) ([]delegation.Version, error)
	SetDelegateStatement(ctx context.Context, text string) (*delegation.Statement, error)
	DelegateStatement(ctx context.Context, member identity.Identity) (*delegation.Statement, error)
}

var _ votingAPI = (*charter.Client)(nil)

// withVoting connects as the --as profile and runs fn with the voting
// operations of the connection.
func (a *app) withVoting(cmd *cobra.Command, fn func(ctx context.Context, v votingAPI) error) error {
	return withAPI(a, cmd, "voting operations", fn)
}

func (a *app) ballotCmd() *cobra.Command {
	return group("ballot", "Create polls, vote, close, tally, queue, execute, withdraw, pause",
		a.ballotCreateCmd(), a.ballotShowCmd(), a.ballotListCmd(), a.ballotVoteCmd(), a.ballotCloseCmd(),
		a.ballotTallyCmd(), a.ballotQueueCmd(), a.ballotExecuteCmd(), a.ballotCancelCmd(), a.ballotResultsCmd(),
		a.ballotPauseCmd(), a.ballotPausesCmd())
}

func oneID(cmd *cobra.Command, args []string) error {
	if len(args) != 1 || strings.TrimSpace(args[0]) == "" {
		return usagef("%s takes one argument: the ballot ID", cmd.CommandPath())
	}
	return nil
}

func (a *app) ballotCreateCmd() *cobra.Command {
	var req ballot.CreateRequest
	var decisionType string
	var poll bool
	var delay, period time.Duration
	cmd := &cobra.Command{
		Use:   "create --poll --title TEXT --period DURATION [--delay DURATION] [--type DECISION_TYPE]",
		Short: "Create a 1–7 Likert poll (decision ballots come from 'decision propose')",
		Long: `Create a poll: a 1–7 Likert question (perceived legitimacy) with its own
period. --type only labels what the poll is about. A decision's ballots are
opened by 'charter decision propose', which applies the proposal threshold,
recusal, appeals and the decision's effect.`,
		Example: `  charter --as labA-user1 ballot create --poll --title "Was the release decision legitimate?" --period 72h`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !poll {
				return usagef("ballot create makes polls (--poll); decision ballots are opened by 'charter decision propose'")
			}
			if period <= 0 {
				return usagef("--period is required for a poll (for example 72h)")
			}
			req.Kind = ballot.KindPoll
			req.VotingPeriodSec, req.VotingDelaySec = int64(period/time.Second), int64(delay/time.Second)
			req.DecisionType = constitution.DecisionType(decisionType)
			return a.withVoting(cmd, func(ctx context.Context, v votingAPI) error {
				b, err := v.CreateBallot(ctx, req)
				return printResult(a, b, err)
			})
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&decisionType, "type", "", "the decision type the poll is about (a label)")
	fs.StringVar(&req.Title, "title", "", "title (required)")
	fs.StringVar(&req.Description, "description", "", "description")
	fs.BoolVar(&poll, "poll", false, "a 1–7 Likert poll (required)")
	fs.DurationVar(&period, "period", 0, "poll voting period")
	fs.DurationVar(&delay, "delay", 0, "poll voting delay")
	requireFlags(cmd, "title")
	return cmd
}

func (a *app) ballotShowCmd() *cobra.Command {
	return idCmd(a, a.withVoting, cmdSpec{
		Use: "show ID", Short: "Show a ballot and its status now", Args: oneID,
		Example: `  charter ballot show b0123456789abcdef
  charter -o json ballot show b0123456789abcdef | jq .statusNow`,
	}, votingAPI.Ballot)
}

func (a *app) ballotListCmd() *cobra.Command {
	var status string
	var size int
	cmd := &cobra.Command{
		Use: "list [--status STATUS] [--page-size N]", Short: "List ballots", Args: noArgs,
		Example: `  charter ballot list
  charter ballot list --status active --page-size 50`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if status != "" && !ballot.Status(status).Valid() {
				return usagef("--status %q: unknown status", status)
			}
			n, err := pageSize(size)
			if err != nil {
				return err
			}
			return a.withVoting(cmd, func(ctx context.Context, v votingAPI) error {
				bs, err := charter.FollowPages("", func(bookmark string) ([]ballot.View, string, error) {
					p, err := v.BallotsPage(ctx, ballot.Status(status), n, bookmark)
					if err != nil {
						return nil, "", err
					}
					return p.Ballots, p.Bookmark, nil
				})
				if err != nil {
					return err
				}
				return a.out().print(bs)
			})
		},
	}
	cmd.Flags().StringVar(&status, "status", "", "only ballots with this status now (pending, active, ended, closed, succeeded, …)")
	pageSizeFlag(cmd.Flags(), &size, "ballots")
	return cmd
}

// parseAllocations parses "choice=n" pairs.
func parseAllocations(pairs []string) ([]ballot.Allocation, error) {
	var out []ballot.Allocation
	for _, p := range pairs {
		i := strings.LastIndex(p, "=")
		if i <= 0 {
			return nil, usagef("--alloc %q: want CHOICE=VOTES", p)
		}
		n, err := strconv.ParseInt(p[i+1:], 10, 64)
		if err != nil || n < 1 {
			return nil, usagef("--alloc %q: votes must be a positive whole number", p)
		}
		out = append(out, ballot.Allocation{Choice: p[:i], Votes: n})
	}
	return out, nil
}

func (a *app) ballotVoteCmd() *cobra.Command {
	var choice string
	var allocs []string
	cmd := &cobra.Command{
		Use:   "vote ID (--choice CHOICE | --alloc CHOICE=VOTES,...)",
		Short: "Cast or change your vote",
		Long: `Cast your vote, or change it: a later vote replaces an earlier one until the
ballot closes. --choice is for, against, abstain, an option, or 1..7 on a poll;
on a quadratic ballot give --alloc instead (n votes on a choice cost n² credits).`,
		Example: `  charter --as labA-user1 ballot vote b0123456789abcdef --choice for
  charter --as labA-user1 ballot vote b0123456789abcdef --alloc gpu=3,docs=2`,
		Args: oneID,
		RunE: func(cmd *cobra.Command, args []string) error {
			as, err := parseAllocations(allocs)
			if err != nil {
				return err
			}
			return a.withVoting(cmd, func(ctx context.Context, v votingAPI) error {
				vote, err := v.Vote(ctx, ballot.CastRequest{Ballot: args[0], Choice: choice, Allocations: as})
				return printResult(a, vote, err)
			})
		},
	}
	cmd.Flags().StringVar(&choice, "choice", "", "your choice")
	cmd.Flags().StringSliceVar(&allocs, "alloc", nil, "quadratic allocations CHOICE=VOTES, comma-separated")
	cmd.MarkFlagsOneRequired("choice", "alloc")
	cmd.MarkFlagsMutuallyExclusive("choice", "alloc")
	return cmd
}

func (a *app) ballotCloseCmd() *cobra.Command {
	var noTally bool
	var pageSize int
	cmd := &cobra.Command{
		Use: "close ID [--no-tally] [--page-size N]",
		Example: `  charter ballot close b0123456789abcdef
  charter ballot close b0123456789abcdef --no-tally`,
		Short: "Close a ballot whose period is over, then tally it page by page",
		Args:  oneID,
		RunE: func(cmd *cobra.Command, args []string) error {
			if pageSize < 0 || pageSize > ballot.MaxPageSize {
				return usagef("--page-size %d: want 0 (default) to %d", pageSize, ballot.MaxPageSize)
			}
			return a.withVoting(cmd, func(ctx context.Context, v votingAPI) error {
				b, err := v.CloseBallot(ctx, args[0])
				if err != nil {
					return err
				}
				if noTally {
					return a.out().print(b)
				}
				p, err := tallyAll(ctx, v, args[0], pageSize)
				return printResult(a, p, err)
			})
		},
	}
	cmd.Flags().BoolVar(&noTally, "no-tally", false, "only close; tally later with ballot tally")
	cmd.Flags().IntVar(&pageSize, "page-size", 0, "votes per tally transaction (0: the chaincode's default)")
	return cmd
}

func tallyAll(ctx context.Context, v votingAPI, id string, pageSize int) (*ballot.Progress, error) {
	for {
		p, err := v.TallyPage(ctx, id, pageSize)
		if err != nil {
			return nil, err
		}
		if p.Done {
			return p, nil
		}
	}
}

func (a *app) ballotTallyCmd() *cobra.Command {
	var pageSize int
	cmd := &cobra.Command{
		Use: "tally ID [--page-size N]", Short: "Run (or resume) the tally of a closed ballot to the end", Args: oneID,
		Example: `  charter ballot tally b0123456789abcdef --page-size 500`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if pageSize < 0 || pageSize > ballot.MaxPageSize {
				return usagef("--page-size %d: want 0 (default) to %d", pageSize, ballot.MaxPageSize)
			}
			return a.withVoting(cmd, func(ctx context.Context, v votingAPI) error {
				p, err := tallyAll(ctx, v, args[0], pageSize)
				return printResult(a, p, err)
			})
		},
	}
	cmd.Flags().IntVar(&pageSize, "page-size", 0, "votes per tally transaction (0: the chaincode's default)")
	return cmd
}

func (a *app) ballotSimpleCmd(use, short string, op func(votingAPI, context.Context, string) (*ballot.Ballot, error)) *cobra.Command {
	return idCmd(a, a.withVoting, cmdSpec{
		Use: use + " ID", Short: short, Args: oneID,
		Example: "  charter ballot " + use + " b0123456789abcdef",
	}, op)
}

func (a *app) ballotQueueCmd() *cobra.Command {
	return a.ballotSimpleCmd("queue", "Start the timelock of a succeeded decision", votingAPI.QueueBallot)
}

func (a *app) ballotExecuteCmd() *cobra.Command {
	return a.ballotSimpleCmd("execute", "Mark a queued decision executed after its timelock", votingAPI.ExecuteBallot)
}

func (a *app) ballotCancelCmd() *cobra.Command {
	return idReasonCmd(a, a.withVoting, cmdSpec{
		Use: "cancel ID --reason TEXT", Short: "Withdraw your own poll before its first vote (a decision's ballots are never cancelled)", Args: oneID,
		Example: `  charter --as labA-user1 ballot cancel b0123456789abcdef --reason "posted twice"`,
	}, func(v votingAPI, ctx context.Context, id, reason string) (*ballot.Ballot, error) {
		return v.CancelBallot(ctx, ballot.CancelRequest{Ballot: id, Reason: reason})
	})
}

func (a *app) ballotResultsCmd() *cobra.Command {
	return idCmd(a, a.withVoting, cmdSpec{
		Use: "results ID", Short: "Show a ballot's result and tally progress", Args: oneID,
		Example: `  charter ballot results b0123456789abcdef`,
	}, votingAPI.BallotResults)
}

// votingText writes the text form of every ballot, token and delegation
// result.
func votingText(w *bytes.Buffer, v any) error {
	switch v := v.(type) {
	case *ballot.Ballot:
		return ballotText(w, v, v.Status)
	case *ballot.View:
		return ballotText(w, &v.Ballot, v.StatusNow)
	case []ballot.View:
		if len(v) == 0 {
			w.WriteString("no ballots\n")
			return nil
		}
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tSTATUS\tKIND\tTYPE\tFAMILY\tENDS\tTITLE")
		for _, b := range v {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", b.ID, b.StatusNow, b.Kind, dash(string(b.DecisionType)), dash(string(b.Family)), timeText(b.EndsAt), b.Title)
		}
		return tw.Flush()
	case *ballot.Vote:
		kv := newKV(w)
		kv.add("ballot", v.Ballot)
		kv.add("voter", actor(v.Voter))
		if v.Choice != "" {
			kv.add("choice", v.Choice)
		}
		for _, al := range v.Allocations {
			kv.add("allocation", fmt.Sprintf("%s × %d", al.Choice, al.Votes))
		}
		if v.Credits > 0 {
			kv.add("credits spent", fmt.Sprint(v.Credits))
		}
		kv.add("cast", timeText(v.CastAt))
		return kv.flush()
	case *ballot.Progress:
		kv := newKV(w)
		kv.add("ballot", v.Ballot)
		kv.add("status", string(v.Status))
		kv.add("tally", fmt.Sprintf("%s after %d pages (%d votes read)", v.Phase, v.Pages, v.VotesRead))
		if err := kv.flush(); err != nil {
			return err
		}
		if v.Result != nil {
			return resultText(w, v.Result)
		}
		return nil
	case *charter.BallotResults:
		if err := ballotText(w, &v.Ballot.Ballot, v.Ballot.StatusNow); err != nil {
			return err
		}
		if v.Ballot.Result == nil && v.Tally != nil && v.Tally.Pages > 0 {
			fmt.Fprintf(w, "tally in progress: %s, %d pages, %d votes read\n", v.Tally.Phase, v.Tally.Pages, v.Tally.VotesRead)
		}
		return nil
	case *token.Receipt:
		kv := newKV(w)
		if v.From != nil {
			kv.add("from", fmt.Sprintf("%s (balance %d)", actor(*v.From), *v.FromBalance))
		}
		kv.add("to", fmt.Sprintf("%s (balance %d)", actor(v.To), v.ToBalance))
		kv.add("amount", fmt.Sprint(v.Amount))
		kv.add("supply", fmt.Sprint(v.Supply))
		return kv.flush()
	case *charter.Balance:
		kv := newKV(w)
		kv.add("account", actor(v.Account))
		kv.add("balance", fmt.Sprint(v.Balance))
		if v.At != "" {
			kv.add("at", v.At)
		}
		return kv.flush()
	case supplyResult:
		fmt.Fprintf(w, "supply: %d\n", v.Supply)
		return nil
	case []token.Checkpoint:
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "AT\tKIND\tDELTA\tBALANCE\tTX")
		for _, c := range v {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\n", timeText(c.At), c.Kind, c.Delta, c.Balance, c.TxID)
		}
		return tw.Flush()
	case *delegation.Version:
		return delegationText(w, []delegation.Version{*v})
	case []delegation.Version:
		if len(v) == 0 {
			w.WriteString("no delegations in force\n")
			return nil
		}
		return delegationText(w, v)
	case *delegation.Statement:
		kv := newKV(w)
		kv.add("member", actor(v.Member))
		kv.add("updated", timeText(v.UpdatedAt))
		kv.add("statement", v.Text)
		return kv.flush()
	}
	return errNoTextForm
}

// supplyResult is what token supply prints.
type supplyResult struct {
	Supply int64 `json:"supply"`
}

func delegationText(w *bytes.Buffer, vs []delegation.Version) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TOPIC\tSTATE\tTO\tPERCENT\tEXPIRES")
	for _, v := range vs {
		state, exp := "in force", "never"
		if v.Revoked {
			state = "revoked"
		}
		if v.ExpiresAt != nil {
			exp = timeText(*v.ExpiresAt)
		}
		if len(v.Legs) == 0 {
			fmt.Fprintf(tw, "%s\t%s\t-\t-\t%s\n", v.Topic, state, exp)
		}
		for _, l := range v.Legs {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", v.Topic, state, actor(l.To), l.Percent, exp)
		}
	}
	return tw.Flush()
}

func ballotText(w *bytes.Buffer, b *ballot.Ballot, status ballot.Status) error {
	kv := newKV(w)
	kv.add("id", b.ID)
	kv.add("title", b.Title)
	kv.add("status", string(status))
	kv.add("kind", string(b.Kind))
	if b.Kind == ballot.KindDecision {
		kv.add("decision", fmt.Sprintf("%s in house %s, %s family", b.DecisionType, b.House, b.Family))
		kv.add("quorum / threshold", bps(b.Rule.QuorumBps)+" / "+bps(b.Rule.ThresholdBps))
		kv.add("timelock", seconds(b.Rule.TimelockSec))
		if b.VoiceCredits > 0 {
			kv.add("voice credits", fmt.Sprint(b.VoiceCredits))
		}
	}
	kv.add("choices", strings.Join(b.Choices(), ", "))
	kv.add("proposer", actor(b.Proposer))
	kv.add("voting", fmt.Sprintf("%s → %s", timeText(b.OpensAt), timeText(b.EndsAt)))
	kv.add("constitution", fmt.Sprintf("version %d (%s)", b.ConstitutionVersion, b.ConstitutionHash))
	if b.ETA != nil {
		kv.add("executable", fmt.Sprintf("%s → %s", timeText(*b.ETA), timeText(*b.ExecuteBy)))
	}
	if b.CancelReason != "" {
		kv.add("cancelled", b.CancelReason)
	}
	if err := kv.flush(); err != nil {
		return err
	}
	if b.Result != nil {
		return resultText(w, b.Result)
	}
	return nil
}

func resultText(w *bytes.Buffer, r *ballot.Result) error {
	w.WriteString("\n")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CHOICE\tTOTAL")
	for _, t := range r.Totals {
		fmt.Fprintf(tw, "%s\t%s\n", t.Choice, t.Total)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	kv := newKV(w)
	kv.add("votes", fmt.Sprintf("%d read, %d counted", r.VotesRead, r.VotesCounted))
	if r.Likert != nil {
		kv.add("mean", fmt.Sprintf("%d.%03d (%s)", r.Likert.MeanMilli/1000, r.Likert.MeanMilli%1000, dash(r.Likert.Mean)))
		return kv.flush()
	}
	kv.add("participation", fmt.Sprintf("%s of %s (%s); quorum %s needs %s: %s", r.Participation, r.Electorate, r.Basis, bps(r.QuorumBps), r.QuorumRequired, yesNo(r.QuorumReached)))
	if r.OrgCap != nil {
		kv.add("organisation cap", orgCapText(r.OrgCap))
	}
	kv.add("passed", yesNo(r.Passed))
	if r.Winner != "" {
		kv.add("winner", r.Winner)
	}
	return kv.flush()
}
