package main

import (
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
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/membership"
)

// caFixture is a network folder with a profiles file (LabA's admin with the
// NodeOU admin, a LabA user), a network.env naming LabA's CA, and a fake
// fabric-ca-client that logs its arguments and plays the CA: it refuses a
// registration by a registrar MSP folder whose path contains "foreign".
type caFixture struct {
	*fixture
	netDir string
	log    string
}

func certPEM(t *testing.T, cn, ou string) (certPEM, keyPEM []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: cn, OrganizationalUnit: []string{ou}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	require.NoError(t, err)
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8})
}

func newCAFixture(t *testing.T, withEnv bool) *caFixture {
	t.Helper()
	f := &fixture{dir: t.TempDir(), config: t.TempDir(), certs: map[string]string{}, fake: &fakeGateway{}}
	netDir := f.dir
	var entries []string
	for _, p := range []struct{ name, cn, ou string }{{"labA-admin", "Admin@laba", "admin"}, {"labA-user1", "User1@laba", "client"}} {
		c, k := certPEM(t, p.cn, p.ou)
		cp, kp := filepath.Join(netDir, p.name+"-cert.pem"), filepath.Join(netDir, p.name+"-key.pem")
		require.NoError(t, os.WriteFile(cp, c, 0o600))
		require.NoError(t, os.WriteFile(kp, k, 0o600))
		f.certs[p.name] = cp
		entries = append(entries, fmt.Sprintf(`%q: {"org": "LabA", "mspId": "LabAMSP", "certPath": %q, "keyPath": %q, "peer": "LabA"}`, p.name, cp, kp))
	}
	f.profiles = filepath.Join(netDir, "profiles.json")
	require.NoError(t, os.WriteFile(f.profiles, []byte(fmt.Sprintf(`{"channel": "charter", "chaincode": "charter",
  "peers": {"LabA": {"mspId": "LabAMSP", "endpoint": "127.0.0.1:8051", "tlsCACert": "/ca/laba.crt", "serverName": "localhost"}},
  "profiles": {%s}}`, strings.Join(entries, ",\n"))), 0o600))

	bin := filepath.Join(netDir, "bin")
	require.NoError(t, os.MkdirAll(bin, 0o755))
	member, key := certPEM(t, "ada", "client")
	require.NoError(t, os.WriteFile(filepath.Join(netDir, "member-cert.pem"), member, 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(netDir, "member-key.pem"), key, 0o600))
	log := filepath.Join(netDir, "ca.log")
	script := fmt.Sprintf(`#!/bin/sh
echo "$*" >>%q
cmd="$1"; shift
msp=""
while [ $# -gt 0 ]; do case "$1" in --mspdir) msp="$2"; shift 2 ;; *) shift ;; esac; done
case "$cmd:$msp" in
  register:*foreign*) echo "Error: Response from server: Error Code: 20 - Authentication failure"; exit 1 ;;
  enroll:*) mkdir -p "$msp/signcerts" "$msp/keystore"; cp %q "$msp/signcerts/cert.pem"; cp %q "$msp/keystore/abc_sk" ;;
esac
exit 0
`, log, filepath.Join(netDir, "member-cert.pem"), filepath.Join(netDir, "member-key.pem"))
	require.NoError(t, os.WriteFile(filepath.Join(bin, "fabric-ca-client"), []byte(script), 0o755))
	cahome := filepath.Join(netDir, "ca", "laba")
	require.NoError(t, os.MkdirAll(filepath.Join(cahome, "registrar", "msp", "signcerts"), 0o700))
	require.NoError(t, os.WriteFile(filepath.Join(cahome, "registrar", "msp", "signcerts", "cert.pem"), member, 0o600))
	if withEnv {
		env := fmt.Sprintf("# Generated\nCHARTER_ROOT='%s'\nCHARTER_BIN='%s'\nCHARTER_PORT_OFFSET='0'\nCHARTER_LABA_CA_URL=https://127.0.0.1:8054\nCHARTER_LABA_CA_ROOT='%s'\n",
			netDir, bin, filepath.Join(netDir, "root.pem"))
		require.NoError(t, os.WriteFile(filepath.Join(netDir, "network.env"), []byte(env), 0o600))
	}
	return &caFixture{fixture: f, netDir: netDir, log: log}
}

func (f *caFixture) caCalls(t *testing.T) []string {
	t.Helper()
	raw, err := os.ReadFile(f.log)
	if os.IsNotExist(err) {
		return nil
	}
	require.NoError(t, err)
	return strings.Split(strings.TrimSpace(string(raw)), "\n")
}

func (f *caFixture) as(profile string) map[string]string {
	return map[string]string{"CHARTER_PROFILES": f.profiles, "CHARTER_PROFILE": profile}
}

// The argument checks: each refused before any CA or ledger call.
func TestMemberEnrollRevokeArgumentChecks(t *testing.T) {
	tests := []struct {
		name string
		as   string
		env  bool
		args []string
		code int
		want string
	}{
		{"no ID", "labA-admin", true, []string{"member", "enroll"}, exitUsage, "takes one argument: the enrollment ID"},
		{"two IDs", "labA-admin", true, []string{"member", "enroll", "a", "b"}, exitUsage, "takes one argument"},
		{"ID with a slash", "labA-admin", true, []string{"member", "enroll", "../etc"}, exitUsage, `enrollment ID "../etc"`},
		{"ID starting with a dot", "labA-admin", true, []string{"member", "enroll", ".ada"}, exitUsage, "starting with a letter or digit"},
		{"ID too long", "labA-admin", true, []string{"member", "enroll", strings.Repeat("a", 65)}, exitUsage, "1..64"},
		{"the registrar", "labA-admin", true, []string{"member", "enroll", "registrar"}, exitUsage, "the CA's own registrar"},
		{"revoke without a reason", "labA-admin", true, []string{"member", "revoke", "ada"}, exitUsage, "reason"},
		{"revoke with a blank reason", "labA-admin", true, []string{"member", "revoke", "ada", "--reason", "  "}, exitUsage, "say why"},
		{"a plain member enrols", "labA-user1", true, []string{"member", "enroll", "ada"}, exitForbidden, "labA-user1 is not an organisation admin"},
		{"a plain member revokes", "labA-user1", true, []string{"member", "revoke", "ada", "--reason", "x"}, exitForbidden, "is not an organisation admin"},
		{"no network.env", "labA-admin", false, []string{"member", "enroll", "ada"}, exitFailedPrecondition, "network's environment"},
		{"revoke of a member this CA never enrolled", "labA-admin", true, []string{"member", "revoke", "nobody", "--reason", "x"}, exitNotFound, "nobody was not enrolled in LabA"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newCAFixture(t, tt.env)
			r := f.run(t, f.as(tt.as), tt.args...)
			assert.Equal(t, tt.code, r.code, "stderr: %s", r.stderr)
			assert.Contains(t, r.stderr, tt.want)
			assert.Empty(t, f.caCalls(t), "the CA was not asked")
			assert.Empty(t, f.fake.calls, "the ledger was not asked")
		})
	}
}

// Enrol: the registrar registers, the member enrolls, the admin registers
// the certificate on the ledger; the member's folder has cert.pem and a
// 0600 key.pem.
func TestMemberEnrollCASideAndLedgerSide(t *testing.T) {
	f := newCAFixture(t, true)
	r := f.run(t, f.as("labA-admin"), "-o", "json", "member", "enroll", "ada", "--name", "Ada Lovelace")
	require.Equal(t, exitOK, r.code, "stderr: %s", r.stderr)
	calls := f.caCalls(t)
	require.Len(t, calls, 2)
	assert.True(t, strings.HasPrefix(calls[0], "register -u https://127.0.0.1:8054 --mspdir "+filepath.Join(f.netDir, "ca", "laba", "registrar", "msp")), calls[0])
	assert.Contains(t, calls[0], "--id.name ada")
	assert.Contains(t, calls[0], "--id.type client --id.maxenrollments 1 --id.attrs charter.org=LabA:ecert")
	assert.Contains(t, calls[0], "--caname ca-laba")
	assert.True(t, strings.HasPrefix(calls[1], "enroll -u https://ada:"), calls[1])
	dir := filepath.Join(f.netDir, "members", "laba", "ada")
	var e enrolment
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &e))
	assert.Equal(t, filepath.Join(dir, "cert.pem"), e.CertPath)
	st, err := os.Stat(e.KeyPath)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), st.Mode().Perm())
	raw, err := os.ReadFile(e.CertPath)
	require.NoError(t, err)
	id, err := identity.FromPEM("LabAMSP", raw)
	require.NoError(t, err)
	assert.Equal(t, id.ID, e.ID)
	require.Len(t, f.fake.calls, 1)
	assert.Equal(t, fakeCall{"RegisterMember", membership.RegisterRequest{Member: id, Name: "Ada Lovelace"}}, f.fake.calls[0])

	// An enrollment ID is used once.
	r = f.run(t, f.as("labA-admin"), "member", "enroll", "ada")
	assert.Equal(t, exitConflict, r.code, "stderr: %s", r.stderr)
	assert.Contains(t, r.stderr, "ada is already enrolled in LabA")
	assert.Len(t, f.caCalls(t), 2, "the CA was not asked again")
}

// Another organisation's registrar: the CA refuses; nothing is enrolled
// and the ledger is not asked.
func TestMemberEnrollByAnotherRegistrarRefused(t *testing.T) {
	f := newCAFixture(t, true)
	r := f.run(t, f.as("labA-admin"), "member", "enroll", "mallory", "--registrar-msp", filepath.Join(f.netDir, "foreign", "msp"))
	assert.Equal(t, exitForbidden, r.code, "stderr: %s", r.stderr)
	assert.Contains(t, r.stderr, "LabA's CA does not register mallory: Response from server: Error Code: 20 - Authentication failure (only LabA's registrar registers LabA's members)")
	assert.Len(t, f.caCalls(t), 1, "only the registration was tried")
	_, err := os.Stat(filepath.Join(f.netDir, "members", "laba", "mallory"))
	assert.True(t, os.IsNotExist(err), "nothing enrolled")
	assert.Empty(t, f.fake.calls, "the ledger was not asked")
}

// The ledger refuses: the CA identity is revoked again, and the ledger's
// code is the exit status.
func TestMemberEnrollLedgerRefusalRevokesAtTheCA(t *testing.T) {
	f := newCAFixture(t, true)
	f.fake.err = errcode.Forbiddenf("member register: LabAMSP's admin registers members of LabAMSP only")
	r := f.run(t, f.as("labA-admin"), "member", "enroll", "ada")
	assert.Equal(t, exitForbidden, r.code, "stderr: %s", r.stderr)
	assert.Contains(t, r.stderr, "the ledger refused to register ada as a member of LabAMSP")
	calls := f.caCalls(t)
	require.Len(t, calls, 3)
	assert.True(t, strings.HasPrefix(calls[2], "revoke -u https://127.0.0.1:8054 --mspdir "+filepath.Join(f.netDir, "ca", "laba", "registrar", "msp")+" -e ada"), calls[2])
}
