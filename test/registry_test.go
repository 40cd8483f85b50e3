package test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/artifact"
	"github.com/charter-gov/charter/chaincode/coi"
	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/decision"
	"github.com/charter-gov/charter/chaincode/emergency"
	"github.com/charter-gov/charter/chaincode/errcode"
	charter "github.com/charter-gov/charter/gateway-client"
)

const registryCard = `---
license: apache-2.0
language: en
---
# reg-model

## Model Details
A test model.
## Uses
Research.
## Bias, Risks, and Limitations
Many.
## Training Details
reg-corpus, reg-recipe.
## Evaluation
MMLU.
`

// TestRegistryReleaseEndToEnd: a dataset and a recipe are registered,
// weights with provenance, reproduced by two other organisations,
// evaluated, red-teamed, their model card checked, promoted through both
// stages by House A decisions; verify accepts the file for commercial use;
// a guardian pause by two organisations blocks verify and then expires by
// itself; a file with one flipped byte fails verify; bad input is refused
// with nothing written.
func TestRegistryReleaseEndToEnd(t *testing.T) {
	// The scenario runs two decisions and a pause of 40 s: longer than
	// ctxFor's two minutes.
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Minute)
	defer cancel()
	reader := net.client(t, "foundation-user1")
	cur, err := reader.Constitution(ctx)
	require.NoError(t, err)
	if cur.Document.Emergency.RatifyWithinSec > 120 {
		t.Skipf("the constitution in force (version %d) has guardian pauses of days; this test needs the short-period test constitution TestMain adopts on a fresh network", cur.Version)
	}
	run := time.Now().UnixNano()
	curator := newMember(t, "foundation", fmt.Sprintf("reg-curator-%d", run))
	pub := newMember(t, "labA", fmt.Sprintf("reg-pub-%d", run))
	pubMate := newMember(t, "labA", fmt.Sprintf("reg-pubmate-%d", run))
	seat1 := foundingMember(t, "foundation", "dec-seat1")
	seat2 := foundingMember(t, "labA", "dec-seat2")
	seat3 := net.client(t, "foundation-user2") // a House A seat and an attester
	labB1 := net.client(t, "labB-user1")       // an attester in every category
	labB2 := net.client(t, "labB-user2")
	g1 := foundingMember(t, "labA", "reg-guardian1")
	g2 := foundingMember(t, "labB", "reg-guardian2")

	// The weights file: 8 MiB of random bytes.
	dir := t.TempDir()
	weights := filepath.Join(dir, "weights.bin")
	content := make([]byte, 8<<20)
	_, err = rand.Read(content)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(weights, content, 0o600))
	sum, size, err := charter.HashFile(weights, nil)
	require.NoError(t, err)

	suffix := fmt.Sprint(run)
	ds := artifact.Ref{Name: "reg-corpus-" + suffix, Version: "1"}
	rc := artifact.Ref{Name: "reg-recipe-" + suffix, Version: "1"}
	wt := artifact.Ref{Name: "reg-model-" + suffix, Version: "1.0"}
	_, err = curator.client.RegisterArtifact(ctx, artifact.RegisterRequest{Kind: artifact.KindDataset, Name: ds.Name, Version: ds.Version,
		SHA256: strings.Repeat("1a", 32), Size: 1 << 30, Licence: "CC-BY-4.0", Locations: []string{"https://data.example/corpus"}})
	require.NoError(t, err)
	_, err = pub.client.RegisterArtifact(ctx, artifact.RegisterRequest{Kind: artifact.KindTrainingRecipe, Name: rc.Name, Version: rc.Version,
		SHA256: strings.Repeat("2b", 32), Size: 4096, Licence: "Apache-2.0", Parents: []artifact.Ref{ds}})
	require.NoError(t, err)
	reg, err := pub.client.RegisterArtifact(ctx, artifact.RegisterRequest{Kind: artifact.KindModelWeights, Name: wt.Name, Version: wt.Version,
		SHA256: sum, Size: size, Licence: "Apache-2.0", Parents: []artifact.Ref{ds, rc}, Locations: []string{"https://models.example/reg-model"}})
	require.NoError(t, err)
	assert.Equal(t, pub.id, reg.Publisher)

	// Bad input: refused, nothing written.
	height := settledHeight(t)
	_, err = pub.client.RegisterArtifact(ctx, artifact.RegisterRequest{Kind: artifact.KindModelWeights, Name: wt.Name, Version: wt.Version, SHA256: sum, Size: size, Licence: "Apache-2.0"})
	requireRefusedUnchanged(t, reader, height, err, errcode.Conflict, "never overwritten")
	_, err = pub.client.RegisterArtifact(ctx, artifact.RegisterRequest{Kind: artifact.KindModelWeights, Name: wt.Name, Version: "2", SHA256: strings.ToUpper(sum), Size: size, Licence: "Apache-2.0"})
	requireRefusedUnchanged(t, reader, height, err, errcode.InvalidArgument, "lowercase hexadecimal")
	_, err = pub.client.RegisterArtifact(ctx, artifact.RegisterRequest{Kind: artifact.KindModelWeights, Name: wt.Name, Version: "2", SHA256: sum[:40], Size: size, Licence: "Apache-2.0"})
	requireRefusedUnchanged(t, reader, height, err, errcode.InvalidArgument, "64 hexadecimal")
	_, err = pub.client.RegisterArtifact(ctx, artifact.RegisterRequest{Kind: artifact.KindModelWeights, Name: wt.Name, Version: "2", SHA256: sum, Size: size, Licence: "Apache-2.0", Parents: []artifact.Ref{{Name: "reg-ghost", Version: "1"}}})
	requireRefusedUnchanged(t, reader, height, err, errcode.NotFound, "reg-ghost@1")
	_, err = pub.client.RegisterArtifact(ctx, artifact.RegisterRequest{Kind: artifact.KindModelWeights, Name: wt.Name, Version: "2", SHA256: sum, Size: size, Licence: "Apache-2.0", Parents: []artifact.Ref{{Name: wt.Name, Version: "2"}}})
	requireRefusedUnchanged(t, reader, height, err, errcode.InvalidArgument, "cycle")
	_, err = pub.client.AttestArtifact(ctx, artifact.AttestRequest{Artifact: wt, Type: artifact.Reproducibility, Digest: sum, Builder: "https://ci.laba"})
	requireRefusedUnchanged(t, reader, height, err, errcode.Forbidden, "published it")
	_, err = pubMate.client.AttestArtifact(ctx, artifact.AttestRequest{Artifact: wt, Type: artifact.Reproducibility, Digest: sum, Builder: "https://ci.laba"})
	requireRefusedUnchanged(t, reader, height, err, errcode.Forbidden, "publisher's organisation")

	// Lineage both ways.
	up, err := reader.ArtifactLineage(ctx, artifact.LineageRequest{Artifact: wt, Direction: artifact.Upstream})
	require.NoError(t, err)
	assert.Len(t, up.Nodes, 3)
	down, err := reader.ArtifactLineage(ctx, artifact.LineageRequest{Artifact: ds, Direction: artifact.Downstream})
	require.NoError(t, err)
	assert.Len(t, down.Nodes, 3)

	// Attestations: reproduced by two other organisations, evaluated,
	// red-teamed, the model card complete, the licence reviewed.
	for _, a := range []struct {
		c   *charter.Client
		req artifact.AttestRequest
	}{
		{labB1, artifact.AttestRequest{Type: artifact.Reproducibility, Digest: sum, Builder: "https://ci.labb.example"}},
		{seat3, artifact.AttestRequest{Type: artifact.Reproducibility, Digest: sum, Builder: "https://ci.foundation.example"}},
		{labB2, artifact.AttestRequest{Type: artifact.Evaluation, Benchmark: "mmlu", Metric: "accuracy", Value: "0.712"}},
		{labB1, artifact.AttestRequest{Type: artifact.RedTeam, ScoreBps: 8600, Evidence: "https://redteam.example/report"}},
		{labB2, artifact.AttestRequest{Type: artifact.ModelCard, ModelCard: strings.ReplaceAll(registryCard, "reg-model", wt.Name)}},
		{seat3, artifact.AttestRequest{Type: artifact.LicenceReview, Approved: true}},
	} {
		a.req.Artifact = wt
		got, err := a.c.AttestArtifact(ctx, a.req)
		require.NoError(t, err, "%s", a.req.Type)
		if a.req.Type == artifact.ModelCard {
			assert.True(t, got.Complete, "%v", got.Missing)
		}
	}
	atts, err := reader.ArtifactAttestations(ctx, wt)
	require.NoError(t, err)
	require.Len(t, atts.Statements, 6)

	// Promoted through both stages by House A decisions.
	for _, stage := range []string{artifact.StageNonCommercial, artifact.StageGeneral} {
		payload, _ := json.Marshal(artifact.StagePayload{Artifact: wt, Stage: stage})
		subj := coi.Subject{Kind: coi.KindArtifact, ID: wt.String()}
		d, err := seat1.client.ProposeDecision(ctx, decision.ProposeRequest{Type: constitution.ReleaseStage, Title: "Release " + wt.String() + " as " + stage, Subject: &subj, Payload: payload})
		require.NoError(t, err, stage)
		require.Len(t, d.Ballots, 1)
		b, err := reader.Ballot(ctx, d.Ballots[0].Ballot)
		require.NoError(t, err)
		waitUntil(t, b.OpensAt)
		for _, s := range []*charter.Client{seat1.client, seat2.client, seat3} {
			_, err := s.VoteOnDecision(ctx, decision.VoteRequest{Decision: d.ID, House: constitution.HouseA, Choice: "for"})
			require.NoError(t, err)
		}
		waitUntil(t, b.CloseableFrom(testSkew))
		_, err = reader.CloseBallot(ctx, b.ID)
		require.NoError(t, err)
		p, err := reader.Tally(ctx, b.ID, 0)
		require.NoError(t, err)
		require.True(t, p.Done)
		settledHeight(t) // the tallies are on every peer before the conclusion is endorsed
		concluded, err := reader.ConcludeDecision(ctx, d.ID)
		require.NoError(t, err)
		require.Equal(t, decision.StatusPassed, concluded.Status, "%+v", concluded.Outcome)
		waitUntil(t, concluded.ExecutableAt.Add(testSkew))
		executed, err := reader.ExecuteDecision(ctx, d.ID)
		require.NoError(t, err, stage)
		assert.Equal(t, decision.StatusExecuted, executed.Status)
		st, err := reader.ArtifactStatus(ctx, wt)
		require.NoError(t, err)
		assert.Equal(t, stage, st.Stage)
	}

	// verify: registered, matching, released for commercial use.
	v, err := reader.VerifyFile(ctx, weights, wt, artifact.UseCommercial, nil)
	require.NoError(t, err)
	assert.True(t, v.OK, v.Reason)

	// A file with one flipped byte fails.
	flipped := filepath.Join(dir, "flipped.bin")
	content[len(content)/2] ^= 0x01
	require.NoError(t, os.WriteFile(flipped, content, 0o600))
	v, err = reader.VerifyFile(ctx, flipped, wt, artifact.UseCommercial, nil)
	require.NoError(t, err)
	assert.False(t, v.OK)
	assert.False(t, v.Matches)
	assert.Contains(t, v.Reason, "digest mismatch")

	// A guardian pause: one guardian pauses nothing; the second, of
	// another organisation, puts it in force; verify refuses the use.
	target := emergency.Target{Kind: emergency.KindArtifact, ID: wt.String()}
	r1, err := g1.client.GuardianPause(ctx, emergency.PauseRequest{Target: target, Reason: "credible report the weights memorised personal data"})
	require.NoError(t, err)
	assert.False(t, r1.InForce)
	r2, err := g2.client.GuardianPause(ctx, emergency.PauseRequest{Target: target, Reason: "confirmed"})
	require.NoError(t, err)
	require.True(t, r2.InForce)
	pause := r2.Pause
	require.NotNil(t, pause)
	assert.Equal(t, pause.From.Add(40*time.Second), pause.Until, "unratified: min(maxPause, ratifyWithin)")
	// The pause committed at the second guardian's peer; the reader asks
	// its own organisation's peer: wait until every peer has the block.
	settledHeight(t)
	v, err = reader.VerifyFile(ctx, weights, wt, artifact.UseResearch, nil)
	require.NoError(t, err)
	assert.False(t, v.OK)
	assert.True(t, v.Matches)
	assert.Contains(t, v.Reason, "paused")
	_, err = g1.client.GuardianDisclose(ctx, emergency.DiscloseRequest{Target: target, Seq: pause.Seq, Text: "We paused " + wt.String() + " while the memorisation report was checked."})
	require.NoError(t, err)

	// It expires by itself (Until + skew); the same guardians cannot
	// re-impose it without a decision.
	waitUntil(t, pause.EndsAt())
	v, err = reader.VerifyFile(ctx, weights, wt, artifact.UseCommercial, nil)
	require.NoError(t, err)
	assert.True(t, v.OK, v.Reason)
	height = settledHeight(t)
	_, err = g1.client.GuardianPause(ctx, emergency.PauseRequest{Target: target, Reason: "again"})
	requireRefusedUnchanged(t, reader, height, err, errcode.FailedPrecondition, "re-impose")

	// Every organisation's peer reports the same status.
	for _, org := range orgProfiles {
		st, err := net.client(t, org+"-user1").ArtifactStatus(ctx, wt)
		require.NoError(t, err, org)
		assert.Equal(t, artifact.StageGeneral, st.Stage, org)
		assert.Len(t, st.Attestations, 6, org)
	}
}
