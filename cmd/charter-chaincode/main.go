// Command charter-chaincode runs Charter's chaincode as a service (CCaaS):
// its own gRPC server that the peer dials through the external builder.
//
// Environment:
//
//	CHAINCODE_SERVER_ADDRESS  host:port to listen on (required)
//	CORE_CHAINCODE_ID_NAME    the package ID installed on the peer (required)
//	CHARTER_MAX_CLOCK_SKEW    largest accepted distance between a proposal's
//	                          timestamp and this server's clock until a
//	                          constitution is adopted (default 5m); afterwards
//	                          the constitution's time.maxClockSkewSeconds
//	CHARTER_FOUNDERS          the consortium's founding MSP IDs, comma-separated
//	                          (e.g. FoundationMSP,LabAMSP,LabBMSP); this peer
//	                          endorses no genesis naming another founder set.
//	                          Unset: no check (any founder set of at least two)
//
// At start the server hashes its own executable (SHA-256) and reports it,
// with the release stamp and the toolchain, through system:Build: each
// organisation's peer answers for the build its own service runs. Build it
// reproducibly with network/build-chaincode.sh (-trimpath, -buildvcs=false,
// pinned toolchain, fixed stamp) so that every organisation can rebuild the
// digest a chaincode_upgrade decision names.
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"strconv"
	"time"

	"github.com/hyperledger/fabric-chaincode-go/v2/shim"

	"github.com/charter-gov/charter/chaincode/contract"
	"github.com/charter-gov/charter/chaincode/upgrade"
)

// release is the build's stamp, set with -ldflags "-X main.release=…"
// (network/build-chaincode.sh); it is part of the binary, so two stamps
// give two digests.
var release = "unstamped"

func main() {
	logger := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	if err := run(logger); err != nil {
		logger.Error("chaincode server stopped", "err", err)
		os.Exit(1)
	}
}

func run(logger *slog.Logger) error {
	skew, err := contract.ParseMaxClockSkew(os.Getenv("CHARTER_MAX_CLOCK_SKEW"))
	if err != nil {
		return fmt.Errorf("CHARTER_MAX_CLOCK_SKEW=%w", err)
	}
	cfg := contract.Config{MaxClockSkew: skew, Now: time.Now}
	founders, err := contract.ParseFounders(os.Getenv("CHARTER_FOUNDERS"))
	if err != nil {
		return fmt.Errorf("CHARTER_FOUNDERS: %w", err)
	}
	cfg.Founders = founders
	for _, k := range []string{"CHAINCODE_SERVER_ADDRESS", "CORE_CHAINCODE_ID_NAME"} {
		if os.Getenv(k) == "" {
			return fmt.Errorf("%s is not set; charter-chaincode runs only as a chaincode service", k)
		}
	}
	digest, err := selfDigest()
	if err != nil {
		return err
	}
	cfg.Build = upgrade.Build{Digest: digest, Release: release, GoVersion: runtime.Version(),
		PackageID: os.Getenv("CORE_CHAINCODE_ID_NAME"), MSPID: os.Getenv("CORE_PEER_LOCALMSPID")}
	cc, err := contract.NewChaincode(cfg)
	if err != nil {
		return err
	}
	logger.Info("serving chaincode", "address", os.Getenv("CHAINCODE_SERVER_ADDRESS"),
		"packageId", os.Getenv("CORE_CHAINCODE_ID_NAME"), "maxClockSkew", cfg.MaxClockSkew.String(), "founders", cfg.Founders,
		"buildDigest", digest, "release", release)
	tlsProps, err := tlsProperties()
	if err != nil {
		return err
	}
	server := &shim.ChaincodeServer{
		CCID:     os.Getenv("CORE_CHAINCODE_ID_NAME"),
		Address:  os.Getenv("CHAINCODE_SERVER_ADDRESS"),
		CC:       cc,
		TLSProps: tlsProps,
	}
	if err := server.Start(); err != nil {
		return fmt.Errorf("serve chaincode: %w", err)
	}
	return nil
}

// tlsProperties reads the server's TLS material from the variables the
// peer's chaincode-as-a-service convention uses (the same contractapi reads):
// CORE_PEER_TLS_ENABLED, CORE_TLS_CLIENT_KEY_FILE, CORE_TLS_CLIENT_CERT_FILE
// and, for client authentication, CORE_PEER_TLS_ROOTCERT_FILE.
func tlsProperties() (shim.TLSProperties, error) {
	enabled, err := strconv.ParseBool(os.Getenv("CORE_PEER_TLS_ENABLED"))
	if err != nil || !enabled {
		return shim.TLSProperties{Disabled: true}, nil
	}
	read := func(env string, required bool) ([]byte, error) {
		path := os.Getenv(env)
		if path == "" && !required {
			return nil, nil
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", env, err)
		}
		return raw, nil
	}
	key, err := read("CORE_TLS_CLIENT_KEY_FILE", true)
	if err != nil {
		return shim.TLSProperties{}, err
	}
	cert, err := read("CORE_TLS_CLIENT_CERT_FILE", true)
	if err != nil {
		return shim.TLSProperties{}, err
	}
	root, err := read("CORE_PEER_TLS_ROOTCERT_FILE", false)
	if err != nil {
		return shim.TLSProperties{}, err
	}
	return shim.TLSProperties{Key: key, Cert: cert, ClientCACerts: root}, nil
}

// selfDigest is the SHA-256 of the running executable's bytes
// (/proc/self/exe on Linux: the file this process was started from, even
// if the path has been replaced since).
func selfDigest() (string, error) {
	path := "/proc/self/exe"
	if _, err := os.Stat(path); err != nil {
		if path, err = os.Executable(); err != nil {
			return "", fmt.Errorf("locate own executable: %w", err)
		}
	}
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("hash own executable: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("hash own executable %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
