package test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/ballot"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/membership"
	charter "github.com/charter-gov/charter/gateway-client"
)

func envInt(b testing.TB, name string, def int) int {
	if s := os.Getenv(name); s != "" {
		n, err := strconv.Atoi(s)
		require.NoError(b, err, name)
		return n
	}
	return def
}

// BenchmarkLargeBallotTally: CHARTER_BENCH_VOTES distinct members (default
// 100,000, spread over the three organisations, each with its own
// certificate) vote on one poll on the real network; the poll is closed
// and tallied through the paged tally with CHARTER_BENCH_PAGE votes per
// page (default ballot.DefaultPageSize). Members are registered by their
// organisation's admin in batches of membership.MaxBatch (member:
// RegisterBatch); votes stay one transaction each. The poll's voting
// period is sized for CHARTER_BENCH_VOTE_RATE votes per second (default
// 12; the run fails if the votes arrive slower than that). It reports how
// long registering, voting and tallying took, the number of tally pages,
// and checks that every vote was counted. Not part of make test; run it with
//
//	CHARTER_BENCH_VOTES=3000 make bench-tally
func BenchmarkLargeBallotTally(b *testing.B) {
	if net == nil {
		b.Skip("the network is not up")
	}
	n := envInt(b, "CHARTER_BENCH_VOTES", 100000)
	pageSize := envInt(b, "CHARTER_BENCH_PAGE", ballot.DefaultPageSize)
	workers := envInt(b, "CHARTER_BENCH_WORKERS", 24)
	voteRate := envInt(b, "CHARTER_BENCH_VOTE_RATE", 12)
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Hour)
	defer cancel()
	prefix := fmt.Sprintf("big%d-", time.Now().UnixNano()%100000)
	dir := b.TempDir()

	type member struct {
		org string
		id  identity.Identity
		cfg charter.Config
	}
	members := make([]member, n)
	for i := range n {
		org := orgProfiles[i%len(orgProfiles)]
		cn := fmt.Sprintf("%s%06d@%s", prefix, i, org)
		certPath, keyPath := issueClientCert(b, org, cn, dir)
		cfg, err := net.profiles.Config(org + "-user1")
		require.NoError(b, err)
		cfg.CertPath, cfg.KeyPath = certPath, keyPath
		cfg.CommitTimeout, cfg.EndorseTimeout = 3*time.Minute, time.Minute
		pemBytes, err := os.ReadFile(certPath)
		require.NoError(b, err)
		id, err := identity.FromPEM(cfg.MSPID, pemBytes)
		require.NoError(b, err)
		members[i] = member{org: org, id: id, cfg: cfg}
	}
	// parallel runs fn(i) for every member with `workers` goroutines and
	// returns the first error.
	parallel := func(fn func(i int) error) error {
		var next atomic.Int64
		var first error
		var mu sync.Mutex
		var wg sync.WaitGroup
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					i := int(next.Add(1) - 1)
					if i >= n {
						return
					}
					if err := fn(i); err != nil {
						mu.Lock()
						if first == nil {
							first = err
						}
						mu.Unlock()
						return
					}
				}
			}()
		}
		wg.Wait()
		return first
	}

	// Registration: each organisation's admin registers its members in
	// batches of membership.MaxBatch, the organisations in parallel.
	type batch struct {
		org string
		req membership.RegisterBatchRequest
	}
	var batches []batch
	for _, org := range orgProfiles {
		var cur membership.RegisterBatchRequest
		for i, m := range members {
			if m.org != org {
				continue
			}
			cur.Members = append(cur.Members, membership.RegisterRequest{Member: m.id, Name: fmt.Sprintf("voter %d", i)})
			if len(cur.Members) == membership.MaxBatch {
				batches = append(batches, batch{org, cur})
				cur = membership.RegisterBatchRequest{}
			}
		}
		if len(cur.Members) > 0 {
			batches = append(batches, batch{org, cur})
		}
	}
	began := time.Now()
	var wg sync.WaitGroup
	errs := make([]error, len(orgProfiles))
	for k, org := range orgProfiles {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, bt := range batches {
				if bt.org != org {
					continue
				}
				err := retryUnknown(func() error {
					_, err := net.client(b, org+"-admin").RegisterMembers(ctx, bt.req)
					if errors.Is(err, charter.ErrConflict) {
						return nil // an earlier attempt whose outcome was unknown committed (a batch is all or nothing)
					}
					return err
				})
				if err != nil {
					errs[k] = fmt.Errorf("register a batch of %s: %w", org, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	require.NoError(b, errors.Join(errs...))
	registered := time.Since(began)
	b.Logf("registered %d members in %s, %d transactions of at most %d (%.1f members/s)", n, registered.Round(time.Millisecond), len(batches), membership.MaxBatch, float64(n)/registered.Seconds())

	// The period must outlast the votes: sized for voteRate votes/s, with
	// a margin.
	period := max(60*time.Second, time.Duration(n/voteRate)*time.Second+30*time.Second)
	progress(b, "registered %d members in %s", n, registered.Round(time.Millisecond))
	proposer := net.client(b, "foundation-user1")
	ensureMemberB(b, ctx)
	bal, err := proposer.CreateBallot(ctx, ballot.CreateRequest{Kind: ballot.KindPoll, Title: "large ballot benchmark", VotingPeriodSec: int64(period / time.Second)})
	require.NoError(b, err)
	for _, org := range orgProfiles {
		require.Eventually(b, func() bool {
			_, err := net.client(b, org+"-user1").Ballot(ctx, bal.ID)
			return err == nil
		}, 20*time.Second, 50*time.Millisecond)
	}
	// Voting opens one clock skew after creation (snapshots are final
	// then).
	progress(b, "poll %s opens at %s, ends at %s", bal.ID, bal.OpensAt.Format(time.RFC3339), bal.EndsAt.Format(time.RFC3339))
	time.Sleep(time.Until(bal.OpensAt) + time.Second)

	// Members act over one shared gRPC connection per peer (an
	// application serving many users), not a TLS handshake each.
	var conns sharedConns
	defer conns.close()
	began = time.Now()
	require.NoError(b, parallel(func(i int) error {
		c := conns.client(b, members[i].cfg)
		// Casting the same choice again is harmless (a blind write of the
		// same vote), so an unknown outcome is settled by sending it again.
		return retryUnknown(func() error {
			if _, err := c.Vote(ctx, ballot.CastRequest{Ballot: bal.ID, Choice: strconv.Itoa(i%7 + 1)}); err != nil {
				return fmt.Errorf("vote %d: %w", i, err)
			}
			return nil
		})
	}))
	voted := time.Since(began)
	b.Logf("%d votes committed in %s (%.1f tx/s)", n, voted.Round(time.Millisecond), float64(n)/voted.Seconds())
	require.True(b, time.Now().Before(bal.EndsAt), "every vote arrived within the voting period")

	progress(b, "%d votes committed in %s", n, voted.Round(time.Millisecond))
	// Closing waits for the end of voting plus the clock-skew margin.
	time.Sleep(time.Until(bal.EndsAt) + 2*time.Second)
	tallier := net.client(b, "labA-user1")
	for {
		_, err = tallier.CloseBallot(ctx, bal.ID)
		if err == nil {
			break
		}
		require.Contains(b, wireText(err), "clock-skew margin", "close: %s", wireText(err))
		time.Sleep(5 * time.Second)
	}
	progress(b, "closed; tallying")

	b.ResetTimer()
	began = time.Now()
	pages := 0
	var slowest time.Duration
	var p *ballot.Progress
	for p == nil || !p.Done {
		t0 := time.Now()
		p, err = tallier.TallyPage(ctx, bal.ID, pageSize)
		require.NoError(b, err, "tally page %d", pages+1)
		slowest = max(slowest, time.Since(t0))
		pages++
	}
	tallied := time.Since(began)
	b.StopTimer()
	require.Equal(b, int64(n), p.Result.VotesCounted, "every vote counted")
	var sum int64
	for _, c := range p.Result.Likert.Distribution {
		sum += c
	}
	require.Equal(b, int64(n), sum)
	b.ReportMetric(float64(pages), "pages")
	b.ReportMetric(tallied.Seconds(), "tally-s")
	b.ReportMetric(float64(n)/voted.Seconds(), "vote-tx/s")
	b.ReportMetric(tallied.Seconds()/float64(pages), "s/page")
	b.Logf("%d votes tallied in %d pages of %d in %s (%s a page on average, slowest %s, each page a committed transaction)",
		n, pages, pageSize, tallied.Round(time.Millisecond), (tallied / time.Duration(pages)).Round(time.Millisecond), slowest.Round(time.Millisecond))
}

// ensureMemberB registers foundation-user1 (the proposer) when missing.
func ensureMemberB(b *testing.B, ctx context.Context) {
	c := net.client(b, "foundation-user1")
	if _, err := net.client(b, "foundation-admin").Member(ctx, c.Identity()); err == nil {
		return
	}
	_, err := net.client(b, "foundation-admin").RegisterMember(ctx, membership.RegisterRequest{Member: c.Identity(), Name: "foundation user1"})
	require.NoError(b, err)
}

// progress prints a line at once (benchmark logs appear only at the end).
func progress(b *testing.B, format string, args ...any) {
	b.Helper()
	fmt.Fprintf(os.Stderr, "bench-tally %s: %s\n", time.Now().UTC().Format("15:04:05"), fmt.Sprintf(format, args...))
}

// retryUnknown runs fn again (up to 5 times) while its outcome is unknown or
// the gateway unavailable: the loaded machine sometimes delays a commit
// status past the client's timeout.
func retryUnknown(fn func() error) error {
	var err error
	for range 5 {
		if err = fn(); err == nil || !(errors.Is(err, charter.ErrUnknownOutcome) || errors.Is(err, charter.ErrUnavailable)) {
			return err
		}
		time.Sleep(2 * time.Second)
	}
	return err
}
