package contract

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/funding"
	"github.com/charter-gov/charter/chaincode/round"
)

// The round transactions are in the signature table and refuse bad input
// with a coded error, no write and no event.
func TestRoundRefusalsThroughContract(t *testing.T) {
	admin := newIdentity(t, "LabAMSP", "Admin@labA", "admin")
	user := newIdentity(t, "LabAMSP", "User1@labA", "client")
	open := mustArg(t, round.OpenRequest{Title: "Evals", Categories: []round.Category{round.EvaluationGrants}, Rule: funding.Rule{Kind: funding.KindOrgGrouped},
		Pool: 10, BudgetDecision: "d1", OpensAt: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), ClosesAt: time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC)})
	tests := []struct {
		name   string
		caller testIdentity
		fn     string
		args   []string
		code   errcode.Code
		msg    string
	}{
		{"an org admin opens a round", admin, "round:Open", []string{open}, errcode.Forbidden, "open round: caller"},
		{"unknown field", admin, "round:Open", []string{`{"title":"x","mint":1}`}, errcode.InvalidArgument, `unknown field "mint"`},
		{"contribute to an unknown round", user, "round:Contribute", []string{`{"round":"r1","project":"p1","amount":5}`}, errcode.Forbidden, "not an active member"},
		{"a cart to an unknown round", user, "round:ContributeBatch", []string{`{"round":"r1","lines":[{"project":"p1","amount":5}]}`}, errcode.Forbidden, "not an active member"},
		{"a cart with an unknown field", user, "round:ContributeBatch", []string{`{"round":"r1","lines":[{"project":"p1","amount":5,"mint":1}]}`}, errcode.InvalidArgument, `unknown field "mint"`},
		{"close an unknown round", user, "round:Close", []string{"r1", "10"}, errcode.NotFound, "not found"},
		{"close with a bad page size", user, "round:Close", []string{"r1", "ten"}, errcode.InvalidArgument, "not a whole number"},
		{"pay an unknown round", user, "round:Pay", []string{"r1"}, errcode.NotFound, "not found"},
		{"results of an unknown round", user, "round:Results", []string{"r1"}, errcode.NotFound, "not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			h.foundDefault()
			before := h.state.Snapshot()
			res, stub := h.invoke(tt.caller, 0, tt.fn, tt.args...)
			require.Equal(t, int32(500), res.Status)
			decoded, found := errcode.Decode(res.Message)
			require.True(t, found, "coded error: %s", res.Message)
			assert.Equal(t, tt.code, decoded.Code, res.Message)
			assert.Contains(t, res.Message, tt.msg)
			assert.Equal(t, before, h.state.Snapshot(), "state unchanged")
			assert.Empty(t, stub.Events, "no event")
		})
	}
}
