package bench

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hyperledger/fabric-gateway/pkg/client"
	gwid "github.com/hyperledger/fabric-gateway/pkg/identity"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/status"

	"github.com/charter-gov/charter/chaincode/artifact"
	"github.com/charter-gov/charter/chaincode/ballot"
	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/membership"
	charter "github.com/charter-gov/charter/gateway-client"
)

// Workloads are the workloads charter bench knows, in the order a run
// measures them when asked for "all".
var Workloads = []string{"bareput", "put", "vote", "attest", "contribute", "artifact", "query", "mix"}

// WorkloadHelp says what each workload does.
var WorkloadHelp = map[string]string{
	"put":        "the calibration put (bench:Put through Charter's contract framework: guard, context, one key, one event)",
	"bareput":    "the bare put (bareput:Put, one PutState through the plain shim: Fabric's own cost)",
	"vote":       "votes (re-cast) on one poll, one member per client identity",
	"attest":     "attestations (reputation:Attest by the attesters the genesis or a decision appointed, weight 1, to the client identities)",
	"contribute": "funding contributions (1 token each, repeatedly, to the projects of one round the set-up opens on --budget-decision)",
	"artifact":   "artifact registrations (a new dataset version each)",
	"query":      "queries (ballot:Get of the benchmark poll, evaluated by one peer, not ordered)",
	"mix":        "a governance mix: 2 votes, 1 attestation, 1 contribution, 1 artifact registration, 1 query in every 6 transactions",
}

// needsGovernance reports whether a workload needs an adopted constitution,
// registered members and the benchmark poll.
func needsGovernance(w string) bool {
	return w == "vote" || w == "attest" || w == "contribute" || w == "artifact" || w == "query" || w == "mix"
}

// needsAttesters and needsRound: the workloads that attest, and those
// that contribute to the benchmark round.
func needsAttesters(w string) bool { return w == "attest" || w == "mix" }
func needsRound(w string) bool     { return w == "contribute" || w == "mix" }

// mixOp is the workload of the mix's seq-th transaction: 2 votes, 1
// attestation, 1 contribution, 1 artifact registration and 1 query in
// every 6.
func mixOp(seq int64) string {
	return [...]string{"vote", "attest", "vote", "contribute", "artifact", "query"}[seq%6]
}

// Connections are the ways the workers reach their gateway peer.
const (
	// ConnShared: one gRPC connection per organisation's peer, shared by
	// every identity of that organisation (fabric-gateway's recommended
	// use: a connection is costly, a Gateway over it is not).
	ConnShared = "shared"
	// ConnPerClient: every identity dials its own connection.
	ConnPerClient = "per-client"
)

// Config configures a Harness.
type Config struct {
	Profiles *charter.Profiles
	// NetworkDir is the network's state folder (the folder of
	// profiles.json: crypto/, pids/, bench-deployed).
	NetworkDir string
	// Clients is the number of client identities, spread over the
	// organisations.
	Clients int
	// Connections is ConnShared or ConnPerClient.
	Connections string
	// RunID makes this run's keys, names and identities unique.
	RunID string
	// EndorseTimeout and CommitTimeout bound each transaction (defaults
	// 30s and 1m).
	EndorseTimeout, CommitTimeout time.Duration
	Logger                        *slog.Logger
	// Attesters are the members who attest in the attest workload: members
	// holding the attester role (only the genesis or a decision appoints
	// them), e.g. the network's profiles that hold it (DiscoverRoles).
	Attesters []charter.Config
	// Funding readies the contribute workload (nil: it is refused).
	Funding *FundingConfig
}

// worker is one client identity with its gateway.
type worker struct {
	org    string
	issued Issued
	id     identity.Identity
	gw     *client.Gateway
	cc     *charter.Client
	bench  *client.Contract
	bare   *client.Contract
}

// Harness holds a run's identities and connections, and what the
// governance workloads need (members, the benchmark poll).
type Harness struct {
	cfg     Config
	orgs    []string                   // organisation names, sorted
	admins  map[string]*charter.Client // an admin client per organisation
	conns   []*grpc.ClientConn
	workers []*worker
	// deployed chaincodes
	hasBench, hasBare bool
	ballotID          string
	governed          bool
	// the attest and contribute workloads
	attesters  []attester
	applicants []*worker // the benchmark round's project applicants
	roundID    string
	projects   []string
	tokens     int64
	extra      []*charter.Client // attesters, the grants administrator, the funder

	mu      sync.Mutex
	samples map[string]string // first error message per kind since TakeErrorSamples
}

// note keeps the first message of each failure kind.
func (h *Harness) note(kind string, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.samples == nil {
		h.samples = map[string]string{}
	}
	if _, ok := h.samples[kind]; !ok {
		msg := err.Error()
		if len(msg) > 300 {
			msg = msg[:300] + "…"
		}
		h.samples[kind] = msg
	}
}

// TakeErrorSamples returns the first error message of each failure kind
// since the last call, and forgets them.
func (h *Harness) TakeErrorSamples() map[string]string {
	h.mu.Lock()
	defer h.mu.Unlock()
	s := h.samples
	h.samples = nil
	return s
}

// Open issues Clients identities (round-robin over the organisations,
// from their CAs in the network folder), connects each to its
// organisation's gateway peer, and connects every organisation's admin.
func Open(ctx context.Context, cfg Config) (*Harness, error) {
	if cfg.Clients < 1 {
		return nil, fmt.Errorf("clients %d: want at least 1", cfg.Clients)
	}
	if cfg.Connections == "" {
		cfg.Connections = ConnShared
	}
	if cfg.Connections != ConnShared && cfg.Connections != ConnPerClient {
		return nil, fmt.Errorf("connections %q: want %s or %s", cfg.Connections, ConnShared, ConnPerClient)
	}
	if cfg.EndorseTimeout == 0 {
		cfg.EndorseTimeout = 30 * time.Second
	}
	if cfg.CommitTimeout == 0 {
		cfg.CommitTimeout = time.Minute
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	h := &Harness{cfg: cfg, admins: map[string]*charter.Client{}}
	h.hasBench = fileExists(filepath.Join(cfg.NetworkDir, "bench-deployed"))
	h.hasBare = fileExists(filepath.Join(cfg.NetworkDir, "bareput-deployed"))
	adminProfile := map[string]string{}
	for _, name := range cfg.Profiles.Names() {
		p, err := cfg.Profiles.Profile(name)
		if err != nil {
			return nil, err
		}
		if strings.HasSuffix(strings.ToLower(name), "-admin") && p.HSM == nil {
			if _, ok := adminProfile[p.Org]; !ok {
				adminProfile[p.Org] = name
				h.orgs = append(h.orgs, p.Org)
			}
		}
	}
	sort.Strings(h.orgs)
	if len(h.orgs) == 0 {
		return nil, errors.New("the profiles name no organisation admin (a profile NAME-admin per organisation, as network/up.sh writes)")
	}
	ok := false
	defer func() {
		if !ok {
			h.Close()
		}
	}()
	cas := map[string]*CA{}
	cfgs := map[string]charter.Config{}
	shared := map[string]*grpc.ClientConn{}
	for _, org := range h.orgs {
		pc, err := cfg.Profiles.Config(adminProfile[org])
		if err != nil {
			return nil, err
		}
		cfgs[org] = pc
		if cas[org], err = LoadCA(filepath.Join(cfg.NetworkDir, "crypto"), pc.CertPath); err != nil {
			return nil, fmt.Errorf("organisation %s: %w (charter bench issues its client identities with the organisations' CAs of a development network)", org, err)
		}
		c, err := charter.Connect(ctx, pc)
		if err != nil {
			return nil, fmt.Errorf("connect as %s: %w", adminProfile[org], err)
		}
		h.admins[org] = c
		if cfg.Connections == ConnShared {
			conn, err := dial(pc)
			if err != nil {
				return nil, err
			}
			h.conns = append(h.conns, conn)
			shared[org] = conn
		}
	}
	for i := range cfg.Clients {
		org := h.orgs[i%len(h.orgs)]
		pc := cfgs[org]
		is, err := cas[org].Issue(pc.MSPID, fmt.Sprintf("bench-%s-%03d@%s", cfg.RunID, i, org))
		if err != nil {
			return nil, err
		}
		conn := shared[org]
		if conn == nil {
			if conn, err = dial(pc); err != nil {
				return nil, err
			}
			h.conns = append(h.conns, conn)
		}
		w, err := h.connectWorker(org, is, conn, pc)
		if err != nil {
			return nil, err
		}
		h.workers = append(h.workers, w)
	}
	if cfg.Funding != nil {
		n := cfg.Funding.Projects
		if n == 0 {
			n = DefaultProjects
		}
		for i := range n {
			org := h.orgs[i%len(h.orgs)]
			pc := cfgs[org]
			is, err := cas[org].Issue(pc.MSPID, fmt.Sprintf("bench-%s-applicant-%d@%s", cfg.RunID, i, org))
			if err != nil {
				return nil, err
			}
			conn := shared[org]
			if conn == nil {
				if conn, err = dial(pc); err != nil {
					return nil, err
				}
				h.conns = append(h.conns, conn)
			}
			w, err := h.connectWorker(org, is, conn, pc)
			if err != nil {
				return nil, err
			}
			h.applicants = append(h.applicants, w)
		}
	}
	ok = true
	return h, nil
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// dial opens a TLS gRPC connection to a profile's gateway peer.
func dial(pc charter.Config) (*grpc.ClientConn, error) {
	caPEM, err := os.ReadFile(pc.TLSCACertPath)
	if err != nil {
		return nil, fmt.Errorf("read TLS CA certificate of peer %s: %w", pc.PeerEndpoint, err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, fmt.Errorf("TLS CA certificate %s: no PEM certificate found", pc.TLSCACertPath)
	}
	tlsCfg := &tls.Config{RootCAs: pool, ServerName: pc.ServerName, MinVersion: tls.VersionTLS12}
	conn, err := grpc.NewClient(pc.PeerEndpoint, grpc.WithTransportCredentials(credentials.NewTLS(tlsCfg)))
	if err != nil {
		return nil, fmt.Errorf("peer endpoint %q: %w", pc.PeerEndpoint, err)
	}
	return conn, nil
}

func (h *Harness) connectWorker(org string, is Issued, conn *grpc.ClientConn, pc charter.Config) (*worker, error) {
	cert, err := gwid.CertificateFromPEM(is.CertPEM)
	if err != nil {
		return nil, err
	}
	x509id, err := gwid.NewX509Identity(is.MSPID, cert)
	if err != nil {
		return nil, err
	}
	sign, err := gwid.NewPrivateKeySign(is.Key)
	if err != nil {
		return nil, err
	}
	id, err := identity.FromPEM(is.MSPID, is.CertPEM)
	if err != nil {
		return nil, err
	}
	gw, err := client.Connect(x509id, client.WithSign(sign), client.WithClientConnection(conn),
		client.WithEvaluateTimeout(h.cfg.EndorseTimeout), client.WithEndorseTimeout(h.cfg.EndorseTimeout),
		client.WithSubmitTimeout(h.cfg.EndorseTimeout), client.WithCommitStatusTimeout(h.cfg.CommitTimeout))
	if err != nil {
		return nil, fmt.Errorf("gateway for %s: %w", is.CN, err)
	}
	network := gw.GetNetwork(pc.Channel)
	ccName := pc.Chaincode
	if ccName == "" {
		ccName = charter.DefaultChaincode
	}
	// MVCC retries off: every attempt is one measured transaction.
	cc := charter.New(id, network.GetContract(ccName), network, charter.Config{
		Chaincode: ccName, EndorseTimeout: h.cfg.EndorseTimeout, CommitTimeout: h.cfg.CommitTimeout, MVCCRetries: -1,
	})
	w := &worker{org: org, issued: is, id: id, gw: gw, cc: cc, bare: network.GetContract("bareput")}
	bench := h.cfg.Profiles.BenchChaincode
	if bench == "" {
		bench = "bench"
	}
	w.bench = network.GetContract(bench)
	return w, nil
}

// Close closes every gateway and connection.
func (h *Harness) Close() {
	for _, w := range append(slices.Clone(h.workers), h.applicants...) {
		_ = w.gw.Close()
	}
	for _, c := range h.extra {
		_ = c.Close()
	}
	for _, c := range h.conns {
		_ = c.Close()
	}
	for _, c := range h.admins {
		_ = c.Close()
	}
}

// Deployed reports whether the calibration chaincode (bench) and the bare
// put chaincode (bareput) are deployed on the network.
func (h *Harness) Deployed() (bench, bareput bool) { return h.hasBench, h.hasBare }

// Prepare readies the network for the workloads: for the governance ones,
// it checks that a constitution is adopted, registers every client
// identity as a member (by its organisation's admin, in batches), and
// creates the benchmark poll (a poll opens one clock skew after its
// creation: Prepare waits for that).
func (h *Harness) Prepare(ctx context.Context, workloads []string) error {
	gov, attest, contribute, put := false, false, false, false
	for _, w := range workloads {
		put = put || w == "put"
		attest = attest || needsAttesters(w)
		contribute = contribute || needsRound(w)
		switch {
		case w == "put" && !h.hasBench:
			return errors.New("workload put: the calibration chaincode is not deployed (network/up.sh --bench deploys it)")
		case w == "bareput" && !h.hasBare:
			return errors.New("workload bareput: the bare put chaincode is not deployed (network/up.sh --bench deploys it)")
		case needsGovernance(w):
			gov = true
		}
	}
	if put {
		if err := h.calibrateSkew(ctx); err != nil {
			return err
		}
	}
	if !gov {
		return nil
	}
	if !h.governed {
		if err := h.prepareMembers(ctx); err != nil {
			return err
		}
	}
	if attest {
		if err := h.prepareAttesters(ctx); err != nil {
			return err
		}
	}
	if contribute {
		if err := h.prepareFunding(ctx); err != nil {
			return err
		}
	}
	return nil
}

// calibrateSkew gives the calibration chaincode's namespace the clock
// skew of Charter's constitution (bench:SetSkew; the default before one is
// adopted), so that every measured put's guard reads one key, the time
// rule, as a governance transaction's guard does: without it the put reads
// two absent keys and pays a round trip to the peer no governance
// transaction pays.
func (h *Harness) calibrateSkew(ctx context.Context) error {
	skew := int64(constitution.DefaultMaxClockSkewSec)
	v, err := h.admins[h.orgs[0]].Constitution(ctx)
	switch {
	case err == nil:
		skew = v.Document.Time.MaxClockSkewSec
	case charter.CodeOf(err) != charter.CodeFailedPrecondition: // anything but "none adopted yet"
		return fmt.Errorf("read the constitution's clock skew for the calibration chaincode: %w", err)
	}
	ectx, cancel := context.WithTimeout(ctx, h.cfg.EndorseTimeout+h.cfg.CommitTimeout)
	defer cancel()
	if _, err := h.workers[0].bench.SubmitWithContext(ectx, "bench:SetSkew", client.WithArguments(strconv.FormatInt(skew, 10))); err != nil {
		return fmt.Errorf("set the calibration chaincode's clock skew to %d s (bench:SetSkew): %w", skew, err)
	}
	return nil
}

// prepareMembers registers every client identity (and the round's
// applicants) as members and creates the benchmark poll.
func (h *Harness) prepareMembers(ctx context.Context) error {
	first := h.admins[h.orgs[0]]
	if _, err := first.Constitution(ctx); err != nil {
		return fmt.Errorf("the governance workloads need an adopted constitution (make demo adopts one; charter genesis): %w", err)
	}
	for _, org := range h.orgs {
		var batch []membership.RegisterRequest
		flush := func() error {
			if len(batch) == 0 {
				return nil
			}
			if _, err := h.admins[org].RegisterMembers(ctx, membership.RegisterBatchRequest{Members: batch}); err != nil {
				return fmt.Errorf("register %d benchmark members of %s: %w", len(batch), org, err)
			}
			batch = batch[:0]
			return nil
		}
		for _, w := range append(slices.Clone(h.workers), h.applicants...) {
			if w.org != org {
				continue
			}
			batch = append(batch, membership.RegisterRequest{Member: w.id, Name: w.issued.CN})
			if len(batch) == membership.MaxBatch {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		if err := flush(); err != nil {
			return err
		}
	}
	if err := h.vouchMembers(ctx); err != nil {
		return err
	}
	// The poll's creator: the first organisation's admin, as a member.
	_, _ = first.RegisterMember(ctx, membership.RegisterRequest{Member: first.Identity(), Name: "benchmark poll creator"})
	b, err := first.CreateBallot(ctx, ballot.CreateRequest{Kind: ballot.KindPoll,
		Title: "charter bench " + h.cfg.RunID, VotingPeriodSec: 24 * 3600})
	if err != nil {
		return fmt.Errorf("create the benchmark poll: %w", err)
	}
	h.ballotID = b.ID
	if wait := time.Until(b.OpensAt); wait > 0 {
		h.cfg.Logger.Info("waiting for the benchmark poll to open (one clock skew after its creation)", "ballot", b.ID, "wait", wait.Round(time.Millisecond))
		t := time.NewTimer(wait + 500*time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
	h.governed = true
	return nil
}

// vouchMembers has every client vouched for by as many clients of other
// organisations as the constitution's safeguards.vouchesRequired asks, so
// that they weigh in the benchmark poll (which opens after the vouches).
// Each vouch is the voucher's own transaction and its own key: they run
// at once without conflicts.
func (h *Harness) vouchMembers(ctx context.Context) error {
	cur, err := h.admins[h.orgs[0]].Constitution(ctx)
	if err != nil {
		return err
	}
	n := int(cur.Document.Safeguards.VouchesRequired)
	if n == 0 {
		return nil
	}
	orgs := make([]string, len(h.workers))
	for i, w := range h.workers {
		orgs[i] = w.org
	}
	plan, err := vouchPlan(orgs, n)
	if err != nil {
		return err
	}
	// Every peer must know every client as a member before any endorses a
	// vouch: wait for the last one registered in each organisation.
	for _, org := range h.orgs {
		var last *worker
		for _, w := range h.workers {
			if w.org == org {
				last = w
			}
		}
		if last == nil {
			continue
		}
		if err := h.everyPeer(ctx, "member "+last.id.Short(), func(c *charter.Client) bool {
			_, err := c.Member(ctx, last.id)
			return err == nil
		}); err != nil {
			return err
		}
	}
	h.cfg.Logger.Info("vouching for the benchmark members (safeguards.vouchesRequired)", "vouches", len(plan), "each", n)
	errs := make(chan error, len(plan))
	limit := make(chan struct{}, 32)
	for _, v := range plan {
		limit <- struct{}{}
		go func() {
			defer func() { <-limit }()
			_, err := h.workers[v.voucher].cc.Vouch(ctx, h.workers[v.member].id)
			if err != nil {
				err = fmt.Errorf("%s vouches for %s: %w", h.workers[v.voucher].id.Short(), h.workers[v.member].id.Short(), err)
			}
			errs <- err
		}()
	}
	var all []error
	for range plan {
		all = append(all, <-errs)
	}
	return errors.Join(all...)
}

// aVouch is one vouch of the set-up: workers[voucher] vouches for
// workers[member].
type aVouch struct{ member, voucher int }

// vouchPlan picks, for every worker, the n nearest following workers (in
// a ring) of other organisations as its vouchers.
func vouchPlan(orgs []string, n int) ([]aVouch, error) {
	var plan []aVouch
	for i := range orgs {
		got := 0
		for k := 1; k < len(orgs) && got < n; k++ {
			j := (i + k) % len(orgs)
			if orgs[j] != orgs[i] {
				plan = append(plan, aVouch{member: i, voucher: j})
				got++
			}
		}
		if got < n {
			return nil, fmt.Errorf("the constitution asks %d vouches from other organisations for each member, but client %d has only %d clients of other organisations (raise --clients)", n, i, got)
		}
	}
	return plan, nil
}

// Op returns the transaction of a workload (Prepare must have readied it).
func (h *Harness) Op(workload string) (Op, error) {
	switch workload {
	case "put":
		return h.rawPut(func(w *worker) *client.Contract { return w.bench }, "bench:Put"), nil
	case "bareput":
		return h.rawPut(func(w *worker) *client.Contract { return w.bare }, "Put"), nil
	case "vote":
		return h.vote, nil
	case "artifact":
		return h.artifact, nil
	case "query":
		return h.query, nil
	case "attest":
		if len(h.attesters) == 0 {
			return nil, errors.New("workload attest: not prepared (Prepare readies the attesters)")
		}
		return h.attest, nil
	case "contribute":
		if h.roundID == "" {
			return nil, errors.New("workload contribute: not prepared (Prepare opens the round)")
		}
		return h.contribute, nil
	case "mix":
		if len(h.attesters) == 0 || h.roundID == "" {
			return nil, errors.New("workload mix: not prepared (Prepare readies the attesters and opens the round)")
		}
		ops := map[string]Op{"vote": h.vote, "attest": h.attest, "contribute": h.contribute, "artifact": h.artifact, "query": h.query}
		return func(ctx context.Context, slot int, seq int64) (string, string) {
			return ops[mixOp(seq)](ctx, slot, seq)
		}, nil
	}
	return nil, fmt.Errorf("unknown workload %q (known: %s)", workload, strings.Join(Workloads, ", "))
}

func (h *Harness) worker(slot int) *worker { return h.workers[slot%len(h.workers)] }

// rawPut submits a put through fabric-gateway directly: endorse, submit,
// wait for the commit status.
func (h *Harness) rawPut(contract func(*worker) *client.Contract, tx string) Op {
	return func(ctx context.Context, slot int, seq int64) (string, string) {
		c := contract(h.worker(slot))
		key := fmt.Sprintf("%s-%d", h.cfg.RunID, seq)
		ectx, cancel := context.WithTimeout(ctx, h.cfg.EndorseTimeout)
		_, commit, err := c.SubmitAsyncWithContext(ectx, tx, client.WithArguments(key, "v"))
		cancel()
		if err != nil {
			k := rawKind(err)
			h.note(k, err)
			return k, ""
		}
		cctx, cancel := context.WithTimeout(ctx, h.cfg.CommitTimeout)
		defer cancel()
		st, err := commit.StatusWithContext(cctx)
		if err != nil {
			h.note(string(charter.CodeUnknownOutcome), err)
			return string(charter.CodeUnknownOutcome), ""
		}
		if !st.Successful {
			return string(charter.CodeNotCommitted), st.Code.String()
		}
		return "", ""
	}
}

// rawKind names a fabric-gateway error before ordering the way the
// Charter client's codes do.
func rawKind(err error) string {
	var endorse *client.EndorseError
	var submit *client.SubmitError
	switch {
	case status.Code(err) == codes.Unavailable:
		return string(charter.CodeUnavailable)
	case status.Code(err) == codes.DeadlineExceeded || errors.Is(err, context.DeadlineExceeded):
		return string(charter.CodeDeadlineExceeded)
	case status.Code(err) == codes.Canceled || errors.Is(err, context.Canceled):
		return string(charter.CodeCanceled)
	case errors.As(err, &endorse):
		return "ENDORSE_FAILED"
	case errors.As(err, &submit):
		return "SUBMIT_FAILED"
	}
	return string(charter.CodeUnknown)
}

// kindOf classifies a Charter client error: its code, and the validation
// code of a transaction that was ordered but not committed.
func (h *Harness) kindOf(err error) (string, string) {
	if err == nil {
		return "", ""
	}
	var ve *charter.ValidationError
	if errors.As(err, &ve) {
		return string(charter.CodeNotCommitted), ve.Code.String()
	}
	k := string(charter.CodeOf(err))
	h.note(k, err)
	return k, ""
}

func (h *Harness) vote(ctx context.Context, slot int, seq int64) (string, string) {
	_, err := h.worker(slot).cc.Vote(ctx, ballot.CastRequest{Ballot: h.ballotID, Choice: strconv.FormatInt(seq%7+1, 10)})
	return h.kindOf(err)
}

func (h *Harness) artifact(ctx context.Context, slot int, seq int64) (string, string) {
	name := fmt.Sprintf("bench-%s-%d", h.cfg.RunID, seq)
	sum := sha256.Sum256([]byte(name))
	_, err := h.worker(slot).cc.RegisterArtifact(ctx, artifact.RegisterRequest{Kind: artifact.KindDataset, Name: name, Version: "1",
		SHA256: hex.EncodeToString(sum[:]), Size: 1, Licence: "Apache-2.0"})
	return h.kindOf(err)
}

func (h *Harness) query(ctx context.Context, slot int, _ int64) (string, string) {
	_, err := h.worker(slot).cc.Ballot(ctx, h.ballotID)
	return h.kindOf(err)
}
