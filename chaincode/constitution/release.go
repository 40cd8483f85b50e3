package constitution

import (
	"fmt"
	"slices"

	"github.com/charter-gov/charter/chaincode/errcode"
)

// Release holds the artifact registry's release gates (see
// chaincode/artifact and docs/registry.md). A document without the
// section (older versions) uses DefaultRelease.
type Release struct {
	// ReproductionsRequired is how many matching reproducibility
	// attestations a promotion's reproducibility item needs, from
	// ReproductionOrgsRequired distinct organisations other than the
	// publisher's.
	ReproductionsRequired    int64 `json:"reproductionsRequired"`
	ReproductionOrgsRequired int64 `json:"reproductionOrgsRequired"`
	// RedTeamMinScoreBps is the red-team score (basis points) an artifact
	// must reach for the red_team item.
	RedTeamMinScoreBps int64 `json:"redTeamMinScoreBps"`
	// ModelCardSections are the level-2 headings ("## …") a model card must
	// have, in Hugging Face's model-card layout.
	ModelCardSections []string `json:"modelCardSections"`
	// ModelCardFields are the YAML front-matter keys a model card must
	// have.
	ModelCardFields []string `json:"modelCardFields"`
	// Checklists name the items each promotion needs, by target stage.
	Checklists []Checklist `json:"checklists"`
}

// Checklist is the items a promotion to Stage needs.
type Checklist struct {
	Stage string   `json:"stage"`
	Items []string `json:"items"`
}

// Release stages and checklist items, in their stored spelling
// (chaincode/artifact uses these).
const (
	StageResearchOnly  = "research_only"
	StageNonCommercial = "non_commercial"
	StageGeneral       = "general"

	ItemModelCard       = "model_card"
	ItemRedTeam         = "red_team"
	ItemEvaluation      = "evaluation"
	ItemReproducibility = "reproducibility"
	ItemLicenceReview   = "licence_review"
)

// ReleaseStages lists the stages in promotion order.
func ReleaseStages() []string { return []string{StageResearchOnly, StageNonCommercial, StageGeneral} }

// ChecklistItems lists every checklist item.
func ChecklistItems() []string {
	return []string{ItemModelCard, ItemRedTeam, ItemEvaluation, ItemReproducibility, ItemLicenceReview}
}

// DefaultRelease: two reproductions from two organisations other than the
// publisher's; a red-team score of at least 80 %; a model card with Hugging
// Face's main sections and licence; both promotions need the model card,
// the red team, an evaluation and the reproducibility quorum, general
// availability also a licence review.
func DefaultRelease() Release {
	core := []string{ItemModelCard, ItemRedTeam, ItemEvaluation, ItemReproducibility}
	return Release{
		ReproductionsRequired: 2, ReproductionOrgsRequired: 2, RedTeamMinScoreBps: 8000,
		ModelCardSections: []string{"Model Details", "Uses", "Bias, Risks, and Limitations", "Training Details", "Evaluation"},
		ModelCardFields:   []string{"license"},
		Checklists: []Checklist{
			{Stage: StageNonCommercial, Items: core},
			{Stage: StageGeneral, Items: append(slices.Clone(core), ItemLicenceReview)},
		},
	}
}

// ReleaseRules returns the document's release section, or DefaultRelease
// when it has none.
func (d *Document) ReleaseRules() Release {
	if d.Release == nil {
		return DefaultRelease()
	}
	return *d.Release
}

// ChecklistFor returns the items a promotion to stage needs.
func (r Release) ChecklistFor(stage string) []string {
	for _, c := range r.Checklists {
		if c.Stage == stage {
			return c.Items
		}
	}
	return nil
}

func (d *Document) validateRelease() error {
	if d.Release == nil {
		return nil
	}
	r := d.Release
	if r.ReproductionsRequired < 0 || r.ReproductionsRequired > 100 {
		return errcode.InvalidFieldf("release.reproductionsRequired", "range", "constitution: release.reproductionsRequired is %d, must be between 0 and 100", r.ReproductionsRequired)
	}
	if r.ReproductionOrgsRequired < 0 || r.ReproductionOrgsRequired > r.ReproductionsRequired {
		return errcode.InvalidFieldf("release.reproductionOrgsRequired", "range", "constitution: release.reproductionOrgsRequired is %d, must be between 0 and release.reproductionsRequired (%d)", r.ReproductionOrgsRequired, r.ReproductionsRequired)
	}
	if r.RedTeamMinScoreBps < 0 || r.RedTeamMinScoreBps > 10000 {
		return errcode.InvalidFieldf("release.redTeamMinScoreBps", "range", "constitution: release.redTeamMinScoreBps is %d, must be between 0 and 10000", r.RedTeamMinScoreBps)
	}
	for _, l := range []struct {
		name string
		list []string
	}{{"modelCardSections", r.ModelCardSections}, {"modelCardFields", r.ModelCardFields}} {
		name, list := l.name, l.list
		if len(list) > 32 {
			return errcode.InvalidFieldf("release."+name, "range", "constitution: release.%s has %d entries, at most 32", name, len(list))
		}
		for i, s := range list {
			if s == "" || len(s) > 128 {
				return errcode.InvalidFieldf(fmt.Sprintf("release.%s[%d]", name, i), "range", "constitution: release.%s[%d] must be 1..128 bytes", name, i)
			}
		}
	}
	seen := map[string]bool{}
	for i, c := range r.Checklists {
		if !slices.Contains(ReleaseStages()[1:], c.Stage) {
			return errcode.InvalidFieldf(fmt.Sprintf("release.checklists[%d].stage", i), "enum", "constitution: release.checklists[%d]: stage %q is not a promotion target (non_commercial, general)", i, c.Stage)
		}
		if seen[c.Stage] {
			return errcode.InvalidFieldf(fmt.Sprintf("release.checklists[%d].stage", i), "unique", "constitution: release.checklists[%d]: stage %s has two checklists", i, c.Stage)
		}
		seen[c.Stage] = true
		for j, it := range c.Items {
			if !slices.Contains(ChecklistItems(), it) {
				return errcode.InvalidFieldf(fmt.Sprintf("release.checklists[%d].items[%d]", i, j), "enum", "constitution: release.checklists[%d]: unknown item %q (known: model_card, red_team, evaluation, reproducibility, licence_review)", i, it)
			}
		}
	}
	return nil
}
