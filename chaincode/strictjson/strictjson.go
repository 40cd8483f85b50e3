// Package strictjson is the one decoder for JSON that crosses Charter's
// trust boundary: every contract argument (chaincode/contract) and every
// decision payload (decision.DecodePayload).
//
// It is github.com/go-json-experiment/json (the implementation that became
// encoding/json/v2) with these rules, each refused with INVALID_ARGUMENT:
//
//   - the input is at most the caller's byte limit;
//   - exactly one JSON value: nothing but whitespace may follow it;
//   - the top-level value is not null (a request is never "nothing");
//   - no object has the same member twice, at any depth (encoding/json lets
//     the last one win, so two readers could see two different requests);
//   - member names match the Go field's JSON name exactly: "MEMBER" is not
//     "member", and a name no field has is refused;
//   - strings are valid UTF-8 and every \u escape is a valid scalar value: a
//     lone surrogate such as "\ud800" is refused, not turned into U+FFFD;
//   - numbers fit the field: no fraction or overflow in an integer field.
//
// The package imports nothing from Fabric.
package strictjson

import (
	"bytes"
	"errors"
	"strings"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/charter-gov/charter/chaincode/errcode"
)

// options are the decoding options every call uses. Duplicate names and
// invalid UTF-8 are refused by the library's defaults; they are stated here
// so that the rule does not depend on a default.
func options() json.Options {
	return json.JoinOptions(
		json.RejectUnknownMembers(true),
		json.MatchCaseInsensitiveNames(false),
		jsontext.AllowDuplicateNames(false),
		jsontext.AllowInvalidUTF8(false),
	)
}

// Decode parses data into v under the package's rules. what names the value
// in error messages ("register request"); maxBytes bounds data (zero or less
// means no bound). Errors are INVALID_ARGUMENT and quote at most a short
// prefix of the input.
func Decode(what string, data []byte, maxBytes int, v any) error {
	if maxBytes > 0 && len(data) > maxBytes {
		return errcode.Invalidf("%s: argument is %d bytes, at most %d are accepted", what, len(data), maxBytes)
	}
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	if len(trimmed) == 0 {
		return errcode.Invalidf("%s: malformed JSON: empty", what)
	}
	if bytes.HasPrefix(trimmed, []byte("null")) {
		return errcode.Invalidf("%s: malformed JSON: null is not a %s", what, what)
	}
	if err := json.Unmarshal(data, v, options()); err != nil {
		return errcode.Invalidf("%s: malformed JSON: %s", what, describe(err))
	}
	return nil
}

// DecodeString is Decode for a string argument.
func DecodeString(what, data string, maxBytes int, v any) error {
	return Decode(what, []byte(data), maxBytes, v)
}

// describe renders a decoding error in Charter's words, naming the member
// at fault by its JSON pointer and quoting no more than a short prefix.
func describe(err error) string {
	var serr *json.SemanticError
	if errors.As(err, &serr) {
		where := pointer(string(serr.JSONPointer))
		if errors.Is(serr.Err, json.ErrUnknownName) {
			return "unknown field " + errcode.Quote(serr.JSONPointer.LastToken()) + where + " (names are matched exactly, letter case included)"
		}
		if serr.Err != nil {
			var synerr *jsontext.SyntacticError
			if errors.As(serr.Err, &synerr) {
				return syntactic(synerr)
			}
			return clean(serr.Err.Error()) + where
		}
		if serr.GoType != nil {
			return "a JSON " + kindName(serr.JSONKind) + " cannot be read as " + serr.GoType.String() + where
		}
		return clean(serr.Error())
	}
	var synerr *jsontext.SyntacticError
	if errors.As(err, &synerr) {
		return syntactic(synerr)
	}
	return clean(err.Error())
}

func syntactic(e *jsontext.SyntacticError) string {
	where := pointer(string(e.JSONPointer))
	switch {
	case errors.Is(e.Err, jsontext.ErrDuplicateName):
		return "duplicate field " + errcode.Quote(e.JSONPointer.LastToken()) + where
	case e.Err != nil && strings.Contains(e.Err.Error(), "after top-level value"):
		return "unexpected data after the JSON value (" + clean(e.Err.Error()) + ")"
	case e.Err != nil:
		return clean(e.Err.Error()) + where
	}
	return clean(e.Error())
}

func pointer(p string) string {
	if p == "" {
		return ""
	}
	return " at " + errcode.Quote(p)
}

// clean drops the library's package prefix and bounds the text.
func clean(s string) string {
	s = strings.TrimPrefix(s, "json: ")
	s = strings.TrimPrefix(s, "jsontext: ")
	return errcode.Clip(s, 200)
}

func kindName(k jsontext.Kind) string {
	switch k {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case '0':
		return "number"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "value"
}
