package main

import (
	"context"
	"errors"
	"strings"

	"github.com/spf13/cobra"

	charter "github.com/charter-gov/charter/gateway-client"
)

func (a *app) eventsCmd() *cobra.Command {
	return group("events", "Watch the chaincode's events", a.eventsWatchCmd())
}

func (a *app) eventsWatchCmd() *cobra.Command {
	var fromBlock uint64
	var count int
	var alert int64
	var webhook string
	cmd := &cobra.Command{
		Use:   "watch [--from-block N] [--count N] [--alert AMOUNT [--webhook URL]]",
		Short: "Print events as they are committed (text: one line each; json: one object per line)",
		Long: `Print Charter's chaincode events as they are committed, from --from-block or
from the next block. Runs until interrupted, or until --count events were
printed. --timeout limits only connecting.

--alert AMOUNT prints only treasury alerts: a spend proposed, queued or executed,
a deposit or an issuance of at least AMOUNT units; and, whatever the amount, a
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
	cmd.Flags().Int64Var(&alert, "alert", 0, "print only treasury alerts: movements of at least this amount, and unusual spends")
	cmd.Flags().StringVar(&webhook, "webhook", "", "with --alert, also POST each alert as JSON to this URL")
	return cmd
}

// watch prints events until count were printed (0: no limit) or ctx ends.
// A stream the peer ends on its own is an UNAVAILABLE error.
func (a *app) watch(ctx context.Context, c gatewayAPI, opts charter.WatchOptions, count int) error {
	return a.watchFiltered(ctx, c, opts, count, nil)
}

// watchFiltered is watch printing, instead of each event, what filter
// makes of it (nothing when it returns false); nil prints every event.
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
		if filter != nil {
			var ok bool
			if v, ok = filter(ev); !ok {
				continue
			}
		}
		if err := out.print(v); err != nil {
			return err
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
