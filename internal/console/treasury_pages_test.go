package console

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/membership"
	"github.com/charter-gov/charter/chaincode/treasury"
)

func TestTreasuryPages(t *testing.T) {
	srv, _ := newTestServer(t)
	tests := []struct {
		name   string
		path   string
		member *identity.Identity
		status int
		want   []string // a "!" prefix: the body does not contain the rest
	}{
		{"accounts with balance and this period's usage", "/treasury", nil, 200, []string{
			`<li><a href="/treasury" aria-current="page">Treasury</a></li>`,
			"<caption>Treasury accounts: balance and this period's spending against the limit</caption>",
			`data-balance="compute">50000</td>`, `data-spent="compute">1000</td>`, `<td class="num">20000</td><td class="num">19000</td>`}},
		{"spends newest first on the page, with next page by cursor", "/treasury", nil, 200, []string{
			`<a id="spend-s2" href="/treasury/spends/s2">s2</a>`, `rel="next"`, `href="/treasury?cursor=s3"`, "round:r1", "budget decision d1"}},
		{"the next page of spends", "/treasury?cursor=s3", nil, 200, []string{`href="/treasury/spends/s3"`, `href="/treasury/spends/s4"`, "awaiting_decision", `!href="/treasury/spends/s1"`}},
		{"spends filtered by status", "/treasury?status=executed&cursor=s3", nil, 200, []string{"Spends with status executed", `href="/treasury/spends/s3"`, `!href="/treasury/spends/s4"`}},
		{"the filter is kept on the next page's link", "/treasury?status=queued", nil, 200, []string{`href="/treasury/spends/s1"`, `href="/treasury?cursor=s3&amp;status=queued"`}},
		{"a filter that matches nothing on the page", "/treasury?status=cancelled", nil, 200, []string{"No spend on this page matches."}},
		{"an unknown status is refused", "/treasury?status=paid", nil, 400, []string{"status paid is not a spend status"}},
		{"deposits with their state", "/treasury", nil, 200, []string{
			"pending confirmation by a treasurer of another organisation than LabAMSP, until 2026-12-03 12:00:00 UTC",
			"confirmed by LabBMSP/bob at 2026-11-30 13:00:00 UTC", "lapsed: not confirmed by 2026-11-29 12:00:00 UTC"}},
		{"spend: payees, source, approvals against those required, earliest execution", "/treasury/spends/s1", nil, 200, []string{
			`<a href="/rounds/r1">round:r1</a>`, `<a href="/decisions/d1">d1</a>`, "1 of the 2 required, from 2 distinct organisations",
			"2026-11-30 13:10:00 UTC (a delay of 1h0m0s, with the clock-skew margin of 5m0s on both ends)", // no skew in force: the default 5 min, as timerule.Margin,
			"<th scope=\"row\">LabBMSP/bob</th><td class=\"num\">600</td>", "<caption>Treasurer approvals so far</caption>", `id="no-member"`}},
		{"spend: a treasurer of another organisation approves; execution waits for approvals", "/treasury/spends/s1", &gus, 200, []string{
			`id="approve-form"`, `data-write="/treasury/spends/s1/approvals"`, "Execute: 1 of the 2 treasurer approvals it needs.", "Cancel: Only its proposer, LabAMSP/ada, withdraws a spend.", `!id="execute-form"`, `!id="cancel-form"`}},
		{"spend: the treasurer who approved sees why not again", "/treasury/spends/s1", &bob, 200, []string{
			"Approve: You have already approved this spend: each treasurer approves once.", `!id="approve-form"`}},
		{"spend: the proposer, not a treasurer, may cancel", "/treasury/spends/s1", &ada, 200, []string{
			"Approve: You are not an active treasurer", `id="cancel-form"`, `data-write="/treasury/spends/s1/cancellation"`, `!id="approve-form"`}},
		{"spend: the delay not over, with the time", "/treasury/spends/s2", &bob, 200, []string{"Execute: The delay is not over: the spend can be executed from "}},
		{"spend: executed", "/treasury/spends/s3", &bob, 200, []string{"executed at 2026-11-30 14:00:00 UTC by LabBMSP/gus", "Approve: The spend is executed", "Execute: The spend is executed."}},
		{"spend: awaiting its decision", "/treasury/spends/s4", &gus, 200, []string{"Execute: The spend waits for its treasury_spend decision", "not queued yet"}},
		{"deposits: a treasurer of another organisation may confirm a pending one", "/treasury", &bob, 200, []string{
			`<th scope="col">Your action</th>`, `data-write="/treasury/deposits/dp1/confirmation"`, "Sign and confirm deposit dp1", `!id="confirm-dp2"`, `!id="confirm-dp3"`}},
		{"deposits: not a treasurer", "/treasury", &ada, 200, []string{
			`<span id="confirm-why-dp1">You are not an active treasurer: only treasurers confirm a deposit.</span>`, `!id="confirm-dp1"`}},
		{"deposits: no member, no action column", "/treasury", nil, 200, []string{`!Your action`}},
		{"record a deposit: a treasurer gets the form, every account but the token account", "/treasury", &bob, 200, []string{
			`data-balance="token">1000000</td>`, `<form class="write" id="deposit-form" data-write="/treasury/deposits" data-kind="deposit" data-reload="yes"`,
			`<option value="compute">compute (USD)</option>`, `!<option value="token">`, `<label for="deposit-account">Account</label>`,
			`<label for="deposit-amount">Amount</label>`, `<input id="deposit-amount" name="amount" type="number" min="1" step="1"`,
			`<label for="deposit-reference">Reference</label>`, `<label for="deposit-reason">Reason</label>`,
			"A deposit moves the balance only once a treasurer of another organisation than yours confirms it, before its deadline", `!id="record-why"`}},
		{"record a deposit: not a treasurer, the reason instead of the form", "/treasury", &ada, 200, []string{
			`<p id="record-why">You are not an active treasurer: only treasurers record a deposit.</p>`, `!id="deposit-form"`, `!data-write="/treasury/deposits"`}},
		{"record a deposit: no member key, the reason instead of the form", "/treasury", nil, 200, []string{
			`id="record-no-member"`, `<a href="/identity">import yours</a> to record or confirm a deposit.`, `!id="deposit-form"`, `!id="deposit-account"`}},
		{"an unknown spend is 404", "/treasury/spends/nope", nil, 404, []string{"spend nope"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := get(t, srv, tc.path, tc.member)
			require.Equal(t, tc.status, status, body)
			for _, w := range tc.want {
				if n, ok := strings.CutPrefix(w, "!"); ok {
					assert.NotContains(t, body, n)
				} else {
					assert.Contains(t, body, w)
				}
			}
		})
	}
	t.Run("newest first within a page", func(t *testing.T) {
		_, body := get(t, srv, "/treasury", nil)
		assert.Less(t, strings.Index(body, `/treasury/spends/s2"`), strings.Index(body, `/treasury/spends/s1"`), "s2 (proposed later) before s1")
	})
}

// TestDepositConfirm checks who may confirm a pending deposit, as
// treasury.ConfirmDeposit decides.
func TestDepositConfirm(t *testing.T) {
	d := &treasury.DepositRecord{ID: "dp", Recorder: ada, Status: treasury.DepositPending}
	treasurer := func(id identity.Identity) *membership.Member {
		return &membership.Member{Identity: id, Status: membership.StatusActive, Roles: []membership.Role{membership.RoleTreasurer}}
	}
	assert.True(t, depositConfirm(d, bob, treasurer(bob)).Allowed, "a treasurer of another organisation")
	a := depositConfirm(d, ada, treasurer(ada))
	assert.False(t, a.Allowed, "the recorder")
	assert.Contains(t, a.Why, "recorded in your organisation (LabAMSP)")
	carl := identity.Identity{MSPID: "LabAMSP", ID: "x509::CN=carl,OU=client::CN=ca.laba"}
	assert.Contains(t, depositConfirm(d, carl, treasurer(carl)).Why, "a treasurer of another organisation confirms it", "a treasurer of the recorder's organisation")
	assert.Contains(t, depositConfirm(d, bob, &membership.Member{Identity: bob, Status: membership.StatusActive}).Why, "not an active treasurer")
	assert.Contains(t, depositConfirm(d, bob, nil).Why, "not an active treasurer", "not a member")
}

// TestDepositRecord checks who may record a deposit and into which
// accounts, as treasury.Deposit decides.
func TestDepositRecord(t *testing.T) {
	rows := []accountRow{{Account: treasury.Account{ID: "compute"}}, {Account: treasury.Account{ID: "token"}}, {Account: treasury.Account{ID: "gpu"}}}
	accts := depositAccounts(rows)
	require.Len(t, accts, 2)
	assert.Equal(t, "compute", accts[0].ID)
	assert.Equal(t, "gpu", accts[1].ID, "the token account takes no deposits")
	treasurer := &membership.Member{Identity: bob, Status: membership.StatusActive, Roles: []membership.Role{membership.RoleTreasurer}}
	assert.True(t, depositRecord(treasurer, accts).Allowed)
	assert.Contains(t, depositRecord(&membership.Member{Identity: bob, Status: membership.StatusActive}, accts).Why, "not an active treasurer")
	assert.Contains(t, depositRecord(nil, accts).Why, "not an active treasurer", "not a member")
	suspended := &membership.Member{Identity: bob, Status: membership.StatusRemoved, Roles: []membership.Role{membership.RoleTreasurer}}
	assert.False(t, depositRecord(suspended, accts).Allowed, "a removed treasurer does not record")
	only := depositRecord(treasurer, depositAccounts(rows[1:2]))
	assert.False(t, only.Allowed)
	assert.Contains(t, only.Why, "No listed account takes deposits")
}

// TestFakeDeposit checks the fake's restatement of treasury.Deposit: a
// refused deposit writes nothing; a recorded one is pending, by its
// recorder, and the treasury page lists it so.
func TestFakeDeposit(t *testing.T) {
	srv, f := newTestServer(t)
	x := f.treasury
	ok := depositBody{Account: "compute", Amount: 2500, Reference: "wire 2026-130", Reason: "compute credits from a provider"}
	refused := []struct {
		name   string
		caller identity.Identity
		b      depositBody
		code   errcode.Code
		field  string
	}{
		{"not a treasurer", ada, ok, errcode.Forbidden, ""},
		{"amount 0", bob, depositBody{Account: "compute", Amount: 0, Reference: "r", Reason: "r"}, errcode.InvalidArgument, "amount"},
		{"unknown account", bob, depositBody{Account: "gpu", Amount: 1, Reference: "r", Reason: "r"}, errcode.NotFound, "account"},
		{"the token account", bob, depositBody{Account: "token", Amount: 1, Reference: "r", Reason: "r"}, errcode.InvalidArgument, "account"},
		{"no reference", bob, depositBody{Account: "compute", Amount: 1, Reason: "r"}, errcode.InvalidArgument, "reference"},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			_, err := x.record(tc.caller, tc.b, true)
			require.Error(t, err)
			assert.Equal(t, tc.code, errcode.CodeOf(err), err.Error())
			if tc.field != "" {
				assert.Contains(t, err.Error(), tc.field)
			}
			x.mu.Lock()
			assert.Len(t, x.deposits, 3, "a refused deposit writes nothing")
			x.mu.Unlock()
		})
	}
	_, err := x.record(bob, ok, false)
	require.NoError(t, err)
	x.mu.Lock()
	require.Len(t, x.deposits, 3, "endorsement alone writes nothing")
	x.mu.Unlock()
	res, err := x.record(bob, ok, true)
	require.NoError(t, err)
	d := res.(treasury.DepositRecord)
	assert.Equal(t, treasury.DepositPending, d.Status)
	assert.Equal(t, bob, d.Recorder)
	x.mu.Lock()
	assert.Equal(t, d, x.deposits[3])
	assert.EqualValues(t, 50000, x.balance, "a recorded deposit moves nothing")
	x.mu.Unlock()
	_, body := get(t, srv, "/treasury", &gus)
	assert.Contains(t, body, `<th scope="row">dp4</th><td>compute</td><td class="num">2500</td><td>wire 2026-130</td><td>LabBMSP/bob at `)
	assert.Contains(t, body, `data-deposit="dp4">pending confirmation by a treasurer of another organisation than LabBMSP, until `)
	assert.Contains(t, body, `<span id="confirm-why-dp4">It was recorded in your organisation (LabBMSP)`, "gus, of the recorder's organisation, may not confirm it")
}

// TestSpendActions checks each reason an action is refused against the
// rules treasury.Execute applies.
func TestSpendActions(t *testing.T) {
	q := t0
	sp := &treasury.Spend{ID: "s", Proposer: ada, Status: treasury.StatusQueued, QueuedAt: &q, DelaySec: 3600, SkewSec: 30, SignersRequired: 2, DistinctOrgs: true}
	treasurer := func(id identity.Identity) *membership.Member {
		return &membership.Member{Identity: id, Status: membership.StatusActive, Roles: []membership.Role{membership.RoleTreasurer}}
	}
	carl := identity.Identity{MSPID: "LabBMSP", ID: "x509::CN=carl,OU=client::CN=ca.labb"}

	t.Run("rules: the larger of pinned and current, the delay counted with the margin on both ends", func(t *testing.T) {
		r := spendRulesOf(sp, 3, false, 60, 10)
		assert.EqualValues(t, 3, r.SignersRequired)
		assert.True(t, r.DistinctOrgs)
		assert.Equal(t, time.Hour, r.Delay)
		assert.Equal(t, 30*time.Second, r.Margin)
		require.NotNil(t, r.ExecutableFrom)
		assert.Equal(t, t0.Add(time.Hour+time.Minute), *r.ExecutableFrom)
		r = spendRulesOf(sp, 0, false, 0, 120)
		assert.Equal(t, t0.Add(time.Hour+4*time.Minute), *r.ExecutableFrom, "a larger current skew widens the margin")
	})
	rules := spendRulesOf(sp, 0, false, 0, 0) // no skew in force: timerule.Default (5 min) is larger than the pinned 30 s
	one := []treasury.Approval{{Spend: "s", Treasurer: bob}}
	two := append(one, treasury.Approval{Spend: "s", Treasurer: ada})
	sameOrg := append(one, treasury.Approval{Spend: "s", Treasurer: carl})
	after := t0.Add(2 * time.Hour)

	a := spendActions(sp, one, rules, ada, &membership.Member{Identity: ada, Status: membership.StatusActive}, after)
	assert.False(t, a.Approve.Allowed)
	assert.Contains(t, a.Approve.Why, "not an active treasurer")
	assert.Contains(t, a.Execute.Why, "not an active treasurer")
	assert.True(t, a.Cancel.Allowed, "the proposer withdraws")

	a = spendActions(sp, one, rules, bob, treasurer(bob), after)
	assert.Contains(t, a.Approve.Why, "already approved")
	assert.Contains(t, a.Execute.Why, "1 of the 2 treasurer approvals")
	assert.Contains(t, a.Cancel.Why, "Only its proposer")

	a = spendActions(sp, one, rules, carl, treasurer(carl), after)
	assert.True(t, a.Approve.Allowed)
	assert.Contains(t, a.Note, "already approved: your approval counts, but the spend needs approvals from 2 distinct organisations")

	a = spendActions(sp, sameOrg, rules, gus, treasurer(gus), after)
	assert.Contains(t, a.Execute.Why, "Its approvals come from 1 organisations; it needs 2 distinct organisations.")

	a = spendActions(sp, two, rules, gus, treasurer(gus), t0.Add(30*time.Minute))
	assert.Equal(t, "The delay is not over: the spend can be executed from 2026-11-30 13:10:00 UTC.", a.Execute.Why)
	a = spendActions(sp, two, rules, gus, treasurer(gus), t0.Add(time.Hour+10*time.Minute-time.Nanosecond))
	assert.False(t, a.Execute.Allowed, "an instant before")
	a = spendActions(sp, two, rules, gus, treasurer(gus), t0.Add(time.Hour+10*time.Minute))
	assert.True(t, a.Execute.Allowed, "from the first instant the chaincode accepts")

	withdrawn := &membership.Member{Identity: gus, Status: membership.StatusRemoved, Roles: []membership.Role{membership.RoleTreasurer}}
	a = spendActions(sp, two, rules, gus, withdrawn, after)
	assert.False(t, a.Execute.Allowed, "a suspended treasurer does not act")

	a = spendActions(sp, two, rules, gus, nil, after)
	assert.Contains(t, a.Approve.Why, "not an active treasurer", "not a member at all")

	cancelled := *sp
	cancelled.Status = treasury.StatusCancelled
	a = spendActions(&cancelled, two, rules, ada, treasurer(ada), after)
	assert.False(t, a.Approve.Allowed || a.Execute.Allowed || a.Cancel.Allowed)
	assert.Contains(t, a.Cancel.Why, "The spend is cancelled.")
}
