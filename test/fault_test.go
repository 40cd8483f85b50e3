package test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
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
	own := user.Gateway()

	killProcess(t, "peer-laba")
	t.Cleanup(func() {
		require.NoError(t, script_(net.root, "up.sh"), "restart the network on its existing state")
	})

	w, err := user.Whoami(ctx)
	require.NoError(t, err, "a query fails over")
	assert.Equal(t, "labA user2", w.Member.Name)
	assert.NotEqual(t, own, user.Gateway(), "now on another organisation's gateway")

	m, err := admin.UpdateMember(ctx, membership.UpdateRequest{Member: w.Identity, Roles: []membership.Role{membership.RoleGuardian}})
	require.NoError(t, err, "a transaction is endorsed by the two organisations still up and commits")
	assert.True(t, m.Has(membership.RoleGuardian))
	assert.NotEqual(t, own, admin.Gateway())

	require.NoError(t, script_(net.root, "up.sh"), "restart the killed peer")
	requireSameStateEverywhere(t)
	got, err := net.client(t, "labA-user1").Member(ctx, w.Identity)
	require.NoError(t, err, "the restarted peer caught up")
	assert.True(t, got.Has(membership.RoleGuardian))
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
