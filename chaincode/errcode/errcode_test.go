package errcode

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEncodeDecode(t *testing.T) {
	tests := []struct {
		name     string
		err      error
		wire     string
		sentinel error
	}{
		{"not found", NotFoundf("member %q is not registered", "x"), `NOT_FOUND: member "x" is not registered`, ErrNotFound},
		{"forbidden", Forbiddenf("caller is not an admin"), "FORBIDDEN: caller is not an admin", ErrForbidden},
		{"invalid", Invalidf("name is empty"), "INVALID_ARGUMENT: name is empty", ErrInvalidArgument},
		{"conflict", Conflictf("already initialised"), "CONFLICT: already initialised", ErrConflict},
		{"precondition", Preconditionf("ballot closed"), "FAILED_PRECONDITION: ballot closed", ErrFailedPrecondition},
		{"wrapped keeps context", fmt.Errorf("register: %w", Invalidf("bad role")), "INVALID_ARGUMENT: register: bad role", ErrInvalidArgument},
		{"bare sentinel", fmt.Errorf("ballot 7: %w", ErrNotFound), "NOT_FOUND: ballot 7: not found", ErrNotFound},
		{"plain error is internal", errors.New("boom"), "INTERNAL: boom", ErrInternal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wire := Encode(tt.err)
			assert.Equal(t, tt.wire, wire)
			assert.Equal(t, CodeOf(tt.err), tt.sentinel.(*sentinel).code)
			decoded, ok := Decode("chaincode response 500, " + wire)
			require.True(t, ok)
			assert.ErrorIs(t, decoded, tt.sentinel)
			assert.Equal(t, wire, decoded.Error())
		})
	}
}

func TestDecodeNoCode(t *testing.T) {
	for _, s := range []string{"", "connection refused", "XNOT_FOUND: nope", "NOT_FOUND without colon"} {
		_, ok := Decode(s)
		assert.False(t, ok, s)
	}
	assert.Equal(t, "", Encode(nil))
	assert.Equal(t, Code(""), CodeOf(nil))
}

func TestSentinelsDistinct(t *testing.T) {
	for _, a := range codes() {
		for _, b := range codes() {
			e := New(a, "m")
			assert.Equal(t, a == b, errors.Is(e, b.Sentinel()), "%s vs %s", a, b)
		}
	}
	assert.Nil(t, Code("NOPE").Sentinel())
}

// FuzzRoundTrip checks that any coded error survives encoding, arbitrary
// surrounding text from Fabric, and decoding.
func FuzzRoundTrip(f *testing.F) {
	f.Add(0, "member x", "chaincode response 500, ")
	f.Add(3, "", "")
	f.Add(5, "NOT_FOUND: nested", "prefix: ")
	f.Fuzz(func(t *testing.T, idx int, msg, prefix string) {
		cs := codes()
		if idx < 0 {
			idx = -idx
		}
		code := cs[idx%len(cs)]
		if _, has := Decode(prefix); has || (prefix != "" && isCodeChar(prefix[len(prefix)-1])) {
			t.Skip("prefix already carries a code or runs into it")
		}
		wire := Encode(New(code, "%s", msg))
		got, ok := Decode(prefix + wire)
		if !ok {
			t.Fatalf("decode %q: no code", prefix+wire)
		}
		if got.Code != code || got.Message != msg {
			t.Fatalf("round trip: got %s %q, want %s %q", got.Code, got.Message, code, msg)
		}
	})
}

func TestQuoteIsBounded(t *testing.T) {
	if got := Quote("LabAMSP"); got != `"LabAMSP"` {
		t.Fatalf("short value: %s", got)
	}
	for _, s := range []string{
		strings.Repeat("a", 10<<20),
		strings.Repeat("\xe7", 64),
		strings.Repeat("\u2028", 30),
		strings.Repeat("é", 100),
	} {
		got := Quote(s)
		if len(got) > 96+len("… (10485760 bytes)") {
			t.Fatalf("Quote of %d bytes is %d bytes: %s", len(s), len(got), got)
		}
		if !strings.Contains(got, fmt.Sprintf("(%d bytes)", len(s))) {
			t.Fatalf("Quote of %d bytes does not give the length: %s", len(s), got)
		}
	}
}

func TestFieldRuleTravelOnTheWire(t *testing.T) {
	for _, tc := range []struct {
		name        string
		err         error
		wire        string
		field, rule string
		msg         string
	}{
		{"field and rule", InvalidFieldf("title", "max-length", "title is 300 characters"),
			`INVALID_ARGUMENT: title is 300 characters [field="title" rule="max-length"]`, "title", "max-length", "title is 300 characters"},
		{"wrapped keeps the marker last", fmt.Errorf("open round: %w", InvalidFieldf("opensAt", "clock-skew", "too early")),
			`INVALID_ARGUMENT: open round: too early [field="opensAt" rule="clock-skew"]`, "opensAt", "clock-skew", "open round: too early"},
		{"rule only", PreconditionFieldf("", "window", "voting ended"),
			`FAILED_PRECONDITION: voting ended [field="" rule="window"]`, "", "window", "voting ended"},
		{"none", Invalidf("bad"), "INVALID_ARGUMENT: bad", "", "", "bad"},
		{"a message that looks marked gets an empty marker", Invalidf(`x [field="a" rule="b"]`),
			`INVALID_ARGUMENT: x [field="a" rule="b"] [field="" rule=""]`, "", "", `x [field="a" rule="b"]`},
		{"quotes in the field", InvalidFieldf(`house "x" name`, "required", "empty"),
			`INVALID_ARGUMENT: empty [field="house \"x\" name" rule="required"]`, `house "x" name`, "required", "empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wire := Encode(tc.err)
			if wire != tc.wire {
				t.Fatalf("Encode = %q, want %q", wire, tc.wire)
			}
			d, ok := Decode("chaincode response 500, " + wire)
			if !ok || d.Message != tc.msg || d.Field != tc.field || d.Rule != tc.rule {
				t.Fatalf("Decode = %+v, %v; want %q %q %q", d, ok, tc.msg, tc.field, tc.rule)
			}
			if f, r := FieldOf(tc.err); f != tc.field || r != tc.rule {
				t.Fatalf("FieldOf = %q %q", f, r)
			}
			// Error() is for people: never the marker of field and rule.
			if tc.field != "" && strings.Contains(tc.err.Error(), "[field=") {
				t.Fatalf("Error() carries the marker: %q", tc.err.Error())
			}
		})
	}
}

func TestDecodeRefusesMalformedMarkers(t *testing.T) {
	for _, text := range []string{
		`CONFLICT: m [field=a rule="b"]`,
		`CONFLICT: m [field="a" rule="b"] tail`,
		`CONFLICT: m [field="a"]`,
		`CONFLICT: m [field="a" rule="b]`,
	} {
		d, ok := Decode(text)
		if !ok || d.Field != "" || d.Rule != "" || "CONFLICT: "+d.Message != text {
			t.Errorf("Decode(%q) = %+v", text, d)
		}
	}
}

func TestClipWireKeepsTheMarker(t *testing.T) {
	wire := Encode(InvalidFieldf("memo", "max-length", "%s", strings.Repeat("x", 5000)))
	got := ClipWire(wire, MaxMessageBytes)
	if len(got) > MaxMessageBytes {
		t.Fatalf("clipped to %d bytes", len(got))
	}
	d, ok := Decode(got)
	if !ok || d.Field != "memo" || d.Rule != "max-length" {
		t.Fatalf("Decode(clipped) = %+v", d)
	}
	if short := Encode(Invalidf("short")); ClipWire(short, MaxMessageBytes) != short {
		t.Fatal("a short message changed")
	}
}

type named struct{ long, short string }

func (n named) String() string { return n.long }
func (n named) Short() string  { return n.short }

// A refusal names a member by its short form, whatever the format verb.
func TestNewNamesArgumentsByTheirShortForm(t *testing.T) {
	who := named{long: "LabAMSP/x509::CN=User2,OU=client::CN=ca.laba", short: "LabAMSP/User2"}
	for _, format := range []string{"%s is not a member", "%v is not a member"} {
		err := Forbiddenf(format, who)
		if got, want := err.Error(), "FORBIDDEN: LabAMSP/User2 is not a member"; got != want {
			t.Errorf("Forbiddenf(%q) = %q, want %q", format, got, want)
		}
	}
	if got := Invalidf("%d of %s", 3, "plain").Error(); got != "INVALID_ARGUMENT: 3 of plain" {
		t.Errorf("other arguments changed: %q", got)
	}
}

func TestReadable(t *testing.T) {
	for _, tt := range []struct{ field, rule, want string }{
		{"amount", "balance", " (field amount, rule balance)"},
		{"", "window", " (rule: window)"},
		{"lines[3].amount", "", " (field: lines[3].amount)"},
		{"", "", ""},
	} {
		assert.Equal(t, tt.want, Readable(tt.field, tt.rule), "%q %q", tt.field, tt.rule)
		assert.NotContains(t, Readable(tt.field, tt.rule), "[field=")
	}
}

func TestWithField(t *testing.T) {
	inner := fmt.Errorf("lines[3]: %w", NotFoundf("round %q has no project %q", "r1", "p9"))
	got := WithField(inner, "lines[3].project")
	assert.Equal(t, Encode(inner)+` [field="lines[3].project" rule=""]`, Encode(got), "same code and text, the field added")
	assert.ErrorIs(t, got, ErrNotFound)
	f, r := FieldOf(got)
	assert.Equal(t, []string{"lines[3].project", ""}, []string{f, r})

	got = WithField(InvalidFieldf("project", "required", "project ID is empty"), "lines[0].project")
	f, r = FieldOf(got)
	assert.Equal(t, []string{"lines[0].project", "required"}, []string{f, r}, "the rule is kept")
	assert.Equal(t, "INVALID_ARGUMENT: project ID is empty", got.Error())

	plain := errors.New("disk")
	assert.Equal(t, plain, WithField(plain, "x"))
}
