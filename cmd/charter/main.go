// Command charter is the command-line client of Charter: it connects to a
// Charter network as one of the profiles the network wrote and runs one
// operation (see `charter --help`).
//
// Exit codes: 0 success; 1 other failure; 2 usage error or
// INVALID_ARGUMENT; 3 FORBIDDEN; 4 NOT_FOUND; 5 CONFLICT;
// 6 FAILED_PRECONDITION; 7 UNKNOWN_OUTCOME (the transaction may or may not
// have committed; its ID is printed); 8 UNAVAILABLE or DEADLINE_EXCEEDED.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
