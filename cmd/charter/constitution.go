package main

import (
	"bytes"
	"context"
	"os"

	"github.com/spf13/cobra"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/strictjson"
)

func (a *app) constitutionCmd() *cobra.Command {
	return group("constitution", "Read the constitution; the founding act (genesis)",
		a.constitutionShowCmd(), a.constitutionHistoryCmd(), a.genesisCmd(), a.constitutionDefaultCmd())
}

func (a *app) constitutionShowCmd() *cobra.Command {
	var version int64
	cmd := &cobra.Command{
		Use: "show [--version N]",
		Example: `  charter constitution show
  charter constitution show --version 1`,
		Short: "Show the constitution in force, or one version of it",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			versionSet := cmd.Flags().Changed("version")
			if versionSet && version < 1 {
				return usagef("--version %d: versions start at 1", version)
			}
			return a.withClient(cmd, func(ctx context.Context, c gatewayAPI) error {
				var v *constitution.Version
				var err error
				if versionSet {
					v, err = c.ConstitutionVersion(ctx, version)
				} else {
					v, err = c.Constitution(ctx)
				}
				if err != nil {
					return err
				}
				return a.out().print(v)
			})
		},
	}
	cmd.Flags().Int64Var(&version, "version", 0, "version to show (default: the version in force)")
	return cmd
}

func (a *app) constitutionHistoryCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "history",
		Example: `  charter constitution history`,
		Short:   "List every adopted version, oldest first",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withClient(cmd, func(ctx context.Context, c gatewayAPI) error {
				h, err := c.ConstitutionHistory(ctx)
				return printResult(a, h, err)
			})
		},
	}
}

func (a *app) constitutionDefaultCmd() *cobra.Command {
	return &cobra.Command{
		Use: "default",
		Example: `  charter constitution default
  charter -o json constitution default > doc.json`,
		Short: "Show the default constitution document (what genesis draft uses without --constitution)",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withClient(cmd, func(ctx context.Context, c gatewayAPI) error {
				d, err := c.DefaultConstitution(ctx)
				return printResult(a, d, err)
			})
		},
	}
}

// readDocument reads a constitution document with the chaincode's own strict
// decoder (chaincode/strictjson): unknown, duplicate or case-folded names,
// trailing data, invalid escapes and null are INVALID_ARGUMENT, as the
// chaincode would say, before anything is sent.
func (a *app) readDocument(file string) (*constitution.Document, error) {
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
		return nil, errcode.Invalidf("--file: %v", err)
	}
	var d constitution.Document
	if err := strictjson.Decode("--file "+file+": constitution document", raw, 0, &d); err != nil {
		return nil, err
	}
	return &d, nil
}
