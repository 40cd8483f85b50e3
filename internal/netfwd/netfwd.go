// Package netfwd is a plain TCP forwarder: it listens on one address for a
// set of ports and relays every connection, byte for byte, to the same port
// on another address. network/partner.sh runs it (charter-netadmin forward)
// on the host side of a partner's veth link, so that a partner organisation
// on its own host (a network namespace) reaches the founders' orderers and
// peers, which listen on 127.0.0.1 only, at an address of the host.
//
// It does not terminate TLS: the partner's TLS sessions run end to end
// with the founders' processes, verified by the host names the founders'
// certificates carry (docs/consortium.md, "A partner on its own host").
package netfwd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"time"
)

// Forwarder relays connections from ListenHost:port to TargetHost:port for
// every port it was started with.
type Forwarder struct {
	ListenHost string
	TargetHost string
	// DialTimeout bounds each connection to the target (default 5 s).
	DialTimeout time.Duration

	mu        sync.Mutex
	listeners []net.Listener
	conns     map[net.Conn]struct{}
	wg        sync.WaitGroup
	closed    bool
}

// ParsePorts reads a comma-separated list of TCP ports (1..65535, no
// duplicates).
func ParsePorts(s string) ([]int, error) {
	var out []int
	seen := map[int]bool{}
	for _, f := range splitComma(s) {
		p, err := strconv.Atoi(f)
		if err != nil || p < 1 || p > 65535 {
			return nil, fmt.Errorf("port %q: not a TCP port (1..65535)", f)
		}
		if seen[p] {
			return nil, fmt.Errorf("port %d: listed twice", p)
		}
		seen[p] = true
		out = append(out, p)
	}
	if len(out) == 0 {
		return nil, errors.New("no port to forward")
	}
	return out, nil
}

func splitComma(s string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ',' {
			if f := s[start:i]; f != "" {
				out = append(out, f)
			}
			start = i + 1
		}
	}
	return out
}

// Start listens on every port; it fails, listening on none, when one
// cannot be bound.
func (f *Forwarder) Start(ports []int) error {
	if f.ListenHost == "" || f.TargetHost == "" {
		return errors.New("netfwd: listen and target hosts are required")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.conns == nil {
		f.conns = map[net.Conn]struct{}{}
	}
	var ls []net.Listener
	for _, p := range ports {
		l, err := net.Listen("tcp", net.JoinHostPort(f.ListenHost, strconv.Itoa(p)))
		if err != nil {
			for _, o := range ls {
				_ = o.Close()
			}
			return fmt.Errorf("netfwd: listen on %s port %d: %w", f.ListenHost, p, err)
		}
		ls = append(ls, l)
	}
	for i, l := range ls {
		f.listeners = append(f.listeners, l)
		target := net.JoinHostPort(f.TargetHost, strconv.Itoa(ports[i]))
		f.wg.Add(1)
		go f.serve(l, target)
	}
	return nil
}

// Addrs lists the addresses listened on.
func (f *Forwarder) Addrs() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, l := range f.listeners {
		out = append(out, l.Addr().String())
	}
	return out
}

func (f *Forwarder) serve(l net.Listener, target string) {
	defer f.wg.Done()
	for {
		c, err := l.Accept()
		if err != nil {
			return // closed
		}
		if !f.track(c) {
			_ = c.Close()
			return
		}
		f.wg.Add(1)
		go f.relay(c, target)
	}
}

func (f *Forwarder) track(c net.Conn) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return false
	}
	f.conns[c] = struct{}{}
	return true
}

func (f *Forwarder) untrack(cs ...net.Conn) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range cs {
		delete(f.conns, c)
	}
}

// relay copies both directions until each side has closed; a half-close
// (FIN) is passed on, so protocols that close their sending side first
// keep working.
func (f *Forwarder) relay(in net.Conn, target string) {
	defer f.wg.Done()
	timeout := f.DialTimeout
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	out, err := (&net.Dialer{}).DialContext(ctx, "tcp", target)
	cancel()
	if err != nil {
		f.untrack(in)
		_ = in.Close()
		return
	}
	if !f.track(out) {
		f.untrack(in)
		_ = in.Close()
		_ = out.Close()
		return
	}
	var both sync.WaitGroup
	both.Add(2)
	pipe := func(dst, src net.Conn) {
		defer both.Done()
		_, _ = io.Copy(dst, src)
		if tc, ok := dst.(*net.TCPConn); ok {
			_ = tc.CloseWrite()
		} else {
			_ = dst.Close()
		}
	}
	go pipe(out, in)
	go pipe(in, out)
	both.Wait()
	f.untrack(in, out)
	_ = in.Close()
	_ = out.Close()
}

// Close stops listening, closes every relayed connection and waits for
// the relays to end.
func (f *Forwarder) Close() error {
	f.mu.Lock()
	f.closed = true
	for _, l := range f.listeners {
		_ = l.Close()
	}
	for c := range f.conns {
		_ = c.Close()
	}
	f.mu.Unlock()
	f.wg.Wait()
	return nil
}
