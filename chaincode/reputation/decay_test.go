package reputation

import (
	"fmt"
	"math"
	"math/big"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	day      = int64(86400)
	halfLife = 90 * day
)

// TestDecayTable recomputes the Q64 constants with integer square roots
// only: s(1) = sqrt(1/2), s(k+1) = sqrt(s(k)), at 192 bits.
func TestDecayTable(t *testing.T) {
	const p = 192
	s := new(big.Int).Sqrt(new(big.Int).Lsh(big.NewInt(1), 2*p-1))
	table := decayTable()
	for k := 1; k <= fracBits; k++ {
		want := new(big.Int).Rsh(s, p-64)
		require.Equal(t, want.Uint64(), table[k-1], "2^(-1/2^%d)", k)
		s = new(big.Int).Sqrt(new(big.Int).Lsh(s, p))
	}
}

func TestDecay(t *testing.T) {
	tests := []struct {
		name     string
		v        int64
		elapsed  int64
		halfLife int64
		want     int64
	}{
		{"no time", 1_000_000, 0, halfLife, 1_000_000},
		{"negative elapsed is no decay", 1_000_000, -5, halfLife, 1_000_000},
		{"zero value", 0, 10 * day, halfLife, 0},
		{"one second", 1_000_000, 1, halfLife, 999_999}, // exact 999999.9108…
		{"one half-life: exactly half", 1_000_000, halfLife, halfLife, 500_000},
		{"one half-life, odd value: half rounded down", 1_001, halfLife, halfLife, 500},
		{"one second before a half-life", 1_000_000, halfLife - 1, halfLife, 500_000}, // exact 500000.0445…
		{"one second after a half-life", 1_000_000, halfLife + 1, halfLife, 499_999},  // exact 499999.9554…
		{"two half-lives", 1_000_000, 2 * halfLife, halfLife, 250_000},
		{"half a half-life", 1_000_000, halfLife / 2, halfLife, 707_106}, // exact 707106.78…
		{"ten half-lives", 1_000_000, 10 * halfLife, halfLife, 976},      // exact 976.56…
		{"very old: 20 half-lives of 1000 points", 1_000_000, 20 * halfLife, halfLife, 0},
		{"very old: 62 half-lives of max int64", math.MaxInt64, 62 * halfLife, halfLife, 1},
		{"very old: 63 half-lives", math.MaxInt64, 63 * halfLife, halfLife, 0},
		{"very old: max elapsed", math.MaxInt64, math.MaxInt64, halfLife, 0},
		{"shortest half-life", 1000, day, day, 500},
		{"longest half-life", 1000, 3650 * day, 3650 * day, 500},
		{"bad half-life is no decay", 1000, day, 0, 1000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, Decay(tt.v, tt.elapsed, tt.halfLife))
		})
	}
}

// TestDecayAgainstReference checks the documented rounding: the result is
// floor(exact), or that ±1 when the exact value is within the error bound
// of an integer. The reference is float64 (tests may use floats; the
// chaincode may not).
func TestDecayAgainstReference(t *testing.T) {
	for _, v := range []int64{1, 999, 1000, 123_457, 1_000_000, 1_250_000_000, 1 << 40} {
		for _, e := range []int64{1, 59, 3600, day, 7 * day, 45 * day, 89 * day, halfLife - 1, halfLife + 1, 100 * day, 365 * day, 1000 * day, 5000 * day} {
			got := Decay(v, e, halfLife)
			exact := float64(v) * math.Pow(2, -float64(e)/float64(halfLife))
			assert.InDelta(t, math.Floor(exact), float64(got), 1.0, "v=%d e=%d: got %d, exact %.6f", v, e, got, exact)
			assert.LessOrEqual(t, got, v)
		}
	}
}

// TestDecayMonotone walks every second of the first hours of a half-life,
// across the half-life boundary, and a coarse sweep of twenty half-lives:
// the value never rises.
func TestDecayMonotone(t *testing.T) {
	for _, v := range []int64{1_000, 1_000_000, 1_250_000_000, math.MaxInt64} {
		check := func(from, to, step int64) {
			prev := Decay(v, from, halfLife)
			for e := from + step; e <= to; e += step {
				got := Decay(v, e, halfLife)
				if got > prev {
					t.Fatalf("v=%d: Decay rose from %d at %ds to %d at %ds", v, prev, e-step, got, e)
				}
				prev = got
			}
		}
		check(0, 4*3600, 1)
		check(halfLife-3600, halfLife+3600, 1)
		check(0, 20*halfLife, 997)
	}
}

func TestDecayIsPure(t *testing.T) {
	for i := range 100 {
		e := int64(i) * 12345
		require.Equal(t, Decay(987_654_321, e, halfLife), Decay(987_654_321, e, halfLife), fmt.Sprint(e))
	}
}

func TestValueWithEndorsements(t *testing.T) {
	p := testParams()
	assert.Equal(t, int64(10_000), value(10, 0, p))
	assert.Equal(t, int64(10_500), value(10, 1, p), "one endorsement: +5%")
	assert.Equal(t, int64(12_000), value(10, 4, p))
	assert.Equal(t, int64(12_500), value(10, 5, p), "bounded at +25%")
	assert.Equal(t, int64(12_500), value(10, 500, p))
	assert.Equal(t, int64(1_250_000_000), value(1_000_000, 9, p))
}

func TestScaleBps(t *testing.T) {
	assert.Equal(t, int64(0), scaleBps(12345, 0))
	assert.Equal(t, int64(12345), scaleBps(12345, 10000))
	assert.Equal(t, int64(6172), scaleBps(12345, 5000), "rounded down")
	assert.Equal(t, int64(math.MaxInt64/10000*2500+(math.MaxInt64%10000)*2500/10000), scaleBps(math.MaxInt64, 2500), "no overflow")
}
