package test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/contribution"
	"github.com/charter-gov/charter/chaincode/decision"
	"github.com/charter-gov/charter/chaincode/decision/effects"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/membership"
	"github.com/charter-gov/charter/chaincode/reputation"
	"github.com/charter-gov/charter/chaincode/treasury"
	charter "github.com/charter-gov/charter/gateway-client"
)

// The attack table of docs/capture.md on the real network: one
// organisation (its admin, or its members with whatever roles they hold)
// tries to exercise a collective power alone. Every attempt is refused with
// FORBIDDEN or FAILED_PRECONDITION naming the rule and the decision type
// that would be needed, and nothing changes: the chain height stays, and
// every organisation's peer reads the same affected records as before.

// captureReads reads, through one organisation's client, every record an
// attack could touch: the target's member record, balance and slashes, the
// supply, and the attacker's own member record.
func captureReads(t *testing.T, c *charter.Client, ids ...identity.Identity) string {
	t.Helper()
	ctx := ctxFor(t)
	out := map[string]any{}
	supply, err := c.Supply(ctx)
	require.NoError(t, err)
	out["supply"] = supply
	for _, id := range ids {
		m, err := c.Member(ctx, id)
		require.NoError(t, err)
		b, err := c.Balance(ctx, id)
		require.NoError(t, err)
		h, err := c.ReputationHistory(ctx, id)
		require.NoError(t, err)
		out[id.String()] = []any{m, b.Balance, h.Slashes}
	}
	raw, err := json.Marshal(out)
	require.NoError(t, err)
	return string(raw)
}

// everyPeerReads returns captureReads through each organisation's client
// (each stays on its own organisation's peer).
func everyPeerReads(t *testing.T, ids ...identity.Identity) []string {
	t.Helper()
	out := make([]string, 0, len(orgProfiles))
	for _, org := range orgProfiles {
		out = append(out, captureReads(t, net.client(t, org+"-admin"), ids...))
	}
	return out
}

// submitRaw submits a transaction by name, as a client that bypasses the
// typed API (and its removed methods) would.
func submitRaw(c *charter.Client, name string, args ...string) error {
	_, err := c.Contract().Submit(name, clientArgs(args...)...)
	return err
}

func mustPayload(t *testing.T, v any) json.RawMessage {
	t.Helper()
	raw, err := json.Marshal(v)
	require.NoError(t, err)
	return raw
}

func TestCaptureAttackTable(t *testing.T) {
	run := time.Now().UnixNano()
	// One organisation, LabA, with every role a capture attempt could use
	// (the seat and the treasurer from the genesis).
	seat := foundingMember(t, "labA", "dec-seat2")
	treasurer := foundingMember(t, "labA", "cap-treasurer")
	plain := newMember(t, "labA", fmt.Sprintf("cap-plain-%d", run))
	victim := newMember(t, "labB", fmt.Sprintf("cap-victim-%d", run))
	admin := net.client(t, "labA-admin")

	tests := []struct {
		attacker string
		attack   string
		call     func(t *testing.T) error
		code     errcode.Code
		want     string
	}{
		{"organisation admin", "token:Mint a million tokens to its own member", func(t *testing.T) error {
			return submitRaw(admin, "token:Mint", string(mustPayload(t, map[string]any{"to": plain.id, "amount": 1_000_000})))
		}, errcode.Forbidden, "only from an executed token_issuance decision"},
		{"treasurer", "token:Mint to itself", func(t *testing.T) error {
			return submitRaw(treasurer.client, "token:Mint", string(mustPayload(t, map[string]any{"to": treasurer.id, "amount": 1})))
		}, errcode.Forbidden, "token_issuance decision"},
		{"House A member", "reputation:Slash another organisation's member by 100 %", func(t *testing.T) error {
			return submitRaw(seat.client, "reputation:Slash", string(mustPayload(t, reputation.SlashRequest{Member: victim.id, FractionBps: 10000, Reason: "rival lab"})))
		}, errcode.Forbidden, "only from an executed slashing decision"},
		{"organisation admin", "register a member of its own with a House A seat", func(t *testing.T) error {
			_, err := admin.RegisterMember(ctxFor(t), membership.RegisterRequest{Member: identity.Identity{MSPID: "LabAMSP", ID: fmt.Sprintf("x509::CN=cap-new-%d::CN=ca.laba.charter.local", run)}, Name: "New", Roles: []membership.Role{membership.RoleHouseA}})
			return err
		}, errcode.Forbidden, "the house_a role is granted by the genesis or a seat_confirmation decision"},
		{"organisation admin", "make its own member a treasurer", func(t *testing.T) error {
			_, err := admin.UpdateMember(ctxFor(t), membership.UpdateRequest{Member: plain.id, Roles: []membership.Role{membership.RoleTreasurer}})
			return err
		}, errcode.Forbidden, "the treasurer role is granted by the genesis or a office_grant decision"},
		{"organisation admin", "make its own member a guardian", func(t *testing.T) error {
			_, err := admin.UpdateMember(ctxFor(t), membership.UpdateRequest{Member: plain.id, Roles: []membership.Role{membership.RoleGuardian}})
			return err
		}, errcode.Forbidden, "a role_grant decision"},
		{"organisation admin", "propose any decision (it is no member)", func(t *testing.T) error {
			_, err := admin.ProposeTokenIssuance(ctxFor(t), "Bonus", "", treasury.IssuanceRequest{Amount: 1})
			return err
		}, errcode.Forbidden, "not an active member"},
		{"plain member", "propose a role_grant (routed to House A only)", func(t *testing.T) error {
			_, err := plain.client.ProposeRoleChange(ctxFor(t), constitution.RoleGrant, "Make me a guardian", "", effects.RolePayload{Member: plain.id, Role: membership.RoleGuardian})
			return err
		}, errcode.Forbidden, "does not hold a House A seat"},
		{"House A member", "a House A seat for a colleague through role_grant", func(t *testing.T) error {
			_, err := seat.client.ProposeRoleChange(ctxFor(t), constitution.RoleGrant, "Seat my colleague", "", effects.RolePayload{Member: plain.id, Role: membership.RoleHouseA})
			return err
		}, errcode.FailedPrecondition, "granted only by a seat_confirmation decision"},
		{"House A member", "treasurer for a colleague through role_grant (House A alone)", func(t *testing.T) error {
			_, err := seat.client.ProposeRoleChange(ctxFor(t), constitution.RoleGrant, "A treasurer of ours", "", effects.RolePayload{Member: plain.id, Role: membership.RoleTreasurer})
			return err
		}, errcode.FailedPrecondition, "granted only by a office_grant decision"},
		{"House A member", "withdraw another organisation's guardian through office_revoke", func(t *testing.T) error {
			_, err := seat.client.ProposeRoleChange(ctxFor(t), constitution.OfficeRevoke, "Unguard", "", effects.RolePayload{Member: victim.id, Role: membership.RoleGuardian})
			return err
		}, errcode.FailedPrecondition, "withdrawn only by a role_revoke decision"},
		{"plain member", "a token issuance above the per-decision limit", func(t *testing.T) error {
			_, err := plain.client.ProposeTokenIssuance(ctxFor(t), "Everything to the treasury", "", treasury.IssuanceRequest{Amount: 500_000_000})
			return err
		}, errcode.FailedPrecondition, "one token_issuance decision may issue"},
	}
	ids := []identity.Identity{seat.id, treasurer.id, plain.id, victim.id}
	for _, tt := range tests {
		t.Run(tt.attacker+": "+tt.attack, func(t *testing.T) {
			height := settledHeight(t)
			before := everyPeerReads(t, ids...)
			err := tt.call(t)
			require.Error(t, err)
			assert.Equal(t, tt.code, codeOf(err), "%s", wireText(err))
			assert.Contains(t, wireText(err), tt.want)
			assert.Equal(t, height, settledHeight(t), "a refusal adds no block")
			after := everyPeerReads(t, ids...)
			assert.Equal(t, before, after, "every peer reads the same records as before")
			for i := 1; i < len(after); i++ {
				assert.Equal(t, after[0], after[i], "peers %s and %s agree", orgProfiles[0], orgProfiles[i])
			}
		})
	}
}

// TestCaptureDecisionsOnlyPath plays the collective paths on the network:
// a token issuance passed by both houses, a guardian granted by House A and
// a slash decided by House A are executed and seen by every peer; a seat
// confirmation that passed for a member without the reputation House A
// requires is refused at execution, and nothing changes; executing a
// decision still being voted is refused.
func TestCaptureDecisionsOnlyPath(t *testing.T) {
	ctx := ctxFor(t)
	reader := net.client(t, "foundation-user1")
	cur, err := reader.Constitution(ctx)
	require.NoError(t, err)
	rule, err := cur.Document.Rule(constitution.TokenIssuance)
	require.NoError(t, err)
	if rule.VotingDelaySec+rule.VotingPeriodSec > 120 || rule.QuorumBps > 100 {
		t.Skipf("the constitution in force (version %d) has periods of days; this test needs the short-period test constitution TestMain adopts on a fresh network", cur.Version)
	}
	run := time.Now().UnixNano()
	seat := foundingMember(t, "foundation", "dec-seat1")
	community := newMember(t, "labB", fmt.Sprintf("cap2-comm-%d", run))
	nominee := newMember(t, "labA", fmt.Sprintf("cap2-nominee-%d", run))
	culprit := newMember(t, "labA", fmt.Sprintf("cap2-culprit-%d", run))

	// The culprit has some reputation to slash: an attester of another
	// organisation (given the role the way the network's founding members
	// are) attests a contribution.
	ensureRepMember(t, "labB-user2", []membership.Role{membership.RoleAttester}, contribution.All())
	_, err = net.client(t, "labB-user2").Attest(ctx, reputation.AttestRequest{Recipient: culprit.id, Category: contribution.MergedCode, Weight: 40, Evidence: "commit cafe"})
	require.NoError(t, err)

	issue, err := community.client.ProposeTokenIssuance(ctx, "Contributor allocation", "", treasury.IssuanceRequest{Amount: 1000, Memo: "q3"})
	require.NoError(t, err)
	guardian, err := seat.client.ProposeRoleChange(ctx, constitution.RoleGrant, "Guardian for LabA", "", effects.RolePayload{Member: nominee.id, Role: membership.RoleGuardian})
	require.NoError(t, err)
	slash, err := seat.client.ProposeDecision(ctx, decision.ProposeRequest{Type: constitution.Slashing, Title: "Slash the culprit",
		Payload: mustPayload(t, reputation.SlashRequest{Member: culprit.id, FractionBps: 5000, Reason: "sock-puppet attestations"})})
	require.NoError(t, err)
	unearned, err := community.client.ProposeDecision(ctx, decision.ProposeRequest{Type: constitution.SeatConfirmation, Title: "Seat the nominee",
		Payload: mustPayload(t, decision.SeatPayload{Member: nominee.id})})
	require.NoError(t, err)

	// Executing a decision still being voted on.
	height := settledHeight(t)
	_, err = reader.ExecuteDecision(ctx, guardian.ID)
	requireRefusedUnchanged(t, reader, height, err, errcode.FailedPrecondition, "only passed decisions are executed")

	decisions := []*decision.Decision{issue, guardian, slash, unearned}
	waitUntil(t, unearned.ProposedAt.Add(testSkew)) // the ballots open one clock skew after the proposal
	for _, d := range decisions {
		for _, b := range d.Ballots {
			voter := community
			if b.House == constitution.HouseA {
				voter = seat
			}
			_, err := voter.client.VoteOnDecision(ctx, decision.VoteRequest{Decision: d.ID, House: b.House, Choice: "for"})
			require.NoError(t, err, "%s vote in %s", d.Type, b.House)
		}
	}
	var latest time.Time
	for _, d := range decisions {
		if ends := votingEnds(t, reader, d); ends.After(latest) {
			latest = ends
		}
	}
	waitUntil(t, latest.Add(testSkew)) // closable one skew after voting ends
	var executable time.Time
	for i, d := range decisions {
		for _, b := range d.Ballots {
			_, err := reader.CloseBallot(ctx, b.Ballot)
			require.NoError(t, err, "close %s", b.Ballot)
			p, err := reader.Tally(ctx, b.Ballot, 0)
			require.NoError(t, err, "tally %s", b.Ballot)
			require.True(t, p.Done)
		}
		settledHeight(t) // the tallies are on every peer before the conclusion is endorsed
		c, err := reader.ConcludeDecision(ctx, d.ID)
		require.NoError(t, err)
		require.Equal(t, decision.StatusPassed, c.Status, "%s: %+v", d.Type, c.Outcome)
		decisions[i] = c
		if c.ExecutableAt.After(executable) {
			executable = *c.ExecutableAt
		}
	}
	waitUntil(t, executable.Add(testSkew))

	// The seat confirmation passed, but the nominee has no reputation:
	// refused at execution, nothing changes on any peer.
	ids := []identity.Identity{nominee.id, community.id, culprit.id}
	height = settledHeight(t)
	before := everyPeerReads(t, ids...)
	_, err = reader.ExecuteDecision(ctx, unearned.ID)
	requireRefusedUnchanged(t, reader, height, err, errcode.FailedPrecondition, "not eligible for a House A seat")
	assert.Equal(t, before, everyPeerReads(t, ids...), "every peer reads the same records")

	reserve, err := reader.TreasuryAccount(ctx, constitution.TreasuryTokenAccount)
	require.NoError(t, err)
	for _, d := range []*decision.Decision{issue, guardian, slash} {
		ex, err := reader.ExecuteDecision(ctx, d.ID)
		require.NoError(t, err, "execute %s", d.Type)
		assert.Equal(t, decision.StatusExecuted, ex.Status)
	}
	settledHeight(t)
	for _, org := range orgProfiles {
		c := net.client(t, org+"-admin")
		acct, err := c.TreasuryAccount(ctx, constitution.TreasuryTokenAccount)
		require.NoError(t, err)
		assert.Equal(t, reserve.Balance+1000, acct.Balance, "%s: issued to the treasury by the decision", org)
		m, err := c.Member(ctx, nominee.id)
		require.NoError(t, err)
		assert.True(t, m.Has(membership.RoleGuardian), "%s: the guardian role came from the decision", org)
		assert.False(t, m.Has(membership.RoleHouseA), "%s: no seat without eligibility", org)
		h, err := c.ReputationHistory(ctx, culprit.id)
		require.NoError(t, err)
		require.Len(t, h.Slashes, 1, org)
		assert.Equal(t, slash.ID, h.Slashes[0].Decision, "%s: the slash names its decision", org)
		assert.Equal(t, reputation.AuthorityDecision, h.Slashes[0].Authority)
		assert.InDelta(t, h.Slashes[0].ScoreBefore/2, h.Slashes[0].ScoreAfter, 1, "%s: half the score", org)
	}
}
