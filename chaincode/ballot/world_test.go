package ballot

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/internal/testutil"
	"github.com/charter-gov/charter/chaincode/membership"
	"github.com/charter-gov/charter/chaincode/token"
)

// world is a ledger with a constitution whose budget decisions use the
// family under test, an admin per org, and helpers to act as anyone.
type world struct {
	t     testing.TB
	s     core.Store
	admin identity.Identity
	now   time.Time
	n     int
	rep   map[identity.Identity]int64
	deps  Deps
}

const (
	testDelay  = 60
	testPeriod = 3600
	testLock   = 600
	testSkew   = 30 // the constitution's clock skew in these worlds
)

func newWorld(t testing.TB, fam constitution.Family, house constitution.HouseID, edit func(*constitution.DecisionRule)) *world {
	return newWorldOn(t, core.NewMemStore(), fam, house, edit)
}

func newWorldOn(t testing.TB, s core.Store, fam constitution.Family, house constitution.HouseID, edit func(*constitution.DecisionRule)) *world {
	return newWorldWith(t, s, fam, house, edit, nil)
}

// newWorldWith is newWorldOn with an edit of the whole document. Unless
// it says otherwise, the organisation cap and vouching are off (the
// world's members are all LabA's); safeguards_test.go turns them on.
func newWorldWith(t testing.TB, s core.Store, fam constitution.Family, house constitution.HouseID, edit func(*constitution.DecisionRule), editDoc func(*constitution.Document)) *world {
	w := &world{t: t, s: s, admin: testutil.ID("LabAMSP", "admin"), now: testutil.T0(), rep: map[identity.Identity]int64{}}
	w.deps = Deps{Reputation: func(_ core.Store, m identity.Identity, _ time.Time, _ []string, _ *constitution.Reputation) (int64, error) {
		return w.rep[m], nil
	}}
	doc := constitution.Default()
	doc.Time.MaxClockSkewSec = testSkew
	doc.Safeguards = constitution.Safeguards{OrgCapBps: 10000}
	if editDoc != nil {
		editDoc(&doc)
	}
	for i := range doc.DecisionRules {
		r := &doc.DecisionRules[i]
		if r.Type == constitution.Budget {
			r.Houses, r.Families = []constitution.HouseID{house}, []constitution.Family{fam}
			r.VotingDelaySec, r.VotingPeriodSec, r.TimelockSec = testDelay, testPeriod, testLock
			r.QuorumBps, r.ThresholdBps = 1000, 5001
			if edit != nil {
				edit(r)
			}
		}
	}
	_, err := constitution.InstallGenesis(w.tx(w.admin, true), doc)
	require.NoError(t, err)
	return w
}

func (w *world) tx(caller identity.Identity, admin bool) *core.Tx {
	w.n++
	tx := testutil.Tx(w.s, caller, admin, w.now)
	tx.TxID = fmt.Sprintf("tx-%06d", w.n)
	return tx
}

func (w *world) as(caller identity.Identity) *core.Tx { return w.tx(caller, false) }

func (w *world) member(name string, roles ...membership.Role) identity.Identity {
	w.t.Helper()
	id := testutil.ID("LabAMSP", name)
	_, err := membership.RegisterFounding(w.tx(w.admin, true), membership.FoundingMember{Member: id, Name: name, Roles: roles}, "test-genesis")
	require.NoError(w.t, err)
	return id
}

func (w *world) mint(to identity.Identity, amount int64) {
	w.t.Helper()
	_, err := token.Issue(w.tx(w.admin, true), token.IssueRequest{Allocations: []token.Allocation{{Member: to, Amount: amount}}}, "genesis")
	require.NoError(w.t, err)
}

func (w *world) create(proposer identity.Identity, req CreateRequest) *Ballot {
	w.t.Helper()
	if req.Title == "" {
		req.Title = "Fund the eval suite"
	}
	if req.Kind == KindPoll {
		b, err := Create(w.as(proposer), w.deps, req)
		require.NoError(w.t, err)
		return b
	}
	b, err := w.openDecision(proposer, req)
	require.NoError(w.t, err)
	return b
}

// openDecision opens a decision ballot the way the decision engine does
// (ballot:Create makes only polls), under the constitution in force.
func (w *world) openDecision(proposer identity.Identity, req CreateRequest) (*Ballot, error) {
	if req.DecisionType == "" {
		req.DecisionType = constitution.Budget
	}
	cur, err := constitution.Current(w.s)
	require.NoError(w.t, err)
	rule, err := cur.Document.Rule(req.DecisionType)
	require.NoError(w.t, err)
	house := req.House
	if house == "" {
		house = rule.Houses[0]
	}
	tx := w.as(proposer)
	return Open(tx, OpenSpec{ID: "b-" + tx.TxID, Decision: "d-" + tx.TxID, House: house, Rule: rule,
		ConstitutionVersion: cur.Version, ConstitutionHash: cur.Hash, MaxDelegationDepth: cur.Document.Delegation.MaxDepth,
		Title: req.Title, Description: req.Description, Proposer: proposer, Options: req.Options})
}

func (w *world) open(b *Ballot)  { w.now = b.OpensAt }
func (w *world) ended(b *Ballot) { w.now = b.EndsAt }

func (w *world) vote(b *Ballot, voter identity.Identity, choice string) {
	w.t.Helper()
	_, err := Cast(w.as(voter), w.deps, CastRequest{Ballot: b.ID, Choice: choice})
	require.NoError(w.t, err)
}

// closeAndTally closes b and runs tally pages of pageSize to the end.
func (w *world) closeAndTally(b *Ballot, pageSize int) *Ballot {
	w.t.Helper()
	if from := b.CloseableFrom(testSkew * time.Second); w.now.Before(from) {
		w.now = from
	}
	_, err := Close(w.as(w.admin), b.ID)
	require.NoError(w.t, err)
	for i := 0; ; i++ {
		require.Less(w.t, i, 100000, "tally terminates")
		p, err := Tally(w.as(w.admin), w.deps, b.ID, pageSize)
		require.NoError(w.t, err)
		if p.Done {
			break
		}
	}
	got, err := Get(w.s, b.ID)
	require.NoError(w.t, err)
	return got
}

func total(r *Result, choice string) string {
	for _, c := range r.Totals {
		if c.Choice == choice {
			return c.Total
		}
	}
	return "missing"
}

// sortedStore is a Store for large benchmarks: MemStore sorts every key on
// every scan, which dominates a 100,000-vote tally.
type sortedStore struct {
	data   map[string][]byte
	keys   []string
	sorted bool
}

func newSortedStore() *sortedStore { return &sortedStore{data: map[string][]byte{}} }

func (s *sortedStore) Get(k string) ([]byte, error) { return s.data[k], nil }
func (s *sortedStore) Put(k string, v []byte) error {
	if _, ok := s.data[k]; !ok {
		if s.sorted && len(s.keys) > 0 {
			i := sort.SearchStrings(s.keys, k) // keep sorted: writes and scans alternate during set-up
			s.keys = append(s.keys, "")
			copy(s.keys[i+1:], s.keys[i:])
			s.keys[i] = k
		} else {
			s.keys = append(s.keys, k)
			s.sorted = false
		}
	}
	s.data[k] = v
	return nil
}
func (s *sortedStore) Delete(k string) error {
	if _, ok := s.data[k]; ok {
		delete(s.data, k)
		i := sort.SearchStrings(s.sortedKeys(), k)
		s.keys = append(s.keys[:i], s.keys[i+1:]...)
	}
	return nil
}
func (s *sortedStore) sortedKeys() []string {
	if !s.sorted {
		sort.Strings(s.keys)
		s.sorted = true
	}
	return s.keys
}
func (s *sortedStore) Scan(obj string, attrs []string, fn func(string, []byte) error) error {
	prefix, err := core.Key(obj, attrs...)
	if err != nil {
		return err
	}
	keys := s.sortedKeys()
	for i := sort.SearchStrings(keys, prefix); i < len(keys) && strings.HasPrefix(keys[i], prefix); i++ {
		if err := fn(keys[i], s.data[keys[i]]); err != nil {
			return err
		}
	}
	return nil
}
