package contract

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/artifact"
	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/emergency"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/membership"
)

// TestRegistryAndGuardianThroughContract: versions registered with
// provenance, the publisher's own reproduction refused, a guardian pause of
// an artifact by two organisations, its status and disclosure.
func TestRegistryAndGuardianThroughContract(t *testing.T) {
	h := newHarness(t)
	pub := newIdentity(t, "LabAMSP", "Pub@labA", "client")
	bob := newIdentity(t, "LabBMSP", "Bob@labB", "client")
	gA := newIdentity(t, "LabAMSP", "Guard@labA", "client")
	gB := newIdentity(t, "LabBMSP", "Guard@labB", "client")
	doc := constitution.Default()
	id := func(u testIdentity) identity.Identity { return identity.FromCert(u.msp, u.cert) }
	fm := func(u testIdentity, roles ...membership.Role) membership.FoundingMember {
		return membership.FoundingMember{Member: id(u), Name: u.cert.Subject.CommonName, Roles: roles}
	}
	h.found(testGenesis(t, &doc, []membership.FoundingMember{fm(pub), fm(bob), fm(gA, membership.RoleGuardian), fm(gB, membership.RoleGuardian)}, nil))
	h.clock = h.clock.Add(time.Second)
	okCall := func(caller testIdentity, fn string, args ...string) []byte {
		t.Helper()
		res, _ := h.invoke(caller, 0, fn, args...)
		require.Equal(t, int32(ok), res.Status, res.Message)
		return res.Payload
	}
	refused := func(caller testIdentity, code errcode.Code, msg, fn string, args ...string) {
		t.Helper()
		before := h.state.Snapshot()
		res, stub := h.invoke(caller, 0, fn, args...)
		require.Equal(t, int32(500), res.Status, res.Message)
		decoded, found := errcode.Decode(res.Message)
		require.True(t, found, res.Message)
		assert.Equal(t, code, decoded.Code, res.Message)
		assert.Contains(t, res.Message, msg)
		assert.Equal(t, before, h.state.Snapshot(), "state unchanged")
		assert.Empty(t, stub.Events)
	}
	sha := strings.Repeat("ab", 32)
	okCall(bob, "artifact:Register", mustArg(t, artifact.RegisterRequest{Kind: artifact.KindDataset, Name: "corpus", Version: "1", SHA256: strings.Repeat("cd", 32), Size: 10, Licence: "CC-BY-4.0"}))
	okCall(pub, "artifact:Register", mustArg(t, artifact.RegisterRequest{Kind: artifact.KindModelWeights, Name: "model", Version: "1", SHA256: sha, Size: 10, Licence: "Apache-2.0",
		Parents: []artifact.Ref{{Name: "corpus", Version: "1"}}, Locations: []string{"https://example.org/model"}}))
	refused(pub, errcode.Conflict, "never overwritten", "artifact:Register", mustArg(t, artifact.RegisterRequest{Kind: artifact.KindModelWeights, Name: "model", Version: "1", SHA256: sha, Size: 10, Licence: "Apache-2.0"}))
	refused(pub, errcode.InvalidArgument, "64 hexadecimal", "artifact:Register", mustArg(t, artifact.RegisterRequest{Kind: artifact.KindModelWeights, Name: "model", Version: "2", SHA256: "abc", Size: 10, Licence: "Apache-2.0"}))
	refused(pub, errcode.NotFound, "ghost@1", "artifact:Register", mustArg(t, artifact.RegisterRequest{Kind: artifact.KindModelWeights, Name: "model", Version: "2", SHA256: sha, Size: 10, Licence: "Apache-2.0", Parents: []artifact.Ref{{Name: "ghost", Version: "1"}}}))
	refused(pub, errcode.Forbidden, "published it", "artifact:Attest", mustArg(t, artifact.AttestRequest{Artifact: artifact.Ref{Name: "model", Version: "1"}, Type: artifact.Reproducibility, Digest: sha, Builder: "https://ci"}))
	okCall(bob, "artifact:Attest", mustArg(t, artifact.AttestRequest{Artifact: artifact.Ref{Name: "model", Version: "1"}, Type: artifact.Reproducibility, Digest: sha, Builder: "https://ci.labb"}))

	var lin artifact.Lineage
	require.NoError(t, json.Unmarshal(okCall(bob, "artifact:Lineage", mustArg(t, artifact.LineageRequest{Artifact: artifact.Ref{Name: "corpus", Version: "1"}})), &lin))
	assert.Len(t, lin.Nodes, 2)
	var al AttestationList
	require.NoError(t, json.Unmarshal(okCall(bob, "artifact:Attestations", "model", "1"), &al))
	require.Len(t, al.Statements, 1)
	assert.Equal(t, artifact.PredicateSLSAProvenance, al.Statements[0].PredicateType)

	target := emergency.Target{Kind: emergency.KindArtifact, ID: "model@1"}
	refused(pub, errcode.Forbidden, "guardian", "guardian:Pause", mustArg(t, emergency.PauseRequest{Target: target, Reason: "r"}))
	refused(gA, errcode.NotFound, "nope@1", "guardian:Pause", mustArg(t, emergency.PauseRequest{Target: emergency.Target{Kind: emergency.KindArtifact, ID: "nope@1"}, Reason: "r"}))
	var sr emergency.SupportResult
	require.NoError(t, json.Unmarshal(okCall(gA, "guardian:Pause", mustArg(t, emergency.PauseRequest{Target: target, Reason: "weights leak PII"})), &sr))
	assert.False(t, sr.InForce)
	res, stub := h.invoke(gB, 0, "guardian:Pause", mustArg(t, emergency.PauseRequest{Target: target, Reason: "confirmed"}))
	require.Equal(t, int32(ok), res.Status, res.Message)
	assert.Contains(t, stub.Events, emergency.EventPaused)
	var st artifact.Status
	require.NoError(t, json.Unmarshal(okCall(bob, "artifact:Status", "model", "1"), &st))
	require.NotNil(t, st.Pause)
	usable, why, err := st.Usable(artifact.UseResearch)
	require.NoError(t, err)
	assert.False(t, usable, why)
	var es emergency.Status
	require.NoError(t, json.Unmarshal(okCall(bob, "guardian:Status", "artifact", "model@1"), &es))
	require.NotNil(t, es.InForce)
	assert.Len(t, es.Supports, 2)
	refused(pub, errcode.Forbidden, "not one of the guardians", "guardian:Disclose", mustArg(t, emergency.DiscloseRequest{Target: target, Seq: 1, Text: "x"}))
	okCall(gA, "guardian:Disclose", mustArg(t, emergency.DiscloseRequest{Target: target, Seq: 1, Text: "We paused model@1 because it leaked PII."}))
	refused(bob, errcode.FailedPrecondition, "disclosed it", "guardian:RecordMissedDisclosure", "artifact", "model@1", "1")
	refused(gA, errcode.NotFound, "s1", "guardian:Pause", mustArg(t, emergency.PauseRequest{Target: emergency.Target{Kind: emergency.KindTreasurySpend, ID: "s1"}, Reason: "r"}))
}
