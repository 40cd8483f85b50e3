package index

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"github.com/hyperledger/fabric-protos-go-apiv2/ledger/rwset/kvrwset"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/ballot"
	"github.com/charter-gov/charter/chaincode/coi"
	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/contract"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/decision"
	"github.com/charter-gov/charter/chaincode/delegation"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/genesis"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/incident"
	"github.com/charter-gov/charter/chaincode/membership"
	"github.com/charter-gov/charter/chaincode/token"
	"github.com/charter-gov/charter/chaincode/upgrade"
	"github.com/charter-gov/charter/chaincode/vouch"
	charter "github.com/charter-gov/charter/gateway-client"
	"github.com/charter-gov/charter/gateway-client/audit/audittest"
)

// The voting world's people: two Foundation members and two of LabA, one
// of them a guardian, and the Foundation's admin.
var (
	vAdmin    = identity.Identity{MSPID: "FoundationMSP", ID: "x509::CN=admin::CN=ca"}
	vAnn      = identity.Identity{MSPID: "FoundationMSP", ID: "x509::CN=ann::CN=ca"}
	vBob      = identity.Identity{MSPID: "LabAMSP", ID: "x509::CN=bob::CN=ca"}
	vCid      = identity.Identity{MSPID: "LabAMSP", ID: "x509::CN=cid::CN=ca"}
	vGuardian = identity.Identity{MSPID: "FoundationMSP", ID: "x509::CN=gwen::CN=ca"}
)

// step runs one transaction of the chaincode's own domain code on the
// peer's state and commits what it wrote as a block (the writes a peer
// would endorse: every key it changed, put or deleted, in key order).
// A step whose transaction is refused writes nothing and is a test
// failure.
func (w *world) step(t *testing.T, at time.Time, caller identity.Identity, admin bool, fn func(tx *core.Tx) error) {
	t.Helper()
	before := w.peer.Snapshot()
	tx := &core.Tx{Store: w.peer, Caller: core.Caller{Identity: caller, OrgAdmin: admin}, Time: at, TxID: fmt.Sprintf("tx-%d", len(w.chain.Blocks))}
	require.NoError(t, fn(tx))
	after := w.peer.Snapshot()
	var keys []string
	for k, v := range after {
		if b, ok := before[k]; !ok || b != v {
			keys = append(keys, k)
		}
	}
	for k := range before {
		if _, ok := after[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	writes := make([]*kvrwset.KVWrite, 0, len(keys))
	for _, k := range keys {
		if v, ok := after[k]; ok {
			writes = append(writes, &kvrwset.KVWrite{Key: k, Value: []byte(v)})
		} else {
			writes = append(writes, del(k))
		}
	}
	// The peer's state already holds the writes: the block only records them.
	w.chain.AddBlock(audittest.Tx{Creator: w.user, Writes: writes})
}

// votingBlocks plays, transaction by transaction through the chaincode's
// domain code, a community that votes: the constitution, founding members
// (one a guardian) with tokens, a poll, a delegation and its delegate's
// statement, a vouch across organisations, a conflict disclosure, a
// guardian's pause support, two votes (one changed), a revoked
// delegation, and a failed transaction whose writes must not count. It
// returns the poll's ID.
func votingBlocks(t *testing.T, w *world) string {
	doc := constitution.Default()
	w.step(t, t0, vAdmin, true, func(tx *core.Tx) error { _, err := constitution.InstallGenesis(tx, doc); return err })
	for _, m := range []struct {
		id    identity.Identity
		roles []membership.Role
	}{{vAnn, nil}, {vBob, nil}, {vCid, nil}, {vGuardian, []membership.Role{membership.RoleGuardian}}} {
		w.step(t, t0, vAdmin, true, func(tx *core.Tx) error {
			_, err := membership.RegisterFounding(tx, membership.FoundingMember{Member: m.id, Name: "member", Roles: m.roles}, "genesis")
			return err
		})
	}
	w.step(t, t0, vAdmin, true, func(tx *core.Tx) error {
		_, err := token.Issue(tx, token.IssueRequest{Allocations: []token.Allocation{{Member: vAnn, Amount: 400}, {Member: vBob, Amount: 100}, {Member: vCid, Amount: 50}}}, "genesis")
		return err
	})
	at := func(sec int) time.Time { return t0.Add(time.Duration(sec) * time.Second) }
	var poll string
	w.step(t, at(10), vAnn, false, func(tx *core.Tx) error {
		b, err := ballot.Create(tx, contract.BallotDeps(), ballot.CreateRequest{Kind: ballot.KindPoll, Title: "Adopt the eval suite?", VotingDelaySec: 60, VotingPeriodSec: 3600})
		if err == nil {
			poll = b.ID
		}
		return err
	})
	w.step(t, at(20), vAnn, false, func(tx *core.Tx) error {
		_, err := delegation.Set(tx, delegation.SetRequest{Topic: delegation.AllTopics, Legs: []delegation.Leg{{To: vBob, Percent: 100}}})
		return err
	})
	w.step(t, at(25), vBob, false, func(tx *core.Tx) error {
		_, err := delegation.SetStatement(tx, delegation.StatementRequest{Text: "I read every proposal twice."})
		return err
	})
	w.step(t, at(30), vAnn, false, func(tx *core.Tx) error { _, err := vouch.Give(tx, vouch.GiveRequest{Member: vCid}); return err })
	w.step(t, at(35), vCid, false, func(tx *core.Tx) error {
		_, err := coi.Disclose(tx, coi.DiscloseRequest{Subject: coi.Subject{Kind: coi.KindProposal, ID: "d1"}, Statement: "I wrote it."})
		return err
	})
	w.step(t, at(40), vGuardian, false, func(tx *core.Tx) error {
		_, err := ballot.PauseBallot(tx, ballot.PauseRequest{Ballot: poll, Reason: "vote buying reported"})
		return err
	})
	w.step(t, at(400), vBob, false, func(tx *core.Tx) error {
		_, err := ballot.Cast(tx, contract.BallotDeps(), ballot.CastRequest{Ballot: poll, Choice: "6"})
		return err
	})
	w.step(t, at(410), vCid, false, func(tx *core.Tx) error {
		_, err := ballot.Cast(tx, contract.BallotDeps(), ballot.CastRequest{Ballot: poll, Choice: "2"})
		return err
	})
	w.step(t, at(420), vCid, false, func(tx *core.Tx) error {
		_, err := ballot.Cast(tx, contract.BallotDeps(), ballot.CastRequest{Ballot: poll, Choice: "3"})
		return err
	})
	w.step(t, at(430), vAnn, false, func(tx *core.Tx) error {
		_, err := delegation.Revoke(tx, delegation.RevokeRequest{Topic: delegation.AllTopics})
		return err
	})
	// A statement in a transaction that failed validation changes nothing.
	st, err := core.Key("delegate-statement", vCid.MSPID, vCid.ID)
	require.NoError(t, err)
	w.chain.AddBlock(audittest.Tx{Creator: w.user, Code: peer.TxValidationCode_MVCC_READ_CONFLICT, Writes: []*kvrwset.KVWrite{put(t, st, delegation.Statement{Member: vCid, Text: "lost"})}})
	return poll
}

type areaRead struct {
	name  string
	index func(x *Index) (any, uint64, error)
	peer  func(s core.Store) (any, error)
}

// votingReads are the index's reads of voting, its safeguards, the
// genesis and upgrades beside the chaincode queries' domain reads at the
// same time now.
func votingReads(poll string, now time.Time) []areaRead {
	wrap := func(v any, h uint64, err error) (any, uint64, error) { return v, h, err }
	deps := contract.BallotDeps()
	var out []areaRead
	for _, m := range []identity.Identity{vAnn, vBob, vCid, vGuardian, {MSPID: "LabAMSP", ID: "x509::CN=nobody::CN=ca"}} {
		out = append(out,
			areaRead{"standing of " + m.ID, func(x *Index) (any, uint64, error) { return wrap(x.Standing(now, poll, m)) },
				func(s core.Store) (any, error) { return ballot.StandingOf(s, deps, poll, m, now) }},
			areaRead{"delegations of " + m.ID, func(x *Index) (any, uint64, error) { return wrap(x.Delegations(now, m)) },
				func(s core.Store) (any, error) { return delegation.List(s, m, now) }},
			areaRead{"incoming of " + m.ID, func(x *Index) (any, uint64, error) {
				return wrap(x.IncomingDelegations(m, string(constitution.Budget), now))
			}, func(s core.Store) (any, error) { return delegation.Incoming(s, m, string(constitution.Budget), now) }},
			areaRead{"statement of " + m.ID, func(x *Index) (any, uint64, error) { return wrap(x.DelegateStatement(m)) },
				func(s core.Store) (any, error) { return delegation.StatementOf(s, m) }},
			areaRead{"vouches of " + m.ID, func(x *Index) (any, uint64, error) { return wrap(x.Vouches(m)) },
				func(s core.Store) (any, error) { return vouch.List(s, m) }},
			areaRead{"conflicts of " + m.ID, func(x *Index) (any, uint64, error) { return wrap(x.Conflicts(coi.ListRequest{Member: &m})) },
				func(s core.Store) (any, error) { return coi.List(s, coi.ListRequest{Member: &m}) }},
		)
	}
	subject := coi.Subject{Kind: coi.KindProposal, ID: "d1"}
	return append(out,
		areaRead{"votes", func(x *Index) (any, uint64, error) { return wrap(x.BallotVotes(poll, 0, 10)) }, func(s core.Store) (any, error) {
			vs, next, err := ballot.Votes(s, poll, 0, 10)
			if err != nil {
				return nil, err
			}
			return &charter.VotePage{Votes: vs, NextShard: next}, nil
		}},
		areaRead{"weights", func(x *Index) (any, uint64, error) { return wrap(x.BallotWeights(poll, 0, 10)) },
			func(s core.Store) (any, error) { return ballot.CastWeights(s, deps, poll, 0, 10) }},
		areaRead{"pause supports", func(x *Index) (any, uint64, error) { return wrap(x.PauseSupports(poll)) },
			func(s core.Store) (any, error) { return ballot.PauseSupports(s, poll) }},
		areaRead{"conflicts on d1", func(x *Index) (any, uint64, error) { return wrap(x.Conflicts(coi.ListRequest{Subject: &subject})) },
			func(s core.Store) (any, error) { return coi.List(s, coi.ListRequest{Subject: &subject}) }},
		areaRead{"appellants", func(x *Index) (any, uint64, error) { return wrap(x.Appellants("d1")) },
			func(s core.Store) (any, error) { return decision.Appellants(s, "d1") }},
		areaRead{"incidents", func(x *Index) (any, uint64, error) { return wrap(x.Incidents(charter.IncidentQuery{})) },
			func(s core.Store) (any, error) { return incident.List(s, incident.ListRequest{}) }},
		areaRead{"incident", func(x *Index) (any, uint64, error) { return wrap(x.Incident("i1")) },
			func(s core.Store) (any, error) { return incident.Get(s, "i1") }},
		areaRead{"genesis", func(x *Index) (any, uint64, error) { return wrap(x.Genesis()) },
			func(s core.Store) (any, error) { return genesis.Get(s) }},
		areaRead{"upgrade", func(x *Index) (any, uint64, error) { return wrap(x.UpgradeStatus(2)) },
			func(s core.Store) (any, error) { return upgrade.StatusOf(s, 2) }},
		areaRead{"upgrade check", func(x *Index) (any, uint64, error) { return wrap(x.CheckUpgrade(fmt.Sprintf("%064d", 7), 2)) },
			func(s core.Store) (any, error) { return upgrade.Check(s, fmt.Sprintf("%064d", 7), 2) }},
	)
}

// requireAsThePeer runs every read on the index and the same domain read
// on the peer's state: the same answer (or the same coded error), at
// height h.
func requireAsThePeer(t *testing.T, x *Index, peerAt core.Store, h uint64, reads []areaRead) {
	t.Helper()
	for _, tt := range reads {
		got, gotH, gotErr := tt.index(x)
		want, wantErr := tt.peer(peerAt)
		require.Equal(t, h, gotH, "%s at height %d: the height read", tt.name, h)
		if wantErr != nil {
			require.Error(t, gotErr, "%s at height %d", tt.name, h)
			require.Equal(t, errcode.CodeOf(wantErr), errcode.CodeOf(gotErr), "%s at height %d: %v / %v", tt.name, h, wantErr, gotErr)
			continue
		}
		require.NoError(t, gotErr, "%s at height %d", tt.name, h)
		require.Equal(t, want, got, "%s at height %d", tt.name, h)
	}
}

// TestVotingAnswersAsThePeerDoes applies the voting world's blocks one by
// one and, after each, every voting read answers from the index as the
// chaincode's query does over the peer's state at that block, at the
// height of the blocks applied; the end state is spelled out.
func TestVotingAnswersAsThePeerDoes(t *testing.T) {
	w := newWorld()
	poll := votingBlocks(t, w)
	now := t0.Add(500 * time.Second)
	x := requireEachBlockAsThePeer(t, w, votingReads(poll, now))

	// What the blocks said, and nothing more.
	st, _, err := x.Standing(now, poll, vCid)
	require.NoError(t, err)
	require.True(t, st.CanVote, "cid is vouched for and may change his vote: %+v", st)
	votes, _, err := x.BallotVotes(poll, 0, 10)
	require.NoError(t, err)
	choices := map[string]string{}
	for _, v := range votes.Votes {
		choices[v.Voter.ID] = v.Choice
	}
	require.Equal(t, map[string]string{vBob.ID: "6", vCid.ID: "3"}, choices, "cid's changed vote replaced his first")
	stmt, _, err := x.DelegateStatement(vBob)
	require.NoError(t, err)
	require.Equal(t, "I read every proposal twice.", stmt.Text)
	_, _, err = x.DelegateStatement(vCid)
	require.True(t, errcode.IsCode(err, errcode.NotFound), "the failed transaction's statement is not indexed: %v", err)
	ds, _, err := x.Delegations(now, vAnn)
	require.NoError(t, err)
	require.Empty(t, ds, "ann revoked her delegation")
	ds, _, err = x.Delegations(t0.Add(50*time.Second), vAnn)
	require.NoError(t, err)
	require.Len(t, ds, 1, "read at a time before the revocation, ann's delegation to bob stood")
	sup, _, err := x.PauseSupports(poll)
	require.NoError(t, err)
	require.Len(t, sup, 1)
	require.Equal(t, "vote buying reported", sup[0].Reason)
	vs, _, err := x.Vouches(vCid)
	require.NoError(t, err)
	require.Len(t, vs, 1)
	_, _, err = x.IncomingDelegations(vBob, "no such topic", now)
	require.True(t, errcode.IsCode(err, errcode.InvalidArgument), "%v", err)
}

// TestVotingResumesFromCheckpoint is the index's property over the voting
// world's real records: applying its chain in one run, rebuilding block by
// block from 0, and applying it in random batches with the index closed
// and reopened between them (some blocks delivered twice) end in the same
// index, whose every voting read answers as the peer's state does.
func TestVotingResumesFromCheckpoint(t *testing.T) {
	w := newWorld()
	poll := votingBlocks(t, w)
	now := t0.Add(500 * time.Second)
	for seed := range uint64(4) {
		applyThreeWays(t, w.chain.Blocks, rand.New(rand.NewPCG(seed, 7)), func(x *Index) {
			requireAsThePeer(t, x, w.peer, uint64(len(w.chain.Blocks)), votingReads(poll, now))
		})
	}
}
