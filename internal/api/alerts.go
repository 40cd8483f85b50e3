package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	charter "github.com/charter-gov/charter/gateway-client"
	"github.com/charter-gov/charter/internal/alert"
)

// AlertOptions make the server report treasury alerts (internal/alert)
// from its own block feed: each alert of a block the index has applied is
// logged and, with a Webhook, posted to it (retried as alert.Webhook
// does). Webhooks are the operator's setting only: no API request can
// make the server post anywhere.
type AlertOptions struct {
	// Amount is the alert amount (alert.Treasury); zero: no alerts.
	Amount int64
	// Webhook receives each alert; nil: alerts are only logged.
	Webhook *alert.Webhook
}

// alertCheckpointFile, in the state directory, records how far the
// alerts were reported, so that a restarted server goes on from there.
const alertCheckpointFile = "alerts-checkpoint.json"

// alertCheckpoint is where reporting resumes: at block Block, after the
// transaction at index After (-1: the whole block).
type alertCheckpoint struct {
	Block uint64 `json:"block"`
	After int    `json:"after"`
}

// alertSaveEvery bounds how many blocks without an alert pass between
// checkpoint writes (a restart re-reads at most that many blocks, which
// post nothing).
const alertSaveEvery = 64

// runAlerts reports alerts until ctx ends: from the checkpoint, or on a
// first start from the chain's height then (the alerts of blocks
// committed before the server first reported alerts are not posted). It
// reads its own block stream, paced by the index's listener, so a slow
// or failing webhook never holds the index back.
func (s *Server) runAlerts(ctx context.Context) {
	path := filepath.Join(s.stateDir(), alertCheckpointFile)
	backoff := 200 * time.Millisecond
	var cp *alertCheckpoint
	for ctx.Err() == nil {
		var err error
		if cp == nil {
			cp, err = s.loadAlertCheckpoint(ctx, path)
		}
		if err == nil {
			err = s.reportAlerts(ctx, path, cp)
		}
		if ctx.Err() != nil {
			return
		}
		s.log.Warn("treasury alerts: block stream ended; reconnecting", "err", err, "backoff", backoff)
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		backoff = min(backoff*2, 5*time.Second)
	}
}

// loadAlertCheckpoint reads the checkpoint, or starts one at the chain's
// height.
func (s *Server) loadAlertCheckpoint(ctx context.Context, path string) (*alertCheckpoint, error) {
	raw, err := os.ReadFile(path)
	switch {
	case err == nil:
		var cp alertCheckpoint
		if err := json.Unmarshal(raw, &cp); err != nil {
			return nil, fmt.Errorf("alert checkpoint %s: %w", path, err)
		}
		s.log.Info("treasury alerts: resuming", "block", cp.Block, "after", cp.After, "amount", s.opts.Alerts.Amount)
		return &cp, nil
	case !errors.Is(err, os.ErrNotExist):
		return nil, fmt.Errorf("alert checkpoint: %w", err)
	}
	h, err := s.gw.ChainHeight(ctx)
	if err != nil {
		return nil, fmt.Errorf("alert checkpoint: chain height: %w", err)
	}
	cp := &alertCheckpoint{Block: h, After: -1}
	if err := saveAlertCheckpoint(path, cp); err != nil {
		return nil, err
	}
	s.log.Info("treasury alerts: starting at the chain's height", "block", h, "amount", s.opts.Alerts.Amount)
	return cp, nil
}

func saveAlertCheckpoint(path string, cp *alertCheckpoint) error {
	raw, err := json.Marshal(cp)
	if err != nil {
		return fmt.Errorf("alert checkpoint: %w", err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, raw, 0o600); err != nil {
		return fmt.Errorf("alert checkpoint: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("alert checkpoint: %w", err)
	}
	return nil
}

// reportAlerts follows the blocks from cp, moving cp past each alert once
// it is reported (posted, or given up on after the webhook's attempts).
// An alert whose post ctx interrupts is not recorded: it is posted again
// after a restart.
func (s *Server) reportAlerts(ctx context.Context, path string, cp *alertCheckpoint) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	blocks, err := s.gw.BlockEvents(ctx, cp.Block)
	if err != nil {
		return err
	}
	saved := cp.Block
	for blk := range blocks {
		num := blk.GetHeader().GetNumber()
		if num < cp.Block {
			continue
		}
		if err := s.indexed(ctx, num); err != nil {
			return err
		}
		evs, err := charter.EventsInBlock(blk, s.opts.Chaincode)
		if err != nil {
			return fmt.Errorf("alerts: %w", err)
		}
		for _, ev := range evs {
			if num == cp.Block && ev.TxIndex <= cp.After {
				continue
			}
			al, ok := alert.Treasury(ev.Event, s.opts.Alerts.Amount)
			if !ok {
				continue
			}
			s.log.Info("treasury alert", "block", al.Block, "txId", al.TxID, "event", al.Event, "account", al.Account, "amount", al.Amount, "spend", al.Spend, "why", al.Why)
			if s.opts.Alerts.Webhook != nil {
				_ = s.opts.Alerts.Webhook.Deliver(ctx, al) // failures are logged by Deliver
				if ctx.Err() != nil {
					return ctx.Err()
				}
			}
			*cp = alertCheckpoint{Block: num, After: ev.TxIndex}
			if err := saveAlertCheckpoint(path, cp); err != nil {
				return err
			}
			saved = num
		}
		*cp = alertCheckpoint{Block: num + 1, After: -1}
		if num+1-saved >= alertSaveEvery || saved == num {
			if err := saveAlertCheckpoint(path, cp); err != nil {
				return err
			}
			saved = num + 1
		}
	}
	return fmt.Errorf("block stream from %d closed", cp.Block)
}

// indexed waits until the index has applied block num, so that a
// receiver reading the API about an alert finds what it reports.
func (s *Server) indexed(ctx context.Context, num uint64) error {
	for {
		h, changed := s.blocks.Height()
		if h > num {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// latestAlerts is the treasury alerts at min of the last scan blocks the
// index has applied, newest first, at most limit.
func (s *Server) latestAlerts(ctx context.Context, min int64, scan uint64, limit int) ([]alert.Alert, error) {
	h, _ := s.blocks.Height()
	if h == 0 {
		return nil, nil
	}
	from := h - scan
	if scan >= h {
		from = 0
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	blocks, err := s.gw.BlockEvents(ctx, from)
	if err != nil {
		return nil, err
	}
	var out []alert.Alert
	for blk := range blocks {
		num := blk.GetHeader().GetNumber()
		if num >= h {
			break
		}
		evs, err := charter.EventsInBlock(blk, s.opts.Chaincode)
		if err != nil {
			return nil, err
		}
		for _, ev := range evs {
			if al, ok := alert.Treasury(ev.Event, min); ok {
				out = append(out, *al)
			}
		}
		if num+1 >= h {
			break
		}
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if len(out) > limit {
		out = out[len(out)-limit:]
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, nil
}
