package constitution_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	. "github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/errcode"
)

func TestDiff(t *testing.T) {
	ruleIndex := func(d *Document, typ DecisionType) int {
		for i, r := range d.DecisionRules {
			if r.Type == typ {
				return i
			}
		}
		t.Fatalf("no rule %s", typ)
		return -1
	}
	tests := []struct {
		name   string
		mutate func(d *Document)
		want   []Change
	}{
		{"equal", func(*Document) {}, []Change{}},
		{"threshold and timelock", func(d *Document) {
			i := ruleIndex(d, Budget)
			d.DecisionRules[i].QuorumBps = 1500
			d.DecisionRules[i].TimelockSec = 3 * 86400
		}, []Change{
			{Path: "decisionRules[budget].quorumBps", Old: "1000 (10.00 %)", New: "1500 (15.00 %)"},
			{Path: "decisionRules[budget].timelockSeconds", Old: "172800 (2d)", New: "259200 (3d)"},
		}},
		{"routing to both houses", func(d *Document) {
			i := ruleIndex(d, Roadmap)
			d.DecisionRules[i].Houses = []HouseID{HouseA, HouseB}
			d.DecisionRules[i].Families = []Family{FamilySeat, FamilyReputation}
		}, []Change{
			{Path: "decisionRules[roadmap].houses", Old: "[B]", New: "[A, B]"},
			{Path: "decisionRules[roadmap].families", Old: "[reputation]", New: "[seat, reputation]"},
		}},
		{"rules matched by type, not position", func(d *Document) {
			d.DecisionRules[0], d.DecisionRules[1] = d.DecisionRules[1], d.DecisionRules[0]
		}, []Change{}},
		{"concurrence and name", func(d *Document) {
			d.Name = "Charter v2"
			d.Concurrence.MediationSec = 90061
		}, []Change{
			{Path: "name", Old: `"Charter community constitution"`, New: `"Charter v2"`},
			{Path: "concurrence.mediationSeconds", Old: "604800 (7d)", New: "90061 (1d 1h 1m 1s)"},
		}},
		{"sunset clause added", func(d *Document) {
			d.Powers = []Sunset{{Power: PowerEmergencyPause, ExpiresAtUnix: 1798761600}}
		}, []Change{
			{Path: "powers[emergency.pause].power", Old: Absent, New: `"emergency.pause"`},
			{Path: "powers[emergency.pause].expiresAtUnix", Old: Absent, New: "1798761600 (2027-01-01T00:00:00Z)"},
		}},
		{"house seats", func(d *Document) { d.Houses[0].MaxSeats = 15 }, []Change{
			{Path: "houses[A].maxSeats", Old: "21", New: "15"},
		}},
		{"omitted optional field appears", func(d *Document) {
			d.DecisionRules[ruleIndex(d, TreasurySpend)].VoiceCredits = 400
		}, []Change{
			{Path: "decisionRules[treasury_spend].voiceCredits", Old: Absent, New: "400"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := Default(), Default()
			tt.mutate(&b)
			got, err := Diff(a, b)
			require.NoError(t, err)
			assert.Empty(t, cmp.Diff(tt.want, got))
			// Reversed, old and new swap; same paths.
			back, err := Diff(b, a)
			require.NoError(t, err)
			require.Len(t, back, len(got))
			again, err := Diff(a, b)
			require.NoError(t, err)
			assert.Equal(t, got, again, "deterministic")
		})
	}
}

func TestDiffRemovedRule(t *testing.T) {
	a, b := Default(), Default()
	b.DecisionRules = b.DecisionRules[1:]
	got, err := Diff(a, b)
	require.NoError(t, err)
	require.NotEmpty(t, got)
	for _, c := range got {
		assert.Contains(t, c.Path, "decisionRules[release_stage].")
		assert.Equal(t, Absent, c.New)
	}
	assert.Equal(t, `decisionRules[release_stage].type: "release_stage" → (none)`, got[0].String())
}

func TestPowers(t *testing.T) {
	exp := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	d := Default()
	assert.True(t, d.PowerActive(PowerEmergencyPause, exp.Add(100*365*24*time.Hour)), "no sunset: never expires")
	d.Powers = []Sunset{{Power: PowerEmergencyPause, ExpiresAtUnix: exp.Unix()}, {Power: DecidePower(Budget), ExpiresAtUnix: exp.Unix()}}
	require.NoError(t, d.Validate())
	assert.True(t, d.PowerActive(PowerEmergencyPause, exp.Add(-time.Second)))
	assert.False(t, d.PowerActive(PowerEmergencyPause, exp), "expired at the instant of expiry")
	assert.True(t, d.PowerActive(PowerTreasurySpend, exp), "other powers are unaffected")
	assert.NoError(t, d.RequirePower(DecidePower(Budget), exp.Add(-time.Second)))
	err := d.RequirePower(DecidePower(Budget), exp)
	assert.ErrorIs(t, err, errcode.ErrFailedPrecondition)
	assert.ErrorContains(t, err, "decide.budget expired at 2027-01-01T00:00:00Z")

	// The older emergency field: the earlier expiry wins.
	d.Emergency.PowersExpireAtUnix = exp.Add(-time.Hour).Unix()
	assert.False(t, d.PowerActive(PowerEmergencyPause, exp.Add(-time.Second)))
	d.Powers = nil
	got, ok := d.PowerExpiry(PowerEmergencyPause)
	assert.True(t, ok)
	assert.Equal(t, exp.Add(-time.Hour), got)
}

func TestValidatePowers(t *testing.T) {
	tests := []struct {
		name   string
		powers []Sunset
		want   string
	}{
		{"unknown power", []Sunset{{Power: "coronation", ExpiresAtUnix: 1}}, `unknown power "coronation"`},
		{"amendment power cannot expire", []Sunset{{Power: DecidePower(Amendment), ExpiresAtUnix: 1}}, "power to amend the constitution cannot expire"},
		{"zero expiry", []Sunset{{Power: PowerTreasurySpend}}, "treasury.spend expires at 0"},
		{"twice", []Sunset{{Power: PowerTreasurySpend, ExpiresAtUnix: 5}, {Power: PowerTreasurySpend, ExpiresAtUnix: 6}}, "two sunset clauses"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Default()
			d.Powers = tt.powers
			err := d.Validate()
			assert.ErrorIs(t, err, errcode.ErrInvalidArgument)
			assert.ErrorContains(t, err, tt.want)
		})
	}
}
