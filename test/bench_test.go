package test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/contribution"
	"github.com/charter-gov/charter/chaincode/reputation"
	"github.com/charter-gov/charter/chaincode/treasury"
	charter "github.com/charter-gov/charter/gateway-client"
	"github.com/charter-gov/charter/internal/bench"
)

// TestBenchSmoke runs charter bench's machinery (internal/bench: the same
// harness, workloads, runner and report the command uses) for one tiny
// round of the bare put, the calibration put, votes, attestations (by the
// genesis's attesters) and funding contributions (to a round the set-up
// opens on a budget decision the test passes) on the real network, and
// checks that each round's JSON object is consistent: every created
// transaction is counted once (succ + fail = sent), the rates follow
// Caliper's definitions from the round's own windows, the latency
// statistics are ordered, every network process was watched, and the
// ratios to the calibration put are the goodputs' ratios. It measures
// nothing against a time.
func TestBenchSmoke(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	runID := "smoke" + strconv.FormatInt(time.Now().UnixNano()%1_000_000, 36)

	// The contribute workload's round needs an executed budget decision:
	// proposed first, so that its voting period runs while the other
	// rounds are measured.
	reader := net.client(t, "foundation-user1")
	seat := foundingMember(t, "foundation", "dec-seat1")
	voter := newMember(t, "labB", "bench-voter-"+runID)
	restoreTestBudgetQuorum(t, reader, seat, voter)
	for _, a := range []string{"labA-user1", "labB-user1"} {
		_, err := net.client(t, a).Attest(ctx, reputation.AttestRequest{Recipient: voter.id, Category: contribution.Documentation, Weight: 1000, Evidence: "https://example.org/bench"})
		require.NoError(t, err)
	}
	budget, err := voter.client.ProposeBudget(ctx, "Matching pool of the benchmark round", "", treasury.BudgetRequest{Account: constitution.TreasuryTokenAccount, Amount: 1000, Purpose: "charter bench"})
	require.NoError(t, err)

	// The attesters, found as charter bench finds them: the profiles whose
	// member record holds the role (the test genesis appoints five).
	roles, err := bench.DiscoverRoles(ctx, net.client(t, "foundation-admin"), net.profiles)
	require.NoError(t, err)
	var attesters []charter.Config
	var attesterNames []string
	for _, r := range roles {
		if r.Attester {
			c, err := net.profiles.Config(r.Profile)
			require.NoError(t, err)
			attesters = append(attesters, c)
			attesterNames = append(attesterNames, r.Profile)
		}
	}
	assert.Subset(t, attesterNames, []string{"foundation-user2", "labA-user1", "labA-user2", "labB-user1", "labB-user2"}, "the genesis's attesters are found")
	// rounds-admin, a founding grants administrator, holds the tokens of
	// the funding tests (main_test.go).
	admin, err := net.profiles.Config("foundation-user1")
	require.NoError(t, err)
	admin.CertPath = filepath.Join(net.foundersDir(), "rounds-admin-cert.pem")
	admin.KeyPath = filepath.Join(net.foundersDir(), "rounds-admin-key.pem")
	h, err := bench.Open(ctx, bench.Config{Profiles: net.profiles, NetworkDir: net.stateDir, Clients: 4, RunID: runID,
		Attesters: attesters, Funding: &bench.FundingConfig{BudgetDecision: budget.ID, Admin: admin, Funder: admin}})
	require.NoError(t, err)
	defer h.Close()
	hasBench, hasBare := h.Deployed()
	require.True(t, hasBench && hasBare, "the network has the calibration chaincodes (network/up.sh --bench; the integration harness deploys them)")
	workloads := []string{"bareput", "put", "vote", "attest", "contribute"}
	require.NoError(t, h.Prepare(ctx, workloads[:4]))

	procs, err := bench.ProcsFromDir(net.stateDir + "/pids")
	require.NoError(t, err)
	const count = 24
	var r bench.Runner
	var rounds []bench.Round
	env, err := os.ReadFile(filepath.Join(net.stateDir, "network.env"))
	require.NoError(t, err)
	var opsPort string
	for _, line := range strings.Split(string(env), "\n") {
		if v, ok := strings.CutPrefix(line, "CHARTER_FOUNDATION_PEER_OPS_PORT="); ok {
			opsPort = v
		}
	}
	require.NotEmpty(t, opsPort, "network.env names the Foundation peer's operations port")
	for _, w := range workloads {
		if w == "contribute" {
			// The budget passes, then the set-up opens its round, has its
			// projects accepted and pays the clients their tokens.
			passAndExecute(t, reader, seat, voter, budget)
			settledHeight(t)
			require.NoError(t, h.Prepare(ctx, []string{w}))
			roundID, projects, tokens := h.RoundInfo()
			require.NotEmpty(t, roundID)
			require.Len(t, projects, bench.DefaultProjects)
			require.Equal(t, int64(bench.DefaultTokensPerClient), tokens)
			for _, id := range h.WorkerIdentities() {
				b, err := reader.Balance(ctx, id)
				require.NoError(t, err)
				assert.Equal(t, tokens, b.Balance, "%s received its tokens", id.Short())
			}
		}
		op, err := h.Op(w)
		require.NoError(t, err)
		before, err := bench.ReadLedger(ctx, "127.0.0.1:"+opsPort, net.profiles.Channel)
		require.NoError(t, err)
		watch := bench.StartWatch(procs)
		samples, err := r.Run(ctx, bench.Load{Outstanding: 4, Count: count}, op)
		require.NoError(t, err)
		usage := watch.Stop()
		after, err := bench.ReadLedger(ctx, "127.0.0.1:"+opsPort, net.profiles.Channel)
		require.NoError(t, err)
		l := bench.LedgerDelta("peer-foundation", before, after)
		// The peer committed blocks with transactions meanwhile (the last
		// of the round may reach it only after the reading).
		assert.Positive(t, l.Blocks, "%s: blocks were committed", w)
		assert.Positive(t, l.TxPerBlock, "%s: the blocks held transactions", w)
		rounds = append(rounds, bench.Round{Workload: w, Clients: 4, Outstanding: 4, Stats: bench.Summarize(samples), Procs: usage, CPUByGroup: bench.GroupCPU(usage), Ledger: &l})
	}
	bench.Finish(rounds)
	var buf bytes.Buffer
	require.NoError(t, bench.WriteJSON(&buf, rounds))
	t.Logf("rounds:\n%s", buf.String())

	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	require.Len(t, lines, len(workloads), "one JSON object per round")
	for i, line := range lines {
		var o struct {
			Workload                           string
			Succ, Fail, Sent                   int64
			SendRate, Throughput, Goodput      float64
			SendSpanSec, SpanSec               float64
			MaxLatency, MinLatency, AvgLatency float64
			P50Latency, P95Latency, P99Latency float64
			FailuresByKind, FailuresByCode     map[string]int64
			RatioToPut                         float64
			Procs                              []bench.ProcUsage
			CPUByGroup                         map[string]float64
		}
		require.NoError(t, json.Unmarshal([]byte(line), &o))
		w := workloads[i]
		assert.Equal(t, w, o.Workload)
		assert.Equal(t, int64(count), o.Sent, "%s: exactly --count transactions were created", w)
		assert.Equal(t, o.Sent, o.Succ+o.Fail, "%s: succ + fail = sent", w)
		var byKind int64
		for _, n := range o.FailuresByKind {
			byKind += n
		}
		assert.Equal(t, o.Fail, byKind, "%s: every failure has a kind", w)
		assert.Equal(t, int64(count), o.Succ, "%s: every transaction committed (failures: %v %v)", w, o.FailuresByKind, o.FailuresByCode)
		// Caliper's definitions, from the round's own windows.
		require.Positive(t, o.SpanSec)
		assert.InDelta(t, float64(o.Sent)/o.SendSpanSec, o.SendRate, 1e-6*o.SendRate+1e-9, w)
		assert.InDelta(t, float64(o.Sent)/o.SpanSec, o.Throughput, 1e-6*o.Throughput+1e-9, w)
		assert.InDelta(t, float64(o.Succ)/o.SpanSec, o.Goodput, 1e-6*o.Goodput+1e-9, w)
		assert.LessOrEqual(t, o.Goodput, o.Throughput)
		assert.LessOrEqual(t, o.SendSpanSec, o.SpanSec)
		// Latencies are ordered.
		assert.Positive(t, o.MinLatency)
		assert.LessOrEqual(t, o.MinLatency, o.P50Latency)
		assert.LessOrEqual(t, o.P50Latency, o.P95Latency)
		assert.LessOrEqual(t, o.P95Latency, o.P99Latency)
		assert.LessOrEqual(t, o.P99Latency, o.MaxLatency)
		assert.LessOrEqual(t, o.MinLatency, o.AvgLatency)
		assert.LessOrEqual(t, o.AvgLatency, o.MaxLatency)
		// Every network process was watched and is alive; the peers worked.
		names := map[string]bool{}
		for _, p := range o.Procs {
			names[p.Name] = true
			assert.True(t, p.Alive, "%s: %s is running", w, p.Name)
			assert.Positive(t, p.RSSMiB, "%s: %s has resident memory", w, p.Name)
		}
		for _, n := range []string{"orderer1", "orderer2", "orderer3", "peer-foundation", "peer-laba", "peer-labb", "bench-laba", "bareput-labb", "client"} {
			assert.True(t, names[n], "%s: process %s watched", w, n)
		}
		assert.Positive(t, o.CPUByGroup["peer"], "%s: the peers used CPU", w)
		// rounds[1] is the calibration put.
		assert.InDelta(t, o.Goodput/rounds[1].Goodput, o.RatioToPut, 1e-9, "%s: ratio to put is the goodputs' ratio", w)
	}
	// What the contribute round wrote: the clients' tokens moved into the
	// round's escrow, one per committed contribution.
	// (The reader's peer may commit the last block a moment after the
	// contributor's peer did.)
	roundID, _, tokens := h.RoundInfo()
	var spent int64
	assert.Eventually(t, func() bool {
		spent = 0
		for _, id := range h.WorkerIdentities() {
			b, err := reader.Balance(ctx, id)
			if err != nil {
				return false
			}
			spent += tokens - b.Balance
		}
		return spent == count
	}, 30*time.Second, 200*time.Millisecond, "one token per contribution to round %s (spent %d)", roundID, spent)
	var table bytes.Buffer
	require.NoError(t, bench.WriteTable(&table, rounds))
	for _, line := range bench.Headline(rounds) {
		table.WriteString(line + "\n")
	}
	t.Logf("table:\n%s", table.String())
	assert.Contains(t, table.String(), "Calibration put relative to the bare put")
}
