// Package ballot is Charter's ballot engine: the lifecycle of a ballot, the
// choices it offers, the weight and tally rules of every voting family
// (token, delegated, quadratic, reputation, seat) and Likert polls, and the
// paged tally that lets a ballot with 100,000 votes close on Fabric.
//
// # Lifecycle
//
// Stored statuses are advanced only by transactions; three more are derived
// from the transaction time when a ballot is read or voted on:
//
//	pending ──(time ≥ opensAt, derived)──▶ active ──(time ≥ endsAt, derived)──▶ ended
//	pending ──Close (anyone, time ≥ endsAt)──▶ closed
//	closed ──Tally pages (anyone)──▶ succeeded | defeated   (decisions)
//	closed ──Tally pages (anyone)──▶ completed              (polls)
//	succeeded ──Queue (anyone)──▶ queued ──Execute (anyone, time ≥ eta)──▶ executed
//	queued ──(time > executeBy, derived)──▶ expired
//	pending (a poll, no vote yet) ──Cancel (its proposer)──▶ cancelled
//	pending|closed ──PauseBallot (k guardians of ≥ m organisations)──▶ paused until pause.until
//
// Create makes polls; decision ballots are opened by the decision engine
// through Open. Nobody cancels a decision's or an appeal ballot; guardians
// only pause (pause.go). Vouching and the organisation cap are in
// safeguards.go.
//
// A vote is accepted only when the stored status is pending and the
// transaction time is in [opensAt, endsAt): once Close has committed, a
// late vote is refused by status, and a vote endorsed before Close but
// committed after it fails validation, because it read the ballot record
// Close rewrote.
//
// # Data design
//
// Every vote is its own key; casting reads the ballot record and the
// voter's own records (membership, and for token and reputation ballots the
// voter's own balance or score) and writes only the voter's key. There is
// no shared counter. Weights are computed at tally time, as of opensAt.
//
//	"ballot" ~ id                              → Ballot (written by Create/Open, Close, the last Tally page, Queue, Execute, Cancel, the Pause that puts it in force)
//	"emergency-support" ~ "ballot" ~ id ~ msp ~ guardianID → emergency.Support (written only by that guardian; see chaincode/emergency)
//	"ballot-vote" ~ id ~ shard ~ msp ~ voterID → Vote   (written only by that voter)
//	"ballot-tally" ~ id                        → TallyState (written only by Tally transactions, which run one after another)
//
// shard is two hex digits of SHA-256(msp, voterID): Fabric's shim cannot
// start a range query in the middle of a composite-key range, so the 256
// shards are what lets a tally page resume where the previous one stopped.
//
// Determinism: no clock (time is Tx.Time), no floating point (weights and
// sums are math/big integers, quadratic costs are checked int64, the Likert
// mean is an exact fraction and a fixed-point value), no map iteration.
package ballot
