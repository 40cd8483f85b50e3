package test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/contribution"
	"github.com/charter-gov/charter/chaincode/decision"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/funding"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/reputation"
	"github.com/charter-gov/charter/chaincode/round"
	"github.com/charter-gov/charter/chaincode/token"
	"github.com/charter-gov/charter/chaincode/treasury"
)

// agreed runs op, and runs it again while the endorsing peers disagree on
// the state it read: a peer that has not yet committed the block of the
// account's previous change endorses other bytes, fabric-gateway reports
// "ProposalResponsePayloads do not match" and nothing is ordered. Between
// attempts it waits until every organisation's peer reports the same
// balance for account (the condition, not a time).
func agreed(ctx context.Context, account identity.Identity, op func() error) error {
	for attempt := 0; ; attempt++ {
		err := op()
		if err == nil || attempt == 5 || !strings.Contains(err.Error(), "ProposalResponsePayloads do not match") {
			return err
		}
		for {
			var bals []int64
			for _, org := range orgProfiles {
				c, cerr := net.connect(org + "-user1")
				if cerr != nil {
					return cerr
				}
				b, berr := c.Balance(ctx, account)
				if berr != nil {
					return berr
				}
				bals = append(bals, b.Balance)
			}
			if bals[0] == bals[1] && bals[1] == bals[2] {
				break
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
}

// roundContributors is how many members of the three organisations
// contribute to the end-to-end round.
const roundContributors = 50

// executedBudget plays a budget decision funding a matching pool of pool
// from the treasury's token account, and with it a token_issuance
// decision of pool tokens into that account so that the payout can be
// executed: an attester gives the voter reputation, the voter proposes
// both, House B (the voter) and House A (a founding seat) vote for them,
// and both are closed, concluded and executed in one cycle.
func executedBudget(t testing.TB, ctx context.Context, pool int64, run int64) string {
	t.Helper()
	reader := net.client(t, "foundation-user1")
	seat := foundingMember(t, "foundation", "dec-seat1")
	voter := newMember(t, "labB", fmt.Sprintf("rounds-voter-%d", run))
	restoreTestBudgetQuorum(t, reader, seat, voter)
	// Two attesters of two labs give the voter reputation (budgets are
	// voted one seat one vote in the test constitution; the attestations
	// keep the scenario meaningful under a reputation-weighted House B).
	for _, attester := range []string{"labA-user1", "labB-user1"} {
		_, err := net.client(t, attester).Attest(ctx, reputation.AttestRequest{Recipient: voter.id, Category: contribution.Documentation, Weight: 1000, Evidence: "https://example.org/docs/rounds"})
		require.NoError(t, err)
	}
	payload, err := json.Marshal(treasury.BudgetRequest{Account: constitution.TreasuryTokenAccount, Amount: pool, Purpose: "matching pool of a funding round"})
	require.NoError(t, err)
	d, err := voter.client.ProposeDecision(ctx, decision.ProposeRequest{Type: constitution.Budget, Title: "Matching pool for evaluation grants", Payload: payload})
	require.NoError(t, err)
	issue, err := voter.client.ProposeTokenIssuance(ctx, "Tokens for the matching pool", "", treasury.IssuanceRequest{Amount: pool, Memo: "matching pool"})
	require.NoError(t, err)
	settledHeight(t) // the reader's peer has the proposals too
	passAndExecute(t, reader, seat, voter, d, issue)
	settledHeight(t)
	return d.ID
}

// TestRoundEndToEnd: a grants administrator opens a round funded by an
// executed budget decision; three projects apply and are accepted (an
// administrator accepting its own project is refused); 50 members of the
// three organisations contribute at once with MVCC retries off (zero
// conflicts); bad contributions and an early close are refused with the
// chain unchanged; the round is closed in pages; every peer reports the
// same results; tokens are conserved and each applicant is credited its
// contributions; the matches are proposed as one treasury spend bound to
// the budget decision.
func TestRoundEndToEnd(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Minute)
	defer cancel()
	run := time.Now().UnixNano()
	admin := foundingMember(t, "foundation", "rounds-admin")
	admin2 := foundingMember(t, "labB", "rounds-admin2")
	reader := net.client(t, "labA-user2")

	// An unfunded pool is refused.
	height := settledHeight(t)
	now := time.Now().UTC()
	req := round.OpenRequest{Title: "Evaluation grants", Categories: []round.Category{round.EvaluationGrants, round.DocumentationBounties},
		Rule: funding.Rule{Kind: funding.KindOrgGrouped, CapBps: 6000}, Pool: 5000, BudgetDecision: "d0000000000000000",
		OpensAt: now.Add(2 * testSkew), ClosesAt: now.Add(2*testSkew + 10*time.Minute)}
	_, err := admin.client.OpenRound(ctx, req)
	requireRefusedUnchanged(t, reader, height, err, errcode.FailedPrecondition, "not funded")

	budgetID := executedBudget(t, ctx, 5000, run)

	// 50 contributors, paid from the founding allocation of rounds-admin.
	contributors := newVoters(t, roundContributors, fmt.Sprintf("rc%d-", run%100000))
	applicants := []member{newMember(t, "foundation", fmt.Sprintf("rounds-app1-%d", run)), newMember(t, "labA", fmt.Sprintf("rounds-app2-%d", run)), newMember(t, "labB", fmt.Sprintf("rounds-app3-%d", run))}
	for _, c := range contributors {
		err := agreed(ctx, admin.id, func() error {
			_, err := admin.client.Transfer(ctx, token.TransferRequest{To: c.id, Amount: 100})
			return err
		})
		require.NoError(t, err)
	}

	// Open once the contributors hold their tokens; the window opens six
	// skews from now, after the applications.
	now = time.Now().UTC()
	req.BudgetDecision = budgetID
	req.OpensAt = now.Add(6 * testSkew)
	req.ClosesAt = req.OpensAt.Add(2 * time.Minute)
	r, err := admin.client.OpenRound(ctx, req)
	require.NoError(t, err)

	var projects []*round.Project
	for i, a := range applicants {
		p, err := a.client.ApplyToRound(ctx, round.ApplyRequest{Round: r.ID, Title: fmt.Sprintf("project %d", i), Category: round.EvaluationGrants})
		require.NoError(t, err)
		// The application committed at the applicant's peer; the
		// administrator's gateway endorses on every organisation's peer,
		// so wait until all of them have it.
		settledHeight(t)
		_, err = admin.client.AcceptProject(ctx, round.AcceptRequest{Round: r.ID, Project: p.ID})
		require.NoError(t, err)
		projects = append(projects, p)
	}
	own, err := admin.client.ApplyToRound(ctx, round.ApplyRequest{Round: r.ID, Title: "the administrator's own", Category: round.EvaluationGrants})
	require.NoError(t, err)
	height = settledHeight(t)
	_, err = admin.client.AcceptProject(ctx, round.AcceptRequest{Round: r.ID, Project: own.ID})
	requireRefusedUnchanged(t, reader, height, err, errcode.Forbidden, "cannot accept it")
	_, err = admin2.client.AcceptProject(ctx, round.AcceptRequest{Round: r.ID, Project: own.ID})
	require.NoError(t, err, "another grants administrator may")
	projects = append(projects, own)

	ids := []identity.Identity{admin.id}
	for _, a := range applicants {
		ids = append(ids, a.id)
	}
	for _, c := range contributors {
		ids = append(ids, c.id)
	}
	sum := func() int64 {
		var s int64
		for _, id := range ids {
			b, err := reader.Balance(ctx, id)
			require.NoError(t, err)
			s += b.Balance
		}
		return s
	}
	before := sum()

	// Before the window: refused.
	height = settledHeight(t)
	_, err = contributors[0].client.Contribute(ctx, round.ContributeRequest{Round: r.ID, Project: projects[0].ID, Amount: 1})
	requireRefusedUnchanged(t, reader, height, err, errcode.FailedPrecondition, "contributions are accepted from")

	// In the window: all 50 at once, retries off; each contributes to
	// one of the three projects, the first ten also to the administrator's.
	waitUntil(t, r.OpensAt)
	var wg sync.WaitGroup
	errs := make([]error, len(contributors))
	var contributed int64
	for i, c := range contributors {
		contributed += int64(5 + i%7)
		if i < 10 {
			contributed += 3
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Contributor i is of organisation i%3 (newVoters); project
			// (i/3)%3 gets members of every organisation.
			_, err := c.client.Contribute(ctx, round.ContributeRequest{Round: r.ID, Project: projects[(i/3)%3].ID, Amount: int64(5 + i%7)})
			if err == nil && i < 10 {
				err = agreed(ctx, c.id, func() error {
					_, err := c.client.Contribute(ctx, round.ContributeRequest{Round: r.ID, Project: own.ID, Amount: 3})
					return err
				})
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for i, err := range errs {
		require.NoError(t, err, "contributor %d (no MVCC retries)", i)
	}
	// Above the balance, to oneself's project: refused, nothing written.
	height = settledHeight(t)
	_, err = contributors[1].client.Contribute(ctx, round.ContributeRequest{Round: r.ID, Project: projects[0].ID, Amount: 1000})
	requireRefusedUnchanged(t, reader, height, err, errcode.InvalidArgument, "exceeds the balance")
	_, err = applicants[0].client.Contribute(ctx, round.ContributeRequest{Round: r.ID, Project: projects[0].ID, Amount: 1})
	requireRefusedUnchanged(t, reader, height, err, errcode.Forbidden, "cannot contribute to it")
	// A cart: one transaction to the four projects (two of them new to
	// this contributor); then a cart whose lines each fit the balance but
	// whose total does not is refused whole.
	cart := round.ContributeBatchRequest{Round: r.ID, Lines: []round.CartLine{{Project: projects[0].ID, Amount: 2}, {Project: projects[1].ID, Amount: 2},
		{Project: projects[2].ID, Amount: 2}, {Project: own.ID, Amount: 1}}}
	rec, err := contributors[2].client.ContributeBatch(ctx, cart)
	require.NoError(t, err)
	require.Len(t, rec.Lines, 4)
	assert.Equal(t, int64(7), rec.Total)
	contributed += rec.Total
	height = settledHeight(t)
	_, err = contributors[2].client.ContributeBatch(ctx, round.ContributeBatchRequest{Round: r.ID, Lines: []round.CartLine{{Project: projects[1].ID, Amount: rec.Balance},
		{Project: projects[2].ID, Amount: 1}}})
	requireRefusedUnchanged(t, reader, height, err, errcode.InvalidArgument, "exceeds the balance")
	assert.Equal(t, before-contributed, sum(), "contributions are held in escrow")

	est, err := reader.RoundEstimate(ctx, r.ID)
	require.NoError(t, err)

	// Closing inside the skew after the window is refused.
	waitUntil(t, r.ClosesAt)
	height = settledHeight(t)
	_, err = reader.CloseRoundPage(ctx, r.ID, 10)
	requireRefusedUnchanged(t, reader, height, err, errcode.FailedPrecondition, "can be closed from")

	waitUntil(t, r.ClosesAt.Add(testSkew))
	pages := 0
	var last *round.Progress
	for {
		p, err := reader.CloseRoundPage(ctx, r.ID, 10)
		require.NoError(t, err)
		pages++
		if p.Done {
			last = p
			break
		}
	}
	assert.Greater(t, pages, 2, "closed in several pages")
	res := last.Results
	require.NotNil(t, res)
	assert.Equal(t, contributed, res.Contributed)
	assert.Equal(t, est.Report.Matched, res.Matched, "the estimate matched the result")
	assert.LessOrEqual(t, res.Matched, r.Pool)
	assert.Equal(t, r.Pool, res.Matched+res.Unallocated)
	var contributors2 int64
	for _, l := range res.Lines {
		contributors2 += l.Contributors
		assert.Equal(t, l.Contributed+l.Match, l.Payout)
	}
	assert.Equal(t, int64(roundContributors+10+2), contributors2, "the cart made contributor 2 a contributor of two more projects")
	for _, l := range res.Lines {
		assert.Equal(t, int64(3), l.Units, "project %s has contributors of the three organisations", l.Project)
		assert.Positive(t, l.Match, "project %s is matched", l.Project)
	}
	require.NotNil(t, res.Payout)
	assert.Equal(t, res.Matched, res.Payout.Total)
	assert.Equal(t, budgetID, res.Payout.BudgetDecision)
	assert.Equal(t, before, sum(), "tokens are conserved: every contribution reached its applicant")

	// Every peer reports the same results.
	want, err := json.Marshal(res)
	require.NoError(t, err)
	for _, org := range orgProfiles {
		got, err := net.client(t, org+"-user1").RoundResults(ctx, r.ID)
		require.NoError(t, err)
		raw, err := json.Marshal(got)
		require.NoError(t, err)
		assert.JSONEq(t, string(want), string(raw), "%s's peer", org)
	}
	// The matches are paid through the treasury: a grants administrator
	// proposes the spend, bound to the budget decision, once; treasurers
	// of two organisations approve it, and after the delay a third
	// executes it. The tokens move from the treasury's reserve to the
	// applicants: reserve plus members' balances is conserved, and every
	// account moves by exactly its payment.
	require.Positive(t, res.Matched)
	paid, err := admin2.client.PayRound(ctx, r.ID)
	require.NoError(t, err)
	assert.Equal(t, res.Matched, paid.Spend.Total)
	assert.Equal(t, budgetID, paid.Spend.Budget)
	assert.Equal(t, round.Ref(r.ID), paid.Spend.Source)
	require.Equal(t, treasury.StatusQueued, paid.Spend.Status, "within the decision threshold: queued at once")
	height = settledHeight(t)
	_, err = admin.client.PayRound(ctx, r.ID)
	requireRefusedUnchanged(t, reader, height, err, errcode.FailedPrecondition, "not awaiting a spend")

	reserve := func() int64 {
		a, err := reader.TreasuryAccount(ctx, constitution.TreasuryTokenAccount)
		require.NoError(t, err)
		return a.Balance
	}
	balances := func() map[identity.Identity]int64 {
		out := map[identity.Identity]int64{}
		for _, id := range ids {
			b, err := reader.Balance(ctx, id)
			require.NoError(t, err)
			out[id] = b.Balance
		}
		return out
	}
	reserveBefore, balancesBefore, totalBefore := reserve(), balances(), sum()
	require.GreaterOrEqual(t, reserveBefore, paid.Spend.Total, "the issuance funded the reserve")
	for _, tr := range []member{foundingMember(t, "foundation", "tres-fo"), foundingMember(t, "labB", "tres-b")} {
		_, err := tr.client.ApproveSpend(ctx, paid.Spend.ID)
		require.NoError(t, err)
	}
	settledHeight(t)
	waitUntil(t, paid.Spend.QueuedAt.Add(testTreasuryDelaySec*time.Second+2*testSkew))
	ex, err := foundingMember(t, "labA", "cap-treasurer").client.ExecuteSpend(ctx, paid.Spend.ID)
	require.NoError(t, err)
	assert.Equal(t, treasury.StatusExecuted, ex.Spend.Status)
	assert.Len(t, ex.Spend.Signers, 2)
	settledHeight(t)
	assert.Equal(t, reserveBefore-res.Matched, reserve(), "the reserve paid the matches")
	assert.Equal(t, totalBefore+reserveBefore, sum()+reserve(), "reserve plus balances conserved")
	payments := map[identity.Identity]int64{}
	for _, p := range paid.Spend.Payees {
		payments[p.To] += p.Amount
	}
	after := balances()
	for _, id := range ids {
		assert.Equal(t, balancesBefore[id]+payments[id], after[id], "%s moves by its payment", id.Short())
	}
	t.Logf("round %s paid out: spend %s executed, %d tokens from the reserve", r.ID, paid.Spend.ID, res.Matched)
	csv, err := round.CSV(res)
	require.NoError(t, err)
	t.Logf("round %s closed in %d pages:\n%s", r.ID, pages, csv)
}
