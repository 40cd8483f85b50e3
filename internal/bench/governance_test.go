package bench

import (
	"fmt"
	"math/bits"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/decision"
	"github.com/charter-gov/charter/chaincode/funding"
	"github.com/charter-gov/charter/chaincode/round"
)

// The token distribution: every client ends with exactly its share, a
// holder only passes on what it received at an earlier level, no account
// sends twice in one level (its transfers rewrite its own account), and it
// takes ⌈log2(n+1)⌉ levels.
func TestDistribution(t *testing.T) {
	for _, n := range []int{1, 2, 3, 4, 5, 7, 8, 31, 64, 100, 256} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			const share = 7
			plans := distribution(n, share)
			require.Len(t, plans, n, "one transfer per client")
			bal := map[int]int64{-1: share * int64(n)}
			paidAt := map[int]int{-1: -1}
			levels := 0
			for level := 0; ; level++ {
				senders := map[int]bool{}
				var these []transferPlan
				for _, p := range plans {
					if p.Level == level {
						these = append(these, p)
					}
				}
				if len(these) == 0 {
					break
				}
				levels++
				for _, p := range these {
					at, ok := paidAt[p.From]
					require.True(t, ok && at < level, "level %d: %d sends before it was paid", level, p.From)
					require.False(t, senders[p.From], "level %d: %d sends twice", level, p.From)
					senders[p.From] = true
					_, again := paidAt[p.To]
					require.False(t, again, "client %d paid twice", p.To)
					require.GreaterOrEqual(t, bal[p.From], p.Amount, "level %d: %d sends more than it holds", level, p.From)
					bal[p.From] -= p.Amount
					bal[p.To] += p.Amount
					paidAt[p.To] = level
				}
			}
			assert.Equal(t, bits.Len(uint(n)), levels, "⌈log2(n+1)⌉ levels")
			assert.Zero(t, bal[-1], "the funder gives exactly n shares")
			for i := range n {
				assert.Equal(t, int64(share), bal[i], "client %d ends with its share", i)
			}
		})
	}
	assert.Empty(t, distribution(0, 5))
}

func TestTokenShare(t *testing.T) {
	for _, c := range []struct {
		balance, want int64
		clients       int
		share         int64
		err           string
	}{
		{1000, 20, 10, 20, ""},
		{1000, 20, 64, 15, ""}, // an equal share of what the funder holds
		{64, 20, 64, 1, ""},    // one each
		{63, 20, 64, 0, "not one each"},
		{0, 20, 1, 0, "not one each"},
		{100, 20, 0, 0, "no clients"},
	} {
		s, err := tokenShare(c.balance, c.want, c.clients)
		if c.err != "" {
			assert.ErrorContains(t, err, c.err, "%+v", c)
			continue
		}
		require.NoError(t, err)
		assert.Equal(t, c.share, s, "%+v", c)
	}
}

// The round the set-up opens: a rule and a category the chaincode accepts,
// a window within the constitution's bounds, opening at least one clock
// skew after now (round.Open refuses an earlier one).
func TestPlanRound(t *testing.T) {
	now := time.Date(2026, 11, 30, 22, 0, 0, 123, time.UTC)
	base := constitution.Default()
	base.Time.MaxClockSkewSec = 10
	for _, c := range []struct {
		name   string
		edit   func(d *constitution.Document)
		kind   funding.Kind
		window time.Duration
		err    string
	}{
		{"defaults: org-grouped, two hours", func(*constitution.Document) {}, funding.KindOrgGrouped, 2 * time.Hour, ""},
		{"a minimum window above two hours", func(d *constitution.Document) { d.Funding.MinWindowSec = 3 * 3600 }, funding.KindOrgGrouped, 3 * time.Hour, ""},
		{"a maximum window below two hours", func(d *constitution.Document) { d.Funding.MinWindowSec, d.Funding.MaxWindowSec = 60, 600 }, funding.KindOrgGrouped, 10 * time.Minute, ""},
		{"pairwise only", func(d *constitution.Document) { d.Funding.Rules = []funding.Kind{funding.KindPairwise} }, funding.KindPairwise, 2 * time.Hour, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := base
			d.Funding = constitution.DefaultFunding()
			c.edit(&d)
			p, err := planRound(d, now)
			if c.err != "" {
				assert.ErrorContains(t, err, c.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, c.kind, p.Rule.Kind)
			require.NoError(t, p.Rule.Validate(), "the chaincode accepts the rule")
			assert.True(t, d.Funding.Effective().Allows(p.Rule.Kind), "the constitution allows the rule")
			assert.Contains(t, round.Categories(), p.Category)
			assert.Equal(t, c.window, p.ClosesAt.Sub(p.OpensAt))
			assert.False(t, p.OpensAt.Before(now.Add(10*time.Second+time.Second)), "opens one skew (and a second) after now: %s", p.OpensAt)
		})
	}
}

// Slots in flight never share an attester–recipient pair (each slot's
// recipient is its own client identity), and the attesters are used in
// turn; contributions spread over every project.
func TestSlotAssignments(t *testing.T) {
	const clients, attesters, projects = 12, 4, 3
	pairs := map[string]bool{}
	used := map[int]int{}
	for slot := range clients {
		a := attesterFor(slot, attesters)
		require.True(t, a >= 0 && a < attesters)
		used[a]++
		pair := fmt.Sprintf("%d>%d", a, slot%clients)
		assert.False(t, pairs[pair], "slot %d repeats pair %s", slot, pair)
		pairs[pair] = true
	}
	for a := range attesters {
		assert.Equal(t, clients/attesters, used[a], "attester %d used in turn", a)
	}
	got := map[int]bool{}
	for slot := range clients {
		p := projectFor(slot, projects)
		require.True(t, p >= 0 && p < projects)
		got[p] = true
	}
	assert.Len(t, got, projects, "every project gets contributions")
}

// The mix: 2 votes, 1 attestation, 1 contribution, 1 artifact, 1 query in
// every 6; every workload has its help line and the governance set-up it
// needs.
func TestMixAndWorkloads(t *testing.T) {
	count := map[string]int{}
	for seq := range int64(600) {
		count[mixOp(seq)]++
	}
	assert.Equal(t, map[string]int{"vote": 200, "attest": 100, "contribute": 100, "artifact": 100, "query": 100}, count)
	for _, w := range Workloads {
		assert.NotEmpty(t, WorkloadHelp[w], "%s has a help line", w)
	}
	for w := range count {
		assert.True(t, slices.Contains(Workloads, w), "the mix's %s is a workload", w)
		assert.True(t, needsGovernance(w), "%s needs the governance set-up", w)
	}
	assert.True(t, needsAttesters("attest") && needsAttesters("mix") && !needsAttesters("vote"))
	assert.True(t, needsRound("contribute") && needsRound("mix") && !needsRound("attest"))
	assert.True(t, strings.Contains(WorkloadHelp["mix"], "1 attestation, 1 contribution"))
}

// Prepare refuses the attest and contribute workloads, naming what is
// missing, when nothing was configured for them (before any network call).
func TestPrepareRefusesWithoutRoles(t *testing.T) {
	h := &Harness{cfg: Config{RunID: "x"}, governed: true}
	err := h.prepareAttesters(t.Context())
	assert.ErrorContains(t, err, "no attester given")
	err = h.prepareFunding(t.Context())
	assert.ErrorContains(t, err, "no grants administrator and funder configured")
	h.cfg.Funding = &FundingConfig{}
	err = h.prepareFunding(t.Context())
	assert.ErrorContains(t, err, "connect the grants administrator")
	for _, w := range []string{"attest", "contribute", "mix"} {
		_, err := h.Op(w)
		assert.ErrorContains(t, err, "not prepared", w)
	}
}

// With no budget decision named, the round is opened on the executed
// budget decisions, newest first; other decision types are never tried.
func TestBudgetCandidatesNewestFirst(t *testing.T) {
	at := func(m int) time.Time { return time.Date(2026, 12, 1, 0, m, 0, 0, time.UTC) }
	executed := []decision.Decision{
		{ID: "d-old", Type: constitution.Budget, ProposedAt: at(1)},
		{ID: "d-amend", Type: constitution.Amendment, ProposedAt: at(9)},
		{ID: "d-new", Type: constitution.Budget, ProposedAt: at(5)},
		{ID: "d-mid", Type: constitution.Budget, ProposedAt: at(3)},
	}
	assert.Equal(t, []string{"d-new", "d-mid", "d-old"}, budgetCandidates(executed))
	assert.Empty(t, budgetCandidates(executed[1:2]))
}
