package allow

import (
	"errors"
	"time"

	"os" //charter:allow io reads CORE_PEER_ID once for log labelling only, never for ledger state
)

// Endorsement-time clock-skew guard: rejects proposals whose timestamp is far
// from the endorsing peer's clock; it never influences the write set.
func skewGuard(txTime time.Time) error {
	//charter:allow clock endorsement-time clock-skew guard, result never written to the ledger
	now := time.Now()
	if txTime.Sub(now) > time.Minute {
		return errors.New("skew")
	}
	_ = time.Now() //charter:allow clock same-line suppression with a reason
	return nil
}

func peerID() string { return os.Getenv("CORE_PEER_ID") }

func noReason() {
	//charter:allow clock // want `determinism: suppression of "clock" has no reason`
	_ = time.Now() // want `time\.Now reads the peer's clock`
}

func noCategory() {
	//charter:allow // want `malformed suppression: write //charter:allow <category> <reason>`
	_ = time.Now() // want `time\.Now reads the peer's clock`
}

func unknownCategory() {
	//charter:allow time because I said so // want `unknown suppression category "time"`
	_ = time.Now() // want `time\.Now reads the peer's clock`
}

func wrongCategory() {
	//charter:allow float the wrong category does not suppress a clock read
	_ = time.Now() // want `time\.Now reads the peer's clock`
}

func tooFarAbove() {
	//charter:allow clock only the line directly above counts

	_ = time.Now() // want `time\.Now reads the peer's clock`
}

func others(m map[string]int) {
	//charter:allow map the sum is commutative, order does not matter
	for _, v := range m {
		_ = v
	}
	//charter:allow goroutine test of suppression only
	go func() {}()
	//charter:allow float test of suppression only
	_ = 1.5
	//charter:allow errcheck best-effort cleanup
	fail()
}

func fail() error { return nil }

//charter:allowed is not a directive at all, so nothing happens here
func notADirective() {}
