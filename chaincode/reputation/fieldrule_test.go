package reputation

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/coi"
	"github.com/charter-gov/charter/chaincode/contribution"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/internal/testutil"
	"github.com/charter-gov/charter/chaincode/text"
)

// Every refused attestation, revocation, endorsement and slash names the
// field of the request it is about and the rule it broke, and writes
// nothing.
func TestRefusalsNameFieldAndRule(t *testing.T) {
	w := newWorld(t)
	at := t0().Add(time.Hour)
	a := w.attest(attA, ada, contribution.MergedCode, 10, at)
	revoked := w.attest(attA, bob, contribution.MergedCode, 10, at)
	_, err := Revoke(w.tx(attA, false, at), RevokeRequest{AttestationRef: AttestationRef{Recipient: bob, AttestationID: revoked.ID}, Reason: "wrong"})
	require.NoError(t, err)
	_, err = Endorse(w.tx(carol, false, at), EndorseRequest{AttestationRef: AttestationRef{Recipient: ada, AttestationID: a.ID}})
	require.NoError(t, err)
	soon := at.Add(time.Hour)
	expiring, err := Attest(w.tx(attA, false, at), AttestRequest{Recipient: carol, Category: contribution.MergedCode, Weight: 1, Evidence: "e", ExpiresAt: &soon})
	require.NoError(t, err)
	w.attest(attB, bob, contribution.MergedCode, 1000, at)
	w.attest(attB, bob, contribution.MergedCode, 1000, at)
	subject := coi.Subject{Kind: coi.KindArtifact, ID: "m@1"}
	_, err = coi.Disclose(w.tx(attA, false, at), coi.DiscloseRequest{Subject: subject, Statement: "mine"})
	require.NoError(t, err)

	ok := AttestRequest{Recipient: ada, Category: contribution.MergedCode, Weight: 5, Evidence: "e"}
	attest := func(by identity.Identity, edit func(*AttestRequest)) func() error {
		return func() error {
			req := ok
			edit(&req)
			_, err := Attest(w.tx(by, false, at), req)
			return err
		}
	}
	ref := AttestationRef{Recipient: ada, AttestationID: a.ID}
	endorse := func(by identity.Identity, r AttestationRef, when time.Time) func() error {
		return func() error { _, err := Endorse(w.tx(by, false, when), EndorseRequest{AttestationRef: r}); return err }
	}
	past := at
	for _, tt := range []struct {
		name        string
		do          func() error
		code        errcode.Code
		field, rule string
	}{
		{"attest: a malformed recipient", attest(attA, func(r *AttestRequest) { r.Recipient = identity.Identity{ID: "x"} }), errcode.InvalidArgument, "recipient", "required"},
		{"attest: a replayed transaction", func() error {
			tx := w.tx(attA, false, at)
			tx.TxID = a.ID // an attestation's ID is its transaction's
			_, err := Attest(tx, AttestRequest{Recipient: ada, Category: contribution.MergedCode, Weight: 5, Evidence: "e"})
			return err
		}, errcode.Conflict, "", RuleUniqueID},
		{"attest: an unknown category", attest(attA, func(r *AttestRequest) { r.Category = "poetry" }), errcode.InvalidArgument, "category", "enum"},
		{"attest: weight 0", attest(attA, func(r *AttestRequest) { r.Weight = 0 }), errcode.InvalidArgument, "weight", "range"},
		{"attest: weight above the maximum", attest(attA, func(r *AttestRequest) { r.Weight = 1001 }), errcode.InvalidArgument, "weight", "range"},
		{"attest: no evidence", attest(attA, func(r *AttestRequest) { r.Evidence = "" }), errcode.InvalidArgument, "evidence", text.RuleRequired},
		{"attest: an expiry in the past", attest(attA, func(r *AttestRequest) { r.ExpiresAt = &past }), errcode.InvalidArgument, "expiresAt", RuleFuture},
		{"attest: not a member", attest(ghost, func(*AttestRequest) {}), errcode.Forbidden, "", RuleActiveMember},
		{"attest: not an attester", attest(carol, func(*AttestRequest) {}), errcode.Forbidden, "", RuleAttesterRole},
		{"attest: another category", attest(attB, func(r *AttestRequest) { r.Category = contribution.Documentation }), errcode.Forbidden, "category", RuleAttesterOf},
		{"attest: oneself", attest(attA, func(r *AttestRequest) { r.Recipient = attA }), errcode.Forbidden, "recipient", RuleNotSelf},
		{"attest: a bad subject", attest(attA, func(r *AttestRequest) { r.Subject = &coi.Subject{Kind: "planet", ID: "x"} }), errcode.InvalidArgument, "subject.kind", "enum"},
		{"attest: conflicted", attest(attA, func(r *AttestRequest) { r.Subject = &subject }), errcode.Forbidden, "subject", RuleRecused},
		{"attest: a removed recipient", attest(attA, func(r *AttestRequest) { r.Recipient = gone }), errcode.NotFound, "recipient", RuleActiveMember},
		{"attest: past the farming cap", attest(attB, func(r *AttestRequest) { r.Recipient = bob; r.Weight = 1 }), errcode.FailedPrecondition, "weight", RuleFarmingCap},
		{"revoke: no reason", func() error { _, err := Revoke(w.tx(attA, false, at), RevokeRequest{AttestationRef: ref}); return err }, errcode.InvalidArgument, "reason", text.RuleRequired},
		{"revoke: not the issuer", func() error {
			_, err := Revoke(w.tx(attB, false, at), RevokeRequest{AttestationRef: ref, Reason: "r"})
			return err
		}, errcode.Forbidden, "", RuleIssuer},
		{"revoke: twice", func() error {
			_, err := Revoke(w.tx(attA, false, at), RevokeRequest{AttestationRef: AttestationRef{Recipient: bob, AttestationID: revoked.ID}, Reason: "r"})
			return err
		}, errcode.Conflict, "", RuleRevokeOnce},
		{"revoke: an unknown attestation", func() error {
			_, err := Revoke(w.tx(attA, false, at), RevokeRequest{AttestationRef: AttestationRef{Recipient: ada, AttestationID: "nope"}, Reason: "r"})
			return err
		}, errcode.NotFound, "attestationId", "exists"},
		{"revoke: no attestation ID", func() error {
			_, err := Revoke(w.tx(attA, false, at), RevokeRequest{AttestationRef: AttestationRef{Recipient: ada}, Reason: "r"})
			return err
		}, errcode.InvalidArgument, "attestationId", text.RuleRequired},
		{"endorse: a comment with a control character", func() error {
			_, err := Endorse(w.tx(judge, false, at), EndorseRequest{AttestationRef: ref, Comment: "a\x01"})
			return err
		}, errcode.InvalidArgument, "comment", text.RuleCharacters},
		{"endorse: not a member", endorse(ghost, ref, at), errcode.Forbidden, "", RuleActiveMember},
		{"endorse: one's own", endorse(ada, ref, at), errcode.Forbidden, "", RuleNotSelf},
		{"endorse: one issued", endorse(attA, ref, at), errcode.Forbidden, "", RuleNotOwn},
		{"endorse: revoked", endorse(judge, AttestationRef{Recipient: bob, AttestationID: revoked.ID}, at), errcode.FailedPrecondition, "", RuleNotRevoked},
		{"endorse: expired", endorse(judge, AttestationRef{Recipient: carol, AttestationID: expiring.ID}, soon.Add(time.Hour)), errcode.FailedPrecondition, "", RuleNotExpired},
		{"endorse: twice", endorse(carol, ref, at), errcode.Conflict, "", RuleEndorseOnce},
		{"slash: a malformed member", func() error {
			_, err := SlashByDecision(w.tx(judge, false, at), SlashRequest{Member: identity.Identity{ID: "x"}, FractionBps: 10, Reason: "r"}, "d-1")
			return err
		}, errcode.InvalidArgument, "member", "required"},
		{"slash: fraction 0", func() error {
			_, err := SlashByDecision(w.tx(judge, false, at), SlashRequest{Member: ada, Reason: "r"}, "d-1")
			return err
		}, errcode.InvalidArgument, "fractionBps", "range"},
		{"slash: no reason", func() error {
			_, err := SlashByDecision(w.tx(judge, false, at), SlashRequest{Member: ada, FractionBps: 10}, "d-1")
			return err
		}, errcode.InvalidArgument, "reason", text.RuleRequired},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := w.m.Snapshot()
			err := tt.do()
			testutil.AssertRefusal(t, err, tt.code, tt.field, tt.rule)
			assert.Equal(t, before, w.m.Snapshot(), "a refusal writes nothing")
		})
	}
}
