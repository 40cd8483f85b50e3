package api

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/ballot"
	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/decision"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/incident"
	"github.com/charter-gov/charter/chaincode/membership"
	"github.com/charter-gov/charter/chaincode/reputation"
	charter "github.com/charter-gov/charter/gateway-client"
	"github.com/charter-gov/charter/internal/metrics"
)

// metricsGateway is a ledger founded on 2026-01-01 with two members, one
// closed decision and one incident: enough for every panel of the chart.
type metricsGateway struct {
	*fakeGateway
	reads int
}

var metricsFounded = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func (g *metricsGateway) ConstitutionHistory(context.Context) ([]constitution.VersionSummary, error) {
	g.reads++
	return []constitution.VersionSummary{{Version: 1, AdoptedAt: metricsFounded}}, nil
}
func (g *metricsGateway) Constitution(context.Context) (*constitution.Version, error) {
	return &constitution.Version{Version: 1, AdoptedAt: metricsFounded, Document: constitution.Default()}, nil
}
func (g *metricsGateway) Members(context.Context, charter.MemberQuery) ([]membership.Member, error) {
	return []membership.Member{
		{Identity: identity.Identity{MSPID: "LabAMSP", ID: "a"}, RegisteredAt: metricsFounded},
		{Identity: identity.Identity{MSPID: "LabBMSP", ID: "b"}, RegisteredAt: metricsFounded.Add(24 * time.Hour)},
	}, nil
}
func (g *metricsGateway) ReputationHistory(context.Context, identity.Identity) (*reputation.History, error) {
	return &reputation.History{}, nil
}
func (g *metricsGateway) Ballots(context.Context, ballot.Status) ([]ballot.View, error) {
	return nil, nil
}
func (g *metricsGateway) BallotWeights(context.Context, string, int) ([]ballot.CastWeight, error) {
	return nil, nil
}
func (g *metricsGateway) Decisions(context.Context, decision.Status) ([]decision.Decision, error) {
	return []decision.Decision{{ID: "d1", Type: "budget", ProposedAt: metricsFounded.Add(48 * time.Hour)}}, nil
}
func (g *metricsGateway) Incidents(context.Context, charter.IncidentQuery) ([]incident.Incident, error) {
	return []incident.Incident{{ID: "i1", Kind: incident.Kind("guardian_pause"), Severity: incident.Severity("low"), OccurredAt: metricsFounded.Add(72 * time.Hour)}}, nil
}

// TestMetricsChart: the chart endpoint answers, byte for byte, the chart
// `charter metrics --svg` draws (metrics.WriteSVG of the report computed
// from the same ledger with the same filters); a bad filter is a problem
// naming the field and rule and reads nothing.
func TestMetricsChart(t *testing.T) {
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	g := &metricsGateway{fakeGateway: &fakeGateway{}}
	_, ts := startTestServer(t, Options{Gateway: g, Now: func() time.Time { return now }})
	want := func(opt metrics.Options) []byte {
		ds, err := metrics.Collect(context.Background(), g, now)
		require.NoError(t, err)
		rep, err := metrics.Compute(ds, opt)
		require.NoError(t, err)
		var b bytes.Buffer
		require.NoError(t, metrics.WriteSVG(&b, rep, metrics.ChartTitle))
		return b.Bytes()
	}
	get := func(path string) (*http.Response, []byte) {
		res, err := http.Get(ts.URL + path)
		require.NoError(t, err)
		defer res.Body.Close()
		raw, err := io.ReadAll(res.Body)
		require.NoError(t, err)
		return res, raw
	}
	var charts [][]byte
	for _, tc := range []struct {
		path string
		opt  metrics.Options
	}{
		{"/v1/metrics/chart.svg", metrics.Options{}},
		{"/v1/metrics/chart.svg?family=token&family=reputation", metrics.Options{Families: []string{"token", "reputation"}}},
		{"/v1/metrics/chart.svg?from=2026-01-02T00:00:00Z&to=2026-03-01T00:00:00Z",
			metrics.Options{From: time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}},
	} {
		res, raw := get(tc.path)
		require.Equal(t, 200, res.StatusCode, "%s: %s", tc.path, raw)
		require.Equal(t, "image/svg+xml", res.Header.Get("Content-Type"))
		require.Equal(t, string(want(tc.opt)), string(raw), "%s is the CLI's chart", tc.path)
		require.Contains(t, string(raw), "<svg")
		charts = append(charts, raw)
	}
	require.NotEqual(t, charts[0], charts[1], "the family filter changes the chart")
	require.NotEqual(t, charts[0], charts[2], "the range changes the chart")

	reads := g.reads
	for _, tc := range []struct {
		path, field, rule string
	}{
		{"/v1/metrics/chart.svg?from=2026-03-01T00:00:00Z&to=2026-02-01T00:00:00Z", "from", "from-before-to"},
		{"/v1/metrics/chart.svg?family=lottery", "family", ""},
		{"/v1/metrics/chart.svg?from=yesterday", "from", ""},
		{"/v1/metrics/chart.svg?family=token&family=token&family=token&family=token&family=token&family=token", "family", ""},
	} {
		t.Run(tc.path, func(t *testing.T) {
			requireProblem(t, do(t, ts, "GET", tc.path, nil), 400, "INVALID_ARGUMENT", tc.field, tc.rule)
		})
	}
	require.Equal(t, reads, g.reads, "no refused request read the ledger")
}
