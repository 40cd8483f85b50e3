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

	"github.com/charter-gov/charter/internal/bench"
)

// TestBenchSmoke runs charter bench's machinery (internal/bench: the same
// harness, workloads, runner and report the command uses) for one tiny
// round of the bare put, the calibration put and votes on the real network,
// and checks that each round's JSON object is consistent: every created
// transaction is counted once (succ + fail = sent), the rates follow
// Caliper's definitions from the round's own windows, the latency
// statistics are ordered, every network process was watched, and the
// ratios to the calibration put are the goodputs' ratios. It measures
// nothing against a time.
func TestBenchSmoke(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	runID := "smoke" + strconv.FormatInt(time.Now().UnixNano()%1_000_000, 36)
	h, err := bench.Open(ctx, bench.Config{Profiles: net.profiles, NetworkDir: net.stateDir, Clients: 4, RunID: runID})
	require.NoError(t, err)
	defer h.Close()
	hasBench, hasBare := h.Deployed()
	require.True(t, hasBench && hasBare, "the network has the calibration chaincodes (network/up.sh --bench; the integration harness deploys them)")
	workloads := []string{"bareput", "put", "vote"}
	require.NoError(t, h.Prepare(ctx, workloads))

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
	var table bytes.Buffer
	require.NoError(t, bench.WriteTable(&table, rounds))
	for _, line := range bench.Headline(rounds) {
		table.WriteString(line + "\n")
	}
	t.Logf("table:\n%s", table.String())
	assert.Contains(t, table.String(), "Calibration put relative to the bare put")
}
