package console

import (
	"context"
	"time"

	"github.com/charter-gov/charter/chaincode/artifact"
	"github.com/charter-gov/charter/chaincode/ballot"
	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/decision"
	"github.com/charter-gov/charter/chaincode/delegation"
	"github.com/charter-gov/charter/chaincode/emergency"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/membership"
	"github.com/charter-gov/charter/chaincode/reputation"
	"github.com/charter-gov/charter/chaincode/round"
	"github.com/charter-gov/charter/chaincode/treasury"
	charter "github.com/charter-gov/charter/gateway-client"
	"github.com/charter-gov/charter/internal/alert"
)

// Reader is the part of the typed client the console reads through: every
// page is rendered from these evaluate transactions, as the read identity
// the console was started with. *charter.Client satisfies it; the unit
// tests give a fake.
type Reader interface {
	Identity() identity.Identity

	BallotsPage(ctx context.Context, status ballot.Status, pageSize int, bookmark string) (*ballot.ListPage, error)
	BallotResults(ctx context.Context, id string) (*charter.BallotResults, error)
	BallotWeightsPage(ctx context.Context, id string, fromShard, limit int) (*ballot.WeightPage, error)
	BallotVotes(ctx context.Context, id string, fromShard, limit int) (*charter.VotePage, error)
	Standing(ctx context.Context, id string, voter identity.Identity) (*ballot.Standing, error)

	DecisionsPage(ctx context.Context, status decision.Status, pageSize int, bookmark string) (*decision.ListPage, error)
	Decision(ctx context.Context, id string) (*decision.Decision, error)
	Constitution(ctx context.Context) (*constitution.Version, error)

	Member(ctx context.Context, id identity.Identity) (*membership.Member, error)
	MembersPage(ctx context.Context, q charter.MemberQuery) (*membership.ListPage, error)
	Delegations(ctx context.Context, member identity.Identity) ([]delegation.Version, error)
	IncomingDelegations(ctx context.Context, member identity.Identity, topic string, at time.Time) ([]delegation.Inflow, error)
	DelegateStatement(ctx context.Context, member identity.Identity) (*delegation.Statement, error)

	ReputationHistory(ctx context.Context, member identity.Identity) (*reputation.History, error)
	Score(ctx context.Context, member identity.Identity, q charter.ScoreQuery) (*reputation.ScoreReport, error)

	Round(ctx context.Context, id string) (*round.Round, error)
	RoundProjects(ctx context.Context, id string, pageSize int, bookmark string) (*round.ProjectPage, error)
	RoundEstimate(ctx context.Context, id string) (*round.Estimate, error)
	RoundResults(ctx context.Context, id string) (*round.Results, error)

	ListArtifacts(ctx context.Context, req artifact.ListRequest) (*artifact.ListPage, error)
	ArtifactStatus(ctx context.Context, r artifact.Ref) (*artifact.Status, error)
	ArtifactLineage(ctx context.Context, req artifact.LineageRequest) (*artifact.Lineage, error)

	GuardianStatus(ctx context.Context, t emergency.Target) (*emergency.Status, error)
	GuardianIncidents(ctx context.Context, pageSize int, bookmark string) (*charter.IncidentPage, error)

	TreasuryAccounts(ctx context.Context) ([]treasury.Account, error)
	TreasuryUsage(ctx context.Context, account string, at time.Time) (*treasury.PeriodUsage, error)
	Spends(ctx context.Context, pageSize int, bookmark string) (*treasury.SpendPage, error)
	Spend(ctx context.Context, id string) (*treasury.Spend, error)
	SpendApprovals(ctx context.Context, id string) ([]treasury.Approval, error)
	TreasuryDeposits(ctx context.Context, pageSize int, bookmark string) (*treasury.DepositPage, error)
}

var _ Reader = (*charter.Client)(nil)

// AlertReader is a Reader that also lists treasury alerts (the API
// server's IndexedReader does, over its blocks); the guardian page shows
// the latest at Options.AlertAmount when the reader is one.
type AlertReader interface {
	TreasuryAlerts(ctx context.Context, min int64, limit int) ([]alert.Alert, error)
}
