// Package upgrade holds the ledger side of chaincode upgrades under
// two-person integrity.
//
// With chaincode as a service Fabric's package ID hashes only the
// connection metadata, never the code: organisations could run different
// binaries behind identical definitions. So an upgrade is authorised by
// the build's digest, never by a package:
//
//  1. a chaincode_upgrade decision (both houses) names the SHA-256 of a
//     reproducible build and the chaincode definition sequence it may be
//     committed at; when it executes, its effect records the Authorisation
//     (one per sequence: a second build for the same sequence is refused);
//  2. two maintainers — members holding a House A seat (role house_a,
//     granted only by the genesis or a seat_confirmation decision) — of two
//     different organisations each rebuild the source and sign off on that
//     digest (SignOff); a sign-off naming another digest is refused;
//  3. the network's upgrade command (network/upgrade.sh) asks Check before
//     it approves a definition: the sequence it would approve must hold an
//     authorisation for exactly the digest every organisation's chaincode
//     service reports (system:Build), signed off by maintainers of at least
//     MinSignOffOrgs organisations.
//
// The package has no Fabric imports; the contract adapts it.
package upgrade

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/membership"
	"github.com/charter-gov/charter/chaincode/strictjson"
	"github.com/charter-gov/charter/chaincode/text"
)

// Object types of the keys this package writes.
const (
	authObject    = "upgrade-auth"
	signOffObject = "upgrade-signoff"
)

// Events.
const (
	EventAuthorised = "upgrade.authorised"
	EventSignedOff  = "upgrade.signed_off"
)

// MinSignOffOrgs is how many different organisations' maintainers must
// sign off on an authorised digest before any organisation approves it.
const MinSignOffOrgs = 2

// MaintainerRole is the role whose holders sign off on builds: the House A
// seats (maintainers and safety council), granted only by decision.
const MaintainerRole = membership.RoleHouseA

// MinSequence is the lowest sequence an upgrade can name: sequence 1 is
// the consortium's first deployment.
const MinSequence = 2

// MaxVersionBytes bounds the version label of an upgrade.
const MaxVersionBytes = 64

// Payload is the payload of a chaincode_upgrade decision.
type Payload struct {
	// Digest is the SHA-256 (64 lowercase hex digits) of the chaincode
	// server binary built reproducibly (network/build-chaincode.sh).
	Digest string `json:"digest"`
	// Sequence is the chaincode definition sequence the build may be
	// approved and committed at (the committed sequence + 1).
	Sequence int64 `json:"sequence"`
	// Version is the definition's version label (e.g. "1.1").
	Version string `json:"version"`
}

// Authorisation is the stored record of an executed chaincode_upgrade
// decision.
type Authorisation struct {
	Decision     string    `json:"decision"`
	Digest       string    `json:"digest"`
	Sequence     int64     `json:"sequence"`
	Version      string    `json:"version"`
	AuthorisedAt time.Time `json:"authorisedAt"`
	TxID         string    `json:"txId"`
}

// SignOff is one maintainer's statement that they built the source and got
// the authorised digest.
type SignOff struct {
	Decision   string            `json:"decision"`
	Sequence   int64             `json:"sequence"`
	Digest     string            `json:"digest"`
	Maintainer identity.Identity `json:"maintainer"`
	At         time.Time         `json:"at"`
	TxID       string            `json:"txId"`
}

// SignOffRequest is the argument of upgrade:SignOff.
type SignOffRequest struct {
	Sequence int64  `json:"sequence"`
	Digest   string `json:"digest"`
}

// Status is an authorisation with its sign-offs and whether it is cleared
// for approval.
type Status struct {
	Authorisation Authorisation `json:"authorisation"`
	SignOffs      []SignOff     `json:"signOffs"`
	// Organisations are the distinct MSP IDs that signed off, sorted.
	Organisations []string `json:"organisations"`
	Cleared       bool     `json:"cleared"`
}

// Build is what a chaincode server reports about the binary it runs
// (system:Build). It is read-only and differs per peer by design: each
// peer answers for its own organisation's service.
type Build struct {
	// Digest is the SHA-256 of the running executable's bytes.
	Digest string `json:"digest"`
	// Release is the stamp given at build time (-X main.release).
	Release string `json:"release"`
	// GoVersion is the toolchain that built it.
	GoVersion string `json:"goVersion"`
	// PackageID is the Fabric package ID the service serves.
	PackageID string `json:"packageId"`
	// MSPID is the organisation that runs the service.
	MSPID string `json:"mspId"`
}

// The rules an upgrade's refusals name (errcode field/rule), besides the
// shared "format", "range", "required" and "exists".
const (
	RuleOneBuildPerSequence = "one-build-per-sequence" // a sequence is authorised for one build only
	RuleAuthorisedDigest    = "authorised-digest"      // a sign-off or check names the build the decision authorised
	RuleOneSignOff          = "one-sign-off"           // a maintainer signs off on a sequence's build once
	RuleTwoPerson           = "two-person"             // a build is cleared once maintainers of MinSignOffOrgs organisations signed off
)

// CheckDigest refuses anything but 64 lowercase hexadecimal digits (field
// "digest", rule "format").
func CheckDigest(what, d string) error {
	if len(d) != 64 {
		return errcode.InvalidFieldf("digest", "format", "%s %s is not a SHA-256 digest: it must be 64 lowercase hexadecimal digits", what, errcode.Quote(d))
	}
	for _, c := range d {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return errcode.InvalidFieldf("digest", "format", "%s %s is not a SHA-256 digest: it must be 64 lowercase hexadecimal digits", what, errcode.Quote(d))
		}
	}
	return nil
}

func checkSequence(what string, seq int64) error {
	if seq < MinSequence {
		return errcode.InvalidFieldf("sequence", "range", "%s: sequence %d is not an upgrade: sequence 1 is the first deployment, an upgrade names %d or later", what, seq, MinSequence)
	}
	return nil
}

// DecodePayload decodes and validates a chaincode_upgrade payload with the
// one strict decoder.
func DecodePayload(raw json.RawMessage) (Payload, error) {
	var p Payload
	if len(raw) == 0 {
		return p, errcode.InvalidFieldf("payload", "required", "chaincode upgrade: the decision needs a payload {digest, sequence, version}")
	}
	if err := strictjson.Decode("chaincode upgrade payload", raw, 0, &p); err != nil {
		return p, err
	}
	if err := CheckDigest("chaincode upgrade: digest", p.Digest); err != nil {
		return p, errcode.WithField(err, "payload.digest")
	}
	if err := checkSequence("chaincode upgrade", p.Sequence); err != nil {
		return p, errcode.WithField(err, "payload.sequence")
	}
	if err := text.Check("chaincode upgrade: version", p.Version, text.ID(MaxVersionBytes)); err != nil {
		return p, errcode.WithField(err, "payload.version")
	}
	return p, nil
}

func seqAttr(seq int64) string { return fmt.Sprintf("%020d", seq) }

func authKey(seq int64) (string, error) { return core.Key(authObject, seqAttr(seq)) }

// Get returns the authorisation recorded for a sequence, or NOT_FOUND.
func Get(s core.Store, seq int64) (*Authorisation, error) {
	if err := checkSequence("upgrade authorisation", seq); err != nil {
		return nil, err
	}
	key, err := authKey(seq)
	if err != nil {
		return nil, err
	}
	var a Authorisation
	found, err := core.GetJSON(s, key, &a)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, errcode.Fieldf(errcode.NotFound, "sequence", "exists", "no executed chaincode_upgrade decision authorises a build for sequence %d", seq)
	}
	return &a, nil
}

// CheckAuthorise is the proposal- and execution-time check of a
// chaincode_upgrade decision: a valid payload, and no build authorised for
// its sequence yet.
func CheckAuthorise(s core.Store, raw json.RawMessage) (Payload, error) {
	p, err := DecodePayload(raw)
	if err != nil {
		return p, err
	}
	prev, err := Get(s, p.Sequence)
	if err == nil {
		return p, errcode.Fieldf(errcode.Conflict, "payload.sequence", RuleOneBuildPerSequence, "chaincode upgrade: sequence %d is already authorised for build %s by decision %s; one sequence, one build",
			p.Sequence, prev.Digest, errcode.Quote(prev.Decision))
	}
	if !errcode.IsCode(err, errcode.NotFound) {
		return p, err
	}
	return p, nil
}

// Authorise records the authorisation of an executed chaincode_upgrade
// decision and emits EventAuthorised.
func Authorise(tx *core.Tx, decisionID string, raw json.RawMessage) (*Authorisation, error) {
	p, err := CheckAuthorise(tx.Store, raw)
	if err != nil {
		return nil, err
	}
	a := &Authorisation{Decision: decisionID, Digest: p.Digest, Sequence: p.Sequence, Version: p.Version, AuthorisedAt: tx.Time, TxID: tx.TxID}
	key, err := authKey(p.Sequence)
	if err != nil {
		return nil, err
	}
	if err := core.PutJSON(tx.Store, key, a); err != nil {
		return nil, err
	}
	return a, tx.Emit(EventAuthorised, a)
}

// Sign records the caller's sign-off on the build authorised for a
// sequence. Caller: an active member holding a House A seat. The digest
// the maintainer built must equal the authorised one; each maintainer
// signs off once.
func Sign(tx *core.Tx, req SignOffRequest) (*SignOff, error) {
	if err := CheckDigest("sign-off: digest", req.Digest); err != nil {
		return nil, err
	}
	if err := checkSequence("sign-off", req.Sequence); err != nil {
		return nil, err
	}
	if _, err := membership.RequireRole(tx, MaintainerRole, "sign off on a chaincode build (maintainers hold a House A seat)"); err != nil {
		return nil, err
	}
	a, err := Get(tx.Store, req.Sequence)
	if err != nil {
		return nil, err
	}
	if req.Digest != a.Digest {
		return nil, errcode.PreconditionFieldf("digest", RuleAuthorisedDigest, "sign-off: the build you name, %s, is not the one decision %s authorised for sequence %d (%s); rebuild from the authorised source (network/build-chaincode.sh) and compare",
			req.Digest, errcode.Quote(a.Decision), a.Sequence, a.Digest)
	}
	key, err := core.Key(signOffObject, seqAttr(req.Sequence), tx.Caller.MSPID, tx.Caller.ID)
	if err != nil {
		return nil, err
	}
	prev, err := tx.Store.Get(key)
	if err != nil {
		return nil, fmt.Errorf("read sign-off: %w", err)
	}
	if prev != nil {
		return nil, errcode.Fieldf(errcode.Conflict, "", RuleOneSignOff, "sign-off: %s already signed off on the build for sequence %d", tx.Caller.Identity.Short(), req.Sequence)
	}
	so := &SignOff{Decision: a.Decision, Sequence: a.Sequence, Digest: a.Digest, Maintainer: tx.Caller.Identity, At: tx.Time, TxID: tx.TxID}
	if err := core.PutJSON(tx.Store, key, so); err != nil {
		return nil, err
	}
	return so, tx.Emit(EventSignedOff, so)
}

// StatusOf returns the authorisation for a sequence with its sign-offs
// (at most core.MaxPageSize of them are read: House A has at most 21 seats).
func StatusOf(s core.Store, seq int64) (*Status, error) {
	a, err := Get(s, seq)
	if err != nil {
		return nil, err
	}
	st := &Status{Authorisation: *a, SignOffs: []SignOff{}, Organisations: []string{}}
	_, err = core.Page(s, signOffObject, []string{seqAttr(seq)}, "", core.MaxPageSize, func(key string, value []byte) error {
		var so SignOff
		if err := core.DecodeJSON(key, value, &so); err != nil {
			return err
		}
		st.SignOffs = append(st.SignOffs, so)
		if !slices.Contains(st.Organisations, so.Maintainer.MSPID) {
			st.Organisations = append(st.Organisations, so.Maintainer.MSPID)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.Sort(st.Organisations)
	st.Cleared = len(st.Organisations) >= MinSignOffOrgs
	return st, nil
}

// Check answers whether a build may be approved at a sequence: the
// sequence holds an authorisation for exactly this digest, signed off by
// maintainers of at least MinSignOffOrgs organisations. Otherwise a coded
// refusal names the rule.
func Check(s core.Store, digest string, seq int64) (*Status, error) {
	if err := CheckDigest("upgrade check: digest", digest); err != nil {
		return nil, err
	}
	st, err := StatusOf(s, seq)
	if err != nil {
		return nil, err
	}
	a := st.Authorisation
	if a.Digest != digest {
		return nil, errcode.PreconditionFieldf("digest", RuleAuthorisedDigest, "build %s is not authorised for sequence %d: decision %s authorised %s",
			digest, seq, errcode.Quote(a.Decision), a.Digest)
	}
	if !st.Cleared {
		return nil, errcode.PreconditionFieldf("", RuleTwoPerson, "build %s for sequence %d is authorised by decision %s but signed off by maintainers of %d organisation(s) [%s]; two-person integrity needs %d",
			digest, seq, errcode.Quote(a.Decision), len(st.Organisations), joinOrgs(st.Organisations), MinSignOffOrgs)
	}
	return st, nil
}

func joinOrgs(orgs []string) string {
	out := ""
	for i, o := range orgs {
		if i > 0 {
			out += ", "
		}
		out += o
	}
	return out
}
