package api

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"time"

	"github.com/charter-gov/charter/chaincode/artifact"
	"github.com/charter-gov/charter/chaincode/ballot"
	"github.com/charter-gov/charter/chaincode/coi"
	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/decision"
	"github.com/charter-gov/charter/chaincode/delegation"
	"github.com/charter-gov/charter/chaincode/genesis"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/incident"
	"github.com/charter-gov/charter/chaincode/membership"
	"github.com/charter-gov/charter/chaincode/reputation"
	"github.com/charter-gov/charter/chaincode/token"
	"github.com/charter-gov/charter/chaincode/treasury"
	"github.com/charter-gov/charter/chaincode/upgrade"
	"github.com/charter-gov/charter/chaincode/vouch"
	charter "github.com/charter-gov/charter/gateway-client"
)

// OperationReads are the typed client's reads behind the endpoints of
// every CLI operation beyond ballots, decisions and rounds: governance
// (appellants, conflicts, pause supports), reputation and tokens, the
// treasury, the registry and guardians, incidents, genesis and upgrades.
type OperationReads interface {
	Appellants(ctx context.Context, id string) ([]decision.Appellant, error)
	ConflictsPage(ctx context.Context, q coi.ListRequest) (*coi.ListPage, error)
	PauseSupports(ctx context.Context, id string) ([]ballot.PauseSupport, error)

	ReputationHistory(ctx context.Context, member identity.Identity) (*reputation.History, error)
	Vouches(ctx context.Context, member identity.Identity) ([]vouch.Vouch, error)
	TokenHistory(ctx context.Context, account identity.Identity, limit int) ([]token.Checkpoint, error)
	Supply(ctx context.Context) (int64, error)
	BalanceAt(ctx context.Context, account identity.Identity, at time.Time) (*charter.Balance, error)
	SpendsBySource(ctx context.Context, source string) ([]treasury.Spend, error)
	TokenAccountsPage(ctx context.Context, mspID string, pageSize int, bookmark string) (*token.AccountPage, error)

	TreasuryDeposits(ctx context.Context, pageSize int, bookmark string) (*treasury.DepositPage, error)
	TreasuryDeposit(ctx context.Context, id string) (*treasury.DepositRecord, error)
	Spend(ctx context.Context, id string) (*treasury.Spend, error)
	SpendApprovals(ctx context.Context, id string) ([]treasury.Approval, error)
	TreasuryBudget(ctx context.Context, decisionID string) (*treasury.Budget, error)
	TreasuryUsage(ctx context.Context, id string, at time.Time) (*treasury.PeriodUsage, error)

	ArtifactAttestations(ctx context.Context, r artifact.Ref) (*charter.ArtifactAttestations, error)
	ArtifactLineage(ctx context.Context, req artifact.LineageRequest) (*artifact.Lineage, error)
	GuardianIncidents(ctx context.Context, pageSize int, bookmark string) (*charter.IncidentPage, error)
	Incident(ctx context.Context, id string) (*incident.Incident, error)

	// metrics.Ledger: the governance record GET /v1/metrics computes on.
	Members(ctx context.Context, q charter.MemberQuery) ([]membership.Member, error)
	Ballots(ctx context.Context, status ballot.Status) ([]ballot.View, error)
	BallotWeights(ctx context.Context, id string, pageSize int) ([]ballot.CastWeight, error)
	Decisions(ctx context.Context, status decision.Status) ([]decision.Decision, error)
	Incidents(ctx context.Context, q charter.IncidentQuery) ([]incident.Incident, error)

	DelegateStatement(ctx context.Context, member identity.Identity) (*delegation.Statement, error)
	ConstitutionVersion(ctx context.Context, version int64) (*constitution.Version, error)
	DefaultConstitution(ctx context.Context) (*constitution.Document, error)
	ConstitutionDiff(ctx context.Context, from, to int64) ([]constitution.Change, error)
	EligibleMembersPage(ctx context.Context, mspID string, at time.Time, pageSize int, bookmark string) (*reputation.EligibilityPage, error)

	Genesis(ctx context.Context) (*genesis.Status, error)
	UpgradeStatus(ctx context.Context, sequence int64) (*upgrade.Status, error)
	CheckUpgrade(ctx context.Context, digest string, sequence int64) (*upgrade.Status, error)
	Build(ctx context.Context) (*upgrade.Build, error)
}

// prepareRequest prepares a typed write whose JSON body is the
// chaincode's request (the spec names the same fields) plus the signer:
// it decodes the body the validator already checked into req, lets fill
// set what the path names, and prepares call as the signer.
func prepareRequest[T any](s *Server, w http.ResponseWriter, r *http.Request, fill func(*T), call func(ctx context.Context, as *charter.Client, req T) error) {
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		writeProblem(w, r, newProblem(charter.CodeInvalidArgument, "body", "json", "request body: %v", err))
		return
	}
	var sb struct {
		Signer Signer `json:"signer"`
	}
	var req T
	if err := json.Unmarshal(raw, &sb); err != nil {
		writeProblem(w, r, newProblem(charter.CodeInvalidArgument, "body", "json", "request body: %v", err))
		return
	}
	if err := json.Unmarshal(raw, &req); err != nil {
		writeProblem(w, r, newProblem(charter.CodeInvalidArgument, "body", "json", "request body: %v", err))
		return
	}
	if fill != nil {
		fill(&req)
	}
	s.prepare(w, r, sb.Signer, func(ctx context.Context, as *charter.Client) error {
		return call(ctx, as, req)
	})
}

// memberOf is the identity a member path names.
func memberOf(mspID MSPIDPath, memberID MemberIDPath) identity.Identity {
	return identity.Identity{MSPID: mspID, ID: memberID}
}

// reasonReq is a body with a reason.
type reasonReq struct {
	Reason string `json:"reason"`
}
