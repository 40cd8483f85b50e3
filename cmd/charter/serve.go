package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	charter "github.com/charter-gov/charter/gateway-client"
	"github.com/charter-gov/charter/internal/api"
)

// serveCmd runs the HTTP API (internal/api, api/openapi.yaml) against the
// network. The --as profile is the server's read identity: it evaluates
// the reads and follows the blocks. Writes are signed by each member
// (offline signing); the server holds no member key.
func (a *app) serveCmd() *cobra.Command {
	var listen, pidFile string
	var waitTimeout time.Duration
	cmd := &cobra.Command{
		Use:   "serve --listen ADDR [--pid-file PATH]",
		Short: "Run the HTTP API (/v1/…, /healthz, /readyz) against the network",
		Long: `serve runs Charter's HTTP API (api/openapi.yaml, docs/api.md) until it is
interrupted (SIGINT or SIGTERM). The acting profile (--as) is the server's
read identity: reads are evaluated as it and it follows the channel's
blocks. Writes are built for the member's own certificate and signed by the
member: the server never holds a member's key. --timeout bounds connecting.`,
		Example: `  charter --as labA-user1 serve --listen 127.0.0.1:8080
  curl -s localhost:8080/readyz`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.serve(cmd, listen, pidFile, waitTimeout)
		},
	}
	cmd.Flags().StringVar(&listen, "listen", "", "address to listen on, host:port")
	cmd.Flags().StringVar(&pidFile, "pid-file", "", "write the process ID to this file while serving (removed on exit)")
	cmd.Flags().DurationVar(&waitTimeout, "wait-timeout", 30*time.Second, "longest wait of a request's waitFor")
	_ = cmd.MarkFlagRequired("listen")
	return cmd
}

func (a *app) serve(cmd *cobra.Command, listen, pidFile string, waitTimeout time.Duration) error {
	if waitTimeout <= 0 {
		return usagef("--wait-timeout %s: want a positive duration", waitTimeout)
	}
	cfg, err := a.config()
	if err != nil {
		return err
	}
	log := slog.New(slog.NewJSONHandler(a.stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	if a.debug {
		log = slog.New(slog.NewJSONHandler(a.stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	cfg.Logger = log
	connectCtx, cancel := context.WithTimeout(cmd.Context(), a.timeout)
	c, err := charter.Connect(connectCtx, cfg)
	cancel()
	if err != nil {
		return err
	}
	defer func() { _ = c.Close() }()

	srv, err := api.NewServer(api.Options{Gateway: api.ClientGateway{Client: c, MSPID: cfg.MSPID}, Logger: log, WaitTimeout: waitTimeout})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return usagef("--listen %q: %v", listen, err)
	}
	if pidFile != "" {
		if err := os.WriteFile(pidFile, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
			_ = ln.Close()
			return fmt.Errorf("--pid-file: %w", err)
		}
		defer func() { _ = os.Remove(pidFile) }()
	}
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go srv.Run(ctx)
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	log.Info("serving the Charter API", "url", "http://"+ln.Addr().String(), "as", a.as, "msp", cfg.MSPID, "peer", c.GatewayAddress())
	select {
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("serve %s: %w", listen, err)
		}
	case <-ctx.Done():
		log.Info("stopping", "reason", context.Cause(ctx))
	}
	shutdown, cancelShutdown := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancelShutdown()
	return hs.Shutdown(shutdown)
}
