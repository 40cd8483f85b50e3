package round

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/funding"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/internal/testutil"
	"github.com/charter-gov/charter/chaincode/membership"
	"github.com/charter-gov/charter/chaincode/token"
)

func lines(ps ...any) []CartLine {
	var out []CartLine
	for i := 0; i < len(ps); i += 2 {
		out = append(out, CartLine{Project: ps[i].(*Project).ID, Amount: int64(ps[i+1].(int))})
	}
	return out
}

// A full cart (MaxCartLines projects) is one transaction that writes each
// contribution key once, adds to what the contributor gave before, and
// touches the contributor's token account once; the close counts every
// line as its own contribution and the balances are conserved.
func TestCartContributesToManyProjects(t *testing.T) {
	w := newWorld(t)
	r := w.open(w.openReq())
	owner := w.member("LabAMSP", "owner", 0)
	ps := make([]*Project, MaxCartLines)
	for i := range ps {
		ps[i] = w.project(r, owner, fmt.Sprintf("project %d", i))
	}
	bob := w.member("LabBMSP", "bob", 100_000)
	carol := w.member("FoundationMSP", "carol", 1000)
	w.now = r.OpensAt
	w.give(r, ps[0], bob, 7) // an earlier single contribution the cart adds to

	req := ContributeBatchRequest{Round: r.ID}
	var total int64
	for i, p := range ps {
		req.Lines = append(req.Lines, CartLine{Project: p.ID, Amount: int64(i + 1)})
		total += int64(i + 1)
	}
	rw := newRW(w.s)
	tx := w.tx(bob)
	tx.Store = rw
	rec, err := ContributeBatch(tx, req)
	require.NoError(t, err)
	assert.Equal(t, total, rec.Total)
	assert.Equal(t, 100_000-7-total, rec.Balance)
	require.Len(t, rec.Lines, MaxCartLines)
	assert.Equal(t, int64(8), rec.Lines[0].Contribution.Amount, "the cart adds to the earlier contribution")
	assert.Equal(t, int64(2), rec.Lines[0].Contribution.Count)
	assert.Equal(t, int64(1), rec.Lines[0].Added)
	assert.Equal(t, int64(100), rec.Lines[99].Contribution.Amount)
	require.NotNil(t, tx.Event())
	assert.Equal(t, EventCartContributed, tx.Event().Type)

	// The write set: one contribution key per line and the caller's token
	// account and checkpoint; no round, project or shared key.
	var contribWrites, tokenWrites int
	for k := range rw.writes {
		switch firstAttr(k) {
		case objContrib:
			contribWrites++
		case "token":
			tokenWrites++
		default:
			t.Errorf("the cart writes only contributions and the caller's token records, not %q", k)
		}
	}
	assert.Equal(t, MaxCartLines, contribWrites, "one write per line")
	assert.LessOrEqual(t, tokenWrites, 2, "the caller's account (and its checkpoint) once")
	rk, _ := roundKey(r.ID)
	assert.False(t, rw.writes[rk], "the round key is not written")

	for i, p := range ps[1:4] {
		c, err := ContributionOf(w.s, r.ID, p.ID, bob)
		require.NoError(t, err)
		assert.Equal(t, int64(i+2), c.Amount, "project %d's stored contribution", i+1)
	}
	w.give(r, ps[1], carol, 5)
	res := w.closeAll(r, 7)
	var contributed, contributions int64
	for _, l := range res.Lines {
		contributed += l.Contributed
		contributions += l.Contributors
	}
	assert.Equal(t, total+7+5, contributed, "every line reached the close")
	assert.Equal(t, int64(MaxCartLines+1), contributions, "bob once per project, carol once")
	assert.Equal(t, w.supply, w.balances(), "balances conserved")
}

func firstAttr(k string) string {
	// composite keys are "\x00" objectType "\x00" attr… "\x00"
	for i := 1; i < len(k); i++ {
		if k[i] == 0 {
			return k[1:i]
		}
	}
	return k
}

// Every refused cart names the rule and writes nothing: not one line, not
// the escrow.
func TestCartAttacks(t *testing.T) {
	w := newWorld(t)
	r := w.open(w.openReq())
	alice := w.member("LabAMSP", "alice", 1000)
	bob := w.member("LabBMSP", "bob", 1000)
	leaver := w.member("LabBMSP", "leaver", 1000)
	stranger := testutil.ID("LabAMSP", "stranger")
	pAlice := w.project(r, alice, "alice's")
	pOther := w.project(r, w.member("FoundationMSP", "owner", 0), "other")
	pThird := w.project(r, w.member("FoundationMSP", "owner3", 0), "third")
	pending, err := Apply(w.tx(w.member("LabAMSP", "applicant", 0)), ApplyRequest{Round: r.ID, Title: "not accepted", Category: EvaluationGrants})
	require.NoError(t, err)
	_, err = membership.Remove(testutil.Tx(w.s, testutil.ID("LabBMSP", "admin"), true, w.now), membership.RemoveRequest{Member: leaver, Reason: "left the lab"})
	require.NoError(t, err)
	w.now = r.OpensAt
	w.give(r, pOther, bob, 1) // bob's existing contribution, which a cart must not lose
	full := make([]CartLine, MaxCartLines+1)
	for i := range full {
		full[i] = CartLine{Project: fmt.Sprintf("p%03d", i), Amount: 1}
	}

	inWindow, beforeWindow, afterWindow := r.OpensAt.Add(time.Hour), r.OpensAt.Add(-time.Nanosecond), r.ClosesAt
	for _, row := range []struct {
		attacker, attempt string
		who               identity.Identity
		at                time.Time
		lines             []CartLine
		round             string
		code              errcode.Code
		msg               string
	}{
		{"an applicant", "puts its own project in a cart among others", alice, inWindow,
			lines(pOther, 5, pAlice, 5), "", errcode.Forbidden, "applied for project " + pAlice.ID},
		{"a member", "puts a project not accepted in a cart", bob, inWindow,
			lines(pOther, 5, pending, 5), "", errcode.FailedPrecondition, "project " + pending.ID + " of round " + r.ID + " is not accepted"},
		{"a member", "names one project twice (to pass a per-line check twice)", bob, inWindow,
			lines(pOther, 5, pThird, 1, pOther, 5), "", errcode.InvalidArgument, `project "` + pOther.ID + `" is in the cart twice`},
		{"a member", "sends a cart of MaxCartLines+1 lines", bob, inWindow,
			full, "", errcode.InvalidArgument, fmt.Sprintf("%d lines, a cart holds at most %d", MaxCartLines+1, MaxCartLines)},
		{"a member", "sends an empty cart", bob, inWindow,
			nil, "", errcode.InvalidArgument, "at least one line"},
		{"a member", "sends a cart whose lines each fit the balance but whose total does not", bob, inWindow,
			lines(pOther, 600, pThird, 400), "", errcode.InvalidArgument, "exceeds the balance 999"},
		{"a member", "sends a cart whose total overflows (to wrap around to a small escrow)", bob, inWindow,
			[]CartLine{{Project: pOther.ID, Amount: funding.MaxAmount}, {Project: pThird.ID, Amount: funding.MaxAmount}}, "", errcode.InvalidArgument, "the cart's total passes"},
		{"a member", "sends a line of a negative amount to offset another", bob, inWindow,
			[]CartLine{{Project: pOther.ID, Amount: 900}, {Project: pThird.ID, Amount: -500}}, "", errcode.InvalidArgument, "amount -500 must be a positive"},
		{"a member", "stamps a cart one nanosecond before the window opens (a timestamp inside the skew)", bob, beforeWindow,
			lines(pOther, 5), "", errcode.FailedPrecondition, "contributions are accepted from"},
		{"a member", "stamps a cart at the window's close (a timestamp inside the skew)", bob, afterWindow,
			lines(pOther, 5), "", errcode.FailedPrecondition, "contributions are accepted from"},
		{"a removed member", "sends a cart", leaver, inWindow,
			lines(pOther, 5), "", errcode.Forbidden, "not an active member"},
		{"a non-member", "sends a cart", stranger, inWindow,
			lines(pOther, 5), "", errcode.Forbidden, "not an active member"},
		{"a member", "puts an unknown project in a cart", bob, inWindow,
			[]CartLine{{Project: pOther.ID, Amount: 1}, {Project: "p-nope", Amount: 1}}, "", errcode.NotFound, "no project"},
		{"a member", "sends a cart to an unknown round", bob, inWindow,
			lines(pOther, 5), "r-nope", errcode.NotFound, "not found"},
		{"a member", "pushes one contribution past funding.MaxAmount through a cart", bob, inWindow,
			[]CartLine{{Project: pOther.ID, Amount: funding.MaxAmount}}, "", errcode.InvalidArgument, "would pass"},
	} {
		t.Run(row.attacker+" "+row.attempt, func(t *testing.T) {
			w.now = row.at
			id := r.ID
			if row.round != "" {
				id = row.round
			}
			before := w.s.Snapshot()
			tx := w.tx(row.who)
			_, err := ContributeBatch(tx, ContributeBatchRequest{Round: id, Lines: row.lines})
			require.Error(t, err)
			assert.True(t, errcode.IsCode(err, row.code), "want %s, got %v", row.code, err)
			assert.Contains(t, err.Error(), row.msg)
			assert.Equal(t, before, w.s.Snapshot(), "a refused cart writes nothing")
			assert.Nil(t, tx.Event(), "a refused cart emits nothing")
		})
	}
	bal, err := token.Balance(w.s, bob)
	require.NoError(t, err)
	assert.Equal(t, int64(999), bal)
}
