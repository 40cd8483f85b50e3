package reputation

import "math/bits"

// MilliPerPoint is the scale of scores: attestation weights are whole
// points, scores are milli-points (1 point = 1000 milli-points).
const MilliPerPoint = 1000

// fracBits is the precision, in bits, of the fraction of a half-life.
const fracBits = 48

// decayTable returns c[k-1] = floor(2^64 × 2^(−1/2^k)) for k = 1..48: the
// Q64 factor of a decay by 1/2^k of a half-life. The values were computed
// with integer square roots only (2^(−1/2^(k+1)) = sqrt(2^(−1/2^k))) at 192
// bits; TestDecayTable recomputes them. It is a function, not a variable, so
// that no package-level state exists.
func decayTable() *[fracBits]uint64 {
	return &[fracBits]uint64{
		0xb504f333f9de6484, // 2^(-1/2^1)
		0xd744fccad69d6af4, // 2^(-1/2^2)
		0xeac0c6e7dd24392e, // 2^(-1/2^3)
		0xf5257d152486cc2c, // 2^(-1/2^4)
		0xfa83b2db722a033a, // 2^(-1/2^5)
		0xfd3e0c0cf486c174, // 2^(-1/2^6)
		0xfe9e115c7b8f884b, // 2^(-1/2^7)
		0xff4ecb59511ec8a5, // 2^(-1/2^8)
		0xffa756521c8daed1, // 2^(-1/2^9)
		0xffd3a751c0f7e10b, // 2^(-1/2^10)
		0xffe9d2b2f7db2755, // 2^(-1/2^11)
		0xfff4e91bff1b8c3d, // 2^(-1/2^12)
		0xfffa747ea0040664, // 2^(-1/2^13)
		0xfffd3a3b7814eb53, // 2^(-1/2^14)
		0xfffe9d1cc60ddab1, // 2^(-1/2^15)
		0xffff4e8e25879bfa, // 2^(-1/2^16)
		0xffffa7470363f451, // 2^(-1/2^17)
		0xffffd3a37dda0313, // 2^(-1/2^18)
		0xffffe9d1bdf703ae, // 2^(-1/2^19)
		0xfffff4e8debe025e, // 2^(-1/2^20)
		0xfffffa746f4fa150, // 2^(-1/2^21)
		0xfffffd3a37a3f8b0, // 2^(-1/2^22)
		0xfffffe9d1bd1065a, // 2^(-1/2^23)
		0xffffff4e8de845ad, // 2^(-1/2^24)
		0xffffffa746f41376, // 2^(-1/2^25)
		0xffffffd3a37a05e3, // 2^(-1/2^26)
		0xffffffe9d1bd01fb, // 2^(-1/2^27)
		0xfffffff4e8de80c0, // 2^(-1/2^28)
		0xfffffffa746f4050, // 2^(-1/2^29)
		0xfffffffd3a37a024, // 2^(-1/2^30)
		0xfffffffe9d1bd011, // 2^(-1/2^31)
		0xffffffff4e8de808, // 2^(-1/2^32)
		0xffffffffa746f404, // 2^(-1/2^33)
		0xffffffffd3a37a02, // 2^(-1/2^34)
		0xffffffffe9d1bd01, // 2^(-1/2^35)
		0xfffffffff4e8de80, // 2^(-1/2^36)
		0xfffffffffa746f40, // 2^(-1/2^37)
		0xfffffffffd3a37a0, // 2^(-1/2^38)
		0xfffffffffe9d1bd0, // 2^(-1/2^39)
		0xffffffffff4e8de8, // 2^(-1/2^40)
		0xffffffffffa746f4, // 2^(-1/2^41)
		0xffffffffffd3a37a, // 2^(-1/2^42)
		0xffffffffffe9d1bd, // 2^(-1/2^43)
		0xfffffffffff4e8de, // 2^(-1/2^44)
		0xfffffffffffa746f, // 2^(-1/2^45)
		0xfffffffffffd3a37, // 2^(-1/2^46)
		0xfffffffffffe9d1b, // 2^(-1/2^47)
		0xffffffffffff4e8d, // 2^(-1/2^48)
	}
}

// Decay returns v × 2^(−elapsed/halfLife) in integer arithmetic, v in any
// unit (Charter passes milli-points). Every peer, CPU and Go version gets
// the same result: only integer operations are used.
//
// Method. With q = elapsed div halfLife (whole half-lives) and
// r = elapsed mod halfLife, the fraction r/halfLife is truncated to 48
// bits, f = floor(r × 2^48 / halfLife), and the factor 2^(−f/2^48) is the
// product, in Q64 fixed point, of the table constants of f's set bits
// (each product rounded down). Then
//
//	Decay = floor(v × factor / 2^64) >> q
//
// Rounding, written down and tested:
//
//   - at whole half-lives (r = 0) the result is exactly floor(v / 2^q): at
//     one half-life exactly half, rounded down;
//   - otherwise the factor is within a relative 2^−44 of the exact
//     2^(−r/halfLife) (truncating the fraction raises it by less than
//     2^−48·ln 2; the at most 48 round-downs of the product lower it by less
//     than 2^−58), so for v < 2^44 the result is floor(exact) or, when the
//     exact value lies within 2^−44·v of an integer, that integer ± 1;
//   - the result never exceeds v and is non-increasing in elapsed (adjacent
//     seconds differ in the exact factor by far more than the rounding);
//   - it is 0 once v >> q is 0, and always from 63 half-lives on.
//
// A negative elapsed is treated as 0 (no decay). v ≤ 0 is returned
// unchanged, and so is v for a non-positive halfLife (a programming error:
// the constitution requires at least a day), rather than a panic.
func Decay(v, elapsed, halfLife int64) int64 {
	if v <= 0 || halfLife <= 0 || elapsed <= 0 {
		return v
	}
	q := elapsed / halfLife
	if q >= 63 {
		return 0
	}
	r := uint64(elapsed % halfLife)
	// f = floor(r × 2^48 / halfLife) < 2^48, since r < halfLife.
	hi, lo := bits.Mul64(r, 1<<fracBits)
	f, _ := bits.Div64(hi, lo, uint64(halfLife))
	out := uint64(v)
	if f != 0 {
		table := decayTable()
		var factor uint64
		first := true
		for k := 1; k <= fracBits; k++ {
			if f&(1<<(fracBits-k)) == 0 {
				continue
			}
			if first {
				factor, first = table[k-1], false
				continue
			}
			factor, _ = bits.Mul64(factor, table[k-1])
		}
		out, _ = bits.Mul64(out, factor)
	}
	return int64(out >> q)
}
