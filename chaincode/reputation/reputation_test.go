package reputation

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/coi"
	"github.com/charter-gov/charter/chaincode/contribution"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/internal/testutil"
	"github.com/charter-gov/charter/internal/golden"
)

func TestAttest(t *testing.T) {
	w := newWorld(t)
	exp := t0().Add(400 * 24 * time.Hour)
	tx := w.tx(attA, false, t0())
	a, err := Attest(tx, AttestRequest{Recipient: ada, Category: contribution.MergedCode, Weight: 40, Evidence: "sha256:abc", ExpiresAt: &exp})
	require.NoError(t, err)
	assert.Equal(t, tx.TxID, a.ID, "the attestation ID is the transaction ID")
	assert.Equal(t, ada, a.Recipient)
	assert.Equal(t, attA, a.Attester)
	assert.Equal(t, t0(), a.IssuedAt)
	require.NotNil(t, a.ExpiresAt)
	assert.Equal(t, exp, *a.ExpiresAt)
	assert.Nil(t, a.Revoked)
	require.NotNil(t, tx.Event())
	assert.Equal(t, EventAttested, tx.Event().Type)

	got, err := GetAttestation(w.s, AttestationRef{Recipient: ada, AttestationID: a.ID})
	require.NoError(t, err)
	assert.Equal(t, a, got)
	assert.Equal(t, int64(40_000), w.score(ada, t0()), "40 points = 40000 milli-points, undecayed at issue")
	assert.Equal(t, int64(40_000), w.score(ada, t0(), contribution.MergedCode))
	assert.Equal(t, int64(0), w.score(ada, t0(), contribution.Documentation))
	assert.Equal(t, int64(20_000), w.score(ada, t0().Add(90*24*time.Hour)), "half after one half-life")
	assert.Equal(t, int64(0), w.score(ada, exp), "expired at its expiry")
	assert.Equal(t, int64(0), w.score(ada, t0().Add(-time.Nanosecond)), "not yet issued")
}

func TestRefusalsChangeNothing(t *testing.T) {
	past := t0().Add(-time.Hour)
	tests := []struct {
		name   string
		caller identity.Identity
		op     func(tx *core.Tx, seed seeded) error
		code   errcode.Code
		msg    string
	}{
		{"self-attestation", attA, func(tx *core.Tx, _ seeded) error {
			_, err := Attest(tx, AttestRequest{Recipient: attA, Category: contribution.MergedCode, Weight: 1, Evidence: "e"})
			return err
		}, errcode.Forbidden, "self-attestation"},
		{"unknown category", attA, func(tx *core.Tx, _ seeded) error {
			_, err := Attest(tx, AttestRequest{Recipient: bob, Category: "poetry", Weight: 1, Evidence: "e"})
			return err
		}, errcode.InvalidArgument, `unknown contribution category "poetry"`},
		{"non-attester attests", carol, func(tx *core.Tx, _ seeded) error {
			_, err := Attest(tx, AttestRequest{Recipient: bob, Category: contribution.MergedCode, Weight: 1, Evidence: "e"})
			return err
		}, errcode.Forbidden, "does not hold the attester role"},
		{"non-member attests", ghost, func(tx *core.Tx, _ seeded) error {
			_, err := Attest(tx, AttestRequest{Recipient: bob, Category: contribution.MergedCode, Weight: 1, Evidence: "e"})
			return err
		}, errcode.Forbidden, "not an active member"},
		{"attester outside its categories", attB, func(tx *core.Tx, _ seeded) error {
			_, err := Attest(tx, AttestRequest{Recipient: ada, Category: contribution.Documentation, Weight: 1, Evidence: "e"})
			return err
		}, errcode.Forbidden, "not authorised for category documentation"},
		{"weight zero", attA, func(tx *core.Tx, _ seeded) error {
			_, err := Attest(tx, AttestRequest{Recipient: bob, Category: contribution.MergedCode, Weight: 0, Evidence: "e"})
			return err
		}, errcode.InvalidArgument, "weight 0 is out of bounds"},
		{"weight negative", attA, func(tx *core.Tx, _ seeded) error {
			_, err := Attest(tx, AttestRequest{Recipient: bob, Category: contribution.MergedCode, Weight: -5, Evidence: "e"})
			return err
		}, errcode.InvalidArgument, "out of bounds"},
		{"weight above the constitution's maximum", attA, func(tx *core.Tx, _ seeded) error {
			_, err := Attest(tx, AttestRequest{Recipient: bob, Category: contribution.MergedCode, Weight: 1001, Evidence: "e"})
			return err
		}, errcode.InvalidArgument, "allows 1..1000"},
		{"no evidence", attA, func(tx *core.Tx, _ seeded) error {
			_, err := Attest(tx, AttestRequest{Recipient: bob, Category: contribution.MergedCode, Weight: 1, Evidence: "  "})
			return err
		}, errcode.InvalidArgument, "evidence is empty"},
		{"evidence with a control character", attA, func(tx *core.Tx, _ seeded) error {
			_, err := Attest(tx, AttestRequest{Recipient: bob, Category: contribution.MergedCode, Weight: 1, Evidence: "a\rb"})
			return err
		}, errcode.InvalidArgument, "control character"},
		{"evidence too long", attA, func(tx *core.Tx, _ seeded) error {
			_, err := Attest(tx, AttestRequest{Recipient: bob, Category: contribution.MergedCode, Weight: 1, Evidence: strings.Repeat("x", MaxEvidenceBytes+1)})
			return err
		}, errcode.InvalidArgument, "at most 1024"},
		{"expiry in the past", attA, func(tx *core.Tx, _ seeded) error {
			_, err := Attest(tx, AttestRequest{Recipient: bob, Category: contribution.MergedCode, Weight: 1, Evidence: "e", ExpiresAt: &past})
			return err
		}, errcode.InvalidArgument, "expiry"},
		{"attestation to a non-member", attA, func(tx *core.Tx, _ seeded) error {
			_, err := Attest(tx, AttestRequest{Recipient: ghost, Category: contribution.MergedCode, Weight: 1, Evidence: "e"})
			return err
		}, errcode.NotFound, "is not an active member"},
		{"attestation to a removed member", attA, func(tx *core.Tx, _ seeded) error {
			_, err := Attest(tx, AttestRequest{Recipient: gone, Category: contribution.MergedCode, Weight: 1, Evidence: "e"})
			return err
		}, errcode.NotFound, "is not an active member"},
		{"malformed recipient", attA, func(tx *core.Tx, _ seeded) error {
			_, err := Attest(tx, AttestRequest{Recipient: identity.Identity{MSPID: "LabAMSP", ID: "ada"}, Category: contribution.MergedCode, Weight: 1, Evidence: "e"})
			return err
		}, errcode.InvalidArgument, "x509::"},
		{"cap exceeded", attA, func(tx *core.Tx, _ seeded) error {
			_, err := Attest(tx, AttestRequest{Recipient: ada, Category: contribution.MergedCode, Weight: 101, Evidence: "e"})
			return err
		}, errcode.FailedPrecondition, "farming cap exceeded"},
		{"revoke by someone other than the issuer", attB, func(tx *core.Tx, s seeded) error {
			_, err := Revoke(tx, RevokeRequest{AttestationRef: s.first, Reason: "mine now"})
			return err
		}, errcode.Forbidden, "only the issuing attester"},
		{"revoke by the recipient", ada, func(tx *core.Tx, s seeded) error {
			_, err := Revoke(tx, RevokeRequest{AttestationRef: s.first, Reason: "modesty"})
			return err
		}, errcode.Forbidden, "only the issuing attester"},
		{"revoke without a reason", attA, func(tx *core.Tx, s seeded) error {
			_, err := Revoke(tx, RevokeRequest{AttestationRef: s.first})
			return err
		}, errcode.InvalidArgument, "revocation reason is empty"},
		{"revoke an unknown attestation", attA, func(tx *core.Tx, _ seeded) error {
			_, err := Revoke(tx, RevokeRequest{AttestationRef: AttestationRef{Recipient: ada, AttestationID: "nope"}, Reason: "r"})
			return err
		}, errcode.NotFound, "does not exist"},
		{"revoke twice", attB, func(tx *core.Tx, s seeded) error {
			_, err := Revoke(tx, RevokeRequest{AttestationRef: s.revoked, Reason: "again"})
			return err
		}, errcode.Conflict, "already revoked"},
		{"endorse an attestation to oneself", ada, func(tx *core.Tx, s seeded) error {
			_, err := Endorse(tx, EndorseRequest{AttestationRef: s.first})
			return err
		}, errcode.Forbidden, "to themselves"},
		{"endorse one's own attestation", attA, func(tx *core.Tx, s seeded) error {
			_, err := Endorse(tx, EndorseRequest{AttestationRef: s.first})
			return err
		}, errcode.Forbidden, "they issued"},
		{"endorse as a non-member", ghost, func(tx *core.Tx, s seeded) error {
			_, err := Endorse(tx, EndorseRequest{AttestationRef: s.first})
			return err
		}, errcode.Forbidden, "not an active member"},
		{"endorse twice", carol, func(tx *core.Tx, s seeded) error {
			_, err := Endorse(tx, EndorseRequest{AttestationRef: s.first})
			return err
		}, errcode.Conflict, "already endorsed"},
		{"endorse a revoked attestation", carol, func(tx *core.Tx, s seeded) error {
			_, err := Endorse(tx, EndorseRequest{AttestationRef: s.revoked})
			return err
		}, errcode.FailedPrecondition, "was revoked"},
		{"endorse with a malformed attestation ID", carol, func(tx *core.Tx, _ seeded) error {
			_, err := Endorse(tx, EndorseRequest{AttestationRef: AttestationRef{Recipient: ada, AttestationID: "a\x00b"}})
			return err
		}, errcode.InvalidArgument, "control character U+0000"},
		{"slash fraction zero", judge, func(tx *core.Tx, _ seeded) error {
			_, err := SlashByDecision(tx, SlashRequest{Member: ada, FractionBps: 0, Reason: "r"}, "decision-1")
			return err
		}, errcode.InvalidArgument, "1..10000"},
		{"slash fraction above 100%", judge, func(tx *core.Tx, _ seeded) error {
			_, err := SlashByDecision(tx, SlashRequest{Member: ada, FractionBps: 10001, Reason: "r"}, "decision-2")
			return err
		}, errcode.InvalidArgument, "1..10000"},
		{"slash an unknown category", judge, func(tx *core.Tx, _ seeded) error {
			_, err := SlashByDecision(tx, SlashRequest{Member: ada, Category: "poetry", FractionBps: 100, Reason: "r"}, "decision-3")
			return err
		}, errcode.InvalidArgument, "unknown contribution category"},
		{"slash without a reason", judge, func(tx *core.Tx, _ seeded) error {
			_, err := SlashByDecision(tx, SlashRequest{Member: ada, FractionBps: 100}, "decision-4")
			return err
		}, errcode.InvalidArgument, "slash reason is empty"},
		{"slash a non-member", judge, func(tx *core.Tx, _ seeded) error {
			_, err := SlashByDecision(tx, SlashRequest{Member: ghost, FractionBps: 100, Reason: "r"}, "decision-5")
			return err
		}, errcode.NotFound, "not registered"},
		{"slash by decision without a decision", judge, func(tx *core.Tx, _ seeded) error {
			_, err := SlashByDecision(tx, SlashRequest{Member: ada, FractionBps: 100, Reason: "r"}, "")
			return err
		}, errcode.InvalidArgument, "decision ID is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			seed := seed(w)
			before := w.m.Snapshot()
			writes := w.m.Writes
			tx := w.tx(tt.caller, false, t0().Add(2*time.Hour))
			err := tt.op(tx, seed)
			require.Error(t, err)
			assert.Equal(t, tt.code, errcode.CodeOf(err), "error %v", err)
			assert.Contains(t, err.Error(), tt.msg)
			assert.Equal(t, before, w.m.Snapshot(), "state unchanged")
			assert.Equal(t, writes, w.m.Writes, "no writes")
			assert.Nil(t, tx.Event(), "no event")
		})
	}
}

type seeded struct {
	first, revoked AttestationRef
}

// seed: attA gave ada 1000 + 900 points of merged_code (cap 2000 per 30
// days); carol endorsed the first; attB attested bob and revoked it.
func seed(w *world) seeded {
	w.t.Helper()
	first := w.attest(attA, ada, contribution.MergedCode, 1000, t0())
	w.attest(attA, ada, contribution.MergedCode, 900, t0().Add(time.Hour))
	_, err := Endorse(w.tx(carol, false, t0().Add(time.Hour)), EndorseRequest{AttestationRef: AttestationRef{Recipient: ada, AttestationID: first.ID}})
	require.NoError(w.t, err)
	r := w.attest(attB, bob, contribution.RedTeaming, 10, t0())
	ref := AttestationRef{Recipient: bob, AttestationID: r.ID}
	_, err = Revoke(w.tx(attB, false, t0().Add(time.Hour)), RevokeRequest{AttestationRef: ref, Reason: "duplicate"})
	require.NoError(w.t, err)
	return seeded{first: AttestationRef{Recipient: ada, AttestationID: first.ID}, revoked: ref}
}

func TestNoConstitution(t *testing.T) {
	s := core.NewMemStore()
	_, err := Attest(testutil.Tx(s, attA, false, t0()), AttestRequest{Recipient: ada, Category: contribution.MergedCode, Weight: 1, Evidence: "e"})
	assert.ErrorIs(t, err, errcode.ErrFailedPrecondition)
	_, err = ScoreAt(s, ada, t0(), nil)
	assert.ErrorIs(t, err, errcode.ErrFailedPrecondition)
	assert.Empty(t, s.Keys())
}

func TestCaps(t *testing.T) {
	const period = 30 * 24 * time.Hour // the default capPeriodSeconds; cap 2000 points
	tests := []struct {
		name  string
		prior []struct {
			by, to identity.Identity
			weight int64
			at     time.Duration
		}
		revokeFirst bool
		by, to      identity.Identity
		weight      int64
		at          time.Duration
		ok          bool
	}{
		{name: "up to the cap exactly", weight: 1000, at: time.Hour, ok: true,
			prior: []struct {
				by, to identity.Identity
				weight int64
				at     time.Duration
			}{{attA, ada, 1000, 0}}},
		{name: "one point over the cap", weight: 1, at: time.Hour, ok: false,
			prior: []struct {
				by, to identity.Identity
				weight int64
				at     time.Duration
			}{{attA, ada, 1000, 0}, {attA, ada, 1000, 0}}},
		{name: "a revoked attestation still counts against the cap", weight: 1, at: time.Hour, ok: false, revokeFirst: true,
			prior: []struct {
				by, to identity.Identity
				weight int64
				at     time.Duration
			}{{attA, ada, 1000, 0}, {attA, ada, 1000, 0}}},
		{name: "the window has moved on", weight: 1000, at: period, ok: true,
			prior: []struct {
				by, to identity.Identity
				weight int64
				at     time.Duration
			}{{attA, ada, 1000, 0}, {attA, ada, 1000, time.Second}}},
		{name: "one second before the window moves on", weight: 1000, at: period - time.Second, ok: false,
			prior: []struct {
				by, to identity.Identity
				weight int64
				at     time.Duration
			}{{attA, ada, 1000, 0}, {attA, ada, 1000, 0}}},
		{name: "another attester has its own cap", by: attB, weight: 1000, at: time.Hour, ok: true,
			prior: []struct {
				by, to identity.Identity
				weight int64
				at     time.Duration
			}{{attA, ada, 1000, 0}, {attA, ada, 1000, 0}}},
		{name: "another recipient has its own cap", to: bob, weight: 1000, at: time.Hour, ok: true,
			prior: []struct {
				by, to identity.Identity
				weight int64
				at     time.Duration
			}{{attA, ada, 1000, 0}, {attA, ada, 1000, 0}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			var first *Attestation
			for _, p := range tt.prior {
				a := w.attest(p.by, p.to, contribution.MergedCode, p.weight, t0().Add(p.at))
				if first == nil {
					first = a
				}
			}
			if tt.revokeFirst {
				_, err := Revoke(w.tx(attA, false, t0().Add(time.Minute)), RevokeRequest{AttestationRef: AttestationRef{Recipient: first.Recipient, AttestationID: first.ID}, Reason: "oops"})
				require.NoError(t, err)
			}
			by, to := attA, ada
			if tt.by != (identity.Identity{}) {
				by = tt.by
			}
			if tt.to != (identity.Identity{}) {
				to = tt.to
			}
			before := w.m.Snapshot()
			_, err := Attest(w.tx(by, false, t0().Add(tt.at)), AttestRequest{Recipient: to, Category: contribution.MergedCode, Weight: tt.weight, Evidence: "e"})
			if tt.ok {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, errcode.ErrFailedPrecondition)
			assert.Contains(t, err.Error(), "above the cap of 2000")
			assert.Equal(t, before, w.m.Snapshot())
		})
	}
}

func TestScoreAtPointsInTime(t *testing.T) {
	hl := 90 * 24 * time.Hour
	w := newWorld(t)
	a := w.attest(attA, ada, contribution.MergedCode, 100, t0())
	w.attest(attA, ada, contribution.SafetyReview, 50, t0().Add(hl))
	_, err := Revoke(w.tx(attA, false, t0().Add(2*hl)), RevokeRequest{AttestationRef: AttestationRef{Recipient: ada, AttestationID: a.ID}, Reason: "wrong person"})
	require.NoError(t, err)

	tests := []struct {
		name string
		at   time.Time
		cats []contribution.Category
		want int64
	}{
		{"before anything", t0().Add(-time.Second), nil, 0},
		{"at the first issue", t0(), nil, 100_000},
		{"one half-life: the first halved, the second issued", t0().Add(hl), nil, 50_000 + 50_000},
		{"one half-life, merged code only", t0().Add(hl), []contribution.Category{contribution.MergedCode}, 50_000},
		{"one half-life, safety only", t0().Add(hl), []contribution.Category{contribution.SafetyReview}, 50_000},
		{"one half-life, a category twice counts once", t0().Add(hl), []contribution.Category{contribution.SafetyReview, contribution.SafetyReview}, 50_000},
		{"just before the revocation", t0().Add(2*hl - time.Nanosecond), nil, 25_000 + 25_000},
		{"at the revocation: revoked at or before at does not count", t0().Add(2 * hl), nil, 25_000},
		{"long after", t0().Add(50 * hl), nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, w.score(ada, tt.at, tt.cats...))
		})
	}

	_, err = ScoreAt(w.s, ada, t0(), []contribution.Category{"poetry"})
	assert.ErrorIs(t, err, errcode.ErrInvalidArgument)
	_, err = ScoreAt(w.s, identity.Identity{}, t0(), nil)
	assert.ErrorIs(t, err, errcode.ErrInvalidArgument)
	assert.Equal(t, int64(0), w.score(ghost, t0()), "a member with no records scores zero")
}

// TestSameSecond: attestations issued in the same second (whatever their
// nanoseconds) decay identically, so they add exactly.
func TestSameSecond(t *testing.T) {
	w := newWorld(t)
	base := t0().Add(17 * time.Second)
	w.attest(attA, ada, contribution.MergedCode, 7, base.Add(100*time.Millisecond))
	w.attest(attB, ada, contribution.MergedCode, 7, base.Add(900*time.Millisecond))
	w.attest(attB, ada, contribution.RedTeaming, 7, base.Add(900*time.Millisecond))
	for _, d := range []time.Duration{time.Second, 10 * 24 * time.Hour, 123456 * time.Second, 3 * 90 * 24 * time.Hour} {
		at := base.Add(d)
		one := Decay(7000, int64(d/time.Second), 90*86400)
		assert.Equal(t, 3*one, w.score(ada, at), "at +%s", d)
		assert.Equal(t, 2*one, w.score(ada, at, contribution.MergedCode))
	}
}

func TestEndorsementBonus(t *testing.T) {
	w := newWorld(t)
	a := w.attest(attB, bob, contribution.MergedCode, 100, t0())
	ref := AttestationRef{Recipient: bob, AttestationID: a.ID}
	endorsers := []identity.Identity{ada, carol, judge, attA}
	for i, e := range endorsers {
		tx := w.tx(e, false, t0().Add(time.Duration(i+1)*time.Hour))
		en, err := Endorse(tx, EndorseRequest{AttestationRef: ref, Comment: "saw the PR"})
		require.NoError(t, err)
		assert.Equal(t, e, en.Endorser)
		assert.Equal(t, EventEndorsed, tx.Event().Type)
	}
	// 5% per endorsement (no decay within a few hours at this scale is
	// visible only below a milli-point, so compare with Decay).
	for i := range endorsers {
		at := t0().Add(time.Duration(i+1) * time.Hour)
		want := Decay(100_000*(10000+int64(i+1)*500)/10000, int64(i+1)*3600, 90*86400)
		assert.Equal(t, want, w.score(bob, at), "after %d endorsements", i+1)
	}
	assert.Equal(t, int64(100_000), w.score(bob, t0()), "endorsements after at do not count")

	// The bonus is bounded: with a constitution capping at 25% (5 × 5%),
	// a sixth endorser adds nothing beyond the bound.
	six := []identity.Identity{testutil.ID("LabAMSP", "E5@labA"), testutil.ID("LabAMSP", "E6@labA")}
	for _, id := range six {
		reg := w.tx(adminA, true, t0())
		_, err := registerPlain(reg, id)
		require.NoError(t, err)
	}
	for i, e := range six {
		_, err := Endorse(w.tx(e, false, t0().Add(10*time.Hour+time.Duration(i)*time.Second)), EndorseRequest{AttestationRef: ref})
		require.NoError(t, err)
	}
	at := t0().Add(11 * time.Hour)
	assert.Equal(t, Decay(125_000, 11*3600, 90*86400), w.score(bob, at), "six endorsements: bounded at +25%")
}

func TestRevocationKeepsTheRecord(t *testing.T) {
	w := newWorld(t)
	a := w.attest(attA, ada, contribution.Documentation, 10, t0())
	ref := AttestationRef{Recipient: ada, AttestationID: a.ID}
	tx := w.tx(attA, false, t0().Add(time.Hour))
	r, err := Revoke(tx, RevokeRequest{AttestationRef: ref, Reason: "evidence was wrong"})
	require.NoError(t, err)
	assert.Equal(t, EventRevoked, tx.Event().Type)
	require.NotNil(t, r.Revoked)
	assert.Equal(t, "attester", r.Revoked.Authority)
	assert.Equal(t, attA, r.Revoked.By)
	got, err := GetAttestation(w.s, ref)
	require.NoError(t, err)
	assert.Equal(t, r, got, "the record stays, marked")
	h, err := MemberHistory(w.s, ada)
	require.NoError(t, err)
	require.Len(t, h.Attestations, 1)
	assert.NotNil(t, h.Attestations[0].Revoked)

	// A House A decision revokes any attestation.
	b := w.attest(attB, ada, contribution.MergedCode, 10, t0())
	r, err = RevokeByDecision(w.tx(judge, false, t0().Add(2*time.Hour)), RevokeRequest{AttestationRef: AttestationRef{Recipient: ada, AttestationID: b.ID}, Reason: "decided"}, "decision-7")
	require.NoError(t, err)
	assert.Equal(t, AuthorityDecision, r.Revoked.Authority)
	assert.Equal(t, "decision-7", r.Revoked.Decision)
	assert.Equal(t, int64(0), w.score(ada, t0().Add(2*time.Hour)))
	assert.Equal(t, int64(20_000), w.score(ada, t0()), "before the revocations both count")
}

func TestSlashing(t *testing.T) {
	hl := 90 * 24 * time.Hour
	w := newWorld(t)
	w.attest(attA, ada, contribution.MergedCode, 1000, t0())
	w.attest(attB, ada, contribution.RedTeaming, 400, t0())

	// A 25% slash in merged_code at one half-life.
	tx := w.tx(judge, false, t0().Add(hl))
	sl, err := SlashByDecision(tx, SlashRequest{Member: ada, Category: contribution.MergedCode, FractionBps: 2500, Reason: "farmed reviews"}, "decision-6")
	require.NoError(t, err)
	require.NotNil(t, tx.Event())
	assert.Equal(t, EventSlashed, tx.Event().Type)
	assert.True(t, strings.HasPrefix(tx.Event().Type, "incident."), "reported as a governance incident")
	var inc Incident
	require.NoError(t, json.Unmarshal(tx.Event().Payload, &inc))
	assert.Equal(t, "reputation_slash", inc.Kind)
	assert.Equal(t, *sl, inc.Slash)
	assert.Equal(t, AuthorityDecision, sl.Authority)
	assert.Equal(t, int64(500_000), sl.ScoreBefore)
	assert.Equal(t, int64(375_000), sl.ScoreAfter)

	assert.Equal(t, int64(500_000+200_000), w.score(ada, t0().Add(hl-time.Nanosecond)), "just before the slash: unchanged")
	assert.Equal(t, int64(375_000+200_000), w.score(ada, t0().Add(hl)), "from the slash on: merged_code × 0.75")
	assert.Equal(t, int64(200_000), w.score(ada, t0().Add(hl), contribution.RedTeaming), "other categories untouched")
	assert.Equal(t, int64(187_500), w.score(ada, t0().Add(2*hl), contribution.MergedCode), "slashed value keeps decaying")

	// Attestations issued after the slash are not affected.
	w.attest(attA, ada, contribution.MergedCode, 100, t0().Add(hl+time.Hour))
	assert.Equal(t, Decay(375_000, 3600, 90*86400)+100_000, w.score(ada, t0().Add(hl+time.Hour), contribution.MergedCode))

	// A slash of every category multiplies with the first one.
	sl2, err := SlashByDecision(w.tx(adminB, false, t0().Add(2*hl)), SlashRequest{Member: ada, FractionBps: 5000, Reason: "second offence"}, "decision-9")
	require.NoError(t, err)
	assert.Equal(t, AuthorityDecision, sl2.Authority)
	assert.Equal(t, "decision-9", sl2.Decision)
	mc := Decay(100_000, int64((hl-time.Hour)/time.Second), 90*86400)
	assert.Equal(t, (187_500+mc)/2, w.score(ada, t0().Add(2*hl), contribution.MergedCode))
	assert.Equal(t, int64(50_000), w.score(ada, t0().Add(2*hl), contribution.RedTeaming))
	assert.Equal(t, int64(187_500+mc+100_000), w.score(ada, t0().Add(2*hl-time.Nanosecond)), "slashes after at do not count")

	// A 100% slash zeroes everything issued before it.
	_, err = SlashByDecision(w.tx(judge, false, t0().Add(3*hl)), SlashRequest{Member: ada, FractionBps: 10000, Reason: "expelled"}, "decision-expel")
	require.NoError(t, err)
	assert.Equal(t, int64(0), w.score(ada, t0().Add(3*hl)))

	h, err := MemberHistory(w.s, ada)
	require.NoError(t, err)
	assert.Len(t, h.Slashes, 3)
}

func TestEligibility(t *testing.T) {
	w := newWorld(t)
	// Defaults: 500 points in total and 100 in safety (red_teaming + safety_review).
	w.attest(attA, ada, contribution.MergedCode, 450, t0())
	w.attest(attA, ada, contribution.SafetyReview, 50, t0())
	w.attest(attB, ada, contribution.RedTeaming, 50, t0())
	w.attest(attA, bob, contribution.MergedCode, 1000, t0())
	w.attest(attB, judge, contribution.RedTeaming, 10, t0())

	r, err := Eligibility(w.s, ada, t0())
	require.NoError(t, err)
	assert.True(t, r.Eligible, r.Reasons)
	assert.Equal(t, int64(550_000), r.TotalScore)
	assert.Equal(t, int64(100_000), r.SafetyScore)
	assert.Equal(t, int64(500_000), r.MinTotalScore)
	assert.Equal(t, int64(100_000), r.MinSafetyScore)
	assert.False(t, r.SeatLost)
	assert.Contains(t, r.Reasons, "total score 550.000 meets the minimum 500.000")

	r, err = Eligibility(w.s, ada, t0().Add(time.Hour))
	require.NoError(t, err)
	assert.False(t, r.Eligible, "decay takes the safety score below 100 points within the hour")
	assert.Contains(t, strings.Join(r.Reasons, "\n"), "safety score (red_teaming + safety_review) 99.")

	r, err = Eligibility(w.s, bob, t0())
	require.NoError(t, err)
	assert.False(t, r.Eligible, "no safety expertise")
	assert.Contains(t, strings.Join(r.Reasons, "\n"), "is below the minimum 100.000")

	r, err = Eligibility(w.s, judge, t0())
	require.NoError(t, err)
	assert.True(t, r.HoldsSeat)
	assert.False(t, r.Eligible)
	assert.True(t, r.SeatLost, "a seat holder below the threshold loses the seat")

	r, err = Eligibility(w.s, gone, t0())
	require.NoError(t, err)
	assert.False(t, r.ActiveMember)
	assert.False(t, r.Eligible)

	_, err = Eligibility(w.s, ghost, t0())
	assert.ErrorIs(t, err, errcode.ErrNotFound)

	page, err := EligibleMembers(w.s, "", t0(), 0, "")
	require.NoError(t, err)
	assert.Empty(t, page.Bookmark, "one page")
	all := page.Reports
	var eligible []identity.Identity
	for _, r := range all {
		if r.Eligible {
			eligible = append(eligible, r.Member)
		}
	}
	assert.Equal(t, []identity.Identity{ada}, eligible)
	assert.Len(t, all, 6, "every active member is reported")

	// In pages of 2: the same reports, each member once, no page reading
	// more than 2 member records, the removed member's page shorter; one
	// organisation's page lists only its members.
	c := &testutil.Counting{Store: w.s}
	paged, pages, err := testutil.AllPages(10, func(bm string) ([]EligibilityReport, string, error) {
		p, err := EligibleMembers(c, "", t0(), 2, bm)
		if err != nil {
			return nil, "", err
		}
		return p.Reports, p.Bookmark, nil
	})
	require.NoError(t, err)
	assert.Equal(t, all, paged)
	assert.Equal(t, 4, pages, "7 member records (one removed) in pages of 2")
	assert.Equal(t, 2, c.MaxPage())
	for _, prefix := range c.Scans {
		assert.NotEqual(t, core.MustKey("member"), prefix, "the register is never scanned whole")
	}
	labA, err := EligibleMembers(w.s, ada.MSPID, t0(), 0, "")
	require.NoError(t, err)
	require.NotEmpty(t, labA.Reports)
	for _, r := range labA.Reports {
		assert.Equal(t, ada.MSPID, r.Member.MSPID)
	}
	_, err = EligibleMembers(w.s, "", t0(), core.MaxPageSize+1, "")
	assert.ErrorIs(t, err, errcode.ErrInvalidArgument)
}

// scenario runs the same operations on a fresh world.
func scenario(t *testing.T) *world {
	w := newWorld(t)
	s := seed(w)
	exp := t0().Add(100 * 24 * time.Hour)
	_, err := Attest(w.tx(attB, false, t0().Add(3*time.Hour)), AttestRequest{Recipient: ada, Category: contribution.RedTeaming, Weight: 25, Evidence: "sha256:0f1e", ExpiresAt: &exp})
	require.NoError(t, err)
	_, err = Endorse(w.tx(judge, false, t0().Add(4*time.Hour)), EndorseRequest{AttestationRef: s.first, Comment: "reviewed"})
	require.NoError(t, err)
	_, err = SlashByDecision(w.tx(judge, false, t0().Add(5*time.Hour)), SlashRequest{Member: ada, Category: contribution.MergedCode, FractionBps: 1000, Reason: "self-dealing"}, "decision-self-dealing")
	require.NoError(t, err)
	return w
}

// TestDeterministicBytes runs the same operations on two fresh stores and
// compares every written byte and every score.
func TestDeterministicBytes(t *testing.T) {
	a, b := scenario(t), scenario(t)
	assert.Equal(t, a.m.Snapshot(), b.m.Snapshot())
	for _, d := range []time.Duration{0, time.Hour, 5 * time.Hour, 400 * 24 * time.Hour} {
		ra, err := Scores(a.s, ada, t0().Add(d), nil)
		require.NoError(t, err)
		rb, err := Scores(b.s, ada, t0().Add(d), nil)
		require.NoError(t, err)
		ja, err := json.Marshal(ra)
		require.NoError(t, err)
		jb, err := json.Marshal(rb)
		require.NoError(t, err)
		assert.Equal(t, string(ja), string(jb))
	}
}

// TestGoldenStoredFormat pins the stored format of every reputation record
// (keys and values); run with -update to rewrite it after a deliberate
// change (internal/golden).
func TestGoldenStoredFormat(t *testing.T) {
	w := scenario(t)
	type entry struct {
		Key   []string        `json:"key"`
		Value json.RawMessage `json:"value"`
	}
	var entries []entry
	for _, k := range w.m.Keys() {
		obj, attrs, err := core.SplitKey(k)
		require.NoError(t, err)
		switch obj {
		case objAttestation, objGiven, objEndorsement, objSlash:
		default:
			continue
		}
		v, err := w.s.Get(k)
		require.NoError(t, err)
		entries = append(entries, entry{Key: append([]string{obj}, attrs...), Value: v})
	}
	r, err := Scores(w.s, ada, t0().Add(6*time.Hour), nil)
	require.NoError(t, err)
	got, err := json.MarshalIndent(struct {
		Records []entry      `json:"records"`
		Score   *ScoreReport `json:"scoreOfAdaAtT0Plus6h"`
	}{entries, r}, "", "  ")
	require.NoError(t, err)
	golden.Assert(t, "stored.golden.json", append(got, '\n'))
}

func TestConflictedAttesterIsRecused(t *testing.T) {
	w := newWorld(t)
	model := coi.Subject{Kind: coi.KindArtifact, ID: "model-x@sha256:ab12"}
	_, err := coi.Disclose(w.tx(attB, false, t0()), coi.DiscloseRequest{Subject: model, Statement: "I trained model-x"})
	require.NoError(t, err)

	before, writes := w.m.Snapshot(), w.m.Writes
	tx := w.tx(attB, false, t0().Add(time.Minute))
	_, err = Attest(tx, AttestRequest{Recipient: ada, Category: contribution.RedTeaming, Weight: 50, Evidence: "report-7", Subject: &model})
	assert.ErrorIs(t, err, errcode.ErrForbidden)
	assert.ErrorContains(t, err, "recused from attesting")
	assert.Equal(t, before, w.m.Snapshot(), "nothing written")
	assert.Equal(t, writes, w.m.Writes)
	assert.Nil(t, tx.Event())

	// Another attester without a conflict attests for the same subject, and
	// the subject is kept on the record.
	a, err := Attest(w.tx(attA, false, t0().Add(time.Minute)), AttestRequest{Recipient: ada, Category: contribution.SafetyReview, Weight: 50, Evidence: "report-7", Subject: &model})
	require.NoError(t, err)
	require.NotNil(t, a.Subject)
	assert.Equal(t, model, *a.Subject)

	_, err = Attest(w.tx(attA, false, t0().Add(2*time.Minute)), AttestRequest{Recipient: ada, Category: contribution.SafetyReview, Weight: 5, Evidence: "e", Subject: &coi.Subject{Kind: "nonsense", ID: "x"}})
	assert.ErrorIs(t, err, errcode.ErrInvalidArgument)
}

// The time rule for reputation: an attestation stamped before the
// recipient's newest slash is recorded just after it (on the old code it
// was dated before the slash, which then halved an attestation written
// after it); a slash stamped before the newest attestation is recorded at
// it, so it applies to everything that exists when it is written.
func TestReputationHistoryInTimeOrder(t *testing.T) {
	w := newWorld(t)
	slashAt := t0().Add(10 * time.Minute)
	w.attest(attA, ada, contribution.MergedCode, 100, t0().Add(time.Minute))
	sl, err := SlashByDecision(w.tx(judge, false, slashAt), SlashRequest{Member: ada, FractionBps: 5000, Reason: "misconduct"}, "decision-order-1")
	require.NoError(t, err)
	assert.Equal(t, slashAt, sl.At)
	a := w.attest(attB, ada, contribution.MergedCode, 100, slashAt.Add(-5*time.Minute))
	assert.Equal(t, slashAt.Add(time.Nanosecond), a.IssuedAt, "recorded after the slash")
	// 50 (the first, halved) + 100 (the second, whole), less a few
	// milli-points of decay; halved, the second would leave about 100.
	assert.Greater(t, w.score(ada, slashAt.Add(time.Second)), int64(149_000), "the later attestation is not slashed")

	b := w.attest(attA, bob, contribution.MergedCode, 100, t0().Add(20*time.Minute))
	sl, err = SlashByDecision(w.tx(judge, false, t0().Add(15*time.Minute)), SlashRequest{Member: bob, FractionBps: 5000, Reason: "misconduct"}, "decision-backdated")
	require.NoError(t, err)
	assert.Equal(t, b.IssuedAt, sl.At, "a backdated slash is recorded at the newest attestation")
	assert.Equal(t, int64(50_000), w.score(bob, b.IssuedAt))

	r, err := Revoke(w.tx(attA, false, t0()), RevokeRequest{AttestationRef: AttestationRef{Recipient: bob, AttestationID: b.ID}, Reason: "mistake"})
	require.NoError(t, err)
	assert.Equal(t, b.IssuedAt, r.Revoked.At, "a revocation is never dated before the attestation")
}
