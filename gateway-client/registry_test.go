package charter

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"

	"github.com/charter-gov/charter/chaincode/artifact"
	"github.com/charter-gov/charter/chaincode/emergency"
)

func statusAnswer(t testing.TB, sha string, stage string, paused bool, delay time.Duration) func(c call) ([]byte, error) {
	return func(c call) ([]byte, error) {
		if c.Name != txArtifactStatus {
			return nil, peerError(codes.Unknown, "unexpected "+c.Name)
		}
		time.Sleep(delay)
		if c.Args[0] == "ghost" {
			return nil, peerError(codes.Unknown, "evaluate call to endorser returned error: see details", "chaincode response 500, NOT_FOUND: artifact ghost@1 is not registered")
		}
		st := artifact.Status{Artifact: artifact.Artifact{Name: c.Args[0], Version: c.Args[1], SHA256: sha, Licence: "MIT"}, Stage: stage}
		if paused {
			st.Pause = &emergency.Pause{Until: time.Now().Add(time.Hour)}
		}
		raw, err := json.Marshal(st)
		require.NoError(t, err)
		return raw, nil
	}
}

func TestVerifyFile(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "w.bin")
	data := []byte("weights")
	require.NoError(t, os.WriteFile(file, data, 0o600))
	h := sha256.Sum256(data)
	sum := hex.EncodeToString(h[:])
	cases := []struct {
		name, artifact, sha, stage, use string
		paused                          bool
		ok, registered, matches         bool
		reason                          string
	}{
		{"released for the use", "m", sum, artifact.StageGeneral, artifact.UseCommercial, false, true, true, true, "released"},
		{"an earlier stage", "m", sum, artifact.StageNonCommercial, artifact.UseCommercial, false, false, true, true, "does not release"},
		{"paused", "m", sum, artifact.StageGeneral, artifact.UseResearch, true, false, true, true, "paused"},
		{"a flipped byte", "m", strings.Repeat("0", 64), artifact.StageGeneral, artifact.UseResearch, false, false, true, false, "digest mismatch"},
		{"not registered", "ghost", sum, artifact.StageGeneral, artifact.UseResearch, false, false, false, false, "not registered"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newTestClient(t, &fakeGateway{evaluate: statusAnswer(t, tc.sha, tc.stage, tc.paused, 0)})
			v, err := c.VerifyFile(context.Background(), file, artifact.Ref{Name: tc.artifact, Version: "1"}, tc.use, nil)
			require.NoError(t, err)
			assert.Equal(t, tc.ok, v.OK, v.Reason)
			assert.Equal(t, tc.registered, v.Registered)
			assert.Equal(t, tc.matches, v.Matches)
			assert.Contains(t, v.Reason, tc.reason)
			assert.Equal(t, sum, v.SHA256)
		})
	}
	c := newTestClient(t, &fakeGateway{})
	_, err := c.VerifyFile(context.Background(), file, artifact.Ref{Name: "m", Version: "1"}, "military", nil)
	require.ErrorIs(t, err, ErrInvalidArgument)
}

func TestHashReaderProgress(t *testing.T) {
	data := make([]byte, 3*HashBufferSize+5)
	var calls []int64
	sum, n, err := HashReader(strings.NewReader(string(data)), func(d int64) { calls = append(calls, d) })
	require.NoError(t, err)
	h := sha256.Sum256(data)
	assert.Equal(t, hex.EncodeToString(h[:]), sum)
	assert.Equal(t, int64(len(data)), n)
	require.NotEmpty(t, calls)
	assert.Equal(t, int64(len(data)), calls[len(calls)-1])
}

// BenchmarkVerifyVsSha256sum verifies a multi-gigabyte file
// (CHARTER_BENCH_VERIFY_BYTES, default 2 GiB) with VerifyFile — its status
// query answered after a simulated 50 ms round trip — and hashes the same
// file with the system's sha256sum in the same run, alternating; it
// reports both throughputs and their ratio (goal ≥ 0.95). Skipped without
// sha256sum.
func BenchmarkVerifyVsSha256sum(b *testing.B) {
	tool, err := exec.LookPath("sha256sum")
	if err != nil {
		b.Skip("no sha256sum on this machine")
	}
	size := int64(2 << 30)
	if s := os.Getenv("CHARTER_BENCH_VERIFY_BYTES"); s != "" {
		size, err = strconv.ParseInt(s, 10, 64)
		require.NoError(b, err)
	}
	file := filepath.Join(b.TempDir(), "weights.bin")
	f, err := os.Create(file)
	require.NoError(b, err)
	chunk := make([]byte, 16<<20)
	_, _ = rand.Read(chunk)
	for w := int64(0); w < size; w += int64(len(chunk)) {
		n := min(int64(len(chunk)), size-w)
		_, err := f.Write(chunk[:n])
		require.NoError(b, err)
	}
	require.NoError(b, f.Close())
	sum, _, err := HashFile(file, nil) // warms the page cache for both
	require.NoError(b, err)
	c := newTestClient(b, &fakeGateway{evaluate: statusAnswer(b, sum, artifact.StageGeneral, false, 50*time.Millisecond)})
	var tVerify, tTool time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		out, err := exec.Command(tool, file).Output()
		require.NoError(b, err)
		tTool += time.Since(start)
		require.Equal(b, sum, strings.Fields(string(out))[0])

		start = time.Now()
		v, err := c.VerifyFile(context.Background(), file, artifact.Ref{Name: "m", Version: "1"}, artifact.UseCommercial, func(int64) {})
		require.NoError(b, err)
		tVerify += time.Since(start)
		require.True(b, v.OK, v.Reason)
	}
	mb := float64(size) * float64(b.N) / (1 << 20)
	b.ReportMetric(mb/tVerify.Seconds(), "verify-MiB/s")
	b.ReportMetric(mb/tTool.Seconds(), "sha256sum-MiB/s")
	b.ReportMetric(tTool.Seconds()/tVerify.Seconds(), "ratio")
}
