package index

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/hyperledger/fabric-protos-go-apiv2/ledger/rwset/kvrwset"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/ballot"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/decision"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/membership"
	charter "github.com/charter-gov/charter/gateway-client"
	"github.com/charter-gov/charter/gateway-client/audit/audittest"
)

var t0 = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)

// world is the "peer": the same writes applied to a MemStore, over which
// the chaincode's queries would run.
type world struct {
	chain *audittest.Chain
	peer  *core.MemStore
	user  *audittest.Signer
}

func newWorld() *world {
	c := audittest.NewChain("charter", "FoundationMSP", "LabAMSP")
	return &world{chain: c, peer: core.NewMemStore(), user: c.Orgs[0].NewSigner("user1", "client")}
}

func put(t *testing.T, key string, v any) *kvrwset.KVWrite {
	t.Helper()
	raw, err := json.Marshal(v)
	require.NoError(t, err)
	return &kvrwset.KVWrite{Key: key, Value: raw}
}

func del(key string) *kvrwset.KVWrite { return &kvrwset.KVWrite{Key: key, IsDelete: true} }

// block adds a block of transactions (each a set of writes with its
// validation code) and mirrors the valid writes into the peer's state.
func (w *world) block(txs ...audittest.Tx) []string {
	for i := range txs {
		if txs[i].Creator == nil {
			txs[i].Creator = w.user
		}
		if txs[i].Code != peer.TxValidationCode_VALID || (txs[i].Chaincode != "" && txs[i].Chaincode != "charter") {
			continue
		}
		for _, wr := range txs[i].Writes {
			if wr.IsDelete {
				_ = w.peer.Delete(wr.Key)
			} else {
				_ = w.peer.Put(wr.Key, wr.Value)
			}
		}
	}
	return w.chain.AddBlock(txs...)
}

func ballotKey(t *testing.T, id string) string {
	k, err := ballot.Key(id)
	require.NoError(t, err)
	return k
}

func decisionKey(t *testing.T, id string) string {
	k, err := decision.Key(id)
	require.NoError(t, err)
	return k
}

func memberKey(t *testing.T, id identity.Identity) string {
	k, err := membership.Key(id)
	require.NoError(t, err)
	return k
}

func newBallot(id string, status ballot.Status) ballot.Ballot {
	return ballot.Ballot{ID: id, Kind: "poll", Title: "question " + id, Status: status, OpensAt: t0, EndsAt: t0.Add(time.Hour)}
}

func applyAll(t *testing.T, x *Index, w *world) {
	t.Helper()
	h, err := x.Height()
	require.NoError(t, err)
	for _, b := range w.chain.Blocks[h:] {
		applied, err := x.Apply(b)
		require.NoError(t, err)
		require.Equal(t, 1, applied)
	}
}

func TestIndexAnswersAsThePeerDoes(t *testing.T) {
	w := newWorld()
	alice := identity.Identity{MSPID: "FoundationMSP", ID: "x509::CN=alice::CN=ca"}
	bob := identity.Identity{MSPID: "LabAMSP", ID: "x509::CN=bob::CN=ca"}
	var ballots []*kvrwset.KVWrite
	for i := range 25 {
		st := ballot.StatusPending
		if i%3 == 0 {
			st = ballot.StatusClosed
		}
		ballots = append(ballots, put(t, ballotKey(t, fmt.Sprintf("b%02d", i)), newBallot(fmt.Sprintf("b%02d", i), st)))
	}
	w.block(audittest.Tx{Writes: ballots})
	w.block(
		audittest.Tx{Writes: []*kvrwset.KVWrite{
			put(t, memberKey(t, alice), membership.Member{Identity: alice, Name: "Alice", Status: membership.StatusActive}),
			put(t, memberKey(t, bob), membership.Member{Identity: bob, Name: "Bob", Status: membership.StatusRemoved}),
			put(t, decisionKey(t, "d1"), decision.Decision{ID: "d1", Title: "budget", Status: decision.StatusVoting}),
			put(t, decisionKey(t, "d2"), decision.Decision{ID: "d2", Title: "roadmap", Status: decision.StatusPassed}),
		}},
		// A transaction that failed validation changes nothing.
		audittest.Tx{Code: peer.TxValidationCode_MVCC_READ_CONFLICT, Writes: []*kvrwset.KVWrite{put(t, decisionKey(t, "d9"), decision.Decision{ID: "d9"})}},
		// Another chaincode's writes are not Charter's state.
		audittest.Tx{Chaincode: "bench", Writes: []*kvrwset.KVWrite{put(t, decisionKey(t, "d8"), decision.Decision{ID: "d8"})}},
	)
	// A later block deletes one ballot and rewrites another.
	ids := w.block(audittest.Tx{Writes: []*kvrwset.KVWrite{del(ballotKey(t, "b01")), put(t, ballotKey(t, "b02"), newBallot("b02", ballot.StatusExecuted))}})

	x, err := Open(t.TempDir(), "charter")
	require.NoError(t, err)
	t.Cleanup(func() { _ = x.Close() })
	applyAll(t, x, w)

	now := t0.Add(30 * time.Minute)
	for _, st := range []ballot.Status{"", ballot.StatusActive, ballot.StatusClosed} {
		for _, size := range []int{0, 1, 7} {
			bm := ""
			for pages := 0; ; pages++ {
				require.Less(t, pages, 30)
				want, err := ballot.List(w.peer, now, st, size, bm)
				require.NoError(t, err)
				got, h, err := x.BallotsPage(now, st, size, bm)
				require.NoError(t, err)
				require.Equal(t, uint64(4), h)
				require.Equal(t, want, got, "status %q size %d bookmark %q", st, size, bm)
				if got.Bookmark == "" {
					break
				}
				bm = got.Bookmark
			}
		}
	}
	all, _, err := x.BallotsPage(now, "", 1000, "")
	require.NoError(t, err)
	require.Len(t, all.Ballots, 24, "b01 was deleted")

	v, _, err := x.Ballot(now, "b02")
	require.NoError(t, err)
	require.Equal(t, ballot.StatusExecuted, v.StatusNow)
	v, _, err = x.Ballot(now, "b04")
	require.NoError(t, err)
	require.Equal(t, ballot.StatusActive, v.StatusNow, "status now, computed at the read's time")
	_, _, err = x.Ballot(now, "b01")
	require.True(t, errcode.IsCode(err, errcode.NotFound), "%v", err)

	res, _, err := x.BallotResults(now, "b04")
	require.NoError(t, err)
	wantTally, err := ballot.TallyProgress(w.peer, "b04")
	require.NoError(t, err)
	require.Equal(t, &charter.BallotResults{Ballot: ballot.View{Ballot: newBallot("b04", ballot.StatusPending), StatusNow: ballot.StatusActive}, Tally: wantTally}, res)

	for _, st := range []decision.Status{"", decision.StatusVoting} {
		want, err := decision.List(w.peer, st, 0, "")
		require.NoError(t, err)
		got, _, err := x.DecisionsPage(st, 0, "")
		require.NoError(t, err)
		require.Equal(t, want, got)
	}
	_, _, err = x.Decision("d9")
	require.True(t, errcode.IsCode(err, errcode.NotFound), "an invalid transaction's write is not applied: %v", err)
	_, _, err = x.Decision("d8")
	require.True(t, errcode.IsCode(err, errcode.NotFound), "another chaincode's write is not applied: %v", err)

	for _, q := range []charter.MemberQuery{{}, {IncludeRemoved: true}, {MSPID: "LabAMSP", IncludeRemoved: true}} {
		want, err := membership.ListPaged(w.peer, membership.ListRequest{MSPID: q.MSPID, IncludeRemoved: q.IncludeRemoved})
		require.NoError(t, err)
		got, _, err := x.MembersPage(q)
		require.NoError(t, err)
		require.Equal(t, want, got)
	}
	m, _, err := x.Member(bob)
	require.NoError(t, err)
	require.Equal(t, "Bob", m.Name)

	o, ok, err := x.Outcome(ids[0])
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, Outcome{Block: 3, Code: peer.TxValidationCode_VALID}, o)
	_, ok, err = x.Outcome("no-such-tx")
	require.NoError(t, err)
	require.False(t, ok)

	// Bad input to a read gets the domain's coded error.
	_, _, err = x.BallotsPage(now, "nonsense", 0, "")
	require.True(t, errcode.IsCode(err, errcode.InvalidArgument), "%v", err)
	_, _, err = x.BallotsPage(now, "", 0, "\x00member\x00x\x00")
	require.True(t, errcode.IsCode(err, errcode.InvalidArgument), "%v", err)
}

func TestCheckpointResumesAfterReopen(t *testing.T) {
	w := newWorld()
	dir := t.TempDir()
	x, err := Open(dir, "charter")
	require.NoError(t, err)
	first := w.block(audittest.Tx{Writes: []*kvrwset.KVWrite{put(t, decisionKey(t, "d1"), decision.Decision{ID: "d1", Status: decision.StatusVoting})}})
	applyAll(t, x, w)
	h, err := x.Height()
	require.NoError(t, err)
	require.Equal(t, uint64(2), h)
	require.NoError(t, x.Close())

	// Written while the server is down.
	later := w.block(audittest.Tx{Writes: []*kvrwset.KVWrite{put(t, decisionKey(t, "d2"), decision.Decision{ID: "d2", Status: decision.StatusVoting})}})

	x, err = Open(dir, "charter")
	require.NoError(t, err)
	t.Cleanup(func() { _ = x.Close() })
	h, err = x.Height()
	require.NoError(t, err)
	require.Equal(t, uint64(2), h, "resumes at the checkpoint")

	// A block applied already is skipped, not applied twice.
	applied, err := x.Apply(w.chain.Blocks[1])
	require.NoError(t, err)
	require.Zero(t, applied)
	// A gap is refused and changes nothing.
	w.block(audittest.Tx{Writes: []*kvrwset.KVWrite{del(decisionKey(t, "d1"))}})
	_, err = x.Apply(w.chain.Blocks[3])
	require.ErrorIs(t, err, ErrGap)
	// A batch is all or nothing: block 2 is fine, block 4 is not there.
	w.block(audittest.Tx{})
	applied, err = x.Apply(w.chain.Blocks[2], w.chain.Blocks[4])
	require.ErrorIs(t, err, ErrGap)
	require.Zero(t, applied)
	h, _ = x.Height()
	require.Equal(t, uint64(2), h)

	applied, err = x.Apply(w.chain.Blocks[1:]...)
	require.NoError(t, err)
	require.Equal(t, 3, applied, "blocks 2, 3 and 4 in one commit; block 1 skipped")
	for _, id := range append(first, later...) {
		_, ok, err := x.Outcome(id)
		require.NoError(t, err)
		require.True(t, ok, id)
	}
	got, h, err := x.DecisionsPage("", 0, "")
	require.NoError(t, err)
	require.Equal(t, uint64(5), h)
	want, err := decision.List(w.peer, "", 0, "")
	require.NoError(t, err)
	require.Equal(t, want, got)
	require.Len(t, got.Decisions, 1)
}

func TestRefusesAnotherChainOrNamespace(t *testing.T) {
	dir := t.TempDir()
	a, b := newWorld(), newWorld()
	a.block(audittest.Tx{})
	b.block(audittest.Tx{})
	x, err := Open(dir, "charter")
	require.NoError(t, err)
	_, err = x.Apply(a.chain.Blocks[0])
	require.NoError(t, err)
	// Block 1 of another chain does not chain onto block 0 of this one.
	_, err = x.Apply(b.chain.Blocks[1])
	require.Error(t, err)
	require.False(t, errors.Is(err, ErrGap))
	require.Contains(t, err.Error(), "does not chain")
	h, _ := x.Height()
	require.Equal(t, uint64(1), h, "the refused block changed nothing")
	require.NoError(t, x.Close())

	_, err = Open(dir, "other")
	require.ErrorContains(t, err, `indexes chaincode "charter"`)
}

func TestRecordsAreDurable(t *testing.T) {
	dir := t.TempDir()
	x, err := Open(dir, "charter")
	require.NoError(t, err)
	require.NoError(t, x.Update(func(r RecordTx) error {
		if err := r.Put("jobs", "j1", []byte(`{"txId":"t1"}`)); err != nil {
			return err
		}
		return r.Put("idem", "k1", []byte(`{"jobId":"j1"}`))
	}))
	// A failing update writes nothing.
	require.Error(t, x.Update(func(r RecordTx) error {
		if err := r.Put("jobs", "j2", []byte(`{}`)); err != nil {
			return err
		}
		return errors.New("refused")
	}))
	require.NoError(t, x.Close())
	x, err = Open(dir, "charter")
	require.NoError(t, err)
	defer x.Close()
	v, err := x.Record("jobs", "j1")
	require.NoError(t, err)
	require.JSONEq(t, `{"txId":"t1"}`, string(v))
	v, err = x.Record("jobs", "j2")
	require.NoError(t, err)
	require.Nil(t, v)
	v, err = x.Record("nobucket", "x")
	require.NoError(t, err)
	require.Nil(t, v)
}
