package incident_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/errcode"
	. "github.com/charter-gov/charter/chaincode/incident"
	"github.com/charter-gov/charter/chaincode/internal/testutil"
	"github.com/charter-gov/charter/chaincode/text"
)

// Every refused filing, recording, post-mortem, read and listing names the
// field of the request it is about and the rule it broke, and writes
// nothing.
func TestRefusalsNameFieldAndRule(t *testing.T) {
	s := world(t, nil)
	filed, err := File(testutil.Tx(s, seat, false, at(2*time.Hour)), validFile())
	require.NoError(t, err)
	_, err = RecordOnce(testutil.Tx(s, seat, false, at(2*time.Hour)), Incident{Kind: KeyCompromise, Severity: High, Summary: "s", Subject: "member:x"})
	require.NoError(t, err)
	full := testutil.Tx(s, seat, false, at(3*time.Hour))
	for range 16 {
		_, err := Record(full, Incident{Kind: KeyCompromise, Severity: Low, Summary: "s"})
		require.NoError(t, err)
	}
	file := func(edit func(*FileRequest)) func() error {
		return func() error {
			req := validFile()
			edit(&req)
			_, err := File(testutil.Tx(s, seat, false, at(2*time.Hour)), req)
			return err
		}
	}
	from, to := at(time.Hour), at(time.Hour)
	for _, tt := range []struct {
		name        string
		do          func() error
		code        errcode.Code
		field, rule string
	}{
		{"an unknown kind", file(func(r *FileRequest) { r.Kind = "meteor" }), errcode.InvalidArgument, "kind", "enum"},
		{"an unknown severity", file(func(r *FileRequest) { r.Severity = "apocalyptic" }), errcode.InvalidArgument, "severity", "enum"},
		{"no summary", file(func(r *FileRequest) { r.Summary = "" }), errcode.InvalidArgument, "summary", text.RuleRequired},
		{"too many transactions", file(func(r *FileRequest) { r.Transactions = make([]string, MaxTransactions+1) }), errcode.InvalidArgument, "transactions", "max-items"},
		{"an empty transaction", file(func(r *FileRequest) { r.Transactions = []string{"t1", ""} }), errcode.InvalidArgument, "transactions[1]", text.RuleRequired},
		{"a transaction twice", file(func(r *FileRequest) { r.Transactions = []string{"t1", "t1"} }), errcode.InvalidArgument, "transactions[1]", "unique"},
		{"a decision with a control character", file(func(r *FileRequest) { r.Decision = "d\x01" }), errcode.InvalidArgument, "decision", text.RuleCharacters},
		{"a subject too long", file(func(r *FileRequest) { r.Subject = strings.Repeat("s", MaxSubjectBytes+1) }), errcode.InvalidArgument, "subject", text.RuleMaxBytes},
		{"a post-mortem that is no link", file(func(r *FileRequest) { r.PostMortem = "ftp://x" }), errcode.InvalidArgument, "postMortem", "format"},
		{"no occurrence time", file(func(r *FileRequest) { r.OccurredAt = time.Time{} }), errcode.InvalidArgument, "occurredAt", "required"},
		{"an occurrence after the filing", file(func(r *FileRequest) { r.OccurredAt = at(3 * time.Hour) }), errcode.InvalidArgument, "occurredAt", RuleNotFuture},
		{"not a filer", func() error { _, err := File(testutil.Tx(s, plain, false, at(2*time.Hour)), validFile()); return err }, errcode.Forbidden, "", RuleFilerRole},
		{"record once: no subject", func() error {
			_, err := RecordOnce(testutil.Tx(s, seat, false, at(2*time.Hour)), Incident{Kind: KeyCompromise, Severity: High, Summary: "s"})
			return err
		}, errcode.InvalidArgument, "subject", "required"},
		{"record once: twice", func() error {
			_, err := RecordOnce(testutil.Tx(s, seat, false, at(2*time.Hour)), Incident{Kind: KeyCompromise, Severity: High, Summary: "s", Subject: "member:x"})
			return err
		}, errcode.Conflict, "subject", RuleOncePerSubject},
		{"record: past the incidents of one transaction", func() error {
			_, err := Record(full, Incident{Kind: KeyCompromise, Severity: Low, Summary: "s"})
			return err
		}, errcode.FailedPrecondition, "", RuleMaxPerTx},
		{"post-mortem: none", func() error {
			_, err := AttachPostMortem(testutil.Tx(s, seat, false, at(2*time.Hour)), PostMortemRequest{ID: filed.ID})
			return err
		}, errcode.InvalidArgument, "postMortem", text.RuleRequired},
		{"post-mortem: twice", func() error {
			_, err := AttachPostMortem(testutil.Tx(s, seat, false, at(2*time.Hour)), PostMortemRequest{ID: filed.ID, PostMortem: "sha256:ab"})
			return err
		}, errcode.Conflict, "", RuleOnePostMortem},
		{"post-mortem: an unknown incident", func() error {
			_, err := AttachPostMortem(testutil.Tx(s, seat, false, at(2*time.Hour)), PostMortemRequest{ID: "nope", PostMortem: "sha256:ab"})
			return err
		}, errcode.NotFound, "id", "exists"},
		{"get: no ID", func() error { _, err := Get(s, ""); return err }, errcode.InvalidArgument, "id", text.RuleRequired},
		{"list: an unknown kind", func() error { _, err := List(s, ListRequest{Kind: "meteor"}); return err }, errcode.InvalidArgument, "kind", "enum"},
		{"list: from not before to", func() error { _, err := List(s, ListRequest{From: &from, To: &to}); return err }, errcode.InvalidArgument, "from", RuleFromBeforeTo},
		{"list: a page too large", func() error { _, err := List(s, ListRequest{PageSize: core.MaxPageSize + 1}); return err }, errcode.InvalidArgument, "pageSize", "range"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := s.Snapshot()
			err := tt.do()
			testutil.AssertRefusal(t, err, tt.code, tt.field, tt.rule)
			assert.Equal(t, before, s.Snapshot(), "a refusal writes nothing")
		})
	}
}
