package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/charter-gov/charter/chaincode/ballot"
	"github.com/charter-gov/charter/chaincode/coi"
	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/decision"
	charter "github.com/charter-gov/charter/gateway-client"
)

// decisionAPI is what the decision, coi and constitution amendment
// commands use of a *charter.Client.
type decisionAPI interface {
	ProposeDecision(ctx context.Context, req decision.ProposeRequest) (*decision.Decision, error)
	ProposeAmendment(ctx context.Context, title, description string, doc constitution.Document) (*decision.Decision, error)
	VoteOnDecision(ctx context.Context, req decision.VoteRequest) (*ballot.Vote, error)
	ConcludeDecision(ctx context.Context, id string) (*decision.Decision, error)
	AppealDecision(ctx context.Context, req decision.AppealRequest) (*decision.AppealResult, error)
	ExecuteDecision(ctx context.Context, id string) (*decision.Decision, error)
	Decision(ctx context.Context, id string) (*decision.Decision, error)
	DecisionsPage(ctx context.Context, status decision.Status, pageSize int, bookmark string) (*decision.ListPage, error)
	Appellants(ctx context.Context, id string) ([]decision.Appellant, error)
	ConstitutionDiff(ctx context.Context, from, to int64) ([]constitution.Change, error)
	DiscloseConflict(ctx context.Context, req coi.DiscloseRequest) (*coi.Disclosure, error)
	ConflictsPage(ctx context.Context, q coi.ListRequest) (*coi.ListPage, error)
}

var _ decisionAPI = (*charter.Client)(nil)

// withDecisions connects as the --as profile and runs fn with the decision
// operations of the connection.
func (a *app) withDecisions(cmd *cobra.Command, fn func(ctx context.Context, d decisionAPI) error) error {
	return withAPI(a, cmd, "decision operations", fn)
}

func (a *app) decisionCmd() *cobra.Command {
	return group("decision", "Propose decisions, vote with recusal, conclude, appeal and execute them",
		a.decisionProposeCmd(), a.decisionShowCmd(), a.decisionListCmd(), a.decisionVoteCmd(),
		a.decisionConcludeCmd(), a.decisionAppealCmd(), a.decisionExecuteCmd())
}

func oneDecision(cmd *cobra.Command, args []string) error {
	if len(args) != 1 || strings.TrimSpace(args[0]) == "" {
		return usagef("%s takes one argument: the decision ID", cmd.CommandPath())
	}
	return nil
}

// parseSubject parses "kind:id" (e.g. artifact:model@sha256:…).
func parseSubject(flag, s string) (coi.Subject, error) {
	kind, id, found := strings.Cut(s, ":")
	sub := coi.Subject{Kind: coi.Kind(kind), ID: id}
	if !found {
		return sub, usagef("%s %q: want KIND:ID with KIND one of artifact, organisation, proposal, grantee", flag, s)
	}
	if err := sub.Validate(); err != nil {
		return sub, usagef("%s: %v", flag, err)
	}
	return sub, nil
}

func (a *app) readFileArg(flag, file string) ([]byte, error) {
	var raw []byte
	var err error
	if file == "-" {
		var b bytes.Buffer
		_, err = b.ReadFrom(a.stdin)
		raw = b.Bytes()
	} else {
		raw, err = os.ReadFile(file)
	}
	if err != nil {
		return nil, usagef("%s: %v", flag, err)
	}
	return raw, nil
}

func (a *app) decisionProposeCmd() *cobra.Command {
	var req decision.ProposeRequest
	var typ, subject, payloadFile string
	cmd := &cobra.Command{
		Use:   "propose --type TYPE --title TEXT [--subject KIND:ID] [--payload FILE]",
		Short: "Propose a decision; its ballots open in the houses the constitution routes it to",
		Long: `Propose a decision of a decision type. The constitution in force decides which
house or houses vote on it, with which voting family, quorum, threshold and
periods; they are frozen into the decision and its ballots.

--subject names what the decision is about (artifact, organisation, proposal or
grantee); members who disclosed a conflict on it cannot vote. --payload is the
effect's argument as JSON ("-" reads standard input): {"member": {...}} for a
seat confirmation or removal, a reputation slash request for slashing,
{"member": {...}, "role": "guardian"} for role_grant/role_revoke (guardian,
attester with "attesterCategories") and office_grant/office_revoke (treasurer,
grants_admin), {"allocations": [{"member": {...}, "amount": N}], "memo": "..."}
for token_issuance (or use 'charter token issue'). For an
amendment use 'charter constitution propose-amendment'.`,
		Example: `  charter --as labA-user1 decision propose --type budget --title "Q3 evaluation compute"
  charter --as foundation-user1 decision propose --type release_stage --title "Stage model-x" --subject artifact:model-x@1.0 --payload stage.json
  charter --as labB-user1 decision propose --type seat_confirmation --title "Seat Ada" --payload seat.json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			req.Type = constitution.DecisionType(typ)
			if subject != "" {
				s, err := parseSubject("--subject", subject)
				if err != nil {
					return err
				}
				req.Subject = &s
			}
			if payloadFile != "" {
				raw, err := a.readFileArg("--payload", payloadFile)
				if err != nil {
					return err
				}
				if !json.Valid(raw) {
					return usagef("--payload %s: not valid JSON", payloadFile)
				}
				req.Payload = raw
			}
			return a.withDecisions(cmd, func(ctx context.Context, d decisionAPI) error {
				out, err := d.ProposeDecision(ctx, req)
				return printResult(a, out, err)
			})
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&typ, "type", "", "decision type (release_stage, budget, constitutional_amendment, seat_confirmation, …)")
	fs.StringVar(&req.Title, "title", "", "title")
	fs.StringVar(&req.Description, "description", "", "description")
	fs.StringVar(&subject, "subject", "", "what the decision is about, KIND:ID (default: the decision itself)")
	fs.StringVar(&payloadFile, "payload", "", "effect payload, a JSON file (- for standard input)")
	requireFlags(cmd, "type", "title")
	return cmd
}

func (a *app) decisionShowCmd() *cobra.Command {
	var appellants bool
	cmd := &cobra.Command{
		Use: "show ID [--appellants]",
		Example: `  charter decision show d0123
  charter decision show d0123 --appellants`,
		Short: "Show a decision: its rule, ballots, outcome, timelock, appeal and execution",
		Args:  oneDecision,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withDecisions(cmd, func(ctx context.Context, d decisionAPI) error {
				if appellants {
					as, err := d.Appellants(ctx, args[0])
					return printResult(a, as, err)
				}
				out, err := d.Decision(ctx, args[0])
				return printResult(a, out, err)
			})
		},
	}
	cmd.Flags().BoolVar(&appellants, "appellants", false, "list who appealed instead")
	return cmd
}

func (a *app) decisionListCmd() *cobra.Command {
	var status string
	var size int
	cmd := &cobra.Command{
		Use: "list [--status STATUS] [--page-size N]",
		Example: `  charter decision list
  charter decision list --status passed --page-size 50`,
		Short: "List decisions in ID order",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st := decision.Status(status)
			if status != "" && !st.Valid() {
				return usagef("--status %q: want one of %v", status, decision.Statuses())
			}
			n, err := pageSize(size)
			if err != nil {
				return err
			}
			return a.withDecisions(cmd, func(ctx context.Context, d decisionAPI) error {
				ds, err := charter.FollowPages("", func(bookmark string) ([]decision.Decision, string, error) {
					p, err := d.DecisionsPage(ctx, st, n, bookmark)
					if err != nil {
						return nil, "", err
					}
					return p.Decisions, p.Bookmark, nil
				})
				if err != nil {
					return err
				}
				return a.out().print(ds)
			})
		},
	}
	cmd.Flags().StringVar(&status, "status", "", "only decisions in this status (voting, mediation, passed, rejected, appealed, overturned, executed)")
	pageSizeFlag(cmd.Flags(), &size, "decisions")
	return cmd
}

func (a *app) decisionVoteCmd() *cobra.Command {
	var req decision.VoteRequest
	var house string
	cmd := &cobra.Command{
		Use: "vote ID --house A|B --choice for|against|abstain [--appeal]",
		Example: `  charter --as labA-user1 decision vote d0123 --house A --choice for
  charter --as labB-user2 decision vote d0123 --house B --choice against --appeal`,
		Short: "Vote on a decision in one house (refused when you disclosed a conflict on it)",
		Args:  oneDecision,
		RunE: func(cmd *cobra.Command, args []string) error {
			if house != "A" && house != "B" {
				return usagef("--house %q: want A or B", house)
			}
			req.Decision, req.House = args[0], constitution.HouseID(house)
			return a.withDecisions(cmd, func(ctx context.Context, d decisionAPI) error {
				v, err := d.VoteOnDecision(ctx, req)
				if err != nil {
					return err
				}
				if a.out().json {
					return a.out().print(v)
				}
				_, err = fmt.Fprintf(a.stdout, "voted %s on decision %s in house %s\n", req.Choice, req.Decision, req.House)
				return err
			})
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&house, "house", "", "house: A or B")
	fs.StringVar(&req.Choice, "choice", "", "for, against or abstain")
	fs.BoolVar(&req.Appeal, "appeal", false, "vote on the decision's appeal ballot (for = overturn)")
	requireFlags(cmd, "choice")
	return cmd
}

func (a *app) decisionConcludeCmd() *cobra.Command {
	return idCmd(a, a.withDecisions, cmdSpec{
		Use:     "conclude ID",
		Example: `  charter decision conclude d0123`,
		Short:   "Apply the concurrence rule to the tallied ballots (or conclude the appeal)",
		Args:    oneDecision,
	}, decisionAPI.ConcludeDecision)
}

func (a *app) decisionAppealCmd() *cobra.Command {
	var grounds string
	cmd := &cobra.Command{
		Use:     "appeal ID --grounds TEXT",
		Example: `  charter --as labB-user2 decision appeal d0123 --grounds "the subject's maintainer voted"`,
		Short:   "Join the appeal against a passed decision (within its window)",
		Args:    oneDecision,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withDecisions(cmd, func(ctx context.Context, d decisionAPI) error {
				r, err := d.AppealDecision(ctx, decision.AppealRequest{Decision: args[0], Grounds: grounds})
				return printResult(a, r, err)
			})
		},
	}
	cmd.Flags().StringVar(&grounds, "grounds", "", "why the decision should be overturned")
	requireFlags(cmd, "grounds")
	return cmd
}

func (a *app) decisionExecuteCmd() *cobra.Command {
	return idCmd(a, a.withDecisions, cmdSpec{
		Use:     "execute ID",
		Example: `  charter decision execute d0123`,
		Short:   "Execute a passed decision's effect after its timelock and appeal window (once)",
		Args:    oneDecision,
	}, decisionAPI.ExecuteDecision)
}

// decisionText writes the text form of every decision, coi and diff
// result.
func decisionText(w *bytes.Buffer, v any) error {
	switch v := v.(type) {
	case *decision.Decision:
		return decisionRecordText(w, v)
	case []decision.Decision:
		if len(v) == 0 {
			w.WriteString("no decisions\n")
			return nil
		}
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tTYPE\tSTATUS\tHOUSES\tV\tTITLE")
		for _, d := range v {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\n", d.ID, d.Type, d.Status, houses(d.Rule.Houses), d.ConstitutionVersion, d.Title)
		}
		return tw.Flush()
	case *decision.AppealResult:
		kv := newKV(w)
		kv.add("decision", v.Appellant.Decision)
		kv.add("appellant", actor(v.Appellant.Member))
		kv.add("appellants", fmt.Sprintf("%d of %d needed", v.Appellants, v.Required))
		if v.Lodged {
			kv.add("lodged", "yes: execution is suspended until the appeal ballot is concluded")
		} else {
			kv.add("lodged", "not yet")
		}
		return kv.flush()
	case []decision.Appellant:
		if len(v) == 0 {
			w.WriteString("no appellants\n")
			return nil
		}
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "MEMBER\tAT\tGROUNDS")
		for _, ap := range v {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", actor(ap.Member), timeText(ap.At), ap.Grounds)
		}
		return tw.Flush()
	case []constitution.Change:
		if len(v) == 0 {
			w.WriteString("no changes\n")
			return nil
		}
		for _, c := range v {
			fmt.Fprintf(w, "%s\n    %s → %s\n", c.Path, c.Old, c.New)
		}
		return nil
	case *coi.Disclosure:
		kv := newKV(w)
		kv.add("member", actor(v.Member))
		kv.add("subject", v.Subject.String())
		kv.add("statement sha256", v.StatementHash)
		if v.Statement != "" {
			kv.add("statement", v.Statement)
		} else {
			kv.add("statement", "(kept off the ledger)")
		}
		kv.add("disclosed", timeText(v.DisclosedAt))
		return kv.flush()
	case []coi.Disclosure:
		if len(v) == 0 {
			w.WriteString("no disclosures\n")
			return nil
		}
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "MEMBER\tSUBJECT\tDISCLOSED\tSTATEMENT SHA256")
		for _, d := range v {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", actor(d.Member), d.Subject, timeText(d.DisclosedAt), d.StatementHash)
		}
		return tw.Flush()
	}
	return errNoTextForm
}

func houses(hs []constitution.HouseID) string {
	s := make([]string, len(hs))
	for i, h := range hs {
		s[i] = string(h)
	}
	return strings.Join(s, "+")
}

func decisionRecordText(w *bytes.Buffer, d *decision.Decision) error {
	kv := newKV(w)
	kv.add("decision", d.ID)
	kv.add("type", string(d.Type))
	kv.add("title", d.Title)
	kv.add("subject", d.Subject.String())
	kv.add("status", string(d.Status))
	kv.add("proposed", fmt.Sprintf("%s by %s", timeText(d.ProposedAt), actor(d.Proposer)))
	kv.add("constitution", fmt.Sprintf("version %d (%s)", d.ConstitutionVersion, d.ConstitutionHash))
	r := d.Rule
	kv.add("rule", fmt.Sprintf("houses %s, quorum %s, threshold %s, delay %s, voting %s, timelock %s",
		houses(r.Houses), bps(r.QuorumBps), bps(r.ThresholdBps), seconds(r.VotingDelaySec), seconds(r.VotingPeriodSec), seconds(r.TimelockSec)))
	if len(r.Houses) == 2 {
		c := d.Concurrence
		kv.add("concurrence", fmt.Sprintf("if the houses disagree: %s mediation, then %s in the passing house and %s in the other", seconds(c.MediationSec), bps(c.PassingHouseBps), bps(c.OtherHouseBps)))
	}
	for _, b := range d.Ballots {
		kv.add("ballot "+string(b.House), fmt.Sprintf("%s (%s)", b.Ballot, b.Family))
	}
	if o := d.Outcome; o != nil {
		kv.add("outcome", fmt.Sprintf("%s: %s", o.Verdict, o.Branch))
		for _, h := range o.Houses {
			kv.add("  house "+string(h.House), fmt.Sprintf("quorum %s, for %s, passed %s", yesNo(h.QuorumMet), bps(h.ForBps), yesNo(h.Passed)))
		}
		if o.MediationEndsAt != nil {
			kv.add("mediation ends", timeText(*o.MediationEndsAt))
		}
	}
	if d.ETA != nil {
		kv.add("timelock ends", timeText(*d.ETA))
		kv.add("appeals until", timeText(*d.AppealDeadline))
		kv.add("executable from", timeText(*d.ExecutableAt))
	}
	if ap := d.Appeal; ap != nil {
		kv.add("appeal", fmt.Sprintf("lodged %s by %d members", timeText(ap.LodgedAt), ap.Appellants))
		for _, b := range ap.Ballots {
			kv.add("appeal ballot "+string(b.House), b.Ballot)
		}
		if ap.Outcome != nil {
			kv.add("appeal outcome", ap.Outcome.Branch)
		}
	}
	if d.ExecutedAt != nil {
		kv.add("executed", fmt.Sprintf("%s by %s (transaction %s)", timeText(*d.ExecutedAt), actor(*d.ExecutedBy), d.ExecutedTxID))
	}
	if len(d.Effect) > 0 {
		kv.add("effect", string(d.Effect))
	}
	return kv.flush()
}
