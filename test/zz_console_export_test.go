package test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	charter "github.com/charter-gov/charter/gateway-client"
	"github.com/charter-gov/charter/internal/api"
)

// exportRowsDefault is how many rows (transactions) the auditor's export
// must exceed when CHARTER_EXPORT_ROWS is not set. The suite leaves more
// than that on the channel; a run of this test alone grows the channel
// first. `make test-export` sets a larger number.
const exportRowsDefault = 10_000

// txCounter follows the channel's blocks from block 0 through a peer
// and keeps the running sum of their transactions.
type txCounter struct {
	blocks, txs atomic.Uint64
}

func countTransactions(t *testing.T, ctx context.Context, c *charter.Client) *txCounter {
	t.Helper()
	ch, err := c.BlockEvents(ctx, 0)
	require.NoError(t, err, "block events from block 0")
	tc := &txCounter{}
	go func() {
		for b := range ch {
			tc.txs.Add(uint64(len(b.GetData().GetData())))
			tc.blocks.Store(b.GetHeader().GetNumber() + 1)
		}
	}()
	return tc
}

// growChain commits calibration puts (the cheapest transaction, each an
// export row) from many goroutines at once until the channel holds more
// than rows transactions, counted by summing the blocks' transaction
// counts as the peer delivers them, and reports how long it took.
func growChain(t *testing.T, rows uint64) {
	t.Helper()
	reader := net.client(t, "labA-user1")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	start, h0 := time.Now(), chainHeight(t, reader)
	tc := countTransactions(t, ctx, reader)
	require.Eventually(t, func() bool { return tc.blocks.Load() >= h0 }, 5*time.Minute, 50*time.Millisecond, "the peer delivers blocks 0 to %d", h0-1)
	tx0 := tc.txs.Load()
	if tx0 > rows {
		t.Logf("the channel holds %d transactions in %d blocks already", tx0, tc.blocks.Load())
		return
	}
	var done atomic.Bool
	var errMu sync.Mutex
	var firstErr error
	var wg sync.WaitGroup
	stamp := time.Now().UnixNano()
	for w := range 24 {
		c := net.client(t, orgProfiles[w%len(orgProfiles)]+"-user1")
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; !done.Load(); n++ {
				if _, err := c.BenchPut(ctx, fmt.Sprintf("export-%d-%d-%d", stamp, w, n), "v"); err != nil {
					if ctx.Err() == nil {
						errMu.Lock()
						firstErr = err
						errMu.Unlock()
					}
					return
				}
			}
		}()
	}
	grew := time.Now()
	txs, last := tx0, time.Now()
	for txs <= rows {
		errMu.Lock()
		err := firstErr
		errMu.Unlock()
		require.NoError(t, err, "a calibration put")
		require.Less(t, time.Since(start), 20*time.Minute, "the channel grows to %d transactions", rows)
		time.Sleep(500 * time.Millisecond) // the progress report's period, not a wait for an outcome
		txs = tc.txs.Load()
		if time.Since(last) > 15*time.Second {
			t.Logf("%d transactions in %d blocks (%.0f transactions/s)", txs, tc.blocks.Load(), float64(txs-tx0)/time.Since(grew).Seconds())
			last = time.Now()
		}
	}
	done.Store(true)
	cancel()
	wg.Wait()
	took := time.Since(grew)
	t.Logf("the channel grew from %d to %d transactions (%d to %d blocks) in %s (%.0f transactions/s)", tx0, txs, h0, tc.blocks.Load(), took.Round(time.Second), float64(txs-tx0)/took.Seconds())
}

// stream reads one of the API's audit streams whole.
func stream(t *testing.T, base, path string) []byte {
	t.Helper()
	req, err := http.NewRequestWithContext(ctxFor(t), http.MethodGet, base+path, nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err, "%s streams to its end", path)
	require.Equal(t, 200, resp.StatusCode, "%s", clip(raw))
	return raw
}

// This file's name sorts last, so its test runs after every other test of
// the package: it may grow the channel by thousands of transactions, and
// every API server started after it would read them all into its index
// first.

// TestConsoleAuditExportOnTheNetwork exports more than CHARTER_EXPORT_ROWS
// transactions (default 10,000; the channel is grown first when it holds
// fewer) through the auditor page of the console against the real API on
// the real network, in headless Chromium: the count the page shows, the
// lines of the file it downloads and the API's own stream agree, byte for
// byte, and equal the sum of the blocks' transaction counts in
// GET /v1/audit/blocks over the same blocks.
func TestConsoleAuditExportOnTheNetwork(t *testing.T) {
	exportRows := envInt(t, "CHARTER_EXPORT_ROWS", exportRowsDefault)
	if exportRows > 0 {
		growChain(t, uint64(exportRows))
	}
	ctx := consoleBrowserFor(t, 5*time.Minute)

	reader := net.client(t, "foundation-user1")
	srv := consoleServer(t, reader, consoleDirect)
	c, err := api.NewClientWithResponses(srv.URL)
	require.NoError(t, err)
	// The server's listener reads every block from 0 into its index: wait
	// until it has the peer's height.
	height := int64(chainHeight(t, reader))
	var ready *api.Readiness
	require.Eventually(t, func() bool {
		r, err := c.GetReadyzWithResponse(ctxFor(t))
		if err != nil || r.JSON200 == nil {
			return false
		}
		ready = r.JSON200
		return ready.Ready && ready.EventLag == 0 && ready.BlockHeight >= height
	}, 5*time.Minute, 100*time.Millisecond, "the API's index reaches block %d", height)
	// The last block both exports read: the height the API reflects now.
	last := ready.BlockHeight - 1
	to := "?to=" + strconv.FormatInt(last, 10)

	// The API's own count, and an independent one: the sum of the
	// blocks' transaction counts.
	raw := stream(t, srv.URL, "/v1/audit/transactions"+to)
	apiRows := strings.Count(string(raw), "\n")
	require.Greater(t, apiRows, exportRows, "more than %d transactions in blocks 0 to %d", exportRows, last)
	blocks := stream(t, srv.URL, "/v1/audit/blocks"+to)
	var blockCount, txSum int
	sc := bufio.NewScanner(bytes.NewReader(blocks))
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var b struct {
			Number       int64             `json:"number"`
			Transactions []json.RawMessage `json:"transactions"`
		}
		require.NoError(t, json.Unmarshal(sc.Bytes(), &b))
		require.Equal(t, int64(blockCount), b.Number, "blocks in order")
		blockCount++
		txSum += len(b.Transactions)
	}
	require.NoError(t, sc.Err())
	require.Equal(t, int(last+1), blockCount, "one block row per block, 0 to %d", last)
	require.Equal(t, txSum, apiRows, "one transaction row per transaction of the blocks")
	t.Logf("blocks 0 to %d hold %d transactions", last, txSum)

	// The auditor exports the same blocks' transactions in the browser
	// (the page's default rows).
	dir := t.TempDir()
	start := time.Now()
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/audit"), chromedp.WaitReady("#export-form"),
		chromedp.SendKeys("#to", strconv.FormatInt(last, 10)),
		chromedp.Click("#export-form button[type=submit]")))
	_, err = chromedp.Run(ctx, chromedp.Poll[bool](`/^Export (complete|failed)/.test(document.getElementById('export-status').textContent)`, chromedp.WithPollingTimeout(3*time.Minute)))
	require.NoError(t, err)
	status, err := chromedp.Run(ctx, chromedp.Text("#export-status"))
	require.NoError(t, err)
	t.Logf("%d rows exported in the browser in %s", apiRows, time.Since(start).Round(time.Millisecond))
	assert.Equal(t, fmt.Sprintf("Export complete: %d rows.", apiRows), status)
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('export-download').dataset.rows`))
	require.NoError(t, err)
	assert.Equal(t, strconv.Itoa(apiRows), rows)

	// Download the file as the auditor would, and count its lines.
	require.NoError(t, chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dir})
		return err
	}), chromedp.Click("#export-download")))
	path := filepath.Join(dir, "charter-audit-transactions.ndjson")
	require.Eventually(t, func() bool {
		b, err := os.ReadFile(path)
		return err == nil && len(b) == len(raw)
	}, time.Minute, 50*time.Millisecond, "the browser saves the export as %s", path)
	file, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, apiRows, strings.Count(string(file), "\n"), "the downloaded file has the API's rows")
	assert.Equal(t, string(raw), string(file), "and is the API's stream, byte for byte")
}
