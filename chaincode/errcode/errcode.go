// Package errcode is the small shared vocabulary of Charter's errors.
//
// Domain packages return sentinel errors (ErrNotFound, ErrForbidden, …)
// wrapped with a message that names what was wrong. contractapi flattens
// every chaincode error to text, so the contract adapter encodes an error as
// a stable code prefix ("NOT_FOUND: ballot 42 does not exist") and the
// gateway client decodes it back into the same sentinel. The package has no
// Fabric imports and is shared by the chaincode and the client.
package errcode

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Code is a stable, machine-readable error class that travels on the wire.
type Code string

// The codes Charter's chaincode returns.
const (
	NotFound           Code = "NOT_FOUND"
	Forbidden          Code = "FORBIDDEN"
	InvalidArgument    Code = "INVALID_ARGUMENT"
	Conflict           Code = "CONFLICT"
	FailedPrecondition Code = "FAILED_PRECONDITION"
	Internal           Code = "INTERNAL"
)

// codes lists every code in a fixed order (decoding tries them in order).
func codes() []Code {
	return []Code{NotFound, Forbidden, InvalidArgument, Conflict, FailedPrecondition, Internal}
}

// Sentinels, one per code. Match them with errors.Is.
var (
	ErrNotFound           = &sentinel{NotFound, "not found"}
	ErrForbidden          = &sentinel{Forbidden, "forbidden"}
	ErrInvalidArgument    = &sentinel{InvalidArgument, "invalid argument"}
	ErrConflict           = &sentinel{Conflict, "conflict"}
	ErrFailedPrecondition = &sentinel{FailedPrecondition, "failed precondition"}
	ErrInternal           = &sentinel{Internal, "internal error"}
)

type sentinel struct {
	code Code
	text string
}

func (s *sentinel) Error() string { return s.text }

// Sentinel returns the sentinel error of a code, or nil for an unknown code.
func (c Code) Sentinel() error {
	switch c {
	case NotFound:
		return ErrNotFound
	case Forbidden:
		return ErrForbidden
	case InvalidArgument:
		return ErrInvalidArgument
	case Conflict:
		return ErrConflict
	case FailedPrecondition:
		return ErrFailedPrecondition
	case Internal:
		return ErrInternal
	}
	return nil
}

// Error is an error with a code and a message naming what was wrong.
// errors.Is(e, e.Code.Sentinel()) is true.
//
// Field and Rule, when set, name the refused field (in the chaincode's
// words: "title", "amount", "opensAt") and the rule it broke ("max-length",
// "positive", "clock-skew"). They travel at the end of the wire text as a
// marker, ` [field="title" rule="max-length"]` (see Marker), which Decode
// takes off again.
type Error struct {
	Code    Code
	Message string
	Field   string
	Rule    string
}

// Error renders "CODE: message" (without the field/rule marker, which
// only Encode adds: error texts are also shown to people and stored as
// reasons).
func (e *Error) Error() string { return string(e.Code) + ": " + e.Message }

// Is reports whether target is the sentinel of e's code.
func (e *Error) Is(target error) bool {
	s, ok := target.(*sentinel)
	return ok && s.code == e.Code
}

// New returns an *Error with the given code and a formatted message.
// An argument with a readable short form (a member's identity: its MSP and
// common name instead of the whole certificate subject and issuer) is
// named by that form, so that refusals stay readable.
func New(code Code, format string, args ...any) error {
	for i, a := range args {
		if r, ok := a.(shortNamer); ok {
			args[i] = r.Short()
		}
	}
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Fieldf returns an *Error of code naming the refused field and the rule
// it broke (arguments named as New names them).
func Fieldf(code Code, field, rule, format string, args ...any) error {
	e := New(code, format, args...).(*Error)
	e.Field, e.Rule = field, rule
	return e
}

// InvalidFieldf returns an INVALID_ARGUMENT error naming field and rule.
func InvalidFieldf(field, rule, format string, args ...any) error {
	return Fieldf(InvalidArgument, field, rule, format, args...)
}

// PreconditionFieldf returns a FAILED_PRECONDITION error naming field and
// rule.
func PreconditionFieldf(field, rule, format string, args ...any) error {
	return Fieldf(FailedPrecondition, field, rule, format, args...)
}

// Readable renders field and rule for people, to follow a message:
// " (field amount, rule balance)", " (field: amount)", " (rule: window)",
// or "" when neither is set. It is what clients and the CLI show instead
// of the wire marker (see Marker), which is for machines.
func Readable(field, rule string) string {
	switch {
	case field != "" && rule != "":
		return " (field " + field + ", rule " + rule + ")"
	case field != "":
		return " (field: " + field + ")"
	case rule != "":
		return " (rule: " + rule + ")"
	}
	return ""
}

// markerOpen starts the field/rule marker at the end of a wire message.
const markerOpen = " [field="

// Marker is the text appended to a message to carry field and rule:
// ` [field="F" rule="R"]` (both Go-quoted). It is empty when neither is
// set, unless the message itself ends with something Decode would take
// for a marker: then an empty marker (` [field="" rule=""]`) is appended
// so that the message comes back unchanged.
func Marker(msg, field, rule string) string {
	if field == "" && rule == "" {
		if _, _, _, ok := splitMarker(msg); !ok {
			return ""
		}
	}
	return markerOpen + strconv.Quote(field) + " rule=" + strconv.Quote(rule) + "]"
}

// splitMarker takes a trailing marker off text.
func splitMarker(text string) (msg, field, rule string, ok bool) {
	if !strings.HasSuffix(text, "]") {
		return text, "", "", false
	}
	for end := len(text); ; {
		i := strings.LastIndex(text[:end], markerOpen)
		if i < 0 {
			return text, "", "", false
		}
		end = i
		rest := text[i+len(markerOpen):]
		fq, err := strconv.QuotedPrefix(rest)
		if err != nil {
			continue
		}
		rest = rest[len(fq):]
		if !strings.HasPrefix(rest, " rule=") {
			continue
		}
		rest = rest[len(" rule="):]
		rq, err := strconv.QuotedPrefix(rest)
		if err != nil || rest[len(rq):] != "]" {
			continue
		}
		f, err1 := strconv.Unquote(fq)
		r, err2 := strconv.Unquote(rq)
		if err1 != nil || err2 != nil {
			continue
		}
		return text[:i], f, r, true
	}
}

// WithField returns err naming field instead of the field it named (its
// code, rule and text, context included, unchanged): a caller that passes
// one input on names it as its own request does ("lines[3].project" for
// a project a shared lookup calls "project"). An error without a code is
// returned as it is.
func WithField(err error, field string) error {
	var e *Error
	if !errors.As(err, &e) {
		return err
	}
	msg := strings.Replace(err.Error(), string(e.Code)+": ", "", 1)
	return &Error{Code: e.Code, Message: msg, Field: field, Rule: e.Rule}
}

// FieldOf returns the field and rule of the first *Error in err's chain.
func FieldOf(err error) (field, rule string) {
	var e *Error
	if errors.As(err, &e) {
		return e.Field, e.Rule
	}
	return "", ""
}

// shortNamer is a value with a short human-readable name (identity.Identity).
type shortNamer interface{ Short() string }

// NotFoundf, Forbiddenf, Invalidf, Conflictf and Preconditionf are
// shorthands for New with their code.
func NotFoundf(format string, args ...any) error { return New(NotFound, format, args...) }

// Forbiddenf returns a FORBIDDEN error.
func Forbiddenf(format string, args ...any) error { return New(Forbidden, format, args...) }

// Invalidf returns an INVALID_ARGUMENT error.
func Invalidf(format string, args ...any) error { return New(InvalidArgument, format, args...) }

// Conflictf returns a CONFLICT error.
func Conflictf(format string, args ...any) error { return New(Conflict, format, args...) }

// Preconditionf returns a FAILED_PRECONDITION error.
func Preconditionf(format string, args ...any) error {
	return New(FailedPrecondition, format, args...)
}

// CodeOf returns the code of err: the code of the first *Error or sentinel
// in its chain, or Internal for any other non-nil error, or "" for nil.
func CodeOf(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	var s *sentinel
	if errors.As(err, &s) {
		return s.code
	}
	return Internal
}

// Encode renders err for the wire: "CODE: message", followed by the
// field/rule marker of the *Error in its chain when it names them (or an
// empty marker when the text itself ends like one). Errors without a code are encoded as INTERNAL with
// their text. A nil error encodes to "".
func Encode(err error) string {
	if err == nil {
		return ""
	}
	code := CodeOf(err)
	msg := err.Error()
	prefix := string(code) + ": "
	var e *Error
	coded := errors.As(err, &e)
	var field, rule string
	if coded {
		field, rule = e.Field, e.Rule
	}
	switch {
	case strings.HasPrefix(msg, prefix):
		// Keep the outer context but avoid "INTERNAL: NOT_FOUND: …" style repeats.
		msg = strings.TrimPrefix(msg, prefix)
	case coded:
		// Context added around a coded error: "ctx: CODE: msg" → "CODE: ctx: msg".
		msg = strings.Replace(msg, prefix, "", 1)
	}
	return prefix + msg + Marker(msg, field, rule)
}

// Decode finds a Charter error code in text (typically a chaincode response
// message that Fabric has wrapped in its own words) and returns the *Error it
// encodes. ok is false when the text carries no code.
func Decode(text string) (err *Error, ok bool) {
	best := -1
	var bestCode Code
	for _, c := range codes() {
		i := strings.Index(text, string(c)+": ")
		if i >= 0 && (best < 0 || i < best) {
			// A code must start the text or follow a non-letter (so that
			// "XNOT_FOUND: " is not taken for NOT_FOUND).
			if i > 0 && isCodeChar(text[i-1]) {
				continue
			}
			best, bestCode = i, c
		}
	}
	if best < 0 {
		return nil, false
	}
	msg, field, rule, _ := splitMarker(text[best+len(bestCode)+2:])
	return &Error{Code: bestCode, Message: msg, Field: field, Rule: rule}, true
}

func isCodeChar(b byte) bool {
	return (b >= 'A' && b <= 'Z') || b == '_'
}

// IsCode reports whether err carries code.
func IsCode(err error, code Code) bool { return err != nil && CodeOf(err) == code }

// QuotePrefixBytes is how much of a refused value Quote shows.
const QuotePrefixBytes = 64

// MaxMessageBytes bounds the message of every error that leaves the
// chaincode (the wire form "CODE: message" is clipped to it): an error must
// never echo a large input back into a response or the peer's log.
const MaxMessageBytes = 1024

// maxQuotedBytes bounds Quote's quoted part: escapes (\xff, \u2028) can
// make a quoted prefix four times longer than its bytes.
const maxQuotedBytes = 96

// Quote renders a refused value for an error message: Go-quoted, cut to at
// most its first QuotePrefixBytes bytes (at a character boundary, and
// shorter when escapes would make the quoted part longer than 96 bytes),
// followed by the value's full length when it was cut — so that an error
// never echoes a large input.
func Quote(s string) string {
	n := min(len(s), QuotePrefixBytes)
	for {
		p := prefix(s, n)
		q := strconv.Quote(p)
		if len(q) <= maxQuotedBytes || len(p) == 0 {
			if len(p) < len(s) {
				q += fmt.Sprintf("… (%d bytes)", len(s))
			}
			return q
		}
		n = len(p) - 1
	}
}

// ClipWire clips a wire message to at most max bytes like Clip, keeping
// its field/rule marker whole at the end.
func ClipWire(s string, max int) string {
	if len(s) <= max {
		return s
	}
	msg, field, rule, ok := splitMarker(s)
	if !ok {
		return Clip(s, max)
	}
	m := Marker("", field, rule)
	if len(m) > max/2 {
		return Clip(msg, max)
	}
	return Clip(msg, max-len(m)) + m
}

// Clip returns s when it is at most max bytes long, and otherwise its first
// bytes (at a character boundary) followed by "… (N bytes)", the whole
// result at most max bytes (max below 32 is raised to 32).
func Clip(s string, max int) string {
	if len(s) <= max {
		return s
	}
	if max < 32 {
		max = 32
	}
	tail := fmt.Sprintf("… (%d bytes)", len(s))
	return prefix(s, max-len(tail)) + tail
}

// prefix returns at most n bytes of s, not splitting a UTF-8 sequence.
func prefix(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
