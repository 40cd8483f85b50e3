package ballot

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/delegation"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/internal/testutil"
	"github.com/charter-gov/charter/chaincode/membership"
)

// TestStandingAgreesWithCast checks, for every way a vote can be refused
// or accepted, that StandingOf says exactly what Cast does (same code, same
// message), gives the tally's weight, and writes nothing.
func TestStandingAgreesWithCast(t *testing.T) {
	type setup struct {
		w      *world
		ballot *Ballot
		voter  identity.Identity
		choice string
		alloc  []Allocation
	}
	tests := []struct {
		name    string
		build   func(t *testing.T) setup
		canVote bool
		code    errcode.Code
		reason  string
		weight  string
		source  WeightSource
		own     string
		deleg   string
	}{
		{"token holder votes with the balance at opening", func(t *testing.T) setup {
			w := newWorld(t, constitution.FamilyToken, constitution.HouseB, nil)
			ada := w.member("ada")
			w.mint(ada, 120)
			b := w.create(ada, CreateRequest{})
			w.open(b)
			return setup{w: w, ballot: b, voter: ada, choice: ChoiceFor}
		}, true, "", "", "120", SourceTokens, "", ""},
		{"no tokens at opening", func(t *testing.T) setup {
			w := newWorld(t, constitution.FamilyToken, constitution.HouseB, nil)
			ada, poor := w.member("ada"), w.member("poor")
			w.mint(ada, 10)
			b := w.create(ada, CreateRequest{})
			w.open(b)
			return setup{w: w, ballot: b, voter: poor, choice: ChoiceFor}
		}, false, errcode.Forbidden, "held no tokens when voting opened", "0", SourceTokens, "", ""},
		{"not a member", func(t *testing.T) setup {
			w := newWorld(t, constitution.FamilyToken, constitution.HouseB, nil)
			ada := w.member("ada")
			w.mint(ada, 10)
			b := w.create(ada, CreateRequest{})
			w.open(b)
			return setup{w: w, ballot: b, voter: testutil.ID("LabBMSP", "stranger"), choice: ChoiceFor}
		}, false, errcode.Forbidden, "is not an active member", "", SourceTokens, "", ""},
		{"registered after voting opened", func(t *testing.T) setup {
			w := newWorld(t, constitution.FamilyToken, constitution.HouseB, nil)
			ada := w.member("ada")
			w.mint(ada, 10)
			b := w.create(ada, CreateRequest{})
			w.open(b)
			w.now = w.now.Add(time.Second)
			late := w.member("late")
			w.mint(late, 5)
			return setup{w: w, ballot: b, voter: late, choice: ChoiceFor}
		}, false, errcode.Forbidden, "after voting opened", "", SourceTokens, "", ""},
		{"voting not open yet: weight shown all the same", func(t *testing.T) setup {
			w := newWorld(t, constitution.FamilyToken, constitution.HouseB, nil)
			ada := w.member("ada")
			w.mint(ada, 7)
			b := w.create(ada, CreateRequest{})
			return setup{w: w, ballot: b, voter: ada, choice: ChoiceFor}
		}, false, errcode.FailedPrecondition, "voting opens at", "7", SourceTokens, "", ""},
		{"voting ended", func(t *testing.T) setup {
			w := newWorld(t, constitution.FamilyToken, constitution.HouseB, nil)
			ada := w.member("ada")
			w.mint(ada, 7)
			b := w.create(ada, CreateRequest{})
			w.ended(b)
			return setup{w: w, ballot: b, voter: ada, choice: ChoiceFor}
		}, false, errcode.FailedPrecondition, "voting ended at", "7", SourceTokens, "", ""},
		{"House A ballot without a seat", func(t *testing.T) setup {
			w := newWorld(t, constitution.FamilySeat, constitution.HouseA, nil)
			seat, plain := w.member("seat", membership.RoleHouseA), w.member("plain")
			b := w.create(seat, CreateRequest{})
			w.open(b)
			return setup{w: w, ballot: b, voter: plain, choice: ChoiceFor}
		}, false, errcode.Forbidden, "did not hold a House A seat", "", SourceSeat, "", ""},
		{"House A seat votes with one", func(t *testing.T) setup {
			w := newWorld(t, constitution.FamilySeat, constitution.HouseA, nil)
			seat := w.member("seat", membership.RoleHouseA)
			b := w.create(seat, CreateRequest{})
			w.open(b)
			return setup{w: w, ballot: b, voter: seat, choice: ChoiceAgainst}
		}, true, "", "", "1", SourceSeat, "", ""},
		{"no reputation at opening", func(t *testing.T) setup {
			w := newWorld(t, constitution.FamilyReputation, constitution.HouseB, nil)
			ada, nobody := w.member("ada"), w.member("nobody")
			w.rep[ada] = 4000
			b := w.create(ada, CreateRequest{})
			w.open(b)
			return setup{w: w, ballot: b, voter: nobody, choice: ChoiceFor}
		}, false, errcode.Forbidden, "had no reputation when voting opened", "0", SourceReputation, "", ""},
		{"reputation score is the weight", func(t *testing.T) setup {
			w := newWorld(t, constitution.FamilyReputation, constitution.HouseB, nil)
			ada := w.member("ada")
			w.rep[ada] = 4000
			b := w.create(ada, CreateRequest{})
			w.open(b)
			return setup{w: w, ballot: b, voter: ada, choice: ChoiceFor}
		}, true, "", "", "4000", SourceReputation, "", ""},
		{"delegated: own balance plus a non-voter's delegation", func(t *testing.T) setup {
			w := newWorld(t, constitution.FamilyDelegated, constitution.HouseB, nil)
			a, b := w.member("a"), w.member("b")
			w.mint(a, 10)
			w.mint(b, 5)
			_, err := delegation.Set(w.as(b), delegation.SetRequest{Topic: string(constitution.Budget), Legs: []delegation.Leg{{To: a, Percent: 100}}})
			require.NoError(t, err)
			bal := w.create(a, CreateRequest{})
			w.open(bal)
			return setup{w: w, ballot: bal, voter: a, choice: ChoiceFor}
		}, true, "", "", "15", SourceDelegated, "10", "5"},
		{"quadratic: the ballot's voice credits", func(t *testing.T) setup {
			w := newWorld(t, constitution.FamilyQuadratic, constitution.HouseB, func(r *constitution.DecisionRule) { r.VoiceCredits = 25 })
			a := w.member("a")
			b := w.create(a, CreateRequest{Options: []string{"gpu", "docs"}})
			w.open(b)
			return setup{w: w, ballot: b, voter: a, alloc: []Allocation{{"gpu", 5}}}
		}, true, "", "", "25", SourceCredits, "", ""},
		{"poll: one answer", func(t *testing.T) setup {
			w := newWorld(t, constitution.FamilyToken, constitution.HouseB, nil)
			a := w.member("a")
			p := w.create(a, CreateRequest{Kind: KindPoll, Title: "How legitimate?", VotingPeriodSec: 60})
			w.open(p)
			return setup{w: w, ballot: p, voter: a, choice: "5"}
		}, true, "", "", "1", SourcePoll, "", ""},
		{"recused on a decision's ballot", func(t *testing.T) setup {
			w := newWorld(t, constitution.FamilyToken, constitution.HouseB, nil)
			ada := w.member("ada")
			w.mint(ada, 10)
			w.deps.Eligible = func(_ core.Store, id string, v identity.Identity) error {
				return errcode.Forbiddenf("vote on ballot %s: %s disclosed a conflict of interest on its subject and is recused", id, v)
			}
			b := w.create(ada, CreateRequest{})
			w.open(b)
			return setup{w: w, ballot: b, voter: ada, choice: ChoiceFor}
		}, false, errcode.Forbidden, "is recused", "", SourceTokens, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			su := tt.build(t)
			w := su.w
			before := w.s.(*core.MemStore).Snapshot()
			st, err := StandingOf(w.s, w.deps, su.ballot.ID, su.voter, w.now)
			require.NoError(t, err)
			assert.Equal(t, before, w.s.(*core.MemStore).Snapshot(), "StandingOf writes nothing")
			assert.Equal(t, tt.canVote, st.CanVote)
			assert.Equal(t, tt.code, st.Code)
			assert.Contains(t, st.Reason, tt.reason)
			assert.Equal(t, tt.weight, st.Weight)
			assert.Equal(t, tt.source, st.Source)
			assert.Equal(t, tt.own, st.Own)
			assert.Equal(t, tt.deleg, st.Delegated)
			assert.Equal(t, su.ballot.OpensAt, st.AsOf)
			assert.Nil(t, st.Vote)

			// Cast, asked the same thing at the same time, agrees.
			v, castErr := Cast(w.as(su.voter), w.deps, CastRequest{Ballot: su.ballot.ID, Choice: su.choice, Allocations: su.alloc})
			if tt.canVote {
				require.NoError(t, castErr)
				after, err := StandingOf(w.s, w.deps, su.ballot.ID, su.voter, w.now)
				require.NoError(t, err)
				require.NotNil(t, after.Vote, "the vote shows once cast")
				assert.Equal(t, v.TxID, after.Vote.TxID)
				return
			}
			require.Error(t, castErr)
			assert.Equal(t, string(st.Code)+": "+st.Reason, castErr.Error(), "the reason is Cast's own refusal")
		})
	}
}

func TestStandingUnknownBallot(t *testing.T) {
	w := newWorld(t, constitution.FamilyToken, constitution.HouseB, nil)
	_, err := StandingOf(w.s, w.deps, "nope", w.member("ada"), w.now)
	require.ErrorIs(t, err, errcode.ErrNotFound)
}
