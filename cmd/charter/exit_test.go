package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/errcode"
	charter "github.com/charter-gov/charter/gateway-client"
)

func TestExitCode(t *testing.T) {
	coded := func(c charter.Code) error { return &charter.Error{Code: c, Message: "m"} }
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"nil", nil, 0},
		{"usage", usagef("bad flag"), 2},
		{"wrapped usage", fmt.Errorf("x: %w", usagef("bad flag")), 2},
		{"INVALID_ARGUMENT", coded(charter.CodeInvalidArgument), 2},
		{"local INVALID_ARGUMENT", errcode.Invalidf("certificate: no PEM"), 2},
		{"FORBIDDEN", coded(charter.CodeForbidden), 3},
		{"NOT_FOUND", coded(charter.CodeNotFound), 4},
		{"CONFLICT", coded(charter.CodeConflict), 5},
		{"FAILED_PRECONDITION", coded(charter.CodeFailedPrecondition), 6},
		{"UNKNOWN_OUTCOME", coded(charter.CodeUnknownOutcome), 7},
		{"ORDERING_UNAVAILABLE", coded(charter.CodeOrderingUnavailable), 7},
		{"UNAVAILABLE", coded(charter.CodeUnavailable), 8},
		{"DEADLINE_EXCEEDED", coded(charter.CodeDeadlineExceeded), 8},
		{"INTERNAL", coded(charter.CodeInternal), 1},
		{"NOT_COMMITTED", coded(charter.CodeNotCommitted), 1},
		{"CANCELED", coded(charter.CodeCanceled), 1},
		{"UNKNOWN", coded(charter.CodeUnknown), 1},
		{"plain", errors.New("disk full"), 1},
		{"context", context.Canceled, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, exitCode(tt.err))
		})
	}
}

func TestReport(t *testing.T) {
	var b bytes.Buffer
	assert.Equal(t, 0, report(&b, nil, reportOptions{}))
	assert.Empty(t, b.String())

	b.Reset()
	assert.Equal(t, 4, report(&b, &charter.Error{Code: charter.CodeNotFound, Message: "member LabAMSP/x is not registered"}, reportOptions{}))
	assert.Equal(t, "charter: NOT_FOUND: member LabAMSP/x is not registered\n", b.String())

	b.Reset()
	assert.Equal(t, 2, report(&b, usagef("--name: empty"), reportOptions{}))
	assert.Equal(t, "charter: --name: empty\nRun 'charter --help' for usage.\n", b.String())
}

// A refusal that names its field and rule reads in words, empty parts
// left out, never as the wire marker.
func TestReportFieldRule(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
		code int
	}{
		{"rule only", &charter.Error{Code: charter.CodeFailedPrecondition, Message: "round: contribution window closed", Rule: "window"},
			"charter: FAILED_PRECONDITION: round: contribution window closed (rule: window)\n", 6},
		{"field and rule", fmt.Errorf("contribute: %w", &charter.Error{Code: charter.CodeInvalidArgument, Message: "amount 1001 exceeds the balance 1000", Field: "amount", Rule: "balance"}),
			"charter: contribute: INVALID_ARGUMENT: amount 1001 exceeds the balance 1000 (field amount, rule balance)\n", 2},
		{"field only", &charter.Error{Code: charter.CodeInvalidArgument, Message: "lines[3] names no project", Field: "lines[3].project"},
			"charter: INVALID_ARGUMENT: lines[3] names no project (field: lines[3].project)\n", 2},
		{"decoded from the wire", mustDecode(t, `chaincode response 500, FAILED_PRECONDITION: round r1: closed [field="" rule="window"]`),
			"charter: FAILED_PRECONDITION: round r1: closed (rule: window)\n", 6},
		{"a domain rule run locally", fmt.Errorf("genesis draft: %w", errcode.InvalidFieldf("periodsFor", "enum", "periodsFor names %q", "x")),
			"charter: genesis draft: INVALID_ARGUMENT: periodsFor names \"x\" (field periodsFor, rule enum)\n", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			assert.Equal(t, tt.code, report(&b, tt.err, reportOptions{}))
			assert.Equal(t, tt.want, b.String())
			assert.NotContains(t, b.String(), "[field=")
		})
	}
}

// mustDecode is the client's error of a chaincode refusal's wire text.
func mustDecode(t *testing.T, wire string) error {
	t.Helper()
	e, ok := errcode.Decode(wire)
	require.True(t, ok, wire)
	return &charter.Error{Code: e.Code, Message: e.Message, Field: e.Field, Rule: e.Rule}
}

func TestReportJSON(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want errorObject
	}{
		{"chaincode code", &charter.Error{Code: charter.CodeNotFound, Message: "member LabAMSP/x is not registered", TxID: "tx9"},
			errorObject{Code: "NOT_FOUND", Message: "member LabAMSP/x is not registered", TxID: "tx9", ExitCode: 4}},
		{"wrapped by the CLI", fmt.Errorf("read ballot: %w", &charter.Error{Code: charter.CodeUnknownOutcome, Message: "sent, status unknown", TxID: "tx1"}),
			errorObject{Code: "UNKNOWN_OUTCOME", Message: "read ballot: sent, status unknown", TxID: "tx1", ExitCode: 7}},
		{"field and rule", fmt.Errorf("contribute: %w", &charter.Error{Code: charter.CodeInvalidArgument, Message: "amount 1001 exceeds the balance 1000", Field: "amount", Rule: "balance", TxID: "tx2"}),
			errorObject{Code: "INVALID_ARGUMENT", Message: "contribute: amount 1001 exceeds the balance 1000", Field: "amount", Rule: "balance", TxID: "tx2", ExitCode: 2}},
		{"rule only", &charter.Error{Code: charter.CodeFailedPrecondition, Message: "round: contribution window closed", Rule: "window"},
			errorObject{Code: "FAILED_PRECONDITION", Message: "round: contribution window closed", Rule: "window", ExitCode: 6}},
		{"a domain rule run locally", fmt.Errorf("genesis draft: %w", errcode.InvalidFieldf("periodsFor", "enum", "periodsFor names %q", "x")),
			errorObject{Code: "INVALID_ARGUMENT", Message: `genesis draft: periodsFor names "x"`, Field: "periodsFor", Rule: "enum", ExitCode: 2}},
		{"usage", usagef("--count -1: want a positive number"), errorObject{Code: "USAGE", Message: "--count -1: want a positive number", ExitCode: 2}},
		{"plain", errors.New("read profiles: permission denied"), errorObject{Code: "UNKNOWN", Message: "read profiles: permission denied", ExitCode: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			assert.Equal(t, tt.want.ExitCode, report(&b, tt.err, reportOptions{json: true}))
			require.Equal(t, 1, strings.Count(b.String(), "\n"), "one line: %q", b.String())
			var got errorObject
			require.NoError(t, json.Unmarshal(b.Bytes(), &got))
			assert.Equal(t, tt.want, got)
			assert.NotContains(t, b.String(), "[field=")
			assert.NotContains(t, got.Message, "(field")
			assert.NotContains(t, got.Message, "(rule")
		})
	}
}
