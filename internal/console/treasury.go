package console

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/membership"
	"github.com/charter-gov/charter/chaincode/timerule"
	"github.com/charter-gov/charter/chaincode/treasury"
	charter "github.com/charter-gov/charter/gateway-client"
)

// accountRow is one treasury account with this period's spending.
type accountRow struct {
	treasury.Account
	Usage *treasury.PeriodUsage
	// LeftInPeriod is what the account may still spend this period.
	LeftInPeriod int64
}

// spendStatuses are the statuses the spend list filters on.
var spendStatuses = []treasury.SpendStatus{treasury.StatusAwaitingDecision, treasury.StatusQueued, treasury.StatusExecuted, treasury.StatusCancelled}

// treasuryPage lists the accounts with their balance and this period's
// usage against the limit, one page of spends (newest first within the
// page, filtered by status) and one page of deposits with their state;
// a signed-in member may confirm a pending deposit and record one, or is
// told why not.
func (s *server) treasuryPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	status := treasury.SpendStatus(q.Get("status"))
	if status != "" && !slices.Contains(spendStatuses, status) {
		w.WriteHeader(http.StatusBadRequest)
		s.render(w, r, "error", "Unknown status", "", map[string]any{"What": "spend list", "Err": "status " + string(status) + " is not a spend status (awaiting_decision, queued, executed, cancelled)", "Status": 400})
		return
	}
	accts, err := s.r.TreasuryAccounts(ctx)
	if err != nil {
		s.fail(w, r, "treasury accounts", err)
		return
	}
	now := time.Now().UTC()
	rows := make([]accountRow, 0, len(accts))
	for _, a := range accts {
		u, err := s.r.TreasuryUsage(ctx, a.ID, now)
		if err != nil {
			s.fail(w, r, "usage of account "+a.ID, err)
			return
		}
		rows = append(rows, accountRow{Account: a, Usage: u, LeftInPeriod: max(u.Limit-u.Spent, 0)})
	}
	sp, err := s.r.Spends(ctx, listPage, q.Get("cursor"))
	if err != nil {
		s.fail(w, r, "treasury spends", err)
		return
	}
	spends := []treasury.Spend{}
	for _, x := range sp.Spends {
		if status == "" || x.Status == status {
			spends = append(spends, x)
		}
	}
	slices.SortStableFunc(spends, func(a, b treasury.Spend) int {
		if c := b.ProposedAt.Compare(a.ProposedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	dp, err := s.r.TreasuryDeposits(ctx, listPage, q.Get("dcursor"))
	if err != nil {
		s.fail(w, r, "treasury deposits", err)
		return
	}
	m := memberOf(r)
	var rec *membership.Member
	if m != nil {
		if rec, err = s.r.Member(ctx, *m); err != nil && !errors.Is(err, charter.ErrNotFound) {
			s.fail(w, r, "member "+m.Short(), err)
			return
		}
	}
	var record *Action
	depositable := depositAccounts(rows)
	if m != nil {
		a := depositRecord(rec, depositable)
		record = &a
	}
	deposits := make([]depositRow, len(dp.Deposits))
	for i, d := range dp.Deposits {
		deposits[i] = depositRow{DepositRecord: d}
		if m != nil && d.Status == treasury.DepositPending {
			a := depositConfirm(&d, *m, rec)
			deposits[i].Confirm = &a
		}
	}
	next, dnext := "", ""
	if sp.Bookmark != "" {
		v := url.Values{"cursor": {sp.Bookmark}}
		if status != "" {
			v.Set("status", string(status))
		}
		next = "/treasury?" + v.Encode()
	}
	if dp.Bookmark != "" {
		dnext = "/treasury?" + url.Values{"dcursor": {dp.Bookmark}}.Encode()
	}
	s.render(w, r, "treasury", "Treasury", "treasury", map[string]any{
		"Accounts": rows, "Spends": spends, "Status": string(status), "Statuses": spendStatuses, "Next": next,
		"Deposits": deposits, "DNext": dnext, "Member": m != nil, "Record": record, "DepositAccounts": depositable,
	})
}

// depositRow is one deposit with, for a pending one and a member whose
// key the browser holds, whether they may confirm it.
type depositRow struct {
	treasury.DepositRecord
	Confirm *Action
}

// depositConfirm says whether member (rec: their membership record, nil
// when not a member) may confirm a pending deposit d, as
// treasury.ConfirmDeposit decides: an active treasurer of another
// organisation than the recorder's. The deadline is the chaincode's: a
// deposit read past it already shows as lapsed.
func depositConfirm(d *treasury.DepositRecord, m identity.Identity, rec *membership.Member) Action {
	switch {
	case !rec.Has(membership.RoleTreasurer):
		return Action{Why: "You are not an active treasurer: only treasurers confirm a deposit."}
	case m.MSPID == d.Recorder.MSPID:
		return Action{Why: "It was recorded in your organisation (" + m.MSPID + "): a treasurer of another organisation confirms it."}
	}
	return Action{Allowed: true}
}

// depositAccounts are the listed accounts that take deposits: every one
// but the governance token account, whose tokens come only from a
// token_issuance decision (treasury.Deposit refuses it).
func depositAccounts(rows []accountRow) []accountRow {
	out := make([]accountRow, 0, len(rows))
	for _, a := range rows {
		if a.ID != constitution.TreasuryTokenAccount {
			out = append(out, a)
		}
	}
	return out
}

// depositRecord says whether a member (rec: their membership record, nil
// when not a member) may record a deposit into one of accounts, as
// treasury.Deposit decides: an active treasurer, into an account other
// than the governance token account.
func depositRecord(rec *membership.Member, accounts []accountRow) Action {
	switch {
	case !rec.Has(membership.RoleTreasurer):
		return Action{Why: "You are not an active treasurer: only treasurers record a deposit."}
	case len(accounts) == 0:
		return Action{Why: "No listed account takes deposits: the " + constitution.TreasuryTokenAccount + " account's governance tokens come only from a token_issuance decision."}
	}
	return Action{Allowed: true}
}

// Action is one action on a spend for the member whose key the browser
// holds: allowed, or the reason it is not.
type Action struct {
	Allowed bool
	Why     string
}

// SpendActions are the actions the spend page offers.
type SpendActions struct {
	Approve, Execute, Cancel Action
	// Note is advice that does not block an action (an approval that
	// adds no organisation).
	Note string
}

// spendPage shows one spend and what the signed-in member may do with it.
func (s *server) spendPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id := r.PathValue("id")
	sp, err := s.r.Spend(ctx, id)
	if err != nil {
		s.fail(w, r, "spend "+id, err)
		return
	}
	approvals, err := s.r.SpendApprovals(ctx, id)
	if err != nil {
		s.fail(w, r, "approvals of spend "+id, err)
		return
	}
	cur, err := s.r.Constitution(ctx)
	if err != nil {
		s.fail(w, r, "the constitution", err)
		return
	}
	rules := spendRulesOf(sp, cur.Document.Treasury.SignersRequired, cur.Document.Treasury.SignersFromDistinctOrgs,
		cur.Document.Treasury.ExecutionDelaySec, cur.Document.Time.MaxClockSkewSec)
	var acts *SpendActions
	if m := memberOf(r); m != nil {
		rec, err := s.r.Member(ctx, *m)
		if err != nil && !errors.Is(err, charter.ErrNotFound) {
			s.fail(w, r, "member "+m.Short(), err)
			return
		}
		a := spendActions(sp, approvals, rules, *m, rec, time.Now().UTC())
		acts = &a
	}
	s.render(w, r, "spend", "Treasury spend "+sp.ID, "treasury", map[string]any{
		"S": sp, "Approvals": approvals, "Rules": rules, "Actions": acts, "Source": sourceLink(sp.Source),
	})
}

// SpendRules are the execution rules a spend is held to: the larger of
// what it pinned when queued and what the constitution says now, as
// treasury.Execute applies them.
type SpendRules struct {
	SignersRequired int64
	DistinctOrgs    bool
	Delay           time.Duration
	Margin          time.Duration
	// ExecutableFrom is the first transaction time at which the delay is
	// over with the clock-skew margin on both ends (nil: not queued).
	ExecutableFrom *time.Time
}

func spendRulesOf(sp *treasury.Spend, signers int64, distinct bool, delaySec, skewSec int64) SpendRules {
	cur := timerule.Default // the skew in force (timerule.Skew's fallback before one is set)
	if skewSec > 0 {
		cur = time.Duration(skewSec) * time.Second
	}
	margin := max(cur, time.Duration(sp.SkewSec)*time.Second)
	out := SpendRules{SignersRequired: max(sp.SignersRequired, signers), DistinctOrgs: sp.DistinctOrgs || distinct,
		Delay: time.Duration(max(sp.DelaySec, delaySec)) * time.Second, Margin: margin}
	if sp.QueuedAt != nil {
		from := timerule.From(sp.QueuedAt.Add(margin).Add(out.Delay), margin)
		out.ExecutableFrom = &from
	}
	return out
}

// spendActions says which of approve, execute and cancel the rules allow
// member (rec: their membership record, nil when not a member) at now,
// and why not otherwise. The chaincode decides; a refusal it makes that
// these checks miss shows in the job's status.
func spendActions(sp *treasury.Spend, approvals []treasury.Approval, rules SpendRules, m identity.Identity, rec *membership.Member, now time.Time) SpendActions {
	var out SpendActions
	pending := sp.Status == treasury.StatusQueued || sp.Status == treasury.StatusAwaitingDecision
	treasurer := rec.Has(membership.RoleTreasurer) // active and holding the role
	approved := slices.ContainsFunc(approvals, func(a treasury.Approval) bool { return a.Treasurer == m })
	orgs := map[string]bool{}
	for _, a := range approvals {
		orgs[a.Treasurer.MSPID] = true
	}
	switch {
	case !pending:
		out.Approve.Why = fmt.Sprintf("The spend is %s: only a spend awaiting its decision or queued is approved.", sp.Status)
	case !treasurer:
		out.Approve.Why = "You are not an active treasurer: only treasurers approve a spend."
	case approved:
		out.Approve.Why = "You have already approved this spend: each treasurer approves once."
	default:
		out.Approve.Allowed = true
		if rules.DistinctOrgs && orgs[m.MSPID] {
			out.Note = fmt.Sprintf("A treasurer of your organisation (%s) has already approved: your approval counts, but the spend needs approvals from %d distinct organisations.", m.MSPID, rules.SignersRequired)
		}
	}
	switch {
	case sp.Status == treasury.StatusAwaitingDecision:
		out.Execute.Why = "The spend waits for its treasury_spend decision: it is executed once the decision has passed and its delay is over."
	case sp.Status != treasury.StatusQueued:
		out.Execute.Why = fmt.Sprintf("The spend is %s.", sp.Status)
	case !treasurer:
		out.Execute.Why = "You are not an active treasurer: only treasurers execute a spend."
	case rules.ExecutableFrom != nil && now.Before(*rules.ExecutableFrom):
		out.Execute.Why = "The delay is not over: the spend can be executed from " + rules.ExecutableFrom.UTC().Format("2006-01-02 15:04:05 UTC") + "."
	case int64(len(approvals)) < rules.SignersRequired:
		out.Execute.Why = fmt.Sprintf("%d of the %d treasurer approvals it needs.", len(approvals), rules.SignersRequired)
	case rules.DistinctOrgs && int64(len(orgs)) < rules.SignersRequired:
		out.Execute.Why = fmt.Sprintf("Its approvals come from %d organisations; it needs %d distinct organisations.", len(orgs), rules.SignersRequired)
	default:
		out.Execute.Allowed = true
	}
	switch {
	case !pending:
		out.Cancel.Why = fmt.Sprintf("The spend is %s.", sp.Status)
	case sp.Proposer != m:
		out.Cancel.Why = "Only its proposer, " + sp.Proposer.Short() + ", withdraws a spend."
	default:
		out.Cancel.Allowed = true
	}
	return out
}

// sourceLink is where a spend's source (e.g. "round:<id>") is shown in
// the console, or "" when it has no page.
func sourceLink(src string) string {
	if id, ok := strings.CutPrefix(src, "round:"); ok && id != "" {
		return "/rounds/" + url.PathEscape(id)
	}
	return ""
}
