// Package test holds Charter's integration tests. They run against a real
// Fabric network of native processes on 127.0.0.1 — three peer
// organisations, three Raft orderers, TLS, one chaincode service per
// organisation — started by TestMain through network/up.sh and stopped
// through network/down.sh when the tests end.
//
// Set CHARTER_REUSE_NETWORK=1 to run against a network that is already up
// (make up); it is then left running. CHARTER_STATE_DIR and
// CHARTER_PORT_OFFSET (see network/README.md) run the tests on a second
// network beside the first.
//
// TestPartnerOnItsOwnHost runs a fourth organisation in its own Linux
// network namespace (network/partner.sh) and needs root; it skips, saying
// so, otherwise. CHARTER_TEST_PARTNER names the partner (default LabD).
package test
