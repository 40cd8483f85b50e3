package constitution

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/errcode"
)

func TestReleaseValidation(t *testing.T) {
	require.NoError(t, func() error { d := Default(); return d.Validate() }(), "the default validates")
	noSection := Default()
	noSection.Release = nil
	require.NoError(t, noSection.Validate(), "an older document without the section validates")
	assert.Equal(t, DefaultRelease(), noSection.ReleaseRules(), "and reads the defaults")
	tests := []struct {
		name string
		edit func(r *Release)
		msg  string
	}{
		{"negative reproductions", func(r *Release) { r.ReproductionsRequired = -1 }, "release.reproductionsRequired"},
		{"more organisations than reproductions", func(r *Release) { r.ReproductionOrgsRequired = 3 }, "release.reproductionOrgsRequired"},
		{"threshold above 100 %", func(r *Release) { r.RedTeamMinScoreBps = 10001 }, "release.redTeamMinScoreBps"},
		{"empty section name", func(r *Release) { r.ModelCardSections = []string{""} }, "release.modelCardSections[0]"},
		{"checklist for research_only", func(r *Release) { r.Checklists = []Checklist{{Stage: StageResearchOnly}} }, "not a promotion target"},
		{"two checklists for one stage", func(r *Release) {
			r.Checklists = []Checklist{{Stage: StageGeneral}, {Stage: StageGeneral}}
		}, "two checklists"},
		{"unknown item", func(r *Release) { r.Checklists = []Checklist{{Stage: StageGeneral, Items: []string{"vibes"}}} }, "unknown item"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Default()
			r := DefaultRelease()
			tt.edit(&r)
			d.Release = &r
			err := d.Validate()
			require.ErrorIs(t, err, errcode.ErrInvalidArgument)
			assert.Contains(t, err.Error(), tt.msg)
		})
	}
	assert.Equal(t, []string{ItemModelCard, ItemRedTeam, ItemEvaluation, ItemReproducibility, ItemLicenceReview}, DefaultRelease().ChecklistFor(StageGeneral))
	assert.Nil(t, DefaultRelease().ChecklistFor(StageResearchOnly))
}

func TestDisclosureDeadlineValidation(t *testing.T) {
	d := Default()
	d.Emergency.DisclosureWithinSec = 0
	require.NoError(t, d.Validate(), "0 means the default")
	d.Emergency.DisclosureWithinSec = 91 * day
	err := d.Validate()
	require.ErrorIs(t, err, errcode.ErrInvalidArgument)
	assert.Contains(t, err.Error(), "emergency.disclosureWithinSeconds")
}
