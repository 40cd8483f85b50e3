package test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/coi"
	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/decision"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/membership"
	charter "github.com/charter-gov/charter/gateway-client"
)

// Timings of the integration-test constitution.
const (
	testVotingSec    = 25
	testTimelockSec  = 3
	testMediationSec = 5
	testAppealSec    = 6
	// testSkewSec is the constitution's clock skew: the endorsement guard
	// refuses proposals further than this from the peer's clock, ballots
	// open this long after creation, and deadlines wait this long. The test
	// processes share the peers' clock, so the skew only has to cover the
	// time from building a proposal to its endorsement: 3 s did not on a
	// 2-core machine at load average 30 (64 concurrent registrations took
	// 3.8 s to reach the chaincode), 10 s leaves a wide margin.
	testSkewSec = 10
	// testTreasuryDelaySec is the treasury's execution delay.
	testTreasuryDelaySec = 5
)

// testSkew is testSkewSec as a duration.
const testSkew = testSkewSec * time.Second

// testConstitution is the constitution TestMain adopts: the default
// document with periods of seconds instead of days, so that decisions can
// be proposed, voted, timelocked and executed within a test, and
// amendments, slashing, seat confirmations, role decisions, token
// issuance, budgets, treasury spends, chaincode upgrades and partner
// admissions voted one seat
// one vote in every house they go to with a quorum of 1 bp (0.01 %: one
// vote meets it in an electorate of up to 10,000, so that the members the
// other tests registered — the restart test's heavy use among them — do
// not decide whether a scenario reaches quorum, and no reputation is
// needed). Thresholds, houses, routing and everything else are the
// defaults. The clock skew is testSkewSec (docs/time.md).
func testConstitution() constitution.Document {
	d := constitution.Default()
	d.Name = "Charter integration-test constitution (periods of seconds)"
	for i := range d.DecisionRules {
		r := &d.DecisionRules[i]
		r.VotingDelaySec, r.VotingPeriodSec, r.TimelockSec = 0, testVotingSec, testTimelockSec
		switch r.Type {
		case constitution.Amendment, constitution.Slashing, constitution.SeatConfirmation,
			constitution.RoleGrant, constitution.RoleRevoke, constitution.OfficeGrant, constitution.OfficeRevoke, constitution.TokenIssuance,
			constitution.Budget, constitution.TreasurySpend, constitution.ProjectAcceptance,
			constitution.ReleaseStage, constitution.DatasetTakedown, constitution.EmergencyRatification,
			constitution.ChaincodeUpgrade, constitution.PartnerAdmission, constitution.PartnerRemoval:
			for j := range r.Families {
				r.Families[j] = constitution.FamilySeat
			}
			r.QuorumBps = 1
		}
	}
	d.Concurrence.MediationSec = testMediationSec
	d.Appeals = constitution.Appeals{WindowSec: testAppealSec, MinAppellants: 2}
	// The scenarios register fresh members per test and vote with one or
	// two organisations per house: the organisation cap and vouching are
	// off here (the chaincode and contract tests cover them).
	d.Safeguards = constitution.Safeguards{OrgCapBps: 10000, VouchesRequired: 0}
	d.Time.MaxClockSkewSec = testSkewSec
	// Funding rounds with windows of a minute or more (rounds_test.go).
	d.Funding = constitution.DefaultFunding()
	d.Funding.MinWindowSec = 60
	// Rounds of up to 1,000 projects (BenchmarkLargeRound).
	d.Funding.MaxProjectsPerRound = 1000
	// Treasury spends wait seconds, not days (treasury_test.go).
	d.Treasury.ExecutionDelaySec = testTreasuryDelaySec
	// Guardian pauses of seconds (registry_test.go): an unratified pause
	// lasts min(maxPause, ratifyWithin) = 40 s and holds one skew longer.
	d.Emergency.MaxPauseSec, d.Emergency.RatifyWithinSec, d.Emergency.DisclosureWithinSec = 120, 40, 60
	return d
}

// member is a client identity: a fresh one registered by its
// organisation's admin, or a founding member of the test genesis.
type member struct {
	id     identity.Identity
	client *charter.Client
}

// foundingMember connects as one of the identities the harness issued and
// named in the genesis (issuedFounders in main_test.go).
func foundingMember(t testing.TB, org, cn string) member {
	t.Helper()
	cfg, err := net.profiles.Config(org + "-user1")
	require.NoError(t, err)
	cfg.CertPath = filepath.Join(net.foundersDir(), cn+"-cert.pem")
	cfg.KeyPath = filepath.Join(net.foundersDir(), cn+"-key.pem")
	pemBytes, err := os.ReadFile(cfg.CertPath)
	require.NoError(t, err)
	id, err := identity.FromPEM(cfg.MSPID, pemBytes)
	require.NoError(t, err)
	c, err := charter.Connect(ctxFor(t), cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	m, err := c.Whoami(ctxFor(t))
	require.NoError(t, err)
	require.NotNil(t, m.Member, "%s is a founding member", cn)
	return member{id: id, client: c}
}

// newMember issues a certificate for cn in org, registers it as a plain
// member and connects as it.
func newMember(t testing.TB, org, cn string) member {
	t.Helper()
	certPath, keyPath := issueClientCert(t, org, cn, t.TempDir())
	cfg, err := net.profiles.Config(org + "-user1")
	require.NoError(t, err)
	cfg.CertPath, cfg.KeyPath = certPath, keyPath
	pemBytes, err := os.ReadFile(certPath)
	require.NoError(t, err)
	id, err := identity.FromPEM(cfg.MSPID, pemBytes)
	require.NoError(t, err)
	_, err = net.client(t, org+"-admin").RegisterMember(ctxFor(t), membership.RegisterRequest{Member: id, Name: cn})
	require.NoError(t, err, "register %s", cn)
	c, err := charter.Connect(ctxFor(t), cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return member{id: id, client: c}
}

// requireRefusedUnchanged checks that err carries code and that the chain
// did not grow.
func requireRefusedUnchanged(t *testing.T, c *charter.Client, height uint64, err error, code errcode.Code, want string) {
	t.Helper()
	require.Error(t, err)
	assert.Equal(t, code, codeOf(err), "%s", wireText(err))
	assert.Contains(t, wireText(err), want)
	assert.Equal(t, height, chainHeight(t, c), "a refusal writes nothing")
}

// votingEnds is when the last of a decision's ballots ends voting, as the
// ballots record it (they open one clock skew after the proposal at the
// earliest).
func votingEnds(t testing.TB, c *charter.Client, d *decision.Decision) time.Time {
	t.Helper()
	var end time.Time
	for _, b := range d.Ballots {
		v, err := c.Ballot(ctxFor(t), b.Ballot)
		require.NoError(t, err, "ballot %s", b.Ballot)
		if v.EndsAt.After(end) {
			end = v.EndsAt
		}
	}
	return end
}

func waitUntil(t testing.TB, at time.Time) {
	t.Helper()
	if d := time.Until(at.Add(1500 * time.Millisecond)); d > 0 {
		time.Sleep(d)
	}
}

// TestDecisionAmendmentEndToEnd: an amendment is proposed, passed by both
// houses, timelocked and executed; a conflicted House A member and a House
// B member voting in House A are refused; an invalid amendment, an appeal
// after its window and a second execution are refused with nothing
// written; a decision opened before the amendment keeps the old rules.
func TestDecisionAmendmentEndToEnd(t *testing.T) {
	ctx := ctxFor(t)
	reader := net.client(t, "foundation-user1")
	cur, err := reader.Constitution(ctx)
	require.NoError(t, err)
	amendRule, err := cur.Document.Rule(constitution.Amendment)
	require.NoError(t, err)
	if amendRule.VotingDelaySec+amendRule.VotingPeriodSec > 120 || cur.Document.Appeals.WindowSec > 60 {
		t.Skipf("the constitution in force (version %d) has amendment periods of days; this test needs the short-period test constitution TestMain adopts on a fresh network", cur.Version)
	}
	run := time.Now().UnixNano()
	seatConflicted := foundingMember(t, "foundation", "dec-seat1")
	seat := foundingMember(t, "labA", "dec-seat2")
	community := newMember(t, "labB", fmt.Sprintf("dec-comm1-%d", run))

	// A budget decision opened under the rules in force now.
	budget, err := community.client.ProposeDecision(ctx, decision.ProposeRequest{Type: constitution.Budget, Title: "Evaluation compute, Q3"})
	require.NoError(t, err)
	require.Equal(t, cur.Version, budget.ConstitutionVersion)

	// An amendment that would leave the constitution invalid: refused, nothing written.
	height := settledHeight(t)
	bad := cur.Document
	bad.DecisionRules = append([]constitution.DecisionRule(nil), cur.Document.DecisionRules...)
	bad.DecisionRules[0].ThresholdBps = 10001
	_, err = community.client.ProposeAmendment(ctx, "Impossible threshold", "", bad)
	requireRefusedUnchanged(t, reader, height, err, errcode.InvalidArgument, "threshold 10001 bps")

	// The amendment: budgets need a 15 % quorum and a longer timelock.
	amended := cur.Document
	amended.DecisionRules = append([]constitution.DecisionRule(nil), cur.Document.DecisionRules...)
	for i := range amended.DecisionRules {
		if amended.DecisionRules[i].Type == constitution.Budget {
			amended.DecisionRules[i].QuorumBps = 1500
			amended.DecisionRules[i].TimelockSec = testTimelockSec + 4
		}
	}
	d, err := community.client.ProposeAmendment(ctx, "Stricter budgets", "Budgets need 15 % quorum.", amended)
	require.NoError(t, err)
	require.Len(t, d.Ballots, 2)
	assert.Equal(t, cur.Hash, d.ConstitutionHash)

	// Voting opens one clock skew after the proposal (no voting delay).
	// The reader asks the Foundation's peer, which may not yet have
	// committed the block the proposer's peer reported.
	settledHeight(t)
	ballotA, err := reader.Ballot(ctx, d.Ballots[0].Ballot)
	require.NoError(t, err)
	assert.Equal(t, d.ProposedAt.Add(testSkew), ballotA.OpensAt)

	// Recusal: a House A member who disclosed a conflict on the amendment is refused.
	_, err = seatConflicted.client.DiscloseConflict(ctx, coi.DiscloseRequest{Subject: coi.Subject{Kind: coi.KindProposal, ID: d.ID}, Statement: "I drafted this amendment for my employer"})
	require.NoError(t, err)
	waitUntil(t, ballotA.OpensAt)
	height = settledHeight(t)
	_, err = seatConflicted.client.VoteOnDecision(ctx, decision.VoteRequest{Decision: d.ID, House: constitution.HouseA, Choice: "for"})
	requireRefusedUnchanged(t, reader, height, err, errcode.Forbidden, "recused")
	// A House B member voting in House A.
	_, err = community.client.VoteOnDecision(ctx, decision.VoteRequest{Decision: d.ID, House: constitution.HouseA, Choice: "for"})
	requireRefusedUnchanged(t, reader, height, err, errcode.Forbidden, "House A seat")

	_, err = seat.client.VoteOnDecision(ctx, decision.VoteRequest{Decision: d.ID, House: constitution.HouseA, Choice: "for"})
	require.NoError(t, err)
	_, err = community.client.VoteOnDecision(ctx, decision.VoteRequest{Decision: d.ID, House: constitution.HouseB, Choice: "for"})
	require.NoError(t, err)

	// Voting ends; once the end is one skew past, anyone closes and
	// tallies; the concurrence rule concludes.
	waitUntil(t, ballotA.CloseableFrom(testSkew))
	for _, b := range d.Ballots {
		_, err := reader.CloseBallot(ctx, b.Ballot)
		require.NoError(t, err, "close %s", b.Ballot)
		p, err := reader.Tally(ctx, b.Ballot, 0)
		require.NoError(t, err, "tally %s", b.Ballot)
		require.True(t, p.Done)
	}
	settledHeight(t) // the tallies are on every peer before the conclusion is endorsed
	concluded, err := reader.ConcludeDecision(ctx, d.ID)
	require.NoError(t, err)
	require.Equal(t, decision.StatusPassed, concluded.Status, "%+v", concluded.Outcome)
	assert.Equal(t, decision.BranchBothPassed, concluded.Outcome.Branch)

	// Timelocked: too early.
	height = settledHeight(t)
	_, err = reader.ExecuteDecision(ctx, d.ID)
	requireRefusedUnchanged(t, reader, height, err, errcode.FailedPrecondition, "can be executed from")

	// An appeal after its window; execution once the timelock and the
	// window are over by the skew.
	waitUntil(t, concluded.ExecutableAt.Add(testSkew))
	height = settledHeight(t)
	_, err = community.client.AppealDecision(ctx, decision.AppealRequest{Decision: d.ID, Grounds: "too late"})
	requireRefusedUnchanged(t, reader, height, err, errcode.FailedPrecondition, "appeal window")

	// Executed: version N+1 is in force, naming the decision.
	executed, err := reader.ExecuteDecision(ctx, d.ID)
	require.NoError(t, err)
	assert.Equal(t, decision.StatusExecuted, executed.Status)
	now, err := reader.Constitution(ctx)
	require.NoError(t, err)
	assert.Equal(t, cur.Version+1, now.Version)
	assert.Equal(t, d.ID, now.Decision)
	hist, err := reader.ConstitutionHistory(ctx)
	require.NoError(t, err)
	require.Len(t, hist, int(now.Version))
	assert.Equal(t, cur.Hash, hist[cur.Version-1].Hash, "every version is kept with its hash")
	changes, err := reader.ConstitutionDiff(ctx, cur.Version, now.Version)
	require.NoError(t, err)
	assert.Contains(t, changes, constitution.Change{Path: "decisionRules[budget].quorumBps", Old: "1 (0.01 %)", New: "1500 (15.00 %)"})

	// A second execution: CONFLICT, nothing written.
	height = settledHeight(t)
	_, err = reader.ExecuteDecision(ctx, d.ID)
	requireRefusedUnchanged(t, reader, height, err, errcode.Conflict, "already executed")

	// The budget decision opened before the amendment keeps its rules; a new one gets the new ones.
	old, err := reader.Decision(ctx, budget.ID)
	require.NoError(t, err)
	assert.Equal(t, cur.Version, old.ConstitutionVersion)
	testDoc := testConstitution()
	testBudget, err := testDoc.Rule(constitution.Budget)
	require.NoError(t, err)
	assert.Equal(t, testBudget.QuorumBps, old.Rule.QuorumBps)
	oldBallot, err := reader.Ballot(ctx, budget.Ballots[0].Ballot)
	require.NoError(t, err)
	assert.Equal(t, testBudget.QuorumBps, oldBallot.Rule.QuorumBps, "an open ballot keeps the parameters it was opened with")
	assert.Equal(t, cur.Hash, oldBallot.ConstitutionHash)
	fresh, err := community.client.ProposeDecision(ctx, decision.ProposeRequest{Type: constitution.Budget, Title: "Evaluation compute, Q4"})
	require.NoError(t, err)
	assert.Equal(t, now.Version, fresh.ConstitutionVersion)
	assert.Equal(t, int64(1500), fresh.Rule.QuorumBps)

	requireSameStateEverywhere(t)
	for _, org := range orgProfiles {
		got, err := net.client(t, org+"-user1").Decision(ctx, d.ID)
		require.NoError(t, err)
		raw1, _ := json.Marshal(got)
		raw2, _ := json.Marshal(executed)
		assert.JSONEq(t, string(raw2), string(raw1), "%s's peer returns the same decision", org)
	}
}

// TestCoiDisclosures: a disclosure is public on every organisation's peer,
// a statement can stay off the ledger, and a second disclosure is refused.
func TestCoiDisclosures(t *testing.T) {
	ctx := ctxFor(t)
	run := time.Now().UnixNano()
	m := newMember(t, "labA", fmt.Sprintf("coi-%d", run))
	subject := coi.Subject{Kind: coi.KindArtifact, ID: fmt.Sprintf("model-x-%d@sha256:ab12", run)}
	d, err := m.client.DiscloseConflict(ctx, coi.DiscloseRequest{Subject: subject, StatementHash: coi.HashStatement("kept off the ledger")})
	require.NoError(t, err)
	assert.Empty(t, d.Statement)
	for _, org := range orgProfiles {
		// Committed on the discloser's peer; the others follow within moments.
		var ds []coi.Disclosure
		require.Eventually(t, func() bool {
			ds, err = net.client(t, org+"-user1").Conflicts(ctx, coi.ListRequest{Subject: &subject})
			return err == nil && len(ds) == 1
		}, 20*time.Second, 50*time.Millisecond, "%s's peer lists the disclosure: %v %v", org, ds, err)
		assert.Equal(t, m.id, ds[0].Member)
	}
	mine, err := m.client.Conflicts(ctx, coi.ListRequest{Member: &m.id})
	require.NoError(t, err)
	assert.Len(t, mine, 1)
	height := settledHeight(t)
	_, err = m.client.DiscloseConflict(ctx, coi.DiscloseRequest{Subject: subject, Statement: "again"})
	requireRefusedUnchanged(t, m.client, height, err, errcode.Conflict, "already disclosed")
}
