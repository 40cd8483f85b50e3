package effects_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/contribution"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/decision"
	. "github.com/charter-gov/charter/chaincode/decision/effects"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/internal/testutil"
	"github.com/charter-gov/charter/chaincode/membership"
	"github.com/charter-gov/charter/chaincode/reputation"
	"github.com/charter-gov/charter/chaincode/token"
	"github.com/charter-gov/charter/chaincode/treasury"
)

// The attack table of docs/capture.md, domain rows: the decision effects
// that are now the only paths to roles carrying power, to new tokens and to
// House A seats. Each refusal names the rule and changes nothing.

var (
	capAdmin = testutil.ID("LabAMSP", "Admin@labA")
	ada      = testutil.ID("LabAMSP", "User1@labA")    // plain member
	guard    = testutil.ID("LabAMSP", "Guard@labA")    // guardian
	att      = testutil.ID("LabBMSP", "Att@labB")      // attester in red_teaming and safety_review
	tres     = testutil.ID("FoundationMSP", "Tres@fo") // treasurer
	ghost    = testutil.ID("LabBMSP", "Ghost@labB")    // never registered
)

type capWorld struct {
	s   *core.MemStore
	cur *constitution.Version
	n   int
}

func newCapWorld(t *testing.T, mutate ...func(*constitution.Document)) *capWorld {
	t.Helper()
	s := core.NewMemStore()
	doc := constitution.Default()
	for _, m := range mutate {
		m(&doc)
	}
	_, err := constitution.InstallGenesis(testutil.Tx(s, capAdmin, true, testutil.T0()), doc)
	require.NoError(t, err)
	for _, id := range []identity.Identity{ada, guard, att, tres} {
		adminOf := identity.Identity{MSPID: id.MSPID, ID: "x509::CN=Admin::CN=ca"}
		_, err := membership.Register(testutil.Tx(s, adminOf, true, testutil.T0()), membership.RegisterRequest{Member: id, Name: "M"})
		require.NoError(t, err)
	}
	// Initial roles as the genesis gives them: by decision.
	tx := testutil.Tx(s, capAdmin, false, testutil.T0())
	_, err = membership.GrantRoleByDecision(tx, guard, membership.RoleGuardian, "genesis")
	require.NoError(t, err)
	_, err = membership.GrantRoleByDecision(tx, tres, membership.RoleTreasurer, "genesis")
	require.NoError(t, err)
	_, err = membership.GrantAttesterByDecision(tx, att, []contribution.Category{contribution.RedTeaming, contribution.SafetyReview}, "genesis")
	require.NoError(t, err)
	cur, err := constitution.Current(s)
	require.NoError(t, err)
	return &capWorld{s: s, cur: cur}
}

func (w *capWorld) tx(at time.Time) *core.Tx {
	w.n++
	tx := testutil.Tx(w.s, capAdmin, false, at)
	tx.TxID = tx.TxID + "-" + string(rune('a'+w.n%26)) + string(rune('a'+w.n/26))
	return tx
}

func raw(t *testing.T, v any) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return b
}

func effectOf(t *testing.T, typ constitution.DecisionType) decision.Effect {
	t.Helper()
	for _, e := range All() {
		if e.Type == typ {
			return e
		}
	}
	t.Fatalf("no effect for %s", typ)
	return decision.Effect{}
}

// refusedEverywhere checks a payload is refused with code and message both
// at proposal (Check) and at execution (Apply), and that nothing changed.
func refusedEverywhere(t *testing.T, w *capWorld, typ constitution.DecisionType, payload json.RawMessage, code errcode.Code, want string) {
	t.Helper()
	eff := effectOf(t, typ)
	before, writes := w.s.Snapshot(), w.s.Writes
	err := eff.Check(w.s, w.cur, payload)
	assert.Equal(t, code, errcode.CodeOf(err), "check: %v", err)
	assert.ErrorContains(t, err, want)
	tx := w.tx(testutil.T0().Add(time.Hour))
	_, err = eff.Apply(tx, &decision.Decision{ID: "d-attack", Type: typ, Payload: payload})
	assert.Equal(t, code, errcode.CodeOf(err), "apply: %v", err)
	assert.ErrorContains(t, err, want)
	assert.Equal(t, before, w.s.Snapshot(), "nothing changed")
	assert.Equal(t, writes, w.s.Writes, "nothing written")
	assert.Nil(t, tx.Event(), "no event")
}

func TestRoleDecisionRefusals(t *testing.T) {
	rp := func(member identity.Identity, role membership.Role, cats ...contribution.Category) RolePayload {
		return RolePayload{Member: member, Role: role, AttesterCategories: cats}
	}
	tests := []struct {
		name    string
		typ     constitution.DecisionType
		payload any
		code    errcode.Code
		want    string
	}{
		{"a House A seat through role_grant", constitution.RoleGrant, rp(ada, membership.RoleHouseA), errcode.FailedPrecondition, "house_a role is granted only by a seat_confirmation decision"},
		{"treasurer through role_grant (House A alone)", constitution.RoleGrant, rp(ada, membership.RoleTreasurer), errcode.FailedPrecondition, "treasurer role is granted only by a office_grant decision"},
		{"grants administrator through role_grant", constitution.RoleGrant, rp(ada, membership.RoleGrantsAdmin), errcode.FailedPrecondition, "office_grant"},
		{"guardian through office_grant", constitution.OfficeGrant, rp(ada, membership.RoleGuardian), errcode.FailedPrecondition, "guardian role is granted only by a role_grant decision"},
		{"House A seat removed through role_revoke", constitution.RoleRevoke, rp(ada, membership.RoleHouseA), errcode.FailedPrecondition, "withdrawn only by a seat_removal decision"},
		{"treasurer withdrawn through role_revoke", constitution.RoleRevoke, rp(tres, membership.RoleTreasurer), errcode.FailedPrecondition, "withdrawn only by a office_revoke decision"},
		{"a grant through a revoke type", constitution.OfficeRevoke, rp(ada, membership.RoleGuardian), errcode.FailedPrecondition, "role_revoke"},
		{"the plain member role", constitution.RoleGrant, rp(ada, membership.RoleMember), errcode.InvalidArgument, "carries no power"},
		{"an unknown role", constitution.RoleGrant, rp(ada, "king"), errcode.InvalidArgument, `unknown role "king"`},
		{"attester without categories", constitution.RoleGrant, rp(ada, membership.RoleAttester), errcode.InvalidArgument, "name at least one"},
		{"attester in an unknown category", constitution.RoleGrant, rp(ada, membership.RoleAttester, "astrology"), errcode.InvalidArgument, "astrology"},
		{"categories for a guardian", constitution.RoleGrant, rp(ada, membership.RoleGuardian, contribution.MergedCode), errcode.InvalidArgument, "only for the attester role"},
		{"a non-member", constitution.RoleGrant, rp(ghost, membership.RoleGuardian), errcode.NotFound, "not registered"},
		{"a guardian twice", constitution.RoleGrant, rp(guard, membership.RoleGuardian), errcode.Conflict, "already holds the guardian role"},
		{"attester categories already held", constitution.RoleGrant, rp(att, membership.RoleAttester, contribution.RedTeaming), errcode.Conflict, "already holds the attester role in red_teaming"},
		{"withdraw a role not held", constitution.RoleRevoke, rp(ada, membership.RoleGuardian), errcode.Conflict, "does not hold the guardian role"},
		{"withdraw a category not held", constitution.RoleRevoke, rp(att, membership.RoleAttester, contribution.MergedCode), errcode.Conflict, "not an attester in merged_code"},
		{"unknown payload field", constitution.RoleGrant, json.RawMessage(`{"member":{"mspId":"LabAMSP","id":"x"},"role":"guardian","admin":true}`), errcode.InvalidArgument, "unknown field"},
		{"no payload", constitution.OfficeGrant, nil, errcode.InvalidArgument, "needs a payload"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newCapWorld(t)
			var payload json.RawMessage
			switch p := tt.payload.(type) {
			case json.RawMessage:
				payload = p
			case nil:
			default:
				payload = raw(t, p)
			}
			refusedEverywhere(t, w, tt.typ, payload, tt.code, tt.want)
		})
	}
}

func TestRoleDecisionsGrantAndWithdraw(t *testing.T) {
	w := newCapWorld(t)
	steps := []struct {
		typ     constitution.DecisionType
		payload RolePayload
		check   func(m *membership.Member) bool
	}{
		{constitution.RoleGrant, RolePayload{Member: ada, Role: membership.RoleGuardian}, func(m *membership.Member) bool { return m.Has(membership.RoleGuardian) }},
		{constitution.RoleGrant, RolePayload{Member: ada, Role: membership.RoleAttester, AttesterCategories: []contribution.Category{contribution.Documentation}}, func(m *membership.Member) bool {
			return m.CanAttest(contribution.Documentation) && !m.CanAttest(contribution.MergedCode)
		}},
		{constitution.OfficeGrant, RolePayload{Member: ada, Role: membership.RoleTreasurer}, func(m *membership.Member) bool { return m.Has(membership.RoleTreasurer) }},
		{constitution.OfficeGrant, RolePayload{Member: ada, Role: membership.RoleGrantsAdmin}, func(m *membership.Member) bool { return m.Has(membership.RoleGrantsAdmin) }},
		{constitution.OfficeRevoke, RolePayload{Member: ada, Role: membership.RoleTreasurer}, func(m *membership.Member) bool { return !m.Has(membership.RoleTreasurer) }},
		{constitution.RoleRevoke, RolePayload{Member: ada, Role: membership.RoleAttester, AttesterCategories: []contribution.Category{contribution.Documentation}}, func(m *membership.Member) bool { return !m.Has(membership.RoleAttester) }},
		{constitution.RoleRevoke, RolePayload{Member: ada, Role: membership.RoleGuardian}, func(m *membership.Member) bool {
			return !m.Has(membership.RoleGuardian) && m.Has(membership.RoleGrantsAdmin)
		}},
	}
	for i, st := range steps {
		eff := effectOf(t, st.typ)
		payload := raw(t, st.payload)
		require.NoError(t, eff.Check(w.s, w.cur, payload), "step %d", i)
		tx := w.tx(testutil.T0().Add(time.Hour))
		out, err := eff.Apply(tx, &decision.Decision{ID: "d-role", Type: st.typ, Payload: payload})
		require.NoError(t, err, "step %d", i)
		m, ok := out.(*membership.Member)
		require.True(t, ok)
		assert.True(t, st.check(m), "step %d: %+v", i, m)
		assert.Nil(t, tx.Event(), "decision.executed is emitted by the engine")
		got, err := membership.Get(w.s, ada)
		require.NoError(t, err)
		assert.Equal(t, m, got, "step %d stored", i)
	}
}

func TestTokenIssuance(t *testing.T) {
	issue := func(amount int64) json.RawMessage {
		return raw(t, treasury.IssuanceRequest{Amount: amount, Memo: "q3 contributors"})
	}
	eff := TokenIssuance()
	t.Run("within the floor on an empty supply, to the treasury", func(t *testing.T) {
		w := newCapWorld(t)
		p := issue(100_000)
		require.NoError(t, eff.Check(w.s, w.cur, p))
		tx := w.tx(testutil.T0().Add(time.Hour))
		out, err := eff.Apply(tx, &decision.Decision{ID: "d-issue", Type: constitution.TokenIssuance, Payload: p})
		require.NoError(t, err)
		iss, ok := out.(*treasury.Issued)
		require.True(t, ok)
		assert.Equal(t, "d-issue", iss.Movement.Decision)
		assert.Equal(t, int64(100_000), iss.Reserve)
		assert.Equal(t, int64(0), iss.Circulating, "tokens in the treasury are not in circulation")
		require.NotNil(t, tx.Event())
		assert.Equal(t, treasury.EventIssued, tx.Event().Type, "the issuance event names the decision")
		acct, err := treasury.GetAccount(w.s, constitution.TreasuryTokenAccount)
		require.NoError(t, err)
		assert.Equal(t, int64(100_000), acct.Balance)
		supply, err := token.Supply(w.s)
		require.NoError(t, err)
		assert.Equal(t, int64(0), supply, "no member holds the new tokens until a spend pays them out")
	})
	tests := []struct {
		name    string
		mutate  func(*constitution.Document)
		payload json.RawMessage
		code    errcode.Code
		want    string
	}{
		{"above the per-decision limit", nil, issue(100_001), errcode.FailedPrecondition, "exceed the 100000 one token_issuance decision may issue"},
		{"past the supply cap", func(d *constitution.Document) { d.Token.SupplyCap = 500 }, issue(501), errcode.FailedPrecondition, "within the supply cap 500"},
		{"issuance switched off", func(d *constitution.Document) { d.Token.MaxIssuanceBps, d.Token.MaxIssuanceUnits = 0, 0 }, issue(1), errcode.FailedPrecondition, "exceed the 0"},
		{"negative amount", nil, issue(-1), errcode.InvalidArgument, "must be between 1"},
		{"zero amount", nil, issue(0), errcode.InvalidArgument, "must be between 1"},
		{"allocations to members (issuance goes to the treasury)", nil, json.RawMessage(`{"allocations":[{"member":{"mspId":"LabAMSP","id":"x"},"amount":1}]}`), errcode.InvalidArgument, "unknown field"},
		{"unknown payload field", nil, json.RawMessage(`{"amount":1,"mintTo":"me"}`), errcode.InvalidArgument, "unknown field"},
		{"memo with a control character", nil, raw(t, treasury.IssuanceRequest{Amount: 1, Memo: "a\x00"}), errcode.InvalidArgument, "control character"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var w *capWorld
			if tt.mutate != nil {
				w = newCapWorld(t, tt.mutate)
			} else {
				w = newCapWorld(t)
			}
			refusedEverywhere(t, w, constitution.TokenIssuance, tt.payload, tt.code, tt.want)
		})
	}
	t.Run("limit re-checked at execution against the tokens issued then", func(t *testing.T) {
		w := newCapWorld(t, func(d *constitution.Document) { d.Token.SupplyCap = 150_000 })
		p := issue(100_000)
		require.NoError(t, eff.Check(w.s, w.cur, p), "at proposal nothing is issued")
		_, err := eff.Apply(w.tx(testutil.T0().Add(time.Hour)), &decision.Decision{ID: "d-first", Type: constitution.TokenIssuance, Payload: p})
		require.NoError(t, err)
		// The second decision, proposed when nothing was issued, now exceeds the cap.
		before, writes := w.s.Snapshot(), w.s.Writes
		tx := w.tx(testutil.T0().Add(2 * time.Hour))
		_, err = eff.Apply(tx, &decision.Decision{ID: "d-second", Type: constitution.TokenIssuance, Payload: p})
		assert.Equal(t, errcode.FailedPrecondition, errcode.CodeOf(err), "%v", err)
		assert.ErrorContains(t, err, "exceed the 50000")
		assert.Equal(t, before, w.s.Snapshot())
		assert.Equal(t, writes, w.s.Writes)
		assert.Nil(t, tx.Event())
	})
	t.Run("the treasury's reserve counts against the limit and the cap", func(t *testing.T) {
		w := newCapWorld(t, func(d *constitution.Document) { d.Token.MaxIssuanceUnits = 0; d.Token.MaxIssuanceBps = 1000 })
		_, err := token.Issue(w.tx(testutil.T0()), token.IssueRequest{Allocations: []token.Allocation{{Member: ada, Amount: 1000}}}, "genesis")
		require.NoError(t, err)
		// 10 % of 1000 circulating: 100.
		_, err = eff.Apply(w.tx(testutil.T0().Add(time.Hour)), &decision.Decision{ID: "d-a", Type: constitution.TokenIssuance, Payload: issue(100)})
		require.NoError(t, err)
		// Now 1100 are issued (1000 circulating, 100 in the treasury): 10 % is 110, not 100.
		refusedEverywhere(t, w, constitution.TokenIssuance, issue(111), errcode.FailedPrecondition, "exceed the 110")
		require.NoError(t, eff.Check(w.s, w.cur, issue(110)))
	})
}

func TestSeatConfirmationNeedsEligibilityAtExecution(t *testing.T) {
	w := newCapWorld(t)
	eff := effectOf(t, constitution.SeatConfirmation)
	p := raw(t, decision.SeatPayload{Member: ada})
	require.NoError(t, eff.Check(w.s, w.cur, p))

	// No reputation: not eligible, refused at execution, nothing changed.
	before, writes := w.s.Snapshot(), w.s.Writes
	tx := w.tx(testutil.T0().Add(time.Hour))
	_, err := eff.Apply(tx, &decision.Decision{ID: "d-seat", Type: constitution.SeatConfirmation, Payload: p})
	assert.Equal(t, errcode.FailedPrecondition, errcode.CodeOf(err), "%v", err)
	assert.ErrorContains(t, err, "not eligible for a House A seat")
	assert.ErrorContains(t, err, "total score 0.000 is below the minimum 500.000")
	assert.Equal(t, before, w.s.Snapshot())
	assert.Equal(t, writes, w.s.Writes)

	// 600 points of red-teaming (from two attesters, within the farming cap) make Ada eligible.
	att2 := testutil.ID("FoundationMSP", "Att2@fo")
	_, err = membership.Register(testutil.Tx(w.s, testutil.ID("FoundationMSP", "x509::CN=Admin::CN=ca"), true, testutil.T0()), membership.RegisterRequest{Member: att2, Name: "A2"})
	require.NoError(t, err)
	_, err = membership.GrantAttesterByDecision(w.tx(testutil.T0()), att2, []contribution.Category{contribution.RedTeaming}, "genesis")
	require.NoError(t, err)
	for i, a := range []identity.Identity{att, att2} {
		tx := testutil.Tx(w.s, a, false, testutil.T0().Add(time.Duration(i+2)*time.Hour))
		_, err := reputation.Attest(tx, reputation.AttestRequest{Recipient: ada, Category: contribution.RedTeaming, Weight: 300, Evidence: "report"})
		require.NoError(t, err)
	}
	out, err := eff.Apply(w.tx(testutil.T0().Add(4*time.Hour)), &decision.Decision{ID: "d-seat", Type: constitution.SeatConfirmation, Payload: p})
	require.NoError(t, err)
	m, ok := out.(*membership.Member)
	require.True(t, ok)
	assert.True(t, m.Has(membership.RoleHouseA))
}

func TestSeatLimitAtExecution(t *testing.T) {
	w := newCapWorld(t, func(d *constitution.Document) { d.Houses[0].MinSeats, d.Houses[0].MaxSeats = 1, 1 })
	_, err := membership.GrantRoleByDecision(w.tx(testutil.T0()), guard, membership.RoleHouseA, "genesis")
	require.NoError(t, err)
	eff := effectOf(t, constitution.SeatConfirmation)
	p := raw(t, decision.SeatPayload{Member: ada})
	err = eff.Check(w.s, w.cur, p)
	assert.Equal(t, errcode.FailedPrecondition, errcode.CodeOf(err), "%v", err)
	assert.ErrorContains(t, err, "House A has 1 seats filled, its maximum")
}
