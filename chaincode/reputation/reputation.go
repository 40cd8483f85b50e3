package reputation

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/charter-gov/charter/chaincode/coi"
	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/contribution"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/membership"
	"github.com/charter-gov/charter/chaincode/text"
	"github.com/charter-gov/charter/chaincode/timerule"
)

// Object types of the keys this package writes.
const (
	objAttestation = "attestation"
	objGiven       = "attestgiven"
	objEndorsement = "endorsement"
	objSlash       = "slash"
)

// Event types this package emits. A slash is a governance incident: its
// event type starts with "incident.", which the audit export and the
// incident metrics select on.
const (
	EventAttested = "reputation.attested"
	EventRevoked  = "reputation.revoked"
	EventEndorsed = "reputation.endorsed"
	EventSlashed  = "incident.reputation.slashed"
)

// Authorities under which a slash is recorded (a slash is only ever the
// effect of a decision).
const (
	// AuthorityDecision marks a slash or revocation executing a House A
	// decision.
	AuthorityDecision = "house_a_decision"
)

// Limits of free-text fields, in bytes.
const (
	MaxEvidenceBytes = 1024
	MaxReasonBytes   = 1024
	MaxCommentBytes  = 512
)

// Attestation is one attestation, stored under its recipient. It is bound
// to the recipient's identity (part of its key) and is never transferred;
// revocation marks it and keeps it.
type Attestation struct {
	ID        string                `json:"id"`
	Recipient identity.Identity     `json:"recipient"`
	Attester  identity.Identity     `json:"attester"`
	Category  contribution.Category `json:"category"`
	// Weight is in whole points, 1..constitution reputation.maxAttestationWeight.
	Weight int64 `json:"weight"`
	// Evidence references the contribution: a commit, a pull request URL,
	// an artifact digest.
	Evidence string    `json:"evidence"`
	IssuedAt time.Time `json:"issuedAt"`
	// ExpiresAt, when set, is the first instant the attestation no longer
	// counts.
	ExpiresAt *time.Time  `json:"expiresAt,omitempty"`
	Revoked   *Revocation `json:"revoked,omitempty"`
	// Subject is what the contribution concerns, when the attester named it.
	Subject *coi.Subject `json:"subject,omitempty"`
}

// Revocation marks a revoked attestation. From At on, the attestation no
// longer counts.
type Revocation struct {
	By        identity.Identity `json:"by"`
	At        time.Time         `json:"at"`
	TxID      string            `json:"txId"`
	Reason    string            `json:"reason"`
	Authority string            `json:"authority"` // "attester" or AuthorityDecision
	Decision  string            `json:"decision,omitempty"`
}

// Given is the cap index entry of an attestation: what one attester gave one
// recipient, and when. Written once, never changed.
type Given struct {
	AttestationID string    `json:"attestationId"`
	Weight        int64     `json:"weight"`
	IssuedAt      time.Time `json:"issuedAt"`
}

// Endorsement is one member vouching for another's attestation.
type Endorsement struct {
	AttestationID string            `json:"attestationId"`
	Recipient     identity.Identity `json:"recipient"`
	Endorser      identity.Identity `json:"endorser"`
	At            time.Time         `json:"at"`
	TxID          string            `json:"txId"`
	Comment       string            `json:"comment,omitempty"`
}

// SlashRecord is one slashing of a member for misconduct. From At on, every
// attestation the member was issued at or before At, in Category (or in
// every category when Category is empty), counts (10000 − FractionBps) /
// 10000 of its value; attestations issued later are not affected.
type SlashRecord struct {
	ID          string                `json:"id"`
	Member      identity.Identity     `json:"member"`
	Category    contribution.Category `json:"category,omitempty"`
	FractionBps int64                 `json:"fractionBps"`
	Reason      string                `json:"reason"`
	By          identity.Identity     `json:"by"`
	At          time.Time             `json:"at"`
	Authority   string                `json:"authority"`
	Decision    string                `json:"decision,omitempty"`
	// ScoreBefore and ScoreAfter are the member's score in Category (total
	// when empty), in milli-points, just before and just after the slash.
	ScoreBefore int64 `json:"scoreBefore"`
	ScoreAfter  int64 `json:"scoreAfter"`
}

// Incident is the payload of the EventSlashed governance-incident event.
type Incident struct {
	Kind  string      `json:"kind"` // "reputation_slash"
	Slash SlashRecord `json:"slash"`
}

// AttestRequest asks to attest a contribution of Recipient.
type AttestRequest struct {
	Recipient identity.Identity     `json:"recipient"`
	Category  contribution.Category `json:"category"`
	Weight    int64                 `json:"weight"`
	Evidence  string                `json:"evidence"`
	ExpiresAt *time.Time            `json:"expiresAt,omitempty"`
	// Subject, when set, is what the contribution concerns (an artifact, a
	// dataset, a proposal, …): an attester who disclosed a conflict of
	// interest on it is recused and may not attest.
	Subject *coi.Subject `json:"subject,omitempty"`
}

// AttestationRef names an attestation: its recipient and ID.
type AttestationRef struct {
	Recipient     identity.Identity `json:"recipient"`
	AttestationID string            `json:"attestationId"`
}

// RevokeRequest asks to revoke an attestation.
type RevokeRequest struct {
	AttestationRef
	Reason string `json:"reason"`
}

// EndorseRequest asks to endorse an attestation.
type EndorseRequest struct {
	AttestationRef
	Comment string `json:"comment,omitempty"`
}

// SlashRequest asks to slash a member. An empty Category slashes every
// category.
type SlashRequest struct {
	Member      identity.Identity     `json:"member"`
	Category    contribution.Category `json:"category,omitempty"`
	FractionBps int64                 `json:"fractionBps"`
	Reason      string                `json:"reason"`
}

// AttestationKey returns the state key of an attestation.
func AttestationKey(recipient identity.Identity, id string) (string, error) {
	return core.Key(objAttestation, recipient.MSPID, recipient.ID, id)
}

// givenKey returns the cap index key of an attestation of weight issued
// at at: under the pair's prefix, newest first (capTime), then the weight
// (so that the cap is summed from the keys, without decoding each value)
// and the attestation ID.
func givenKey(recipient, attester identity.Identity, at time.Time, weight int64, id string) (string, error) {
	return core.Key(objGiven, recipient.MSPID, recipient.ID, attester.MSPID, attester.ID, capTime(at), strconv.FormatInt(weight, 10), id)
}

// legacyGivenKey is the cap index key ledgers written before the
// newest-first layout hold (no time part); Attest no longer writes it, and
// givenWithin still counts what it finds under it.
func legacyGivenKey(recipient, attester identity.Identity, id string) (string, error) {
	return core.Key(objGiven, recipient.MSPID, recipient.ID, attester.MSPID, attester.ID, id)
}

// capTimeMark starts every time part of the cap index. It sorts after
// every character of a Fabric transaction ID (lowercase hexadecimal), the
// only attestation IDs the legacy layout holds on a ledger, so that a scan
// of a pair's prefix reads the pair's legacy entries first, then the new
// ones newest first.
const capTimeMark = "~"

// capTime encodes t so that later times sort first: capTimeMark, the
// seconds since the Unix epoch mapped order-preservingly onto uint64 and
// inverted (20 digits), "." and the inverted nanoseconds (9 digits). It is
// defined for every time.Time.
func capTime(t time.Time) string {
	sec := math.MaxUint64 - (uint64(t.Unix()) ^ (1 << 63))
	nsec := 999_999_999 - t.Nanosecond()
	return fmt.Sprintf("%s%020d.%09d", capTimeMark, sec, nsec)
}

// parseCapTime is capTime's inverse; ok is false for anything capTime does
// not produce.
func parseCapTime(s string) (t time.Time, ok bool) {
	if len(s) != len(capTimeMark)+20+1+9 || !strings.HasPrefix(s, capTimeMark) || s[len(capTimeMark)+20] != '.' {
		return time.Time{}, false
	}
	sec, err := strconv.ParseUint(s[len(capTimeMark):len(capTimeMark)+20], 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	nsec, err := strconv.ParseUint(s[len(capTimeMark)+21:], 10, 32)
	if err != nil || nsec > 999_999_999 {
		return time.Time{}, false
	}
	return time.Unix(int64((math.MaxUint64-sec)^(1<<63)), int64(999_999_999-nsec)).UTC(), true
}

func endorsementKey(recipient identity.Identity, attestationID string, endorser identity.Identity) (string, error) {
	return core.Key(objEndorsement, recipient.MSPID, recipient.ID, attestationID, endorser.MSPID, endorser.ID)
}

func slashKey(member identity.Identity, id string) (string, error) {
	return core.Key(objSlash, member.MSPID, member.ID, id)
}

// checkID checks an attestation or slash ID given as an argument.
// The rules a refusal names (errcode field/rule), besides the shared
// "required", "enum", "range", "exists" and the text rules.
const (
	RuleActiveMember = "active-member" // the caller (and an attestation's recipient) is an active member
	RuleAttesterRole = "attester-role" // the caller holds the attester role
	RuleAttesterOf   = "attester-of"   // the attester is authorised for the category
	RuleNotSelf      = "not-self"      // no attestation to oneself, no endorsement of one's own
	RuleRecused      = "recused"       // an attester who disclosed a conflict on the subject does not attest for it
	RuleUniqueID     = "unique-id"     // one attestation per transaction and recipient
	RuleFuture       = "future"        // an expiry is after the time the attestation is recorded at
	RuleFarmingCap   = "farming-cap"   // one attester's weight to one recipient stays within the cap per period
	RuleIssuer       = "issuer"        // only the issuing attester (or a decision) revokes
	RuleRevokeOnce   = "revoke-once"   // an attestation is revoked once
	RuleNotRevoked   = "not-revoked"   // a revoked attestation is not endorsed
	RuleNotExpired   = "not-expired"   // an expired attestation is not endorsed
	RuleNotOwn       = "not-own"       // an attester does not endorse their own attestation
	RuleEndorseOnce  = "endorse-once"  // a member endorses an attestation once
)

func checkID(what, id string) error {
	return text.Check(what+" ID", id, text.ID(text.MaxIDBytes))
}

// txID returns the transaction ID as a record ID, refusing one that cannot
// be a key part (never the case for a Fabric transaction ID).
func txID(tx *core.Tx) (string, error) {
	if err := checkID("transaction", tx.TxID); err != nil {
		return "", errcode.New(errcode.Internal, "%v", err)
	}
	return tx.TxID, nil
}

// newestSlash returns the time of member's newest slash (zero when none).
// It reads the member's own slashes, a short list.
func newestSlash(s core.Store, member identity.Identity) (time.Time, error) {
	var newest time.Time
	err := s.Scan(objSlash, []string{member.MSPID, member.ID}, func(key string, value []byte) error {
		var sl SlashRecord
		if err := core.DecodeJSON(key, value, &sl); err != nil {
			return err
		}
		if sl.At.After(newest) {
			newest = sl.At
		}
		return nil
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("read slashes of %s: %w", member, err)
	}
	return newest, nil
}

// newestEntry returns the time of member's newest attestation or slash
// (zero when none).
func newestEntry(s core.Store, member identity.Identity) (time.Time, error) {
	newest, err := newestSlash(s, member)
	if err != nil {
		return time.Time{}, err
	}
	err = s.Scan(objAttestation, []string{member.MSPID, member.ID}, func(key string, value []byte) error {
		var a Attestation
		if err := core.DecodeJSON(key, value, &a); err != nil {
			return err
		}
		if a.IssuedAt.After(newest) {
			newest = a.IssuedAt
		}
		return nil
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("read attestations of %s: %w", member, err)
	}
	return newest, nil
}

// params reads the reputation section of the constitution in force.
func params(s core.Store) (constitution.Reputation, error) {
	return constitution.CurrentReputation(s)
}

// Attest issues an attestation to req.Recipient as the caller.
//
// Caller: an active member holding the attester role and authorised for
// req.Category (membership.Member.AttesterCategories), never the
// recipient. Rules, each refused with an error naming it and with nothing
// written: the category is known; the weight is 1..maxAttestationWeight;
// the evidence is present; an expiry lies after the transaction time; the
// recipient is an active member; and the weights this attester gave this
// recipient in the cap period (this one included) stay within
// capPerAttesterPerRecipientPerPeriod.
//
// Errors: INVALID_ARGUMENT, FORBIDDEN (not an attester for the category;
// self-attestation), NOT_FOUND (recipient not an active member),
// FAILED_PRECONDITION (no constitution; cap exceeded), CONFLICT (an
// attestation with this transaction's ID exists).
func Attest(tx *core.Tx, req AttestRequest) (*Attestation, error) {
	if err := req.Recipient.Validate(); err != nil {
		return nil, errcode.WithField(fmt.Errorf("attestation recipient: %w", err), "recipient")
	}
	if err := req.Category.Check(); err != nil {
		return nil, err
	}
	if req.Weight < 1 {
		return nil, errcode.InvalidFieldf("weight", "range", "attestation weight %d is out of bounds: it must be at least 1", req.Weight)
	}
	if err := text.Check("attestation evidence", req.Evidence, text.Rule{MaxRunes: MaxEvidenceBytes, MultiLine: true, Required: true}); err != nil {
		return nil, errcode.WithField(err, "evidence")
	}
	var expires *time.Time
	if req.ExpiresAt != nil {
		e := req.ExpiresAt.UTC()
		if !e.After(tx.Time) {
			return nil, errcode.InvalidFieldf("expiresAt", RuleFuture, "attestation expiry %s is not after the transaction time %s", e.Format(time.RFC3339), tx.Time.Format(time.RFC3339))
		}
		expires = &e
	}
	p, err := params(tx.Store)
	if err != nil {
		return nil, err
	}
	if req.Weight > p.MaxWeight {
		return nil, errcode.InvalidFieldf("weight", "range", "attestation weight %d is out of bounds: the constitution allows 1..%d", req.Weight, p.MaxWeight)
	}
	id, err := txID(tx)
	if err != nil {
		return nil, err
	}
	attester, err := membership.Active(tx.Store, tx.Caller.Identity)
	if err != nil {
		return nil, errcode.Fieldf(errcode.Forbidden, "", RuleActiveMember, "attest: caller %s is not an active member", tx.Caller.Identity.Short())
	}
	if !attester.Has(membership.RoleAttester) {
		return nil, errcode.Fieldf(errcode.Forbidden, "", RuleAttesterRole, "attest: caller %s does not hold the attester role", tx.Caller.Identity.Short())
	}
	if !attester.CanAttest(req.Category) {
		return nil, errcode.Fieldf(errcode.Forbidden, "category", RuleAttesterOf, "attest: attester %s is not authorised for category %s (authorised: %s)", tx.Caller.Identity.Short(), req.Category, categoryList(attester.AttesterCategories))
	}
	if req.Recipient == tx.Caller.Identity {
		return nil, errcode.Fieldf(errcode.Forbidden, "recipient", RuleNotSelf, "attest: self-attestation is not allowed: %s cannot attest to themselves", tx.Caller.Identity.Short())
	}
	if req.Subject != nil {
		if err := req.Subject.Validate(); err != nil {
			return nil, fmt.Errorf("attestation subject: %w", err) // names subject.kind or subject.id
		}
		conflicted, err := coi.Conflicted(tx.Store, tx.Caller.Identity, *req.Subject)
		if err != nil {
			return nil, err
		}
		if conflicted {
			return nil, errcode.Fieldf(errcode.Forbidden, "subject", RuleRecused, "attest: attester %s disclosed a conflict of interest on %s and is recused from attesting for it", tx.Caller.Identity.Short(), req.Subject)
		}
	}
	if _, err := membership.Active(tx.Store, req.Recipient); err != nil {
		if errcode.IsCode(err, errcode.NotFound) {
			return nil, errcode.Fieldf(errcode.NotFound, "recipient", RuleActiveMember, "attest: recipient %s is not an active member", req.Recipient)
		}
		return nil, err
	}
	key, err := AttestationKey(req.Recipient, id)
	if err != nil {
		return nil, err
	}
	existing, err := tx.Store.Get(key)
	if err != nil {
		return nil, fmt.Errorf("read %q: %w", key, err)
	}
	if existing != nil {
		return nil, errcode.Fieldf(errcode.Conflict, "", RuleUniqueID, "attestation %s to %s already exists", id, req.Recipient.Short())
	}
	// The time rule: an attestation is recorded after the recipient's
	// newest slash, so it can never slip under a slash written before it.
	lastSlash, err := newestSlash(tx.Store, req.Recipient)
	if err != nil {
		return nil, err
	}
	at := tx.Time
	if !lastSlash.IsZero() {
		at = timerule.Stamp(tx.Time, lastSlash.Add(time.Nanosecond))
	}
	if expires != nil && !expires.After(at) {
		return nil, errcode.InvalidFieldf("expiresAt", RuleFuture, "attestation expiry %s is not after the time it is recorded at, %s (after the recipient's last slash)", expires.Format(time.RFC3339), at.Format(time.RFC3339Nano))
	}
	given, err := givenWithin(tx.Store, req.Recipient, tx.Caller.Identity, at.Add(-time.Duration(p.CapPeriodSec)*time.Second), at)
	if err != nil {
		return nil, err
	}
	if given+req.Weight > p.CapPerAttesterPeriod {
		return nil, errcode.PreconditionFieldf("weight", RuleFarmingCap, "attest: farming cap exceeded: %s gave %s %d points in the last %d seconds; with this attestation of %d that would be %d, above the cap of %d per attester, recipient and period",
			tx.Caller.Identity, req.Recipient, given, p.CapPeriodSec, req.Weight, given+req.Weight, p.CapPerAttesterPeriod)
	}
	a := &Attestation{
		ID:        id,
		Recipient: req.Recipient,
		Attester:  tx.Caller.Identity,
		Category:  req.Category,
		Weight:    req.Weight,
		Evidence:  req.Evidence,
		IssuedAt:  at,
		ExpiresAt: expires,
		Subject:   req.Subject,
	}
	gkey, err := givenKey(req.Recipient, tx.Caller.Identity, at, req.Weight, id)
	if err != nil {
		return nil, err
	}
	if err := core.PutJSON(tx.Store, key, a); err != nil {
		return nil, err
	}
	if err := core.PutJSON(tx.Store, gkey, Given{AttestationID: id, Weight: req.Weight, IssuedAt: at}); err != nil {
		return nil, err
	}
	return a, tx.Emit(EventAttested, a)
}

func categoryList(cs []contribution.Category) string {
	if len(cs) == 0 {
		return "none"
	}
	s := make([]string, len(cs))
	for i, c := range cs {
		s[i] = string(c)
	}
	return strings.Join(s, ", ")
}

// givenWithin sums the weights attester gave recipient in (from, to]:
// revoked attestations count too (the cap bounds what is issued). It reads
// only the pair's cap index, and of it only the cap period: the entries
// sort newest first (givenKey), so the scan stops at the first entry issued
// at or before from, and reads at most one entry outside the period. Fabric
// re-checks at commit the range a transaction read, up to the last key read
// when it stopped early: an attestation of the pair committed in between
// and issued after that entry falls inside it and fails this transaction
// (PHANTOM_READ_CONFLICT), one issued at or before from does not count
// anyway — so the cap stays exact. Entries of the legacy layout (ledgers
// written before it) sort before the new ones and are all read and counted
// as before; that list no longer grows. A new entry's weight is read from
// its key (the value, Given, holds the same), so no value is decoded.
func givenWithin(s core.Store, recipient, attester identity.Identity, from, to time.Time) (int64, error) {
	var sum int64
	err := s.Scan(objGiven, []string{recipient.MSPID, recipient.ID, attester.MSPID, attester.ID}, func(key string, value []byte) error {
		_, attrs, err := core.SplitKey(key)
		if err != nil {
			return errcode.New(errcode.Internal, "cap index key %q: %v", key, err)
		}
		var g Given
		switch len(attrs) {
		case 7:
			at, ok := parseCapTime(attrs[4])
			if !ok {
				return errcode.New(errcode.Internal, "cap index key %q: time part %q is not of the cap index's form", key, attrs[4])
			}
			if !at.After(from) {
				return errPeriodRead
			}
			if at.After(to) {
				return nil
			}
			w, err := strconv.ParseInt(attrs[5], 10, 64)
			if err != nil || w < 1 {
				return errcode.New(errcode.Internal, "cap index key %q: weight part %q is not a positive whole number", key, attrs[5])
			}
			sum += w
			return nil
		case 5:
			if err := core.DecodeJSON(key, value, &g); err != nil {
				return err
			}
			if g.IssuedAt.After(from) && !g.IssuedAt.After(to) {
				sum += g.Weight
			}
			return nil
		}
		return errcode.New(errcode.Internal, "cap index key %q has %d parts, want 5 (legacy) or 7", key, len(attrs))
	})
	if err != nil && !errors.Is(err, errPeriodRead) {
		return 0, fmt.Errorf("sum attestations given by %s to %s: %w", attester, recipient, err)
	}
	return sum, nil
}

// errPeriodRead stops givenWithin's scan at the cap period's start.
var errPeriodRead = errors.New("cap period read")

// GetAttestation returns one attestation, or NOT_FOUND.
func GetAttestation(s core.Store, ref AttestationRef) (*Attestation, error) {
	if err := ref.Recipient.Validate(); err != nil {
		return nil, errcode.WithField(fmt.Errorf("attestation recipient: %w", err), "recipient")
	}
	if err := checkID("attestation", ref.AttestationID); err != nil {
		return nil, errcode.WithField(err, "attestationId")
	}
	key, err := AttestationKey(ref.Recipient, ref.AttestationID)
	if err != nil {
		return nil, err
	}
	var a Attestation
	found, err := core.GetJSON(s, key, &a)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, errcode.Fieldf(errcode.NotFound, "attestationId", "exists", "attestation %s to %s does not exist", ref.AttestationID, ref.Recipient)
	}
	return &a, nil
}

// Revoke revokes an attestation; the record stays, marked.
//
// Caller: the attester who issued it (a House A decision revokes through
// RevokeByDecision).
//
// Errors: INVALID_ARGUMENT (no reason), NOT_FOUND, FORBIDDEN (caller is not
// the issuer), CONFLICT (already revoked).
func Revoke(tx *core.Tx, req RevokeRequest) (*Attestation, error) {
	return revoke(tx, req, "")
}

// RevokeByDecision revokes an attestation as the effect of the House A
// decision named by decision. It is called by the decision engine, never
// directly by a transaction.
func RevokeByDecision(tx *core.Tx, req RevokeRequest, decision string) (*Attestation, error) {
	if err := checkID("decision", decision); err != nil {
		return nil, err
	}
	return revoke(tx, req, decision)
}

func revoke(tx *core.Tx, req RevokeRequest, decision string) (*Attestation, error) {
	if err := text.Check("revocation reason", req.Reason, text.Rule{MaxRunes: MaxReasonBytes, MultiLine: true, Required: true}); err != nil {
		return nil, errcode.WithField(err, "reason")
	}
	a, err := GetAttestation(tx.Store, req.AttestationRef)
	if err != nil {
		return nil, err
	}
	authority := "attester"
	if decision == "" {
		if a.Attester != tx.Caller.Identity {
			return nil, errcode.Fieldf(errcode.Forbidden, "", RuleIssuer, "revoke: only the issuing attester %s (or a House A decision) may revoke attestation %s; caller is %s", a.Attester.Short(), a.ID, tx.Caller.Identity.Short())
		}
	} else {
		authority = AuthorityDecision
	}
	if a.Revoked != nil {
		return nil, errcode.Fieldf(errcode.Conflict, "", RuleRevokeOnce, "attestation %s was already revoked at %s", a.ID, a.Revoked.At.Format(time.RFC3339))
	}
	a.Revoked = &Revocation{By: tx.Caller.Identity, At: timerule.Stamp(tx.Time, a.IssuedAt), TxID: tx.TxID, Reason: req.Reason, Authority: authority, Decision: decision}
	key, err := AttestationKey(a.Recipient, a.ID)
	if err != nil {
		return nil, err
	}
	if err := core.PutJSON(tx.Store, key, a); err != nil {
		return nil, err
	}
	return a, tx.Emit(EventRevoked, a)
}

// Endorse records the caller vouching for an attestation, which raises its
// value by the constitution's endorsementBonusBps per endorsement, at most
// maxEndorsementBonusBps in all.
//
// Caller: an active member who is neither the recipient nor the attester;
// once per attestation. The attestation must be neither revoked nor
// expired.
//
// Errors: INVALID_ARGUMENT, NOT_FOUND (no such attestation), FORBIDDEN (not
// an active member; the recipient or attester), FAILED_PRECONDITION
// (revoked or expired), CONFLICT (already endorsed by the caller).
func Endorse(tx *core.Tx, req EndorseRequest) (*Endorsement, error) {
	if err := text.Check("endorsement comment", req.Comment, text.Rule{MaxRunes: MaxCommentBytes, MultiLine: true}); err != nil {
		return nil, errcode.WithField(err, "comment")
	}
	a, err := GetAttestation(tx.Store, req.AttestationRef)
	if err != nil {
		return nil, err
	}
	if _, err := membership.Active(tx.Store, tx.Caller.Identity); err != nil {
		return nil, errcode.Fieldf(errcode.Forbidden, "", RuleActiveMember, "endorse: caller %s is not an active member", tx.Caller.Identity.Short())
	}
	if tx.Caller.Identity == a.Recipient {
		return nil, errcode.Fieldf(errcode.Forbidden, "", RuleNotSelf, "endorse: %s cannot endorse an attestation to themselves", tx.Caller.Identity.Short())
	}
	if tx.Caller.Identity == a.Attester {
		return nil, errcode.Fieldf(errcode.Forbidden, "", RuleNotOwn, "endorse: %s cannot endorse an attestation they issued", tx.Caller.Identity.Short())
	}
	if a.Revoked != nil {
		return nil, errcode.PreconditionFieldf("", RuleNotRevoked, "endorse: attestation %s was revoked", a.ID)
	}
	if a.ExpiresAt != nil && !tx.Time.Before(*a.ExpiresAt) {
		return nil, errcode.PreconditionFieldf("", RuleNotExpired, "endorse: attestation %s expired at %s", a.ID, a.ExpiresAt.Format(time.RFC3339))
	}
	key, err := endorsementKey(a.Recipient, a.ID, tx.Caller.Identity)
	if err != nil {
		return nil, err
	}
	existing, err := tx.Store.Get(key)
	if err != nil {
		return nil, fmt.Errorf("read %q: %w", key, err)
	}
	if existing != nil {
		return nil, errcode.Fieldf(errcode.Conflict, "", RuleEndorseOnce, "endorse: %s already endorsed attestation %s", tx.Caller.Identity.Short(), a.ID)
	}
	e := &Endorsement{AttestationID: a.ID, Recipient: a.Recipient, Endorser: tx.Caller.Identity, At: timerule.Stamp(tx.Time, a.IssuedAt), TxID: tx.TxID, Comment: req.Comment}
	if err := core.PutJSON(tx.Store, key, e); err != nil {
		return nil, err
	}
	return e, tx.Emit(EventEndorsed, e)
}

// SlashByDecision slashes a member as the effect of the slashing decision
// named by decision. It is called by the decision engine, never directly by
// a transaction: no transaction slashes, so no single House A member,
// organisation or admin can slash anyone alone.
//
// The slash takes req.FractionBps of the member's score in req.Category
// (every category when empty) from the transaction time on, is recorded
// with its reason, the decision and the score before and after, and emits
// the governance-incident event EventSlashed.
//
// Errors: INVALID_ARGUMENT (fraction outside 1..10000, unknown category, no
// reason, no decision), NOT_FOUND (not a registered member),
// FAILED_PRECONDITION (no constitution).
func SlashByDecision(tx *core.Tx, req SlashRequest, decision string) (*SlashRecord, error) {
	if err := checkSlash(req); err != nil {
		return nil, err
	}
	if err := checkID("decision", decision); err != nil {
		return nil, err
	}
	return slash(tx, req, AuthorityDecision, decision)
}

func checkSlash(req SlashRequest) error {
	if err := req.Member.Validate(); err != nil {
		return errcode.WithField(fmt.Errorf("slashed member: %w", err), "member")
	}
	if req.Category != "" {
		if err := req.Category.Check(); err != nil {
			return err
		}
	}
	if req.FractionBps < 1 || req.FractionBps > 10000 {
		return errcode.InvalidFieldf("fractionBps", "range", "slash fraction %d bps is out of bounds: it must be 1..10000", req.FractionBps)
	}
	return errcode.WithField(text.Check("slash reason", req.Reason, text.Rule{MaxRunes: MaxReasonBytes, MultiLine: true, Required: true}), "reason")
}

func slash(tx *core.Tx, req SlashRequest, authority, decision string) (*SlashRecord, error) {
	if _, err := membership.Get(tx.Store, req.Member); err != nil {
		return nil, err
	}
	p, err := params(tx.Store)
	if err != nil {
		return nil, err
	}
	id, err := txID(tx)
	if err != nil {
		return nil, err
	}
	key, err := slashKey(req.Member, id)
	if err != nil {
		return nil, err
	}
	// The time rule: a slash is recorded no earlier than the newest
	// attestation and slash of the member, so it applies to every
	// attestation that exists when it is written.
	newest, err := newestEntry(tx.Store, req.Member)
	if err != nil {
		return nil, err
	}
	at := timerule.Stamp(tx.Time, newest)
	sl := SlashRecord{ID: id, Member: req.Member, Category: req.Category, FractionBps: req.FractionBps, Reason: req.Reason,
		By: tx.Caller.Identity, At: at, Authority: authority, Decision: decision}
	var cats []contribution.Category
	if req.Category != "" {
		cats = []contribution.Category{req.Category}
	}
	before, err := compute(tx.Store, req.Member, at, p, nil)
	if err != nil {
		return nil, err
	}
	after, err := compute(tx.Store, req.Member, at, p, &sl)
	if err != nil {
		return nil, err
	}
	sl.ScoreBefore, sl.ScoreAfter = before.sum(cats), after.sum(cats)
	if err := core.PutJSON(tx.Store, key, sl); err != nil {
		return nil, err
	}
	return &sl, tx.Emit(EventSlashed, Incident{Kind: "reputation_slash", Slash: sl})
}
