// Package testutil builds identities and transaction contexts for the
// domain packages' tests.
package testutil

import (
	"time"

	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/identity"
)

// ID returns a well-formed identity of name in msp.
func ID(msp, name string) identity.Identity {
	return identity.Identity{MSPID: msp, ID: "x509::CN=" + name + ",OU=client::CN=ca." + msp}
}

// T0 is the reference transaction time of the tests.
func T0() time.Time { return time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC) }

// Tx returns a transaction on s by caller at t.
func Tx(s core.Store, caller identity.Identity, admin bool, t time.Time) *core.Tx {
	return &core.Tx{Store: s, Caller: core.Caller{Identity: caller, OrgAdmin: admin}, Time: t, TxID: "tx-" + t.Format("150405.000000000")}
}
