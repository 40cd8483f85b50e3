package bench

import (
	"encoding/json"
	"fmt"
	"html"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
)

// Round is one measured round: its workload and load, its statistics, the
// network's processes, and its ratio to the calibration put of the same
// run.
type Round struct {
	Workload string `json:"workload"`
	// Clients is the number of client identities; Outstanding the worker
	// slots (see Load); OfferedRate the fixed rate (0: closed loop).
	Clients     int     `json:"clients"`
	Outstanding int     `json:"outstanding"`
	OfferedRate float64 `json:"offeredRate"`
	// Repeat numbers the repetition of the whole set of rounds (from 0).
	Repeat int `json:"repeat"`
	Stats
	Procs []ProcUsage `json:"procs"`
	// CPUByGroup sums Procs' CPU percent by kind of process (peer,
	// orderer, cc, bench, bareput, client).
	CPUByGroup map[string]float64 `json:"cpuByGroup"`
	// Ledger is the round's blocks as the first organisation's peer
	// committed them (nil when its metrics could not be read).
	Ledger *LedgerUsage `json:"ledger,omitempty"`
	// ErrorSamples holds the first error message of each failure kind.
	ErrorSamples map[string]string `json:"errorSamples,omitempty"`
	// NetworkCPUMsPerTx is the network's CPU time (every process but the
	// client) per valid transaction, in milliseconds: what one governance
	// write costs the consortium's machines, whatever share of the CPU the
	// network got (Finish fills it).
	NetworkCPUMsPerTx float64 `json:"networkCpuMsPerTx"`
	// RatioToPut is this round's goodput over the goodput of the
	// calibration put ("put") at the same load in the same run; 0 when the
	// run measured no such put round.
	RatioToPut float64 `json:"ratioToPut"`
}

// CalibrationWorkload is the workload every other one is compared with.
const CalibrationWorkload = "put"

type loadKey struct {
	clients, outstanding, repeat int
	rate                         float64
}

func keyOf(r Round) loadKey { return loadKey{r.Clients, r.Outstanding, r.Repeat, r.OfferedRate} }

// Finish fills the derived fields of a run's rounds: NetworkCPUMsPerTx and
// RatioToPut.
func Finish(rounds []Round) {
	for i := range rounds {
		cpu := 0.0
		for g, v := range rounds[i].CPUByGroup {
			if g != "client" {
				cpu += v
			}
		}
		rounds[i].NetworkCPUMsPerTx = Ratio(cpu*10, rounds[i].Goodput) // percent of a core = 10 ms per second
	}
	SetRatios(rounds)
}

// SetRatios fills each round's RatioToPut from the put round with the same
// clients, outstanding, offered rate and repetition.
func SetRatios(rounds []Round) {
	put := map[loadKey]float64{}
	for _, r := range rounds {
		if r.Workload == CalibrationWorkload {
			put[keyOf(r)] = r.Goodput
		}
	}
	for i := range rounds {
		rounds[i].RatioToPut = Ratio(rounds[i].Goodput, put[keyOf(rounds[i])])
	}
}

// Headline summarises a run: per workload its goodput ratio to the
// calibration put (lowest, highest over the repetitions and loads), the
// calibration put's ratio to the bare put, and for a sweep the offered
// load from which each workload's goodput stopped growing.
func Headline(rounds []Round) []string {
	var lines []string
	type span struct{ lo, hi float64 }
	ratios := map[string]*span{}
	var order []string
	for _, r := range rounds {
		if r.Workload == CalibrationWorkload || r.RatioToPut == 0 {
			continue
		}
		s, ok := ratios[r.Workload]
		if !ok {
			s = &span{r.RatioToPut, r.RatioToPut}
			ratios[r.Workload] = s
			order = append(order, r.Workload)
		}
		s.lo, s.hi = min(s.lo, r.RatioToPut), max(s.hi, r.RatioToPut)
	}
	if len(order) > 0 {
		parts := make([]string, 0, len(order))
		for _, w := range order {
			s := ratios[w]
			if s.lo == s.hi {
				parts = append(parts, fmt.Sprintf("%s %.3f", w, s.lo))
			} else {
				parts = append(parts, fmt.Sprintf("%s %.3f..%.3f", w, s.lo, s.hi))
			}
		}
		lines = append(lines, "Goodput relative to the calibration put (same load, same run): "+strings.Join(parts, ", "))
	}
	// network CPU per valid transaction relative to the put's
	putCPU := map[loadKey]float64{}
	for _, r := range rounds {
		if r.Workload == CalibrationWorkload {
			putCPU[keyOf(r)] = r.NetworkCPUMsPerTx
		}
	}
	cpuRatios := map[string]*span{}
	var cpuOrder []string
	for _, r := range rounds {
		ref := putCPU[keyOf(r)]
		if r.Workload == CalibrationWorkload || ref == 0 || r.NetworkCPUMsPerTx == 0 {
			continue
		}
		q := r.NetworkCPUMsPerTx / ref
		if s, ok := cpuRatios[r.Workload]; ok {
			s.lo, s.hi = min(s.lo, q), max(s.hi, q)
		} else {
			cpuRatios[r.Workload] = &span{q, q}
			cpuOrder = append(cpuOrder, r.Workload)
		}
	}
	if len(cpuOrder) > 0 {
		parts := make([]string, 0, len(cpuOrder))
		for _, w := range cpuOrder {
			s := cpuRatios[w]
			if s.lo == s.hi {
				parts = append(parts, fmt.Sprintf("%s %.3f", w, s.lo))
			} else {
				parts = append(parts, fmt.Sprintf("%s %.3f..%.3f", w, s.lo, s.hi))
			}
		}
		lines = append(lines, "Network CPU per valid transaction relative to the calibration put's: "+strings.Join(parts, ", "))
	}
	// put / bareput, per load and repetition
	bare := map[loadKey]float64{}
	for _, r := range rounds {
		if r.Workload == "bareput" {
			bare[keyOf(r)] = r.Goodput
		}
	}
	var pb []float64
	for _, r := range rounds {
		if r.Workload == CalibrationWorkload && bare[keyOf(r)] > 0 {
			pb = append(pb, r.Goodput/bare[keyOf(r)])
		}
	}
	if len(pb) > 0 {
		lo, hi := slices.Min(pb), slices.Max(pb)
		if lo == hi {
			lines = append(lines, fmt.Sprintf("Calibration put relative to the bare put: %.3f", lo))
		} else {
			lines = append(lines, fmt.Sprintf("Calibration put relative to the bare put: %.3f..%.3f", lo, hi))
		}
	}
	// saturation per workload in a sweep (first repetition)
	byW := map[string][]Round{}
	var ws []string
	for _, r := range rounds {
		if r.Repeat != 0 {
			continue
		}
		if _, ok := byW[r.Workload]; !ok {
			ws = append(ws, r.Workload)
		}
		byW[r.Workload] = append(byW[r.Workload], r)
	}
	for _, w := range ws {
		rs := byW[w]
		if len(rs) < 2 {
			continue
		}
		xs, gs := make([]float64, len(rs)), make([]float64, len(rs))
		for i, r := range rs {
			xs[i], gs[i] = offered(r), r.Goodput
		}
		if sat, ok := SaturationRate(xs, gs, 0.05); ok {
			lines = append(lines, fmt.Sprintf("%s: goodput stops growing (by 5%% or more) after an offered load of %g", w, sat))
		} else {
			lines = append(lines, fmt.Sprintf("%s: goodput still grew at the highest offered load (%g)", w, slices.Max(xs)))
		}
	}
	return lines
}

// WriteJSON writes one JSON object per round, one per line.
func WriteJSON(w io.Writer, rounds []Round) error {
	enc := json.NewEncoder(w)
	for _, r := range rounds {
		if err := enc.Encode(r); err != nil {
			return fmt.Errorf("encode round %s: %w", r.Workload, err)
		}
	}
	return nil
}

// WriteTable writes Caliper's columns and Charter's additions, one row per
// round, then per round the failures and the processes' CPU and memory.
func WriteTable(w io.Writer, rounds []Round) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "Name\tLoad\tSucc\tFail\tSend Rate (TPS)\tMax Latency (s)\tMin Latency (s)\tAvg Latency (s)\tThroughput (TPS)\tGoodput (TPS)\tp50 (s)\tp95 (s)\tp99 (s)\tCPU ms/tx\t/put\t")
	for _, r := range rounds {
		ratio := "-"
		if r.RatioToPut > 0 {
			ratio = fmt.Sprintf("%.3f", r.RatioToPut)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%.1f\t%.3f\t%.3f\t%.3f\t%.1f\t%.1f\t%.3f\t%.3f\t%.3f\t%.1f\t%s\t\n",
			r.Workload, loadLabel(r), r.Succ, r.Fail, r.SendRate, r.MaxLatency, r.MinLatency, r.AvgLatency,
			r.Throughput, r.Goodput, r.P50, r.P95, r.P99, r.NetworkCPUMsPerTx, ratio)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, r := range rounds {
		var b strings.Builder
		fmt.Fprintf(&b, "\n%s (%s):", r.Workload, loadLabel(r))
		if r.Fail > 0 {
			fmt.Fprintf(&b, " failures by kind %s", formatCounts(r.FailuresByKind))
			if len(r.FailuresByCode) > 0 {
				fmt.Fprintf(&b, ", by validation code %s", formatCounts(r.FailuresByCode))
			}
			b.WriteString(";")
		}
		if l := r.Ledger; l != nil {
			fmt.Fprintf(&b, " %s committed %.0f blocks, %.1f tx/block, %.1f ms/block (storage %.1f);", l.Peer, l.Blocks, l.TxPerBlock, l.BlockCommitMs, l.BlockStorageMs)
		}
		groups := slices.Sorted(maps.Keys(r.CPUByGroup))
		parts := make([]string, 0, len(groups))
		total := 0.0
		for _, g := range groups {
			parts = append(parts, fmt.Sprintf("%s %.0f%%", g, r.CPUByGroup[g]))
			total += r.CPUByGroup[g]
		}
		fmt.Fprintf(&b, " CPU %s (total %.0f%%)\n", strings.Join(parts, ", "), total)
		for _, k := range slices.Sorted(maps.Keys(r.ErrorSamples)) {
			fmt.Fprintf(&b, "  first %s: %s\n", k, r.ErrorSamples[k])
		}
		for _, p := range r.Procs {
			state := ""
			if !p.Alive {
				state = " (not running)"
			}
			fmt.Fprintf(&b, "  %-18s pid %-8d CPU %6.1f%%  RSS %7.1f MiB%s\n", p.Name, p.PID, p.CPUPercent, p.RSSMiB, state)
		}
		if _, err := io.WriteString(w, b.String()); err != nil {
			return err
		}
	}
	return nil
}

func loadLabel(r Round) string {
	if r.OfferedRate > 0 {
		return fmt.Sprintf("rate %g/s, ≤%d out", r.OfferedRate, r.Outstanding)
	}
	return fmt.Sprintf("%d out, %d ids", r.Outstanding, r.Clients)
}

func formatCounts(m map[string]int64) string {
	keys := slices.Sorted(maps.Keys(m))
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s=%d", k, m[k]))
	}
	return strings.Join(parts, " ")
}

// WriteSweepSVG draws, per workload, goodput and throughput against the
// offered load of a sweep (the fixed rate, or the outstanding transactions
// of closed-loop rounds), with the send rate dashed and the point where
// goodput stopped growing (by less than 5 %) marked.
func WriteSweepSVG(w io.Writer, rounds []Round, title string) error {
	const (
		width, height = 720.0, 420.0
		left, right   = 70.0, 170.0
		top, bottom   = 50.0, 60.0
	)
	byWorkload := map[string][]Round{}
	var order []string
	maxX, maxY := 0.0, 0.0
	for _, r := range rounds {
		if _, ok := byWorkload[r.Workload]; !ok {
			order = append(order, r.Workload)
		}
		byWorkload[r.Workload] = append(byWorkload[r.Workload], r)
		maxX = max(maxX, offered(r))
		maxY = max(maxY, r.Throughput, r.Goodput, r.SendRate)
	}
	if maxX == 0 {
		maxX = 1
	}
	maxY = niceCeil(maxY)
	px := func(x float64) float64 { return left + x/maxX*(width-left-right) }
	py := func(y float64) float64 { return height - bottom - y/maxY*(height-top-bottom) }
	colours := []string{"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" font-family="sans-serif" font-size="12">`+"\n", width, height, width, height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(&b, `<text x="%.0f" y="24" font-size="15">%s</text>`+"\n", left, html.EscapeString(title))
	// axes and grid
	fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="black"/>`+"\n", left, py(0), px(maxX), py(0))
	fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="black"/>`+"\n", left, py(0), left, py(maxY))
	for i := 0; i <= 5; i++ {
		y := maxY * float64(i) / 5
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#ddd"/><text x="%.1f" y="%.1f" text-anchor="end">%.0f</text>`+"\n",
			left, py(y), px(maxX), py(y), left-6, py(y)+4, y)
		x := maxX * float64(i) / 5
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle">%.0f</text>`+"\n", px(x), py(0)+18, x)
	}
	xLabel := "offered load (transactions in flight)"
	if len(rounds) > 0 && rounds[0].OfferedRate > 0 {
		xLabel = "offered rate (tx/s)"
	}
	fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`+"\n", px(maxX/2), height-18, xLabel)
	fmt.Fprintf(&b, `<text x="18" y="%.1f" transform="rotate(-90 18 %.1f)" text-anchor="middle">transactions per second</text>`+"\n", py(maxY/2), py(maxY/2))
	for i, name := range order {
		rs := byWorkload[name]
		slices.SortStableFunc(rs, func(a, b Round) int {
			switch {
			case offered(a) < offered(b):
				return -1
			case offered(a) > offered(b):
				return 1
			}
			return 0
		})
		c := colours[i%len(colours)]
		line := func(val func(Round) float64, dash string) {
			pts := make([]string, 0, len(rs))
			for _, r := range rs {
				pts = append(pts, fmt.Sprintf("%.1f,%.1f", px(offered(r)), py(val(r))))
			}
			fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="2"%s points="%s"/>`+"\n", c, dash, strings.Join(pts, " "))
		}
		line(func(r Round) float64 { return r.Goodput }, "")
		line(func(r Round) float64 { return r.SendRate }, ` stroke-dasharray="4 4" stroke-opacity="0.6"`)
		for _, r := range rs {
			fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3" fill="%s"><title>%s at %g: goodput %.1f, throughput %.1f, send rate %.1f tx/s, p50 %.3f s</title></circle>`+"\n",
				px(offered(r)), py(r.Goodput), c, html.EscapeString(name), offered(r), r.Goodput, r.Throughput, r.SendRate, r.P50)
		}
		xs, gs := make([]float64, len(rs)), make([]float64, len(rs))
		for k, r := range rs {
			xs[k], gs[k] = offered(r), r.Goodput
		}
		if sat, ok := SaturationRate(xs, gs, 0.05); ok {
			for _, r := range rs {
				if offered(r) == sat {
					fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="7" fill="none" stroke="%s" stroke-width="2"/>`+"\n", px(sat), py(r.Goodput), c)
				}
			}
		}
		ly := top + 10 + float64(i)*34
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="2"/><text x="%.1f" y="%.1f">%s goodput</text>`+"\n",
			width-right+10, ly, width-right+34, ly, c, width-right+40, ly+4, html.EscapeString(name))
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="2" stroke-dasharray="4 4" stroke-opacity="0.6"/><text x="%.1f" y="%.1f">send rate</text>`+"\n",
			width-right+10, ly+15, width-right+34, ly+15, c, width-right+40, ly+19)
	}
	fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="11">circled: goodput grew &lt; 5%% after this load</text>`+"\n", width-right+10, height-bottom)
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// offered is a round's x in a sweep: its fixed rate, or its outstanding
// transactions in a closed loop.
func offered(r Round) float64 {
	if r.OfferedRate > 0 {
		return r.OfferedRate
	}
	return float64(r.Outstanding)
}

// niceCeil rounds v up to 1, 2 or 5 times a power of ten (at least 1).
func niceCeil(v float64) float64 {
	if v <= 1 {
		return 1
	}
	p := 1.0
	for p*10 <= v {
		p *= 10
	}
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}
