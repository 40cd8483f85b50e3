package audit

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/charter-gov/charter/gateway-client/audit/audittest"
)

// benchChain is 100 blocks of 100 transactions (10,000), each signed by
// its creator and endorsed by two organisations: 30,000 signatures.
func benchChain(b *testing.B) *audittest.Chain {
	b.Helper()
	return buildChain(100, 100)
}

// BenchmarkVerify measures offline verification with every signature
// checked, in transactions and blocks per second.
func BenchmarkVerify(b *testing.B) {
	c := benchChain(b)
	dir := b.TempDir()
	m := exportChain(b, c, dir, Filter{})
	b.ResetTimer()
	cpu0 := cpuTime()
	for b.Loop() {
		if _, err := Verify(dir, VerifyOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	// On a shared machine wall time says little: tx per CPU-second is
	// what verification costs; with W idle cores it runs W times that.
	b.ReportMetric(float64(m.TxCount)*float64(b.N)/(cpuTime()-cpu0).Seconds(), "tx/cpu-s")
	b.ReportMetric(float64(m.TxCount)*float64(b.N)/b.Elapsed().Seconds(), "tx/s")
	b.ReportMetric(float64(m.LastBlock+1)*float64(b.N)/b.Elapsed().Seconds(), "blocks/s")
}

// BenchmarkExport measures writing an export (decode, JSON Lines, CSV,
// fsynced checkpoints, manifest) from an in-memory block source.
func BenchmarkExport(b *testing.B) {
	c := benchChain(b)
	var txs int64
	var blocks uint64
	cpu0 := cpuTime()
	for b.Loop() {
		dir := b.TempDir()
		m, err := Export(context.Background(), testSource{&audittest.Source{Chain: c}}, Options{Dir: dir, Channel: "charter", Chaincode: "charter"})
		if err != nil {
			b.Fatal(err)
		}
		txs, blocks = m.TxCount, m.LastBlock+1
	}
	b.ReportMetric(float64(txs)*float64(b.N)/(cpuTime()-cpu0).Seconds(), "tx/cpu-s")
	b.ReportMetric(float64(txs)*float64(b.N)/b.Elapsed().Seconds(), "tx/s")
	b.ReportMetric(float64(blocks)*float64(b.N)/b.Elapsed().Seconds(), "blocks/s")
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
