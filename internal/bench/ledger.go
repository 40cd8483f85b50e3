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
// processing blocks.
type LedgerReading struct {
	Height        float64
	Transactions  float64
	ProcessingSec float64 // ledger_block_processing_time_sum
	Processed     float64 // ledger_block_processing_time_count
}

// LedgerUsage is a round's blocks as one peer committed them.
type LedgerUsage struct {
	Peer   string  `json:"peer"`
	Blocks float64 `json:"blocks"`
	// TxPerBlock is the transactions (valid or not) per block.
	TxPerBlock float64 `json:"txPerBlock"`
	// BlockProcessingMs is the peer's mean time to process (validate and
	// commit) one block.
	BlockProcessingMs float64 `json:"blockProcessingMs"`
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
			lr.ProcessingSec = v
		case "ledger_block_processing_time_count":
			lr.Processed = v
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
	if n := after.Processed - before.Processed; n > 0 {
		u.BlockProcessingMs = 1000 * (after.ProcessingSec - before.ProcessingSec) / n
	}
	return u
}
