package console

// Browser tests: headless Chromium (Debian's chromium) driven by chromedp
// from Go, so `go test` runs them with no npm step. They run the console
// against the fake reader and a fake API that checks every signature the
// browser makes with Go's crypto/ecdsa; test/console_test.go runs the
// same console against the real network.

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	_ "embed"
	"encoding/asn1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/ballot"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
)

//go:embed testdata/axe.min.js
var axeSource string

// Chromium finds the browser the e2e tests drive: $CHARTER_CHROMIUM, or
// chromium / chromium-browser / google-chrome on PATH ("" when absent).
func Chromium() string {
	if p := os.Getenv("CHARTER_CHROMIUM"); p != "" {
		return p
	}
	for _, n := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	return ""
}

// browser starts one headless Chromium for a test and returns a tab whose
// actions time out after five minutes: a guard against a hang, generous
// because a test (the accessibility scan of every page) runs many actions
// in it on a machine the race detector and other builds keep busy.
func browser(t *testing.T) context.Context {
	t.Helper()
	path := Chromium()
	if path == "" {
		t.Skip("chromium is not installed (apt-get install chromium; .ci/run installs it): the browser tests need it")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.WindowSize(1100, 800))
	actx, cancel := chromedp.NewExecAllocator(t.Context(), opts...)
	t.Cleanup(cancel)
	ctx, cancelTab := chromedp.NewContext(actx)
	t.Cleanup(cancelTab)
	// The first action starts the browser; it must not carry a timeout.
	require.NoError(t, chromedp.Do(ctx), "start chromium")
	ctx, cancelTime := context.WithTimeout(ctx, 5*time.Minute)
	t.Cleanup(cancelTime)
	return ctx
}

// do runs steps in order and fails the test on the first error.
func do(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	require.NoError(t, chromedp.Do(ctx, steps...))
}

// eval evaluates a JavaScript expression (awaiting a promise) into a T.
func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	require.NoError(t, err, "evaluate %.80s", expr)
	return v
}

// text returns the visible text of the first node matching sel.
func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Text(sel))
	require.NoError(t, err, "text of %s", sel)
	return v
}

// waitFor waits until a JavaScript condition holds (30 s at most).
func waitFor(t *testing.T, ctx context.Context, cond string) {
	t.Helper()
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](cond))
	require.NoError(t, err, "wait for %s", cond)
}

func pkcs8PEM(t *testing.T, key *ecdsa.PrivateKey) string {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	require.NoError(t, err)
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

// TestBrowserRawToDER runs console.js's r‖s → DER conversion on edge
// vectors and compares each with Go's own DER encoding of (r, low S).
func TestBrowserRawToDER(t *testing.T) {
	ctx := browser(t)
	srv, _ := newTestServer(t)
	do(t, ctx, chromedp.Navigate(srv.URL+"/identity"), chromedp.WaitReady("#import-form"))
	n := elliptic.P256().Params().N
	half := new(big.Int).Rsh(n, 1)
	one := big.NewInt(1)
	highBit, _ := new(big.Int).SetString("80"+strings.Repeat("00", 31), 16)
	vectors := []struct {
		name string
		r, s *big.Int
	}{
		{"high S is normalised to n − S", big.NewInt(12345), new(big.Int).Sub(n, big.NewInt(7))},
		{"S = n/2 stays", big.NewInt(9), half},
		{"S = n/2 + 1 becomes n/2", big.NewInt(9), new(big.Int).Add(half, one)},
		{"r with its high bit set gets a 0x00 prefix", highBit, big.NewInt(3)},
		{"small r and s are minimal", one, one},
		{"S = n − 1 becomes 1", new(big.Int).Sub(n, one), new(big.Int).Sub(n, one)},
	}
	for _, v := range vectors {
		t.Run(v.name, func(t *testing.T) {
			raw := make([]byte, 64)
			v.r.FillBytes(raw[:32])
			v.s.FillBytes(raw[32:])
			got := eval[string](t, ctx, fmt.Sprintf(`charterConsole.bytesToB64(charterConsole.rawToDER(charterConsole.b64ToBytes(%q)))`, base64.StdEncoding.EncodeToString(raw)))
			s := v.s
			if s.Cmp(half) > 0 {
				s = new(big.Int).Sub(n, s)
			}
			want, err := asn1.Marshal(struct{ R, S *big.Int }{v.r, s})
			require.NoError(t, err)
			assert.Equal(t, base64.StdEncoding.EncodeToString(want), got)
			der, _ := base64.StdEncoding.DecodeString(got)
			require.NoError(t, LowSDER(der))
		})
	}
	t.Run("a signature of the wrong length is refused", func(t *testing.T) {
		msg := eval[string](t, ctx, `(() => { try { charterConsole.rawToDER(new Uint8Array(63)); return "accepted" } catch (e) { return e.message } })()`)
		assert.Contains(t, msg, "must be 64 bytes")
	})
}

// TestBrowserSignaturesVerifyInGo imports a Go-made PKCS#8 key into
// WebCrypto non-extractable, signs messages in the browser, and verifies
// every signature with crypto/ecdsa (DER, low S).
func TestBrowserSignaturesVerifyInGo(t *testing.T) {
	ctx := browser(t)
	srv, _ := newTestServer(t)
	do(t, ctx, chromedp.Navigate(srv.URL+"/identity"), chromedp.WaitReady("#import-form"))
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	msgs := make([]string, 24)
	for i := range msgs {
		b := make([]byte, 40+i)
		_, _ = rand.Read(b)
		msgs[i] = base64.StdEncoding.EncodeToString(b)
	}
	in, _ := json.Marshal(msgs)
	type result struct {
		Extractable bool     `json:"extractable"`
		Sigs        []string `json:"sigs"`
	}
	expr := fmt.Sprintf(`(async () => {
		const pem = %q;
		const der = charterConsole.b64ToBytes(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''));
		const key = await crypto.subtle.importKey('pkcs8', der, {name: 'ECDSA', namedCurve: 'P-256'}, false, ['sign']);
		const sigs = [];
		for (const m of %s) sigs.push(charterConsole.bytesToB64(await charterConsole.signBytes(key, charterConsole.b64ToBytes(m))));
		return {extractable: key.extractable, sigs};
	})()`, pkcs8PEM(t, key), in)
	out := eval[result](t, ctx, expr)
	assert.False(t, out.Extractable, "the imported key is not extractable")
	require.Len(t, out.Sigs, len(msgs))
	for i, s := range out.Sigs {
		sig, err := base64.StdEncoding.DecodeString(s)
		require.NoError(t, err)
		require.NoError(t, LowSDER(sig), "signature %d", i)
		msg, _ := base64.StdEncoding.DecodeString(msgs[i])
		d := sha256.Sum256(msg)
		assert.True(t, ecdsa.VerifyASN1(&key.PublicKey, d[:], sig), "signature %d verifies with Go's ecdsa", i)
	}
}

// fakeAPI is the offline-signing flow of the HTTP API, as the console
// codes against it, with real signature checks: a proposal or transaction
// signature that is not DER, high S, or not by the signer's certificate
// is refused with a problem. A committed vote is added to the reader's
// votes (so the console's results show it).
type fakeAPI struct {
	t      *testing.T
	reader *fakeReader
	mu     sync.Mutex
	s      map[string]*fakeSigning
	n      int
}

type fakeSigning struct {
	cert        *x509.Certificate
	voter       identity.Identity
	choice      string
	proposal    []byte
	transaction []byte
	// op is the chaincode's answer: simulated at endorsement (commit
	// false), applied at submission (commit true). Nil: a vote.
	op func(commit bool) (any, error)
	// failed is the chaincode's refusal at commit, if any.
	failed error
}

func (a *fakeAPI) problem(w http.ResponseWriter, status int, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"title": http.StatusText(status), "status": status, "detail": detail})
}

func (a *fakeAPI) verify(w http.ResponseWriter, r *http.Request, s *fakeSigning, msg []byte) bool {
	var body struct {
		Signature []byte `json:"signature"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		a.problem(w, 400, "signature: "+err.Error())
		return false
	}
	if err := LowSDER(body.Signature); err != nil {
		a.problem(w, 400, "signature: "+err.Error())
		return false
	}
	d := sha256.Sum256(msg)
	if !ecdsa.VerifyASN1(s.cert.PublicKey.(*ecdsa.PublicKey), d[:], body.Signature) {
		a.problem(w, 400, "signature: not the signer's")
		return false
	}
	return true
}

func (a *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	parts := strings.Split(strings.Trim(strings.TrimPrefix(r.URL.Path, "/v1/"), "/"), "/")
	if a.serveGrant(w, r, parts) || a.serveTreasury(w, r, parts) || a.serveStatement(w, r, parts) {
		return
	}
	switch {
	case r.Method == http.MethodPost && len(parts) == 3 && parts[0] == "ballots" && parts[2] == "votes":
		var body struct {
			Choice string `json:"choice"`
			Signer struct {
				MSPID       string `json:"mspId"`
				Certificate string `json:"certificate"`
			} `json:"signer"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			a.problem(w, 400, err.Error())
			return
		}
		cert, err := identity.ParsePEM([]byte(body.Signer.Certificate))
		if err != nil {
			a.problem(w, 400, "signer.certificate: "+err.Error())
			return
		}
		a.n++
		id := fmt.Sprintf("%032x", a.n)
		prop := make([]byte, 200)
		_, _ = rand.Read(prop)
		a.s[id] = &fakeSigning{cert: cert, voter: identity.FromCert(body.Signer.MSPID, cert), choice: body.Choice, proposal: prop}
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(map[string]any{"signing": map[string]any{"id": id, "txId": hex.EncodeToString(prop[:32]), "proposal": prop}})
	case r.Method == http.MethodPost && len(parts) == 3 && parts[0] == "signing" && parts[2] == "endorse":
		s, ok := a.s[parts[1]]
		if !ok {
			a.problem(w, 404, "signing "+parts[1])
			return
		}
		if !a.verify(w, r, s, s.proposal) {
			return
		}
		out := map[string]any{}
		if s.op != nil {
			res, err := s.op(false)
			if err != nil {
				a.refuse(w, err)
				return
			}
			out["result"] = res
		}
		s.transaction = make([]byte, 300)
		_, _ = rand.Read(s.transaction)
		out["transaction"] = s.transaction
		_ = json.NewEncoder(w).Encode(out)
	case r.Method == http.MethodPost && len(parts) == 3 && parts[0] == "signing" && parts[2] == "submit":
		s, ok := a.s[parts[1]]
		if !ok || s.transaction == nil {
			a.problem(w, 409, "signing "+parts[1]+" is not endorsed")
			return
		}
		if r.Header.Get("Idempotency-Key") == "" {
			a.problem(w, 400, "Idempotency-Key: required")
			return
		}
		if !a.verify(w, r, s, s.transaction) {
			return
		}
		if s.op != nil {
			_, s.failed = s.op(true)
		} else {
			a.reader.addVote(ballot.CastWeight{Voter: s.voter, Choice: s.choice, Weight: "7", Counted: true, CastAt: t0})
		}
		w.WriteHeader(http.StatusAccepted)
		_ = json.NewEncoder(w).Encode(map[string]any{"job": map[string]any{"id": parts[1], "status": "submitted", "txId": hex.EncodeToString(s.proposal[:32])}})
	case r.Method == http.MethodGet && len(parts) == 2 && parts[0] == "jobs":
		s, ok := a.s[parts[1]]
		if !ok {
			a.problem(w, 404, "job "+parts[1])
			return
		}
		if s.failed != nil {
			_ = json.NewEncoder(w).Encode(map[string]any{"id": parts[1], "status": "failed", "txId": hex.EncodeToString(s.proposal[:32]), "code": string(errcode.CodeOf(s.failed)), "detail": s.failed.Error()})
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"id": parts[1], "status": "committed", "txId": hex.EncodeToString(s.proposal[:32]), "blockHeight": 42})
	default:
		a.problem(w, 404, r.Method+" "+r.URL.Path)
	}
}

// consoleWithAPI serves the console at / and the fake API at /v1/.
func consoleWithAPI(t *testing.T) (*httptest.Server, *fakeReader) {
	t.Helper()
	f := newFake()
	h, err := New(Options{Reader: f})
	require.NoError(t, err)
	mux := http.NewServeMux()
	mux.Handle("/v1/", &fakeAPI{t: t, reader: f, s: map[string]*fakeSigning{}})
	mux.Handle("/", h)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, f
}

// importKey imports a fresh key and certificate through the identity page
// (file inputs are set as a user would pick them) and returns the identity.
func importKey(t *testing.T, ctx context.Context, srv *httptest.Server, f *fakeReader) identity.Identity {
	t.Helper()
	key, cert := selfSigned(t, "carol")
	dir := t.TempDir()
	keyPath, certPath := filepath.Join(dir, "priv_sk"), filepath.Join(dir, "cert.pem")
	require.NoError(t, os.WriteFile(keyPath, []byte(pkcs8PEM(t, key)), 0o600))
	require.NoError(t, os.WriteFile(certPath, []byte(cert), 0o600))
	id, err := identity.FromPEM("LabAMSP", []byte(cert))
	require.NoError(t, err)
	f.allow(id, "7")
	f.g().setAdmin(id)
	do(t, ctx,
		chromedp.Navigate(srv.URL+"/identity"), chromedp.WaitReady("#import-form"),
		chromedp.SendKeys("#msp", "LabAMSP"),
		chromedp.SetUploadFiles("#keyfile", []string{keyPath}),
		chromedp.SetUploadFiles("#certfile", []string{certPath}),
		chromedp.Click("#import-form button[type=submit]"))
	waitFor(t, ctx, `/^Import(ed|ed:| failed)/.test(document.getElementById('import-status').textContent)`)
	status := text(t, ctx, "#import-status")
	require.Contains(t, status, "Imported: writes will be signed as LabAMSP/carol")
	return id
}

// TestBrowserVoting: a voter imports their key, sees they can vote and
// why their weight is 7; votes with the keyboard only (Tab, Space,
// Enter); the browser's signatures pass the API's checks; the vote shows
// in the results without a reload. A voter who cannot vote sees why.
func TestBrowserVoting(t *testing.T) {
	ctx := browser(t)
	srv, f := consoleWithAPI(t)
	importKey(t, ctx, srv, f)

	do(t, ctx, chromedp.Navigate(srv.URL+"/ballots/b1"), chromedp.WaitReady("#vote-form"))
	eval[bool](t, ctx, `window.__noReload = true`)
	assert.Contains(t, text(t, ctx, "#signer"), "Writes are signed as LabAMSP/carol")
	standing := text(t, ctx, "#standing")
	assert.Contains(t, standing, "You can vote on this ballot.")
	assert.Contains(t, standing, "Your weight: 7")

	// Keyboard only: Tab from the top of the page to the first choice.
	active := ""
	for i := 0; i < 80 && active != "choice-for"; i++ {
		do(t, ctx, chromedp.KeyEvent(kb.Tab))
		active = eval[string](t, ctx, `document.activeElement.id`)
	}
	require.Equal(t, "choice-for", active, "the first choice is reachable with Tab")
	assert.True(t, eval[bool](t, ctx, `getComputedStyle(document.activeElement).outlineStyle !== 'none'`), "the focused control shows a focus outline")
	do(t, ctx, chromedp.KeyEvent(" "), chromedp.KeyEvent(kb.Tab))
	require.Contains(t, eval[string](t, ctx, `document.activeElement.textContent`), "Sign and cast my vote", "Tab moves from the choices to the submit button")
	do(t, ctx, chromedp.KeyEvent(kb.Enter))
	waitFor(t, ctx, `document.getElementById('vote-status').textContent.startsWith('Committed') || document.getElementById('vote-status').classList.contains('failed')`)
	assert.Contains(t, text(t, ctx, "#vote-status"), "Committed in block 41")
	waitFor(t, ctx, `document.querySelector('td[data-choice="for"]').textContent === '127'`)
	assert.True(t, eval[bool](t, ctx, `window.__noReload === true`), "the results changed without a reload")
	waitFor(t, ctx, `document.getElementById('announce').textContent !== ''`)
	assert.Contains(t, text(t, ctx, "#announce"), "4 votes counted so far")

	t.Run("a voter who cannot vote sees why", func(t *testing.T) {
		eval[string](t, ctx, `document.cookie = "charter_member=`+encodeMember(bob)+`; path=/"`)
		do(t, ctx, chromedp.Navigate(srv.URL+"/ballots/b1"), chromedp.WaitReady("#standing"))
		reason := text(t, ctx, "#cannot-vote")
		assert.Contains(t, reason, "You cannot vote now.")
		assert.Contains(t, reason, "held no tokens when voting opened")
	})
}

// mainPages are the pages the accessibility scan and the screenshots cover.
var mainPages = []struct{ name, path string }{
	{"home", "/"},
	{"ballots", "/ballots"},
	{"ballot", "/ballots/b1"},
	{"poll-results", "/ballots/p1"},
	{"decisions", "/decisions"},
	{"delegates", "/delegates"},
	{"delegate", "/delegates/LabAMSP/" + strings.ReplaceAll(ada.ID, "/", "%2F")},
	{"reputation", "/members/LabAMSP/" + strings.ReplaceAll(ada.ID, "/", "%2F") + "/reputation"},
	{"round", "/rounds/r1"},
	{"rounds", "/rounds"},
	{"round-manager", "/rounds/r2"},
	{"artifact", "/artifacts/charter-7b/1.0"},
	{"guardian", "/guardian?kind=ballot&target=paused"},
	{"treasury", "/treasury"},
	{"spend", "/treasury/spends/s1"},
	{"audit", "/audit"},
	{"identity", "/identity"},
}

// TestBrowserAccessibility runs axe-core (WCAG 2.0–2.2 A and AA rules) on
// every main page with a member key imported, and fails on any serious or
// critical violation. With CHARTER_SCREENSHOTS=DIR it also saves a PNG of
// each page there (docs/console/).
func TestBrowserAccessibility(t *testing.T) {
	ctx := browser(t)
	srv, f := consoleWithAPI(t)
	me := importKey(t, ctx, srv, f)
	f.treasury.mu.Lock()
	f.treasury.treasurers[me] = true // the spend and treasury pages with their action forms (approve, confirm, record a deposit)
	f.treasury.mu.Unlock()
	for _, p := range mainPages {
		t.Run(p.name, func(t *testing.T) {
			do(t, ctx, chromedp.Navigate(srv.URL+p.path), chromedp.WaitReady("main"))
			if p.name == "treasury" {
				require.True(t, eval[bool](t, ctx, `document.getElementById('deposit-form') !== null`), "the scan covers the record-a-deposit form")
			}
			assert.Empty(t, axeViolations(t, ctx), "axe found serious violations on %s", p.path)
			screenshot(t, ctx, p.name)
		})
	}
}

// axeViolations runs axe-core (WCAG 2.0–2.2 A and AA rules) on the page
// in the tab as it is now and returns its serious and critical violations.
func axeViolations(t *testing.T, ctx context.Context) []string {
	t.Helper()
	eval[bool](t, ctx, axeSource+";\ntrue")
	return eval[[]string](t, ctx, `axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}})
		.then(r => r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
		.map(v => v.id + ' (' + v.impact + '): ' + v.nodes.map(n => n.target.join(' ')).join('; ')))`)
}

// screenshot saves a PNG of the page in the tab as DIR/name.png when
// CHARTER_SCREENSHOTS=DIR is set (CHARTER_CONSOLE_SCREENSHOTS, its older
// name, too); otherwise it does nothing. CI does not set it.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("CHARTER_SCREENSHOTS")
	if dir == "" {
		dir = os.Getenv("CHARTER_CONSOLE_SCREENSHOTS")
	}
	if dir == "" {
		return
	}
	require.NoError(t, os.MkdirAll(dir, 0o755))
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	require.NoError(t, err, "screenshot %s", name)
	require.NoError(t, os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644))
}
