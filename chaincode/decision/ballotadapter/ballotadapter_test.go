package ballotadapter_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/ballot"
	"github.com/charter-gov/charter/chaincode/coi"
	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/decision"
	. "github.com/charter-gov/charter/chaincode/decision/ballotadapter"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/internal/testutil"
	"github.com/charter-gov/charter/chaincode/membership"
)

var (
	admin  = testutil.ID("FoundationMSP", "Admin@foundation")
	seatA1 = testutil.ID("FoundationMSP", "User1@foundation")
	seatA2 = testutil.ID("LabAMSP", "User1@labA")
	comm1  = testutil.ID("LabBMSP", "User1@labB")
	comm2  = testutil.ID("LabBMSP", "User2@labB")
)

type world struct {
	s    *core.MemStore
	deps decision.Deps
	n    int
}

func (w *world) tx(caller identity.Identity, at time.Time) *core.Tx {
	w.n++
	tx := testutil.Tx(w.s, caller, false, at)
	tx.TxID = tx.TxID + "-" + string(rune('a'+w.n))
	return tx
}

// seatDoc is the default constitution with amendments voted one seat one
// vote in both houses (no reputation ledger needed), without the
// organisation cap (each house here has voters of one organisation; the
// cap is tested in chaincode/ballot).
func seatDoc() constitution.Document {
	d := constitution.Default()
	d.Safeguards.OrgCapBps = 10000
	for i := range d.DecisionRules {
		if d.DecisionRules[i].Type == constitution.Amendment {
			d.DecisionRules[i].Families = []constitution.Family{constitution.FamilySeat, constitution.FamilySeat}
		}
	}
	return d
}

func newWorld(t *testing.T) *world {
	t.Helper()
	s := core.NewMemStore()
	_, err := constitution.InstallGenesis(testutil.Tx(s, admin, true, testutil.T0()), seatDoc())
	require.NoError(t, err)
	for _, m := range []identity.Identity{seatA1, seatA2, comm1, comm2} {
		var roles []membership.Role
		if m == seatA1 || m == seatA2 {
			roles = []membership.Role{membership.RoleHouseA}
		}
		_, err := membership.RegisterFounding(testutil.Tx(s, identity.Identity{MSPID: m.MSPID, ID: "x509::CN=Admin::CN=ca"}, true, testutil.T0()),
			membership.FoundingMember{Member: m, Name: "M", Roles: roles}, "test-genesis")
		require.NoError(t, err)
	}
	return &world{s: s, deps: decision.Deps{Ballots: Engine{}, Effects: decision.CoreEffects()}}
}

func TestAmendmentThroughTheBallotEngine(t *testing.T) {
	w := newWorld(t)
	amended := seatDoc()
	amended.Concurrence.MediationSec = 3600
	payload, err := json.Marshal(decision.AmendmentPayload{Document: amended})
	require.NoError(t, err)
	t0 := testutil.T0()
	d, err := decision.Propose(w.tx(comm1, t0), w.deps, decision.ProposeRequest{Type: constitution.Amendment, Title: "One-hour mediation", Payload: payload})
	require.NoError(t, err)

	bA, err := ballot.Get(w.s, d.ID+"-A")
	require.NoError(t, err)
	assert.Equal(t, constitution.HouseA, bA.House)
	assert.Equal(t, d.Rule, bA.Rule)
	assert.Equal(t, d.ConstitutionHash, bA.ConstitutionHash)
	assert.Equal(t, t0.Add(2*24*time.Hour), bA.OpensAt)
	assert.Equal(t, ballot.StatusPending, bA.Status)

	_, err = coi.Disclose(w.tx(seatA2, t0), coi.DiscloseRequest{Subject: coi.Subject{Kind: coi.KindProposal, ID: d.ID}, Statement: "I drafted the text for a client"})
	require.NoError(t, err)

	voting := bA.OpensAt.Add(time.Hour)
	vote := func(who identity.Identity, house constitution.HouseID) error {
		_, err := decision.Vote(w.tx(who, voting), w.deps, decision.VoteRequest{Decision: d.ID, House: house, Choice: ballot.ChoiceFor})
		return err
	}
	require.NoError(t, vote(seatA1, "A"))
	require.NoError(t, vote(comm1, "B"))
	require.NoError(t, vote(comm2, "B"))

	before, writes := w.s.Snapshot(), w.s.Writes
	err = vote(comm1, "A")
	assert.ErrorIs(t, err, errcode.ErrForbidden, "a House B member voting in House A")
	assert.ErrorContains(t, err, "did not hold a House A seat")
	err = vote(seatA2, "A")
	assert.ErrorIs(t, err, errcode.ErrForbidden, "a conflicted House A member")
	assert.ErrorContains(t, err, "recused")
	// The same conflicted member going around the decision, straight to the
	// ballot engine with the contract's hook, is refused too.
	_, err = ballot.Cast(w.tx(seatA2, voting), ballot.Deps{Eligible: decision.CheckVoter}, ballot.CastRequest{Ballot: d.ID + "-A", Choice: ballot.ChoiceFor})
	assert.ErrorIs(t, err, errcode.ErrForbidden, "a conflicted member voting through ballot:Vote")
	assert.ErrorContains(t, err, "recused")
	assert.Equal(t, before, w.s.Snapshot())
	assert.Equal(t, writes, w.s.Writes)

	for _, action := range []string{"queue", "execute"} {
		err = decision.RequireStandalone(w.s, d.ID+"-A", action)
		assert.ErrorIs(t, err, errcode.ErrFailedPrecondition, "a decision's ballot is not %sd on its own", action)
		assert.ErrorContains(t, err, "belongs to decision "+d.ID)
	}
	require.NoError(t, decision.RequireStandalone(w.s, "some-poll", "queue"), "ballots of no decision pass")

	_, final, err := Engine{}.Result(w.s, d.ID+"-A")
	require.NoError(t, err)
	assert.False(t, final, "open ballots are not final")

	ends := bA.CloseableFrom(constitution.DefaultMaxClockSkewSec * time.Second)
	for _, h := range []string{"A", "B"} {
		_, err := ballot.Close(w.tx(comm1, ends), d.ID+"-"+h)
		require.NoError(t, err)
		p, err := ballot.Tally(w.tx(comm1, ends), ballot.Deps{}, d.ID+"-"+h, 0)
		require.NoError(t, err)
		require.True(t, p.Done)
	}
	rA, final, err := Engine{}.Result(w.s, d.ID+"-A")
	require.NoError(t, err)
	require.True(t, final)
	assert.Equal(t, decision.HouseResult{House: "A", Ballot: d.ID + "-A", QuorumMet: true, ForBps: 10000, Passed: true, VotesCounted: 1, ClosedAt: ends}, rA)

	c, err := decision.Conclude(w.tx(comm1, ends), w.deps, d.ID)
	require.NoError(t, err)
	require.Equal(t, decision.StatusPassed, c.Status, "%+v", c.Outcome)
	execAt := c.ExecutableAt.Add(constitution.DefaultMaxClockSkewSec * time.Second)
	_, err = decision.Execute(w.tx(comm1, execAt), w.deps, d.ID)
	require.NoError(t, err)
	cur, err := constitution.Current(w.s)
	require.NoError(t, err)
	assert.Equal(t, int64(2), cur.Version)
	assert.Equal(t, int64(3600), cur.Document.Concurrence.MediationSec)
	_, err = decision.Execute(w.tx(comm1, execAt), w.deps, d.ID)
	assert.ErrorIs(t, err, errcode.ErrConflict)
}

func TestNobodyCancelsADecisionOrAppealBallot(t *testing.T) {
	w := newWorld(t)
	t0 := testutil.T0()
	guardian := testutil.ID("LabAMSP", "Guardian@labA")
	_, err := membership.RegisterFounding(testutil.Tx(w.s, identity.Identity{MSPID: "LabAMSP", ID: "x509::CN=Admin::CN=ca"}, true, t0),
		membership.FoundingMember{Member: guardian, Name: "G", Roles: []membership.Role{membership.RoleGuardian}}, "test-genesis")
	require.NoError(t, err)
	d, err := decision.Propose(w.tx(seatA1, t0), w.deps, decision.ProposeRequest{Type: constitution.ReleaseStage, Title: "Stage"})
	require.NoError(t, err)
	appeal := decision.BallotSpec{ID: d.ID + "-appeal-B", Decision: d.ID, Appeal: true, House: "B", Family: constitution.FamilySeat,
		Rule:                constitution.DecisionRule{Type: constitution.ReleaseStage, Houses: []constitution.HouseID{"B"}, Families: []constitution.Family{constitution.FamilySeat}, VotingPeriodSec: 60},
		ConstitutionVersion: 1, Title: "Appeal", Proposer: comm1}
	require.NoError(t, Engine{}.Open(w.tx(comm1, t0), appeal))
	for _, tt := range []struct {
		name   string
		caller identity.Identity
		ballot string
	}{
		{"the proposer, its decision's ballot", seatA1, d.ID + "-A"},
		{"a guardian, a decision's ballot", guardian, d.ID + "-A"},
		{"the appellant who lodged it, the appeal ballot", comm1, appeal.ID},
		{"a guardian, the appeal ballot", guardian, appeal.ID},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before, writes := w.s.Snapshot(), w.s.Writes
			tx := w.tx(tt.caller, t0)
			_, err := ballot.Cancel(tx, ballot.CancelRequest{Ballot: tt.ballot, Reason: "withdrawn"})
			require.ErrorIs(t, err, errcode.ErrForbidden)
			assert.ErrorContains(t, err, "cannot be cancelled by anyone")
			assert.Equal(t, before, w.s.Snapshot())
			assert.Equal(t, writes, w.s.Writes)
			assert.Nil(t, tx.Event())
		})
	}
}

func TestOpenRefusesAnExistingID(t *testing.T) {
	w := newWorld(t)
	tx := w.tx(comm1, testutil.T0())
	spec := decision.BallotSpec{ID: "x-A", House: "A", Family: constitution.FamilySeat, Title: "t", ConstitutionVersion: 1,
		Rule: constitution.DecisionRule{Type: constitution.ReleaseStage, Houses: []constitution.HouseID{"A"}, Families: []constitution.Family{constitution.FamilySeat}, VotingPeriodSec: 1}}
	require.NoError(t, Engine{}.Open(tx, spec))
	assert.ErrorIs(t, Engine{}.Open(tx, spec), errcode.ErrConflict)
}
