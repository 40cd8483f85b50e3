package contract

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/ballot"
	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/contribution"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/decision"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/internal/testutil"
	"github.com/charter-gov/charter/chaincode/membership"
	"github.com/charter-gov/charter/chaincode/reputation"
)

// Finding: reputation weights moved after opening. A reputation-weighted
// ballot opened under half-life 90 days; an amendment to half-life one day
// was adopted before the tally. On the old code the tally read the
// parameters in force and the voter's weight fell from 248081 to 0; the
// ballot now pins the parameters it was created with.
func TestReputationWeightsArePinnedAtCreation(t *testing.T) {
	s := core.NewMemStore()
	n := 0
	tx := func(caller identity.Identity, admin bool, at time.Time) *core.Tx {
		n++
		x := testutil.Tx(s, caller, admin, at)
		x.TxID = fmt.Sprintf("tx-%04d", n)
		return x
	}
	t0 := testutil.T0()
	admin, adminB := testutil.ID("LabAMSP", "admin"), testutil.ID("LabBMSP", "admin")
	att, ada := testutil.ID("LabAMSP", "att"), testutil.ID("LabBMSP", "ada")
	doc := constitution.Default()
	doc.Time.MaxClockSkewSec = 60
	// One voter, of one organisation, not vouched for: the safeguards are
	// off here (guard_test.go tests them).
	doc.Safeguards = constitution.Safeguards{OrgCapBps: 10000}
	_, err := constitution.InstallGenesis(tx(admin, true, t0), doc)
	require.NoError(t, err)
	_, err = membership.RegisterFounding(tx(admin, true, t0), membership.FoundingMember{Member: att, Name: "Att",
		Roles: []membership.Role{membership.RoleAttester}, AttesterCategories: []contribution.Category{contribution.MergedCode}}, "test-genesis")
	require.NoError(t, err)
	_, err = membership.Register(tx(adminB, true, t0), membership.RegisterRequest{Member: ada, Name: "Ada"})
	require.NoError(t, err)
	_, err = reputation.Attest(tx(att, false, t0), reputation.AttestRequest{Recipient: ada, Category: contribution.MergedCode, Weight: 500, Evidence: "PR 1"})
	require.NoError(t, err)

	deps := ballotDeps()
	created := t0.Add(90 * 24 * time.Hour)
	d, err := decision.Propose(tx(ada, false, created), decisionDeps(), decision.ProposeRequest{Type: constitution.Roadmap, Title: "Roadmap"})
	require.NoError(t, err)
	b, err := ballot.Get(s, d.Ballots[0].Ballot)
	require.NoError(t, err)
	require.Equal(t, constitution.FamilyReputation, b.Family)
	require.NotNil(t, b.Reputation)
	assert.Equal(t, doc.Reputation, *b.Reputation)
	assert.Equal(t, created.Add(24*time.Hour), b.OpensAt, "the rule's one-day delay is longer than the skew")
	_, err = ballot.Cast(tx(ada, false, b.OpensAt), deps, ballot.CastRequest{Ballot: b.ID, Choice: ballot.ChoiceFor})
	require.NoError(t, err)

	amended := doc
	amended.Reputation.HalfLifeSec = 24 * 60 * 60
	_, err = constitution.Install(tx(admin, true, b.OpensAt.Add(time.Hour)), amended, "d-test")
	require.NoError(t, err)
	now, err := reputation.ScoreAt(s, ada, b.OpensAt, nil)
	require.NoError(t, err)
	assert.Equal(t, int64(0), now, "under the amended half-life the score as of the opening is gone")

	closeAt := b.CloseableFrom(60 * time.Second)
	_, err = ballot.Close(tx(ada, false, closeAt), b.ID)
	require.NoError(t, err)
	p, err := ballot.Tally(tx(ada, false, closeAt), deps, b.ID, 0)
	require.NoError(t, err)
	require.True(t, p.Done)
	want, err := reputation.ScoreWith(s, ada, b.OpensAt, nil, &doc.Reputation)
	require.NoError(t, err)
	assert.Equal(t, int64(248081), want, "500 points, 91 days at a 90-day half-life")
	for _, tot := range p.Result.Totals {
		if tot.Choice == ballot.ChoiceFor {
			assert.Equal(t, fmt.Sprint(want), tot.Total, "the weight under the pinned parameters")
		}
	}
	assert.Equal(t, fmt.Sprint(want), p.Result.Electorate)
}

// A transaction that does not concern the constitution reads only the
// time rule's own key for the clock-skew guard and the adoption check,
// never the constitution in force: an amendment in the same block (which
// rewrites constitution ~ current) does not invalidate it.
func TestGuardReadsOnlyTheTimeRule(t *testing.T) {
	h := newHarness(t)
	h.foundDefault()
	user := newIdentity(t, "LabAMSP", "User1@labA", "client")
	res, stub := h.invoke(user, time.Minute, "member:Whoami")
	require.Equal(t, int32(ok), res.Status, res.Message)
	timeKey := core.MustKey("constitution", "time")
	assert.Contains(t, stub.Reads, timeKey, "the guard reads the time rule")
	assert.NotContains(t, stub.Reads, core.MustKey("constitution", "current"), "nor the constitution in force")

	admin := newIdentity(t, "LabAMSP", "Admin@labA", "admin")
	reg := mustArg(t, membership.RegisterRequest{Member: identity.FromCert("LabAMSP", user.cert), Name: "Ada"})
	res, stub = h.invoke(admin, 0, "member:Register", reg)
	require.Equal(t, int32(ok), res.Status, res.Message)
	assert.Contains(t, stub.Reads, timeKey)
	assert.NotContains(t, stub.Reads, core.MustKey("constitution", "current"), "a registration reads no constitution")
}
