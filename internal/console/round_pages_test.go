package console

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/round"
)

// TestRoundManagerPages: who sees the manager view, what it offers in
// each state of the round, and the results once closed.
func TestRoundManagerPages(t *testing.T) {
	srv, f := newTestServer(t)
	g := f.g() // r2: three applied projects, administered by reader
	for _, tt := range []struct {
		name    string
		member  *identity.Identity
		want    []string
		notWant []string
	}{
		{"the administrator of an open round sees accept and close, not yet pay", &reader, []string{"Manager view", `id="accept-form"`, `id="accept-all"`, "(3)", `form="accept-form" name="accept" value="p0001"`, `<label for="accept-p0001" class="visually-hidden">Accept Eval suite 1</label>`, `id="close-form"`}, []string{`id="pay-form"`}},
		{"another grants administrator sees them too", &gus, []string{"Manager view", `id="accept-form"`}, nil},
		{"a member without the office does not", &bob, []string{"Projects of round r2"}, []string{"Manager view", `name="accept"`}},
		{"no key: no manager view", nil, []string{"No estimate yet"}, []string{"Manager view"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			status, body := get(t, srv, "/rounds/r2", tt.member)
			require.Equal(t, 200, status, body)
			for _, w := range tt.want {
				assert.Contains(t, body, w)
			}
			for _, w := range tt.notWant {
				assert.NotContains(t, body, w)
			}
		})
	}

	t.Run("the open form on /rounds", func(t *testing.T) {
		status, body := get(t, srv, "/rounds", nil)
		require.Equal(t, 200, status)
		for _, w := range []string{`id="open-round-form"`, `data-write="/rounds"`, `data-kind="open-round"`, `<label for="open-pool">`, `value="documentation_bounties" checked`} {
			assert.Contains(t, body, w)
		}
	})

	// Accept two, contribute, close: the live region shows the estimate, then the results.
	for _, id := range []string{"p0001", "p0002"} {
		_, err := g.accept(reader, id, true)
		require.NoError(t, err)
	}
	_, err := g.accept(reader, "p0001", false)
	require.Error(t, err, "accepting twice is refused")
	g.contribute(3)
	t.Run("the live fragment: the estimate while open", func(t *testing.T) {
		status, body := get(t, srv, "/rounds/r2/live", nil)
		require.Equal(t, 200, status)
		assert.Contains(t, body, `id="estimate-table"`)
		assert.Contains(t, body, "0 to 20000", "the cap: 20 % of the 100,000 pool")
		assert.NotContains(t, body, "<html", "a fragment")
	})
	g.mu.Lock()
	g.over = true
	g.mu.Unlock()
	for page := 0; ; page++ {
		require.Less(t, page, 10, "the close ends")
		p, err := g.closeStep(true)
		require.NoError(t, err)
		if p.(*round.Progress).Done {
			break
		}
	}
	t.Run("closed: results, payout awaiting, CSV link; no accept or close", func(t *testing.T) {
		status, body := get(t, srv, "/rounds/r2", &reader)
		require.Equal(t, 200, status)
		for _, w := range []string{`id="results-table" data-projects="2"`, `data-payout="p0001"`, "await their payout", `href="/v1/rounds/r2/results.csv"`, `id="pay-form"`} {
			assert.Contains(t, body, w)
		}
		assert.NotContains(t, body, `id="accept-form"`)
		assert.NotContains(t, body, `id="close-form"`)
	})
	_, err = g.pay(reader, true)
	require.NoError(t, err)
	t.Run("paid: the spend is named", func(t *testing.T) {
		_, body := get(t, srv, "/rounds/r2/live", nil)
		assert.Contains(t, body, `data-status="spend_proposed"`)
		assert.Contains(t, body, "treasury spend <a id=\"payout-spend\" href=\"/treasury/spends/s0042\"><strong>s0042</strong></a>", "the payout spend links to its treasury page")
	})
}
