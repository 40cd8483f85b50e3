package charter

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// ProfilesFile is where a Charter network writes its profiles, relative to
// the directory it runs in.
const ProfilesFile = ".charter/network/profiles.json"

// Profiles is the connection file a Charter network writes: which channel
// and chaincode to use, each organisation's gateway peer, and named user
// profiles (certificate, key, organisation, peer).
type Profiles struct {
	Channel   string `json:"channel"`
	Chaincode string `json:"chaincode"`
	// BenchChaincode is the calibration chaincode's name when the network
	// deployed it (network/up.sh --bench), else empty.
	BenchChaincode string             `json:"benchChaincode,omitempty"`
	Peers          map[string]Peer    `json:"peers"`
	Profiles       map[string]Profile `json:"profiles"`
}

// Peer is one organisation's gateway peer.
type Peer struct {
	MSPID      string `json:"mspId"`
	Endpoint   string `json:"endpoint"`
	TLSCACert  string `json:"tlsCACert"`
	ServerName string `json:"serverName"`
}

// Profile is one user: an organisation member's certificate and key, and
// the peer (a key of Profiles.Peers) it connects to.
type Profile struct {
	Org      string `json:"org"`
	MSPID    string `json:"mspId"`
	CertPath string `json:"certPath"`
	// KeyPath is the PEM private key; empty when HSM holds the key.
	KeyPath string `json:"keyPath,omitempty"`
	Peer    string `json:"peer"`
	// HSM, when set, says which PKCS#11 token holds the private key.
	HSM *ProfileHSM `json:"hsm,omitempty"`
	// TLSClientCert and TLSClientKey are the client TLS certificate and
	// key for peers that require mutual TLS (both or neither).
	TLSClientCert string `json:"tlsClientCert,omitempty"`
	TLSClientKey  string `json:"tlsClientKey,omitempty"`
}

// ProfileHSM is a profile's PKCS#11 key: HSMConfig with the PIN read from
// an environment variable instead of the file.
type ProfileHSM struct {
	Library string `json:"library"`
	Label   string `json:"label"`
	KeyID   string `json:"keyId"`
	// PINEnv names the environment variable holding the token's user
	// PIN; Config reads it.
	PINEnv string `json:"pinEnv"`
}

// LoadProfiles reads and checks a profiles file. Relative paths inside it
// are taken relative to the file's directory. Errors name the file and what
// is wrong with it.
func LoadProfiles(path string) (*Profiles, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read profiles: %w", err)
	}
	// Unknown fields are ignored so that a newer network's file still loads.
	var p Profiles
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil, fmt.Errorf("profiles %s: malformed JSON: %w", path, err)
	}
	if err := p.check(); err != nil {
		return nil, fmt.Errorf("profiles %s: %w", path, err)
	}
	p.resolve(filepath.Dir(path))
	return &p, nil
}

func (p *Profiles) check() error {
	var errs []error
	if p.Channel == "" {
		errs = append(errs, errors.New("channel is empty"))
	}
	if p.Chaincode == "" {
		errs = append(errs, errors.New("chaincode is empty"))
	}
	if len(p.Profiles) == 0 {
		errs = append(errs, errors.New("no profiles"))
	}
	for _, name := range sortedKeys(p.Peers) {
		peer := p.Peers[name]
		if peer.MSPID == "" || peer.Endpoint == "" || peer.TLSCACert == "" {
			errs = append(errs, fmt.Errorf("peer %q: mspId, endpoint and tlsCACert are required", name))
		}
	}
	for _, name := range sortedKeys(p.Profiles) {
		prof := p.Profiles[name]
		if prof.MSPID == "" || prof.CertPath == "" || (prof.KeyPath == "" && prof.HSM == nil) {
			errs = append(errs, fmt.Errorf("profile %q: mspId, certPath and keyPath (or hsm) are required", name))
		}
		if h := prof.HSM; h != nil && (h.Library == "" || h.Label == "" || h.KeyID == "" || h.PINEnv == "") {
			errs = append(errs, fmt.Errorf("profile %q: hsm needs library, label, keyId and pinEnv", name))
		}
		if (prof.TLSClientCert == "") != (prof.TLSClientKey == "") {
			errs = append(errs, fmt.Errorf("profile %q: tlsClientCert and tlsClientKey go together", name))
		}
		peer, ok := p.Peers[prof.Peer]
		if !ok {
			errs = append(errs, fmt.Errorf("profile %q: unknown peer %q (known: %s)", name, prof.Peer, strings.Join(sortedKeys(p.Peers), ", ")))
		} else if peer.MSPID != "" && prof.MSPID != "" && peer.MSPID != prof.MSPID {
			errs = append(errs, fmt.Errorf("profile %q: MSP %s differs from its peer's MSP %s", name, prof.MSPID, peer.MSPID))
		}
	}
	return errors.Join(errs...)
}

func (p *Profiles) resolve(dir string) {
	abs := func(s string) string {
		if s == "" || filepath.IsAbs(s) {
			return s
		}
		return filepath.Join(dir, s)
	}
	for name, peer := range p.Peers {
		peer.TLSCACert = abs(peer.TLSCACert)
		p.Peers[name] = peer
	}
	for name, prof := range p.Profiles {
		prof.CertPath, prof.KeyPath = abs(prof.CertPath), abs(prof.KeyPath)
		prof.TLSClientCert, prof.TLSClientKey = abs(prof.TLSClientCert), abs(prof.TLSClientKey)
		p.Profiles[name] = prof
	}
}

// Names returns the profile names in sorted order.
func (p *Profiles) Names() []string { return sortedKeys(p.Profiles) }

// Profile returns a profile by name; the error lists the known names.
func (p *Profiles) Profile(name string) (Profile, error) {
	prof, ok := p.Profiles[name]
	if !ok {
		return Profile{}, fmt.Errorf("unknown profile %q (known: %s)", name, strings.Join(p.Names(), ", "))
	}
	return prof, nil
}

// Config returns the connection configuration of a profile, with the
// default timeouts; the error lists the known names when name is unknown.
// A profile whose key is in an HSM gets its PIN from the environment
// variable the profile names (an error when it is unset).
func (p *Profiles) Config(name string) (Config, error) {
	prof, err := p.Profile(name)
	if err != nil {
		return Config{}, err
	}
	peer := p.Peers[prof.Peer]
	var fallbacks []Endpoint
	for _, name := range sortedKeys(p.Peers) {
		if name != prof.Peer {
			other := p.Peers[name]
			fallbacks = append(fallbacks, Endpoint{Address: other.Endpoint, ServerName: other.ServerName, TLSCACertPath: other.TLSCACert})
		}
	}
	var hsm *HSMConfig
	if h := prof.HSM; h != nil {
		pin := os.Getenv(h.PINEnv)
		if pin == "" {
			return Config{}, fmt.Errorf("profile %q: its HSM PIN is read from $%s, which is not set", name, h.PINEnv)
		}
		hsm = &HSMConfig{Library: h.Library, Label: h.Label, KeyID: h.KeyID, PIN: pin}
	}
	return Config{
		HSM:               hsm,
		TLSClientCertPath: prof.TLSClientCert,
		TLSClientKeyPath:  prof.TLSClientKey,
		Fallbacks:         fallbacks,
		MSPID:             prof.MSPID,
		CertPath:          prof.CertPath,
		KeyPath:           prof.KeyPath,
		TLSCACertPath:     peer.TLSCACert,
		PeerEndpoint:      peer.Endpoint,
		ServerName:        peer.ServerName,
		Channel:           p.Channel,
		Chaincode:         p.Chaincode,

		BenchChaincode: p.BenchChaincode,
	}, nil
}

// FindProfiles returns the first ProfilesFile found in dir or one of its
// parents, or an error that fs.ErrNotExist matches.
func FindProfiles(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("find profiles: %w", err)
	}
	for d := dir; ; {
		candidate := filepath.Join(d, ProfilesFile)
		if _, err := os.Stat(candidate); err == nil {
			return candidate, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", fmt.Errorf("no %s in %s or any parent directory: %w", ProfilesFile, dir, fs.ErrNotExist)
		}
		d = parent
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
