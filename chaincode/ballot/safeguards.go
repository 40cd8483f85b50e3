package ballot

import (
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/membership"
	"github.com/charter-gov/charter/chaincode/vouch"
)

// freezeSafeguards copies the constitution's safeguards into b: the
// organisation cap (decision ballots only; polls decide nothing) and the
// vouching rule (every ballot).
func (b *Ballot) freezeSafeguards(doc *constitution.Document) error {
	if b.Kind != KindPoll {
		b.OrgCapBps = doc.Safeguards.OrgCapBps
	}
	if doc.Safeguards.VouchesRequired > 0 {
		b.Vouching = &vouch.Rule{Required: doc.Safeguards.VouchesRequired}
	}
	return nil
}

// vouched reports whether m had the vouches b requires when voting opened.
func (b *Ballot) vouched(s core.Store, m *membership.Member) (bool, error) {
	if b.Vouching == nil {
		return true, nil
	}
	return b.Vouching.Vouched(s, m, b.OpensAt)
}

// requireVouched refuses a voter without the vouches b requires.
func (b *Ballot) requireVouched(s core.Store, m *membership.Member) error {
	ok, err := b.vouched(s, m)
	if err != nil {
		return err
	}
	if !ok {
		return errcode.Forbiddenf("vote on ballot %s: %s had fewer than %d vouches from members of other organisations when voting opened at %s (charter member vouch)",
			b.ID, m.Identity, b.Vouching.Required, b.OpensAt.Format(time.RFC3339))
	}
	return nil
}

// OrgTally is one organisation's part of a paged tally: what its members'
// counted votes added to each choice and to participation.
type OrgTally struct {
	MSPID         string   `json:"mspId"`
	Totals        []string `json:"totals"`
	Participation string   `json:"participation"`
}

// OrgCap reports the organisation cap applied at tally.
type OrgCap struct {
	CapBps int64 `json:"capBps"`
	// Weights are each organisation's counted weight (the sum of its
	// members' totals, abstentions included) before the cap, by MSP ID.
	Weights []OrgWeight `json:"weights"`
	// Capped names the organisation whose share exceeded the cap (empty
	// when none did); its totals and participation were scaled to
	// CappedWeight / its weight, rounded down.
	Capped       string `json:"capped,omitempty"`
	CappedWeight string `json:"cappedWeight,omitempty"`
}

// OrgWeight is one organisation's counted weight.
type OrgWeight struct {
	MSPID  string `json:"mspId"`
	Weight string `json:"weight"`
}

type orgAcc struct {
	msp    string
	totals []*big.Int
	part   *big.Int
}

// orgSums accumulates per organisation, in MSP ID order.
type orgSums struct{ orgs []*orgAcc }

func (o *orgSums) of(msp string, n int) *orgAcc {
	i, found := slices.BinarySearchFunc(o.orgs, msp, func(a *orgAcc, m string) int { return strings.Compare(a.msp, m) })
	if found {
		return o.orgs[i]
	}
	a := &orgAcc{msp: msp, totals: make([]*big.Int, n), part: new(big.Int)}
	for j := range a.totals {
		a.totals[j] = new(big.Int)
	}
	o.orgs = slices.Insert(o.orgs, i, a)
	return a
}

// add records what one counted vote adds to its organisation: the same
// contributions the ballot's totals receive (polls are not capped and not
// tracked).
func (o *orgSums) add(b *Ballot, v *Vote, weight *big.Int) {
	if b.Kind == KindPoll {
		return
	}
	a := o.of(v.Voter.MSPID, len(b.Choices()))
	if b.Family == constitution.FamilyQuadratic {
		for _, al := range v.Allocations {
			i := b.choiceIndex(al.Choice)
			a.totals[i].Add(a.totals[i], big.NewInt(al.Votes))
		}
		a.part.Add(a.part, big.NewInt(1))
		return
	}
	if weight == nil || weight.Sign() <= 0 {
		return
	}
	i := b.choiceIndex(v.Choice)
	a.totals[i].Add(a.totals[i], weight)
	if BasisOf(b) == BasisWeight {
		a.part.Add(a.part, weight)
	} else {
		a.part.Add(a.part, big.NewInt(1))
	}
}

func (o *orgSums) store() []OrgTally {
	out := make([]OrgTally, len(o.orgs))
	for i, a := range o.orgs {
		out[i] = OrgTally{MSPID: a.msp, Totals: make([]string, len(a.totals)), Participation: a.part.String()}
		for j, t := range a.totals {
			out[i].Totals[j] = t.String()
		}
	}
	return out
}

func loadOrgSums(b *Ballot, ts []OrgTally) (*orgSums, error) {
	o := &orgSums{}
	n := len(b.Choices())
	for _, t := range ts {
		if len(t.Totals) != n {
			return nil, errcode.New(errcode.Internal, "tally state of %s: organisation %s has %d totals for %d choices", b.ID, t.MSPID, len(t.Totals), n)
		}
		a := o.of(t.MSPID, n)
		for j, s := range t.Totals {
			v, err := parseBig("organisation total", s)
			if err != nil {
				return nil, err
			}
			a.totals[j] = v
		}
		p, err := parseBig("organisation participation", t.Participation)
		if err != nil {
			return nil, err
		}
		a.part = p
	}
	return o, nil
}

// applyCap applies the ballot's organisation cap c (basis points) to the
// totals and participation, in place, and reports it. With W_o an
// organisation's counted weight and R the others' together, an
// organisation whose share W_o / (W_o + R) exceeds c is scaled to
// weight c × R / (10000 − c), so that its share of the capped total is c;
// each of its totals and its participation is multiplied by
// c × R / ((10000 − c) × W_o) and rounded down. Because c ≥ 5000, at most
// one organisation can exceed it, and after scaling no other does. An
// organisation voting alone (R = 0) is scaled to nothing. Polls, and caps
// of 10000 or none, change nothing.
func (o *orgSums) applyCap(b *Ballot, totals []*big.Int, part *big.Int) *OrgCap {
	c := b.OrgCapBps
	if b.Kind == KindPoll || c <= 0 || c >= 10000 {
		return nil
	}
	rep := &OrgCap{CapBps: c, Weights: make([]OrgWeight, len(o.orgs))}
	weights := make([]*big.Int, len(o.orgs))
	all := new(big.Int)
	for i, a := range o.orgs {
		w := new(big.Int)
		for _, t := range a.totals {
			w.Add(w, t)
		}
		weights[i] = w
		all.Add(all, w)
		rep.Weights[i] = OrgWeight{MSPID: a.msp, Weight: w.String()}
	}
	bps := big.NewInt(10000)
	for i, a := range o.orgs {
		w := weights[i]
		// share > c  ⇔  w × 10000 > c × all
		if new(big.Int).Mul(w, bps).Cmp(new(big.Int).Mul(big.NewInt(c), all)) <= 0 {
			continue
		}
		rest := new(big.Int).Sub(all, w)
		num := new(big.Int).Mul(big.NewInt(c), rest)
		den := new(big.Int).Mul(big.NewInt(10000-c), w)
		capped := new(big.Int)
		for j, t := range a.totals {
			nt := new(big.Int).Mul(t, num)
			nt.Quo(nt, den)
			totals[j].Sub(totals[j], t)
			totals[j].Add(totals[j], nt)
			capped.Add(capped, nt)
		}
		np := new(big.Int).Mul(a.part, num)
		np.Quo(np, den)
		part.Sub(part, a.part)
		part.Add(part, np)
		rep.Capped, rep.CappedWeight = a.msp, capped.String()
		break
	}
	return rep
}
