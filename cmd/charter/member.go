package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/charter-gov/charter/chaincode/contribution"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/membership"
	charter "github.com/charter-gov/charter/gateway-client"
)

func (a *app) memberCmd() *cobra.Command {
	return group("member", "Register, rename, remove and look up plain members; vouch for members of other organisations",
		a.memberAddCmd(), a.memberUpdateCmd(), a.memberRemoveCmd(), a.memberShowCmd(), a.memberListCmd(),
		a.memberVouchCmd(), a.memberUnvouchCmd(), a.memberVouchesCmd(), a.memberEnrollCmd(), a.memberRevokeCmd())
}

// memberRef is how a command names a member: by a profile of the
// profiles file, by a certificate file, or by MSP and certificate
// identity. (The flag was --profile before it was --member; the old
// spelling is still accepted, see flagAliases.)
type memberRef struct {
	profile string // --member
	cert    string
	msp     string
	id      string
}

const memberRefHelp = `Name the member by one of:
  --member PROFILE      a profile's certificate and MSP (charter profile list)
  --cert FILE [--msp M] a PEM certificate (MSP defaults to the acting profile's)
  --id ID [--msp M]     a certificate identity "x509::<subject>::<issuer>"`

// flags registers the member flags on fs. Prefer bindMember, which also tells
// cobra which combinations are valid.
func (r *memberRef) flags(fs *pflag.FlagSet) {
	fs.StringVar(&r.profile, "member", "", "the member is this profile's identity (see charter profile list)")
	fs.StringVar(&r.cert, "cert", "", "the member's PEM certificate file")
	fs.StringVar(&r.msp, "msp", "", "the member's MSP ID (with --cert or --id; default: the acting profile's)")
	fs.StringVar(&r.id, "id", "", `the member's certificate identity ("x509::<subject>::<issuer>")`)
}

// bindMember registers the member flags on cmd: --member, --cert and --id
// exclude each other, --msp does not go with --member, and when required
// one of the three must be given. --member completes profile names.
func (a *app) bindMember(cmd *cobra.Command, r *memberRef, required bool) {
	r.flags(cmd.Flags())
	cmd.MarkFlagsMutuallyExclusive("member", "cert", "id")
	cmd.MarkFlagsMutuallyExclusive("member", "msp")
	if required {
		cmd.MarkFlagsOneRequired("member", "cert", "id")
	}
	_ = cmd.RegisterFlagCompletionFunc("member", a.completeProfiles)
}

// check validates the combination of flags without touching files (bind
// makes cobra check the same before the command runs).
func (r *memberRef) check() error {
	n := 0
	for _, s := range []string{r.profile, r.cert, r.id} {
		if s != "" {
			n++
		}
	}
	switch {
	case n == 0:
		return usagef("name the member with --member, --cert or --id")
	case n > 1:
		return usagef("--member, --cert and --id exclude each other")
	case r.profile != "" && r.msp != "":
		return usagef("--msp goes with --cert or --id; a profile has its own MSP")
	}
	return nil
}

// resolve returns the member's identity.
func (a *app) resolve(r memberRef) (identity.Identity, error) {
	if r.profile != "" {
		p, err := a.loadProfiles()
		if err != nil {
			return identity.Identity{}, err
		}
		prof, err := p.Profile(r.profile)
		if err != nil {
			return identity.Identity{}, usagef("--member: %v", err)
		}
		return certIdentity(prof.MSPID, prof.CertPath)
	}
	msp := r.msp
	if msp == "" {
		cfg, err := a.config()
		if err != nil {
			return identity.Identity{}, err
		}
		msp = cfg.MSPID
	}
	if r.cert != "" {
		return certIdentity(msp, r.cert)
	}
	id := identity.Identity{MSPID: msp, ID: r.id}
	if err := id.Validate(); err != nil {
		return identity.Identity{}, fmt.Errorf("--id: %w", err)
	}
	return id, nil
}

func certIdentity(msp, path string) (identity.Identity, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return identity.Identity{}, errcode.Invalidf("certificate: %v", err)
	}
	id, err := identity.FromPEM(msp, pem)
	if err != nil {
		return identity.Identity{}, fmt.Errorf("certificate %s: %w", path, err)
	}
	return id, nil
}

// attesterCategories converts flag values; the chaincode validates them and
// names any unknown category.
func attesterCategories(names []string) []contribution.Category {
	if len(names) == 0 {
		return nil
	}
	out := make([]contribution.Category, len(names))
	for i, n := range names {
		out[i] = contribution.Category(strings.TrimSpace(n))
	}
	return out
}

// parseRoles checks role names against the known roles.
func parseRoles(names []string) ([]membership.Role, error) {
	out := make([]membership.Role, 0, len(names))
	for _, n := range names {
		n = strings.TrimSpace(n)
		if n == "" {
			continue
		}
		r := membership.Role(n)
		if !r.Valid() {
			known := make([]string, 0, len(membership.AllRoles()))
			for _, k := range membership.AllRoles() {
				known = append(known, string(k))
			}
			return nil, usagef("--roles: unknown role %q (known: %s)", n, strings.Join(known, ", "))
		}
		out = append(out, r)
	}
	return out, nil
}

// memberRefSpec describes a command that acts on one member named by a
// memberRef, optionally with one required text flag (--name, --reason).
type memberRefSpec struct {
	use, short, long, example string
	// textFlag names a required text flag; textUsage is its help.
	textFlag, textUsage string
}

// memberRefCmd builds a command from spec: cobra checks the member
// reference and the required text flag (bindMember, requireFlags); it
// resolves the member and calls act with its identity and the text. Every
// command that names one member is built here.
func (a *app) memberRefCmd(spec memberRefSpec, act func(cmd *cobra.Command, id identity.Identity, text string) error) *cobra.Command {
	var ref memberRef
	var text string
	cmd := &cobra.Command{
		Use:     spec.use,
		Short:   spec.short,
		Long:    spec.long + "\n\n" + memberRefHelp,
		Example: spec.example,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			id, err := a.resolve(ref)
			if err != nil {
				return err
			}
			return act(cmd, id, text)
		},
	}
	a.bindMember(cmd, &ref, true)
	if spec.textFlag != "" {
		cmd.Flags().StringVar(&text, spec.textFlag, "", spec.textUsage)
		requireFlags(cmd, spec.textFlag)
	}
	return cmd
}

// printResult prints v unless err is set.
func printResult[T any](a *app, v T, err error) error {
	if err != nil {
		return err
	}
	return a.out().print(v)
}

func (a *app) memberAddCmd() *cobra.Command {
	return a.memberRefCmd(memberRefSpec{
		use:   "add (--member PROFILE | --cert FILE [--msp MSP] | --id ID [--msp MSP]) --name NAME",
		short: "Register a plain member of the acting admin's organisation",
		long: "Register a plain member of the acting admin's organisation (or re-admit a removed one).\n" +
			"An organisation admin grants no role: House A seats come from the genesis or seat_confirmation\n" +
			"decisions, the other roles from the genesis or role decisions.",
		example: `  charter --as labA-admin member add --member labA-user1 --name "Ada"
  charter --as labA-admin member add --cert ada.pem --name "Ada"`,
		textFlag: "name", textUsage: "the member's name (required)",
	}, func(cmd *cobra.Command, id identity.Identity, name string) error {
		return a.withClient(cmd, func(ctx context.Context, c gatewayAPI) error {
			m, err := c.RegisterMember(ctx, membership.RegisterRequest{Member: id, Name: name})
			return printResult(a, m, err)
		})
	})
}

func (a *app) memberUpdateCmd() *cobra.Command {
	return a.memberRefCmd(memberRefSpec{
		use:      "update (--member PROFILE | --cert FILE [--msp MSP] | --id ID [--msp MSP]) --name NAME",
		short:    "Rename an active member (roles change only by decision)",
		long:     "Rename an active member of the acting admin's organisation. Roles do not change this way.",
		example:  `  charter --as labA-admin member update --member labA-user1 --name "Ada Lovelace"`,
		textFlag: "name", textUsage: "the new name (required)",
	}, func(cmd *cobra.Command, id identity.Identity, name string) error {
		return a.withClient(cmd, func(ctx context.Context, c gatewayAPI) error {
			m, err := c.UpdateMember(ctx, membership.UpdateRequest{Member: id, Name: name})
			return printResult(a, m, err)
		})
	})
}

func (a *app) memberRemoveCmd() *cobra.Command {
	return a.memberRefCmd(memberRefSpec{
		use:      "remove (--member PROFILE | --cert FILE [--msp MSP] | --id ID [--msp MSP]) --reason TEXT",
		short:    "Remove a member (the record stays for the audit trail)",
		long:     "Remove a member; the record stays for the audit trail.",
		example:  `  charter --as labA-admin member remove --member labA-user2 --reason "left LabA"`,
		textFlag: "reason", textUsage: "why the member is removed (required)",
	}, func(cmd *cobra.Command, id identity.Identity, reason string) error {
		return a.withClient(cmd, func(ctx context.Context, c gatewayAPI) error {
			m, err := c.RemoveMember(ctx, membership.RemoveRequest{Member: id, Reason: reason})
			return printResult(a, m, err)
		})
	})
}

func (a *app) memberShowCmd() *cobra.Command {
	return a.memberRefCmd(memberRefSpec{
		use:   "show (--member PROFILE | --cert FILE [--msp MSP] | --msp MSP --id ID)",
		short: "Show one member's record",
		long:  "Show one member's record, active or removed.",
		example: `  charter member show --member labA-user1
  charter member show --msp LabAMSP --id 'x509::CN=User1@laba.charter.local,OU=client::CN=ca.laba.charter.local'`,
	}, func(cmd *cobra.Command, id identity.Identity, _ string) error {
		return a.withClient(cmd, func(ctx context.Context, c gatewayAPI) error {
			m, err := c.Member(ctx, id)
			return printResult(a, m, err)
		})
	})
}

func (a *app) memberListCmd() *cobra.Command {
	var q charter.MemberQuery
	cmd := &cobra.Command{
		Use: "list [--org MSP] [--all] [--page-size N]",
		Example: `  charter member list
  charter member list --org LabAMSP --all`,
		Short: "List members",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withClient(cmd, func(ctx context.Context, c gatewayAPI) error {
				ms, err := c.Members(ctx, q)
				return printResult(a, ms, err)
			})
		},
	}
	cmd.Flags().StringVar(&q.MSPID, "org", "", "only members of this MSP")
	cmd.Flags().BoolVar(&q.IncludeRemoved, "all", false, "include removed members")
	cmd.Flags().IntVar(&q.PageSize, "page-size", 0, "members per query while following the pages (1..1000; default 1000)")
	return cmd
}
