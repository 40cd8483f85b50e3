package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"

	"github.com/spf13/cobra"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/errcode"
)

func (a *app) constitutionCmd() *cobra.Command {
	return group("constitution", "Read the constitution; the founding act (genesis)",
		a.constitutionShowCmd(), a.constitutionHistoryCmd(), a.genesisCmd(), a.constitutionDefaultCmd())
}

func (a *app) constitutionShowCmd() *cobra.Command {
	var version int64
	cmd := &cobra.Command{
		Use:   "show [--version N]",
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
		Use:   "history",
		Short: "List every adopted version, oldest first",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withClient(cmd, func(ctx context.Context, c gatewayAPI) error {
				h, err := c.ConstitutionHistory(ctx)
				if err != nil {
					return err
				}
				return a.out().print(h)
			})
		},
	}
}

func (a *app) constitutionDefaultCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "default",
		Short: "Show the default constitution document (what genesis draft uses without --constitution)",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withClient(cmd, func(ctx context.Context, c gatewayAPI) error {
				d, err := c.DefaultConstitution(ctx)
				if err != nil {
					return err
				}
				return a.out().print(d)
			})
		},
	}
}

// readDocument reads a constitution document strictly: unknown fields and
// trailing data are INVALID_ARGUMENT, as the chaincode would say.
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
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var d constitution.Document
	if err := dec.Decode(&d); err != nil {
		return nil, errcode.Invalidf("--file %s: not a constitution document: %v", file, err)
	}
	if dec.More() {
		return nil, errcode.Invalidf("--file %s: unexpected data after the document", file)
	}
	return &d, nil
}
