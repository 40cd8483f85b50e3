package strictjson

import (
	stdjson "encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/errcode"
)

type member struct {
	MSPID string `json:"mspId"`
	ID    string `json:"id"`
}

type request struct {
	Member  member             `json:"member"`
	Name    string             `json:"name"`
	Roles   []string           `json:"roles,omitempty"`
	Weight  int64              `json:"weight,omitempty"`
	At      time.Time          `json:"at,omitzero"`
	Payload stdjson.RawMessage `json:"payload,omitempty"`
}

// TestRefusals lists every laxness encoding/json allowed on a contract
// argument; each row was accepted by the decoder this package replaced.
func TestRefusals(t *testing.T) {
	tests := []struct {
		name, in, msg string
	}{
		{"duplicate key, last would win", `{"member":{"mspId":"LabBMSP","id":"x"},"member":{"mspId":"LabAMSP","id":"x"},"name":"n"}`, `duplicate field "member"`},
		{"duplicate nested key", `{"member":{"mspId":"LabBMSP","mspId":"LabAMSP","id":"x"},"name":"n"}`, `duplicate field "mspId"`},
		{"duplicate key in a raw payload", `{"name":"n","payload":{"a":1,"a":2}}`, `duplicate field "a"`},
		{"key in another letter case", `{"MEMBER":{"mspId":"LabAMSP","id":"x"},"name":"n"}`, `unknown field "MEMBER"`},
		{"nested key in another letter case", `{"member":{"MspId":"LabAMSP","id":"x"},"name":"n"}`, `unknown field "MspId"`},
		{"unknown key", `{"name":"n","king":true}`, `unknown field "king"`},
		{"trailing brace", `{"name":"n"}}`, "malformed JSON"},
		{"trailing garbage", `{"name":"n"}]]]garbage`, "malformed JSON"},
		{"second value", `{"name":"n"} {"name":"m"}`, "malformed JSON"},
		{"lone high surrogate", `{"name":"\ud800"}`, "malformed JSON"},
		{"lone low surrogate", `{"name":"a\udc00b"}`, "malformed JSON"},
		{"reversed surrogate pair", `{"name":"\udc00\ud800"}`, "malformed JSON"},
		{"invalid UTF-8 byte", "{\"name\":\"\xff\"}", "malformed JSON"},
		{"top-level null", `null`, "null is not a test request"},
		{"top-level null with space", " \n null ", "null is not a test request"},
		{"empty", ``, "empty"},
		{"only spaces", "   ", "empty"},
		{"truncated", `{"name":"n"`, "malformed JSON"},
		{"fraction into an integer", `{"name":"n","weight":1.5}`, "malformed JSON"},
		{"overflowing integer", `{"name":"n","weight":9223372036854775808}`, "malformed JSON"},
		{"string for an integer", `{"name":"n","weight":"5"}`, "malformed JSON"},
		{"array for the request", `[{"name":"n"}]`, "malformed JSON"},
		{"too large", `{"name":"` + strings.Repeat("a", 100) + `"}`, "at most 64 are accepted"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got request
			limit := 1 << 20
			if tc.name == "too large" {
				limit = 64
			}
			err := DecodeString("test request", tc.in, limit, &got)
			t.Log(err)
			require.Error(t, err)
			assert.True(t, errcode.IsCode(err, errcode.InvalidArgument), "%v", err)
			assert.Contains(t, err.Error(), tc.msg)
			assert.Contains(t, err.Error(), "test request")
		})
	}
}

func TestAccepts(t *testing.T) {
	in := ` {"member":{"mspId":"LabAMSP","id":"x::y"},"name":"Ada \u00e9 \ud83d\ude00","roles":null,"weight":7,"at":"2026-03-01T09:00:00Z","payload":{"k":[1,2]}} ` + "\n"
	var got request
	require.NoError(t, DecodeString("test request", in, 1<<20, &got))
	assert.Equal(t, member{MSPID: "LabAMSP", ID: "x::y"}, got.Member)
	assert.Equal(t, "Ada é 😀", got.Name)
	assert.Nil(t, got.Roles)
	assert.Equal(t, int64(7), got.Weight)
	assert.Equal(t, time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC), got.At)
	assert.JSONEq(t, `{"k":[1,2]}`, string(got.Payload))

	// What encoding/json writes, this package reads back to the same value.
	raw, err := stdjson.Marshal(got)
	require.NoError(t, err)
	var again request
	require.NoError(t, Decode("test request", raw, 1<<20, &again))
	assert.Equal(t, got, again)
}

func TestErrorsQuoteOnlyAPrefix(t *testing.T) {
	long := strings.Repeat("k", 100000)
	var got request
	err := DecodeString("test request", `{"`+long+`":1}`, 1<<20, &got)
	require.Error(t, err)
	assert.Less(t, len(err.Error()), 400, "the error does not echo the input")
	assert.Contains(t, err.Error(), "(100000 bytes)")
}

// FuzzDecode checks that any input either decodes to a value that
// encoding/json round-trips, or is refused with INVALID_ARGUMENT whose
// message is bounded, and that nothing panics.
func FuzzDecode(f *testing.F) {
	f.Add(`{"member":{"mspId":"LabAMSP","id":"x"},"name":"n"}`)
	f.Add(`{"name":"\ud800"}`)
	f.Add(`{"name":"n","name":"m"}`)
	f.Add(`{"NAME":"n"}`)
	f.Add(`null`)
	f.Add(`{"name":"n"}]]]garbage`)
	f.Add(`{"payload":{"a":{"b":[1,{"c":null}]}}}`)
	f.Fuzz(func(t *testing.T, in string) {
		var got request
		err := DecodeString("fuzz request", in, 1<<16, &got)
		if err != nil {
			if !errcode.IsCode(err, errcode.InvalidArgument) {
				t.Fatalf("error without INVALID_ARGUMENT: %v", err)
			}
			if len(err.Error()) > 600 {
				t.Fatalf("error of %d bytes for %d bytes of input", len(err.Error()), len(in))
			}
			return
		}
		// Accepted input is valid JSON for encoding/json as well, and holds
		// one object with no duplicate name (so both decoders agree).
		if !stdjson.Valid([]byte(in)) {
			t.Fatalf("accepted input encoding/json finds invalid: %q", in)
		}
		var std request
		if err := stdjson.Unmarshal([]byte(in), &std); err != nil {
			t.Fatalf("accepted input encoding/json refuses: %q: %v", in, err)
		}
		if std.Name != got.Name || std.Member != got.Member || std.Weight != got.Weight {
			t.Fatalf("decoders disagree on %q: %+v vs %+v", in, got, std)
		}
	})
}
