package coi_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	. "github.com/charter-gov/charter/chaincode/coi"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/internal/testutil"
	"github.com/charter-gov/charter/chaincode/text"
)

// Every refused disclosure, read and listing names the field of the
// request it is about and the rule it broke, and writes nothing.
func TestRefusalsNameFieldAndRule(t *testing.T) {
	s := seeded(t)
	_, err := Disclose(testutil.Tx(s, ada, false, testutil.T0()), DiscloseRequest{Subject: weights, Statement: "mine"})
	require.NoError(t, err)
	disclose := func(who identity.Identity, req DiscloseRequest) func() error {
		return func() error {
			_, err := Disclose(testutil.Tx(s, who, false, testutil.T0()), req)
			return err
		}
	}
	list := func(req ListRequest) func() error {
		return func() error { _, err := List(s, req); return err }
	}
	other := Subject{Kind: KindProposal, ID: "p-1"}
	for _, tt := range []struct {
		name        string
		do          func() error
		code        errcode.Code
		field, rule string
	}{
		{"an unknown kind", disclose(ben, DiscloseRequest{Subject: Subject{Kind: "planet", ID: "x"}, Statement: "s"}), errcode.InvalidArgument, "subject.kind", "enum"},
		{"no subject ID", disclose(ben, DiscloseRequest{Subject: Subject{Kind: KindArtifact}, Statement: "s"}), errcode.InvalidArgument, "subject.id", text.RuleRequired},
		{"no statement", disclose(ben, DiscloseRequest{Subject: other}), errcode.InvalidArgument, "statement", "required"},
		{"a statement too long", disclose(ben, DiscloseRequest{Subject: other, Statement: strings.Repeat("x", MaxStatementBytes+1)}), errcode.InvalidArgument, "statement", text.RuleMaxLength},
		{"a malformed hash", disclose(ben, DiscloseRequest{Subject: other, StatementHash: "abc"}), errcode.InvalidArgument, "statementHash", "format"},
		{"a hash of another statement", disclose(ben, DiscloseRequest{Subject: other, Statement: "s", StatementHash: HashStatement("t")}), errcode.InvalidArgument, "statementHash", RuleHashMatches},
		{"not a member", disclose(nobody, DiscloseRequest{Subject: other, Statement: "s"}), errcode.Forbidden, "", RuleActiveMember},
		{"a removed member", disclose(gone, DiscloseRequest{Subject: other, Statement: "s"}), errcode.Forbidden, "", RuleActiveMember},
		{"twice", disclose(ada, DiscloseRequest{Subject: weights, Statement: "again"}), errcode.Conflict, "subject", RuleOneDisclosure},
		{"get: none", func() error { _, err := Get(s, ben, weights); return err }, errcode.NotFound, "subject", "exists"},
		{"get: a bad member", func() error { _, err := Get(s, identity.Identity{ID: "x"}, weights); return err }, errcode.InvalidArgument, "member", "required"},
		{"list: neither", list(ListRequest{}), errcode.InvalidArgument, "", RuleSubjectOrMember},
		{"list: both", list(ListRequest{Subject: &weights, Member: &ada}), errcode.InvalidArgument, "", RuleSubjectOrMember},
		{"list: a kind with a subject", list(ListRequest{Subject: &weights, Kind: KindArtifact}), errcode.InvalidArgument, "kind", RuleKindNeedsMember},
		{"list: an unknown kind", list(ListRequest{Member: &ada, Kind: "planet"}), errcode.InvalidArgument, "kind", "enum"},
		{"list: a bad subject", list(ListRequest{Subject: &Subject{Kind: "planet", ID: "x"}}), errcode.InvalidArgument, "subject.kind", "enum"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := s.Snapshot()
			err := tt.do()
			testutil.AssertRefusal(t, err, tt.code, tt.field, tt.rule)
			assert.Equal(t, before, s.Snapshot(), "a refusal writes nothing")
		})
	}
}
