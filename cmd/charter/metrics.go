package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/charter-gov/charter/chaincode/incident"
	charter "github.com/charter-gov/charter/gateway-client"
	"github.com/charter-gov/charter/internal/metrics"
)

// metricsAPI is what the metrics and incident commands use of a client.
type metricsAPI interface {
	metrics.Ledger
	FileIncident(ctx context.Context, req incident.FileRequest) (*incident.Incident, error)
	AttachPostMortem(ctx context.Context, req incident.PostMortemRequest) (*incident.Incident, error)
	Incident(ctx context.Context, id string) (*incident.Incident, error)
	RecordFailedExecution(ctx context.Context, decisionID string) (*incident.Incident, error)
}

var _ metricsAPI = (*charter.Client)(nil)

func (a *app) withMetrics(cmd *cobra.Command, fn func(ctx context.Context, m metricsAPI) error) error {
	return withAPI(a, cmd, "the metrics and incident operations", fn)
}

// parseWhen reads a time flag: RFC 3339, or a date (YYYY-MM-DD, midnight
// UTC). Empty is the zero time.
func parseWhen(flag, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, nil
	}
	return time.Time{}, usagef("%s %q: want an RFC 3339 time (2026-11-30T12:00:00Z) or a date (2026-11-30)", flag, s)
}

func (a *app) metricsCmd() *cobra.Command {
	var from, to, svg, families string
	cmd := &cobra.Command{
		Use:   "metrics [--from TIME] [--to TIME] [--family F,...] [--svg FILE]",
		Short: "Governance metrics from the ledger (the paper's Table 1), per voting family and decision type",
		Long: `Compute the governance metrics of the paper's Table 1 from the ledger, per
voting family and per decision type, over [--from, --to) (default: from the
founding act to now):

  participation   distinct voters / members eligible for the ballots, and
                  distinct voters / active contributors (a contribution
                  attested in the 90 days before --to), in percent
  latency         proposal to final state (executed, rejected, overturned),
                  median and 90th percentile, in days
  legitimacy      mean answer of the 1-7 polls (polls naming a decision type
                  count for that type and its families)
  Gini, Nakamoto  concentration of the effective weights actually cast on
                  each ballot (after delegation), averaged over the ballots
  incidents       incident register records per year (and severity-weighted)

Reads are bounded: members, incidents and vote weights page by page. Output
as a table, JSON (-o json), and with --svg a chart laid out like Table 1.`,
		Example: `  charter metrics
  charter metrics --from 2026-01-01 --to 2027-01-01 --family token,reputation --svg metrics.svg
  charter -o json metrics`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opt := metrics.Options{}
			var err error
			if opt.From, err = parseWhen("--from", from); err != nil {
				return err
			}
			if opt.To, err = parseWhen("--to", to); err != nil {
				return err
			}
			if families != "" {
				for _, f := range strings.Split(families, ",") {
					f = strings.TrimSpace(f)
					if !contains(metrics.Families(), f) {
						return usagef("--family %q: unknown voting family (families: %s)", f, strings.Join(metrics.Families(), ", "))
					}
					opt.Families = append(opt.Families, f)
				}
			}
			if !opt.From.IsZero() && !opt.To.IsZero() && !opt.From.Before(opt.To) {
				return usagef("--from %s is not before --to %s", from, to)
			}
			return a.withMetrics(cmd, func(ctx context.Context, m metricsAPI) error {
				ds, err := metrics.Collect(ctx, m, time.Now().UTC())
				if err != nil {
					return err
				}
				r, err := metrics.Compute(ds, opt)
				if err != nil {
					return usagef("%v", err)
				}
				return a.writeReport(r, svg, metrics.ChartTitle)
			})
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&from, "from", "", "start of the range (RFC 3339 or YYYY-MM-DD; default: the founding act)")
	fs.StringVar(&to, "to", "", "end of the range, exclusive (default: now)")
	fs.StringVar(&families, "family", "", "only these voting families (comma-separated: "+strings.Join(metrics.Families(), ", ")+")")
	fs.StringVar(&svg, "svg", "", "also write the chart to this SVG file")
	return cmd
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// writeReport prints a report (table or JSON) and writes its chart.
func (a *app) writeReport(r *metrics.Report, svgPath, title string) error {
	if svgPath != "" {
		var b bytes.Buffer
		if err := metrics.WriteSVG(&b, r, title); err != nil {
			return err
		}
		if err := os.WriteFile(svgPath, b.Bytes(), 0o644); err != nil {
			return fmt.Errorf("write chart %s: %w", svgPath, err)
		}
	}
	if a.output == "json" {
		return a.out().print(r)
	}
	return metrics.WriteTable(a.stdout, r)
}

func (a *app) incidentCmd() *cobra.Command {
	return group("incident", "File governance incidents, attach post-mortems, list the register",
		a.incidentFileCmd(), a.incidentListCmd(), a.incidentShowCmd(), a.incidentPostMortemCmd(), a.incidentFailedExecutionCmd())
}

func (a *app) incidentFailedExecutionCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "failed-execution DECISION",
		Example: `  charter --as labA-user1 incident failed-execution d0123`,
		Short:   "Record that a passed decision's execution is refused (the chaincode checks it; any active member)",
		Long: `A refused execution commits nothing, so it cannot record itself. This
transaction has the chaincode run the decision's execution on a scratch copy
of the state: if the decision is passed and executable and the execution is
refused, one failed_execution incident is recorded for it (once per decision).`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("%s takes one argument: the decision ID", cmd.CommandPath())
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withMetrics(cmd, func(ctx context.Context, m metricsAPI) error {
				in, err := m.RecordFailedExecution(ctx, args[0])
				if err != nil {
					return err
				}
				return a.printIncidents([]incident.Incident{*in})
			})
		},
	}
}

func (a *app) incidentFileCmd() *cobra.Command {
	var req incident.FileRequest
	var kind, severity, occurred string
	var txs []string
	cmd := &cobra.Command{
		Use:   "file --kind KIND --severity SEV --summary TEXT --occurred-at TIME [--tx ID]... [--decision ID] [--subject KIND:ID] [--post-mortem LINK]",
		Short: "File a governance incident (holders of the constitution's incidents.filerRoles)",
		Long: `File a governance incident in the register. Kinds: ` + kindList() + `.
Severities: low, medium, high, critical.

Who may file is the constitution's incidents.filerRoles (default: House A,
guardians, any organisation's admin). A proposal a peer refused to endorse
(a forged timestamp) never reaches the ledger: the admin of the organisation
whose peer logged the refusal files it as refused_forged_timestamp, naming
the refused transaction ID with --tx.`,
		Example: `  charter --as labA-admin incident file --kind refused_forged_timestamp --severity medium \
      --summary "peer0.labA refused a proposal stamped 2 hours ahead" --occurred-at 2026-11-30T10:02:00Z --tx 3f2a…`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			t, err := parseWhen("--occurred-at", occurred)
			if err != nil {
				return err
			}
			req.Kind, req.Severity, req.OccurredAt, req.Transactions = incident.Kind(kind), incident.Severity(severity), t, txs
			return a.withMetrics(cmd, func(ctx context.Context, m metricsAPI) error {
				in, err := m.FileIncident(ctx, req)
				if err != nil {
					return err
				}
				return a.printIncidents([]incident.Incident{*in})
			})
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&kind, "kind", "", "incident kind")
	fs.StringVar(&severity, "severity", "", "low, medium, high or critical")
	fs.StringVar(&req.Summary, "summary", "", "what happened")
	fs.StringVar(&occurred, "occurred-at", "", "when it happened (RFC 3339)")
	fs.StringSliceVar(&txs, "tx", nil, "a transaction involved (repeatable)")
	fs.StringVar(&req.Decision, "decision", "", "the decision involved")
	fs.StringVar(&req.Subject, "subject", "", "what it concerns, KIND:ID (member:…, ballot:…, artifact:…)")
	fs.StringVar(&req.PostMortem, "post-mortem", "", "post-mortem link (https://…) or document hash (sha256:…)")
	requireFlags(cmd, "occurred-at")
	return cmd
}

func kindList() string {
	s := []string{}
	for _, k := range incident.Kinds() {
		s = append(s, string(k))
	}
	return strings.Join(s, ", ")
}

func (a *app) incidentListCmd() *cobra.Command {
	var kind, from, to string
	cmd := &cobra.Command{
		Use: "list [--kind KIND] [--from TIME] [--to TIME]",
		Example: `  charter incident list
  charter incident list --kind guardian_pause --from 2026-01-01T00:00:00Z`,
		Short: "List the incident register (page by page)",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			q := charter.IncidentQuery{Kind: incident.Kind(kind)}
			var err error
			if q.From, err = parseWhen("--from", from); err != nil {
				return err
			}
			if q.To, err = parseWhen("--to", to); err != nil {
				return err
			}
			return a.withMetrics(cmd, func(ctx context.Context, m metricsAPI) error {
				ins, err := m.Incidents(ctx, q)
				if err != nil {
					return err
				}
				return a.printIncidents(ins)
			})
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&kind, "kind", "", "only this kind")
	fs.StringVar(&from, "from", "", "only incidents that occurred at or after this time")
	fs.StringVar(&to, "to", "", "only incidents that occurred before this time")
	return cmd
}

func (a *app) incidentShowCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "show ID",
		Example: `  charter incident show i0001`,
		Short:   "Show one incident",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("%s takes one argument: the incident ID", cmd.CommandPath())
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withMetrics(cmd, func(ctx context.Context, m metricsAPI) error {
				in, err := m.Incident(ctx, args[0])
				if err != nil {
					return err
				}
				return a.printIncidents([]incident.Incident{*in})
			})
		},
	}
}

func (a *app) incidentPostMortemCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "post-mortem ID LINK",
		Example: `  charter --as foundation-admin incident post-mortem i0001 https://example.org/postmortems/1`,
		Short:   "Attach a post-mortem link to an incident that has none (a filer role)",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 2 {
				return usagef("%s takes two arguments: the incident ID and the post-mortem link", cmd.CommandPath())
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withMetrics(cmd, func(ctx context.Context, m metricsAPI) error {
				in, err := m.AttachPostMortem(ctx, incident.PostMortemRequest{ID: args[0], PostMortem: args[1]})
				if err != nil {
					return err
				}
				return a.printIncidents([]incident.Incident{*in})
			})
		},
	}
}

func (a *app) printIncidents(ins []incident.Incident) error {
	if a.output == "json" {
		if len(ins) == 1 {
			return a.out().print(ins[0])
		}
		return a.out().print(ins)
	}
	if len(ins) == 0 {
		_, err := fmt.Fprintln(a.stdout, "no incidents")
		return err
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tKIND\tSEVERITY\tOCCURRED\tSOURCE\tBY\tDECISION\tPOST-MORTEM\tSUMMARY")
	for _, in := range ins {
		src := string(in.Source)
		if in.FiledAs != "" {
			src += " as " + in.FiledAs
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", in.ID, in.Kind, in.Severity, in.OccurredAt.UTC().Format(time.RFC3339),
			src, in.RecordedBy.MSPID, dash(in.Decision), dash(in.PostMortem), in.Summary)
	}
	return tw.Flush()
}
