package contract

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/charter-gov/charter/chaincode/errcode"
)

// hostileValue is one hostile argument value and the kinds of argument it
// is aimed at (nil: every kind).
type hostileValue struct {
	name  string
	value string
	kinds []kind
}

// hostileValues are the values test/hostile_test.go also sends through
// the real gateway.
func hostileValues() []hostileValue {
	nested := strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000)
	return []hostileValue{
		{"malformed JSON", `{"request":`, []kind{kindJSON}},
		{"1 MB", `"` + strings.Repeat("a", 1_000_000) + `"`, nil},
		{"10 MB", strings.Repeat("a", 10_000_000), nil},
		{"deeply nested JSON", nested, nil},
		{"deeply nested JSON object", strings.Repeat(`{"a":`, 50_000) + "1" + strings.Repeat("}", 50_000), []kind{kindJSON}},
		{"invalid UTF-8", "\xff\xfe\xfd", nil},
		{"invalid UTF-8 inside JSON", "{\"name\":\"\xff\"}", []kind{kindJSON}},
	}
}

// placeholder is a well-formed value of an argument's kind, so that one
// argument at a time carries the hostile value.
func placeholder(p param) string {
	switch p.kind {
	case kindInt:
		return "1"
	case kindBool:
		return "true"
	case kindTime:
		return "2026-03-01T09:00:00Z"
	case kindJSON:
		return "{}"
	}
	return "x"
}

// TestHostileInputEveryTransaction sends every transaction of the
// signature table the wrong number of arguments and, in each argument in
// turn, malformed JSON, 1 MB and 10 MB values, deeply nested JSON and
// invalid UTF-8: each is refused with INVALID_ARGUMENT naming the
// argument, the transaction or the problem, in a short message, with nothing written and no
// event.
func TestHostileInputEveryTransaction(t *testing.T) {
	user := newIdentity(t, "LabAMSP", "User1@labA", "client")
	h := newHarness(t)
	h.foundDefault()
	for _, s := range signatures() {
		n := len(s.params)
		t.Run(s.fullName()+"/arity", func(t *testing.T) {
			want := fmt.Sprintf("%s takes %d argument", s.fullName(), n)
			refused(t, h, user, s.fullName(), make([]string, n+1), errcode.InvalidArgument, want)
			if n > 0 {
				refused(t, h, user, s.fullName(), make([]string, n-1), errcode.InvalidArgument, want)
			}
		})
		for i, p := range s.params {
			for _, hv := range hostileValues() {
				if hv.kinds != nil && !containsKind(hv.kinds, p.kind) {
					continue
				}
				t.Run(s.fullName()+"/"+p.name+"/"+hv.name, func(t *testing.T) {
					args := make([]string, n)
					for j, q := range s.params {
						args[j] = placeholder(q)
					}
					args[i] = hv.value
					msg := refused(t, h, user, s.fullName(), args, errcode.InvalidArgument, "")
					assert.Less(t, len(msg), 400, "a short message: %s", msg)
					assert.True(t, strings.Contains(msg, p.name) || strings.Contains(msg, s.fullName()) || strings.Contains(msg, "malformed JSON"),
						"the message names the argument, the transaction or the problem: %s", msg)
				})
			}
		}
	}
}

func containsKind(ks []kind, k kind) bool {
	for _, x := range ks {
		if x == k {
			return true
		}
	}
	return false
}

// TestDeeplyNestedPayloadRefused: a decision's payload is kept as raw JSON
// (json.RawMessage) and decoded later by its type, so the strict decoder
// must bound its depth when the request is read: 100,000 nested arrays
// (200 KB) in a proposal are refused, with nothing written.
func TestDeeplyNestedPayloadRefused(t *testing.T) {
	user := newIdentity(t, "LabAMSP", "User1@labA", "client")
	h := newHarness(t)
	h.foundDefault()
	for _, nested := range []string{
		strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000),
		strings.Repeat(`{"a":`, 50_000) + "1" + strings.Repeat("}", 50_000),
	} {
		req := `{"type":"budget","title":"deep","payload":` + nested + `}`
		msg := refused(t, h, user, "decision:Propose", []string{req}, errcode.InvalidArgument, "request")
		assert.Less(t, len(msg), 400, msg)
		t.Log(msg)
	}
}
