// Package timerule is Charter's one time rule, stated once and applied by
// every package whose outcome depends on a time (docs/time.md has the rule
// and its proof sketch).
//
// Fabric leaves a transaction's timestamp to the client. The endorsement
// guard (chaincode/contract) refuses a proposal whose timestamp is more
// than the skew S away from the endorsing peer's clock, S being the
// constitution's time.maxClockSkewSeconds (DefaultMaxClockSkewSec before a
// constitution is adopted). So a transaction stamped t was endorsed at a
// real time within [t−S, t+S]. Inside that window the client chooses t
// freely, and no outcome may depend on where:
//
//  1. Histories are append-only in time order. A write to a history
//     (balance checkpoints, supply, memberships and role grants,
//     attestations, delegation versions) is recorded at Stamp(tx time,
//     latest entry times…): never before the newest entry of any history
//     the transaction writes. A backdated write is not refused (refusing
//     would let anyone who stamps a transfer S in the future lock the
//     recipient's account for S); it is recorded later, which only moves it
//     further from any snapshot already taken.
//  2. Snapshots are final once one skew old. Every entry is recorded at or
//     after its transaction's timestamp, and a transaction stamped t ≤ T
//     can no longer be endorsed once real time passes T+S. Ballots open at
//     least S after they are created (OpensAt), so their snapshot is not
//     already in the past, and closing waits until the snapshot is final
//     (CloseableAt).
//  3. Deadlines are honoured with the skew as margin: an action allowed
//     only after a deadline D needs a transaction stamped at or after D+S
//     (Passed), so it is endorsed no earlier than real time D, and every
//     transaction allowed before D (a vote, an appeal) can still land.
//  4. Windows and timelocks count from the transaction that fixes the
//     verdict, never from an earlier time that a late transaction would
//     already have consumed.
//
// The package reads only the store and has no Fabric imports.
package timerule

import (
	"fmt"
	"time"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/errcode"
)

// Default is the skew before a constitution is adopted.
const Default = time.Duration(constitution.DefaultMaxClockSkewSec) * time.Second

// Skew returns the skew in force: the constitution's
// time.maxClockSkewSeconds, read from its own key (constitution ~ time,
// constitution.CurrentTimeRule: one small record, written only when the
// skew changes), or fallback before a constitution is adopted (or when a
// stored document predates the time section).
func Skew(s core.Store, fallback time.Duration) (time.Duration, error) {
	r, err := constitution.CurrentTimeRule(s)
	if errcode.IsCode(err, errcode.FailedPrecondition) {
		return fallback, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read the clock skew of the constitution: %w", err)
	}
	if r.MaxClockSkewSec <= 0 {
		return fallback, nil
	}
	return r.MaxClockSkew(), nil
}

// Margin returns the larger of the skew in force and a skew pinned earlier
// (a ballot's or decision's): a deadline set under one skew is honoured
// with whichever is larger, so lowering the skew cannot shorten it.
func Margin(s core.Store, pinnedSec int64) (time.Duration, error) {
	cur, err := Skew(s, Default)
	if err != nil {
		return 0, err
	}
	return max(cur, time.Duration(pinnedSec)*time.Second), nil
}

// Stamp returns the time a transaction stamped txTime records its history
// entries at: txTime, or the newest of latest when that is later. One
// transaction records every entry it writes at the same Stamp (computed
// over the latest entries of all the histories it writes), so that what
// it moves between histories is counted on both sides at the same time.
func Stamp(txTime time.Time, latest ...time.Time) time.Time {
	at := txTime
	for _, l := range latest {
		if l.After(at) {
			at = l
		}
	}
	return at.UTC()
}

// Passed reports whether a deadline has certainly passed for a
// transaction stamped t under skew: t ≥ deadline + skew.
func Passed(t, deadline time.Time, skew time.Duration) bool {
	return !t.Before(deadline.Add(skew))
}

// From returns the first transaction time at which deadline has certainly
// passed under skew.
func From(deadline time.Time, skew time.Duration) time.Time { return deadline.Add(skew).UTC() }

// OpensAt returns when a ballot created at created opens: after its voting
// delay, and never less than one skew after creation.
func OpensAt(created time.Time, delay, skew time.Duration) time.Time {
	return created.Add(max(delay, skew)).UTC()
}

// SnapshotFinal returns the first transaction time at which a snapshot as
// of at can no longer change: no transaction stamped at or before at can
// be endorsed once real time is past at+skew, and a transaction stamped
// at+2·skew is endorsed no earlier than real time at+skew.
func SnapshotFinal(at time.Time, skew time.Duration) time.Time { return at.Add(2 * skew).UTC() }
