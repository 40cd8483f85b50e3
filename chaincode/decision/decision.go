package decision

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/charter-gov/charter/chaincode/coi"
	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/membership"
	"github.com/charter-gov/charter/chaincode/text"
)

// Status is a decision's stored status.
type Status string

// Statuses. See the package documentation for the lifecycle.
const (
	StatusVoting     Status = "voting"
	StatusMediation  Status = "mediation"
	StatusPassed     Status = "passed"
	StatusRejected   Status = "rejected"
	StatusAppealed   Status = "appealed"
	StatusOverturned Status = "overturned"
	StatusExecuted   Status = "executed"
)

// Statuses lists every status in lifecycle order.
func Statuses() []Status {
	return []Status{StatusVoting, StatusMediation, StatusPassed, StatusRejected, StatusAppealed, StatusOverturned, StatusExecuted}
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

// Final reports whether nothing can change a decision in status s.
func (s Status) Final() bool {
	return s == StatusRejected || s == StatusOverturned || s == StatusExecuted
}

// Event types this package emits (Execute emits its effect's event instead
// when the effect emits one, e.g. constitution.amended).
const (
	EventProposed     = "decision.proposed"
	EventConcluded    = "decision.concluded"
	EventAppealJoined = "decision.appeal_joined"
	EventAppealed     = "decision.appealed"
	EventExecuted     = "decision.executed"
)

// Limits.
const (
	MaxTitleRunes   = 200
	MaxDescription  = 4096
	MaxPayloadBytes = 256 << 10
	MaxGroundsBytes = 2048
)

// BallotRef names the ballot a house votes on.
type BallotRef struct {
	House  constitution.HouseID `json:"house"`
	Family constitution.Family  `json:"family"`
	Ballot string               `json:"ballot"`
}

// AppealState is the appeal against a passed decision, once lodged.
type AppealState struct {
	LodgedAt   time.Time   `json:"lodgedAt"`
	Appellants int64       `json:"appellants"`
	Ballots    []BallotRef `json:"ballots"`
	// Outcome is set when the appeal ballots are concluded: passed means
	// the appeal was upheld (the decision is overturned).
	Outcome *Outcome `json:"outcome,omitempty"`
}

// Decision is the stored record of one decision.
type Decision struct {
	ID          string                    `json:"id"`
	Type        constitution.DecisionType `json:"type"`
	Subject     coi.Subject               `json:"subject"`
	Title       string                    `json:"title"`
	Description string                    `json:"description,omitempty"`
	// Payload is the effect's argument (JSON), e.g. {"document": …} for an
	// amendment or {"member": …} for a seat confirmation.
	Payload json.RawMessage `json:"payload,omitempty"`

	Proposer   identity.Identity `json:"proposer"`
	ProposedAt time.Time         `json:"proposedAt"`
	TxID       string            `json:"txId"`

	// The rules in force when the decision was proposed, frozen.
	ConstitutionVersion int64                     `json:"constitutionVersion"`
	ConstitutionHash    string                    `json:"constitutionHash"`
	Rule                constitution.DecisionRule `json:"rule"`
	Concurrence         constitution.Concurrence  `json:"concurrence"`
	Appeals             constitution.Appeals      `json:"appeals"`

	Ballots []BallotRef `json:"ballots"`
	Status  Status      `json:"status"`
	Outcome *Outcome    `json:"outcome,omitempty"`

	// Set when the decision passes: the timelock ends at ETA, appeals are
	// accepted until AppealDeadline, and it can be executed from
	// ExecutableAt = max(ETA, AppealDeadline).
	ETA            *time.Time `json:"eta,omitempty"`
	AppealDeadline *time.Time `json:"appealDeadline,omitempty"`
	ExecutableAt   *time.Time `json:"executableAt,omitempty"`

	Appeal *AppealState `json:"appeal,omitempty"`

	ExecutedAt   *time.Time         `json:"executedAt,omitempty"`
	ExecutedBy   *identity.Identity `json:"executedBy,omitempty"`
	ExecutedTxID string             `json:"executedTxId,omitempty"`
	// Effect is what the effect returned (e.g. the constitution version it
	// installed); absent for decision types without an on-chain effect.
	Effect json.RawMessage `json:"effect,omitempty"`
}

// BallotLink maps a ballot to its decision (for recusal).
type BallotLink struct {
	Ballot   string               `json:"ballot"`
	Decision string               `json:"decision"`
	House    constitution.HouseID `json:"house"`
	Appeal   bool                 `json:"appeal,omitempty"`
}

// BallotSpec is what the decision engine asks the ballot engine to open:
// a decision ballot in one house with the frozen rule. The ballot must
// take its voting delay, period, quorum and threshold from Rule, and open
// at the transaction time plus Rule.VotingDelaySec.
type BallotSpec struct {
	ID                  string                    `json:"id"`
	Decision            string                    `json:"decision"`
	Appeal              bool                      `json:"appeal,omitempty"`
	House               constitution.HouseID      `json:"house"`
	Family              constitution.Family       `json:"family"`
	Rule                constitution.DecisionRule `json:"rule"`
	ConstitutionVersion int64                     `json:"constitutionVersion"`
	ConstitutionHash    string                    `json:"constitutionHash"`
	MaxDelegationDepth  int64                     `json:"maxDelegationDepth"`
	Title               string                    `json:"title"`
	Description         string                    `json:"description,omitempty"`
	Proposer            identity.Identity         `json:"proposer"`
}

// Allocation spends Votes quadratic votes on Choice.
type Allocation struct {
	Choice string `json:"choice"`
	Votes  int64  `json:"votes"`
}

// Ballots is what the decision engine needs from the ballot engine.
//
// Open writes a new ballot as spec describes without emitting an event
// (the decision emits the transaction's one event); CONFLICT when the ID
// exists. Result returns a ballot's result once it is final (tallied or
// cancelled); final is false while it is still open, closed or being
// tallied. Cast casts the caller's vote (and emits the ballot engine's
// vote event). Implementations must be deterministic and read and write
// only through the transaction's store.
type Ballots interface {
	Open(tx *core.Tx, spec BallotSpec) error
	Result(s core.Store, ballotID string) (res HouseResult, final bool, err error)
	Cast(tx *core.Tx, ballotID string, choice string, allocations []Allocation) (any, error)
	// VoteChoice is voter's recorded choice on a ballot; found is false
	// when the voter did not vote.
	VoteChoice(s core.Store, ballotID string, voter identity.Identity) (choice string, found bool, err error)
}

// Effect is the on-chain effect of one decision type.
//
// Check validates a proposal's payload against the constitution in force
// (at proposal time); Apply performs the effect when the decision is
// executed, re-validating what may have changed since. Apply may emit the
// transaction's event (e.g. constitution.amended); if it does not, Execute
// emits decision.executed. Both must be deterministic.
type Effect struct {
	Type  constitution.DecisionType
	Check func(s core.Store, cur *constitution.Version, payload json.RawMessage) error
	Apply func(tx *core.Tx, d *Decision) (any, error)
}

// Deps are what a decision reads and calls outside this package.
type Deps struct {
	Ballots Ballots
	// Effects registers the on-chain effects per decision type; a type
	// with none is executed as a recorded authorisation only. Later
	// capabilities add theirs here.
	Effects []Effect
	// ProposerWeight is a member's weight in a voting family under a rule
	// at a time, for the rule's proposal threshold (the ballot engine's
	// ballot.ProposerWeight). Required when a rule has a proposal
	// threshold.
	ProposerWeight func(s core.Store, fam constitution.Family, rule constitution.DecisionRule, m identity.Identity, at time.Time) (int64, error)
}

func (d Deps) effect(t constitution.DecisionType) *Effect {
	for i := range d.Effects {
		if d.Effects[i].Type == t {
			return &d.Effects[i]
		}
	}
	return nil
}

// The rules a refusal names (errcode field/rule), besides the shared
// "required", "enum", "format", "max-bytes", "exists", "window" and the
// text rules.
const (
	RuleActiveMember        = "active-member"         // the caller is an active member
	RuleHouseASeat          = "house-a-seat"          // a type routed to House A only is proposed by a seat holder
	RuleProposalThreshold   = "proposal-threshold"    // the proposer's weight reaches the rule's proposal threshold
	RuleBallotEngine        = "ballot-engine"         // the ballot engine is available
	RuleUniqueID            = "unique-id"             // a decision ID is used once
	RuleAppealOnce          = "appeal-once"           // a decision is appealed once
	RuleAppealable          = "appealable"            // only a passed, unexecuted decision is appealed
	RuleOneAppealPerMember  = "one-appeal-per-member" // a member appeals a decision once
	RuleConcludable         = "concludable"           // only a decision in voting, mediation or appeal is concluded
	RuleMediationTimelock   = "mediation-timelock"    // a decision in mediation is concluded after its timelock
	RuleTallied             = "tallied"               // a decision is concluded once its ballots are tallied
	RuleExecuteOnce         = "execute-once"          // a decision is executed once
	RuleAppealPending       = "appeal-pending"        // execution waits for a lodged appeal's ballot
	RulePassed              = "passed"                // only a passed decision is executed
	RuleTimelock            = "timelock"              // a decision is executed after its timelock and appeal window
	RuleRecused             = "recused"               // a member who disclosed a conflict on the subject does not vote
	RuleStandalone          = "standalone"            // a decision's ballot is concluded and executed through the decision
	RuleHouseResults        = "house-results"         // one consistent result per house of the rule
	RuleValidConstitution   = "valid-constitution"    // an amendment leaves the constitution valid
	RuleChangesSomething    = "changes-something"     // an amendment changes the constitution
	RuleConstitutionVersion = "constitution-version"  // an amendment executes against the version it was drafted on
	RuleNoSeat              = "no-seat"               // a seat confirmation names a member without a House A seat
	RuleMaxSeats            = "max-seats"             // House A stays within its maximum seats
	RuleHoldsSeat           = "holds-seat"            // a seat removal names a seat holder
)

// refused names field and rule on a coded refusal from another package
// (its code and text unchanged); other errors pass unchanged.
func refused(err error, field, rule string) error {
	err = errcode.WithField(err, field)
	var e *errcode.Error
	if errors.As(err, &e) {
		e.Rule = rule
	}
	return err
}

func (d Deps) ballots() (Ballots, error) {
	if d.Ballots == nil {
		return nil, errcode.PreconditionFieldf("", RuleBallotEngine, "decisions: the ballot engine is not available")
	}
	return d.Ballots, nil
}

const (
	objDecision = "decision"
	objBallot   = "decision-ballot"
	objAppeal   = "decision-appeal"
)

// Key returns the state key of a decision.
func Key(id string) (string, error) { return core.Key(objDecision, id) }

func ballotLinkKey(ballotID string) (string, error) { return core.Key(objBallot, ballotID) }

// ProposeRequest proposes a decision.
type ProposeRequest struct {
	Type constitution.DecisionType `json:"type"`
	// Subject is what the decision is about, for conflict-of-interest
	// recusal; empty means the decision itself ({proposal, <id>}).
	Subject     *coi.Subject    `json:"subject,omitempty"`
	Title       string          `json:"title"`
	Description string          `json:"description,omitempty"`
	Payload     json.RawMessage `json:"payload,omitempty"`
}

// ID derives a decision ID from the proposing transaction's ID.
func ID(txID string) string {
	sum := sha256.Sum256([]byte(txID))
	return "d" + hex.EncodeToString(sum[:8])
}

// Propose records a decision and opens one ballot per house the
// constitution in force routes its type to, freezing that constitution's
// version, hash, rule, concurrence and appeal rule into the decision.
//
// Caller: an active member; for a type routed to House A only, a House A
// seat holder (role house_a); when the rule has a proposal threshold, a
// member whose weight now reaches it in at least one house the type is
// routed to (in House A only with a seat). Decision ballots are opened
// only here: ballot:Create makes polls.
//
// Errors: INVALID_ARGUMENT (title, description, subject, payload: e.g. an
// amendment that would leave the constitution invalid or change nothing),
// FORBIDDEN (not an active member; no seat for a House A-only type; under
// the proposal threshold),
// NOT_FOUND (type not routed), FAILED_PRECONDITION (no constitution; the
// power to decide this type has expired under a sunset clause; the ballot
// engine is unavailable), CONFLICT (the ID exists).
func Propose(tx *core.Tx, deps Deps, req ProposeRequest) (*Decision, error) {
	if err := text.Check("decision title", req.Title, text.Rule{MaxRunes: MaxTitleRunes, Required: true}); err != nil {
		return nil, errcode.WithField(err, "title")
	}
	if err := text.Check("decision description", req.Description, text.Rule{MaxRunes: MaxDescription, MultiLine: true}); err != nil {
		return nil, errcode.WithField(err, "description")
	}
	if len(req.Payload) > MaxPayloadBytes {
		return nil, errcode.InvalidFieldf("payload", "max-bytes", "decision payload is %d bytes, at most %d", len(req.Payload), MaxPayloadBytes)
	}
	if len(req.Payload) > 0 && !json.Valid(req.Payload) {
		return nil, errcode.InvalidFieldf("payload", "format", "decision payload is not valid JSON")
	}
	id := ID(tx.TxID)
	subject := coi.Subject{Kind: coi.KindProposal, ID: id}
	if req.Subject != nil {
		if err := req.Subject.Validate(); err != nil {
			return nil, err
		}
		subject = *req.Subject
	}
	m, err := membership.Active(tx.Store, tx.Caller.Identity)
	if err != nil {
		return nil, errcode.Fieldf(errcode.Forbidden, "", RuleActiveMember, "propose decision: caller %s is not an active member", tx.Caller.Identity.Short())
	}
	cur, err := constitution.Current(tx.Store)
	if err != nil {
		return nil, err
	}
	rule, err := cur.Document.Rule(req.Type)
	if err != nil {
		return nil, refused(err, "type", "enum")
	}
	if req.Type != constitution.Amendment {
		if err := cur.Document.RequirePower(constitution.DecidePower(req.Type), tx.Time); err != nil {
			return nil, errcode.WithField(fmt.Errorf("propose %s decision: %w", req.Type, err), "type")
		}
	}
	if len(rule.Houses) == 1 && rule.Houses[0] == constitution.HouseA && !m.Has(membership.RoleHouseA) {
		return nil, errcode.Fieldf(errcode.Forbidden, "", RuleHouseASeat, "propose %s decision: %s does not hold a House A seat (role %s); the constitution routes %s to House A only", req.Type, m.Identity.Short(), membership.RoleHouseA, req.Type)
	}
	if err := deps.meetsProposalThreshold(tx, rule, m); err != nil {
		return nil, err
	}
	payload := compact(req.Payload)
	if eff := deps.effect(req.Type); eff != nil && eff.Check != nil {
		if err := eff.Check(tx.Store, cur, payload); err != nil {
			err = fmt.Errorf("propose %s decision: %w", req.Type, err)
			if _, rule := errcode.FieldOf(err); rule == "" {
				err = refused(err, "payload", "format")
			}
			return nil, err
		}
	}
	bs, err := deps.ballots()
	if err != nil {
		return nil, err
	}
	key, err := Key(id)
	if err != nil {
		return nil, err
	}
	if raw, err := tx.Store.Get(key); err != nil {
		return nil, err
	} else if raw != nil {
		return nil, errcode.Fieldf(errcode.Conflict, "", RuleUniqueID, "propose decision: decision %s already exists", id)
	}
	d := &Decision{
		ID: id, Type: req.Type, Subject: subject, Title: req.Title, Description: req.Description, Payload: payload,
		Proposer: tx.Caller.Identity, ProposedAt: tx.Time, TxID: tx.TxID,
		ConstitutionVersion: cur.Version, ConstitutionHash: cur.Hash, Rule: rule,
		Concurrence: cur.Document.Concurrence, Appeals: cur.Document.Appeals, Status: StatusVoting,
	}
	for i, h := range rule.Houses {
		ref := BallotRef{House: h, Family: rule.Families[i], Ballot: id + "-" + string(h)}
		spec := BallotSpec{ID: ref.Ballot, Decision: id, House: h, Family: ref.Family, Rule: rule,
			ConstitutionVersion: cur.Version, ConstitutionHash: cur.Hash, MaxDelegationDepth: cur.Document.Delegation.MaxDepth,
			Title: req.Title, Description: req.Description, Proposer: tx.Caller.Identity}
		if err := openBallot(tx, bs, spec); err != nil {
			return nil, err
		}
		d.Ballots = append(d.Ballots, ref)
	}
	if err := core.PutJSON(tx.Store, key, d); err != nil {
		return nil, err
	}
	return d, tx.Emit(EventProposed, d)
}

func compact(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 {
		return nil
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return raw
	}
	if buf.String() == "null" {
		return nil
	}
	return buf.Bytes()
}

func openBallot(tx *core.Tx, bs Ballots, spec BallotSpec) error {
	if err := bs.Open(tx, spec); err != nil {
		return fmt.Errorf("open ballot %s of decision %s in house %s: %w", spec.ID, spec.Decision, spec.House, err)
	}
	lk, err := ballotLinkKey(spec.ID)
	if err != nil {
		return err
	}
	return core.PutJSON(tx.Store, lk, BallotLink{Ballot: spec.ID, Decision: spec.Decision, House: spec.House, Appeal: spec.Appeal})
}

// Get returns a decision, or NOT_FOUND.
func Get(s core.Store, id string) (*Decision, error) {
	if strings.TrimSpace(id) == "" {
		return nil, errcode.InvalidFieldf("decision", "required", "decision ID is empty")
	}
	key, err := Key(id)
	if err != nil {
		return nil, err
	}
	var d Decision
	found, err := core.GetJSON(s, key, &d)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, errcode.Fieldf(errcode.NotFound, "decision", "exists", "decision %s does not exist", id)
	}
	return &d, nil
}

// ListPage is one page of decisions and the bookmark of the next ("" when
// this was the last).
type ListPage struct {
	Decisions []Decision `json:"decisions"`
	Bookmark  string     `json:"bookmark,omitempty"`
}

// List returns one page of decisions in ID order, only those in status when
// it is not empty: at most pageSize decisions read (1..core.MaxPageSize; 0
// means core.DefaultListPage) from bookmark ("" starts). A page may hold
// fewer decisions than it read when a status is given. A query: it reads
// at most pageSize records however many decisions exist.
//
// Errors: INVALID_ARGUMENT (an unknown status, a page size out of range, a
// bookmark from another listing).
func List(s core.Store, status Status, pageSize int, bookmark string) (*ListPage, error) {
	if status != "" && !status.Valid() {
		return nil, errcode.InvalidFieldf("status", "enum", "list decisions: unknown status %q", status)
	}
	ds, next, err := core.PageJSON(s, "list decisions", objDecision, nil, pageSize, bookmark, func(d *Decision) bool {
		return status == "" || d.Status == status
	})
	if err != nil {
		return nil, err
	}
	return &ListPage{Decisions: ds, Bookmark: next}, nil
}

func save(tx *core.Tx, d *Decision) error {
	key, err := Key(d.ID)
	if err != nil {
		return err
	}
	return core.PutJSON(tx.Store, key, d)
}

// VoteRequest casts the caller's vote on a decision in one house: on the
// decision's ballot, or with Appeal on its appeal ballot.
type VoteRequest struct {
	Decision    string               `json:"decision"`
	House       constitution.HouseID `json:"house"`
	Appeal      bool                 `json:"appeal,omitempty"`
	Choice      string               `json:"choice,omitempty"`
	Allocations []Allocation         `json:"allocations,omitempty"`
}

// Vote casts the caller's vote through the ballot engine after the
// recusal check: a member who disclosed a conflict on the decision's
// subject (or on the decision itself) is refused.
//
// Errors: NOT_FOUND (no decision; no ballot in that house), FORBIDDEN
// (conflicted; and whatever the ballot engine refuses: a House B member in
// House A), FAILED_PRECONDITION and INVALID_ARGUMENT from the ballot engine.
func Vote(tx *core.Tx, deps Deps, req VoteRequest) (any, error) {
	d, err := Get(tx.Store, req.Decision)
	if err != nil {
		return nil, err
	}
	refs := d.Ballots
	if req.Appeal {
		if d.Appeal == nil {
			return nil, errcode.Fieldf(errcode.NotFound, "appeal", "exists", "vote on decision %s: no appeal has been lodged", d.ID)
		}
		refs = d.Appeal.Ballots
	}
	var ballotID string
	for _, r := range refs {
		if r.House == req.House {
			ballotID = r.Ballot
		}
	}
	if ballotID == "" {
		what := "ballot"
		if req.Appeal {
			what = "appeal ballot"
		}
		return nil, errcode.Fieldf(errcode.NotFound, "house", "exists", "vote on decision %s: it has no %s in house %q", d.ID, what, req.House)
	}
	if err := Recused(tx.Store, d, tx.Caller.Identity); err != nil {
		return nil, err
	}
	bs, err := deps.ballots()
	if err != nil {
		return nil, err
	}
	return bs.Cast(tx, ballotID, req.Choice, req.Allocations)
}

// meetsProposalThreshold refuses a proposer whose weight is below the
// rule's proposal threshold in every house the type is routed to.
func (d Deps) meetsProposalThreshold(tx *core.Tx, rule constitution.DecisionRule, m *membership.Member) error {
	if rule.ProposalThreshold <= 0 {
		return nil
	}
	if d.ProposerWeight == nil {
		return errcode.PreconditionFieldf("", RuleProposalThreshold, "propose %s decision: the proposal threshold cannot be checked (no weight source)", rule.Type)
	}
	var best int64
	for i, h := range rule.Houses {
		if h == constitution.HouseA && !m.Has(membership.RoleHouseA) {
			continue
		}
		w, err := d.ProposerWeight(tx.Store, rule.Families[i], rule, m.Identity, tx.Time)
		if err != nil {
			return fmt.Errorf("propose %s decision: %w", rule.Type, err)
		}
		best = max(best, w)
	}
	if best < rule.ProposalThreshold {
		return errcode.Fieldf(errcode.Forbidden, "", RuleProposalThreshold, "propose %s decision: %s has weight %d, below the proposal threshold %d in every house it is routed to", rule.Type, m.Identity.Short(), best, rule.ProposalThreshold)
	}
	return nil
}
