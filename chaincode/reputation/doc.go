// Package reputation is Charter's reputation ledger: non-transferable
// attestations of contributions, issued by authorised attesters, endorsed
// by peers, revocable, decaying with a half-life, slashable for misconduct,
// and the scores and House A eligibility computed from them at any point
// in time. It has no Fabric imports; the contract package adapts it.
//
// # Records and keys
//
// Every record lives under the recipient's own key prefix, and every
// transaction writes only keys of its own (derived from its transaction
// ID), so attesters working at the same time never rewrite a shared key:
//
//	"attestation" ~ recipientMSP ~ recipientID ~ attestationID           → Attestation
//	"attestgiven" ~ recipientMSP ~ recipientID ~ attesterMSP ~ attesterID ~ capTime(issuedAt) ~ weight ~ attestationID → Given (cap index)
//	"endorsement" ~ recipientMSP ~ recipientID ~ attestationID ~ endorserMSP ~ endorserID → Endorsement
//	"slash"       ~ memberMSP ~ memberID ~ slashID                      → SlashRecord
//
// An attestation ID and a slash ID are the ID of the transaction that
// created them. The attestgiven index is written once with its attestation
// and never changed: it lets the farming cap read only what one attester
// gave one recipient, so that Attest's range read (which Fabric re-checks
// at commit for phantoms) covers one attester–recipient pair. Its time part
// sorts the pair's entries newest first, so the read stops at the first
// entry issued before the cap period: it covers the period, not the pair's
// whole history. Ledgers written before that layout hold entries without
// the time part ("attestgiven" ~ … ~ attesterID ~ attestationID, an
// attestation ID being a hexadecimal Fabric transaction ID, which sorts
// before the time part's "~"): the read takes all of those first and
// counts them as before, so the cap is the same after the upgrade.
// Attestations
// to the same recipient by different attesters, or by one attester to
// different recipients, therefore commit in the same block without
// conflict; two attestations by one attester to one recipient in the same
// block are serialised (the second fails with PHANTOM_READ_CONFLICT) when
// the first falls in the second's cap period, which is what keeps the cap
// exact.
//
// A score read is two or three bounded range reads over the member's own
// records; it never scans other members'.
//
// # Who may call what
//
//	Attest          an active member holding the attester role, authorised for the category; never to themselves
//	Revoke          the attester who issued the attestation
//	RevokeByDecision the decision engine, executing a House A decision (not a transaction)
//	Endorse         an active member who is neither the recipient nor the attester
//	SlashByDecision the decision engine, executing a slashing decision (not a transaction;
//	                no transaction slashes)
//	ScoreAt, Scores, Eligibility, EligibleMembers, History   anyone with an identity on the channel
//
// # Scores
//
// Scores are integers in milli-points (MilliPerPoint per attestation weight
// point). An attestation's value at time t is its weight × 1000, raised by
// its endorsement bonus, decayed by Decay over the whole seconds between
// its issue and t, and reduced by every slash that applies to it. See
// Decay for the fixed-point method and its rounding, and docs/reputation.md
// for the full rules.
package reputation
