package upgrade_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/internal/testutil"
	. "github.com/charter-gov/charter/chaincode/upgrade"
)

// Every refused authorisation, sign-off and check names the field of the
// request it is about and the rule it broke, and writes nothing.
func TestRefusalsNameFieldAndRule(t *testing.T) {
	w := newWorld(t)
	at := w.t.Add(2 * time.Hour)
	_, err := Sign(testutil.Tx(w.s, w.seatA1, false, at), SignOffRequest{Sequence: 2, Digest: digestA})
	require.NoError(t, err)
	sign := func(req SignOffRequest) func() error {
		return func() error {
			_, err := Sign(testutil.Tx(w.s, w.seatA1, false, at), req)
			return err
		}
	}
	authorise := func(raw string) func() error {
		return func() error {
			_, err := Authorise(testutil.Tx(w.s, w.plainA, false, at), "dec-x", json.RawMessage(raw))
			return err
		}
	}
	check := func(digest string, seq int64) func() error {
		return func() error { _, err := Check(w.s, digest, seq); return err }
	}
	for _, tt := range []struct {
		name        string
		do          func() error
		code        errcode.Code
		field, rule string
	}{
		{"sign-off: a short digest", sign(SignOffRequest{Sequence: 2, Digest: "abc"}), errcode.InvalidArgument, "digest", "format"},
		{"sign-off: upper-case digest", sign(SignOffRequest{Sequence: 2, Digest: "A1" + digestA[2:]}), errcode.InvalidArgument, "digest", "format"},
		{"sign-off: sequence 1", sign(SignOffRequest{Sequence: 1, Digest: digestA}), errcode.InvalidArgument, "sequence", "range"},
		{"sign-off: no authorisation", sign(SignOffRequest{Sequence: 3, Digest: digestA}), errcode.NotFound, "sequence", "exists"},
		{"sign-off: another build", sign(SignOffRequest{Sequence: 2, Digest: digestB}), errcode.FailedPrecondition, "digest", RuleAuthorisedDigest},
		{"sign-off: twice", sign(SignOffRequest{Sequence: 2, Digest: digestA}), errcode.Conflict, "", RuleOneSignOff},
		{"authorise: no payload", authorise(""), errcode.InvalidArgument, "payload", "required"},
		{"authorise: a bad digest", authorise(`{"digest":"zz","sequence":3,"version":"1.2"}`), errcode.InvalidArgument, "payload.digest", "format"},
		{"authorise: sequence 0", authorise(`{"digest":"` + digestB + `","sequence":0,"version":"1.2"}`), errcode.InvalidArgument, "payload.sequence", "range"},
		{"authorise: no version", authorise(`{"digest":"` + digestB + `","sequence":3,"version":""}`), errcode.InvalidArgument, "payload.version", "required"},
		{"authorise: a sequence twice", authorise(`{"digest":"` + digestB + `","sequence":2,"version":"1.2"}`), errcode.Conflict, "payload.sequence", RuleOneBuildPerSequence},
		{"check: a bad digest", check("nope", 2), errcode.InvalidArgument, "digest", "format"},
		{"check: another build", check(digestB, 2), errcode.FailedPrecondition, "digest", RuleAuthorisedDigest},
		{"check: one organisation", check(digestA, 2), errcode.FailedPrecondition, "", RuleTwoPerson},
		{"check: no authorisation", check(digestA, 9), errcode.NotFound, "sequence", "exists"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := w.s.Snapshot()
			err := tt.do()
			testutil.AssertRefusal(t, err, tt.code, tt.field, tt.rule)
			assert.Equal(t, before, w.s.Snapshot(), "a refusal writes nothing")
		})
	}
}
