// Package core holds what every Charter domain package shares: the Store the
// rules read and write, Fabric-compatible composite keys, the transaction
// context (caller, transaction time, the one event a transaction emits) and
// an in-memory Store for tests.
//
// Nothing here imports Fabric. Everything here is deterministic: time comes
// from the transaction (Tx.Time), never from the clock, and Store scans
// return keys in sorted order.
package core
