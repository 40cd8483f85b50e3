package api

import (
	"context"
	"fmt"
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

// PeerReads is what the console's reader takes from the gateway client
// rather than from the index: the identity it reads as. Every page's data
// comes from the index. *charter.Client satisfies it.
type PeerReads interface {
	Identity() identity.Identity
}

// IndexedReader is the web console's reader (internal/console.Reader)
// over the API server's index: ballots, their results, votes and weights,
// a member's standing on a ballot, decisions, members, delegations and
// delegate statements, the constitution, reputation, rounds, the registry,
// guardian pauses and the treasury (accounts, usage, spends, approvals,
// deposits) all come from the index (PeerReads gives only the
// identity the console reads as). Before each index read it
// waits (at most the server's wait timeout) until the index has applied
// every block the peer had when the read began, so a page rendered after
// a write the peer committed shows it, as a read from the peer would.
type IndexedReader struct {
	PeerReads
	s *Server
}

// IndexedReader returns the console's reader over this server's index,
// reading as peer's identity.
func (s *Server) IndexedReader(peer PeerReads) *IndexedReader {
	return &IndexedReader{PeerReads: peer, s: s}
}

// sync waits until the index reflects the peer's height now.
func (x *IndexedReader) sync(ctx context.Context) error {
	if err := x.s.blocks.caughtUp(ctx, x.s.opts.WaitTimeout); err != nil {
		return &charter.Error{Code: charter.CodeUnavailable, Message: problemOf(err).Detail, Err: err}
	}
	want, err := x.s.gw.ChainHeight(ctx)
	if err != nil {
		return err
	}
	t := time.NewTimer(x.s.opts.WaitTimeout)
	defer t.Stop()
	for {
		h, changed := x.s.blocks.Height()
		if h >= want {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return &charter.Error{Code: charter.CodeUnavailable, Message: fmt.Sprintf("the request ended while the read index was catching up with the peer (at height %d of %d)", h, want), Err: ctx.Err()}
		case <-t.C:
			return &charter.Error{Code: charter.CodeUnavailable, Message: fmt.Sprintf("the read index is at height %d, the peer at %d: try again (see /readyz)", h, want)}
		}
	}
}

// synced runs one index read after sync, dropping the height.
func synced[T any](ctx context.Context, x *IndexedReader, read func() (T, uint64, error)) (T, error) {
	if err := x.sync(ctx); err != nil {
		var zero T
		return zero, err
	}
	v, _, err := read()
	return v, err
}

func (x *IndexedReader) BallotsPage(ctx context.Context, status ballot.Status, pageSize int, bookmark string) (*ballot.ListPage, error) {
	return synced(ctx, x, func() (*ballot.ListPage, uint64, error) {
		return x.s.idx.BallotsPage(x.s.opts.Now(), status, pageSize, bookmark)
	})
}

func (x *IndexedReader) BallotResults(ctx context.Context, id string) (*charter.BallotResults, error) {
	return synced(ctx, x, func() (*charter.BallotResults, uint64, error) { return x.s.idx.BallotResults(x.s.opts.Now(), id) })
}

func (x *IndexedReader) DecisionsPage(ctx context.Context, status decision.Status, pageSize int, bookmark string) (*decision.ListPage, error) {
	return synced(ctx, x, func() (*decision.ListPage, uint64, error) { return x.s.idx.DecisionsPage(status, pageSize, bookmark) })
}

func (x *IndexedReader) Decision(ctx context.Context, id string) (*decision.Decision, error) {
	return synced(ctx, x, func() (*decision.Decision, uint64, error) { return x.s.idx.Decision(id) })
}

func (x *IndexedReader) Constitution(ctx context.Context) (*constitution.Version, error) {
	return synced(ctx, x, x.s.idx.Constitution)
}

func (x *IndexedReader) Member(ctx context.Context, id identity.Identity) (*membership.Member, error) {
	return synced(ctx, x, func() (*membership.Member, uint64, error) { return x.s.idx.Member(id) })
}

func (x *IndexedReader) MembersPage(ctx context.Context, q charter.MemberQuery) (*membership.ListPage, error) {
	return synced(ctx, x, func() (*membership.ListPage, uint64, error) { return x.s.idx.MembersPage(q) })
}

func (x *IndexedReader) ReputationHistory(ctx context.Context, member identity.Identity) (*reputation.History, error) {
	return synced(ctx, x, func() (*reputation.History, uint64, error) { return x.s.idx.ReputationHistory(member) })
}

func (x *IndexedReader) Score(ctx context.Context, member identity.Identity, q charter.ScoreQuery) (*reputation.ScoreReport, error) {
	return synced(ctx, x, func() (*reputation.ScoreReport, uint64, error) {
		return x.s.idx.Score(x.s.opts.Now(), member, q.At, q.Categories)
	})
}

func (x *IndexedReader) Round(ctx context.Context, id string) (*round.Round, error) {
	return synced(ctx, x, func() (*round.Round, uint64, error) { return x.s.idx.Round(id) })
}

func (x *IndexedReader) RoundProjects(ctx context.Context, id string, pageSize int, bookmark string) (*round.ProjectPage, error) {
	return synced(ctx, x, func() (*round.ProjectPage, uint64, error) { return x.s.idx.RoundProjects(id, pageSize, bookmark) })
}

func (x *IndexedReader) RoundEstimate(ctx context.Context, id string) (*round.Estimate, error) {
	return synced(ctx, x, func() (*round.Estimate, uint64, error) { return x.s.idx.RoundEstimate(id) })
}

func (x *IndexedReader) RoundResults(ctx context.Context, id string) (*round.Results, error) {
	return synced(ctx, x, func() (*round.Results, uint64, error) { return x.s.idx.RoundResults(id) })
}

func (x *IndexedReader) ListArtifacts(ctx context.Context, req artifact.ListRequest) (*artifact.ListPage, error) {
	return synced(ctx, x, func() (*artifact.ListPage, uint64, error) { return x.s.idx.Artifacts(req) })
}

func (x *IndexedReader) ArtifactStatus(ctx context.Context, r artifact.Ref) (*artifact.Status, error) {
	return synced(ctx, x, func() (*artifact.Status, uint64, error) { return x.s.idx.ArtifactStatus(x.s.opts.Now(), r) })
}

func (x *IndexedReader) ArtifactLineage(ctx context.Context, req artifact.LineageRequest) (*artifact.Lineage, error) {
	return synced(ctx, x, func() (*artifact.Lineage, uint64, error) { return x.s.idx.ArtifactLineage(req) })
}

func (x *IndexedReader) GuardianStatus(ctx context.Context, t emergency.Target) (*emergency.Status, error) {
	return synced(ctx, x, func() (*emergency.Status, uint64, error) { return x.s.idx.GuardianStatus(x.s.opts.Now(), t) })
}

func (x *IndexedReader) GuardianIncidents(ctx context.Context, pageSize int, bookmark string) (*charter.IncidentPage, error) {
	return synced(ctx, x, func() (*charter.IncidentPage, uint64, error) { return x.s.idx.GuardianIncidents(pageSize, bookmark) })
}

func (x *IndexedReader) Standing(ctx context.Context, id string, voter identity.Identity) (*ballot.Standing, error) {
	return synced(ctx, x, func() (*ballot.Standing, uint64, error) { return x.s.idx.Standing(x.s.opts.Now(), id, voter) })
}

func (x *IndexedReader) BallotVotes(ctx context.Context, id string, fromShard, limit int) (*charter.VotePage, error) {
	return synced(ctx, x, func() (*charter.VotePage, uint64, error) { return x.s.idx.BallotVotes(id, fromShard, limit) })
}

func (x *IndexedReader) BallotWeightsPage(ctx context.Context, id string, fromShard, limit int) (*ballot.WeightPage, error) {
	return synced(ctx, x, func() (*ballot.WeightPage, uint64, error) { return x.s.idx.BallotWeights(id, fromShard, limit) })
}

func (x *IndexedReader) Delegations(ctx context.Context, member identity.Identity) ([]delegation.Version, error) {
	return synced(ctx, x, func() ([]delegation.Version, uint64, error) { return x.s.idx.Delegations(x.s.opts.Now(), member) })
}

func (x *IndexedReader) IncomingDelegations(ctx context.Context, member identity.Identity, topic string, at time.Time) ([]delegation.Inflow, error) {
	return synced(ctx, x, func() ([]delegation.Inflow, uint64, error) { return x.s.idx.IncomingDelegations(member, topic, at) })
}

func (x *IndexedReader) DelegateStatement(ctx context.Context, member identity.Identity) (*delegation.Statement, error) {
	return synced(ctx, x, func() (*delegation.Statement, uint64, error) { return x.s.idx.DelegateStatement(member) })
}

func (x *IndexedReader) TreasuryAccounts(ctx context.Context) ([]treasury.Account, error) {
	return synced(ctx, x, x.s.idx.TreasuryAccounts)
}

func (x *IndexedReader) TreasuryUsage(ctx context.Context, account string, at time.Time) (*treasury.PeriodUsage, error) {
	return synced(ctx, x, func() (*treasury.PeriodUsage, uint64, error) { return x.s.idx.TreasuryUsage(account, at) })
}

func (x *IndexedReader) Spends(ctx context.Context, pageSize int, bookmark string) (*treasury.SpendPage, error) {
	return synced(ctx, x, func() (*treasury.SpendPage, uint64, error) { return x.s.idx.Spends(pageSize, bookmark) })
}

func (x *IndexedReader) Spend(ctx context.Context, id string) (*treasury.Spend, error) {
	return synced(ctx, x, func() (*treasury.Spend, uint64, error) { return x.s.idx.Spend(id) })
}

func (x *IndexedReader) SpendApprovals(ctx context.Context, id string) ([]treasury.Approval, error) {
	return synced(ctx, x, func() ([]treasury.Approval, uint64, error) { return x.s.idx.SpendApprovals(id) })
}

// TreasuryDeposits reads the deposits at the server's time: a pending
// deposit past its confirmation deadline shows as lapsed.
func (x *IndexedReader) TreasuryDeposits(ctx context.Context, pageSize int, bookmark string) (*treasury.DepositPage, error) {
	return synced(ctx, x, func() (*treasury.DepositPage, uint64, error) {
		return x.s.idx.TreasuryDeposits(x.s.opts.Now(), pageSize, bookmark)
	})
}

// alertScanBlocks is how many of the latest blocks TreasuryAlerts reads.
const alertScanBlocks = 1000

// TreasuryAlerts is the console's latest treasury alerts at min: those of
// the last alertScanBlocks blocks the index has applied, newest first, at
// most limit, as GET /v1/events?alert= sends them.
func (x *IndexedReader) TreasuryAlerts(ctx context.Context, min int64, limit int) ([]alert.Alert, error) {
	if err := x.sync(ctx); err != nil {
		return nil, err
	}
	return x.s.latestAlerts(ctx, min, alertScanBlocks, limit)
}
