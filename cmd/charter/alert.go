package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/treasury"
	charter "github.com/charter-gov/charter/gateway-client"
)

// Alert is one treasury event 'charter events watch --alert' reports.
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

// treasuryAlert decides whether ev is an alert at threshold min: a
// treasury movement or spend of at least min units, or an unusual spend
// (paying its own proposer, cancelled, queued by a treasury_spend
// decision), whatever its amount.
func treasuryAlert(ev charter.Event, min int64) (*Alert, bool) {
	al := &Alert{Block: ev.BlockNumber, TxID: ev.TxID, Event: ev.Envelope.Type, Time: ev.Envelope.Time, Actor: ev.Envelope.Actor}
	spend := func(sp *treasury.Spend) {
		al.Account, al.Amount, al.Spend, al.Source = sp.Account, sp.Total, sp.ID, sp.Source
		for _, p := range sp.Payees {
			if p.To == sp.Proposer {
				al.Why = append(al.Why, fmt.Sprintf("pays its own proposer %s", actor(sp.Proposer)))
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

// alertFilter is the watch filter of --alert: alerts only, each also
// posted to webhook when set.
func (a *app) alertFilter(min int64, webhook string) func(charter.Event) (any, bool) {
	client := &http.Client{Timeout: 10 * time.Second}
	return func(ev charter.Event) (any, bool) {
		al, ok := treasuryAlert(ev, min)
		if !ok {
			return nil, false
		}
		if webhook != "" {
			if err := postAlert(client, webhook, al); err != nil {
				fmt.Fprintf(a.stderr, "charter: alert webhook: %v\n", err)
			}
		}
		return al, true
	}
}

func postAlert(client *http.Client, url string, al *Alert) error {
	body, err := json.Marshal(al)
	if err != nil {
		return fmt.Errorf("encode alert: %w", err)
	}
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, url, bytes.NewReader(body))
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
