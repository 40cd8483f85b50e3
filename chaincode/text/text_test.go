package text

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/errcode"
)

func TestCheck(t *testing.T) {
	single := Rule{MaxRunes: 5, Required: true}
	multi := Rule{MaxRunes: 5, MultiLine: true}
	id := ID(8)
	tests := []struct {
		name string
		s    string
		r    Rule
		msg  string // "" = accepted
	}{
		{"plain", "Ada", single, ""},
		{"five characters of two bytes each", "ééééé", single, ""},
		{"six characters", "abcdef", single, "is 6 characters, at most 5"},
		{"far too long is refused before counting", strings.Repeat("a", 21), single, "longer than 5 characters (21 bytes)"},
		{"empty required", "", single, "is empty"},
		{"blank required", "  \u00a0 ", single, "is empty"},
		{"empty optional", "", multi, ""},
		{"NUL", "a\x00b", single, "control character U+0000"},
		{"newline in a single-line field", "a\nb", single, "control character U+000A"},
		{"newline in a multi-line field", "a\nb\tc", multi, ""},
		{"carriage return in a multi-line field", "a\r\nb", multi, "control character U+000D"},
		{"DEL", "a\x7f", single, "control character U+007F"},
		{"C1 control", "a\u0085", multi, "control character U+0085"},
		{"line separator", "a\u2028b", multi, "separator U+2028"},
		{"right-to-left override", "a\u202eb", single, "bidirectional control U+202E"},
		{"isolate", "\u2066ab", single, "bidirectional control U+2066"},
		{"invalid UTF-8", "a\xffb", single, "not valid UTF-8"},
		{"U+FFFD as given is text", "a\ufffd", single, ""},
		{"U+10FFFF in text", "a\U0010FFFF", single, ""},
		{"U+10FFFF in an ID", "a\U0010FFFF", id, "key delimiter U+10FFFF"},
		{"ID of eight bytes", "abcdefgh", id, ""},
		{"ID of nine bytes", "abcdefghi", id, "is 9 bytes, at most 8"},
		{"ID with a space inside", "a b", id, ""},
		{"ID with a tab", "a\tb", id, "control character U+0009"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := Check("the field", tc.s, tc.r)
			if tc.msg == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.True(t, errcode.IsCode(err, errcode.InvalidArgument))
			assert.Contains(t, err.Error(), "the field")
			assert.Contains(t, err.Error(), tc.msg)
		})
	}
}

func TestErrorsQuoteOnlyAPrefix(t *testing.T) {
	huge := strings.Repeat("a", 10<<20)
	for _, r := range []Rule{Name(), Description(), ID(MaxIDBytes)} {
		err := Check("field", huge, r)
		require.Error(t, err)
		assert.Less(t, len(err.Error()), 300)
	}
	err := Check("field", strings.Repeat("a", 200)+"\x00", Description())
	require.Error(t, err)
	assert.Less(t, len(err.Error()), 300)
}

// FuzzCheck: accepted text satisfies the rule as stated in the package
// documentation, and refusals are bounded INVALID_ARGUMENT errors.
func FuzzCheck(f *testing.F) {
	f.Add("Ada Lovelace", false)
	f.Add("line\nline", true)
	f.Add("a\u202eb", false)
	f.Add("\xff", true)
	f.Add("\x00", false)
	f.Fuzz(func(t *testing.T, s string, multi bool) {
		r := Rule{MaxRunes: 16, MultiLine: multi, Required: true}
		err := Check("f", s, r)
		if err != nil {
			if !errcode.IsCode(err, errcode.InvalidArgument) || len(err.Error()) > 300 {
				t.Fatalf("bad refusal of %q: %v", s, err)
			}
			return
		}
		if !utf8.ValidString(s) || utf8.RuneCountInString(s) > 16 || strings.TrimSpace(s) == "" {
			t.Fatalf("accepted %q", s)
		}
		for _, c := range s {
			if (c < 0x20 && !(multi && (c == '\n' || c == '\t'))) || (c >= 0x7f && c <= 0x9f) {
				t.Fatalf("accepted control U+%04X in %q", c, s)
			}
		}
	})
}

// TestCheckNamesFieldAndRule: every refusal carries the field it was
// given and the rule broken (errcode Field/Rule, carried to API problems).
func TestCheckNamesFieldAndRule(t *testing.T) {
	for _, tt := range []struct {
		s    string
		r    Rule
		rule string
	}{
		{"", Rule{MaxRunes: 5, Required: true}, RuleRequired},
		{"abcdef", Rule{MaxRunes: 5}, RuleMaxLength},
		{strings.Repeat("x", 21), Rule{MaxRunes: 5}, RuleMaxLength},
		{"abcdefghi", ID(8), RuleMaxBytes},
		{"a\xffb", Rule{MaxRunes: 5}, RuleUTF8},
		{"a\u202eb", Rule{MaxRunes: 5}, RuleCharacters},
	} {
		err := Check("decision title", tt.s, tt.r)
		require.Error(t, err, "%q", tt.s)
		field, rule := errcode.FieldOf(err)
		assert.Equal(t, "decision title", field, "%q", tt.s)
		assert.Equal(t, tt.rule, rule, "%q", tt.s)
	}
}
