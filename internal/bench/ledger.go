package bench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// LedgerReading is what a peer's operations metrics say about the channel's
// ledger: its height, the transactions it processed and the time it spent
// committing blocks: state validation (ledger_block_processing_time),
// block storage (ledger_blockstorage_and_pvtdata_commit_time: the block
// file, synced to disk) and the state database
// (ledger_statedb_commit_time), the three parts of the peer's "Committed
// block" log line.
type LedgerReading struct {
	Height        float64
	Transactions  float64
	ValidationSec float64
	StorageSec    float64
	StateSec      float64
	Committed     float64 // blocks the three sums cover
}

// LedgerUsage is a round's blocks as one peer committed them.
type LedgerUsage struct {
	Peer   string  `json:"peer"`
	Blocks float64 `json:"blocks"`
	// TxPerBlock is the transactions (valid or not) per block.
	TxPerBlock float64 `json:"txPerBlock"`
	// BlockCommitMs is the peer's mean time to commit one block (state
	// validation, block storage, state database); BlockStorageMs the block
	// storage part of it.
	BlockCommitMs  float64 `json:"blockCommitMs"`
	BlockStorageMs float64 `json:"blockStorageMs"`
}

// ParseLedgerMetrics reads the channel's ledger metrics from a Prometheus
// text exposition.
func ParseLedgerMetrics(r io.Reader, channel string) (LedgerReading, error) {
	var lr LedgerReading
	label := `channel="` + channel + `"`
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || !strings.Contains(line, label) {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			continue
		}
		switch name := line[:strings.IndexAny(line, "{ ")]; name {
		case "ledger_blockchain_height":
			lr.Height = v
		case "ledger_transaction_count":
			lr.Transactions += v
		case "ledger_block_processing_time_sum":
			lr.ValidationSec = v
		case "ledger_blockstorage_and_pvtdata_commit_time_sum":
			lr.StorageSec = v
		case "ledger_statedb_commit_time_sum":
			lr.StateSec = v
		case "ledger_statedb_commit_time_count":
			lr.Committed = v
		}
	}
	return lr, sc.Err()
}

// ReadLedger fetches a peer's operations metrics (http://ADDR/metrics).
func ReadLedger(ctx context.Context, addr, channel string) (LedgerReading, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/metrics", nil)
	if err != nil {
		return LedgerReading{}, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return LedgerReading{}, fmt.Errorf("peer metrics %s: %w", addr, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return LedgerReading{}, fmt.Errorf("peer metrics %s: %s", addr, resp.Status)
	}
	return ParseLedgerMetrics(resp.Body, channel)
}

// LedgerDelta turns two readings of one peer into a round's usage.
func LedgerDelta(peer string, before, after LedgerReading) LedgerUsage {
	u := LedgerUsage{Peer: peer, Blocks: after.Height - before.Height}
	if u.Blocks > 0 {
		u.TxPerBlock = (after.Transactions - before.Transactions) / u.Blocks
	}
	if n := after.Committed - before.Committed; n > 0 {
		total := (after.ValidationSec - before.ValidationSec) + (after.StorageSec - before.StorageSec) + (after.StateSec - before.StateSec)
		u.BlockCommitMs = 1000 * total / n
		u.BlockStorageMs = 1000 * (after.StorageSec - before.StorageSec) / n
	}
	return u
}
