package contract

import (
	"strconv"

	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/ledger"
)

// ConstitutionContract exposes the constitution ("constitution:…").
type ConstitutionContract struct {
	contractapi.Contract
}

func newConstitutionContract(g guard) *ConstitutionContract {
	return &ConstitutionContract{Contract: g.base("constitution")}
}

// GetEvaluateTransactions lists the queries.
func (c *ConstitutionContract) GetEvaluateTransactions() []string {
	return []string{"Current", "Get", "History", "Default"}
}

// Init adopts version 1 of the constitution. documentJSON is a
// constitution.Document, or empty for the default. Caller: an organisation
// admin; once.
func (c *ConstitutionContract) Init(ctx contractapi.TransactionContextInterface, documentJSON string) (string, error) {
	doc := constitution.Default()
	if documentJSON != "" {
		doc = constitution.Document{}
		if err := decode("constitution document", documentJSON, &doc); err != nil {
			return "", wire(err)
		}
	}
	return run(ctx, func(tx *core.Tx) (*constitution.Version, error) { return constitution.Init(tx, doc) })
}

// Current returns the version in force. Caller: anyone.
func (c *ConstitutionContract) Current(ctx contractapi.TransactionContextInterface) (string, error) {
	v, err := constitution.Current(ledger.StubStore{Stub: ctx.GetStub()})
	if err != nil {
		return "", wire(err)
	}
	return encode(v)
}

// Get returns one version. Caller: anyone.
func (c *ConstitutionContract) Get(ctx contractapi.TransactionContextInterface, version string) (string, error) {
	n, err := strconv.ParseInt(version, 10, 64)
	if err != nil {
		return "", wire(errcode.Invalidf("constitution version %q is not a whole number", version))
	}
	v, err := constitution.Get(ledger.StubStore{Stub: ctx.GetStub()}, n)
	if err != nil {
		return "", wire(err)
	}
	return encode(v)
}

// History lists every version, oldest first. Caller: anyone.
func (c *ConstitutionContract) History(ctx contractapi.TransactionContextInterface) (string, error) {
	h, err := constitution.History(ledger.StubStore{Stub: ctx.GetStub()})
	if err != nil {
		return "", wire(err)
	}
	return encode(h)
}

// Default returns the default constitution document. Caller: anyone.
func (c *ConstitutionContract) Default(ctx contractapi.TransactionContextInterface) (string, error) {
	return encode(constitution.Default())
}
