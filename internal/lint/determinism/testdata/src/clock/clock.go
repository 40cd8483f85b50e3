package clock

import "time"

func reads(start time.Time) {
	_ = time.Now()                   // want `determinism: time\.Now reads the peer's clock.*transaction timestamp.*\[clock\]`
	_ = time.Since(start)            // want `time\.Since reads the peer's clock`
	_ = time.Until(start)            // want `time\.Until reads the peer's clock`
	<-time.After(time.Second)        // want `time\.After depends on wall-clock timing`
	_ = time.Tick(time.Second)       // want `time\.Tick depends on wall-clock timing`
	_ = time.NewTimer(time.Second)   // want `time\.NewTimer depends on wall-clock timing`
	_ = time.NewTicker(time.Second)  // want `time\.NewTicker depends on wall-clock timing`
	time.Sleep(time.Millisecond)     // want `time\.Sleep depends on wall-clock timing`
	_ = time.AfterFunc(0, func() {}) // want `time\.AfterFunc depends on wall-clock timing`
	now := time.Now                  // want `time\.Now reads the peer's clock`
	_ = now
}

// Pure time arithmetic on values taken from the transaction is fine,
// including the methods that share a name with clock functions.
func pure(ts, other time.Time) bool {
	d := 2 * time.Hour
	_ = ts.Add(d).Unix()
	_ = time.Unix(ts.Unix(), 0).UTC().Format(time.RFC3339)
	return ts.After(other) && ts.Before(other.Add(d))
}
