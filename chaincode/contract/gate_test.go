package contract

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/hyperledger/fabric-contract-api-go/v2/metadata"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/errcode"
)

// TestGateRefusals: each row was answered by contractapi without a code,
// or went on to build a key (INTERNAL), or echoed its whole input.
func TestGateRefusals(t *testing.T) {
	user := newIdentity(t, "LabAMSP", "User1@labA", "client")
	huge := strings.Repeat("x", 10<<20)
	tests := []struct {
		name string
		fn   string
		args []string
		msg  string
	}{
		{"extra argument", "member:Get", []string{"LabAMSP", "x509::CN=a::CN=b", "extra"}, "member:Get takes 2 arguments (mspId, id), got 3"},
		{"missing argument", "member:Get", []string{"LabAMSP"}, "takes 2 arguments"},
		{"argument to a transaction that takes none", "member:Whoami", []string{"x"}, "member:Whoami takes 0 arguments (none), got 1"},
		{"extra argument to a submit", "member:Register", []string{`{}`, `{}`}, "member:Register takes 1 argument (request), got 2"},
		{"unknown contract", "vault:Spend", nil, `no contract "vault"`},
		{"unknown transaction", "member:Crown", nil, `contract "member" has no transaction "Crown"`},
		{"name in another letter case", "member:whoami", nil, `no transaction "whoami"`},
		{"unknown transaction of the default contract", "Crown", nil, `contract "constitution" has no transaction "Crown"`},
		{"10 MiB member ID", "member:Get", []string{"LabAMSP", huge}, "argument id is 10485760 bytes, at most 1024"},
		{"10 MiB MSP ID", "member:List", []string{huge, "false", "", ""}, "argument mspId is 10485760 bytes, at most 128"},
		{"NUL in an MSP ID", "member:List", []string{"LabAMSP\x00", "false", "", ""}, "control character U+0000"},
		{"U+10FFFF in a member ID", "member:Get", []string{"LabAMSP", "x\U0010FFFF"}, "U+10FFFF"},
		{"invalid UTF-8 in a ballot ID", "ballot:Get", []string{"\xff"}, "not valid UTF-8"},
		{"empty required ID", "decision:Get", []string{""}, "argument id is empty"},
		{"a bool that is not true or false", "member:List", []string{"", "TRUE", "", ""}, `"TRUE" is not true or false`},
		{"a page size that is not a number", "ballot:Tally", []string{"b1", "ten"}, "is not a whole number"},
		{"JSON argument over 1 MiB", "member:Register", []string{`"` + strings.Repeat("a", MaxArgBytes) + `"`}, "at most 1048576 are accepted"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			h.foundDefault()
			msg := refused(t, h, user, tc.fn, tc.args, errcode.InvalidArgument, tc.msg)
			assert.LessOrEqual(t, len(msg), errcode.MaxMessageBytes)
			assert.Less(t, len(msg), 400, "the error quotes at most a short prefix: %s", msg)
		})
	}
}

func TestCodedWrapsUncodedErrors(t *testing.T) {
	assert.Equal(t, "INTERNAL: Function Crown not found in contract member", coded("Function Crown not found in contract member"))
	assert.Equal(t, "NOT_FOUND: member x", coded("NOT_FOUND: member x"))
	assert.Equal(t, "INTERNAL: wrapped NOT_FOUND: x", coded("wrapped NOT_FOUND: x"), "a code inside the text is not the message's code")
	long := coded("FORBIDDEN: " + strings.Repeat("y", 1<<20))
	assert.LessOrEqual(t, len(long), errcode.MaxMessageBytes)
	assert.True(t, strings.HasPrefix(long, "FORBIDDEN: "))
}

func TestMetadataDescribesEveryArgument(t *testing.T) {
	h := newHarness(t)
	user := newIdentity(t, "LabAMSP", "User1@labA", "client")
	res, _ := h.invoke(user, 0, MetadataFunction)
	require.Equal(t, int32(ok), res.Status, res.Message)

	// Fabric's own contract-schema accepts it.
	var md metadata.ContractChaincodeMetadata
	require.NoError(t, json.Unmarshal(res.Payload, &md))
	require.NoError(t, metadata.ValidateAgainstSchema(md))

	var doc struct {
		Contracts map[string]struct {
			Transactions []struct {
				Name       string   `json:"name"`
				Tag        []string `json:"tag"`
				Parameters []struct {
					Name   string         `json:"name"`
					Schema map[string]any `json:"schema"`
				} `json:"parameters"`
			} `json:"transactions"`
		} `json:"contracts"`
	}
	require.NoError(t, json.Unmarshal(res.Payload, &doc))
	count := 0
	for _, s := range signatures() {
		c, found := doc.Contracts[s.contract]
		require.True(t, found, s.contract)
		var tx *struct {
			Name       string   `json:"name"`
			Tag        []string `json:"tag"`
			Parameters []struct {
				Name   string         `json:"name"`
				Schema map[string]any `json:"schema"`
			} `json:"parameters"`
		}
		for i := range c.Transactions {
			if c.Transactions[i].Name == s.name {
				tx = &c.Transactions[i]
			}
		}
		require.NotNil(t, tx, s.fullName())
		require.Len(t, tx.Parameters, len(s.params), s.fullName())
		for i, p := range tx.Parameters {
			assert.Equal(t, s.params[i].name, p.Name, s.fullName())
			assert.NotRegexp(t, `^param[0-9]+$`, p.Name)
			switch s.params[i].kind {
			case kindJSON:
				assert.Equal(t, "object", p.Schema["type"], "%s %s", s.fullName(), p.Name)
				props, _ := p.Schema["properties"].(map[string]any)
				assert.NotEmpty(t, props, "%s %s: the request's fields", s.fullName(), p.Name)
				assert.Equal(t, false, p.Schema["additionalProperties"], "%s %s", s.fullName(), p.Name)
			case kindBool:
				assert.Equal(t, []any{"true", "false"}, p.Schema["enum"])
			default:
				assert.Equal(t, "string", p.Schema["type"])
				assert.EqualValues(t, s.params[i].maxBytes(), p.Schema["maxLength"], "%s %s bounded", s.fullName(), p.Name)
			}
		}
		count++
	}
	assert.Greater(t, count, 50)

	member := doc.Contracts["member"]
	for _, tx := range member.Transactions {
		switch tx.Name {
		case "Get", "List", "Whoami", "Vouches":
			assert.Equal(t, []string{"evaluate"}, tx.Tag, tx.Name)
		default:
			assert.Equal(t, []string{"submit"}, tx.Tag, tx.Name)
		}
		if tx.Name == "Register" {
			props := tx.Parameters[0].Schema["properties"].(map[string]any)
			assert.Contains(t, props, "member")
			assert.Contains(t, props, "name")
			assert.Contains(t, props, "roles")
		}
	}

	res, _ = h.invoke(user, 0, MetadataFunction, "extra")
	require.Equal(t, int32(500), res.Status)
	assert.Contains(t, res.Message, "INVALID_ARGUMENT")
}

// TestEveryPlainArgumentIsBounded walks the signature table: for every
// transaction and every plain string argument, an argument one byte over
// its kind's bound, and one holding a NUL, is refused as INVALID_ARGUMENT
// naming the argument, with a short message and nothing changed.
func TestEveryPlainArgumentIsBounded(t *testing.T) {
	user := newIdentity(t, "LabAMSP", "User1@labA", "client")
	h := newHarness(t)
	for _, s := range signatures() {
		for i, p := range s.params {
			if p.kind == kindJSON {
				continue
			}
			args := make([]string, len(s.params))
			for j, q := range s.params {
				switch q.kind {
				case kindInt:
					args[j] = "1"
				case kindBool:
					args[j] = "true"
				case kindTime:
					args[j] = "2026-03-01T09:00:00Z"
				case kindJSON:
					args[j] = "{}"
				default:
					args[j] = "x"
				}
			}
			t.Run(s.fullName()+"/"+p.name, func(t *testing.T) {
				args[i] = strings.Repeat("7", p.maxBytes()+1)
				msg := refused(t, h, user, s.fullName(), args, errcode.InvalidArgument, "argument "+p.name+" is")
				assert.Contains(t, msg, "at most")
				assert.Less(t, len(msg), 300)
				if p.kind == kindBookmark {
					return // a bookmark is a state key: it holds U+0000
				}
				args[i] = "7\x00"
				refused(t, h, user, s.fullName(), args, errcode.InvalidArgument, "argument "+p.name)
			})
		}
	}
}

// FuzzInvoke sends any function name and arguments through the gate: the
// answer is a success or a coded error of bounded length, never a panic.
func FuzzInvoke(f *testing.F) {
	f.Add("member:Get", "LabAMSP", "x509::a::b", "")
	f.Add("member:List", "LabAMSP\x00", "false", "x")
	f.Add("nope:Nope", "", "", "")
	f.Add("Crown", "a", "b", "c")
	f.Add("ballot:Votes", "b1", "-1", "99999999999999999999")
	h := newHarness(f)
	user := newIdentity(f, "LabAMSP", "User1@labA", "client")
	f.Fuzz(func(t *testing.T, fn, a, b, c string) {
		h.t = t
		for n := 0; n <= 3; n++ {
			args := []string{a, b, c}[:n]
			res, _ := h.invoke(user, 0, fn, args...)
			if res.Status == ok {
				continue
			}
			if _, found := errcode.Decode(res.Message); !found {
				t.Fatalf("uncoded error for %q%q: %s", fn, args, errcode.Clip(res.Message, 200))
			}
			if len(res.Message) > errcode.MaxMessageBytes {
				t.Fatalf("error of %d bytes", len(res.Message))
			}
		}
	})
}

func BenchmarkNewChaincode(b *testing.B) {
	for b.Loop() {
		if _, err := NewChaincode(Config{}); err != nil {
			b.Fatal(err)
		}
	}
}
