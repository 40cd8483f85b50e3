package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime/pprof"
	"sort"
	"strings"
	"sync"
)

// ParseEndpoints reads "name=host:port name=host:port ..." (network.env's
// CHARTER_PPROF_ENDPOINTS) into a map.
func ParseEndpoints(s string) (map[string]string, error) {
	out := map[string]string{}
	for _, f := range strings.Fields(s) {
		name, addr, ok := strings.Cut(f, "=")
		if !ok || name == "" || addr == "" {
			return nil, fmt.Errorf("pprof endpoint %q: want name=host:port", f)
		}
		out[name] = addr
	}
	return out, nil
}

// Profiler takes CPU profiles of a round: of every network process that
// serves pprof (over seconds, from when Start is called) and of the
// benchmark client itself (from Start to Stop), written to
// DIR/PREFIX-NAME.pprof.
type Profiler struct {
	dir, prefix string
	wg          sync.WaitGroup
	mu          sync.Mutex
	errs        []error
	client      *os.File
}

// StartProfiles starts the profiles of one round.
func StartProfiles(ctx context.Context, endpoints map[string]string, seconds int, dir, prefix string) *Profiler {
	p := &Profiler{dir: dir, prefix: prefix}
	names := make([]string, 0, len(endpoints))
	for n := range endpoints {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		url := fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", endpoints[n], max(seconds, 1))
		p.wg.Go(func() { p.fail(p.fetch(ctx, url, n)) })
	}
	f, err := os.Create(filepath.Join(dir, prefix+"-client.pprof"))
	if err != nil {
		p.fail(err)
		return p
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		p.fail(fmt.Errorf("client CPU profile: %w", err))
		return p
	}
	p.client = f
	return p
}

func (p *Profiler) fail(err error) {
	if err == nil {
		return
	}
	p.mu.Lock()
	p.errs = append(p.errs, err)
	p.mu.Unlock()
}

func (p *Profiler) fetch(ctx context.Context, url, name string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("profile of %s: %w", name, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("profile of %s: %s", name, resp.Status)
	}
	f, err := os.Create(filepath.Join(p.dir, p.prefix+"-"+name+".pprof"))
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		_ = f.Close()
		return fmt.Errorf("profile of %s: %w", name, err)
	}
	return f.Close()
}

// Stop ends the client's profile and waits for the network's.
func (p *Profiler) Stop() error {
	if p.client != nil {
		pprof.StopCPUProfile()
		p.fail(p.client.Close())
	}
	p.wg.Wait()
	return errors.Join(p.errs...)
}
