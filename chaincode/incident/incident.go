// Package incident is the governance incident register: key compromises,
// vote manipulation attempts, treasury mis-executions, missed disclosures,
// emergency actions, slashings, refused forged timestamps and failed
// executions, each with a severity, the transactions involved and a
// post-mortem link. The governance metrics count them (incidents per year).
//
// Incidents enter the register two ways:
//
//   - Filed (File): by a holder of a role the constitution names in
//     incidents.filerRoles (default: House A, guardians, any
//     organisation's admin). Filing records a report; it decides nothing
//     and grants no power. The record names its filer and the role it
//     filed as, so a report one organisation files alone is visible as
//     such. A proposal a peer refused to endorse (a forged timestamp, the
//     clock-skew guard) never reaches the ledger: the chaincode cannot
//     record it; the admin of the organisation whose peer logged it files
//     it, naming the refused transaction ID.
//   - Recorded (Record): by the chaincode itself, inside a committed
//     transaction whose rule detected the incident (a slashing decision's
//     execution, a failed execution or a missed disclosure a later
//     transaction establishes, an emergency pause coming into force).
//     Record writes the record and emits nothing: the transaction emits
//     its own one event, and the record's key is in its write set.
//
// Keys (each record written once, by the transaction that files or records
// it, so no two transactions write the same key):
//
//	"incident"     ~ id                   → Incident (JSON); id is the transaction ID, ".2", ".3"… for more in one
//	"incident-ref" ~ kind ~ subject       → id, the once-only index of RecordOnce
//
// Who may call what:
//
//	File                   a holder of a role in the constitution's incidents.filerRoles
//	AttachPostMortem       a filer role holder, once per incident
//	Record, RecordOnce     other domain packages, inside their own rules
//	Get, List              anyone with an identity on the channel
//
// Determinism: times come from core.Tx.Time; no maps; lists in key order.
package incident

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/membership"
	"github.com/charter-gov/charter/chaincode/text"
)

// Kind is the kind of a governance incident.
type Kind string

// Incident kinds.
const (
	KeyCompromise           Kind = "key_compromise"
	VoteManipulationAttempt Kind = "vote_manipulation_attempt"
	TreasuryMisExecution    Kind = "treasury_mis_execution"
	MissedDisclosure        Kind = "missed_disclosure"
	EmergencyAction         Kind = "emergency_action"
	Slashing                Kind = "slashing"
	RefusedForgedTimestamp  Kind = "refused_forged_timestamp"
	FailedExecution         Kind = "failed_execution"
)

// Kinds lists every incident kind in a fixed order.
func Kinds() []Kind {
	return []Kind{KeyCompromise, VoteManipulationAttempt, TreasuryMisExecution, MissedDisclosure,
		EmergencyAction, Slashing, RefusedForgedTimestamp, FailedExecution}
}

// Check refuses an unknown kind.
func (k Kind) Check() error {
	if !slices.Contains(Kinds(), k) {
		return errcode.InvalidFieldf("kind", "enum", "incident kind %s is unknown (kinds: %s)", errcode.Quote(string(k)), joinKinds())
	}
	return nil
}

func joinKinds() string {
	s := make([]string, 0, len(Kinds()))
	for _, k := range Kinds() {
		s = append(s, string(k))
	}
	return strings.Join(s, ", ")
}

// Severity grades an incident.
type Severity string

// Severities, least to most severe.
const (
	Low      Severity = "low"
	Medium   Severity = "medium"
	High     Severity = "high"
	Critical Severity = "critical"
)

// Severities lists every severity, least severe first.
func Severities() []Severity { return []Severity{Low, Medium, High, Critical} }

// Check refuses an unknown severity.
func (s Severity) Check() error {
	if !slices.Contains(Severities(), s) {
		return errcode.InvalidFieldf("severity", "enum", "incident severity %s is unknown (severities: low, medium, high, critical)", errcode.Quote(string(s)))
	}
	return nil
}

// Source says how an incident entered the register.
type Source string

// Sources.
const (
	SourceFiled     Source = "filed"     // filed by a role holder (File)
	SourceAutomatic Source = "automatic" // recorded by the chaincode's own rule (Record)
)

// Limits.
const (
	MaxTransactions    = 32
	MaxTxIDBytes       = 128
	MaxSubjectBytes    = 1200
	MaxPostMortemBytes = 1024
	MaxSummaryRunes    = text.MaxReasonRunes
	// maxPerTx bounds the incidents one transaction records.
	maxPerTx = 16
)

// Incident is one record of the register.
type Incident struct {
	ID       string   `json:"id"`
	Kind     Kind     `json:"kind"`
	Severity Severity `json:"severity"`
	Summary  string   `json:"summary"`
	// Transactions are the IDs of the transactions involved (committed or,
	// for a refused proposal, the ID the refusing peer logged).
	Transactions []string `json:"transactions,omitempty"`
	// Decision is the decision involved, if any.
	Decision string `json:"decision,omitempty"`
	// Subject names what the incident concerns, as "kind:id" (e.g.
	// "member:LabAMSP:x509::…", "ballot:b-7", "artifact:a-3").
	Subject string `json:"subject,omitempty"`
	// PostMortem is a link to (or the hash of) the post-mortem.
	PostMortem string `json:"postMortem,omitempty"`
	// OccurredAt is when the incident happened (at or before RecordedAt).
	OccurredAt time.Time `json:"occurredAt"`
	// RecordedAt, RecordedBy and TxID are the recording transaction's.
	RecordedAt time.Time         `json:"recordedAt"`
	RecordedBy identity.Identity `json:"recordedBy"`
	TxID       string            `json:"txId"`
	Source     Source            `json:"source"`
	// FiledAs is the role the filer held (filed incidents only).
	FiledAs string `json:"filedAs,omitempty"`
	// PostMortemBy and PostMortemAt record a post-mortem attached later.
	PostMortemBy *identity.Identity `json:"postMortemBy,omitempty"`
	PostMortemAt *time.Time         `json:"postMortemAt,omitempty"`
}

// Event types this package emits (filed incidents and post-mortems; a
// recorded incident rides on its transaction's own event).
const (
	EventFiled      = "incident.filed"
	EventPostMortem = "incident.post_mortem"
	// EventRecorded is emitted by a transaction whose only purpose is to
	// record an incident it established (e.g. a failed execution).
	EventRecorded = "incident.recorded"
)

const (
	objectType = "incident"
	refType    = "incident-ref"
)

// The rules a refusal names (errcode field/rule), besides the shared
// "required", "enum", "unique", "max-items", "format", "exists" and the
// text rules.
const (
	RuleNotFuture      = "not-future"          // an incident occurred at or before it is recorded
	RuleOncePerSubject = "once-per-subject"    // RecordOnce records a (kind, subject) once
	RuleMaxPerTx       = "max-per-transaction" // one transaction records at most maxPerTx incidents
	RuleFilerRole      = "filer-role"          // the caller holds one of the constitution's incidents.filerRoles
	RuleOnePostMortem  = "one-post-mortem"     // an incident's post-mortem is attached once
	RuleFromBeforeTo   = "from-before-to"      // a listing's from is before its to
)

// Key returns the state key of an incident.
func Key(id string) (string, error) { return core.Key(objectType, id) }

// validate checks the caller-given fields of an incident.
func (in *Incident) validate() error {
	if err := in.Kind.Check(); err != nil {
		return err
	}
	if err := in.Severity.Check(); err != nil {
		return err
	}
	if err := text.Check("incident summary", in.Summary, text.Rule{MaxRunes: MaxSummaryRunes, MultiLine: true, Required: true}); err != nil {
		return errcode.WithField(err, "summary")
	}
	if len(in.Transactions) > MaxTransactions {
		return errcode.InvalidFieldf("transactions", "max-items", "incident names %d transactions, at most %d", len(in.Transactions), MaxTransactions)
	}
	for i, t := range in.Transactions {
		if err := text.Check(fmt.Sprintf("incident transaction %d", i), t, text.ID(MaxTxIDBytes)); err != nil {
			return errcode.WithField(err, fmt.Sprintf("transactions[%d]", i))
		}
		if slices.Contains(in.Transactions[:i], t) {
			return errcode.InvalidFieldf(fmt.Sprintf("transactions[%d]", i), "unique", "incident names transaction %s twice", errcode.Quote(t))
		}
	}
	if in.Decision != "" {
		if err := text.Check("incident decision", in.Decision, text.ID(text.MaxIDBytes)); err != nil {
			return errcode.WithField(err, "decision")
		}
	}
	if in.Subject != "" {
		if err := text.Check("incident subject", in.Subject, text.ID(MaxSubjectBytes)); err != nil {
			return errcode.WithField(err, "subject")
		}
	}
	return checkPostMortem(in.PostMortem, false)
}

func checkPostMortem(link string, required bool) error {
	if link == "" && !required {
		return nil
	}
	if err := text.Check("incident post-mortem link", link, text.ID(MaxPostMortemBytes)); err != nil {
		return errcode.WithField(err, "postMortem")
	}
	if !strings.HasPrefix(link, "https://") && !strings.HasPrefix(link, "http://") && !strings.HasPrefix(link, "sha256:") {
		return errcode.InvalidFieldf("postMortem", "format", "incident post-mortem %s is neither a link (https://…) nor a document hash (sha256:…)", errcode.Quote(link))
	}
	if strings.ContainsAny(link, " ") {
		return errcode.InvalidFieldf("postMortem", "format", "incident post-mortem link %s contains a space", errcode.Quote(link))
	}
	return nil
}

// Record writes an incident the chaincode itself detected, as part of the
// calling transaction. The caller sets Kind, Severity, Summary and
// optionally Transactions (the current transaction is added), Decision,
// Subject, PostMortem and OccurredAt (zero: the transaction time). ID,
// RecordedAt, RecordedBy, TxID and Source are set here. Record emits no
// event: the transaction's own event is the one it emits.
//
// Errors: INVALID_ARGUMENT (a field breaks its rule; OccurredAt after the
// transaction time), FAILED_PRECONDITION (too many incidents in one
// transaction).
func Record(tx *core.Tx, in Incident) (*Incident, error) {
	return write(tx, in, SourceAutomatic, "")
}

// RecordOnce is Record for an incident that must be recorded at most once
// per (kind, subject): it returns CONFLICT naming the earlier record when
// one exists. Subject is required.
func RecordOnce(tx *core.Tx, in Incident) (*Incident, error) {
	if in.Subject == "" {
		return nil, errcode.InvalidFieldf("subject", "required", "record %s incident once: the subject is required", in.Kind)
	}
	if err := in.Kind.Check(); err != nil {
		return nil, err
	}
	if err := text.Check("incident subject", in.Subject, text.ID(MaxSubjectBytes)); err != nil {
		return nil, errcode.WithField(err, "subject")
	}
	rk, err := core.Key(refType, string(in.Kind), in.Subject)
	if err != nil {
		return nil, err
	}
	prev, err := tx.Store.Get(rk)
	if err != nil {
		return nil, fmt.Errorf("read incident index: %w", err)
	}
	if prev != nil {
		return nil, errcode.Fieldf(errcode.Conflict, "subject", RuleOncePerSubject, "a %s incident on %s is already recorded (incident %s)", in.Kind, errcode.Quote(in.Subject), errcode.Quote(string(prev)))
	}
	out, err := write(tx, in, SourceAutomatic, "")
	if err != nil {
		return nil, err
	}
	if err := tx.Store.Put(rk, []byte(out.ID)); err != nil {
		return nil, fmt.Errorf("write incident index: %w", err)
	}
	return out, nil
}

func write(tx *core.Tx, in Incident, source Source, filedAs string) (*Incident, error) {
	in.Transactions = slices.Clone(in.Transactions)
	if tx.TxID != "" && !slices.Contains(in.Transactions, tx.TxID) && source == SourceAutomatic {
		in.Transactions = append(in.Transactions, tx.TxID)
	}
	if err := in.validate(); err != nil {
		return nil, err
	}
	if in.OccurredAt.IsZero() {
		in.OccurredAt = tx.Time
	}
	if in.OccurredAt.After(tx.Time) {
		return nil, errcode.InvalidFieldf("occurredAt", RuleNotFuture, "incident occurred at %s, after it is recorded (%s)", in.OccurredAt.Format(time.RFC3339), tx.Time.Format(time.RFC3339))
	}
	in.OccurredAt = in.OccurredAt.UTC()
	id, key, err := freeID(tx)
	if err != nil {
		return nil, err
	}
	in.ID, in.RecordedAt, in.RecordedBy, in.TxID, in.Source, in.FiledAs = id, tx.Time, tx.Caller.Identity, tx.TxID, source, filedAs
	in.PostMortemBy, in.PostMortemAt = nil, nil
	if err := core.PutJSON(tx.Store, key, in); err != nil {
		return nil, err
	}
	return &in, nil
}

// freeID returns the first unused ID of the transaction: its ID, then
// ID.2, ID.3, … (point reads, at most maxPerTx).
func freeID(tx *core.Tx) (string, string, error) {
	if err := text.Check("transaction ID", tx.TxID, text.ID(MaxTxIDBytes)); err != nil {
		return "", "", errcode.WithField(err, "") // not an input of the request
	}
	for n := 1; n <= maxPerTx; n++ {
		id := tx.TxID
		if n > 1 {
			id += "." + strconv.Itoa(n)
		}
		key, err := Key(id)
		if err != nil {
			return "", "", err
		}
		raw, err := tx.Store.Get(key)
		if err != nil {
			return "", "", fmt.Errorf("read incident %s: %w", id, err)
		}
		if raw == nil {
			return id, key, nil
		}
	}
	return "", "", errcode.PreconditionFieldf("", RuleMaxPerTx, "transaction %s already recorded %d incidents, the most one transaction may", tx.TxID, maxPerTx)
}

// FileRequest files an incident. OccurredAt is required (the filer knows
// when it happened; it may not be after the filing).
type FileRequest struct {
	Kind         Kind      `json:"kind"`
	Severity     Severity  `json:"severity"`
	Summary      string    `json:"summary"`
	Transactions []string  `json:"transactions,omitempty"`
	Decision     string    `json:"decision,omitempty"`
	Subject      string    `json:"subject,omitempty"`
	PostMortem   string    `json:"postMortem,omitempty"`
	OccurredAt   time.Time `json:"occurredAt"`
}

// filerRole returns the first of the constitution's filer roles the
// caller holds, or FORBIDDEN naming them.
func filerRole(tx *core.Tx, action string) (string, error) {
	cur, err := constitution.Current(tx.Store)
	if err != nil {
		return "", err
	}
	roles := cur.Document.Incidents.Filers()
	m, err := membership.Active(tx.Store, tx.Caller.Identity)
	if err != nil {
		m = nil
	}
	for _, r := range roles {
		if r == constitution.OrgAdminFiler {
			if tx.Caller.OrgAdmin {
				return r, nil
			}
			continue
		}
		if m.Has(membership.Role(r)) {
			return r, nil
		}
	}
	return "", errcode.Fieldf(errcode.Forbidden, "", RuleFilerRole, "%s: caller %s holds none of the roles the constitution lets file incidents (incidents.filerRoles: %s)", action, tx.Caller.Identity.Short(), strings.Join(roles, ", "))
}

// File records an incident reported by a holder of a filer role.
//
// Caller: a holder of a role named in the constitution's
// incidents.filerRoles ("org_admin": any organisation's admin).
//
// Errors: INVALID_ARGUMENT (unknown kind or severity, no summary, no
// occurrence time or one after now, a malformed transaction ID, subject or
// post-mortem link), FORBIDDEN (not a filer), FAILED_PRECONDITION (no
// constitution).
func File(tx *core.Tx, req FileRequest) (*Incident, error) {
	if req.OccurredAt.IsZero() {
		return nil, errcode.InvalidFieldf("occurredAt", "required", "file incident: occurredAt is required (when the incident happened, RFC 3339)")
	}
	in := Incident{Kind: req.Kind, Severity: req.Severity, Summary: req.Summary, Transactions: req.Transactions,
		Decision: req.Decision, Subject: req.Subject, PostMortem: req.PostMortem, OccurredAt: req.OccurredAt}
	if err := in.validate(); err != nil {
		return nil, err
	}
	role, err := filerRole(tx, "file incident")
	if err != nil {
		return nil, err
	}
	out, err := write(tx, in, SourceFiled, role)
	if err != nil {
		return nil, err
	}
	return out, tx.Emit(EventFiled, out)
}

// PostMortemRequest attaches a post-mortem to an incident recorded
// without one.
type PostMortemRequest struct {
	ID         string `json:"id"`
	PostMortem string `json:"postMortem"`
}

// AttachPostMortem sets an incident's post-mortem link, once.
//
// Caller: a holder of a filer role.
//
// Errors: INVALID_ARGUMENT (bad link), NOT_FOUND, FORBIDDEN, CONFLICT (the
// incident already has a post-mortem).
func AttachPostMortem(tx *core.Tx, req PostMortemRequest) (*Incident, error) {
	if err := checkPostMortem(req.PostMortem, true); err != nil {
		return nil, err
	}
	in, err := Get(tx.Store, req.ID)
	if err != nil {
		return nil, err
	}
	if in.PostMortem != "" {
		return nil, errcode.Fieldf(errcode.Conflict, "", RuleOnePostMortem, "incident %s already has a post-mortem (%s)", in.ID, errcode.Quote(in.PostMortem))
	}
	if _, err := filerRole(tx, "attach post-mortem"); err != nil {
		return nil, err
	}
	t, by := tx.Time, tx.Caller.Identity
	in.PostMortem, in.PostMortemAt, in.PostMortemBy = req.PostMortem, &t, &by
	key, err := Key(in.ID)
	if err != nil {
		return nil, err
	}
	if err := core.PutJSON(tx.Store, key, in); err != nil {
		return nil, err
	}
	return in, tx.Emit(EventPostMortem, in)
}

// Get returns one incident, or NOT_FOUND.
func Get(s core.Store, id string) (*Incident, error) {
	if err := text.Check("incident ID", id, text.ID(MaxTxIDBytes+8)); err != nil {
		return nil, errcode.WithField(err, "id")
	}
	key, err := Key(id)
	if err != nil {
		return nil, err
	}
	var in Incident
	found, err := core.GetJSON(s, key, &in)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, errcode.Fieldf(errcode.NotFound, "id", "exists", "incident %s does not exist", errcode.Quote(id))
	}
	return &in, nil
}

// ListRequest selects one page of the register (in ID order), optionally
// only one kind and only incidents that occurred in [From, To).
type ListRequest struct {
	Kind     Kind       `json:"kind,omitempty"`
	From     *time.Time `json:"from,omitempty"`
	To       *time.Time `json:"to,omitempty"`
	PageSize int        `json:"pageSize,omitempty"`
	Bookmark string     `json:"bookmark,omitempty"`
}

// ListPage is one page of incidents; Bookmark is "" on the last page. A
// filtered page may hold fewer than PageSize incidents (the filter applies
// to the PageSize records read).
type ListPage struct {
	Incidents []Incident `json:"incidents"`
	Bookmark  string     `json:"bookmark,omitempty"`
}

// List returns one page of the register: it reads at most PageSize
// records (1..1000, default 100).
//
// Errors: INVALID_ARGUMENT (unknown kind, From not before To, bad page
// size or bookmark).
func List(s core.Store, req ListRequest) (*ListPage, error) {
	if req.Kind != "" {
		if err := req.Kind.Check(); err != nil {
			return nil, err
		}
	}
	if req.From != nil && req.To != nil && !req.From.Before(*req.To) {
		return nil, errcode.InvalidFieldf("from", RuleFromBeforeTo, "list incidents: from %s is not before to %s", req.From.Format(time.RFC3339), req.To.Format(time.RFC3339))
	}
	keep := func(in *Incident) bool {
		return (req.Kind == "" || in.Kind == req.Kind) &&
			(req.From == nil || !in.OccurredAt.Before(*req.From)) &&
			(req.To == nil || in.OccurredAt.Before(*req.To))
	}
	incidents, next, err := core.PageJSON(s, "list incidents", objectType, nil, req.PageSize, req.Bookmark, keep)
	if err != nil {
		return nil, err
	}
	return &ListPage{Incidents: incidents, Bookmark: next}, nil
}
