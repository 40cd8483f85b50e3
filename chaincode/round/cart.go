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
		return nil, errcode.Invalidf("%s: a cart needs at least one line", action)
	}
	if len(req.Lines) > MaxCartLines {
		return nil, errcode.Invalidf("%s: %d lines, a cart holds at most %d", action, len(req.Lines), MaxCartLines)
	}
	var total int64
	seen := make(map[string]int, len(req.Lines))
	for i, l := range req.Lines {
		if strings.TrimSpace(l.Project) == "" {
			return nil, errcode.Invalidf("%s: lines[%d] names no project", action, i)
		}
		if j, dup := seen[l.Project]; dup {
			return nil, errcode.Invalidf("%s: project %s is in the cart twice (lines %d and %d): one line per project", action, errcode.Quote(l.Project), j, i)
		}
		seen[l.Project] = i
		if l.Amount < 1 || l.Amount > funding.MaxAmount {
			return nil, errcode.Invalidf("%s: lines[%d] (project %s): amount %d must be a positive whole number up to %d", action, i, errcode.Quote(l.Project), l.Amount, funding.MaxAmount)
		}
		if l.Amount > funding.MaxAmount-total {
			return nil, errcode.Invalidf("%s: the cart's total passes %d at lines[%d] (project %s)", action, funding.MaxAmount, i, errcode.Quote(l.Project))
		}
		total += l.Amount
	}
	r, err := Get(tx.Store, req.Round)
	if err != nil {
		return nil, err
	}
	if tx.Time.Before(r.OpensAt) || !tx.Time.Before(r.ClosesAt) || r.Status != StatusOpen {
		return nil, errcode.Preconditionf("%s to round %s: contributions are accepted from %s until before %s, not at %s",
			action, r.ID, fmtTime(r.OpensAt), fmtTime(r.ClosesAt), fmtTime(tx.Time))
	}
	type pending struct {
		key string
		c   Contribution
	}
	lines := make([]pending, len(req.Lines))
	for i, l := range req.Lines {
		p, err := GetProject(tx.Store, r.ID, l.Project)
		if err != nil {
			return nil, fmt.Errorf("%s: lines[%d]: %w", action, i, err)
		}
		if p.Status != ProjectAccepted {
			return nil, errcode.Preconditionf("%s: lines[%d]: project %s of round %s is not accepted", action, i, p.ID, r.ID)
		}
		if p.Applicant == tx.Caller.Identity {
			return nil, errcode.Forbiddenf("%s: lines[%d]: %s applied for project %s and cannot contribute to it", action, i, tx.Caller.Identity.Short(), p.ID)
		}
		k, err := contribKey(r.ID, p.ID, tx.Caller.Identity)
		if err != nil {
			return nil, err
		}
		c := Contribution{Round: r.ID, Project: p.ID, Contributor: tx.Caller.Identity}
		if _, err := core.GetJSON(tx.Store, k, &c); err != nil {
			return nil, err
		}
		if l.Amount > funding.MaxAmount-c.Amount {
			return nil, errcode.Invalidf("%s: lines[%d]: the contribution to project %s would pass %d", action, i, p.ID, funding.MaxAmount)
		}
		lines[i] = pending{key: k, c: c}
	}
	// One escrow of the total: the caller's account is read and written
	// once (a refusal here, e.g. a total above the balance, writes nothing).
	bal, err := token.Escrow(tx, tx.Caller.Identity, total, Ref(r.ID))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", action, err)
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
