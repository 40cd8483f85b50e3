package test

import (
	"context"
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

	"github.com/charter-gov/charter/internal/api"
)

// exportRowsDefault is how many rows the auditor's export must exceed
// when CHARTER_EXPORT_ROWS is not set: the channel as the suite leaves it,
// with no growth (growing it by 10,000 blocks takes 10–15 minutes on the
// 2-core machine). `make test-export` sets CHARTER_EXPORT_ROWS=10000.
const exportRowsDefault = 0

// growChain commits calibration puts (each the cheapest transaction that
// makes a block, the export's row) from many goroutines at once until the
// channel is more than rows blocks high, and reports how long it took.
func growChain(t *testing.T, rows uint64) {
	t.Helper()
	reader := net.client(t, "labA-user1")
	start, h0 := time.Now(), chainHeight(t, reader)
	if h0 > rows {
		t.Logf("the channel is %d blocks high already", h0)
		return
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
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
	h, last := h0, time.Now()
	for h <= rows {
		errMu.Lock()
		err := firstErr
		errMu.Unlock()
		require.NoError(t, err, "a calibration put")
		require.Less(t, time.Since(start), 15*time.Minute, "the channel grows to %d blocks", rows)
		time.Sleep(500 * time.Millisecond) // the progress report's period, not a wait for an outcome
		h = chainHeight(t, reader)
		if time.Since(last) > 15*time.Second {
			t.Logf("%d blocks (%.0f blocks/s)", h, float64(h-h0)/time.Since(start).Seconds())
			last = time.Now()
		}
	}
	done.Store(true)
	cancel()
	wg.Wait()
	t.Logf("the channel grew from %d to %d blocks in %s (%.0f blocks/s)", h0, h, time.Since(start).Round(time.Second), float64(h-h0)/time.Since(start).Seconds())
}

// This file's name sorts last, so its test runs after every other test of
// the package: it grows the channel past 10,000 blocks, and every API
// server started after it would read them all into its index first.

// TestConsoleAuditExportOnTheNetwork exports more than CHARTER_EXPORT_ROWS
// rows (one per block; `make test-export`: 10,000) through the auditor page of the console against the real
// API on the real network, in headless Chromium: the count the page
// shows, the lines of the file it downloads and the API's own stream
// agree, byte for byte.
func TestConsoleAuditExportOnTheNetwork(t *testing.T) {
	exportRows := envInt(t, "CHARTER_EXPORT_ROWS", exportRowsDefault)
	if exportRows > 0 {
		growChain(t, uint64(exportRows)+1)
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
	require.Greater(t, last+1, int64(exportRows))

	// The API's own count.
	req, err := http.NewRequestWithContext(ctxFor(t), http.MethodGet, srv.URL+"/v1/audit/blocks?to="+strconv.FormatInt(last, 10), nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode, "%s", clip(raw))
	apiRows := strings.Count(string(raw), "\n")
	require.Equal(t, int(last+1), apiRows, "one row per block, 0 to %d", last)

	// The auditor exports the same blocks in the browser.
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
	path := filepath.Join(dir, "charter-audit.ndjson")
	require.Eventually(t, func() bool {
		b, err := os.ReadFile(path)
		return err == nil && len(b) == len(raw)
	}, time.Minute, 50*time.Millisecond, "the browser saves the export as %s", path)
	file, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, apiRows, strings.Count(string(file), "\n"), "the downloaded file has the API's rows")
	assert.Equal(t, string(raw), string(file), "and is the API's stream, byte for byte")
}
