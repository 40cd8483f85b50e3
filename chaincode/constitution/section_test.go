package constitution_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	. "github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/internal/testutil"
)

// CurrentReputation is the reputation section of Current, read from the
// version in force after the genesis and after an amendment.
func TestCurrentReputationIsCurrentsSection(t *testing.T) {
	s := core.NewMemStore()
	_, err := CurrentReputation(s)
	assert.ErrorIs(t, err, errcode.ErrFailedPrecondition)
	assert.Contains(t, err.Error(), "no constitution adopted yet")

	_, err = InstallGenesis(testutil.Tx(s, admin, true, testutil.T0()), Default())
	require.NoError(t, err)
	check := func(want Reputation) {
		t.Helper()
		got, err := CurrentReputation(s)
		require.NoError(t, err)
		cur, err := Current(s)
		require.NoError(t, err)
		assert.Equal(t, cur.Document.Reputation, got)
		assert.Equal(t, want, got)
	}
	check(Default().Reputation)

	next := Default()
	next.Reputation.CapPerAttesterPeriod = 77
	next.Reputation.CapPeriodSec = 3 * 86400
	next.Reputation.MaxWeight = 50
	_, err = Install(testutil.Tx(s, admin, false, testutil.T0().Add(time.Hour)), next, "decision-rep")
	require.NoError(t, err)
	check(next.Reputation)
	assert.NotEqual(t, Default().Reputation, next.Reputation)
}

// BenchmarkCurrentReputation compares decoding the whole document in force
// with decoding its reputation section.
func BenchmarkCurrentReputation(b *testing.B) {
	s := core.NewMemStore()
	_, err := InstallGenesis(testutil.Tx(s, admin, true, testutil.T0()), Default())
	require.NoError(b, err)
	b.Run("Current", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Current(s); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("CurrentReputation", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := CurrentReputation(s); err != nil {
				b.Fatal(err)
			}
		}
	})
}
