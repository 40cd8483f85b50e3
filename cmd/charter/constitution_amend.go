package main

import (
	"context"
	"strconv"

	"github.com/spf13/cobra"
)

// addConstitutionAmendCmds adds diff and propose-amendment to the
// constitution command.
func (a *app) addConstitutionAmendCmds(root *cobra.Command) {
	for _, c := range root.Commands() {
		if c.Name() == "constitution" {
			c.AddCommand(a.constitutionDiffCmd(), a.constitutionProposeAmendmentCmd())
		}
	}
}

func (a *app) constitutionDiffCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "diff V1 V2",
		Short: "Show what changed from version V1 to version V2",
		Long: `Show what changed from one adopted version of the constitution to another:
each changed value with its path, old and new value (fractions also as
percentages, durations also in days and hours).`,
		Example: `  charter constitution diff 1 2
  charter -o json constitution diff 1 3`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 2 {
				return usagef("%s takes two arguments: the versions to compare", cmd.CommandPath())
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			var vs [2]int64
			for i, s := range args {
				n, err := strconv.ParseInt(s, 10, 64)
				if err != nil || n < 1 {
					return usagef("version %q: want a whole number from 1", s)
				}
				vs[i] = n
			}
			return a.withDecisions(cmd, func(ctx context.Context, d decisionAPI) error {
				changes, err := d.ConstitutionDiff(ctx, vs[0], vs[1])
				return printResult(a, changes, err)
			})
		},
	}
}

func (a *app) constitutionProposeAmendmentCmd() *cobra.Command {
	var file, title, description string
	cmd := &cobra.Command{
		Use:   "propose-amendment --file doc.json --title TEXT",
		Short: "Propose an amendment: the whole amended document, decided like any decision",
		Long: `Propose a constitutional amendment. --file is the whole amended document (JSON,
as printed by 'charter -o json constitution show' under "document"; "-" reads
standard input). It is validated now and again when the amendment is executed;
the amendment is voted under the rules in force now, and, once passed and
past its timelock, 'charter decision execute ID' installs it as the next
version.`,
		Example: `  charter -o json constitution show | jq .document > doc.json   # edit doc.json
  charter --as labA-user1 constitution propose-amendment --file doc.json --title "Shorter mediation"`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			doc, err := a.readDocument(file)
			if err != nil {
				return err
			}
			return a.withDecisions(cmd, func(ctx context.Context, d decisionAPI) error {
				out, err := d.ProposeAmendment(ctx, title, description, *doc)
				return printResult(a, out, err)
			})
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&file, "file", "", "the amended constitution document (JSON; - for standard input)")
	fs.StringVar(&title, "title", "", "title of the amendment")
	fs.StringVar(&description, "description", "", "description")
	requireFlags(cmd, "title", "file")
	return cmd
}
