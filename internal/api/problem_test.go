package api

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/errcode"
	charter "github.com/charter-gov/charter/gateway-client"
)

// TestProblemOfCarriesFieldAndRule: a refusal that names its field and
// rule — a client error decoded from the chaincode's wire text, or a
// domain errcode error run on the server — gives them to the problem.
func TestProblemOfCarriesFieldAndRule(t *testing.T) {
	for _, tt := range []struct {
		name                      string
		err                       error
		code, detail, field, rule string
	}{
		{"client error with field and rule",
			&charter.Error{Code: charter.CodeInvalidArgument, Message: "title is 300 characters", Field: "title", Rule: "max-length", TxID: "t1"},
			"INVALID_ARGUMENT", "title is 300 characters", "title", "max-length"},
		{"wrapped client error",
			fmt.Errorf("prepare: %w", &charter.Error{Code: charter.CodeFailedPrecondition, Message: "voting ended", Rule: "window"}),
			"FAILED_PRECONDITION", "voting ended", "", "window"},
		{"client error without",
			&charter.Error{Code: charter.CodeNotFound, Message: "ballot 1 does not exist"},
			"NOT_FOUND", "ballot 1 does not exist", "", ""},
		{"errcode error from a domain function",
			errcode.InvalidFieldf("amount", "positive", "transfer: amount 0 must be a positive whole number"),
			"INVALID_ARGUMENT", "transfer: amount 0 must be a positive whole number", "amount", "positive"},
		{"plain error", errors.New("boom"), "UNKNOWN", "boom", "", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := problemOf(tt.err)
			require.Equal(t, tt.code, p.Code)
			require.Equal(t, tt.detail, p.Detail)
			require.Equal(t, tt.field, p.Field)
			require.Equal(t, tt.rule, p.Rule)
		})
	}
}

// TestEndorseRefusalNamesFieldAndRule: the chaincode's refusal at
// endorsement reaches the problem body with its field and rule, and
// nothing is submitted.
func TestEndorseRefusalNamesFieldAndRule(t *testing.T) {
	f := &fakeGateway{endorseErr: &charter.Error{Code: charter.CodeInvalidArgument, Message: "transfer: amount 99 exceeds the balance 3 of x", Field: "amount", Rule: "balance"}}
	_, ts := newTestServer(t, f)
	m := newMember(t, "voter")
	id, proposal := prepareVote(t, ts, m)
	r := do(t, ts, "POST", "/v1/signing/"+id+"/endorse", sigBody(m.sign(t, proposal, false)))
	requireProblem(t, r, 400, "INVALID_ARGUMENT", "amount", "balance")
	require.Equal(t, "transfer: amount 99 exceeds the balance 3 of x", r.body["detail"])
	require.Empty(t, f.submitted)
}
