package decision

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/timerule"
)

// Execute performs a passed decision's on-chain effect (through the
// effects registry) once its timelock is over and its appeal window has
// closed, both by the clock-skew margin (docs/time.md), and marks it
// executed. A decision type with no registered effect
// is executed as a recorded authorisation. Execution is idempotent: a
// second execution is refused with CONFLICT and writes nothing. Anyone may
// call it.
//
// Errors: NOT_FOUND, CONFLICT (already executed), FAILED_PRECONDITION (not
// passed: voting, mediation, rejected, overturned; appealed: execution is
// suspended until the appeal is concluded; the timelock or the appeal
// window has not ended), and the effect's own errors (e.g. an amendment
// that no longer validates, or was drafted against a version that is no
// longer in force).
func Execute(tx *core.Tx, deps Deps, id string) (*Decision, error) {
	d, err := Get(tx.Store, id)
	if err != nil {
		return nil, err
	}
	switch d.Status {
	case StatusPassed:
	case StatusExecuted:
		return nil, errcode.Fieldf(errcode.Conflict, "", RuleExecuteOnce, "execute decision %s: it was already executed at %s (transaction %s); execution is idempotent", d.ID, d.ExecutedAt.Format(time.RFC3339), d.ExecutedTxID)
	case StatusAppealed:
		return nil, errcode.PreconditionFieldf("", RuleAppealPending, "execute decision %s: an appeal was lodged; execution is suspended until the appeal ballot is concluded", d.ID)
	default:
		return nil, errcode.PreconditionFieldf("", RulePassed, "execute decision %s: it is %s; only passed decisions are executed", d.ID, d.Status)
	}
	margin, err := timerule.Margin(tx.Store, 0)
	if err != nil {
		return nil, err
	}
	// The deadline is honoured with the skew as margin: an appeal stamped
	// just inside the window can still be endorsed up to one skew later.
	if !timerule.Passed(tx.Time, *d.ExecutableAt, margin) {
		return nil, errcode.PreconditionFieldf("", RuleTimelock, "execute decision %s: the timelock ends %s and the appeal window closes %s; with the clock-skew margin of %s it can be executed from %s",
			d.ID, d.ETA.Format(time.RFC3339), d.AppealDeadline.Format(time.RFC3339), margin, timerule.From(*d.ExecutableAt, margin).Format(time.RFC3339Nano))
	}
	if eff := deps.effect(d.Type); eff != nil && eff.Apply != nil {
		out, err := eff.Apply(tx, d)
		if err != nil {
			return nil, fmt.Errorf("execute decision %s (%s): %w", d.ID, d.Type, err)
		}
		raw, err := json.Marshal(out)
		if err != nil {
			return nil, fmt.Errorf("execute decision %s: encode effect: %w", d.ID, err)
		}
		d.Effect = raw
	}
	t, by := tx.Time, tx.Caller.Identity
	d.Status, d.ExecutedAt, d.ExecutedBy, d.ExecutedTxID = StatusExecuted, &t, &by, tx.TxID
	if err := save(tx, d); err != nil {
		return nil, err
	}
	if tx.Event() != nil {
		return d, nil // the effect emitted the transaction's event, naming this decision
	}
	return d, tx.Emit(EventExecuted, d)
}
