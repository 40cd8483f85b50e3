package bench

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// clockTicks is USER_HZ, the unit of /proc/PID/stat's CPU times: 100 on
// every Linux architecture Charter runs on.
const clockTicks = 100

// Proc is a process to watch: a name (the network scripts' process name,
// e.g. peer-laba, orderer1, cc-foundation; "client" for the benchmark
// itself) and its PID.
type Proc struct {
	Name string
	PID  int
}

// ProcsFromDir reads the PIDs the network scripts record (DIR/NAME.pid,
// network/lib.sh) and adds the benchmark's own process as "client".
// Files that do not hold a PID are skipped; a missing directory is an
// error.
func ProcsFromDir(dir string) ([]Proc, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("network process IDs: %w", err)
	}
	var ps []Proc
	for _, e := range ents {
		name, ok := strings.CutSuffix(e.Name(), ".pid")
		if !ok || e.IsDir() {
			continue
		}
		raw, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			continue
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(raw)))
		if err != nil || pid <= 0 {
			continue
		}
		ps = append(ps, Proc{Name: name, PID: pid})
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i].Name < ps[j].Name })
	return append(ps, Proc{Name: "client", PID: os.Getpid()}), nil
}

// ProcSample is one reading of a process: its CPU time so far and its
// resident memory.
type ProcSample struct {
	CPU      time.Duration // user + system time since the process started
	RSSBytes int64
	Alive    bool
}

// ReadProc reads /proc/PID/stat and /proc/PID/status. A process that is
// gone (or a zombie) reads as not alive, without error.
func ReadProc(pid int) ProcSample {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ProcSample{}
	}
	cpu, state, err := parseStat(string(stat))
	if err != nil || state == "Z" || state == "X" {
		return ProcSample{}
	}
	s := ProcSample{CPU: cpu, Alive: true}
	if status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid)); err == nil {
		s.RSSBytes = parseRSS(string(status))
	}
	return s
}

// parseStat returns user + system CPU time and the state of a
// /proc/PID/stat line. The command name (field 2) may hold spaces and
// parentheses, so fields are counted after its last ')'.
func parseStat(line string) (cpu time.Duration, state string, err error) {
	i := strings.LastIndexByte(line, ')')
	if i < 0 {
		return 0, "", errors.New("no command name in stat line")
	}
	f := strings.Fields(line[i+1:])
	// f[0] is field 3 (state); utime and stime are fields 14 and 15.
	if len(f) < 13 {
		return 0, "", fmt.Errorf("stat line has %d fields after the command name, want at least 13", len(f))
	}
	ut, err := strconv.ParseInt(f[11], 10, 64)
	if err != nil {
		return 0, "", fmt.Errorf("utime: %w", err)
	}
	st, err := strconv.ParseInt(f[12], 10, 64)
	if err != nil {
		return 0, "", fmt.Errorf("stime: %w", err)
	}
	return time.Duration(ut+st) * time.Second / clockTicks, f[0], nil
}

// parseRSS returns VmRSS of a /proc/PID/status text in bytes (0 when
// absent).
func parseRSS(status string) int64 {
	for line := range strings.SplitSeq(status, "\n") {
		rest, ok := strings.CutPrefix(line, "VmRSS:")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) == 0 {
			return 0
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return 0
		}
		return kb * 1024
	}
	return 0
}

// ProcUsage is a process's use over a round: CPU in percent of one core
// (200 is two cores busy) and resident memory at the round's end.
type ProcUsage struct {
	Name       string  `json:"name"`
	PID        int     `json:"pid"`
	CPUPercent float64 `json:"cpuPercent"`
	RSSMiB     float64 `json:"rssMiB"`
	// Alive is false when the process was not running at the round's end.
	Alive bool `json:"alive"`
}

// ProcWatch takes a reading of every process at the start of a round and
// turns a second reading into usage.
type ProcWatch struct {
	procs []Proc
	start []ProcSample
	at    time.Time
	read  func(pid int) ProcSample
	now   func() time.Time
}

// StartWatch reads every process now.
func StartWatch(procs []Proc) *ProcWatch {
	return startWatch(procs, ReadProc, time.Now)
}

func startWatch(procs []Proc, read func(int) ProcSample, now func() time.Time) *ProcWatch {
	w := &ProcWatch{procs: procs, read: read, now: now, at: now()}
	for _, p := range procs {
		w.start = append(w.start, read(p.PID))
	}
	return w
}

// Stop reads every process again and returns each one's usage since
// StartWatch, in the order given.
func (w *ProcWatch) Stop() []ProcUsage {
	wall := w.now().Sub(w.at)
	out := make([]ProcUsage, 0, len(w.procs))
	for i, p := range w.procs {
		end := w.read(p.PID)
		u := ProcUsage{Name: p.Name, PID: p.PID, Alive: end.Alive, RSSMiB: float64(end.RSSBytes) / (1 << 20)}
		if end.Alive && w.start[i].Alive && wall > 0 && end.CPU >= w.start[i].CPU {
			u.CPUPercent = 100 * (end.CPU - w.start[i].CPU).Seconds() / wall.Seconds()
		}
		out = append(out, u)
	}
	return out
}

// GroupCPU sums CPU percent by process group: the name up to its first
// '-' or digit (peer, orderer, cc, bench, bareput, client).
func GroupCPU(us []ProcUsage) map[string]float64 {
	g := map[string]float64{}
	for _, u := range us {
		g[procGroup(u.Name)] += u.CPUPercent
	}
	return g
}

func procGroup(name string) string {
	if i := strings.IndexAny(name, "-0123456789"); i > 0 {
		return name[:i]
	}
	return name
}
