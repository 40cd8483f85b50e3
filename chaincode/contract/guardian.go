package contract

import (
	"strconv"
	"time"

	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"

	"github.com/charter-gov/charter/chaincode/artifact"
	"github.com/charter-gov/charter/chaincode/ballot"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/emergency"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/treasury"
)

// GuardianContract exposes the guardian council's emergency power
// ("guardian:…"): k-of-n pauses of a ballot, an artifact's distribution or
// a pending treasury action, their disclosures and incidents.
type GuardianContract struct {
	contractapi.Contract
}

func newGuardianContract(g guard) *GuardianContract {
	return &GuardianContract{Contract: g.base("guardian")}
}

// GetEvaluateTransactions lists the queries.
func (c *GuardianContract) GetEvaluateTransactions() []string {
	return []string{"Status", "Incidents"}
}

// pauseCheck returns the precondition of pausing a target of each kind:
// the target exists (and, for ballots, ballot.PauseBallot applies its own
// rules).
func pauseCheck(k emergency.Kind) emergency.Check {
	switch k {
	case emergency.KindArtifact:
		return artifact.Exists
	case emergency.KindTreasurySpend:
		return treasuryPauseCheck
	}
	return nil
}

// treasuryPauseCheck: the target is a spend not yet executed or
// cancelled (a pending treasury action).
func treasuryPauseCheck(s core.Store, t emergency.Target, _ time.Time) error {
	sp, err := treasury.GetSpend(s, t.ID)
	if err != nil {
		return err
	}
	if sp.Status != treasury.StatusQueued && sp.Status != treasury.StatusAwaitingDecision {
		return errcode.Preconditionf("pause %s: the spend is %s; guardians pause only a pending treasury action", t, sp.Status)
	}
	return nil
}

// Pause records the calling guardian's support for pausing a target;
// the k-th support of at least m organisations puts the pause in force.
// requestJSON is an emergency.PauseRequest. A ballot target goes through
// ballot:Pause's rules (paused once, voting time given back). Caller: a
// guardian.
func (c *GuardianContract) Pause(ctx contractapi.TransactionContextInterface, requestJSON string) (string, error) {
	var req emergency.PauseRequest
	if err := decode("pause request", requestJSON, &req); err != nil {
		return "", wire(err)
	}
	if req.Target.Kind == emergency.KindBallot {
		return run(ctx, func(tx *core.Tx) (*ballot.PauseResult, error) {
			return ballot.PauseBallot(tx, ballot.PauseRequest{Ballot: req.Target.ID, Reason: req.Reason})
		})
	}
	return run(ctx, func(tx *core.Tx) (*emergency.SupportResult, error) {
		return emergency.PauseTarget(tx, req, pauseCheck(req.Target.Kind))
	})
}

// Disclose publishes the post-hoc disclosure of a pause. requestJSON is
// an emergency.DiscloseRequest. Caller: one of the pause's guardians.
func (c *GuardianContract) Disclose(ctx contractapi.TransactionContextInterface, requestJSON string) (string, error) {
	var req emergency.DiscloseRequest
	if err := decode("disclose request", requestJSON, &req); err != nil {
		return "", wire(err)
	}
	return run(ctx, func(tx *core.Tx) (*emergency.Pause, error) { return emergency.Disclose(tx, req) })
}

// RecordMissedDisclosure records the governance incident of a pause whose
// disclosure deadline passed without one. Caller: anyone (it only records
// what the ledger shows).
func (c *GuardianContract) RecordMissedDisclosure(ctx contractapi.TransactionContextInterface, kind, id, seq string) (string, error) {
	n, err := strconv.ParseInt(seq, 10, 64)
	if err != nil {
		return "", wire(errcode.Invalidf("seq %s is not a whole number", errcode.Quote(seq)))
	}
	return run(ctx, func(tx *core.Tx) (*emergency.Incident, error) {
		return emergency.RecordMissedDisclosure(tx, emergency.Target{Kind: emergency.Kind(kind), ID: id}, n)
	})
}

// Status returns a target's pauses, supports and the pause in force at
// the query's time. Caller: anyone.
func (c *GuardianContract) Status(ctx contractapi.TransactionContextInterface, kind, id string) (string, error) {
	return query(ctx, func(tx *core.Tx) (any, error) {
		return emergency.StatusOf(tx.Store, emergency.Target{Kind: emergency.Kind(kind), ID: id}, tx.Time)
	})
}

// IncidentPage is one page of disclosure incidents.
type IncidentPage struct {
	Incidents []emergency.Incident `json:"incidents"`
	Bookmark  string               `json:"bookmark,omitempty"`
}

// Incidents lists the recorded disclosure incidents, one page. Caller:
// anyone.
func (c *GuardianContract) Incidents(ctx contractapi.TransactionContextInterface, pageSize, bookmark string) (string, error) {
	n := 0
	if pageSize != "" {
		v, err := strconv.Atoi(pageSize)
		if err != nil {
			return "", wire(errcode.Invalidf("pageSize %s is not a whole number", errcode.Quote(pageSize)))
		}
		n = v
	}
	return query(ctx, func(tx *core.Tx) (any, error) {
		in, next, err := emergency.Incidents(tx.Store, bookmark, n)
		if err != nil {
			return nil, err
		}
		return &IncidentPage{Incidents: in, Bookmark: next}, nil
	})
}
