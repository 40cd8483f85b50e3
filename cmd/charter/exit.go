package main

import (
	"errors"
	"fmt"
	"io"

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
	case charter.CodeUnknownOutcome:
		return exitUnknownOutcome
	case charter.CodeUnavailable, charter.CodeDeadlineExceeded:
		return exitUnavailable
	}
	return exitFailure
}

// report writes the one-line reason of a failure to stderr and returns the
// exit code.
func report(stderr io.Writer, err error) int {
	code := exitCode(err)
	if code == exitOK {
		return code
	}
	fmt.Fprintf(stderr, "charter: %v\n", err)
	var ue *usageError
	if errors.As(err, &ue) {
		fmt.Fprintln(stderr, "Run 'charter --help' for usage.")
	}
	return code
}
