package test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/decision"
	"github.com/charter-gov/charter/chaincode/treasury"
	charter "github.com/charter-gov/charter/gateway-client"
	"github.com/charter-gov/charter/gateway-client/audit"
)

// exportFrom exports the chain through the peer of profile's organisation.
func exportFrom(t *testing.T, profile, dir string) *audit.Manifest {
	t.Helper()
	cfg, err := net.profiles.Config(profile)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	c, err := charter.Connect(ctx, cfg)
	require.NoError(t, err)
	defer c.Close()
	prof, err := net.profiles.Profile(profile)
	require.NoError(t, err)
	m, err := audit.Export(ctx, audit.NewClientSource(c, net.profiles, prof.Peer), audit.Options{
		Dir: dir, Channel: cfg.Channel, Chaincode: cfg.Chaincode, Source: cfg.PeerEndpoint, SourceMSP: cfg.MSPID,
	})
	require.NoError(t, err, "export through %s", profile)
	return m
}

// TestAuditExportVerifyReplay: after a decision is proposed, voted on,
// closed, tallied, concluded and executed, exports taken through two organisations'
// peers verify, agree with each other, and replaying them reproduces the
// tallies and the verdict the ledger holds.
func TestAuditExportVerifyReplay(t *testing.T) {
	ctx := ctxFor(t)
	reader := net.client(t, "foundation-user1")
	cur, err := reader.Constitution(ctx)
	require.NoError(t, err)
	rule, err := cur.Document.Rule(constitution.TokenIssuance)
	require.NoError(t, err)
	if rule.VotingDelaySec+rule.VotingPeriodSec > 120 || rule.QuorumBps > 100 {
		t.Skipf("the constitution in force (version %d) has token-issuance periods of days; this test needs the short-period test constitution TestMain adopts on a fresh network", cur.Version)
	}
	run := time.Now().UnixNano()
	community := newMember(t, "labB", fmt.Sprintf("audit-comm-%d", run))
	seat1, seat2 := foundingMember(t, "foundation", "dec-seat1"), foundingMember(t, "labA", "dec-seat2")
	// A token issuance: both houses vote (seats in House A, the community
	// in House B); its execution credits the treasury.
	d, err := community.client.ProposeTokenIssuance(ctx, fmt.Sprintf("Audit allocation %d", run), "", treasury.IssuanceRequest{Amount: 1000, Memo: "audit"})
	require.NoError(t, err)
	b0, err := reader.Ballot(ctx, d.Ballots[0].Ballot)
	require.NoError(t, err)
	waitUntil(t, b0.OpensAt)
	votes := 0
	for _, b := range d.Ballots {
		voters := []member{community}
		if b.House == constitution.HouseA {
			voters = []member{seat1, seat2}
		}
		for _, m := range voters {
			_, err := m.client.VoteOnDecision(ctx, decision.VoteRequest{Decision: d.ID, House: b.House, Choice: "for"})
			require.NoError(t, err, "vote in %s", b.House)
			votes++
		}
	}
	t.Logf("%d votes on %d ballots", votes, len(d.Ballots))
	var ends time.Time
	for _, b := range d.Ballots {
		bl, err := reader.Ballot(ctx, b.Ballot)
		require.NoError(t, err)
		if e := bl.CloseableFrom(testSkew); e.After(ends) {
			ends = e
		}
	}
	waitUntil(t, ends)
	for _, b := range d.Ballots {
		_, err := reader.CloseBallot(ctx, b.Ballot)
		require.NoError(t, err, "close %s", b.Ballot)
		p, err := reader.Tally(ctx, b.Ballot, 0)
		require.NoError(t, err, "tally %s", b.Ballot)
		require.True(t, p.Done)
	}
	settledHeight(t) // the tallies are on every peer before the conclusion is endorsed
	concluded, err := reader.ConcludeDecision(ctx, d.ID)
	require.NoError(t, err)
	require.Equal(t, decision.StatusPassed, concluded.Status, "%+v", concluded.Outcome)
	waitUntil(t, concluded.ExecutableAt.Add(testSkew))
	_, err = reader.ExecuteDecision(ctx, d.ID)
	require.NoError(t, err)
	settledHeight(t)

	// Two exports, through the foundation's and lab A's peers.
	a, b := t.TempDir(), t.TempDir()
	ma := exportFrom(t, "foundation-user1", a)
	mb := exportFrom(t, "labA-user1", b)
	require.Len(t, ma.Peers, 3)
	for _, p := range ma.Peers {
		assert.Empty(t, p.Error, "peer %s answered", p.MSPID)
	}

	for _, dir := range []string{a, b} {
		rep, err := audit.Verify(dir, audit.VerifyOptions{})
		require.NoError(t, err, "verify %s", dir)
		assert.Equal(t, []string{"FoundationMSP", "LabAMSP", "LabBMSP"}, rep.PeersMatched)
		assert.Positive(t, rep.CreatorSigs)
		assert.Positive(t, rep.EndorseSigs)
		// MAJORITY: every valid Charter transaction carries the endorsements
		// of at least two organisations (the lifecycle's approvals, endorsed
		// by the approving organisation alone, are not Charter's).
		checked := 0
		eachTxRecord(t, dir, func(r audit.TxRecord) {
			if r.Valid && r.Chaincode == "charter" {
				assert.GreaterOrEqual(t, len(r.EndorsingOrgs), 2, "transaction %s (%s) endorsed by %v", r.TxID, r.Function, r.EndorsingOrgs)
				checked++
			}
		})
		assert.Positive(t, checked, "the export holds Charter transactions")
		assert.Equal(t, rep.Blocks-1, rep.OrdererSigs, "one orderer signature on every block after the genesis block")
		t.Logf("verified %s: %d blocks, %d transactions, %d signatures in %s", dir, rep.Blocks, rep.Transactions, rep.CreatorSigs+rep.EndorseSigs+rep.OrdererSigs, rep.Elapsed)
	}
	// CHARTER_AUDIT_FIXTURE=DIR keeps a copy of the first export (the
	// unit tests' real-network fixture, gateway-client/audit/testdata).
	if fx := os.Getenv("CHARTER_AUDIT_FIXTURE"); fx != "" {
		require.NoError(t, os.CopyFS(fx, os.DirFS(a)))
	}
	cross, err := audit.CrossCheck(a, b)
	require.NoError(t, err)
	assert.Equal(t, int(min(ma.LastBlock, mb.LastBlock))+1, cross.Blocks)

	// Replay: the tallies and the verdict equal the ledger's.
	rep, err := audit.Replay(a)
	require.NoError(t, err)
	assert.Zero(t, rep.Mismatches)
	assert.GreaterOrEqual(t, rep.ByFunction["ballot:Tally"], len(d.Ballots))
	assert.GreaterOrEqual(t, rep.ByFunction["ballot:Close"], len(d.Ballots))
	assert.GreaterOrEqual(t, rep.ByFunction["decision:Execute"], 1)
	var verdict *audit.Outcome
	tallied := 0
	for i, o := range rep.Outcomes {
		if o.Kind == "decision" && o.ID == d.ID && o.Function == "decision:Conclude" {
			verdict = &rep.Outcomes[i]
		}
		for _, bl := range d.Ballots {
			if o.Kind == "ballot" && o.ID == bl.Ballot {
				tallied++
				assert.True(t, o.Match, "ballot %s", o.ID)
			}
		}
	}
	assert.Equal(t, len(d.Ballots), tallied)
	require.NotNil(t, verdict, "the conclusion of %s was replayed", d.ID)
	require.True(t, verdict.Match)
	var got struct {
		Status  decision.Status   `json:"status"`
		Outcome *decision.Outcome `json:"outcome"`
	}
	require.NoError(t, json.Unmarshal(verdict.Replayed, &got))
	assert.Equal(t, concluded.Status, got.Status)
	live, _ := json.Marshal(concluded.Outcome)
	replayed, _ := json.Marshal(got.Outcome)
	assert.JSONEq(t, string(live), string(replayed), "the replayed verdict is the one the ledger serves")
}

// TestAuditExportKilledAndResumed: the charter CLI is killed (SIGKILL) in
// the middle of an export; run again on the same directory it resumes from
// its checkpoint, and the result verifies and holds every transaction
// exactly once, like an export taken in one go.
func TestAuditExportKilledAndResumed(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "charter")
	build := exec.Command("go", "build", "-o", bin, "./cmd/charter")
	build.Dir = net.root
	out, err := build.CombinedOutput()
	require.NoError(t, err, "build charter: %s", out)
	dir := filepath.Join(t.TempDir(), "export")
	profilesPath := filepath.Join(net.stateDir, "profiles.json")
	cli := func() *exec.Cmd {
		c := exec.Command(bin, "--profiles", profilesPath, "--as", "labB-user1", "audit", "export", "--out", dir, "--checkpoint-every", "1", "--throttle", "20ms", "--quiet")
		c.Stderr = os.Stderr
		return c
	}
	first := cli()
	require.NoError(t, first.Start())
	// Kill it once a few blocks are checkpointed.
	cpPath := filepath.Join(dir, audit.FileCheckpoint)
	require.Eventually(t, func() bool {
		raw, err := os.ReadFile(cpPath)
		if err != nil {
			return false
		}
		var cp audit.Checkpoint
		return json.Unmarshal(raw, &cp) == nil && cp.NextBlock >= 5
	}, 2*time.Minute, 5*time.Millisecond)
	require.NoError(t, first.Process.Signal(syscall.SIGKILL))
	_ = first.Wait()
	_, err = os.Stat(filepath.Join(dir, audit.FileManifest))
	require.True(t, os.IsNotExist(err), "killed before completing")

	second := cli()
	second.Stdout = os.Stderr
	require.NoError(t, second.Run(), "resumed export")
	rep, err := audit.Verify(dir, audit.VerifyOptions{})
	require.NoError(t, err)

	// Every transaction exactly once, in chain order.
	f, err := os.Open(filepath.Join(dir, audit.FileTransactions))
	require.NoError(t, err)
	defer f.Close()
	seen := map[string]bool{}
	var prevBlock uint64
	prevIndex := -1
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<26)
	n := 0
	for sc.Scan() {
		var r audit.TxRecord
		require.NoError(t, json.Unmarshal(sc.Bytes(), &r))
		if r.TxID != "" {
			require.False(t, seen[r.TxID], "transaction %s twice", r.TxID)
			seen[r.TxID] = true
		}
		if n > 0 {
			require.True(t, r.Block == prevBlock && r.Index == prevIndex+1 || r.Block == prevBlock+1 && r.Index == 0,
				"record after block %d tx %d is block %d tx %d: a gap", prevBlock, prevIndex, r.Block, r.Index)
		}
		prevBlock, prevIndex = r.Block, r.Index
		n++
	}
	require.NoError(t, sc.Err())
	assert.Equal(t, rep.Transactions, n)
	assert.True(t, strings.HasPrefix(rep.Format, "charter-audit/"))
}

// eachTxRecord calls fn with every transaction record of the export in dir.
func eachTxRecord(t *testing.T, dir string, fn func(audit.TxRecord)) {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, audit.FileTransactions))
	require.NoError(t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<26)
	for sc.Scan() {
		var r audit.TxRecord
		require.NoError(t, json.Unmarshal(sc.Bytes(), &r))
		fn(r)
	}
	require.NoError(t, sc.Err())
}
