package contract

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"

	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/text"
)

// MetadataFunction is the system transaction that returns the contract
// metadata (Fabric's contract-schema format).
const MetadataFunction = "org.hyperledger.fabric:GetMetadata"

// Chaincode is the chaincode the peer runs (a shim.Chaincode): contractapi's
// ContractChaincode behind a gate that checks every invocation against the
// signature table before any contract code runs, and codes every error that
// leaves.
//
// The gate refuses, with INVALID_ARGUMENT and nothing changed: an unknown
// contract or transaction (names are matched exactly), a wrong number of
// arguments (contractapi ignored extra ones), a plain string argument
// longer than its kind allows or holding what chaincode/text refuses in an
// identifier (so no key is ever built from it), and a JSON argument over
// MaxArgBytes. Any error contractapi itself produces without a code leaves
// as INTERNAL, and every error message is clipped to
// errcode.MaxMessageBytes.
type Chaincode struct {
	inner           *contractapi.ContractChaincode
	sigs            map[string]signature
	defaultContract string
	metadata        []byte
}

var _ shim.Chaincode = (*Chaincode)(nil)

// Init runs an invocation when one is given (contractapi's behaviour).
func (c *Chaincode) Init(stub shim.ChaincodeStubInterface) *peer.Response {
	if fn, _ := stub.GetFunctionAndParameters(); fn == "" {
		return shim.Success(nil)
	}
	return c.Invoke(stub)
}

// Invoke checks the invocation against its signature, then dispatches.
func (c *Chaincode) Invoke(stub shim.ChaincodeStubInterface) *peer.Response {
	fn, args := stub.GetFunctionAndParameters()
	if fn == MetadataFunction {
		if len(args) != 0 {
			return refuse(errcode.Invalidf("%s takes no arguments, got %d", MetadataFunction, len(args)))
		}
		return shim.Success(c.metadata)
	}
	if err := c.check(fn, args); err != nil {
		return refuse(err)
	}
	res := c.inner.Invoke(stub)
	if res.Status >= shim.ERRORTHRESHOLD {
		res.Message = coded(res.Message)
	}
	return res
}

// Metadata returns the contract metadata GetMetadata serves.
func (c *Chaincode) Metadata() []byte { return append([]byte(nil), c.metadata...) }

func (c *Chaincode) check(fn string, args []string) error {
	name := fn
	if !strings.Contains(fn, ":") {
		name = c.defaultContract + ":" + fn
	}
	sig, found := c.sigs[name]
	if !found {
		ns := name[:strings.LastIndex(name, ":")]
		tx := name[strings.LastIndex(name, ":")+1:]
		if !c.hasContract(ns) {
			return errcode.Invalidf("no contract %s (contracts: %s)", errcode.Quote(ns), strings.Join(c.contracts(), ", "))
		}
		if why := removedPower(ns, tx); why != "" {
			return errcode.Forbiddenf("%s:%s is not a transaction: %s", ns, tx, why)
		}
		return errcode.Invalidf("contract %s has no transaction %s", errcode.Quote(ns), errcode.Quote(tx))
	}
	if len(args) != len(sig.params) {
		return errcode.Invalidf("%s takes %d argument%s (%s), got %d", sig.fullName(), len(sig.params), plural(len(sig.params)), sig.paramNames(), len(args))
	}
	for i, p := range sig.params {
		if err := p.check(sig.fullName(), args[i]); err != nil {
			return err
		}
	}
	return nil
}

// check bounds one argument before any key is built from it.
func (p param) check(tx, arg string) error {
	field := fmt.Sprintf("%s argument %s", tx, p.name)
	if len(arg) > p.maxBytes() {
		return errcode.Invalidf("%s is %d bytes, at most %d are accepted", field, len(arg), p.maxBytes())
	}
	if arg == "" {
		if p.optional || p.kind == kindJSON && p.optional {
			return nil
		}
		return errcode.Invalidf("%s is empty", field)
	}
	switch p.kind {
	case kindJSON:
		return nil // the strict decoder reads it
	case kindBookmark:
		if !utf8.ValidString(arg) {
			return errcode.Invalidf("%s is not valid UTF-8", field)
		}
		return nil
	case kindBool:
		if arg != "true" && arg != "false" {
			return errcode.Invalidf("%s %s is not true or false", field, errcode.Quote(arg))
		}
		return nil
	case kindInt:
		if _, err := strconv.ParseInt(arg, 10, 64); err != nil {
			return errcode.Invalidf("%s %s is not a whole number", field, errcode.Quote(arg))
		}
		return nil
	}
	return text.Check(field, arg, text.ID(p.maxBytes()))
}

func (s signature) paramNames() string {
	if len(s.params) == 0 {
		return "none"
	}
	names := make([]string, len(s.params))
	for i, p := range s.params {
		names[i] = p.name
	}
	return strings.Join(names, ", ")
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func (c *Chaincode) hasContract(ns string) bool {
	for _, n := range c.contracts() {
		if n == ns {
			return true
		}
	}
	return false
}

func (c *Chaincode) contracts() []string {
	var out []string
	for _, s := range signatures() {
		if len(out) == 0 || out[len(out)-1] != s.contract {
			out = append(out, s.contract)
		}
	}
	return out
}

// refuse is the response of a refused invocation.
func refuse(err error) *peer.Response {
	return shim.Error(coded(errcode.Encode(err)))
}

// coded makes sure a wire message starts with a code (contractapi's own
// refusals carry none: they leave as INTERNAL) and is at most
// errcode.MaxMessageBytes long.
func coded(msg string) string {
	if d, ok := errcode.Decode(msg); !ok || !strings.HasPrefix(msg, string(d.Code)+": ") {
		msg = errcode.Encode(fmt.Errorf("%s", msg))
	}
	return errcode.ClipWire(msg, errcode.MaxMessageBytes)
}

// newGate wraps the assembled contractapi chaincode after checking that the
// signature table describes exactly the contracts' transactions.
func newGate(inner *contractapi.ContractChaincode, contracts []contractapi.ContractInterface) (*Chaincode, error) {
	sigs := map[string]signature{}
	for _, s := range signatures() {
		if _, dup := sigs[s.fullName()]; dup {
			return nil, fmt.Errorf("signature table lists %s twice", s.fullName())
		}
		sigs[s.fullName()] = s
	}
	if err := matchSignatures(contracts, sigs); err != nil {
		return nil, err
	}
	md, err := buildMetadata(inner, contracts)
	if err != nil {
		return nil, err
	}
	return &Chaincode{inner: inner, sigs: sigs, defaultContract: inner.DefaultContract, metadata: md}, nil
}

// transactions lists a contract's transactions (exported methods taking the
// transaction context first) with their number of string arguments.
func transactions(ci contractapi.ContractInterface) ([]string, map[string]int, error) {
	t := reflect.TypeOf(ci)
	ctxType := reflect.TypeOf((*contractapi.TransactionContextInterface)(nil)).Elem()
	var names []string
	counts := map[string]int{}
	for i := 0; i < t.NumMethod(); i++ {
		m := t.Method(i)
		if m.Type.NumIn() < 2 || m.Type.In(1) != ctxType {
			continue
		}
		for j := 2; j < m.Type.NumIn(); j++ {
			if m.Type.In(j).Kind() != reflect.String {
				return nil, nil, fmt.Errorf("%s:%s: argument %d is %s; transactions take strings (JSON for structures)", ci.GetName(), m.Name, j-1, m.Type.In(j))
			}
		}
		names = append(names, m.Name)
		counts[m.Name] = m.Type.NumIn() - 2
	}
	return names, counts, nil
}

func matchSignatures(contracts []contractapi.ContractInterface, sigs map[string]signature) error {
	seen := 0
	for _, ci := range contracts {
		names, counts, err := transactions(ci)
		if err != nil {
			return err
		}
		for _, n := range names {
			full := ci.GetName() + ":" + n
			s, found := sigs[full]
			if !found {
				return fmt.Errorf("transaction %s has no entry in the signature table (chaincode/contract/signatures.go)", full)
			}
			if len(s.params) != counts[n] {
				return fmt.Errorf("transaction %s takes %d arguments but the signature table lists %d", full, counts[n], len(s.params))
			}
			seen++
		}
	}
	if seen != len(sigs) {
		return fmt.Errorf("the signature table lists %d transactions, the contracts have %d", len(sigs), seen)
	}
	return nil
}
