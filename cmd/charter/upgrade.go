package main

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/charter-gov/charter/chaincode/upgrade"
	charter "github.com/charter-gov/charter/gateway-client"
)

// upgradeAPI is what the upgrade commands use of a connection.
type upgradeAPI interface {
	SignOffUpgrade(ctx context.Context, sequence int64, digest string) (*upgrade.SignOff, error)
	UpgradeStatus(ctx context.Context, sequence int64) (*upgrade.Status, error)
	CheckUpgrade(ctx context.Context, digest string, sequence int64) (*upgrade.Status, error)
	Build(ctx context.Context) (*upgrade.Build, error)
}

var _ upgradeAPI = (*charter.Client)(nil)

func (a *app) withUpgrades(cmd *cobra.Command, fn func(ctx context.Context, u upgradeAPI) error) error {
	return withAPI(a, cmd, "upgrade operations", fn)
}

func (a *app) upgradeCmd() *cobra.Command {
	return group("upgrade", "Chaincode upgrades under two-person integrity: sign off on an authorised build, check it, see the running build",
		a.upgradeSignOffCmd(), a.upgradeShowCmd(), a.upgradeCheckCmd(), a.upgradeBuildCmd())
}

func parseSequence(s string) (int64, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < upgrade.MinSequence {
		return 0, usagef("sequence %q: want a chaincode definition sequence, %d or more", s, upgrade.MinSequence)
	}
	return n, nil
}

func (a *app) upgradeSignOffCmd() *cobra.Command {
	var seq, digest string
	cmd := &cobra.Command{
		Use:   "signoff --sequence N --digest SHA256",
		Short: "Sign off, as a House A maintainer, on the build a chaincode_upgrade decision authorised",
		Long: `Rebuild the authorised source with network/build-chaincode.sh --release STAMP,
compare the digest it prints with the decision's, and sign off on it. Two
maintainers of two different organisations must sign off before any
organisation approves the new definition (network/upgrade.sh).`,
		Example: `  charter --as labA-user1 upgrade signoff --sequence 2 --digest 3f1c…`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			n, err := parseSequence(seq)
			if err != nil {
				return err
			}
			if err := upgrade.CheckDigest("--digest", digest); err != nil {
				return usagef("%v", err)
			}
			return a.withUpgrades(cmd, func(ctx context.Context, u upgradeAPI) error {
				out, err := u.SignOffUpgrade(ctx, n, digest)
				return printResult(a, out, err)
			})
		},
	}
	cmd.Flags().StringVar(&seq, "sequence", "", "the chaincode definition sequence the decision authorised")
	cmd.Flags().StringVar(&digest, "digest", "", "the SHA-256 your own build printed")
	return cmd
}

func (a *app) upgradeShowCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "show SEQUENCE",
		Short: "Show the build authorised for a sequence, its sign-offs and whether it is cleared",
		Example: `  charter upgrade show 2
  charter -o json upgrade show 2`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			n, err := parseSequence(args[0])
			if err != nil {
				return err
			}
			return a.withUpgrades(cmd, func(ctx context.Context, u upgradeAPI) error {
				out, err := u.UpgradeStatus(ctx, n)
				return printResult(a, out, err)
			})
		},
	}
}

func (a *app) upgradeCheckCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "check SHA256 SEQUENCE",
		Short:   "Check that a build is authorised and signed off for a sequence (what network/upgrade.sh asks every peer)",
		Example: `  charter upgrade check "$(network/build-chaincode.sh -o /tmp/cc | cut -d' ' -f1)" 2`,
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := upgrade.CheckDigest("digest", args[0]); err != nil {
				return usagef("%v", err)
			}
			n, err := parseSequence(args[1])
			if err != nil {
				return err
			}
			return a.withUpgrades(cmd, func(ctx context.Context, u upgradeAPI) error {
				out, err := u.CheckUpgrade(ctx, args[0], n)
				return printResult(a, out, err)
			})
		},
	}
}

func (a *app) upgradeBuildCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "build",
		Short:   "Show the build (SHA-256, release, toolchain) your organisation's chaincode service runs (system:Build)",
		Example: `  charter --as labB-user1 upgrade build`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withUpgrades(cmd, func(ctx context.Context, u upgradeAPI) error {
				out, err := u.Build(ctx)
				return printResult(a, out, err)
			})
		},
	}
}

// upgradeText renders the upgrade types.
func upgradeText(w *bytes.Buffer, v any) error {
	switch v := v.(type) {
	case *upgrade.Build:
		kv := newKV(w)
		kv.add("digest", v.Digest)
		kv.add("release", v.Release)
		kv.add("go", v.GoVersion)
		kv.add("package", v.PackageID)
		kv.add("organisation", v.MSPID)
		return kv.flush()
	case *upgrade.SignOff:
		kv := newKV(w)
		kv.add("signed off", fmt.Sprintf("sequence %d, build %s", v.Sequence, v.Digest))
		kv.add("decision", v.Decision)
		kv.add("maintainer", v.Maintainer.Short())
		kv.add("at", timeText(v.At))
		return kv.flush()
	case *upgrade.Status:
		kv := newKV(w)
		a := v.Authorisation
		kv.add("sequence", strconv.FormatInt(a.Sequence, 10))
		kv.add("build", a.Digest)
		kv.add("version", a.Version)
		kv.add("decision", a.Decision)
		kv.add("authorised", timeText(a.AuthorisedAt))
		for _, so := range v.SignOffs {
			kv.add("signed off", so.Maintainer.Short()+" at "+timeText(so.At))
		}
		state := "no: needs maintainers of 2 organisations"
		if v.Cleared {
			state = "yes"
		}
		kv.add("cleared", fmt.Sprintf("%s (organisations: %s)", state, strings.Join(v.Organisations, ", ")))
		return kv.flush()
	}
	return errNoTextForm
}
