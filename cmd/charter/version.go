package main

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
	"slices"
	"text/tabwriter"

	"github.com/spf13/cobra"

	charter "github.com/charter-gov/charter/gateway-client"
)

// version is the CLI's version, set at link time by scripts/buildstamp.sh
// (-X main.version=…); empty in a plain go build, which then reports the
// module version and VCS revision Go recorded.
var version string

// versionAPI is what version needs of a connection.
type versionAPI interface {
	ChaincodeVersion(ctx context.Context, mspID string) (*charter.ChaincodeBuild, error)
}

var _ versionAPI = (*charter.Client)(nil)

// clientBuild is the CLI's own build.
type clientBuild struct {
	Version   string `json:"version"`
	Revision  string `json:"revision,omitempty"`
	Time      string `json:"time,omitempty"`
	Modified  bool   `json:"modified,omitempty"`
	GoVersion string `json:"goVersion"`
	Platform  string `json:"platform"`
}

// orgBuild is one organisation's answer: a build or why there is none.
type orgBuild struct {
	charter.ChaincodeBuild
	Error string `json:"error,omitempty"`
}

// versionInfo is what version prints.
type versionInfo struct {
	Client    clientBuild `json:"client"`
	Profile   string      `json:"profile,omitempty"`
	Chaincode []orgBuild  `json:"chaincode,omitempty"`
	// NotAsked says why the chaincode was not asked (no profile, --client).
	NotAsked string `json:"notAsked,omitempty"`
}

func thisBuild() clientBuild {
	b := clientBuild{Version: version, GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if info, ok := debug.ReadBuildInfo(); ok {
		if b.Version == "" {
			b.Version = info.Main.Version
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				b.Revision = s.Value
			case "vcs.time":
				b.Time = s.Value
			case "vcs.modified":
				b.Modified = s.Value == "true"
			}
		}
	}
	if b.Version == "" {
		b.Version = "unknown"
	}
	return b
}

func (a *app) versionCmd() *cobra.Command {
	var clientOnly bool
	cmd := &cobra.Command{
		Use:   "version [--client]",
		Short: "Show the CLI's version and build, and the chaincode build each organisation's peer runs",
		Long: `Show the CLI's version and build. When an acting profile is known (--as,
$CHARTER_PROFILE or the saved default), also ask every organisation's peer
which chaincode build it runs (system:Version): its version and the digest of
its source, so that a peer running other rules stands out. --client asks no
peer.`,
		Example: `  charter version --client
  charter --as labA-user1 version
  charter -o json version | jq -r '.chaincode[].digest' | sort -u`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			info := versionInfo{Client: thisBuild()}
			if clientOnly {
				info.NotAsked = "--client"
				return a.out().print(&info)
			}
			if _, err := a.actingProfile(); err != nil {
				info.NotAsked = "no acting profile (pass --as NAME to ask the peers)"
				return a.out().print(&info)
			}
			p, err := a.loadProfiles()
			if err != nil {
				return err
			}
			info.Profile = a.as
			err = withAPI(a, cmd, "version queries", func(ctx context.Context, v versionAPI) error {
				var firstErr error
				for _, msp := range orgMSPs(p) {
					b, err := v.ChaincodeVersion(ctx, msp)
					if err != nil {
						if firstErr == nil {
							firstErr = err
						}
						info.Chaincode = append(info.Chaincode, orgBuild{ChaincodeBuild: charter.ChaincodeBuild{MSPID: msp}, Error: err.Error()})
						continue
					}
					info.Chaincode = append(info.Chaincode, orgBuild{ChaincodeBuild: *b})
				}
				if firstErr != nil && len(info.Chaincode) > 0 && allFailed(info.Chaincode) {
					return firstErr
				}
				return nil
			})
			if err != nil {
				return err
			}
			return a.out().print(&info)
		},
	}
	cmd.Flags().BoolVar(&clientOnly, "client", false, "show only the CLI's own version; ask no peer")
	return cmd
}

// orgMSPs returns each organisation's MSP ID once, in peer-name order.
func orgMSPs(p *charter.Profiles) []string {
	var out []string
	seen := map[string]bool{}
	for _, name := range sortedPeerNames(p) {
		msp := p.Peers[name].MSPID
		if !seen[msp] {
			seen[msp] = true
			out = append(out, msp)
		}
	}
	return out
}

func sortedPeerNames(p *charter.Profiles) []string {
	names := make([]string, 0, len(p.Peers))
	for n := range p.Peers {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

func allFailed(bs []orgBuild) bool {
	for _, b := range bs {
		if b.Error == "" {
			return false
		}
	}
	return true
}

func versionText(w *bytes.Buffer, v *versionInfo) error {
	c := v.Client
	kv := newKV(w)
	rev := c.Revision
	if rev == "" {
		rev = "-"
	} else if c.Modified {
		rev += " (modified)"
	}
	kv.add("charter", fmt.Sprintf("%s (revision %s, %s, %s)", c.Version, rev, c.GoVersion, c.Platform))
	if v.NotAsked != "" {
		kv.add("chaincode", "not asked: "+v.NotAsked)
		return kv.flush()
	}
	kv.add("asked as", v.Profile)
	if err := kv.flush(); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ORG\tCHAINCODE\tDIGEST")
	digests := map[string]bool{}
	for _, b := range v.Chaincode {
		if b.Error != "" {
			fmt.Fprintf(tw, "%s\t-\t(%s)\n", b.MSPID, abbreviate(b.Error, 100))
			continue
		}
		digests[b.Digest] = true
		fmt.Fprintf(tw, "%s\t%s\t%s\n", b.MSPID, b.Version, abbreviate(b.Digest, 16))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(digests) > 1 {
		w.WriteString("WARNING: the organisations' peers run chaincode built from different sources\n")
	}
	return nil
}
