package emergency

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/internal/testutil"
	"github.com/charter-gov/charter/chaincode/text"
)

// Every refused pause, disclosure, missed-disclosure record and
// ratification names the field of the request it is about and the rule it
// broke, and writes nothing.
func TestRefusalsNameFieldAndRule(t *testing.T) {
	w := newWorld(t, nil)
	t0 := w.now
	disclosed := Target{Kind: KindArtifact, ID: "disclosed@1"}
	open := Target{Kind: KindArtifact, ID: "open@1"}
	missed := Target{Kind: KindArtifact, ID: "missed@1"}
	supported := Target{Kind: KindArtifact, ID: "supported@1"}
	full := Target{Kind: KindArtifact, ID: "full@1"}
	w.mustPause(disclosed, w.gA1, w.gB)
	_, err := Disclose(w.tx(w.gA1), DiscloseRequest{Target: disclosed, Seq: 1, Text: "why"})
	require.NoError(t, err)
	w.mustPause(open, w.gA1, w.gB)
	w.mustPause(missed, w.gA1, w.gB)
	_, err = w.pause(w.gA1, supported)
	require.NoError(t, err)
	for seq := int64(1); seq <= MaxPausesPerTarget; seq++ {
		k, err := pauseKey(full, seq)
		require.NoError(t, err)
		require.NoError(t, core.PutJSON(w.s, k, Pause{Target: full, Seq: seq, From: t0.Add(-time.Hour), Until: t0.Add(-time.Hour)}))
	}
	late := t0.Add(4 * 24 * time.Hour)
	w.now = late
	_, err = RecordMissedDisclosure(w.tx(w.plain), missed, 1)
	require.NoError(t, err)
	cur, err := constitution.Current(w.s)
	require.NoError(t, err)

	pause := func(g identity.Identity, req PauseRequest) func() error {
		return func() error { _, err := PauseTarget(w.tx(g), req, exists); return err }
	}
	disclose := func(g identity.Identity, req DiscloseRequest) func() error {
		return func() error { _, err := Disclose(w.tx(g), req); return err }
	}
	record := func(tg Target, seq int64) func() error {
		return func() error { _, err := RecordMissedDisclosure(w.tx(w.plain), tg, seq); return err }
	}
	check := func(raw string) func() error {
		return func() error { return CheckRatification(w.s, &cur.Document, json.RawMessage(raw)) }
	}
	ratify := func(p RatificationPayload) func() error {
		return func() error {
			raw, err := json.Marshal(p)
			require.NoError(t, err)
			_, err = Ratify(w.tx(w.admin), raw, "d-x")
			return err
		}
	}
	reason := "a reason"
	for _, tt := range []struct {
		name        string
		at          time.Time
		do          func() error
		code        errcode.Code
		field, rule string
	}{
		{"pause: an unknown kind", t0, pause(w.gF, PauseRequest{Target: Target{Kind: "moon", ID: "x"}, Reason: reason}), errcode.InvalidArgument, "target.kind", "enum"},
		{"pause: no ID", t0, pause(w.gF, PauseRequest{Target: Target{Kind: KindArtifact}, Reason: reason}), errcode.InvalidArgument, "target.id", text.RuleRequired},
		{"pause: no reason", t0, pause(w.gF, PauseRequest{Target: art}), errcode.InvalidArgument, "reason", text.RuleRequired},
		{"pause: a ballot", t0, pause(w.gF, PauseRequest{Target: Target{Kind: KindBallot, ID: "b-1"}, Reason: reason}), errcode.InvalidArgument, "target.kind", RuleBallotPause},
		{"pause: already paused", t0, pause(w.gF, PauseRequest{Target: open, Reason: reason}), errcode.FailedPrecondition, "", RuleNotPaused},
		{"pause: a support twice", t0, pause(w.gA1, PauseRequest{Target: supported, Reason: reason}), errcode.Conflict, "", RuleOneSupport},
		{"pause: too many pauses", t0, pause(w.gF, PauseRequest{Target: full, Reason: reason}), errcode.FailedPrecondition, "", RuleMaxPauses},
		{"pause: re-imposed by its guardians", late, pause(w.gA1, PauseRequest{Target: open, Reason: reason}), errcode.FailedPrecondition, "", RuleReimposition},
		{"an action on a paused target", t0, func() error { return RefuseIfPaused(w.s, open, t0, "publish") }, errcode.FailedPrecondition, "", RuleNotPaused},
		{"disclose: seq 0", t0, disclose(w.gA1, DiscloseRequest{Target: open, Seq: 0, Text: "why"}), errcode.InvalidArgument, "seq", "range"},
		{"disclose: an unknown pause", t0, disclose(w.gA1, DiscloseRequest{Target: open, Seq: 2, Text: "why"}), errcode.NotFound, "seq", "exists"},
		{"disclose: no text", t0, disclose(w.gA1, DiscloseRequest{Target: open, Seq: 1}), errcode.InvalidArgument, "text", text.RuleRequired},
		{"disclose: not its guardian", t0, disclose(w.gF, DiscloseRequest{Target: open, Seq: 1, Text: "why"}), errcode.Forbidden, "", RulePauseGuardian},
		{"disclose: twice", t0, disclose(w.gB, DiscloseRequest{Target: disclosed, Seq: 1, Text: "again"}), errcode.Conflict, "", RuleOneDisclosure},
		{"missed: before the deadline", t0, record(open, 1), errcode.FailedPrecondition, "", RuleDeadlinePassed},
		{"missed: disclosed", late, record(disclosed, 1), errcode.FailedPrecondition, "", RuleUndisclosed},
		{"missed: twice", late, record(missed, 1), errcode.Conflict, "", RuleOneIncident},
		{"ratification: no payload", t0, check(""), errcode.InvalidArgument, "payload", "required"},
		{"ratification: an unknown kind", t0, check(`{"target":{"kind":"moon","id":"x"},"reimpose":true}`), errcode.InvalidArgument, "payload.target.kind", "enum"},
		{"ratification: neither extend nor reimpose", t0, check(`{"target":{"kind":"artifact","id":"open@1"},"seq":1}`), errcode.InvalidArgument, "payload.extendSeconds", RuleExtendOrReimpose},
		{"ratification: a ballot extended", t0, check(`{"target":{"kind":"ballot","id":"b-1"},"seq":1,"extendSeconds":60}`), errcode.InvalidArgument, "payload.extendSeconds", RuleReimposeOnly},
		{"ratification: an unknown pause", t0, check(`{"target":{"kind":"artifact","id":"open@1"},"seq":7,"extendSeconds":60}`), errcode.NotFound, "payload.seq", "exists"},
		{"ratification: beyond the maximum", t0, check(`{"target":{"kind":"artifact","id":"open@1"},"seq":1,"extendSeconds":99999999}`), errcode.InvalidArgument, "payload.extendSeconds", "range"},
		{"ratify: a lapsed pause", late, ratify(RatificationPayload{Target: open, Seq: 1, ExtendSeconds: 60}), errcode.FailedPrecondition, "", RuleInForce},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w.now = tt.at
			before := w.s.Snapshot()
			err := tt.do()
			testutil.AssertRefusal(t, err, tt.code, tt.field, tt.rule)
			assert.Equal(t, before, w.s.Snapshot(), "a refusal writes nothing")
		})
	}
}
