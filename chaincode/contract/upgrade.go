package contract

import (
	"strconv"

	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"

	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/ledger"
	"github.com/charter-gov/charter/chaincode/upgrade"
)

// UpgradeContract exposes chaincode upgrades under two-person integrity
// ("upgrade:…"): maintainers' sign-offs on the build a chaincode_upgrade
// decision authorised, and the check network/upgrade.sh makes before it
// approves a definition.
type UpgradeContract struct {
	contractapi.Contract
}

func newUpgradeContract(g guard) *UpgradeContract {
	return &UpgradeContract{Contract: g.base("upgrade")}
}

// GetEvaluateTransactions lists the queries.
func (c *UpgradeContract) GetEvaluateTransactions() []string {
	return []string{"Get", "Check"}
}

// SignOff records the caller's sign-off on the build authorised for a
// sequence. requestJSON is an upgrade.SignOffRequest. Caller: an active
// member holding a House A seat, once per sequence.
func (c *UpgradeContract) SignOff(ctx contractapi.TransactionContextInterface, requestJSON string) (string, error) {
	var req upgrade.SignOffRequest
	if err := decode("sign-off request", requestJSON, &req); err != nil {
		return "", wire(err)
	}
	return run(ctx, func(tx *core.Tx) (*upgrade.SignOff, error) { return upgrade.Sign(tx, req) })
}

// Get returns the authorisation of a sequence with its sign-offs and
// whether it is cleared. Caller: anyone.
func (c *UpgradeContract) Get(ctx contractapi.TransactionContextInterface, sequence string) (string, error) {
	seq, err := strconv.ParseInt(sequence, 10, 64)
	if err != nil {
		return "", wire(errcode.Invalidf("sequence %s is not a whole number", errcode.Quote(sequence)))
	}
	st, err := upgrade.StatusOf(ledger.StubStore{Stub: ctx.GetStub()}, seq)
	if err != nil {
		return "", wire(err)
	}
	return encode(st)
}

// Check answers whether the build with this digest may be approved at this
// sequence (authorised by an executed decision and signed off by
// maintainers of two organisations); a coded refusal otherwise. Caller:
// anyone (network/upgrade.sh asks every organisation's peer).
func (c *UpgradeContract) Check(ctx contractapi.TransactionContextInterface, digest, sequence string) (string, error) {
	seq, err := strconv.ParseInt(sequence, 10, 64)
	if err != nil {
		return "", wire(errcode.Invalidf("sequence %s is not a whole number", errcode.Quote(sequence)))
	}
	st, err := upgrade.Check(ledger.StubStore{Stub: ctx.GetStub()}, digest, seq)
	if err != nil {
		return "", wire(err)
	}
	return encode(st)
}

// SystemContract answers questions about the chaincode service itself
// ("system:…"), each peer for its own organisation's service.
type SystemContract struct {
	contractapi.Contract
	build upgrade.Build
}

func newSystemContract(g guard) *SystemContract {
	c := &SystemContract{Contract: g.base("system"), build: g.cfg.Build}
	// The build is asked before any constitution exists and whatever the
	// peer's clock says; these queries read no state.
	c.BeforeTransaction = nil
	return c
}

// GetEvaluateTransactions lists the queries.
func (c *SystemContract) GetEvaluateTransactions() []string {
	return []string{"Build", "Version"}
}

// Version reports, for charter version, which build this peer runs: the
// release stamp (or the source stamp of scripts/buildstamp.sh), the
// running binary's digest and the contract metadata's version. Caller:
// anyone.
func (c *SystemContract) Version(_ contractapi.TransactionContextInterface) (string, error) {
	b := BuildInfo()
	if b.Version == Unstamped && c.build.Release != "" {
		b.Version = c.build.Release
	}
	if c.build.Digest != "" {
		b.Digest = c.build.Digest
	}
	return encode(b)
}

// Build reports the digest of the binary this organisation's chaincode
// service runs (set by the program at start, Config.Build), its release
// stamp, toolchain and package ID. It reads and writes no state; its
// answer differs per peer by design. Caller: anyone.
func (c *SystemContract) Build(_ contractapi.TransactionContextInterface) (string, error) {
	if c.build.Digest == "" {
		return "", wire(errcode.Preconditionf("this chaincode service was started without its build digest (cmd/charter-chaincode computes it at start)"))
	}
	return encode(c.build)
}
