package effects

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/decision"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/incident"
	"github.com/charter-gov/charter/chaincode/membership"
	"github.com/charter-gov/charter/chaincode/timerule"
)

// RecordFailedExecution records, as a later transaction, that a passed
// decision's execution fails. A failed execution is a refused transaction:
// it commits nothing, so it cannot record itself. This transaction
// establishes the failure on the ledger as it is now: the decision is
// passed and executable (its timelock and appeal window are over by the
// clock-skew margin), and decision.Execute, run on a scratch copy of the
// state whose writes are discarded, refuses it. It then records one
// failed_execution incident for the decision (at most one per decision)
// naming the refusal, writes nothing else and emits incident.recorded.
//
// Caller: any active member.
//
// Errors: FORBIDDEN (not an active member), NOT_FOUND, FAILED_PRECONDITION
// (not passed, not yet executable, or its execution would succeed: execute
// it instead), CONFLICT (already recorded).
func RecordFailedExecution(tx *core.Tx, deps decision.Deps, id string) (*incident.Incident, error) {
	if _, err := membership.Active(tx.Store, tx.Caller.Identity); err != nil {
		return nil, errcode.Fieldf(errcode.Forbidden, "", decision.RuleActiveMember, "record failed execution of %s: caller %s is not an active member", errcode.Quote(id), tx.Caller.Identity.Short())
	}
	d, err := decision.Get(tx.Store, id)
	if err != nil {
		return nil, err
	}
	if d.Status != decision.StatusPassed {
		return nil, errcode.PreconditionFieldf("", decision.RulePassed, "record failed execution of decision %s: it is %s; only a passed decision's execution can fail", d.ID, d.Status)
	}
	margin, err := timerule.Margin(tx.Store, 0)
	if err != nil {
		return nil, err
	}
	if d.ExecutableAt == nil || !timerule.Passed(tx.Time, *d.ExecutableAt, margin) {
		return nil, errcode.PreconditionFieldf("", decision.RuleTimelock, "record failed execution of decision %s: it is not executable yet", d.ID)
	}
	scratch := &core.Tx{Store: newOverlay(tx.Store), Caller: tx.Caller, Time: tx.Time, TxID: tx.TxID}
	_, execErr := decision.Execute(scratch, deps, id)
	if execErr == nil {
		return nil, errcode.PreconditionFieldf("", RuleExecutionFails, "record failed execution of decision %s: its execution succeeds now; execute it (decision:Execute)", d.ID)
	}
	if errcode.CodeOf(execErr) == errcode.Internal {
		// An uncoded error is a fault of this peer (a read failed), not a
		// refusal by the rules: record nothing.
		return nil, fmt.Errorf("record failed execution of decision %s: %w", d.ID, execErr)
	}
	txs := []string{}
	if d.TxID != "" {
		txs = append(txs, d.TxID)
	}
	in, err := incident.RecordOnce(tx, incident.Incident{Kind: incident.FailedExecution, Severity: incident.High,
		Summary:  "execution of decision " + d.ID + " (" + string(d.Type) + ") is refused: " + errcode.Clip(execErr.Error(), 600),
		Decision: d.ID, Subject: "decision:" + d.ID, Transactions: txs, OccurredAt: maxTime(*d.ExecutableAt, d.ProposedAt)})
	if err != nil {
		return nil, err
	}
	return in, tx.Emit(incident.EventRecorded, in)
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// overlay is a scratch core.Store over a base: reads see its own writes,
// writes never reach the base. Scans merge the base's keys with the
// overlay's, in key order.
type overlay struct {
	base core.Store
	// vals holds written values; a nil value is a deletion.
	vals map[string][]byte
}

func newOverlay(base core.Store) *overlay { return &overlay{base: base, vals: map[string][]byte{}} }

func (o *overlay) Get(k string) ([]byte, error) {
	if v, ok := o.vals[k]; ok {
		if v == nil {
			return nil, nil
		}
		return append([]byte(nil), v...), nil
	}
	return o.base.Get(k)
}

func (o *overlay) Put(k string, v []byte) error {
	o.vals[k] = append([]byte{}, v...)
	return nil
}

func (o *overlay) Delete(k string) error {
	o.vals[k] = nil
	return nil
}

func (o *overlay) Scan(obj string, attrs []string, fn func(string, []byte) error) error {
	prefix, err := core.Key(obj, attrs...)
	if err != nil {
		return err
	}
	keys := make([]string, 0, len(o.vals))
	for k := range o.vals {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	mine := make([]string, 0, len(keys))
	for _, k := range keys {
		if strings.HasPrefix(k, prefix) {
			mine = append(mine, k)
		}
	}
	i := 0
	emitMine := func(upTo string, inclusive bool) error {
		for i < len(mine) && (mine[i] < upTo || (inclusive && mine[i] == upTo) || upTo == "") {
			k := mine[i]
			i++
			if v := o.vals[k]; v != nil {
				if err := fn(k, append([]byte(nil), v...)); err != nil {
					return err
				}
			}
		}
		return nil
	}
	err = o.base.Scan(obj, attrs, func(k string, v []byte) error {
		if err := emitMine(k, false); err != nil {
			return err
		}
		if _, shadowed := o.vals[k]; shadowed {
			return emitMine(k, true)
		}
		return fn(k, v)
	})
	if err != nil {
		return err
	}
	return emitMine("", false)
}
