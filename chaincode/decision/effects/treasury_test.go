package effects_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/decision"
	. "github.com/charter-gov/charter/chaincode/decision/effects"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/funding"
	"github.com/charter-gov/charter/chaincode/internal/testutil"
	"github.com/charter-gov/charter/chaincode/membership"
	"github.com/charter-gov/charter/chaincode/round"
	"github.com/charter-gov/charter/chaincode/treasury"
)

func TestBudgetEffect(t *testing.T) {
	eff := Budget()
	t.Run("without a payload: a recorded authorisation", func(t *testing.T) {
		w := newCapWorld(t)
		require.NoError(t, eff.Check(w.s, w.cur, nil))
		before := w.s.Snapshot()
		tx := w.tx(testutil.T0().Add(time.Hour))
		out, err := eff.Apply(tx, &decision.Decision{ID: "d-plain", Type: constitution.Budget})
		require.NoError(t, err)
		assert.Nil(t, out)
		assert.Nil(t, tx.Event(), "decision.Execute emits decision.executed")
		assert.Equal(t, before, w.s.Snapshot())
	})
	t.Run("with a payload: opens a treasury budget", func(t *testing.T) {
		w := newCapWorld(t)
		p := raw(t, treasury.BudgetRequest{Account: "compute_credits", Amount: 40_000, Purpose: "evaluation compute"})
		require.NoError(t, eff.Check(w.s, w.cur, p))
		tx := w.tx(testutil.T0().Add(time.Hour))
		out, err := eff.Apply(tx, &decision.Decision{ID: "d-budget", Type: constitution.Budget, Payload: p})
		require.NoError(t, err)
		b, ok := out.(*treasury.Budget)
		require.True(t, ok)
		assert.Equal(t, "d-budget", b.Decision)
		assert.Equal(t, treasury.EventBudgetOpened, tx.Event().Type)
		got, err := treasury.GetBudget(w.s, "d-budget")
		require.NoError(t, err)
		assert.Equal(t, b, got)
	})
	tests := []struct {
		name    string
		payload json.RawMessage
		code    errcode.Code
		want    string
	}{
		{"unknown account", raw(t, treasury.BudgetRequest{Account: "gold", Amount: 1, Purpose: "p"}), errcode.NotFound, "names no such account"},
		{"zero amount", raw(t, treasury.BudgetRequest{Account: "usd", Purpose: "p"}), errcode.InvalidArgument, "must be between 1"},
		{"no purpose", raw(t, treasury.BudgetRequest{Account: "usd", Amount: 1}), errcode.InvalidArgument, "purpose"},
		{"unknown field", json.RawMessage(`{"account":"usd","amount":1,"purpose":"p","payTo":"me"}`), errcode.InvalidArgument, "unknown field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			refusedEverywhere(t, newCapWorld(t), constitution.Budget, tt.payload, tt.code, tt.want)
		})
	}
}

func TestTreasurySpendEffect(t *testing.T) {
	tests := []struct {
		name    string
		payload json.RawMessage
		code    errcode.Code
		want    string
	}{
		{"no payload", nil, errcode.InvalidArgument, "needs a payload"},
		{"unknown spend", raw(t, treasury.SpendDecisionPayload{Spend: "s-none"}), errcode.NotFound, "not found"},
		{"unknown field", json.RawMessage(`{"spend":"s1","amount":5}`), errcode.InvalidArgument, "unknown field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			refusedEverywhere(t, newCapWorld(t), constitution.TreasurySpend, tt.payload, tt.code, tt.want)
		})
	}
	t.Run("queues a spend awaiting its decision", func(t *testing.T) {
		w := newCapWorld(t)
		_, err := Budget().Apply(w.tx(testutil.T0().Add(time.Hour)), &decision.Decision{ID: "d-b", Type: constitution.Budget,
			Payload: raw(t, treasury.BudgetRequest{Account: "usd", Amount: 500_000, Purpose: "p"})})
		require.NoError(t, err)
		tx := testutil.Tx(w.s, tres, false, testutil.T0().Add(2*time.Hour))
		sp, err := treasury.ProposeSpend(tx, treasury.SpendRequest{Account: "usd", Budget: "d-b", Payees: []treasury.Payee{{To: ada, Amount: 200_000}}, Reason: "r"})
		require.NoError(t, err)
		require.Equal(t, treasury.StatusAwaitingDecision, sp.Status)
		p := raw(t, treasury.SpendDecisionPayload{Spend: sp.ID})
		eff := TreasurySpend()
		require.NoError(t, eff.Check(w.s, w.cur, p))
		out, err := eff.Apply(w.tx(testutil.T0().Add(3*time.Hour)), &decision.Decision{ID: "d-spend", Type: constitution.TreasurySpend, Payload: p})
		require.NoError(t, err)
		q, ok := out.(*treasury.Spend)
		require.True(t, ok)
		assert.Equal(t, treasury.StatusQueued, q.Status)
		assert.Equal(t, "d-spend", q.Decision)
	})
}

func TestProjectAcceptanceEffect(t *testing.T) {
	tests := []struct {
		name    string
		payload json.RawMessage
		code    errcode.Code
		want    string
	}{
		{"no payload", nil, errcode.InvalidArgument, "needs a payload"},
		{"unknown round", raw(t, round.AcceptRequest{Round: "r-none", Project: "p1"}), errcode.NotFound, "not found"},
		{"unknown field", json.RawMessage(`{"round":"r1","project":"p1","match":5}`), errcode.InvalidArgument, "unknown field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			refusedEverywhere(t, newCapWorld(t), constitution.ProjectAcceptance, tt.payload, tt.code, tt.want)
		})
	}
	t.Run("accepts the project, naming the decision", func(t *testing.T) {
		w := newCapWorld(t)
		at := testutil.T0().Add(time.Hour)
		_, err := membership.GrantRoleByDecision(w.tx(at), tres, membership.RoleGrantsAdmin, "genesis")
		require.NoError(t, err)
		_, err = Budget().Apply(w.tx(at), &decision.Decision{ID: "d-pool", Type: constitution.Budget,
			Payload: raw(t, treasury.BudgetRequest{Account: "usd", Amount: 5_000, Purpose: "matching pool"})})
		require.NoError(t, err)
		opens := at.Add(time.Hour)
		r, err := round.Open(testutil.Tx(w.s, tres, false, at), round.OpenRequest{Title: "Docs bounties", Categories: []round.Category{round.DocumentationBounties},
			Rule: funding.Rule{Kind: funding.KindOrgGrouped}, Pool: 5_000, BudgetDecision: "d-pool", OpensAt: opens, ClosesAt: opens.Add(24 * time.Hour)})
		require.NoError(t, err)
		p, err := round.Apply(testutil.Tx(w.s, ada, false, at), round.ApplyRequest{Round: r.ID, Title: "docs", Category: round.DocumentationBounties})
		require.NoError(t, err)
		payload := raw(t, round.AcceptRequest{Round: r.ID, Project: p.ID})
		eff := effectOf(t, constitution.ProjectAcceptance)
		require.NoError(t, eff.Check(w.s, w.cur, payload))
		tx := w.tx(opens)
		out, err := eff.Apply(tx, &decision.Decision{ID: "d-accept", Type: constitution.ProjectAcceptance, Payload: payload})
		require.NoError(t, err)
		got, ok := out.(*round.Project)
		require.True(t, ok)
		assert.Equal(t, round.ProjectAccepted, got.Status)
		assert.Equal(t, "d-accept", got.AcceptedByDecision)
		assert.Equal(t, round.EventAccepted, tx.Event().Type)
	})
}
