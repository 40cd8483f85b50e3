package main

import (
	"context"

	"github.com/spf13/cobra"
)

func (a *app) whoamiCmd() *cobra.Command {
	return &cobra.Command{
		Use: "whoami",
		Example: `  charter --as labA-user1 whoami
  charter -o json whoami | jq .identity`,
		Short: "Show the acting identity, whether it is an organisation admin, and its member record",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withClient(cmd, func(ctx context.Context, c gatewayAPI) error {
				w, err := c.Whoami(ctx)
				return printResult(a, w, err)
			})
		},
	}
}

// noArgs refuses positional arguments with a usage error.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usagef("%s takes no arguments, got %q", cmd.CommandPath(), args)
	}
	return nil
}

// group returns a command that only holds subcommands.
func group(use, short string, subs ...*cobra.Command) *cobra.Command {
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return usagef("%s needs a subcommand (see %s --help)", cmd.CommandPath(), cmd.CommandPath())
		},
	}
	cmd.AddCommand(subs...)
	return cmd
}
