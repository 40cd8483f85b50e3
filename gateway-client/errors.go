package charter

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-protos-go-apiv2/gateway"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/charter-gov/charter/chaincode/errcode"
)

// Code classifies an error. The chaincode's codes travel on the wire; the
// client adds its own for failures that happen around the chaincode.
type Code = errcode.Code

// Codes returned by the chaincode (see package errcode).
const (
	CodeNotFound           = errcode.NotFound
	CodeForbidden          = errcode.Forbidden
	CodeInvalidArgument    = errcode.InvalidArgument
	CodeConflict           = errcode.Conflict
	CodeFailedPrecondition = errcode.FailedPrecondition
	CodeInternal           = errcode.Internal
)

// Codes the client adds.
const (
	// CodeUnknownOutcome: the transaction was sent to the orderer but its
	// commit status was not received; it may or may not have committed.
	// The error carries the transaction ID.
	CodeUnknownOutcome Code = "UNKNOWN_OUTCOME"
	// CodeOrderingUnavailable: the transaction was endorsed but no orderer
	// accepted it (no Raft leader, orderers unreachable): ordering is down,
	// not the gateway. It was most likely never ordered, but a connection
	// lost after sending leaves that open, so the client looked it up once
	// and did not find it; the error carries the transaction ID — look it
	// up again before making a new one.
	CodeOrderingUnavailable Code = "ORDERING_UNAVAILABLE"
	// CodeNotCommitted: the transaction was ordered but failed validation
	// (the error wraps a *ValidationError with the validation code).
	CodeNotCommitted Code = "NOT_COMMITTED"
	// CodeUnavailable: the gateway peer could not be reached.
	CodeUnavailable Code = "UNAVAILABLE"
	// CodeDeadlineExceeded: a timeout passed before the transaction reached
	// the orderer, so nothing was written.
	CodeDeadlineExceeded Code = "DEADLINE_EXCEEDED"
	// CodeCanceled: the context was canceled before the transaction reached
	// the orderer, so nothing was written.
	CodeCanceled Code = "CANCELED"
	// CodeUnknown: any other failure (the message says what happened).
	CodeUnknown Code = "UNKNOWN"
)

// Sentinels of the chaincode's codes, the same values as errcode's: match
// them with errors.Is.
var (
	ErrNotFound           = errcode.ErrNotFound
	ErrForbidden          = errcode.ErrForbidden
	ErrInvalidArgument    = errcode.ErrInvalidArgument
	ErrConflict           = errcode.ErrConflict
	ErrFailedPrecondition = errcode.ErrFailedPrecondition
	ErrInternal           = errcode.ErrInternal
)

// Sentinels of the client's codes. An *Error with CodeDeadlineExceeded also
// matches context.DeadlineExceeded, and one with CodeCanceled matches
// context.Canceled.
var (
	ErrUnknownOutcome = errors.New("transaction outcome unknown")
	ErrNotCommitted   = errors.New("transaction not committed")
	ErrUnavailable    = errors.New("gateway unavailable")
	// ErrOrderingUnavailable matches CodeOrderingUnavailable.
	ErrOrderingUnavailable = errors.New("ordering service unavailable")
	ErrUnknown             = errors.New("unknown error")
)

// sentinelOf returns the sentinel of a code, or nil.
func sentinelOf(c Code) error {
	if s := c.Sentinel(); s != nil {
		return s
	}
	switch c {
	case CodeUnknownOutcome:
		return ErrUnknownOutcome
	case CodeNotCommitted:
		return ErrNotCommitted
	case CodeUnavailable:
		return ErrUnavailable
	case CodeOrderingUnavailable:
		return ErrOrderingUnavailable
	case CodeDeadlineExceeded:
		return context.DeadlineExceeded
	case CodeCanceled:
		return context.Canceled
	case CodeUnknown:
		return ErrUnknown
	}
	return nil
}

// Error is the error every Client method returns.
type Error struct {
	// Code classifies the failure.
	Code Code
	// Message says what was wrong, without the code.
	Message string
	// TxID is the transaction ID when the failure concerns a transaction
	// proposal (empty otherwise).
	TxID string
	// Err is the underlying error, typically a fabric-gateway
	// *client.EndorseError, *client.SubmitError, *client.CommitStatusError
	// or a *ValidationError. It may be nil.
	Err error
	// Field and Rule name the refused field and the rule it broke when
	// the chaincode's refusal named them (errcode.Error's Field and Rule,
	// carried by the wire text's marker); empty otherwise.
	Field string
	Rule  string
}

// Error renders "CODE: message" for people, followed by the field and
// rule when the refusal named them, in words (errcode.Readable:
// "INVALID_ARGUMENT: amount 0 … (field amount, rule range)"), never as
// the wire marker. Programs read Code, Message, Field and Rule; WireText
// renders the form that errcode.Decode reads back.
func (e *Error) Error() string {
	return string(e.Code) + ": " + e.Message + errcode.Readable(e.Field, e.Rule)
}

// WireText renders e as the chaincode sends a refusal: "CODE: message"
// with the field/rule marker when it names them (errcode.Marker), so
// that errcode.Decode gives back the same code, message, field and rule.
func (e *Error) WireText() string {
	return string(e.Code) + ": " + e.Message + errcode.Marker(e.Message, e.Field, e.Rule)
}

// localError is the *Error of a domain rule the client ran itself: an
// errcode error's code, message, field and rule (the message without
// repeating the code), or code for an error without one.
func localError(code Code, err error) *Error {
	var ce *errcode.Error
	if errors.As(err, &ce) {
		code = ce.Code
	}
	field, rule := errcode.FieldOf(err)
	return &Error{Code: code, Message: strings.Replace(err.Error(), string(code)+": ", "", 1), Field: field, Rule: rule, Err: err}
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is the sentinel of e's code.
func (e *Error) Is(target error) bool {
	s := sentinelOf(e.Code)
	return s != nil && s == target
}

// CodeOf returns the code of err: the Code of an *Error in its chain, the
// code of a Charter errcode value, CodeUnknown for any other error, and ""
// for nil.
func CodeOf(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	if c := errcode.CodeOf(err); c != errcode.Internal {
		return c
	}
	if errors.Is(err, errcode.ErrInternal) {
		return CodeInternal
	}
	return CodeUnknown
}

// ValidationError reports a transaction that was ordered into a block but
// failed validation there (an endorsement policy or MVCC_READ_CONFLICT, for
// example), so it changed nothing. It is Charter's own type, not
// fabric-gateway's client.CommitError (which carries the same facts under
// other field names): Charter's adds the block number and how many times
// the transaction was tried. An *Error with CodeNotCommitted wraps it.
type ValidationError struct {
	TxID        string
	Code        peer.TxValidationCode
	BlockNumber uint64
	// Attempts is how many times the transaction was endorsed and
	// submitted (more than one after MVCC_READ_CONFLICT retries).
	Attempts int
}

func (e *ValidationError) Error() string {
	msg := fmt.Sprintf("transaction %s failed validation with %s", e.TxID, e.Code)
	if e.BlockNumber > 0 { // 0: learnt by look-up, block not known (block 0 holds no transaction)
		msg += fmt.Sprintf(" in block %d", e.BlockNumber)
	}
	if e.Attempts > 1 {
		msg += fmt.Sprintf(" (attempt %d)", e.Attempts)
	}
	return msg
}

// mapError turns any failure of a gateway call into an *Error. It is the
// only place where fabric-gateway and gRPC errors are interpreted.
//
//   - *Error: returned unchanged.
//   - *ValidationError: NOT_COMMITTED.
//   - *client.CommitStatusError, or a *client.SubmitError that timed out,
//     was canceled or lost the connection: UNKNOWN_OUTCOME (the transaction
//     may have reached the orderer).
//   - a Charter code found in the gateway's per-peer error details, the
//     gRPC status message or the error text: that code and message.
//   - gRPC ResourceExhausted "larger than max" (the request is over the
//     peer's message size limit): INVALID_ARGUMENT.
//   - gRPC Unavailable, DeadlineExceeded, Canceled (or the context errors):
//     UNAVAILABLE, DEADLINE_EXCEEDED, CANCELED.
//   - anything else: UNKNOWN, with the status message and peer details.
func mapError(err error) error {
	if err == nil {
		return nil
	}
	var ce *Error
	if errors.As(err, &ce) {
		return err
	}
	e := &Error{Err: err, TxID: txIDOf(err)}

	var commitErr *ValidationError
	if errors.As(err, &commitErr) {
		e.Code, e.Message = CodeNotCommitted, commitErr.Error()
		return e
	}
	var statusErr *client.CommitStatusError
	var submitErr *client.SubmitError
	if orderingUnavailable(err) {
		e.Code = CodeOrderingUnavailable
		e.Message = fmt.Sprintf("transaction %s was endorsed but the ordering service did not accept it (%s); ordering is unavailable until enough orderers run to elect a leader",
			e.TxID, describe(err))
		return e
	}
	if errors.As(err, &statusErr) || (errors.As(err, &submitErr) && transient(err)) {
		e.Code = CodeUnknownOutcome
		e.Message = fmt.Sprintf("transaction %s was sent for ordering but its commit status is unknown (%s); it may or may not have committed",
			e.TxID, describe(err))
		return e
	}
	if ce, ok := parseCharterError(err); ok {
		e.Code, e.Message, e.Field, e.Rule = ce.Code, ce.Message, ce.Field, ce.Rule
		return e
	}
	switch {
	case tooLarge(err):
		e.Code = CodeInvalidArgument
		e.Message = "the request is larger than the peer accepts: " + describe(err)
		return e
	case status.Code(err) == codes.Unavailable:
		e.Code = CodeUnavailable
	case status.Code(err) == codes.DeadlineExceeded || errors.Is(err, context.DeadlineExceeded):
		e.Code = CodeDeadlineExceeded
	case status.Code(err) == codes.Canceled || errors.Is(err, context.Canceled):
		e.Code = CodeCanceled
	default:
		e.Code = CodeUnknown
	}
	e.Message = describe(err)
	return e
}

// orderingWords are the gateway's words when no orderer of the channel
// accepted a transaction (fabric internal/pkg/gateway Submit).
var orderingWords = []string{
	"no orderers could successfully process transaction",
	"no orderer nodes available",
	"insufficient number of orderers could successfully process transaction",
}

// orderingUnavailable reports whether err is a submit that no orderer
// accepted because ordering is down (gRPC Unavailable from the gateway,
// in its words), as opposed to a lost connection to the gateway itself.
func orderingUnavailable(err error) bool {
	var submitErr *client.SubmitError
	if !errors.As(err, &submitErr) || status.Code(err) != codes.Unavailable {
		return false
	}
	msg := status.Convert(err).Message()
	for _, w := range orderingWords {
		if strings.Contains(msg, w) {
			return true
		}
	}
	return false
}

// tooLarge reports whether the peer refused a message over its gRPC size
// limit (ResourceExhausted in gRPC's words; the same code also means a
// concurrency limit, which is not this).
func tooLarge(err error) bool {
	return status.Code(err) == codes.ResourceExhausted && strings.Contains(status.Convert(err).Message(), "larger than max")
}

// transient reports whether err is a timeout, a cancellation or a lost
// connection.
func transient(err error) bool {
	switch status.Code(err) {
	case codes.DeadlineExceeded, codes.Canceled, codes.Unavailable:
		return true
	}
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)
}

// txIDOf returns the transaction ID a fabric-gateway error carries.
func txIDOf(err error) string {
	var (
		endorseErr *client.EndorseError
		submitErr  *client.SubmitError
		statusErr  *client.CommitStatusError
		commitErr  *ValidationError
		gwCommit   *client.CommitError
	)
	switch {
	case errors.As(err, &endorseErr):
		return endorseErr.TransactionID
	case errors.As(err, &submitErr):
		return submitErr.TransactionID
	case errors.As(err, &statusErr):
		return statusErr.TransactionID
	case errors.As(err, &commitErr):
		return commitErr.TxID
	case errors.As(err, &gwCommit):
		return gwCommit.TransactionID
	}
	return ""
}

// parseCharterError finds a Charter "CODE: message" in err: first in the
// gateway's per-peer error details, then in the gRPC status message, then
// in the error text.
func parseCharterError(err error) (*errcode.Error, bool) {
	if st, ok := status.FromError(err); ok {
		for _, d := range st.Details() {
			if ed, ok := d.(*gateway.ErrorDetail); ok {
				if ce, ok := errcode.Decode(ed.GetMessage()); ok {
					return ce, true
				}
			}
		}
		if ce, ok := errcode.Decode(st.Message()); ok {
			return ce, true
		}
	}
	return errcode.Decode(err.Error())
}

// parseText decodes the first Charter code in text, such as
// "chaincode response 500, NOT_FOUND: member … is not registered".
func parseText(text string) (Code, string, bool) {
	e, ok := errcode.Decode(text)
	if !ok {
		return "", "", false
	}
	return e.Code, e.Message, true
}

// describe renders a gateway error for people: the gRPC status message
// followed by what each peer reported.
func describe(err error) string {
	st, ok := status.FromError(err)
	if !ok {
		return err.Error()
	}
	var b strings.Builder
	b.WriteString(st.Message())
	for _, d := range st.Details() {
		if ed, ok := d.(*gateway.ErrorDetail); ok {
			fmt.Fprintf(&b, "; %s (%s): %s", ed.GetAddress(), ed.GetMspId(), ed.GetMessage())
		}
	}
	return b.String()
}
