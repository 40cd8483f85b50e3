// Command charter-lint checks Charter's Hyperledger Fabric chaincode for
// constructs that would make endorsement non-deterministic across peers
// (clock reads, randomness, goroutines, floating point, package-level state,
// I/O, map iteration order and ignored errors).
//
// Usage:
//
//	go run ./cmd/charter-lint ./chaincode/...
//
// It exits with a non-zero status if any finding is reported. A finding can
// be suppressed with a //charter:allow <category> <reason> comment on the
// same line or the line above; see package
// github.com/charter-gov/charter/internal/lint/determinism.
package main

import (
	"golang.org/x/tools/go/analysis/singlechecker"

	"github.com/charter-gov/charter/internal/lint/determinism"
)

func main() { singlechecker.Main(determinism.Analyzer) }
