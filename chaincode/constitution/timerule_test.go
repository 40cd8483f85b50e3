package constitution

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/internal/testutil"
)

var founder = testutil.ID("FoundationMSP", "Admin@foundation")

// putRecorder records the keys a transaction writes.
type putRecorder struct {
	core.Store
	puts []string
}

func (p *putRecorder) Put(key string, value []byte) error {
	p.puts = append(p.puts, key)
	return p.Store.Put(key, value)
}

// The skew every transaction reads lives under constitution ~ time: the
// founding act writes it, an amendment that changes the skew rewrites it
// (with its version), and an amendment that leaves the skew alone does not
// touch it, so the guard's read does not conflict with that amendment.
func TestTimeRuleKeyIsWrittenOnlyWhenTheSkewChanges(t *testing.T) {
	s := core.NewMemStore()
	_, err := CurrentTimeRule(s)
	require.ErrorIs(t, err, errcode.ErrFailedPrecondition, "before adoption")

	rec := &putRecorder{Store: s}
	_, err = InstallGenesis(testutil.Tx(rec, founder, true, testutil.T0()), Default())
	require.NoError(t, err)
	assert.Contains(t, rec.puts, timeKey(), "the founding act writes the time rule")
	r, err := CurrentTimeRule(s)
	require.NoError(t, err)
	assert.Equal(t, TimeRule{MaxClockSkewSec: DefaultMaxClockSkewSec, Version: 1}, *r)
	require.NoError(t, RequireAdopted(s))

	// An amendment that does not touch time: the key is not written.
	doc := Default()
	doc.Name = "Charter, amended"
	rec = &putRecorder{Store: s}
	v2, err := Install(testutil.Tx(rec, founder, false, testutil.T0().Add(time.Hour)), doc, "decision-1")
	require.NoError(t, err)
	assert.Equal(t, int64(2), v2.Version)
	assert.NotContains(t, rec.puts, timeKey(), "an amendment leaving the skew alone does not write the time rule")
	assert.Contains(t, rec.puts, currentKey())
	r, err = CurrentTimeRule(s)
	require.NoError(t, err)
	assert.Equal(t, TimeRule{MaxClockSkewSec: DefaultMaxClockSkewSec, Version: 1}, *r, "still the founding act's")

	// An amendment that changes the skew rewrites it.
	doc.Time.MaxClockSkewSec = 60
	rec = &putRecorder{Store: s}
	_, err = Install(testutil.Tx(rec, founder, false, testutil.T0().Add(2*time.Hour)), doc, "decision-2")
	require.NoError(t, err)
	assert.Contains(t, rec.puts, timeKey())
	r, err = CurrentTimeRule(s)
	require.NoError(t, err)
	assert.Equal(t, TimeRule{MaxClockSkewSec: 60, Version: 3}, *r)
	assert.Equal(t, time.Minute, r.MaxClockSkew())
}

// A state adopted before the time rule had its own key (the version in
// force, no constitution ~ time) still answers from the version in force,
// and the next version installed writes the key.
func TestTimeRuleOnAStateThatPredatesItsKey(t *testing.T) {
	s := core.NewMemStore()
	_, err := InstallGenesis(testutil.Tx(s, founder, true, testutil.T0()), Default())
	require.NoError(t, err)
	require.NoError(t, s.Delete(timeKey()))

	require.NoError(t, RequireAdopted(s), "adopted: the version in force says so")
	r, err := CurrentTimeRule(s)
	require.NoError(t, err)
	assert.Equal(t, TimeRule{MaxClockSkewSec: DefaultMaxClockSkewSec, Version: 1}, *r)

	doc := Default()
	doc.Name = "Charter, amended"
	rec := &putRecorder{Store: s}
	_, err = Install(testutil.Tx(rec, founder, false, testutil.T0().Add(time.Hour)), doc, "decision-1")
	require.NoError(t, err)
	assert.Contains(t, rec.puts, timeKey(), "the first version installed writes the missing key")
	raw, err := s.Get(timeKey())
	require.NoError(t, err)
	assert.JSONEq(t, `{"maxClockSkewSeconds":300,"version":2}`, string(raw))
}

// The calibration chaincode's namespace gets a time rule of its own, of
// version 0. It is refused where a constitution is adopted, refused
// outside 1..MaxMaxClockSkewSec, and never counts as an adoption.
func TestCalibrationTimeRule(t *testing.T) {
	s := core.NewMemStore()
	for _, sec := range []int64{0, -1, MaxMaxClockSkewSec + 1} {
		_, err := SetCalibrationTimeRule(testutil.Tx(s, founder, false, testutil.T0()), sec)
		testutil.AssertRefusal(t, err, errcode.InvalidArgument, "maxClockSkewSeconds", "range")
		assert.Empty(t, s.Keys(), "%d writes nothing", sec)
	}
	r, err := SetCalibrationTimeRule(testutil.Tx(s, founder, false, testutil.T0()), 7)
	require.NoError(t, err)
	assert.Equal(t, TimeRule{MaxClockSkewSec: 7}, *r)
	got, err := CurrentTimeRule(s)
	require.NoError(t, err)
	assert.Equal(t, int64(7), got.MaxClockSkewSec, "the guard reads it")
	err = RequireAdopted(s)
	testutil.AssertRefusal(t, err, errcode.FailedPrecondition, "", RuleAdopted)

	a := core.NewMemStore()
	_, err = InstallGenesis(testutil.Tx(a, founder, true, testutil.T0()), Default())
	require.NoError(t, err)
	before := a.Snapshot()
	_, err = SetCalibrationTimeRule(testutil.Tx(a, founder, true, testutil.T0()), 7)
	testutil.AssertRefusal(t, err, errcode.FailedPrecondition, "", RuleAdopted)
	assert.Equal(t, before, a.Snapshot(), "an adopted constitution's time rule is untouched")
}
