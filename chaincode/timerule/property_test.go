package timerule_test

import (
	"fmt"
	"math/big"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/ballot"
	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/contribution"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/delegation"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/internal/testutil"
	"github.com/charter-gov/charter/chaincode/membership"
	"github.com/charter-gov/charter/chaincode/reputation"
	"github.com/charter-gov/charter/chaincode/token"
)

// rng is a small deterministic generator (splitmix64), so that a failing
// seed replays exactly.
type rng uint64

func (r *rng) next() uint64 {
	*r += 0x9e3779b97f4a7c15
	z := uint64(*r)
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

func (r *rng) intn(n int) int { return int(r.next() % uint64(n)) }

// snapshot is everything a ballot opening at `at` weighs: each identity's
// balance, eligibility, reputation and delegation, the supply, and the
// delegated weight of a fixed set of voters.
type snapshot struct {
	at        time.Time
	balances  []int64
	eligible  []bool
	scores    []int64
	delegates []string
	supply    int64
	delegated string
}

const (
	skew  = 60 * time.Second
	topic = string(constitution.Budget)
)

// world is the simulated consortium: a real clock `now` that only moves
// forward, and transactions stamped anywhere inside now ± skew, which is
// all the endorsement guard lets through.
type world struct {
	t       *testing.T
	s       *core.MemStore
	r       rng
	now     time.Time
	n       int
	admin   identity.Identity
	att     identity.Identity
	people  []identity.Identity // members and future members
	voters  []identity.Identity // whose delegated weight is summed
	applied int
	rep     constitution.Reputation // the parameters a ballot would pin
}

func (w *world) tx(caller identity.Identity, admin bool) *core.Tx {
	w.n++
	off := time.Duration(w.r.intn(int(2*skew/time.Millisecond)+1))*time.Millisecond - skew
	x := testutil.Tx(w.s, caller, admin, w.now.Add(off))
	x.TxID = fmt.Sprintf("tx-%06d", w.n)
	return x
}

// step advances the real clock and applies one random operation. A
// refusal must be a coded domain error, never an internal one.
func (w *world) step() {
	w.now = w.now.Add(time.Duration(1+w.r.intn(20000)) * time.Millisecond)
	p := func() identity.Identity { return w.people[w.r.intn(len(w.people))] }
	var err error
	switch w.r.intn(7) {
	case 0, 1:
		from, to := p(), p()
		_, err = token.Transfer(w.tx(from, false), token.TransferRequest{To: to, Amount: int64(1 + w.r.intn(60))})
	case 2:
		_, err = token.Mint(w.tx(w.admin, true), token.MintRequest{To: p(), Amount: int64(1 + w.r.intn(40))})
	case 3:
		_, err = membership.Register(w.tx(w.admin, true), membership.RegisterRequest{Member: p(), Name: "M"})
	case 4:
		_, err = reputation.Attest(w.tx(w.att, false), reputation.AttestRequest{Recipient: p(), Category: contribution.MergedCode, Weight: int64(1 + w.r.intn(50)), Evidence: "e"})
	case 5:
		tp := topic
		if w.r.intn(2) == 0 {
			tp = delegation.AllTopics
		}
		_, err = delegation.Set(w.tx(p(), false), delegation.SetRequest{Topic: tp, Legs: []delegation.Leg{{To: p(), Percent: int64(1 + w.r.intn(100))}}})
	case 6:
		_, err = delegation.Revoke(w.tx(p(), false), delegation.RevokeRequest{Topic: topic})
	}
	if err != nil {
		require.NotEqual(w.t, errcode.Internal, errcode.CodeOf(err), "%v", err)
		return
	}
	w.applied++
}

func (w *world) take(at time.Time) snapshot {
	t := w.t
	sn := snapshot{at: at}
	b := &ballot.Ballot{ID: "prop", Kind: ballot.KindDecision, Family: constitution.FamilyDelegated, DecisionType: constitution.Budget,
		House: constitution.HouseB, OpensAt: at, MaxDelegationDepth: 8}
	var sum int64
	for _, id := range w.people {
		bal, err := token.BalanceAt(w.s, id, at)
		require.NoError(t, err)
		sum += bal
		sn.balances = append(sn.balances, bal)
		m, err := membership.Get(w.s, id)
		if errcode.IsCode(err, errcode.NotFound) {
			sn.eligible = append(sn.eligible, false)
		} else {
			require.NoError(t, err)
			sn.eligible = append(sn.eligible, ballot.EligibleAtOpen(m, b))
		}
		sc, err := reputation.ScoreWith(w.s, id, at, nil, &w.rep)
		require.NoError(t, err)
		sn.scores = append(sn.scores, sc)
		v, err := delegation.Effective(w.s, id, topic, at)
		require.NoError(t, err)
		sn.delegates = append(sn.delegates, fmt.Sprintf("%+v", v))
	}
	supply, err := token.SupplyAt(w.s, at)
	require.NoError(t, err)
	sn.supply = supply
	require.Equal(t, supply, sum, "the balances as of %s add up to the supply then", at)
	total := new(big.Int)
	wg := ballot.NewWeigher(w.s, ballot.Deps{}, b)
	for _, v := range w.voters {
		x, err := wg.Weigh(v)
		require.NoError(t, err)
		total.Add(total, x)
	}
	require.LessOrEqual(t, total.Cmp(big.NewInt(supply)), 0, "counted delegated weight %s exceeds the supply %d as of %s", total, supply, at)
	sn.delegated = total.String()
	return sn
}

// TestNoWeightChangesOnceAnOpeningIsOneSkewOld is the property of the time
// rule: random transfers, mints, registrations, attestations and
// delegations, each stamped anywhere inside the skew window around a real
// clock that moves forward, never change any weight as of an opening more
// than one skew in the past; and at every opening, final or not, the
// balances add up to the supply and the delegated weight counted for the
// voters never exceeds it.
func TestNoWeightChangesOnceAnOpeningIsOneSkewOld(t *testing.T) {
	for seed := range 4 {
		t.Run(fmt.Sprintf("seed %d", seed), func(t *testing.T) {
			s := core.NewMemStore()
			t0 := testutil.T0()
			w := &world{t: t, s: s, r: rng(seed), now: t0, admin: testutil.ID("LabAMSP", "admin"), att: testutil.ID("LabAMSP", "att")}
			doc := constitution.Default()
			doc.Time.MaxClockSkewSec = int64(skew / time.Second)
			w.rep = doc.Reputation
			_, err := constitution.InstallGenesis(testutil.Tx(s, w.admin, true, t0), doc)
			require.NoError(t, err)
			_, err = membership.RegisterFounding(testutil.Tx(s, w.admin, true, t0), membership.FoundingMember{Member: w.att, Name: "Att",
				Roles: []membership.Role{membership.RoleAttester}, AttesterCategories: []contribution.Category{contribution.MergedCode}}, "test-genesis")
			require.NoError(t, err)
			for i := range 8 {
				id := testutil.ID("LabAMSP", fmt.Sprintf("p%d", i))
				w.people = append(w.people, id)
				if i < 5 { // the others register during the run
					x := testutil.Tx(s, w.admin, true, t0)
					x.TxID = fmt.Sprintf("reg-%d", i)
					_, err := membership.Register(x, membership.RegisterRequest{Member: id, Name: "P"})
					require.NoError(t, err)
				}
			}
			w.voters = w.people[:3]
			for _, v := range w.voters {
				k, err := ballot.VoteKey("prop", v)
				require.NoError(t, err)
				require.NoError(t, core.PutJSON(s, k, ballot.Vote{Ballot: "prop", Voter: v, Choice: ballot.ChoiceFor}))
			}
			w.now = t0.Add(2 * skew)

			var openings []time.Time
			for k := range 24 {
				openings = append(openings, w.now.Add(time.Duration(k)*15*time.Second))
			}
			var final []snapshot
			for i := range 120 {
				w.step()
				for len(openings) > 0 && w.now.After(openings[0].Add(skew)) {
					final = append(final, w.take(openings[0]))
					openings = openings[1:]
				}
				if i%6 != 0 && i != 119 {
					continue
				}
				for _, o := range openings[:min(len(openings), 3)] {
					w.take(o) // conservation holds before finality too
				}
				for _, want := range final {
					got := w.take(want.at)
					require.Equal(t, want, got, "the snapshot as of %s (%s before the real clock) changed", want.at, w.now.Sub(want.at))
				}
			}
			require.NotEmpty(t, final)
			require.Greater(t, w.applied, 20, "enough operations went through to mean something")
		})
	}
}
