package main

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/ballot"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/vouch"
)

func TestGuardText(t *testing.T) {
	tests := []struct {
		name string
		v    any
		want string
	}{
		{"pause not in force", &ballot.PauseResult{Support: ballot.PauseSupport{Ballot: "d1-B"}, Supporters: 2, Required: 2, Organisations: 1, RequiredOrgs: 2}, `
ballot:     d1-B
supporters: 2 of 2 guardians, 1 of 2 organisations
pause:      not in force: more guardians must support it
`},
		{"no supports", []ballot.PauseSupport{}, "\nno guardian supports a pause\n"},
		{"no vouches", []vouch.Vouch{}, "\nno vouches\n"},
		{"a withdrawn vouch", []vouch.Vouch{{Voucher: identity.Identity{MSPID: "LabBMSP", ID: "x509::CN=bob::CN=ca"}, At: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC), WithdrawnAt: ptrTime(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			require.NoError(t, renderText(&b, tt.v))
			if tt.want == "" {
				assert.Contains(t, b.String(), "WITHDRAWN")
				assert.Contains(t, b.String(), "2026-03-02")
				return
			}
			assert.Equal(t, tt.want[1:], b.String())
		})
	}
	assert.Equal(t, "50.00 %; weights FoundationMSP 500, LabAMSP 3000, LabBMSP 300; LabAMSP capped to 800",
		orgCapText(&ballot.OrgCap{CapBps: 5000, Weights: []ballot.OrgWeight{{MSPID: "FoundationMSP", Weight: "500"}, {MSPID: "LabAMSP", Weight: "3000"}, {MSPID: "LabBMSP", Weight: "300"}}, Capped: "LabAMSP", CappedWeight: "800"}))
	assert.Equal(t, "50.00 %; weights LabAMSP 1, LabBMSP 1; nobody over the cap",
		orgCapText(&ballot.OrgCap{CapBps: 5000, Weights: []ballot.OrgWeight{{MSPID: "LabAMSP", Weight: "1"}, {MSPID: "LabBMSP", Weight: "1"}}}))
}

func ptrTime(t time.Time) *time.Time { return &t }
