// Package alert is Charter's treasury alert rule, shared by `charter events
// watch --alert`, GET /v1/events?alert= and the alerts `charter serve
// --alert --alert-webhook` posts: which chaincode events are alerts at an
// amount, the JSON an alert is, and posting one to a webhook.
package alert

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/treasury"
	charter "github.com/charter-gov/charter/gateway-client"
)

// Alert is one treasury event that is an alert: what `charter events watch
// --alert` prints as JSON, what GET /v1/events?alert= carries and what a
// webhook receives.
type Alert struct {
	Block   uint64            `json:"block"`
	TxID    string            `json:"txId"`
	Event   string            `json:"event"`
	Time    time.Time         `json:"time"`
	Actor   identity.Identity `json:"actor"`
	Account string            `json:"account,omitempty"`
	Amount  int64             `json:"amount"`
	Spend   string            `json:"spend,omitempty"`
	Source  string            `json:"source,omitempty"`
	// Why names every reason the event is an alert.
	Why []string `json:"why"`
}

// Who renders an identity for people: "LabAMSP/User1" — the MSP and the
// certificate's common name up to any "@domain" (the MSP already says
// which organisation) — or "-" for none.
func Who(id identity.Identity) string {
	if id.MSPID == "" && id.ID == "" {
		return "-"
	}
	short := id.Short() // "LabAMSP/User1@laba.charter.local", or the full form without a CN
	if msp, cn, ok := strings.Cut(short, "/"); ok && msp == id.MSPID {
		if local, _, ok := strings.Cut(cn, "@"); ok && local != "" {
			return msp + "/" + local
		}
	}
	return short
}

// Treasury decides whether ev is an alert at threshold min: a treasury
// movement or spend of at least min units, or an unusual spend (paying
// its own proposer, cancelled, queued by a treasury_spend decision),
// whatever its amount.
func Treasury(ev charter.Event, min int64) (*Alert, bool) {
	al := &Alert{Block: ev.BlockNumber, TxID: ev.TxID, Event: ev.Envelope.Type, Time: ev.Envelope.Time, Actor: ev.Envelope.Actor}
	spend := func(sp *treasury.Spend) {
		al.Account, al.Amount, al.Spend, al.Source = sp.Account, sp.Total, sp.ID, sp.Source
		for _, p := range sp.Payees {
			if p.To == sp.Proposer {
				al.Why = append(al.Why, fmt.Sprintf("pays its own proposer %s", Who(sp.Proposer)))
				break
			}
		}
	}
	switch ev.Envelope.Type {
	case treasury.EventSpendProposed, treasury.EventSpendQueued, treasury.EventSpendCanceled:
		var sp treasury.Spend
		if json.Unmarshal(ev.Envelope.Payload, &sp) != nil {
			return nil, false
		}
		spend(&sp)
		if ev.Envelope.Type == treasury.EventSpendCanceled {
			al.Why = append(al.Why, "cancelled: "+sp.CancelReason)
		}
		if ev.Envelope.Type == treasury.EventSpendQueued && sp.Decision != "" {
			al.Why = append(al.Why, "queued by treasury_spend decision "+sp.Decision)
		}
	case treasury.EventSpendExecuted:
		var x treasury.Executed
		if json.Unmarshal(ev.Envelope.Payload, &x) != nil || x.Spend == nil {
			return nil, false
		}
		spend(x.Spend)
	case treasury.EventDepositRecorded:
		var d treasury.DepositRecord
		if json.Unmarshal(ev.Envelope.Payload, &d) != nil {
			return nil, false
		}
		al.Account, al.Amount = d.Account, d.Amount
	case treasury.EventDeposited, treasury.EventIssued:
		var x struct {
			Movement *treasury.Movement `json:"movement"`
		}
		if json.Unmarshal(ev.Envelope.Payload, &x) != nil || x.Movement == nil {
			return nil, false
		}
		al.Account, al.Amount = x.Movement.Account, x.Movement.Delta
	default:
		return nil, false
	}
	if al.Amount >= min {
		al.Why = append([]string{fmt.Sprintf("%d ≥ the alert amount %d", al.Amount, min)}, al.Why...)
	}
	return al, len(al.Why) > 0
}

// Post POSTs al as JSON to url once; any answer but a 2xx is an error.
func Post(ctx context.Context, client *http.Client, url string, al *Alert) error {
	body, err := json.Marshal(al)
	if err != nil {
		return fmt.Errorf("encode alert: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("post to %s: %w", url, err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("post to %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("post to %s: %s", url, resp.Status)
	}
	return nil
}

// ValidURL checks that url is an http:// or https:// URL a webhook may
// have.
func ValidURL(url string) error {
	if !strings.HasPrefix(url, "http://") && !strings.HasPrefix(url, "https://") {
		return fmt.Errorf("%q: want an http:// or https:// URL", url)
	}
	return nil
}

// Webhook posts alerts to URL, retrying a failed post: at most Attempts
// posts per alert, waiting Backoff, then twice as long each time (at most
// a minute) in between.
type Webhook struct {
	URL      string
	Client   *http.Client  // nil: a client with a 10 s timeout
	Attempts int           // zero: 5
	Backoff  time.Duration // zero: 1 s
	Logger   *slog.Logger  // nil: slog.Default()
}

// Deliver posts al until a post succeeds, Attempts have failed or ctx
// ends; each failure is logged with the alert's block and transaction.
// It returns the last error when every attempt failed.
func (w *Webhook) Deliver(ctx context.Context, al *Alert) error {
	client, attempts, backoff, log := w.Client, w.Attempts, w.Backoff, w.Logger
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	if attempts <= 0 {
		attempts = 5
	}
	if backoff <= 0 {
		backoff = time.Second
	}
	if log == nil {
		log = slog.Default()
	}
	var err error
	for try := 1; ; try++ {
		if err = Post(ctx, client, w.URL, al); err == nil {
			return nil
		}
		if try >= attempts || ctx.Err() != nil {
			break
		}
		log.Warn("alert webhook: post failed; retrying", "block", al.Block, "txId", al.TxID, "event", al.Event, "attempt", try, "of", attempts, "retryIn", backoff, "err", err)
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return errors.Join(err, ctx.Err())
		case <-t.C:
		}
		backoff = min(backoff*2, time.Minute)
	}
	log.Error("alert webhook: post failed; giving up on this alert", "block", al.Block, "txId", al.TxID, "event", al.Event, "attempts", attempts, "err", err)
	return fmt.Errorf("alert of transaction %s (block %d): %d attempts: %w", al.TxID, al.Block, attempts, err)
}
