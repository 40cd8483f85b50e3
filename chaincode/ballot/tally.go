package ballot

import (
	"fmt"
	"math/big"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/delegation"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/membership"
	"github.com/charter-gov/charter/chaincode/token"
)

// Basis says what a ballot's participation and electorate count.
type Basis string

// Participation bases.
const (
	BasisWeight Basis = "weight" // token, delegated, reputation: weight
	BasisVoters Basis = "voters" // seat, quadratic, polls: one per voter
)

// BasisOf returns the participation basis of a ballot.
func BasisOf(b *Ballot) Basis {
	switch b.Family {
	case constitution.FamilyToken, constitution.FamilyDelegated, constitution.FamilyReputation:
		return BasisWeight
	}
	return BasisVoters
}

// ChoiceTotal is the weight (or votes, or voters) a choice received, as a
// decimal integer.
type ChoiceTotal struct {
	Choice string `json:"choice"`
	Total  string `json:"total"`
}

// LikertResult reports a poll: how many answered each of 1..7, the sum,
// and the mean as an exact fraction and in thousandths (rounded half up).
type LikertResult struct {
	Distribution []int64 `json:"distribution"` // index 0 is answer 1
	Count        int64   `json:"count"`
	Sum          int64   `json:"sum"`
	Mean         string  `json:"mean"`      // "sum/count", e.g. "30/7"
	MeanMilli    int64   `json:"meanMilli"` // 4286 means 4.286
}

// Result is the outcome of a tallied ballot. Every number is a decimal
// integer string (math/big), so nothing overflows and nothing is a float.
type Result struct {
	Basis  Basis         `json:"basis"`
	Totals []ChoiceTotal `json:"totals"`
	// Participation counts toward quorum: the weight (or voters) of every
	// counted vote, abstentions included.
	Participation string `json:"participation"`
	// Electorate is the quorum's denominator: the token supply when voting
	// opened (token, delegated), the summed reputation of members eligible
	// then (reputation), or the number of members eligible then (seat,
	// quadratic).
	Electorate     string `json:"electorate"`
	QuorumBps      int64  `json:"quorumBps"`
	ThresholdBps   int64  `json:"thresholdBps"`
	QuorumRequired string `json:"quorumRequired"` // ceil(electorate × quorumBps / 10000)
	QuorumReached  bool   `json:"quorumReached"`
	// Decisive is the sum of the non-abstain totals: the threshold's
	// denominator.
	Decisive     string        `json:"decisive"`
	Winner       string        `json:"winner,omitempty"`
	Passed       bool          `json:"passed"`
	VotesRead    int64         `json:"votesRead"`
	VotesCounted int64         `json:"votesCounted"` // votes with positive weight
	Likert       *LikertResult `json:"likert,omitempty"`
	// OrgCap reports the organisation cap applied before the totals,
	// participation and outcome above (decision ballots; see safeguards.go).
	OrgCap *OrgCap `json:"orgCap,omitempty"`
}

// Weighted is a vote with the weight the tally gives it (ignored for
// quadratic ballots and polls, whose votes carry their own counts).
type Weighted struct {
	Vote   Vote
	Weight *big.Int
}

// Compute is the in-memory tally: the result of a ballot given every vote
// with its weight and the electorate. The paged tally must equal it.
func Compute(b *Ballot, votes []Weighted, electorate *big.Int) *Result {
	n := len(b.Choices())
	totals := make([]*big.Int, n)
	for i := range totals {
		totals[i] = new(big.Int)
	}
	part := new(big.Int)
	var counted int64
	orgs := &orgSums{}
	for _, wv := range votes {
		orgs.add(b, &wv.Vote, wv.Weight)
		switch {
		case b.Kind == KindPoll:
			totals[b.choiceIndex(wv.Vote.Choice)].Add(totals[b.choiceIndex(wv.Vote.Choice)], big.NewInt(1))
			part.Add(part, big.NewInt(1))
			counted++
		case b.Family == constitution.FamilyQuadratic:
			for _, a := range wv.Vote.Allocations {
				i := b.choiceIndex(a.Choice)
				totals[i].Add(totals[i], big.NewInt(a.Votes))
			}
			part.Add(part, big.NewInt(1))
			counted++
		default:
			if wv.Weight == nil || wv.Weight.Sign() <= 0 {
				continue
			}
			i := b.choiceIndex(wv.Vote.Choice)
			totals[i].Add(totals[i], wv.Weight)
			if BasisOf(b) == BasisWeight {
				part.Add(part, wv.Weight)
			} else {
				part.Add(part, big.NewInt(1))
			}
			counted++
		}
	}
	capRep := orgs.applyCap(b, totals, part)
	r := decide(b, totals, part, electorate, int64(len(votes)), counted)
	r.OrgCap = capRep
	return r
}

// decide turns totals into a result. Rules:
//
//   - quorum: participation × 10000 ≥ quorumBps × electorate (abstentions
//     count toward quorum; a zero quorum is always reached);
//   - binary: passes when quorum is reached, for + against > 0, for >
//     against and for × 10000 ≥ thresholdBps × (for + against);
//   - options: the option with the strictly greatest total wins when quorum
//     is reached and its total × 10000 ≥ thresholdBps × (sum of option
//     totals); a tie for first place means no winner;
//   - polls decide nothing; they report the Likert distribution and mean.
func decide(b *Ballot, totals []*big.Int, part, electorate *big.Int, read, counted int64) *Result {
	choices := b.Choices()
	r := &Result{Basis: BasisOf(b), Participation: part.String(), Electorate: electorate.String(),
		QuorumBps: b.Rule.QuorumBps, ThresholdBps: b.Rule.ThresholdBps, VotesRead: read, VotesCounted: counted}
	for i, c := range choices {
		r.Totals = append(r.Totals, ChoiceTotal{Choice: c, Total: totals[i].String()})
	}
	if b.Kind == KindPoll {
		l := &LikertResult{Distribution: make([]int64, Likert)}
		for i := range Likert {
			l.Distribution[i] = totals[i].Int64()
			l.Count += l.Distribution[i]
			l.Sum += int64(i+1) * l.Distribution[i]
		}
		if l.Count > 0 {
			l.Mean = fmt.Sprintf("%d/%d", l.Sum, l.Count)
			l.MeanMilli = (l.Sum*1000*2 + l.Count) / (2 * l.Count)
		}
		r.Likert, r.Decisive, r.QuorumRequired, r.QuorumReached = l, part.String(), "0", true
		return r
	}
	bps := big.NewInt(10000)
	req := new(big.Int).Mul(electorate, big.NewInt(b.Rule.QuorumBps))
	// ceil(req / 10000)
	reqCeil := new(big.Int).Add(req, big.NewInt(9999))
	reqCeil.Quo(reqCeil, bps)
	r.QuorumRequired = reqCeil.String()
	r.QuorumReached = new(big.Int).Mul(part, bps).Cmp(req) >= 0
	decisive := new(big.Int)
	for i := 0; i < len(choices)-1; i++ { // the last choice is abstain
		decisive.Add(decisive, totals[i])
	}
	r.Decisive = decisive.String()
	thr := new(big.Int).Mul(decisive, big.NewInt(b.Rule.ThresholdBps))
	if b.binary() {
		forW, against := totals[0], totals[1]
		r.Passed = r.QuorumReached && decisive.Sign() > 0 && forW.Cmp(against) > 0 && new(big.Int).Mul(forW, bps).Cmp(thr) >= 0
		if r.Passed {
			r.Winner = ChoiceFor
		}
		return r
	}
	best, tie := 0, false
	for i := 1; i < len(choices)-1; i++ {
		switch totals[i].Cmp(totals[best]) {
		case 1:
			best, tie = i, false
		case 0:
			tie = true
		}
	}
	if !tie && totals[best].Sign() > 0 && r.QuorumReached && new(big.Int).Mul(totals[best], bps).Cmp(thr) >= 0 {
		r.Winner, r.Passed = choices[best], true
	}
	return r
}

// Tally phases.
const (
	PhaseVotes      = "votes"
	PhaseElectorate = "electorate"
	PhaseDone       = "done"
)

// TallyState is the partial tally carried from one Tally page to the next.
type TallyState struct {
	Ballot    string `json:"ballot"`
	Phase     string `json:"phase"`
	NextShard int    `json:"nextShard"`
	// NextMemberShard is the next shard of the member register's shard
	// index that the electorate phase reads.
	NextMemberShard int      `json:"nextMemberShard,omitempty"`
	Totals          []string `json:"totals"`
	Participation   string   `json:"participation"`
	Electorate      string   `json:"electorate"`
	VotesRead       int64    `json:"votesRead"`
	VotesCounted    int64    `json:"votesCounted"`
	Members         int64    `json:"membersRead"`
	Pages           int64    `json:"pages"`
	// Orgs are the per-organisation sums the organisation cap needs.
	Orgs []OrgTally `json:"orgs,omitempty"`
}

// Progress is what a Tally page returns.
type Progress struct {
	Ballot    string  `json:"ballot"`
	Phase     string  `json:"phase"`
	Done      bool    `json:"done"`
	Pages     int64   `json:"pages"`
	NextShard int     `json:"nextShard"`
	VotesRead int64   `json:"votesRead"`
	Members   int64   `json:"membersRead"`
	Status    Status  `json:"status"`
	Result    *Result `json:"result,omitempty"`
}

// Tally runs one page of a closed ballot's tally. Anyone may submit it.
// A page reads whole vote shards until it has read at least pageSize votes
// (default DefaultPageSize, at most MaxPageSize) or every shard, then, for
// families whose quorum counts members (seat, quadratic, reputation), pages
// through the member register's shard index the same way (whole shards). Each page stores its partial sums
// in the ballot's tally record; the last page computes the result and
// moves the ballot to succeeded, defeated (decisions) or completed (polls).
//
// Weights are computed as of the ballot's opensAt (see Weigh).
//
// Errors: NOT_FOUND, INVALID_ARGUMENT (page size), FAILED_PRECONDITION
// (ballot not closed: still voting, already tallied or cancelled; or the
// reputation ledger is unavailable for a reputation ballot).
func Tally(tx *core.Tx, deps Deps, id string, pageSize int) (*Progress, error) {
	if pageSize == 0 {
		pageSize = DefaultPageSize
	}
	if pageSize < 1 || pageSize > MaxPageSize {
		return nil, errcode.Invalidf("tally ballot %s: page size %d is outside 1..%d", id, pageSize, MaxPageSize)
	}
	b, err := Get(tx.Store, id)
	if err != nil {
		return nil, err
	}
	if b.Status != StatusClosed {
		return nil, errcode.Preconditionf("tally ballot %s: the ballot is %s; only closed ballots are tallied", b.ID, b.StatusAt(tx.Time))
	}
	if err := b.refusePaused("tally", tx.Time); err != nil {
		return nil, err
	}
	tk, err := tallyKey(b.ID)
	if err != nil {
		return nil, err
	}
	st := TallyState{Ballot: b.ID, Phase: PhaseVotes, Participation: "0", Electorate: "0"}
	if _, err := core.GetJSON(tx.Store, tk, &st); err != nil {
		return nil, err
	}
	acc, err := loadAccum(b, &st)
	if err != nil {
		return nil, err
	}
	w := NewWeigher(tx.Store, deps, b)
	work := 0
	for st.Phase == PhaseVotes && work < pageSize {
		if st.NextShard >= Shards {
			st.Phase = PhaseElectorate
			if !needsElectorate(b) {
				st.Phase = PhaseDone
			}
			break
		}
		n, err := tallyShard(tx.Store, b, w, acc, st.NextShard)
		if err != nil {
			return nil, err
		}
		work += n
		st.NextShard++
	}
	if st.Phase == PhaseVotes && st.NextShard >= Shards {
		st.Phase = PhaseElectorate
		if !needsElectorate(b) {
			st.Phase = PhaseDone
		}
	}
	if st.Phase == PhaseElectorate && work < pageSize {
		done, err := electoratePage(tx.Store, b, w, acc, &st, pageSize-work)
		if err != nil {
			return nil, err
		}
		if done {
			st.Phase = PhaseDone
		}
	}
	st.Pages++
	acc.store(&st)
	if err := core.PutJSON(tx.Store, tk, st); err != nil {
		return nil, err
	}
	p := &Progress{Ballot: b.ID, Phase: st.Phase, Pages: st.Pages, NextShard: st.NextShard, VotesRead: st.VotesRead, Members: st.Members, Status: b.Status}
	if st.Phase != PhaseDone {
		return p, tx.Emit(EventTallyPage, p)
	}
	if !needsElectorate(b) && b.Kind != KindPoll {
		supply, err := token.SupplyAt(tx.Store, b.OpensAt)
		if err != nil {
			return nil, err
		}
		acc.electorate.SetInt64(supply)
	}
	capRep := acc.orgs.applyCap(b, acc.totals, acc.part)
	res := decide(b, acc.totals, acc.part, acc.electorate, st.VotesRead, st.VotesCounted)
	res.OrgCap = capRep
	to := StatusDefeated
	switch {
	case b.Kind == KindPoll:
		to = StatusCompleted
	case res.Passed:
		to = StatusSucceeded
	}
	if err := move(b, to); err != nil {
		return nil, err
	}
	t := tx.Time
	b.Result, b.TalliedAt = res, &t
	if err := save(tx, b); err != nil {
		return nil, err
	}
	p.Done, p.Status, p.Result = true, b.Status, res
	return p, tx.Emit(EventTallied, summary(b))
}

func needsElectorate(b *Ballot) bool {
	if b.Kind == KindPoll {
		return false
	}
	switch b.Family {
	case constitution.FamilySeat, constitution.FamilyQuadratic, constitution.FamilyReputation:
		return true
	}
	return false
}

type accum struct {
	totals     []*big.Int
	part       *big.Int
	electorate *big.Int
	st         *TallyState
	orgs       *orgSums
}

func parseBig(what, s string) (*big.Int, error) {
	v, ok := new(big.Int).SetString(s, 10)
	if !ok {
		return nil, errcode.New(errcode.Internal, "tally state: %s %q is not a decimal integer", what, s)
	}
	return v, nil
}

func loadAccum(b *Ballot, st *TallyState) (*accum, error) {
	n := len(b.Choices())
	a := &accum{totals: make([]*big.Int, n), st: st}
	if len(st.Totals) != 0 && len(st.Totals) != n {
		return nil, errcode.New(errcode.Internal, "tally state of %s has %d totals for %d choices", b.ID, len(st.Totals), n)
	}
	for i := range a.totals {
		a.totals[i] = new(big.Int)
		if len(st.Totals) == n {
			v, err := parseBig("total", st.Totals[i])
			if err != nil {
				return nil, err
			}
			a.totals[i] = v
		}
	}
	var err error
	if a.orgs, err = loadOrgSums(b, st.Orgs); err != nil {
		return nil, err
	}
	if a.part, err = parseBig("participation", st.Participation); err != nil {
		return nil, err
	}
	if a.electorate, err = parseBig("electorate", st.Electorate); err != nil {
		return nil, err
	}
	return a, nil
}

func (a *accum) store(st *TallyState) {
	st.Totals = make([]string, len(a.totals))
	for i, t := range a.totals {
		st.Totals[i] = t.String()
	}
	st.Participation, st.Electorate = a.part.String(), a.electorate.String()
	st.Orgs = a.orgs.store()
}

func (a *accum) add(b *Ballot, v *Vote, weight *big.Int) {
	a.st.VotesRead++
	a.orgs.add(b, v, weight)
	switch {
	case b.Kind == KindPoll:
		i := b.choiceIndex(v.Choice)
		a.totals[i].Add(a.totals[i], big.NewInt(1))
		a.part.Add(a.part, big.NewInt(1))
	case b.Family == constitution.FamilyQuadratic:
		for _, al := range v.Allocations {
			i := b.choiceIndex(al.Choice)
			a.totals[i].Add(a.totals[i], big.NewInt(al.Votes))
		}
		a.part.Add(a.part, big.NewInt(1))
	default:
		if weight.Sign() <= 0 {
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
	a.st.VotesCounted++
}

func tallyShard(s core.Store, b *Ballot, w *Weigher, acc *accum, shard int) (int, error) {
	n := 0
	sh := fmt.Sprintf("%02x", shard)
	err := s.Scan("ballot-vote", []string{b.ID, sh}, func(key string, raw []byte) error {
		var v Vote
		if err := core.DecodeJSON(key, raw, &v); err != nil {
			return err
		}
		if b.choiceIndex(v.Choice) < 0 && b.Family != constitution.FamilyQuadratic {
			return errcode.New(errcode.Internal, "vote %q has unknown choice %q", key, v.Choice)
		}
		n++
		counts, err := w.inElectorate(v.Voter)
		if err != nil {
			return err
		}
		if !counts {
			acc.st.VotesRead++ // read, not counted: the voter is not in the electorate
			return nil
		}
		weight, err := w.Weigh(v.Voter)
		if err != nil {
			return err
		}
		acc.add(b, &v, weight)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("tally ballot %s shard %s: %w", b.ID, sh, err)
	}
	return n, nil
}

// electoratePage adds the members eligible when voting opened to the
// electorate, reading whole shards of the member register's shard index
// (membership.ScanShard) from st.NextMemberShard until it has read at
// least limit members or every shard. Each page reads only the shards it
// adds: no page re-reads the register from the start. It reports whether
// every shard was read.
func electoratePage(s core.Store, b *Ballot, w *Weigher, acc *accum, st *TallyState, limit int) (bool, error) {
	n := 0
	for st.NextMemberShard < membership.Shards && n < limit {
		err := membership.ScanShard(s, st.NextMemberShard, func(m *membership.Member) error {
			n++
			st.Members++
			if !EligibleAtOpen(m, b) {
				return nil
			}
			if ok, err := b.vouched(s, m); err != nil || !ok {
				return err
			}
			if b.Family == constitution.FamilyReputation {
				sc, err := w.deps.score(s, m.Identity, b.OpensAt, b)
				if err != nil {
					return err
				}
				acc.electorate.Add(acc.electorate, big.NewInt(sc))
				return nil
			}
			acc.electorate.Add(acc.electorate, big.NewInt(1))
			return nil
		})
		if err != nil {
			return false, fmt.Errorf("tally ballot %s electorate: %w", b.ID, err)
		}
		st.NextMemberShard++
	}
	return st.NextMemberShard >= membership.Shards, nil
}

// EligibleAtOpen reports whether a member counts in a ballot's electorate:
// registered by the time voting opened and not removed before then, and
// for House A ballots, holding the house_a role now and since the opening
// (a seat granted after the opening does not count; a seat holder removed
// after the ballot opened no longer counts).
func EligibleAtOpen(m *membership.Member, b *Ballot) bool {
	if m.RegisteredAt.After(b.OpensAt) {
		return false
	}
	if m.Status != membership.StatusActive && !m.UpdatedAt.After(b.OpensAt) {
		return false
	}
	if b.House == constitution.HouseA && !m.HeldSince(membership.RoleHouseA, b.OpensAt) {
		return false
	}
	return true
}

// Weigher computes voters' weights for one ballot as of its opensAt.
//
//   - token: the voter's balance when voting opened;
//   - delegated: the voter's balance when voting opened, plus what flows to
//     them from members who did not vote themselves: a delegator's balance
//     plus what flows to the delegator, times the percentage of the
//     delegation in force at opensAt (floored at each hop), through chains
//     of at most the ballot's MaxDelegationDepth hops; a delegation on a
//     cycle carries nothing (computed once per member and hop: see
//     delegated.go);
//   - reputation: the voter's score when voting opened, over the rule's
//     categories;
//   - seat and polls: 1; quadratic: the allocations themselves.
//
// It caches within one transaction; it never iterates a map.
type Weigher struct {
	s        core.Store
	deps     Deps
	b        *Ballot
	balances map[identity.Identity]int64
	voted    map[identity.Identity]bool
	ins      map[identity.Identity][]delegation.Inflow
	memo     map[hopKey]*big.Int
}

// NewWeigher returns a Weigher for b over s.
func NewWeigher(s core.Store, deps Deps, b *Ballot) *Weigher {
	return &Weigher{s: s, deps: deps, b: b, balances: map[identity.Identity]int64{}, voted: map[identity.Identity]bool{},
		ins: map[identity.Identity][]delegation.Inflow{}, memo: map[hopKey]*big.Int{}}
}

// inElectorate reports whether a vote counts: for ballots whose quorum
// counts the electorate member by member (seat, quadratic, reputation), a
// voter counts only if the electorate counts them (EligibleAtOpen and the
// vouches, the same tests for both), so that participation can never exceed the
// electorate — a member who voted and then lost their seat counts in
// neither. Other ballots count every vote (token weight is checked when
// voting; delegated and token electorates are the supply). The vouching
// test the electorate also applies is not repeated here: Cast refused
// every voter without the vouches as of opensAt, and that cannot change
// afterwards (vouches are never withdrawn; later ones do not count).
func (w *Weigher) inElectorate(voter identity.Identity) (bool, error) {
	if w.b.Kind == KindPoll || !needsElectorate(w.b) {
		return true, nil
	}
	m, err := membership.Get(w.s, voter)
	if err != nil {
		if errcode.CodeOf(err) == errcode.NotFound {
			return false, nil
		}
		return false, err
	}
	if !EligibleAtOpen(m, w.b) {
		return false, nil
	}
	return w.b.vouched(w.s, m)
}

// Weigh returns a voter's weight.
func (w *Weigher) Weigh(voter identity.Identity) (*big.Int, error) {
	if w.b.Kind == KindPoll {
		return big.NewInt(1), nil
	}
	switch w.b.Family {
	case constitution.FamilyToken:
		bal, err := w.balance(voter)
		return big.NewInt(bal), err
	case constitution.FamilyDelegated:
		return w.delegatedWeight(voter)
	case constitution.FamilyReputation:
		sc, err := w.deps.score(w.s, voter, w.b.OpensAt, w.b)
		return big.NewInt(sc), err
	}
	return big.NewInt(1), nil
}

func (w *Weigher) balance(a identity.Identity) (int64, error) {
	if v, ok := w.balances[a]; ok {
		return v, nil
	}
	v, err := token.BalanceAt(w.s, a, w.b.OpensAt)
	if err != nil {
		return 0, err
	}
	w.balances[a] = v
	return v, nil
}

func (w *Weigher) hasVoted(a identity.Identity) (bool, error) {
	if v, ok := w.voted[a]; ok {
		return v, nil
	}
	key, err := VoteKey(w.b.ID, a)
	if err != nil {
		return false, err
	}
	raw, err := w.s.Get(key)
	if err != nil {
		return false, err
	}
	w.voted[a] = raw != nil
	return raw != nil, nil
}

// TallyProgress returns a ballot's tally progress (zero before the first page).
func TallyProgress(s core.Store, id string) (*TallyState, error) {
	if _, err := Get(s, id); err != nil {
		return nil, err
	}
	tk, err := tallyKey(id)
	if err != nil {
		return nil, err
	}
	st := TallyState{Ballot: id, Phase: PhaseVotes, Participation: "0", Electorate: "0"}
	if _, err := core.GetJSON(s, tk, &st); err != nil {
		return nil, err
	}
	return &st, nil
}

// Votes returns up to limit votes of a ballot in key order starting at
// shard fromShard (for audits and the CLI). The second result is the next
// shard to ask for, or Shards when all were read.
func Votes(s core.Store, id string, fromShard, limit int) ([]Vote, int, error) {
	if _, err := Get(s, id); err != nil {
		return nil, 0, err
	}
	if fromShard < 0 || fromShard > Shards || limit < 1 || limit > MaxPageSize {
		return nil, 0, errcode.Invalidf("list votes: shard %d or limit %d out of range (0..%d, 1..%d)", fromShard, limit, Shards, MaxPageSize)
	}
	out := []Vote{}
	sh := fromShard
	for ; sh < Shards && len(out) < limit; sh++ {
		err := s.Scan("ballot-vote", []string{id, fmt.Sprintf("%02x", sh)}, func(key string, raw []byte) error {
			var v Vote
			if err := core.DecodeJSON(key, raw, &v); err != nil {
				return err
			}
			out = append(out, v)
			return nil
		})
		if err != nil {
			return nil, 0, err
		}
	}
	return out, sh, nil
}
