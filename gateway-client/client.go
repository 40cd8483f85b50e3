package charter

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/hyperledger/fabric-gateway/pkg/client"
	gwid "github.com/hyperledger/fabric-gateway/pkg/identity"
	"github.com/hyperledger/fabric-protos-go-apiv2/gateway"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/grpc"
	"google.golang.org/grpc/connectivity"
	"google.golang.org/grpc/credentials"

	"github.com/charter-gov/charter/chaincode/identity"
)

// Contract is the part of fabric-gateway's *client.Contract that Client
// uses: evaluate a query, and endorse and submit a transaction without
// waiting for its commit.
type Contract interface {
	EvaluateWithContext(ctx context.Context, transactionName string, options ...client.ProposalOption) ([]byte, error)
	SubmitAsyncWithContext(ctx context.Context, transactionName string, options ...client.ProposalOption) ([]byte, *client.Commit, error)
}

// EventSource is the part of fabric-gateway's *client.Network that Client
// uses to watch chaincode events.
type EventSource interface {
	ChaincodeEvents(ctx context.Context, chaincodeName string, options ...client.ChaincodeEventsOption) (<-chan *client.ChaincodeEvent, error)
}

var (
	_ Contract    = (*client.Contract)(nil)
	_ EventSource = (*client.Network)(nil)
)

// Client is a connection to Charter as one user. It is safe for concurrent
// use.
type Client struct {
	cfg      Config
	id       identity.Identity
	contract Contract
	events   EventSource
	ledger   Contract // the channel's qscc system chaincode; nil when made by New
	bench    Contract // the calibration chaincode; nil when not configured

	pool      *pool        // nil when made by New
	closeSign func() error // closes an HSM session Connect opened; nil otherwise
	closeOnce sync.Once
	closeErr  error
}

// New returns a Client over an existing contract and event source (for
// example a *client.Contract and *client.Network of a gateway the caller
// manages) acting as id. Only cfg's chaincode name, timeouts, retry
// settings and logger are used; zero values take the defaults. Close does
// nothing on such a Client.
func New(id identity.Identity, contract Contract, events EventSource, cfg Config) *Client {
	return &Client{cfg: cfg.withDefaults(), id: id, contract: contract, events: events}
}

// Connect opens a TLS gRPC connection to cfg.PeerEndpoint, waits until it
// is ready (at most cfg.DialTimeout, and never beyond ctx), and connects
// to the gateway as the user of cfg.CertPath and cfg.KeyPath.
//
// Errors: an *Error with CodeUnavailable when the peer cannot be reached,
// CodeDeadlineExceeded or CodeCanceled when ctx ends first; a plain error
// naming the file or field when the configuration, certificate or key is
// unusable.
func Connect(ctx context.Context, cfg Config) (*Client, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	certPEM, err := os.ReadFile(cfg.CertPath)
	if err != nil {
		return nil, fmt.Errorf("read user certificate: %w", err)
	}
	var u user
	var closeSign func() error
	switch {
	case cfg.Sign != nil:
		u, err = loadUserSign(certPEM, cfg.Sign, cfg)
	case cfg.HSM != nil:
		var sign gwid.Sign
		if sign, closeSign, err = hsmSign(*cfg.HSM); err != nil {
			return nil, err
		}
		if u, err = loadUserSign(certPEM, sign, cfg); err != nil {
			_ = closeSign()
		}
	default:
		var keyPEM []byte
		if keyPEM, err = os.ReadFile(cfg.KeyPath); err != nil {
			return nil, fmt.Errorf("read user private key: %w", err)
		}
		u, err = loadUser(certPEM, keyPEM, cfg)
	}
	if err != nil {
		return nil, err
	}
	c, err := connectEndpoints(ctx, cfg, u)
	if err != nil {
		if closeSign != nil {
			_ = closeSign()
		}
		return nil, err
	}
	c.closeSign = closeSign
	return c, nil
}

// connectEndpoints dials every endpoint of cfg and connects to the first
// that answers as u.
func connectEndpoints(ctx context.Context, cfg Config, u user) (*Client, error) {
	all := append([]Endpoint{{Address: cfg.PeerEndpoint, ServerName: cfg.ServerName, TLSCACertPath: cfg.TLSCACertPath}}, cfg.Fallbacks...)
	var eps []*gatewayEndpoint
	closeAll := func() {
		for _, ep := range eps {
			_ = ep.closer()
		}
	}
	for _, e := range all {
		conn, err := dial(e, cfg)
		if err != nil {
			closeAll()
			return nil, err
		}
		eps = append(eps, &gatewayEndpoint{address: e.Address, conn: conn, closer: conn.Close})
	}
	// The first gateway that answers is the one in use; the others are
	// dialled lazily by gRPC when a call moves to them.
	active, firstErr := -1, error(nil)
	for i, ep := range eps {
		e := all[i]
		err := waitReady(ctx, ep.conn.(*grpc.ClientConn), cfg.withEndpoint(e))
		if err == nil {
			active = i
			break
		}
		if firstErr == nil {
			firstErr = err
		}
		if ctx.Err() != nil {
			break
		}
	}
	if active < 0 {
		closeAll()
		return nil, firstErr
	}
	c, err := connectPool(eps, active, u, cfg)
	if err != nil {
		closeAll()
		return nil, err
	}
	return c, nil
}

// waitReady connects conn and waits for it to become ready; a connection
// failure or the end of the wait is an error.
func waitReady(ctx context.Context, conn *grpc.ClientConn, cfg Config) error {
	ctx, cancel := context.WithTimeout(ctx, cfg.DialTimeout)
	defer cancel()
	conn.Connect()
	for {
		state := conn.GetState()
		switch state {
		case connectivity.Ready:
			return nil
		case connectivity.TransientFailure, connectivity.Shutdown:
			return &Error{Code: CodeUnavailable, Message: fmt.Sprintf(
				"cannot connect to peer %s (TLS server name %q, CA %s): connection %s; is the peer running, and do the CA and server name match its certificate?",
				cfg.PeerEndpoint, cfg.ServerName, cfg.TLSCACertPath, state)}
		}
		if !conn.WaitForStateChange(ctx, state) {
			return mapError(fmt.Errorf("connect to peer %s (last state %s): %w", cfg.PeerEndpoint, state, ctx.Err()))
		}
	}
}

// user is a parsed user certificate and private key.
type user struct {
	id     identity.Identity
	signer *gwid.X509Identity
	sign   gwid.Sign
}

// loadUser parses the user's PEM certificate and private key.
func loadUser(certPEM, keyPEM []byte, cfg Config) (user, error) {
	key, err := gwid.PrivateKeyFromPEM(keyPEM)
	if err != nil {
		return user{}, fmt.Errorf("user private key %s: %w", cfg.KeyPath, err)
	}
	sign, err := gwid.NewPrivateKeySign(key)
	if err != nil {
		return user{}, fmt.Errorf("user private key %s: %w", cfg.KeyPath, err)
	}
	return loadUserSign(certPEM, sign, cfg)
}

// loadUserSign parses the user's PEM certificate; sign signs as the user.
func loadUserSign(certPEM []byte, sign gwid.Sign, cfg Config) (user, error) {
	id, err := identity.FromPEM(cfg.MSPID, certPEM)
	if err != nil {
		return user{}, fmt.Errorf("user certificate %s: %w", cfg.CertPath, err)
	}
	cert, err := gwid.CertificateFromPEM(certPEM)
	if err != nil {
		return user{}, fmt.Errorf("user certificate %s: %w", cfg.CertPath, err)
	}
	signer, err := gwid.NewX509Identity(cfg.MSPID, cert)
	if err != nil {
		return user{}, fmt.Errorf("user identity: %w", err)
	}
	return user{id: id, signer: signer, sign: sign}, nil
}

// dial opens a lazy TLS gRPC connection to a gateway endpoint, presenting
// cfg's client certificate when it has one (mutual TLS).
func dial(e Endpoint, cfg Config) (*grpc.ClientConn, error) {
	caPEM, err := os.ReadFile(e.TLSCACertPath)
	if err != nil {
		return nil, fmt.Errorf("read TLS CA certificate of peer %s: %w", e.Address, err)
	}
	certs := x509.NewCertPool()
	if !certs.AppendCertsFromPEM(caPEM) {
		return nil, fmt.Errorf("TLS CA certificate %s of peer %s: no PEM certificate found", e.TLSCACertPath, e.Address)
	}
	tlsCfg := &tls.Config{RootCAs: certs, ServerName: e.ServerName, MinVersion: tls.VersionTLS12}
	if cfg.TLSClientCertPath != "" {
		pair, err := tls.LoadX509KeyPair(cfg.TLSClientCertPath, cfg.TLSClientKeyPath)
		if err != nil {
			return nil, fmt.Errorf("client TLS certificate %s and key %s: %w", cfg.TLSClientCertPath, cfg.TLSClientKeyPath, err)
		}
		tlsCfg.Certificates = []tls.Certificate{pair}
	}
	conn, err := grpc.NewClient(e.Address, grpc.WithTransportCredentials(credentials.NewTLS(tlsCfg)))
	if err != nil {
		return nil, fmt.Errorf("peer endpoint %q: %w", e.Address, err)
	}
	return conn, nil
}

// connect builds a Client over one gRPC connection (tests pass a fake).
func connect(conn grpc.ClientConnInterface, u user, cfg Config) (*Client, error) {
	return connectPool([]*gatewayEndpoint{{address: cfg.PeerEndpoint, conn: conn}}, 0, u, cfg)
}

// connectPool builds a Client over gateways, the one at index active in
// use first.
func connectPool(eps []*gatewayEndpoint, active int, u user, cfg Config) (*Client, error) {
	cfg = cfg.withDefaults()
	for _, ep := range eps {
		gw, err := client.Connect(u.signer,
			client.WithSign(u.sign),
			client.WithClientConnection(ep.conn),
			client.WithEvaluateTimeout(cfg.EvaluateTimeout),
			client.WithEndorseTimeout(cfg.EndorseTimeout),
			client.WithSubmitTimeout(cfg.EndorseTimeout),
			client.WithCommitStatusTimeout(cfg.CommitTimeout),
		)
		if err != nil {
			return nil, fmt.Errorf("connect to gateway %s: %w", ep.address, err)
		}
		ep.gateway, ep.network = gw, gw.GetNetwork(cfg.Channel)
	}
	p := &pool{endpoints: eps, active: active}
	c := New(u.id, poolContract{p: p, chaincode: cfg.Chaincode}, poolEvents{p: p}, cfg)
	c.ledger = poolContract{p: p, chaincode: "qscc"}
	if cfg.BenchChaincode != "" {
		c.bench = poolContract{p: p, chaincode: cfg.BenchChaincode}
	}
	c.pool = p
	return c, nil
}

// Close closes the gateway and the gRPC connection Connect opened. It is
// safe to call more than once.
func (c *Client) Close() error {
	c.closeOnce.Do(func() {
		if c.pool != nil {
			c.closeErr = c.pool.close()
		}
		if c.closeSign != nil {
			c.closeErr = errors.Join(c.closeErr, c.closeSign())
		}
	})
	return c.closeErr
}

// Identity returns the identity of the connected user, as the chaincode
// computes it.
func (c *Client) Identity() identity.Identity { return c.id }

// Network returns the fabric-gateway network, or nil for a Client made by
// New.
func (c *Client) Network() *client.Network {
	if c.pool == nil {
		return nil
	}
	return c.pool.current().network
}

// GatewayAddress returns the host:port of the gateway peer in use (it
// changes when a call fails over to another organisation's peer), or ""
// for a Client made by New.
func (c *Client) GatewayAddress() string {
	if c.pool == nil {
		return ""
	}
	return c.pool.current().address
}

// Contract returns the fabric-gateway contract, or nil for a Client made
// by New.
func (c *Client) Contract() *client.Contract {
	if n := c.Network(); n != nil {
		return n.GetContract(c.cfg.Chaincode)
	}
	return nil
}

// evaluate runs a query and decodes its JSON result into out.
func (c *Client) evaluate(ctx context.Context, name string, out any, args ...string) error {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.EvaluateTimeout)
	defer cancel()
	raw, err := c.contract.EvaluateWithContext(ctx, name, client.WithArguments(args...))
	if err != nil {
		return mapError(err)
	}
	return decodeResult(name, raw, out, "")
}

// submit endorses, submits and waits for the commit of a transaction,
// retrying MVCC_READ_CONFLICT, and decodes its JSON result into out.
func (c *Client) submit(ctx context.Context, name string, out any, args ...string) error {
	_, err := c.submitTx(ctx, name, out, args...)
	return err
}

// submitTx is submit that also returns the ID of the transaction that
// committed. On failure the *Error carries the transaction ID, if any.
func (c *Client) submitTx(ctx context.Context, name string, out any, args ...string) (string, error) {
	return c.submitTxTo(ctx, c.contract, name, out, args...)
}

// submitTxTo is submitTx on a given chaincode.
func (c *Client) submitTxTo(ctx context.Context, contract Contract, name string, out any, args ...string) (string, error) {
	backoff := c.cfg.RetryBackoff
	planUntil := time.Now().Add(EndorsementPlanWindow)
	for attempt := 1; ; attempt++ {
		raw, txID, err := c.submitOnce(ctx, contract, name, args)
		if err == nil {
			return txID, decodeResult(name, raw, out, txID)
		}
		if noEndorsementPlan(err) && time.Now().Before(planUntil) {
			// Nothing was endorsed or ordered: the gateway found no set of
			// peers for the chaincode definition (for about one gossip
			// interval after a chaincode upgrade commits, the peers have not
			// yet advertised the new definition's package). Ask again.
			c.cfg.Logger.DebugContext(ctx, "retrying: no endorsement plan yet", "transaction", name, "attempt", attempt)
			t := time.NewTimer(endorsementPlanPause)
			select {
			case <-ctx.Done():
				t.Stop()
				return "", mapError(err)
			case <-t.C:
			}
			attempt--
			continue
		}
		var commitErr *ValidationError
		if !errors.As(err, &commitErr) || !retryableConflict(commitErr.Code) || attempt > max(c.cfg.MVCCRetries, 0) {
			if commitErr != nil {
				commitErr.Attempts = attempt
			}
			return "", mapError(err)
		}
		c.cfg.Logger.DebugContext(ctx, "retrying with a new proposal after a read conflict",
			"transaction", name, "txId", commitErr.TxID, "code", commitErr.Code, "attempt", attempt, "backoff", backoff)
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			commitErr.Attempts = attempt
			return "", mapError(err)
		case <-t.C:
		}
		backoff *= 2
	}
}

// retryableConflict reports whether a transaction that failed validation
// with code may be tried again as a new proposal: its reads were stale
// (another transaction wrote a key or a range it read between endorsement
// and commit), so it changed nothing, and endorsing it afresh reads the
// current state. Any other validation failure is an answer, not a race.
func retryableConflict(code peer.TxValidationCode) bool {
	return code == peer.TxValidationCode_MVCC_READ_CONFLICT || code == peer.TxValidationCode_PHANTOM_READ_CONFLICT
}

// submitOnce endorses and submits once and waits for the commit status. A
// transaction that did not commit successfully returns a *ValidationError.
//
// When the transaction may have reached ordering but its fate was not
// learnt (the submit or the commit-status wait timed out, or the gateway
// connection was lost), or the ordering service refused it for want of a
// leader, it is looked up by its transaction ID (settle) and reported by
// what the ledger says. The same envelope is never sent again, and no new
// proposal is made for a transaction whose fate is unknown.
func (c *Client) submitOnce(ctx context.Context, contract Contract, name string, args []string) ([]byte, string, error) {
	endorseCtx, cancel := context.WithTimeout(ctx, c.cfg.EndorseTimeout)
	raw, commit, err := contract.SubmitAsyncWithContext(endorseCtx, name, client.WithArguments(args...))
	cancel()
	if err != nil {
		var submitErr *client.SubmitError
		if !errors.As(err, &submitErr) {
			return nil, "", err // not endorsed, or endorsed but never sent: nothing can commit
		}
		switch {
		case orderingUnavailable(err):
			// Every orderer refused or could not be reached: most likely
			// never ordered, but a connection lost after sending leaves it
			// open. One look-up; no waiting.
			return c.settle(ctx, submitErr.TransactionID, raw, err, 0)
		case transient(err):
			return c.settle(ctx, submitErr.TransactionID, raw, err, c.cfg.StatusLookupWindow)
		}
		return nil, submitErr.TransactionID, err
	}
	commitCtx, cancel := context.WithTimeout(ctx, c.cfg.CommitTimeout)
	defer cancel()
	st, err := commit.StatusWithContext(commitCtx)
	if err != nil {
		return c.settle(ctx, commit.TransactionID(), raw, err, c.cfg.StatusLookupWindow)
	}
	if !st.Successful {
		return nil, st.TransactionID, &ValidationError{TxID: st.TransactionID, Code: st.Code, BlockNumber: st.BlockNumber, Attempts: 1}
	}
	return raw, st.TransactionID, nil
}

// statusLookupPause is the pause between two look-ups of a transaction
// whose fate is unknown.
const statusLookupPause = 250 * time.Millisecond

// settle looks up by ID a transaction whose fate the submit did not learn
// (cause says why) and reports what the ledger says: VALID is success
// (with the result the endorsement returned), in a block but invalid is a
// *ValidationError (it changed nothing; a read conflict is then retried
// as a new proposal by submitTxTo). While the transaction is not on the
// ledger it is looked up again until window has passed (at least once);
// still absent — or never looked up, because the client has no ledger
// access or ctx has ended — the error is cause mapped (UNKNOWN_OUTCOME or
// ORDERING_UNAVAILABLE) with the transaction ID and what the look-up saw.
func (c *Client) settle(ctx context.Context, txID string, raw []byte, cause error, window time.Duration) ([]byte, string, error) {
	unresolved := func(seen string) ([]byte, string, error) {
		e := mapError(cause).(*Error)
		if e.TxID == "" {
			e.TxID = txID
		}
		if seen != "" {
			e.Message += "; " + seen
		}
		return nil, txID, e
	}
	if c.ledger == nil || txID == "" {
		return unresolved("")
	}
	deadline := time.Now().Add(window)
	var seen string
	for lookups := 1; ; lookups++ {
		if ctx.Err() != nil {
			return unresolved(seen)
		}
		lookupCtx, cancel := context.WithTimeout(ctx, c.cfg.EvaluateTimeout)
		st, err := transactionStatus(lookupCtx, c.ledger, c.cfg.Channel, txID)
		cancel()
		switch {
		case err != nil:
			seen = fmt.Sprintf("looking it up by ID failed: %v", err)
		case st.Found && st.Valid:
			c.cfg.Logger.DebugContext(ctx, "settled by look-up: committed", "txId", txID, "lookups", lookups)
			return raw, txID, nil
		case st.Found:
			code := peer.TxValidationCode(peer.TxValidationCode_value[st.ValidationCode])
			return nil, txID, &ValidationError{TxID: txID, Code: code, Attempts: 1}
		default:
			seen = fmt.Sprintf("not on the ledger after %d look-up(s) by ID", lookups)
		}
		if !time.Now().Before(deadline) {
			return unresolved(seen)
		}
		t := time.NewTimer(statusLookupPause)
		select {
		case <-ctx.Done():
			t.Stop()
		case <-t.C:
		}
	}
}

// decodeResult decodes a transaction's JSON result; a result that does not
// decode is CodeInternal (the chaincode and the client disagree).
func decodeResult(name string, raw []byte, out any, txID string) error {
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return &Error{Code: CodeInternal, Message: fmt.Sprintf("decode result of %s: %v", name, err), TxID: txID, Err: err}
	}
	return nil
}

// EndorsementPlanWindow is how long a submit keeps asking again when its
// endorsement fails because the chaincode definition is changing under it:
// for the moments around a chaincode upgrade's commit, peers disagree on
// the sequence (ProposalResponsePayloads do not match; "definition changed
// during invoke"), or have not yet advertised the new definition's package
// through gossip (no combination of peers). Nothing was endorsed by enough
// peers or sent for ordering, so asking again cannot commit twice.
const EndorsementPlanWindow = 10 * time.Second

const endorsementPlanPause = 200 * time.Millisecond

// definitionChanging are the peers' and the gateway's words for a chaincode
// definition that changed while a transaction was being endorsed.
var definitionChanging = []string{
	"not installed on sufficient peers",
	"ProposalResponsePayloads do not match",
	"changed during invoke",
	"chaincode cache at sequence",
	"has not yet been approved by this org",
}

// noEndorsementPlan reports whether err is an endorsement failure caused
// by a chaincode definition that is changing (definitionChanging), in the
// gateway's message or in a peer's detail.
func noEndorsementPlan(err error) bool {
	var endorseErr *client.EndorseError
	if !errors.As(err, &endorseErr) {
		return false
	}
	st := endorseErr.GRPCStatus()
	texts := []string{st.Message()}
	for _, d := range st.Details() {
		if ed, ok := d.(*gateway.ErrorDetail); ok {
			texts = append(texts, ed.GetMessage())
		}
	}
	for _, t := range texts {
		for _, w := range definitionChanging {
			if strings.Contains(t, w) {
				return true
			}
		}
	}
	return false
}

// encodeArg renders a structured argument as one JSON string.
func encodeArg(what string, v any) (string, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return "", &Error{Code: CodeInvalidArgument, Message: fmt.Sprintf("encode %s: %v", what, err), Err: err}
	}
	return string(raw), nil
}

// submitJSON submits tx with req encoded as its one JSON argument.
func (c *Client) submitJSON(ctx context.Context, tx, what string, req, out any) error {
	arg, err := encodeArg(what, req)
	if err != nil {
		return err
	}
	return c.submit(ctx, tx, out, arg)
}
