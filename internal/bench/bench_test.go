package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var t0 = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)

func at(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }

func TestSummarizeCaliperDefinitions(t *testing.T) {
	samples := []Sample{
		{Start: at(0), End: at(100)},
		{Start: at(500), End: at(800)},
		{Start: at(1000), End: at(1200), Kind: "NOT_COMMITTED", Code: "MVCC_READ_CONFLICT"},
		{Start: at(2000), End: at(2600)},
		{Start: at(2000), End: at(4000), Kind: "UNKNOWN_OUTCOME"},
	}
	st := Summarize(samples)
	assert.Equal(t, int64(3), st.Succ)
	assert.Equal(t, int64(2), st.Fail)
	assert.Equal(t, st.Succ+st.Fail, st.Sent)
	// Send Rate: all 5 over last create (2.0 s) - first create (0).
	assert.InDelta(t, 2.5, st.SendRate, 1e-9)
	// Throughput: all 5 over last finish (4.0 s) - first create; goodput: the 3 successes.
	assert.InDelta(t, 1.25, st.Throughput, 1e-9)
	assert.InDelta(t, 0.75, st.Goodput, 1e-9)
	assert.InDelta(t, 2.0, st.SendSpan, 1e-9)
	assert.InDelta(t, 4.0, st.Span, 1e-9)
	// Latencies of the successful ones only: 0.1, 0.3, 0.6.
	assert.InDelta(t, 0.1, st.MinLatency, 1e-9)
	assert.InDelta(t, 0.6, st.MaxLatency, 1e-9)
	assert.InDelta(t, 1.0/3, st.AvgLatency, 1e-9)
	assert.InDelta(t, 0.3, st.P50, 1e-9)
	assert.InDelta(t, 0.6, st.P95, 1e-9)
	assert.InDelta(t, 0.6, st.P99, 1e-9)
	assert.Equal(t, map[string]int64{"NOT_COMMITTED": 1, "UNKNOWN_OUTCOME": 1}, st.FailuresByKind)
	assert.Equal(t, map[string]int64{"MVCC_READ_CONFLICT": 1}, st.FailuresByCode)
}

func TestSummarizeEdgeCases(t *testing.T) {
	tests := []struct {
		name    string
		samples []Sample
		check   func(t *testing.T, st Stats)
	}{
		{"no samples", nil, func(t *testing.T, st Stats) {
			assert.Zero(t, st.Sent)
			assert.Zero(t, st.SendRate)
			assert.Zero(t, st.Throughput)
			assert.NotNil(t, st.FailuresByKind)
		}},
		{"one sample: no send window, a finish window", []Sample{{Start: at(0), End: at(250)}}, func(t *testing.T, st Stats) {
			assert.Zero(t, st.SendRate, "a single create has no send window")
			assert.InDelta(t, 4.0, st.Throughput, 1e-9)
			assert.InDelta(t, 0.25, st.P99, 1e-9)
		}},
		{"all failed: no latencies, zero goodput", []Sample{
			{Start: at(0), End: at(10), Kind: "FORBIDDEN"},
			{Start: at(10), End: at(20), Kind: "FORBIDDEN"},
		}, func(t *testing.T, st Stats) {
			assert.Zero(t, st.Succ)
			assert.Zero(t, st.Goodput)
			assert.Zero(t, st.MaxLatency)
			assert.InDelta(t, 100.0, st.Throughput, 1e-9)
			assert.Empty(t, st.FailuresByCode)
			assert.Equal(t, int64(2), st.FailuresByKind["FORBIDDEN"])
		}},
		{"unordered samples", []Sample{
			{Start: at(1000), End: at(1500)},
			{Start: at(0), End: at(2000)},
		}, func(t *testing.T, st Stats) {
			assert.InDelta(t, 1.0, st.SendSpan, 1e-9)
			assert.InDelta(t, 2.0, st.Span, 1e-9)
			assert.InDelta(t, 2.0, st.MaxLatency, 1e-9)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.check(t, Summarize(tc.samples)) })
	}
}

func TestPercentileNearestRank(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 100; i++ {
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	tests := []struct {
		p    float64
		want time.Duration
	}{{50, 50 * time.Millisecond}, {95, 95 * time.Millisecond}, {99, 99 * time.Millisecond}, {100, 100 * time.Millisecond}, {0.1, time.Millisecond}}
	for _, tc := range tests {
		assert.Equal(t, tc.want, Percentile(d, tc.p), "p%g", tc.p)
	}
	assert.Equal(t, time.Duration(0), Percentile(nil, 50))
	assert.Equal(t, 7*time.Millisecond, Percentile([]time.Duration{7 * time.Millisecond}, 99))
}

func TestSaturationRate(t *testing.T) {
	tests := []struct {
		name    string
		offered []float64
		goodput []float64
		want    float64
		ok      bool
	}{
		{"grows then flattens", []float64{50, 100, 150, 200}, []float64{50, 99, 130, 131}, 150, true},
		{"drops", []float64{50, 100, 150}, []float64{50, 90, 70}, 100, true},
		{"keeps growing", []float64{10, 20, 40}, []float64{10, 20, 40}, 0, false},
		{"unsorted input", []float64{200, 50, 100}, []float64{101, 50, 100}, 100, true},
		{"one round", []float64{10}, []float64{10}, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := SaturationRate(tc.offered, tc.goodput, 0.05)
			assert.Equal(t, tc.ok, ok)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestLoadValidate(t *testing.T) {
	tests := []struct {
		name string
		load Load
		want string
	}{
		{"ok closed loop", Load{Outstanding: 4, Duration: time.Second}, ""},
		{"ok fixed rate by count", Load{Outstanding: 4, Rate: 10, Count: 5}, ""},
		{"no slots", Load{Duration: time.Second}, "at least 1"},
		{"negative rate", Load{Outstanding: 1, Rate: -1, Count: 1}, "rate"},
		{"no end", Load{Outstanding: 1}, "duration or a count"},
		{"negative warm-up", Load{Outstanding: 1, Count: 1, Warmup: -time.Second}, "negative"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.load.Validate()
			if tc.want == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

// TestRunClosedLoopCount: a closed loop by count runs exactly Count
// transactions, never two at once on one slot, with unique sequence
// numbers, and records outcomes.
func TestRunClosedLoopCount(t *testing.T) {
	var r Runner
	busy := make([]atomic.Bool, 4)
	var mu sync.Mutex
	seen := map[int64]bool{}
	var overlap atomic.Bool
	op := func(_ context.Context, slot int, seq int64) (string, string) {
		if busy[slot].Swap(true) {
			overlap.Store(true)
		}
		defer busy[slot].Store(false)
		mu.Lock()
		seen[seq] = true
		mu.Unlock()
		if seq%5 == 0 {
			return "CONFLICT", ""
		}
		return "", ""
	}
	s, err := r.Run(context.Background(), Load{Outstanding: 4, Count: 50}, op)
	require.NoError(t, err)
	require.Len(t, s, 50)
	assert.Len(t, seen, 50, "sequence numbers are unique")
	assert.False(t, overlap.Load(), "a slot never runs two transactions at once")
	st := Summarize(s)
	assert.Equal(t, int64(10), st.Fail)
	assert.Equal(t, int64(40), st.Succ)

	// A second round continues the sequence.
	var first int64 = -1
	_, err = r.Run(context.Background(), Load{Outstanding: 1, Count: 1}, func(_ context.Context, _ int, seq int64) (string, string) {
		first = seq
		return "", ""
	})
	require.NoError(t, err)
	assert.Equal(t, int64(51), first)
}

// TestRunWarmupNotCounted: the warm-up's transactions are run but not
// returned.
func TestRunWarmupNotCounted(t *testing.T) {
	var calls, atMeasure atomic.Int64
	r := Runner{OnMeasure: func() { atMeasure.Store(calls.Load() + 1) }}
	s, err := r.Run(context.Background(), Load{Outstanding: 2, Count: 6, Warmup: 20 * time.Millisecond}, func(context.Context, int, int64) (string, string) {
		calls.Add(1)
		time.Sleep(time.Millisecond)
		return "", ""
	})
	require.NoError(t, err)
	assert.Len(t, s, 6)
	assert.Greater(t, calls.Load(), int64(6), "the warm-up ran transactions too")
	assert.Equal(t, calls.Load()-6, atMeasure.Load()-1, "OnMeasure ran between the warm-up and the measured phase")
}

// TestRunFixedRate: a fixed rate creates transactions on schedule, at most
// Outstanding in flight, and by count stops after Count.
func TestRunFixedRate(t *testing.T) {
	var r Runner
	var inflight, peak atomic.Int64
	s, err := r.Run(context.Background(), Load{Outstanding: 3, Rate: 1000, Count: 30}, func(context.Context, int, int64) (string, string) {
		n := inflight.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(2 * time.Millisecond)
		inflight.Add(-1)
		return "", ""
	})
	require.NoError(t, err)
	assert.Len(t, s, 30)
	assert.LessOrEqual(t, peak.Load(), int64(3), "never more than Outstanding in flight")
}

func TestRunCanceled(t *testing.T) {
	var r Runner
	ctx, cancel := context.WithCancel(context.Background())
	var n atomic.Int64
	s, err := r.Run(ctx, Load{Outstanding: 2, Duration: time.Hour}, func(context.Context, int, int64) (string, string) {
		if n.Add(1) == 10 {
			cancel()
		}
		return "", ""
	})
	require.ErrorIs(t, err, context.Canceled)
	assert.GreaterOrEqual(t, len(s), 10)
	assert.Less(t, len(s), 20, "no transaction starts after the cancel (at most one per slot in flight)")
}

func TestParseStatAndRSS(t *testing.T) {
	// comm with a space and a parenthesis; utime 250, stime 50 ticks.
	line := "1234 (peer (x) y) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 12 0 100 1000 200"
	cpu, state, err := parseStat(line)
	require.NoError(t, err)
	assert.Equal(t, "S", state)
	assert.Equal(t, 3*time.Second, cpu)
	_, _, err = parseStat("1234 peer S 1")
	assert.Error(t, err)
	_, _, err = parseStat("1 (a) S 1 2")
	assert.Error(t, err)

	assert.Equal(t, int64(131072*1024), parseRSS("Name:\tpeer\nVmPeak:\t 9 kB\nVmRSS:\t  131072 kB\n"))
	assert.Equal(t, int64(0), parseRSS("Name:\tpeer\n"))
}

func TestProcWatch(t *testing.T) {
	reads := map[int][]ProcSample{
		1: {{CPU: time.Second, RSSBytes: 1 << 20, Alive: true}, {CPU: 3 * time.Second, RSSBytes: 100 << 20, Alive: true}},
		2: {{CPU: time.Second, Alive: true}, {Alive: false}},
	}
	calls := map[int]int{}
	read := func(pid int) ProcSample {
		s := reads[pid][calls[pid]]
		calls[pid]++
		return s
	}
	clock := []time.Time{at(0), at(4000)}
	now := func() time.Time { c := clock[0]; clock = clock[1:]; return c }
	w := startWatch([]Proc{{"peer-laba", 1}, {"cc-labb", 2}}, read, now)
	us := w.Stop()
	require.Len(t, us, 2)
	assert.InDelta(t, 50.0, us[0].CPUPercent, 1e-9, "2 s of CPU in 4 s of wall time")
	assert.InDelta(t, 100.0, us[0].RSSMiB, 1e-9)
	assert.False(t, us[1].Alive)
	assert.Zero(t, us[1].CPUPercent)
	assert.Equal(t, map[string]float64{"peer": 50, "cc": 0}, GroupCPU(us))
}

func TestProcsFromDir(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "peer-laba.pid"), []byte("4242\n"), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "orderer1.pid"), []byte("17"), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "peer-laba.exe"), []byte("/bin/peer"), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "junk.pid"), []byte("nope"), 0o600))
	ps, err := ProcsFromDir(dir)
	require.NoError(t, err)
	assert.Equal(t, []Proc{{"orderer1", 17}, {"peer-laba", 4242}, {"client", os.Getpid()}}, ps)
	_, err = ProcsFromDir(filepath.Join(dir, "missing"))
	assert.Error(t, err)
}

func TestReadProcSelf(t *testing.T) {
	s := ReadProc(os.Getpid())
	assert.True(t, s.Alive)
	assert.Positive(t, s.RSSBytes)
	assert.False(t, ReadProc(1<<30).Alive, "no such process")
}

func TestSetRatiosAndJSON(t *testing.T) {
	rounds := []Round{
		{Workload: "put", Clients: 8, Outstanding: 8, Stats: Stats{Succ: 100, Sent: 100, Goodput: 200}},
		{Workload: "vote", Clients: 8, Outstanding: 8, Stats: Stats{Succ: 90, Fail: 10, Sent: 100, Goodput: 180}},
		{Workload: "vote", Clients: 16, Outstanding: 16, Stats: Stats{Goodput: 300}},
	}
	SetRatios(rounds)
	assert.InDelta(t, 1.0, rounds[0].RatioToPut, 1e-9)
	assert.InDelta(t, 0.9, rounds[1].RatioToPut, 1e-9)
	assert.Zero(t, rounds[2].RatioToPut, "no put round at that load")

	var buf bytes.Buffer
	require.NoError(t, WriteJSON(&buf, rounds[:2]))
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	require.Len(t, lines, 2, "one object per round")
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(lines[1]), &m))
	for _, k := range []string{"workload", "succ", "fail", "sent", "sendRate", "throughput", "goodput", "maxLatency", "minLatency", "avgLatency", "p50Latency", "p95Latency", "p99Latency", "failuresByKind", "failuresByCode", "procs", "ratioToPut"} {
		assert.Contains(t, m, k)
	}
	assert.Equal(t, "vote", m["workload"])
	assert.InDelta(t, 0.9, m["ratioToPut"], 1e-9)
}

func TestWriteTableAndSVG(t *testing.T) {
	rounds := []Round{
		{Workload: "put", Outstanding: 8, Clients: 8, Stats: Stats{Succ: 10, Fail: 2, SendRate: 12, Goodput: 10,
			FailuresByKind: map[string]int64{"NOT_COMMITTED": 2}, FailuresByCode: map[string]int64{"MVCC_READ_CONFLICT": 2}},
			Procs:      []ProcUsage{{Name: "peer-laba", PID: 7, CPUPercent: 40, RSSMiB: 120, Alive: true}},
			CPUByGroup: map[string]float64{"peer": 40}},
		{Workload: "put", Outstanding: 16, Clients: 8, Stats: Stats{Succ: 20, SendRate: 24, Goodput: 20}},
		{Workload: "put", Outstanding: 32, Clients: 8, Stats: Stats{Succ: 20, SendRate: 30, Goodput: 20.5}},
		{Workload: "<vote>", Outstanding: 8, Clients: 8, Stats: Stats{Succ: 9, Goodput: 9}},
	}
	var tb bytes.Buffer
	require.NoError(t, WriteTable(&tb, rounds))
	out := tb.String()
	for _, s := range []string{"Succ", "Fail", "Send Rate (TPS)", "Max Latency (s)", "Throughput (TPS)", "Goodput (TPS)", "p99 (s)",
		"NOT_COMMITTED=2", "MVCC_READ_CONFLICT=2", "peer-laba", "peer 40%"} {
		assert.Contains(t, out, s)
	}
	var sb bytes.Buffer
	require.NoError(t, WriteSweepSVG(&sb, rounds, "sweep <test>"))
	svg := sb.String()
	assert.True(t, strings.HasPrefix(svg, "<svg "))
	assert.Contains(t, svg, "sweep &lt;test&gt;", "the title is escaped")
	assert.Contains(t, svg, "&lt;vote&gt; goodput", "workload names are escaped")
	assert.Equal(t, 1, strings.Count(svg, `r="7"`), "the put sweep's saturation point (16 in flight) is marked once")
	assert.Contains(t, svg, strconv.Itoa(16)+": goodput 20.0")
}

func TestNiceCeil(t *testing.T) {
	for in, want := range map[float64]float64{0: 1, 1: 1, 3: 5, 12: 20, 99: 100, 101: 200, 260: 500} {
		assert.Equal(t, want, niceCeil(in), "niceCeil(%g)", in)
	}
}

func TestFinishCPUPerTx(t *testing.T) {
	rounds := []Round{
		{Workload: "put", Stats: Stats{Goodput: 50}, CPUByGroup: map[string]float64{"peer": 80, "orderer": 30, "bench": 10, "client": 40}},
		{Workload: "vote", Stats: Stats{Goodput: 0}, CPUByGroup: map[string]float64{"peer": 10}},
	}
	Finish(rounds)
	assert.InDelta(t, 24.0, rounds[0].NetworkCPUMsPerTx, 1e-9, "120 % of a core = 1200 ms/s over 50 tx/s; the client does not count")
	assert.Zero(t, rounds[1].NetworkCPUMsPerTx, "nothing committed: no cost per transaction")
	assert.InDelta(t, 1.0, rounds[0].RatioToPut, 1e-9)
}

func TestHeadline(t *testing.T) {
	rounds := []Round{
		{Workload: "bareput", Outstanding: 8, Stats: Stats{Goodput: 250}},
		{Workload: "put", Outstanding: 8, Stats: Stats{Goodput: 200}},
		{Workload: "vote", Outstanding: 8, Stats: Stats{Goodput: 180}},
		{Workload: "vote", Outstanding: 8, Repeat: 1, Stats: Stats{Goodput: 190}},
		{Workload: "put", Outstanding: 8, Repeat: 1, Stats: Stats{Goodput: 200}},
		{Workload: "bareput", Outstanding: 8, Repeat: 1, Stats: Stats{Goodput: 200}},
	}
	rounds[1].NetworkCPUMsPerTx, rounds[2].NetworkCPUMsPerTx = 20, 22
	SetRatios(rounds)
	h := strings.Join(Headline(rounds), "\n")
	assert.Contains(t, h, "vote 0.900..0.950")
	assert.Contains(t, h, "Network CPU per valid transaction relative to the calibration put's: vote 1.100")
	assert.Contains(t, h, "bareput 1.000..1.250")
	assert.Contains(t, h, "Calibration put relative to the bare put: 0.800..1.000")

	sweep := []Round{
		{Workload: "put", OfferedRate: 50, Stats: Stats{Goodput: 50}},
		{Workload: "put", OfferedRate: 100, Stats: Stats{Goodput: 98}},
		{Workload: "put", OfferedRate: 150, Stats: Stats{Goodput: 99}},
		{Workload: "vote", OfferedRate: 50, Stats: Stats{Goodput: 50}},
		{Workload: "vote", OfferedRate: 100, Stats: Stats{Goodput: 90}},
	}
	SetRatios(sweep)
	h = strings.Join(Headline(sweep), "\n")
	assert.Contains(t, h, "put: goodput stops growing (by 5% or more) after an offered load of 100")
	assert.Contains(t, h, "vote: goodput still grew at the highest offered load (100)")
}

func TestParseEndpoints(t *testing.T) {
	m, err := ParseEndpoints(" peer-laba=127.0.0.1:45054  orderer1=127.0.0.1:44080 ")
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"peer-laba": "127.0.0.1:45054", "orderer1": "127.0.0.1:44080"}, m)
	m, err = ParseEndpoints("")
	require.NoError(t, err)
	assert.Empty(t, m)
	_, err = ParseEndpoints("peer-laba")
	assert.Error(t, err)
}

func TestProfilerWritesProfiles(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("seconds") != "2" {
			http.Error(w, "want seconds=2", http.StatusBadRequest)
			return
		}
		_, _ = w.Write([]byte("profile-bytes"))
	}))
	defer srv.Close()
	dir := t.TempDir()
	addr := strings.TrimPrefix(srv.URL, "http://")
	p := StartProfiles(context.Background(), map[string]string{"peer-laba": addr}, 2, dir, "put-r0")
	require.NoError(t, p.Stop())
	raw, err := os.ReadFile(filepath.Join(dir, "put-r0-peer-laba.pprof"))
	require.NoError(t, err)
	assert.Equal(t, "profile-bytes", string(raw))
	st, err := os.Stat(filepath.Join(dir, "put-r0-client.pprof"))
	require.NoError(t, err)
	assert.Positive(t, st.Size(), "the client's own CPU profile")

	p = StartProfiles(context.Background(), map[string]string{"gone": "127.0.0.1:1"}, 1, dir, "x")
	assert.ErrorContains(t, p.Stop(), "profile of gone")
}

func TestLedgerMetrics(t *testing.T) {
	text := func(h, tx1, tx2, val, store, state, count string) string {
		return `# HELP ledger_blockchain_height Height of the chain in blocks.
# TYPE ledger_blockchain_height gauge
ledger_blockchain_height{channel="charter"} ` + h + `
ledger_blockchain_height{channel="other"} 999
ledger_transaction_count{chaincode="bench:1.0",channel="charter",transaction_type="ENDORSER_TRANSACTION",validation_code="VALID"} ` + tx1 + `
ledger_transaction_count{chaincode="bench:1.0",channel="charter",transaction_type="ENDORSER_TRANSACTION",validation_code="MVCC_READ_CONFLICT"} ` + tx2 + `
ledger_block_processing_time_bucket{channel="charter",le="0.005"} 1
ledger_block_processing_time_sum{channel="charter"} ` + val + `
ledger_block_processing_time_count{channel="charter"} ` + count + `
ledger_blockstorage_and_pvtdata_commit_time_sum{channel="charter"} ` + store + `
ledger_blockstorage_commit_time_sum{channel="charter"} 12345
ledger_statedb_commit_time_sum{channel="charter"} ` + state + `
ledger_statedb_commit_time_count{channel="charter"} ` + count + `
`
	}
	before, err := ParseLedgerMetrics(strings.NewReader(text("100", "300", "10", "0.5", "2", "1", "99")), "charter")
	require.NoError(t, err)
	assert.Equal(t, LedgerReading{Height: 100, Transactions: 310, ValidationSec: 0.5, StorageSec: 2, StateSec: 1, Committed: 99}, before)
	after, err := ParseLedgerMetrics(strings.NewReader(text("150", "480", "30", "0.6", "3.5", "1.4", "149")), "charter")
	require.NoError(t, err)
	u := LedgerDelta("peer-laba", before, after)
	assert.Equal(t, 50.0, u.Blocks)
	assert.InDelta(t, 4.0, u.TxPerBlock, 1e-9, "200 transactions in 50 blocks")
	assert.InDelta(t, 40.0, u.BlockCommitMs, 1e-9, "(0.1 + 1.5 + 0.4) s over 50 blocks")
	assert.InDelta(t, 30.0, u.BlockStorageMs, 1e-9, "1.5 s of block storage over 50 blocks")
	assert.Equal(t, LedgerUsage{Peer: "p"}, LedgerDelta("p", after, after), "no blocks: no ratios")
}

// Every client gets n vouchers, all of other organisations and distinct;
// too few clients of other organisations is an error that says so.
func TestVouchPlan(t *testing.T) {
	orgs := []string{"A", "B", "C", "A", "B", "C", "A"}
	plan, err := vouchPlan(orgs, 2)
	require.NoError(t, err)
	require.Len(t, plan, 2*len(orgs))
	seen := map[aVouch]bool{}
	count := map[int]int{}
	for _, v := range plan {
		assert.NotEqual(t, orgs[v.member], orgs[v.voucher], "%+v: a vouch from the member's own organisation", v)
		assert.False(t, seen[v], "%+v twice", v)
		seen[v] = true
		count[v.member]++
	}
	for i := range orgs {
		assert.Equal(t, 2, count[i], "client %d", i)
	}
	_, err = vouchPlan([]string{"A", "A", "B"}, 2)
	assert.ErrorContains(t, err, "raise --clients")
	none, err := vouchPlan(orgs, 0)
	require.NoError(t, err)
	assert.Empty(t, none)
}
