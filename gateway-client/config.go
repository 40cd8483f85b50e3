package charter

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	gwid "github.com/hyperledger/fabric-gateway/pkg/identity"
)

// Defaults applied by Connect and New to zero Config fields.
const (
	DefaultChannel         = "charter"
	DefaultChaincode       = "charter"
	DefaultDialTimeout     = 10 * time.Second
	DefaultEvaluateTimeout = 15 * time.Second
	DefaultEndorseTimeout  = 30 * time.Second
	DefaultCommitTimeout   = time.Minute
	DefaultMVCCRetries     = 3
	DefaultRetryBackoff    = 100 * time.Millisecond
	// DefaultStatusLookupWindow is how long a submit whose fate is unknown
	// keeps looking its transaction up by ID.
	DefaultStatusLookupWindow = 5 * time.Second
)

// Config says whom to connect to, as whom, and how patiently.
type Config struct {
	// MSPID is the user's organisation MSP, e.g. "LabAMSP".
	MSPID string
	// CertPath and KeyPath are the user's PEM certificate and private key.
	// KeyPath is not read when Sign or HSM says where the key is.
	CertPath string
	KeyPath  string
	// Sign, when set, signs with the user's private key wherever it is
	// kept (a KMS, an HSM the caller opened): fabric-gateway's
	// identity.Sign, for example from identity.NewPrivateKeySign or an
	// identity.HSMSignerFactory. It must be safe for concurrent use.
	Sign gwid.Sign
	// HSM, when set (and Sign is not), names a PKCS#11 token holding the
	// user's private key; Connect opens it and Close closes it. Needs a
	// build with -tags pkcs11 (and cgo); other builds refuse it.
	HSM *HSMConfig
	// TLSClientCertPath and TLSClientKeyPath are the PEM certificate and
	// key the client presents to peers that require mutual TLS; empty:
	// no client certificate.
	TLSClientCertPath string
	TLSClientKeyPath  string
	// TLSCACertPath is the PEM CA certificate that signed the peer's TLS
	// certificate.
	TLSCACertPath string
	// PeerEndpoint is the gateway peer's host:port.
	PeerEndpoint string
	// ServerName overrides the TLS server name (the peer certificate's
	// host name) when it differs from the endpoint's host.
	ServerName string
	// Fallbacks are further gateway peers (usually other organisations'),
	// used in order when the gateway in use cannot be reached. Profiles
	// fill them with every other organisation's peer.
	Fallbacks []Endpoint
	// Channel and Chaincode default to "charter".
	Channel   string
	Chaincode string
	// BenchChaincode names the calibration chaincode that benchmark and
	// test networks deploy (network/up.sh --bench deploys "bench"; profiles
	// name it). Empty: BenchPut is refused with FAILED_PRECONDITION.
	BenchChaincode string

	// DialTimeout bounds how long Connect waits for the peer connection.
	DialTimeout time.Duration
	// EvaluateTimeout bounds one query.
	EvaluateTimeout time.Duration
	// EndorseTimeout bounds endorsing a transaction and sending it to the
	// orderer.
	EndorseTimeout time.Duration
	// CommitTimeout bounds the wait for a submitted transaction's commit
	// status; when it passes the outcome is unknown (CodeUnknownOutcome).
	CommitTimeout time.Duration
	// MVCCRetries is how many times a transaction that failed validation
	// with MVCC_READ_CONFLICT or PHANTOM_READ_CONFLICT is endorsed again as
	// a new proposal (a new transaction ID) and submitted: 0 means
	// DefaultMVCCRetries, a negative value means never.
	MVCCRetries int
	// RetryBackoff is the pause before the first retry; it doubles with
	// every further retry.
	RetryBackoff time.Duration

	// StatusLookupWindow is how long a submit whose commit status was not
	// received (timeout, lost connection) keeps looking its transaction ID
	// up on the ledger before it reports UNKNOWN_OUTCOME; it looks at least
	// once. 0 means DefaultStatusLookupWindow.
	StatusLookupWindow time.Duration

	// Logger receives debug logs of retries; nil discards them.
	Logger *slog.Logger
}

// withDefaults returns cfg with every zero field set to its default.
// withEndpoint returns cfg with e as its peer endpoint.
func (cfg Config) withEndpoint(e Endpoint) Config {
	cfg.PeerEndpoint, cfg.ServerName, cfg.TLSCACertPath = e.Address, e.ServerName, e.TLSCACertPath
	return cfg
}

func (cfg Config) withDefaults() Config {
	setStr := func(s *string, def string) {
		if *s == "" {
			*s = def
		}
	}
	setDur := func(d *time.Duration, def time.Duration) {
		if *d == 0 {
			*d = def
		}
	}
	setStr(&cfg.Channel, DefaultChannel)
	setStr(&cfg.Chaincode, DefaultChaincode)
	setDur(&cfg.DialTimeout, DefaultDialTimeout)
	setDur(&cfg.EvaluateTimeout, DefaultEvaluateTimeout)
	setDur(&cfg.EndorseTimeout, DefaultEndorseTimeout)
	setDur(&cfg.CommitTimeout, DefaultCommitTimeout)
	setDur(&cfg.RetryBackoff, DefaultRetryBackoff)
	setDur(&cfg.StatusLookupWindow, DefaultStatusLookupWindow)
	if cfg.MVCCRetries == 0 {
		cfg.MVCCRetries = DefaultMVCCRetries
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return cfg
}

// validate checks the fields Connect needs and names every missing one.
func (cfg Config) validate() error {
	var missing []string
	for _, f := range []struct{ name, value string }{
		{"MSPID", cfg.MSPID},
		{"CertPath", cfg.CertPath},
		{"TLSCACertPath", cfg.TLSCACertPath},
		{"PeerEndpoint", cfg.PeerEndpoint},
	} {
		if strings.TrimSpace(f.value) == "" {
			missing = append(missing, f.name)
		}
	}
	if cfg.Sign == nil && cfg.HSM == nil && strings.TrimSpace(cfg.KeyPath) == "" {
		missing = append(missing, "KeyPath (or Sign, or HSM)")
	}
	var errs []error
	if (cfg.TLSClientCertPath == "") != (cfg.TLSClientKeyPath == "") {
		errs = append(errs, errors.New("config: TLSClientCertPath and TLSClientKeyPath go together (mutual TLS needs both)"))
	}
	if len(missing) > 0 {
		errs = append(errs, fmt.Errorf("config: missing %s", strings.Join(missing, ", ")))
	}
	for _, d := range []struct {
		name  string
		value time.Duration
	}{
		{"DialTimeout", cfg.DialTimeout},
		{"EvaluateTimeout", cfg.EvaluateTimeout},
		{"EndorseTimeout", cfg.EndorseTimeout},
		{"CommitTimeout", cfg.CommitTimeout},
		{"RetryBackoff", cfg.RetryBackoff},
		{"StatusLookupWindow", cfg.StatusLookupWindow},
	} {
		if d.value < 0 {
			errs = append(errs, fmt.Errorf("config: %s %s is negative", d.name, d.value))
		}
	}
	return errors.Join(errs...)
}

// HSMConfig names a private key inside a PKCS#11 token (an HSM, or
// SoftHSM2 for tests).
type HSMConfig struct {
	// Library is the PKCS#11 module, e.g.
	// /usr/lib/softhsm/libsofthsm2.so.
	Library string `json:"library"`
	// Label is the token's label.
	Label string `json:"label"`
	// PIN is the token's user PIN.
	PIN string `json:"-"`
	// KeyID is the private key's CKA_ID, in hex (Fabric's convention: the
	// key's subject key identifier).
	KeyID string `json:"keyId"`
}
