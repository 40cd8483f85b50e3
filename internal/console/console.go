// Package console is Charter's web console: server-rendered pages (Go
// html/template with htmx, embedded in the binary, no build step) for
// voters, delegates, grants staff, guardians and auditors, read through
// the typed gateway client as a read identity.
//
// Writes never pass through the console: the browser holds the member's
// key (imported once into WebCrypto as a non-extractable ECDSA P-256 key,
// kept in IndexedDB) and uses the HTTP API's offline-signing flow under
// Options.APIBase (static/console.js). The server never sees a member key.
//
// Every page shows whose identity is acting: the console's read identity
// (what the pages are read as) and the member whose key this browser holds
// (who signs). See docs/console.md.
package console

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"embed"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"math/big"
	"net/http"
	"net/url"
	"strings"

	"github.com/charter-gov/charter/chaincode/identity"
	charter "github.com/charter-gov/charter/gateway-client"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Options configure the console.
type Options struct {
	// Client is the typed client the pages are read through (a read
	// identity: it never signs a member's write).
	Client *charter.Client
	// Reader replaces Client as the source of reads (tests); one of the
	// two is required.
	Reader Reader
	// APIBase is where the browser finds the HTTP API's /v1 endpoints
	// (offline signing, jobs, live results); default "/v1".
	APIBase string
	// Logger receives one line per failed read; default slog.Default().
	Logger *slog.Logger
	// AlertAmount is the treasury alert amount the guardian page lists
	// the latest alerts at (with a Reader that is an AlertReader); zero:
	// no alert list.
	AlertAmount int64
}

// memberCookie holds the identity (not the key) of the member whose key
// this browser holds, set by console.js after an import; it only chooses
// whose standing and delegations the pages show.
const memberCookie = "charter_member"

type server struct {
	r       Reader
	alertAt int64
	apiBase string
	log     *slog.Logger
	pages   map[string]*template.Template
}

// New returns the console's handler, to be mounted at "/".
//
// Errors: no Client or Reader; an APIBase that is not an absolute path or
// URL; a template that does not parse.
func New(opts Options) (http.Handler, error) {
	s := &server{r: opts.Reader, apiBase: opts.APIBase, log: opts.Logger, alertAt: opts.AlertAmount}
	if s.r == nil {
		if opts.Client == nil {
			return nil, errors.New("console: Options.Client (or Reader) is required")
		}
		s.r = opts.Client
	}
	if s.apiBase == "" {
		s.apiBase = "/v1"
	}
	s.apiBase = strings.TrimRight(s.apiBase, "/")
	if !strings.HasPrefix(s.apiBase, "/") && !strings.HasPrefix(s.apiBase, "https://") && !strings.HasPrefix(s.apiBase, "http://") {
		return nil, fmt.Errorf("console: APIBase %q must be an absolute path or an http(s) URL", opts.APIBase)
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if err := s.parse(); err != nil {
		return nil, err
	}
	static, err := fs.Sub(staticFS, "static")
	if err != nil {
		return nil, fmt.Errorf("console: static files: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServer(http.FS(static))))
	mux.HandleFunc("GET /{$}", s.home)
	mux.HandleFunc("GET /identity", s.identityPage)
	mux.HandleFunc("POST /console/identity", s.identityOf)
	mux.HandleFunc("GET /ballots", s.ballots)
	mux.HandleFunc("GET /ballots/{id}", s.ballotPage)
	mux.HandleFunc("GET /ballots/{id}/results", s.ballotResults)
	mux.HandleFunc("GET /ballots/{id}/standing", s.ballotStanding)
	mux.HandleFunc("GET /decisions", s.decisions)
	mux.HandleFunc("GET /decisions/{id}", s.decisionPage)
	mux.HandleFunc("GET /delegates", s.delegates)
	mux.HandleFunc("GET /delegates/{msp}/{id}", s.delegatePage)
	mux.HandleFunc("GET /me/delegations", s.myDelegations)
	mux.HandleFunc("GET /members/{msp}/{id}/reputation", s.reputationPage)
	mux.HandleFunc("GET /rounds", s.roundsIndex)
	mux.HandleFunc("GET /rounds/{id}", s.roundPage)
	mux.HandleFunc("GET /rounds/{id}/live", s.roundLiveFragment)
	mux.HandleFunc("GET /artifacts", s.artifacts)
	mux.HandleFunc("GET /artifacts/{name}/{version}", s.artifactPage)
	mux.HandleFunc("GET /guardian", s.guardian)
	mux.HandleFunc("GET /guardian/status", s.guardianStatus)
	mux.HandleFunc("GET /treasury", s.treasuryPage)
	mux.HandleFunc("GET /treasury/spends/{id}", s.spendPage)
	mux.HandleFunc("GET /audit", s.audit)
	return securityHeaders(mux, contentPolicy(s.apiBase)), nil
}

// contentPolicy allows scripts, styles and requests from the console's
// own origin only (and the API's, when it lives elsewhere): no inline
// script, no third-party code near the member's key.
func contentPolicy(apiBase string) string {
	connect := "'self'"
	if u, err := url.Parse(apiBase); err == nil && u.Host != "" {
		connect += " " + u.Scheme + "://" + u.Host
	}
	return "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src " + connect +
		"; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
}

// securityHeaders: the content policy, no framing, no sniffing.
func securityHeaders(h http.Handler, csp string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", csp)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("X-Frame-Options", "DENY")
		w.Header().Set("Referrer-Policy", "same-origin")
		h.ServeHTTP(w, r)
	})
}

func (s *server) parse() error {
	base, err := template.New("base").Funcs(funcs).ParseFS(templateFS, "templates/layout.html")
	if err != nil {
		return fmt.Errorf("console: layout: %w", err)
	}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return fmt.Errorf("console: templates: %w", err)
	}
	s.pages = map[string]*template.Template{}
	for _, n := range names {
		if n == "templates/layout.html" {
			continue
		}
		t, err := template.Must(base.Clone()).ParseFS(templateFS, n)
		if err != nil {
			return fmt.Errorf("console: %s: %w", n, err)
		}
		s.pages[strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")] = t
	}
	return nil
}

// page is what every template receives.
type page struct {
	Title   string
	Nav     string
	Reader  identity.Identity
	Member  *identity.Identity
	APIBase string
	Data    any
}

// render writes a whole page (layout) or, for an htmx request or a
// fragment, the named block only.
func (s *server) render(w http.ResponseWriter, r *http.Request, name, title, nav string, data any) {
	t, ok := s.pages[name]
	if !ok {
		http.Error(w, "console: no page "+name, http.StatusInternalServerError)
		return
	}
	p := page{Title: title, Nav: nav, Reader: s.r.Identity(), Member: memberOf(r), APIBase: s.apiBase, Data: data}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := t.ExecuteTemplate(w, "layout", p); err != nil {
		s.log.Error("console: render", "page", name, "err", err)
	}
}

// fragment writes one template block with data (an htmx swap target).
func (s *server) fragment(w http.ResponseWriter, name, block string, data any) {
	t, ok := s.pages[name]
	if !ok {
		http.Error(w, "console: no page "+name, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := t.ExecuteTemplate(w, block, data); err != nil {
		s.log.Error("console: render", "block", block, "err", err)
	}
}

// fail renders a read error as a page with the status the client's error
// code maps to (the one mapping of codes to HTTP statuses here).
func (s *server) fail(w http.ResponseWriter, r *http.Request, what string, err error) {
	status := statusOf(err)
	if status >= 500 {
		s.log.Error("console: read failed", "what", what, "err", err)
	}
	w.WriteHeader(status)
	s.render(w, r, "error", "Something went wrong", "", map[string]any{"What": what, "Err": err.Error(), "Status": status})
}

func statusOf(err error) int {
	switch {
	case errors.Is(err, charter.ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, charter.ErrInvalidArgument):
		return http.StatusBadRequest
	case errors.Is(err, charter.ErrForbidden):
		return http.StatusForbidden
	case errors.Is(err, charter.ErrConflict), errors.Is(err, charter.ErrFailedPrecondition):
		return http.StatusConflict
	case errors.Is(err, charter.ErrUnavailable):
		return http.StatusServiceUnavailable
	}
	return http.StatusBadGateway
}

// memberOf returns the member whose key the browser says it holds (the
// cookie console.js sets), or nil. It names no secret: anyone may read
// anyone's standing; signing needs the key, which only the browser has.
func memberOf(r *http.Request) *identity.Identity {
	c, err := r.Cookie(memberCookie)
	if err != nil {
		return nil
	}
	id, err := decodeMember(c.Value)
	if err != nil {
		return nil
	}
	return &id
}

// MemberCookie returns the value of the cookie that names id as the member
// whose key the browser holds (what console.js sets after an import).
func MemberCookie(id identity.Identity) string { return encodeMember(id) }

func encodeMember(id identity.Identity) string {
	raw, _ := json.Marshal(map[string]string{"mspId": id.MSPID, "id": id.ID})
	return base64.RawURLEncoding.EncodeToString(raw)
}

func decodeMember(v string) (identity.Identity, error) {
	raw, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil {
		return identity.Identity{}, fmt.Errorf("member cookie: %w", err)
	}
	var m struct {
		MSPID string `json:"mspId"`
		ID    string `json:"id"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return identity.Identity{}, fmt.Errorf("member cookie: %w", err)
	}
	id := identity.Identity{MSPID: m.MSPID, ID: m.ID}
	if err := id.Validate(); err != nil {
		return identity.Identity{}, fmt.Errorf("member cookie: %w", err)
	}
	return id, nil
}

// maxCertBytes bounds the certificate the identity endpoint reads.
const maxCertBytes = 16 << 10

// identityOf answers POST /console/identity {mspId, certificate, proof}:
// the identity Charter derives from that certificate (the chaincode's own
// identity.FromPEM) and the cookie value naming it, once proof (a DER,
// low-S ECDSA signature over SHA-256 of the certificate's PEM text, made
// with the key the browser just imported) shows that key belongs to the
// certificate. It reads a public certificate and a signature only; the key
// stays in the browser.
func (s *server) identityOf(w http.ResponseWriter, r *http.Request) {
	var req struct {
		MSPID       string `json:"mspId"`
		Certificate string `json:"certificate"`
		Proof       string `json:"proof"`
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxCertBytes+1024))
	if err == nil {
		err = json.Unmarshal(body, &req)
	}
	if err != nil {
		problem(w, http.StatusBadRequest, "body", "a JSON object {mspId, certificate} of at most 17 KiB: "+err.Error())
		return
	}
	if req.MSPID == "" {
		problem(w, http.StatusBadRequest, "mspId", "required: the member's organisation MSP ID")
		return
	}
	id, err := identity.FromPEM(req.MSPID, []byte(req.Certificate))
	if err == nil {
		err = id.Validate()
	}
	if err != nil {
		problem(w, http.StatusBadRequest, "certificate", err.Error())
		return
	}
	if err := checkProof(req.Certificate, req.Proof); err != nil {
		problem(w, http.StatusBadRequest, "proof", err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]string{"mspId": id.MSPID, "id": id.ID, "short": id.Short(), "cookie": encodeMember(id)})
}

// checkProof verifies proof (base64 DER ECDSA, low S) over SHA-256 of
// certPEM with the certificate's public key: the same encoding Fabric
// requires of the member's transaction signatures.
func checkProof(certPEM, proof string) error {
	cert, err := identity.ParsePEM([]byte(certPEM))
	if err != nil {
		return err
	}
	pub, ok := cert.PublicKey.(*ecdsa.PublicKey)
	if !ok || pub.Curve != elliptic.P256() {
		return errors.New("the certificate's key is not ECDSA P-256")
	}
	sig, err := base64.StdEncoding.DecodeString(proof)
	if err != nil || len(sig) == 0 {
		return errors.New("a base64 DER signature over the certificate is required")
	}
	if err := LowSDER(sig); err != nil {
		return err
	}
	digest := sha256.Sum256([]byte(certPEM))
	if !ecdsa.VerifyASN1(pub, digest[:], sig) {
		return errors.New("the signature does not verify with the certificate's public key: the key and the certificate do not belong together")
	}
	return nil
}

// LowSDER reports whether sig is an ASN.1 DER ECDSA P-256 signature with
// S in the lower half of the curve order (what Fabric's MSP accepts).
func LowSDER(sig []byte) error {
	var rs struct{ R, S *big.Int }
	rest, err := asn1.Unmarshal(sig, &rs)
	if err != nil || len(rest) != 0 {
		return errors.New("the signature is not ASN.1 DER (SEQUENCE of two INTEGERs)")
	}
	n := elliptic.P256().Params().N
	if rs.R.Sign() <= 0 || rs.S.Sign() <= 0 || rs.R.Cmp(n) >= 0 || rs.S.Cmp(n) >= 0 {
		return errors.New("the signature's r or s is out of range")
	}
	if rs.S.Cmp(new(big.Int).Rsh(n, 1)) > 0 {
		return errors.New("the signature's S is high (S > n/2): normalise it to n − S")
	}
	return nil
}

// problem writes an RFC 9457 problem naming the field at fault.
func problem(w http.ResponseWriter, status int, field, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"type": "about:blank", "title": http.StatusText(status), "status": status,
		"detail": field + ": " + detail, "field": field})
}
