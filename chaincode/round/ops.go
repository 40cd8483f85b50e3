package round

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/charter-gov/charter/chaincode/artifact"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/funding"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/membership"
	"github.com/charter-gov/charter/chaincode/text"
	"github.com/charter-gov/charter/chaincode/timerule"
	"github.com/charter-gov/charter/chaincode/token"
)

// OpenRequest opens a round.
type OpenRequest struct {
	Title          string       `json:"title"`
	Description    string       `json:"description,omitempty"`
	Categories     []Category   `json:"categories"`
	Rule           funding.Rule `json:"rule"`
	Pool           int64        `json:"pool"`
	BudgetDecision string       `json:"budgetDecision"`
	OpensAt        time.Time    `json:"opensAt"`
	ClosesAt       time.Time    `json:"closesAt"`
}

// Open records a round. Caller: a member holding grants_admin (an office
// granted only by an office_grant decision or the genesis). The matching
// pool must be funded by an executed budget decision not used by another
// round (see Funded; the matches are paid in that budget's account); the rule must be one the constitution's funding
// section allows; the window must lie within the constitution's bounds and
// open no earlier than one clock skew after this transaction, so no
// contribution stamped before the round was visible can land in it.
//
// Errors: FORBIDDEN (not a grants administrator), INVALID_ARGUMENT (title,
// categories, rule, pool, window), FAILED_PRECONDITION (no constitution; the
// pool is not funded), CONFLICT (the budget decision funds another round).
func Open(tx *core.Tx, req OpenRequest) (*Round, error) {
	const action = "open round"
	if _, err := membership.RequireRole(tx, membership.RoleGrantsAdmin, action); err != nil {
		return nil, err
	}
	if err := text.Check("title", req.Title, text.Title()); err != nil {
		return nil, fmt.Errorf("%s: %w", action, err)
	}
	if err := text.Check("description", req.Description, text.Description()); err != nil {
		return nil, fmt.Errorf("%s: %w", action, err)
	}
	if len(req.Categories) == 0 {
		return nil, errcode.InvalidFieldf("categories", "required", "%s: name at least one eligible category (%v)", action, Categories())
	}
	for i, c := range req.Categories {
		if !validCategory(c) {
			return nil, errcode.InvalidFieldf(fmt.Sprintf("categories[%d]", i), "enum", "%s: categories[%d] %s is not a funding category (%v)", action, i, errcode.Quote(string(c)), Categories())
		}
		if slices.Contains(req.Categories[:i], c) {
			return nil, errcode.InvalidFieldf(fmt.Sprintf("categories[%d]", i), "unique", "%s: category %s named twice", action, c)
		}
	}
	if err := req.Rule.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", action, err)
	}
	rules, err := fundingRules(tx.Store)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", action, err)
	}
	if !rules.Allows(req.Rule.Kind) {
		return nil, errcode.InvalidFieldf("rule.kind", "constitution-allows", "%s: the constitution's funding.rules %v do not allow the matching rule %s", action, rules.Rules, req.Rule.Kind)
	}
	if req.Pool < 1 || req.Pool > funding.MaxAmount {
		return nil, errcode.InvalidFieldf("pool", "range", "%s: pool %d is outside 1..%d", action, req.Pool, funding.MaxAmount)
	}
	sk, err := timerule.Skew(tx.Store, timerule.Default)
	if err != nil {
		return nil, err
	}
	if req.OpensAt.Before(tx.Time.Add(sk)) {
		return nil, errcode.InvalidFieldf("opensAt", "clock-skew", "%s: the window must open at least one clock skew (%s) after this transaction: opensAt %s is before %s",
			action, sk, fmtTime(req.OpensAt), fmtTime(tx.Time.Add(sk)))
	}
	window := req.ClosesAt.Sub(req.OpensAt)
	if window < time.Duration(rules.MinWindowSec)*time.Second || window > time.Duration(rules.MaxWindowSec)*time.Second {
		return nil, errcode.InvalidFieldf("closesAt", "window-bounds", "%s: the window of %s is outside the constitution's %d..%d seconds", action, window, rules.MinWindowSec, rules.MaxWindowSec)
	}
	if strings.TrimSpace(req.BudgetDecision) == "" {
		return nil, errcode.InvalidFieldf("budgetDecision", "required", "%s: name the budget decision that funds the matching pool", action)
	}
	budget, err := Funded(tx.Store, req.BudgetDecision, req.Pool)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", action, err)
	}
	bk, err := budgetKey(req.BudgetDecision)
	if err != nil {
		return nil, err
	}
	var used BudgetUse
	found, err := core.GetJSON(tx.Store, bk, &used)
	if err != nil {
		return nil, err
	}
	if found {
		return nil, errcode.Conflictf("%s: budget decision %s already funds round %s", action, req.BudgetDecision, used.Round)
	}
	r := &Round{ID: ID("r", tx.TxID), Title: req.Title, Description: req.Description, Categories: req.Categories, Rule: req.Rule,
		Pool: req.Pool, BudgetDecision: req.BudgetDecision, Account: budget.Account, Admin: tx.Caller.Identity, OpensAt: req.OpensAt.UTC(), ClosesAt: req.ClosesAt.UTC(),
		SkewSec: int64(sk / time.Second), MaxProjects: rules.MaxProjectsPerRound, Status: StatusOpen, CreatedAt: tx.Time.UTC(), TxID: tx.TxID}
	if _, err := Get(tx.Store, r.ID); err == nil {
		return nil, errcode.Conflictf("%s: round %s already exists", action, r.ID)
	}
	if err := save(tx.Store, func() (string, error) { return roundKey(r.ID) }, r); err != nil {
		return nil, err
	}
	if err := core.PutJSON(tx.Store, bk, BudgetUse{Decision: req.BudgetDecision, Round: r.ID, Pool: r.Pool}); err != nil {
		return nil, err
	}
	return r, tx.Emit(EventOpened, r)
}

// ApplyRequest applies to a round. Artifacts are references
// ("name@version") to versions registered in the artifact registry
// (chaincode/artifact).
type ApplyRequest struct {
	Round       string   `json:"round"`
	Title       string   `json:"title"`
	Description string   `json:"description,omitempty"`
	Category    Category `json:"category"`
	Artifacts   []string `json:"artifacts,omitempty"`
}

// Apply records a project. Caller: an active member (the applicant, who
// receives the payout), before the window closes.
//
// Errors: FORBIDDEN (not an active member), NOT_FOUND (round; an
// artifact not registered), INVALID_ARGUMENT (title, category not
// eligible, malformed artifact references),
// FAILED_PRECONDITION (the window closed).
func Apply(tx *core.Tx, req ApplyRequest) (*Project, error) {
	const action = "apply to round"
	if _, err := requireMember(tx, action); err != nil {
		return nil, err
	}
	r, err := Get(tx.Store, req.Round)
	if err != nil {
		return nil, err
	}
	if r.Status != StatusOpen || !tx.Time.Before(r.ClosesAt) {
		return nil, errcode.PreconditionFieldf("", "window", "%s %s: applications closed at %s", action, r.ID, fmtTime(r.ClosesAt))
	}
	if err := text.Check("title", req.Title, text.Title()); err != nil {
		return nil, fmt.Errorf("%s: %w", action, err)
	}
	if err := text.Check("description", req.Description, text.Description()); err != nil {
		return nil, fmt.Errorf("%s: %w", action, err)
	}
	if !slices.Contains(r.Categories, req.Category) {
		return nil, errcode.InvalidFieldf("category", "eligible-category", "%s %s: category %s is not eligible in this round (%v)", action, r.ID, errcode.Quote(string(req.Category)), r.Categories)
	}
	if len(req.Artifacts) > MaxArtifacts {
		return nil, errcode.InvalidFieldf("artifacts", "max-items", "%s: %d artifacts, at most %d", action, len(req.Artifacts), MaxArtifacts)
	}
	for i, a := range req.Artifacts {
		if err := text.Check(fmt.Sprintf("artifacts[%d]", i), a, text.ID(MaxArtifactRunes)); err != nil {
			return nil, fmt.Errorf("%s: %w", action, err)
		}
		if slices.Contains(req.Artifacts[:i], a) {
			return nil, errcode.InvalidFieldf(fmt.Sprintf("artifacts[%d]", i), "unique", "%s: artifact %s named twice", action, errcode.Quote(a))
		}
		ref, err := artifact.ParseRef(a)
		if err != nil {
			return nil, fmt.Errorf("%s: artifacts[%d]: %w", action, i, err)
		}
		if _, err := artifact.Get(tx.Store, ref); err != nil {
			return nil, fmt.Errorf("%s: artifacts[%d]: %w", action, i, err)
		}
	}
	p := &Project{Round: r.ID, ID: ID("p", tx.TxID), Title: req.Title, Description: req.Description, Category: req.Category,
		Artifacts: req.Artifacts, Applicant: tx.Caller.Identity, Status: ProjectApplied, AppliedAt: tx.Time.UTC(), TxID: tx.TxID}
	if _, err := GetProject(tx.Store, r.ID, p.ID); err == nil {
		return nil, errcode.Conflictf("%s: project %s already exists", action, p.ID)
	}
	if err := save(tx.Store, func() (string, error) { return projectKey(r.ID, p.ID) }, p); err != nil {
		return nil, err
	}
	return p, tx.Emit(EventApplied, p)
}

// AcceptRequest accepts a project.
type AcceptRequest struct {
	Round   string `json:"round"`
	Project string `json:"project"`
}

// Accept admits a project to matching. Caller: a grants administrator who
// did not apply for it, before the window closes, within the round's
// project limit. A House decision (project_acceptance) admits one too
// (AcceptByDecision).
//
// Errors: FORBIDDEN (not a grants administrator; the caller's own project),
// NOT_FOUND, FAILED_PRECONDITION (window closed, project limit reached),
// CONFLICT (already accepted).
func Accept(tx *core.Tx, req AcceptRequest) (*Project, error) {
	const action = "accept project"
	if _, err := membership.RequireRole(tx, membership.RoleGrantsAdmin, action); err != nil {
		return nil, err
	}
	r, p, err := acceptable(tx.Store, action, req)
	if err != nil {
		return nil, err
	}
	if p.Applicant == tx.Caller.Identity {
		return nil, errcode.Forbiddenf("%s %s: %s applied for it and cannot accept it: another grants administrator must", action, p.ID, tx.Caller.Identity.Short())
	}
	caller := tx.Caller.Identity
	return accept(tx, action, r, p, &caller, "")
}

// CheckAcceptance checks a project_acceptance decision's payload when it
// is proposed: the round and the project exist, the project is not yet
// accepted, the round is open and has room for it. Execution checks again
// (AcceptByDecision), with the window.
func CheckAcceptance(s core.Store, req AcceptRequest) error {
	_, _, err := acceptable(s, "project_acceptance", req)
	return err
}

// AcceptByDecision admits a project to matching as the effect of the
// executed project_acceptance decision named decision (a House decision,
// an alternative to a grants administrator). Only the decision engine
// calls it. Refused, changing nothing, when the round's window has closed
// (or the round is closed), the project is already accepted or the
// round's project limit is reached. It emits EventAccepted.
func AcceptByDecision(tx *core.Tx, decision string, req AcceptRequest) (*Project, error) {
	const action = "accept project by decision"
	if strings.TrimSpace(decision) == "" {
		return nil, errcode.Invalidf("%s: an acceptance by decision needs the decision's ID", action)
	}
	r, p, err := acceptable(tx.Store, action, req)
	if err != nil {
		return nil, err
	}
	return accept(tx, action, r, p, nil, decision)
}

// acceptable reads the round and the project of req and checks what does
// not depend on who accepts or when: the project waits for acceptance,
// the round is open, and has room.
func acceptable(s core.Store, action string, req AcceptRequest) (*Round, *Project, error) {
	r, err := Get(s, req.Round)
	if err != nil {
		return nil, nil, err
	}
	p, err := GetProject(s, r.ID, req.Project)
	if err != nil {
		return nil, nil, err
	}
	if p.Status == ProjectAccepted {
		return nil, nil, errcode.Conflictf("%s %s: already accepted", action, p.ID)
	}
	if r.Status != StatusOpen {
		return nil, nil, errcode.Preconditionf("%s %s: round %s is %s", action, p.ID, r.ID, r.Status)
	}
	if r.Accepted >= r.MaxProjects {
		return nil, nil, errcode.Preconditionf("%s %s: round %s already has %d projects, its limit", action, p.ID, r.ID, r.MaxProjects)
	}
	return r, p, nil
}

// accept writes the acceptance, by a grants administrator (by) or by a
// decision, before the window closes.
func accept(tx *core.Tx, action string, r *Round, p *Project, by *identity.Identity, decision string) (*Project, error) {
	if !tx.Time.Before(r.ClosesAt) {
		return nil, errcode.Preconditionf("%s %s: round %s closed at %s", action, p.ID, r.ID, fmtTime(r.ClosesAt))
	}
	at := tx.Time.UTC()
	p.Status, p.AcceptedBy, p.AcceptedByDecision, p.AcceptedAt = ProjectAccepted, by, decision, &at
	r.Accepted++
	if err := save(tx.Store, func() (string, error) { return projectKey(r.ID, p.ID) }, p); err != nil {
		return nil, err
	}
	if err := save(tx.Store, func() (string, error) { return accKey(r.ID, p.ID) }, AcceptedRef{Project: p.ID}); err != nil {
		return nil, err
	}
	if err := save(tx.Store, func() (string, error) { return roundKey(r.ID) }, r); err != nil {
		return nil, err
	}
	return p, tx.Emit(EventAccepted, p)
}

// AcceptedRef is an entry of the accepted-project index.
type AcceptedRef struct {
	Project string `json:"project"`
}

// ContributeRequest contributes Amount of the caller's tokens to a project.
type ContributeRequest struct {
	Round   string `json:"round"`
	Project string `json:"project"`
	Amount  int64  `json:"amount"`
}

// Receipt is the result of Contribute and its event's payload.
type Receipt struct {
	Contribution Contribution `json:"contribution"`
	Added        int64        `json:"added"`
	Balance      int64        `json:"balance"`
}

// Contribute moves Amount from the caller's token balance into the round's
// escrow (token.Escrow) and adds it to the caller's contribution to the
// project. Caller: an active member, not the project's applicant. The
// transaction must be stamped inside the window [opensAt, closesAt).
// It writes only the caller's contribution key and token account.
//
// Errors: FORBIDDEN (not an active member; one's own project),
// NOT_FOUND (round, project), INVALID_ARGUMENT (amount; more than the
// balance), FAILED_PRECONDITION (outside the window; project not accepted).
func Contribute(tx *core.Tx, req ContributeRequest) (*Receipt, error) {
	const action = "contribute"
	if _, err := requireMember(tx, action); err != nil {
		return nil, err
	}
	one := lineAt{index: -1, project: req.Project}
	if err := checkLineAmount(action, one, req.Amount); err != nil {
		return nil, err
	}
	r, err := Get(tx.Store, req.Round)
	if err != nil {
		return nil, err
	}
	if err := checkWindow(tx, r, action); err != nil {
		return nil, err
	}
	pl, err := checkLine(tx, r, action, one, req.Amount)
	if err != nil {
		return nil, err
	}
	bal, err := token.Escrow(tx, tx.Caller.Identity, req.Amount, Ref(r.ID))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", action, err)
	}
	c := pl.c
	c.Amount += req.Amount
	c.Count++
	c.LastAt, c.TxID = tx.Time.UTC(), tx.TxID
	if err := core.PutJSON(tx.Store, pl.key, c); err != nil {
		return nil, err
	}
	out := &Receipt{Contribution: c, Added: req.Amount, Balance: bal}
	return out, tx.Emit(EventContributed, out)
}

// Projects lists a round's projects (applied and accepted), one page.
func Projects(s core.Store, roundID string, pageSize int, bookmark string) (*ProjectPage, error) {
	if _, err := Get(s, roundID); err != nil {
		return nil, err
	}
	limit, err := core.CheckPage("round projects", pageSize)
	if err != nil {
		return nil, err
	}
	out := &ProjectPage{Projects: []Project{}}
	next, err := core.Page(s, objProject, []string{roundID}, bookmark, limit, func(key string, raw []byte) error {
		var p Project
		if err := core.DecodeJSON(key, raw, &p); err != nil {
			return err
		}
		out.Projects = append(out.Projects, p)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("round %s projects: %w", roundID, err)
	}
	out.Bookmark = next
	return out, nil
}

// ProjectPage is one page of projects.
type ProjectPage struct {
	Projects []Project `json:"projects"`
	Bookmark string    `json:"bookmark,omitempty"`
}

// ContributionOf returns one contributor's contribution to a project (zero
// amount when none).
func ContributionOf(s core.Store, roundID, project string, who identity.Identity) (*Contribution, error) {
	if err := who.Validate(); err != nil {
		return nil, err
	}
	k, err := contribKey(roundID, project, who)
	if err != nil {
		return nil, err
	}
	c := Contribution{Round: roundID, Project: project, Contributor: who}
	if _, err := core.GetJSON(s, k, &c); err != nil {
		return nil, err
	}
	return &c, nil
}
