package artifact

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/coi"
	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/contribution"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/emergency"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/internal/testutil"
	"github.com/charter-gov/charter/chaincode/membership"
)

type world struct {
	t     testing.TB
	s     *core.MemStore
	now   time.Time
	n     int
	admin identity.Identity
	// pubA publishes (LabA); a2 is another LabA member; b, f are LabB and
	// Foundation members; red and eval are attesters of LabB; gB, gF are
	// guardians.
	pubA, a2, b, f, red, eval, gB, gF identity.Identity
	doc                               constitution.Document
}

func newWorld(t testing.TB) *world {
	w := &world{t: t, s: core.NewMemStore(), now: testutil.T0(), admin: testutil.ID("LabAMSP", "admin")}
	w.doc = constitution.Default()
	w.doc.Time.MaxClockSkewSec = 30
	_, err := constitution.InstallGenesis(w.tx(w.admin), w.doc)
	require.NoError(t, err)
	w.pubA = w.member("LabAMSP", "pub")
	w.a2 = w.member("LabAMSP", "a2")
	w.b = w.member("LabBMSP", "b")
	w.f = w.member("FoundationMSP", "f")
	w.red = w.attester("LabBMSP", "red", contribution.RedTeaming)
	w.eval = w.attester("FoundationMSP", "eval", contribution.EvalMaintenance)
	w.gB = w.member("LabBMSP", "gb", membership.RoleGuardian)
	w.gF = w.member("FoundationMSP", "gf", membership.RoleGuardian)
	return w
}

func (w *world) tx(caller identity.Identity) *core.Tx {
	w.n++
	w.now = w.now.Add(time.Second)
	tx := testutil.Tx(w.s, caller, caller == w.admin, w.now)
	tx.TxID = fmt.Sprintf("tx-%06d", w.n)
	return tx
}

func (w *world) member(msp, name string, roles ...membership.Role) identity.Identity {
	id := testutil.ID(msp, name)
	_, err := membership.RegisterFounding(w.tx(w.admin), membership.FoundingMember{Member: id, Name: name, Roles: roles}, "g")
	require.NoError(w.t, err)
	return id
}

func (w *world) attester(msp, name string, c contribution.Category) identity.Identity {
	id := testutil.ID(msp, name)
	_, err := membership.RegisterFounding(w.tx(w.admin), membership.FoundingMember{Member: id, Name: name,
		Roles: []membership.Role{membership.RoleAttester}, AttesterCategories: []contribution.Category{c}}, "g")
	require.NoError(w.t, err)
	return id
}

func sha(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func (w *world) register(by identity.Identity, kind Kind, name, version string, parents ...Ref) *Artifact {
	w.t.Helper()
	a, err := Register(w.tx(by), RegisterRequest{Kind: kind, Name: name, Version: version, SHA256: sha(name + version), Size: 42,
		Locations: []string{"https://models.example/" + name}, Licence: "Apache-2.0", Parents: parents})
	require.NoError(w.t, err)
	return a
}

// unchanged runs f and asserts it failed with want (message containing
// msg), wrote nothing and emitted no event.
func (w *world) unchanged(t *testing.T, want error, msg string, f func(tx *core.Tx) error, caller identity.Identity) {
	t.Helper()
	before, writes := w.s.Snapshot(), w.s.Writes
	tx := w.tx(caller)
	err := f(tx)
	require.ErrorIs(t, err, want)
	assert.Contains(t, err.Error(), msg)
	assert.Equal(t, before, w.s.Snapshot(), "nothing written")
	assert.Equal(t, writes, w.s.Writes)
	assert.Nil(t, tx.Event())
}

func TestRegisterAndLineageBothWays(t *testing.T) {
	w := newWorld(t)
	ds := w.register(w.f, KindDataset, "corpus", "1")
	rc := w.register(w.pubA, KindTrainingRecipe, "recipe", "1", ds.Ref())
	wt := w.register(w.pubA, KindModelWeights, "model", "1.0", ds.Ref(), rc.Ref())
	ev := w.register(w.b, KindEvaluationBaseline, "eval", "1", wt.Ref())

	assert.Equal(t, w.pubA, wt.Publisher)
	assert.Equal(t, "LabAMSP", wt.Publisher.MSPID)
	got, err := Get(w.s, wt.Ref())
	require.NoError(t, err)
	assert.Equal(t, wt, got)

	up, err := GetLineage(w.s, LineageRequest{Artifact: wt.Ref(), Direction: Upstream})
	require.NoError(t, err)
	assert.Equal(t, []Node{{wt.Ref(), KindModelWeights, 0}, {ds.Ref(), KindDataset, -1}, {rc.Ref(), KindTrainingRecipe, -1}}, up.Nodes)
	assert.Len(t, up.Edges, 3, "weights←dataset, weights←recipe, recipe←dataset")
	down, err := GetLineage(w.s, LineageRequest{Artifact: ds.Ref(), Direction: Downstream})
	require.NoError(t, err)
	assert.Equal(t, []Node{{ds.Ref(), KindDataset, 0}, {wt.Ref(), KindModelWeights, 1}, {rc.Ref(), KindTrainingRecipe, 1}, {ev.Ref(), KindEvaluationBaseline, 2}}, down.Nodes)
	assert.False(t, down.Truncated)
	cut, err := GetLineage(w.s, LineageRequest{Artifact: ds.Ref(), Direction: Downstream, Limit: 2})
	require.NoError(t, err)
	assert.True(t, cut.Truncated)
	assert.Len(t, cut.Nodes, 2)
	one, err := GetLineage(w.s, LineageRequest{Artifact: ds.Ref(), Direction: Downstream, MaxDepth: 1})
	require.NoError(t, err)
	assert.Len(t, one.Nodes, 3)

	page, err := List(w.s, ListRequest{Name: "model"})
	require.NoError(t, err)
	require.Len(t, page.Artifacts, 1)
	page, err = List(w.s, ListRequest{SHA256: wt.SHA256})
	require.NoError(t, err)
	require.Len(t, page.Artifacts, 1)
	page, err = List(w.s, ListRequest{Limit: 2})
	require.NoError(t, err)
	assert.Len(t, page.Artifacts, 2)
	assert.NotEmpty(t, page.Bookmark)
}

func TestRegisterRefusalsChangeNothing(t *testing.T) {
	w := newWorld(t)
	ds := w.register(w.f, KindDataset, "corpus", "1")
	ok := func() RegisterRequest {
		return RegisterRequest{Kind: KindModelWeights, Name: "m", Version: "1", SHA256: sha("m"), Size: 1, Licence: "MIT", Parents: []Ref{ds.Ref()}}
	}
	edit := func(f func(*RegisterRequest)) RegisterRequest { r := ok(); f(&r); return r }
	tests := []struct {
		name string
		req  RegisterRequest
		by   identity.Identity
		want error
		msg  string
	}{
		{"digest too short", edit(func(r *RegisterRequest) { r.SHA256 = r.SHA256[:63] }), w.pubA, errcode.ErrInvalidArgument, "64 hexadecimal"},
		{"digest too long", edit(func(r *RegisterRequest) { r.SHA256 += "0" }), w.pubA, errcode.ErrInvalidArgument, "64 hexadecimal"},
		{"digest uppercase", edit(func(r *RegisterRequest) { r.SHA256 = strings.ToUpper(r.SHA256) }), w.pubA, errcode.ErrInvalidArgument, "lowercase hexadecimal"},
		{"digest alphabet", edit(func(r *RegisterRequest) { r.SHA256 = "g" + r.SHA256[1:] }), w.pubA, errcode.ErrInvalidArgument, "lowercase hexadecimal"},
		{"other digest wrong length", edit(func(r *RegisterRequest) { r.Digests = []Digest{{"sha512", sha("x")}} }), w.pubA, errcode.ErrInvalidArgument, "128 hexadecimal"},
		{"unknown digest algorithm", edit(func(r *RegisterRequest) { r.Digests = []Digest{{"md5", "00"}} }), w.pubA, errcode.ErrInvalidArgument, "not accepted"},
		{"unknown kind", edit(func(r *RegisterRequest) { r.Kind = "vibes" }), w.pubA, errcode.ErrInvalidArgument, "kind"},
		{"name with @", edit(func(r *RegisterRequest) { r.Name = "a@b" }), w.pubA, errcode.ErrInvalidArgument, "'@'"},
		{"no version", edit(func(r *RegisterRequest) { r.Version = "" }), w.pubA, errcode.ErrInvalidArgument, "version"},
		{"negative size", edit(func(r *RegisterRequest) { r.Size = -1 }), w.pubA, errcode.ErrInvalidArgument, "size"},
		{"bad licence", edit(func(r *RegisterRequest) { r.Licence = "Apache-9.9" }), w.pubA, errcode.ErrInvalidArgument, "SPDX"},
		{"broken licence expression", edit(func(r *RegisterRequest) { r.Licence = "MIT OR" }), w.pubA, errcode.ErrInvalidArgument, "SPDX"},
		{"location not a URI", edit(func(r *RegisterRequest) { r.Locations = []string{"weights.bin"} }), w.pubA, errcode.ErrInvalidArgument, "URI"},
		{"link to an unknown artifact", edit(func(r *RegisterRequest) { r.Parents = []Ref{{"ghost", "1"}} }), w.pubA, errcode.ErrNotFound, "ghost@1"},
		{"link to itself (cycle)", edit(func(r *RegisterRequest) { r.Parents = []Ref{{"m", "1"}} }), w.pubA, errcode.ErrInvalidArgument, "cycle"},
		{"repeated link", edit(func(r *RegisterRequest) { r.Parents = []Ref{ds.Ref(), ds.Ref()} }), w.pubA, errcode.ErrInvalidArgument, "repeated"},
		{"re-registration", edit(func(r *RegisterRequest) { r.Kind, r.Name, r.Version, r.Parents = KindDataset, "corpus", "1", nil }), w.pubA, errcode.ErrConflict, "never overwritten"},
		{"not a member", ok(), testutil.ID("LabAMSP", "stranger"), errcode.ErrForbidden, "not an active member"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w.unchanged(t, tt.want, tt.msg, func(tx *core.Tx) error { _, err := Register(tx, tt.req); return err }, tt.by)
		})
	}
	// A licence expression and a LicenseRef are accepted.
	r := ok()
	r.Licence, r.Version = "MIT OR Apache-2.0", "2"
	_, err := Register(w.tx(w.pubA), r)
	require.NoError(t, err)
	// The dataset record is untouched by the refused re-registration.
	got, _ := Get(w.s, ds.Ref())
	assert.Equal(t, ds, got)
}

const goodCard = `---
license: apache-2.0
language: en
tags: [llm]
---
# Model card for model

## Model Details
x
## Uses
x
## Bias, Risks, and Limitations
x
## Training Details
x
## Evaluation
x
`

func (w *world) attest(by identity.Identity, req AttestRequest) (*Attestation, error) {
	return Attest(w.tx(by), req)
}

func TestAttestationRules(t *testing.T) {
	w := newWorld(t)
	m := w.register(w.pubA, KindModelWeights, "model", "1").Ref()
	_, err := coi.Disclose(w.tx(w.f), coi.DiscloseRequest{Subject: Subject(m), Statement: "I co-authored it"})
	require.NoError(t, err)
	tests := []struct {
		name string
		by   identity.Identity
		req  AttestRequest
		want error
		msg  string
	}{
		{"the publisher reproduces its own", w.pubA, AttestRequest{Artifact: m, Type: Reproducibility, Digest: sha("model1"), Builder: "https://ci.example"}, errcode.ErrForbidden, "published it"},
		{"the publisher's organisation reproduces", w.a2, AttestRequest{Artifact: m, Type: Reproducibility, Digest: sha("model1"), Builder: "https://ci.example"}, errcode.ErrForbidden, "publisher's organisation"},
		{"conflicted attester", w.f, AttestRequest{Artifact: m, Type: Reproducibility, Digest: sha("model1"), Builder: "https://ci.example"}, errcode.ErrForbidden, "conflict of interest"},
		{"red team without the category", w.b, AttestRequest{Artifact: m, Type: RedTeam, ScoreBps: 9000}, errcode.ErrForbidden, "red_teaming"},
		{"evaluation without the category", w.b, AttestRequest{Artifact: m, Type: Evaluation, Benchmark: "mmlu", Metric: "acc", Value: "0.7"}, errcode.ErrForbidden, "eval_maintenance"},
		{"bad reproduction digest", w.b, AttestRequest{Artifact: m, Type: Reproducibility, Digest: "abc", Builder: "https://ci.example"}, errcode.ErrInvalidArgument, "64 hexadecimal"},
		{"float exponent value", w.eval, AttestRequest{Artifact: m, Type: Evaluation, Benchmark: "mmlu", Metric: "acc", Value: "7e-1"}, errcode.ErrInvalidArgument, "decimal"},
		{"score out of range", w.red, AttestRequest{Artifact: m, Type: RedTeam, ScoreBps: 10001}, errcode.ErrInvalidArgument, "0..10000"},
		{"field of another type", w.b, AttestRequest{Artifact: m, Type: LicenceReview, Approved: true, ScoreBps: 5}, errcode.ErrInvalidArgument, "scoreBps"},
		{"unknown type", w.b, AttestRequest{Artifact: m, Type: "vibes"}, errcode.ErrInvalidArgument, "unknown"},
		{"unknown artifact", w.b, AttestRequest{Artifact: Ref{"nope", "1"}, Type: LicenceReview}, errcode.ErrNotFound, "nope@1"},
		{"card without front matter", w.b, AttestRequest{Artifact: m, Type: ModelCard, ModelCard: "# hi"}, errcode.ErrInvalidArgument, "front matter"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w.unchanged(t, tt.want, tt.msg, func(tx *core.Tx) error { _, err := Attest(tx, tt.req); return err }, tt.by)
		})
	}
	// Once per attester.
	_, err = w.attest(w.b, AttestRequest{Artifact: m, Type: Reproducibility, Digest: sha("model1"), Builder: "https://ci.labb"})
	require.NoError(t, err)
	t.Run("twice", func(t *testing.T) {
		w.unchanged(t, errcode.ErrConflict, "already attested", func(tx *core.Tx) error {
			_, err := Attest(tx, AttestRequest{Artifact: m, Type: Reproducibility, Digest: sha("model1"), Builder: "https://ci.labb"})
			return err
		}, w.b)
	})
}

func TestModelCardCompleteness(t *testing.T) {
	w := newWorld(t)
	m := w.register(w.pubA, KindModelWeights, "model", "1").Ref()
	a, err := w.attest(w.b, AttestRequest{Artifact: m, Type: ModelCard, ModelCard: goodCard})
	require.NoError(t, err)
	assert.True(t, a.Complete)
	assert.Empty(t, a.Missing)
	partial := strings.Replace(strings.Replace(goodCard, "## Uses", "## Usage", 1), "apache-2.0", "mit", 1)
	a, err = w.attest(w.f, AttestRequest{Artifact: m, Type: ModelCard, ModelCard: partial})
	require.NoError(t, err)
	assert.False(t, a.Complete)
	assert.Equal(t, []string{"section: Uses", "field: license (mit differs from the registered Apache-2.0)"}, a.Missing)
}

// release plays every checklist item for m, from attesters of other
// organisations.
func (w *world) release(m Ref) {
	w.t.Helper()
	var err error
	for _, g := range []identity.Identity{w.b, w.f} {
		_, err = w.attest(g, AttestRequest{Artifact: m, Type: Reproducibility, Digest: sha(m.Name + m.Version), Builder: "https://ci." + g.MSPID})
		require.NoError(w.t, err)
	}
	_, err = w.attest(w.eval, AttestRequest{Artifact: m, Type: Evaluation, Benchmark: "mmlu", Metric: "accuracy", Value: "0.712"})
	require.NoError(w.t, err)
	_, err = w.attest(w.red, AttestRequest{Artifact: m, Type: RedTeam, ScoreBps: 8500})
	require.NoError(w.t, err)
	_, err = w.attest(w.b, AttestRequest{Artifact: m, Type: ModelCard, ModelCard: goodCard})
	require.NoError(w.t, err)
}

func payload(v any) json.RawMessage { raw, _ := json.Marshal(v); return raw }

func (w *world) stage(m Ref, stage, decision string) (*State, error) {
	return ApplyStage(w.tx(w.admin), &w.doc, payload(StagePayload{Artifact: m, Stage: stage}), decision)
}

func TestPromotionChecklistNamesTheMissingItem(t *testing.T) {
	w := newWorld(t)
	m := w.register(w.pubA, KindModelWeights, "model", "1").Ref()
	check := func(want string) {
		t.Helper()
		_, _, _, err := CheckStage(w.s, &w.doc, payload(StagePayload{Artifact: m, Stage: StageNonCommercial}), w.now)
		require.ErrorIs(t, err, errcode.ErrFailedPrecondition)
		assert.Contains(t, err.Error(), want)
	}
	check("checklist item model_card is missing")
	_, err := w.attest(w.b, AttestRequest{Artifact: m, Type: ModelCard, ModelCard: goodCard})
	require.NoError(t, err)
	check("checklist item red_team is missing: no red-team attestation")
	_, err = w.attest(w.red, AttestRequest{Artifact: m, Type: RedTeam, ScoreBps: 7999})
	require.NoError(t, err)
	check("best red-team score 7999 bps is below the threshold 8000")
	_, err = w.attest(w.red, AttestRequest{Artifact: m, Type: RedTeam, ScoreBps: 8000})
	require.ErrorIs(t, err, errcode.ErrConflict, "one red-team result per attester")
	red2 := w.attester("FoundationMSP", "red2", "red_teaming")
	_, err = w.attest(red2, AttestRequest{Artifact: m, Type: RedTeam, ScoreBps: 8000})
	require.NoError(t, err)
	check("checklist item evaluation is missing")
	_, err = w.attest(w.eval, AttestRequest{Artifact: m, Type: Evaluation, Benchmark: "mmlu", Metric: "accuracy", Value: "0.7"})
	require.NoError(t, err)
	check("reproducibility quorum not met: 0 matching")
	// A mismatching rebuild is recorded and does not count.
	a, err := w.attest(w.b, AttestRequest{Artifact: m, Type: Reproducibility, Digest: sha("other"), Builder: "https://ci.labb"})
	require.NoError(t, err)
	assert.False(t, a.Matches)
	check("0 matching reproduction(s)")
	b2 := w.member("LabBMSP", "b2")
	_, err = w.attest(b2, AttestRequest{Artifact: m, Type: Reproducibility, Digest: sha("model1"), Builder: "https://ci.labb2"})
	require.NoError(t, err)
	b3 := w.member("LabBMSP", "b3")
	_, err = w.attest(b3, AttestRequest{Artifact: m, Type: Reproducibility, Digest: sha("model1"), Builder: "https://ci.labb3"})
	require.NoError(t, err)
	check("2 matching reproduction(s) from 1 organisation(s)")
	_, err = w.attest(w.f, AttestRequest{Artifact: m, Type: Reproducibility, Digest: sha("model1"), Builder: "https://ci.found"})
	require.NoError(t, err)
	st, err := w.stage(m, StageNonCommercial, "d-1")
	require.NoError(t, err)
	assert.Equal(t, StageNonCommercial, st.Stage)
	require.Len(t, st.History, 1)
	assert.Equal(t, "d-1", st.History[0].Decision)
	assert.Len(t, st.History[0].Checklist, 4)
	// General availability also needs a licence review.
	_, err = w.stage(m, StageGeneral, "d-2")
	require.ErrorIs(t, err, errcode.ErrFailedPrecondition)
	assert.Contains(t, err.Error(), "licence_review")
	_, err = w.attest(w.b, AttestRequest{Artifact: m, Type: LicenceReview, Approved: true})
	require.NoError(t, err)
	st, err = w.stage(m, StageGeneral, "d-2")
	require.NoError(t, err)
	assert.Equal(t, StageGeneral, st.Stage)
}

func TestStageMovesAndRefusals(t *testing.T) {
	w := newWorld(t)
	m := w.register(w.pubA, KindModelWeights, "model", "1").Ref()
	w.release(m)
	_, err := w.attest(w.b, AttestRequest{Artifact: m, Type: LicenceReview, Approved: true})
	require.NoError(t, err)
	tests := []struct {
		name  string
		stage string
		want  error
		msg   string
	}{
		{"skipping a stage", StageGeneral, errcode.ErrFailedPrecondition, "skips non_commercial"},
		{"the same stage", StageResearchOnly, errcode.ErrFailedPrecondition, "already research_only"},
		{"an unknown stage", "beta", errcode.ErrInvalidArgument, "unknown"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w.unchanged(t, tt.want, tt.msg, func(tx *core.Tx) error {
				_, err := ApplyStage(tx, &w.doc, payload(StagePayload{Artifact: m, Stage: tt.stage}), "d")
				return err
			}, w.admin)
		})
	}
	_, err = w.stage(m, StageNonCommercial, "d-1")
	require.NoError(t, err)
	_, err = w.stage(m, StageGeneral, "d-2")
	require.NoError(t, err)
	st, err := w.stage(m, StageResearchOnly, "d-3") // a demotion, two stages down
	require.NoError(t, err)
	assert.Equal(t, StageResearchOnly, st.Stage)
	assert.Len(t, st.History, 3)

	// A paused version is not promoted.
	for _, g := range []identity.Identity{w.gB, w.gF} {
		_, err := emergency.PauseTarget(w.tx(g), emergency.PauseRequest{Target: m.Target(), Reason: "leak"}, Exists)
		require.NoError(t, err)
	}
	_, err = w.stage(m, StageNonCommercial, "d-4")
	require.ErrorIs(t, err, errcode.ErrFailedPrecondition)
	assert.Contains(t, err.Error(), "paused")
	status, err := GetStatus(w.s, &w.doc, m, w.now)
	require.NoError(t, err)
	ok, why, err := status.Usable(UseResearch)
	require.NoError(t, err)
	assert.False(t, ok)
	assert.Contains(t, why, "paused")
	later := status.Pause.EndsAt()
	status, err = GetStatus(w.s, &w.doc, m, later)
	require.NoError(t, err)
	ok, _, _ = status.Usable(UseResearch)
	assert.True(t, ok, "the pause expired by itself")
	ok, _, _ = status.Usable(UseCommercial)
	assert.False(t, ok, "research-only is not commercial")
}

func TestTakedownMarksEveryDerivedArtifact(t *testing.T) {
	w := newWorld(t)
	ds := w.register(w.f, KindDataset, "corpus", "1").Ref()
	other := w.register(w.f, KindDataset, "other", "1").Ref()
	rc := w.register(w.pubA, KindTrainingRecipe, "recipe", "1", ds).Ref()
	wt := w.register(w.pubA, KindModelWeights, "model", "1", rc, other).Ref()
	ev := w.register(w.b, KindEvaluationBaseline, "eval", "1", wt).Ref()
	clean := w.register(w.pubA, KindModelWeights, "clean", "1", other).Ref()

	w.unchanged(t, errcode.ErrInvalidArgument, "not a dataset", func(tx *core.Tx) error {
		_, err := ApplyTakedown(tx, payload(TakedownPayload{Dataset: wt, Reason: "x"}), "d")
		return err
	}, w.admin)
	w.unchanged(t, errcode.ErrInvalidArgument, "reason", func(tx *core.Tx) error {
		_, err := ApplyTakedown(tx, payload(TakedownPayload{Dataset: ds}), "d")
		return err
	}, w.admin)
	td, err := ApplyTakedown(w.tx(w.admin), payload(TakedownPayload{Dataset: ds, Reason: "personal data found"}), "d-take")
	require.NoError(t, err)
	assert.Equal(t, int64(3), td.Affected)
	for _, r := range []Ref{rc, wt, ev} {
		aff, err := AffectedBy(w.s, r)
		require.NoError(t, err)
		require.Len(t, aff, 1, "%s", r)
		assert.Equal(t, ds, aff[0].Dataset)
	}
	aff, err := AffectedBy(w.s, clean)
	require.NoError(t, err)
	assert.Empty(t, aff)
	w.unchanged(t, errcode.ErrFailedPrecondition, "already taken down", func(tx *core.Tx) error {
		_, err := ApplyTakedown(tx, payload(TakedownPayload{Dataset: ds, Reason: "again"}), "d")
		return err
	}, w.admin)
	st, err := GetStatus(w.s, &w.doc, wt, w.now)
	require.NoError(t, err)
	ok, why, _ := st.Usable(UseResearch)
	assert.False(t, ok)
	assert.Contains(t, why, "corpus@1")
	w.release(wt)
	_, err = w.stage(wt, StageNonCommercial, "d")
	require.ErrorIs(t, err, errcode.ErrFailedPrecondition)
	assert.Contains(t, err.Error(), "taken down")
}

func TestInTotoStatements(t *testing.T) {
	w := newWorld(t)
	ds := w.register(w.f, KindDataset, "corpus", "1").Ref()
	m := w.register(w.pubA, KindModelWeights, "model", "1", ds)
	w.release(m.Ref())
	atts, err := Attestations(w.s, m.Ref())
	require.NoError(t, err)
	sts := Statements(m, atts)
	require.Len(t, sts, 5)
	types := map[string]int{}
	for _, st := range sts {
		assert.Equal(t, StatementType, st.Type)
		require.Len(t, st.Subject, 1)
		assert.Equal(t, "model@1", st.Subject[0].Name)
		assert.Len(t, st.Subject[0].Digest["sha256"], 64)
		types[st.PredicateType]++
	}
	assert.Equal(t, 2, types[PredicateSLSAProvenance])
	raw, err := json.Marshal(sts[0])
	require.NoError(t, err)
	assert.Contains(t, string(raw), `"_type":"https://in-toto.io/Statement/v1"`)
}
