package contract

import (
	"github.com/charter-gov/charter/chaincode/ballot"
	"github.com/charter-gov/charter/chaincode/decision"
)

// BallotDeps is the wiring the ballot contract gives the ballot package,
// and DecisionDeps the decision contract's. They are exported so that the
// audit replay (gateway-client/audit) re-runs the domain code exactly as
// the chaincode does.
func BallotDeps() ballot.Deps { return ballotDeps() }

// DecisionDeps: see BallotDeps.
func DecisionDeps() decision.Deps { return decisionDeps() }
