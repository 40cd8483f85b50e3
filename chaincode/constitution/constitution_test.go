package constitution_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	. "github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/funding"
	"github.com/charter-gov/charter/chaincode/internal/testutil"
	"github.com/charter-gov/charter/internal/golden"
)

var admin = testutil.ID("FoundationMSP", "Admin@foundation")

func TestDefaultIsValid(t *testing.T) {
	d := Default()
	require.NoError(t, d.Validate())
	for _, typ := range RequiredDecisionTypes() {
		r, err := d.Rule(typ)
		require.NoError(t, err, typ)
		assert.Equal(t, typ, r.Type)
	}
	_, err := d.Rule("coronation")
	assert.ErrorIs(t, err, errcode.ErrNotFound)
}

func TestValidateNamesTheProblem(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(d *Document)
		want   string
	}{
		{"empty name", func(d *Document) { d.Name = "" }, "name is empty"},
		{"house with no seats", func(d *Document) { d.Houses[0].MinSeats = 0 }, "house A must have at least one seat"},
		{"max below min", func(d *Document) { d.Houses[0].MaxSeats = 2 }, "maxSeats 2 below minSeats 3"},
		{"unknown house", func(d *Document) { d.Houses[1].ID = "C" }, `unknown house "C"`},
		{"missing house", func(d *Document) { d.Houses = d.Houses[:1] }, "both house A and house B"},
		{"duplicate house", func(d *Document) { d.Houses[1].ID = HouseA }, "house A is defined twice"},
		{"threshold above 100%", func(d *Document) { d.DecisionRules[3].ThresholdBps = 10001 }, `"budget" threshold 10001 bps is outside 5001..10000`},
		{"threshold not a majority", func(d *Document) { d.DecisionRules[3].ThresholdBps = 5000 }, "threshold 5000 bps"},
		{"negative quorum", func(d *Document) { d.DecisionRules[0].QuorumBps = -1 }, "quorum -1 bps"},
		{"decision type without route", func(d *Document) { d.DecisionRules = d.DecisionRules[1:] }, `"release_stage" has no route`},
		{"routed twice", func(d *Document) { d.DecisionRules = append(d.DecisionRules, d.DecisionRules[0]) }, `"release_stage" is routed twice`},
		{"unknown decision type", func(d *Document) { d.DecisionRules[0].Type = "coronation" }, `unknown decision type "coronation"`},
		{"no houses", func(d *Document) { d.DecisionRules[0].Houses = nil; d.DecisionRules[0].Families = nil }, "must go to house A, house B or both"},
		{"families mismatch", func(d *Document) { d.DecisionRules[0].Families = nil }, "names 1 houses but 0 voting families"},
		{"same house twice", func(d *Document) {
			d.DecisionRules[0].Houses = []HouseID{HouseA, HouseA}
			d.DecisionRules[0].Families = []Family{FamilySeat, FamilySeat}
		}, "names house A twice"},
		{"unknown family", func(d *Document) { d.DecisionRules[0].Families = []Family{"lottery"} }, `unknown voting family "lottery"`},
		{"zero period", func(d *Document) { d.DecisionRules[0].VotingPeriodSec = 0 }, "voting period of at least 1 second"},
		{"negative timelock", func(d *Document) { d.DecisionRules[0].TimelockSec = -5 }, "non-negative delay and timelock"},
		{"over a year", func(d *Document) { d.DecisionRules[0].TimelockSec = 400 * 86400 }, "longer than a year"},
		{"amendment not strictest", func(d *Document) { d.DecisionRules[0].ThresholdBps = 9000 }, "amendments must have the strictest threshold"},
		{"supermajority not a majority", func(d *Document) { d.Concurrence.PassingHouseBps = 5000 }, "concurrence.passingHouseBps is 5000"},
		{"mediation weaker than amendments in the passing house", func(d *Document) { d.Concurrence.PassingHouseBps = 6666; d.Concurrence.OtherHouseBps = 10000 },
			`concurrence.passingHouseBps 6666 is below the 6667 bps that "constitutional_amendment" needs`},
		{"mediation weaker than amendments over both houses (the old 66.67 % / 40 %)", func(d *Document) { d.Concurrence.PassingHouseBps = 6667; d.Concurrence.OtherHouseBps = 4000 },
			`passingHouseBps 6667 + otherHouseBps 4000 is below twice the 6667 bps that "constitutional_amendment" needs`},
		{"mediation one basis point short", func(d *Document) { d.Concurrence.OtherHouseBps = 5333 }, "below twice the 6667 bps"},
		{"stricter amendments raise the mediation bar", func(d *Document) {
			for i := range d.DecisionRules {
				if d.DecisionRules[i].Type == Amendment {
					d.DecisionRules[i].ThresholdBps = 9000
				}
			}
		}, `concurrence.passingHouseBps 8000 is below the 9000 bps that "constitutional_amendment" needs`},
		{"minority above half a house", func(d *Document) { d.Appeals.MinorityBps = 6000 }, "appeals.minorityBps is 6000"},
		{"single signer treasury", func(d *Document) { d.Treasury.SignersRequired = 1 }, "treasury.signersRequired is 1"},
		{"negative spend decision threshold", func(d *Document) { d.Treasury.SpendDecisionThreshold = -1 }, "treasury.spendDecisionThreshold is -1"},
		{"negative deposit confirmation window", func(d *Document) { d.Treasury.DepositConfirmWithinSec = -1 }, "treasury.depositConfirmWithinSeconds is -1"},
		{"deposit confirmation window inside two skews", func(d *Document) { d.Treasury.DepositConfirmWithinSec = MinDepositConfirmWithinSec - 1 }, "treasury.depositConfirmWithinSeconds is 7199"},
		{"deposit confirmation window above a year", func(d *Document) { d.Treasury.DepositConfirmWithinSec = MaxDepositConfirmWithinSec + 1 }, "treasury.depositConfirmWithinSeconds is 31536001"},
		{"treasury account with a bad id", func(d *Document) { d.Treasury.Accounts[1].ID = "Compute Credits" }, `treasury.accounts[1]: id "Compute Credits" must be 1..32`},
		{"treasury account with an empty id", func(d *Document) { d.Treasury.Accounts[1].ID = "" }, `treasury.accounts[1]: id "" must be`},
		{"treasury account listed twice", func(d *Document) { d.Treasury.Accounts[2].ID = "compute_credits" }, "treasury.accounts[2]: account compute_credits is listed twice"},
		{"treasury account without a unit", func(d *Document) { d.Treasury.Accounts[1].Unit = "" }, "treasury.accounts[1] (compute_credits): unit must be"},
		{"treasury account unit with a control character", func(d *Document) { d.Treasury.Accounts[1].Unit = "GPU\nhour" }, "unit must be 1..64 bytes of printable text"},
		{"treasury account negative limit", func(d *Document) { d.Treasury.Accounts[1].SpendLimitPerPeriod = -5 }, "treasury.accounts[1] (compute_credits): spendLimitPerPeriod is -5"},
		{"too many treasury accounts", func(d *Document) {
			for i := 0; i < MaxTreasuryAccounts; i++ {
				d.Treasury.Accounts = append(d.Treasury.Accounts, TreasuryAccount{ID: fmt.Sprintf("a%d", i), Unit: "u"})
			}
		}, "treasury.accounts lists 35 accounts, at most 32"},
		{"no supply cap", func(d *Document) { d.Token.SupplyCap = 0 }, "token.supplyCap is 0"},
		{"issuance above the whole supply", func(d *Document) { d.Token.MaxIssuanceBps = 10001 }, "token.maxIssuanceBps is 10001"},
		{"negative issuance floor", func(d *Document) { d.Token.MaxIssuanceUnits = -1 }, "token.maxIssuanceUnits is -1"},
		{"role grants unrouted", func(d *Document) {
			d.DecisionRules = slices.DeleteFunc(d.DecisionRules, func(r DecisionRule) bool { return r.Type == RoleGrant })
		}, `decision type "role_grant" has no route`},
		{"token issuance unrouted", func(d *Document) {
			d.DecisionRules = slices.DeleteFunc(d.DecisionRules, func(r DecisionRule) bool { return r.Type == TokenIssuance })
		}, `decision type "token_issuance" has no route`},
		{"half-life under a day", func(d *Document) { d.Reputation.HalfLifeSec = 60 }, "reputation.halfLifeSeconds is 60"},
		{"delegation depth zero", func(d *Document) { d.Delegation.MaxDepth = 0 }, "delegation.maxDepth is 0"},
		{"no clock skew", func(d *Document) { d.Time.MaxClockSkewSec = 0 }, "time.maxClockSkewSeconds is 0"},
		{"clock skew over an hour", func(d *Document) { d.Time.MaxClockSkewSec = 3601 }, "time.maxClockSkewSeconds is 3601"},
		{"negative proposal threshold", func(d *Document) { d.DecisionRules[0].ProposalThreshold = -1 }, "negative proposal threshold"},
		{"no guardian organisation", func(d *Document) { d.Emergency.GuardianOrgsToAct = 0 }, "emergency.guardianOrgsToAct is 0"},
		{"more guardian organisations than guardians", func(d *Document) { d.Emergency.GuardianOrgsToAct = 3 }, "emergency.guardianOrgsToAct is 3, must be between 1 and emergency.guardiansToAct (2)"},
		{"organisation cap below half", func(d *Document) { d.Safeguards.OrgCapBps = 4999 }, "safeguards.orgCapBps is 4999"},
		{"organisation cap above 100%", func(d *Document) { d.Safeguards.OrgCapBps = 10001 }, "safeguards.orgCapBps is 10001"},
		{"negative vouches", func(d *Document) { d.Safeguards.VouchesRequired = -1 }, "safeguards.vouchesRequired is -1"},
		{"too many vouches", func(d *Document) { d.Safeguards.VouchesRequired = 17 }, "safeguards.vouchesRequired is 17"},
		{"unknown matching rule", func(d *Document) { d.Funding.Rules = []funding.Kind{"linear"} }, "funding.rules[0]"},
		{"matching rule twice", func(d *Document) {
			d.Funding.Rules = []funding.Kind{funding.KindPairwise, funding.KindPairwise}
		}, "funding.rules[1] names pairwise twice"},
		{"no matching rule", func(d *Document) { d.Funding.Rules = nil }, "funding.rules is empty"},
		{"too many projects", func(d *Document) { d.Funding.MaxProjectsPerRound = 1001 }, "funding.maxProjectsPerRound is 1001"},
		{"window bounds inverted", func(d *Document) { d.Funding.MaxWindowSec = 10 }, "funding window bounds"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Default()
			tt.mutate(&d)
			err := d.Validate()
			require.Error(t, err)
			assert.ErrorIs(t, err, errcode.ErrInvalidArgument)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestInstallGenesisOnceAndRead(t *testing.T) {
	s := core.NewMemStore()
	_, err := Current(s)
	assert.ErrorIs(t, err, errcode.ErrFailedPrecondition)
	assert.Contains(t, err.Error(), "no constitution adopted yet")
	err = RequireAdopted(s)
	assert.ErrorIs(t, err, errcode.ErrFailedPrecondition)
	assert.Contains(t, err.Error(), "no constitution adopted yet")

	tx := testutil.Tx(s, admin, true, testutil.T0())
	v, err := InstallGenesis(tx, Default())
	require.NoError(t, err)
	assert.Equal(t, int64(1), v.Version)
	assert.Len(t, v.Hash, 64)
	assert.Equal(t, GenesisDecision, v.Decision)
	assert.Nil(t, tx.Event(), "the founding act emits the event")
	require.NoError(t, RequireAdopted(s))

	cur, err := Current(s)
	require.NoError(t, err)
	assert.Equal(t, v, cur)
	got, err := Get(s, 1)
	require.NoError(t, err)
	assert.Equal(t, v, got)
	_, err = Get(s, 2)
	assert.ErrorIs(t, err, errcode.ErrNotFound)
	_, err = Get(s, 0)
	assert.ErrorIs(t, err, errcode.ErrInvalidArgument)

	before := s.Snapshot()
	_, err = InstallGenesis(testutil.Tx(s, admin, true, testutil.T0().Add(time.Minute)), Default())
	assert.ErrorIs(t, err, errcode.ErrConflict)
	assert.Contains(t, err.Error(), "already adopted")
	assert.Equal(t, before, s.Snapshot())
}

func TestInstallGenesisRefusesAnInvalidDocument(t *testing.T) {
	bad := Default()
	bad.Houses = bad.Houses[:1]
	s := core.NewMemStore()
	_, err := InstallGenesis(testutil.Tx(s, admin, true, testutil.T0()), bad)
	assert.ErrorIs(t, err, errcode.ErrInvalidArgument)
	assert.Empty(t, s.Keys())
}

func TestInstallKeepsHistory(t *testing.T) {
	s := core.NewMemStore()
	v1, err := InstallGenesis(testutil.Tx(s, admin, true, testutil.T0()), Default())
	require.NoError(t, err)
	next := Default()
	next.Appeals.WindowSec = 86400
	tx := testutil.Tx(s, admin, false, testutil.T0().Add(time.Hour))
	v2, err := Install(tx, next, "decision-7")
	require.NoError(t, err)
	assert.Equal(t, int64(2), v2.Version)
	assert.NotEqual(t, v1.Hash, v2.Hash)
	assert.Equal(t, EventAmended, tx.Event().Type)
	h, err := History(s)
	require.NoError(t, err)
	require.Len(t, h, 2)
	assert.Equal(t, []int64{1, 2}, []int64{h[0].Version, h[1].Version})
	assert.Equal(t, "decision-7", h[1].Decision)
	old, err := Get(s, 1)
	require.NoError(t, err)
	assert.Equal(t, int64(3*86400), old.Document.Appeals.WindowSec, "old versions are immutable")
}

func TestHashIsStable(t *testing.T) {
	a, b := Default(), Default()
	ha, err := a.Hash()
	require.NoError(t, err)
	hb, err := b.Hash()
	require.NoError(t, err)
	assert.Equal(t, ha, hb)
	b.Name = "other"
	hc, err := b.Hash()
	require.NoError(t, err)
	assert.NotEqual(t, ha, hc)
}

// TestGoldenDefault pins the stored JSON format of the default constitution;
// run with -update to rewrite it after a deliberate change (internal/golden).
func TestGoldenDefault(t *testing.T) {
	got, err := json.MarshalIndent(Default(), "", "  ")
	require.NoError(t, err)
	golden.Assert(t, "default.golden.json", append(got, '\n'))
}

func TestIssuanceLimit(t *testing.T) {
	tests := []struct {
		name   string
		tok    Token
		supply int64
		want   int64
	}{
		{"empty supply: the absolute floor", Token{SupplyCap: 1000, MaxIssuanceBps: 500, MaxIssuanceUnits: 100}, 0, 100},
		{"share below the floor", Token{SupplyCap: 1_000_000, MaxIssuanceBps: 500, MaxIssuanceUnits: 100}, 1000, 100},
		{"share above the floor", Token{SupplyCap: 1_000_000, MaxIssuanceBps: 500, MaxIssuanceUnits: 100}, 100_000, 5000},
		{"share rounds down", Token{SupplyCap: 1_000_000, MaxIssuanceBps: 500, MaxIssuanceUnits: 0}, 10_019, 500},
		{"bounded by the cap", Token{SupplyCap: 1000, MaxIssuanceBps: 500, MaxIssuanceUnits: 100}, 950, 50},
		{"at the cap", Token{SupplyCap: 1000, MaxIssuanceBps: 500, MaxIssuanceUnits: 100}, 1000, 0},
		{"above the cap (lowered by amendment)", Token{SupplyCap: 1000, MaxIssuanceBps: 500, MaxIssuanceUnits: 100}, 2000, 0},
		{"no issuance at all", Token{SupplyCap: 1000, MaxIssuanceBps: 0, MaxIssuanceUnits: 0}, 10, 0},
		{"exact at the limits", Token{SupplyCap: 1 << 62, MaxIssuanceBps: 10000, MaxIssuanceUnits: 0}, 1<<61 + 9999, 1<<61 - 9999},
		{"whole share at the limits", Token{SupplyCap: 1 << 62, MaxIssuanceBps: 10000, MaxIssuanceUnits: 0}, 1 << 60, 1 << 60},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.tok.IssuanceLimit(tt.supply))
		})
	}
}

func TestRoleDecisionTypes(t *testing.T) {
	tests := []struct {
		role          string
		grant, revoke DecisionType
		ok            bool
	}{
		{"house_a", SeatConfirmation, SeatRemoval, true},
		{"guardian", RoleGrant, RoleRevoke, true},
		{"attester", RoleGrant, RoleRevoke, true},
		{"treasurer", OfficeGrant, OfficeRevoke, true},
		{"grants_admin", OfficeGrant, OfficeRevoke, true},
		{"member", "", "", false},
		{"king", "", "", false},
	}
	d := Default()
	for _, tt := range tests {
		g, r, ok := RoleDecisionTypes(tt.role)
		assert.Equal(t, tt.ok, ok, tt.role)
		assert.Equal(t, tt.grant, g, tt.role)
		assert.Equal(t, tt.revoke, r, tt.role)
		if ok {
			_, err := d.Rule(g)
			assert.NoError(t, err, "the default routes %s", g)
		}
	}
	// The default's routing: safety roles by House A, offices and issuance by both houses.
	for typ, houses := range map[DecisionType][]HouseID{RoleGrant: {HouseA}, RoleRevoke: {HouseA}, OfficeGrant: {HouseA, HouseB}, OfficeRevoke: {HouseA, HouseB}, TokenIssuance: {HouseA, HouseB}} {
		r, err := d.Rule(typ)
		require.NoError(t, err)
		assert.Equal(t, houses, r.Houses, typ)
	}
}

func TestMediationBarAtTheLimitIsAccepted(t *testing.T) {
	for _, c := range []Concurrence{
		{MediationSec: 0, PassingHouseBps: 6667, OtherHouseBps: 6667},
		{MediationSec: 86400, PassingHouseBps: 10000, OtherHouseBps: 3334},
		{MediationSec: 86400, PassingHouseBps: 8000, OtherHouseBps: 5334},
	} {
		d := Default()
		d.Concurrence = c
		assert.NoError(t, d.Validate(), "%+v", c)
	}
}

func TestFundingSectionAbsentReadsAsDefault(t *testing.T) {
	d := Default()
	d.Funding = Funding{}
	require.NoError(t, d.Validate())
	assert.Equal(t, DefaultFunding(), d.Funding.Effective())
	assert.False(t, d.Funding.Allows(funding.KindQuadratic), "plain quadratic matching is not allowed by default")
	assert.True(t, d.Funding.Allows(funding.KindOrgGrouped))
}

// An optional decision type is routed by the default constitution, known
// to validation and to sunset clauses, and a constitution that does not
// route it (one adopted before it existed) stays valid and refuses its
// proposals as not routed.
func TestOptionalDecisionTypes(t *testing.T) {
	d := Default()
	r, err := d.Rule(ProjectAcceptance)
	require.NoError(t, err)
	assert.Equal(t, []HouseID{HouseB}, r.Houses)
	assert.Contains(t, KnownPowers(), DecidePower(ProjectAcceptance))
	assert.NotContains(t, RequiredDecisionTypes(), ProjectAcceptance)

	without := Default()
	without.DecisionRules = slices.DeleteFunc(without.DecisionRules, func(r DecisionRule) bool { return r.Type == ProjectAcceptance })
	require.NoError(t, without.Validate())
	_, err = without.Rule(ProjectAcceptance)
	assert.Equal(t, errcode.NotFound, errcode.CodeOf(err))

	r, err = d.Rule(PartnerRemoval)
	require.NoError(t, err)
	assert.Equal(t, []HouseID{HouseA, HouseB}, r.Houses, "a removal is decided like the admission it undoes")
	admission, err := d.Rule(PartnerAdmission)
	require.NoError(t, err)
	admission.Type = PartnerRemoval
	assert.Equal(t, admission, r)
	assert.NotContains(t, RequiredDecisionTypes(), PartnerRemoval)
	withoutRemoval := Default()
	withoutRemoval.DecisionRules = slices.DeleteFunc(withoutRemoval.DecisionRules, func(r DecisionRule) bool { return r.Type == PartnerRemoval })
	require.NoError(t, withoutRemoval.Validate())

	unknown := Default()
	unknown.DecisionRules = append(unknown.DecisionRules, DecisionRule{Type: "coronation", Houses: []HouseID{HouseB}, Families: []Family{FamilyReputation}, ThresholdBps: 5001, VotingPeriodSec: 1})
	assert.ErrorContains(t, unknown.Validate(), `unknown decision type "coronation"`)
}

// treasury.depositConfirmWithinSeconds is optional: absent (every document
// before it existed) is the 14-day default; the bounds validate.
func TestDepositConfirmWithin(t *testing.T) {
	for _, tt := range []struct {
		set, want int64
	}{
		{0, DefaultDepositConfirmWithinSec},
		{MinDepositConfirmWithinSec, MinDepositConfirmWithinSec},
		{7 * 24 * 3600, 7 * 24 * 3600},
		{MaxDepositConfirmWithinSec, MaxDepositConfirmWithinSec},
	} {
		d := Default()
		d.Treasury.DepositConfirmWithinSec = tt.set
		require.NoError(t, d.Validate(), "depositConfirmWithinSeconds %d", tt.set)
		require.Equal(t, tt.want, d.Treasury.DepositConfirmWithin())
	}
	require.Equal(t, int64(14*24*3600), Default().Treasury.DepositConfirmWithin())
	raw, err := json.Marshal(Default().Treasury)
	require.NoError(t, err)
	require.NotContains(t, string(raw), "depositConfirmWithinSeconds", "the default document's bytes are unchanged")
}
