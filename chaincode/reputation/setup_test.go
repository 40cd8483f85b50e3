package reputation

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/contribution"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/internal/testutil"
	"github.com/charter-gov/charter/chaincode/membership"
)

// The cast of the domain tests.
var (
	adminA = testutil.ID("LabAMSP", "Admin@labA")
	adminB = testutil.ID("LabBMSP", "Admin@labB")
	attA   = testutil.ID("LabAMSP", "Attester@labA") // merged_code, documentation, safety_review
	attB   = testutil.ID("LabBMSP", "Attester@labB") // merged_code, red_teaming
	ada    = testutil.ID("LabAMSP", "Ada@labA")      // a recipient
	bob    = testutil.ID("LabBMSP", "Bob@labB")      // a recipient
	judge  = testutil.ID("LabBMSP", "Judge@labB")    // house_a
	carol  = testutil.ID("LabAMSP", "Carol@labA")    // a plain member
	ghost  = testutil.ID("LabAMSP", "Ghost@labA")    // never registered
	gone   = testutil.ID("LabBMSP", "Gone@labB")     // removed
)

func testParams() constitution.Reputation { return constitution.Default().Reputation }

// world is a store with a constitution and the cast registered, and a
// transaction-ID sequence so that every transaction has its own ID.
type world struct {
	t testing.TB
	s core.Store
	m *core.MemStore
	n int
}

func t0() time.Time { return testutil.T0() }

func newWorld(t testing.TB) *world { return newWorldOn(t, core.NewMemStore()) }

// newWorldOn is newWorld on a given store.
func newWorldOn(t testing.TB, s core.Store) *world {
	t.Helper()
	w := &world{t: t, s: s}
	if m, ok := s.(*core.MemStore); ok {
		w.m = m
	}
	_, err := constitution.InstallGenesis(w.tx(adminA, true, t0()), constitution.Default())
	require.NoError(t, err)
	reg := func(admin, id identity.Identity, name string, roles []membership.Role, cats ...contribution.Category) {
		_, err := membership.RegisterFounding(w.tx(admin, true, t0()), membership.FoundingMember{Member: id, Name: name, Roles: roles, AttesterCategories: cats}, "test-genesis")
		require.NoError(t, err)
	}
	att := []membership.Role{membership.RoleAttester}
	reg(adminA, attA, "Attester A", att, contribution.MergedCode, contribution.Documentation, contribution.SafetyReview)
	reg(adminB, attB, "Attester B", att, contribution.MergedCode, contribution.RedTeaming)
	reg(adminA, ada, "Ada", nil)
	reg(adminB, bob, "Bob", nil)
	reg(adminB, judge, "Judge", []membership.Role{membership.RoleHouseA})
	reg(adminA, carol, "Carol", nil)
	reg(adminB, gone, "Gone", nil)
	_, err = membership.Remove(w.tx(adminB, true, t0()), membership.RemoveRequest{Member: gone, Reason: "left"})
	require.NoError(t, err)
	return w
}

// tx returns a transaction with a fresh ID.
func (w *world) tx(caller identity.Identity, admin bool, at time.Time) *core.Tx {
	w.n++
	return &core.Tx{Store: w.s, Caller: core.Caller{Identity: caller, OrgAdmin: admin}, Time: at, TxID: fmt.Sprintf("tx%06d", w.n)}
}

// attest issues an attestation and requires success.
func (w *world) attest(by, to identity.Identity, cat contribution.Category, weight int64, at time.Time) *Attestation {
	w.t.Helper()
	a, err := Attest(w.tx(by, false, at), AttestRequest{Recipient: to, Category: cat, Weight: weight, Evidence: "https://git.example/pr/1"})
	require.NoError(w.t, err)
	return a
}

func (w *world) score(id identity.Identity, at time.Time, cats ...contribution.Category) int64 {
	w.t.Helper()
	v, err := ScoreAt(w.s, id, at, cats)
	require.NoError(w.t, err)
	return v
}

func registerPlain(tx *core.Tx, id identity.Identity) (*membership.Member, error) {
	return membership.Register(tx, membership.RegisterRequest{Member: id, Name: "Endorser"})
}
