package metrics

import (
	"encoding/xml"
	"math"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func ints(xs ...int64) []*big.Int {
	out := make([]*big.Int, len(xs))
	for i, x := range xs {
		out[i] = big.NewInt(x)
	}
	return out
}

func TestGini(t *testing.T) {
	tests := []struct {
		name string
		ws   []*big.Int
		want float64
		ok   bool
	}{
		{"equal", ints(1, 1, 1, 1), 0, true},
		{"one holds all of four", ints(0, 0, 0, 10), 0.75, true}, // (n−1)/n
		{"1 2 3 4", ints(4, 1, 3, 2), 0.25, true},                // Σ|xi−xj| = 20, 2n²μ = 80
		{"10 and 90", ints(90, 10), 0.4, true},
		{"single voter", ints(7), 0, true},
		{"no weight", ints(0, 0), 0, false},
		{"no votes", nil, 0, false},
		{"beyond int64", []*big.Int{new(big.Int).Lsh(big.NewInt(1), 100), big.NewInt(0)}, 0.5, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, ok := Gini(tt.ws)
			assert.Equal(t, tt.ok, ok)
			assert.InDelta(t, tt.want, g, 1e-12)
		})
	}
}

func TestNakamoto(t *testing.T) {
	tests := []struct {
		name string
		ws   []*big.Int
		want int
		ok   bool
	}{
		{"1 2 3 4: 4 is not more than half of 10, 4+3 is", ints(1, 2, 3, 4), 2, true},
		{"exactly half is not a majority", ints(5, 5), 2, true},
		{"a majority holder", ints(6, 4), 1, true},
		{"three equal", ints(1, 1, 1), 2, true},
		{"whale", ints(1, 1, 1, 100), 1, true},
		{"single", ints(3), 1, true},
		{"no weight", ints(0), 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, ok := Nakamoto(tt.ws)
			assert.Equal(t, tt.ok, ok)
			assert.Equal(t, tt.want, n)
		})
	}
}

func TestQuantile(t *testing.T) {
	ten := []float64{10, 9, 8, 7, 6, 5, 4, 3, 2, 1}
	tests := []struct {
		name string
		xs   []float64
		q    float64
		want float64
	}{
		{"median of even count", []float64{4, 1, 3, 2}, 0.5, 2.5},
		{"median of odd count", []float64{3, 1, 2}, 0.5, 2},
		{"p90 of three", []float64{3, 1, 2}, 0.9, 2.8},
		{"p90 of 1..10", ten, 0.9, 9.1},
		{"median of 1..10", ten, 0.5, 5.5},
		{"single", []float64{5}, 0.9, 5},
		{"max", []float64{1, 2}, 1, 2},
		{"two decisions", []float64{10, 4}, 0.9, 9.4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.InDelta(t, tt.want, Quantile(tt.xs, tt.q), 1e-12)
		})
	}
	assert.True(t, math.IsNaN(Quantile(nil, 0.5)))
	assert.Equal(t, float64(10), ten[0], "the input is not reordered")
}

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func day(n float64) time.Time   { return t0.Add(time.Duration(n * 24 * float64(time.Hour))) }
func tp(t time.Time) *time.Time { return &t }

// fixture is a community of four over one year, whose every metric is
// computed by hand in TestComputeByHand.
func fixture() *Dataset {
	year := 365.25
	return &Dataset{
		Start: t0, End: day(year),
		Members: []Member{
			{ID: "a", RegisteredAt: t0, HouseASince: tp(t0), Contributions: []time.Time{day(year - 10)}},
			{ID: "b", RegisteredAt: t0, Contributions: []time.Time{day(year - 100)}},
			{ID: "c", RegisteredAt: t0},
			{ID: "d", RegisteredAt: t0, RemovedAt: tp(day(10))},
		},
		Ballots: []Ballot{
			{ID: "B1", Family: "token", DecisionType: "budget", House: "B", Decision: "D1", OpensAt: day(20),
				Votes: []Vote{{"a", big.NewInt(90)}, {"b", big.NewInt(10)}}},
			{ID: "B2", Family: "token", DecisionType: "budget", House: "B", Decision: "D2", OpensAt: day(30),
				Votes: []Vote{{"a", big.NewInt(50)}, {"c", big.NewInt(50)}}},
			{ID: "B3", Family: "seat", DecisionType: "release_stage", House: "A", Decision: "D3", OpensAt: day(40),
				Votes: []Vote{{"a", big.NewInt(1)}}},
			{ID: "P1", Poll: true, DecisionType: "budget", OpensAt: day(50), LikertSum: 30, LikertCount: 6},
			{ID: "P2", Poll: true, OpensAt: day(51), LikertSum: 7, LikertCount: 1},
		},
		Decisions: []Decision{
			{ID: "D1", Type: "budget", Families: []string{"token"}, ProposedAt: day(19), FinalAt: tp(day(29))},
			{ID: "D2", Type: "budget", Families: []string{"token"}, ProposedAt: day(29), FinalAt: tp(day(33))},
			{ID: "D3", Type: "release_stage", Families: []string{"seat"}, ProposedAt: day(39)},
		},
		Incidents: []Incident{
			{ID: "I1", Kind: "slashing", Severity: "high", Decision: "D1", OccurredAt: day(60)},
			{ID: "I2", Kind: "key_compromise", Severity: "critical", OccurredAt: day(70)},
		},
		Routes: map[string][]string{"budget": {"token"}, "release_stage": {"seat"}},
	}
}

func row(t *testing.T, rows []Row, key string) Row {
	t.Helper()
	for _, r := range rows {
		if r.Key == key {
			return r
		}
	}
	t.Fatalf("no row %q", key)
	return Row{}
}

func val(t *testing.T, p *float64) float64 {
	t.Helper()
	require.NotNil(t, p)
	return *p
}

func TestComputeByHand(t *testing.T) {
	r, err := Compute(fixture(), Options{})
	require.NoError(t, err)
	assert.InDelta(t, 1, r.Years, 1e-9)
	require.Len(t, r.Families, 5)

	tw := row(t, r.Families, "token")
	assert.Equal(t, 2, tw.Ballots)
	assert.Equal(t, 3, tw.Voters, "a, b, c")
	assert.Equal(t, 3, tw.Eligible, "d was removed before the ballots opened")
	assert.InDelta(t, 100, val(t, tw.ParticipationPct), 1e-9)
	assert.Equal(t, 1, tw.ActiveContributors, "only a contributed in the last 90 days")
	assert.InDelta(t, 300, val(t, tw.ParticipationAct), 1e-9, "the paper's ratio: voters / active contributors")
	assert.InDelta(t, 0.2, val(t, tw.Gini), 1e-12, "mean of 0.4 (90/10) and 0 (50/50)")
	assert.InDelta(t, 200.0/3, val(t, tw.BallotTurnoutPct), 1e-9, "2 of 3 eligible on each ballot")
	assert.InDelta(t, 1.5, val(t, tw.Nakamoto), 1e-12, "mean of 1 and 2")
	assert.Equal(t, 2, tw.Decisions)
	assert.Equal(t, 2, tw.Final)
	assert.InDelta(t, 7, val(t, tw.LatencyMedianDays), 1e-9, "10 and 4 days")
	assert.InDelta(t, 9.4, val(t, tw.LatencyP90Days), 1e-9)
	assert.InDelta(t, 5, val(t, tw.Legitimacy), 1e-12, "the budget poll: 30/6")
	assert.Equal(t, int64(6), tw.LegitimacyResponses)
	assert.Equal(t, 1, tw.Incidents, "the slashing names D1, a token decision")
	assert.InDelta(t, 1, val(t, tw.IncidentsPerYear), 1e-9)
	assert.InDelta(t, 3, val(t, tw.SeverityWeightedPerYear), 1e-9)

	seat := row(t, r.Families, "seat")
	assert.Equal(t, 1, seat.Voters)
	assert.Equal(t, 1, seat.Eligible, "only a holds a House A seat")
	assert.InDelta(t, 100, val(t, seat.ParticipationPct), 1e-9)
	assert.InDelta(t, 0, val(t, seat.Gini), 1e-12)
	assert.InDelta(t, 1, val(t, seat.Nakamoto), 1e-12)
	assert.Equal(t, 1, seat.Decisions)
	assert.Equal(t, 0, seat.Final)
	assert.Nil(t, seat.LatencyMedianDays, "no seat decision is final")
	assert.Nil(t, seat.Legitimacy)
	assert.Equal(t, 0, seat.Incidents)

	qv := row(t, r.Families, "quadratic")
	assert.Equal(t, 0, qv.Ballots)
	assert.Nil(t, qv.ParticipationPct)
	assert.Nil(t, qv.Gini)
	assert.InDelta(t, 0, val(t, qv.IncidentsPerYear), 1e-12)

	assert.Equal(t, []string{"budget", "release_stage"}, []string{r.DecisionTypes[0].Key, r.DecisionTypes[1].Key})
	budget := row(t, r.DecisionTypes, "budget")
	assert.Equal(t, 2, budget.Ballots)
	assert.Equal(t, 1, budget.Polls)

	all := r.All
	assert.Equal(t, 3, all.Ballots)
	assert.Equal(t, 2, all.Polls)
	assert.Equal(t, 2, all.Incidents)
	assert.InDelta(t, 7, val(t, all.SeverityWeightedPerYear), 1e-9, "high 3 + critical 4")
	assert.InDelta(t, 37.0/7, val(t, all.Legitimacy), 1e-12)
}

func TestComputeRange(t *testing.T) {
	// The first 25 days: only B1 opened, D1 was proposed (final at day 29,
	// after the range: not counted), no incident.
	r, err := Compute(fixture(), Options{From: t0, To: day(25), Families: []string{"token"}})
	require.NoError(t, err)
	require.Len(t, r.Families, 1)
	tw := r.Families[0]
	assert.Equal(t, 1, tw.Ballots)
	assert.Equal(t, 2, tw.Voters)
	assert.InDelta(t, 0.4, val(t, tw.Gini), 1e-12)
	assert.Equal(t, 1, tw.Decisions)
	assert.Equal(t, 0, tw.Final)
	assert.Nil(t, tw.LatencyMedianDays)
	assert.Equal(t, 0, r.All.Incidents)
}

func TestComputeRefusesBadInput(t *testing.T) {
	tests := []struct {
		name string
		opt  Options
		want string
	}{
		{"empty range", Options{From: day(10), To: day(10)}, "is empty"},
		{"reversed range", Options{From: day(10), To: day(5)}, "is empty"},
		{"after the chain", Options{From: day(400), To: day(500)}, "outside the chain"},
		{"before the chain", Options{From: day(-50), To: day(-1)}, "outside the chain"},
		{"unknown family", Options{Families: []string{"lottery"}}, `unknown voting family "lottery"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Compute(fixture(), tt.opt)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestRenderTableAndSVG(t *testing.T) {
	r, err := Compute(fixture(), Options{})
	require.NoError(t, err)
	var tb strings.Builder
	require.NoError(t, WriteTable(&tb, r))
	out := tb.String()
	for _, want := range []string{"Governance family", "Token-Weighted (TW)", "Reputation-Weighted (RW)", "Decision type", "budget", "Overall", "100.0", "0.20", "9.40", "5.00"} {
		assert.Contains(t, out, want)
	}
	var sb strings.Builder
	require.NoError(t, WriteSVG(&sb, r, "Charter <metrics>"))
	svg := sb.String()
	assert.True(t, strings.HasPrefix(svg, "<svg "))
	assert.Contains(t, svg, "Charter &lt;metrics&gt;", "the title is escaped")
	assert.Contains(t, svg, "Voting-power Gini (0–1)")
	assert.Contains(t, svg, ">0.20<", "the token Gini is written on its bar")
	assert.Contains(t, svg, ">n/a<", "families without ballots are marked")
	var doc struct{}
	require.NoError(t, xml.Unmarshal([]byte(svg), &doc), "the chart is well-formed XML")
}
