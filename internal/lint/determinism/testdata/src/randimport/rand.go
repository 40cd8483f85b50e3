package randimport

import (
	crand "crypto/rand"   // want `determinism: import of crypto/rand: random values differ on every peer.*\[rand\]`
	"math/rand"           // want `import of math/rand: random values differ`
	randv2 "math/rand/v2" // want `import of math/rand/v2: random values differ`
)

func f() (int, int, []byte) {
	b := make([]byte, 4)
	_, _ = crand.Read(b) // want `error returned by crand\.Read is assigned to _`
	return rand.Int(), randv2.Int(), b
}
