package globals

import (
	"errors"
	"fmt"
)

type Store interface{ Get(string) string }

type memStore struct{}

func (memStore) Get(string) string { return "" }

// Interface assertions are allowed.
var _ Store = memStore{}
var _ Store = (*memStore)(nil)

// Sentinel errors are allowed.
var ErrNotFound = errors.New("not found")

var (
	ErrConflict = fmt.Errorf("conflict on %s", "key")
	ErrWrapped  = wrap(ErrNotFound)
)

func wrap(err error) error { return fmt.Errorf("wrapped: %w", err) }

// Sentinels of a custom error type built from a composite literal are allowed.
type codeErr struct{ code string }

func (e *codeErr) Error() string { return e.code }

type valErr struct{ code string }

func (e valErr) Error() string { return e.code }

var (
	ErrForbidden       = &codeErr{"FORBIDDEN"}
	ErrInvalid   error = valErr{"INVALID"}
)

// A composite literal of a type that is not an error is mutable state.
var defaults = &codeHolder{} // want `package-level variable defaults`

type codeHolder struct{ code string }

var counter int // want `determinism: package-level variable counter is mutable state.*\[global\]`

var cache = map[string]string{} // want `package-level variable cache is mutable state`

var (
	a, b = 1, 2 // want `package-level variable a` `package-level variable b`
)

// An error variable that is not initialised by a call is mutable state.
var lastErr error // want `package-level variable lastErr`

// A non-error call result is still mutable state.
var started = start() // want `package-level variable started`

func start() bool { return true }

//charter:allow-global read-only lookup table, never written after init
var codes = map[string]int{"a": 1}

var limits = []int{1, 2} //charter:allow-global read-only, never written

//charter:allow global read-only configuration table
var names = []string{"x"}

//charter:allow-global // want `suppression of "global" has no reason`
var unjustified = 3 // want `package-level variable unjustified`

// Constants and local variables are fine.
const maxKeys = 10

func local() int {
	var n int
	n++
	return n + maxKeys + counter + len(cache) + a + b + codes["a"] + len(limits) + len(names) + unjustified + len(defaults.code)
}

func use() (error, bool) { return lastErr, started }
