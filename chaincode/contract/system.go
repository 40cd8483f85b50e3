package contract

import (
	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"
)

// Build stamps, set at link time by scripts/buildstamp.sh (make build and
// network/up.sh pass its -ldflags):
//
//	-X github.com/charter-gov/charter/chaincode/contract.buildVersion=…
//	-X github.com/charter-gov/charter/chaincode/contract.buildDigest=…
//
// A binary built without them reports Unstamped. They are constants of the
// binary, read by a query only, so every endorsement of any transaction is
// unaffected by them.
var (
	buildVersion string //charter:allow-global set once by the linker, never written at run time; read only by the system:Version query
	buildDigest  string //charter:allow-global set once by the linker, never written at run time; read only by the system:Version query
)

// Unstamped is the version and digest of a chaincode built without
// scripts/buildstamp.sh's -ldflags.
const Unstamped = "unstamped"

// Build is what system:Version reports: which build of the chaincode this
// peer runs.
type Build struct {
	// Version is `git describe --always --dirty` of the source the
	// chaincode was built from.
	Version string `json:"version"`
	// Digest is the SHA-256 of the chaincode's source files (chaincode/,
	// cmd/charter-chaincode, go.mod, go.sum) as they were built: two peers
	// reporting the same digest run the same rules.
	Digest string `json:"digest"`
	// ContractVersion is the contract metadata's version.
	ContractVersion string `json:"contractVersion"`
}

// BuildInfo returns this binary's build stamp.
func BuildInfo() Build {
	b := Build{Version: buildVersion, Digest: buildDigest, ContractVersion: contractVersion}
	if b.Version == "" {
		b.Version = Unstamped
	}
	if b.Digest == "" {
		b.Digest = Unstamped
	}
	return b
}

// contractVersion is the version the contract metadata declares.
const contractVersion = "0.1.0"

// SystemContract answers questions about the chaincode itself
// ("system:…"); it reads and writes no state.
type SystemContract struct {
	contractapi.Contract
}

func newSystemContract(g guard) *SystemContract {
	c := &SystemContract{Contract: g.base("system")}
	// The version is asked before any constitution exists and whatever
	// the peer's clock says.
	c.BeforeTransaction = nil
	return c
}

// GetEvaluateTransactions lists the queries.
func (c *SystemContract) GetEvaluateTransactions() []string { return []string{"Version"} }

// Version reports the chaincode build this peer runs. Caller: anyone.
func (c *SystemContract) Version(_ contractapi.TransactionContextInterface) (string, error) {
	return encode(BuildInfo())
}
