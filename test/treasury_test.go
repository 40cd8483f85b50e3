package test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/decision"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/treasury"
	charter "github.com/charter-gov/charter/gateway-client"
)

// passAndExecute votes for every ballot of the decisions (House A by seat,
// House B by community), closes and tallies them, concludes them, waits
// out the timelocks and appeal windows and executes them, in order.
func passAndExecute(t testing.TB, reader *charter.Client, seat, community member, ds ...*decision.Decision) []*decision.Decision {
	t.Helper()
	ctx := ctxFor(t)
	var opens time.Time
	for _, d := range ds {
		if d.ProposedAt.After(opens) {
			opens = d.ProposedAt
		}
	}
	waitUntil(t, opens.Add(testSkew)) // ballots open one skew after the proposal
	for _, d := range ds {
		for _, b := range d.Ballots {
			voter := community
			if b.House == constitution.HouseA {
				voter = seat
			}
			_, err := voter.client.VoteOnDecision(ctx, decision.VoteRequest{Decision: d.ID, House: b.House, Choice: "for"})
			require.NoError(t, err, "%s vote in %s", d.Type, b.House)
		}
	}
	settledHeight(t)
	var latest time.Time
	for _, d := range ds {
		if ends := votingEnds(t, reader, d); ends.After(latest) {
			latest = ends
		}
	}
	waitUntil(t, latest.Add(testSkew))
	var executable time.Time
	for _, d := range ds {
		for _, b := range d.Ballots {
			_, err := reader.CloseBallot(ctx, b.Ballot)
			require.NoError(t, err, "close %s", b.Ballot)
			p, err := reader.Tally(ctx, b.Ballot, 0)
			require.NoError(t, err, "tally %s", b.Ballot)
			require.True(t, p.Done)
		}
		settledHeight(t) // the tally is on every peer before the conclusion is endorsed
		c, err := reader.ConcludeDecision(ctx, d.ID)
		require.NoError(t, err)
		require.Equal(t, decision.StatusPassed, c.Status, "%s: %+v", d.Type, c.Outcome)
		if c.ExecutableAt.After(executable) {
			executable = *c.ExecutableAt
		}
	}
	waitUntil(t, executable.Add(testSkew))
	settledHeight(t)
	out := make([]*decision.Decision, len(ds))
	for i, d := range ds {
		ex, err := reader.ExecuteDecision(ctx, d.ID)
		require.NoError(t, err, "execute %s", d.Type)
		require.Equal(t, decision.StatusExecuted, ex.Status)
		out[i] = ex
	}
	return out
}

// treasuryReads is one peer's reading of the treasury: its accounts and
// the given spends.
func treasuryReads(t *testing.T, c *charter.Client, spends ...string) string {
	t.Helper()
	accts, err := c.TreasuryAccounts(ctxFor(t))
	require.NoError(t, err)
	out := []any{accts}
	for _, id := range spends {
		sp, err := c.Spend(ctxFor(t), id)
		require.NoError(t, err)
		as, err := c.SpendApprovals(ctxFor(t), id)
		require.NoError(t, err)
		out = append(out, sp, as)
	}
	raw, err := json.Marshal(out)
	require.NoError(t, err)
	return string(raw)
}

func everyPeerReadsTreasury(t *testing.T, spends ...string) []string {
	t.Helper()
	var out []string
	for _, org := range orgProfiles {
		out = append(out, treasuryReads(t, net.client(t, org+"-admin"), spends...))
	}
	return out
}

// restoreTestBudgetQuorum undoes the decision test's amendment of the
// budget rule (a 15 % quorum) when it is in force: a budget here needs the
// test constitution's quorum. It is an amendment of both houses, like any
// other, proposed by community and voted by seat.
func restoreTestBudgetQuorum(t testing.TB, reader *charter.Client, seat, community member) {
	t.Helper()
	ctx := ctxFor(t)
	cur, err := reader.Constitution(ctx)
	require.NoError(t, err)
	testDoc := testConstitution()
	testRule, err := testDoc.Rule(constitution.Budget)
	require.NoError(t, err)
	rule, err := cur.Document.Rule(constitution.Budget)
	if err != nil || rule.QuorumBps <= testRule.QuorumBps {
		return
	}
	doc := cur.Document
	doc.DecisionRules = append([]constitution.DecisionRule(nil), cur.Document.DecisionRules...)
	for i := range doc.DecisionRules {
		if doc.DecisionRules[i].Type == constitution.Budget {
			doc.DecisionRules[i].QuorumBps = testRule.QuorumBps
		}
	}
	am, err := community.client.ProposeAmendment(ctx, "Budgets back to the test quorum", "", doc)
	require.NoError(t, err)
	passAndExecute(t, reader, seat, community, am)
	settledHeight(t)
}

// TestTreasurySpendPath plays the treasury on the network: a deposit, a
// budget opened by a House B budget decision, a spend proposed against it,
// approved by treasurers of two organisations, executed after the delay,
// with the attack table's network rows refused on the way (each refusal
// adds no block and leaves every peer's reading of the treasury as it
// was), and every peer reading the same balances and movements after.
func TestTreasurySpendPath(t *testing.T) {
	ctx := ctxFor(t)
	reader := net.client(t, "foundation-user1")
	cur, err := reader.Constitution(ctx)
	require.NoError(t, err)
	if cur.Document.Treasury.ExecutionDelaySec > testTreasuryDelaySec {
		t.Skipf("the constitution in force (version %d) has a treasury delay of %d s; this test needs the test constitution TestMain adopts on a fresh network", cur.Version, cur.Document.Treasury.ExecutionDelaySec)
	}
	run := time.Now().UnixNano()
	seat := foundingMember(t, "foundation", "dec-seat1")
	tresFo := foundingMember(t, "foundation", "tres-fo")
	tresB := foundingMember(t, "labB", "tres-b")
	tresA := foundingMember(t, "labA", "cap-treasurer")
	community := newMember(t, "labB", fmt.Sprintf("tr-comm-%d", run))
	ada := newMember(t, "labA", fmt.Sprintf("tr-ada-%d", run))
	bob := newMember(t, "labB", fmt.Sprintf("tr-bob-%d", run))

	restoreTestBudgetQuorum(t, reader, seat, community)

	// A deposit of compute credits, recorded by a treasurer with its
	// reference: pending, the balance does not move until a treasurer of
	// another organisation confirms it (below, after the attack table).
	before, err := reader.TreasuryAccount(ctx, "compute_credits")
	require.NoError(t, err)
	dep, err := tresFo.client.Deposit(ctx, treasury.DepositRequest{Account: "compute_credits", Amount: 20_000, Reference: fmt.Sprintf("grant-%d", run), Reason: "GPU hours donated by a provider"})
	require.NoError(t, err)
	assert.Equal(t, treasury.DepositPending, dep.Status)
	settledHeight(t) // every peer has it before another organisation's peer endorses a read of it
	pending, err := reader.TreasuryAccount(ctx, "compute_credits")
	require.NoError(t, err)
	assert.Equal(t, before.Balance, pending.Balance, "a recorded deposit moves nothing")

	// A budget, by a House B budget decision.
	bd, err := community.client.ProposeBudget(ctx, "Evaluation compute", "", treasury.BudgetRequest{Account: "compute_credits", Amount: 10_000, Purpose: "evaluation grants"})
	require.NoError(t, err)
	require.Len(t, bd.Ballots, 1)
	assert.Equal(t, constitution.HouseB, bd.Ballots[0].House, "budgets go to House B")
	passAndExecute(t, reader, seat, community, bd)
	settledHeight(t)
	b, err := reader.TreasuryBudget(ctx, bd.ID)
	require.NoError(t, err)
	assert.Equal(t, int64(10_000), b.Amount)

	// A spend against it, from the foundation's treasurer: within the
	// decision threshold, queued at once.
	sp, err := tresFo.client.ProposeSpend(ctx, treasury.SpendRequest{Account: "compute_credits", Budget: bd.ID, Source: fmt.Sprintf("round:it-%d", run), Reason: "evaluation grants",
		Payees: []treasury.Payee{{To: ada.id, Amount: 2_000}, {To: bob.id, Amount: 1_000}}})
	require.NoError(t, err)
	require.Equal(t, treasury.StatusQueued, sp.Status)
	_, err = tresFo.client.ApproveSpend(ctx, sp.ID)
	require.NoError(t, err)
	settledHeight(t)

	attacks := []struct {
		attacker, attack string
		call             func() error
		code             errcode.Code
		want             string
	}{
		{"plain member", "propose a spend to itself", func() error {
			_, err := ada.client.ProposeSpend(ctx, treasury.SpendRequest{Account: "compute_credits", Budget: bd.ID, Reason: "mine", Payees: []treasury.Payee{{To: ada.id, Amount: 5_000}}})
			return err
		}, errcode.Forbidden, "not an active treasurer or grants administrator"},
		{"treasurer", "approve the same spend twice", func() error { _, err := tresFo.client.ApproveSpend(ctx, sp.ID); return err }, errcode.Conflict, "each treasurer approves once"},
		{"treasurer", "execute before the delay, with one approval", func() error { _, err := tresFo.client.ExecuteSpend(ctx, sp.ID); return err }, errcode.FailedPrecondition, "can be executed from"},
		{"treasurer", "deposit governance tokens", func() error {
			_, err := tresFo.client.Deposit(ctx, treasury.DepositRequest{Account: constitution.TreasuryTokenAccount, Amount: 1_000_000, Reference: "x", Reason: "x"})
			return err
		}, errcode.InvalidArgument, "only from an executed token_issuance decision"},
		{"treasurer", "confirm its own deposit", func() error { _, err := tresFo.client.ConfirmDeposit(ctx, dep.ID); return err }, errcode.Forbidden, "a treasurer of another organisation confirms a deposit"},
		{"treasurer", "a spend above the account's period limit", func() error {
			_, err := tresFo.client.ProposeSpend(ctx, treasury.SpendRequest{Account: "compute_credits", Budget: bd.ID, Reason: "all", Payees: []treasury.Payee{{To: ada.id, Amount: 50_001}}})
			return err
		}, errcode.FailedPrecondition, "may spend in one period"},
		{"treasurer", "a spend above its budget", func() error {
			_, err := tresFo.client.ProposeSpend(ctx, treasury.SpendRequest{Account: "compute_credits", Budget: bd.ID, Reason: "more", Payees: []treasury.Payee{{To: ada.id, Amount: 7_001}}})
			return err
		}, errcode.FailedPrecondition, "exceeds the 7000 left of budget"},
		{"organisation admin", "cancel the spend", func() error {
			_, err := net.client(t, "foundation-admin").CancelSpend(ctx, sp.ID, "veto")
			return err
		}, errcode.Forbidden, "only its proposer"},
	}
	for _, a := range attacks {
		t.Run(a.attacker+": "+a.attack, func(t *testing.T) {
			height := settledHeight(t)
			reads := everyPeerReadsTreasury(t, sp.ID)
			err := a.call()
			require.Error(t, err)
			assert.Equal(t, a.code, codeOf(err), "%s", wireText(err))
			assert.Contains(t, wireText(err), a.want)
			assert.Equal(t, height, settledHeight(t), "a refusal adds no block")
			assert.Equal(t, reads, everyPeerReadsTreasury(t, sp.ID), "every peer reads the treasury as before")
		})
	}

	// A treasurer of another organisation confirms the deposit: the
	// balance moves now.
	conf, err := tresB.client.ConfirmDeposit(ctx, dep.ID)
	require.NoError(t, err)
	assert.Equal(t, before.Balance+20_000, conf.Movement.Balance)
	assert.Equal(t, treasury.DepositConfirmed, conf.Deposit.Status)

	// A second organisation's treasurer approves; after the delay (and the
	// skew margin at both ends) the third executes.
	_, err = tresB.client.ApproveSpend(ctx, sp.ID)
	require.NoError(t, err)
	settledHeight(t)
	waitUntil(t, sp.QueuedAt.Add(testTreasuryDelaySec*time.Second+2*testSkew))
	ex, err := tresA.client.ExecuteSpend(ctx, sp.ID)
	require.NoError(t, err)
	assert.Equal(t, treasury.StatusExecuted, ex.Spend.Status)
	assert.Len(t, ex.Spend.Signers, 2)
	height := settledHeight(t)
	_, err = tresA.client.ExecuteSpend(ctx, sp.ID)
	requireRefusedUnchanged(t, reader, height, err, errcode.Conflict, "already executed")

	reads := everyPeerReadsTreasury(t, sp.ID)
	for i := 1; i < len(reads); i++ {
		assert.Equal(t, reads[0], reads[i], "peers %s and %s agree", orgProfiles[0], orgProfiles[i])
	}
	for _, org := range orgProfiles {
		c := net.client(t, org+"-admin")
		acct, err := c.TreasuryAccount(ctx, "compute_credits")
		require.NoError(t, err)
		assert.Equal(t, conf.Movement.Balance-3_000, acct.Balance, org)
		page, err := c.TreasuryMovements(ctx, "compute_credits", 1000, "")
		require.NoError(t, err)
		last := page.Movements[len(page.Movements)-1]
		assert.Equal(t, treasury.MoveSpend, last.Kind, org)
		assert.Equal(t, sp.ID, last.Spend, org)
		assert.Equal(t, bd.ID, last.Decision, "%s: the movement names the budget decision", org)
		bySrc, err := c.SpendsBySource(ctx, sp.Source)
		require.NoError(t, err)
		require.Len(t, bySrc, 1, org)
	}
}
