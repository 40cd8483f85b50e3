package charter

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/membership"
)

const endorseFailed = "failed to endorse transaction, see attached details for more info"

// chaincodeCodes lists every code the chaincode sends with its sentinel.
var chaincodeCodes = []struct {
	code     Code
	sentinel error
}{
	{CodeNotFound, ErrNotFound},
	{CodeForbidden, ErrForbidden},
	{CodeInvalidArgument, ErrInvalidArgument},
	{CodeConflict, ErrConflict},
	{CodeFailedPrecondition, ErrFailedPrecondition},
	{CodeInternal, ErrInternal},
}

func TestEndorseErrorsCarryChaincodeCodes(t *testing.T) {
	for _, cc := range chaincodeCodes {
		t.Run(string(cc.code), func(t *testing.T) {
			msg := fmt.Sprintf("member LabAMSP/x: something about %s", cc.code)
			f := &fakeGateway{endorse: func(call) ([]byte, error) {
				return nil, peerError(codes.Aborted, endorseFailed, "chaincode response 500, "+string(cc.code)+": "+msg)
			}}
			c := newTestClient(t, f)

			_, err := c.RegisterMember(t.Context(), membership.RegisterRequest{Member: ada, Name: "Ada"})

			require.ErrorIs(t, err, cc.sentinel)
			var e *Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, cc.code, e.Code)
			assert.Equal(t, msg, e.Message)
			assert.Equal(t, string(cc.code)+": "+msg, e.Error())
			assert.Equal(t, f.Calls()[0].TxID, e.TxID)
			assert.Equal(t, cc.code, CodeOf(err))
			var endorseErr *client.EndorseError
			require.ErrorAs(t, err, &endorseErr, "the fabric-gateway error stays reachable")
			assert.Equal(t, e.TxID, endorseErr.TransactionID)
			assert.Equal(t, codes.Aborted, status.Code(err))
			for _, other := range chaincodeCodes {
				if other.code != cc.code {
					assert.NotErrorIs(t, err, other.sentinel)
				}
			}
		})
	}
}

func TestEvaluateErrorMapping(t *testing.T) {
	tests := []struct {
		name     string
		err      error
		code     Code
		sentinel error
		message  string
	}{
		{"code in detail",
			peerError(codes.Unknown, "evaluate call to endorser returned error: see details", "chaincode response 500, NOT_FOUND: member x is not registered"),
			CodeNotFound, ErrNotFound, "member x is not registered"},
		{"first decodable detail wins",
			peerError(codes.Aborted, endorseFailed, "connection refused", "chaincode response 500, FORBIDDEN: not an admin"),
			CodeForbidden, ErrForbidden, "not an admin"},
		{"code only in status message",
			status.Error(codes.Unknown, "evaluate call to endorser returned error: chaincode response 500, FAILED_PRECONDITION: constitution is not initialised yet"),
			CodeFailedPrecondition, ErrFailedPrecondition, "constitution is not initialised yet"},
		{"no code, with details",
			peerError(codes.Aborted, endorseFailed, "chaincode response 500, Incorrect number of params"),
			CodeUnknown, ErrUnknown, endorseFailed + "; peer0.example:7051 (LabAMSP): chaincode response 500, Incorrect number of params"},
		{"unavailable",
			status.Error(codes.Unavailable, "connection refused"),
			CodeUnavailable, ErrUnavailable, "connection refused"},
		{"deadline",
			status.Error(codes.DeadlineExceeded, "context deadline exceeded"),
			CodeDeadlineExceeded, context.DeadlineExceeded, "context deadline exceeded"},
		{"canceled",
			status.Error(codes.Canceled, "context canceled"),
			CodeCanceled, context.Canceled, "context canceled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeGateway{evaluate: func(call) ([]byte, error) { return nil, tt.err }}
			c := newTestClient(t, f)

			_, err := c.Whoami(t.Context())

			require.ErrorIs(t, err, tt.sentinel)
			var e *Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, tt.code, e.Code)
			assert.Equal(t, tt.message, e.Message)
			assert.Equal(t, status.Code(tt.err), status.Code(err), "the gRPC status stays reachable")
		})
	}
}

func TestSubmitErrorMapping(t *testing.T) {
	t.Run("lost connection while submitting is an unknown outcome", func(t *testing.T) {
		f := &fakeGateway{submit: func(context.Context, string) error { return status.Error(codes.Unavailable, "orderer went away") }}
		c := newTestClient(t, f)

		_, err := c.RegisterMember(t.Context(), membership.RegisterRequest{Member: ada, Name: "Ada"})

		require.ErrorIs(t, err, ErrUnknownOutcome)
		var submitErr *client.SubmitError
		require.ErrorAs(t, err, &submitErr)
		var e *Error
		require.ErrorAs(t, err, &e)
		assert.Equal(t, submitErr.TransactionID, e.TxID)
		assert.NotEmpty(t, e.TxID)
	})
	t.Run("rejected submission is returned", func(t *testing.T) {
		f := &fakeGateway{submit: func(context.Context, string) error {
			return status.Error(codes.Aborted, "failed to send transaction to orderer: BAD_REQUEST")
		}}
		c := newTestClient(t, f)

		_, err := c.RegisterMember(t.Context(), membership.RegisterRequest{Member: ada, Name: "Ada"})

		require.ErrorIs(t, err, ErrUnknown)
		assert.Contains(t, err.Error(), "BAD_REQUEST")
	})
	t.Run("commit status failure is an unknown outcome", func(t *testing.T) {
		f := &fakeGateway{commitStatus: func(context.Context, string) (peer.TxValidationCode, error) {
			return 0, status.Error(codes.Unavailable, "peer restarting")
		}}
		c := newTestClient(t, f)

		_, err := c.ApproveGenesis(t.Context(), strings.Repeat("ab", 32))

		require.ErrorIs(t, err, ErrUnknownOutcome)
		var statusErr *client.CommitStatusError
		require.ErrorAs(t, err, &statusErr)
		assert.Contains(t, err.Error(), statusErr.TransactionID)
	})
}

func TestMapErrorPlainErrors(t *testing.T) {
	coded := &Error{Code: CodeConflict, Message: "already"}
	tests := []struct {
		name    string
		err     error
		code    Code
		message string
	}{
		{"plain text", errors.New("boom"), CodeUnknown, "boom"},
		{"plain text with code", errors.New("chaincode response 500, CONFLICT: member x is already registered"), CodeConflict, "member x is already registered"},
		{"wrapped plain text with code", fmt.Errorf("register: %w", errors.New("NOT_FOUND: gone")), CodeNotFound, "gone"},
		{"code must not be part of a word", errors.New("XNOT_FOUND: gone"), CodeUnknown, "XNOT_FOUND: gone"},
		{"context deadline", fmt.Errorf("wait: %w", context.DeadlineExceeded), CodeDeadlineExceeded, "wait: context deadline exceeded"},
		{"context canceled", context.Canceled, CodeCanceled, "context canceled"},
		{"commit error", &ValidationError{TxID: "tx1", Code: peer.TxValidationCode_MVCC_READ_CONFLICT, BlockNumber: 9, Attempts: 4}, CodeNotCommitted,
			"transaction tx1 failed validation with MVCC_READ_CONFLICT in block 9 (attempt 4)"},
		{"already mapped", coded, CodeConflict, "already"},
		{"over the peer's message size", status.Error(codes.ResourceExhausted, "grpc: received message larger than max (10000123 vs. 9437184)"), CodeInvalidArgument,
			"the request is larger than the peer accepts: grpc: received message larger than max (10000123 vs. 9437184)"},
		{"a concurrency limit is not a size", status.Error(codes.ResourceExhausted, "too many requests for /gateway.Gateway, exceeding concurrency limit (500)"), CodeUnknown,
			"too many requests for /gateway.Gateway, exceeding concurrency limit (500)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := mapError(tt.err)
			var e *Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, tt.code, e.Code)
			assert.Equal(t, tt.message, e.Message)
			assert.ErrorIs(t, err, sentinelOf(tt.code))
			assert.ErrorIs(t, err, tt.err, "the original error stays reachable")
		})
	}
	assert.Nil(t, mapError(nil))
	assert.Same(t, coded, mapError(coded))
}

func TestCodeOf(t *testing.T) {
	tests := []struct {
		err  error
		want Code
	}{
		{nil, ""},
		{&Error{Code: CodeForbidden}, CodeForbidden},
		{fmt.Errorf("x: %w", &Error{Code: CodeUnknownOutcome}), CodeUnknownOutcome},
		{errcode.Invalidf("bad"), CodeInvalidArgument},
		{ErrNotFound, CodeNotFound},
		{errcode.New(errcode.Internal, "bug"), CodeInternal},
		{errors.New("other"), CodeUnknown},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, CodeOf(tt.err), "CodeOf(%v)", tt.err)
	}
}

// FuzzErrorTextRoundTrip checks that whatever message the chaincode encodes
// under a code comes back from the client with the same code and message,
// whether it arrives in a gateway error detail or only as text.
func FuzzErrorTextRoundTrip(f *testing.F) {
	f.Add(uint8(0), "member LabAMSP/x509::CN=a::CN=b is not registered", "", "")
	f.Add(uint8(1), "caller is not an admin: FORBIDDEN: nested", "", "")
	f.Add(uint8(2), "", "", "")
	f.Add(uint8(3), "ünïcode ✓", "title", "max-length")
	f.Add(uint8(4), "NOT_FOUND: inner code", "", "")
	f.Add(uint8(2), `looks marked [field="a" rule="b"]`, "", "")
	f.Add(uint8(2), `twice [field="a" rule="b"]`, "c d", `"e"]`)
	f.Fuzz(func(t *testing.T, i uint8, msg, field, rule string) {
		code := chaincodeCodes[int(i)%len(chaincodeCodes)].code
		if !utf8.ValidString(msg) || !utf8.ValidString(field) || !utf8.ValidString(rule) {
			t.Skip("gRPC status messages are UTF-8")
		}
		wire := errcode.Encode(&errcode.Error{Code: code, Message: msg, Field: field, Rule: rule})
		require.True(t, strings.HasPrefix(wire, string(code)+": "+msg), wire)
		if field == "" && rule == "" && !strings.HasSuffix(msg, "]") {
			require.Equal(t, string(code)+": "+msg, wire)
		}

		for name, err := range map[string]error{
			"detail": peerError(codes.Aborted, endorseFailed, "chaincode response 500, "+wire),
			"status": status.Error(codes.Unknown, "evaluate call to endorser returned error: chaincode response 500, "+wire),
			"text":   fmt.Errorf("call: %w", errors.New("chaincode response 500, "+wire)),
		} {
			got := mapError(err)
			var e *Error
			require.ErrorAs(t, got, &e, name)
			require.Equal(t, code, e.Code, name)
			require.Equal(t, msg, e.Message, name)
			require.Equal(t, field, e.Field, name)
			require.Equal(t, rule, e.Rule, name)
			require.ErrorIs(t, got, code.Sentinel(), name)

			// People read field and rule in words, never the marker.
			require.Equal(t, string(code)+": "+msg+errcode.Readable(field, rule), e.Error(), name)

			// Parsing the wire rendering again is stable.
			ce, ok := errcode.Decode(e.WireText())
			require.True(t, ok, name)
			require.Equal(t, code, ce.Code, name)
			require.Equal(t, msg, ce.Message, name)
			require.Equal(t, field, ce.Field, name)
			require.Equal(t, rule, ce.Rule, name)
		}
	})
}

// The client's error renders field and rule for people: in words, empty
// parts left out, never the wire marker; WireText keeps the marker.
func TestErrorReadable(t *testing.T) {
	tests := []struct {
		name        string
		field, rule string
		msg         string
		text, wire  string
	}{
		{"field and rule", "amount", "balance", "contribute: amount 1001 exceeds the balance 1000",
			"INVALID_ARGUMENT: contribute: amount 1001 exceeds the balance 1000 (field amount, rule balance)",
			`INVALID_ARGUMENT: contribute: amount 1001 exceeds the balance 1000 [field="amount" rule="balance"]`},
		{"rule only", "", "window", "round: contribution window closed",
			"INVALID_ARGUMENT: round: contribution window closed (rule: window)",
			`INVALID_ARGUMENT: round: contribution window closed [field="" rule="window"]`},
		{"field only", "lines[3].amount", "", "bad line",
			"INVALID_ARGUMENT: bad line (field: lines[3].amount)",
			`INVALID_ARGUMENT: bad line [field="lines[3].amount" rule=""]`},
		{"neither", "", "", "member x is not registered",
			"INVALID_ARGUMENT: member x is not registered",
			"INVALID_ARGUMENT: member x is not registered"},
		{"a message that ends like a marker", "", "", `says [field="a" rule="b"]`,
			`INVALID_ARGUMENT: says [field="a" rule="b"]`,
			`INVALID_ARGUMENT: says [field="a" rule="b"] [field="" rule=""]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := &Error{Code: CodeInvalidArgument, Message: tt.msg, Field: tt.field, Rule: tt.rule}
			assert.Equal(t, tt.text, e.Error())
			assert.Equal(t, tt.wire, e.WireText())
			if tt.field != "" || tt.rule != "" {
				assert.NotContains(t, e.Error(), "[field=")
			}
			got := mapError(fmt.Errorf("chaincode response 500, %s", e.WireText()))
			var back *Error
			require.ErrorAs(t, got, &back)
			assert.Equal(t, []string{tt.msg, tt.field, tt.rule}, []string{back.Message, back.Field, back.Rule})
			assert.Equal(t, tt.text, got.Error())
		})
	}
}

// A domain rule the client runs itself keeps its code, field and rule,
// and its message does not repeat the code.
func TestLocalError(t *testing.T) {
	e := localError(CodeInvalidArgument, errcode.InvalidFieldf("use", "enum", "use %q is unknown", "x"))
	assert.Equal(t, CodeInvalidArgument, e.Code)
	assert.Equal(t, `use "x" is unknown`, e.Message)
	assert.Equal(t, []string{"use", "enum"}, []string{e.Field, e.Rule})
	e = localError(CodeInvalidArgument, errors.New("read file: short"))
	assert.Equal(t, CodeInvalidArgument, e.Code)
	assert.Equal(t, "read file: short", e.Message)
	e = localError(CodeInvalidArgument, errcode.Preconditionf("paused"))
	assert.Equal(t, CodeFailedPrecondition, e.Code)
	assert.Equal(t, "paused", e.Message)
}
