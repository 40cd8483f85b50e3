// Package contract is the thin Fabric adapter over Charter's domain
// packages. Each contract decodes its arguments, builds a core.Tx from the
// transaction (caller certificate, transaction timestamp, transaction ID),
// calls the domain, sets the one chaincode event the domain emitted, and
// returns JSON. Errors leave as "CODE: message" (see errcode).
//
// Every exported method on a contract struct is a transaction; queries are
// listed by GetEvaluateTransactions. Nothing here decides an outcome: the
// rules live in the domain packages.
//
// Until the genesis is adopted every state-changing transaction but the
// founding act's (constitution:ProposeGenesis, ApproveGenesis) is refused
// with FAILED_PRECONDITION "no constitution adopted yet" (run).
//
// The endorsement-time guard (BeforeTransaction) is the one deliberate
// exception to the no-clock rule: it compares the proposal's timestamp with
// the endorsing peer's clock and refuses to endorse when they differ by more
// than the constitution's time.maxClockSkewSeconds (Config.MaxClockSkew
// until a constitution is adopted). It decides only whether this peer endorses, never
// what is written, so forging a timestamp needs a majority of organisations
// to collude. The clock itself is injected by the program (Config.Now).
package contract

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/genesis"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/strictjson"
	"github.com/charter-gov/charter/chaincode/timerule"
	"github.com/charter-gov/charter/chaincode/upgrade"
)

// DefaultMaxClockSkew is how far a proposal's timestamp may be from the
// endorsing peer's clock when Config.MaxClockSkew is zero.
const DefaultMaxClockSkew = 5 * time.Minute

// MaxArgBytes bounds every JSON argument.
const MaxArgBytes = 1 << 20

// Config configures the chaincode.
type Config struct {
	// MaxClockSkew is the largest accepted distance between a proposal's
	// timestamp and Now until a constitution is adopted (afterwards its
	// time.maxClockSkewSeconds applies); zero means DefaultMaxClockSkew.
	MaxClockSkew time.Duration
	// Now reads the endorsing peer's clock. Nil disables the guard (unit
	// tests of the rules that do not concern it).
	Now func() time.Time
	// Founders are the consortium's founding MSP IDs, as this organisation
	// knows them (CHARTER_FOUNDERS). When set, this peer endorses no genesis
	// proposal or approval whose founder set differs. Empty: no check.
	Founders []string
	// Build is what system:Build reports: the digest of the running
	// binary, computed by the program at start (cmd/charter-chaincode).
	Build upgrade.Build
}

// NewChaincode assembles every Charter contract into one chaincode behind
// the invocation gate (see Chaincode).
func NewChaincode(cfg Config) (*Chaincode, error) {
	if cfg.MaxClockSkew == 0 {
		cfg.MaxClockSkew = DefaultMaxClockSkew
	}
	if cfg.MaxClockSkew < 0 {
		return nil, fmt.Errorf("max clock skew %s is negative", cfg.MaxClockSkew)
	}
	g := guard{cfg: cfg}
	contracts := []contractapi.ContractInterface{
		newConstitutionContract(g),
		newMemberContract(g),
		newDecisionContract(g),
		newCoiContract(g),
		newBallotContract(g),
		newTokenContract(g),
		newDelegationContract(g),
		newReputationContract(g),
		newRoundContract(g),
		newIncidentContract(g),
		newMetricsContract(g),
		newTreasuryContract(g),
		newArtifactContract(g),
		newGuardianContract(g),
		newUpgradeContract(g),
		newAdmissionContract(g),
		newSystemContract(g),
	}
	cc, err := contractapi.NewChaincode(contracts...)
	if err != nil {
		return nil, fmt.Errorf("assemble chaincode: %w", err)
	}
	cc.TransactionSerializer = new(stringSerializer)
	cc.Info.Title = "Charter"
	cc.Info.Version = contractVersion
	cc.DefaultContract = "constitution"
	gate, err := newGate(cc, contracts)
	if err != nil {
		return nil, fmt.Errorf("assemble chaincode: %w", err)
	}
	return gate, nil
}

// ParseMaxClockSkew parses CHARTER_MAX_CLOCK_SKEW, the bound the guard
// applies until a constitution is adopted: a positive Go duration such as
// "5m"; empty means DefaultMaxClockSkew. Both chaincode servers read it
// through this one function.
func ParseMaxClockSkew(s string) (time.Duration, error) {
	if s == "" {
		return DefaultMaxClockSkew, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%q: want a positive duration such as 5m", s)
	}
	return d, nil
}

// ParseFounders parses CHARTER_FOUNDERS: comma-separated MSP IDs, at least
// two and distinct. Empty means no founders check.
func ParseFounders(s string) ([]string, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var out []string
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			return nil, fmt.Errorf("%q names an empty MSP ID", s)
		}
		if slices.Contains(out, f) {
			return nil, fmt.Errorf("%q names %s twice", s, f)
		}
		out = append(out, f)
	}
	if len(out) < genesis.MinFounders {
		return nil, fmt.Errorf("%q names %d founder; a consortium has at least %d", s, len(out), genesis.MinFounders)
	}
	slices.Sort(out)
	return out, nil
}

// guard holds what every contract shares.
type guard struct{ cfg Config }

// checkFounders refuses to endorse a genesis whose founders are not the
// consortium's configured founders (when configured). Like the clock guard
// it decides only whether this peer endorses, never what is written.
func (g guard) checkFounders(gen genesis.Genesis, action string) error {
	if len(g.cfg.Founders) == 0 || genesis.SameFounders(gen, g.cfg.Founders) {
		return nil
	}
	return errcode.Forbiddenf("%s: the genesis names the founders [%s], but this peer's organisation knows the consortium's founders as [%s]; it does not endorse a genesis that leaves a founder out or adds one",
		action, strings.Join(gen.Founders, ", "), strings.Join(g.cfg.Founders, ", "))
}

// base returns the contractapi.Contract every Charter contract embeds, with
// the clock-skew guard and the unknown-transaction handler installed.
func (g guard) base(name string) contractapi.Contract {
	return contractapi.Contract{
		Name:                      name,
		TransactionContextHandler: new(txContext),
		BeforeTransaction:         g.beforeTransaction,
		UnknownTransaction: func(ctx contractapi.TransactionContextInterface) error {
			fn, _ := ctx.GetStub().GetFunctionAndParameters()
			fn = fn[strings.LastIndex(fn, ":")+1:]
			if why := removedPower(name, fn); why != "" {
				return wire(errcode.Forbiddenf("%s:%s is not a transaction: %s", name, fn, why))
			}
			return wire(errcode.Invalidf("contract %q has no transaction %q", name, fn))
		},
	}
}

// removedPower explains, for a transaction that once let one organisation
// exercise a collective power alone and was removed, which decision now
// carries that power; "" for any other name. A caller who still sends it
// gets FORBIDDEN naming the rule, not a bare "no such transaction".
func removedPower(contract, fn string) string {
	switch contract + ":" + fn {
	case "token:Mint":
		return "no organisation, admin or treasurer issues tokens alone; new tokens come only from an executed token_issuance decision (or the genesis allocation)"
	case "reputation:Slash":
		return "no House A member slashes alone; a slash comes only from an executed slashing decision of House A"
	}
	return ""
}

func (g guard) beforeTransaction(ctx contractapi.TransactionContextInterface) error {
	if g.cfg.Now == nil {
		return nil
	}
	ts, err := ctx.GetStub().GetTxTimestamp()
	if err != nil {
		return wire(fmt.Errorf("read transaction timestamp: %w", err))
	}
	// The bound every peer applies is the constitution's
	// time.maxClockSkewSeconds; the configured one holds only until a
	// constitution is adopted.
	bound, err := timerule.Skew(store(ctx), g.cfg.MaxClockSkew)
	if err != nil {
		return wire(err)
	}
	proposed := ts.AsTime()
	now := g.cfg.Now()
	skew := now.Sub(proposed)
	if skew < 0 {
		skew = -skew
	}
	if skew > bound {
		return wire(errcode.Invalidf("proposal timestamp %s is %s away from this peer's clock (%s); at most %s is accepted",
			proposed.UTC().Format(time.RFC3339), skew.Round(time.Millisecond), now.UTC().Format(time.RFC3339), bound))
	}
	return nil
}

// newTx builds the domain context of the current transaction.
func newTx(ctx contractapi.TransactionContextInterface) (*core.Tx, error) {
	stub := ctx.GetStub()
	cid := ctx.GetClientIdentity()
	if cid == nil {
		return nil, errcode.Forbiddenf("caller identity could not be read from the proposal")
	}
	msp, err := cid.GetMSPID()
	if err != nil {
		return nil, fmt.Errorf("read caller MSP ID: %w", err)
	}
	cert, err := cid.GetX509Certificate()
	if err != nil || cert == nil {
		return nil, errcode.Forbiddenf("caller has no X.509 certificate")
	}
	ts, err := stub.GetTxTimestamp()
	if err != nil {
		return nil, fmt.Errorf("read transaction timestamp: %w", err)
	}
	return &core.Tx{
		Store:  store(ctx),
		Caller: core.Caller{Identity: identity.FromCert(msp, cert), OrgAdmin: identity.IsOrgAdmin(cert)},
		Time:   ts.AsTime().UTC(),
		TxID:   stub.GetTxID(),
	}, nil
}

// run executes a state-changing domain call: it builds the Tx, refuses
// with FAILED_PRECONDITION until the genesis is adopted, runs fn, sets the
// emitted event and encodes the result. Every error leaves coded.
func run[T any](ctx contractapi.TransactionContextInterface, fn func(tx *core.Tx) (T, error)) (string, error) {
	return execute(ctx, true, fn)
}

// runFounding is run for the founding act's own transactions, the only
// state changes allowed before the genesis is adopted.
func runFounding[T any](ctx contractapi.TransactionContextInterface, fn func(tx *core.Tx) (T, error)) (string, error) {
	return execute(ctx, false, fn)
}

func execute[T any](ctx contractapi.TransactionContextInterface, needAdopted bool, fn func(tx *core.Tx) (T, error)) (string, error) {
	tx, err := newTx(ctx)
	if err != nil {
		return "", wire(err)
	}
	if needAdopted {
		if err := constitution.RequireAdopted(tx.Store); err != nil {
			return "", wire(err)
		}
	}
	out, err := fn(tx)
	if err != nil {
		return "", wire(err)
	}
	if ev := tx.Event(); ev != nil {
		raw, err := json.Marshal(ev)
		if err != nil {
			return "", wire(fmt.Errorf("encode event %s: %w", ev.Type, err))
		}
		if err := ctx.GetStub().SetEvent(ev.Type, raw); err != nil {
			return "", wire(fmt.Errorf("set event %s: %w", ev.Type, err))
		}
	}
	return encode(out)
}

func encode(v any) (string, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return "", wire(fmt.Errorf("encode result: %w", err))
	}
	return string(raw), nil
}

// decode parses one JSON argument with the one strict decoder
// (chaincode/strictjson): duplicate or case-folded names, unknown fields,
// trailing data, invalid escapes, null and oversized input are refused with
// INVALID_ARGUMENT naming the argument.
func decode(name, arg string, v any) error {
	return strictjson.DecodeString(name, arg, MaxArgBytes, v)
}

// wire turns any error into the coded text that travels to the client.
func wire(err error) error {
	if err == nil {
		return nil
	}
	return errors.New(errcode.Encode(err))
}
