package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hyperledger/fabric-gateway/pkg/client"

	"github.com/spf13/cobra"

	charter "github.com/charter-gov/charter/gateway-client"
)

func (a *app) eventsCmd() *cobra.Command {
	return group("events", "Watch the chaincode's events", a.eventsWatchCmd())
}

func (a *app) eventsWatchCmd() *cobra.Command {
	var fromBlock uint64
	var count int
	var checkpoint string
	var alert int64
	var webhook string
	cmd := &cobra.Command{
		Use: "watch [--from-block N] [--count N] [--checkpoint FILE] [--alert AMOUNT [--webhook URL]]",
		Example: `  charter events watch
  charter events watch --from-block 0 --count 20
  charter events watch --checkpoint ~/.charter-events.json
  charter events watch --alert 100000 --webhook https://ops.example/hooks/treasury`,
		Short: "Print events as they are committed (text: one line each; json: one object per line)",
		Long: `Print Charter's chaincode events as they are committed, from --from-block or
from the next block. Runs until interrupted, or until --count events were
printed. --timeout limits only connecting.

With --checkpoint FILE the watch records each event in FILE once it is
printed, and a later watch with the same FILE resumes just after it: stop the
watcher (or lose it) at any point and restart it, and it prints exactly the
events it had not printed. A new FILE starts at --from-block (or the next
block); once FILE has recorded an event, --from-block is refused.

--alert AMOUNT prints only treasury alerts: a spend proposed, queued or executed,
a deposit recorded or confirmed or an issuance of at least AMOUNT units; and, whatever the amount, a
spend that pays its own proposer, a spend cancelled, and a treasury_spend decision
queueing a spend. --webhook URL also POSTs each alert as JSON to URL (a failed post
is reported on stderr and the watch goes on). --count then counts alerts.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if count < 0 {
				return usagef("--count %d: want a positive number (0: no limit)", count)
			}
			if cmd.Flags().Changed("alert") && alert < 1 {
				return usagef("--alert %d: want a positive amount", alert)
			}
			if webhook != "" && !cmd.Flags().Changed("alert") {
				return usagef("--webhook goes with --alert")
			}
			if webhook != "" && !strings.HasPrefix(webhook, "http://") && !strings.HasPrefix(webhook, "https://") {
				return usagef("--webhook %q: want an http:// or https:// URL", webhook)
			}
			var opts charter.WatchOptions
			if cmd.Flags().Changed("from-block") {
				opts.StartBlock = &fromBlock
			}
			cfg, err := a.config()
			if err != nil {
				return err
			}
			var cp *client.FileCheckpointer
			if checkpoint != "" {
				if cp, err = charter.OpenCheckpoint(checkpoint); err != nil {
					return err
				}
				defer func() {
					if err := cp.Close(); err != nil {
						a.logger.Warn("closing checkpoint", "file", checkpoint, "err", err)
					}
				}()
				if cp.BlockNumber() != 0 || cp.TransactionID() != "" {
					if opts.StartBlock != nil {
						return usagef("--from-block %d: the checkpoint %s already resumes at block %d; drop --from-block, or remove the file to start over", fromBlock, checkpoint, cp.BlockNumber())
					}
					a.logger.Debug("resuming", "checkpoint", checkpoint, "block", cp.BlockNumber(), "after", cp.TransactionID())
				}
				opts.Checkpoint = cp
			}
			// The watch runs until interrupted; --timeout bounds connecting.
			cfg.DialTimeout = a.timeout
			var filter func(charter.Event) (any, bool)
			if cmd.Flags().Changed("alert") {
				filter = a.alertFilter(alert, webhook)
			}
			return a.connectAndRun(cmd.Context(), cfg, func(ctx context.Context, c gatewayAPI) error {
				return a.watchFiltered(ctx, c, opts, count, filter)
			})
		},
	}
	cmd.Flags().Uint64Var(&fromBlock, "from-block", 0, "first block to read events from (default: the next block)")
	cmd.Flags().IntVar(&count, "count", 0, "stop after this many events (default: no limit)")
	cmd.Flags().StringVar(&checkpoint, "checkpoint", "", "record printed events in FILE and resume after the last one (created when missing)")
	cmd.Flags().Int64Var(&alert, "alert", 0, "print only treasury alerts: movements of at least this amount, and unusual spends")
	cmd.Flags().StringVar(&webhook, "webhook", "", "with --alert, also POST each alert as JSON to this URL")
	return cmd
}

// watchFiltered prints events until count were printed (0: no limit) or
// ctx ends; with a filter it prints, instead of each event, what filter
// makes of it (nothing when it returns false); nil prints every event. A
// stream the peer ends on its own is an UNAVAILABLE error.
func (a *app) watchFiltered(ctx context.Context, c gatewayAPI, opts charter.WatchOptions, count int, filter func(charter.Event) (any, bool)) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	events, err := c.WatchEvents(ctx, opts)
	if err != nil {
		return err
	}
	out := a.out()
	seen := 0
	for ev := range events {
		var v any = ev
		printed := true
		if filter != nil {
			v, printed = filter(ev)
		}
		if printed {
			if err := out.print(v); err != nil {
				return err
			}
		}
		// Handled (printed, or filtered out): a resumed watch starts after it.
		if opts.Checkpoint != nil {
			if err := opts.Checkpoint.CheckpointTransaction(ev.BlockNumber, ev.TxID); err != nil {
				return fmt.Errorf("record event of transaction %s in the checkpoint: %w", ev.TxID, err)
			}
		}
		if !printed {
			continue
		}
		seen++
		if count > 0 && seen >= count {
			return nil
		}
	}
	if ctx.Err() != nil {
		return nil // interrupted: a normal end of a watch
	}
	return &charter.Error{Code: charter.CodeUnavailable, Message: "the peer ended the event stream", Err: errors.New("event stream closed")}
}
