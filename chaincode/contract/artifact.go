package contract

import (
	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"

	"github.com/charter-gov/charter/chaincode/artifact"
	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/core"
)

// ArtifactContract exposes the artifact registry ("artifact:…").
// Promotions, demotions and takedowns are decisions (decision:Propose with
// release_stage or dataset_takedown); this contract has no transaction
// that changes a stage.
type ArtifactContract struct {
	contractapi.Contract
}

func newArtifactContract(g guard) *ArtifactContract {
	return &ArtifactContract{Contract: g.base("artifact")}
}

// GetEvaluateTransactions lists the queries.
func (c *ArtifactContract) GetEvaluateTransactions() []string {
	return []string{"Get", "Status", "Lineage", "List", "Attestations"}
}

// Register records a new artifact version. requestJSON is an
// artifact.RegisterRequest. Caller: an active member (the publisher).
func (c *ArtifactContract) Register(ctx contractapi.TransactionContextInterface, requestJSON string) (string, error) {
	var req artifact.RegisterRequest
	if err := decode("register request", requestJSON, &req); err != nil {
		return "", wire(err)
	}
	return run(ctx, func(tx *core.Tx) (*artifact.Artifact, error) { return artifact.Register(tx, req) })
}

// Attest records an attestation on a version. requestJSON is an
// artifact.AttestRequest. Caller: an active member other than the
// publisher, not conflicted (see artifact.Attest).
func (c *ArtifactContract) Attest(ctx contractapi.TransactionContextInterface, requestJSON string) (string, error) {
	var req artifact.AttestRequest
	if err := decode("attest request", requestJSON, &req); err != nil {
		return "", wire(err)
	}
	return run(ctx, func(tx *core.Tx) (*artifact.Attestation, error) { return artifact.Attest(tx, req) })
}

// Get returns a registered version. Caller: anyone.
func (c *ArtifactContract) Get(ctx contractapi.TransactionContextInterface, name, version string) (string, error) {
	return query(ctx, func(tx *core.Tx) (any, error) {
		return artifact.Get(tx.Store, artifact.Ref{Name: name, Version: version})
	})
}

// Status returns a version with its stage, the pause in force at the
// query's time, takedowns, attestations and the next checklist. Caller:
// anyone.
func (c *ArtifactContract) Status(ctx contractapi.TransactionContextInterface, name, version string) (string, error) {
	return query(ctx, func(tx *core.Tx) (any, error) {
		cur, err := constitution.Current(tx.Store)
		if err != nil {
			return nil, err
		}
		return artifact.GetStatus(tx.Store, &cur.Document, artifact.Ref{Name: name, Version: version}, tx.Time)
	})
}

// Lineage returns a version's provenance graph. requestJSON is an
// artifact.LineageRequest. Caller: anyone.
func (c *ArtifactContract) Lineage(ctx contractapi.TransactionContextInterface, requestJSON string) (string, error) {
	var req artifact.LineageRequest
	if err := decode("lineage request", requestJSON, &req); err != nil {
		return "", wire(err)
	}
	return query(ctx, func(tx *core.Tx) (any, error) { return artifact.GetLineage(tx.Store, req) })
}

// List returns one page of versions. requestJSON is an
// artifact.ListRequest. Caller: anyone.
func (c *ArtifactContract) List(ctx contractapi.TransactionContextInterface, requestJSON string) (string, error) {
	var req artifact.ListRequest
	if err := decode("list request", requestJSON, &req); err != nil {
		return "", wire(err)
	}
	return query(ctx, func(tx *core.Tx) (any, error) { return artifact.List(tx.Store, req) })
}

// AttestationList is what artifact:Attestations returns: the stored
// records and their in-toto Statements, in the same order.
type AttestationList struct {
	Attestations []artifact.Attestation `json:"attestations"`
	Statements   []artifact.Statement   `json:"statements"`
}

// Attestations returns a version's attestations and their in-toto
// Statements. Caller: anyone.
func (c *ArtifactContract) Attestations(ctx contractapi.TransactionContextInterface, name, version string) (string, error) {
	return query(ctx, func(tx *core.Tx) (any, error) {
		r := artifact.Ref{Name: name, Version: version}
		a, err := artifact.Get(tx.Store, r)
		if err != nil {
			return nil, err
		}
		atts, err := artifact.Attestations(tx.Store, r)
		if err != nil {
			return nil, err
		}
		return &AttestationList{Attestations: atts, Statements: artifact.Statements(a, atts)}, nil
	})
}
