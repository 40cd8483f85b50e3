package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/membership"
	charter "github.com/charter-gov/charter/gateway-client"
)

// testRoot builds the whole command tree, completion command included.
func testRoot(t *testing.T) *cobra.Command {
	t.Helper()
	f := newFixture(t)
	a := &app{env: env{getenv: func(string) string { return "" }, getwd: func() (string, error) { return f.dir, nil }}}
	root := a.rootCmd()
	root.InitDefaultCompletionCmd()
	root.InitDefaultHelpCmd()
	return root
}

// generated reports cobra's own commands (help, completion), which follow
// cobra's conventions rather than ours.
func generated(c *cobra.Command) bool {
	for p := c; p != nil; p = p.Parent() {
		if p.Name() == "help" || p.Name() == "completion" || strings.HasPrefix(p.Name(), "__") {
			return true
		}
	}
	return false
}

// TestCommandConventions holds every command, including those added
// later, to the checklist in main.go's package documentation.
func TestCommandConventions(t *testing.T) {
	root := testRoot(t)
	globals := map[string]bool{}
	root.PersistentFlags().VisitAll(func(f *pflag.Flag) { globals[f.Name] = true })
	n := 0
	walk(root, func(c *cobra.Command) {
		if generated(c) {
			return
		}
		n++
		path := c.CommandPath()
		t.Run(path, func(t *testing.T) {
			assert.NotEmpty(t, strings.TrimSpace(c.Example), "%s has no Example", path)
			assert.NotEmpty(t, c.Short, "%s has no Short", path)
			assert.Contains(t, flatten(c.Example), strings.TrimPrefix(path, "charter"), "the Example of %s runs the command itself", path)
			if c.HasSubCommands() || c == root {
				return
			}
			_, agreed := agreedVerbs[c.Name()]
			assert.True(t, agreed, "%s: verb %q is not in agreedVerbs (cmd/charter/conventions.go): use the agreed verb of its meaning (show, not get/describe/view; list; remove, not delete/rm), or add a verb for a new meaning there", path, c.Name())
			c.LocalNonPersistentFlags().VisitAll(func(f *pflag.Flag) {
				assert.False(t, globals[f.Name], "%s: flag --%s shadows the global flag", path, f.Name)
				_, aliased := flagAliases[f.Name]
				assert.False(t, aliased, "%s: flag --%s is an old spelling of --%s", path, f.Name, flagAliases[f.Name])
			})
		})
	})
	assert.Greater(t, n, 60, "the walk reached the whole tree")
}

// flatten removes the global flags an example puts between the words of a
// command path ("charter --as X member show" → "charter member show").
func flatten(example string) string {
	var out []string
	for _, line := range strings.Split(example, "\n") {
		fields := strings.Fields(line)
		var kept []string
		for i := 0; i < len(fields); i++ {
			switch fields[i] {
			case "--as", "-o", "--output", "--profiles-file", "--timeout":
				i++
				continue
			}
			kept = append(kept, fields[i])
		}
		out = append(out, strings.Join(kept, " "))
	}
	return strings.Join(out, "\n")
}

func TestUsageErrorPrintsTheCommandsUsage(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		want  string
		usage string
	}{
		{"required flag", []string{"member", "add", "--member", "labA-user1"}, `required flag(s) "name" not set`, "charter member add"},
		{"one of a group", []string{"member", "show"}, "at least one of the flags in the group [member cert id] is required", "charter member show"},
		{"exclusive flags", []string{"member", "show", "--member", "labA-user1", "--id", "x509::CN=a::CN=b"}, "were all set", "charter member show"},
		{"msp with a profile", []string{"member", "show", "--member", "labA-user1", "--msp", "LabAMSP"}, "[member msp] were all set", "charter member show"},
		{"vote needs a choice", []string{"ballot", "vote", "b1"}, "[choice alloc]", "charter ballot vote"},
		{"approve both", []string{"constitution", "genesis", "approve", "--file", "g.json", "--hash", "ab"}, "[file hash] were all set", "charter constitution genesis approve"},
		{"wrong argument count", []string{"decision", "show"}, "takes one argument", "charter decision show"},
		{"unknown flag", []string{"whoami", "--frob"}, "unknown flag: --frob", "charter whoami"},
		{"coi list without subject or member", []string{"coi", "list"}, "[subject member cert id]", "charter coi list"},
		{"the old verb", []string{"member", "get", "--profile", "labA-user2"}, `unknown command "get" for "charter member"; did you mean "show"?`, "charter member [flags]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			r := f.run(t, nil, tt.args...)
			assert.Equal(t, exitUsage, r.code)
			first, rest, _ := strings.Cut(r.stderr, "\n")
			assert.True(t, strings.HasPrefix(first, "charter: "), "first line %q", first)
			assert.Contains(t, first, tt.want)
			assert.Contains(t, rest, "Usage:\n  "+tt.usage, "the failing command's own usage follows")
			assert.Contains(t, rest, "Examples:")
			assert.Empty(t, f.fake.configs, "usage errors never connect")
		})
	}
}

func TestJSONErrors(t *testing.T) {
	f := newFixture(t)
	f.fake.err = &charter.Error{Code: charter.CodeNotFound, Message: "member LabAMSP/x is not registered", TxID: ""}
	r := f.run(t, nil, "-o", "json", "member", "show", "--member", "labA-user1")
	assert.Equal(t, exitNotFound, r.code)
	assert.Empty(t, r.stdout)
	var obj map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.stderr), &obj), "stderr is one JSON object: %q", r.stderr)
	assert.Equal(t, map[string]any{"code": "NOT_FOUND", "message": "member LabAMSP/x is not registered", "exitCode": float64(4)}, obj)

	f = newFixture(t)
	r = f.run(t, nil, "-o", "json", "member", "add", "--member", "labA-user1")
	assert.Equal(t, exitUsage, r.code)
	require.NoError(t, json.Unmarshal([]byte(r.stderr), &obj), "a usage error too is one JSON object: %q", r.stderr)
	assert.Equal(t, "USAGE", obj["code"])
	assert.Contains(t, obj["message"], `required flag(s) "name" not set`)
	assert.NotContains(t, r.stderr, "Usage:", "no usage text under -o json")
}

func TestActingProfile(t *testing.T) {
	t.Run("no built-in default", func(t *testing.T) {
		f := newFixture(t)
		r := f.run(t, map[string]string{"CHARTER_PROFILES": f.profiles}, "whoami")
		assert.Equal(t, exitUsage, r.code)
		assert.Contains(t, r.stderr, "charter: no acting profile: pass --as NAME, set $CHARTER_PROFILE, or save a default with 'charter profile use NAME' (profiles: foundation-admin, labA-admin, labA-user1)")
		assert.Empty(t, f.fake.configs, "nothing connects without a profile")
	})
	t.Run("unknown profile from the environment", func(t *testing.T) {
		f := newFixture(t)
		r := f.run(t, map[string]string{"CHARTER_PROFILES": f.profiles, "CHARTER_PROFILE": "labZ"}, "whoami")
		assert.Equal(t, exitUsage, r.code)
		assert.Contains(t, r.stderr, `charter: profile from $CHARTER_PROFILE: unknown profile "labZ" (known: foundation-admin, labA-admin, labA-user1)`)
	})
	t.Run("saved default, then --as and $CHARTER_PROFILE win", func(t *testing.T) {
		f := newFixture(t)
		noEnv := map[string]string{"CHARTER_PROFILES": f.profiles}
		r := f.run(t, noEnv, "profile", "use", "labA-user1")
		require.Equal(t, exitOK, r.code, r.stderr)
		saved := filepath.Join(f.config, "charter", "config.json")
		assert.Equal(t, "acting as labA-user1 by default (saved in "+saved+")\n", r.stdout)

		// Even from elsewhere, with no profiles file in sight: the saved
		// file is used.
		r = f.run(t, map[string]string{}, "whoami")
		require.Equal(t, exitOK, r.code, r.stderr)
		r = f.run(t, map[string]string{"CHARTER_PROFILE": "labA-admin"}, "whoami")
		require.Equal(t, exitOK, r.code, r.stderr)
		r = f.run(t, map[string]string{"CHARTER_PROFILE": "labA-admin"}, "--as", "foundation-admin", "whoami")
		require.Equal(t, exitOK, r.code, r.stderr)
		require.Len(t, f.fake.configs, 3)
		assert.Equal(t, []string{"LabAMSP", "LabAMSP", "FoundationMSP"}, []string{f.fake.configs[0].MSPID, f.fake.configs[1].MSPID, f.fake.configs[2].MSPID})
		assert.Contains(t, f.fake.configs[0].CertPath, "labA-user1")
		assert.Contains(t, f.fake.configs[1].CertPath, "labA-admin")
	})
	t.Run("a refusal names the profile that acted when --as did not", func(t *testing.T) {
		f := newFixture(t)
		f.fake.err = &charter.Error{Code: charter.CodeForbidden, Message: "only an admin of LabAMSP registers its members"}
		r := f.run(t, map[string]string{"CHARTER_PROFILES": f.profiles, "CHARTER_PROFILE": "labA-user1"}, "member", "add", "--member", "labA-user1", "--name", "Ada")
		assert.Equal(t, exitForbidden, r.code)
		assert.Equal(t, "charter: FORBIDDEN: only an admin of LabAMSP registers its members (acted as profile \"labA-user1\", from $CHARTER_PROFILE)\n", r.stderr)
	})
	t.Run("unknown profile to use", func(t *testing.T) {
		f := newFixture(t)
		r := f.run(t, nil, "profile", "use", "labZ")
		assert.Equal(t, exitUsage, r.code)
		assert.Contains(t, r.stderr, `unknown profile "labZ"`)
		_, err := os.Stat(filepath.Join(f.config, "charter", "config.json"))
		assert.ErrorIs(t, err, os.ErrNotExist, "nothing saved")
	})
	t.Run("malformed user config", func(t *testing.T) {
		f := newFixture(t)
		require.NoError(t, os.MkdirAll(filepath.Join(f.config, "charter"), 0o700))
		require.NoError(t, os.WriteFile(filepath.Join(f.config, "charter", "config.json"), []byte("{"), 0o600))
		r := f.run(t, map[string]string{"CHARTER_PROFILES": f.profiles}, "whoami")
		assert.Equal(t, exitFailure, r.code)
		assert.Contains(t, r.stderr, "config.json: malformed JSON")
		assert.Contains(t, r.stderr, "remove it, then run 'charter profile use NAME'")
	})
}

func TestProfileList(t *testing.T) {
	f := newFixture(t)
	r := f.run(t, map[string]string{"CHARTER_PROFILES": f.profiles, "CHARTER_PROFILE": "labA-admin"}, "profile", "list")
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, "acting:   labA-admin (from $CHARTER_PROFILE)")
	assert.Regexp(t, `\*\s+labA-admin\s+LabAMSP\s+127.0.0.1:8051`, r.stdout)
	assert.Regexp(t, `\n\s+labA-user1\s+LabAMSP`, r.stdout)
	assert.Empty(t, f.fake.configs, "listing profiles never connects")
}

func TestOldFlagSpellings(t *testing.T) {
	f := newFixture(t)
	user1 := f.identityOf(t, "labA-user1", "LabAMSP")
	r := f.run(t, map[string]string{"CHARTER_PROFILE": "foundation-admin"}, "--profiles", f.profiles, "member", "show", "--profile", "labA-user1")
	require.Equal(t, exitOK, r.code, r.stderr)
	require.Len(t, f.fake.calls, 1)
	assert.Equal(t, fakeCall{"Member", user1}, f.fake.calls[0])
}

func TestCompletion(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"--as completes profile names", []string{"__complete", "--as", "lab"}, []string{"labA-admin\tLabAMSP", "labA-user1\tLabAMSP"}},
		{"--member completes profile names", []string{"__complete", "member", "show", "--member", "f"}, []string{"foundation-admin\tFoundationMSP"}},
		{"profile use completes profile names", []string{"__complete", "profile", "use", "labA-u"}, []string{"labA-user1\tLabAMSP"}},
		{"ballot IDs", []string{"__complete", "ballot", "show", ""}, []string{"b1"}},
		{"decision IDs", []string{"__complete", "decision", "vote", "d0"}, []string{"d0123"}},
		{"no second ID", []string{"__complete", "decision", "show", "d0123", ""}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			r := f.run(t, nil, tt.args...)
			require.Equal(t, exitOK, r.code, r.stderr)
			lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
			require.NotEmpty(t, lines)
			assert.True(t, strings.HasPrefix(lines[len(lines)-1], ":"), "the directive ends the output: %q", r.stdout)
			got := lines[:len(lines)-1]
			if len(got) == 0 {
				got = nil
			}
			assert.Equal(t, tt.want, got)
		})
	}
	t.Run("shell scripts", func(t *testing.T) {
		for _, sh := range []string{"bash", "zsh", "fish", "powershell"} {
			f := newFixture(t)
			r := f.run(t, nil, "completion", sh)
			require.Equal(t, exitOK, r.code, r.stderr)
			assert.Contains(t, r.stdout, "charter", sh)
		}
	})
}

func (g *fakeGateway) ChaincodeVersion(_ context.Context, mspID string) (*charter.ChaincodeBuild, error) {
	if err := g.record("ChaincodeVersion", mspID); err != nil {
		return nil, err
	}
	digest := "5f2c0000aaaabbbbccccdddd"
	if mspID == "LabAMSP" && g.whoami != nil && g.whoami.OrgAdmin {
		digest = "9999000011112222" // a peer running other rules
	}
	return &charter.ChaincodeBuild{MSPID: mspID, Version: "v0.3.0-4-gabc1234", Digest: digest, ContractVersion: "0.1.0"}, nil
}

func TestVersion(t *testing.T) {
	t.Run("client only", func(t *testing.T) {
		f := newFixture(t)
		r := f.run(t, nil, "version", "--client")
		require.Equal(t, exitOK, r.code, r.stderr)
		assert.Regexp(t, `^charter:\s+\S+ \(revision .*, go1\.\d+.*, \w+/\w+\)\nchaincode:\s+not asked: --client\n$`, r.stdout)
		assert.Empty(t, f.fake.configs)
	})
	t.Run("without a profile the peers are not asked", func(t *testing.T) {
		f := newFixture(t)
		r := f.run(t, map[string]string{"CHARTER_PROFILES": f.profiles}, "version")
		require.Equal(t, exitOK, r.code, r.stderr)
		assert.Contains(t, r.stdout, "not asked: no acting profile")
		assert.Empty(t, f.fake.configs)
	})
	t.Run("every organisation's peer", func(t *testing.T) {
		f := newFixture(t)
		r := f.run(t, nil, "-o", "json", "version")
		require.Equal(t, exitOK, r.code, r.stderr)
		var v versionInfo
		require.NoError(t, json.Unmarshal([]byte(r.stdout), &v))
		assert.Equal(t, "foundation-admin", v.Profile)
		var msps []string
		for _, b := range v.Chaincode {
			msps = append(msps, b.MSPID)
			assert.Equal(t, "v0.3.0-4-gabc1234", b.Version)
			assert.Empty(t, b.Error)
		}
		assert.Equal(t, []string{"FoundationMSP", "LabAMSP"}, msps)
		assert.Equal(t, []string{"ChaincodeVersion", "ChaincodeVersion"}, f.fake.names())
		assert.NotEmpty(t, v.Client.GoVersion)
	})
	t.Run("peers that differ are flagged", func(t *testing.T) {
		f := newFixture(t)
		f.fake.whoami = &membership.WhoAmI{Identity: identity.Identity{MSPID: "LabAMSP"}, OrgAdmin: true}
		r := f.run(t, nil, "version")
		require.Equal(t, exitOK, r.code, r.stderr)
		assert.Regexp(t, `FoundationMSP\s+v0.3.0-4-gabc1234\s+5f2c0000aaaabbb…`, r.stdout)
		assert.Contains(t, r.stdout, "WARNING: the organisations' peers run chaincode built from different sources")
	})
	t.Run("unreachable", func(t *testing.T) {
		f := newFixture(t)
		f.fake.connectErr = &charter.Error{Code: charter.CodeUnavailable, Message: "cannot connect to peer 127.0.0.1:7051"}
		r := f.run(t, nil, "version")
		assert.Equal(t, exitUnavailable, r.code)
		assert.Contains(t, r.stderr, "UNAVAILABLE: cannot connect")
	})
}

func TestAgreedVerbsAreNotSynonyms(t *testing.T) {
	for _, synonym := range []string{"get", "describe", "view", "info", "ls", "rm", "delete", "new"} {
		_, ok := agreedVerbs[synonym]
		assert.False(t, ok, "%q is a synonym of an agreed verb", synonym)
	}
}
