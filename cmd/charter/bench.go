package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/charter-gov/charter/chaincode/membership"
	charter "github.com/charter-gov/charter/gateway-client"
	"github.com/charter-gov/charter/internal/bench"
)

// benchOptions are charter bench's flags.
type benchOptions struct {
	workloads   string
	clients     int
	outstanding int
	rate        float64
	duration    time.Duration
	count       int64
	warmup      time.Duration
	sweep       string
	repeat      int
	connections string
	svg         string
	jsonFile    string
	pprofDir    string
	deploy      bool
	// the attest and contribute workloads
	attesters   string
	budget      string
	pool        int64
	grantsAdmin string
	fundFrom    string
	tokens      int64
	projects    int
}

// parseBenchPlan checks the flags and returns the workloads and the loads
// of the rounds, in the order they run.
func parseBenchPlan(o benchOptions) (workloads []string, loads []bench.Load, err error) {
	for _, w := range strings.Split(o.workloads, ",") {
		w = strings.TrimSpace(w)
		switch {
		case w == "":
			continue
		case w == "all":
			workloads = append(workloads, bench.Workloads...)
		case slices.Contains(bench.Workloads, w):
			workloads = append(workloads, w)
		default:
			return nil, nil, usagef("--workload %q: unknown workload (workloads: %s, or all)", w, strings.Join(bench.Workloads, ", "))
		}
	}
	workloads = dedupe(workloads)
	if len(workloads) == 0 {
		return nil, nil, usagef("--workload: name at least one workload (%s, or all)", strings.Join(bench.Workloads, ", "))
	}
	if o.clients < 1 {
		return nil, nil, usagef("--clients %d: want at least 1", o.clients)
	}
	if o.repeat < 1 {
		return nil, nil, usagef("--repeat %d: want at least 1", o.repeat)
	}
	if o.connections != bench.ConnShared && o.connections != bench.ConnPerClient {
		return nil, nil, usagef("--connections %q: want %s or %s", o.connections, bench.ConnShared, bench.ConnPerClient)
	}
	if o.pool < 0 || o.tokens < 0 || o.projects < 0 {
		return nil, nil, usagef("--pool, --tokens and --projects must not be negative")
	}
	if o.duration == 0 && o.count == 0 {
		return nil, nil, usagef("--duration and --count are both 0: a round needs one of them")
	}
	out := o.outstanding
	if out == 0 {
		out = o.clients
	}
	base := bench.Load{Outstanding: out, Rate: o.rate, Duration: o.duration, Count: o.count, Warmup: o.warmup}
	if o.sweep == "" {
		if err := base.Validate(); err != nil {
			return nil, nil, usagef("%v", err)
		}
		return workloads, []bench.Load{base}, nil
	}
	for _, s := range strings.Split(o.sweep, ",") {
		r, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil || r <= 0 {
			return nil, nil, usagef("--sweep %q: want positive rates in transactions per second, e.g. 50,100,200", s)
		}
		l := base
		l.Rate = r
		if err := l.Validate(); err != nil {
			return nil, nil, usagef("%v", err)
		}
		loads = append(loads, l)
	}
	return workloads, loads, nil
}

func dedupe(xs []string) []string {
	var out []string
	for _, x := range xs {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

func (a *app) benchCmd() *cobra.Command {
	o := benchOptions{}
	help := make([]string, 0, len(bench.Workloads))
	for _, w := range bench.Workloads {
		help = append(help, fmt.Sprintf("  %-9s %s", w, bench.WorkloadHelp[w]))
	}
	cmd := &cobra.Command{
		Use:   "bench [--workload W,...] [--clients N] [--outstanding K | --rate R | --sweep R1,R2,...] [--duration D | --count C]",
		Short: "Measure the network's throughput and latency under a workload (a report, never a pass/fail test)",
		Long: `Drive workloads against the running network through the gateway and report
each round with Hyperledger Caliper's columns and definitions: Succ, Fail,
Send Rate = all / (last create - first create), Max/Min/Avg Latency of the
successful transactions, Throughput = all / (last finish - first create);
and goodput (valid commits per second), p50/p95/p99 latency, failures by
error kind and by validation code, and the CPU and memory of every network
process (from /proc, with the PIDs the network scripts record). The headline
is each workload's ratio to the calibration put ("put") at the same load in
the same run (column /put).

Workloads:
` + strings.Join(help, "\n") + `

Load: --clients identities (issued by the organisations' CAs of the
development network, spread over the organisations, registered as members
for the governance workloads), --outstanding transactions in flight in a
closed loop (default: one per client), or --rate transactions per second in
an open loop (--outstanding caps what is in flight), for --duration or
--count, after --warmup. --sweep runs every workload at each rate and, with
--svg, draws where throughput stops growing. --repeat runs the whole set
again (in reverse order every other time, so drift hits every workload).

The network is the one 'make demo' or 'make up' leaves running (profiles
file as for every command); the calibration chaincodes are deployed with
network/up.sh --bench when missing (--deploy=false refuses instead). The
governance workloads need an adopted constitution. --timeout bounds the
set-up; the rounds take what they take.`,
		Example: `  charter bench --workload put,vote --clients 64 --duration 20s
  charter bench --workload bareput,put,vote,artifact --clients 32 --duration 10s --repeat 3
  charter bench --workload put,vote --sweep 50,100,150,200,250 --clients 256 --duration 10s --svg sweep.svg
  charter -o json bench --workload put --clients 4 --count 50 --warmup 0s
  charter bench --workload attest,contribute,mix --clients 32 --duration 10s --budget-decision d0123456789abcdef`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			workloads, loads, err := parseBenchPlan(o)
			if err != nil {
				return err
			}
			return a.runBench(cmd, o, workloads, loads)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&o.workloads, "workload", "bareput,put,vote", "workloads, comma-separated ("+strings.Join(bench.Workloads, ", ")+", or all)")
	fs.IntVar(&o.clients, "clients", 64, "client identities")
	fs.IntVar(&o.outstanding, "outstanding", 0, "transactions in flight (closed loop), or the cap at a fixed rate (default: --clients)")
	fs.Float64Var(&o.rate, "rate", 0, "fixed send rate in transactions per second (0: closed loop)")
	fs.DurationVar(&o.duration, "duration", 20*time.Second, "length of each measured round (0: until --count)")
	fs.Int64Var(&o.count, "count", 0, "transactions per measured round (0: for --duration)")
	fs.DurationVar(&o.warmup, "warmup", 5*time.Second, "warm-up before each measured round, not counted")
	fs.StringVar(&o.sweep, "sweep", "", "fixed rates to run each workload at, comma-separated (tx/s)")
	fs.IntVar(&o.repeat, "repeat", 1, "run the whole set this many times")
	fs.StringVar(&o.connections, "connections", bench.ConnShared, "gRPC connections: shared (one per organisation's peer) or per-client")
	fs.StringVar(&o.svg, "svg", "", "write a chart of goodput and send rate against the offered load to this SVG file")
	fs.StringVar(&o.jsonFile, "json", "", "also write the rounds as JSON lines to this file")
	fs.StringVar(&o.pprofDir, "pprof", "", "write CPU profiles of every measured round to this folder: the client's, and every network process's that serves pprof (network/up.sh with CHARTER_PPROF=1)")
	fs.BoolVar(&o.deploy, "deploy", true, "deploy the calibration chaincodes (network/up.sh --bench) when they are missing")
	fs.StringVar(&o.attesters, "attesters", "", "profiles that attest in the attest workload, comma-separated (default: every profile the ledger records as an attester)")
	fs.StringVar(&o.budget, "budget-decision", "", "contribute: an executed budget decision funding no round yet; the set-up opens one round on it (default: the newest such decision)")
	fs.Int64Var(&o.pool, "pool", 0, "contribute: the round's matching pool (default: what the budget has left)")
	fs.StringVar(&o.grantsAdmin, "grants-admin", "", "contribute: the profile of a grants administrator, who opens the round and accepts its projects (default: the first profile holding the office)")
	fs.StringVar(&o.fundFrom, "fund-from", "", "contribute: the profile that pays every client its tokens (default: the profile holding the most)")
	fs.Int64Var(&o.tokens, "tokens", bench.DefaultTokensPerClient, "contribute: tokens each client receives (1 per contribution; fewer when the funder holds less)")
	fs.IntVar(&o.projects, "projects", bench.DefaultProjects, "contribute: projects in the round, each applied for by an identity of its own")
	cmd.MarkFlagsMutuallyExclusive("rate", "sweep")
	return cmd
}

func (a *app) runBench(cmd *cobra.Command, o benchOptions, workloads []string, loads []bench.Load) error {
	if loads[0].Outstanding > o.clients && (slices.Contains(workloads, "vote") || slices.Contains(workloads, "mix") || slices.Contains(workloads, "contribute")) {
		fmt.Fprintf(a.stderr, "bench: warning: %d transactions in flight over %d identities: a member's concurrent votes or contributions conflict (MVCC_READ_CONFLICT); use --clients >= --outstanding for them\n",
			loads[0].Outstanding, o.clients)
	}
	profiles, path, err := a.loadProfilesPath()
	if err != nil {
		return err
	}
	netDir := filepath.Dir(path)
	ctx := cmd.Context()
	setupTimeout := max(a.timeout, 3*time.Minute)
	runID := strconv.FormatInt(time.Now().UnixNano()%1_000_000_000, 36)
	base := bench.Config{Profiles: profiles, NetworkDir: netDir, Clients: o.clients,
		Connections: o.connections, RunID: runID, Logger: a.logger}
	if err := a.benchRoles(ctx, setupTimeout, profiles, o, workloads, &base); err != nil {
		return err
	}
	h, err := a.openBench(ctx, setupTimeout, base)
	if err != nil {
		return err
	}
	if hasB, hasBare := h.Deployed(); (!hasB && slices.Contains(workloads, "put")) || (!hasBare && slices.Contains(workloads, "bareput")) {
		if !o.deploy {
			return fmt.Errorf("the calibration chaincodes are not deployed on the network in %s: run network/up.sh --bench (or drop --deploy=false)", netDir)
		}
		h.Close()
		if err := a.deployBenchChaincodes(ctx, netDir); err != nil {
			return err
		}
		if h, err = a.openBench(ctx, setupTimeout, base); err != nil {
			return err
		}
	}
	defer h.Close()
	sctx, cancel := context.WithTimeout(ctx, setupTimeout)
	err = h.Prepare(sctx, workloads)
	cancel()
	if err != nil {
		return err
	}
	procs, err := bench.ProcsFromDir(filepath.Join(netDir, "pids"))
	if err != nil {
		return err
	}
	netEnv, err := readNetworkEnv(filepath.Join(netDir, "network.env"))
	if err != nil {
		return err
	}
	// the first organisation's peer reports the blocks of each round
	ledgerPeer, ledgerOps := "", ""
	for _, k := range slices.Sorted(maps.Keys(netEnv)) {
		if org, ok := strings.CutSuffix(strings.TrimPrefix(k, "CHARTER_"), "_PEER_OPS_PORT"); ok && ledgerOps == "" {
			ledgerPeer, ledgerOps = "peer-"+strings.ToLower(org), "127.0.0.1:"+netEnv[k]
		}
	}
	channel := profiles.Channel
	if channel == "" {
		channel = "charter"
	}
	var endpoints map[string]string
	if o.pprofDir != "" {
		env := netEnv
		if endpoints, err = bench.ParseEndpoints(env["CHARTER_PPROF_ENDPOINTS"]); err != nil {
			return err
		}
		if len(endpoints) == 0 {
			fmt.Fprintf(a.stderr, "bench: the network serves no pprof (start it with CHARTER_PPROF=1); profiling the client only\n")
		}
		if err := os.MkdirAll(o.pprofDir, 0o755); err != nil {
			return fmt.Errorf("--pprof: %w", err)
		}
	}
	var r bench.Runner
	var rounds []bench.Round
	for rep := range o.repeat {
		order := slices.Clone(workloads)
		if rep%2 == 1 {
			slices.Reverse(order)
		}
		for _, load := range loads {
			for _, w := range order {
				op, err := h.Op(w)
				if err != nil {
					return err
				}
				fmt.Fprintf(a.stderr, "bench: %s, %s ...\n", w, describeLoad(load, o.clients))
				var watch *bench.ProcWatch
				var prof *bench.Profiler
				var ledgerBefore bench.LedgerReading
				ledgerErr := errors.New("not read")
				r.OnMeasure = func() {
					h.TakeErrorSamples()
					if ledgerOps != "" {
						ledgerBefore, ledgerErr = bench.ReadLedger(ctx, ledgerOps, channel)
					}
					watch = bench.StartWatch(procs)
					if o.pprofDir != "" {
						secs := int(load.Duration / time.Second)
						prof = bench.StartProfiles(ctx, endpoints, secs, o.pprofDir, fmt.Sprintf("%s-r%d-%g", w, rep, load.Rate))
					}
				}
				samples, err := r.Run(ctx, load, op)
				var usage []bench.ProcUsage
				if watch != nil {
					usage = watch.Stop()
				}
				if prof != nil {
					if perr := prof.Stop(); perr != nil {
						fmt.Fprintf(a.stderr, "bench: profiles of %s: %v\n", w, perr)
					}
				}
				round := bench.Round{Workload: w, Clients: o.clients, Outstanding: load.Outstanding, OfferedRate: load.Rate,
					Repeat: rep, Stats: bench.Summarize(samples), Procs: usage, CPUByGroup: bench.GroupCPU(usage),
					ErrorSamples: h.TakeErrorSamples()}
				if ledgerErr == nil {
					if after, lerr := bench.ReadLedger(ctx, ledgerOps, channel); lerr == nil {
						l := bench.LedgerDelta(ledgerPeer, ledgerBefore, after)
						round.Ledger = &l
					}
				}
				rounds = append(rounds, round)
				fmt.Fprintf(a.stderr, "bench: %s: %d succeeded, %d failed, goodput %.1f tx/s, p50 %.3f s\n",
					w, round.Succ, round.Fail, round.Goodput, round.P50)
				if err != nil {
					return fmt.Errorf("bench stopped during %s: %w", w, err)
				}
			}
		}
	}
	bench.Finish(rounds)
	if o.svg != "" {
		var b bytes.Buffer
		if err := bench.WriteSweepSVG(&b, rounds, fmt.Sprintf("charter bench: goodput against offered load (%d clients)", o.clients)); err != nil {
			return err
		}
		if err := os.WriteFile(o.svg, b.Bytes(), 0o644); err != nil {
			return fmt.Errorf("write chart %s: %w", o.svg, err)
		}
	}
	if o.jsonFile != "" {
		var b bytes.Buffer
		if err := bench.WriteJSON(&b, rounds); err != nil {
			return err
		}
		if err := os.WriteFile(o.jsonFile, b.Bytes(), 0o644); err != nil {
			return fmt.Errorf("write %s: %w", o.jsonFile, err)
		}
	}
	if a.output == "json" {
		return bench.WriteJSON(a.stdout, rounds)
	}
	if err := bench.WriteTable(a.stdout, rounds); err != nil {
		return err
	}
	fmt.Fprintln(a.stdout)
	for _, line := range bench.Headline(rounds) {
		fmt.Fprintln(a.stdout, line)
	}
	return nil
}

// benchRoles fills in who attests, who opens the round and who pays the
// clients' tokens, for the workloads that need them: the profiles named by
// the flags, or those the ledger records in the role (bench.DiscoverRoles).
func (a *app) benchRoles(ctx context.Context, timeout time.Duration, profiles *charter.Profiles, o benchOptions, workloads []string, cfg *bench.Config) error {
	attest := slices.ContainsFunc(workloads, func(w string) bool { return w == "attest" || w == "mix" })
	contribute := slices.ContainsFunc(workloads, func(w string) bool { return w == "contribute" || w == "mix" })
	if !attest && !contribute {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var reader string
	for _, n := range profiles.Names() {
		if strings.HasSuffix(n, "-admin") {
			reader = n
			break
		}
	}
	if reader == "" {
		return errors.New("the profiles name no organisation admin to read the member records with")
	}
	rc, err := profiles.Config(reader)
	if err != nil {
		return err
	}
	c, err := charter.Connect(ctx, rc)
	if err != nil {
		return fmt.Errorf("connect as %s: %w", reader, err)
	}
	defer c.Close()
	roles, err := bench.DiscoverRoles(ctx, c, profiles)
	if err != nil {
		return err
	}
	config := func(name string) (charter.Config, error) {
		pc, err := profiles.Config(name)
		if err != nil {
			return charter.Config{}, err
		}
		return pc, nil
	}
	if attest {
		names := splitList(o.attesters)
		if len(names) == 0 {
			for _, r := range roles {
				if r.Attester {
					names = append(names, r.Profile)
				}
			}
		}
		if len(names) == 0 {
			return errors.New("the attest workload needs attesters: no profile holds the attester role (the genesis or a decision appoints them; --attesters names profiles)")
		}
		for _, n := range names {
			pc, err := config(n)
			if err != nil {
				return fmt.Errorf("--attesters: %w", err)
			}
			cfg.Attesters = append(cfg.Attesters, pc)
		}
	}
	if contribute {
		admin, funder := o.grantsAdmin, o.fundFrom
		var most int64
		for _, r := range roles {
			if admin == "" && slices.Contains(r.Roles, membership.RoleGrantsAdmin) {
				admin = r.Profile
			}
			if o.fundFrom == "" && r.Balance > most {
				funder, most = r.Profile, r.Balance
			}
		}
		if admin == "" {
			return errors.New("the contribute workload needs a grants administrator to open its round: no profile holds the office (--grants-admin names one)")
		}
		if funder == "" {
			return errors.New("the contribute workload needs tokens for its clients: no profile holds any (--fund-from names one)")
		}
		fc := &bench.FundingConfig{BudgetDecision: o.budget, Pool: o.pool, TokensPerClient: o.tokens, Projects: o.projects}
		if fc.Admin, err = config(admin); err != nil {
			return fmt.Errorf("--grants-admin: %w", err)
		}
		if fc.Funder, err = config(funder); err != nil {
			return fmt.Errorf("--fund-from: %w", err)
		}
		budget := o.budget
		if budget == "" {
			budget = "the newest executed budget decision funding no round yet"
		}
		fmt.Fprintf(a.stderr, "bench: round on %s, opened by %s, tokens from %s\n", budget, admin, funder)
		cfg.Funding = fc
	}
	return nil
}

func splitList(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

func describeLoad(l bench.Load, clients int) string {
	what := fmt.Sprintf("closed loop, %d in flight, %d identities", l.Outstanding, clients)
	if l.Rate > 0 {
		what = fmt.Sprintf("%g tx/s, at most %d in flight, %d identities", l.Rate, l.Outstanding, clients)
	}
	if l.Count > 0 {
		what += fmt.Sprintf(", %d transactions", l.Count)
	}
	if l.Duration > 0 {
		what += ", " + l.Duration.String()
	}
	return what + fmt.Sprintf(" after %s warm-up", l.Warmup)
}

func (a *app) openBench(ctx context.Context, timeout time.Duration, cfg bench.Config) (*bench.Harness, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	return bench.Open(ctx, cfg)
}

// deployBenchChaincodes runs network/up.sh --bench on the network whose
// state is netDir (its network.env names the checkout and the port offset),
// which deploys the calibration chaincodes on the running network.
func (a *app) deployBenchChaincodes(ctx context.Context, netDir string) error {
	env, err := readNetworkEnv(filepath.Join(netDir, "network.env"))
	if err != nil {
		return err
	}
	root := env["CHARTER_ROOT"]
	if root == "" {
		return fmt.Errorf("%s names no CHARTER_ROOT: cannot find network/up.sh", filepath.Join(netDir, "network.env"))
	}
	fmt.Fprintf(a.stderr, "bench: deploying the calibration chaincodes: %s/network/up.sh --bench\n", root)
	c := exec.CommandContext(ctx, filepath.Join(root, "network", "up.sh"), "--bench")
	c.Env = append(os.Environ(), "CHARTER_STATE_DIR="+netDir, "CHARTER_PORT_OFFSET="+env["CHARTER_PORT_OFFSET"])
	c.Stdout, c.Stderr = a.stderr, a.stderr
	if err := c.Run(); err != nil {
		return fmt.Errorf("network/up.sh --bench: %w", err)
	}
	return nil
}

// readNetworkEnv reads the KEY='value' lines network/up.sh writes.
func readNetworkEnv(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("network environment: %w", err)
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		out[k] = strings.Trim(v, `'"`)
	}
	return out, sc.Err()
}
