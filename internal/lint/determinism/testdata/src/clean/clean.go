// Package clean is deterministic chaincode-style code: no diagnostics.
package clean

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"sort"
	"strconv"
	"time"
)

var ErrMissing = errors.New("missing")

type Ledger interface {
	GetState(string) ([]byte, error)
	PutState(string, []byte) error
}

type Asset struct {
	ID        string `json:"id"`
	Owner     string `json:"owner"`
	Cents     int64  `json:"cents"`
	UpdatedAt int64  `json:"updatedAt"`
}

var _ fmt.Stringer = Asset{}

func (a Asset) String() string { return a.ID + ":" + strconv.FormatInt(a.Cents, 10) }

func Transfer(l Ledger, id, owner string, txTime time.Time) error {
	raw, err := l.GetState(id)
	if err != nil {
		return fmt.Errorf("read %s: %w", id, err)
	}
	if raw == nil {
		return ErrMissing
	}
	var a Asset
	if err := json.Unmarshal(raw, &a); err != nil {
		return err
	}
	a.Owner = owner
	a.UpdatedAt = txTime.Unix()
	out, err := json.Marshal(a)
	if err != nil {
		return err
	}
	return l.PutState(id, out)
}

func Interest(principal int64, rateNum, rateDen int64) *big.Int {
	p := big.NewInt(principal)
	p.Mul(p, big.NewInt(rateNum))
	return p.Quo(p, big.NewInt(rateDen))
}

func Total(balances map[string]int64) int64 {
	owners := make([]string, 0, len(balances))
	for o := range balances {
		owners = append(owners, o)
	}
	sort.Strings(owners)
	var sum int64
	for _, o := range owners {
		sum += balances[o]
	}
	return sum
}

func Keys(set map[string]struct{}) []string {
	keys := []string{}
	for k := range set {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
