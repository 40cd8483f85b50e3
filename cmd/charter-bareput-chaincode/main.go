// Command charter-bareput-chaincode runs the bare put chaincode
// ("bareput") as a service (CCaaS) on benchmark and test networks
// (network/up.sh --bench deploys it next to the calibration chaincode).
// Its one function, Put(key, value), writes value under key with the plain
// chaincode shim and nothing else: no contractapi, no schema validation, no
// transaction context, no event. Against the calibration put (bench:Put,
// the same write through Charter's contract framework) it separates what
// Fabric costs from what Charter's chaincode framework costs (charter bench
// --workload bareput,put). Like the calibration chaincode it lets any
// identity on the channel write, so it is never part of the production
// chaincode.
//
// Environment (the same as contractapi's chaincode servers read):
//
//	CHAINCODE_SERVER_ADDRESS     host:port to listen on (required)
//	CORE_CHAINCODE_ID_NAME       the package ID installed on the peer (required)
//	CORE_PEER_TLS_ENABLED        "true": serve TLS with the files below
//	CORE_TLS_CLIENT_KEY_FILE     the server's TLS key
//	CORE_TLS_CLIENT_CERT_FILE    the server's TLS certificate
//	CORE_PEER_TLS_ROOTCERT_FILE  the CA of the peers' client certificates
//	CHARTER_PPROF_ADDR           host:port to serve pprof on (default: none; a busy port is logged, not fatal)
package main

import (
	"fmt"
	"log/slog"
	"os"
	"strconv"

	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"

	"github.com/charter-gov/charter/internal/pprofserve"
)

// Limits of one put, so that the chaincode cannot be used to store
// anything large on a shared benchmark network.
const (
	maxKeyBytes   = 256
	maxValueBytes = 4096
)

// bareput is the chaincode: Put and nothing else.
type bareput struct{}

// Init does nothing (no state to set up).
func (bareput) Init(shim.ChaincodeStubInterface) *peer.Response { return shim.Success(nil) }

// Invoke runs Put(key, value); anything else is refused.
func (bareput) Invoke(stub shim.ChaincodeStubInterface) *peer.Response {
	fn, args := stub.GetFunctionAndParameters()
	if fn != "Put" {
		return shim.Error(fmt.Sprintf("INVALID_ARGUMENT: bareput has one function, Put; got %q", fn))
	}
	if len(args) != 2 {
		return shim.Error(fmt.Sprintf("INVALID_ARGUMENT: Put takes a key and a value; got %d arguments", len(args)))
	}
	key, value := args[0], args[1]
	if key == "" || len(key) > maxKeyBytes || key[0] == 0 {
		return shim.Error("INVALID_ARGUMENT: Put key must be 1.." + strconv.Itoa(maxKeyBytes) + " bytes and must not start with a zero byte")
	}
	if len(value) > maxValueBytes {
		return shim.Error("INVALID_ARGUMENT: Put value must be at most " + strconv.Itoa(maxValueBytes) + " bytes")
	}
	if err := stub.PutState(key, []byte(value)); err != nil {
		return shim.Error(fmt.Sprintf("put %q: %v", key, err))
	}
	return shim.Success(nil)
}

func main() {
	logger := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	if err := run(logger); err != nil {
		logger.Error("bareput chaincode server stopped", "err", err)
		os.Exit(1)
	}
}

func run(logger *slog.Logger) error {
	addr, ccid := os.Getenv("CHAINCODE_SERVER_ADDRESS"), os.Getenv("CORE_CHAINCODE_ID_NAME")
	if addr == "" || ccid == "" {
		return fmt.Errorf("CHAINCODE_SERVER_ADDRESS and CORE_CHAINCODE_ID_NAME must be set; charter-bareput-chaincode runs only as a chaincode service")
	}
	tlsProps, err := tlsProperties(os.Getenv)
	if err != nil {
		return err
	}
	// Profiling is optional: a pprof port taken by another process costs
	// the profile, never the chaincode service.
	if err := pprofserve.Start(os.Getenv("CHARTER_PPROF_ADDR"), logger); err != nil {
		logger.Warn("pprof not served", "CHARTER_PPROF_ADDR", os.Getenv("CHARTER_PPROF_ADDR"), "err", err)
	}
	srv := &shim.ChaincodeServer{CCID: ccid, Address: addr, CC: bareput{}, TLSProps: tlsProps}
	logger.Info("serving bareput chaincode", "address", addr, "packageId", ccid, "tls", !tlsProps.Disabled)
	if err := srv.Start(); err != nil {
		return fmt.Errorf("serve bareput chaincode: %w", err)
	}
	return nil
}

// tlsProperties reads the server's TLS files as contractapi does.
func tlsProperties(getenv func(string) string) (shim.TLSProperties, error) {
	if on, _ := strconv.ParseBool(getenv("CORE_PEER_TLS_ENABLED")); !on {
		return shim.TLSProperties{Disabled: true}, nil
	}
	read := func(v string, required bool) ([]byte, error) {
		p := getenv(v)
		if p == "" {
			if required {
				return nil, fmt.Errorf("%s is not set (CORE_PEER_TLS_ENABLED=true)", v)
			}
			return nil, nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", v, err)
		}
		return b, nil
	}
	key, err := read("CORE_TLS_CLIENT_KEY_FILE", true)
	if err != nil {
		return shim.TLSProperties{}, err
	}
	cert, err := read("CORE_TLS_CLIENT_CERT_FILE", true)
	if err != nil {
		return shim.TLSProperties{}, err
	}
	ca, err := read("CORE_PEER_TLS_ROOTCERT_FILE", false)
	if err != nil {
		return shim.TLSProperties{}, err
	}
	return shim.TLSProperties{Key: key, Cert: cert, ClientCACerts: ca}, nil
}
