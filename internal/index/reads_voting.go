package index

import (
	"time"

	"github.com/charter-gov/charter/chaincode/ballot"
	"github.com/charter-gov/charter/chaincode/coi"
	"github.com/charter-gov/charter/chaincode/contract"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/decision"
	"github.com/charter-gov/charter/chaincode/delegation"
	"github.com/charter-gov/charter/chaincode/genesis"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/incident"
	"github.com/charter-gov/charter/chaincode/upgrade"
	"github.com/charter-gov/charter/chaincode/vouch"
	charter "github.com/charter-gov/charter/gateway-client"
)

// The read models of voting (a member's standing and weight on a ballot,
// the ballot's votes and the weights the tally gives them, delegations and
// delegate statements), of the safeguards around it (vouches, conflicts of
// interest, guardians' pause supports, appellants, the incident register)
// and of the founding act and chaincode upgrades. Every record these
// queries read (votes and their shards, delegation versions and
// statements, vouches, disclosures, supports, incidents, the genesis and
// its approvals, upgrade authorisations and sign-offs, and the
// constitution, members, attestations and token checkpoints a weight is
// computed from) is in the write sets the index replicates, so each runs
// the chaincode's own query over one index snapshot, with the same
// dependencies the contract gives it (contract.BallotDeps: reputation
// weights and the recusal of conflicted voters); now stands for the
// transaction time where the query reads the clock.

// ---- voting ----

// Standing is ballot:Standing at now: whether ballot:Vote would accept the
// voter's vote, the refusal it would give when not, and the weight the
// tally gives them.
func (x *Index) Standing(now time.Time, ballotID string, voter identity.Identity) (*ballot.Standing, uint64, error) {
	return readAt(x, func(s core.Store) (*ballot.Standing, error) {
		return ballot.StandingOf(s, contract.BallotDeps(), ballotID, voter, now)
	})
}

// BallotVotes is ballot:Votes: a page of a ballot's votes from shard
// fromShard.
func (x *Index) BallotVotes(ballotID string, fromShard, limit int) (*charter.VotePage, uint64, error) {
	return readAt(x, func(s core.Store) (*charter.VotePage, error) {
		vs, next, err := ballot.Votes(s, ballotID, fromShard, limit)
		if err != nil {
			return nil, err
		}
		return &charter.VotePage{Votes: vs, NextShard: next}, nil
	})
}

// BallotWeights is metrics:Weights: a page of a ballot's votes with the
// weight the tally gives each (after delegation).
func (x *Index) BallotWeights(ballotID string, fromShard, limit int) (*ballot.WeightPage, uint64, error) {
	return readAt(x, func(s core.Store) (*ballot.WeightPage, error) {
		return ballot.CastWeights(s, contract.BallotDeps(), ballotID, fromShard, limit)
	})
}

// PauseSupports is ballot:PauseSupports: the guardians' supports for
// pausing a ballot.
func (x *Index) PauseSupports(ballotID string) ([]ballot.PauseSupport, uint64, error) {
	return readAt(x, func(s core.Store) ([]ballot.PauseSupport, error) { return ballot.PauseSupports(s, ballotID) })
}

// Delegations is delegation:List at now: a member's delegations in force.
func (x *Index) Delegations(now time.Time, member identity.Identity) ([]delegation.Version, uint64, error) {
	return readAt(x, func(s core.Store) ([]delegation.Version, error) { return delegation.List(s, member, now) })
}

// IncomingDelegations is delegation:Incoming: who delegates to a member
// for a topic at at.
func (x *Index) IncomingDelegations(member identity.Identity, topic string, at time.Time) ([]delegation.Inflow, uint64, error) {
	return readAt(x, func(s core.Store) ([]delegation.Inflow, error) {
		if err := delegation.CheckTopic(topic); err != nil {
			return nil, err
		}
		if err := member.Validate(); err != nil {
			return nil, err
		}
		return delegation.Incoming(s, member, topic, at)
	})
}

// DelegateStatement is delegation:Statement.
func (x *Index) DelegateStatement(member identity.Identity) (*delegation.Statement, uint64, error) {
	return readAt(x, func(s core.Store) (*delegation.Statement, error) { return delegation.StatementOf(s, member) })
}

// ---- safeguards: vouches, conflicts, appeals, the incident register ----

// Vouches is member:Vouches: the vouches for one member.
func (x *Index) Vouches(member identity.Identity) ([]vouch.Vouch, uint64, error) {
	return readAt(x, func(s core.Store) ([]vouch.Vouch, error) { return vouch.List(s, member) })
}

// Conflicts is coi:List: one page of disclosures on a subject or of a
// member.
func (x *Index) Conflicts(req coi.ListRequest) (*coi.ListPage, uint64, error) {
	return readAt(x, func(s core.Store) (*coi.ListPage, error) { return coi.List(s, req) })
}

// Appellants is decision:Appellants.
func (x *Index) Appellants(decisionID string) ([]decision.Appellant, uint64, error) {
	return readAt(x, func(s core.Store) ([]decision.Appellant, error) { return decision.Appellants(s, decisionID) })
}

// Incident is incident:Get.
func (x *Index) Incident(id string) (*incident.Incident, uint64, error) {
	return readAt(x, func(s core.Store) (*incident.Incident, error) { return incident.Get(s, id) })
}

// Incidents is incident:List: one page of the register, optionally of one
// kind and occurring in [From, To) (zero times: unbounded).
func (x *Index) Incidents(q charter.IncidentQuery) (*incident.ListPage, uint64, error) {
	req := incident.ListRequest{Kind: q.Kind, PageSize: q.PageSize, Bookmark: q.Bookmark}
	if !q.From.IsZero() {
		from := q.From
		req.From = &from
	}
	if !q.To.IsZero() {
		to := q.To
		req.To = &to
	}
	return readAt(x, func(s core.Store) (*incident.ListPage, error) { return incident.List(s, req) })
}

// ---- the founding act and chaincode upgrades ----

// Genesis is constitution:Genesis: the founding act's status.
func (x *Index) Genesis() (*genesis.Status, uint64, error) {
	return readAt(x, genesis.Get)
}

// UpgradeStatus is upgrade:Get: a sequence's authorisation with its
// sign-offs and whether it is cleared.
func (x *Index) UpgradeStatus(sequence int64) (*upgrade.Status, uint64, error) {
	return readAt(x, func(s core.Store) (*upgrade.Status, error) { return upgrade.StatusOf(s, sequence) })
}

// CheckUpgrade is upgrade:Check: whether the build with digest may be
// approved at sequence (a coded refusal otherwise).
func (x *Index) CheckUpgrade(digest string, sequence int64) (*upgrade.Status, uint64, error) {
	return readAt(x, func(s core.Store) (*upgrade.Status, error) { return upgrade.Check(s, digest, sequence) })
}
