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
	"github.com/charter-gov/charter/chaincode/text"
)

type fieldRuleCase struct {
	name        string
	do          func() error
	code        errcode.Code
	field, rule string
}

func checkFieldRule(t *testing.T, s *core.MemStore, tt fieldRuleCase) {
	t.Helper()
	before := s.Snapshot()
	err := tt.do()
	testutil.AssertRefusal(t, err, tt.code, tt.field, tt.rule)
	assert.Equal(t, before, s.Snapshot(), "a refusal writes nothing")
}

// Every refused proposal names the field of the request it is about and
// the rule it broke, and writes nothing.
func TestProposeRefusalsNameFieldAndRule(t *testing.T) {
	tests := []struct {
		name        string
		caller      identity.Identity
		setup       func(t *testing.T, w *world)
		req         ProposeRequest
		code        errcode.Code
		field, rule string
	}{
		{"an invalid amendment", comm1, nil, ProposeRequest{Type: constitution.Amendment, Title: "x", Payload: amendPayload(t, func(d *constitution.Document) { d.DecisionRules[0].ThresholdBps = 10001 })}, errcode.InvalidArgument, "payload.document", RuleValidConstitution},
		{"an amendment that changes nothing", comm1, nil, ProposeRequest{Type: constitution.Amendment, Title: "x", Payload: amendPayload(t, func(d *constitution.Document) {})}, errcode.InvalidArgument, "payload.document", RuleChangesSomething},
		{"no payload", comm1, nil, ProposeRequest{Type: constitution.Amendment, Title: "x"}, errcode.InvalidArgument, "payload", "required"},
		{"an unknown payload field", comm1, nil, ProposeRequest{Type: constitution.Amendment, Title: "x", Payload: json.RawMessage(`{"doc":{}}`)}, errcode.InvalidArgument, "payload", "format"},
		{"a payload not JSON", comm1, nil, ProposeRequest{Type: constitution.Budget, Title: "x", Payload: json.RawMessage(`{`)}, errcode.InvalidArgument, "payload", "format"},
		{"a payload too large", comm1, nil, ProposeRequest{Type: constitution.Budget, Title: "x", Payload: json.RawMessage(`"` + strings.Repeat("x", MaxPayloadBytes) + `"`)}, errcode.InvalidArgument, "payload", "max-bytes"},
		{"no title", comm1, nil, ProposeRequest{Type: constitution.Budget, Title: " "}, errcode.InvalidArgument, "title", text.RuleRequired},
		{"a description with a control character", comm1, nil, ProposeRequest{Type: constitution.Budget, Title: "x", Description: "a\x01"}, errcode.InvalidArgument, "description", text.RuleCharacters},
		{"a bad subject", comm1, nil, ProposeRequest{Type: constitution.Budget, Title: "x", Subject: &coi.Subject{Kind: "planet", ID: "x"}}, errcode.InvalidArgument, "subject.kind", "enum"},
		{"an unrouted type", comm1, nil, ProposeRequest{Type: "coronation", Title: "x"}, errcode.NotFound, "type", "enum"},
		{"not a member", stray, nil, ProposeRequest{Type: constitution.Budget, Title: "x"}, errcode.Forbidden, "", RuleActiveMember},
		{"a House A-only type without a seat", comm1, nil, ProposeRequest{Type: constitution.ReleaseStage, Title: "x"}, errcode.Forbidden, "", RuleHouseASeat},
		{"a seat for a seat holder", comm1, nil, ProposeRequest{Type: constitution.SeatConfirmation, Title: "x", Payload: mustJSON(t, SeatPayload{Member: seatA1})}, errcode.Conflict, "payload.member", RuleNoSeat},
		{"a seat for a non-member", comm1, nil, ProposeRequest{Type: constitution.SeatConfirmation, Title: "x", Payload: mustJSON(t, SeatPayload{Member: stray})}, errcode.NotFound, "payload.member", RuleActiveMember},
		{"a malformed seat member", comm1, nil, ProposeRequest{Type: constitution.SeatConfirmation, Title: "x", Payload: json.RawMessage(`{"member":{"mspId":"","id":"x"}}`)}, errcode.InvalidArgument, "payload.member", "required"},
		{"removing a seat not held", comm1, nil, ProposeRequest{Type: constitution.SeatRemoval, Title: "x", Payload: mustJSON(t, SeatPayload{Member: comm2})}, errcode.InvalidArgument, "payload.member", RuleHoldsSeat},
		{"no ballot engine", comm1, func(t *testing.T, w *world) { w.deps.Ballots = nil }, ProposeRequest{Type: constitution.Budget, Title: "x"}, errcode.FailedPrecondition, "", RuleBallotEngine},
		{"under the proposal threshold", comm1, withThreshold(100, 99), ProposeRequest{Type: constitution.Budget, Title: "x"}, errcode.Forbidden, "", RuleProposalThreshold},
		{"a threshold without a weight source", comm1, func(t *testing.T, w *world) {
			withThreshold(100, 1000)(t, w)
			w.deps.ProposerWeight = nil
		}, ProposeRequest{Type: constitution.Budget, Title: "x"}, errcode.FailedPrecondition, "", RuleProposalThreshold},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			if tt.setup != nil {
				tt.setup(t, w)
			}
			checkFieldRule(t, w.s, fieldRuleCase{tt.name, func() error {
				_, err := Propose(w.tx(tt.caller, t0()), w.deps, tt.req)
				return err
			}, tt.code, tt.field, tt.rule})
		})
	}
}

// A decision's later refusals (votes, conclusion, appeals, execution)
// name their field and rule, and write nothing.
func TestLifecycleRefusalsNameFieldAndRule(t *testing.T) {
	w := newWorld(t)
	d := w.propose(t, seatA1, ProposeRequest{Type: constitution.DatasetTakedown, Title: "Take down dataset Y"})
	_, err := coi.Disclose(w.tx(seatA2, t0()), coi.DiscloseRequest{Subject: d.Subject, Statement: "mine"})
	require.NoError(t, err)
	at := t0().Add(2 * day)
	run := func(rows []fieldRuleCase) {
		for _, tt := range rows {
			t.Run(tt.name, func(t *testing.T) { checkFieldRule(t, w.s, tt) })
		}
	}
	conclude := func(when time.Time) func() error {
		return func() error { _, err := Conclude(w.tx(stray, when), w.deps, d.ID); return err }
	}
	execute := func(when time.Time) func() error {
		return func() error { _, err := Execute(w.tx(stray, when), w.deps, d.ID); return err }
	}
	appeal := func(who identity.Identity, when time.Time, grounds string) func() error {
		return func() error {
			_, err := Appeal(w.tx(who, when), w.deps, AppealRequest{Decision: d.ID, Grounds: grounds})
			return err
		}
	}
	vote := func(who identity.Identity, req VoteRequest) func() error {
		return func() error { _, err := Vote(w.tx(who, t0()), w.deps, req); return err }
	}
	run([]fieldRuleCase{
		{"conclude: not tallied", conclude(at), errcode.FailedPrecondition, "", RuleTallied},
		{"execute: not passed", execute(at), errcode.FailedPrecondition, "", RulePassed},
		{"appeal: in voting", appeal(comm1, at, "g"), errcode.FailedPrecondition, "", RuleAppealable},
		{"appeal: no grounds", appeal(comm1, at, " "), errcode.InvalidArgument, "grounds", "required"},
		{"appeal: grounds too long", appeal(comm1, at, strings.Repeat("g", MaxGroundsBytes+1)), errcode.InvalidArgument, "grounds", "max-bytes"},
		{"vote: an unknown house", vote(seatA1, VoteRequest{Decision: d.ID, House: "C", Choice: "yes"}), errcode.NotFound, "house", "exists"},
		{"vote: no appeal", vote(seatA1, VoteRequest{Decision: d.ID, House: "A", Appeal: true, Choice: "yes"}), errcode.NotFound, "appeal", "exists"},
		{"vote: recused", vote(seatA2, VoteRequest{Decision: d.ID, House: "A", Choice: "yes"}), errcode.Forbidden, "", RuleRecused},
		{"vote: no decision", vote(seatA1, VoteRequest{House: "A", Choice: "yes"}), errcode.InvalidArgument, "decision", "required"},
		{"vote: an unknown decision", vote(seatA1, VoteRequest{Decision: "nope", House: "A", Choice: "yes"}), errcode.NotFound, "decision", "exists"},
		{"list: an unknown status", func() error { _, err := List(w.s, "dormant", 0, ""); return err }, errcode.InvalidArgument, "status", "enum"},
		{"a decision's ballot alone", func() error { return RequireStandalone(w.s, d.ID+"-A", "queue") }, errcode.FailedPrecondition, "", RuleStandalone},
		{"resolve: no results", func() error {
			_, err := Resolve(d.Rule, d.Concurrence, nil, at)
			return err
		}, errcode.InvalidArgument, "", RuleHouseResults},
	})
	w.fake.pass(d.ID+"-A", at, 8000)
	got, err := Conclude(w.tx(stray, at), w.deps, d.ID)
	require.NoError(t, err)
	run([]fieldRuleCase{
		{"conclude: twice", conclude(at), errcode.FailedPrecondition, "", RuleConcludable},
		{"execute: in the timelock", execute(at), errcode.FailedPrecondition, "", RuleTimelock},
		{"appeal: not a member", appeal(stray, at, "g"), errcode.Forbidden, "", RuleActiveMember},
		{"appeal: after the window", appeal(comm1, *got.AppealDeadline, "g"), errcode.FailedPrecondition, "", "window"},
	})
	_, err = Appeal(w.tx(comm1, at), w.deps, AppealRequest{Decision: d.ID, Grounds: "g"})
	require.NoError(t, err)
	run([]fieldRuleCase{{"appeal: twice", appeal(comm1, at, "g"), errcode.Conflict, "", RuleOneAppealPerMember}})
	_, err = Appeal(w.tx(comm2, at), w.deps, AppealRequest{Decision: d.ID, Grounds: "g"})
	require.NoError(t, err)
	run([]fieldRuleCase{
		{"appeal: lodged already", appeal(comm3, at, "g"), errcode.FailedPrecondition, "", RuleAppealOnce},
		{"execute: an appeal pending", execute(at.Add(30 * day)), errcode.FailedPrecondition, "", RuleAppealPending},
	})
}

// Executing an amendment twice, or one drafted against a replaced
// version, names the rule and writes nothing.
func TestExecuteRefusalsNameRule(t *testing.T) {
	w := newWorld(t)
	d1 := w.propose(t, comm1, ProposeRequest{Type: constitution.Amendment, Title: "one", Payload: amendPayload(t, func(doc *constitution.Document) { doc.DecisionRules[3].TimelockSec = 3 * 86400 })})
	d2 := w.propose(t, comm1, ProposeRequest{Type: constitution.Amendment, Title: "two", Payload: amendPayload(t, func(doc *constitution.Document) { doc.DecisionRules[3].TimelockSec = 4 * 86400 })})
	closed := t0().Add(16 * day)
	w.passBoth(t, closed, 8000, d1, d2)
	later := closed.Add(8*day + skew)
	_, err := Execute(w.tx(stray, later), w.deps, d1.ID)
	require.NoError(t, err)
	for _, tt := range []fieldRuleCase{
		{"twice", func() error { _, err := Execute(w.tx(stray, later), w.deps, d1.ID); return err }, errcode.Conflict, "", RuleExecuteOnce},
		{"against a replaced version", func() error { _, err := Execute(w.tx(stray, later), w.deps, d2.ID); return err }, errcode.FailedPrecondition, "", RuleConstitutionVersion},
	} {
		t.Run(tt.name, func(t *testing.T) { checkFieldRule(t, w.s, tt) })
	}
}

// A seat confirmation into a full House A is refused at the proposal and,
// when the house filled while the decision ran, at execution: both name
// the max-seats rule and write nothing.
func TestMaxSeatsNamesRule(t *testing.T) {
	threeSeats := func(doc *constitution.Document) {
		for i := range doc.Houses {
			if doc.Houses[i].ID == constitution.HouseA {
				doc.Houses[i].MinSeats, doc.Houses[i].MaxSeats = 1, 3
			}
		}
	}
	w := newWorld(t, threeSeats)
	// seatA1 and seatA2 hold two of the three seats: comm2's and comm3's
	// confirmations may both be proposed, only the first executed.
	d2 := w.propose(t, comm1, ProposeRequest{Type: constitution.SeatConfirmation, Title: "Seat comm2", Payload: mustJSON(t, SeatPayload{Member: comm2})})
	d3 := w.propose(t, comm1, ProposeRequest{Type: constitution.SeatConfirmation, Title: "Seat comm3", Payload: mustJSON(t, SeatPayload{Member: comm3})})
	closed := t0().Add(16 * day)
	w.passBoth(t, closed, 8000, d2, d3)
	later := closed.Add(30 * day)
	_, err := Execute(w.tx(stray, later), w.deps, d2.ID)
	require.NoError(t, err)
	n, err := HouseASeats(w.s)
	require.NoError(t, err)
	require.Equal(t, 3, n, "House A is full")
	for _, tt := range []fieldRuleCase{
		{"execution into a full house", func() error { _, err := Execute(w.tx(stray, later), w.deps, d3.ID); return err }, errcode.FailedPrecondition, "", RuleMaxSeats},
		{"a proposal into a full house", func() error {
			_, err := Propose(w.tx(comm1, later), w.deps, ProposeRequest{Type: constitution.SeatConfirmation, Title: "Seat comm1", Payload: mustJSON(t, SeatPayload{Member: comm1})})
			return err
		}, errcode.FailedPrecondition, "", RuleMaxSeats},
	} {
		t.Run(tt.name, func(t *testing.T) { checkFieldRule(t, w.s, tt) })
	}
}

// Concluding a decision whose houses disagree before its mediation
// timelock ends names the rule and writes nothing, also one skew before.
func TestMediationTimelockNamesRule(t *testing.T) {
	w := newWorld(t)
	d := w.propose(t, comm1, ProposeRequest{Type: constitution.PartnerAdmission, Title: "Admit LabC", Subject: &coi.Subject{Kind: coi.KindOrganisation, ID: "LabCMSP"}})
	closed := t0().Add(16 * day)
	w.fake.pass(d.ID+"-A", closed, 8500)
	w.fake.fail(d.ID+"-B", closed, 5500)
	got, err := Conclude(w.tx(stray, closed), w.deps, d.ID)
	require.NoError(t, err)
	require.Equal(t, StatusMediation, got.Status)
	ends := *got.Outcome.MediationEndsAt
	for _, at := range []time.Time{ends.Add(-time.Second), ends.Add(skew - time.Nanosecond)} {
		checkFieldRule(t, w.s, fieldRuleCase{"conclude before the timelock", func() error {
			_, err := Conclude(w.tx(stray, at), w.deps, d.ID)
			return err
		}, errcode.FailedPrecondition, "", RuleMediationTimelock})
	}
}

// A proposal whose transaction ID names a decision that exists (a replayed
// transaction) names the unique-id rule and writes nothing.
func TestReplayedProposalNamesRule(t *testing.T) {
	w := newWorld(t)
	req := ProposeRequest{Type: constitution.Budget, Title: "Compute for the eval team"}
	_, err := Propose(testutil.Tx(w.s, comm1, false, t0()), w.deps, req)
	require.NoError(t, err)
	checkFieldRule(t, w.s, fieldRuleCase{"the same transaction ID again", func() error {
		_, err := Propose(testutil.Tx(w.s, comm1, false, t0()), w.deps, req)
		return err
	}, errcode.Conflict, "", RuleUniqueID})
}
