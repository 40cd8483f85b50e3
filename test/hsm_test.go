//go:build pkcs11

package test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"encoding/asn1"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/miekg/pkcs11"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/ballot"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/membership"
	charter "github.com/charter-gov/charter/gateway-client"
)

// softHSMLibraries are where Debian and Ubuntu install SoftHSM2's module.
var softHSMLibraries = []string{
	"/usr/lib/softhsm/libsofthsm2.so",
	"/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
	"/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
}

const (
	hsmLabel = "charter-hsm-test"
	hsmPIN   = "1234"
)

// softHSMToken makes a fresh SoftHSM2 token in a temporary directory and
// returns the module's path. It skips the test, saying how to install it,
// only when SoftHSM2 is not installed.
func softHSMToken(t *testing.T) string {
	t.Helper()
	lib := ""
	for _, p := range softHSMLibraries {
		if _, err := os.Stat(p); err == nil {
			lib = p
			break
		}
	}
	util, err := exec.LookPath("softhsm2-util")
	if lib == "" || err != nil {
		t.Skip("SoftHSM2 is not installed here (apt-get install -y softhsm2): the HSM test cannot run")
	}
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "tokens"), 0o700))
	conf := filepath.Join(dir, "softhsm2.conf")
	require.NoError(t, os.WriteFile(conf, []byte("directories.tokendir = "+filepath.Join(dir, "tokens")+"\nobjectstore.backend = file\nlog.level = ERROR\n"), 0o600))
	t.Setenv("SOFTHSM2_CONF", conf)
	out, err := exec.Command(util, "--init-token", "--free", "--label", hsmLabel, "--pin", hsmPIN, "--so-pin", "4321").CombinedOutput()
	require.NoError(t, err, "softhsm2-util --init-token: %s", out)
	return lib
}

// generateKeyInToken makes a P-256 key pair inside the token, its private
// key not extractable, and returns the public key.
func generateKeyInToken(t *testing.T, lib string, keyID []byte) *ecdsa.PublicKey {
	t.Helper()
	p := pkcs11.New(lib)
	require.NotNil(t, p, "load %s", lib)
	require.NoError(t, p.Initialize())
	defer func() {
		_ = p.Finalize()
		p.Destroy()
	}()
	slots, err := p.GetSlotList(true)
	require.NoError(t, err)
	var slot uint
	found := false
	for _, s := range slots {
		if info, err := p.GetTokenInfo(s); err == nil && info.Label == hsmLabel {
			slot, found = s, true
		}
	}
	require.True(t, found, "token %s", hsmLabel)
	session, err := p.OpenSession(slot, pkcs11.CKF_SERIAL_SESSION|pkcs11.CKF_RW_SESSION)
	require.NoError(t, err)
	defer p.CloseSession(session)
	require.NoError(t, p.Login(session, pkcs11.CKU_USER, hsmPIN))
	defer p.Logout(session)

	p256, err := asn1.Marshal(asn1.ObjectIdentifier{1, 2, 840, 10045, 3, 1, 7})
	require.NoError(t, err)
	pub, _, err := p.GenerateKeyPair(session, []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_EC_KEY_PAIR_GEN, nil)},
		[]*pkcs11.Attribute{
			pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PUBLIC_KEY),
			pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_EC),
			pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true),
			pkcs11.NewAttribute(pkcs11.CKA_VERIFY, true),
			pkcs11.NewAttribute(pkcs11.CKA_EC_PARAMS, p256),
			pkcs11.NewAttribute(pkcs11.CKA_ID, keyID),
		},
		[]*pkcs11.Attribute{
			pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PRIVATE_KEY),
			pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_EC),
			pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true),
			pkcs11.NewAttribute(pkcs11.CKA_PRIVATE, true),
			pkcs11.NewAttribute(pkcs11.CKA_SIGN, true),
			pkcs11.NewAttribute(pkcs11.CKA_SENSITIVE, true),
			pkcs11.NewAttribute(pkcs11.CKA_EXTRACTABLE, false),
			pkcs11.NewAttribute(pkcs11.CKA_ID, keyID),
		})
	require.NoError(t, err, "generate a key pair in the token")
	attrs, err := p.GetAttributeValue(session, pub, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_EC_POINT, nil)})
	require.NoError(t, err)
	var point []byte
	_, err = asn1.Unmarshal(attrs[0].Value, &point) // a DER OCTET STRING around the uncompressed point
	require.NoError(t, err)
	x, y := elliptic.Unmarshal(elliptic.P256(), point) //nolint:staticcheck // the token's uncompressed point
	require.NotNil(t, x, "public point")
	return &ecdsa.PublicKey{Curve: elliptic.P256(), X: x, Y: y}
}

// TestHSMMember: a member whose private key was generated inside a
// PKCS#11 token (SoftHSM2) and never left it — its certificate issued by
// its organisation's CA for the token's public key — is registered,
// votes, and is read back; the client fails over from an unreachable
// gateway and TransactionStatus settles its vote. Bad HSM settings get
// one-line errors naming the fix.
func TestHSMMember(t *testing.T) {
	lib := softHSMToken(t)
	keyID := []byte(fmt.Sprintf("charter-%d", time.Now().UnixNano()))
	pub := generateKeyInToken(t, lib, keyID)
	cn := fmt.Sprintf("hsm-%d@labA", time.Now().UnixNano())
	certPath, err := issueCertFor(net.profiles, "labA", cn, pub, t.TempDir())
	require.NoError(t, err)
	pemBytes, err := os.ReadFile(certPath)
	require.NoError(t, err)
	id, err := identity.FromPEM("LabAMSP", pemBytes)
	require.NoError(t, err)

	cfg, err := net.profiles.Config("labA-user1")
	require.NoError(t, err)
	cfg.CertPath, cfg.KeyPath = certPath, ""
	cfg.HSM = &charter.HSMConfig{Library: lib, Label: hsmLabel, PIN: hsmPIN, KeyID: hex.EncodeToString(keyID)}

	t.Run("bad HSM settings", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			edit func(h *charter.HSMConfig)
			want string
		}{
			{"wrong PIN", func(h *charter.HSMConfig) { h.PIN = "0000" }, `HSM token "charter-hsm-test": wrong PIN (CKR_PIN_INCORRECT)`},
			{"no such token", func(h *charter.HSMConfig) { h.Label = "nowhere" }, `HSM: no token labelled "nowhere"`},
			{"no such key", func(h *charter.HSMConfig) { h.KeyID = "ff00" }, "no private key with CKA_ID ff00: check hsm.keyId"},
			{"no such library", func(h *charter.HSMConfig) { h.Library = "/nonexistent/libpkcs11.so" }, "HSM library /nonexistent/libpkcs11.so"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				bad := cfg
				h := *cfg.HSM
				tc.edit(&h)
				bad.HSM = &h
				c, err := charter.Connect(ctxFor(t), bad)
				require.Error(t, err)
				assert.Nil(t, c)
				assert.Contains(t, err.Error(), tc.want)
				assert.NotContains(t, err.Error(), "\n", "one line")
			})
		}
	})

	// Its organisation's admin registers it; a poll opens after that.
	ctx := ctxFor(t)
	_, err = net.client(t, "labA-admin").RegisterMember(ctx, membership.RegisterRequest{Member: id, Name: "HSM Member"})
	require.NoError(t, err)
	ensureMember(t, "foundation", "user1")
	poll, err := net.client(t, "foundation-user1").CreateBallot(ctx, ballot.CreateRequest{Kind: ballot.KindPoll, Title: "Keys in hardware?", VotingPeriodSec: 600})
	require.NoError(t, err)

	// The first gateway cannot be reached: the client moves on.
	primary := cfg.PeerEndpoint
	withFailover := cfg
	withFailover.PeerEndpoint = "127.0.0.1:1"
	withFailover.DialTimeout = 3 * time.Second
	withFailover.Fallbacks = append([]charter.Endpoint{{Address: primary, ServerName: cfg.ServerName, TLSCACertPath: cfg.TLSCACertPath}}, cfg.Fallbacks...)
	c, err := charter.Connect(ctx, withFailover)
	require.NoError(t, err)
	defer c.Close()
	assert.Equal(t, primary, c.GatewayAddress(), "connected through the next gateway")

	w, err := c.Whoami(ctx)
	require.NoError(t, err)
	assert.Equal(t, id, w.Identity, "the chaincode sees the token's key's certificate")
	require.NotNil(t, w.Member)
	assert.Equal(t, "HSM Member", w.Member.Name)

	require.Eventually(t, func() bool {
		_, err := c.Ballot(ctx, poll.ID)
		return err == nil
	}, 20*time.Second, 100*time.Millisecond, "the poll reached the gateway's peer")
	if wait := time.Until(poll.OpensAt); wait > 0 {
		time.Sleep(wait + 500*time.Millisecond)
	}
	vote, err := c.Vote(ctx, ballot.CastRequest{Ballot: poll.ID, Choice: "6"})
	require.NoError(t, err, wireText(err))
	assert.Equal(t, id, vote.Voter)

	back, err := net.client(t, "labB-user1").VoteOf(ctx, poll.ID, id)
	require.NoError(t, err)
	assert.Equal(t, "6", back.Choice)
	assert.Equal(t, vote.TxID, back.TxID)

	st, err := c.TransactionStatus(ctx, vote.TxID)
	require.NoError(t, err)
	assert.True(t, st.Found)
	assert.True(t, st.Valid, "the HSM-signed vote committed VALID")
}
