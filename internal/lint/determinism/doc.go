// Package determinism defines a go/analysis Analyzer that reports
// constructs which can make Hyperledger Fabric chaincode non-deterministic.
//
// Every endorsing peer executes a chaincode transaction independently and
// the resulting read/write sets must be byte-for-byte identical, otherwise
// the endorsements do not match and the transaction is rejected (or, worse,
// peers' world states diverge). The analyzer therefore flags, in every
// non-test (_test.go files are skipped) file of the packages it is run on:
//
//   - clock: calls of (or references to) time.Now, time.Since, time.Until,
//     time.After, time.Tick, time.NewTimer, time.NewTicker, time.Sleep and
//     time.AfterFunc. Use the transaction timestamp
//     (stub.GetTxTimestamp) instead.
//   - rand: imports of math/rand, math/rand/v2 and crypto/rand.
//   - goroutine: go statements.
//   - float: expressions, variables, fields, parameters, conversions and
//     literals of a float32/float64/complex64/complex128 type (or a type
//     whose underlying type is one of those). At most one float finding is
//     reported per source line.
//   - global: package-level var declarations (package-level mutable state
//     survives between transactions and differs between peers). Blank vars
//     (var _ I = T{}) and sentinel errors are allowed: a var whose type is
//     or implements error, initialised by a call returning an error (e.g.
//     errors.New or fmt.Errorf) or by a composite literal (or its address)
//     of an error type, e.g. var ErrNotFound = &codeError{"NOT_FOUND"}.
//   - io: imports of os, os/..., net, net/..., io/ioutil, syscall, unsafe,
//     plugin, runtime and runtime/....
//   - map: for ... range over a map, except the "collect the keys and sort
//     them" idiom: the loop has only a key variable, its body is the single
//     statement s = append(s, k) on a local slice s, and a later statement
//     of the same block sorts s with sort.Strings, sort.Ints, sort.Slice,
//     sort.SliceStable, slices.Sort, slices.SortFunc or slices.SortStableFunc.
//   - errcheck: a call statement whose last result is an error that is
//     dropped, and an error result assigned to the blank identifier. Calls on
//     *strings.Builder, *bytes.Buffer and hash.Hash values, and
//     fmt.Fprint/Fprintf/Fprintln writing to one of those, are exempt because
//     they never fail, and so are fmt.Print, Printf and Println (stdout is
//     never part of the ledger).
//
// # Suppressing a finding
//
// A finding may be suppressed by a directive comment on the same line as
// the finding or on the line directly above it:
//
//	//charter:allow <category> <reason>
//
// where <category> is one of clock, rand, goroutine, float, global, io, map
// or errcheck and <reason> is a non-empty explanation. For package-level
// variables the form
//
//	//charter:allow-global <reason>
//
// is accepted as well. An import finding (rand or io) may also be
// suppressed for a whole file by putting the directive before the package
// clause. A directive with an unknown category or without a reason does not
// suppress anything and is itself reported.
//
// Run it with the command in cmd/charter-lint:
//
//	go run ./cmd/charter-lint ./chaincode/...
package determinism
