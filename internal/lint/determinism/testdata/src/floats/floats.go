package floats

type Money float64 // want `floats\.Money \(float64\) in chaincode: peers on different CPUs.*integers, fixed point or math/big.*\[float\]`

type Asset struct {
	ID    string
	Price float32 // want `float32 in chaincode`
	Cents int64
	Waves complex128 // want `complex128 in chaincode`
}

func ratio(a, b int64) int64 {
	r := float64(a) / float64(b) // want `float64 in chaincode`
	return int64(r * 100)        // want `float64 in chaincode`
}

func param(x float64) int { // want `float64 in chaincode`
	return int(x) // want `float64 in chaincode`
}

func lit() int64 {
	return int64(1.5e3) // want `float literal 1\.5e3 in chaincode`
}

func named(m Money) Money { // want `floats\.Money \(float64\) in chaincode`
	return m // want `floats\.Money \(float64\) in chaincode`
}

func sliceOf() []float64 { // want `float64 in chaincode`
	return nil
}

// Integer and big-number arithmetic is fine.
func ints(a, b int64) int64 {
	return (a*100 + b/2) / b
}
