package contract

import (
	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"

	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/delegation"
	"github.com/charter-gov/charter/chaincode/identity"
)

// DelegationContract exposes liquid delegation ("delegation:…").
type DelegationContract struct {
	contractapi.Contract
}

func newDelegationContract(g guard) *DelegationContract {
	return &DelegationContract{Contract: g.base("delegation")}
}

// GetEvaluateTransactions lists the queries.
func (c *DelegationContract) GetEvaluateTransactions() []string {
	return []string{"List", "Effective", "Incoming", "Statement"}
}

// Set delegates the caller's weight for a topic. requestJSON is a
// delegation.SetRequest. Caller: an active member.
func (c *DelegationContract) Set(ctx contractapi.TransactionContextInterface, requestJSON string) (string, error) {
	var req delegation.SetRequest
	if err := decode("delegation request", requestJSON, &req); err != nil {
		return "", wire(err)
	}
	return run(ctx, func(tx *core.Tx) (*delegation.Version, error) { return delegation.Set(tx, req) })
}

// Revoke ends the caller's delegation for a topic. requestJSON is a
// delegation.RevokeRequest. Caller: an active member.
func (c *DelegationContract) Revoke(ctx contractapi.TransactionContextInterface, requestJSON string) (string, error) {
	var req delegation.RevokeRequest
	if err := decode("revoke request", requestJSON, &req); err != nil {
		return "", wire(err)
	}
	return run(ctx, func(tx *core.Tx) (*delegation.Version, error) { return delegation.Revoke(tx, req) })
}

// SetStatement records the caller's delegate statement (what they stand
// for, shown in the delegate directory), replacing their earlier one.
// requestJSON is a delegation.StatementRequest. Caller: an active member,
// for themselves only.
func (c *DelegationContract) SetStatement(ctx contractapi.TransactionContextInterface, requestJSON string) (string, error) {
	var req delegation.StatementRequest
	if err := decode("statement request", requestJSON, &req); err != nil {
		return "", wire(err)
	}
	return run(ctx, func(tx *core.Tx) (*delegation.Statement, error) { return delegation.SetStatement(tx, req) })
}

// Statement returns a member's delegate statement. Caller: anyone.
func (c *DelegationContract) Statement(ctx contractapi.TransactionContextInterface, mspID, id string) (string, error) {
	return query(ctx, func(tx *core.Tx) (any, error) {
		return delegation.StatementOf(tx.Store, identity.Identity{MSPID: mspID, ID: id})
	})
}

// List returns a member's delegations in force now. Caller: anyone.
func (c *DelegationContract) List(ctx contractapi.TransactionContextInterface, mspID, id string) (string, error) {
	return query(ctx, func(tx *core.Tx) (any, error) {
		return delegation.List(tx.Store, identity.Identity{MSPID: mspID, ID: id}, tx.Time)
	})
}

// Effective returns the delegation governing a member's weight for a topic
// at an RFC 3339 time (null when none). Caller: anyone.
func (c *DelegationContract) Effective(ctx contractapi.TransactionContextInterface, mspID, id, topic, at string) (string, error) {
	t, err := parseTime("time", at)
	if err != nil {
		return "", wire(err)
	}
	return query(ctx, func(tx *core.Tx) (any, error) {
		if err := delegation.CheckTopic(topic); err != nil {
			return nil, err
		}
		return delegation.Effective(tx.Store, identity.Identity{MSPID: mspID, ID: id}, topic, t)
	})
}

// Incoming returns who delegates to a member for a topic at an RFC 3339
// time. Caller: anyone.
func (c *DelegationContract) Incoming(ctx contractapi.TransactionContextInterface, mspID, id, topic, at string) (string, error) {
	t, err := parseTime("time", at)
	if err != nil {
		return "", wire(err)
	}
	return query(ctx, func(tx *core.Tx) (any, error) {
		if err := delegation.CheckTopic(topic); err != nil {
			return nil, err
		}
		to := identity.Identity{MSPID: mspID, ID: id}
		if err := to.Validate(); err != nil {
			return nil, err
		}
		return delegation.Incoming(tx.Store, to, topic, t)
	})
}
