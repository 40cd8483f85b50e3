package contract

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hyperledger/fabric-contract-api-go/v2/serializer"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The string shortcut answers exactly what contractapi's own serializer
// answers: the same status, message, payload, events and writes for every
// argument, including empty, multi-byte, invalid UTF-8, JSON-looking and
// oversized ones, and for refusals.
func TestStringSerializerMatchesContractapi(t *testing.T) {
	ada := newIdentity(t, "LabAMSP", "Ada@labA", "client")
	inputs := []struct{ key, value string }{
		{"k1", "v1"},
		{"", "v"},
		{"k2", ""},
		{"ключ", "значение ✓"},
		{"k3", "\xff\xfe not UTF-8"},
		{"\xffkey", "v"},
		{"k4", `{"json":"looking","n":1}`},
		{"k5", strings.Repeat("x", 70_000)},
		{"k6", `"quoted"`},
		{"k7\x00nul", "v"},
	}
	run := func(ser serializer.TransactionSerializer) []string {
		h := newHarness(t)
		cc, err := NewBenchChaincode(h.cfg)
		require.NoError(t, err)
		cc.TransactionSerializer = ser
		h.cc = cc
		var out []string
		for _, in := range inputs {
			res, stub := h.invoke(ada, 0, "bench:Put", in.key, in.value)
			events := make([]string, 0, len(stub.Events))
			for name, payload := range stub.Events {
				events = append(events, name+"="+string(payload))
			}
			slices.Sort(events)
			out = append(out, strings.Join([]string{string(rune('0' + res.Status/100)), res.Message, string(res.Payload), strings.Join(events, ",")}, "|"))
		}
		res, _ := h.invoke(ada, time.Hour, "bench:Put", "late", "v")
		out = append(out, res.Message)
		res, _ = h.invoke(ada, 0, "bench:Put", "one-argument")
		out = append(out, res.Message)
		res, _ = h.invoke(ada, 0, "org.hyperledger.fabric:GetMetadata")
		out = append(out, string(res.Payload))
		var writes []string
		for k, v := range h.state.Snapshot() {
			writes = append(writes, k+"="+string(v))
		}
		slices.Sort(writes)
		return append(out, writes...)
	}
	want := run(new(serializer.JSONSerializer))
	got := run(new(stringSerializer))
	require.Len(t, got, len(want))
	for i := range want {
		assert.Equal(t, want[i], got[i], "case %d", i)
	}
}

// Types other than string go through contractapi's serializer unchanged.
func TestStringSerializerDelegatesOtherTypes(t *testing.T) {
	s, j := new(stringSerializer), new(serializer.JSONSerializer)
	for _, c := range []struct {
		in  string
		typ reflect.Type
	}{{"42", reflect.TypeFor[int]()}, {"true", reflect.TypeFor[bool]()}, {`["a"]`, reflect.TypeFor[[]string]()}, {"x", reflect.TypeFor[int]()}} {
		got, gotErr := s.FromString(c.in, c.typ, nil, nil)
		want, wantErr := j.FromString(c.in, c.typ, nil, nil)
		assert.Equal(t, wantErr, gotErr, c.in)
		if wantErr == nil {
			assert.Equal(t, want.Interface(), got.Interface(), c.in)
			str, err := s.ToString(got, c.typ, nil, nil)
			require.NoError(t, err)
			jstr, err := j.ToString(want, c.typ, nil, nil)
			require.NoError(t, err)
			assert.Equal(t, jstr, str)
		}
	}
}
