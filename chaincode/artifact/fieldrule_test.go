package artifact

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/coi"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/internal/testutil"
	"github.com/charter-gov/charter/chaincode/text"
)

// Every refused registration, attestation, lineage read, release_stage and
// dataset_takedown names the field of the request it is about and the rule
// it broke, and writes nothing.
func TestRefusalsNameFieldAndRule(t *testing.T) {
	w := newWorld(t)
	ds := w.register(w.f, KindDataset, "corpus", "1").Ref()
	m := w.register(w.pubA, KindModelWeights, "model", "1").Ref()
	fresh := w.register(w.pubA, KindModelWeights, "fresh", "1").Ref()
	derived := w.register(w.pubA, KindModelWeights, "derived", "1", ds).Ref()
	gone := w.register(w.f, KindDataset, "gone", "1").Ref()
	tainted := w.register(w.pubA, KindModelWeights, "tainted", "1", gone).Ref()
	_, err := ApplyTakedown(w.tx(w.admin), payload(TakedownPayload{Dataset: gone, Reason: "personal data"}), "d-take")
	require.NoError(t, err)
	_, err = coi.Disclose(w.tx(w.f), coi.DiscloseRequest{Subject: Subject(m), Statement: "I co-authored it"})
	require.NoError(t, err)
	_, err = w.attest(w.b, AttestRequest{Artifact: m, Type: LicenceReview, Approved: true})
	require.NoError(t, err)
	outsider := testutil.ID("LabBMSP", "outsider")

	okReg := RegisterRequest{Kind: KindModelWeights, Name: "new", Version: "1", SHA256: sha("new"), Size: 1,
		Locations: []string{"https://models.example/new"}, Licence: "Apache-2.0"}
	register := func(by identity.Identity, edit func(*RegisterRequest)) func() error {
		return func() error {
			req := okReg
			edit(&req)
			_, err := Register(w.tx(by), req)
			return err
		}
	}
	repro := AttestRequest{Artifact: m, Type: Reproducibility, Digest: sha("model1"), Builder: "https://ci.example"}
	attest := func(by identity.Identity, req AttestRequest) func() error {
		return func() error { _, err := Attest(w.tx(by), req); return err }
	}
	lineage := func(req LineageRequest) func() error {
		return func() error { _, err := GetLineage(w.s, req); return err }
	}
	stage := func(raw []byte) func() error {
		return func() error { _, err := ApplyStage(w.tx(w.admin), &w.doc, raw, "d"); return err }
	}
	takedown := func(raw []byte) func() error {
		return func() error { _, err := ApplyTakedown(w.tx(w.admin), raw, "d"); return err }
	}
	many := func(n int, f func(i int) string) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = f(i)
		}
		return out
	}
	for _, tt := range []struct {
		name        string
		do          func() error
		code        errcode.Code
		field, rule string
	}{
		{"register: an unknown kind", register(w.pubA, func(r *RegisterRequest) { r.Kind = "vibes" }), errcode.InvalidArgument, "kind", RuleEnum},
		{"register: no name", register(w.pubA, func(r *RegisterRequest) { r.Name = "" }), errcode.InvalidArgument, "name", text.RuleRequired},
		{"register: a name with '@'", register(w.pubA, func(r *RegisterRequest) { r.Name = "a@b" }), errcode.InvalidArgument, "name", RuleFormat},
		{"register: no version", register(w.pubA, func(r *RegisterRequest) { r.Version = "" }), errcode.InvalidArgument, "version", text.RuleRequired},
		{"register: a short sha256", register(w.pubA, func(r *RegisterRequest) { r.SHA256 = "abc" }), errcode.InvalidArgument, "sha256", RuleFormat},
		{"register: too many digests", register(w.pubA, func(r *RegisterRequest) { r.Digests = make([]Digest, 7) }), errcode.InvalidArgument, "digests", RuleMaxItems},
		{"register: an unknown digest algorithm", register(w.pubA, func(r *RegisterRequest) { r.Digests = []Digest{{Algorithm: "md5", Hex: "00"}} }), errcode.InvalidArgument, "digests[0].algorithm", RuleEnum},
		{"register: an upper-case digest", register(w.pubA, func(r *RegisterRequest) {
			r.Digests = []Digest{{Algorithm: "sha3-256", Hex: strings.ToUpper(sha("x"))}}
		}), errcode.InvalidArgument, "digests[0].hex", RuleFormat},
		{"register: two digests of one algorithm", register(w.pubA, func(r *RegisterRequest) {
			r.Digests = []Digest{{Algorithm: "sha3-256", Hex: sha("x")}, {Algorithm: "sha3-256", Hex: sha("y")}}
		}), errcode.InvalidArgument, "digests[1].algorithm", RuleUnique},
		{"register: a negative size", register(w.pubA, func(r *RegisterRequest) { r.Size = -1 }), errcode.InvalidArgument, "size", RuleRange},
		{"register: too many locations", register(w.pubA, func(r *RegisterRequest) {
			r.Locations = many(MaxLocations+1, func(i int) string { return fmt.Sprintf("https://m.example/%d", i) })
		}), errcode.InvalidArgument, "locations", RuleMaxItems},
		{"register: an empty location", register(w.pubA, func(r *RegisterRequest) { r.Locations = []string{"https://a.example", ""} }), errcode.InvalidArgument, "locations[1]", text.RuleRequired},
		{"register: a location without a scheme", register(w.pubA, func(r *RegisterRequest) { r.Locations = []string{"models.example"} }), errcode.InvalidArgument, "locations[0]", RuleFormat},
		{"register: no licence", register(w.pubA, func(r *RegisterRequest) { r.Licence = "" }), errcode.InvalidArgument, "licence", text.RuleRequired},
		{"register: a broken SPDX expression", register(w.pubA, func(r *RegisterRequest) { r.Licence = "MIT AND (" }), errcode.InvalidArgument, "licence", RuleFormat},
		{"register: an unknown licence identifier", register(w.pubA, func(r *RegisterRequest) { r.Licence = "Vibes-1.0" }), errcode.InvalidArgument, "licence", RuleFormat},
		{"register: a control character in the description", register(w.pubA, func(r *RegisterRequest) { r.Description = "a\x00b" }), errcode.InvalidArgument, "description", text.RuleCharacters},
		{"register: too many parents", register(w.pubA, func(r *RegisterRequest) { r.Parents = make([]Ref, MaxParents+1) }), errcode.InvalidArgument, "parents", RuleMaxItems},
		{"register: a parent without a name", register(w.pubA, func(r *RegisterRequest) { r.Parents = []Ref{ds, {Version: "1"}} }), errcode.InvalidArgument, "parents[1].name", text.RuleRequired},
		{"register: itself as parent", register(w.pubA, func(r *RegisterRequest) { r.Parents = []Ref{{Name: "new", Version: "1"}} }), errcode.InvalidArgument, "parents[0]", RuleAcyclic},
		{"register: a repeated parent", register(w.pubA, func(r *RegisterRequest) { r.Parents = []Ref{ds, ds} }), errcode.InvalidArgument, "parents[1]", RuleUnique},
		{"register: an unregistered parent", register(w.pubA, func(r *RegisterRequest) { r.Parents = []Ref{ds, {Name: "nope", Version: "1"}} }), errcode.NotFound, "parents[1]", RuleExists},
		{"register: not a member", register(outsider, func(*RegisterRequest) {}), errcode.Forbidden, "", RuleActiveMember},
		{"register: a registered version", register(w.pubA, func(r *RegisterRequest) { r.Name = "model" }), errcode.Conflict, "version", RuleWriteOnce},

		{"attest: an unknown artifact", attest(w.b, AttestRequest{Artifact: Ref{"nope", "1"}, Type: LicenceReview}), errcode.NotFound, "artifact", RuleExists},
		{"attest: an artifact without a version", attest(w.b, AttestRequest{Artifact: Ref{Name: "model"}, Type: LicenceReview}), errcode.InvalidArgument, "artifact.version", text.RuleRequired},
		{"attest: a NUL in the evidence", attest(w.b, AttestRequest{Artifact: m, Type: LicenceReview, Evidence: "a\x00"}), errcode.InvalidArgument, "evidence", text.RuleCharacters},
		{"attest: a short reproduction digest", attest(w.b, AttestRequest{Artifact: m, Type: Reproducibility, Digest: "abc", Builder: "https://ci"}), errcode.InvalidArgument, "digest", RuleFormat},
		{"attest: no builder", attest(w.b, AttestRequest{Artifact: m, Type: Reproducibility, Digest: sha("model1")}), errcode.InvalidArgument, "builder", text.RuleRequired},
		{"attest: an empty evaluation value", attest(w.eval, AttestRequest{Artifact: m, Type: Evaluation, Benchmark: "mmlu", Metric: "acc"}), errcode.InvalidArgument, "value", RuleRange},
		{"attest: an exponent value", attest(w.eval, AttestRequest{Artifact: m, Type: Evaluation, Benchmark: "mmlu", Metric: "acc", Value: "7e-1"}), errcode.InvalidArgument, "value", RuleFormat},
		{"attest: a score above 10000", attest(w.red, AttestRequest{Artifact: m, Type: RedTeam, ScoreBps: 10001}), errcode.InvalidArgument, "scoreBps", RuleRange},
		{"attest: an oversized model card", attest(w.b, AttestRequest{Artifact: m, Type: ModelCard, ModelCard: strings.Repeat("x", MaxModelCardBytes+1)}), errcode.InvalidArgument, "modelCard", text.RuleMaxBytes},
		{"attest: a model card without front matter", attest(w.b, AttestRequest{Artifact: m, Type: ModelCard, ModelCard: "# hi"}), errcode.InvalidArgument, "modelCard", RuleFormat},
		{"attest: an unknown type", attest(w.b, AttestRequest{Artifact: m, Type: "vibes"}), errcode.InvalidArgument, "type", RuleEnum},
		{"attest: a field of another type", attest(w.b, AttestRequest{Artifact: m, Type: LicenceReview, Approved: true, ScoreBps: 5}), errcode.InvalidArgument, "scoreBps", RuleTypeField},
		{"attest: not a member", attest(outsider, repro), errcode.Forbidden, "", RuleActiveMember},
		{"attest: the publisher", attest(w.pubA, repro), errcode.Forbidden, "", RuleNotOwnArtifact},
		{"attest: the publisher's organisation reproduces", attest(w.a2, repro), errcode.Forbidden, "", RuleIndependentOrg},
		{"attest: red team without the category", attest(w.b, AttestRequest{Artifact: m, Type: RedTeam, ScoreBps: 9000}), errcode.Forbidden, "", RuleAttesterOf},
		{"attest: a conflicted attester", attest(w.f, repro), errcode.Forbidden, "", RuleRecused},
		{"attest: twice", attest(w.b, AttestRequest{Artifact: m, Type: LicenceReview, Approved: true}), errcode.Conflict, "", RuleWriteOnce},

		{"lineage: an unknown direction", lineage(LineageRequest{Artifact: m, Direction: "sideways"}), errcode.InvalidArgument, "direction", RuleEnum},
		{"lineage: a limit above the maximum", lineage(LineageRequest{Artifact: m, Limit: MaxLineageNodes + 1}), errcode.InvalidArgument, "limit", RuleRange},
		{"lineage: a negative depth", lineage(LineageRequest{Artifact: m, MaxDepth: -1}), errcode.InvalidArgument, "maxDepth", RuleRange},
		{"lineage: an unknown artifact", lineage(LineageRequest{Artifact: Ref{"nope", "1"}}), errcode.NotFound, "artifact", RuleExists},

		{"release_stage: no payload", stage(nil), errcode.InvalidArgument, "payload", RuleRequired},
		{"release_stage: a name with '@'", stage(payload(StagePayload{Artifact: Ref{"a@b", "1"}, Stage: StageNonCommercial})), errcode.InvalidArgument, "artifact.name", RuleFormat},
		{"release_stage: an unknown stage", stage(payload(StagePayload{Artifact: m, Stage: "beta"})), errcode.InvalidArgument, "stage", RuleEnum},
		{"release_stage: an unknown artifact", stage(payload(StagePayload{Artifact: Ref{"nope", "1"}, Stage: StageNonCommercial})), errcode.NotFound, "artifact", RuleExists},
		{"release_stage: the current stage", stage(payload(StagePayload{Artifact: m, Stage: StageResearchOnly})), errcode.FailedPrecondition, "stage", RuleChangesStage},
		{"release_stage: skipping a stage", stage(payload(StagePayload{Artifact: m, Stage: StageGeneral})), errcode.FailedPrecondition, "stage", RuleOneStep},
		{"release_stage: derived from a taken-down dataset", stage(payload(StagePayload{Artifact: tainted, Stage: StageNonCommercial})), errcode.FailedPrecondition, "artifact", RuleTakenDown},
		{"release_stage: a taken-down dataset", stage(payload(StagePayload{Artifact: gone, Stage: StageNonCommercial})), errcode.FailedPrecondition, "artifact", RuleTakenDown},
		{"release_stage: a missing checklist item", stage(payload(StagePayload{Artifact: fresh, Stage: StageNonCommercial})), errcode.FailedPrecondition, "stage", RuleChecklist},

		{"dataset_takedown: no payload", takedown(nil), errcode.InvalidArgument, "payload", RuleRequired},
		{"dataset_takedown: a dataset without a name", takedown(payload(TakedownPayload{Dataset: Ref{Version: "1"}, Reason: "x"})), errcode.InvalidArgument, "dataset.name", text.RuleRequired},
		{"dataset_takedown: no reason", takedown(payload(TakedownPayload{Dataset: ds})), errcode.InvalidArgument, "reason", text.RuleRequired},
		{"dataset_takedown: an unknown dataset", takedown(payload(TakedownPayload{Dataset: Ref{"nope", "1"}, Reason: "x"})), errcode.NotFound, "dataset", RuleExists},
		{"dataset_takedown: a model", takedown(payload(TakedownPayload{Dataset: derived, Reason: "x"})), errcode.InvalidArgument, "dataset", RuleDatasetOnly},
		{"dataset_takedown: twice", takedown(payload(TakedownPayload{Dataset: gone, Reason: "again"})), errcode.FailedPrecondition, "dataset", RuleTakedownOnce},

		{"stage allows: an unknown use", func() error { _, err := StageAllows(StageGeneral, "military"); return err }, errcode.InvalidArgument, "use", RuleEnum},
		{"parse: no version", func() error { _, err := ParseRef("model"); return err }, errcode.InvalidArgument, "", RuleFormat},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before, writes := w.s.Snapshot(), w.s.Writes
			err := tt.do()
			testutil.AssertRefusal(t, err, tt.code, tt.field, tt.rule)
			assert.Equal(t, before, w.s.Snapshot(), "nothing written")
			assert.Equal(t, writes, w.s.Writes)
		})
	}
}

// The two bounded reads refuse past their bound with the read-limit rule
// and write nothing: a takedown of a dataset with more derived versions
// than one transaction may mark, and a release stage for a version with
// more attestations than one transaction reads. One under each bound
// passes.
func TestReadLimitsNameRule(t *testing.T) {
	w := newWorld(t)
	ds := w.register(w.f, KindDataset, "wide", "1").Ref()
	for i := range MaxLineageNodes - 1 {
		w.register(w.pubA, KindModelWeights, fmt.Sprintf("m%05d", i), "1", ds)
	}
	nodes, err := Descendants(w.s, ds)
	require.NoError(t, err, "%d derived versions are within the bound", MaxLineageNodes-1)
	require.Len(t, nodes, MaxLineageNodes-1)
	w.register(w.pubA, KindModelWeights, "one-more", "1", ds)

	m := w.register(w.pubA, KindModelWeights, "evaluated", "1").Ref()
	for i := range MaxAttestationsRead {
		_, err := w.attest(w.eval, AttestRequest{Artifact: m, Type: Evaluation, Benchmark: fmt.Sprintf("b%04d", i), Metric: "acc", Value: "0.5"})
		require.NoError(t, err)
	}
	atts, err := Attestations(w.s, m)
	require.NoError(t, err, "%d attestations are within the bound", MaxAttestationsRead)
	require.Len(t, atts, MaxAttestationsRead)
	_, err = w.attest(w.eval, AttestRequest{Artifact: m, Type: Evaluation, Benchmark: "one-more", Metric: "acc", Value: "0.5"})
	require.NoError(t, err)

	for _, tt := range []struct {
		name string
		do   func() error
	}{
		{"dataset_takedown: more derived versions than one transaction marks", func() error {
			_, err := ApplyTakedown(w.tx(w.admin), payload(TakedownPayload{Dataset: ds, Reason: "personal data"}), "d")
			return err
		}},
		{"release_stage: more attestations than one transaction reads", func() error {
			_, err := ApplyStage(w.tx(w.admin), &w.doc, payload(StagePayload{Artifact: m, Stage: StageNonCommercial}), "d")
			return err
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := w.s.Snapshot()
			testutil.AssertRefusal(t, tt.do(), errcode.FailedPrecondition, "", RuleReadLimit)
			assert.Equal(t, before, w.s.Snapshot(), "a refusal writes nothing")
		})
	}
}
