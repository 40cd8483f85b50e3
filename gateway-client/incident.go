package charter

import (
	"context"
	"strconv"
	"time"

	"github.com/charter-gov/charter/chaincode/ballot"
	"github.com/charter-gov/charter/chaincode/incident"
)

// Incident register and metrics transaction names.
const (
	txIncidentFile       = "incident:File"
	txIncidentPostMortem = "incident:PostMortem"
	txIncidentFailedExec = "incident:RecordFailedExecution"
	txIncidentGet        = "incident:Get"
	txIncidentList       = "incident:List"
	txMetricsWeights     = "metrics:Weights"
)

// FileIncident submits incident:File.
//
// Errors: ErrForbidden (the caller holds none of the constitution's
// incidents.filerRoles), ErrInvalidArgument (unknown kind or severity, no
// summary, occurrence missing or in the future, a bad link).
func (c *Client) FileIncident(ctx context.Context, req incident.FileRequest) (*incident.Incident, error) {
	var in incident.Incident
	if err := c.submitJSON(ctx, txIncidentFile, "incident", req, &in); err != nil {
		return nil, err
	}
	return &in, nil
}

// AttachPostMortem submits incident:PostMortem.
//
// Errors: ErrForbidden, ErrNotFound, ErrConflict (already has one),
// ErrInvalidArgument (not a link or a sha256: hash).
func (c *Client) AttachPostMortem(ctx context.Context, req incident.PostMortemRequest) (*incident.Incident, error) {
	var in incident.Incident
	if err := c.submitJSON(ctx, txIncidentPostMortem, "post-mortem request", req, &in); err != nil {
		return nil, err
	}
	return &in, nil
}

// RecordFailedExecution submits incident:RecordFailedExecution: the
// chaincode establishes that a passed, executable decision's execution is
// refused now and records one failed_execution incident for it.
//
// Errors: ErrForbidden (not an active member), ErrNotFound,
// ErrFailedPrecondition (not passed, not executable yet, or its execution
// succeeds), ErrConflict (already recorded).
func (c *Client) RecordFailedExecution(ctx context.Context, decisionID string) (*incident.Incident, error) {
	var in incident.Incident
	if err := c.submit(ctx, txIncidentFailedExec, &in, decisionID); err != nil {
		return nil, err
	}
	return &in, nil
}

// Incident evaluates incident:Get.
//
// Errors: ErrNotFound.
func (c *Client) Incident(ctx context.Context, id string) (*incident.Incident, error) {
	var in incident.Incident
	if err := c.evaluate(ctx, txIncidentGet, &in, id); err != nil {
		return nil, err
	}
	return &in, nil
}

// IncidentQuery selects incidents: one kind (empty: all), occurred in
// [From, To) (zero: unbounded), PageSize records read per query (0: the
// chaincode's default, 100; at most 1000), from Bookmark.
type IncidentQuery struct {
	Kind     incident.Kind
	From, To time.Time
	PageSize int
	Bookmark string
}

func incidentTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// IncidentsPage evaluates incident:List for one page.
//
// Errors: ErrInvalidArgument (unknown kind, From not before To, bad page
// size or bookmark).
func (c *Client) IncidentsPage(ctx context.Context, q IncidentQuery) (*incident.ListPage, error) {
	var p incident.ListPage
	size := ""
	if q.PageSize != 0 {
		size = strconv.Itoa(q.PageSize)
	}
	if err := c.evaluate(ctx, txIncidentList, &p, string(q.Kind), incidentTime(q.From), incidentTime(q.To), size, q.Bookmark); err != nil {
		return nil, err
	}
	return &p, nil
}

// Incidents follows incident:List's pages (1000 records each unless
// q.PageSize says otherwise) to the end.
//
// Errors: as IncidentsPage.
func (c *Client) Incidents(ctx context.Context, q IncidentQuery) ([]incident.Incident, error) {
	if q.PageSize == 0 {
		q.PageSize = 1000
	}
	out := []incident.Incident{}
	for {
		p, err := c.IncidentsPage(ctx, q)
		if err != nil {
			return nil, err
		}
		out = append(out, p.Incidents...)
		if p.Bookmark == "" {
			return out, nil
		}
		q.Bookmark = p.Bookmark
	}
}

// BallotWeightsPage evaluates metrics:Weights: votes of whole shards from
// fromShard (at least limit, unless the ballot has fewer), each with the
// weight the tally gives it.
//
// Errors: ErrNotFound, ErrInvalidArgument.
func (c *Client) BallotWeightsPage(ctx context.Context, id string, fromShard, limit int) (*ballot.WeightPage, error) {
	var p ballot.WeightPage
	if err := c.evaluate(ctx, txMetricsWeights, &p, id, strconv.Itoa(fromShard), strconv.Itoa(limit)); err != nil {
		return nil, err
	}
	return &p, nil
}

// BallotWeights reads every vote's weight, page by page (pageSize votes
// each; 0 means 1000).
//
// Errors: as BallotWeightsPage.
func (c *Client) BallotWeights(ctx context.Context, id string, pageSize int) ([]ballot.CastWeight, error) {
	if pageSize == 0 {
		pageSize = 1000
	}
	out := []ballot.CastWeight{}
	for shard := 0; shard < ballot.Shards; {
		p, err := c.BallotWeightsPage(ctx, id, shard, pageSize)
		if err != nil {
			return nil, err
		}
		out = append(out, p.Weights...)
		if p.NextShard <= shard {
			break
		}
		shard = p.NextShard
	}
	return out, nil
}
