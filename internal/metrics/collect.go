package metrics

import (
	"context"
	"fmt"
	"math/big"
	"time"

	"github.com/charter-gov/charter/chaincode/ballot"
	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/decision"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/incident"
	"github.com/charter-gov/charter/chaincode/membership"
	"github.com/charter-gov/charter/chaincode/reputation"
	charter "github.com/charter-gov/charter/gateway-client"
)

// Ledger is what Collect reads: the gateway client's queries, each a
// bounded read (members, incidents and vote weights page by page; one
// member's reputation history at a time).
type Ledger interface {
	ConstitutionHistory(ctx context.Context) ([]constitution.VersionSummary, error)
	Constitution(ctx context.Context) (*constitution.Version, error)
	Members(ctx context.Context, q charter.MemberQuery) ([]membership.Member, error)
	ReputationHistory(ctx context.Context, member identity.Identity) (*reputation.History, error)
	Ballots(ctx context.Context, status ballot.Status) ([]ballot.View, error)
	BallotWeights(ctx context.Context, id string, pageSize int) ([]ballot.CastWeight, error)
	Decisions(ctx context.Context, status decision.Status) ([]decision.Decision, error)
	Incidents(ctx context.Context, q charter.IncidentQuery) ([]incident.Incident, error)
}

// MemberKey names a member in a Dataset.
func MemberKey(id identity.Identity) string { return id.MSPID + "/" + id.ID }

// Collect reads a Dataset from the ledger as of now (the chain's end; its
// start is the founding act, constitution version 1). Ballots that opened
// after now are left out.
func Collect(ctx context.Context, l Ledger, now time.Time) (*Dataset, error) {
	hist, err := l.ConstitutionHistory(ctx)
	if err != nil {
		return nil, fmt.Errorf("metrics: read the constitution's history: %w", err)
	}
	if len(hist) == 0 {
		return nil, fmt.Errorf("metrics: no constitution adopted yet: the chain holds no governance to measure")
	}
	ds := &Dataset{Start: hist[0].AdoptedAt, End: now, Routes: map[string][]string{}}
	if !ds.End.After(ds.Start) {
		return nil, fmt.Errorf("metrics: now (%s) is not after the founding act (%s)", stamp(now), stamp(ds.Start))
	}
	cur, err := l.Constitution(ctx)
	if err != nil {
		return nil, fmt.Errorf("metrics: read the constitution: %w", err)
	}
	for _, r := range cur.Document.DecisionRules {
		for _, f := range r.Families {
			ds.Routes[string(r.Type)] = append(ds.Routes[string(r.Type)], string(f))
		}
	}
	if err := collectMembers(ctx, l, ds); err != nil {
		return nil, err
	}
	if err := collectBallots(ctx, l, ds, now); err != nil {
		return nil, err
	}
	ds2, err := l.Decisions(ctx, "")
	if err != nil {
		return nil, fmt.Errorf("metrics: list decisions: %w", err)
	}
	for _, d := range ds2 {
		md := Decision{ID: d.ID, Type: string(d.Type), ProposedAt: d.ProposedAt, FinalAt: finalAt(&d)}
		for _, b := range d.Ballots {
			md.Families = append(md.Families, string(b.Family))
		}
		ds.Decisions = append(ds.Decisions, md)
	}
	ins, err := l.Incidents(ctx, charter.IncidentQuery{})
	if err != nil {
		return nil, fmt.Errorf("metrics: list incidents: %w", err)
	}
	for _, in := range ins {
		ds.Incidents = append(ds.Incidents, Incident{ID: in.ID, Kind: string(in.Kind), Severity: string(in.Severity), Decision: in.Decision, OccurredAt: in.OccurredAt})
	}
	return ds, nil
}

func collectMembers(ctx context.Context, l Ledger, ds *Dataset) error {
	ms, err := l.Members(ctx, charter.MemberQuery{IncludeRemoved: true})
	if err != nil {
		return fmt.Errorf("metrics: list members: %w", err)
	}
	for _, m := range ms {
		mm := Member{ID: MemberKey(m.Identity), RegisteredAt: m.RegisteredAt}
		if m.Status == membership.StatusRemoved {
			t := m.UpdatedAt
			mm.RemovedAt = &t
		}
		if m.Has(membership.RoleHouseA) {
			since := m.RegisteredAt
			for _, g := range m.Grants {
				if g.Role == membership.RoleHouseA {
					since = g.Since
				}
			}
			mm.HouseASince = &since
		}
		h, err := l.ReputationHistory(ctx, m.Identity)
		if err != nil {
			return fmt.Errorf("metrics: reputation history of %s: %w", m.Identity, err)
		}
		for _, a := range h.Attestations {
			if a.Revoked == nil {
				mm.Contributions = append(mm.Contributions, a.IssuedAt)
			}
		}
		ds.Members = append(ds.Members, mm)
	}
	return nil
}

func collectBallots(ctx context.Context, l Ledger, ds *Dataset, now time.Time) error {
	bs, err := l.Ballots(ctx, "")
	if err != nil {
		return fmt.Errorf("metrics: list ballots: %w", err)
	}
	for _, v := range bs {
		b := v.Ballot
		if b.OpensAt.After(now) || b.Status == ballot.StatusCancelled {
			continue
		}
		mb := Ballot{ID: b.ID, Poll: b.Kind == ballot.KindPoll, Family: string(b.Family), DecisionType: string(b.DecisionType),
			House: string(b.House), Decision: b.Decision, OpensAt: b.OpensAt}
		if mb.Poll {
			// A poll's answers count once it is tallied (its Likert result).
			if b.Result == nil || b.Result.Likert == nil {
				continue
			}
			mb.LikertSum, mb.LikertCount = b.Result.Likert.Sum, b.Result.Likert.Count
			ds.Ballots = append(ds.Ballots, mb)
			continue
		}
		ws, err := l.BallotWeights(ctx, b.ID, 0)
		if err != nil {
			return fmt.Errorf("metrics: weights of ballot %s: %w", b.ID, err)
		}
		for _, w := range ws {
			if !w.Counted {
				continue
			}
			x, ok := new(big.Int).SetString(w.Weight, 10)
			if !ok {
				return fmt.Errorf("metrics: ballot %s: weight %q of %s is not an integer", b.ID, w.Weight, w.Voter)
			}
			mb.Votes = append(mb.Votes, Vote{Voter: MemberKey(w.Voter), Weight: x})
		}
		ds.Ballots = append(ds.Ballots, mb)
	}
	return nil
}

// finalAt is when a decision reached its final state, or nil.
func finalAt(d *decision.Decision) *time.Time {
	switch d.Status {
	case decision.StatusExecuted:
		return d.ExecutedAt
	case decision.StatusOverturned:
		if d.Appeal != nil && d.Appeal.Outcome != nil && !d.Appeal.Outcome.DecidedAt.IsZero() {
			t := d.Appeal.Outcome.DecidedAt
			return &t
		}
		fallthrough
	case decision.StatusRejected:
		if d.Outcome != nil && !d.Outcome.DecidedAt.IsZero() {
			t := d.Outcome.DecidedAt
			return &t
		}
	}
	return nil
}
