package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
)

// withAPI connects as the --as profile and runs fn with the connection as
// API; offers names what API is in the error when the connection is not one.
func withAPI[API any](a *app, cmd *cobra.Command, offers string, fn func(ctx context.Context, api API) error) error {
	return a.withClient(cmd, func(ctx context.Context, c gatewayAPI) error {
		api, ok := c.(API)
		if !ok {
			return fmt.Errorf("this connection does not offer %s (%T)", offers, c)
		}
		return fn(ctx, api)
	})
}

// cmdSpec is what a command built by idCmd shows: its usage, help, example
// and the check of its one argument.
type cmdSpec struct {
	Use, Short, Long, Example string
	Args                      cobra.PositionalArgs
}

// idCmd builds a command that takes one ID, calls one method of an API
// (a method expression such as roundAPI.PayRound) with it through with,
// and prints the result.
func idCmd[API, T any](a *app, with func(*cobra.Command, func(context.Context, API) error) error,
	spec cmdSpec, call func(API, context.Context, string) (T, error)) *cobra.Command {
	return &cobra.Command{
		Use: spec.Use, Short: spec.Short, Long: spec.Long, Example: spec.Example, Args: spec.Args,
		RunE: func(cmd *cobra.Command, args []string) error {
			return with(cmd, func(ctx context.Context, api API) error {
				out, err := call(api, ctx, args[0])
				return printResult(a, out, err)
			})
		},
	}
}

// idReasonCmd is idCmd for a method that also takes the required --reason.
func idReasonCmd[API, T any](a *app, with func(*cobra.Command, func(context.Context, API) error) error,
	spec cmdSpec, call func(api API, ctx context.Context, id, reason string) (T, error)) *cobra.Command {
	var reason string
	cmd := idCmd(a, with, spec, func(api API, ctx context.Context, id string) (T, error) {
		return call(api, ctx, id, reason)
	})
	cmd.Flags().StringVar(&reason, "reason", "", "why (required)")
	requireFlags(cmd, "reason")
	return cmd
}
