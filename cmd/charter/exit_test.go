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
		})
	}
}
