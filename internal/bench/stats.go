// Package bench drives workloads against a running Charter network and
// reports each round the way Hyperledger Caliper does (Succ, Fail, Send
// Rate, Max/Min/Avg Latency, Throughput, with Caliper's definitions), plus
// goodput, latency percentiles, failures by validation code and by error
// kind, and the CPU and memory of every network process. `charter bench`
// is its command; docs/performance.md describes the tool and the
// measurements made with it.
//
// It is a measuring tool: nothing in it fails on a time.
package bench

import (
	"math"
	"slices"
	"sort"
	"time"
)

// Sample is one transaction of a round: when it was created (sent) and
// when its outcome was known, and the outcome. A sample with an empty Kind
// succeeded (a write committed valid; a query answered).
type Sample struct {
	Start, End time.Time
	// Kind classifies a failure: the client's error code (CONFLICT,
	// NOT_COMMITTED, UNKNOWN_OUTCOME, UNAVAILABLE, ...). Empty: success.
	Kind string
	// Code is the validation code of a transaction that was ordered but not
	// committed valid (MVCC_READ_CONFLICT, ENDORSEMENT_POLICY_FAILURE, ...);
	// empty otherwise.
	Code string
}

// Latency is the sample's latency: from creation to outcome.
func (s Sample) Latency() time.Duration { return s.End.Sub(s.Start) }

// OK reports whether the sample succeeded.
func (s Sample) OK() bool { return s.Kind == "" }

// Stats are a round's transaction statistics, with Caliper's definitions:
//
//	Send Rate  = (Succ + Fail) / (last create time - first create time)
//	Throughput = (Succ + Fail) / (last finish time - first create time)
//	Max/Min/Avg Latency over the successful transactions
//
// and goodput = Succ / (last finish time - first create time): valid
// commits per second. Percentiles are of the successful transactions'
// latencies (nearest rank). Times are in seconds, rates per second.
type Stats struct {
	Succ       int64   `json:"succ"`
	Fail       int64   `json:"fail"`
	Sent       int64   `json:"sent"`
	SendRate   float64 `json:"sendRate"`
	Throughput float64 `json:"throughput"`
	Goodput    float64 `json:"goodput"`
	// SendSpan is last create - first create; Span is last finish - first
	// create (the window Throughput and Goodput divide by).
	SendSpan float64 `json:"sendSpanSec"`
	Span     float64 `json:"spanSec"`
	// Latencies of the successful transactions, in seconds (0 when none
	// succeeded).
	MaxLatency float64 `json:"maxLatency"`
	MinLatency float64 `json:"minLatency"`
	AvgLatency float64 `json:"avgLatency"`
	P50        float64 `json:"p50Latency"`
	P95        float64 `json:"p95Latency"`
	P99        float64 `json:"p99Latency"`
	// FailuresByKind counts failures by error kind; FailuresByCode counts
	// the failures that carry a validation code by that code.
	FailuresByKind map[string]int64 `json:"failuresByKind"`
	FailuresByCode map[string]int64 `json:"failuresByCode"`
}

// Summarize computes the statistics of samples. No samples give zero
// statistics (rates are 0 when their window is empty, never Inf or NaN).
func Summarize(samples []Sample) Stats {
	st := Stats{FailuresByKind: map[string]int64{}, FailuresByCode: map[string]int64{}}
	if len(samples) == 0 {
		return st
	}
	firstCreate, lastCreate, lastFinish := samples[0].Start, samples[0].Start, samples[0].End
	var lat []time.Duration
	var total time.Duration
	for _, s := range samples {
		if s.Start.Before(firstCreate) {
			firstCreate = s.Start
		}
		if s.Start.After(lastCreate) {
			lastCreate = s.Start
		}
		if s.End.After(lastFinish) {
			lastFinish = s.End
		}
		if s.OK() {
			st.Succ++
			lat = append(lat, s.Latency())
			total += s.Latency()
			continue
		}
		st.Fail++
		st.FailuresByKind[s.Kind]++
		if s.Code != "" {
			st.FailuresByCode[s.Code]++
		}
	}
	st.Sent = st.Succ + st.Fail
	st.SendSpan = lastCreate.Sub(firstCreate).Seconds()
	st.Span = lastFinish.Sub(firstCreate).Seconds()
	st.SendRate = rate(st.Sent, st.SendSpan)
	st.Throughput = rate(st.Sent, st.Span)
	st.Goodput = rate(st.Succ, st.Span)
	if len(lat) > 0 {
		slices.Sort(lat)
		st.MinLatency = lat[0].Seconds()
		st.MaxLatency = lat[len(lat)-1].Seconds()
		st.AvgLatency = (total / time.Duration(len(lat))).Seconds()
		st.P50 = Percentile(lat, 50).Seconds()
		st.P95 = Percentile(lat, 95).Seconds()
		st.P99 = Percentile(lat, 99).Seconds()
	}
	return st
}

// rate is n / secs, 0 when the window is empty.
func rate(n int64, secs float64) float64 {
	if secs <= 0 {
		return 0
	}
	return float64(n) / secs
}

// Percentile returns the p-th percentile (0 < p <= 100) of sorted by the
// nearest-rank method: the smallest value with at least p % of the values
// at or below it. An empty slice gives 0.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	rank = min(max(rank, 1), len(sorted))
	return sorted[rank-1]
}

// Ratio is a/b, 0 when b is 0.
func Ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// SaturationRate returns, for a rate sweep (rounds in the order of their
// offered rate), the first offered rate from which throughput stopped
// growing: the first round whose successor's goodput grew by less than
// growth (a fraction, e.g. 0.05) of its own. ok is false when goodput grew
// through the whole sweep (or the sweep has fewer than two rounds).
func SaturationRate(offered, goodput []float64, growth float64) (rate float64, ok bool) {
	n := min(len(offered), len(goodput))
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return offered[idx[a]] < offered[idx[b]] })
	for k := 0; k+1 < n; k++ {
		cur, next := goodput[idx[k]], goodput[idx[k+1]]
		if next < cur*(1+growth) {
			return offered[idx[k]], true
		}
	}
	return 0, false
}
