// Package pprofserve serves Go's pprof endpoints for the benchmark
// chaincode servers when CHARTER_PPROF_ADDR names an address (network/up.sh
// sets it with CHARTER_PPROF=1; docs/performance.md). Nothing listens
// otherwise.
package pprofserve

import (
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"
)

// Start serves /debug/pprof/ on addr in the background; an empty addr does
// nothing. A listener that cannot be opened is an error (the caller asked
// for it); later serving errors are logged.
func Start(addr string, logger *slog.Logger) error {
	if addr == "" {
		return nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("pprof server stopped", "address", addr, "err", err)
		}
	}()
	logger.Info("serving pprof", "address", ln.Addr().String())
	return nil
}
