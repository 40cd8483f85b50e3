package ballot

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/membership"
	"github.com/charter-gov/charter/chaincode/text"
	"github.com/charter-gov/charter/chaincode/timerule"
	"github.com/charter-gov/charter/chaincode/token"
	"github.com/charter-gov/charter/chaincode/vouch"
)

// Status is a ballot's status. See the package documentation for the
// lifecycle.
type Status string

// Stored statuses.
const (
	StatusPending   Status = "pending"
	StatusClosed    Status = "closed"
	StatusSucceeded Status = "succeeded"
	StatusDefeated  Status = "defeated"
	StatusCompleted Status = "completed" // a poll, tallied
	StatusQueued    Status = "queued"
	StatusExecuted  Status = "executed"
	StatusCancelled Status = "cancelled"
)

// Derived statuses: never stored, computed from the transaction time.
const (
	StatusActive  Status = "active"  // pending and opensAt ≤ t < endsAt
	StatusEnded   Status = "ended"   // pending and t ≥ endsAt: awaiting Close
	StatusExpired Status = "expired" // queued and t > executeBy
)

// Statuses lists every status in lifecycle order.
func Statuses() []Status {
	return []Status{StatusPending, StatusActive, StatusEnded, StatusClosed, StatusSucceeded, StatusDefeated,
		StatusCompleted, StatusQueued, StatusExecuted, StatusExpired, StatusCancelled}
}

// Valid reports whether s is a known status.
func (s Status) Valid() bool {
	for _, x := range Statuses() {
		if x == s {
			return true
		}
	}
	return false
}

// CanMoveTo reports whether a transaction may move a ballot from stored
// status s to stored status to.
func (s Status) CanMoveTo(to Status) bool {
	switch s {
	case StatusPending:
		return to == StatusClosed || to == StatusCancelled
	case StatusClosed:
		return to == StatusSucceeded || to == StatusDefeated || to == StatusCompleted || to == StatusCancelled
	case StatusSucceeded:
		return to == StatusQueued || to == StatusCancelled
	case StatusQueued:
		return to == StatusExecuted || to == StatusCancelled
	}
	return false
}

// Final reports whether no transaction can move a ballot on from s.
func (s Status) Final() bool {
	return s == StatusDefeated || s == StatusCompleted || s == StatusExecuted || s == StatusCancelled || s == StatusExpired
}

// Kind is what a ballot asks.
type Kind string

// Ballot kinds.
const (
	KindDecision Kind = "decision" // decided by a house under the constitution
	KindPoll     Kind = "poll"     // a 1–7 Likert poll (perceived legitimacy); decides nothing
)

// The choices of a binary decision ballot.
const (
	ChoiceFor     = "for"
	ChoiceAgainst = "against"
	ChoiceAbstain = "abstain"
)

// Limits.
const (
	MaxOptions        = 32
	MaxTitleRunes     = 200
	MaxDescription    = 4096
	DefaultPageSize   = 1000
	MaxPageSize       = 10000
	Shards            = 256
	GracePeriodSec    = 14 * 24 * 60 * 60 // a queued ballot must be executed within this after its eta
	MaxPollPeriodSec  = 365 * 24 * 60 * 60
	MaxPollDelaySec   = 30 * 24 * 60 * 60
	LikertMin, Likert = 1, 7
)

// Event types this package emits.
const (
	EventCreated   = "ballot.created"
	EventVoted     = "ballot.voted"
	EventClosed    = "ballot.closed"
	EventTallyPage = "ballot.tally_page"
	EventTallied   = "ballot.tallied"
	EventQueued    = "ballot.queued"
	EventExecuted  = "ballot.executed"
	EventCancelled = "ballot.cancelled"
)

// Ballot is the stored record of one ballot. The decision rule, the
// constitution version and hash, the delegation depth, the voice credits,
// the reputation parameters and the clock skew are frozen at creation: an open ballot keeps the parameters it
// was opened with, whatever amendments follow.
type Ballot struct {
	ID           string                    `json:"id"`
	Kind         Kind                      `json:"kind"`
	Title        string                    `json:"title"`
	Description  string                    `json:"description,omitempty"`
	DecisionType constitution.DecisionType `json:"decisionType,omitempty"`
	// Decision is the decision this ballot belongs to (set by the decision
	// engine); votes on such ballots pass Deps.Eligible (recusal).
	Decision string               `json:"decision,omitempty"`
	House    constitution.HouseID `json:"house,omitempty"`
	Family   constitution.Family  `json:"family,omitempty"`
	// Options are the named options of a multi-option ballot; empty means
	// for / against / abstain. "abstain" is always accepted on decisions.
	Options []string `json:"options,omitempty"`

	Rule                constitution.DecisionRule `json:"rule"`
	ConstitutionVersion int64                     `json:"constitutionVersion"`
	ConstitutionHash    string                    `json:"constitutionHash"`
	MaxDelegationDepth  int64                     `json:"maxDelegationDepth,omitempty"`
	VoiceCredits        int64                     `json:"voiceCredits,omitempty"`
	// Reputation are the reputation parameters (half-life, endorsement
	// bonus…) every weight of a reputation-weighted ballot is computed
	// with, pinned at creation: an amendment between the opening and the
	// tally, or between two tally pages, changes no weight.
	Reputation *constitution.Reputation `json:"reputation,omitempty"`
	// SkewSec is the clock skew in force at creation (docs/time.md): the
	// ballot opens at least this long after creation and is closed, and
	// executed, with at least this margin.
	SkewSec int64 `json:"skewSeconds,omitempty"`

	Proposer  identity.Identity `json:"proposer"`
	CreatedAt time.Time         `json:"createdAt"`
	OpensAt   time.Time         `json:"opensAt"`
	EndsAt    time.Time         `json:"endsAt"`
	TxID      string            `json:"txId"`

	Status       Status             `json:"status"`
	ClosedAt     *time.Time         `json:"closedAt,omitempty"`
	ClosedBy     *identity.Identity `json:"closedBy,omitempty"`
	TalliedAt    *time.Time         `json:"talliedAt,omitempty"`
	ETA          *time.Time         `json:"eta,omitempty"`
	ExecuteBy    *time.Time         `json:"executeBy,omitempty"`
	ExecutedAt   *time.Time         `json:"executedAt,omitempty"`
	CancelledAt  *time.Time         `json:"cancelledAt,omitempty"`
	CancelReason string             `json:"cancelReason,omitempty"`
	Result       *Result            `json:"result,omitempty"`

	// Safeguards frozen at opening (see safeguards.go): the organisation
	// cap applied at tally (10000 or absent: none) and the vouching rule
	// applied to voters and the electorate.
	OrgCapBps int64       `json:"orgCapBps,omitempty"`
	Vouching  *vouch.Rule `json:"vouching,omitempty"`
	// Pause is the guardians' emergency pause, once k of them acted (see
	// pause.go).
	Pause *Pause `json:"pause,omitempty"`
}

// StatusAt returns the status at time t: the stored status, or a derived
// one (active, ended, expired).
func (b *Ballot) StatusAt(t time.Time) Status {
	switch b.Status {
	case StatusPending:
		if t.Before(b.OpensAt) {
			return StatusPending
		}
		if t.Before(b.EndsAt) {
			return StatusActive
		}
		return StatusEnded
	case StatusQueued:
		if b.ExecuteBy != nil && t.After(*b.ExecuteBy) {
			return StatusExpired
		}
	}
	return b.Status
}

// CloseableFrom returns the first transaction time at which the ballot may
// be closed under margin (the clock skew): the end of voting plus the
// margin, and no earlier than the time the snapshot as of the opening is
// final (docs/time.md).
func (b *Ballot) CloseableFrom(margin time.Duration) time.Time {
	from := timerule.From(b.EndsAt, margin)
	if f := timerule.SnapshotFinal(b.OpensAt, margin); f.After(from) {
		from = f
	}
	return from
}

// Choices returns the choices of the ballot in tally order.
func (b *Ballot) Choices() []string {
	switch {
	case b.Kind == KindPoll:
		return []string{"1", "2", "3", "4", "5", "6", "7"}
	case len(b.Options) == 0:
		return []string{ChoiceFor, ChoiceAgainst, ChoiceAbstain}
	default:
		return append(append([]string{}, b.Options...), ChoiceAbstain)
	}
}

func (b *Ballot) choiceIndex(c string) int {
	for i, x := range b.Choices() {
		if x == c {
			return i
		}
	}
	return -1
}

// binary reports whether the ballot is for/against/abstain.
func (b *Ballot) binary() bool { return b.Kind == KindDecision && len(b.Options) == 0 }

// CreateRequest asks to create a ballot.
type CreateRequest struct {
	Kind         Kind                      `json:"kind,omitempty"` // default "decision"
	DecisionType constitution.DecisionType `json:"decisionType,omitempty"`
	// House picks the deciding house of a joint decision type; empty means
	// the first house the constitution names.
	House       constitution.HouseID `json:"house,omitempty"`
	Title       string               `json:"title"`
	Description string               `json:"description,omitempty"`
	Options     []string             `json:"options,omitempty"`
	// Polls only: when voting opens and how long it lasts. Decisions take
	// both from the constitution.
	VotingDelaySec  int64 `json:"votingDelaySeconds,omitempty"`
	VotingPeriodSec int64 `json:"votingPeriodSeconds,omitempty"`
}

// Deps are the sources a ballot reads that live in other packages. The
// contract layer injects them.
type Deps struct {
	// Reputation is the reputation ledger's score of a member at a time
	// over the named categories (the total when empty), in milli-points.
	// It must be deterministic and read only the store. Required for
	// reputation-weighted ballots.
	Reputation ReputationSource
	// Eligible, when set, is asked before a vote on a ballot that belongs
	// to a decision (Ballot.Decision) is recorded, and may refuse it; the
	// decision engine uses it to refuse conflicted voters (recusal),
	// whichever transaction the vote arrives through. Votes on other
	// ballots do not call it (no extra read on the hot path). It must read
	// only the store.
	Eligible func(s core.Store, ballotID string, voter identity.Identity) error
}

// ReputationSource returns a member's reputation score at a time under
// the given reputation parameters (those of the constitution in force
// when params is nil).
type ReputationSource func(s core.Store, member identity.Identity, at time.Time, categories []string, params *constitution.Reputation) (int64, error)

// score is m's reputation at time at under the parameters b pinned when it
// was created, over b's categories.
func (d Deps) score(s core.Store, m identity.Identity, at time.Time, b *Ballot) (int64, error) {
	if d.Reputation == nil {
		return 0, errcode.Preconditionf("reputation-weighted ballot: the reputation ledger is not available")
	}
	v, err := d.Reputation(s, m, at, b.Rule.ReputationCategories, b.Reputation)
	if err != nil {
		return 0, err
	}
	if v < 0 {
		return 0, nil
	}
	return v, nil
}

// Key returns the state key of a ballot.
func Key(id string) (string, error) { return core.Key("ballot", id) }

func tallyKey(id string) (string, error) { return core.Key("ballot-tally", id) }

// Shard returns the vote shard of a voter: two hex digits.
func Shard(voter identity.Identity) string {
	h := sha256.Sum256([]byte(voter.MSPID + "\x00" + voter.ID))
	return hex.EncodeToString(h[:1])
}

// VoteKey returns the state key of a voter's vote on a ballot.
func VoteKey(id string, voter identity.Identity) (string, error) {
	return core.Key("ballot-vote", id, Shard(voter), voter.MSPID, voter.ID)
}

// Create records a new poll, by any active member, with the vouching rule
// of the constitution in force frozen into it. A decision ballot (kind
// "decision", the default, or any request meant for one) is refused: a
// typed ballot is opened only by decision:Propose through Open, so that
// the decision's proposal threshold, recusal, appeals and effect apply.
// deps is unused since Create makes polls only; it is kept so that
// callers need not change.
//
// Errors: INVALID_ARGUMENT (a decision ballot; bad kind, title or poll
// timing), FORBIDDEN (not an active member), FAILED_PRECONDITION
// (constitution not initialised), CONFLICT (a ballot with this ID exists).
func Create(tx *core.Tx, deps Deps, req CreateRequest) (*Ballot, error) {
	if req.Kind == "" {
		req.Kind = KindDecision
	}
	if req.Kind != KindDecision && req.Kind != KindPoll {
		return nil, errcode.Invalidf("create ballot: unknown kind %q (decision or poll)", req.Kind)
	}
	if req.Kind == KindDecision {
		return nil, errcode.Invalidf("create ballot: a decision ballot is opened only by decision:Propose (which applies the proposal threshold, recusal, appeals and the decision's effect); ballot:Create creates polls")
	}
	if err := text.Check("ballot title", req.Title, text.Rule{MaxRunes: MaxTitleRunes, Required: true}); err != nil {
		return nil, err
	}
	if err := text.Check("ballot description", req.Description, text.Rule{MaxRunes: MaxDescription, MultiLine: true}); err != nil {
		return nil, err
	}
	caller := tx.Caller.Identity
	if _, err := membership.Active(tx.Store, caller); err != nil {
		return nil, errcode.Forbiddenf("create ballot: caller %s is not an active member", caller)
	}
	cur, err := constitution.Current(tx.Store)
	if err != nil {
		return nil, err
	}
	skew, err := timerule.Skew(tx.Store, timerule.Default)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256([]byte(tx.TxID))
	b := &Ballot{
		ID: "b" + hex.EncodeToString(sum[:8]), Kind: req.Kind, Title: req.Title, Description: req.Description,
		ConstitutionVersion: cur.Version, ConstitutionHash: cur.Hash, SkewSec: int64(skew / time.Second),
		Proposer: caller, CreatedAt: tx.Time, TxID: tx.TxID, Status: StatusPending,
	}
	if err := fillPoll(b, req); err != nil {
		return nil, err
	}
	if err := b.freezeSafeguards(&cur.Document); err != nil {
		return nil, err
	}
	if err := insert(tx, b, "create ballot"); err != nil {
		return nil, err
	}
	return b, tx.Emit(EventCreated, b)
}

// insert writes a new ballot record; a ballot with the same ID is a
// CONFLICT.
func insert(tx *core.Tx, b *Ballot, action string) error {
	key, err := Key(b.ID)
	if err != nil {
		return err
	}
	raw, err := tx.Store.Get(key)
	if err != nil {
		return err
	}
	if raw != nil {
		return errcode.Conflictf("%s: ballot %s already exists", action, b.ID)
	}
	return core.PutJSON(tx.Store, key, b)
}

// applyRule makes b a decision ballot of house index hi under rule and
// the reputation parameters it was frozen with, opening after the rule's voting
// delay from now, and never less than one clock skew (b.SkewSec) after.
func (b *Ballot) applyRule(rule constitution.DecisionRule, hi int, maxDelegationDepth int64, rep constitution.Reputation, now time.Time) {
	b.Kind = KindDecision
	b.DecisionType, b.House, b.Family, b.Rule = rule.Type, rule.Houses[hi], rule.Families[hi], rule
	b.MaxDelegationDepth = maxDelegationDepth
	if b.Family == constitution.FamilyQuadratic {
		b.VoiceCredits = rule.Credits()
	}
	if b.Family == constitution.FamilyReputation {
		b.Reputation = &rep
	}
	b.OpensAt = timerule.OpensAt(now, time.Duration(rule.VotingDelaySec)*time.Second, time.Duration(b.SkewSec)*time.Second)
	b.EndsAt = b.OpensAt.Add(time.Duration(rule.VotingPeriodSec) * time.Second)
}

// OpenSpec is a ballot the decision engine opens for one house of a
// decision, under the rule it froze when the decision was proposed.
type OpenSpec struct {
	ID                  string
	Decision            string
	House               constitution.HouseID
	Rule                constitution.DecisionRule
	ConstitutionVersion int64
	ConstitutionHash    string
	MaxDelegationDepth  int64
	Title               string
	Description         string
	Proposer            identity.Identity
	// Options are the named options of a multi-option ballot; empty means
	// for / against / abstain.
	Options []string
}

// Open writes a pending decision ballot for spec.House under spec.Rule,
// opening after the rule's voting delay. It is called by the decision
// engine within the decision's own transaction, which emits that
// transaction's one event; Open emits none. The proposer's eligibility
// was checked by the decision engine.
//
// Errors: CONFLICT (a ballot with this ID exists), INVALID_ARGUMENT (an
// ID that is not a valid key part, a title or description out of bounds,
// a house the rule does not route to).
func Open(tx *core.Tx, spec OpenSpec) (*Ballot, error) {
	if err := text.Check("ballot title", spec.Title, text.Rule{MaxRunes: MaxTitleRunes, Required: true}); err != nil {
		return nil, err
	}
	if err := text.Check("ballot description", spec.Description, text.Rule{MaxRunes: MaxDescription, MultiLine: true}); err != nil {
		return nil, err
	}
	hi := slices.Index(spec.Rule.Houses, spec.House)
	if hi < 0 || hi >= len(spec.Rule.Families) {
		return nil, errcode.Invalidf("open ballot %s: decision type %q is not decided by house %q", spec.ID, spec.Rule.Type, spec.House)
	}
	// A reputation-weighted ballot pins the reputation parameters of the
	// constitution version the decision froze.
	var rep constitution.Reputation
	if spec.Rule.Families[hi] == constitution.FamilyReputation {
		frozen, err := constitution.Get(tx.Store, spec.ConstitutionVersion)
		if err != nil {
			return nil, fmt.Errorf("open ballot %s: %w", spec.ID, err)
		}
		rep = frozen.Document.Reputation
	}
	skew, err := timerule.Skew(tx.Store, timerule.Default)
	if err != nil {
		return nil, err
	}
	b := &Ballot{
		ID: spec.ID, Title: spec.Title, Description: spec.Description, Decision: spec.Decision,
		ConstitutionVersion: spec.ConstitutionVersion, ConstitutionHash: spec.ConstitutionHash,
		SkewSec:  int64(skew / time.Second),
		Proposer: spec.Proposer, CreatedAt: tx.Time, TxID: tx.TxID, Status: StatusPending,
	}
	if err := checkOptions(spec.Options); err != nil {
		return nil, err
	}
	b.Options = spec.Options
	b.applyRule(spec.Rule, hi, spec.MaxDelegationDepth, rep, tx.Time)
	frozen, err := constitution.Get(tx.Store, spec.ConstitutionVersion)
	if err != nil {
		return nil, fmt.Errorf("open ballot %s: %w", spec.ID, err)
	}
	if err := b.freezeSafeguards(&frozen.Document); err != nil {
		return nil, err
	}
	if err := insert(tx, b, "open ballot"); err != nil {
		return nil, err
	}
	return b, nil
}

func fillPoll(b *Ballot, req CreateRequest) error {
	if len(req.Options) > 0 {
		return errcode.Invalidf("create poll: a poll is answered on the 1–7 Likert scale and takes no options")
	}
	if req.House != "" {
		return errcode.Invalidf("create poll: a poll has no deciding house")
	}
	if req.DecisionType != "" {
		if _, ok := routed(req.DecisionType); !ok {
			return errcode.Invalidf("create poll: unknown decision type %q", req.DecisionType)
		}
	}
	if req.VotingPeriodSec < 1 || req.VotingPeriodSec > MaxPollPeriodSec {
		return errcode.Invalidf("create poll: votingPeriodSeconds %d is outside 1..%d", req.VotingPeriodSec, MaxPollPeriodSec)
	}
	if req.VotingDelaySec < 0 || req.VotingDelaySec > MaxPollDelaySec {
		return errcode.Invalidf("create poll: votingDelaySeconds %d is outside 0..%d", req.VotingDelaySec, MaxPollDelaySec)
	}
	b.DecisionType = req.DecisionType
	b.OpensAt = timerule.OpensAt(b.CreatedAt, time.Duration(req.VotingDelaySec)*time.Second, time.Duration(b.SkewSec)*time.Second)
	b.EndsAt = b.OpensAt.Add(time.Duration(req.VotingPeriodSec) * time.Second)
	b.Rule = constitution.DecisionRule{Type: req.DecisionType, VotingDelaySec: req.VotingDelaySec, VotingPeriodSec: req.VotingPeriodSec}
	return nil
}

func routed(t constitution.DecisionType) (constitution.DecisionType, bool) {
	for _, x := range constitution.KnownDecisionTypes() {
		if x == t {
			return x, true
		}
	}
	return "", false
}

// ProposerWeight is m's weight in family fam under rule at time at, for
// the rule's proposal threshold: the token balance (token, delegated), the
// reputation score over the rule's categories (reputation), or 1 (seat,
// quadratic).
func ProposerWeight(s core.Store, deps Deps, fam constitution.Family, rule constitution.DecisionRule, m identity.Identity, at time.Time) (int64, error) {
	switch fam {
	case constitution.FamilyToken, constitution.FamilyDelegated:
		return token.BalanceAt(s, m, at)
	case constitution.FamilyReputation:
		// The reputation parameters in force now (a ballot freezes its own
		// when it opens).
		cur, err := constitution.Current(s)
		if err != nil {
			return 0, err
		}
		return deps.score(s, m, at, &Ballot{Rule: rule, Reputation: &cur.Document.Reputation})
	}
	return 1, nil
}

func checkOptions(opts []string) error {
	if len(opts) == 0 {
		return nil
	}
	if len(opts) < 2 || len(opts) > MaxOptions {
		return errcode.Invalidf("create ballot: a multi-option ballot needs 2 to %d options, got %d", MaxOptions, len(opts))
	}
	for i, o := range opts {
		if err := text.Check(fmt.Sprintf("ballot option %d", i+1), o, text.Rule{MaxRunes: 64, Required: true}); err != nil {
			return err
		}
		if strings.TrimSpace(o) != o {
			return errcode.Invalidf("create ballot: option %q has leading or trailing spaces", o)
		}
		if o == ChoiceAbstain {
			return errcode.Invalidf("create ballot: %q is always a choice and cannot be an option", ChoiceAbstain)
		}
		for _, p := range opts[:i] {
			if p == o {
				return errcode.Invalidf("create ballot: option %q is listed twice", o)
			}
		}
	}
	return nil
}

// Get returns a ballot, or NOT_FOUND.
func Get(s core.Store, id string) (*Ballot, error) {
	if id == "" || len(id) > 64 {
		return nil, errcode.Invalidf("ballot ID %q is empty or longer than 64 bytes", id)
	}
	key, err := Key(id)
	if err != nil {
		return nil, err
	}
	var b Ballot
	found, err := core.GetJSON(s, key, &b)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, errcode.NotFoundf("ballot %s does not exist", id)
	}
	return &b, nil
}

// View is a ballot as seen at a time: the stored record plus the status
// at that time.
type View struct {
	Ballot
	StatusNow Status `json:"statusNow"`
}

// ListPage is one page of ballots and the bookmark of the next ("" when
// this was the last).
type ListPage struct {
	Ballots  []View `json:"ballots"`
	Bookmark string `json:"bookmark,omitempty"`
}

// List returns one page of ballots in ID order, each with its status at
// time at, only those whose status at that time is status when it is not
// empty: at most pageSize ballots read (1..core.MaxPageSize; 0 means
// core.DefaultListPage) from bookmark ("" starts). A page may hold fewer
// ballots than it read when a status is given. A query: it reads at most
// pageSize records however many ballots exist.
//
// Errors: INVALID_ARGUMENT (an unknown status, a page size out of range, a
// bookmark from another listing).
func List(s core.Store, at time.Time, status Status, pageSize int, bookmark string) (*ListPage, error) {
	if status != "" && !status.Valid() {
		return nil, errcode.Invalidf("list ballots: unknown status %q", status)
	}
	bs, next, err := core.PageJSON(s, "list ballots", "ballot", nil, pageSize, bookmark, func(b *Ballot) bool {
		return status == "" || b.StatusAt(at) == status
	})
	if err != nil {
		return nil, err
	}
	out := &ListPage{Ballots: make([]View, 0, len(bs)), Bookmark: next}
	for _, b := range bs {
		out.Ballots = append(out.Ballots, View{Ballot: b, StatusNow: b.StatusAt(at)})
	}
	return out, nil
}

func save(tx *core.Tx, b *Ballot) error {
	key, err := Key(b.ID)
	if err != nil {
		return err
	}
	return core.PutJSON(tx.Store, key, b)
}

func move(b *Ballot, to Status) error {
	if !b.Status.CanMoveTo(to) {
		return errcode.Preconditionf("ballot %s is %s and cannot become %s", b.ID, b.Status, to)
	}
	b.Status = to
	return nil
}
