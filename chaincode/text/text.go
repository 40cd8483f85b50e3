// Package text is the one validator of human-written text and identifiers
// that Charter stores: member names, constitution names and descriptions,
// ballot and decision titles and descriptions, reasons, token memos, evidence,
// statements, and the IDs that become parts of state keys.
//
// The rule, for every field:
//
//   - the text is valid UTF-8;
//   - its length is counted in characters (Unicode code points, not bytes),
//     at most the field's limit; text longer than four bytes per allowed
//     character is refused before it is counted;
//   - it holds no control character (Unicode category Cc: U+0000–U+001F,
//     U+007F–U+009F), no line or paragraph separator (U+2028, U+2029) and no
//     bidirectional override or isolate (U+202A–U+202E, U+2066–U+2069),
//     which could make a stored name display as another; a multi-line field
//     (descriptions, reasons, statements, evidence) also accepts line feed
//     (\n) and tab (\t), nothing else;
//   - a required field is not blank (not only spaces);
//   - no Unicode normalisation is required or applied: the bytes given are
//     the bytes stored, and two spellings of "é" are two different texts.
//
// Identifiers (Check with an IDRule) are bounded in bytes instead, because
// they become parts of composite keys, and additionally refuse U+10FFFF,
// which keys cannot hold. Every error is INVALID_ARGUMENT, names the field,
// and quotes at most a short prefix of the text.
//
// The package imports nothing from Fabric.
package text

import (
	"strings"
	"unicode/utf8"

	"github.com/charter-gov/charter/chaincode/errcode"
)

// Rule is what one field accepts.
type Rule struct {
	// MaxRunes bounds the length in characters; MaxBytes, when set, bounds
	// it in bytes instead (identifiers).
	MaxRunes int
	MaxBytes int
	// MultiLine accepts \n and \t.
	MultiLine bool
	// Required refuses empty and blank text.
	Required bool
}

// The limits Charter's fields use. A capability may use a Rule of its own
// when a field needs another limit; the characters accepted are the same.
const (
	MaxNameRunes        = 128
	MaxTitleRunes       = 200
	MaxDescriptionRunes = 4000
	MaxReasonRunes      = 1000
	MaxIDBytes          = 256
	// MaxIdentityIDBytes bounds a member's identity ID
	// ("x509::<subject DN>::<issuer DN>").
	MaxIdentityIDBytes = 1024
	// MaxMSPIDBytes bounds an MSP ID.
	MaxMSPIDBytes = 128
)

// Name is a single-line, required name (members, houses, documents).
func Name() Rule { return Rule{MaxRunes: MaxNameRunes, Required: true} }

// Title is a single-line, required title (ballots, decisions).
func Title() Rule { return Rule{MaxRunes: MaxTitleRunes, Required: true} }

// Description is optional multi-line text.
func Description() Rule { return Rule{MaxRunes: MaxDescriptionRunes, MultiLine: true} }

// Reason is optional multi-line text: reasons, evidence.
func Reason() Rule { return Rule{MaxRunes: MaxReasonRunes, MultiLine: true} }

// ID is a required identifier of at most maxBytes bytes.
func ID(maxBytes int) Rule { return Rule{MaxBytes: maxBytes, Required: true} }

// The rules Check's errors name (errcode.Error's Rule; Field is the field
// Check was given).
const (
	RuleRequired   = "required"
	RuleMaxLength  = "max-length"
	RuleMaxBytes   = "max-bytes"
	RuleUTF8       = "utf8"
	RuleCharacters = "characters"
)

// Check validates s against r; field names it in the error, whose Field
// and Rule (errcode) name the field and the rule broken.
func Check(field, s string, r Rule) error {
	if s == "" || (r.Required && strings.TrimSpace(s) == "") {
		if r.Required {
			return errcode.InvalidFieldf(field, RuleRequired, "%s is empty", field)
		}
		return nil
	}
	if r.MaxBytes > 0 {
		if len(s) > r.MaxBytes {
			return errcode.InvalidFieldf(field, RuleMaxBytes, "%s is %d bytes, at most %d are accepted: %s", field, len(s), r.MaxBytes, errcode.Quote(s))
		}
	} else if len(s) > 4*r.MaxRunes {
		return errcode.InvalidFieldf(field, RuleMaxLength, "%s is longer than %d characters (%d bytes): %s", field, r.MaxRunes, len(s), errcode.Quote(s))
	}
	if !utf8.ValidString(s) {
		return errcode.InvalidFieldf(field, RuleUTF8, "%s is not valid UTF-8: %s", field, errcode.Quote(s))
	}
	n := 0
	for _, c := range s {
		n++
		if !allowed(c, r) {
			return errcode.InvalidFieldf(field, RuleCharacters, "%s contains %s U+%04X, which is not accepted: %s", field, class(c), c, errcode.Quote(s))
		}
	}
	if r.MaxBytes == 0 && n > r.MaxRunes {
		return errcode.InvalidFieldf(field, RuleMaxLength, "%s is %d characters, at most %d are accepted: %s", field, n, r.MaxRunes, errcode.Quote(s))
	}
	return nil
}

func allowed(c rune, r Rule) bool {
	switch {
	case c == '\n' || c == '\t':
		return r.MultiLine
	case c < 0x20, c >= 0x7f && c <= 0x9f:
		return false
	case c == 0x2028, c == 0x2029:
		return false
	case c >= 0x202a && c <= 0x202e, c >= 0x2066 && c <= 0x2069:
		return false
	case c == utf8.MaxRune:
		return r.MaxBytes == 0
	}
	return true
}

func class(c rune) string {
	switch {
	case c < 0x20, c >= 0x7f && c <= 0x9f:
		return "control character"
	case c == 0x2028, c == 0x2029:
		return "separator"
	case c == utf8.MaxRune:
		return "the key delimiter"
	}
	return "bidirectional control"
}
