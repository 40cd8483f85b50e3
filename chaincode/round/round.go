// Package round is Charter's quadratic-funding rounds: a grants
// administrator opens a round whose matching pool a budget decision
// funded, projects apply and are accepted, members contribute from their
// token balance during the window, and anyone closes the round in pages
// once the window is over; the results record each project's
// contributions, contributors, match and the rule that produced it
// (chaincode/funding); the close credits each applicant with its
// projects' contributions, and Pay proposes the matches as one treasury
// spend bound to the budget decision (chaincode/treasury).
// docs/funding.md has the rules, the attack table and the keys.
//
// Keys:
//
//	"round" ~ id                                    → Round
//	"round-budget" ~ decision                       → BudgetUse: the round a budget decision funds
//	"round-proj" ~ id ~ project                     → Project
//	"round-acc" ~ id ~ project                      → the accepted-project index (≤ maxProjectsPerRound)
//	"round-contrib" ~ id ~ project ~ shard ~ msp ~ member → Contribution: one contributor's total to one project
//	"round-tot" ~ id ~ project                      → funding.Totals, written by the close
//	"round-close" ~ id                              → CloseState: the paged close's cursor
//	"round-result" ~ id                             → Results
//
// Each contributor's contributions to a project are one key, written only
// by that contributor's transactions (with the contributor's own token
// account): many members contributing to one project at once never write
// the same key. The shard is the first hex digit of SHA-256 of the
// contributor's identity, so the close reads a project in up to Shards
// bounded prefixes and resumes between them.
//
// Who may call what:
//
//	Open         a member holding grants_admin
//	Apply        an active member, before the window closes
//	Accept       a grants_admin, never for a project they applied for
//	Contribute   an active member, inside the window, to an accepted project not their own
//	ContributeBatch  the same, to up to MaxCartLines distinct projects in one transaction (a cart)
//	Close        anyone, once the window closed by the clock skew
//	Pay          a grants_admin or treasurer, once the round is closed (proposes the treasury spend)
//	Get, Projects, Contributions, Results, Estimate   anyone
package round

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"time"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/funding"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/membership"
	"github.com/charter-gov/charter/chaincode/timerule"
)

// Event types.
const (
	EventOpened      = "round.opened"
	EventApplied     = "round.applied"
	EventAccepted    = "round.accepted"
	EventContributed = "round.contributed"
	// EventCartContributed is a cart's (ContributeBatch) one event: a
	// CartReceipt with a receipt per line.
	EventCartContributed = "round.cart_contributed"
	EventClosePage       = "round.close_page"
	EventClosed          = "round.closed"
	EventPaid            = "round.paid"
)

const (
	objRound   = "round"
	objBudget  = "round-budget"
	objProject = "round-proj"
	objAcc     = "round-acc"
	objContrib = "round-contrib"
	objTotals  = "round-tot"
	objClose   = "round-close"
	objResult  = "round-result"
)

// Shards is how many prefixes one project's contributions are spread over.
const Shards = 16

// Bounds.
const (
	MaxTitleRunes       = 200
	MaxDescriptionRunes = 4000
	MaxArtifacts        = 16
	MaxArtifactRunes    = 256
	DefaultPageSize     = 500
	MaxPageSize         = 5000
	// MaxEstimateContributions bounds what an estimate reads (a query).
	MaxEstimateContributions = 50_000
)

// Category is what a round funds.
type Category string

// Categories.
const (
	ComputeCredits        Category = "compute_credits"
	EvaluationGrants      Category = "evaluation_grants"
	DocumentationBounties Category = "documentation_bounties"
)

// Categories lists every category.
func Categories() []Category {
	return []Category{ComputeCredits, EvaluationGrants, DocumentationBounties}
}

// Status of a round.
type Status string

// Statuses: a round is open from creation (applications; contributions
// inside the window), closing once the first close page ran, closed when
// the results are recorded and paid.
const (
	StatusOpen    Status = "open"
	StatusClosing Status = "closing"
	StatusClosed  Status = "closed"
)

// Round is a funding round.
type Round struct {
	ID             string       `json:"id"`
	Title          string       `json:"title"`
	Description    string       `json:"description,omitempty"`
	Categories     []Category   `json:"categories"`
	Rule           funding.Rule `json:"rule"`
	Pool           int64        `json:"pool"`
	BudgetDecision string       `json:"budgetDecision"`
	// Account is the treasury account of the funding budget: the asset
	// the matches are paid in.
	Account  string            `json:"account"`
	Admin    identity.Identity `json:"admin"`
	OpensAt  time.Time         `json:"opensAt"`
	ClosesAt time.Time         `json:"closesAt"`
	// SkewSec is the clock skew in force when the round opened; the close
	// waits the larger of it and the skew in force then.
	SkewSec     int64     `json:"skewSeconds"`
	MaxProjects int64     `json:"maxProjects"`
	Accepted    int64     `json:"accepted"`
	Status      Status    `json:"status"`
	CreatedAt   time.Time `json:"createdAt"`
	TxID        string    `json:"txId"`
	// ClosedAt is set by the last close page.
	ClosedAt *time.Time `json:"closedAt,omitempty"`
}

// BudgetUse records which round a budget decision funds.
type BudgetUse struct {
	Decision string `json:"decision"`
	Round    string `json:"round"`
	Pool     int64  `json:"pool"`
}

// ProjectStatus of an application.
type ProjectStatus string

// Project statuses.
const (
	ProjectApplied  ProjectStatus = "applied"
	ProjectAccepted ProjectStatus = "accepted"
)

// Project is an application to a round; its applicant receives the payout.
type Project struct {
	Round       string             `json:"round"`
	ID          string             `json:"id"`
	Title       string             `json:"title"`
	Description string             `json:"description,omitempty"`
	Category    Category           `json:"category"`
	Artifacts   []string           `json:"artifacts,omitempty"`
	Applicant   identity.Identity  `json:"applicant"`
	Status      ProjectStatus      `json:"status"`
	AppliedAt   time.Time          `json:"appliedAt"`
	AcceptedBy  *identity.Identity `json:"acceptedBy,omitempty"`
	// AcceptedByDecision is the executed project_acceptance decision that
	// accepted the project (AcceptedBy is then empty).
	AcceptedByDecision string     `json:"acceptedByDecision,omitempty"`
	AcceptedAt         *time.Time `json:"acceptedAt,omitempty"`
	TxID               string     `json:"txId"`
}

// Contribution is one contributor's total to one project of a round.
type Contribution struct {
	Round       string            `json:"round"`
	Project     string            `json:"project"`
	Contributor identity.Identity `json:"contributor"`
	Amount      int64             `json:"amount"`
	Count       int64             `json:"count"`
	LastAt      time.Time         `json:"lastAt"`
	TxID        string            `json:"txId"`
}

// Ref is the escrow reference of a round's contributions.
func Ref(roundID string) string { return "round:" + roundID }

func roundKey(id string) (string, error)     { return core.Key(objRound, id) }
func budgetKey(d string) (string, error)     { return core.Key(objBudget, d) }
func projectKey(r, p string) (string, error) { return core.Key(objProject, r, p) }
func accKey(r, p string) (string, error)     { return core.Key(objAcc, r, p) }
func totalsKey(r, p string) (string, error)  { return core.Key(objTotals, r, p) }
func closeKey(r string) (string, error)      { return core.Key(objClose, r) }
func resultKey(r string) (string, error)     { return core.Key(objResult, r) }

// Shard returns the shard of a contributor: the first hex digit of
// SHA-256 of its identity.
func Shard(id identity.Identity) string {
	sum := sha256.Sum256([]byte(id.MSPID + "\x00" + id.ID))
	return hex.EncodeToString(sum[:1])[:1]
}

func contribKey(r, p string, c identity.Identity) (string, error) {
	return core.Key(objContrib, r, p, Shard(c), c.MSPID, c.ID)
}

// ID derives a round's or project's ID from the creating transaction's ID.
func ID(prefix, txID string) string {
	sum := sha256.Sum256([]byte(txID))
	return prefix + hex.EncodeToString(sum[:8])
}

// Get returns a round.
func Get(s core.Store, id string) (*Round, error) {
	if strings.TrimSpace(id) == "" {
		return nil, errcode.InvalidFieldf("round", "required", "round ID is empty")
	}
	k, err := roundKey(id)
	if err != nil {
		return nil, err
	}
	var r Round
	found, err := core.GetJSON(s, k, &r)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, errcode.Fieldf(errcode.NotFound, "round", "exists", "round %s not found", errcode.Quote(id))
	}
	return &r, nil
}

// GetProject returns a project of a round.
func GetProject(s core.Store, roundID, id string) (*Project, error) {
	if strings.TrimSpace(id) == "" {
		return nil, errcode.InvalidFieldf("project", "required", "project ID is empty")
	}
	k, err := projectKey(roundID, id)
	if err != nil {
		return nil, err
	}
	var p Project
	found, err := core.GetJSON(s, k, &p)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, errcode.Fieldf(errcode.NotFound, "project", "exists", "round %s has no project %s", errcode.Quote(roundID), errcode.Quote(id))
	}
	return &p, nil
}

func save(s core.Store, key func() (string, error), v any) error {
	k, err := key()
	if err != nil {
		return err
	}
	return core.PutJSON(s, k, v)
}

// skew returns the margin a round's deadlines wait.
func skew(s core.Store, r *Round) (time.Duration, error) { return timerule.Margin(s, r.SkewSec) }

// fundingRules returns the constitution's funding section in force.
func fundingRules(s core.Store) (constitution.Funding, error) {
	cur, err := constitution.Current(s)
	if err != nil {
		return constitution.Funding{}, err
	}
	return cur.Document.Funding.Effective(), nil
}

func requireMember(tx *core.Tx, action string) (*membership.Member, error) {
	m, err := membership.Active(tx.Store, tx.Caller.Identity)
	if err != nil {
		return nil, errcode.Fieldf(errcode.Forbidden, "", RuleActiveMember, "%s: caller %s is not an active member", action, tx.Caller.Identity.Short())
	}
	return m, nil
}

func validCategory(c Category) bool { return slices.Contains(Categories(), c) }

func fmtTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }
