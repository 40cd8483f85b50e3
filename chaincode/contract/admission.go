package contract

import (
	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"

	"github.com/charter-gov/charter/chaincode/admission"
	"github.com/charter-gov/charter/chaincode/ledger"
)

// AdmissionContract exposes the organisations the consortium admitted by
// executed partner_admission decisions ("admission:…"): the record the
// channel configuration update that adds an organisation must match
// (charter-netadmin asks it before it builds one).
type AdmissionContract struct {
	contractapi.Contract
}

func newAdmissionContract(g guard) *AdmissionContract {
	return &AdmissionContract{Contract: g.base("admission")}
}

// GetEvaluateTransactions lists the queries.
func (c *AdmissionContract) GetEvaluateTransactions() []string {
	return []string{"Get"}
}

// Get returns the admission recorded for an MSP ID (NOT_FOUND when no
// executed partner_admission decision admits it). Caller: anyone.
func (c *AdmissionContract) Get(ctx contractapi.TransactionContextInterface, mspID string) (string, error) {
	a, err := admission.Get(ledger.StubStore{Stub: ctx.GetStub()}, mspID)
	if err != nil {
		return "", wire(err)
	}
	return encode(a)
}
