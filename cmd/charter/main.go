// Command charter is the command-line client of Charter: it connects to a
// Charter network as one of the profiles the network wrote and runs one
// operation (see `charter --help`).
//
// Exit codes: 0 success; 1 other failure; 2 usage error or
// INVALID_ARGUMENT; 3 FORBIDDEN; 4 NOT_FOUND; 5 CONFLICT;
// 6 FAILED_PRECONDITION; 7 UNKNOWN_OUTCOME or ORDERING_UNAVAILABLE (the
// transaction may or may not have committed; its ID is printed); 8 UNAVAILABLE or DEADLINE_EXCEEDED.
//
// # Conventions every command follows
//
// TestCommandConventions walks the whole command tree and holds every
// command to the checkable items; the others are for review.
//
//   - One verb per meaning, from agreedVerbs (conventions.go): show reads
//     one record (never get/describe/view), list reads many, add/update/
//     remove change one's own records, propose/vote/approve/execute run
//     governance. A new meaning adds its verb there, with what it means.
//   - An Example on every command (groups get their subcommands' first
//     examples), each running the command itself.
//   - Required flags through MarkFlagRequired (requireFlags), choices
//     through MarkFlagsOneRequired and MarkFlagsMutuallyExclusive; a member
//     is named through bindMember (--member PROFILE | --cert FILE | --id
//     ID, with --msp). No hand-written "is required" checks.
//   - Flag names do not collide: --as is the acting profile, --member a
//     member by profile name, --profiles-file the profiles file. No local
//     flag shadows a global one. Old spellings (--profile, --profiles)
//     are accepted through flagAliases only.
//   - Positional arguments through an Args function that returns a
//     usageError naming what is expected (noArgs, oneID, oneDecision).
//   - Anything refused before RunE starts, and any usageError, is a usage
//     error: exit 2, one line "charter: …" then that command's usage. Under
//     -o json every error is one JSON object on stderr, {code, message,
//     field, rule, txId, exitCode} (code USAGE for usage errors). A
//     refusal's field and rule read "(field amount, rule balance)" in
//     text, never as the wire marker (errorText).
//   - Results are printed only through formatter.print (text for people,
//     JSON for programs); members appear as "Name (LabAMSP)" or
//     "LabAMSP/User1" in text, full identities in JSON.
//   - The acting profile is never a silent default: --as, $CHARTER_PROFILE,
//     or the saved default of 'charter profile use'; a FORBIDDEN refusal
//     names the profile that acted when --as did not.
//   - Completion: --as and --member complete profile names; a ballot or
//     decision command whose Use takes an ID completes IDs from the ledger.
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
