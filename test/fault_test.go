package test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/membership"
	charter "github.com/charter-gov/charter/gateway-client"
)

// TestGatewayFailoverWhenThePeerDies kills the peer a client's gateway
// connection uses. Queries and transactions carry on through another
// organisation's gateway (two organisations still make a majority), and
// once the network is back every peer, the dead one included, has the
// same state.
func TestGatewayFailoverWhenThePeerDies(t *testing.T) {
	if net.reused {
		t.Skip("kills and restarts network processes: runs only on a network the tests started")
	}
	ctx := ctxFor(t)
	ensureMember(t, "labA", "user2")
	connect := func(profile string) *charter.Client {
		cfg, err := net.profiles.Config(profile)
		require.NoError(t, err)
		require.NotEmpty(t, cfg.Fallbacks, "profiles name the other organisations' gateways")
		c, err := charter.Connect(ctx, cfg)
		require.NoError(t, err)
		t.Cleanup(func() { _ = c.Close() })
		return c
	}
	user, admin := connect("labA-user2"), connect("labA-admin")
	own := user.GatewayAddress()

	killProcess(t, "peer-laba")
	t.Cleanup(func() {
		require.NoError(t, script_(net.root, "up.sh"), "whatever is still stopped is started again")
	})

	w, err := user.Whoami(ctx)
	require.NoError(t, err, "a query fails over")
	assert.Equal(t, "labA user2", w.Member.Name)
	assert.NotEqual(t, own, user.GatewayAddress(), "now on another organisation's gateway")

	m, err := admin.UpdateMember(ctx, membership.UpdateRequest{Member: w.Identity, Name: "labA user2"})
	require.NoError(t, err, "a transaction is endorsed by the two organisations still up and commits")
	require.True(t, m.UpdatedAt.After(w.Member.UpdatedAt), "the rename committed: %s after %s", m.UpdatedAt, w.Member.UpdatedAt)
	assert.NotEqual(t, own, admin.GatewayAddress())

	require.NoError(t, script_(net.root, "up.sh"), "restart the killed peer (only it: the rest keep running)")
	requireSameStateEverywhere(t)
	got, err := net.client(t, "labA-user1").Member(ctx, w.Identity)
	require.NoError(t, err, "the restarted peer caught up")
	assert.Equal(t, m.UpdatedAt, got.UpdatedAt)
}

// killProcess kills a network process with SIGKILL by its PID file and
// waits until it is gone.
func killProcess(t *testing.T, name string) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(net.stateDir, "pids", name+".pid"))
	require.NoError(t, err)
	pid, err := strconv.Atoi(strings.TrimSpace(string(raw)))
	require.NoError(t, err)
	require.NoError(t, syscall.Kill(pid, syscall.SIGKILL))
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	for {
		stat, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
		if err != nil || strings.Contains(string(stat), ") Z ") {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s (pid %d) still running after SIGKILL", name, pid)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// TestRaftLeaderDiesUnderLoad kills the Raft leader while clients submit
// transactions. Ordering carries on under a new leader; every transaction
// a client was told committed is VALID on the ledger; and every one whose
// outcome a client could not learn (the dying leader may have taken it)
// is settled by looking its ID up — committed, or not on the ledger —
// which is what a client must do before submitting again.
// leaderFaultCommitTimeout is how long a client of TestRaftLeaderDiesUnderLoad
// waits for a transaction's commit status.
const leaderFaultCommitTimeout = 8 * time.Second

func TestRaftLeaderDiesUnderLoad(t *testing.T) {
	if net.reused {
		t.Skip("kills and restarts network processes: runs only on a network the tests started")
	}
	env := networkEnv(t)
	leader := raftLeader(t, env)
	t.Logf("Raft leader: %s", leader)

	profiles := []string{"foundation-user1", "foundation-user2", "labA-user1", "labA-user2", "labB-user1", "labB-user2"}
	type outcome struct {
		txID      string
		committed bool
		afterKill bool
		err       error
	}
	var (
		mu       sync.Mutex
		outcomes []outcome
		killed   atomic.Bool
		wg       sync.WaitGroup
	)
	ctx, stop := context.WithCancel(ctxFor(t))
	defer stop()
	for i, p := range profiles {
		cfg, err := net.profiles.Config(p)
		require.NoError(t, err)
		cfg.Fallbacks, cfg.MVCCRetries, cfg.CommitTimeout = nil, -1, leaderFaultCommitTimeout
		c, err := charter.Connect(ctx, cfg)
		require.NoError(t, err)
		t.Cleanup(func() { _ = c.Close() })
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; ctx.Err() == nil; n++ {
				after := killed.Load()
				key := fmt.Sprintf("leader-fault-%d-%d", i, n)
				txID, err := c.BenchPut(context.WithoutCancel(ctx), key, "v")
				var ce *charter.Error
				if err != nil && errors.As(err, &ce) {
					txID = ce.TxID
				}
				mu.Lock()
				outcomes = append(outcomes, outcome{txID: txID, committed: err == nil, afterKill: after, err: err})
				mu.Unlock()
			}
		}()
	}
	time.Sleep(1500 * time.Millisecond)
	killProcess(t, leader)
	killed.Store(true)
	// Load carries on for longer than the commit timeout: a client whose
	// transaction the dying leader took waits out that timeout before it
	// submits again, and every client may be in that state at once.
	time.Sleep(leaderFaultCommitTimeout + 6*time.Second)
	stop()
	wg.Wait()

	observer := net.client(t, "foundation-user1")
	var committedAfter int
	pending := map[string]bool{}
	for _, o := range outcomes {
		if o.committed {
			if o.afterKill {
				committedAfter++
			}
			st, err := observer.TransactionStatus(t.Context(), o.txID)
			require.NoError(t, err)
			assert.True(t, st.Found && st.Valid, "transaction %s reported committed is VALID on the ledger: %+v", o.txID, st)
			continue
		}
		require.NotEmpty(t, o.txID, "a failure without a transaction ID cannot be settled: %v", o.err)
		pending[o.txID] = true
	}
	unknown := len(pending)
	// Settle the unknown outcomes: on the ledger, or still absent well after
	// their commit-status window (ordering lost them with the leader).
	for deadline := time.Now().Add(2 * time.Second); len(pending) > 0 && time.Now().Before(deadline); time.Sleep(250 * time.Millisecond) {
		for id := range pending {
			st, err := observer.TransactionStatus(t.Context(), id)
			require.NoError(t, err, "look up %s", id)
			if st.Found {
				delete(pending, id)
			}
		}
	}
	lost := len(pending)

	// The killed orderer is started again alone (up.sh starts only what is
	// stopped) and rejoins: up.sh's readiness check commits a transaction
	// through every orderer, the restarted one included.
	require.NoError(t, script_(net.root, "up.sh"), "restart the killed orderer")
	t.Logf("%d transactions: %d committed after the leader died, %d outcomes unknown to their client (%d never ordered)", len(outcomes), committedAfter, unknown, lost)
	assert.Positive(t, committedAfter, "ordering carries on under a new leader")
}

// networkEnv reads the network's network.env (KEY=value lines).
func networkEnv(t *testing.T) map[string]string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(net.stateDir, "network.env"))
	require.NoError(t, err)
	env := map[string]string{}
	for _, line := range strings.Split(string(raw), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(line, "#") {
			env[k] = strings.Trim(v, "'")
		}
	}
	return env
}

// raftLeader asks each orderer's metrics which one leads the channel.
func raftLeader(t *testing.T, env map[string]string) string {
	t.Helper()
	var leader string
	require.Eventually(t, func() bool {
		for _, o := range []string{"orderer1", "orderer2", "orderer3"} {
			port := env["CHARTER_"+strings.ToUpper(o)+"_OPS_PORT"]
			resp, err := http.Get("http://127.0.0.1:" + port + "/metrics")
			if err != nil {
				continue
			}
			body, err := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			if err == nil && strings.Contains(string(body), `consensus_etcdraft_is_leader{channel="charter"} 1`) {
				leader = o
				return true
			}
		}
		return false
	}, 10*time.Second, 100*time.Millisecond, "no orderer reports itself Raft leader")
	return leader
}
