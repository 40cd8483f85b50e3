package main

import (
	"context"

	"github.com/spf13/cobra"

	charter "github.com/charter-gov/charter/gateway-client"
)

// txAPI is what the tx commands need of a connection.
type txAPI interface {
	TransactionStatus(ctx context.Context, txID string) (*charter.TxStatus, error)
}

var _ txAPI = (*charter.Client)(nil)

func (a *app) txCmd() *cobra.Command {
	status := &cobra.Command{
		Use:   "status TXID",
		Short: "Look a transaction up on the ledger: committed, invalid, or not found",
		Long: "Look a transaction up on the ledger by its ID. Use it to settle an UNKNOWN_OUTCOME (exit 7)\n" +
			"before submitting again: a VALID transaction must not be resubmitted; an invalid one changed\n" +
			"nothing; one that is not found may still arrive, so check again shortly.",
		Example: "  charter tx status 961cdd5a405de8ef05c304d89016c48e7b71591105694f618a3c31d0166e72fb",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("%s takes one argument: the transaction ID", cmd.CommandPath())
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return withAPI(a, cmd, "ledger look-ups", func(ctx context.Context, t txAPI) error {
				st, err := t.TransactionStatus(ctx, args[0])
				return printResult(a, st, err)
			})
		},
	}
	return group("tx", "Transactions on the ledger", status)
}
