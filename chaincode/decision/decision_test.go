package decision_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/coi"
	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/core"
	. "github.com/charter-gov/charter/chaincode/decision"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/internal/testutil"
	"github.com/charter-gov/charter/chaincode/membership"
)

// fakeBallots is the test double of the ballot engine: Open and Cast write
// to the store (so "nothing written" checks see them); results are set by
// the test.
type fakeBallots struct {
	results map[string]HouseResult
	specs   map[string]BallotSpec
}

func newFake() *fakeBallots {
	return &fakeBallots{results: map[string]HouseResult{}, specs: map[string]BallotSpec{}}
}

func (f *fakeBallots) Open(tx *core.Tx, spec BallotSpec) error {
	key := core.MustKey("ballot", spec.ID)
	if raw, _ := tx.Store.Get(key); raw != nil {
		return errcode.Conflictf("ballot %s exists", spec.ID)
	}
	f.specs[spec.ID] = spec
	return core.PutJSON(tx.Store, key, spec)
}

func (f *fakeBallots) Result(_ core.Store, id string) (HouseResult, bool, error) {
	r, ok := f.results[id]
	return r, ok, nil
}

func (f *fakeBallots) Cast(tx *core.Tx, id, choice string, _ []Allocation) (any, error) {
	if err := core.PutJSON(tx.Store, core.MustKey("ballot-vote", id, tx.Caller.MSPID, tx.Caller.ID), choice); err != nil {
		return nil, err
	}
	return choice, tx.Emit("ballot.voted", choice)
}

func (f *fakeBallots) VoteChoice(s core.Store, id string, voter identity.Identity) (string, bool, error) {
	var choice string
	found, err := core.GetJSON(s, core.MustKey("ballot-vote", id, voter.MSPID, voter.ID), &choice)
	return choice, found, err
}

func (f *fakeBallots) pass(id string, at time.Time, bps int64) {
	f.results[id] = HouseResult{QuorumMet: true, Passed: true, ForBps: bps, ClosedAt: at}
}

func (f *fakeBallots) fail(id string, at time.Time, bps int64) {
	f.results[id] = HouseResult{QuorumMet: true, ForBps: bps, ClosedAt: at}
}

var (
	admin  = testutil.ID("FoundationMSP", "Admin@foundation")
	seatA1 = testutil.ID("FoundationMSP", "User1@foundation")
	seatA2 = testutil.ID("LabAMSP", "User1@labA")
	comm1  = testutil.ID("LabBMSP", "User1@labB")
	comm2  = testutil.ID("LabBMSP", "User2@labB")
	comm3  = testutil.ID("LabBMSP", "User3@labB")
	stray  = testutil.ID("LabBMSP", "Nobody@labB")
)

const day = 24 * time.Hour

func t0() time.Time { return testutil.T0() }

type world struct {
	s     *core.MemStore
	fake  *fakeBallots
	deps  Deps
	clock time.Time
	n     int
}

// newWorld: constitution v1 (defaults, appeals need 2 appellants), two
// House A seats, three community members.
func newWorld(t *testing.T, mutate ...func(*constitution.Document)) *world {
	t.Helper()
	s := core.NewMemStore()
	doc := constitution.Default()
	doc.Appeals.MinAppellants = 2
	for _, m := range mutate {
		m(&doc)
	}
	_, err := constitution.InstallGenesis(testutil.Tx(s, admin, true, t0()), doc)
	require.NoError(t, err)
	for _, m := range []identity.Identity{seatA1, seatA2, comm1, comm2, comm3} {
		roles := []membership.Role{}
		if m == seatA1 || m == seatA2 {
			roles = append(roles, membership.RoleHouseA)
		}
		adminOf := identity.Identity{MSPID: m.MSPID, ID: "x509::CN=Admin::CN=ca"}
		_, err := membership.RegisterFounding(testutil.Tx(s, adminOf, true, t0()), membership.FoundingMember{Member: m, Name: "M", Roles: roles}, "test-genesis")
		require.NoError(t, err)
	}
	f := newFake()
	return &world{s: s, fake: f, deps: Deps{Ballots: f, Effects: CoreEffects()}, clock: t0()}
}

// skew is the clock skew of the test constitution (the default): every
// deadline is honoured with it as margin.
const skew = constitution.DefaultMaxClockSkewSec * time.Second

// tx returns a transaction by caller at time at, with a unique TxID.
func (w *world) tx(caller identity.Identity, at time.Time) *core.Tx {
	w.n++
	tx := testutil.Tx(w.s, caller, false, at)
	tx.TxID = tx.TxID + "-" + strings.Repeat("x", w.n)
	return tx
}

func amendPayload(t *testing.T, mutate func(d *constitution.Document)) json.RawMessage {
	t.Helper()
	doc := constitution.Default()
	doc.Appeals.MinAppellants = 2
	mutate(&doc)
	raw, err := json.Marshal(AmendmentPayload{Document: doc})
	require.NoError(t, err)
	return raw
}

// passBoth passes each decision's ballots in both houses with yes bps,
// closing at closed, and concludes it then.
func (w *world) passBoth(t *testing.T, closed time.Time, bps int64, ds ...*Decision) {
	t.Helper()
	for _, d := range ds {
		w.fake.pass(d.ID+"-A", closed, bps)
		w.fake.pass(d.ID+"-B", closed, bps)
		_, err := Conclude(w.tx(stray, closed), w.deps, d.ID)
		require.NoError(t, err)
	}
}

func (w *world) propose(t *testing.T, by identity.Identity, req ProposeRequest) *Decision {
	t.Helper()
	d, err := Propose(w.tx(by, t0()), w.deps, req)
	require.NoError(t, err)
	return d
}

func TestProposeJointAmendment(t *testing.T) {
	w := newWorld(t)
	tx := w.tx(comm1, t0())
	payload := amendPayload(t, func(d *constitution.Document) { d.Concurrence.MediationSec = 86400 })
	d, err := Propose(tx, w.deps, ProposeRequest{Type: constitution.Amendment, Title: "Shorter mediation", Payload: payload})
	require.NoError(t, err)
	cur, err := constitution.Current(w.s)
	require.NoError(t, err)
	assert.Equal(t, StatusVoting, d.Status)
	assert.Equal(t, int64(1), d.ConstitutionVersion)
	assert.Equal(t, cur.Hash, d.ConstitutionHash)
	assert.Equal(t, coi.Subject{Kind: coi.KindProposal, ID: d.ID}, d.Subject, "default subject: the decision itself")
	require.Len(t, d.Ballots, 2)
	assert.Equal(t, BallotRef{House: "A", Family: constitution.FamilySeat, Ballot: d.ID + "-A"}, d.Ballots[0])
	assert.Equal(t, BallotRef{House: "B", Family: constitution.FamilyReputation, Ballot: d.ID + "-B"}, d.Ballots[1])
	rule, _ := cur.Document.Rule(constitution.Amendment)
	spec := w.fake.specs[d.ID+"-A"]
	assert.Equal(t, rule, spec.Rule, "the ballot gets the frozen rule")
	assert.Equal(t, cur.Hash, spec.ConstitutionHash)
	require.NotNil(t, tx.Event())
	assert.Equal(t, EventProposed, tx.Event().Type)

	got, err := Get(w.s, d.ID)
	require.NoError(t, err)
	assert.Equal(t, d.ID, got.ID)
	all, err := List(w.s, StatusVoting, 0, "")
	require.NoError(t, err)
	assert.Len(t, all.Decisions, 1)
	assert.Empty(t, all.Bookmark, "one page")
	none, err := List(w.s, StatusExecuted, 0, "")
	require.NoError(t, err)
	assert.Empty(t, none.Decisions)
	assert.NotNil(t, none.Decisions, "an empty page encodes as [] not null")
}

func TestProposeRefusalsChangeNothing(t *testing.T) {
	tests := []struct {
		name   string
		caller identity.Identity
		setup  func(t *testing.T, w *world)
		req    ProposeRequest
		code   errcode.Code
		want   string
	}{
		{"amendment: threshold above 100%", comm1, nil, ProposeRequest{Type: constitution.Amendment, Title: "x", Payload: amendPayload(t, func(d *constitution.Document) { d.DecisionRules[0].ThresholdBps = 10001 })}, errcode.InvalidArgument, "threshold 10001 bps"},
		{"amendment: a house with no seats", comm1, nil, ProposeRequest{Type: constitution.Amendment, Title: "x", Payload: amendPayload(t, func(d *constitution.Document) { d.Houses[0].MinSeats = 0 })}, errcode.InvalidArgument, "must have at least one seat"},
		{"amendment: a decision type with no route", comm1, nil, ProposeRequest{Type: constitution.Amendment, Title: "x", Payload: amendPayload(t, func(d *constitution.Document) { d.DecisionRules = d.DecisionRules[1:] })}, errcode.InvalidArgument, `"release_stage" has no route`},
		{"amendment: changes nothing", comm1, nil, ProposeRequest{Type: constitution.Amendment, Title: "x", Payload: amendPayload(t, func(d *constitution.Document) {})}, errcode.InvalidArgument, "changes nothing"},
		{"amendment: no payload", comm1, nil, ProposeRequest{Type: constitution.Amendment, Title: "x"}, errcode.InvalidArgument, "needs a payload"},
		{"amendment: unknown payload field", comm1, nil, ProposeRequest{Type: constitution.Amendment, Title: "x", Payload: json.RawMessage(`{"doc":{}}`)}, errcode.InvalidArgument, "malformed JSON"},
		{"payload not JSON", comm1, nil, ProposeRequest{Type: constitution.Budget, Title: "x", Payload: json.RawMessage(`{`)}, errcode.InvalidArgument, "not valid JSON"},
		{"empty title", comm1, nil, ProposeRequest{Type: constitution.Budget, Title: " "}, errcode.InvalidArgument, "title is empty"},
		{"bad subject", comm1, nil, ProposeRequest{Type: constitution.Budget, Title: "x", Subject: &coi.Subject{Kind: "planet", ID: "x"}}, errcode.InvalidArgument, "unknown"},
		{"unrouted type", comm1, nil, ProposeRequest{Type: "coronation", Title: "x"}, errcode.NotFound, "not routed"},
		{"not a member", stray, nil, ProposeRequest{Type: constitution.Budget, Title: "x"}, errcode.Forbidden, "not an active member"},
		{"House A-only type without a seat", comm1, nil, ProposeRequest{Type: constitution.ReleaseStage, Title: "x"}, errcode.Forbidden, "does not hold a House A seat"},
		{"seat confirmation of a seat holder", comm1, nil, ProposeRequest{Type: constitution.SeatConfirmation, Title: "x", Payload: mustJSON(t, SeatPayload{Member: seatA1})}, errcode.Conflict, "already holds"},
		{"seat confirmation of a non-member", comm1, nil, ProposeRequest{Type: constitution.SeatConfirmation, Title: "x", Payload: mustJSON(t, SeatPayload{Member: stray})}, errcode.NotFound, "not registered"},
		{"seat removal of a non-seat", comm1, nil, ProposeRequest{Type: constitution.SeatRemoval, Title: "x", Payload: mustJSON(t, SeatPayload{Member: comm2})}, errcode.InvalidArgument, "holds no House A seat"},
		{"expired power (sunset)", comm1, func(t *testing.T, w *world) {
			doc := constitution.Default()
			doc.Appeals.MinAppellants = 2
			doc.Powers = []constitution.Sunset{{Power: constitution.DecidePower(constitution.Budget), ExpiresAtUnix: t0().Unix()}}
			_, err := constitution.Install(w.tx(admin, t0()), doc, "d-test")
			require.NoError(t, err)
		}, ProposeRequest{Type: constitution.Budget, Title: "x"}, errcode.FailedPrecondition, "decide.budget expired"},
		{"no ballot engine", comm1, func(t *testing.T, w *world) { w.deps.Ballots = nil }, ProposeRequest{Type: constitution.Budget, Title: "x"}, errcode.FailedPrecondition, "ballot engine"},
		{"under the proposal threshold", comm1, withThreshold(100, 99), ProposeRequest{Type: constitution.Budget, Title: "x"}, errcode.Forbidden, "weight 99, below the proposal threshold 100"},
		{"threshold without a weight source", comm1, func(t *testing.T, w *world) {
			withThreshold(100, 1000)(t, w)
			w.deps.ProposerWeight = nil
		}, ProposeRequest{Type: constitution.Budget, Title: "x"}, errcode.FailedPrecondition, "proposal threshold cannot be checked"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			if tt.setup != nil {
				tt.setup(t, w)
			}
			before, writes := w.s.Snapshot(), w.s.Writes
			tx := w.tx(tt.caller, t0())
			_, err := Propose(tx, w.deps, tt.req)
			require.Error(t, err)
			assert.Equal(t, tt.code, errcode.CodeOf(err), "%v", err)
			assert.ErrorContains(t, err, tt.want)
			assert.Equal(t, before, w.s.Snapshot())
			assert.Equal(t, writes, w.s.Writes)
			assert.Nil(t, tx.Event())
		})
	}
}

// withThreshold installs a constitution whose every rule has proposal
// threshold min and gives every member weight w in every family.
func withThreshold(min, w int64) func(t *testing.T, wd *world) {
	return func(t *testing.T, wd *world) {
		doc := constitution.Default()
		doc.Appeals.MinAppellants = 2
		for i := range doc.DecisionRules {
			doc.DecisionRules[i].ProposalThreshold = min
		}
		_, err := constitution.Install(wd.tx(admin, t0()), doc, "d-test")
		require.NoError(t, err)
		wd.deps.ProposerWeight = func(core.Store, constitution.Family, constitution.DecisionRule, identity.Identity, time.Time) (int64, error) {
			return w, nil
		}
	}
}

func TestProposalThreshold(t *testing.T) {
	w := newWorld(t)
	withThreshold(100, 100)(t, w)
	d := w.propose(t, comm1, ProposeRequest{Type: constitution.Budget, Title: "at the threshold"})
	assert.Equal(t, StatusVoting, d.Status)
	// A joint type: House B weight counts for a member without a seat;
	// House A weight only with one.
	var asked []constitution.Family
	w.deps.ProposerWeight = func(_ core.Store, fam constitution.Family, _ constitution.DecisionRule, _ identity.Identity, _ time.Time) (int64, error) {
		asked = append(asked, fam)
		if fam == constitution.FamilySeat {
			return 1000, nil
		}
		return 1, nil
	}
	refused(t, w, errcode.Forbidden, "below the proposal threshold", func() (*core.Tx, error) {
		tx := w.tx(comm1, t0())
		_, err := Propose(tx, w.deps, ProposeRequest{Type: constitution.Roadmap, Title: "x"})
		return tx, err
	})
	assert.Equal(t, []constitution.Family{constitution.FamilyReputation}, asked, "no seat: House A weight is not asked")
	d = w.propose(t, seatA1, ProposeRequest{Type: constitution.SeatRemoval, Title: "a seat holder proposes", Payload: mustJSON(t, SeatPayload{Member: seatA2})})
	assert.Equal(t, StatusVoting, d.Status)
}

func mustJSON(t *testing.T, v any) json.RawMessage {
	t.Helper()
	raw, err := json.Marshal(v)
	require.NoError(t, err)
	return raw
}

// refused runs op and checks it is refused with code and writes nothing.
func refused(t *testing.T, w *world, code errcode.Code, want string, op func() (*core.Tx, error)) {
	t.Helper()
	before, writes := w.s.Snapshot(), w.s.Writes
	tx, err := op()
	require.Error(t, err)
	assert.Equal(t, code, errcode.CodeOf(err), "%v", err)
	assert.ErrorContains(t, err, want)
	assert.Equal(t, before, w.s.Snapshot(), "a refusal changes nothing")
	assert.Equal(t, writes, w.s.Writes)
	if tx != nil {
		assert.Nil(t, tx.Event())
	}
}

func TestAmendmentLifecycle(t *testing.T) {
	w := newWorld(t)
	d := w.propose(t, comm1, ProposeRequest{Type: constitution.Amendment, Title: "Longer budget timelock",
		Payload: amendPayload(t, func(doc *constitution.Document) { doc.DecisionRules[3].TimelockSec = 3 * 86400 })})
	closed := t0().Add(16 * day)

	refused(t, w, errcode.FailedPrecondition, "not tallied yet", func() (*core.Tx, error) {
		tx := w.tx(stray, closed)
		_, err := Conclude(tx, w.deps, d.ID)
		return tx, err
	})
	w.fake.pass(d.ID+"-A", closed, 8000)
	refused(t, w, errcode.FailedPrecondition, d.ID+"-B in house B is not tallied", func() (*core.Tx, error) {
		tx := w.tx(stray, closed)
		_, err := Conclude(tx, w.deps, d.ID)
		return tx, err
	})
	w.fake.pass(d.ID+"-B", closed.Add(time.Hour), 7000)
	tx := w.tx(stray, closed.Add(2*time.Hour))
	got, err := Conclude(tx, w.deps, d.ID)
	require.NoError(t, err)
	assert.Equal(t, StatusPassed, got.Status)
	assert.Equal(t, BranchBothPassed, got.Outcome.Branch)
	// Finding: windows started late. The timelock and the appeal window
	// count from the concluding transaction (closed+2h), not from the later
	// ballot close (closed+1h), which the old code used.
	decided := closed.Add(2 * time.Hour)
	assert.Equal(t, decided, got.Outcome.DecidedAt)
	assert.Equal(t, decided.Add(7*day), *got.ETA, "amendment timelock: 7 days from the verdict")
	assert.Equal(t, decided.Add(3*day), *got.AppealDeadline)
	assert.Equal(t, decided.Add(7*day), *got.ExecutableAt)
	assert.Equal(t, EventConcluded, tx.Event().Type)

	refused(t, w, errcode.FailedPrecondition, "only decisions in voting", func() (*core.Tx, error) {
		tx := w.tx(stray, closed.Add(3*time.Hour))
		_, err := Conclude(tx, w.deps, d.ID)
		return tx, err
	})
	refused(t, w, errcode.FailedPrecondition, "can be executed from", func() (*core.Tx, error) {
		tx := w.tx(stray, decided.Add(7*day-time.Second))
		_, err := Execute(tx, w.deps, d.ID)
		return tx, err
	})
	// Finding: deadlines inside the skew. At the ETA itself (and until one
	// skew after it) execution is refused; the old code executed there.
	refused(t, w, errcode.FailedPrecondition, "clock-skew margin of 5m0s", func() (*core.Tx, error) {
		tx := w.tx(stray, decided.Add(7*day+skew-time.Nanosecond))
		_, err := Execute(tx, w.deps, d.ID)
		return tx, err
	})

	tx = w.tx(stray, decided.Add(7*day+skew))
	ex, err := Execute(tx, w.deps, d.ID)
	require.NoError(t, err)
	assert.Equal(t, StatusExecuted, ex.Status)
	require.NotNil(t, tx.Event())
	assert.Equal(t, constitution.EventAmended, tx.Event().Type, "the effect's event names the decision")
	assert.Contains(t, string(tx.Event().Payload), d.ID)
	cur, err := constitution.Current(w.s)
	require.NoError(t, err)
	assert.Equal(t, int64(2), cur.Version)
	assert.Equal(t, d.ID, cur.Decision)
	assert.Equal(t, int64(3*86400), cur.Document.DecisionRules[3].TimelockSec)
	assert.JSONEq(t, `{"version":2,"hash":"`+cur.Hash+`","adoptedAt":"`+cur.AdoptedAt.Format(time.RFC3339)+`","decision":"`+d.ID+`"}`, string(ex.Effect))
	hist, err := constitution.History(w.s)
	require.NoError(t, err)
	require.Len(t, hist, 2)
	v1, err := constitution.Get(w.s, 1)
	require.NoError(t, err)
	assert.Equal(t, d.ConstitutionHash, v1.Hash, "every version is kept with its hash")

	refused(t, w, errcode.Conflict, "already executed", func() (*core.Tx, error) {
		tx := w.tx(stray, decided.Add(8*day))
		_, err := Execute(tx, w.deps, d.ID)
		return tx, err
	})
}

func TestVersionPinning(t *testing.T) {
	w := newWorld(t)
	// A budget decision opened under v1.
	budget := w.propose(t, comm1, ProposeRequest{Type: constitution.Budget, Title: "Q3 compute budget"})
	amend := w.propose(t, comm2, ProposeRequest{Type: constitution.Amendment, Title: "Stricter budgets, no mediation",
		Payload: amendPayload(t, func(doc *constitution.Document) {
			doc.DecisionRules[3].QuorumBps = 3000
			doc.DecisionRules[3].TimelockSec = 10 * 86400
			doc.Concurrence.MediationSec = 0
		})})
	// A second amendment, also drafted against v1.
	stale := w.propose(t, comm3, ProposeRequest{Type: constitution.Amendment, Title: "Other change",
		Payload: amendPayload(t, func(doc *constitution.Document) { doc.Name = "Renamed" })})
	at := t0().Add(16 * day)
	w.passBoth(t, at, 9000, amend, stale)
	_, err := Execute(w.tx(stray, at.Add(7*day+skew)), w.deps, amend.ID)
	require.NoError(t, err)

	// The stale amendment would undo v2: refused at execution, nothing written.
	refused(t, w, errcode.FailedPrecondition, "drafted against constitution version 1, but version 2 is in force", func() (*core.Tx, error) {
		tx := w.tx(stray, at.Add(7*day+skew))
		_, err := Execute(tx, w.deps, stale.ID)
		return tx, err
	})

	// The budget decision keeps v1's rule: quorum 1000, timelock 2 days.
	got, err := Get(w.s, budget.ID)
	require.NoError(t, err)
	assert.Equal(t, int64(1), got.ConstitutionVersion)
	assert.Equal(t, int64(1000), got.Rule.QuorumBps)
	assert.Equal(t, int64(2*86400), got.Rule.TimelockSec)
	w.fake.pass(budget.ID+"-B", at, 6000)
	c, err := Conclude(w.tx(stray, at.Add(8*day)), w.deps, budget.ID)
	require.NoError(t, err)
	assert.Equal(t, at.Add(8*day+2*day), *c.ETA, "v1's timelock (not v2's), from the verdict")

	// A decision proposed now uses v2.
	fresh := w.propose(t, comm1, ProposeRequest{Type: constitution.Budget, Title: "Q4"})
	assert.Equal(t, int64(2), fresh.ConstitutionVersion)
	assert.Equal(t, int64(3000), fresh.Rule.QuorumBps)
}

func TestMediation(t *testing.T) {
	w := newWorld(t)
	d := w.propose(t, comm1, ProposeRequest{Type: constitution.PartnerAdmission, Title: "Admit LabC", Subject: &coi.Subject{Kind: coi.KindOrganisation, ID: "LabCMSP"}})
	closed := t0().Add(16 * day)
	w.fake.pass(d.ID+"-A", closed, 8500)
	w.fake.fail(d.ID+"-B", closed, 5500)
	tx := w.tx(stray, closed)
	got, err := Conclude(tx, w.deps, d.ID)
	require.NoError(t, err)
	assert.Equal(t, StatusMediation, got.Status)
	ends := closed.Add(7 * day)
	assert.Equal(t, ends, *got.Outcome.MediationEndsAt)

	refused(t, w, errcode.FailedPrecondition, "mediation timelock runs until", func() (*core.Tx, error) {
		tx := w.tx(stray, ends.Add(-time.Second))
		_, err := Conclude(tx, w.deps, d.ID)
		return tx, err
	})
	refused(t, w, errcode.FailedPrecondition, "mediation timelock runs until", func() (*core.Tx, error) {
		tx := w.tx(stray, ends.Add(skew-time.Nanosecond))
		_, err := Conclude(tx, w.deps, d.ID)
		return tx, err
	})
	refused(t, w, errcode.FailedPrecondition, "only passed decisions are executed", func() (*core.Tx, error) {
		tx := w.tx(stray, ends)
		_, err := Execute(tx, w.deps, d.ID)
		return tx, err
	})
	got, err = Conclude(w.tx(stray, ends.Add(skew)), w.deps, d.ID)
	require.NoError(t, err)
	assert.Equal(t, StatusPassed, got.Status, "A 85.00% ≥ 80.00%, B 55.00% ≥ 53.34%")
	assert.Equal(t, BranchSupermajority, got.Outcome.Branch)
	assert.Equal(t, ends.Add(skew+2*day), *got.ETA)

	// Executed with no on-chain effect (partner admission registers none yet).
	tx = w.tx(stray, ends.Add(3*day+2*skew))
	ex, err := Execute(tx, w.deps, d.ID)
	require.NoError(t, err)
	assert.Equal(t, StatusExecuted, ex.Status)
	assert.Equal(t, EventExecuted, tx.Event().Type)
	assert.Nil(t, ex.Effect)

	// Without the supermajority: rejected after mediation.
	d2 := w.propose(t, comm1, ProposeRequest{Type: constitution.PartnerAdmission, Title: "Admit LabD"})
	w.fake.pass(d2.ID+"-A", closed, 7999)
	w.fake.fail(d2.ID+"-B", closed, 6000)
	_, err = Conclude(w.tx(stray, closed), w.deps, d2.ID)
	require.NoError(t, err)
	got, err = Conclude(w.tx(stray, ends.Add(skew)), w.deps, d2.ID)
	require.NoError(t, err)
	assert.Equal(t, StatusRejected, got.Status)
	assert.Equal(t, BranchNoSupermajority, got.Outcome.Branch)
}

func TestQuorumFailureInOneHouse(t *testing.T) {
	w := newWorld(t)
	d := w.propose(t, comm1, ProposeRequest{Type: constitution.ChaincodeUpgrade, Title: "Upgrade to 0.2"})
	at := t0().Add(9 * day)
	w.fake.pass(d.ID+"-A", at, 10000)
	w.fake.results[d.ID+"-B"] = HouseResult{QuorumMet: false, ForBps: 10000, ClosedAt: at}
	got, err := Conclude(w.tx(stray, at), w.deps, d.ID)
	require.NoError(t, err)
	assert.Equal(t, StatusRejected, got.Status)
	assert.Equal(t, BranchQuorumFailed, got.Outcome.Branch)
	refused(t, w, errcode.FailedPrecondition, "only passed, unexecuted decisions can be appealed", func() (*core.Tx, error) {
		tx := w.tx(comm2, at)
		_, err := Appeal(tx, w.deps, AppealRequest{Decision: d.ID, Grounds: "g"})
		return tx, err
	})
}

func TestRecusal(t *testing.T) {
	w := newWorld(t)
	artifact := coi.Subject{Kind: coi.KindArtifact, ID: "model-x@sha256:01"}
	_, err := coi.Disclose(w.tx(seatA2, t0()), coi.DiscloseRequest{Subject: artifact, Statement: "I trained it"})
	require.NoError(t, err)
	d := w.propose(t, seatA1, ProposeRequest{Type: constitution.ReleaseStage, Title: "Stage model-x to general", Subject: &artifact})
	_, err = coi.Disclose(w.tx(seatA1, t0()), coi.DiscloseRequest{Subject: coi.Subject{Kind: coi.KindProposal, ID: d.ID}, StatementHash: coi.HashStatement("off-ledger")})
	require.NoError(t, err)

	for name, who := range map[string]identity.Identity{"conflicted on the subject": seatA2, "conflicted on the decision": seatA1} {
		t.Run(name, func(t *testing.T) {
			refused(t, w, errcode.Forbidden, "is recused", func() (*core.Tx, error) {
				tx := w.tx(who, t0())
				_, err := Vote(tx, w.deps, VoteRequest{Decision: d.ID, House: "A", Choice: "for"})
				return tx, err
			})
			assert.ErrorIs(t, CheckVoter(w.s, d.ID+"-A", who), errcode.ErrForbidden, "the ballot engine's hook refuses too")
		})
	}
	require.NoError(t, CheckVoter(w.s, "some-other-ballot", seatA2), "ballots of no decision: no recusal")

	// A member with no conflict votes through the ballot engine.
	tx := w.tx(comm1, t0())
	_, err = Vote(tx, w.deps, VoteRequest{Decision: d.ID, House: "A", Choice: "for"})
	require.NoError(t, err, "the ballot engine, not the decision engine, refuses House B members in House A")
	require.NoError(t, CheckVoter(w.s, d.ID+"-A", comm1))

	refused(t, w, errcode.NotFound, `no ballot in house "B"`, func() (*core.Tx, error) {
		tx := w.tx(comm1, t0())
		_, err := Vote(tx, w.deps, VoteRequest{Decision: d.ID, House: "B", Choice: "for"})
		return tx, err
	})
	refused(t, w, errcode.NotFound, "no appeal has been lodged", func() (*core.Tx, error) {
		tx := w.tx(comm1, t0())
		_, err := Vote(tx, w.deps, VoteRequest{Decision: d.ID, House: "B", Appeal: true, Choice: "for"})
		return tx, err
	})
}

func TestAppeals(t *testing.T) {
	setup := func(t *testing.T) (*world, *Decision, time.Time) {
		w := newWorld(t)
		d := w.propose(t, seatA1, ProposeRequest{Type: constitution.DatasetTakedown, Title: "Take down dataset Y"})
		at := t0().Add(2 * day)
		w.fake.pass(d.ID+"-A", at, 8000)
		_, err := Conclude(w.tx(stray, at), w.deps, d.ID)
		require.NoError(t, err)
		return w, d, at
	}
	t.Run("lodged, suspends execution, upheld", func(t *testing.T) {
		w, d, at := setup(t)
		tx := w.tx(comm1, at.Add(time.Hour))
		r, err := Appeal(tx, w.deps, AppealRequest{Decision: d.ID, Grounds: "The dataset is licensed."})
		require.NoError(t, err)
		assert.False(t, r.Lodged)
		assert.Equal(t, int64(1), r.Appellants)
		assert.Equal(t, EventAppealJoined, tx.Event().Type)

		refused(t, w, errcode.Conflict, "has already appealed", func() (*core.Tx, error) {
			tx := w.tx(comm1, at.Add(time.Hour))
			_, err := Appeal(tx, w.deps, AppealRequest{Decision: d.ID, Grounds: "again"})
			return tx, err
		})
		refused(t, w, errcode.Forbidden, "not an active member", func() (*core.Tx, error) {
			tx := w.tx(stray, at.Add(time.Hour))
			_, err := Appeal(tx, w.deps, AppealRequest{Decision: d.ID, Grounds: "g"})
			return tx, err
		})
		refused(t, w, errcode.InvalidArgument, "grounds are required", func() (*core.Tx, error) {
			tx := w.tx(comm2, at.Add(time.Hour))
			_, err := Appeal(tx, w.deps, AppealRequest{Decision: d.ID})
			return tx, err
		})

		tx = w.tx(comm2, at.Add(2*time.Hour))
		r, err = Appeal(tx, w.deps, AppealRequest{Decision: d.ID, Grounds: "Agreed."})
		require.NoError(t, err)
		assert.True(t, r.Lodged)
		assert.Equal(t, EventAppealed, tx.Event().Type)
		got, err := Get(w.s, d.ID)
		require.NoError(t, err)
		assert.Equal(t, StatusAppealed, got.Status)
		require.Len(t, got.Appeal.Ballots, 1)
		assert.Equal(t, BallotRef{House: "B", Family: constitution.FamilyReputation, Ballot: d.ID + "-appeal-B"}, got.Appeal.Ballots[0], "a House A decision is appealed to House B")
		assert.Equal(t, []constitution.HouseID{"B"}, w.fake.specs[d.ID+"-appeal-B"].Rule.Houses)
		aps, err := Appellants(w.s, d.ID)
		require.NoError(t, err)
		assert.Len(t, aps, 2)

		refused(t, w, errcode.FailedPrecondition, "execution is suspended", func() (*core.Tx, error) {
			tx := w.tx(stray, at.Add(30*day))
			_, err := Execute(tx, w.deps, d.ID)
			return tx, err
		})
		refused(t, w, errcode.FailedPrecondition, "already lodged", func() (*core.Tx, error) {
			tx := w.tx(comm3, at.Add(3*time.Hour))
			_, err := Appeal(tx, w.deps, AppealRequest{Decision: d.ID, Grounds: "me too"})
			return tx, err
		})
		refused(t, w, errcode.FailedPrecondition, "not tallied yet", func() (*core.Tx, error) {
			tx := w.tx(stray, at.Add(9*day))
			_, err := Conclude(tx, w.deps, d.ID)
			return tx, err
		})
		w.fake.pass(d.ID+"-appeal-B", at.Add(9*day), 7000)
		got, err = Conclude(w.tx(stray, at.Add(9*day)), w.deps, d.ID)
		require.NoError(t, err)
		assert.Equal(t, StatusOverturned, got.Status)
		refused(t, w, errcode.FailedPrecondition, "it is overturned", func() (*core.Tx, error) {
			tx := w.tx(stray, at.Add(30*day))
			_, err := Execute(tx, w.deps, d.ID)
			return tx, err
		})
	})
	t.Run("dismissed: executable again", func(t *testing.T) {
		w, d, at := setup(t)
		for _, m := range []identity.Identity{comm1, comm2} {
			_, err := Appeal(w.tx(m, at), w.deps, AppealRequest{Decision: d.ID, Grounds: "g"})
			require.NoError(t, err)
		}
		w.fake.fail(d.ID+"-appeal-B", at.Add(9*day), 2000)
		got, err := Conclude(w.tx(stray, at.Add(9*day)), w.deps, d.ID)
		require.NoError(t, err)
		assert.Equal(t, StatusPassed, got.Status)
		assert.Equal(t, VerdictRejected, got.Appeal.Outcome.Verdict)
		refused(t, w, errcode.FailedPrecondition, "appealed once", func() (*core.Tx, error) {
			tx := w.tx(comm3, at.Add(time.Hour))
			_, err := Appeal(tx, w.deps, AppealRequest{Decision: d.ID, Grounds: "again"})
			return tx, err
		})
		ex, err := Execute(w.tx(stray, at.Add(9*day)), w.deps, d.ID)
		require.NoError(t, err)
		assert.Equal(t, StatusExecuted, ex.Status)
		refused(t, w, errcode.FailedPrecondition, "it is executed", func() (*core.Tx, error) {
			tx := w.tx(comm3, at.Add(time.Hour))
			_, err := Appeal(tx, w.deps, AppealRequest{Decision: d.ID, Grounds: "late"})
			return tx, err
		})
	})
	t.Run("after the window", func(t *testing.T) {
		w, d, at := setup(t)
		refused(t, w, errcode.FailedPrecondition, "appeal window (259200s after the decision) closed at", func() (*core.Tx, error) {
			tx := w.tx(comm1, at.Add(3*day))
			_, err := Appeal(tx, w.deps, AppealRequest{Decision: d.ID, Grounds: "late"})
			return tx, err
		})
	})
	t.Run("joint decision appealed jointly", func(t *testing.T) {
		w := newWorld(t)
		d := w.propose(t, comm1, ProposeRequest{Type: constitution.ChaincodeUpgrade, Title: "Upgrade"})
		at := t0().Add(9 * day)
		w.fake.pass(d.ID+"-A", at, 8000)
		w.fake.pass(d.ID+"-B", at, 8000)
		_, err := Conclude(w.tx(stray, at), w.deps, d.ID)
		require.NoError(t, err)
		for _, m := range []identity.Identity{comm2, comm3} {
			_, err := Appeal(w.tx(m, at), w.deps, AppealRequest{Decision: d.ID, Grounds: "g"})
			require.NoError(t, err)
		}
		got, err := Get(w.s, d.ID)
		require.NoError(t, err)
		require.Len(t, got.Appeal.Ballots, 2)
		// Upheld in A only: dismissed.
		w.fake.pass(d.ID+"-appeal-A", at.Add(day), 9000)
		w.fake.fail(d.ID+"-appeal-B", at.Add(day), 3000)
		got, err = Conclude(w.tx(stray, at.Add(day)), w.deps, d.ID)
		require.NoError(t, err)
		assert.Equal(t, StatusPassed, got.Status)
	})
}

func TestSeatConfirmationAndRemoval(t *testing.T) {
	w := newWorld(t)
	d := w.propose(t, comm1, ProposeRequest{Type: constitution.SeatConfirmation, Title: "Seat comm2", Payload: mustJSON(t, SeatPayload{Member: comm2})})
	at := t0().Add(8 * day)
	w.fake.pass(d.ID+"-A", at, 10000)
	w.fake.pass(d.ID+"-B", at, 9000)
	_, err := Conclude(w.tx(stray, at), w.deps, d.ID)
	require.NoError(t, err)
	tx := w.tx(stray, at.Add(3*day+skew))
	ex, err := Execute(tx, w.deps, d.ID)
	require.NoError(t, err)
	assert.Equal(t, EventExecuted, tx.Event().Type)
	m, err := membership.Get(w.s, comm2)
	require.NoError(t, err)
	assert.True(t, m.Has(membership.RoleHouseA))
	assert.Contains(t, string(ex.Effect), "house_a")
	n, err := HouseASeats(w.s)
	require.NoError(t, err)
	assert.Equal(t, 3, n)

	rm := w.propose(t, comm1, ProposeRequest{Type: constitution.SeatRemoval, Title: "Unseat comm2", Payload: mustJSON(t, SeatPayload{Member: comm2})})
	w.fake.pass(rm.ID+"-A", at, 10000)
	w.fake.pass(rm.ID+"-B", at, 9000)
	_, err = Conclude(w.tx(stray, at), w.deps, rm.ID)
	require.NoError(t, err)
	_, err = Execute(w.tx(stray, at.Add(3*day+skew)), w.deps, rm.ID)
	require.NoError(t, err)
	m, err = membership.Get(w.s, comm2)
	require.NoError(t, err)
	assert.False(t, m.Has(membership.RoleHouseA))
}

func TestDeterministicBytes(t *testing.T) {
	run := func() map[string]string {
		w := newWorld(t)
		d := w.propose(t, comm1, ProposeRequest{Type: constitution.Amendment, Title: "x",
			Payload: amendPayload(t, func(doc *constitution.Document) { doc.Name = "y" })})
		at := t0().Add(16 * day)
		w.fake.pass(d.ID+"-A", at, 9000)
		w.fake.pass(d.ID+"-B", at, 9000)
		_, err := Conclude(w.tx(stray, at), w.deps, d.ID)
		require.NoError(t, err)
		_, err = Execute(w.tx(stray, at.Add(7*day+skew)), w.deps, d.ID)
		require.NoError(t, err)
		return w.s.Snapshot()
	}
	assert.Equal(t, run(), run())
}

func TestAppealByAHouseMinority(t *testing.T) {
	minority := func(d *constitution.Document) { d.Appeals.MinAppellants, d.Appeals.MinorityBps = 5, 3334 }
	setup := func(t *testing.T) (*world, *Decision, time.Time) {
		w := newWorld(t, minority)
		d := w.propose(t, seatA1, ProposeRequest{Type: constitution.DatasetTakedown, Title: "Take down dataset Z"})
		vote := func(m identity.Identity, choice string) {
			_, err := Vote(w.tx(m, t0().Add(time.Hour)), w.deps, VoteRequest{Decision: d.ID, House: "A", Choice: choice})
			require.NoError(t, err)
		}
		vote(seatA1, "for")
		vote(seatA2, "against")
		at := t0().Add(2 * day)
		w.fake.results[d.ID+"-A"] = HouseResult{QuorumMet: true, Passed: true, ForBps: 5000, VotesCounted: 2, ClosedAt: at}
		_, err := Conclude(w.tx(stray, at), w.deps, d.ID)
		require.NoError(t, err)
		return w, d, at
	}
	t.Run("one who voted against is a third of House A: lodged", func(t *testing.T) {
		w, d, at := setup(t)
		tx := w.tx(seatA2, at.Add(time.Hour))
		r, err := Appeal(tx, w.deps, AppealRequest{Decision: d.ID, Grounds: "The takedown lacks evidence."})
		require.NoError(t, err)
		assert.True(t, r.Lodged, "lodged with 1 of 5 appellants: the minority of House A")
		assert.Equal(t, constitution.HouseID("A"), r.HouseMinority)
		assert.Equal(t, EventAppealed, tx.Event().Type)
	})
	t.Run("a member who did not vote against is no minority", func(t *testing.T) {
		w, d, at := setup(t)
		r, err := Appeal(w.tx(comm1, at.Add(time.Hour)), w.deps, AppealRequest{Decision: d.ID, Grounds: "g"})
		require.NoError(t, err)
		assert.False(t, r.Lodged)
		assert.Empty(t, r.HouseMinority)
	})
	t.Run("off when the constitution grants none", func(t *testing.T) {
		w := newWorld(t, func(d *constitution.Document) { d.Appeals.MinAppellants = 5 })
		d := w.propose(t, seatA1, ProposeRequest{Type: constitution.DatasetTakedown, Title: "Take down dataset Z"})
		_, err := Vote(w.tx(seatA2, t0().Add(time.Hour)), w.deps, VoteRequest{Decision: d.ID, House: "A", Choice: "against"})
		require.NoError(t, err)
		at := t0().Add(2 * day)
		w.fake.results[d.ID+"-A"] = HouseResult{QuorumMet: true, Passed: true, ForBps: 5000, VotesCounted: 2, ClosedAt: at}
		_, err = Conclude(w.tx(stray, at), w.deps, d.ID)
		require.NoError(t, err)
		r, err := Appeal(w.tx(seatA2, at.Add(time.Hour)), w.deps, AppealRequest{Decision: d.ID, Grounds: "g"})
		require.NoError(t, err)
		assert.False(t, r.Lodged)
	})
}

// Finding: windows started late. The ballots closed; the conclusion ran
// four days later, past the three-day appeal window counted from the
// close. On the old code the appeal window had already closed when the
// verdict was fixed, and the timelock was over: execution was immediate.
// Now both count from the concluding transaction.
func TestLateConclusionKeepsTheAppealWindowAndTimelock(t *testing.T) {
	w := newWorld(t)
	d := w.propose(t, comm1, ProposeRequest{Type: constitution.Budget, Title: "Q1"})
	closed := t0().Add(9 * day)
	w.fake.pass(d.ID+"-B", closed, 9000)
	late := closed.Add(4 * day)
	got, err := Conclude(w.tx(stray, late), w.deps, d.ID)
	require.NoError(t, err)
	require.Equal(t, StatusPassed, got.Status)
	assert.Equal(t, late.Add(3*day), *got.AppealDeadline)
	assert.Equal(t, late.Add(2*day), *got.ETA)

	refused(t, w, errcode.FailedPrecondition, "can be executed from", func() (*core.Tx, error) {
		tx := w.tx(stray, late.Add(time.Hour))
		_, err := Execute(tx, w.deps, d.ID)
		return tx, err
	})
	r, err := Appeal(w.tx(comm2, late.Add(time.Hour)), w.deps, AppealRequest{Decision: d.ID, Grounds: "rushed"})
	require.NoError(t, err, "the appeal window is open after a late verdict")
	assert.Equal(t, int64(1), r.Appellants)
}
