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
package main

import (
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"time"

	"github.com/hyperledger/fabric-chaincode-go/v2/shim"

	"github.com/charter-gov/charter/chaincode/contract"
)

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
	cc, err := contract.NewChaincode(cfg)
	if err != nil {
		return err
	}
	logger.Info("serving chaincode", "address", os.Getenv("CHAINCODE_SERVER_ADDRESS"),
		"packageId", os.Getenv("CORE_CHAINCODE_ID_NAME"), "maxClockSkew", cfg.MaxClockSkew.String(), "founders", cfg.Founders)
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
