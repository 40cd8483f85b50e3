package round

import (
	"fmt"
	"strings"

	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/funding"
	"github.com/charter-gov/charter/chaincode/token"
)

// MaxCartLines bounds the lines of one cart (ContributeBatch): one
// transaction writes one contribution key per line plus the caller's
// token account and checkpoint, so a full cart's write set stays about a
// hundred small keys.
const MaxCartLines = 100

// CartLine is one line of a cart: Amount to Project.
type CartLine struct {
	Project string `json:"project"`
	Amount  int64  `json:"amount"`
}

// ContributeBatchRequest contributes to several projects of one round in
// one transaction (a contribution cart).
type ContributeBatchRequest struct {
	Round string     `json:"round"`
	Lines []CartLine `json:"lines"`
}

// CartReceipt is the result of ContributeBatch and its event's payload:
// one receipt per line, in the cart's order, the total escrowed and the
// balance left.
type CartReceipt struct {
	Round   string    `json:"round"`
	Lines   []Receipt `json:"lines"`
	Total   int64     `json:"total"`
	Balance int64     `json:"balance"`
}

// ContributeBatch contributes to up to MaxCartLines projects of one round
// in one transaction, with the rules of Contribute on every line: the
// caller is an active member, the transaction is stamped inside the
// window [opensAt, closesAt), each project is accepted and not the
// caller's own, each amount is 1..funding.MaxAmount and keeps the
// caller's contribution to that project within funding.MaxAmount. A
// project named twice is refused (INVALID_ARGUMENT naming it); the total
// is summed with overflow checks and must not pass the caller's balance.
// Any refused line refuses the whole cart and nothing is written.
//
// The Fabric stub does not let a transaction read its own writes, so the
// cart never calls Contribute in a loop: it escrows the total from the
// caller's token account once (one read, one write), then reads and
// writes each (contributor, project) contribution key once, adding the
// line to what was there. Each contribution stays its own key: carts
// and single contributions of different members never write the same
// key. It emits one EventCartContributed whose payload carries every
// line's receipt (a transaction carries one chaincode event).
//
// Errors: FORBIDDEN (not an active member; one's own project),
// NOT_FOUND (round, project), INVALID_ARGUMENT (no lines or more than
// MaxCartLines, an amount, a project named twice, a total that overflows
// or passes the balance), FAILED_PRECONDITION (outside the window;
// project not accepted).
func ContributeBatch(tx *core.Tx, req ContributeBatchRequest) (*CartReceipt, error) {
	const action = "contribute cart"
	if _, err := requireMember(tx, action); err != nil {
		return nil, err
	}
	if len(req.Lines) == 0 {
		return nil, errcode.InvalidFieldf("lines", "required", "%s: a cart needs at least one line", action)
	}
	if len(req.Lines) > MaxCartLines {
		return nil, errcode.InvalidFieldf("lines", RuleMaxLines, "%s: %d lines, a cart holds at most %d", action, len(req.Lines), MaxCartLines)
	}
	var total int64
	seen := make(map[string]int, len(req.Lines))
	for i, l := range req.Lines {
		at := lineAt{index: i, project: l.Project}
		if strings.TrimSpace(l.Project) == "" {
			return nil, errcode.InvalidFieldf(at.field("project"), "required", "%s: lines[%d] names no project", action, i)
		}
		if j, dup := seen[l.Project]; dup {
			return nil, errcode.InvalidFieldf(at.field("project"), RuleOneLinePerProject, "%s: project %s is in the cart twice (lines %d and %d): one line per project", action, errcode.Quote(l.Project), j, i)
		}
		seen[l.Project] = i
		if err := checkLineAmount(action, at, l.Amount); err != nil {
			return nil, err
		}
		if l.Amount > funding.MaxAmount-total {
			return nil, errcode.InvalidFieldf(at.field("amount"), RuleCartTotal, "%s: the cart's total passes %d at lines[%d] (project %s)", action, funding.MaxAmount, i, errcode.Quote(l.Project))
		}
		total += l.Amount
	}
	r, err := Get(tx.Store, req.Round)
	if err != nil {
		return nil, err
	}
	if err := checkWindow(tx, r, action); err != nil {
		return nil, err
	}
	lines := make([]pendingLine, len(req.Lines))
	for i, l := range req.Lines {
		pl, err := checkLine(tx, r, action, lineAt{index: i, project: l.Project}, l.Amount)
		if err != nil {
			return nil, err
		}
		lines[i] = pl
	}
	// One escrow of the total: the caller's account is read and written
	// once (a refusal here, e.g. a total above the balance, writes nothing).
	bal, err := token.Escrow(tx, tx.Caller.Identity, total, Ref(r.ID))
	if err != nil {
		// The escrowed amount is the cart's total: its field is the lines.
		return nil, errcode.WithField(fmt.Errorf("%s: %w", action, err), "lines")
	}
	out := &CartReceipt{Round: r.ID, Lines: make([]Receipt, len(lines)), Total: total, Balance: bal}
	for i, pl := range lines {
		c := pl.c
		c.Amount += req.Lines[i].Amount
		c.Count++
		c.LastAt, c.TxID = tx.Time.UTC(), tx.TxID
		if err := core.PutJSON(tx.Store, pl.key, c); err != nil {
			return nil, err
		}
		out.Lines[i] = Receipt{Contribution: c, Added: req.Lines[i].Amount, Balance: bal}
	}
	return out, tx.Emit(EventCartContributed, out)
}

// The named rules of contributions' refusals (errcode Rule), besides the
// shared "required", "range", "exists" and "window".
const (
	RuleActiveMember      = "active-member"        // the caller is an active member
	RuleAcceptedProject   = "accepted-project"     // the project was accepted into the round
	RuleNotOwnProject     = "not-own-project"      // no contribution to a project one applied for
	RuleContributionTotal = "max-contribution"     // one contributor's total to a project stays within funding.MaxAmount
	RuleCartTotal         = "max-cart-total"       // a cart's total stays within funding.MaxAmount
	RuleMaxLines          = "max-lines"            // a cart holds at most MaxCartLines lines
	RuleOneLinePerProject = "one-line-per-project" // a cart names a project once
)

// lineAt says where a contribution line stands in its request: index -1
// for Contribute's one line, i for a cart's lines[i]. Refusals name the
// field as the request does ("amount", "lines[3].amount").
type lineAt struct {
	index   int
	project string
}

// field is the name of one of the line's fields in its request.
func (at lineAt) field(name string) string {
	if at.index < 0 {
		return name
	}
	return fmt.Sprintf("lines[%d].%s", at.index, name)
}

// where prefixes a refusal of a cart's line with the line ("lines[3]
// (project \"p1\"): "); Contribute's one line needs none.
func (at lineAt) where() string {
	if at.index < 0 {
		return ""
	}
	return fmt.Sprintf("lines[%d] (project %s): ", at.index, errcode.Quote(at.project))
}

// pendingLine is a checked line: the contributor's contribution key and
// what it held before this transaction.
type pendingLine struct {
	key string
	c   Contribution
}

// checkWindow refuses a contribution stamped outside the round's window
// [opensAt, closesAt) or to a round that is not open: the same for
// Contribute and a cart.
func checkWindow(tx *core.Tx, r *Round, action string) error {
	if tx.Time.Before(r.OpensAt) || !tx.Time.Before(r.ClosesAt) || r.Status != StatusOpen {
		return errcode.PreconditionFieldf("", "window", "%s to round %s: contributions are accepted from %s until before %s, not at %s",
			action, r.ID, fmtTime(r.OpensAt), fmtTime(r.ClosesAt), fmtTime(tx.Time))
	}
	return nil
}

// checkLineAmount refuses an amount outside 1..funding.MaxAmount, before
// anything is read: the first per-line rule of Contribute and a cart.
func checkLineAmount(action string, at lineAt, amount int64) error {
	if amount < 1 || amount > funding.MaxAmount {
		return errcode.InvalidFieldf(at.field("amount"), "range", "%s: %samount %d must be a positive whole number up to %d", action, at.where(), amount, funding.MaxAmount)
	}
	return nil
}

// checkLine is the one place of the per-line rules that read the ledger,
// for Contribute and every line of a cart: the project exists in round r,
// was accepted, and is not the caller's own; the caller's contribution to
// it stays within funding.MaxAmount with amount added. It returns the
// contribution key and what the key held. It writes nothing.
func checkLine(tx *core.Tx, r *Round, action string, at lineAt, amount int64) (pendingLine, error) {
	p, err := GetProject(tx.Store, r.ID, at.project)
	if err != nil {
		if at.index < 0 {
			return pendingLine{}, err
		}
		return pendingLine{}, errcode.WithField(fmt.Errorf("%s: lines[%d]: %w", action, at.index, err), at.field("project"))
	}
	if p.Status != ProjectAccepted {
		return pendingLine{}, errcode.PreconditionFieldf(at.field("project"), RuleAcceptedProject, "%s: %sproject %s of round %s is not accepted", action, at.where(), p.ID, r.ID)
	}
	if p.Applicant == tx.Caller.Identity {
		return pendingLine{}, errcode.Fieldf(errcode.Forbidden, at.field("project"), RuleNotOwnProject, "%s: %s%s applied for project %s and cannot contribute to it", action, at.where(), tx.Caller.Identity.Short(), p.ID)
	}
	k, err := contribKey(r.ID, p.ID, tx.Caller.Identity)
	if err != nil {
		return pendingLine{}, err
	}
	c := Contribution{Round: r.ID, Project: p.ID, Contributor: tx.Caller.Identity}
	if _, err := core.GetJSON(tx.Store, k, &c); err != nil {
		return pendingLine{}, err
	}
	if amount > funding.MaxAmount-c.Amount {
		return pendingLine{}, errcode.InvalidFieldf(at.field("amount"), RuleContributionTotal, "%s: %sthe contribution to project %s would pass %d", action, at.where(), p.ID, funding.MaxAmount)
	}
	return pendingLine{key: k, c: c}, nil
}
