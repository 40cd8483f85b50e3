package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/contribution"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/genesis"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/membership"
	charter "github.com/charter-gov/charter/gateway-client"
)

// fixture is a profiles file with real certificates, and a fake gateway.
type fixture struct {
	dir      string
	config   string // the user config directory (empty: nothing saved)
	profiles string
	certs    map[string]string // profile → certificate path
	fake     *fakeGateway
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	dir := t.TempDir()
	f := &fixture{dir: dir, config: t.TempDir(), certs: map[string]string{}, fake: &fakeGateway{}}
	type prof struct{ name, org, msp, cn string }
	profs := []prof{
		{"foundation-admin", "Foundation", "FoundationMSP", "Admin@foundation.charter.local"},
		{"labA-admin", "LabA", "LabAMSP", "Admin@laba.charter.local"},
		{"labA-user1", "LabA", "LabAMSP", "User1@laba.charter.local"},
	}
	entries := []string{}
	for _, p := range profs {
		cert, key := writeCert(t, dir, p.name, p.cn)
		f.certs[p.name] = cert
		entries = append(entries, fmt.Sprintf(`%q: {"org": %q, "mspId": %q, "certPath": %q, "keyPath": %q, "peer": %q}`, p.name, p.org, p.msp, cert, key, p.org))
	}
	content := fmt.Sprintf(`{"channel": "charter", "chaincode": "charter",
  "peers": {
    "Foundation": {"mspId": "FoundationMSP", "endpoint": "127.0.0.1:7051", "tlsCACert": "/ca/foundation.crt", "serverName": "localhost"},
    "LabA": {"mspId": "LabAMSP", "endpoint": "127.0.0.1:8051", "tlsCACert": "/ca/laba.crt", "serverName": "localhost"}
  },
  "profiles": {%s}}`, strings.Join(entries, ",\n"))
	f.profiles = filepath.Join(dir, "profiles.json")
	require.NoError(t, os.WriteFile(f.profiles, []byte(content), 0o600))
	return f
}

func writeCert(t *testing.T, dir, name, cn string) (certPath, keyPath string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: cn, OrganizationalUnit: []string{"client"}},
		Issuer:       pkix.Name{CommonName: "ca"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	require.NoError(t, err)
	certPath, keyPath = filepath.Join(dir, name+"-cert.pem"), filepath.Join(dir, name+"-key.pem")
	require.NoError(t, os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600))
	require.NoError(t, os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}), 0o600))
	return certPath, keyPath
}

// identityOf computes what the chaincode would compute for a profile.
func (f *fixture) identityOf(t *testing.T, profile, msp string) identity.Identity {
	t.Helper()
	raw, err := os.ReadFile(f.certs[profile])
	require.NoError(t, err)
	id, err := identity.FromPEM(msp, raw)
	require.NoError(t, err)
	return id
}

type result struct {
	code           int
	stdout, stderr string
}

// run drives the CLI in-process with the fixture's profiles and fake.
// With envVars nil, the environment names the profiles file and acts as
// foundation-admin.
func (f *fixture) run(t *testing.T, envVars map[string]string, args ...string) result {
	t.Helper()
	if envVars == nil {
		envVars = map[string]string{"CHARTER_PROFILES": f.profiles, "CHARTER_PROFILE": "foundation-admin"}
	}
	var stdout, stderr bytes.Buffer
	e := env{
		stdin:  strings.NewReader(""),
		stdout: &stdout,
		stderr: &stderr,
		getenv: func(k string) string { return envVars[k] },
		getwd:  func() (string, error) { return f.dir, nil },

		userConfigDir: func() (string, error) { return f.config, nil },
		connect: func(_ context.Context, cfg charter.Config) (gatewayAPI, error) {
			f.fake.mu.Lock()
			defer f.fake.mu.Unlock()
			f.fake.configs = append(f.fake.configs, cfg)
			if f.fake.connectErr != nil {
				return nil, f.fake.connectErr
			}
			return f.fake, nil
		},
	}
	code := runWith(t.Context(), e, args)
	return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown command", []string{"frobnicate"}, `unknown command "frobnicate"`},
		{"unknown flag", []string{"whoami", "--frob"}, "unknown flag: --frob"},
		{"bad output", []string{"--output", "yaml", "whoami"}, `--output "yaml": want text or json`},
		{"bad timeout", []string{"--timeout", "0s", "whoami"}, "--timeout 0s"},
		{"unparsable timeout", []string{"--timeout", "soon", "whoami"}, `invalid argument "soon"`},
		{"unknown profile", []string{"--as", "nobody", "whoami"}, `unknown profile "nobody" (known: foundation-admin, labA-admin, labA-user1)`},
		{"extra argument", []string{"whoami", "extra"}, "takes no arguments"},
		{"group without subcommand", []string{"constitution"}, "needs a subcommand"},
		{"group with unknown subcommand", []string{"member", "frob"}, `unknown command "frob"`},
		{"show version 0", []string{"constitution", "show", "--version", "0"}, "versions start at 1"},
		{"propose missing file", []string{"constitution", "genesis", "propose", "--file", "/nonexistent/genesis.json"}, "--file"},
		{"propose without file", []string{"constitution", "genesis", "propose"}, `required flag(s) "file" not set`},
		{"approve with file and hash", []string{"constitution", "genesis", "approve", "--file", "g.json", "--hash", "ab"}, "[file hash]"},
		{"approve with neither", []string{"constitution", "genesis", "approve"}, "[file hash]"},
		{"draft without founders", []string{"constitution", "genesis", "draft", "--member", "labA-user1:Ada:house_a"}, `required flag(s) "founders" not set`},
		{"draft without members", []string{"constitution", "genesis", "draft", "--founders", "LabAMSP,LabBMSP"}, `required flag(s) "member" not set`},
		{"draft with a malformed member", []string{"constitution", "genesis", "draft", "--founders", "LabAMSP,LabBMSP", "--member", "labA-user1"}, "want PROFILE:NAME"},
		{"draft with an unknown role", []string{"constitution", "genesis", "draft", "--founders", "LabAMSP,LabBMSP", "--member", "labA-user1:Ada:wizard"}, `unknown role "wizard"`},
		{"draft allocating to a non-member", []string{"constitution", "genesis", "draft", "--founders", "LabAMSP,LabBMSP", "--member", "labA-user1:Ada:house_a", "--allocate", "labA-admin=5"}, "not named by --member"},
		{"draft with a bad allocation", []string{"constitution", "genesis", "draft", "--founders", "LabAMSP,LabBMSP", "--member", "labA-user1:Ada:house_a", "--allocate", "labA-user1=lots"}, "want PROFILE=AMOUNT"},
		{"draft with sub-second periods", []string{"constitution", "genesis", "draft", "--founders", "LabAMSP,LabBMSP", "--member", "labA-user1:Ada:house_a", "--periods", "500ms"}, "whole number of seconds"},
		{"draft with an unknown --periods-for type", []string{"constitution", "genesis", "draft", "--founders", "LabAMSP,LabBMSP", "--member", "labA-user1:Ada:house_a", "--periods", "5s", "--periods-for", "coronation"}, "not routed"},
		{"draft with --periods-for alone", []string{"constitution", "genesis", "draft", "--founders", "LabAMSP,LabBMSP", "--member", "labA-user1:Ada:house_a", "--periods-for", "budget"}, "goes with --periods"},
		{"draft with a sub-second skew", []string{"constitution", "genesis", "draft", "--founders", "LabAMSP,LabBMSP", "--member", "labA-user1:Ada:house_a", "--clock-skew", "100ms"}, "whole number of seconds"},
		{"draft naming one founder", []string{"constitution", "genesis", "draft", "--founders", "LabAMSP", "--member", "labA-user1:Ada:house_a"}, "no organisation founds alone"},
		{"the removed init", []string{"constitution", "init"}, `unknown command "init"`},
		{"add without member", []string{"member", "add", "--name", "Ada"}, "[member cert id] is required"},
		{"add with two members", []string{"member", "add", "--member", "labA-user1", "--cert", "x.pem", "--name", "Ada"}, "were all set"},
		{"add without name", []string{"member", "add", "--member", "labA-user1"}, `required flag(s) "name" not set`},
		{"add with roles: admins grant none", []string{"member", "add", "--member", "labA-user1", "--name", "Ada", "--roles", "attester"}, "unknown flag: --roles"},
		{"add unknown member profile", []string{"member", "add", "--member", "labZ", "--name", "Ada"}, `--member: unknown profile "labZ"`},
		{"add bad certificate file", []string{"member", "add", "--cert", "/nonexistent.pem", "--name", "Ada"}, "INVALID_ARGUMENT: certificate"},
		{"add malformed id", []string{"member", "add", "--id", "Ada", "--name", "Ada"}, "INVALID_ARGUMENT"},
		{"update without a name", []string{"member", "update", "--member", "labA-user1"}, `required flag(s) "name" not set`},
		{"update with roles", []string{"member", "update", "--member", "labA-user1", "--name", "A", "--roles", "guardian"}, "unknown flag: --roles"},
		{"remove without reason", []string{"member", "remove", "--member", "labA-user1"}, `required flag(s) "reason" not set`},
		{"get with profile and msp", []string{"member", "show", "--member", "labA-user1", "--msp", "LabAMSP"}, "[member msp] were all set"},
		{"watch negative count", []string{"events", "watch", "--count", "-1"}, "--count -1"},
		{"watch bad block", []string{"events", "watch", "--from-block", "-3"}, `invalid argument "-3"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			r := f.run(t, nil, tt.args...)
			assert.Equal(t, exitUsage, r.code, "stderr: %s", r.stderr)
			assert.Contains(t, r.stderr, tt.want)
			assert.True(t, strings.HasPrefix(r.stderr, "charter: "), "stderr %q", r.stderr)
			assert.Empty(t, r.stdout)
			assert.Empty(t, f.fake.configs, "usage errors never connect")
		})
	}
}

func TestNoProfilesFile(t *testing.T) {
	f := newFixture(t)
	r := f.run(t, map[string]string{}, "--as", "labA-user1", "whoami") // fixture dir has profiles.json, not .charter/network/profiles.json
	assert.Equal(t, exitFailure, r.code)
	assert.Contains(t, r.stderr, "no .charter/network/profiles.json")
	assert.Contains(t, r.stderr, "pass --profiles-file or set $CHARTER_PROFILES")
}

func TestProfileSelection(t *testing.T) {
	tests := []struct {
		name    string
		env     func(f *fixture) map[string]string
		args    []string
		wantMSP string
	}{
		{"--as", func(f *fixture) map[string]string { return map[string]string{"CHARTER_PROFILES": f.profiles} },
			[]string{"--as", "labA-user1"}, "LabAMSP"},
		{"$CHARTER_PROFILE", func(f *fixture) map[string]string {
			return map[string]string{"CHARTER_PROFILES": f.profiles, "CHARTER_PROFILE": "labA-admin"}
		}, nil, "LabAMSP"},
		{"--as beats $CHARTER_PROFILE", func(f *fixture) map[string]string {
			return map[string]string{"CHARTER_PROFILES": f.profiles, "CHARTER_PROFILE": "labA-admin"}
		}, []string{"--as", "foundation-admin"}, "FoundationMSP"},
		{"--profiles-file", func(*fixture) map[string]string { return map[string]string{} }, []string{"--as", "foundation-admin", "--profiles-file", "PROFILES"}, "FoundationMSP"},
		{"found walking up", func(f *fixture) map[string]string {
			nested := filepath.Join(f.dir, charter.ProfilesFile)
			raw, err := os.ReadFile(f.profiles)
			if err == nil && os.MkdirAll(filepath.Dir(nested), 0o755) == nil {
				_ = os.WriteFile(nested, raw, 0o600)
			}
			return map[string]string{}
		}, []string{"--as", "foundation-admin"}, "FoundationMSP"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.fake.whoami = &membership.WhoAmI{Identity: identity.Identity{MSPID: "X", ID: "x509::CN=a::CN=b"}}
			args := append([]string{}, tt.args...)
			for i, a := range args {
				if a == "PROFILES" {
					args[i] = f.profiles
				}
			}
			r := f.run(t, tt.env(f), append(args, "--timeout", "7s", "whoami")...)
			require.Equal(t, exitOK, r.code, "stderr: %s", r.stderr)
			require.Len(t, f.fake.configs, 1)
			cfg := f.fake.configs[0]
			assert.Equal(t, tt.wantMSP, cfg.MSPID)
			assert.Equal(t, "charter", cfg.Channel)
			assert.NotEmpty(t, cfg.CertPath)
			assert.Equal(t, []string{"Whoami"}, f.fake.names())
		})
	}
}

func TestMemberCommands(t *testing.T) {
	f0 := newFixture(t)
	user1 := f0.identityOf(t, "labA-user1", "LabAMSP")
	user1AsFoundation := f0.identityOf(t, "labA-user1", "FoundationMSP")
	user1AsLabB := f0.identityOf(t, "labA-user1", "LabBMSP")

	tests := []struct {
		name string
		args []string
		want fakeCall
	}{
		{"add by profile", []string{"--as", "labA-admin", "member", "add", "--member", "labA-user1", "--name", "Ada"},
			fakeCall{"RegisterMember", membership.RegisterRequest{Member: user1, Name: "Ada"}}},
		{"transaction status", []string{"tx", "status", "961cdd5a405de8ef05c304d89016c48e7b71591105694f618a3c31d0166e72fb"},
			fakeCall{"TransactionStatus", "961cdd5a405de8ef05c304d89016c48e7b71591105694f618a3c31d0166e72fb"}},
		{"add by certificate takes the acting MSP", []string{"member", "add", "--cert", "CERT", "--name", "Ada"},
			fakeCall{"RegisterMember", membership.RegisterRequest{Member: user1AsFoundation, Name: "Ada"}}},
		{"add by certificate and MSP", []string{"member", "add", "--cert", "CERT", "--msp", "LabBMSP", "--name", "Ada"},
			fakeCall{"RegisterMember", membership.RegisterRequest{Member: user1AsLabB, Name: "Ada"}}},
		{"update renames", []string{"--as", "labA-admin", "member", "update", "--member", "labA-user1", "--name", "Ada L."},
			fakeCall{"UpdateMember", membership.UpdateRequest{Member: user1, Name: "Ada L."}}},
		{"remove", []string{"--as", "labA-admin", "member", "remove", "--member", "labA-user1", "--reason", "left"},
			fakeCall{"RemoveMember", membership.RemoveRequest{Member: user1, Reason: "left"}}},
		{"get by id", []string{"member", "show", "--msp", "LabAMSP", "--id", "x509::CN=Ada::CN=ca"},
			fakeCall{"Member", identity.Identity{MSPID: "LabAMSP", ID: "x509::CN=Ada::CN=ca"}}},
		{"get by profile", []string{"member", "show", "--member", "labA-user1"}, fakeCall{"Member", user1}},
		{"list", []string{"member", "list"}, fakeCall{"Members", charter.MemberQuery{}}},
		{"list one org with removed", []string{"member", "list", "--org", "LabAMSP", "--all"},
			fakeCall{"Members", charter.MemberQuery{MSPID: "LabAMSP", IncludeRemoved: true}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Identities depend on the certificates' subject and issuer
			// only, so every fixture computes the same ones.
			f := newFixture(t)
			want := tt.want
			args := append([]string{}, tt.args...)
			for i, a := range args {
				if a == "CERT" {
					args[i] = f.certs["labA-user1"]
				}
			}
			r := f.run(t, nil, args...)
			require.Equal(t, exitOK, r.code, "stderr: %s", r.stderr)
			require.Len(t, f.fake.calls, 1)
			if diff := cmp.Diff(want, f.fake.calls[0]); diff != "" {
				t.Errorf("call (-want +got):\n%s", diff)
			}
		})
	}
}

func TestConstitutionCommands(t *testing.T) {
	gen := genesis.Genesis{Founders: []string{"LabAMSP", "LabBMSP"}, Constitution: constitution.Default(),
		Members: []membership.FoundingMember{{Member: identity.Identity{MSPID: "LabAMSP", ID: "x509::CN=Ada::CN=ca"}, Name: "Ada", Roles: []membership.Role{"house_a"}}}}
	genHash, _, err := genesis.Hash(gen)
	require.NoError(t, err)
	genFile := filepath.Join(t.TempDir(), "genesis.json")
	raw, err := json.Marshal(gen)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(genFile, raw, 0o600))
	badFile := filepath.Join(t.TempDir(), "bad.json")
	require.NoError(t, os.WriteFile(badFile, []byte(`{"name":"x","colour":"blue"}`), 0o600))

	tests := []struct {
		name string
		args []string
		want fakeCall
	}{
		{"show current", []string{"constitution", "show"}, fakeCall{"Constitution", nil}},
		{"show version", []string{"constitution", "show", "--version", "2"}, fakeCall{"ConstitutionVersion", int64(2)}},
		{"history", []string{"constitution", "history"}, fakeCall{"ConstitutionHistory", nil}},
		{"default", []string{"constitution", "default"}, fakeCall{"DefaultConstitution", nil}},
		{"genesis propose", []string{"constitution", "genesis", "propose", "--file", genFile}, fakeCall{"ProposeGenesis", gen}},
		{"genesis approve by hash", []string{"constitution", "genesis", "approve", "--hash", genHash}, fakeCall{"ApproveGenesis", genHash}},
		{"genesis approve the file read", []string{"constitution", "genesis", "approve", "--file", genFile}, fakeCall{"ApproveGenesis", genHash}},
		{"genesis show", []string{"constitution", "genesis", "show"}, fakeCall{"Genesis", nil}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			r := f.run(t, nil, tt.args...)
			require.Equal(t, exitOK, r.code, "stderr: %s", r.stderr)
			require.Len(t, f.fake.calls, 1)
			if diff := cmp.Diff(tt.want, f.fake.calls[0]); diff != "" {
				t.Errorf("call (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("genesis propose rejects unknown fields", func(t *testing.T) {
		f := newFixture(t)
		r := f.run(t, nil, "constitution", "genesis", "propose", "--file", badFile)
		assert.Equal(t, exitUsage, r.code)
		assert.Contains(t, r.stderr, `unknown field "name"`)
		assert.Empty(t, f.fake.configs)
	})

	// encoding/json read "NAME" as name and let a repeated name win; the
	// CLI now reads documents with the chaincode's strict decoder.
	for _, bad := range []struct{ name, doc, msg string }{
		{"key in another letter case", `{"NAME":"x"}`, `unknown field "NAME"`},
		{"duplicate key", `{"name":"x","name":"y"}`, `duplicate field "name"`},
		{"null", `null`, "null is not"},
	} {
		t.Run("propose-amendment rejects "+bad.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "doc.json")
			require.NoError(t, os.WriteFile(path, []byte(bad.doc), 0o600))
			f := newFixture(t)
			r := f.run(t, nil, "constitution", "propose-amendment", "--file", path, "--title", "t")
			assert.Equal(t, exitUsage, r.code)
			assert.Contains(t, r.stderr, bad.msg)
			assert.Empty(t, f.fake.configs)
		})
	}

	t.Run("genesis draft writes the canonical genesis from profiles", func(t *testing.T) {
		f := newFixture(t)
		r := f.run(t, nil, "constitution", "genesis", "draft", "--founders", "LabBMSP,LabAMSP",
			"--member", "labA-user1:Ada Lovelace:attester,house_a:red_teaming", "--allocate", "labA-user1=600", "--periods", "15s", "--clock-skew", "5s")
		require.Equal(t, exitOK, r.code, "stderr: %s", r.stderr)
		assert.Empty(t, f.fake.configs, "nothing is sent")
		var g genesis.Genesis
		require.NoError(t, json.Unmarshal([]byte(r.stdout), &g))
		user1 := f.identityOf(t, "labA-user1", "LabAMSP")
		assert.Equal(t, []string{"LabAMSP", "LabBMSP"}, g.Founders)
		require.Len(t, g.Members, 1)
		assert.Equal(t, membership.FoundingMember{Member: user1, Name: "Ada Lovelace", Roles: []membership.Role{"member", "attester", "house_a"},
			AttesterCategories: []contribution.Category{"red_teaming"}}, g.Members[0])
		assert.Equal(t, []genesis.Allocation{{To: user1, Amount: 600}}, g.Allocations)
		for _, rule := range g.Constitution.DecisionRules {
			assert.Equal(t, []int64{0, 15, 0}, []int64{rule.VotingDelaySec, rule.VotingPeriodSec, rule.TimelockSec}, "%s", rule.Type)
		}
		assert.Equal(t, int64(0), g.Constitution.Appeals.WindowSec)
		assert.Equal(t, int64(5), g.Constitution.Time.MaxClockSkewSec)
	})

	t.Run("genesis draft shortens only the periods of --periods-for", func(t *testing.T) {
		f := newFixture(t)
		r := f.run(t, nil, "constitution", "genesis", "draft", "--founders", "LabBMSP,LabAMSP",
			"--member", "labA-user1:Ada:house_a", "--periods", "20s", "--periods-for", "seat_confirmation")
		require.Equal(t, exitOK, r.code, "stderr: %s", r.stderr)
		var g genesis.Genesis
		require.NoError(t, json.Unmarshal([]byte(r.stdout), &g))
		seat, err := g.Constitution.Rule(constitution.SeatConfirmation)
		require.NoError(t, err)
		assert.Equal(t, []int64{0, 20, 0}, []int64{seat.VotingDelaySec, seat.VotingPeriodSec, seat.TimelockSec})
		budget, err := g.Constitution.Rule(constitution.Budget)
		require.NoError(t, err)
		defDoc := constitution.Default()
		def, err := defDoc.Rule(constitution.Budget)
		require.NoError(t, err)
		assert.Equal(t, def, budget, "other types keep their periods")
		assert.Equal(t, int64(constitution.DefaultMaxClockSkewSec), g.Constitution.Time.MaxClockSkewSec, "the default skew without --clock-skew")
	})

	t.Run("genesis draft sets the clock skew", func(t *testing.T) {
		f := newFixture(t)
		r := f.run(t, nil, "constitution", "genesis", "draft", "--founders", "LabBMSP,LabAMSP",
			"--member", "labA-user1:Ada:house_a", "--clock-skew", "5s")
		require.Equal(t, exitOK, r.code, "stderr: %s", r.stderr)
		var g genesis.Genesis
		require.NoError(t, json.Unmarshal([]byte(r.stdout), &g))
		assert.Equal(t, int64(5), g.Constitution.Time.MaxClockSkewSec)
		r = f.run(t, nil, "constitution", "genesis", "draft", "--founders", "LabBMSP,LabAMSP",
			"--member", "labA-user1:Ada:house_a", "--clock-skew", "1500ms")
		assert.Equal(t, exitUsage, r.code)
		assert.Contains(t, r.stderr, "--clock-skew 1.5s: want a whole number of seconds")
	})

	t.Run("genesis draft sets the treasury delay", func(t *testing.T) {
		f := newFixture(t)
		r := f.run(t, nil, "constitution", "genesis", "draft", "--founders", "LabBMSP,LabAMSP",
			"--member", "labA-user1:Ada:house_a", "--treasury-delay", "10s")
		require.Equal(t, exitOK, r.code, "stderr: %s", r.stderr)
		var g genesis.Genesis
		require.NoError(t, json.Unmarshal([]byte(r.stdout), &g))
		assert.Equal(t, int64(10), g.Constitution.Treasury.ExecutionDelaySec)
		r = f.run(t, nil, "constitution", "genesis", "draft", "--founders", "LabBMSP,LabAMSP",
			"--member", "labA-user1:Ada:house_a", "--treasury-delay", "-1s")
		assert.Equal(t, exitUsage, r.code)
		assert.Contains(t, r.stderr, "--treasury-delay -1s")
	})
}

func TestGatewayErrorsMapToExitCodes(t *testing.T) {
	tests := []struct {
		err  error
		code int
		line string
	}{
		{&charter.Error{Code: charter.CodeForbidden, Message: "register member: caller LabAMSP/x is not an organisation admin"}, exitForbidden,
			"charter: FORBIDDEN: register member: caller LabAMSP/x is not an organisation admin\n"},
		{&charter.Error{Code: charter.CodeConflict, Message: "member is already registered"}, exitConflict,
			"charter: CONFLICT: member is already registered\n"},
		{&charter.Error{Code: charter.CodeUnknownOutcome, Message: "transaction abc was sent for ordering but its commit status is unknown", TxID: "abc"}, exitUnknownOutcome,
			"charter: UNKNOWN_OUTCOME: transaction abc was sent for ordering but its commit status is unknown\n"},
	}
	for _, tt := range tests {
		t.Run(string(charter.CodeOf(tt.err)), func(t *testing.T) {
			f := newFixture(t)
			f.fake.err = tt.err
			r := f.run(t, nil, "--as", "labA-user1", "member", "add", "--member", "labA-user1", "--name", "Ada")
			assert.Equal(t, tt.code, r.code)
			assert.Equal(t, tt.line, r.stderr)
			assert.Empty(t, r.stdout)
		})
	}

	t.Run("connection failure", func(t *testing.T) {
		f := newFixture(t)
		f.fake.connectErr = &charter.Error{Code: charter.CodeUnavailable, Message: "cannot connect to peer 127.0.0.1:7051"}
		r := f.run(t, nil, "whoami")
		assert.Equal(t, exitUnavailable, r.code)
		assert.Equal(t, "charter: UNAVAILABLE: cannot connect to peer 127.0.0.1:7051\n", r.stderr)
	})
}

func TestEventsWatch(t *testing.T) {
	at := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
	actor := identity.Identity{MSPID: "LabAMSP", ID: "x509::CN=Admin::CN=ca"}
	events := []charter.Event{
		{BlockNumber: 3, TxID: "tx1", Name: "member.registered", Envelope: core.Event{Type: "member.registered", TxID: "tx1", Time: at, Actor: actor, Payload: json.RawMessage(`{"name": "Ada"}`)}},
		{BlockNumber: 4, TxID: "tx2", Name: "member.updated", Envelope: core.Event{Type: "member.updated", TxID: "tx2", Time: at, Actor: actor, Payload: json.RawMessage(`{}`)}},
		{BlockNumber: 5, TxID: "tx3", Name: "member.removed"},
	}

	t.Run("text, count and start block", func(t *testing.T) {
		f := newFixture(t)
		f.fake.events = events
		r := f.run(t, nil, "events", "watch", "--from-block", "3", "--count", "2")
		require.Equal(t, exitOK, r.code, "stderr: %s", r.stderr)
		assert.Equal(t, "#3  2025-03-04 05:06:07  member.registered  LabAMSP/Admin  tx tx1  {\"name\":\"Ada\"}\n"+
			"#4  2025-03-04 05:06:07  member.updated  LabAMSP/Admin  tx tx2  {}\n", r.stdout)
		start := uint64(3)
		assert.Equal(t, []fakeCall{{"WatchEvents", charter.WatchOptions{StartBlock: &start}}}, f.fake.calls)
	})
	t.Run("json lines", func(t *testing.T) {
		f := newFixture(t)
		f.fake.events = events[:2]
		r := f.run(t, nil, "--output", "json", "events", "watch", "--count", "2")
		require.Equal(t, exitOK, r.code, "stderr: %s", r.stderr)
		lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
		require.Len(t, lines, 2)
		for i, l := range lines {
			var got charter.Event
			require.NoError(t, json.Unmarshal([]byte(l), &got))
			assert.Equal(t, events[i].TxID, got.TxID)
			assert.Equal(t, events[i].Envelope.Type, got.Envelope.Type)
		}
		assert.Equal(t, []fakeCall{{"WatchEvents", charter.WatchOptions{}}}, f.fake.calls)
	})
	t.Run("stream ended by the peer", func(t *testing.T) {
		f := newFixture(t)
		f.fake.events = events[:1]
		r := f.run(t, nil, "events", "watch")
		assert.Equal(t, exitUnavailable, r.code)
		assert.Contains(t, r.stderr, "charter: UNAVAILABLE: the peer ended the event stream")
		assert.Equal(t, 1, strings.Count(r.stdout, "\n"))
	})
}

// fakeCall is one recorded gateway call: method name and argument.
type fakeCall struct {
	Method string
	Arg    any
}

// fakeGateway implements gatewayAPI, recording calls.
type fakeGateway struct {
	mu         sync.Mutex
	configs    []charter.Config
	calls      []fakeCall
	err        error
	connectErr error
	whoami     *membership.WhoAmI
	events     []charter.Event
}

func (g *fakeGateway) names() []string {
	var out []string
	for _, c := range g.calls {
		out = append(out, c.Method)
	}
	return out
}

func (g *fakeGateway) record(method string, arg any) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.calls = append(g.calls, fakeCall{method, arg})
	return g.err
}

var testVersion = &constitution.Version{Version: 1, Hash: "abc", Document: constitution.Default()}
var testMember = &membership.Member{Identity: identity.Identity{MSPID: "LabAMSP", ID: "x509::CN=Ada::CN=ca"}, Name: "Ada", Status: membership.StatusActive}

func (g *fakeGateway) TransactionStatus(_ context.Context, txID string) (*charter.TxStatus, error) {
	if err := g.record("TransactionStatus", txID); err != nil {
		return nil, err
	}
	return &charter.TxStatus{TxID: txID, Found: true, Valid: true, ValidationCode: "VALID"}, nil
}

func (g *fakeGateway) Whoami(context.Context) (*membership.WhoAmI, error) {
	if err := g.record("Whoami", nil); err != nil {
		return nil, err
	}
	if g.whoami != nil {
		return g.whoami, nil
	}
	return &membership.WhoAmI{}, nil
}

func (g *fakeGateway) Constitution(context.Context) (*constitution.Version, error) {
	return testVersion, g.record("Constitution", nil)
}

func (g *fakeGateway) ConstitutionVersion(_ context.Context, v int64) (*constitution.Version, error) {
	return testVersion, g.record("ConstitutionVersion", v)
}

func (g *fakeGateway) ConstitutionHistory(context.Context) ([]constitution.VersionSummary, error) {
	return []constitution.VersionSummary{{Version: 1, Hash: "abc"}}, g.record("ConstitutionHistory", nil)
}

func (g *fakeGateway) ProposeGenesis(_ context.Context, gen genesis.Genesis) (*genesis.Proposal, error) {
	return &genesis.Proposal{Round: 1, Hash: strings.Repeat("ab", 32), Genesis: gen}, g.record("ProposeGenesis", gen)
}

func (g *fakeGateway) ApproveGenesis(_ context.Context, hash string) (*genesis.ApprovalResult, error) {
	return &genesis.ApprovalResult{Approval: genesis.Approval{Round: 1, Hash: hash, MSPID: "LabAMSP"}, Missing: []string{"LabBMSP"}}, g.record("ApproveGenesis", hash)
}

func (g *fakeGateway) Genesis(context.Context) (*genesis.Status, error) {
	return &genesis.Status{Approvals: []genesis.Approval{}, Missing: []string{}}, g.record("Genesis", nil)
}

func (g *fakeGateway) DefaultConstitution(context.Context) (*constitution.Document, error) {
	d := constitution.Default()
	return &d, g.record("DefaultConstitution", nil)
}

func (g *fakeGateway) RegisterMember(_ context.Context, req membership.RegisterRequest) (*membership.Member, error) {
	return testMember, g.record("RegisterMember", req)
}

func (g *fakeGateway) UpdateMember(_ context.Context, req membership.UpdateRequest) (*membership.Member, error) {
	return testMember, g.record("UpdateMember", req)
}

func (g *fakeGateway) RemoveMember(_ context.Context, req membership.RemoveRequest) (*membership.Member, error) {
	return testMember, g.record("RemoveMember", req)
}

func (g *fakeGateway) Member(_ context.Context, id identity.Identity) (*membership.Member, error) {
	return testMember, g.record("Member", id)
}

func (g *fakeGateway) Members(_ context.Context, q charter.MemberQuery) ([]membership.Member, error) {
	return []membership.Member{*testMember}, g.record("Members", q)
}

// WatchEvents sends the fake's events, then closes the channel (the peer
// ended the stream).
func (g *fakeGateway) WatchEvents(ctx context.Context, opts charter.WatchOptions) (<-chan charter.Event, error) {
	if err := g.record("WatchEvents", opts); err != nil {
		return nil, err
	}
	// Like the gateway: resume after the checkpoint's transaction in its
	// block.
	events := g.events
	if cp := opts.Checkpoint; cp != nil && (cp.BlockNumber() != 0 || cp.TransactionID() != "") {
		events = nil
		skipping := cp.TransactionID() != ""
		for _, ev := range g.events {
			switch {
			case ev.BlockNumber < cp.BlockNumber():
			case ev.BlockNumber == cp.BlockNumber() && skipping:
				skipping = ev.TxID != cp.TransactionID()
			default:
				events = append(events, ev)
			}
		}
	}
	out := make(chan charter.Event)
	go func() {
		defer close(out)
		for _, ev := range events {
			select {
			case out <- ev:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}

func (g *fakeGateway) Close() error { return nil }

// checkCommand runs a command with --output text and with --output json
// on fresh fixtures: it must succeed, make exactly the wanted gateway calls
// and print something — one JSON value per line in JSON.
func checkCommand(t *testing.T, args []string, wants []fakeCall) {
	t.Helper()
	for _, output := range []string{"text", "json"} {
		f := newFixture(t)
		r := f.run(t, nil, append([]string{"--output", output}, args...)...)
		require.Equal(t, exitOK, r.code, "stderr: %s", r.stderr)
		if diff := cmp.Diff(wants, f.fake.calls); diff != "" {
			t.Errorf("%s: calls (-want +got):\n%s", output, diff)
		}
		require.NotEmpty(t, r.stdout)
		if output == "json" {
			assert.True(t, json.Valid([]byte(r.stdout)), r.stdout)
			assert.Equal(t, 1, strings.Count(r.stdout, "\n"), "one JSON value per line")
		}
	}
}

func TestEventsWatchCheckpoint(t *testing.T) {
	var events []charter.Event
	for i, blk := range []uint64{3, 3, 4, 6, 6, 7} { // two events in blocks 3 and 6
		tx := fmt.Sprintf("tx%d", i+1)
		events = append(events, charter.Event{BlockNumber: blk, TxID: tx, Name: "member.registered",
			Envelope: core.Event{Type: "member.registered", TxID: tx, Payload: json.RawMessage(`{}`)}})
	}
	txsOf := func(stdout string) []string {
		var out []string
		for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
			var ev charter.Event
			require.NoError(t, json.Unmarshal([]byte(line), &ev))
			out = append(out, ev.TxID)
		}
		return out
	}
	f := newFixture(t)
	f.fake.events = events
	file := filepath.Join(t.TempDir(), "events.json")

	// A watcher stopped after two events, then again after two more
	// (mid-block: tx4 and tx5 share block 6), then run to the end: every
	// event exactly once.
	r := f.run(t, nil, "-o", "json", "events", "watch", "--from-block", "3", "--checkpoint", file, "--count", "2")
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Equal(t, []string{"tx1", "tx2"}, txsOf(r.stdout))
	r = f.run(t, nil, "-o", "json", "events", "watch", "--checkpoint", file, "--count", "2")
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Equal(t, []string{"tx3", "tx4"}, txsOf(r.stdout))
	r = f.run(t, nil, "-o", "json", "events", "watch", "--checkpoint", file, "--count", "2")
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Equal(t, []string{"tx5", "tx6"}, txsOf(r.stdout))
	raw, err := os.ReadFile(file)
	require.NoError(t, err)
	assert.JSONEq(t, `{"blockNumber":7,"transactionId":"tx6"}`, string(raw))

	t.Run("--from-block with a checkpoint that has recorded events", func(t *testing.T) {
		r := f.run(t, nil, "events", "watch", "--checkpoint", file, "--from-block", "0")
		assert.Equal(t, exitUsage, r.code)
		assert.Contains(t, r.stderr, "charter: --from-block 0: the checkpoint "+file+" already resumes at block 7; drop --from-block, or remove the file to start over")
	})
	t.Run("unreadable checkpoint", func(t *testing.T) {
		bad := filepath.Join(t.TempDir(), "bad.json")
		require.NoError(t, os.WriteFile(bad, []byte("not json"), 0o600))
		before := len(f.fake.calls)
		r := f.run(t, nil, "events", "watch", "--checkpoint", bad)
		assert.Equal(t, exitFailure, r.code)
		assert.Equal(t, 1, strings.Count(r.stderr, "\n"), "one line: %q", r.stderr)
		assert.Contains(t, r.stderr, "charter: checkpoint "+bad+" is not an event checkpoint")
		assert.Contains(t, r.stderr, "remove it to start from --from-block or the next block")
		assert.Len(t, f.fake.calls, before, "nothing watched")
	})
}
