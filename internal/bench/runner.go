package bench

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Op runs one transaction as worker slot (0 .. the number of slots - 1; a
// slot never runs two transactions at once, so an identity bound to a slot
// never races itself) with a sequence number unique within the Runner. It
// returns the failure kind and validation code (both empty on success).
type Op func(ctx context.Context, slot int, seq int64) (kind, code string)

// Load is how a round drives its Op.
type Load struct {
	// Outstanding is the number of worker slots: in a closed loop (Rate 0)
	// every slot submits its next transaction when the last one's outcome
	// is known, so at most Outstanding are in flight; at a fixed rate it is
	// the cap on transactions in flight (a send waits for a free slot).
	Outstanding int
	// Rate, when positive, sends this many transactions per second in
	// total (open loop), whatever the outcomes.
	Rate float64
	// Duration or Count ends the measured phase: no transaction is created
	// after Duration, or after Count have been created. One of them must
	// be set; with both, whichever comes first.
	Duration time.Duration
	Count    int64
	// Warmup runs the same load this long before the measured phase; its
	// transactions are not counted.
	Warmup time.Duration
}

// Validate checks a load.
func (l Load) Validate() error {
	switch {
	case l.Outstanding < 1:
		return fmt.Errorf("outstanding transactions %d: want at least 1", l.Outstanding)
	case l.Rate < 0:
		return fmt.Errorf("rate %g: want 0 (closed loop) or a positive rate", l.Rate)
	case l.Duration < 0 || l.Count < 0 || l.Warmup < 0:
		return errors.New("duration, count and warm-up must not be negative")
	case l.Duration == 0 && l.Count == 0:
		return errors.New("a round needs a duration or a count")
	}
	return nil
}

// Runner runs rounds; its sequence numbers keep growing across rounds, so
// keys derived from them stay unique in one run.
type Runner struct {
	seq atomic.Int64
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// OnMeasure, when set, is called as each measured phase starts (after
	// the warm-up), e.g. to start profiles.
	OnMeasure func()
}

func (r *Runner) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// Run runs the warm-up, then the measured phase, and returns the measured
// phase's samples. Canceling ctx stops creating transactions and returns
// what was measured so far with ctx's error.
func (r *Runner) Run(ctx context.Context, load Load, op Op) ([]Sample, error) {
	if err := load.Validate(); err != nil {
		return nil, err
	}
	if load.Warmup > 0 {
		r.phase(ctx, Load{Outstanding: load.Outstanding, Rate: load.Rate, Duration: load.Warmup}, op)
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	if r.OnMeasure != nil {
		r.OnMeasure()
	}
	s := r.phase(ctx, load, op)
	return s, ctx.Err()
}

// phase runs one phase and collects its samples.
func (r *Runner) phase(ctx context.Context, load Load, op Op) []Sample {
	var (
		mu      sync.Mutex
		samples []Sample
		created atomic.Int64
	)
	start := r.now()
	// take reserves the next transaction of the phase; false: the phase is over.
	take := func() bool {
		if ctx.Err() != nil {
			return false
		}
		if load.Duration > 0 && !r.now().Before(start.Add(load.Duration)) {
			return false
		}
		if load.Count > 0 && created.Add(1) > load.Count {
			return false
		}
		return true
	}
	one := func(slot int) {
		seq := r.seq.Add(1)
		t0 := r.now()
		kind, code := op(ctx, slot, seq)
		s := Sample{Start: t0, End: r.now(), Kind: kind, Code: code}
		mu.Lock()
		samples = append(samples, s)
		mu.Unlock()
	}
	var wg sync.WaitGroup
	if load.Rate <= 0 {
		for slot := range load.Outstanding {
			wg.Go(func() {
				for take() {
					one(slot)
				}
			})
		}
		wg.Wait()
		return samples
	}
	free := make(chan int, load.Outstanding)
	for slot := range load.Outstanding {
		free <- slot
	}
	interval := time.Duration(float64(time.Second) / load.Rate)
	for i := 0; ; i++ {
		if wait := start.Add(time.Duration(i) * interval).Sub(r.now()); wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
			case <-t.C:
			}
		}
		if !take() {
			break
		}
		var slot int
		select {
		case slot = <-free:
		case <-ctx.Done():
			wg.Wait()
			return samples
		}
		wg.Go(func() {
			defer func() { free <- slot }()
			one(slot)
		})
	}
	wg.Wait()
	return samples
}
