package test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/msp"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/charter-gov/charter/chaincode/admission"
	"github.com/charter-gov/charter/chaincode/errcode"
)

// admitScript runs network/admit.sh with extra environment; it returns
// everything it printed and its exit status.
func admitScript(t *testing.T, env []string, args ...string) (string, int) {
	t.Helper()
	// (not the test's context: the cleanup that removes LabC runs after it
	// is cancelled)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", append([]string{filepath.Join(net.root, "network", "admit.sh")}, args...)...)
	cmd.Dir = net.root
	cmd.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return out.String(), 0
	case errors.As(err, &ee):
		return out.String(), ee.ExitCode()
	}
	t.Fatalf("admit.sh %v: %v", args, err)
	return "", 0
}

// pemDigests returns the SHA-256 of the DER bytes of every certificate in
// dir/*.pem.
func pemDigests(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.pem"))
	require.NoError(t, err)
	require.NotEmpty(t, files, dir)
	var out []string
	for _, f := range files {
		raw, err := os.ReadFile(f)
		require.NoError(t, err)
		block, _ := pem.Decode(raw)
		require.NotNil(t, block, f)
		sum := sha256.Sum256(block.Bytes)
		out = append(out, hex.EncodeToString(sum[:]))
	}
	return out
}

// applicationOrg returns an organisation's group in the channel
// configuration (nil when absent).
func applicationOrg(cfg *common.Config, mspID string) *common.ConfigGroup {
	return cfg.GetChannelGroup().GetGroups()["Application"].GetGroups()[mspID]
}

// TestPartnerAdmissionConfigSide: the consortium's side of admitting LabC
// by decision, on the real network. Without an executed partner_admission
// decision network/admit.sh refuses; the decision executes and records
// LabC (MSP ID, CA digests, peer endpoint) on every peer; an update whose
// peer differs from the decision is refused; one signed by LabB's admin
// alone is refused by the orderers; with a majority of the admins' signatures
// LabC joins the channel's Application group with its MSP (NodeOUs), its
// policies and its anchor peer. Every refusal leaves the channel
// configuration as it was. Then the mirror image removes LabC again (the
// shared network keeps its three organisations for the other tests):
// refused until a partner_removal decision has executed (and refused at
// proposal for a founder), then passed.
//
// Not covered here (not built): LabC's own CA, peer and chaincode service
// in their own network namespace, its channel join and approval, and an
// endorsement by it.
func TestPartnerAdmissionConfigSide(t *testing.T) {
	// the whole test's budget: two decisions (admission, removal) with
	// their votes, timelocks and four admit.sh runs; ctxFor's two minutes
	// ran out before the first decision's record was read on a machine
	// loaded to 50
	ctx, cancel := context.WithTimeout(t.Context(), 8*time.Minute)
	defer cancel()
	reader := net.client(t, "labA-user1")

	// LabC's public MSP folder, made by its own tooling (cryptogen here).
	dir := t.TempDir()
	spec := filepath.Join(dir, "crypto-config.yaml")
	require.NoError(t, os.WriteFile(spec, []byte("PeerOrgs:\n  - Name: LabC\n    Domain: labc.charter.local\n    EnableNodeOUs: true\n    Template: {Count: 1}\n    Users: {Count: 1}\n"), 0o600))
	out, err := exec.Command(filepath.Join(net.root, ".charter", "bin", "cryptogen"), "generate", "--config="+spec, "--output="+filepath.Join(dir, "crypto")).CombinedOutput()
	require.NoError(t, err, "cryptogen: %s", out)
	mspDir := filepath.Join(dir, "crypto", "peerOrganizations", "labc.charter.local", "msp")
	const anchor = "10.77.3.2:7051"
	payload := admission.Payload{MSPID: "LabCMSP", Name: "Lab C",
		RootCADigests: pemDigests(t, filepath.Join(mspDir, "cacerts")), TLSCADigests: pemDigests(t, filepath.Join(mspDir, "tlscacerts")),
		PeerEndpoints: []string{anchor}}
	admitArgs := []string{"LabCMSP", "--msp-dir", mspDir, "--anchor", anchor}
	_, err = reader.Admission(ctx, "LabCMSP")
	require.Equal(t, errcode.NotFound, codeOf(err), "LabC is not admitted yet: %s", wireText(err))

	// Refused: no executed decision.
	before := channelConfig(t)
	msg, code := admitScript(t, nil, admitArgs...)
	assert.Equal(t, 3, code, msg)
	assert.Contains(t, msg, "holds no admission of LabCMSP")
	assert.True(t, proto.Equal(before, channelConfig(t)), "the channel configuration is unchanged")

	// The decision: proposed, voted by both houses, executed.
	seat := foundingMember(t, "foundation", "dec-seat1")
	community := newMember(t, "labB", fmt.Sprintf("adm-comm-%d", time.Now().UnixNano()%1_000_000_000))
	d, err := community.client.ProposePartnerAdmission(ctx, "Admit Lab C", "Lab C runs its peer on its own host", payload)
	require.NoError(t, err, wireText(err))
	executed := passAndExecute(t, reader, seat, community, d)[0]
	decided := time.Now()
	t.Logf("decision %s executed", executed.ID)
	for _, org := range orgProfiles {
		require.Eventually(t, func() bool {
			a, err := net.client(t, org+"-user1").Admission(ctx, "LabCMSP")
			return err == nil && a.Decision == d.ID
		}, 20*time.Second, 100*time.Millisecond, "the %s peer holds LabC's admission", org)
	}

	// The removal decision is proposed now (a founder's removal is refused
	// at proposal), voted while the admission proceeds, and executed only
	// after admit.sh --remove has been refused without it (below).
	_, err = community.client.ProposePartnerRemoval(ctx, "Remove LabA", "outvote a founder", admission.RemovalPayload{MSPID: "LabAMSP", Reason: "outvoted"})
	assert.Equal(t, errcode.FailedPrecondition, codeOf(err), "a founder is not removed by decision: %s", wireText(err))
	rd, err := community.client.ProposePartnerRemoval(ctx, "Remove Lab C", "Lab C leaves", admission.RemovalPayload{MSPID: "LabCMSP", Reason: "Lab C leaves the consortium"})
	require.NoError(t, err, wireText(err))
	removalExecuted := false

	// Refused: another peer endpoint than the decision admitted.
	msg, code = admitScript(t, nil, "LabCMSP", "--msp-dir", mspDir, "--anchor", "10.77.3.9:7051")
	assert.Equal(t, 3, code, msg)
	assert.Contains(t, msg, "does not match its admission")
	assert.Contains(t, msg, "peer endpoints")
	assert.True(t, proto.Equal(before, channelConfig(t)), "the channel configuration is unchanged")

	// Refused: signed by LabB's admin alone (the channel's Admins policy is
	// MAJORITY Admins).
	msg, code = admitScript(t, []string{"CHARTER_ADMIT_SIGNERS=LabB"}, admitArgs...)
	assert.Equal(t, 3, code, msg)
	assert.Contains(t, msg, "the orderers refused the config update signed by the admins of LabB")
	assert.True(t, proto.Equal(before, channelConfig(t)), "the channel configuration is unchanged")

	// Admitted.
	msg, code = admitScript(t, nil, admitArgs...)
	require.Equal(t, 0, code, msg)
	t.Logf("decision executed → LabC in the channel configuration on every peer: %s", time.Since(decided).Round(time.Millisecond))
	removed := false
	defer func() { // (a defer, not a cleanup: the test's context still holds)
		if !removed { // the shared network keeps its three organisations
			if !removalExecuted {
				passAndExecute(t, reader, seat, community, rd)
			}
			msg, code := admitScript(t, nil, "--remove", "LabCMSP")
			t.Logf("cleanup: admit.sh --remove LabCMSP: exit %d\n%s", code, msg)
		}
	}()
	org := applicationOrg(channelConfig(t), "LabCMSP")
	require.NotNil(t, org, "LabCMSP is in the channel's Application group")
	var mc msp.MSPConfig
	require.NoError(t, proto.Unmarshal(org.GetValues()["MSP"].GetValue(), &mc))
	var fc msp.FabricMSPConfig
	require.NoError(t, proto.Unmarshal(mc.GetConfig(), &fc))
	assert.Equal(t, "LabCMSP", fc.GetName())
	assert.True(t, fc.GetFabricNodeOus().GetEnable(), "NodeOUs on")
	assert.Equal(t, "admin", fc.GetFabricNodeOus().GetAdminOuIdentifier().GetOrganizationalUnitIdentifier())
	var anchors peer.AnchorPeers
	require.NoError(t, proto.Unmarshal(org.GetValues()["AnchorPeers"].GetValue(), &anchors))
	require.Len(t, anchors.GetAnchorPeers(), 1)
	assert.Equal(t, anchor, fmt.Sprintf("%s:%d", anchors.GetAnchorPeers()[0].GetHost(), anchors.GetAnchorPeers()[0].GetPort()))
	for _, p := range []string{"Readers", "Writers", "Admins", "Endorsement"} {
		assert.NotNil(t, org.GetPolicies()[p], "LabCMSP's %s policy", p)
	}

	// Removal, the mirror image: refused without an executed
	// partner_removal decision (the channel configuration unchanged); the
	// decision executes, every peer's record shows it, and then the update
	// passes.
	inChannel := channelConfig(t)
	msg, code = admitScript(t, nil, "--remove", "LabCMSP")
	assert.Equal(t, 3, code, msg)
	assert.Contains(t, msg, "no executed partner_removal decision removes LabCMSP")
	assert.True(t, proto.Equal(inChannel, channelConfig(t)), "the channel configuration is unchanged")
	rexec := passAndExecute(t, reader, seat, community, rd)[0]
	removalExecuted = true
	t.Logf("removal decision %s executed", rexec.ID)
	for _, org := range orgProfiles {
		require.Eventually(t, func() bool {
			a, err := net.client(t, org+"-user1").Admission(ctx, "LabCMSP")
			return err == nil && a.Removal != nil && a.Removal.Decision == rd.ID
		}, 20*time.Second, 100*time.Millisecond, "the %s peer shows LabC removed by the decision", org)
	}
	msg, code = admitScript(t, nil, "--remove", "LabCMSP")
	require.Equal(t, 0, code, msg)
	removed = true
	assert.Contains(t, msg, "removed by decision "+rd.ID)
	assert.Contains(t, msg, "signed by the admins of Foundation LabA LabB", "with LabC in the channel a majority is 3 of 4")
	assert.Nil(t, applicationOrg(channelConfig(t), "LabCMSP"), "LabCMSP removed")
	assert.True(t, strings.Contains(msg, "LabCMSP removed"), msg)
}
