package main

import (
	"bytes"
	"fmt"
	"path/filepath"
	"text/tabwriter"

	"github.com/spf13/cobra"
)

func (a *app) profileCmd() *cobra.Command {
	cmd := group("profile", "List the network's profiles; choose the one to act as by default",
		a.profileListCmd(), a.profileUseCmd())
	cmd.Example = `  charter profile list
  charter profile use labA-user1`
	return cmd
}

// profileRow is one profile as profile list shows it.
type profileRow struct {
	Name   string `json:"name"`
	Org    string `json:"org"`
	MSPID  string `json:"mspId"`
	Peer   string `json:"peer"`
	Acting bool   `json:"acting"`
}

// profileList is what profile list prints.
type profileList struct {
	File     string       `json:"file"`
	Acting   string       `json:"acting,omitempty"`
	From     string       `json:"actingFrom,omitempty"`
	Profiles []profileRow `json:"profiles"`
}

func (a *app) profileListCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the profiles of the network's profiles file, marking the acting one",
		Long: `List the profiles of the network's profiles file (see charter --help for
where it is found), with each one's organisation and peer. The acting profile
(from --as, $CHARTER_PROFILE or the saved default) is marked with *.`,
		Example: `  charter profile list
  charter -o json profile list | jq -r '.profiles[].name'`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, path, err := a.loadProfilesPath()
			if err != nil {
				return err
			}
			out := profileList{File: path}
			if name, err := a.actingProfile(); err == nil {
				out.Acting, out.From = name, a.asSource
			}
			for _, n := range p.Names() {
				prof := p.Profiles[n]
				out.Profiles = append(out.Profiles, profileRow{Name: n, Org: prof.Org, MSPID: prof.MSPID,
					Peer: p.Peers[prof.Peer].Endpoint, Acting: n == out.Acting})
			}
			return a.out().print(&out)
		},
	}
}

func (a *app) profileUseCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "use NAME",
		Short: "Save NAME (and this profiles file) as the default acting profile",
		Long: `Save NAME as the profile to act as when neither --as nor $CHARTER_PROFILE
names one, together with the absolute path of the profiles file it comes from,
in the user's config directory (charter/config.json). Nothing is sent to the
network.`,
		Example: `  charter profile use labA-user1
  charter whoami   # acts as labA-user1`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("%s takes one argument: the profile name (see charter profile list)", cmd.CommandPath())
			}
			return nil
		},
		ValidArgsFunction: func(cmd *cobra.Command, args []string, prefix string) ([]string, cobra.ShellCompDirective) {
			if len(args) > 0 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			return a.completeProfiles(cmd, args, prefix)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			p, path, err := a.loadProfilesPath()
			if err != nil {
				return err
			}
			if _, err := p.Profile(args[0]); err != nil {
				return usagef("%v", err)
			}
			abs, err := filepath.Abs(path)
			if err != nil {
				return fmt.Errorf("profiles file: %w", err)
			}
			saved, err := a.writeUserConfig(userConfig{Profile: args[0], ProfilesFile: abs})
			if err != nil {
				return err
			}
			if a.out().json {
				return a.out().print(map[string]string{"profile": args[0], "profilesFile": abs, "config": saved})
			}
			_, err = fmt.Fprintf(a.stdout, "acting as %s by default (saved in %s)\n", args[0], saved)
			return err
		},
	}
}

func profileListText(w *bytes.Buffer, l *profileList) error {
	fmt.Fprintf(w, "profiles: %s\n", l.File)
	if l.Acting != "" {
		fmt.Fprintf(w, "acting:   %s (from %s)\n", l.Acting, l.From)
	} else {
		fmt.Fprintf(w, "acting:   none (pass --as NAME, set $%s, or run 'charter profile use NAME')\n", envProfile)
	}
	w.WriteString("\n")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "\tNAME\tMSP\tPEER")
	for _, r := range l.Profiles {
		mark := ""
		if r.Acting {
			mark = "*"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", mark, r.Name, r.MSPID, r.Peer)
	}
	return tw.Flush()
}
