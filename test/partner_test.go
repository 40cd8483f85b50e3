package test

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/admission"
	"github.com/charter-gov/charter/chaincode/ballot"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/membership"
	charter "github.com/charter-gov/charter/gateway-client"
)

// partnerScript runs network/partner.sh; it returns the last line of its
// standard output, everything it printed, and its exit status. (Not the
// test's context: the cleanup that takes the partner down runs after it
// is cancelled.)
func partnerScript(t *testing.T, args ...string) (last, out string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	return scriptLines(t, ctx, "partner.sh", nil, args...)
}

// partnerHost is what partner.sh up prints.
type partnerHost struct {
	Name        string `json:"name"`
	MSPID       string `json:"mspId"`
	Namespace   string `json:"namespace"`
	Address     string `json:"address"`
	HostAddress string `json:"hostAddress"`
	Anchor      string `json:"anchor"`
	MSPDir      string `json:"mspDir"`
	AdminMSP    string `json:"adminMsp"`
	Dir         string `json:"dir"`
}

// readCert parses the one PEM certificate in a file.
func readCert(t *testing.T, path string) *x509.Certificate {
	t.Helper()
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	block, _ := pem.Decode(raw)
	require.NotNil(t, block, path)
	c, err := x509.ParseCertificate(block.Bytes)
	require.NoError(t, err)
	return c
}

// TestPartnerOnItsOwnHost: LabD, admitted by decision, runs on its own
// host — its CA, peer and chaincode service in their own Linux network
// namespace with their own address — joins the channel, installs and
// approves the chaincode, endorses a transaction that the founders'
// peers validate, and a member enrolled through its own CA votes. Then
// the consortium removes it and its peer can no longer endorse. The
// shared network is left with its three organisations and no namespace.
func TestPartnerOnItsOwnHost(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("a partner's own host is a Linux network namespace (ip netns), which needs root; CI runs as root")
	}
	// CHARTER_TEST_PARTNER names another partner (an admission stays on the
	// ledger: a reused network on which LabD's files were deleted needs a
	// new name)
	name := "LabD"
	if n := os.Getenv("CHARTER_TEST_PARTNER"); n != "" {
		name = n
	}
	mspID := name + "MSP"
	ctx := ctxFor(t)
	reader := net.client(t, "labA-user1")
	t.Cleanup(func() {
		_, out, code := partnerScript(t, "down", name)
		t.Logf("cleanup: partner.sh down %s: exit %d\n%s", name, code, out)
	})

	// 1. LabD's host: namespace, CA, peer, chaincode service.
	start := time.Now()
	last, out, code := partnerScript(t, "up", name)
	require.Zero(t, code, "partner.sh up: %s", out)
	t.Logf("LabD's host up in %s", time.Since(start).Round(time.Millisecond))
	var p partnerHost
	require.NoError(t, json.Unmarshal([]byte(last), &p), "up's last line: %s", last)
	_, err := os.Stat(filepath.Join("/run/netns", p.Namespace))
	require.NoError(t, err, "the namespace %s exists", p.Namespace)
	addr, err := netip.ParseAddr(p.Address)
	require.NoError(t, err)
	assert.False(t, addr.IsLoopback(), "LabD's address %s is not loopback", addr)
	assert.Equal(t, p.Address+":7051", p.Anchor)
	tlsCert := readCert(t, filepath.Join(p.Dir, "peer", "tls", "server.crt"))
	var ips []string
	for _, ip := range tlsCert.IPAddresses {
		ips = append(ips, ip.String())
		assert.False(t, ip.IsLoopback(), "LabD's peer TLS certificate names no loopback address")
	}
	assert.Contains(t, ips, p.Address, "LabD's peer TLS certificate names its own address")
	assert.NotContains(t, tlsCert.DNSNames, "localhost")
	root := readCert(t, filepath.Join(p.MSPDir, "cacerts", "ca.pem"))
	assert.Equal(t, "ca."+strings.ToLower(name)+".charter.local", root.Subject.CommonName, "LabD's own CA is its MSP's root")
	assert.Equal(t, root.Subject.String(), tlsCert.Issuer.String(), "LabD's CA issued its peer's TLS certificate")

	// 2. The consortium admits it by decision.
	payload := admission.Payload{MSPID: mspID, Name: "Lab D",
		RootCADigests: pemDigests(t, filepath.Join(p.MSPDir, "cacerts")), TLSCADigests: pemDigests(t, filepath.Join(p.MSPDir, "tlscacerts")),
		PeerEndpoints: []string{p.Anchor}}
	var executedAt time.Time
	seat := foundingMember(t, "foundation", "dec-seat1")
	community := newMember(t, "labB", fmt.Sprintf("partner-comm-%d", time.Now().UnixNano()%1_000_000_000))
	if a, err := reader.Admission(ctx, mspID); err == nil && a.Removal == nil {
		// a reused network on which an earlier run admitted LabD (with the
		// same CA: partner.sh keeps LabD's files)
		require.Equal(t, payload.RootCADigests, a.RootCADigests, "%s was admitted with another CA by an earlier run: use a fresh network or CHARTER_TEST_PARTNER", name)
		executedAt = time.Now()
		t.Logf("LabD's admission %s exists already (reused network): the time to its first endorsement is counted from now", a.Decision)
	} else {
		if err != nil {
			require.Equal(t, errcode.NotFound, codeOf(err), "LabD is not admitted yet: %s", wireText(err))
		} // else: an earlier run admitted and removed it; a new decision admits it again
		d, err := community.client.ProposePartnerAdmission(ctxFor(t), "Admit Lab D", "Lab D runs its CA, peer and chaincode service on its own host", payload)
		require.NoError(t, err, wireText(err))
		executed := passAndExecute(t, reader, seat, community, d)[0]
		executedAt = time.Now()
		t.Logf("decision %s executed", executed.ID)
	}
	for _, org := range orgProfiles {
		require.Eventually(t, func() bool {
			a, err := net.client(t, org+"-user1").Admission(ctxFor(t), mspID)
			return err == nil && a.Removal == nil
		}, 20*time.Second, 100*time.Millisecond, "the %s peer holds LabD's admission", org)
	}
	start = time.Now()
	msg, code := admitScript(t, nil, mspID, "--msp-dir", p.MSPDir, "--anchor", p.Anchor)
	require.Zero(t, code, msg)
	admitTook := time.Since(start)
	removed, removalExecuted := false, false
	// removeByDecision executes a partner_removal decision for LabD: admit.sh
	// --remove is refused without one.
	removeByDecision := func() {
		rd, err := community.client.ProposePartnerRemoval(ctxFor(t), "Remove Lab D", "the partner test ends", admission.RemovalPayload{MSPID: mspID, Reason: "the partner test ends"})
		require.NoError(t, err, wireText(err))
		passAndExecute(t, reader, seat, community, rd)
		removalExecuted = true
		for _, org := range orgProfiles {
			require.Eventually(t, func() bool {
				a, err := net.client(t, org+"-user1").Admission(ctxFor(t), mspID)
				return err == nil && a.Removal != nil && a.Removal.Decision == rd.ID
			}, 20*time.Second, 100*time.Millisecond, "the %s peer shows LabD removed by the decision", org)
		}
	}
	defer func() { // (a defer, not a cleanup: the test's context still holds)
		if !removed { // the shared network keeps its three organisations
			if !removalExecuted {
				removeByDecision()
			}
			msg, code := admitScript(t, nil, "--remove", mspID)
			t.Logf("cleanup: admit.sh --remove %s: exit %d\n%s", mspID, code, msg)
		}
	}()
	require.NotNil(t, applicationOrg(channelConfig(t), mspID), "LabD is in the channel")

	// 3. LabD joins from its own host: block 0 through the host's
	// address, install, approval of the committed definition.
	start = time.Now()
	last, out, code = partnerScript(t, "join", name)
	require.Zero(t, code, "partner.sh join: %s", out)
	joinTook := time.Since(start)
	t.Logf("joined: %s", last)

	// 4. A member enrolled through LabD's CA (inside the namespace),
	// registered on the ledger by LabD's admin as every organisation's
	// members are (member:Register), through a founder's gateway.
	suffix := fmt.Sprintf("%d", time.Now().UnixNano()%1_000_000_000)
	last, out, code = partnerScript(t, "enroll", name, "ld-ada-"+suffix)
	require.Zero(t, code, "partner.sh enroll: %s", out)
	var ada caMember
	require.NoError(t, json.Unmarshal([]byte(last), &ada), "enroll's last line: %s", last)
	adaCert := readCert(t, ada.CertPath)
	assert.Contains(t, adaCert.Subject.OrganizationalUnit, "client", "LabD's CA wrote the NodeOU role")
	assert.Equal(t, root.Subject.String(), adaCert.Issuer.String(), "LabD's CA signed it")
	pemBytes, err := os.ReadFile(ada.CertPath)
	require.NoError(t, err)
	adaID, err := identity.FromPEM(mspID, pemBytes)
	require.NoError(t, err)
	adminCerts, err := filepath.Glob(filepath.Join(p.AdminMSP, "signcerts", "*.pem"))
	require.NoError(t, err)
	adminKeys, err := filepath.Glob(filepath.Join(p.AdminMSP, "keystore", "*_sk"))
	require.NoError(t, err)
	require.Len(t, adminCerts, 1)
	require.Len(t, adminKeys, 1)
	labDAdmin := connectVia(t, caMember{MSPID: mspID, CertPath: adminCerts[0], KeyPath: adminKeys[0]}, "foundation")
	reg, err := json.Marshal(membership.RegisterRequest{Member: adaID, Name: "Ada of Lab D"})
	require.NoError(t, err)
	// The registration is LabD's first endorsement: its peer and two
	// founders' peers endorse it (MAJORITY of four organisations is three).
	// The founders' gateways learn LabD's peer through gossip (its anchor
	// peer): retried until its endorsement is planned, bounded.
	endorsers := []string{mspID, "FoundationMSP", "LabAMSP"}
	var regTx string
	var lastErr error
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
		regTx, lastErr = submitEndorsedBy(ctxFor(t), labDAdmin, "member:Register", string(reg), endorsers...)
		var refused *client.EndorseError // nothing was submitted: safe to retry
		if !errors.As(lastErr, &refused) {
			break
		}
	}
	require.NoError(t, lastErr, "LabD's admin registers its member, endorsed by LabD's peer: %s", wireText(lastErr))
	t.Logf("decision executed → first transaction endorsed by LabD committed: %s (admit.sh %s, join %s)",
		time.Since(executedAt).Round(time.Millisecond), admitTook.Round(time.Millisecond), joinTook.Round(time.Millisecond))
	m, err := reader.Member(ctxFor(t), adaID)
	require.NoError(t, err, wireText(err))
	assert.Equal(t, membership.StatusActive, m.Status)
	settledHeight(t)
	for _, org := range orgProfiles {
		msps, vc := endorsingMSPs(t, net.client(t, org+"-user1"), regTx)
		assert.Contains(t, msps, mspID, "the %s peer's block: LabD endorsed the registration", org)
		assert.Equal(t, peer.TxValidationCode_VALID, vc, "the %s peer validated it", org)
	}

	// A poll; LabD's member votes, the vote endorsed by LabD's peer and
	// two founders' peers.
	ensureMember(t, "foundation", "user1")
	poll, err := net.client(t, "foundation-user1").CreateBallot(ctxFor(t), ballot.CreateRequest{Kind: ballot.KindPoll, Title: "Is running a peer on one's own host clear?", VotingPeriodSec: 600})
	require.NoError(t, err)
	require.Eventually(t, func() bool { _, err := reader.Ballot(ctxFor(t), poll.ID); return err == nil }, 20*time.Second, 50*time.Millisecond)
	if wait := time.Until(poll.OpensAt); wait > 0 {
		time.Sleep(wait + 500*time.Millisecond)
	}
	adaClient := connectVia(t, ada, "foundation")
	arg, err := json.Marshal(ballot.CastRequest{Ballot: poll.ID, Choice: "5"})
	require.NoError(t, err)
	txID, err := submitEndorsedBy(ctxFor(t), adaClient, "ballot:Vote", string(arg), endorsers...)
	require.NoError(t, err, "LabD's member votes, endorsed by LabD's peer: %s", wireText(err))
	v, err := reader.VoteOf(ctxFor(t), poll.ID, adaID)
	require.NoError(t, err, wireText(err))
	assert.Equal(t, "5", v.Choice)
	settledHeight(t)
	for _, org := range orgProfiles {
		msps, vc := endorsingMSPs(t, net.client(t, org+"-user1"), txID)
		assert.Contains(t, msps, mspID, "the %s peer's block: LabD endorsed the vote", org)
		assert.Equal(t, peer.TxValidationCode_VALID, vc, "the %s peer validated it", org)
	}

	// 5. Removal: a partner_removal decision executes, then the consortium
	// takes LabD out of the channel; its peer can no longer endorse, and
	// nothing is written.
	removeByDecision()
	msg, code = admitScript(t, nil, "--remove", mspID)
	require.Zero(t, code, msg)
	removed = true
	assert.Contains(t, msg, "signed by the admins of Foundation LabA LabB", "with LabD in the channel a majority is 3 of 4")
	assert.Nil(t, applicationOrg(channelConfig(t), mspID), "LabD removed")
	height := settledHeight(t)
	fo := net.client(t, "foundation-user1")
	foArg, err := json.Marshal(ballot.CastRequest{Ballot: poll.ID, Choice: "3"})
	require.NoError(t, err)
	_, err = submitEndorsedBy(ctxFor(t), fo, "ballot:Vote", string(foArg), endorsers...)
	require.Error(t, err, "a vote endorsed by LabD's peer after its removal")
	t.Logf("after the removal, an endorsement by LabD: %s", wireText(err))
	_, err = adaClient.Vote(ctxFor(t), ballot.CastRequest{Ballot: poll.ID, Choice: "2"})
	require.Error(t, err, "LabD's member after LabD's removal")
	assert.Contains(t, wireText(err), "creator org", "the peers refuse LabD's identities: %s", wireText(err))
	assert.Equal(t, height, settledHeight(t), "the refused transactions wrote nothing")
	_, err = fo.VoteOf(ctxFor(t), poll.ID, profileIdentity(t, "foundation-user1"))
	assert.Equal(t, errcode.NotFound, codeOf(err), "the vote endorsed by LabD after its removal is not recorded: %s", wireText(err))
}

// submitEndorsedBy submits a Charter transaction endorsed by exactly the
// peers of the given organisations and waits for its commit; it returns
// the transaction ID, or an error for a refused endorsement or an invalid
// transaction.
func submitEndorsedBy(ctx context.Context, c *charter.Client, fn, arg string, msps ...string) (string, error) {
	prop, err := c.Contract().NewProposal(fn, client.WithArguments(arg), client.WithEndorsingOrganizations(msps...))
	if err != nil {
		return "", err
	}
	tx, err := prop.EndorseWithContext(ctx)
	if err != nil {
		return "", err
	}
	commit, err := tx.SubmitWithContext(ctx)
	if err != nil {
		return tx.TransactionID(), err
	}
	st, err := commit.StatusWithContext(ctx)
	if err != nil {
		return tx.TransactionID(), err
	}
	if !st.Successful {
		return tx.TransactionID(), fmt.Errorf("transaction %s committed invalid: %s", tx.TransactionID(), st.Code)
	}
	return tx.TransactionID(), nil
}
