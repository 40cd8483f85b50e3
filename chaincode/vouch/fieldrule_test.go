package vouch

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/internal/testutil"
	"github.com/charter-gov/charter/chaincode/membership"
)

// Every refused vouch or withdrawal names the request field it is about
// (empty when it is about the caller) and the rule it broke, and writes
// nothing.
func TestRefusalsNameFieldAndRule(t *testing.T) {
	w := newWorld(t)
	ada := w.member(t, "LabAMSP", "ada")
	ann := w.member(t, "LabAMSP", "ann")
	bob := w.member(t, "LabBMSP", "bob")
	cy := w.member(t, "LabCMSP", "cy")
	gone := w.member(t, "LabBMSP", "gone")
	_, err := membership.Remove(w.tx(testutil.ID("LabBMSP", "admin"), true), membership.RemoveRequest{Member: gone, Reason: "left"})
	require.NoError(t, err)
	_, err = Give(w.tx(bob, false), GiveRequest{Member: ada})
	require.NoError(t, err)
	_, err = Give(w.tx(cy, false), GiveRequest{Member: ada})
	require.NoError(t, err)
	_, err = Withdraw(w.tx(cy, false), WithdrawRequest{Member: ada})
	require.NoError(t, err)

	give := func(caller, member identity.Identity) func() error {
		return func() error { _, err := Give(w.tx(caller, false), GiveRequest{Member: member}); return err }
	}
	withdraw := func(caller, member identity.Identity) func() error {
		return func() error { _, err := Withdraw(w.tx(caller, false), WithdrawRequest{Member: member}); return err }
	}
	for _, tt := range []struct {
		name        string
		do          func() error
		code        errcode.Code
		field, rule string
	}{
		{"a malformed member", give(bob, identity.Identity{MSPID: "LabAMSP"}), errcode.InvalidArgument, "member.id", "x509-identity"},
		{"a member without an MSP", withdraw(bob, identity.Identity{ID: ada.ID}), errcode.InvalidArgument, "member.mspId", "required"},
		{"a caller who is no member", give(testutil.ID("LabBMSP", "stranger"), ada), errcode.Forbidden, "", membership.RuleActiveMember},
		{"the member's own organisation", give(ann, ada), errcode.Forbidden, "member", RuleOtherOrganisation},
		{"an unknown member", give(bob, testutil.ID("LabAMSP", "ghost")), errcode.NotFound, "member", "exists"},
		{"a removed member", give(ada, gone), errcode.NotFound, "member", membership.RuleActiveMember},
		{"twice", give(bob, ada), errcode.Conflict, "member", "unique"},
		{"again after withdrawing", give(cy, ada), errcode.Conflict, "member", RuleNotWithdrawn},
		{"withdraw a vouch never given", withdraw(ann, bob), errcode.NotFound, "member", "exists"},
		{"withdraw twice", withdraw(cy, ada), errcode.Conflict, "member", RuleNotWithdrawn},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before, writes := w.s.Snapshot(), w.s.Writes
			err := tt.do()
			testutil.AssertRefusal(t, err, tt.code, tt.field, tt.rule)
			assert.Equal(t, before, w.s.Snapshot(), "a refusal writes nothing")
			assert.Equal(t, writes, w.s.Writes)
		})
	}
}
