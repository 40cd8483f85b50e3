package main

import (
	"context"
	"strings"

	"github.com/spf13/cobra"

	"github.com/charter-gov/charter/chaincode/coi"
	"github.com/charter-gov/charter/chaincode/identity"
	charter "github.com/charter-gov/charter/gateway-client"
)

func (a *app) coiCmd() *cobra.Command {
	return group("coi", "Disclose conflicts of interest and list disclosures", a.coiDiscloseCmd(), a.coiListCmd())
}

func (a *app) coiDiscloseCmd() *cobra.Command {
	var subject, statement, hash, statementFile string
	var offLedger bool
	cmd := &cobra.Command{
		Use:   "disclose --subject KIND:ID (--statement TEXT | --statement-file FILE | --statement-sha256 HEX) [--off-ledger]",
		Short: "Disclose your conflict of interest on a subject (a public, permanent record)",
		Long: `Disclose the acting member's conflict of interest on a subject: an artifact, an
organisation, a proposal (a decision ID) or a grantee. Members with a disclosed
conflict on a decision's subject cannot vote on it.

The statement goes on the ledger with its SHA-256, unless --off-ledger (only
the hash is sent; keep the statement to prove it later) or --statement-sha256
(you computed the hash yourself).`,
		Example: `  charter --as labA-user1 coi disclose --subject artifact:model-x@sha256:ab12 --statement "I trained model-x at LabA"
  charter --as labA-user1 coi disclose --subject organisation:LabBMSP --statement-file advisory.txt --off-ledger`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			sub, err := parseSubject("--subject", subject)
			if err != nil {
				return err
			}
			if statementFile != "" {
				raw, err := a.readFileArg("--statement-file", statementFile)
				if err != nil {
					return err
				}
				statement = strings.TrimRight(string(raw), "\n")
			}
			req := coi.DiscloseRequest{Subject: sub, Statement: statement, StatementHash: hash}
			if offLedger {
				if statement == "" {
					return usagef("--off-ledger goes with --statement or --statement-file")
				}
				req = coi.DiscloseRequest{Subject: sub, StatementHash: coi.HashStatement(statement)}
			}
			return a.withDecisions(cmd, func(ctx context.Context, d decisionAPI) error {
				out, err := d.DiscloseConflict(ctx, req)
				return printResult(a, out, err)
			})
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&subject, "subject", "", "KIND:ID, KIND one of artifact, organisation, proposal, grantee")
	fs.StringVar(&statement, "statement", "", "the statement")
	fs.StringVar(&statementFile, "statement-file", "", "read the statement from a file (- for standard input)")
	fs.StringVar(&hash, "statement-sha256", "", "only the hex SHA-256 of a statement kept off the ledger")
	cmd.MarkFlagsOneRequired("statement", "statement-file", "statement-sha256")
	cmd.MarkFlagsMutuallyExclusive("statement", "statement-file", "statement-sha256")
	fs.BoolVar(&offLedger, "off-ledger", false, "send only the statement's SHA-256")
	return cmd
}

func (a *app) coiListCmd() *cobra.Command {
	var subject, kind string
	var size int
	var ref memberRef
	cmd := &cobra.Command{
		Use: "list (--subject KIND:ID | --member PROFILE | --cert FILE | --id ID) [--kind KIND]",
		Example: `  charter coi list --subject artifact:model-x@sha256:ab12
  charter coi list --member labA-user1 --kind artifact`,
		Short: "List the disclosures on a subject, or of a member",
		Long:  "List disclosures on a subject (--subject), or of a member.\n\n" + memberRefHelp,
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var q coi.ListRequest
			if subject != "" {
				sub, err := parseSubject("--subject", subject)
				if err != nil {
					return err
				}
				q.Subject = &sub
			} else {
				id, err := a.resolve(ref)
				if err != nil {
					return err
				}
				q.Member, q.Kind = &identity.Identity{MSPID: id.MSPID, ID: id.ID}, coi.Kind(kind)
			}
			n, err := pageSize(size)
			if err != nil {
				return err
			}
			q.PageSize = n
			return a.withDecisions(cmd, func(ctx context.Context, d decisionAPI) error {
				ds, err := charter.FollowPages("", func(bookmark string) ([]coi.Disclosure, string, error) {
					q.Bookmark = bookmark
					p, err := d.ConflictsPage(ctx, q)
					if err != nil {
						return nil, "", err
					}
					return p.Disclosures, p.Bookmark, nil
				})
				if err != nil {
					return err
				}
				return a.out().print(ds)
			})
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&subject, "subject", "", "KIND:ID")
	fs.StringVar(&kind, "kind", "", "with a member: only this subject kind")
	pageSizeFlag(fs, &size, "disclosures")
	a.bindMember(cmd, &ref, false)
	cmd.MarkFlagsOneRequired("subject", "member", "cert", "id")
	for _, f := range []string{"member", "cert", "id", "kind"} {
		cmd.MarkFlagsMutuallyExclusive("subject", f)
	}
	return cmd
}
