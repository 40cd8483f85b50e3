// Package coi holds conflict-of-interest disclosures and the recusal rule
// that reads them.
//
// A member discloses a conflict on a subject (an artifact, an organisation,
// a proposal or a grantee) with a statement. Disclosures are public
// records: anyone reads them, only the member themselves writes them, and
// they are never withdrawn. The statement may be kept off the ledger: the
// record then carries only its SHA-256 (hex), which anyone holding the
// statement can check.
//
// A member with a disclosed conflict on a decision's subject is recused:
// the decision engine refuses their vote (it is refused, not flagged).
// Conflicted is the bounded point read that rule uses.
//
// Keys (both written once, by the disclosing member only, so disclosures by
// different members never touch the same key):
//
//	"coi"        ~ subjectKind ~ subjectID ~ memberMSP ~ memberID → Disclosure (JSON)
//	"coi-member" ~ memberMSP ~ memberID ~ subjectKind ~ subjectID → Disclosure (JSON, the per-member index)
//
// Who may call what:
//
//	Disclose               an active member, for themselves
//	Get, Conflicted, List  anyone with an identity on the channel
//
// Determinism: no clock (times come from core.Tx.Time), no maps, scans in
// key order.
package coi

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/membership"
	"github.com/charter-gov/charter/chaincode/text"
)

// Kind is the kind of a subject a member can be conflicted on.
type Kind string

// Subject kinds.
const (
	KindArtifact     Kind = "artifact"     // a model, dataset, recipe or evaluation in the registry
	KindOrganisation Kind = "organisation" // a partner organisation (e.g. an MSP ID) or any other organisation
	KindProposal     Kind = "proposal"     // a decision (its ID)
	KindGrantee      Kind = "grantee"      // a grant or funding-round recipient
)

// Kinds lists every subject kind in a fixed order.
func Kinds() []Kind { return []Kind{KindArtifact, KindOrganisation, KindProposal, KindGrantee} }

// Limits.
const (
	MaxSubjectIDBytes = 256
	MaxStatementBytes = 4096
)

// The rules a refusal names (errcode field/rule), besides the shared
// "required", "enum", "format" and "exists" and the text rules.
const (
	RuleActiveMember    = "active-member"     // the caller is an active member
	RuleOneDisclosure   = "one-disclosure"    // a member discloses a conflict on a subject once; it is permanent
	RuleHashMatches     = "hash-matches"      // a statement hash given with its statement is the statement's SHA-256
	RuleSubjectOrMember = "subject-or-member" // a listing names exactly one of a subject and a member
	RuleKindNeedsMember = "kind-needs-member" // a kind filter applies only to a member's disclosures
)

// Subject is what a conflict is about.
type Subject struct {
	Kind Kind   `json:"kind"`
	ID   string `json:"id"`
}

func (s Subject) String() string { return string(s.Kind) + ":" + s.ID }

// IsZero reports whether s names nothing.
func (s Subject) IsZero() bool { return s.Kind == "" && s.ID == "" }

// Validate checks the kind and the ID (non-empty, printable, at most
// MaxSubjectIDBytes, usable in a composite key).
func (s Subject) Validate() error {
	if !slices.Contains(Kinds(), s.Kind) {
		return errcode.InvalidFieldf("subject.kind", "enum", "conflict subject kind %q is unknown (kinds: artifact, organisation, proposal, grantee)", s.Kind)
	}
	if err := text.Check("conflict subject "+string(s.Kind)+" ID", s.ID, text.ID(MaxSubjectIDBytes)); err != nil {
		return errcode.WithField(err, "subject.id")
	}
	return nil
}

// Disclosure is the public record of one member's conflict on one subject.
type Disclosure struct {
	Subject Subject           `json:"subject"`
	Member  identity.Identity `json:"member"`
	// StatementHash is the hex SHA-256 of the statement's UTF-8 bytes.
	StatementHash string `json:"statementHash"`
	// Statement is the statement itself, when the member put it on the
	// ledger; empty when it is kept off-ledger.
	Statement   string    `json:"statement,omitempty"`
	DisclosedAt time.Time `json:"disclosedAt"`
	TxID        string    `json:"txId"`
}

// DiscloseRequest discloses the caller's conflict on Subject. Give the
// Statement (its hash is computed and stored with it), or only its
// StatementHash to keep the statement off the ledger, or both (the hash
// must then match).
type DiscloseRequest struct {
	Subject       Subject `json:"subject"`
	Statement     string  `json:"statement,omitempty"`
	StatementHash string  `json:"statementHash,omitempty"`
}

// EventDisclosed is the event Disclose emits; its payload is the Disclosure.
const EventDisclosed = "coi.disclosed"

const (
	objectType = "coi"
	memberType = "coi-member"
)

// Key returns the state key of a disclosure.
func Key(subject Subject, member identity.Identity) (string, error) {
	return core.Key(objectType, string(subject.Kind), subject.ID, member.MSPID, member.ID)
}

func memberKey(subject Subject, member identity.Identity) (string, error) {
	return core.Key(memberType, member.MSPID, member.ID, string(subject.Kind), subject.ID)
}

// HashStatement returns the hex SHA-256 of a statement.
func HashStatement(statement string) string {
	sum := sha256.Sum256([]byte(statement))
	return hex.EncodeToString(sum[:])
}

func checkHash(h string) error {
	if len(h) != 64 {
		return errcode.InvalidFieldf("statementHash", "format", "statement hash %q is not a hex SHA-256 (64 hex digits)", h)
	}
	for _, c := range h {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return errcode.InvalidFieldf("statementHash", "format", "statement hash %q is not a hex SHA-256 (64 lower-case hex digits)", h)
		}
	}
	return nil
}

// Disclose records the caller's conflict on a subject.
//
// Caller: an active member, for themselves (the member comes from the
// certificate, never from an argument).
//
// Errors: INVALID_ARGUMENT (bad subject; no statement and no hash; a
// malformed hash or one that does not match the statement; an oversized or
// non-printable statement), FORBIDDEN (not an active member), CONFLICT (the
// caller has already disclosed a conflict on this subject; a disclosure is
// a permanent record).
func Disclose(tx *core.Tx, req DiscloseRequest) (*Disclosure, error) {
	if err := req.Subject.Validate(); err != nil {
		return nil, err
	}
	hash, err := statementHash(req)
	if err != nil {
		return nil, err
	}
	caller := tx.Caller.Identity
	if _, err := membership.Active(tx.Store, caller); err != nil {
		return nil, errcode.Fieldf(errcode.Forbidden, "", RuleActiveMember, "disclose conflict on %s: caller %s is not an active member", req.Subject, caller)
	}
	key, err := Key(req.Subject, caller)
	if err != nil {
		return nil, err
	}
	var existing Disclosure
	found, err := core.GetJSON(tx.Store, key, &existing)
	if err != nil {
		return nil, err
	}
	if found {
		return nil, errcode.Fieldf(errcode.Conflict, "subject", RuleOneDisclosure, "%s already disclosed a conflict on %s at %s; disclosures are permanent records", caller, req.Subject, existing.DisclosedAt.Format(time.RFC3339))
	}
	d := &Disclosure{Subject: req.Subject, Member: caller, StatementHash: hash, Statement: req.Statement, DisclosedAt: tx.Time, TxID: tx.TxID}
	mkey, err := memberKey(req.Subject, caller)
	if err != nil {
		return nil, err
	}
	if err := core.PutJSON(tx.Store, key, d); err != nil {
		return nil, err
	}
	if err := core.PutJSON(tx.Store, mkey, d); err != nil {
		return nil, err
	}
	return d, tx.Emit(EventDisclosed, d)
}

func statementHash(req DiscloseRequest) (string, error) {
	if req.Statement == "" && req.StatementHash == "" {
		return "", errcode.InvalidFieldf("statement", "required", "disclose conflict on %s: give a statement or the SHA-256 of one kept off the ledger", req.Subject)
	}
	if req.StatementHash != "" {
		if err := checkHash(req.StatementHash); err != nil {
			return "", err
		}
	}
	if req.Statement == "" {
		return req.StatementHash, nil
	}
	if err := text.Check("conflict statement", req.Statement, text.Rule{MaxRunes: MaxStatementBytes, MultiLine: true, Required: true}); err != nil {
		_, rule := errcode.FieldOf(err)
		return "", errcode.InvalidFieldf("statement", rule, "disclose conflict on %s: %v; keep a long statement off the ledger and give its hash", req.Subject, strings.TrimPrefix(err.Error(), "INVALID_ARGUMENT: "))
	}
	h := HashStatement(req.Statement)
	if req.StatementHash != "" && req.StatementHash != h {
		return "", errcode.InvalidFieldf("statementHash", RuleHashMatches, "disclose conflict on %s: statement hash %s does not match the statement (its SHA-256 is %s)", req.Subject, req.StatementHash, h)
	}
	return h, nil
}

// Get returns one disclosure, or NOT_FOUND.
func Get(s core.Store, member identity.Identity, subject Subject) (*Disclosure, error) {
	if err := subject.Validate(); err != nil {
		return nil, err
	}
	if err := member.Validate(); err != nil {
		return nil, errcode.WithField(err, "member")
	}
	key, err := Key(subject, member)
	if err != nil {
		return nil, err
	}
	var d Disclosure
	found, err := core.GetJSON(s, key, &d)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, errcode.Fieldf(errcode.NotFound, "subject", "exists", "%s has disclosed no conflict on %s", member, subject)
	}
	return &d, nil
}

// Conflicted reports whether member has disclosed a conflict on subject. It
// is one point read (no range), so calling it on every vote adds no
// phantom-read risk and no hot key.
func Conflicted(s core.Store, member identity.Identity, subject Subject) (bool, error) {
	key, err := Key(subject, member)
	if err != nil {
		return false, err
	}
	raw, err := s.Get(key)
	if err != nil {
		return false, fmt.Errorf("read conflict of %s on %s: %w", member, subject, err)
	}
	return raw != nil, nil
}

// ListRequest selects disclosures: those on one subject (Subject set), or
// those of one member (Member set, optionally only of one Kind). Exactly
// one of Subject and Member must be set.
type ListRequest struct {
	Subject *Subject           `json:"subject,omitempty"`
	Member  *identity.Identity `json:"member,omitempty"`
	Kind    Kind               `json:"kind,omitempty"`
	// PageSize is the disclosures per page, 1..core.MaxPageSize; 0 means
	// core.DefaultListPage.
	PageSize int `json:"pageSize,omitempty"`
	// Bookmark continues from the previous page's Bookmark; "" starts.
	Bookmark string `json:"bookmark,omitempty"`
}

// ListPage is one page of disclosures and the bookmark of the next ("" when
// this was the last).
type ListPage struct {
	Disclosures []Disclosure `json:"disclosures"`
	Bookmark    string       `json:"bookmark,omitempty"`
}

// List returns one page of disclosures in key order (by member for a
// subject; by kind and subject ID for a member): at most req.PageSize from
// req.Bookmark. A query: it reads at most one page of records.
//
// Errors: INVALID_ARGUMENT (neither or both of subject and member; a bad
// subject, member or kind; a page size out of range; a bookmark from
// another listing).
func List(s core.Store, req ListRequest) (*ListPage, error) {
	var (
		obj   string
		attrs []string
	)
	switch {
	case req.Subject != nil && req.Member != nil, req.Subject == nil && req.Member == nil:
		return nil, errcode.InvalidFieldf("", RuleSubjectOrMember, "list conflicts: give either a subject or a member")
	case req.Subject != nil:
		if req.Kind != "" {
			return nil, errcode.InvalidFieldf("kind", RuleKindNeedsMember, "list conflicts: a kind filter applies only to a member's disclosures")
		}
		if err := req.Subject.Validate(); err != nil {
			return nil, err
		}
		obj, attrs = objectType, []string{string(req.Subject.Kind), req.Subject.ID}
	default:
		if err := req.Member.Validate(); err != nil {
			return nil, errcode.WithField(err, "member")
		}
		obj, attrs = memberType, []string{req.Member.MSPID, req.Member.ID}
		if req.Kind != "" {
			if !slices.Contains(Kinds(), req.Kind) {
				return nil, errcode.InvalidFieldf("kind", "enum", "list conflicts: kind %q is unknown (kinds: artifact, organisation, proposal, grantee)", req.Kind)
			}
			attrs = append(attrs, string(req.Kind))
		}
	}
	ds, next, err := core.PageJSON[Disclosure](s, "list conflicts", obj, attrs, req.PageSize, req.Bookmark, nil)
	if err != nil {
		return nil, err
	}
	return &ListPage{Disclosures: ds, Bookmark: next}, nil
}
