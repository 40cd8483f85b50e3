package test

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/msp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/charter-gov/charter/chaincode/ballot"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/membership"
	charter "github.com/charter-gov/charter/gateway-client"
)

// memberScript runs network/member.sh with extra environment; it returns
// the last line of its standard output, everything it printed, and its
// exit status.
func memberScript(t *testing.T, env []string, args ...string) (last, out string, code int) {
	t.Helper()
	return scriptLines(t, ctxFor(t), "member.sh", env, args...)
}

// scriptLines runs network/SCRIPT with extra environment until ctx
// ends; it returns the last line of its standard output, everything it
// printed, and its exit status.
func scriptLines(t *testing.T, ctx context.Context, script string, env []string, args ...string) (last, out string, code int) {
	t.Helper()
	cmd := exec.CommandContext(ctx, "bash", append([]string{filepath.Join(net.root, "network", script)}, args...)...)
	cmd.Dir = net.root
	cmd.Env = append(os.Environ(), env...)
	var stdout bytes.Buffer
	all := &lockedBuffer{}
	cmd.Stdout = &multi{&stdout, all}
	cmd.Stderr = all
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		code = ee.ExitCode()
	default:
		t.Fatalf("%s %v: %v", script, args, err)
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	return lines[len(lines)-1], all.String(), code
}

// charterBin builds the charter CLI once per test binary.
var charterBin = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "charter-cli-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "charter")
	build := exec.Command("go", "build", "-o", bin, "./cmd/charter")
	build.Dir = net.root
	if out, err := build.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build charter: %v: %s", err, out)
	}
	return bin, nil
})

// charterCLI runs the charter CLI on the network's profiles as profile,
// with -o json and extra environment; it returns standard output, both
// streams, and the exit status.
func charterCLI(t *testing.T, env []string, profile string, args ...string) (stdout, all string, code int) {
	t.Helper()
	bin, err := charterBin()
	require.NoError(t, err)
	cmd := exec.CommandContext(ctxFor(t), bin, append([]string{"--profiles-file", filepath.Join(net.stateDir, "profiles.json"),
		"--as", profile, "--timeout", "60s", "-o", "json"}, args...)...)
	cmd.Dir = net.root
	cmd.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	both := &lockedBuffer{}
	cmd.Stdout = &multi{&out, both}
	cmd.Stderr = both
	err = cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		code = ee.ExitCode()
	default:
		t.Fatalf("charter %v: %v", args, err)
	}
	return out.String(), both.String(), code
}

// multi copies the script's standard output to a and b.
type multi struct {
	a *bytes.Buffer
	b *lockedBuffer
}

func (m *multi) Write(p []byte) (int, error) {
	m.a.Write(p)
	return m.b.Write(p)
}

// lockedBuffer collects standard output and standard error, which the
// exec package copies from two goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// caMember is what member.sh enroll prints.
type caMember struct {
	Org      string `json:"org"`
	MSPID    string `json:"mspId"`
	ID       string `json:"id"`
	CertPath string `json:"certPath"`
	KeyPath  string `json:"keyPath"`
}

// connectVia connects as an enrolled member through org's peer only (no
// fallbacks), so that the answer is that peer's.
func connectVia(t *testing.T, m caMember, org string) *charter.Client {
	t.Helper()
	cfg, err := net.profiles.Config(org + "-user1")
	require.NoError(t, err)
	cfg.MSPID, cfg.CertPath, cfg.KeyPath, cfg.Fallbacks = m.MSPID, m.CertPath, m.KeyPath, nil
	c, err := charter.Connect(ctxFor(t), cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// revocationSerials lists the serial numbers (hex) the CRLs of mspID's
// definition in the channel configuration revoke.
func revocationSerials(t *testing.T, cfg *common.Config, mspID string) []string {
	t.Helper()
	org := cfg.GetChannelGroup().GetGroups()["Application"].GetGroups()[mspID]
	require.NotNil(t, org, "%s in the channel", mspID)
	var mc msp.MSPConfig
	require.NoError(t, proto.Unmarshal(org.GetValues()["MSP"].GetValue(), &mc))
	var fc msp.FabricMSPConfig
	require.NoError(t, proto.Unmarshal(mc.GetConfig(), &fc))
	var out []string
	for _, raw := range fc.GetRevocationList() {
		serials, err := parseCRLPEM(raw)
		require.NoError(t, err)
		out = append(out, serials...)
	}
	return out
}

// TestCAEnrolVoteRevoke: a LabA member is registered and enrolled through
// LabA's own CA and registered on the ledger by LabA's admin in one step
// (charter member enroll), and votes. Another organisation's registrar
// cannot enrol into LabA (through network/member.sh or the CLI), nor a
// plain member; another organisation's admin alone cannot put a CRL into
// LabA's MSP definition. Then LabA revokes the member (charter member
// revoke): the CA revokes, the CRL reaches LabA's MSP
// definition through a config update signed by a majority of the admins,
// the ledger marks the member removed, and every organisation's peer
// refuses the member's next transaction.
func TestCAEnrolVoteRevoke(t *testing.T) {
	_, err := charterBin() // built before the test's deadlines start
	require.NoError(t, err)
	// the whole test's budget (ctxFor's two minutes ran out on a machine
	// loaded to 40, with enrolment alone taking a minute)
	ctx, cancel := context.WithTimeout(t.Context(), 6*time.Minute)
	defer cancel()
	suffix := fmt.Sprintf("%d", time.Now().UnixNano()%1_000_000_000)
	observer := net.client(t, "labA-user1")

	// Enrol through LabA's CA, CA side and ledger side together.
	start := time.Now()
	last, out, code := charterCLI(t, nil, "labA-admin", "member", "enroll", "ca-ada-"+suffix, "--name", "Ada (enrolled by LabA's CA)")
	require.Zero(t, code, "charter member enroll: %s", out)
	t.Logf("enrolled through LabA's CA and registered on the ledger (charter member enroll) in %s", time.Since(start).Round(time.Millisecond))
	var ada caMember
	require.NoError(t, json.Unmarshal([]byte(last), &ada), "enroll's output: %s", last)
	pemBytes, err := os.ReadFile(ada.CertPath)
	require.NoError(t, err)
	cert, err := identity.ParsePEM(pemBytes)
	require.NoError(t, err)
	assert.Equal(t, "ca-ada-"+suffix, cert.Subject.CommonName)
	assert.Contains(t, cert.Subject.OrganizationalUnit, "client", "the CA wrote the NodeOU role into the certificate")
	assert.Equal(t, "ca.laba.charter.local", cert.Issuer.CommonName, "LabA's CA signed with LabA's MSP root")
	id, err := identity.FromPEM("LabAMSP", pemBytes)
	require.NoError(t, err)
	assert.Equal(t, id.ID, ada.ID)
	m, err := observer.Member(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, membership.StatusActive, m.Status)

	// Refused: Foundation's registrar registering at LabA's CA. The
	// registrar must exist first: Foundation enrols one of its own
	// (network/member.sh, the script the CLI mirrors).
	_, out, code = memberScript(t, nil, "enroll", "Foundation", "ca-fo-"+suffix)
	require.Zero(t, code, "enroll at Foundation: %s", out)
	height := settledHeight(t)
	foreign := filepath.Join(net.stateDir, "ca", "foundation", "registrar", "msp")
	_, out, code = memberScript(t, []string{"CHARTER_MEMBER_REGISTRAR_MSP=" + foreign}, "enroll", "LabA", "ca-mallory-"+suffix)
	assert.Equal(t, 3, code, "another organisation's registrar is refused: %s", out)
	assert.Contains(t, out, "LabA's CA does not register ca-mallory-"+suffix)
	assert.Contains(t, out, "only LabA's registrar registers LabA's members")
	_, out, code = charterCLI(t, nil, "labA-admin", "member", "enroll", "ca-mallory2-"+suffix, "--registrar-msp", foreign)
	assert.Equal(t, 3, code, "charter member enroll: another organisation's registrar is refused (FORBIDDEN): %s", out)
	assert.Contains(t, out, "LabA's CA does not register ca-mallory2-"+suffix)
	assert.Contains(t, out, "only LabA's registrar registers LabA's members")
	_, out, code = charterCLI(t, nil, "foundation-admin", "member", "enroll", "ca-mallory3-"+suffix)
	require.Zero(t, code, "Foundation's admin enrols at Foundation's own CA: %s", out)
	assert.Contains(t, out, `"mspId":"FoundationMSP"`, "an admin enrols into its own organisation only")
	height = settledHeight(t)
	_, out, code = charterCLI(t, nil, "labA-user1", "member", "enroll", "ca-mallory4-"+suffix)
	assert.Equal(t, 3, code, "a plain member does not enrol: %s", out)
	assert.Contains(t, out, "not an organisation admin")
	for _, m := range []string{"ca-mallory-", "ca-mallory2-", "ca-mallory4-"} {
		_, err = os.Stat(filepath.Join(net.stateDir, "members", "laba", m+suffix))
		assert.True(t, os.IsNotExist(err), "nothing was enrolled for %s", m)
	}
	assert.Equal(t, height, chainHeight(t, observer), "the ledger is unchanged")

	// The enrolled member votes on a poll.
	ensureMember(t, "foundation", "user1")
	proposer := net.client(t, "foundation-user1")
	poll, err := proposer.CreateBallot(ctx, ballot.CreateRequest{Kind: ballot.KindPoll, Title: "Is enrolment through each organisation's CA clear?", VotingPeriodSec: 600})
	require.NoError(t, err)
	require.Eventually(t, func() bool { _, err := observer.Ballot(ctx, poll.ID); return err == nil }, 20*time.Second, 50*time.Millisecond)
	if wait := time.Until(poll.OpensAt); wait > 0 {
		time.Sleep(wait + 500*time.Millisecond)
	}
	adaClient := connectVia(t, ada, "labA")
	v, err := adaClient.Vote(ctx, ballot.CastRequest{Ballot: poll.ID, Choice: "6"})
	require.NoError(t, err, "the CA-enrolled member votes: %s", wireText(err))
	assert.Equal(t, id, v.Voter, "the vote is the enrolled member's")

	// Before the revocation every organisation's peer accepts the
	// certificate.
	for _, org := range orgProfiles {
		w, err := connectVia(t, ada, org).Whoami(ctx)
		require.NoError(t, err, "the %s peer accepts the enrolled member: %s", org, wireText(err))
		require.NotNil(t, w.Member)
	}

	// Refused: LabB's admin alone signs the config update that would put
	// LabA's CRL into LabA's MSP definition. The orderers refuse it; the
	// channel configuration and the ledger are unchanged (LabA's CA has
	// revoked the certificate, which no peer knows yet).
	cfgBefore := channelConfig(t)
	height = settledHeight(t)
	_, out, code = charterCLI(t, []string{"CHARTER_MEMBER_SIGNERS=LabB"}, "labA-admin", "member", "revoke", "ca-ada-"+suffix, "--reason", "LabB tries")
	assert.Equal(t, 3, code, "an update signed by too few admins is refused: %s", out)
	assert.Contains(t, out, "the orderers refused the config update signed by the admins of LabB")
	assert.True(t, proto.Equal(cfgBefore, channelConfig(t)), "the channel configuration is unchanged")
	assert.Equal(t, height, chainHeight(t, observer), "the ledger is unchanged")
	m, err = observer.Member(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, membership.StatusActive, m.Status, "still a member")
	assert.NotContains(t, revocationSerials(t, channelConfig(t), "LabAMSP"), cert.SerialNumber.Text(16))

	// LabA revokes: CA, channel, ledger.
	start = time.Now()
	last, out, code = charterCLI(t, nil, "labA-admin", "member", "revoke", "ca-ada-"+suffix, "--reason", "left LabA")
	require.Zero(t, code, "charter member revoke: %s", out)
	t.Logf("revoked (CA, config update committed on every peer, ledger; charter member revoke) in %s", time.Since(start).Round(time.Millisecond))
	var rev struct {
		ConfigBlock uint64             `json:"configBlock"`
		Member      *membership.Member `json:"member"`
	}
	require.NoError(t, json.Unmarshal([]byte(last), &rev), "revoke's output: %s", last)
	assert.Positive(t, rev.ConfigBlock)
	require.NotNil(t, rev.Member)
	assert.Equal(t, membership.StatusRemoved, rev.Member.Status)
	assert.Contains(t, revocationSerials(t, channelConfig(t), "LabAMSP"), cert.SerialNumber.Text(16), "LabA's MSP definition revokes the certificate")
	for _, org := range orgProfiles {
		require.Eventually(t, func() bool {
			m, err := net.client(t, org+"-user1").Member(ctx, id)
			return err == nil && m.Status == membership.StatusRemoved
		}, 20*time.Second, 100*time.Millisecond, "the %s peer has the member removed", org)
	}

	// Every organisation's peer refuses the revoked certificate's next
	// transaction; nothing is written.
	height = settledHeight(t)
	for _, org := range orgProfiles {
		c := connectVia(t, ada, org)
		_, err := c.Vote(ctx, ballot.CastRequest{Ballot: poll.ID, Choice: "2"})
		require.Error(t, err, "the %s peer refuses the revoked certificate", org)
		t.Logf("%s peer: %s", org, wireText(err))
		assert.Contains(t, wireText(err), "access denied: channel [charter] creator org [LabAMSP]",
			"the %s peer's MSP refused the certificate itself, before any chaincode rule", org)
		_, err = c.Whoami(ctx)
		require.Error(t, err, "the %s peer refuses the revoked certificate's queries too", org)
		assert.Contains(t, wireText(err), "access denied", "the %s peer's refusal of a query", org)
	}
	assert.Equal(t, height, chainHeight(t, observer), "the refused transactions wrote nothing")
}

// parseCRLPEM returns the serial numbers (hex) a PEM CRL revokes.
func parseCRLPEM(raw []byte) ([]string, error) {
	block, _ := pem.Decode(raw)
	if block == nil {
		return nil, fmt.Errorf("no PEM block in a CRL of the channel configuration")
	}
	rl, err := x509.ParseRevocationList(block.Bytes)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range rl.RevokedCertificateEntries {
		out = append(out, e.SerialNumber.Text(16))
	}
	return out, nil
}
