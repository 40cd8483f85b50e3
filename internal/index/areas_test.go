package index

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/ledger/rwset/kvrwset"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"

	"github.com/charter-gov/charter/chaincode/artifact"
	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/contribution"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/emergency"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/funding"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/reputation"
	"github.com/charter-gov/charter/chaincode/round"
	"github.com/charter-gov/charter/chaincode/token"
	"github.com/charter-gov/charter/chaincode/treasury"
	"github.com/charter-gov/charter/gateway-client/audit/audittest"
)

// areaBlocks writes, block by block, the records of the newly indexed
// areas as their transactions store them: the constitution (amended to
// version 2), a funding round with projects, acceptances and
// contributions (a contributor's second contribution rewrites its key),
// token accounts and checkpoints, treasury movements, deposits and a
// spend, an artifact and its state, and a failed transaction whose writes
// must not count.
func areaBlocks(t *testing.T, w *world) {
	ann := identity.Identity{MSPID: "FoundationMSP", ID: "x509::CN=ann::CN=ca"}
	bob := identity.Identity{MSPID: "LabAMSP", ID: "x509::CN=bob::CN=ca"}
	doc := constitution.Default()
	v1 := constitution.Version{Version: 1, Hash: "h1", AdoptedAt: t0, Decision: "genesis", Document: doc}
	w.block(audittest.Tx{Writes: []*kvrwset.KVWrite{
		put(t, core.MustKey("constitution", "v", fmt.Sprintf("%020d", 1)), v1),
		put(t, core.MustKey("constitution", "current"), v1),
	}})
	r1 := round.Round{ID: "r1", Title: "docs", Categories: []round.Category{"documentation_bounties"}, Rule: funding.Rule{Kind: funding.KindQuadratic}, Pool: 1000, Account: "grants", OpensAt: t0, ClosesAt: t0.Add(time.Hour)}
	var writes []*kvrwset.KVWrite
	writes = append(writes, put(t, core.MustKey("round", "r1"), r1))
	for _, p := range []string{"p1", "p2", "p3"} {
		writes = append(writes,
			put(t, core.MustKey("round-proj", "r1", p), round.Project{Round: "r1", ID: p, Title: "project " + p, Applicant: ann, Status: "accepted", AppliedAt: t0}),
			put(t, core.MustKey("round-acc", "r1", p), round.AcceptedRef{Project: p}))
	}
	contrib := func(p string, who identity.Identity, amount, count int64) *kvrwset.KVWrite {
		return put(t, core.MustKey("round-contrib", "r1", p, round.Shard(who), who.MSPID, who.ID), round.Contribution{Round: "r1", Project: p, Contributor: who, Amount: amount, Count: count, LastAt: t0})
	}
	writes = append(writes, contrib("p1", ann, 9, 1), contrib("p1", bob, 4, 1), contrib("p2", bob, 16, 1))
	w.block(audittest.Tx{Writes: writes})
	// A later block: bob contributes again to p1 (its key rewritten), the
	// round gets a fourth project and a failed transaction's contribution
	// to p3 changes nothing.
	w.block(
		audittest.Tx{Writes: []*kvrwset.KVWrite{contrib("p1", bob, 13, 2)}},
		audittest.Tx{Code: peer.TxValidationCode_MVCC_READ_CONFLICT, Writes: []*kvrwset.KVWrite{contrib("p3", ann, 100, 1)}},
	)
	apr := t0.Add(48 * time.Hour)
	w.block(audittest.Tx{Writes: []*kvrwset.KVWrite{
		put(t, core.MustKey("token", "supply"), token.Checkpoint{Balance: 500, At: t0, Delta: 500, Kind: "mint"}),
		put(t, core.MustKey("token", "acct", ann.MSPID, ann.ID), token.Account{Account: ann, Balance: 300, UpdatedAt: apr}),
		put(t, core.MustKey("token", "cp", ann.MSPID, ann.ID, token.Inv(t0)), token.Checkpoint{Balance: 400, At: t0, Delta: 400, Kind: "mint"}),
		put(t, core.MustKey("token", "cp", ann.MSPID, ann.ID, token.Inv(apr)), token.Checkpoint{Balance: 300, At: apr, Delta: -100, Kind: "out"}),
		put(t, core.MustKey("token", "acct", bob.MSPID, bob.ID), token.Account{Account: bob, Balance: 100, UpdatedAt: apr}),
		put(t, core.MustKey("treasury", "acct", "grants"), treasury.Account{ID: "grants", Unit: "gpu_hours", Balance: 5000, Seq: 1, UpdatedAt: t0}),
		put(t, core.MustKey("treasury", "move", "grants", fmt.Sprintf("%020d", 1)), treasury.Movement{Account: "grants", Seq: 1, Kind: "deposit", Delta: 5000, Balance: 5000}),
		put(t, core.MustKey("treasury", "deposit", "dep1"), treasury.DepositRecord{}),
		put(t, core.MustKey("treasury", "spend", "s1"), treasury.Spend{ID: "s1", Source: "round:r1"}),
		put(t, core.MustKey("treasury", "src", "round:r1", "s1"), "s1"),
		put(t, core.MustKey("artifact", "llm", "1"), artifact.Artifact{Kind: "model", Name: "llm", Version: "1", SHA256: string(bytes.Repeat([]byte("a"), 64)), Size: 10}),
	}})
	// An amendment installs version 2.
	v2 := constitution.Version{Version: 2, Hash: "h2", AdoptedAt: t0.Add(time.Hour), Decision: "d7", Document: doc}
	v2.Document.Time.MaxClockSkewSec++
	w.block(audittest.Tx{Writes: []*kvrwset.KVWrite{
		put(t, core.MustKey("constitution", "v", fmt.Sprintf("%020d", 2)), v2),
		put(t, core.MustKey("constitution", "current"), v2),
	}})
}

// areaReads are the index's reads of the new areas beside the domain
// reads the chaincode's queries run: each must answer as the peer does.
func areaReads(now time.Time) []areaRead {
	ann := identity.Identity{MSPID: "FoundationMSP", ID: "x509::CN=ann::CN=ca"}
	llm := artifact.Ref{Name: "llm", Version: "1"}
	wrap := func(v any, h uint64, err error) (any, uint64, error) { return v, h, err }
	return []areaRead{
		{"round", func(x *Index) (any, uint64, error) { return wrap(x.Round("r1")) }, func(s core.Store) (any, error) { return round.Get(s, "r1") }},
		{"round projects", func(x *Index) (any, uint64, error) { return wrap(x.RoundProjects("r1", 2, "")) }, func(s core.Store) (any, error) { return round.Projects(s, "r1", 2, "") }},
		{"round estimate", func(x *Index) (any, uint64, error) { return wrap(x.RoundEstimate("r1")) }, func(s core.Store) (any, error) { return round.EstimateNow(s, "r1") }},
		{"round results (none yet)", func(x *Index) (any, uint64, error) { return wrap(x.RoundResults("r1")) }, func(s core.Store) (any, error) { return round.GetResults(s, "r1") }},
		{"artifacts", func(x *Index) (any, uint64, error) { return wrap(x.Artifacts(artifact.ListRequest{})) }, func(s core.Store) (any, error) { return artifact.List(s, artifact.ListRequest{}) }},
		{"artifact status", func(x *Index) (any, uint64, error) { return wrap(x.ArtifactStatus(now, llm)) }, func(s core.Store) (any, error) {
			cur, err := constitution.Current(s)
			if err != nil {
				return nil, err
			}
			return artifact.GetStatus(s, &cur.Document, llm, now)
		}},
		{"artifact lineage", func(x *Index) (any, uint64, error) {
			return wrap(x.ArtifactLineage(artifact.LineageRequest{Artifact: llm}))
		}, func(s core.Store) (any, error) { return artifact.GetLineage(s, artifact.LineageRequest{Artifact: llm}) }},
		{"guardian status", func(x *Index) (any, uint64, error) { return wrap(x.GuardianStatus(now, llm.Target())) }, func(s core.Store) (any, error) { return emergency.StatusOf(s, llm.Target(), now) }},
		{"treasury accounts", func(x *Index) (any, uint64, error) { return wrap(x.TreasuryAccounts()) }, func(s core.Store) (any, error) { return treasury.Accounts(s) }},
		{"treasury movements", func(x *Index) (any, uint64, error) { return wrap(x.TreasuryMovements("grants", 0, "")) }, func(s core.Store) (any, error) { return treasury.Movements(s, "grants", 0, "") }},
		{"spends", func(x *Index) (any, uint64, error) { return wrap(x.Spends(0, "")) }, func(s core.Store) (any, error) { return treasury.Spends(s, 0, "") }},
		{"spends of a round", func(x *Index) (any, uint64, error) { return wrap(x.SpendsBySource("round:r1")) }, func(s core.Store) (any, error) { return treasury.SpendsBySource(s, "round:r1") }},
		{"deposits", func(x *Index) (any, uint64, error) { return wrap(x.TreasuryDeposits(now, 0, "")) }, func(s core.Store) (any, error) { return treasury.DepositsAt(s, now, 0, "") }},
		{"balance", func(x *Index) (any, uint64, error) {
			b, h, err := x.Balance(ann)
			if err != nil {
				return nil, h, err
			}
			return b.Balance, h, nil
		}, func(s core.Store) (any, error) { return token.Balance(s, ann) }},
		{"balance before the transfer", func(x *Index) (any, uint64, error) {
			b, h, err := x.BalanceAt(ann, t0.Add(time.Hour))
			if err != nil {
				return nil, h, err
			}
			return b.Balance, h, nil
		}, func(s core.Store) (any, error) { return token.BalanceAt(s, ann, t0.Add(time.Hour)) }},
		{"supply", func(x *Index) (any, uint64, error) { return wrap(x.Supply()) }, func(s core.Store) (any, error) { return token.Supply(s) }},
		{"token accounts", func(x *Index) (any, uint64, error) { return wrap(x.TokenAccounts("", 1, "")) }, func(s core.Store) (any, error) { return token.AccountsPaged(s, "", 1, "") }},
		{"token history", func(x *Index) (any, uint64, error) { return wrap(x.TokenHistory(ann, 10)) }, func(s core.Store) (any, error) { return token.History(s, ann, 10) }},
		{"score", func(x *Index) (any, uint64, error) { return wrap(x.Score(now, ann, time.Time{}, nil)) }, func(s core.Store) (any, error) { return reputation.Scores(s, ann, now, nil) }},
		{"score of categories", func(x *Index) (any, uint64, error) {
			return wrap(x.Score(now, ann, t0, []contribution.Category{"merged_code"}))
		}, func(s core.Store) (any, error) {
			return reputation.Scores(s, ann, t0, []contribution.Category{"merged_code"})
		}},
		{"reputation history", func(x *Index) (any, uint64, error) { return wrap(x.ReputationHistory(ann)) }, func(s core.Store) (any, error) { return reputation.MemberHistory(s, ann) }},
		{"constitution", func(x *Index) (any, uint64, error) { return wrap(x.Constitution()) }, func(s core.Store) (any, error) { return constitution.Current(s) }},
		{"constitution v1", func(x *Index) (any, uint64, error) { return wrap(x.ConstitutionVersion(1)) }, func(s core.Store) (any, error) { return constitution.Get(s, 1) }},
		{"constitution history", func(x *Index) (any, uint64, error) { return wrap(x.ConstitutionHistory()) }, func(s core.Store) (any, error) { return constitution.History(s) }},
	}
}

// TestAreasAnswerAsThePeerDoes applies the areas' blocks one by one and,
// after each, runs every read on the index and the same domain read on
// the peer's state: the same answer (or the same coded error), at the
// height of the blocks applied.
func TestAreasAnswerAsThePeerDoes(t *testing.T) {
	w := newWorld()
	areaBlocks(t, w)
	now := t0.Add(30 * time.Minute)
	x := requireEachBlockAsThePeer(t, w, areaReads(now))
	// The end state, spelled out: what the blocks said and nothing more.
	est, _, err := x.RoundEstimate("r1")
	require.NoError(t, err)
	require.Equal(t, int64(9+13+16), est.Report.Contributed, "bob's second contribution replaced his first; the failed one to p3 counts nothing")
	c, _, err := x.Constitution()
	require.NoError(t, err)
	require.Equal(t, int64(2), c.Version, "the amendment's version is in force")
	b, _, err := x.BalanceAt(identity.Identity{MSPID: "FoundationMSP", ID: "x509::CN=ann::CN=ca"}, t0.Add(time.Hour))
	require.NoError(t, err)
	require.Equal(t, int64(400), b.Balance)
	_, _, err = x.Round("r9")
	require.True(t, errcode.IsCode(err, errcode.NotFound), "%v", err)
	_, _, err = x.ConstitutionVersion(0)
	require.True(t, errcode.IsCode(err, errcode.InvalidArgument), "%v", err)
}

// requireEachBlockAsThePeer applies w's blocks one by one to a new index
// and replays them on a fresh peer state: after each, every read answers
// from the index as over the peer's state, at the height of the blocks
// applied. It returns the index.
func requireEachBlockAsThePeer(t *testing.T, w *world, reads []areaRead) *Index {
	t.Helper()
	x, err := Open(t.TempDir(), "charter")
	require.NoError(t, err)
	t.Cleanup(func() { _ = x.Close() })
	peerAt := core.NewMemStore()
	for n := range uint64(len(w.chain.Blocks)) {
		applied, err := x.Apply(w.chain.Blocks[n])
		require.NoError(t, err)
		require.Equal(t, 1, applied)
		replayBlock(t, w, n, peerAt)
		requireAsThePeer(t, x, peerAt, n+1, reads)
	}
	require.Equal(t, w.peer.Snapshot(), peerAt.Snapshot(), "the replayed blocks are the peer's state")
	return x
}

// replayBlock applies block n's valid Charter writes to peerAt.
func replayBlock(t *testing.T, w *world, n uint64, peerAt *core.MemStore) {
	t.Helper()
	for _, tx := range blockWrites(t, w, n) {
		for _, wr := range tx {
			if wr.GetIsDelete() {
				require.NoError(t, peerAt.Delete(wr.GetKey()))
			} else {
				require.NoError(t, peerAt.Put(wr.GetKey(), wr.GetValue()))
			}
		}
	}
}

// blockWrites are the valid Charter writes of block n, per transaction,
// decoded from the block's bytes as the index decodes them.
func blockWrites(t *testing.T, w *world, n uint64) [][]*kvrwset.KVWrite {
	t.Helper()
	b := w.chain.Blocks[n]
	filter := b.GetMetadata().GetMetadata()[2]
	var out [][]*kvrwset.KVWrite
	for i, raw := range b.GetData().GetData() {
		if peer.TxValidationCode(filter[i]) != peer.TxValidationCode_VALID {
			continue
		}
		_, writes, err := decodeEnvelope(raw, "charter")
		require.NoError(t, err)
		out = append(out, writes)
	}
	return out
}

// dump is everything the index holds: the state, the transactions'
// outcomes and the checkpoint.
func dump(t *testing.T, x *Index) map[string]string {
	t.Helper()
	out := map[string]string{}
	require.NoError(t, x.db.View(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketState, bucketTxs, bucketMeta} {
			err := tx.Bucket(name).ForEach(func(k, v []byte) error {
				out[string(name)+"/"+string(k)] = string(v)
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	}))
	return out
}

// applyThreeWays applies blocks in one run, rebuilds them block by block
// from 0, and applies them in random batches with the index closed and
// reopened (a server restart resuming from its checkpoint) between them,
// each batch starting up to three blocks before the checkpoint (blocks
// delivered twice): all three must end in the same index, which it
// returns (dumped). check, when given, runs on each finished index.
func applyThreeWays(t *testing.T, blocks []*common.Block, rng *rand.Rand, check func(x *Index)) map[string]string {
	t.Helper()
	whole, err := Open(t.TempDir(), "charter")
	require.NoError(t, err)
	defer whole.Close()
	applied, err := whole.Apply(blocks...)
	require.NoError(t, err)
	require.Equal(t, len(blocks), applied)
	want := dump(t, whole)
	if check != nil {
		check(whole)
	}

	zero, err := Open(t.TempDir(), "charter")
	require.NoError(t, err)
	defer zero.Close()
	for _, b := range blocks {
		_, err := zero.Apply(b)
		require.NoError(t, err)
	}
	require.Equal(t, want, dump(t, zero), "rebuilt from block 0")

	dir := t.TempDir()
	next := 0
	for next < len(blocks) {
		x, err := Open(dir, "charter")
		require.NoError(t, err)
		h, err := x.Height()
		require.NoError(t, err)
		require.Equal(t, uint64(next), h, "resumes at the checkpoint")
		from := max(0, next-rng.IntN(4))
		to := min(len(blocks), next+1+rng.IntN(6))
		applied, err := x.Apply(blocks[from:to]...)
		require.NoError(t, err)
		require.Equal(t, to-next, applied, "blocks below the checkpoint are skipped")
		next = to
		if next == len(blocks) {
			require.Equal(t, want, dump(t, x), "resumed in random batches")
			if check != nil {
				check(x)
			}
		}
		require.NoError(t, x.Close())
	}
	return want
}

// TestApplyInOrderEqualsResumeFromCheckpoint is the index's property:
// for random chains of random writes, deletes, failed transactions and
// empty blocks, applying every block in one run, rebuilding from block 0,
// and applying in random batches with the index closed and reopened (a
// server restart resuming from its checkpoint) between them, with some
// blocks delivered twice, all end in the same index — whose state is the
// peer's.
func TestApplyInOrderEqualsResumeFromCheckpoint(t *testing.T) {
	for seed := range uint64(8) {
		t.Run(fmt.Sprintf("seed %d", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 99))
			w := newWorld()
			keys := []string{
				core.MustKey("round", "r1"), core.MustKey("round-tot", "r1", "p1"), core.MustKey("token", "supply"),
				core.MustKey("treasury", "acct", "grants"), core.MustKey("artifact", "llm", "1"), core.MustKey("constitution", "current"),
				core.MustKey("reputation", "att", "x"), core.MustKey("emergency", "pause", "artifact", "llm@1"),
				// voting, its safeguards, the genesis and upgrades
				core.MustKey("delegation", "out", "LabAMSP", "ann", "*", "x"), core.MustKey("delegation", "in", "LabAMSP", "bob", "*", "LabAMSP", "ann"),
				core.MustKey("delegate-statement", "LabAMSP", "bob"), core.MustKey("vouch", "LabAMSP", "cid", "FoundationMSP", "ann"),
				core.MustKey("coi", "proposal", "d1", "LabAMSP", "cid"), core.MustKey("coi-member", "LabAMSP", "cid", "proposal", "d1"),
				core.MustKey("emergency-support", "ballot", "b1", "FoundationMSP", "gwen"), core.MustKey("incident", "i1"),
				core.MustKey("genesis", "proposal"), core.MustKey("upgrade-auth", "2"), core.MustKey("upgrade-signoff", "2", "LabAMSP", "m"),
			}
			for range 20 + rng.IntN(30) {
				var txs []audittest.Tx
				for range rng.IntN(4) {
					var writes []*kvrwset.KVWrite
					for range 1 + rng.IntN(4) {
						k := keys[rng.IntN(len(keys))]
						if rng.IntN(4) == 0 {
							writes = append(writes, del(k))
						} else {
							writes = append(writes, put(t, k, map[string]int{"v": rng.IntN(1000)}))
						}
					}
					code := peer.TxValidationCode_VALID
					if rng.IntN(5) == 0 {
						code = peer.TxValidationCode_MVCC_READ_CONFLICT
					}
					txs = append(txs, audittest.Tx{Writes: writes, Code: code})
				}
				w.block(txs...)
			}
			want := applyThreeWays(t, w.chain.Blocks, rng, nil)

			// The state is the peer's.
			for _, k := range keys {
				v, err := w.peer.Get(k)
				require.NoError(t, err)
				got, ok := want["state/"+k]
				require.Equal(t, v != nil, ok, k)
				if v != nil {
					require.Equal(t, string(v), got, k)
				}
			}
		})
	}
}

// A pending deposit reads as lapsed from its confirmation deadline on,
// through the index as through the chaincode's query stamped at the same
// time: the API passes its read time.
func TestDepositLapsesThroughTheIndex(t *testing.T) {
	w := newWorld()
	areaBlocks(t, w)
	by := t0.Add(time.Hour)
	w.block(audittest.Tx{Writes: []*kvrwset.KVWrite{
		put(t, core.MustKey("treasury", "deposit", "dep2"), treasury.DepositRecord{ID: "dep2", Account: "grants", Amount: 7,
			Status: treasury.DepositPending, RecordedAt: t0, ConfirmBy: &by}),
	}})
	x, err := Open(t.TempDir(), "charter")
	require.NoError(t, err)
	t.Cleanup(func() { _ = x.Close() })
	_, err = x.Apply(w.chain.Blocks...)
	require.NoError(t, err)
	for _, tt := range []struct {
		at   time.Time
		want treasury.DepositStatus
	}{
		{by.Add(-time.Nanosecond), treasury.DepositPending},
		{by, treasury.DepositLapsed},
		{by.Add(30 * 24 * time.Hour), treasury.DepositLapsed},
	} {
		d, _, err := x.TreasuryDeposit("dep2", tt.at)
		require.NoError(t, err)
		assert.Equal(t, tt.want, d.Status, "dep2 read at %s", tt.at)
		page, _, err := x.TreasuryDeposits(tt.at, 0, "")
		require.NoError(t, err)
		var listed treasury.DepositStatus
		for _, p := range page.Deposits {
			if p.ID == "dep2" {
				listed = p.Status
			}
		}
		assert.Equal(t, tt.want, listed, "dep2 listed at %s", tt.at)
	}
}
