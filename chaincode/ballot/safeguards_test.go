package ballot

import (
	"fmt"
	"math/big"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/internal/testutil"
	"github.com/charter-gov/charter/chaincode/membership"
	"github.com/charter-gov/charter/chaincode/token"
	"github.com/charter-gov/charter/chaincode/vouch"
)

// memberOf registers name in msp: a plain member by msp's admin, or, with
// roles, a founding member (roles come only from the genesis or decisions).
func (w *world) memberOf(msp, name string, roles ...membership.Role) identity.Identity {
	w.t.Helper()
	id := testutil.ID(msp, name)
	var err error
	if len(roles) > 0 {
		_, err = membership.RegisterFounding(w.tx(testutil.ID(msp, "admin"), true), membership.FoundingMember{Member: id, Name: name, Roles: roles}, "test-genesis")
	} else {
		_, err = membership.Register(w.tx(testutil.ID(msp, "admin"), true), membership.RegisterRequest{Member: id, Name: name})
	}
	require.NoError(w.t, err)
	return id
}

func (w *world) vouchFor(voucher, member identity.Identity) {
	w.t.Helper()
	_, err := vouch.Give(w.as(voucher), vouch.GiveRequest{Member: member})
	require.NoError(w.t, err)
}

func safeguards(capBps, vouches int64) func(*constitution.Document) {
	return func(d *constitution.Document) {
		d.Safeguards = constitution.Safeguards{OrgCapBps: capBps, VouchesRequired: vouches}
	}
}

// The worked example of docs/ballots.md: LabA's members carry 3000 of
// reputation for, the Foundation 500 against, LabB 300 against. Capped at
// 50 %, LabA weighs as much as the others together, 800, and the decision
// is defeated (800 for, 800 against); uncapped it would pass with 79 %.
func TestOrgCapWorkedExample(t *testing.T) {
	for _, tt := range []struct {
		name      string
		capBps    int64
		forTotal  string
		part      string
		passed    bool
		capped    string
		cappedWgt string
	}{
		{"capped at 50%", 5000, "800", "1600", false, "LabAMSP", "800"},
		{"capped at 60%", 6000, "1200", "2000", true, "LabAMSP", "1200"},
		{"no cap", 10000, "3000", "3800", true, "", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorldWith(t, core.NewMemStore(), constitution.FamilyReputation, constitution.HouseB, nil, safeguards(tt.capBps, 0))
			var labA []identity.Identity
			for i := range 3 {
				labA = append(labA, w.memberOf("LabAMSP", fmt.Sprint("a", i)))
				w.rep[labA[i]] = 1000
			}
			fay, bob := w.memberOf("FoundationMSP", "fay"), w.memberOf("LabBMSP", "bob")
			w.rep[fay], w.rep[bob] = 500, 300
			b := w.create(fay, CreateRequest{})
			w.open(b)
			for _, a := range labA {
				w.vote(b, a, ChoiceFor)
			}
			w.vote(b, fay, ChoiceAgainst)
			w.vote(b, bob, ChoiceAgainst)
			got := w.closeAndTally(b, 2)
			r := got.Result
			assert.Equal(t, tt.forTotal, total(r, ChoiceFor))
			assert.Equal(t, "800", total(r, ChoiceAgainst))
			assert.Equal(t, tt.part, r.Participation)
			assert.Equal(t, "3800", r.Electorate, "the electorate is not capped")
			assert.Equal(t, tt.passed, r.Passed)
			if tt.capBps == 10000 {
				assert.Nil(t, r.OrgCap)
				return
			}
			require.NotNil(t, r.OrgCap)
			assert.Equal(t, tt.capped, r.OrgCap.Capped)
			assert.Equal(t, tt.cappedWgt, r.OrgCap.CappedWeight)
			assert.Equal(t, []OrgWeight{{"FoundationMSP", "500"}, {"LabAMSP", "3000"}, {"LabBMSP", "300"}}, r.OrgCap.Weights)
		})
	}
}

func TestOrgCapCases(t *testing.T) {
	type v struct {
		msp, choice string
	}
	for _, tt := range []struct {
		name    string
		votes   []v
		forT    string
		against string
		abstain string
		part    string
		passed  bool
	}{
		{"one organisation alone weighs nothing", []v{{"LabAMSP", "for"}, {"LabAMSP", "for"}, {"LabAMSP", "for"}}, "0", "0", "0", "0", false},
		{"seats, rounded down", []v{{"LabAMSP", "for"}, {"LabAMSP", "for"}, {"LabAMSP", "abstain"}, {"FoundationMSP", "against"}, {"LabBMSP", "for"}}, "2", "1", "0", "4", true},
		{"nobody over the cap", []v{{"LabAMSP", "for"}, {"FoundationMSP", "against"}, {"LabBMSP", "for"}}, "2", "1", "0", "3", true},
		{"exactly half is not over", []v{{"LabAMSP", "for"}, {"LabAMSP", "for"}, {"LabBMSP", "against"}, {"FoundationMSP", "against"}}, "2", "2", "0", "4", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorldWith(t, core.NewMemStore(), constitution.FamilySeat, constitution.HouseB, func(r *constitution.DecisionRule) { r.QuorumBps = 0 }, safeguards(5000, 0))
			var ids []identity.Identity
			for i, x := range tt.votes {
				ids = append(ids, w.memberOf(x.msp, fmt.Sprint("m", i)))
			}
			b := w.create(ids[0], CreateRequest{})
			w.open(b)
			for i, x := range tt.votes {
				w.vote(b, ids[i], x.choice)
			}
			r := w.closeAndTally(b, 1).Result
			assert.Equal(t, tt.forT, total(r, ChoiceFor))
			assert.Equal(t, tt.against, total(r, ChoiceAgainst))
			assert.Equal(t, tt.abstain, total(r, ChoiceAbstain))
			assert.Equal(t, tt.part, r.Participation)
			assert.Equal(t, tt.passed, r.Passed)
		})
	}
}

func TestOrgCapPagedEqualsInMemory(t *testing.T) {
	orgs := []string{"FoundationMSP", "LabAMSP", "LabBMSP"}
	for seed := range uint64(12) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 7))
			w := newWorldWith(t, core.NewMemStore(), constitution.FamilyToken, constitution.HouseB, nil, safeguards(5000+int64(rng.IntN(5))*1000, 0))
			n := 10 + rng.IntN(30)
			ids := make([]identity.Identity, n)
			for i := range ids {
				// skew: LabA registers most members
				msp := orgs[1]
				if rng.IntN(3) == 0 {
					msp = orgs[rng.IntN(3)]
				}
				ids[i] = w.memberOf(msp, fmt.Sprint("v", i))
				w.mint(ids[i], 1+int64(rng.IntN(1000)))
			}
			b := w.create(ids[0], CreateRequest{})
			w.open(b)
			var votes []Weighted
			choices := b.Choices()
			for _, id := range ids {
				c := choices[rng.IntN(len(choices))]
				w.vote(b, id, c)
				bal, err := token.BalanceAt(w.s, id, b.OpensAt)
				require.NoError(t, err)
				votes = append(votes, Weighted{Vote: Vote{Ballot: b.ID, Voter: id, Choice: c}, Weight: big.NewInt(bal)})
			}
			supply, err := token.SupplyAt(w.s, b.OpensAt)
			require.NoError(t, err)
			want := Compute(b, votes, big.NewInt(supply))
			got := w.closeAndTally(b, 1+int(seed)%5)
			assert.Equal(t, want, got.Result)
		})
	}
}

func TestVouching(t *testing.T) {
	w := newWorldWith(t, core.NewMemStore(), constitution.FamilySeat, constitution.HouseB, nil, safeguards(10000, 1))
	w.now = w.now.Add(time.Second) // after genesis: nobody here is a founder
	ada, ann := w.memberOf("LabAMSP", "ada"), w.memberOf("LabAMSP", "ann")
	bob, fay := w.memberOf("LabBMSP", "bob"), w.memberOf("FoundationMSP", "fay")
	late := w.memberOf("LabAMSP", "late")
	w.vouchFor(bob, ann)
	w.vouchFor(ada, bob)
	w.vouchFor(bob, fay)
	b := w.create(fay, CreateRequest{})
	w.open(b)
	w.now = w.now.Add(time.Second)
	w.vouchFor(fay, late) // after voting opened: too late for this ballot
	require.NotNil(t, b.Vouching)

	for _, id := range []identity.Identity{ann, bob, fay} {
		w.vote(b, id, ChoiceFor)
	}
	for _, tt := range []struct {
		name string
		who  identity.Identity
	}{
		{"not vouched (its own organisation cannot vouch)", ada},
		{"vouched after voting opened", late},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ms := w.s.(*core.MemStore)
			before, writes := ms.Snapshot(), ms.Writes
			_, err := Cast(w.as(tt.who), w.deps, CastRequest{Ballot: b.ID, Choice: ChoiceFor})
			require.ErrorIs(t, err, errcode.ErrForbidden)
			assert.Contains(t, err.Error(), "fewer than 1 vouches")
			assert.Equal(t, before, ms.Snapshot())
			assert.Equal(t, writes, ms.Writes)
		})
	}
	got := w.closeAndTally(b, 2)
	assert.Equal(t, "3", got.Result.Electorate, "unvouched members are not in the electorate")

	// A poll too: any ballot's voters need vouches.
	p := w.create(ada, CreateRequest{Kind: KindPoll, Title: "Legit?", VotingPeriodSec: 60})
	w.open(p)
	_, err := Cast(w.as(ada), w.deps, CastRequest{Ballot: p.ID, Choice: "7"})
	require.ErrorIs(t, err, errcode.ErrForbidden)
	w.vote(p, ann, "6")
}

func TestFoundersCountAsVouched(t *testing.T) {
	w := newWorldWith(t, core.NewMemStore(), constitution.FamilyReputation, constitution.HouseB, nil, safeguards(10000, 1))
	founder := w.member("founder") // registered by the genesis
	newcomer := w.memberOf("LabAMSP", "newcomer")
	b := w.create(founder, CreateRequest{})
	w.open(b)
	w.rep[founder], w.rep[newcomer] = 10, 10
	w.vote(b, founder, ChoiceFor)
	_, err := Cast(w.as(newcomer), w.deps, CastRequest{Ballot: b.ID, Choice: ChoiceFor})
	require.ErrorIs(t, err, errcode.ErrForbidden)
	assert.Contains(t, err.Error(), "fewer than 1 vouches")
}

// FuzzOrgCap: for any organisation weights, the capped organisation's
// share of the capped total is at most the cap (exactly: rounding only
// lowers it), no other organisation's totals change, and no total grows.
func FuzzOrgCap(f *testing.F) {
	f.Add(int64(5000), uint32(3000), uint32(0), uint32(500), uint32(0), uint32(300), uint32(0))
	f.Add(int64(5000), uint32(2), uint32(1), uint32(0), uint32(1), uint32(1), uint32(0))
	f.Add(int64(6667), uint32(1<<31), uint32(7), uint32(3), uint32(0), uint32(0), uint32(0))
	f.Fuzz(func(t *testing.T, c int64, aFor, aAbst, bFor, bAgainst, cFor, cAgainst uint32) {
		c = 5000 + (c%5000+5000)%5000 // 5000..9999
		b := &Ballot{ID: "b", Kind: KindDecision, Family: constitution.FamilyToken, OrgCapBps: c}
		o := &orgSums{}
		add := func(msp string, choice string, w uint32) {
			if w > 0 {
				o.add(b, &Vote{Voter: identity.Identity{MSPID: msp, ID: "x"}, Choice: choice}, big.NewInt(int64(w)))
			}
		}
		add("LabAMSP", ChoiceFor, aFor)
		add("LabAMSP", ChoiceAbstain, aAbst)
		add("LabBMSP", ChoiceFor, bFor)
		add("LabBMSP", ChoiceAgainst, bAgainst)
		add("FoundationMSP", ChoiceFor, cFor)
		add("FoundationMSP", ChoiceAgainst, cAgainst)
		totals := make([]*big.Int, 3)
		part := new(big.Int)
		before := make(map[string][]*big.Int)
		for _, a := range o.orgs {
			before[a.msp] = a.totals
			for i, t := range a.totals {
				if totals[i] == nil {
					totals[i] = new(big.Int)
				}
				totals[i].Add(totals[i], t)
			}
			part.Add(part, a.part)
		}
		for i := range totals {
			if totals[i] == nil {
				totals[i] = new(big.Int)
			}
		}
		raw := []*big.Int{new(big.Int).Set(totals[0]), new(big.Int).Set(totals[1]), new(big.Int).Set(totals[2])}
		rep := o.applyCap(b, totals, part)
		require.NotNil(t, rep)
		all := new(big.Int)
		for i, tot := range totals {
			require.True(t, tot.Sign() >= 0)
			require.True(t, tot.Cmp(raw[i]) <= 0, "no total grows")
			all.Add(all, tot)
		}
		if rep.Capped == "" {
			for i := range totals {
				require.Equal(t, raw[i].String(), totals[i].String(), "nobody over the cap: nothing changes")
			}
			return
		}
		capped, ok := new(big.Int).SetString(rep.CappedWeight, 10)
		require.True(t, ok)
		// capped × 10000 ≤ c × (capped total)
		lhs := new(big.Int).Mul(capped, big.NewInt(10000))
		require.True(t, lhs.Cmp(new(big.Int).Mul(big.NewInt(c), all)) <= 0, "the capped organisation's share is at most the cap")
	})
}
