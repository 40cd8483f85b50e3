package contract

import (
	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"

	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/ledger"
	"github.com/charter-gov/charter/chaincode/vouch"
)

// Vouch records the caller's vouch for a member of another organisation.
// requestJSON is a vouch.GiveRequest. Caller: an active member of an
// organisation other than the member's. Writes only the vouch's own key.
func (c *MemberContract) Vouch(ctx contractapi.TransactionContextInterface, requestJSON string) (string, error) {
	var req vouch.GiveRequest
	if err := decode("vouch request", requestJSON, &req); err != nil {
		return "", wire(err)
	}
	return run(ctx, func(tx *core.Tx) (*vouch.Vouch, error) { return vouch.Give(tx, req) })
}

// Unvouch withdraws the caller's vouch for a member. requestJSON is a
// vouch.WithdrawRequest. Caller: the voucher. Writes only the vouch's own
// key: the vouch no longer counts for ballots that open afterwards.
func (c *MemberContract) Unvouch(ctx contractapi.TransactionContextInterface, requestJSON string) (string, error) {
	var req vouch.WithdrawRequest
	if err := decode("unvouch request", requestJSON, &req); err != nil {
		return "", wire(err)
	}
	return run(ctx, func(tx *core.Tx) (*vouch.Vouch, error) { return vouch.Withdraw(tx, req) })
}

// Vouches lists the vouches for one member. Caller: anyone.
func (c *MemberContract) Vouches(ctx contractapi.TransactionContextInterface, mspID, id string) (string, error) {
	vs, err := vouch.List(ledger.StubStore{Stub: ctx.GetStub()}, identity.Identity{MSPID: mspID, ID: id})
	if err != nil {
		return "", wire(err)
	}
	return encode(vs)
}
