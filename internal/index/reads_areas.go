package index

import (
	"fmt"
	"time"

	"github.com/charter-gov/charter/chaincode/artifact"
	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/contribution"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/emergency"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/reputation"
	"github.com/charter-gov/charter/chaincode/round"
	"github.com/charter-gov/charter/chaincode/token"
	"github.com/charter-gov/charter/chaincode/treasury"
	charter "github.com/charter-gov/charter/gateway-client"
)

// The read models of funding rounds, the artifact registry and guardian
// pauses, the treasury, the governance token, reputation and the
// constitution. The write sets the index replicates carry every record
// these areas store (a round's projects and per-project contribution
// totals, an artifact's versions, stages and attestations, a pause's
// supports, treasury accounts, movements, deposits and spends, token
// checkpoints, attestations, constitution versions), so each read runs the
// chaincode's own query over the index at one height: nothing is read
// from the peer, at request time or when the block arrives. Each mirrors
// the contract query of the same name (chaincode/contract); now stands for
// the transaction time where the query reads the clock.

// readAt runs one domain read over a snapshot and returns its height.
func readAt[T any](x *Index, fn func(s core.Store) (T, error)) (T, uint64, error) {
	var out T
	h, err := x.read(func(s core.Store) (err error) {
		out, err = fn(s)
		return err
	})
	return out, h, err
}

// ---- funding rounds ----

// Round is round:Get.
func (x *Index) Round(id string) (*round.Round, uint64, error) {
	return readAt(x, func(s core.Store) (*round.Round, error) { return round.Get(s, id) })
}

// RoundProjects is round:Projects (with the contribution totals each
// project record carries).
func (x *Index) RoundProjects(id string, pageSize int, bookmark string) (*round.ProjectPage, uint64, error) {
	return readAt(x, func(s core.Store) (*round.ProjectPage, error) { return round.Projects(s, id, pageSize, bookmark) })
}

// RoundEstimate is round:Estimate: the matching estimate of the
// contributions indexed so far.
func (x *Index) RoundEstimate(id string) (*round.Estimate, uint64, error) {
	return readAt(x, func(s core.Store) (*round.Estimate, error) { return round.EstimateNow(s, id) })
}

// RoundResults is round:Results.
func (x *Index) RoundResults(id string) (*round.Results, uint64, error) {
	return readAt(x, func(s core.Store) (*round.Results, error) { return round.GetResults(s, id) })
}

// ---- the artifact registry and guardian pauses ----

// Artifacts is artifact:List.
func (x *Index) Artifacts(req artifact.ListRequest) (*artifact.ListPage, uint64, error) {
	return readAt(x, func(s core.Store) (*artifact.ListPage, error) { return artifact.List(s, req) })
}

// ArtifactStatus is artifact:Status at now: the version, its stage, the
// pause in force, takedowns, attestations and the next checklist, under
// the constitution in force.
func (x *Index) ArtifactStatus(now time.Time, r artifact.Ref) (*artifact.Status, uint64, error) {
	return readAt(x, func(s core.Store) (*artifact.Status, error) {
		cur, err := constitution.Current(s)
		if err != nil {
			return nil, err
		}
		return artifact.GetStatus(s, &cur.Document, r, now)
	})
}

// ArtifactAttestations is artifact:Attestations.
func (x *Index) ArtifactAttestations(r artifact.Ref) (*charter.ArtifactAttestations, uint64, error) {
	return readAt(x, func(s core.Store) (*charter.ArtifactAttestations, error) {
		a, err := artifact.Get(s, r)
		if err != nil {
			return nil, err
		}
		atts, err := artifact.Attestations(s, r)
		if err != nil {
			return nil, err
		}
		return &charter.ArtifactAttestations{Attestations: atts, Statements: artifact.Statements(a, atts)}, nil
	})
}

// ArtifactLineage is artifact:Lineage.
func (x *Index) ArtifactLineage(req artifact.LineageRequest) (*artifact.Lineage, uint64, error) {
	return readAt(x, func(s core.Store) (*artifact.Lineage, error) { return artifact.GetLineage(s, req) })
}

// GuardianStatus is guardian:Status at now: a target's pauses, supports
// and the pause in force.
func (x *Index) GuardianStatus(now time.Time, t emergency.Target) (*emergency.Status, uint64, error) {
	return readAt(x, func(s core.Store) (*emergency.Status, error) { return emergency.StatusOf(s, t, now) })
}

// GuardianIncidents is guardian:Incidents.
func (x *Index) GuardianIncidents(pageSize int, bookmark string) (*charter.IncidentPage, uint64, error) {
	return readAt(x, func(s core.Store) (*charter.IncidentPage, error) {
		in, next, err := emergency.Incidents(s, bookmark, pageSize)
		if err != nil {
			return nil, err
		}
		return &charter.IncidentPage{Incidents: in, Bookmark: next}, nil
	})
}

// ---- the treasury ----

// TreasuryAccounts is treasury:Accounts.
func (x *Index) TreasuryAccounts() ([]treasury.Account, uint64, error) {
	return readAt(x, func(s core.Store) ([]treasury.Account, error) { return treasury.Accounts(s) })
}

// TreasuryMovements is treasury:Movements.
func (x *Index) TreasuryMovements(account string, pageSize int, bookmark string) (*treasury.MovementPage, uint64, error) {
	return readAt(x, func(s core.Store) (*treasury.MovementPage, error) {
		return treasury.Movements(s, account, pageSize, bookmark)
	})
}

// TreasuryDeposits is treasury:Deposits read at time at: a pending
// deposit whose confirmation deadline has come shows as lapsed, as the
// chaincode's query stamped at shows it.
func (x *Index) TreasuryDeposits(at time.Time, pageSize int, bookmark string) (*treasury.DepositPage, uint64, error) {
	return readAt(x, func(s core.Store) (*treasury.DepositPage, error) {
		return treasury.DepositsAt(s, at, pageSize, bookmark)
	})
}

// TreasuryDeposit is treasury:DepositRecord read at time at (lapsed as
// TreasuryDeposits shows it).
func (x *Index) TreasuryDeposit(id string, at time.Time) (*treasury.DepositRecord, uint64, error) {
	return readAt(x, func(s core.Store) (*treasury.DepositRecord, error) { return treasury.DepositAt(s, id, at) })
}

// TreasuryBudget is treasury:Budget.
func (x *Index) TreasuryBudget(decisionID string) (*treasury.Budget, uint64, error) {
	return readAt(x, func(s core.Store) (*treasury.Budget, error) { return treasury.GetBudget(s, decisionID) })
}

// Spend is treasury:Spend.
func (x *Index) Spend(id string) (*treasury.Spend, uint64, error) {
	return readAt(x, func(s core.Store) (*treasury.Spend, error) { return treasury.GetSpend(s, id) })
}

// Spends is treasury:Spends.
func (x *Index) Spends(pageSize int, bookmark string) (*treasury.SpendPage, uint64, error) {
	return readAt(x, func(s core.Store) (*treasury.SpendPage, error) { return treasury.Spends(s, pageSize, bookmark) })
}

// SpendsBySource is treasury:SpendsBySource.
func (x *Index) SpendsBySource(source string) ([]treasury.Spend, uint64, error) {
	return readAt(x, func(s core.Store) ([]treasury.Spend, error) { return treasury.SpendsBySource(s, source) })
}

// SpendApprovals is treasury:Approvals.
func (x *Index) SpendApprovals(id string) ([]treasury.Approval, uint64, error) {
	return readAt(x, func(s core.Store) ([]treasury.Approval, error) { return treasury.Approvals(s, id) })
}

// TreasuryUsage is treasury:Usage.
func (x *Index) TreasuryUsage(account string, at time.Time) (*treasury.PeriodUsage, uint64, error) {
	return readAt(x, func(s core.Store) (*treasury.PeriodUsage, error) { return treasury.Usage(s, account, at) })
}

// ---- the governance token ----

// Balance is token:Balance.
func (x *Index) Balance(a identity.Identity) (*charter.Balance, uint64, error) {
	return readAt(x, func(s core.Store) (*charter.Balance, error) {
		b, err := token.Balance(s, a)
		if err != nil {
			return nil, err
		}
		return &charter.Balance{Account: a, Balance: b}, nil
	})
}

// BalanceAt is token:BalanceAt.
func (x *Index) BalanceAt(a identity.Identity, at time.Time) (*charter.Balance, uint64, error) {
	return readAt(x, func(s core.Store) (*charter.Balance, error) {
		b, err := token.BalanceAt(s, a, at)
		if err != nil {
			return nil, err
		}
		return &charter.Balance{Account: a, Balance: b, At: at.UTC().Format(time.RFC3339Nano)}, nil
	})
}

// Supply is token:Supply.
func (x *Index) Supply() (int64, uint64, error) {
	return readAt(x, func(s core.Store) (int64, error) { return token.Supply(s) })
}

// TokenHistory is token:History.
func (x *Index) TokenHistory(a identity.Identity, limit int) ([]token.Checkpoint, uint64, error) {
	return readAt(x, func(s core.Store) ([]token.Checkpoint, error) { return token.History(s, a, limit) })
}

// TokenAccounts is token:Accounts.
func (x *Index) TokenAccounts(mspID string, pageSize int, bookmark string) (*token.AccountPage, uint64, error) {
	return readAt(x, func(s core.Store) (*token.AccountPage, error) {
		return token.AccountsPaged(s, mspID, pageSize, bookmark)
	})
}

// ---- reputation ----

// Score is reputation:Score at at (zero: now) over categories (none: all).
func (x *Index) Score(now time.Time, member identity.Identity, at time.Time, categories []contribution.Category) (*reputation.ScoreReport, uint64, error) {
	if at.IsZero() {
		at = now
	}
	return readAt(x, func(s core.Store) (*reputation.ScoreReport, error) {
		return reputation.Scores(s, member, at, categories)
	})
}

// ReputationHistory is reputation:History.
func (x *Index) ReputationHistory(member identity.Identity) (*reputation.History, uint64, error) {
	return readAt(x, func(s core.Store) (*reputation.History, error) { return reputation.MemberHistory(s, member) })
}

// Eligibility is reputation:Eligible for one member at at (zero: now).
func (x *Index) Eligibility(now time.Time, member identity.Identity, at time.Time) (*reputation.EligibilityReport, uint64, error) {
	if at.IsZero() {
		at = now
	}
	return readAt(x, func(s core.Store) (*reputation.EligibilityReport, error) {
		r, err := reputation.Eligibility(s, member, at)
		if err != nil {
			return nil, err
		}
		return &r, nil
	})
}

// EligibleMembers is reputation:Eligible for one page of active members
// at at (zero: now).
func (x *Index) EligibleMembers(now time.Time, mspID string, at time.Time, pageSize int, bookmark string) (*reputation.EligibilityPage, uint64, error) {
	if at.IsZero() {
		at = now
	}
	return readAt(x, func(s core.Store) (*reputation.EligibilityPage, error) {
		return reputation.EligibleMembers(s, mspID, at, pageSize, bookmark)
	})
}

// ---- the constitution ----

// Constitution is constitution:Current, the version in force.
func (x *Index) Constitution() (*constitution.Version, uint64, error) {
	return readAt(x, func(s core.Store) (*constitution.Version, error) { return constitution.Current(s) })
}

// ConstitutionVersion is constitution:Get.
func (x *Index) ConstitutionVersion(version int64) (*constitution.Version, uint64, error) {
	return readAt(x, func(s core.Store) (*constitution.Version, error) { return constitution.Get(s, version) })
}

// ConstitutionHistory is constitution:History.
func (x *Index) ConstitutionHistory() ([]constitution.VersionSummary, uint64, error) {
	return readAt(x, func(s core.Store) ([]constitution.VersionSummary, error) { return constitution.History(s) })
}

// ConstitutionDiff is what changed from one adopted version to another
// (constitution.Diff over both, read at one height).
func (x *Index) ConstitutionDiff(from, to int64) ([]constitution.Change, uint64, error) {
	return readAt(x, func(s core.Store) ([]constitution.Change, error) {
		a, err := constitution.Get(s, from)
		if err != nil {
			return nil, err
		}
		b, err := constitution.Get(s, to)
		if err != nil {
			return nil, err
		}
		changes, err := constitution.Diff(a.Document, b.Document)
		if err != nil {
			return nil, fmt.Errorf("diff versions %d and %d: %w", from, to, err)
		}
		return changes, nil
	})
}
