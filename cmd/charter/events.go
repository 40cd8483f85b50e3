package main

import (
	"context"
	"errors"

	"github.com/spf13/cobra"

	charter "github.com/charter-gov/charter/gateway-client"
)

func (a *app) eventsCmd() *cobra.Command {
	return group("events", "Watch the chaincode's events", a.eventsWatchCmd())
}

func (a *app) eventsWatchCmd() *cobra.Command {
	var fromBlock uint64
	var count int
	cmd := &cobra.Command{
		Use: "watch [--from-block N] [--count N]",
		Example: `  charter events watch
  charter events watch --from-block 0 --count 20
  charter events watch --checkpoint ~/.charter-events.json`,
		Short: "Print events as they are committed (text: one line each; json: one object per line)",
		Long: `Print Charter's chaincode events as they are committed, from --from-block or
from the next block. Runs until interrupted, or until --count events were
printed. --timeout limits only connecting.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if count < 0 {
				return usagef("--count %d: want a positive number (0: no limit)", count)
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
			return a.connectAndRun(cmd.Context(), cfg, func(ctx context.Context, c gatewayAPI) error {
				return a.watch(ctx, c, opts, count)
			})
		},
	}
	cmd.Flags().Uint64Var(&fromBlock, "from-block", 0, "first block to read events from (default: the next block)")
	cmd.Flags().IntVar(&count, "count", 0, "stop after this many events (default: no limit)")
	return cmd
}

// watch prints events until count were printed (0: no limit) or ctx ends.
// A stream the peer ends on its own is an UNAVAILABLE error.
func (a *app) watch(ctx context.Context, c gatewayAPI, opts charter.WatchOptions, count int) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	events, err := c.WatchEvents(ctx, opts)
	if err != nil {
		return err
	}
	out := a.out()
	seen := 0
	for ev := range events {
		if err := out.print(ev); err != nil {
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
