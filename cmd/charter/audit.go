package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/charter-gov/charter/chaincode/identity"
	charter "github.com/charter-gov/charter/gateway-client"
	"github.com/charter-gov/charter/gateway-client/audit"
)

// auditAPI is what audit export needs of a *charter.Client beyond
// gatewayAPI.
type auditAPI = audit.BlockClient

var _ auditAPI = (*charter.Client)(nil)

func (a *app) auditCmd() *cobra.Command {
	return group("audit", "Export the ledger for auditors; verify, cross-check and replay an export offline",
		a.auditExportCmd(), a.auditVerifyCmd(), a.auditCrossCheckCmd(), a.auditReplayCmd())
}

func (a *app) auditExportCmd() *cobra.Command {
	var (
		out             string
		f               audit.Filter
		since, until    string
		checkpointEvery int
		quiet           bool
		throttle        time.Duration
	)
	cmd := &cobra.Command{
		Use:     "export --out DIR [filters]",
		Example: `  charter --as labB-user1 audit export --out /tmp/audit`,
		Short:   "Export every block and a decoded record of every transaction into DIR",
		Long: `Stream the channel's blocks from the --as profile's peer (fabric-gateway block
events) from block 0 to the chain's height at the start (or --to-block) into
DIR: blocks.bin (every block, whole), headers.jsonl, transactions.jsonl and
transactions.csv (decoded transactions), and last manifest.json (per-block
digests, file digests, and the height and current block hash that each
organisation's peer reports). See docs/audit-format.md.

Run it again on the same DIR to resume an interrupted export: it continues
from the last checkpoint with no gap and no duplicate.

Filters select the transaction records (blocks are always complete, so that
the chain verifies): --from-block/--to-block, --since/--until (RFC 3339),
--decision, --artifact and --member (repeatable; a term matches a written
key's attribute, an argument or a JSON string in an argument or event).

--timeout limits only connecting. Progress goes to stderr.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return usagef("--out: the export directory is required")
			}
			var err error
			if f.From, err = parseTimeFlag("--since", since); err != nil {
				return err
			}
			if f.To, err = parseTimeFlag("--until", until); err != nil {
				return err
			}
			if f.ToBlock > 0 && f.ToBlock < f.FromBlock {
				return usagef("--to-block %d is before --from-block %d", f.ToBlock, f.FromBlock)
			}
			profiles, err := a.loadProfiles()
			if err != nil {
				return err
			}
			prof, err := profiles.Profile(a.as)
			if err != nil {
				return usagef("--as: %v", err)
			}
			cfg, err := a.config()
			if err != nil {
				return err
			}
			cfg.DialTimeout = a.timeout
			return a.connectAndRun(cmd.Context(), cfg, func(ctx context.Context, c gatewayAPI) error {
				ac, ok := c.(auditAPI)
				if !ok {
					return fmt.Errorf("audit export: this connection cannot read blocks")
				}
				var exporter audit.Identity
				if idc, ok := c.(interface{ Identity() identity.Identity }); ok {
					exporter = audit.Identity{MSPID: idc.Identity().MSPID, ID: idc.Identity().ID}
				}
				src := audit.NewClientSource(ac, profiles, prof.Peer)
				src.Throttle = throttle
				opts := audit.Options{
					Dir: out, Channel: cfg.Channel, Chaincode: cfg.Chaincode,
					Source: cfg.PeerEndpoint, SourceMSP: profiles.Peers[prof.Peer].MSPID,
					Exporter: exporter,
					Filter:   f, CheckpointEvery: checkpointEvery,
				}
				if !quiet {
					opts.Progress = progressPrinter(a.stderr)
				}
				m, err := audit.Export(ctx, src, opts)
				if !quiet {
					fmt.Fprintln(a.stderr)
				}
				if err != nil {
					return err
				}
				return a.printManifest(out, m)
			})
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&out, "out", "", "export directory (created; an unfinished export there is resumed)")
	fl.Uint64Var(&f.FromBlock, "from-block", 0, "first block whose transactions are recorded")
	fl.Uint64Var(&f.ToBlock, "to-block", 0, "last block exported (default: the chain's height at the start, less one)")
	fl.StringVar(&since, "since", "", "record transactions from this time (RFC 3339)")
	fl.StringVar(&until, "until", "", "record transactions up to this time (RFC 3339)")
	fl.StringArrayVar(&f.Decisions, "decision", nil, "record transactions that mention this decision (repeatable)")
	fl.StringArrayVar(&f.Artifacts, "artifact", nil, "record transactions that mention this artifact (repeatable)")
	fl.StringArrayVar(&f.Members, "member", nil, "record transactions by or mentioning this member: MSP/ID, ID or any term (repeatable)")
	fl.IntVar(&checkpointEvery, "checkpoint-every", 50, "blocks between checkpoints")
	fl.BoolVar(&quiet, "quiet", false, "no progress display")
	fl.DurationVar(&throttle, "throttle", 0, "pause between blocks, to spare a busy peer (e.g. 5ms)")
	return cmd
}

func parseTimeFlag(name, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, usagef("%s %q: want an RFC 3339 time, e.g. 2026-11-30T12:00:00Z", name, v)
	}
	return t.UTC(), nil
}

// progressPrinter redraws one progress line on w, at most five times a
// second and for the last block.
func progressPrinter(w io.Writer) func(audit.Progress) {
	var last time.Time
	return func(p audit.Progress) {
		now := time.Now()
		if now.Sub(last) < 200*time.Millisecond && p.Block != p.Last {
			return
		}
		last = now
		pct := 100 * float64(p.Block+1) / float64(p.Last+1)
		rate := ""
		if s := p.Elapsed.Seconds(); s > 0 {
			rate = fmt.Sprintf(", %.0f blocks/s", float64(p.Block+1-p.ResumedFromBlock)/s)
		}
		resumed := ""
		if p.Resumed {
			resumed = fmt.Sprintf(" (resumed at block %d)", p.ResumedFromBlock)
		}
		fmt.Fprintf(w, "\rexport: block %d/%d (%.0f%%), %d transactions, %d records%s%s   ", p.Block, p.Last, pct, p.Txs, p.Records, rate, resumed)
	}
}

func (a *app) printManifest(dir string, m *audit.Manifest) error {
	if a.output == "json" {
		return a.out().print(m)
	}
	fmt.Fprintf(a.stdout, "exported %s: blocks 0..%d of channel %s from %s (%s), %d transactions, %d records\n", dir, m.LastBlock, m.Channel, m.Source, m.SourceMSP, m.TxCount, m.RecordCount)
	fmt.Fprintf(a.stdout, "last header hash %s\n", m.LastHeaderHash)
	for _, p := range m.Peers {
		if p.Error != "" {
			fmt.Fprintf(a.stdout, "  peer %s (%s): not reachable: %s\n", p.MSPID, p.Address, p.Error)
			continue
		}
		fmt.Fprintf(a.stdout, "  peer %s (%s): height %d, current block hash %s\n", p.MSPID, p.Address, p.Height, p.CurrentBlockHash)
	}
	return nil
}

func (a *app) auditVerifyCmd() *cobra.Command {
	var workers int
	cmd := &cobra.Command{
		Use:     "verify DIR",
		Example: `  charter audit verify /tmp/audit`,
		Short:   "Verify an export offline; print what was checked, or the first break",
		Long: `Verify an export directory without any network: consecutive block numbers;
each header's data hash; the previous-hash chain; the last header hash against
the manifest and what each organisation's peer reported; transaction IDs from
nonce and creator; creator, endorsement and orderer signatures (ECDSA, low S)
with certificates chaining to the MSPs of the channel's configuration blocks;
the decoded files and digests against the blocks. Fails on the first break,
naming the block and transaction.`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rep, err := audit.Verify(args[0], audit.VerifyOptions{Workers: workers})
			if err != nil {
				return fmt.Errorf("audit verify %s: %w", args[0], err)
			}
			if a.output == "json" {
				return a.out().print(rep)
			}
			fmt.Fprintf(a.stdout, "verified %s: channel %s, %d blocks, %d transactions (%d valid), in %s\n", rep.Dir, rep.Channel, rep.Blocks, rep.Transactions, rep.ValidTx, rep.Elapsed.Round(time.Millisecond))
			for _, c := range rep.Checks {
				fmt.Fprintf(a.stdout, "  ok  %s\n", c)
			}
			return nil
		},
	}
	cmd.Flags().IntVar(&workers, "workers", 0, "signature-checking workers (default: one per CPU)")
	return cmd
}

func (a *app) auditCrossCheckCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "crosscheck DIR-A DIR-B",
		Example: `  charter audit crosscheck /tmp/audit /tmp/audit-foundation`,
		Short:   "Verify two exports (from two organisations' peers) and compare their headers and validation codes",
		Args:    exactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, d := range args {
				if _, err := audit.Verify(d, audit.VerifyOptions{}); err != nil {
					return fmt.Errorf("audit crosscheck: verify %s: %w", d, err)
				}
			}
			rep, err := audit.CrossCheck(args[0], args[1])
			if err != nil {
				return fmt.Errorf("audit crosscheck: %w", err)
			}
			if a.output == "json" {
				return a.out().print(rep)
			}
			fmt.Fprintf(a.stdout, "both exports verify; %s (%s) and %s (%s) agree on %d block headers and the validation codes of %d transactions\n",
				args[0], strings.TrimSpace(rep.SourceA), args[1], strings.TrimSpace(rep.SourceB), rep.Blocks, rep.Transactions)
			if rep.LastA != rep.LastB {
				fmt.Fprintf(a.stdout, "  (the exports end at blocks %d and %d; the common blocks were compared)\n", rep.LastA, rep.LastB)
			}
			return nil
		},
	}
}

// errReplayMismatch is returned when a replayed outcome differs.
var errReplayMismatch = errors.New("replayed outcomes differ from the ledger's")

func (a *app) auditReplayCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "replay DIR",
		Example: `  charter audit replay /tmp/audit`,
		Short:   "Rebuild world state from an export and re-run every tally, close, conclusion and execution",
		Long: `Rebuild the chaincode's world state from the export's write sets (valid
transactions, in block order) and, before each ballot:Tally, ballot:Close,
decision:Conclude and decision:Execute, re-run the chaincode's own domain code
on that state with the recorded arguments, caller and time. Its writes and
event must equal the recorded ones; tally results and verdicts are printed
side by side. Verify the export first: replay trusts its blocks.`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rep, err := audit.Replay(args[0])
			if err != nil {
				return fmt.Errorf("audit replay %s: %w", args[0], err)
			}
			if a.output == "json" {
				if err := a.out().print(rep); err != nil {
					return err
				}
			} else {
				fmt.Fprintf(a.stdout, "replayed %s: %d valid transactions applied (%d state keys), %d re-executed\n", args[0], rep.Applied, rep.Keys, rep.Replayed)
				fns := make([]string, 0, len(rep.ByFunction))
				for f := range rep.ByFunction {
					fns = append(fns, f)
				}
				sort.Strings(fns)
				for _, f := range fns {
					fmt.Fprintf(a.stdout, "  %-18s %d re-executed, writes and event identical\n", f, rep.ByFunction[f])
				}
				for _, o := range rep.Outcomes {
					mark := "equal"
					if !o.Match {
						mark = "DIFFERENT"
					}
					fmt.Fprintf(a.stdout, "  %s %s (block %d, %s): %s\n    ledger   %s\n    replayed %s\n", o.Kind, o.ID, o.Block, o.Function, mark, o.Recorded, o.Replayed)
				}
			}
			if rep.Mismatches > 0 {
				return fmt.Errorf("audit replay %s: %d %w", args[0], rep.Mismatches, errReplayMismatch)
			}
			return nil
		},
	}
}

// exactArgs requires n positional arguments.
func exactArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return usagef("%s takes %d argument(s), got %d (see %s --help)", cmd.CommandPath(), n, len(args), cmd.CommandPath())
		}
		return nil
	}
}
