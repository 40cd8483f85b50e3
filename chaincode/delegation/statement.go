package delegation

import (
	"fmt"
	"time"

	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/membership"
	"github.com/charter-gov/charter/chaincode/text"
)

// EventStatement is emitted when a member sets their delegate statement.
const EventStatement = "delegation.statement"

// statementType keys statements: delegate-statement ~ MSP ID ~ ID, one
// key per member, written only by that member.
const statementType = "delegate-statement"

// MaxStatementRunes bounds a delegate statement.
const MaxStatementRunes = text.MaxDescriptionRunes

// Statement is a member's delegate statement: what they stand for, shown
// beside them in the delegate directory so that others can choose whom to
// delegate to. The latest replaces the earlier; the chaincode events keep
// every version for the audit trail.
type Statement struct {
	Member    identity.Identity `json:"member"`
	Text      string            `json:"text"`
	UpdatedAt time.Time         `json:"updatedAt"`
	TxID      string            `json:"txId"`
}

// StatementRequest sets the caller's statement.
type StatementRequest struct {
	Text string `json:"text"`
}

func statementKey(m identity.Identity) (string, error) {
	return core.Key(statementType, m.MSPID, m.ID)
}

// SetStatement records the caller's delegate statement, replacing their
// earlier one. Only the member writes their own: nobody, an organisation
// admin included, can speak for them. It writes only the caller's key.
//
// Errors: FORBIDDEN (not an active member), INVALID_ARGUMENT (empty text,
// more than MaxStatementRunes runes, control characters).
func SetStatement(tx *core.Tx, req StatementRequest) (*Statement, error) {
	caller := tx.Caller.Identity
	if _, err := membership.Active(tx.Store, caller); err != nil {
		return nil, errcode.Fieldf(errcode.Forbidden, "", RuleActiveMember, "delegate statement: caller %s is not an active member", caller)
	}
	if err := text.Check("delegate statement", req.Text, text.Rule{MaxRunes: MaxStatementRunes, MultiLine: true, Required: true}); err != nil {
		return nil, errcode.WithField(err, "text")
	}
	key, err := statementKey(caller)
	if err != nil {
		return nil, err
	}
	st := &Statement{Member: caller, Text: req.Text, UpdatedAt: tx.Time, TxID: tx.TxID}
	if err := core.PutJSON(tx.Store, key, st); err != nil {
		return nil, fmt.Errorf("delegate statement of %s: %w", caller, err)
	}
	return st, tx.Emit(EventStatement, st)
}

// StatementOf returns a member's delegate statement.
//
// Errors: NOT_FOUND (none set), INVALID_ARGUMENT (malformed identity).
func StatementOf(s core.Store, m identity.Identity) (*Statement, error) {
	if err := m.Validate(); err != nil {
		return nil, errcode.WithField(err, "member")
	}
	key, err := statementKey(m)
	if err != nil {
		return nil, err
	}
	var st Statement
	ok, err := core.GetJSON(s, key, &st)
	if err != nil {
		return nil, fmt.Errorf("delegate statement of %s: %w", m, err)
	}
	if !ok {
		return nil, errcode.Fieldf(errcode.NotFound, "member", "exists", "%s has no delegate statement", m)
	}
	return &st, nil
}
