package simulate

import (
	"encoding/json"
	"math/big"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/ballot"
	"github.com/charter-gov/charter/internal/metrics"
)

func small() Params {
	p := Defaults()
	p.Members, p.Proposals = 60, 4
	return p
}

func TestRunReportsEveryFamily(t *testing.T) {
	res, err := Run(small())
	require.NoError(t, err)
	require.Len(t, res.Report.Families, 4)
	for _, r := range res.Report.Families {
		assert.Equal(t, 4, r.Ballots, r.Key)
		assert.Equal(t, 4, r.Final, r.Key)
		require.NotNil(t, r.ParticipationPct, r.Key)
		require.NotNil(t, r.Gini, r.Key)
		require.NotNil(t, r.Nakamoto, r.Key)
		assert.Nil(t, r.Legitimacy, "a simulation does not measure perceived legitimacy")
		assert.Equal(t, 0, r.Incidents)
		assert.InDelta(t, float64(delaySec+periodSec+skewSec)/86400, *r.LatencyMedianDays, 0.01, "latency is the rule's delay and period, plus the skew margin before closing")
		t.Logf("%-26s voters %d participation %.1f%% gini %.3f nakamoto %.1f", r.Label, r.Voters, *r.ParticipationPct, *r.Gini, *r.Nakamoto)
	}
	assert.Greater(t, res.Attests, 0)
}

func TestRunIsReproducible(t *testing.T) {
	a, err := Run(small())
	require.NoError(t, err)
	b, err := Run(small())
	require.NoError(t, err)
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	assert.JSONEq(t, string(ja), string(jb), "the same seed gives the same report")
	p := small()
	p.Seed = 2
	c, err := Run(p)
	require.NoError(t, err)
	jc, _ := json.Marshal(c)
	assert.NotEqual(t, string(ja), string(jc), "another seed gives another community")
}

// The weights come from the chaincode's rules: in the token world each
// vote weighs the voter's balance at opening; in the quadratic world at
// most isqrt(voice credits); in the delegated world at least the balance.
func TestWeightsFollowTheRules(t *testing.T) {
	p := small()
	c := draw(p)
	bal := map[string]int64{}
	for i, id := range c.ids {
		bal[metrics.MemberKey(id)] = c.tokens[i]
	}
	for _, fam := range []string{"token", "quadratic", "delegated"} {
		p.Families = []string{fam}
		w, err := newWorld(p, c, toFamily(fam))
		require.NoError(t, err)
		bs, _, _, _, err := w.run()
		require.NoError(t, err)
		n := 0
		for _, b := range bs {
			for _, v := range b.Votes {
				n++
				switch fam {
				case "token":
					assert.Equal(t, big.NewInt(bal[v.Voter]), v.Weight)
				case "quadratic":
					assert.LessOrEqual(t, v.Weight.Int64(), ballot.ISqrt(p.VoiceCredits))
					assert.GreaterOrEqual(t, v.Weight.Int64(), int64(1))
				case "delegated":
					assert.GreaterOrEqual(t, v.Weight.Int64(), bal[v.Voter])
				}
			}
		}
		assert.Greater(t, n, 0, fam)
	}
}

func TestParamsRefused(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Params)
		want string
	}{
		{"unknown family", func(p *Params) { p.Families = []string{"lottery"} }, `unknown voting family "lottery"`},
		{"seat is not simulated", func(p *Params) { p.Families = []string{"seat"} }, `unknown voting family "seat"`},
		{"one member", func(p *Params) { p.Members = 1 }, "members must be"},
		{"zero turnout", func(p *Params) { p.Turnout = 0 }, "turnout"},
		{"alpha too small", func(p *Params) { p.TokenAlpha = 0.2 }, "token alpha"},
		{"no attesters", func(p *Params) { p.Attesters = 0 }, "attesters"},
		{"no proposals", func(p *Params) { p.Proposals = 0 }, "proposals"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := small()
			tt.edit(&p)
			_, err := Run(p)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}
