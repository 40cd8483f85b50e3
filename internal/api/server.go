package api

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/charter-gov/charter/chaincode/artifact"
	"github.com/charter-gov/charter/chaincode/ballot"
	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/decision"
	"github.com/charter-gov/charter/chaincode/delegation"
	"github.com/charter-gov/charter/chaincode/emergency"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/incident"
	"github.com/charter-gov/charter/chaincode/membership"
	"github.com/charter-gov/charter/chaincode/reputation"
	"github.com/charter-gov/charter/chaincode/round"
	"github.com/charter-gov/charter/chaincode/treasury"
	charter "github.com/charter-gov/charter/gateway-client"
	"github.com/charter-gov/charter/internal/index"
)

// Gateway is what the server uses of the typed client: *charter.Client
// (with ChainHeight, see ClientGateway) in production, a fake in tests.
type Gateway interface {
	Chain
	OperationReads // reads of the governance, reputation, treasury, registry and member endpoints (operations.go)
	Prepare(ctx context.Context, s charter.Signer, call func(ctx context.Context, as *charter.Client) error) (*charter.Unsigned, error)
	EndorseSigned(ctx context.Context, state, signature []byte) (*charter.Endorsed, error)
	SubmitSigned(ctx context.Context, state, signature []byte) (string, error)
	TransactionStatus(ctx context.Context, txID string) (*charter.TxStatus, error)

	BallotsPage(ctx context.Context, status ballot.Status, pageSize int, bookmark string) (*ballot.ListPage, error)
	Ballot(ctx context.Context, id string) (*ballot.View, error)
	BallotResults(ctx context.Context, id string) (*charter.BallotResults, error)
	DecisionsPage(ctx context.Context, status decision.Status, pageSize int, bookmark string) (*decision.ListPage, error)
	Decision(ctx context.Context, id string) (*decision.Decision, error)
	MembersPage(ctx context.Context, q charter.MemberQuery) (*membership.ListPage, error)
	Member(ctx context.Context, id identity.Identity) (*membership.Member, error)
	Whoami(ctx context.Context) (*membership.WhoAmI, error)
	Delegations(ctx context.Context, member identity.Identity) ([]delegation.Version, error)
	Score(ctx context.Context, member identity.Identity, q charter.ScoreQuery) (*reputation.ScoreReport, error)
	Balance(ctx context.Context, account identity.Identity) (*charter.Balance, error)
	Constitution(ctx context.Context) (*constitution.Version, error)
	ConstitutionHistory(ctx context.Context) ([]constitution.VersionSummary, error)
	Round(ctx context.Context, id string) (*round.Round, error)
	RoundProjects(ctx context.Context, id string, pageSize int, bookmark string) (*round.ProjectPage, error)
	RoundEstimate(ctx context.Context, id string) (*round.Estimate, error)
	TreasuryAccounts(ctx context.Context) ([]treasury.Account, error)
	Spends(ctx context.Context, pageSize int, bookmark string) (*treasury.SpendPage, error)
	ListArtifacts(ctx context.Context, req artifact.ListRequest) (*artifact.ListPage, error)
	ArtifactStatus(ctx context.Context, r artifact.Ref) (*artifact.Status, error)
	GuardianStatus(ctx context.Context, t emergency.Target) (*emergency.Status, error)
	RoundResults(ctx context.Context, id string) (*round.Results, error)
	Eligibility(ctx context.Context, member identity.Identity, at time.Time) (*reputation.EligibilityReport, error)
	TreasuryMovements(ctx context.Context, id string, pageSize int, bookmark string) (*treasury.MovementPage, error)
	IncidentsPage(ctx context.Context, q charter.IncidentQuery) (*incident.ListPage, error)
}

// ClientGateway is a *charter.Client as a Gateway: ChainHeight asks the
// gateway peer in use (qscc GetChainInfo) as organisation mspID.
type ClientGateway struct {
	*charter.Client
	MSPID string
}

// ChainHeight is the gateway peer's chain height.
func (g ClientGateway) ChainHeight(ctx context.Context) (uint64, error) {
	pl, err := g.PeerLedgerOf(ctx, g.MSPID, g.GatewayAddress(), nil)
	if err != nil {
		return 0, err
	}
	return pl.Height, nil
}

var _ Gateway = ClientGateway{}

// Options configure NewServer.
type Options struct {
	// Gateway is the typed client the server reads through and forwards
	// signed transactions to.
	Gateway Gateway
	// Logger logs requests and the listener; nil: slog.Default().
	Logger *slog.Logger
	// WaitTimeout bounds a waitFor; zero: 30 s.
	WaitTimeout time.Duration
	// MaxBody bounds a request body; zero: 1 MiB.
	MaxBody int64
	// Now is the server's clock (sessions expire, ballots' status now);
	// nil: time.Now.
	Now func() time.Time
	// StateDir holds the read index, its checkpoint, jobs and idempotency
	// keys (internal/index); a restarted server resumes from it. Empty: a
	// temporary directory removed by Close (the index is rebuilt from
	// block 0).
	StateDir string
	// Chaincode is the chaincode whose world state the index replicates;
	// empty: "charter".
	Chaincode string
	// AuditExport is what GET /v1/audit/export reads (the zero value:
	// the gateway's blocks; see AuditExport).
	AuditExport AuditExport
	// Alerts, when its Amount is set, makes Run report every treasury
	// alert at that amount (alerts.go): logged, and posted to its webhook.
	Alerts AlertOptions
}

// Server is the API. Its Handler serves it; Run follows the blocks.
type Server struct {
	opts    Options
	idx     *index.Index
	tempDir string
	gw      Gateway
	log     *slog.Logger
	blocks  *listener
	signing *signingStore
	router  routers.Router
	handler http.Handler
	exports chan struct{} // running audit exports (handlers_audit_export.go)
}

// HeightHeader carries the block height a response reflects.
const HeightHeader = "Charter-Block-Height"

// NewServer builds the API over opts.Gateway. The returned server's
// Handler serves at once; its block listener (which settles jobs and
// feeds waitFor, SSE and the height header) runs while Run runs.
func NewServer(opts Options) (*Server, error) {
	if opts.Gateway == nil {
		return nil, errors.New("api: Options.Gateway is required")
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.WaitTimeout == 0 {
		opts.WaitTimeout = 30 * time.Second
	}
	if opts.MaxBody == 0 {
		opts.MaxBody = 1 << 20
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	spec, err := GetSwagger()
	if err != nil {
		return nil, fmt.Errorf("api: load the embedded OpenAPI spec: %w", err)
	}
	spec.Servers = nil // match any host
	if err := spec.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("api: the embedded OpenAPI spec is invalid: %w", err)
	}
	router, err := gorillamux.NewRouter(spec)
	if err != nil {
		return nil, fmt.Errorf("api: route the OpenAPI spec: %w", err)
	}
	if opts.Chaincode == "" {
		opts.Chaincode = charter.DefaultChaincode
	}
	if opts.Alerts.Amount < 0 || (opts.Alerts.Webhook != nil && opts.Alerts.Amount == 0) {
		return nil, fmt.Errorf("api: Options.Alerts.Amount %d: want a positive amount (with a webhook, one is required)", opts.Alerts.Amount)
	}
	s := &Server{opts: opts, gw: opts.Gateway, log: opts.Logger, router: router, exports: make(chan struct{}, maxAuditExports)}
	dir := opts.StateDir
	if dir == "" {
		if s.tempDir, err = os.MkdirTemp("", "charter-serve-"); err != nil {
			return nil, fmt.Errorf("api: temporary state directory: %w", err)
		}
		dir = s.tempDir
	}
	if s.idx, err = index.Open(dir, opts.Chaincode); err != nil {
		s.removeTemp()
		return nil, err
	}
	if s.blocks, err = newListener(opts.Gateway, s.idx, opts.Logger); err != nil {
		_ = s.Close()
		return nil, err
	}
	s.signing = newSigningStore(opts.Now, s.idx)
	mux := http.NewServeMux()
	HandlerWithOptions(s, StdHTTPServerOptions{
		BaseRouter: mux,
		ErrorHandlerFunc: func(w http.ResponseWriter, r *http.Request, err error) {
			writeProblem(w, r, newProblem(charter.CodeInvalidArgument, "", "parameter", "%v", err))
		},
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, r, newProblem(charter.CodeNotFound, "", "route", "no operation %s %s (see api/openapi.yaml)", r.Method, r.URL.Path))
	})
	s.handler = s.logged(s.validated(s.fresh(mux)))
	return s, nil
}

// Handler serves the API.
func (s *Server) Handler() http.Handler { return s.handler }

// Close closes the state directory's index (after Run has returned).
func (s *Server) Close() error {
	err := s.idx.Close()
	s.removeTemp()
	return err
}

// stateDir is the directory of the server's durable state (the
// temporary one when Options.StateDir is empty).
func (s *Server) stateDir() string {
	if s.opts.StateDir != "" {
		return s.opts.StateDir
	}
	return s.tempDir
}

func (s *Server) removeTemp() {
	if s.tempDir != "" {
		_ = os.RemoveAll(s.tempDir)
	}
}

// Run follows the channel's blocks until ctx ends, and reports treasury
// alerts when Options.Alerts asks for them.
func (s *Server) Run(ctx context.Context) {
	if s.opts.Alerts.Amount <= 0 {
		s.blocks.run(ctx)
		return
	}
	done := make(chan struct{})
	go func() { defer close(done); s.runAlerts(ctx) }()
	s.blocks.run(ctx)
	<-done
}

// logged logs each request.
func (s *Server) logged(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rw := &statusWriter{ResponseWriter: w, status: 200}
		next.ServeHTTP(rw, r)
		s.log.Info("request", "method", r.Method, "path", r.URL.Path, "status", rw.status, "duration", time.Since(start))
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) { w.status = code; w.ResponseWriter.WriteHeader(code) }
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// validated checks every request against the spec before it reaches a
// handler: unknown routes, parameters, headers and bodies are refused
// with a problem naming the field and the rule.
func (s *Server) validated(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, s.opts.MaxBody)
		route, params, err := s.router.FindRoute(r)
		if err != nil {
			var re *routers.RouteError
			if errors.As(err, &re) && errors.Is(err, routers.ErrMethodNotAllowed) {
				w.Header().Set("Allow", "GET, POST")
				writeProblem(w, r, newProblem(charter.CodeInvalidArgument, "", "method", "%s is not allowed on %s", r.Method, r.URL.Path))
				return
			}
			writeProblem(w, r, newProblem(charter.CodeNotFound, "", "route", "no operation %s %s (see api/openapi.yaml)", r.Method, r.URL.Path))
			return
		}
		in := &openapi3filter.RequestValidationInput{
			Request: r, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
		}
		if err := openapi3filter.ValidateRequest(r.Context(), in); err != nil {
			writeProblem(w, r, validationProblem(err))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// validationProblem names the field and the schema rule a request broke.
func validationProblem(err error) *problem {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return newProblem(codeNotAcceptable, "body", "max-body-size", "request body is larger than %d bytes", tooLarge.Limit)
	}
	var reqErr *openapi3filter.RequestError
	field, rule := "", "schema"
	if errors.As(err, &reqErr) {
		switch {
		case reqErr.Parameter != nil:
			field = reqErr.Parameter.Name
		case reqErr.RequestBody != nil:
			field = "body"
		}
	}
	var schemaErr *openapi3.SchemaError
	if errors.As(err, &schemaErr) {
		if ptr := schemaErr.JSONPointer(); len(ptr) > 0 && field == "body" {
			field = "/" + strings.Join(ptr, "/")
		}
		if schemaErr.SchemaField != "" {
			rule = schemaErr.SchemaField
		}
		// An unknown property: kin-openapi names it in the reason only.
		if name, ok := strings.CutPrefix(schemaErr.Reason, "property \""); ok && strings.HasSuffix(name, "\" is unsupported") {
			name = strings.TrimSuffix(name, "\" is unsupported")
			if field == "body" {
				field = ""
			}
			field += "/" + name
			rule = "additionalProperties"
		}
		return newProblem(charter.CodeInvalidArgument, field, rule, "%s: %s", field, schemaErr.Reason)
	}
	if reqErr != nil && reqErr.Parameter != nil && reqErr.Parameter.Required && strings.Contains(reqErr.Error(), "required") {
		rule = "required"
	}
	return newProblem(charter.CodeInvalidArgument, field, rule, "%v", err)
}

// fresh stamps the block height on every response and, for a request
// with ?waitFor=<txId>, first waits until the listener has seen it.
func (s *Server) fresh(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if tx := r.URL.Query().Get("waitFor"); tx != "" {
			if err := s.waitFor(r.Context(), tx); err != nil {
				writeProblem(w, r, err)
				return
			}
		}
		h, _ := s.blocks.Height()
		w.Header().Set(HeightHeader, strconv.FormatUint(h, 10))
		next.ServeHTTP(w, r)
	})
}

// waitFor waits until txID is in a block the index applied (so every
// index read after it reflects the transaction).
func (s *Server) waitFor(ctx context.Context, txID string) error {
	_, err := s.blocks.waitFor(ctx, txID, s.opts.WaitTimeout)
	return err
}

// cursor is what a page's opaque cursor holds: the listing it belongs to
// and the chaincode's bookmark.
type cursor struct {
	Listing  string `json:"l"`
	Bookmark string `json:"b"`
}

func encodeCursor(listing, bookmark string) *string {
	if bookmark == "" {
		return nil
	}
	raw, _ := json.Marshal(cursor{Listing: listing, Bookmark: bookmark})
	c := base64.RawURLEncoding.EncodeToString(raw)
	return &c
}

// decodeCursor returns the bookmark of a cursor made for listing.
func decodeCursor(listing string, c *string) (string, error) {
	if c == nil {
		return "", nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(*c)
	var cur cursor
	if err != nil || json.Unmarshal(raw, &cur) != nil || cur.Bookmark == "" {
		return "", newProblem(charter.CodeInvalidArgument, "cursor", "opaque-cursor", "cursor is not one this server issued")
	}
	if cur.Listing != listing {
		return "", newProblem(charter.CodeInvalidArgument, "cursor", "same-listing", "cursor belongs to another listing (%q, not %q): start again without a cursor", cur.Listing, listing)
	}
	return cur.Bookmark, nil
}

func limitOf(l *int) int {
	if l == nil {
		return 100
	}
	return *l
}

// toItems renders typed values as JSON objects.
func toItems[T any](vs []T) ([]map[string]any, error) {
	raw, err := json.Marshal(vs)
	if err != nil {
		return nil, fmt.Errorf("encode items: %w", err)
	}
	items := []map[string]any{}
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, fmt.Errorf("decode items: %w", err)
	}
	return items, nil
}

func (s *Server) height() int64 {
	h, _ := s.blocks.Height()
	return int64(h)
}

// paged serves one page of a cursor-paginated listing: it decodes the
// cursor (refusing one issued for another listing), fetches the page at
// its bookmark and writes the items with the next cursor.
func paged[T any](s *Server, w http.ResponseWriter, r *http.Request, listing string, cursor *string, fetch func(bookmark string) ([]T, string, error)) {
	bm, err := decodeCursor(listing, cursor)
	if err != nil {
		writeProblem(w, r, err)
		return
	}
	vs, next, err := fetch(bm)
	page(s, w, r, listing, vs, next, err)
}

// page answers one page of a listing.
func page[T any](s *Server, w http.ResponseWriter, r *http.Request, listing string, vs []T, bookmark string, err error) {
	if err != nil {
		writeProblem(w, r, err)
		return
	}
	items, err := toItems(vs)
	if err != nil {
		writeProblem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, Page{Items: items, NextCursor: encodeCursor(listing, bookmark), BlockHeight: s.height()})
}

// list answers a whole (bounded) list.
func list[T any](s *Server, w http.ResponseWriter, r *http.Request, vs []T, err error) {
	if err != nil {
		writeProblem(w, r, err)
		return
	}
	items, err := toItems(vs)
	if err != nil {
		writeProblem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, Items{Items: items, BlockHeight: s.height()})
}

// one answers a single object.
func one[T any](w http.ResponseWriter, r *http.Request, v T, err error) {
	if err != nil {
		writeProblem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}
