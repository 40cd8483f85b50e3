package constitution_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	. "github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/funding"
	"github.com/charter-gov/charter/chaincode/internal/testutil"
)

// Every refused document names the field it is about, from the document's
// root, and the rule it broke; installing it writes nothing.
func TestDocumentRefusalsNameFieldAndRule(t *testing.T) {
	for _, tt := range []struct {
		name        string
		mutate      func(d *Document)
		field, rule string
	}{
		{"no name", func(d *Document) { d.Name = "" }, "name", "required"},
		{"a house description with control characters", func(d *Document) { d.Houses[1].Description = "a\x00b" }, "houses[1].description", "characters"},
		{"an unknown house", func(d *Document) { d.Houses[1].ID = "C" }, "houses[1].id", "enum"},
		{"a house twice", func(d *Document) { d.Houses[1].ID = HouseA }, "houses[1].id", "unique"},
		{"a house without seats", func(d *Document) { d.Houses[0].MinSeats = 0 }, "houses[0].minSeats", "range"},
		{"max seats below min", func(d *Document) { d.Houses[0].MaxSeats = 2 }, "houses[0].maxSeats", "range"},
		{"a missing house", func(d *Document) { d.Houses = d.Houses[:1] }, "houses", "required"},
		{"an unknown decision type", func(d *Document) { d.DecisionRules[0].Type = "coronation" }, "decisionRules[0].type", "enum"},
		{"a rule without houses", func(d *Document) { d.DecisionRules[2].Houses, d.DecisionRules[2].Families = nil, nil }, "decisionRules[2].houses", "range"},
		{"families mismatch", func(d *Document) { d.DecisionRules[0].Families = nil }, "decisionRules[0].families", RuleFamilyPerHouse},
		{"the same house twice", func(d *Document) {
			d.DecisionRules[0].Houses = []HouseID{HouseA, HouseA}
			d.DecisionRules[0].Families = []Family{FamilySeat, FamilySeat}
		}, "decisionRules[0].houses[1]", "unique"},
		{"an unknown family", func(d *Document) { d.DecisionRules[0].Families = []Family{"lottery"} }, "decisionRules[0].families[0]", "enum"},
		{"a negative quorum", func(d *Document) { d.DecisionRules[0].QuorumBps = -1 }, "decisionRules[0].quorumBps", "range"},
		{"a minority threshold", func(d *Document) { d.DecisionRules[3].ThresholdBps = 5000 }, "decisionRules[3].thresholdBps", "range"},
		{"a zero voting period", func(d *Document) { d.DecisionRules[0].VotingPeriodSec = 0 }, "decisionRules[0].votingPeriodSeconds", "range"},
		{"a timelock over a year", func(d *Document) { d.DecisionRules[0].TimelockSec = 400 * 86400 }, "decisionRules[0].timelockSeconds", "range"},
		{"a negative proposal threshold", func(d *Document) { d.DecisionRules[0].ProposalThreshold = -1 }, "decisionRules[0].proposalThreshold", "range"},
		{"a reputation category twice", func(d *Document) { d.DecisionRules[0].ReputationCategories = []string{"x", "x"} }, "decisionRules[0].reputationCategories[1]", "unique"},
		{"a type routed twice", func(d *Document) { d.DecisionRules = append(d.DecisionRules, d.DecisionRules[0]) }, fmt.Sprintf("decisionRules[%d].type", len(Default().DecisionRules)), "unique"},
		{"a type without route", func(d *Document) { d.DecisionRules = d.DecisionRules[1:] }, "decisionRules", RuleRequiredRoute},
		{"amendments not strictest", func(d *Document) { d.DecisionRules[0].ThresholdBps = 9000 }, "decisionRules[0].thresholdBps", RuleStrictestAmendment},
		{"a value out of range", func(d *Document) { d.Treasury.SignersRequired = 1 }, "treasury.signersRequired", "range"},
		{"a weak mediation bar", func(d *Document) { d.Concurrence.OtherHouseBps = 5333 }, "concurrence.otherHouseBps", RuleMediationBar},
		{"a deposit window out of range", func(d *Document) { d.Treasury.DepositConfirmWithinSec = -1 }, "treasury.depositConfirmWithinSeconds", "range"},
		{"an account id", func(d *Document) { d.Treasury.Accounts[1].ID = "Compute Credits" }, "treasury.accounts[1].id", "format"},
		{"an account twice", func(d *Document) { d.Treasury.Accounts[2].ID = "compute_credits" }, "treasury.accounts[2].id", "unique"},
		{"more guardian organisations than guardians", func(d *Document) { d.Emergency.GuardianOrgsToAct = 3 }, "emergency.guardianOrgsToAct", "range"},
		{"no matching rule", func(d *Document) { d.Funding.Rules = nil }, "funding.rules", "required"},
		{"an unknown matching rule", func(d *Document) { d.Funding.Rules = []funding.Kind{funding.KindQuadratic, "linear"} }, "funding.rules[1]", "enum"},
		{"inverted window bounds", func(d *Document) { d.Funding.MaxWindowSec = 10 }, "funding.maxWindowSeconds", "range"},
		{"an unknown filer role", func(d *Document) { d.Incidents.FilerRoles = []string{"member", "king"} }, "incidents.filerRoles[1]", "enum"},
		{"a filer role twice", func(d *Document) { d.Incidents.FilerRoles = []string{"member", "member"} }, "incidents.filerRoles[1]", "unique"},
		{"too many reproductions", func(d *Document) { d.Release.ReproductionsRequired = 101 }, "release.reproductionsRequired", "range"},
		{"an unknown checklist item", func(d *Document) { d.Release.Checklists[1].Items = []string{ItemModelCard, "vibes"} }, "release.checklists[1].items[1]", "enum"},
		{"a checklist stage twice", func(d *Document) { d.Release.Checklists[1].Stage = d.Release.Checklists[0].Stage }, "release.checklists[1].stage", "unique"},
		{"an unknown power", func(d *Document) { d.Powers = []Sunset{{Power: "treasury.steal", ExpiresAtUnix: 1}} }, "powers[0].power", "enum"},
		{"a sunset on amending", func(d *Document) { d.Powers = []Sunset{{Power: DecidePower(Amendment), ExpiresAtUnix: 1}} }, "powers[0].power", RuleAmendmentNoSunset},
		{"a sunset out of range", func(d *Document) { d.Powers = []Sunset{{Power: PowerTreasurySpend}} }, "powers[0].expiresAtUnix", "range"},
		{"two sunsets", func(d *Document) {
			d.Powers = []Sunset{{Power: PowerTreasurySpend, ExpiresAtUnix: 1}, {Power: PowerTreasurySpend, ExpiresAtUnix: 2}}
		}, "powers[1].power", "unique"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := Default()
			tt.mutate(&d)
			s := core.NewMemStore()
			_, err := InstallGenesis(testutil.Tx(s, admin, true, testutil.T0()), d)
			require.True(t, errcode.IsCode(err, errcode.InvalidArgument), "%v", err)
			field, rule := errcode.FieldOf(err)
			assert.Equal(t, []string{tt.field, tt.rule}, []string{field, rule}, "%v", err)
			w, found := errcode.Decode(errcode.Encode(err))
			require.True(t, found)
			assert.Equal(t, []string{tt.field, tt.rule}, []string{w.Field, w.Rule}, "on the wire")
			assert.Empty(t, s.Keys(), "a refusal writes nothing")
		})
	}
}

// Reading and installing name their rule: a constitution must be adopted
// (once), a version must exist, a power must be in force.
func TestStateRefusalsNameFieldAndRule(t *testing.T) {
	s := core.NewMemStore()
	check := func(err error, code errcode.Code, field, rule string) {
		t.Helper()
		require.True(t, errcode.IsCode(err, code), "want %s, got %v", code, err)
		f, r := errcode.FieldOf(err)
		assert.Equal(t, []string{field, rule}, []string{f, r}, "%v", err)
	}
	_, err := Current(s)
	check(err, errcode.FailedPrecondition, "", RuleAdopted)
	check(RequireAdopted(s), errcode.FailedPrecondition, "", RuleAdopted)
	_, err = InstallGenesis(testutil.Tx(s, admin, true, testutil.T0()), Default())
	require.NoError(t, err)
	before := s.Snapshot()
	_, err = InstallGenesis(testutil.Tx(s, admin, true, testutil.T0()), Default())
	check(err, errcode.Conflict, "", RuleNotAdopted)
	assert.Equal(t, before, s.Snapshot(), "a refusal writes nothing")
	_, err = Get(s, 0)
	check(err, errcode.InvalidArgument, "version", "range")
	_, err = Get(s, 2)
	check(err, errcode.NotFound, "", "exists")
	d := Default()
	_, err = d.Rule("coronation")
	check(err, errcode.NotFound, "type", "exists")
	d.Powers = []Sunset{{Power: PowerTreasurySpend, ExpiresAtUnix: testutil.T0().Unix()}}
	check(d.RequirePower(PowerTreasurySpend, testutil.T0().Add(time.Second)), errcode.FailedPrecondition, "", RulePowerInForce)
}
