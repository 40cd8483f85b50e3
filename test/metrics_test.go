package test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/ballot"
	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/contribution"
	"github.com/charter-gov/charter/chaincode/decision"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/incident"
	"github.com/charter-gov/charter/chaincode/membership"
	"github.com/charter-gov/charter/chaincode/reputation"
	charter "github.com/charter-gov/charter/gateway-client"
	"github.com/charter-gov/charter/internal/metrics"
)

// TestMetricsFromTheLedger plays a small scenario — a slashing decision
// voted by two House A seats, executed (which records a slashing incident),
// a legitimacy poll on slashing answered 5 and 7, an incident filed by an
// organisation's admin and one refused to a plain member — then computes
// the metrics from the ledger through the client and checks them against
// what the scenario did.
func TestMetricsFromTheLedger(t *testing.T) {
	ctx := ctxFor(t)
	reader := net.client(t, "foundation-user1")
	cur, err := reader.Constitution(ctx)
	require.NoError(t, err)
	rule, err := cur.Document.Rule(constitution.Slashing)
	require.NoError(t, err)
	if rule.VotingPeriodSec > 120 {
		t.Skipf("the constitution in force has slashing periods of days; this test needs the short-period test constitution")
	}
	start := time.Now().UTC()
	run := time.Now().UnixNano()
	seat1 := foundingMember(t, "foundation", "dec-seat1")
	seat2 := foundingMember(t, "labA", "dec-seat2")
	culprit := newMember(t, "labB", fmt.Sprintf("met-culprit-%d", run))
	voter := newMember(t, "labA", fmt.Sprintf("met-voter-%d", run))
	ensureRepMember(t, "labA-user1", []membership.Role{membership.RoleAttester}, contribution.All())
	_, err = net.client(t, "labA-user1").Attest(ctx, reputation.AttestRequest{Recipient: culprit.id, Category: contribution.MergedCode, Weight: 40, Evidence: "commit beef"})
	require.NoError(t, err)

	// A plain member files no incident; the refusal writes nothing.
	height := settledHeight(t)
	_, err = voter.client.FileIncident(ctx, incident.FileRequest{Kind: incident.KeyCompromise, Severity: incident.High, Summary: "x", OccurredAt: start})
	requireRefusedUnchanged(t, reader, height, err, errcode.Forbidden, "incidents.filerRoles")

	// LabA's admin files the refusal its peer logged (a forged timestamp
	// never reaches the ledger otherwise).
	filed, err := net.client(t, "labA-admin").FileIncident(ctx, incident.FileRequest{Kind: incident.RefusedForgedTimestamp, Severity: incident.Medium,
		Summary: "peer0.labA refused a proposal stamped two hours ahead", Transactions: []string{fmt.Sprintf("refused-%d", run)}, OccurredAt: start})
	require.NoError(t, err)
	assert.Equal(t, "org_admin", filed.FiledAs)

	slash, err := seat1.client.ProposeDecision(ctx, decision.ProposeRequest{Type: constitution.Slashing, Title: "Slash the culprit",
		Payload: mustPayload(t, reputation.SlashRequest{Member: culprit.id, FractionBps: 2500, Reason: "attestation farming"})})
	require.NoError(t, err)
	poll, err := voter.client.CreateBallot(ctx, ballot.CreateRequest{Kind: ballot.KindPoll, DecisionType: constitution.Slashing,
		Title: "How legitimate is slashing by House A?", VotingPeriodSec: testVotingSec})
	require.NoError(t, err)

	waitUntil(t, slash.ProposedAt.Add(testSkew))
	for _, s := range []member{seat1, seat2} {
		_, err := s.client.VoteOnDecision(ctx, decision.VoteRequest{Decision: slash.ID, House: constitution.HouseA, Choice: "for"})
		require.NoError(t, err)
	}
	waitUntil(t, poll.OpensAt)
	_, err = voter.client.Vote(ctx, ballot.CastRequest{Ballot: poll.ID, Choice: "5"})
	require.NoError(t, err)
	_, err = seat2.client.Vote(ctx, ballot.CastRequest{Ballot: poll.ID, Choice: "7"})
	require.NoError(t, err)

	end := votingEnds(t, reader, slash)
	if poll.EndsAt.After(end) {
		end = poll.EndsAt
	}
	waitUntil(t, end.Add(testSkew))
	for _, id := range []string{slash.Ballots[0].Ballot, poll.ID} {
		_, err := reader.CloseBallot(ctx, id)
		require.NoError(t, err, "close %s", id)
		p, err := reader.Tally(ctx, id, 0)
		require.NoError(t, err)
		require.True(t, p.Done)
	}
	settledHeight(t) // the tallies are on every peer before the conclusion is endorsed
	concluded, err := reader.ConcludeDecision(ctx, slash.ID)
	require.NoError(t, err)
	require.Equal(t, decision.StatusPassed, concluded.Status)
	waitUntil(t, concluded.ExecutableAt.Add(testSkew))
	executed, err := reader.ExecuteDecision(ctx, slash.ID)
	require.NoError(t, err)
	require.Equal(t, decision.StatusExecuted, executed.Status)
	settledHeight(t)

	// The execution recorded the slashing incident, on every peer.
	for _, org := range orgProfiles {
		ins, err := net.client(t, org+"-user1").Incidents(ctx, charterIncidentQuery(incident.Slashing, start))
		require.NoError(t, err, org)
		found := false
		for _, in := range ins {
			if in.Decision == slash.ID {
				found = true
				assert.Equal(t, incident.SourceAutomatic, in.Source)
				assert.Contains(t, in.Transactions, executed.ExecutedTxID)
			}
		}
		assert.True(t, found, "%s's peer holds the slashing incident", org)
	}

	// The metrics, read from the ledger, over the scenario's range.
	ds, err := metrics.Collect(ctx, reader, time.Now().UTC())
	require.NoError(t, err)
	r, err := metrics.Compute(ds, metrics.Options{From: start.Add(-time.Second), To: time.Now().UTC().Add(time.Second)})
	require.NoError(t, err)
	var row *metrics.Row
	for i := range r.DecisionTypes {
		if r.DecisionTypes[i].Key == string(constitution.Slashing) {
			row = &r.DecisionTypes[i]
		}
	}
	require.NotNil(t, row, "a slashing row")
	assert.Equal(t, 1, row.Ballots)
	assert.Equal(t, 2, row.Voters, "two seats voted")
	seats := 0
	ms, err := reader.Members(ctx, charterMembers())
	require.NoError(t, err)
	opened, err := reader.Ballot(ctx, slash.Ballots[0].Ballot)
	require.NoError(t, err)
	for _, m := range ms {
		if m.HeldSince(membership.RoleHouseA, opened.OpensAt) {
			seats++
		}
	}
	assert.Equal(t, seats, row.Eligible, "the eligible are the House A seats held when voting opened")
	require.NotNil(t, row.ParticipationPct)
	assert.InDelta(t, 200.0/float64(seats), *row.ParticipationPct, 1e-9)
	require.NotNil(t, row.Gini)
	assert.InDelta(t, 0, *row.Gini, 1e-12, "one seat, one vote: equal weights")
	require.NotNil(t, row.Nakamoto)
	assert.InDelta(t, 2, *row.Nakamoto, 1e-12, "one of two equal weights is not a majority")
	assert.Equal(t, 1, row.Final)
	require.NotNil(t, row.LatencyMedianDays)
	assert.InDelta(t, executed.ExecutedAt.Sub(executed.ProposedAt).Hours()/24, *row.LatencyMedianDays, 1e-9, "proposal to execution")
	require.NotNil(t, row.Legitimacy)
	assert.InDelta(t, 6, *row.Legitimacy, 1e-12, "the poll on slashing: (5+7)/2")
	assert.Equal(t, int64(2), row.LegitimacyResponses)
	assert.Equal(t, 1, row.Incidents, "the slashing incident names the decision")
	assert.GreaterOrEqual(t, r.All.Incidents, 2, "the filed refusal and the slashing")
	require.NotNil(t, r.All.IncidentsPerYear)
	assert.InDelta(t, float64(r.All.Incidents)/r.Years, *r.All.IncidentsPerYear, 1e-6)

	// A range outside the chain is refused with a clear error.
	_, err = metrics.Compute(ds, metrics.Options{From: ds.Start.Add(-48 * time.Hour), To: ds.Start.Add(-24 * time.Hour)})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "outside the chain")
}

func charterIncidentQuery(kind incident.Kind, from time.Time) charter.IncidentQuery {
	return charter.IncidentQuery{Kind: kind, From: from.Add(-time.Minute)}
}

func charterMembers() charter.MemberQuery { return charter.MemberQuery{} }
