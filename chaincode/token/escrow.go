package token

import (
	"fmt"
	"strings"
	"time"

	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/timerule"
)

// Escrow. A funding-round contribution (chaincode/round) leaves the
// contributor's balance at once, but is credited to the project only when
// the round closes. Moving it into one shared escrow account would make
// that account a hot key (every contributor's transaction would rewrite
// it), so Escrow writes only the contributor's own account and checkpoint
// (kind "escrow"); the amount is held by the round's own contribution
// record under ref. Release credits an account from such a hold (kind
// "release"). Neither changes the supply: at any time
//
//	Σ balances + Σ amounts held in escrow = supply
//
// (the rounds package keeps every hold and releases each exactly once).
// Neither is a transaction of its own nor emits an event: the caller's
// transaction emits one naming both.

// Escrow takes amount from from's balance into a hold named ref (e.g.
// "round:<id>"), recorded at Stamp(tx time, the account's last change), and
// returns the balance left.
//
// Errors: INVALID_ARGUMENT (bad amount or ref, more than the balance).
func Escrow(tx *core.Tx, from identity.Identity, amount int64, ref string) (int64, error) {
	const action = "escrow"
	if err := checkAmount(action, amount); err != nil {
		return 0, err
	}
	if strings.TrimSpace(ref) == "" {
		return 0, errcode.InvalidFieldf("ref", "required", "%s: a hold needs a reference", action)
	}
	acct, _, err := account(tx.Store, from)
	if err != nil {
		return 0, err
	}
	if amount > acct.Balance {
		return 0, errcode.InvalidFieldf("amount", "balance", "%s for %s: amount %d exceeds the balance %d of %s", action, ref, amount, acct.Balance, from.Short())
	}
	at := timerule.Stamp(tx.Time, acct.UpdatedAt)
	if err := setBalance(tx, from, acct, at, acct.Balance-amount, -amount, "escrow"); err != nil {
		return 0, fmt.Errorf("%s for %s: %w", action, ref, err)
	}
	return acct.Balance - amount, nil
}

// ReleaseCredit is one credit of Release.
type ReleaseCredit struct {
	To     identity.Identity `json:"to"`
	Amount int64             `json:"amount"`
}

// Release credits held amounts to accounts, each account at most once
// (Fabric does not let a transaction read its own writes), all recorded at
// one time, and returns that time.
//
// Errors: INVALID_ARGUMENT (bad amount, an account named twice, a balance
// past MaxSupply).
func Release(tx *core.Tx, credits []ReleaseCredit, ref string) (time.Time, error) {
	const action = "release"
	if strings.TrimSpace(ref) == "" {
		return time.Time{}, errcode.Invalidf("%s: a release needs a reference", action)
	}
	accts := make([]Account, len(credits))
	latest := make([]time.Time, 0, len(credits))
	for i, c := range credits {
		if err := checkAmount(action, c.Amount); err != nil {
			return time.Time{}, err
		}
		for _, d := range credits[:i] {
			if d.To == c.To {
				return time.Time{}, errcode.Invalidf("%s for %s: %s is credited twice", action, ref, c.To)
			}
		}
		a, _, err := account(tx.Store, c.To)
		if err != nil {
			return time.Time{}, err
		}
		if c.Amount > MaxSupply-a.Balance {
			return time.Time{}, errcode.Invalidf("%s for %s: the balance of %s would pass %d", action, ref, c.To, MaxSupply)
		}
		accts[i] = a
		latest = append(latest, a.UpdatedAt)
	}
	at := timerule.Stamp(tx.Time, latest...)
	for i, c := range credits {
		if err := setBalance(tx, c.To, accts[i], at, accts[i].Balance+c.Amount, c.Amount, "release"); err != nil {
			return time.Time{}, fmt.Errorf("%s for %s: %w", action, ref, err)
		}
	}
	return at, nil
}
