package main

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMetricsUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unparsable from", []string{"metrics", "--from", "yesterday"}, `--from "yesterday": want an RFC 3339 time`},
		{"reversed range", []string{"metrics", "--from", "2026-02-01", "--to", "2026-01-01"}, "is not before --to"},
		{"unknown family", []string{"metrics", "--family", "token,lottery"}, `--family "lottery": unknown voting family`},
		{"incident without occurrence", []string{"incident", "file", "--kind", "slashing", "--severity", "low", "--summary", "x"}, `required flag(s) "occurred-at" not set`},
		{"incident show without id", []string{"incident", "show"}, "takes one argument"},
		{"post-mortem without link", []string{"incident", "post-mortem", "id"}, "takes two arguments"},
		{"failed execution without decision", []string{"incident", "failed-execution"}, "takes one argument"},
		{"simulate unknown family", []string{"simulate", "--family", "lottery"}, `unknown voting family "lottery"`},
		{"simulate one member", []string{"simulate", "--members", "1"}, "members must be"},
		{"simulate no turnout", []string{"simulate", "--turnout", "0"}, "turnout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			r := f.run(t, nil, tt.args...)
			assert.Equal(t, exitUsage, r.code, "stderr: %s", r.stderr)
			assert.Contains(t, r.stderr, tt.want)
			assert.Empty(t, r.stdout)
			assert.Empty(t, f.fake.configs, "usage errors never connect")
		})
	}
}

func TestSimulateCommand(t *testing.T) {
	f := newFixture(t)
	r := f.run(t, nil, "-o", "json", "simulate", "--members", "40", "--proposals", "2", "--family", "token,quadratic", "--seed", "9")
	require.Equal(t, 0, r.code, "stderr: %s", r.stderr)
	assert.Empty(t, f.fake.configs, "the simulation needs no network")
	var out struct {
		Report struct {
			Families []struct {
				Key     string   `json:"key"`
				Ballots int      `json:"ballots"`
				Gini    *float64 `json:"gini"`
			} `json:"families"`
		} `json:"report"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &out))
	require.Len(t, out.Report.Families, 2)
	assert.Equal(t, "token", out.Report.Families[0].Key)
	assert.Equal(t, "quadratic", out.Report.Families[1].Key)
	for _, fam := range out.Report.Families {
		assert.Equal(t, 2, fam.Ballots)
		require.NotNil(t, fam.Gini)
	}

	text := f.run(t, nil, "simulate", "--members", "40", "--proposals", "2", "--family", "token,quadratic", "--seed", "9")
	require.Equal(t, 0, text.code, "stderr: %s", text.stderr)
	assert.Contains(t, text.stdout, "Governance family")
	assert.Contains(t, text.stdout, "Quadratic (QV)")
}
