// Package benchcc is the rule of Charter's calibration chaincode ("bench",
// deployed only on benchmark and test networks, never part of the
// production chaincode): a trivial key-value put that does the same kind of
// work a governance transaction does (one key written, one event emitted)
// so that benchmarks can report governance throughput as a ratio of the
// network's own limit, measured in the same run through the same gateways,
// endorsement policy and chaincode-as-a-service setup.
package benchcc

import (
	"strconv"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/errcode"
)

// Limits of a put.
const (
	MaxKeyBytes   = 128
	MaxValueBytes = 4096
)

// Types of the events the calibration chaincode emits.
const (
	EventPut  = "bench.put"
	EventSkew = "bench.skew"
)

// Put is the result and event payload of a put.
type Put struct {
	Key   string `json:"key"`
	Bytes int    `json:"bytes"`
}

// Do writes value under "bench" ~ key and emits a bench.put event. key is
// 1..MaxKeyBytes bytes, value at most MaxValueBytes; anything else is
// INVALID_ARGUMENT and writes nothing. Caller: anyone on the channel (the
// chaincode holds nothing but its own keys).
func Do(tx *core.Tx, key, value string) (*Put, error) {
	if len(key) == 0 || len(key) > MaxKeyBytes {
		return nil, errcode.Invalidf("bench put: key must be 1..%d bytes, got %d", MaxKeyBytes, len(key))
	}
	if len(value) > MaxValueBytes {
		return nil, errcode.Invalidf("bench put: value is %d bytes, at most %d are accepted", len(value), MaxValueBytes)
	}
	k, err := core.Key("bench", key)
	if err != nil {
		return nil, err
	}
	if err := tx.Store.Put(k, []byte(value)); err != nil {
		return nil, err
	}
	out := &Put{Key: key, Bytes: len(value)}
	return out, tx.Emit(EventPut, out)
}

// SetSkew gives the calibration namespace a time rule of seconds of clock
// skew (constitution.SetCalibrationTimeRule): from then on every put's
// guard reads one key, the time rule, as a governance transaction's does
// on an adopted ledger. charter bench sets it to the skew of Charter's
// constitution before it measures puts. seconds is a decimal integer in
// 1..constitution.MaxMaxClockSkewSec; anything else is INVALID_ARGUMENT
// and writes nothing. Caller: anyone on the channel, like a put.
func SetSkew(tx *core.Tx, seconds string) (*constitution.TimeRule, error) {
	n, err := strconv.ParseInt(seconds, 10, 64)
	if err != nil || seconds[0] == '+' {
		return nil, errcode.InvalidFieldf("maxClockSkewSeconds", "integer", "bench skew: %q is not a whole number of seconds", seconds)
	}
	r, err := constitution.SetCalibrationTimeRule(tx, n)
	if err != nil {
		return nil, err
	}
	return r, tx.Emit(EventSkew, r)
}
