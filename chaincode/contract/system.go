package contract

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
	// Digest is the SHA-256 of the chaincode binary the service runs
	// (system:Build's digest, the one a chaincode_upgrade decision names);
	// for a binary started without it, the digest of its source files
	// stamped by scripts/buildstamp.sh.
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
