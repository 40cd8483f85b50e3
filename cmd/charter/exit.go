package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/charter-gov/charter/chaincode/errcode"
	charter "github.com/charter-gov/charter/gateway-client"
)

// Exit codes.
const (
	exitOK                 = 0
	exitFailure            = 1
	exitUsage              = 2 // also INVALID_ARGUMENT
	exitForbidden          = 3
	exitNotFound           = 4
	exitConflict           = 5
	exitFailedPrecondition = 6
	exitUnknownOutcome     = 7
	exitUnavailable        = 8
)

// usageError is a mistake in the command line, found before anything was
// sent to the network.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// exitCode maps an error to the process exit code. It is the only place
// that does.
func exitCode(err error) int {
	if err == nil {
		return exitOK
	}
	var ue *usageError
	if errors.As(err, &ue) {
		return exitUsage
	}
	var vf *verifyFailed
	if errors.As(err, &vf) {
		return vf.code
	}
	switch charter.CodeOf(err) {
	case charter.CodeInvalidArgument:
		return exitUsage
	case charter.CodeForbidden:
		return exitForbidden
	case charter.CodeNotFound:
		return exitNotFound
	case charter.CodeConflict:
		return exitConflict
	case charter.CodeFailedPrecondition:
		return exitFailedPrecondition
	case charter.CodeUnknownOutcome, charter.CodeOrderingUnavailable:
		return exitUnknownOutcome
	case charter.CodeUnavailable, charter.CodeDeadlineExceeded:
		return exitUnavailable
	}
	return exitFailure
}

// reportOptions says how report renders a failure.
type reportOptions struct {
	// json: one JSON object on stderr instead of text.
	json bool
	// cmd is the command that failed (nil when unknown); a usage error
	// prints its usage.
	cmd *cobra.Command
}

// errorObject is a failure under --output json: one object on stderr.
type errorObject struct {
	// Code is a Charter code (NOT_FOUND, FORBIDDEN, UNKNOWN_OUTCOME, …), or
	// USAGE for a mistake in the command line.
	Code string `json:"code"`
	// Message says what was wrong, without the code.
	Message string `json:"message"`
	// Field and Rule name the refused field and the rule it broke, when
	// the refusal names them (the chaincode's words: "amount", "balance").
	Field string `json:"field,omitempty"`
	Rule  string `json:"rule,omitempty"`
	// TxID is the transaction concerned, when there is one.
	TxID string `json:"txId,omitempty"`
	// ExitCode is the process's exit code.
	ExitCode int `json:"exitCode"`
}

// codeUsage is errorObject.Code of a usage error.
const codeUsage = "USAGE"

// report writes the reason of a failure to stderr and returns the exit
// code: in text, one line "charter: …" (a usage error adds the failing
// command's usage); under --output json, one errorObject.
func report(stderr io.Writer, err error, opts reportOptions) int {
	code := exitCode(err)
	if code == exitOK {
		return code
	}
	var ue *usageError
	isUsage := errors.As(err, &ue)
	if opts.json {
		obj := errorObject{Message: err.Error(), ExitCode: code}
		var ce *charter.Error
		switch {
		case isUsage:
			obj.Code = codeUsage
		case errors.As(err, &ce):
			obj.Code, obj.TxID = string(ce.Code), ce.TxID
			obj.Field, obj.Rule = ce.Field, ce.Rule
			// The message without its "CODE: " prefix or its field and
			// rule (fields of their own here), keeping any context the
			// CLI wrapped around it.
			obj.Message = strings.Replace(err.Error(), ce.Error(), ce.Message, 1)
		default:
			obj.Code = string(charter.CodeOf(err))
			obj.Field, obj.Rule = errcode.FieldOf(err)
			obj.Message = strings.Replace(err.Error(), obj.Code+": ", "", 1)
		}
		enc := json.NewEncoder(stderr)
		enc.SetEscapeHTML(false)
		if encErr := enc.Encode(obj); encErr != nil {
			fmt.Fprintf(stderr, "charter: %v\n", err)
		}
		return code
	}
	fmt.Fprintf(stderr, "charter: %s\n", errorText(err))
	if isUsage {
		if opts.cmd != nil {
			fmt.Fprintf(stderr, "\n%s", opts.cmd.UsageString())
		} else {
			fmt.Fprintln(stderr, "Run 'charter --help' for usage.")
		}
	}
	return code
}

// errorText renders a failure for people: its text, with the field and
// rule in words (errcode.Readable) when a refusal names them. The client's
// *charter.Error renders them itself; a domain rule the CLI ran locally
// (an errcode error) gets them appended. Never the wire marker.
func errorText(err error) string {
	var ce *charter.Error
	if errors.As(err, &ce) {
		return err.Error()
	}
	return err.Error() + errcode.Readable(errcode.FieldOf(err))
}
