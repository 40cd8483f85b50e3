package ballot

import "math/big"

// ISqrt returns the integer square root of n ≥ 0: the greatest r with
// r² ≤ n (0 for n ≤ 0). It is exact for every int64 (math/big, no floats),
// so quadratic costs never depend on a CPU's floating point.
func ISqrt(n int64) int64 {
	if n <= 0 {
		return 0
	}
	return new(big.Int).Sqrt(big.NewInt(n)).Int64()
}
