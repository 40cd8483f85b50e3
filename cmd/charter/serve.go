package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	charter "github.com/charter-gov/charter/gateway-client"
	"github.com/charter-gov/charter/gateway-client/audit"
	"github.com/charter-gov/charter/internal/alert"
	"github.com/charter-gov/charter/internal/api"
	"github.com/charter-gov/charter/internal/console"
)

// serveCmd runs the HTTP API (internal/api, api/openapi.yaml) and the web
// console (internal/console, at /) against the network. The --as profile is the server's read identity: it evaluates
// the reads and follows the blocks. Writes are signed by each member
// (offline signing); the server holds no member key.
func (a *app) serveCmd() *cobra.Command {
	var listen, pidFile, stateDir, tlsCert, tlsKey string
	var clientCAs []string
	var waitTimeout time.Duration
	var alertAmount int64
	var alertWebhook string
	cmd := &cobra.Command{
		Use:   "serve --listen ADDR [--pid-file PATH]",
		Short: "Run the HTTP API (/v1/…, /healthz, /readyz) and the web console (/) against the network",
		Long: `serve runs Charter's HTTP API (api/openapi.yaml, docs/api.md) and the web
console at / (docs/console.md) until it is interrupted (SIGINT or SIGTERM). The acting profile (--as) is the server's
read identity: reads are evaluated as it and it follows the channel's
blocks. Writes are built for the member's own certificate and signed by the
member: the server never holds a member's key. --timeout bounds connecting.

The read index (ballots, results, decisions, members), its checkpoint, jobs
and idempotency keys live in --state-dir: a restarted server resumes from
the checkpointed block and still answers its jobs.

With --tls-cert and --tls-key the server speaks HTTPS; with --client-ca as
well, operators and guardians may authenticate with their organisation
certificate (mutual TLS). Such a caller may act only as that certificate:
a write whose signer certificate is another is refused (403,
mtls-client-certificate), and writes are still signed by the caller.

With --alert AMOUNT the server logs every treasury alert at AMOUNT (as
'charter events watch --alert' reports them) of the blocks committed from
its first start with --alert on, and with --alert-webhook URL POSTs each as
JSON to URL: a failed post is logged with the alert's block and
transaction and retried 5 times with backoff (1 s, doubling), then given
up; the index never waits for it. Progress is checkpointed in --state-dir
(alerts-checkpoint.json): a restarted server posts no alert twice, except
one whose post the stop interrupted. The console's guardian page lists the
latest alerts at AMOUNT.`,
		Example: `  charter --as labA-user1 serve --listen 127.0.0.1:8080
  curl -s localhost:8080/readyz
  charter --as labA-user1 serve --listen 127.0.0.1:8443 --tls-cert server.pem --tls-key server.key \
    --client-ca .charter/network/crypto/peerOrganizations/laba.charter.local/msp/cacerts/ca.laba.charter.local-cert.pem`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var tlsCfg *tls.Config
			switch {
			case tlsCert != "" || tlsKey != "":
				cfg, err := api.ServerTLS(tlsCert, tlsKey, clientCAs)
				if err != nil {
					return usagef("--tls-cert/--tls-key/--client-ca: %v", err)
				}
				tlsCfg = cfg
			case len(clientCAs) > 0:
				return usagef("--client-ca needs --tls-cert and --tls-key (mutual TLS is TLS)")
			}
			alerts := api.AlertOptions{}
			if cmd.Flags().Changed("alert") {
				if alertAmount < 1 {
					return usagef("--alert %d: want a positive amount", alertAmount)
				}
				alerts.Amount = alertAmount
			}
			if alertWebhook != "" {
				if alerts.Amount == 0 {
					return usagef("--alert-webhook goes with --alert")
				}
				if err := alert.ValidURL(alertWebhook); err != nil {
					return usagef("--alert-webhook %v", err)
				}
				alerts.Webhook = &alert.Webhook{URL: alertWebhook}
			}
			return a.serve(cmd, listen, pidFile, stateDir, waitTimeout, tlsCfg, alerts)
		},
	}
	cmd.Flags().StringVar(&listen, "listen", "", "address to listen on, host:port")
	cmd.Flags().StringVar(&pidFile, "pid-file", "", "write the process ID to this file while serving (removed on exit)")
	cmd.Flags().DurationVar(&waitTimeout, "wait-timeout", 30*time.Second, "longest wait of a request's waitFor")
	cmd.Flags().StringVar(&tlsCert, "tls-cert", "", "serve HTTPS with this certificate (PEM)")
	cmd.Flags().StringVar(&tlsKey, "tls-key", "", "the --tls-cert's private key (PEM)")
	cmd.Flags().StringSliceVar(&clientCAs, "client-ca", nil, "mutual TLS: accept client certificates issued by these CAs (PEM files, e.g. the organisations' msp/cacerts); a caller with one may act only as that certificate")
	cmd.Flags().StringVar(&stateDir, "state-dir", "", "directory of the read index, its checkpoint, jobs and idempotency keys; a restarted server resumes from it (default: serve/ beside the profiles file)")
	cmd.Flags().Int64Var(&alertAmount, "alert", 0, "log treasury alerts at this amount (movements of at least it, and unusual spends) and list them in the console")
	cmd.Flags().StringVar(&alertWebhook, "alert-webhook", "", "with --alert, POST each alert as JSON to this URL (retried, checkpointed in --state-dir)")
	_ = cmd.MarkFlagRequired("listen")
	return cmd
}

func (a *app) serve(cmd *cobra.Command, listen, pidFile, stateDir string, waitTimeout time.Duration, tlsCfg *tls.Config, alerts api.AlertOptions) error {
	if waitTimeout <= 0 {
		return usagef("--wait-timeout %s: want a positive duration", waitTimeout)
	}
	cfg, err := a.config()
	if err != nil {
		return err
	}
	if stateDir == "" {
		if a.profilesFile == "" {
			return usagef("--state-dir is required when no profiles file is in use")
		}
		stateDir = filepath.Join(filepath.Dir(a.profilesFile), "serve")
	}
	log := slog.New(slog.NewJSONHandler(a.stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	if a.debug {
		log = slog.New(slog.NewJSONHandler(a.stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	cfg.Logger = log
	if alerts.Webhook != nil {
		alerts.Webhook.Logger = log
	}
	connectCtx, cancel := context.WithTimeout(cmd.Context(), a.timeout)
	c, err := charter.Connect(connectCtx, cfg)
	cancel()
	if err != nil {
		return err
	}
	defer func() { _ = c.Close() }()

	// GET /v1/audit/export reads as `charter audit export` does: blocks
	// from this profile's peer, every organisation's peer asked for its
	// view of the last block.
	exp := api.AuditExport{Channel: cfg.Channel, Peer: cfg.PeerEndpoint, PeerMSP: cfg.MSPID,
		Exporter: audit.Identity{MSPID: c.Identity().MSPID, ID: c.Identity().ID}}
	if a.profilesFile != "" {
		if profiles, err := a.loadProfiles(); err == nil {
			if prof, err := profiles.Profile(a.as); err == nil {
				exp.Source = audit.NewClientSource(c, profiles, prof.Peer)
				exp.PeerMSP = profiles.Peers[prof.Peer].MSPID
			}
		}
	}
	srv, err := api.NewServer(api.Options{Gateway: api.ClientGateway{Client: c, MSPID: cfg.MSPID}, Logger: log, WaitTimeout: waitTimeout, StateDir: stateDir, Chaincode: cfg.Chaincode, AuditExport: exp, Alerts: alerts})
	if err != nil {
		return err
	}
	closeIndex := true
	defer func() {
		if closeIndex {
			_ = srv.Close()
		}
	}()
	// The console's pages read through the API's index (the reads it does
	// not hold, such as a member's standing, through the client).
	con, err := console.New(console.Options{Reader: srv.IndexedReader(c), APIBase: "/v1", Logger: log, AlertAmount: alerts.Amount})
	if err != nil {
		return err
	}
	// The API owns /v1/, /healthz and /readyz; the web console the rest.
	mux := http.NewServeMux()
	for _, p := range []string{"/v1/", "/healthz", "/readyz"} {
		mux.Handle(p, srv.Handler())
	}
	mux.Handle("/", con)
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return usagef("--listen %q: %v", listen, err)
	}
	scheme := "http"
	if tlsCfg != nil {
		ln, scheme = tls.NewListener(ln, tlsCfg), "https"
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
	// The index closes after the listener has stopped.
	closeIndex = false
	runDone := make(chan struct{})
	go func() { defer close(runDone); srv.Run(ctx) }()
	defer func() {
		stop()
		<-runDone
		_ = srv.Close()
	}()
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	log.Info("serving the Charter API", "url", scheme+"://"+ln.Addr().String(), "mutualTLS", tlsCfg != nil && tlsCfg.ClientCAs != nil, "as", a.as, "msp", cfg.MSPID, "peer", c.GatewayAddress())
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
