package main

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/internal/bench"
)

func TestParseBenchPlan(t *testing.T) {
	base := benchOptions{workloads: "put,vote", clients: 8, duration: 10 * time.Second, warmup: time.Second, repeat: 1, connections: bench.ConnShared}
	tests := []struct {
		name      string
		edit      func(o *benchOptions)
		workloads []string
		loads     []bench.Load
		usage     string
	}{
		{"closed loop, outstanding defaults to clients", func(*benchOptions) {}, []string{"put", "vote"},
			[]bench.Load{{Outstanding: 8, Duration: 10 * time.Second, Warmup: time.Second}}, ""},
		{"all, deduplicated in first-named order", func(o *benchOptions) { o.workloads = "put,all" }, []string{"put", "bareput", "vote", "attest", "contribute", "artifact", "query", "mix"}, nil, ""},
		{"attest and contribute", func(o *benchOptions) { o.workloads = "attest,contribute" }, []string{"attest", "contribute"},
			[]bench.Load{{Outstanding: 8, Duration: 10 * time.Second, Warmup: time.Second}}, ""},
		{"negative tokens", func(o *benchOptions) { o.tokens = -1 }, nil, nil, "must not be negative"},
		{"negative pool", func(o *benchOptions) { o.pool = -1 }, nil, nil, "must not be negative"},
		{"fixed rate by count", func(o *benchOptions) { o.rate, o.count, o.duration, o.outstanding = 50, 100, 0, 32 }, []string{"put", "vote"},
			[]bench.Load{{Outstanding: 32, Rate: 50, Count: 100, Warmup: time.Second}}, ""},
		{"sweep", func(o *benchOptions) { o.sweep = "50, 100" }, []string{"put", "vote"},
			[]bench.Load{{Outstanding: 8, Rate: 50, Duration: 10 * time.Second, Warmup: time.Second}, {Outstanding: 8, Rate: 100, Duration: 10 * time.Second, Warmup: time.Second}}, ""},
		{"unknown workload", func(o *benchOptions) { o.workloads = "put,poetry" }, nil, nil, `unknown workload`},
		{"no workload", func(o *benchOptions) { o.workloads = " , " }, nil, nil, "at least one workload"},
		{"no clients", func(o *benchOptions) { o.clients = 0 }, nil, nil, "--clients 0"},
		{"no end", func(o *benchOptions) { o.duration = 0 }, nil, nil, "both 0"},
		{"bad sweep", func(o *benchOptions) { o.sweep = "50,-1" }, nil, nil, "--sweep"},
		{"bad connections", func(o *benchOptions) { o.connections = "pooled" }, nil, nil, "--connections"},
		{"bad repeat", func(o *benchOptions) { o.repeat = 0 }, nil, nil, "--repeat"},
		{"negative rate", func(o *benchOptions) { o.rate = -5 }, nil, nil, "rate"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := base
			tc.edit(&o)
			ws, loads, err := parseBenchPlan(o)
			if tc.usage != "" {
				var ue *usageError
				require.True(t, errors.As(err, &ue), "a usage error, got %v", err)
				assert.Contains(t, err.Error(), tc.usage)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.workloads, ws)
			if tc.loads != nil {
				assert.Equal(t, tc.loads, loads)
			}
		})
	}
}

func TestReadNetworkEnv(t *testing.T) {
	p := filepath.Join(t.TempDir(), "network.env")
	require.NoError(t, os.WriteFile(p, []byte("# Generated\nCHARTER_ROOT='/work/x'\nCHARTER_PORT_OFFSET='37000'\nCHARTER_ORDERER1_PORT=44050\n\nnoise\n"), 0o600))
	env, err := readNetworkEnv(p)
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"CHARTER_ROOT": "/work/x", "CHARTER_PORT_OFFSET": "37000", "CHARTER_ORDERER1_PORT": "44050"}, env)
	_, err = readNetworkEnv(filepath.Join(t.TempDir(), "missing"))
	assert.Error(t, err)
}
