package round

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/funding"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/internal/testutil"
)

// Every refused contribution, single or in a cart, names the field of the
// request it is about (a cart's as lines[i].field) and the rule it broke,
// with the same rules for both, and writes nothing.
func TestContributionRefusalsNameFieldAndRule(t *testing.T) {
	w := newWorld(t)
	r := w.open(w.openReq())
	alice := w.member("LabAMSP", "alice", 1000)
	bob := w.member("LabBMSP", "bob", 1000)
	stranger := testutil.ID("LabAMSP", "stranger")
	pAlice := w.project(r, alice, "alice's")
	pOther := w.project(r, w.member("FoundationMSP", "owner", 0), "other")
	pending, err := Apply(w.tx(w.member("LabAMSP", "applicant", 0)), ApplyRequest{Round: r.ID, Title: "not accepted", Category: EvaluationGrants})
	require.NoError(t, err)
	w.now = r.OpensAt
	w.give(r, pOther, bob, 1)
	inWindow, afterWindow := r.OpensAt.Add(time.Hour), r.ClosesAt
	full := make([]CartLine, MaxCartLines+1)
	for i := range full {
		full[i] = CartLine{Project: fmt.Sprintf("p%03d", i), Amount: 1}
	}

	single := func(who identity.Identity, project string, amount int64) func() error {
		return func() error {
			_, err := Contribute(w.tx(who), ContributeRequest{Round: r.ID, Project: project, Amount: amount})
			return err
		}
	}
	cart := func(who identity.Identity, round string, ls ...CartLine) func() error {
		return func() error {
			_, err := ContributeBatch(w.tx(who), ContributeBatchRequest{Round: round, Lines: ls})
			return err
		}
	}
	ok := CartLine{Project: pOther.ID, Amount: 1}
	for _, tt := range []struct {
		name        string
		at          time.Time
		do          func() error
		code        errcode.Code
		field, rule string
	}{
		{"single: amount 0", inWindow, single(bob, pOther.ID, 0), errcode.InvalidArgument, "amount", "range"},
		{"cart: a negative line", inWindow, cart(bob, r.ID, ok, CartLine{Project: pAlice.ID, Amount: -5}), errcode.InvalidArgument, "lines[1].amount", "range"},
		{"single: outside the window", afterWindow, single(bob, pOther.ID, 5), errcode.FailedPrecondition, "", "window"},
		{"cart: outside the window", afterWindow, cart(bob, r.ID, ok), errcode.FailedPrecondition, "", "window"},
		{"single: not accepted", inWindow, single(bob, pending.ID, 5), errcode.FailedPrecondition, "project", RuleAcceptedProject},
		{"cart: not accepted", inWindow, cart(bob, r.ID, ok, CartLine{Project: pending.ID, Amount: 5}), errcode.FailedPrecondition, "lines[1].project", RuleAcceptedProject},
		{"single: own project", inWindow, single(alice, pAlice.ID, 5), errcode.Forbidden, "project", RuleNotOwnProject},
		{"cart: own project", inWindow, cart(alice, r.ID, ok, CartLine{Project: pAlice.ID, Amount: 5}), errcode.Forbidden, "lines[1].project", RuleNotOwnProject},
		{"single: not a member", inWindow, single(stranger, pOther.ID, 5), errcode.Forbidden, "", RuleActiveMember},
		{"cart: not a member", inWindow, cart(stranger, r.ID, ok), errcode.Forbidden, "", RuleActiveMember},
		{"single: past funding.MaxAmount", inWindow, single(bob, pOther.ID, funding.MaxAmount), errcode.InvalidArgument, "amount", RuleContributionTotal},
		{"cart: past funding.MaxAmount", inWindow, cart(bob, r.ID, CartLine{Project: pOther.ID, Amount: funding.MaxAmount}), errcode.InvalidArgument, "lines[0].amount", RuleContributionTotal},
		{"single: unknown project", inWindow, single(bob, "p-nope", 5), errcode.NotFound, "project", "exists"},
		{"cart: unknown project", inWindow, cart(bob, r.ID, ok, CartLine{Project: "p-nope", Amount: 5}), errcode.NotFound, "lines[1].project", "exists"},
		{"cart: unknown round", inWindow, cart(bob, "r-nope", ok), errcode.NotFound, "round", "exists"},
		{"cart: no round", inWindow, cart(bob, "", ok), errcode.InvalidArgument, "round", "required"},
		{"cart: empty", inWindow, cart(bob, r.ID), errcode.InvalidArgument, "lines", "required"},
		{"cart: too many lines", inWindow, cart(bob, r.ID, full...), errcode.InvalidArgument, "lines", RuleMaxLines},
		{"cart: a line without a project", inWindow, cart(bob, r.ID, ok, CartLine{Project: " ", Amount: 5}), errcode.InvalidArgument, "lines[1].project", "required"},
		{"cart: a project twice", inWindow, cart(bob, r.ID, ok, ok), errcode.InvalidArgument, "lines[1].project", RuleOneLinePerProject},
		{"cart: a total past funding.MaxAmount", inWindow, cart(bob, r.ID, CartLine{Project: pOther.ID, Amount: funding.MaxAmount}, CartLine{Project: pAlice.ID, Amount: 1}),
			errcode.InvalidArgument, "lines[1].amount", RuleCartTotal},
		{"cart: a total past the balance", inWindow, cart(bob, r.ID, CartLine{Project: pOther.ID, Amount: 600}, CartLine{Project: pAlice.ID, Amount: 400}),
			errcode.InvalidArgument, "lines", "balance"},
		{"single: past the balance", inWindow, single(bob, pOther.ID, 1000), errcode.InvalidArgument, "amount", "balance"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w.now = tt.at
			before := w.s.Snapshot()
			err := tt.do()
			testutil.AssertRefusal(t, err, tt.code, tt.field, tt.rule)
			assert.Equal(t, before, w.s.Snapshot(), "a refusal writes nothing")
		})
	}
}

// Opening a round, applying to it and closing it name the field and rule
// of a refused input.
func TestRoundRefusalsNameFieldAndRule(t *testing.T) {
	w := newWorld(t)
	r := w.open(w.openReq())
	bob := w.member("LabBMSP", "bob", 0)
	open := func(edit func(*OpenRequest)) func() error {
		return func() error {
			req := w.openReq()
			edit(&req)
			_, err := Open(w.tx(w.admin), req)
			return err
		}
	}
	apply := func(edit func(*ApplyRequest)) func() error {
		return func() error {
			req := ApplyRequest{Round: r.ID, Title: "x", Category: EvaluationGrants}
			edit(&req)
			_, err := Apply(w.tx(bob), req)
			return err
		}
	}
	many := make([]string, MaxArtifacts+1)
	for i := range many {
		many[i] = fmt.Sprintf("a%d@1.0", i)
	}
	for _, tt := range []struct {
		name        string
		do          func() error
		field, rule string
	}{
		{"no category", open(func(o *OpenRequest) { o.Categories = nil }), "categories", "required"},
		{"an unknown category", open(func(o *OpenRequest) { o.Categories = []Category{EvaluationGrants, "yachts"} }), "categories[1]", "enum"},
		{"a category twice", open(func(o *OpenRequest) { o.Categories = []Category{EvaluationGrants, EvaluationGrants} }), "categories[1]", "unique"},
		{"an unknown matching kind", open(func(o *OpenRequest) { o.Rule.Kind = "lottery" }), "rule.kind", "enum"},
		{"a cap out of range", open(func(o *OpenRequest) { o.Rule.CapBps = 10001 }), "rule.capBps", "range"},
		{"a kind the constitution does not allow", open(func(o *OpenRequest) { o.Rule = funding.Rule{Kind: funding.KindQuadratic} }), "rule.kind", "constitution-allows"},
		{"no budget decision", open(func(o *OpenRequest) { o.BudgetDecision = "" }), "budgetDecision", "required"},
		{"a category the round does not fund", apply(func(a *ApplyRequest) { a.Category = DocumentationBounties }), "category", "eligible-category"},
		{"too many artifacts", apply(func(a *ApplyRequest) { a.Artifacts = many }), "artifacts", "max-items"},
		{"an artifact twice", apply(func(a *ApplyRequest) { a.Artifacts = []string{"llama-eval@1.0", "llama-eval@1.0"} }), "artifacts[1]", "unique"},
		{"a close page too large", func() error { _, err := Close(w.tx(bob), r.ID, MaxPageSize+1); return err }, "pageSize", "range"},
		{"a projects page too large", func() error { _, err := Projects(w.s, r.ID, core.MaxPageSize+1, ""); return err }, "pageSize", "range"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := w.s.Snapshot()
			err := tt.do()
			require.True(t, errcode.IsCode(err, errcode.InvalidArgument), "%v", err)
			field, rule := errcode.FieldOf(err)
			assert.Equal(t, []string{tt.field, tt.rule}, []string{field, rule}, "%v", err)
			assert.Equal(t, before, w.s.Snapshot(), "a refusal writes nothing")
		})
	}
}
