package test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	charter "github.com/charter-gov/charter/gateway-client"
)

// The restart test's load: at least this many committed transactions
// before the five whole-network restarts, and the deadline for the load
// (a guard against a stuck network, not a speed requirement).
const (
	restartLoadTarget   = 5000
	restartLoadDeadline = 10 * time.Minute
	// how long a restarted network may take until a client's transaction
	// commits (readiness deadline, generous for a loaded 2-core machine)
	restartReadyDeadline = 90 * time.Second
)

// TestRestartAfterHeavyUse restarts the whole network after heavy use:
// first the way it used to fail (700 transactions through one
// shared client with 1, 16 and 64 goroutines, then down and up — each
// orderer replays more Raft entries than fit in one batch, which deadlocked
// Fabric 2.5.0's etcdraft until network/fabric/patches fixed it), then,
// after at least 5,000 transactions, five more times: down and up, and
// once with every process killed by SIGKILL. After each restart a
// transaction commits, every peer reports the same height and state, the
// new blocks extend the old chain, and sampled transactions committed
// before are still VALID on every peer. Then the three orderers are
// restarted one by one while clients keep submitting. Restart times are
// logged (median and worst); no assertion is made on them beyond the
// readiness deadline.
func TestRestartAfterHeavyUse(t *testing.T) {
	if net.reused {
		t.Skip("stops and restarts the whole network: runs only on a network the tests started")
	}
	rec := &committedLog{}
	var times []restartTiming
	began := time.Now()
	elapsed := func() time.Duration { return time.Since(began).Round(100 * time.Millisecond) }

	// 1. The reported scenario: one shared client, Foundation's gateway.
	shared := net.client(t, "foundation-user1")
	for _, step := range []struct{ workers, count int }{{1, 30}, {16, 200}, {64, 470}} {
		n := putLoad(t, []*charter.Client{shared}, step.workers, step.count, fmt.Sprintf("restart-shared-%d", step.workers), rec)
		t.Logf("[%v] shared client, %d goroutines: %d transactions committed", elapsed(), step.workers, n)
	}
	times = append(times, restartNetwork(t, "down+up after the shared-client load", false, rec))

	// 2. At least 5,000 transactions in all, over every gateway.
	clients := loadClients(t, []string{"foundation-user2", "labA-user1", "labA-user2", "labB-user1", "labB-user2", "foundation-user3"})
	if missing := restartLoadTarget - rec.count(); missing > 0 {
		n := putLoad(t, clients, 48, missing, "restart-bulk", rec)
		t.Logf("[%v] 48 goroutines over 6 clients and 3 gateways: %d transactions committed", elapsed(), n)
	}
	require.GreaterOrEqual(t, rec.count(), restartLoadTarget, "transactions committed before the restarts")

	// 3. Five whole-network restarts; the third kills every process.
	for i := 1; i <= 5; i++ {
		kill := i == 3
		how := "down+up"
		if kill {
			how = "SIGKILL every process, up"
		}
		times = append(times, restartNetwork(t, fmt.Sprintf("restart %d/5: %s", i, how), kill, rec))
	}
	logRestartTimes(t, "whole network", times)
	t.Logf("[%v] %d transactions committed by this test so far", elapsed(), rec.count())

	// 4. Rolling restart of the orderers under load.
	rollingOrdererRestart(t, clients, rec)
	t.Logf("[%v] done", elapsed())
}

// committedLog records transactions the clients were told committed.
type committedLog struct {
	mu  sync.Mutex
	ids []string
}

func (l *committedLog) add(txID string) {
	l.mu.Lock()
	l.ids = append(l.ids, txID)
	l.mu.Unlock()
}

func (l *committedLog) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.ids)
}

// sample returns the first, the last five and n random other IDs.
func (l *committedLog) sample(n int) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.ids) == 0 {
		return nil
	}
	out := []string{l.ids[0]}
	out = append(out, l.ids[max(0, len(l.ids)-5):]...)
	for range n {
		out = append(out, l.ids[rand.IntN(len(l.ids))])
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// loadClients connects one client per profile, each on its own
// organisation's gateway (no failover: the load spreads over the three).
func loadClients(t *testing.T, profiles []string) []*charter.Client {
	t.Helper()
	var out []*charter.Client
	for _, p := range profiles {
		cfg, err := net.profiles.Config(p)
		require.NoError(t, err)
		// a transaction a stopping orderer dropped is given up after 10 s
		// (and settled by its ID) instead of the default minute
		cfg.Fallbacks, cfg.CommitTimeout = nil, 10*time.Second
		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
		c, err := charter.Connect(ctx, cfg)
		cancel()
		require.NoError(t, err)
		t.Cleanup(func() { _ = c.Close() })
		out = append(out, c)
	}
	return out
}

// putLoad commits count bench:Put transactions with the given number of
// closed-loop goroutines spread over clients, and returns how many
// committed. Failures are retried with new keys (none are expected on a
// healthy network; the first few are logged); the load stops at the
// deadline.
func putLoad(t *testing.T, clients []*charter.Client, workers, count int, prefix string, rec *committedLog) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), restartLoadDeadline)
	defer cancel()
	var done, failed, seq atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		c := clients[w%len(clients)]
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil && done.Load() < int64(count) {
				k := seq.Add(1)
				txID, err := c.BenchPut(ctx, fmt.Sprintf("%s-%d", prefix, k), "v")
				if err != nil {
					if failed.Add(1) <= 3 && ctx.Err() == nil {
						t.Logf("load transaction failed (retried with a new key): %s", wireText(err))
					}
					continue
				}
				rec.add(txID)
				done.Add(1)
			}
		}()
	}
	wg.Wait()
	require.NoError(t, ctx.Err(), "%s: %d of %d transactions committed before the load deadline", prefix, done.Load(), count)
	return int(done.Load())
}

// restartTiming is one restart, measured.
type restartTiming struct {
	what        string
	stop        time.Duration // down.sh or the kills
	up          time.Duration // up.sh until it reported ready
	firstCommit time.Duration // from the start of up.sh until a client's transaction committed
}

// restartNetwork stops the whole network (down.sh, or SIGKILL to every
// process), brings it up with up.sh and checks that it is the same
// network: a transaction commits, every peer has the same height and
// state as before plus the new blocks, the first new block extends the
// old chain, and sampled earlier transactions are VALID on every peer.
func restartNetwork(t *testing.T, what string, kill bool, rec *committedLog) restartTiming {
	t.Helper()
	tm := restartTiming{what: what}
	before := settledHeight(t)
	prevHash := currentBlockHash(t, net.client(t, "foundation-user1"))
	state := requireSameStateEverywhere(t)
	snap := ordererSnapshotBlocks(t)

	start := time.Now()
	if kill {
		for _, p := range networkProcesses {
			killProcess(t, p)
		}
	} else {
		require.NoError(t, runNetworkScript("down.sh"), "%s: down.sh", what)
	}
	tm.stop = time.Since(start)

	start = time.Now()
	require.NoError(t, runNetworkScript("up.sh"), "%s: up.sh brings the network back", what)
	tm.up = time.Since(start)
	txID := firstCommitAfterRestart(t, what)
	tm.firstCommit = time.Since(start)
	rec.add(txID)

	after := settledHeight(t)
	require.Greater(t, after, before, "%s: new blocks after the restart", what)
	for _, org := range orgProfiles {
		c := net.client(t, org+"-user1")
		b := blockByNumber(t, c, before)
		assert.Equal(t, prevHash, b.GetHeader().GetPreviousHash(), "%s: on the %s peer, block %d extends the chain that existed before", what, org, before)
		for _, id := range rec.sample(8) {
			st, err := c.TransactionStatus(ctxFor(t), id)
			require.NoError(t, err, "%s: look up %s on the %s peer", what, id, org)
			assert.True(t, st.Found && st.Valid, "%s: transaction %s committed before is VALID on the %s peer: %+v", what, id, org, st)
		}
	}
	assert.Equal(t, state, requireSameStateEverywhere(t), "%s: the state is what it was before the restart", what)
	t.Logf("%s: height %d -> %d, stop %v, up.sh %v, first client commit %v after up.sh started (orderers' last Raft snapshot at blocks %v before)",
		what, before, after, tm.stop.Round(time.Millisecond), tm.up.Round(time.Millisecond), tm.firstCommit.Round(time.Millisecond), snap)
	return tm
}

// firstCommitAfterRestart submits through a new connection until a
// transaction commits (the restarted gateway may need a moment for
// gossip) and returns its ID.
func firstCommitAfterRestart(t *testing.T, what string) string {
	t.Helper()
	cfg, err := net.profiles.Config("labA-user1")
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(t.Context(), restartReadyDeadline)
	defer cancel()
	c, err := charter.Connect(ctx, cfg)
	require.NoError(t, err)
	defer func() { _ = c.Close() }()
	var last error
	for i := 0; ctx.Err() == nil; i++ {
		txID, err := c.BenchPut(ctx, fmt.Sprintf("restart-first-%d-%d", time.Now().UnixNano(), i), "v")
		if err == nil {
			return txID
		}
		last = err
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("%s: no transaction committed within %v of the restart: %s", what, restartReadyDeadline, wireText(last))
	return ""
}

// rollingOrdererRestart stops and restarts each orderer in turn (SIGTERM,
// then up.sh, which starts only the stopped one and commits a transaction
// through every orderer) while clients keep submitting. Every transaction
// a client was told committed is VALID; outcomes the clients could not
// learn (a stopping leader may drop what it had accepted) are settled by
// transaction ID; transactions commit after every restart; and in the end
// the three orderers and the three peers agree on the chain.
func rollingOrdererRestart(t *testing.T, clients []*charter.Client, rec *committedLog) {
	t.Helper()
	type outcome struct {
		txID      string
		committed bool
		phase     int
	}
	var (
		mu       sync.Mutex
		outcomes []outcome
		phase    atomic.Int64
		// committed in each phase, for waiting on progress
		perPhase [4]atomic.Int64
		wg       sync.WaitGroup
	)
	ctx, stop := context.WithCancel(t.Context())
	defer stop()
	for i, c := range clients {
		for w := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for n := 0; ctx.Err() == nil; n++ {
					p := int(phase.Load())
					txID, err := c.BenchPut(context.WithoutCancel(ctx), fmt.Sprintf("rolling-%d-%d-%d", i, w, n), "v")
					var ce *charter.Error
					if err != nil && errors.As(err, &ce) {
						txID = ce.TxID
					}
					mu.Lock()
					outcomes = append(outcomes, outcome{txID: txID, committed: err == nil, phase: p})
					if err == nil {
						perPhase[p].Add(1)
					}
					mu.Unlock()
					if err != nil {
						time.Sleep(100 * time.Millisecond)
					}
				}
			}()
		}
	}
	var times []restartTiming
	time.Sleep(2 * time.Second)
	for i, o := range []string{"orderer1", "orderer2", "orderer3"} {
		tm := restartTiming{what: o}
		start := time.Now()
		stopProcess(t, o, syscall.SIGTERM)
		tm.stop = time.Since(start)
		start = time.Now()
		require.NoError(t, runNetworkScript("up.sh"), "up.sh starts %s again", o)
		tm.up = time.Since(start)
		tm.firstCommit = tm.up // up.sh committed a transaction through every orderer
		times = append(times, tm)
		phase.Store(int64(i + 1))
		// load after this orderer's restart: a few transactions submitted
		// since then commit (a readiness deadline, not a speed requirement)
		for deadline := time.Now().Add(restartReadyDeadline); perPhase[i+1].Load() < 10 && time.Now().Before(deadline); {
			time.Sleep(100 * time.Millisecond)
		}
	}
	stop()
	wg.Wait()
	logRestartTimes(t, "rolling orderer restart (SIGTERM, up.sh until a transaction committed through every orderer)", times)

	observer := net.client(t, "foundation-user1")
	committedIn := map[int]int{}
	pending := map[string]bool{}
	for _, o := range outcomes {
		if o.committed {
			committedIn[o.phase]++
			rec.add(o.txID)
			continue
		}
		if o.txID != "" {
			pending[o.txID] = true
		}
	}
	for _, id := range rec.sample(30) {
		st, err := observer.TransactionStatus(ctxFor(t), id)
		require.NoError(t, err)
		assert.True(t, st.Found && st.Valid, "transaction %s reported committed is VALID: %+v", id, st)
	}
	unknown := len(pending)
	for deadline := time.Now().Add(3 * time.Second); len(pending) > 0 && time.Now().Before(deadline); time.Sleep(250 * time.Millisecond) {
		for id := range pending {
			st, err := observer.TransactionStatus(ctxFor(t), id)
			require.NoError(t, err, "look up %s", id)
			if st.Found {
				delete(pending, id)
			}
		}
	}
	t.Logf("rolling restart: %d transactions submitted; committed per phase (0 = before the first restart, i = after orderer i) %v; %d outcomes unknown to their client, %d of them never ordered",
		len(outcomes), committedIn, unknown, len(pending))
	for p := 1; p <= 3; p++ {
		assert.Positive(t, committedIn[p], "transactions commit after orderer%d's restart", p)
	}
	height := settledHeight(t)
	requireSameStateEverywhere(t)
	require.Eventually(t, func() bool {
		blocks := ordererCommittedBlocks(t)
		return blocks[0] == blocks[1] && blocks[1] == blocks[2] && blocks[0]+1 >= height
	}, 30*time.Second, 200*time.Millisecond, "the three orderers reach the peers' chain (height %d): %v", height, ordererCommittedBlocks(t))
}

func logRestartTimes(t *testing.T, what string, times []restartTiming) {
	t.Helper()
	first := make([]time.Duration, 0, len(times))
	for _, tm := range times {
		first = append(first, tm.firstCommit)
	}
	slices.Sort(first)
	t.Logf("%s: %d restarts, start to first commit: median %v, worst %v (all: %v)",
		what, len(first), first[len(first)/2].Round(time.Millisecond), first[len(first)-1].Round(time.Millisecond), roundAll(first))
}

func roundAll(ds []time.Duration) []time.Duration {
	out := make([]time.Duration, len(ds))
	for i, d := range ds {
		out[i] = d.Round(10 * time.Millisecond)
	}
	return out
}

// networkProcesses are the names of network/up.sh's PID files.
var networkProcesses = []string{"orderer1", "orderer2", "orderer3", "peer-foundation", "peer-laba", "peer-labb", "cc-foundation", "cc-laba", "cc-labb"}

// runNetworkScript runs a network script with the test's environment, the
// chaincode server already built (restart times measure the network, not
// the compiler).
func runNetworkScript(name string) error {
	cmd := exec.Command("bash", filepath.Join(net.root, "network", name))
	cmd.Dir = net.root
	bin := filepath.Join(net.root, ".charter", "bin")
	cmd.Env = append(os.Environ(), "CHARTER_BENCH=1",
		"CHARTER_CHAINCODE_BIN="+filepath.Join(bin, "charter-chaincode"),
		"CHARTER_BENCH_CHAINCODE_BIN="+filepath.Join(bin, "charter-bench-chaincode"))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w\n%s", name, err, out.String())
	}
	return nil
}

// stopProcess signals a network process by its PID file and waits until
// it is gone.
func stopProcess(t *testing.T, name string, sig syscall.Signal) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(net.stateDir, "pids", name+".pid"))
	require.NoError(t, err)
	pid, err := strconv.Atoi(strings.TrimSpace(string(raw)))
	require.NoError(t, err)
	require.NoError(t, syscall.Kill(pid, sig))
	require.Eventually(t, func() bool {
		stat, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
		return err != nil || strings.Contains(string(stat), ") Z ")
	}, 15*time.Second, 50*time.Millisecond, "%s (pid %d) still running after %v", name, pid, sig)
}

// currentBlockHash reads the hash of the newest block through qscc.
func currentBlockHash(t *testing.T, c *charter.Client) []byte {
	t.Helper()
	raw, err := c.Network().GetContract("qscc").EvaluateWithContext(ctxFor(t), "GetChainInfo", clientArgs("charter")...)
	require.NoError(t, err, "qscc GetChainInfo")
	var info common.BlockchainInfo
	require.NoError(t, proto.Unmarshal(raw, &info))
	return info.GetCurrentBlockHash()
}

// blockByNumber reads one block through qscc.
func blockByNumber(t *testing.T, c *charter.Client, n uint64) *common.Block {
	t.Helper()
	raw, err := c.Network().GetContract("qscc").EvaluateWithContext(ctxFor(t), "GetBlockByNumber", clientArgs("charter", strconv.FormatUint(n, 10))...)
	require.NoError(t, err, "qscc GetBlockByNumber %d", n)
	var b common.Block
	require.NoError(t, proto.Unmarshal(raw, &b))
	return &b
}

// ordererMetric reads one gauge of the channel from an orderer's metrics.
func ordererMetric(t *testing.T, orderer, name string) (uint64, bool) {
	t.Helper()
	port := networkEnv(t)["CHARTER_"+strings.ToUpper(orderer)+"_OPS_PORT"]
	resp, err := http.Get("http://127.0.0.1:" + port + "/metrics")
	if err != nil {
		return 0, false
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, false
	}
	prefix := name + `{channel="charter"} `
	for _, line := range strings.Split(string(body), "\n") {
		if v, ok := strings.CutPrefix(line, prefix); ok {
			f, err := strconv.ParseFloat(v, 64)
			return uint64(f), err == nil
		}
	}
	return 0, false
}

func ordererCommittedBlocks(t *testing.T) []uint64 {
	t.Helper()
	var out []uint64
	for _, o := range []string{"orderer1", "orderer2", "orderer3"} {
		v, _ := ordererMetric(t, o, "consensus_etcdraft_committed_block_number")
		out = append(out, v)
	}
	return out
}

func ordererSnapshotBlocks(t *testing.T) []uint64 {
	t.Helper()
	var out []uint64
	for _, o := range []string{"orderer1", "orderer2", "orderer3"} {
		v, _ := ordererMetric(t, o, "consensus_etcdraft_snapshot_block_number")
		out = append(out, v)
	}
	return out
}
