package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/membership"
	charter "github.com/charter-gov/charter/gateway-client"
)

var (
	at    = time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
	admin = identity.Identity{MSPID: "LabAMSP", ID: "x509::CN=Admin@laba::CN=ca.laba"}
	adaID = identity.Identity{MSPID: "LabAMSP", ID: "x509::CN=User1@laba::CN=ca.laba"}
	adaM  = membership.Member{Identity: adaID, Name: "Ada", Roles: []membership.Role{"member", "attester"}, Status: membership.StatusActive,
		RegisteredBy: admin, RegisteredAt: at, UpdatedAt: at}
)

func TestTextOutput(t *testing.T) {
	removed := adaM
	removed.Status, removed.Roles, removed.RemovedReason = membership.StatusRemoved, nil, "left the lab"
	tests := []struct {
		name string
		v    any
		want string
	}{
		{"transaction committed", &charter.TxStatus{TxID: "t1", Found: true, Valid: true, ValidationCode: "VALID"}, `
transaction: t1
status:      committed, VALID: its writes are in the world state; do not resubmit
`},
		{"transaction invalid", &charter.TxStatus{TxID: "t2", Found: true, ValidationCode: "MVCC_READ_CONFLICT"}, `
transaction: t2
status:      in a block but invalid (MVCC_READ_CONFLICT): it changed nothing
`},
		{"transaction not found", &charter.TxStatus{TxID: "t3"}, `
transaction: t3
status:      not found on this peer's ledger (not ordered, lost, or not yet delivered: check again shortly)
`},
		{"whoami registered", &membership.WhoAmI{Identity: adaID, Member: &adaM}, `
identity:  LabAMSP/User1
org admin: no
member:    Ada (LabAMSP), active; roles: member,attester
`},
		{"whoami admin", &membership.WhoAmI{Identity: admin, OrgAdmin: true}, `
identity:  LabAMSP/Admin
org admin: yes
member:    not registered
`},
		{"member", &adaM, `
member:     Ada (LabAMSP)
identity:   LabAMSP/User1
status:     active
roles:      member,attester
registered: 2025-03-04T05:06:07Z by LabAMSP/Admin
updated:    2025-03-04T05:06:07Z
`},
		{"removed member", &removed, `
member:          Ada (LabAMSP)
identity:        LabAMSP/User1
status:          removed
roles:           -
registered:      2025-03-04T05:06:07Z by LabAMSP/Admin
updated:         2025-03-04T05:06:07Z
removed because: left the lab
`},
		{"members", []membership.Member{adaM, removed}, `
MEMBER         IDENTITY       STATUS   ROLES
Ada (LabAMSP)  LabAMSP/User1  active   member,attester
Ada (LabAMSP)  LabAMSP/User1  removed  -
`},
		{"no members", []membership.Member{}, "\nno members\n"},
		{"history", []constitution.VersionSummary{{Version: 1, Hash: "aa", AdoptedAt: at}, {Version: 2, Hash: "bb", AdoptedAt: at, Decision: "ballot-7"}}, `
VERSION  ADOPTED               DECISION  HASH
1        2025-03-04T05:06:07Z  -         aa
2        2025-03-04T05:06:07Z  ballot-7  bb
`},
		{"event", charter.Event{BlockNumber: 9, TxID: "t1", Name: "member.registered",
			Envelope: core.Event{Type: "member.registered", TxID: "t1", Time: at, Actor: admin, Payload: json.RawMessage("{\n \"name\": \"Ada\"\n}")}}, `
#9  2025-03-04 05:06:07  member.registered  LabAMSP/Admin  tx t1  {"name":"Ada"}
`},
		{"event naming members, long", charter.Event{BlockNumber: 12, TxID: "961cdd5a405de8ef05c304d89016c48e7b71591105694f618a3c31d0166e72fb", Name: "token.transferred",
			Envelope: core.Event{Type: "token.transferred", Time: at, Actor: adaID, Payload: json.RawMessage(`{"from":{"mspId":"LabAMSP","id":"x509::CN=User1@laba,OU=client::CN=ca"},"to":{"mspId":"LabBMSP","id":"x509::CN=User2@labb::CN=ca"},"amount":25,"memo":"` + strings.Repeat("m", 200) + `"}`)}}, `
#12  2025-03-04 05:06:07  token.transferred  LabAMSP/User1  tx 961cdd5a  {"amount":25,"from":"LabAMSP/User1","memo":"mm…
`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			require.NoError(t, formatter{w: &b}.print(tt.v))
			assert.Equal(t, strings.TrimPrefix(tt.want, "\n"), b.String())
		})
	}
}

func TestTextOutputOfConstitution(t *testing.T) {
	v := &constitution.Version{Version: 1, Hash: "abc", AdoptedAt: at, AdoptedBy: admin, TxID: "tx9", Document: constitution.Default()}
	var b bytes.Buffer
	require.NoError(t, formatter{w: &b}.print(v))
	out := b.String()
	for _, want := range []string{
		"version:     1\n",
		"adopted:     2025-03-04T05:06:07Z by LabAMSP/Admin\n",
		"transaction: tx9\n",
		"Charter community constitution\n",
		"  A  House A  3–21 seats",
		"every eligible member",
		"release_stage",
		"66.67%",
		"constitutional_amendment  A+B     seat,reputation",
		"concurrence: after 7d of mediation",
		"delegation:  depth at most 8\n",
	} {
		assert.Contains(t, out, want)
	}
}

func TestJSONOutput(t *testing.T) {
	values := []any{
		&membership.WhoAmI{Identity: adaID, Member: &adaM},
		&adaM,
		[]membership.Member{adaM},
		&constitution.Version{Version: 1, Document: constitution.Default()},
		[]constitution.VersionSummary{{Version: 1}},
		charter.Event{BlockNumber: 9, TxID: "t1", Name: "n", Envelope: core.Event{Type: "n", Payload: json.RawMessage(`{"a":"<b>"}`)}},
	}
	for _, v := range values {
		var b bytes.Buffer
		require.NoError(t, formatter{w: &b, json: true}.print(v))
		out := b.String()
		assert.Equal(t, 1, strings.Count(out, "\n"), "one value per line: %s", out)
		assert.True(t, json.Valid([]byte(out)))
		assert.NotContains(t, out, `\u003c`, "no HTML escaping")
		want, err := json.Marshal(v)
		require.NoError(t, err)
		assert.JSONEq(t, string(want), out)
	}
}

func TestTextOutputRefusesUnknownTypes(t *testing.T) {
	var b bytes.Buffer
	err := formatter{w: &b}.print(42)
	require.Error(t, err)
	assert.Empty(t, b.String())
}

func TestNumberFormats(t *testing.T) {
	for in, want := range map[int64]string{0: "0%", 5000: "50%", 6667: "66.67%", 5001: "50.01%", 10000: "100%", 5: "0.05%", -250: "-2.50%"} {
		assert.Equal(t, want, bps(in), "bps(%d)", in)
	}
	for in, want := range map[int64]string{0: "0s", 59: "59s", 60: "1m", 93784: "1d2h3m4s", 7 * 86400: "7d", -3600: "-1h"} {
		assert.Equal(t, want, seconds(in), "seconds(%d)", in)
	}
}

// FuzzParseRoles checks that a --roles list is either refused or kept
// exactly (known roles, order kept, blanks dropped).
func FuzzParseRoles(f *testing.F) {
	f.Add("attester,house_a")
	f.Add(" member , ,guardian")
	f.Add("wizard")
	f.Fuzz(func(t *testing.T, list string) {
		names := strings.Split(list, ",")
		rs, err := parseRoles(names)
		var kept []string
		for _, n := range names {
			if s := strings.TrimSpace(n); s != "" {
				kept = append(kept, s)
			}
		}
		if err != nil {
			assert.Equal(t, exitUsage, exitCode(err))
			for _, n := range kept {
				if !membership.Role(n).Valid() {
					return
				}
			}
			t.Fatalf("refused %q although every role is known: %v", list, err)
		}
		require.Len(t, rs, len(kept))
		for i, r := range rs {
			require.True(t, r.Valid())
			require.Equal(t, kept[i], string(r))
		}
	})
}

func TestAbbreviate(t *testing.T) {
	assert.Equal(t, "short", abbreviate("short", 10))
	assert.Equal(t, "exactly10!", abbreviate("exactly10!", 10))
	assert.Equal(t, "élan vit…", abbreviate("élan vital, élan", 9), "cuts runes, not bytes")
	assert.Len(t, []rune(abbreviate(strings.Repeat("x", 500), maxEventLine)), maxEventLine)
}
