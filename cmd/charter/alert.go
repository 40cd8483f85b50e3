package main

import (
	"context"
	"fmt"
	"net/http"
	"time"

	charter "github.com/charter-gov/charter/gateway-client"
	"github.com/charter-gov/charter/internal/alert"
)

// Alert is one treasury event 'charter events watch --alert' reports
// (internal/alert).
type Alert = alert.Alert

// alertFilter is the watch filter of --alert: alerts only (alert.Treasury),
// each also posted to webhook when set.
func (a *app) alertFilter(min int64, webhook string) func(charter.Event) (any, bool) {
	client := &http.Client{Timeout: 10 * time.Second}
	return func(ev charter.Event) (any, bool) {
		al, ok := alert.Treasury(ev, min)
		if !ok {
			return nil, false
		}
		if webhook != "" {
			if err := alert.Post(context.Background(), client, webhook, al); err != nil {
				fmt.Fprintf(a.stderr, "charter: alert webhook: %v\n", err)
			}
		}
		return al, true
	}
}
