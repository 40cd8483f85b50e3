package test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/funding"
	"github.com/charter-gov/charter/chaincode/round"
	"github.com/charter-gov/charter/chaincode/token"
	charter "github.com/charter-gov/charter/gateway-client"
)

// fabricTotalQueryLimit is the peer's ledger.state.totalQueryLimit
// (Fabric's default; network/ does not change it): a range query reading
// more is cut short silently, so no close page may read more.
const fabricTotalQueryLimit = 100_000

// BenchmarkLargeRound: a funding round of CHARTER_BENCH_PROJECTS projects
// (default 1,000) receives CHARTER_BENCH_CONTRIBUTIONS contributions
// (default 100,000) on the real network, and is closed through the paged
// close with CHARTER_BENCH_PAGE contributions per page (default
// round.DefaultPageSize). Contributors are max(64, contributions/projects)
// members of the three organisations; each contributes one token to each
// of contributions/contributors projects. The applications run in
// parallel (each writes only its own project key and reads the round's,
// which no application writes); the acceptances run one after another
// (each rewrites the round's key), CHARTER_BENCH_ACCEPT_MS apart at most
// (default 250, about three times the 86 ms measured on the loaded
// machine; the window opens after them). First, all contributors
// contribute to project 0 at once with no retry: none may meet an MVCC
// conflict. Then every contributor sends its further contributions in
// carts (round:ContributeBatch) of up to round.MaxCartLines lines — still
// one token per project, so the round holds as many contribution keys as
// contributions — its own carts one after another (they share its token
// account), different contributors' in parallel on CHARTER_BENCH_WORKERS
// goroutines (default 24). The window is sized for
// CHARTER_BENCH_CONTRIB_RATE transactions a second (default 2; a cart is
// one transaction, and a cart of 100 lines costs about what 3–4 carts of
// 29 did, measured at 5.4 a second on the loaded machine). It reports the contribution rate, the close's pages
// and time and the most contributions one page read (which must stay
// under Fabric's totalQueryLimit), and checks that every contribution was
// counted. Not part of make test; run it with
//
//	CHARTER_BENCH_PROJECTS=30 CHARTER_BENCH_CONTRIBUTIONS=3000 make bench-round
func BenchmarkLargeRound(b *testing.B) {
	if net == nil {
		b.Skip("the network is not up")
	}
	nProjects := envInt(b, "CHARTER_BENCH_PROJECTS", 1000)
	nContrib := envInt(b, "CHARTER_BENCH_CONTRIBUTIONS", 100000)
	pageSize := envInt(b, "CHARTER_BENCH_PAGE", round.DefaultPageSize)
	workers := envInt(b, "CHARTER_BENCH_WORKERS", 24)
	rate := envInt(b, "CHARTER_BENCH_CONTRIB_RATE", 2)
	acceptMS := envInt(b, "CHARTER_BENCH_ACCEPT_MS", 250)
	require.Positive(b, rate)
	require.Positive(b, nProjects)
	require.LessOrEqual(b, nProjects, int(testConstitution().Funding.MaxProjectsPerRound), "the test constitution's maxProjectsPerRound")
	perContributor := max(1, nContrib/max(64, nContrib/nProjects))
	nContributors := max(64, (nContrib+perContributor-1)/perContributor)
	require.LessOrEqual(b, perContributor, nProjects)
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Hour)
	defer cancel()
	run := time.Now().UnixNano()
	say := func(format string, args ...any) {
		fmt.Fprintf(os.Stderr, "bench-round %s: %s\n", time.Now().UTC().Format("15:04:05"), fmt.Sprintf(format, args...))
	}

	admin := foundingMember(b, "foundation", "rounds-admin")
	budgetID := executedBudget(b, ctx, 5000, run)
	say("budget %s executed", budgetID)

	// Contributors (registered in batches by newVoters) get tokens for
	// their contributions from rounds-admin's founding allocation; the
	// applicants are one member per organisation.
	contributors := newVoters(b, nContributors, fmt.Sprintf("br%d-", run%100000))
	each := int64(perContributor + 1) // one token per contribution, one more for project 0
	for _, c := range contributors {
		require.NoError(b, retryUnknown(func() error {
			return agreed(ctx, admin.id, func() error {
				_, err := admin.client.Transfer(ctx, token.TransferRequest{To: c.id, Amount: each})
				return err
			})
		}))
	}
	applicants := []member{newMember(b, "foundation", fmt.Sprintf("br-app1-%d", run)), newMember(b, "labA", fmt.Sprintf("br-app2-%d", run)), newMember(b, "labB", fmt.Sprintf("br-app3-%d", run))}
	say("%d contributors hold %d tokens each", nContributors, each)

	// Transactions of the contribution phase: one each to project 0, then
	// ⌈(perContributor−1)/MaxCartLines⌉ carts each.
	carts := (perContributor - 1 + round.MaxCartLines - 1) / round.MaxCartLines
	txs := nContributors * (1 + carts)
	window := max(2*time.Minute, time.Duration(txs/rate)*time.Second+time.Minute)
	now := time.Now().UTC()
	// Applications in parallel (a second per worker-batch of them), then
	// the acceptances one after another, and a margin.
	opens := now.Add(2*testSkew + time.Duration((nProjects+workers-1)/workers)*time.Second +
		time.Duration(nProjects*acceptMS)*time.Millisecond + time.Minute)
	r, err := admin.client.OpenRound(ctx, round.OpenRequest{Title: "Benchmark round", Categories: []round.Category{round.EvaluationGrants},
		Rule: funding.Rule{Kind: funding.KindOrgGrouped, CapBps: 1000}, Pool: 5000, BudgetDecision: budgetID, OpensAt: opens, ClosesAt: opens.Add(window)})
	require.NoError(b, err)
	projects := make([]string, nProjects)
	began := time.Now()
	var nextApp atomic.Int64
	appErrs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(nextApp.Add(1) - 1)
				if i >= nProjects {
					return
				}
				a := applicants[i%len(applicants)]
				// Not retried: a retried application whose first attempt
				// committed would be a second project.
				p, err := a.client.ApplyToRound(ctx, round.ApplyRequest{Round: r.ID, Title: fmt.Sprintf("project %d", i), Category: round.EvaluationGrants})
				if err != nil {
					appErrs[w] = fmt.Errorf("application %d: %w", i, err)
					return
				}
				projects[i] = p.ID
			}
		}()
	}
	wg.Wait()
	require.NoError(b, errors.Join(appErrs...))
	say("%d applications in parallel in %s", nProjects, time.Since(began).Round(time.Millisecond))
	settledHeight(b)
	began = time.Now()
	for _, id := range projects {
		require.NoError(b, retryUnknown(func() error {
			_, err := admin.client.AcceptProject(ctx, round.AcceptRequest{Round: r.ID, Project: id})
			if errors.Is(err, charter.ErrConflict) {
				return nil // an earlier attempt whose outcome was unknown committed
			}
			return err
		}))
	}
	say("%d acceptances one after another in %s", nProjects, time.Since(began).Round(time.Millisecond))
	require.True(b, time.Now().Before(r.OpensAt), "%d projects applied and accepted before the window opened", nProjects)
	say("round %s: %d projects accepted; window %s from %s", r.ID, nProjects, window, r.OpensAt.Format(time.RFC3339))
	waitUntil(b, r.OpensAt)

	clients := make([]*charter.Client, nContributors)
	for i, c := range contributors {
		clients[i] = c.client
	}

	// 64 (or more) contributors to project 0 at once, no retries.
	began = time.Now()
	errs := make([]error, nContributors)
	for i := range contributors {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = clients[i].Contribute(ctx, round.ContributeRequest{Round: r.ID, Project: projects[0], Amount: 1})
		}()
	}
	wg.Wait()
	require.NoError(b, errors.Join(errs...), "%d contributors to one project at once, no retries, no MVCC conflict", nContributors)
	say("%d contributions to project 0 at once in %s, none conflicted", nContributors, time.Since(began).Round(time.Millisecond))

	// The rest: contributor i gives 1 token to projects i+1, i+2, … (mod
	// the projects) in carts of up to MaxCartLines lines, one cart after
	// another (each waits for its commit; agreed retries one a peer that
	// had not yet committed the previous one endorses differently).
	var next atomic.Int64
	var first error
	var mu sync.Mutex
	var sent atomic.Int64
	began = time.Now()
	total := nContributors
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= nContributors {
					return
				}
				for k := 1; k < perContributor; k += round.MaxCartLines {
					cart := round.ContributeBatchRequest{Round: r.ID}
					for j := k; j < min(perContributor, k+round.MaxCartLines); j++ {
						cart.Lines = append(cart.Lines, round.CartLine{Project: projects[(i+j)%nProjects], Amount: 1})
					}
					err := retryUnknown(func() error {
						return agreed(ctx, contributors[i].id, func() error {
							_, err := clients[i].ContributeBatch(ctx, cart)
							return err
						})
					})
					if err != nil {
						mu.Lock()
						first = errors.Join(first, fmt.Errorf("contributor %d, cart from line %d: %w", i, k, err))
						mu.Unlock()
						return
					}
					sent.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	require.NoError(b, first)
	total += nContributors * (perContributor - 1)
	contributed := time.Since(began)
	require.True(b, time.Now().Before(r.ClosesAt), "every contribution arrived within the window")
	say("%d contributions committed in %s (%d carts after the first %d single contributions)", total, contributed.Round(time.Millisecond), sent.Load(), nContributors)

	waitUntil(b, r.ClosesAt.Add(testSkew))
	closer := net.client(b, "labA-user1")
	b.ResetTimer()
	began = time.Now()
	pages := 0
	var mostRead, lastRead int64
	var p *round.Progress
	for p == nil || !p.Done {
		p, err = closer.CloseRoundPage(ctx, r.ID, pageSize)
		require.NoError(b, err, "close page %d", pages+1)
		pages++
		mostRead = max(mostRead, p.ContributionsRead-lastRead)
		lastRead = p.ContributionsRead
	}
	closed := time.Since(began)
	b.StopTimer()
	require.NotNil(b, p.Results)
	require.Equal(b, int64(total), p.Results.Contributed, "every contribution (one token each) is in the results")
	require.Len(b, p.Results.Lines, nProjects)
	require.Less(b, mostRead, int64(fabricTotalQueryLimit), "no page reads past Fabric's totalQueryLimit")
	b.ReportMetric(float64(pages), "pages")
	b.ReportMetric(closed.Seconds(), "close-s")
	b.ReportMetric(float64(mostRead), "max-contrib/page")
	b.ReportMetric(float64(total-nContributors)/contributed.Seconds(), "contrib/s")
	b.ReportMetric(float64(sent.Load())/contributed.Seconds(), "cart-tx/s")
	b.Logf("%d projects, %d contributions from %d contributors (after the first %d: %d carts, %.1f carts/s, %.1f contributions/s); closed in %d pages of %d in %s (%s a page), at most %d contributions read by one page; matched %d of %d",
		nProjects, total, nContributors, nContributors, sent.Load(), float64(sent.Load())/contributed.Seconds(), float64(total-nContributors)/contributed.Seconds(), pages, pageSize, closed.Round(time.Millisecond),
		(closed / time.Duration(pages)).Round(time.Millisecond), mostRead, p.Results.Matched, r.Pool)
}
