package artifact

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/emergency"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/strictjson"
	"github.com/charter-gov/charter/chaincode/text"
)

// Release stages (constitution.ReleaseStages, in promotion order). A
// version is research-only when registered.
const (
	StageResearchOnly  = constitution.StageResearchOnly
	StageNonCommercial = constitution.StageNonCommercial
	StageGeneral       = constitution.StageGeneral
)

// Uses a verifier asks about, and the least stage that allows each.
const (
	UseResearch      = "research"
	UseNonCommercial = "non_commercial"
	UseCommercial    = "commercial"
)

// StageAllows reports whether a stage releases the artifact for a use.
func StageAllows(stage, use string) (bool, error) {
	need := map[string]int{UseResearch: 0, UseNonCommercial: 1, UseCommercial: 2}
	n, ok := need[use]
	if !ok {
		return false, errcode.InvalidFieldf("use", RuleEnum, "use %s is unknown (research, non_commercial, commercial)", errcode.Quote(use))
	}
	return stageIndex(stage) >= n, nil
}

func stageIndex(s string) int { return slices.Index(constitution.ReleaseStages(), s) }

// Events.
const (
	EventStageChanged = "artifact.stage_changed"
	EventTakenDown    = "artifact.taken_down"
)

// StageChange is one entry of a version's stage history.
type StageChange struct {
	From     string    `json:"from"`
	To       string    `json:"to"`
	Decision string    `json:"decision"`
	At       time.Time `json:"at"`
	// Checklist is the checklist as it stood when a promotion executed.
	Checklist []Item `json:"checklist,omitempty"`
}

// State is a version's release state: artifact-state ~ name ~ version,
// written only by decisions (absent: research-only, never taken down).
type State struct {
	Artifact Ref           `json:"artifact"`
	Stage    string        `json:"stage"`
	History  []StageChange `json:"history"`
}

// Takedown is a dataset's takedown record: artifact-takedown ~ name ~
// version, by a dataset_takedown decision.
type Takedown struct {
	Dataset  Ref       `json:"dataset"`
	Decision string    `json:"decision"`
	Reason   string    `json:"reason"`
	At       time.Time `json:"at"`
	Affected int64     `json:"affected"`
}

// Affected marks a version derived from a taken-down dataset:
// artifact-affected ~ name ~ version ~ dataset name ~ dataset version.
type Affected struct {
	Artifact Ref       `json:"artifact"`
	Dataset  Ref       `json:"dataset"`
	Decision string    `json:"decision"`
	At       time.Time `json:"at"`
}

func stateKey(r Ref) (string, error)    { return core.Key("artifact-state", r.Name, r.Version) }
func takedownKey(r Ref) (string, error) { return core.Key("artifact-takedown", r.Name, r.Version) }
func affectedKey(r, ds Ref) (string, error) {
	return core.Key("artifact-affected", r.Name, r.Version, ds.Name, ds.Version)
}

// GetState returns a version's release state (research-only when no
// decision changed it).
func GetState(s core.Store, r Ref) (*State, error) {
	k, err := stateKey(r)
	if err != nil {
		return nil, err
	}
	st := State{Artifact: r, Stage: StageResearchOnly, History: []StageChange{}}
	if _, err := core.GetJSON(s, k, &st); err != nil {
		return nil, err
	}
	return &st, nil
}

// GetTakedown returns a dataset's takedown, or nil.
func GetTakedown(s core.Store, r Ref) (*Takedown, error) {
	k, err := takedownKey(r)
	if err != nil {
		return nil, err
	}
	var t Takedown
	found, err := core.GetJSON(s, k, &t)
	if err != nil || !found {
		return nil, err
	}
	return &t, nil
}

// AffectedBy lists the takedowns that reached a version (at most 100).
func AffectedBy(s core.Store, r Ref) ([]Affected, error) {
	out := []Affected{}
	_, err := core.Page(s, "artifact-affected", []string{r.Name, r.Version}, "", 100, func(k string, raw []byte) error {
		var a Affected
		if err := core.DecodeJSON(k, raw, &a); err != nil {
			return err
		}
		out = append(out, a)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("takedowns affecting %s: %w", r, err)
	}
	return out, nil
}

// Item is one checklist item and whether it is met, with what was found
// or is missing.
type Item struct {
	Item   string `json:"item"`
	Met    bool   `json:"met"`
	Detail string `json:"detail"`
}

// Checklist evaluates the items a promotion to stage needs, under the
// release rules given, from the version's attestations.
func Checklist(s core.Store, a *Artifact, stage string, rules constitution.Release) ([]Item, error) {
	atts, err := Attestations(s, a.Ref())
	if err != nil {
		return nil, err
	}
	out := []Item{}
	for _, it := range rules.ChecklistFor(stage) {
		out = append(out, evalItem(it, a, atts, rules))
	}
	return out, nil
}

func evalItem(item string, a *Artifact, atts []Attestation, r constitution.Release) Item {
	switch item {
	case constitution.ItemModelCard:
		for _, x := range atts {
			if x.Type == ModelCard && x.Complete {
				return Item{item, true, fmt.Sprintf("complete model card attested by %s", x.Attester)}
			}
		}
		return Item{item, false, "no complete model-card attestation (every section the constitution lists: release.modelCardSections)"}
	case constitution.ItemRedTeam:
		best := int64(-1)
		for _, x := range atts {
			if x.Type == RedTeam && x.ScoreBps > best {
				best = x.ScoreBps
			}
			if x.Type == RedTeam && x.ScoreBps >= r.RedTeamMinScoreBps {
				return Item{item, true, fmt.Sprintf("red-team score %d bps ≥ %d by %s", x.ScoreBps, r.RedTeamMinScoreBps, x.Attester)}
			}
		}
		if best < 0 {
			return Item{item, false, fmt.Sprintf("no red-team attestation (score ≥ %d bps needed)", r.RedTeamMinScoreBps)}
		}
		return Item{item, false, fmt.Sprintf("best red-team score %d bps is below the threshold %d", best, r.RedTeamMinScoreBps)}
	case constitution.ItemEvaluation:
		n := 0
		for _, x := range atts {
			if x.Type == Evaluation {
				n++
			}
		}
		if n > 0 {
			return Item{item, true, fmt.Sprintf("%d evaluation result(s) attested", n)}
		}
		return Item{item, false, "no evaluation attested"}
	case constitution.ItemLicenceReview:
		for _, x := range atts {
			if x.Type == LicenceReview && x.Approved && x.Licence == a.Licence {
				return Item{item, true, fmt.Sprintf("licence %s approved by %s", a.Licence, x.Attester)}
			}
		}
		return Item{item, false, fmt.Sprintf("no approving licence review of %s", a.Licence)}
	case constitution.ItemReproducibility:
		var n int64
		orgs := []string{}
		for _, x := range atts {
			if x.Type != Reproducibility || !x.Matches || x.Attester.MSPID == a.Publisher.MSPID {
				continue
			}
			n++
			if !slices.Contains(orgs, x.Attester.MSPID) {
				orgs = append(orgs, x.Attester.MSPID)
			}
		}
		if n >= r.ReproductionsRequired && int64(len(orgs)) >= r.ReproductionOrgsRequired {
			return Item{item, true, fmt.Sprintf("%d matching reproduction(s) from %d organisation(s) other than the publisher's", n, len(orgs))}
		}
		return Item{item, false, fmt.Sprintf("reproducibility quorum not met: %d matching reproduction(s) from %d organisation(s) other than the publisher's %s; %d from %d needed",
			n, len(orgs), a.Publisher.MSPID, r.ReproductionsRequired, r.ReproductionOrgsRequired)}
	}
	return Item{item, false, "unknown item"}
}

// StagePayload is the payload of a release_stage decision: move Artifact
// to Stage — the next stage (a promotion, checklist-gated) or any earlier
// one (a demotion).
type StagePayload struct {
	Artifact Ref    `json:"artifact"`
	Stage    string `json:"stage"`
}

// DecodeStage decodes a release_stage payload.
func DecodeStage(payload json.RawMessage) (StagePayload, error) {
	var p StagePayload
	if len(payload) == 0 {
		return p, errcode.InvalidFieldf("payload", RuleRequired, "release_stage: the decision needs a payload")
	}
	if err := strictjson.Decode("release_stage payload", payload, 0, &p); err != nil {
		return p, err
	}
	if err := p.Artifact.Validate(); err != nil {
		return p, under(err, "artifact")
	}
	if stageIndex(p.Stage) < 0 {
		return p, errcode.InvalidFieldf("stage", RuleEnum, "release_stage of %s: stage %s is unknown (research_only, non_commercial, general)", p.Artifact, errcode.Quote(p.Stage))
	}
	return p, nil
}

// CheckProposal is the release_stage decision's check at proposal: the
// version exists and the move is one stage up or any number down. The
// checklist is checked at execution (CheckStage), so that House A can vote
// while the last attestations arrive; 'charter artifact show' lists what
// is still missing.
func CheckProposal(s core.Store, payload json.RawMessage) error {
	p, err := DecodeStage(payload)
	if err != nil {
		return err
	}
	if _, err := Get(s, p.Artifact); err != nil {
		return under(err, "artifact")
	}
	st, err := GetState(s, p.Artifact)
	if err != nil {
		return err
	}
	return checkMove(p, st)
}

func checkMove(p StagePayload, st *State) error {
	from, to := stageIndex(st.Stage), stageIndex(p.Stage)
	switch {
	case to == from:
		return errcode.PreconditionFieldf("stage", RuleChangesStage, "release_stage of %s: it is already %s", p.Artifact, st.Stage)
	case to > from+1:
		return errcode.PreconditionFieldf("stage", RuleOneStep, "release_stage of %s: promotion from %s to %s skips %s; stages are promoted one at a time", p.Artifact, st.Stage, p.Stage, constitution.ReleaseStages()[from+1])
	}
	return nil
}

// CheckStage is the release_stage decision's check at execution: the move
// is one stage up or any number down; a promotion needs every checklist
// item met, the version neither taken down, affected by a takedown nor
// paused at `at`.
func CheckStage(s core.Store, doc *constitution.Document, payload json.RawMessage, at time.Time) (*Artifact, *State, []Item, error) {
	p, err := DecodeStage(payload)
	if err != nil {
		return nil, nil, nil, err
	}
	a, err := Get(s, p.Artifact)
	if err != nil {
		return nil, nil, nil, under(err, "artifact")
	}
	st, err := GetState(s, p.Artifact)
	if err != nil {
		return nil, nil, nil, err
	}
	if err := checkMove(p, st); err != nil {
		return nil, nil, nil, err
	}
	if stageIndex(p.Stage) < stageIndex(st.Stage) {
		return a, st, nil, nil // a demotion needs no checklist
	}
	if td, err := GetTakedown(s, p.Artifact); err != nil {
		return nil, nil, nil, err
	} else if td != nil {
		return nil, nil, nil, errcode.PreconditionFieldf("artifact", RuleTakenDown, "release_stage of %s: it was taken down by decision %s", p.Artifact, td.Decision)
	}
	aff, err := AffectedBy(s, p.Artifact)
	if err != nil {
		return nil, nil, nil, err
	}
	if len(aff) > 0 {
		return nil, nil, nil, errcode.PreconditionFieldf("artifact", RuleTakenDown, "release_stage of %s: it derives from %s, taken down by decision %s", p.Artifact, aff[0].Dataset, aff[0].Decision)
	}
	if err := emergency.RefuseIfPaused(s, p.Artifact.Target(), at, "release_stage of "+p.Artifact.String()); err != nil {
		return nil, nil, nil, err
	}
	items, err := Checklist(s, a, p.Stage, doc.ReleaseRules())
	if err != nil {
		return nil, nil, nil, err
	}
	for _, it := range items {
		if !it.Met {
			return nil, nil, nil, errcode.PreconditionFieldf("stage", RuleChecklist, "release_stage of %s to %s: checklist item %s is missing: %s", p.Artifact, p.Stage, it.Item, it.Detail)
		}
	}
	return a, st, items, nil
}

// ApplyStage executes a release_stage decision.
func ApplyStage(tx *core.Tx, doc *constitution.Document, payload json.RawMessage, decisionID string) (*State, error) {
	p, err := DecodeStage(payload)
	if err != nil {
		return nil, err
	}
	_, st, items, err := CheckStage(tx.Store, doc, payload, tx.Time)
	if err != nil {
		return nil, err
	}
	st.History = append(st.History, StageChange{From: st.Stage, To: p.Stage, Decision: decisionID, At: tx.Time.UTC(), Checklist: items})
	st.Stage = p.Stage
	k, err := stateKey(p.Artifact)
	if err != nil {
		return nil, err
	}
	if err := core.PutJSON(tx.Store, k, st); err != nil {
		return nil, err
	}
	return st, nil
}

// TakedownPayload is the payload of a dataset_takedown decision.
type TakedownPayload struct {
	Dataset Ref    `json:"dataset"`
	Reason  string `json:"reason"`
}

// DecodeTakedown decodes a dataset_takedown payload.
func DecodeTakedown(payload json.RawMessage) (TakedownPayload, error) {
	var p TakedownPayload
	if len(payload) == 0 {
		return p, errcode.InvalidFieldf("payload", RuleRequired, "dataset_takedown: the decision needs a payload")
	}
	if err := strictjson.Decode("dataset_takedown payload", payload, 0, &p); err != nil {
		return p, err
	}
	if err := p.Dataset.Validate(); err != nil {
		return p, under(err, "dataset")
	}
	if err := text.Check("takedown reason", p.Reason, text.Rule{MaxRunes: text.MaxReasonRunes, MultiLine: true, Required: true}); err != nil {
		return p, errcode.WithField(err, "reason")
	}
	return p, nil
}

// CheckTakedown is the dataset_takedown decision's check: a registered
// dataset, not already taken down, with at most MaxLineageNodes − 1
// derived versions.
func CheckTakedown(s core.Store, payload json.RawMessage) (TakedownPayload, []Node, error) {
	p, err := DecodeTakedown(payload)
	if err != nil {
		return p, nil, err
	}
	a, err := Get(s, p.Dataset)
	if err != nil {
		return p, nil, under(err, "dataset")
	}
	if a.Kind != KindDataset {
		return p, nil, errcode.InvalidFieldf("dataset", RuleDatasetOnly, "dataset_takedown of %s: it is a %s, not a dataset", p.Dataset, a.Kind)
	}
	if td, err := GetTakedown(s, p.Dataset); err != nil {
		return p, nil, err
	} else if td != nil {
		return p, nil, errcode.PreconditionFieldf("dataset", RuleTakedownOnce, "dataset_takedown of %s: already taken down by decision %s", p.Dataset, td.Decision)
	}
	nodes, err := Descendants(s, p.Dataset)
	return p, nodes, err
}

// ApplyTakedown executes a dataset_takedown decision: the dataset is
// marked taken down and every version derived from it, transitively, is
// marked affected.
func ApplyTakedown(tx *core.Tx, payload json.RawMessage, decisionID string) (*Takedown, error) {
	p, nodes, err := CheckTakedown(tx.Store, payload)
	if err != nil {
		return nil, err
	}
	td := &Takedown{Dataset: p.Dataset, Decision: decisionID, Reason: p.Reason, At: tx.Time.UTC(), Affected: int64(len(nodes))}
	k, err := takedownKey(p.Dataset)
	if err != nil {
		return nil, err
	}
	if err := core.PutJSON(tx.Store, k, td); err != nil {
		return nil, err
	}
	for _, n := range nodes {
		ak, err := affectedKey(n.Ref, p.Dataset)
		if err != nil {
			return nil, err
		}
		if err := core.PutJSON(tx.Store, ak, Affected{Artifact: n.Ref, Dataset: p.Dataset, Decision: decisionID, At: tx.Time.UTC()}); err != nil {
			return nil, err
		}
	}
	return td, nil
}

// Status is everything a user verifying a file needs about a version.
type Status struct {
	Artifact     Artifact         `json:"artifact"`
	Stage        string           `json:"stage"`
	History      []StageChange    `json:"history"`
	Pause        *emergency.Pause `json:"pause,omitempty"`
	TakenDown    *Takedown        `json:"takenDown,omitempty"`
	AffectedBy   []Affected       `json:"affectedBy"`
	Attestations []Attestation    `json:"attestations"`
	// Next is the checklist of a promotion to the next stage (absent at
	// general availability).
	NextStage string    `json:"nextStage,omitempty"`
	Next      []Item    `json:"next,omitempty"`
	At        time.Time `json:"at"`
}

// Usable reports whether the version may be used for `use` now: not
// paused, not taken down or affected, and released at a stage allowing
// it.
func (st *Status) Usable(use string) (bool, string, error) {
	ok, err := StageAllows(st.Stage, use)
	if err != nil {
		return false, "", err
	}
	switch {
	case st.Pause != nil:
		return false, fmt.Sprintf("distribution paused by %d guardians until %s", len(st.Pause.Guardians), st.Pause.EndsAt().Format(time.RFC3339)), nil
	case st.TakenDown != nil:
		return false, "taken down by decision " + st.TakenDown.Decision, nil
	case len(st.AffectedBy) > 0:
		return false, fmt.Sprintf("derived from %s, taken down by decision %s", st.AffectedBy[0].Dataset, st.AffectedBy[0].Decision), nil
	case !ok:
		return false, fmt.Sprintf("stage %s does not release it for %s use", st.Stage, use), nil
	}
	return true, fmt.Sprintf("released (%s) for %s use", st.Stage, use), nil
}

// GetStatus returns a version's status at `at`.
func GetStatus(s core.Store, doc *constitution.Document, r Ref, at time.Time) (*Status, error) {
	a, err := Get(s, r)
	if err != nil {
		return nil, err
	}
	st, err := GetState(s, r)
	if err != nil {
		return nil, err
	}
	out := &Status{Artifact: *a, Stage: st.Stage, History: st.History, At: at.UTC()}
	if out.Pause, err = emergency.InForce(s, r.Target(), at); err != nil {
		return nil, err
	}
	if out.TakenDown, err = GetTakedown(s, r); err != nil {
		return nil, err
	}
	if out.AffectedBy, err = AffectedBy(s, r); err != nil {
		return nil, err
	}
	if out.Attestations, err = Attestations(s, r); err != nil {
		return nil, err
	}
	if i := stageIndex(st.Stage); i+1 < len(constitution.ReleaseStages()) {
		out.NextStage = constitution.ReleaseStages()[i+1]
		if out.Next, err = Checklist(s, a, out.NextStage, doc.ReleaseRules()); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Exists is the emergency pause check for artifact targets: the version
// is registered.
func Exists(s core.Store, t emergency.Target, _ time.Time) error {
	r, err := ParseRef(t.ID)
	if err != nil {
		return err
	}
	_, err = Get(s, r)
	return err
}
