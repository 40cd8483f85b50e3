package test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/contribution"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/membership"
	"github.com/charter-gov/charter/chaincode/reputation"
	charter "github.com/charter-gov/charter/gateway-client"
)

// The reputation tests' cast: attesters in two organisations, recipients
// in all three.
var (
	repAttesters  = []string{"labA-user1", "labA-user2", "labB-user1", "labB-user2"}
	repRecipients = []string{"foundation-user1", "foundation-user2", "foundation-user3", "labA-user3", "labB-user3",
		"foundation-admin", "labA-admin", "labB-admin"}
)

func orgOfProfile(profile string) string {
	for _, org := range orgProfiles {
		if len(profile) > len(org) && profile[:len(org)+1] == org+"-" {
			return org
		}
	}
	panic("no organisation for profile " + profile)
}

// ensureRepMember makes profile an active member, registering it as a
// plain member through its organisation admin when needed, and requires
// that it holds roles and attester categories — which come from the genesis
// (profileFounders in main_test.go), never from an admin.
func ensureRepMember(t *testing.T, profile string, roles []membership.Role, cats []contribution.Category) identity.Identity {
	t.Helper()
	org := orgOfProfile(profile)
	id := profileIdentity(t, profile)
	admin := net.client(t, org+"-admin")
	_, err := admin.RegisterMember(ctxFor(t), membership.RegisterRequest{Member: id, Name: profile})
	if codeOf(err) != errcode.Conflict {
		require.NoError(t, err, "register %s", profile)
	}
	m, err := admin.Member(ctxFor(t), id)
	require.NoError(t, err)
	for _, r := range roles {
		require.True(t, m.Has(r), "%s holds the %s role from the genesis (profileFounders)", profile, r)
	}
	for _, c := range cats {
		require.True(t, m.CanAttest(c), "%s attests in %s from the genesis (profileFounders)", profile, c)
	}
	return id
}

// strictClient connects as profile with MVCC retries disabled, so that a
// conflict surfaces as an error instead of being retried away.
func strictClient(t *testing.T, profile string) *charter.Client {
	t.Helper()
	cfg, err := net.profiles.Config(profile)
	require.NoError(t, err)
	cfg.MVCCRetries = -1
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	c, err := charter.Connect(ctx, cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// requireScoresAgreeEverywhere reads each member's score report at `at`
// from every organisation's own peer and requires one answer per member.
func requireScoresAgreeEverywhere(t *testing.T, members []identity.Identity, at time.Time) map[identity.Identity]*reputation.ScoreReport {
	t.Helper()
	var reports map[identity.Identity]*reputation.ScoreReport
	require.Eventually(t, func() bool {
		reports = map[identity.Identity]*reputation.ScoreReport{}
		for _, m := range members {
			var first string
			for _, org := range orgProfiles {
				r, err := net.client(t, org+"-user1").Score(ctxFor(t), m, charter.ScoreQuery{At: at})
				require.NoError(t, err)
				raw, err := json.Marshal(r)
				require.NoError(t, err)
				if first == "" {
					first, reports[m] = string(raw), r
				} else if string(raw) != first {
					t.Logf("%s: %s's peer answers %s, another %s", m, org, raw, first)
					return false
				}
			}
		}
		return true
	}, 30*time.Second, 250*time.Millisecond, "every organisation's peer returns the same scores")
	return reports
}

// TestReputationConcurrentAttestations: attesters of two organisations
// attest at once, each submission its own attestation, with MVCC retries
// disabled: every submission must commit at its first attempt (zero MVCC
// or phantom conflicts), and every organisation's peer must then return
// the same scores.
func TestReputationConcurrentAttestations(t *testing.T) {
	all := contribution.All()
	attesterIDs := map[string]identity.Identity{}
	for _, p := range repAttesters {
		attesterIDs[p] = ensureRepMember(t, p, []membership.Role{membership.RoleAttester}, all)
	}
	for _, p := range repRecipients {
		ensureRepMember(t, p, nil, nil)
	}

	// Every attester attests every other attester and every recipient:
	// 4 × (3 + 8) = 44 submissions on 44 distinct attester–recipient pairs,
	// several attesters to each recipient at once.
	type job struct {
		attester, recipient string
		category            contribution.Category
		weight              int64
	}
	var jobs []job
	for i, a := range repAttesters {
		for j, r := range append(slices.Clone(repAttesters), repRecipients...) {
			if r == a {
				continue
			}
			jobs = append(jobs, job{a, r, all[(i+j)%len(all)], int64(1 + (i*7+j)%9)})
		}
	}
	require.GreaterOrEqual(t, len(jobs), 32)

	clients := map[string]*charter.Client{}
	for _, a := range repAttesters {
		clients[a] = strictClient(t, a)
	}
	recipientIDs := map[string]identity.Identity{}
	for _, j := range jobs {
		recipientIDs[j.recipient] = profileIdentity(t, j.recipient)
	}

	start := make(chan struct{})
	results := make([]*reputation.Attestation, len(jobs))
	errs := make([]error, len(jobs))
	var wg sync.WaitGroup
	for i, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			results[i], errs[i] = clients[j.attester].Attest(ctxFor(t), reputation.AttestRequest{
				Recipient: recipientIDs[j.recipient], Category: j.category, Weight: j.weight,
				Evidence: fmt.Sprintf("https://git.example/charter/pull/%d", 1000+i),
			})
		}()
	}
	began := time.Now()
	close(start)
	wg.Wait()
	t.Logf("%d concurrent attestations committed in %s", len(jobs), time.Since(began).Round(time.Millisecond))

	conflicts := map[string]int{}
	for i, err := range errs {
		if err == nil {
			continue
		}
		var ce *charter.ValidationError
		if errors.As(err, &ce) {
			conflicts[ce.Code.String()]++
		} else {
			conflicts[string(charter.CodeOf(err))]++
		}
		t.Errorf("submission %d (%s → %s): %v", i, jobs[i].attester, jobs[i].recipient, err)
	}
	require.Empty(t, conflicts, "every submission commits at its first attempt: zero MVCC conflicts")

	// Scores at one instant after the last attestation, from every peer.
	var last time.Time
	perRecipient := map[identity.Identity][]*reputation.Attestation{}
	for i, a := range results {
		require.NotNil(t, a)
		assert.Equal(t, attesterIDs[jobs[i].attester], a.Attester)
		if a.IssuedAt.After(last) {
			last = a.IssuedAt
		}
		perRecipient[a.Recipient] = append(perRecipient[a.Recipient], a)
	}
	at := last.Add(time.Second)
	members := make([]identity.Identity, 0, len(perRecipient))
	for _, p := range append(slices.Clone(repAttesters), repRecipients...) {
		members = append(members, profileIdentity(t, p))
	}
	reports := requireScoresAgreeEverywhere(t, members, at)

	// On a fresh network, each score is exactly the decayed sum of the
	// attestations just made (on a reused one, at least that).
	half := constitution.Default().Reputation.HalfLifeSec
	for m, as := range perRecipient {
		var want int64
		for _, a := range as {
			want += reputation.Decay(a.Weight*reputation.MilliPerPoint, at.Unix()-a.IssuedAt.Unix(), half)
		}
		h, err := net.client(t, "foundation-user1").ReputationHistory(ctxFor(t), m)
		require.NoError(t, err)
		for _, a := range as {
			assert.True(t, slices.ContainsFunc(h.Attestations, func(x reputation.Attestation) bool { return x.ID == a.ID }), "history of %s holds %s", m, a.ID)
		}
		if len(h.Attestations) == len(as) && len(h.Endorsements) == 0 && len(h.Slashes) == 0 {
			assert.Equal(t, want, reports[m].Score, "score of %s", m)
		} else {
			assert.GreaterOrEqual(t, reports[m].Score, want, "score of %s", m)
		}
	}
}

// TestReputationLifecycle plays endorsement, revocation and eligibility on
// the network, then checks that bad input is refused with the rule's code and
// adds no block.
func TestReputationLifecycle(t *testing.T) {
	all := contribution.All()
	attester := ensureRepMember(t, "labB-user2", []membership.Role{membership.RoleAttester}, all)
	ensureRepMember(t, "foundation-user3", nil, nil) // a member without the attester role
	recipient := ensureRepMember(t, "labA-user3", nil, nil)
	ensureRepMember(t, "labA-user2", nil, nil) // an endorser

	att := net.client(t, "labB-user2")
	ctx := ctxFor(t)
	a, err := att.Attest(ctx, reputation.AttestRequest{Recipient: recipient, Category: contribution.SafetyReview, Weight: 30, Evidence: "https://git.example/charter/pull/7"})
	require.NoError(t, err)
	ref := reputation.AttestationRef{Recipient: recipient, AttestationID: a.ID}

	e, err := net.client(t, "labA-user2").Endorse(ctx, reputation.EndorseRequest{AttestationRef: ref, Comment: "reviewed"})
	require.NoError(t, err)
	assert.Equal(t, a.ID, e.AttestationID)

	b, err := att.Attest(ctx, reputation.AttestRequest{Recipient: recipient, Category: contribution.MergedCode, Weight: 5, Evidence: "commit 1a2b3c"})
	require.NoError(t, err)
	rv, err := att.RevokeAttestation(ctx, reputation.RevokeRequest{AttestationRef: reputation.AttestationRef{Recipient: recipient, AttestationID: b.ID}, Reason: "wrong author"})
	require.NoError(t, err)
	require.NotNil(t, rv.Revoked)

	// Slashing is no transaction any more: it is played as a slashing
	// decision in capture_test.go (TestCaptureDecisionsOnlyPath).
	h, err := net.client(t, "labB-user1").ReputationHistory(ctx, recipient)
	require.NoError(t, err)
	assert.True(t, slices.ContainsFunc(h.Endorsements, func(x reputation.Endorsement) bool { return x.AttestationID == a.ID }))

	el, err := net.client(t, "labB-user1").Eligibility(ctx, recipient, time.Time{})
	require.NoError(t, err)
	assert.False(t, el.Eligible, "far below the default thresholds")
	assert.NotEmpty(t, el.Reasons)
	everyone, err := net.client(t, "labB-user1").EligibleMembers(ctx, time.Time{})
	require.NoError(t, err)
	assert.True(t, slices.ContainsFunc(everyone, func(r reputation.EligibilityReport) bool { return r.Member == recipient }))
	// The same list read in pages of one through the peer's paginated
	// query: every member once, in the same order.
	var paged []reputation.EligibilityReport
	bookmark, pages := "", 0
	for {
		p, err := net.client(t, "labB-user1").EligibleMembersPage(ctx, "", time.Time{}, 1, bookmark)
		require.NoError(t, err)
		require.LessOrEqual(t, len(p.Reports), 1, "a page of one")
		paged, pages = append(paged, p.Reports...), pages+1
		if p.Bookmark == "" {
			break
		}
		require.Less(t, pages, 10_000, "the bookmarks end")
		bookmark = p.Bookmark
	}
	require.Equal(t, len(everyone), len(paged))
	for i := range everyone {
		assert.Equal(t, everyone[i].Member, paged[i].Member)
	}

	// Fill the farming cap of one pair (default 2000 points per 30 days).
	capped := profileIdentity(t, "foundation-user1")
	ensureRepMember(t, "foundation-user1", nil, nil)
	for range 3 {
		_, err := att.Attest(ctx, reputation.AttestRequest{Recipient: capped, Category: contribution.Documentation, Weight: 1000, Evidence: "docs site"})
		if err != nil {
			require.Equal(t, errcode.FailedPrecondition, codeOf(err), wireText(err))
			break
		}
	}

	tests := []struct {
		name string
		call func(t *testing.T) error
		code errcode.Code
		msg  string
	}{
		{"self-attestation", func(t *testing.T) error {
			_, err := att.Attest(ctxFor(t), reputation.AttestRequest{Recipient: attester, Category: contribution.MergedCode, Weight: 1, Evidence: "e"})
			return err
		}, errcode.Forbidden, "self-attestation"},
		{"unknown category", func(t *testing.T) error {
			_, err := att.Attest(ctxFor(t), reputation.AttestRequest{Recipient: recipient, Category: "poetry", Weight: 1, Evidence: "e"})
			return err
		}, errcode.InvalidArgument, `unknown contribution category "poetry"`},
		{"non-attester attests", func(t *testing.T) error {
			_, err := net.client(t, "foundation-user3").Attest(ctxFor(t), reputation.AttestRequest{Recipient: recipient, Category: contribution.MergedCode, Weight: 1, Evidence: "e"})
			return err
		}, errcode.Forbidden, "does not hold the attester role"},
		{"weight out of bounds", func(t *testing.T) error {
			_, err := att.Attest(ctxFor(t), reputation.AttestRequest{Recipient: recipient, Category: contribution.MergedCode, Weight: 1_000_000, Evidence: "e"})
			return err
		}, errcode.InvalidArgument, "out of bounds"},
		{"revoke by someone other than the issuer", func(t *testing.T) error {
			_, err := net.client(t, "labA-user2").RevokeAttestation(ctxFor(t), reputation.RevokeRequest{AttestationRef: ref, Reason: "not mine"})
			return err
		}, errcode.Forbidden, "only the issuing attester"},
		{"attestation to a non-member", func(t *testing.T) error {
			_, err := att.Attest(ctxFor(t), reputation.AttestRequest{Recipient: identity.Identity{MSPID: "LabAMSP", ID: "x509::CN=Nobody::CN=ca.laba.charter.local"}, Category: contribution.MergedCode, Weight: 1, Evidence: "e"})
			return err
		}, errcode.NotFound, "is not an active member"},
		{"cap exceeded", func(t *testing.T) error {
			_, err := att.Attest(ctxFor(t), reputation.AttestRequest{Recipient: capped, Category: contribution.Documentation, Weight: 1000, Evidence: "docs site"})
			return err
		}, errcode.FailedPrecondition, "farming cap exceeded"},
	}
	observer := net.client(t, "foundation-user1")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			height := settledHeight(t)
			err := tt.call(t)
			require.Error(t, err)
			assert.Equal(t, tt.code, codeOf(err), "error: %s", wireText(err))
			assert.Contains(t, wireText(err), tt.msg)
			assert.Equal(t, height, chainHeight(t, observer), "no block was added")
		})
	}
	requireScoresAgreeEverywhere(t, []identity.Identity{recipient, capped}, time.Now().UTC().Truncate(time.Second))
}
