package effects_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/admission"
	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/decision"
	. "github.com/charter-gov/charter/chaincode/decision/effects"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/incident"
	"github.com/charter-gov/charter/chaincode/internal/testutil"
	"github.com/charter-gov/charter/chaincode/membership"
	"github.com/charter-gov/charter/chaincode/reputation"
	"github.com/charter-gov/charter/chaincode/upgrade"
)

func TestRegistry(t *testing.T) {
	var types []constitution.DecisionType
	for _, e := range All() {
		types = append(types, e.Type)
		assert.NotNil(t, e.Check, e.Type)
		assert.NotNil(t, e.Apply, e.Type)
	}
	assert.Equal(t, []constitution.DecisionType{constitution.Amendment, constitution.SeatConfirmation, constitution.SeatRemoval, constitution.Slashing,
		constitution.RoleGrant, constitution.RoleRevoke, constitution.OfficeGrant, constitution.OfficeRevoke, constitution.TokenIssuance, constitution.Budget, constitution.TreasurySpend, constitution.ProjectAcceptance,
		constitution.ReleaseStage, constitution.DatasetTakedown, constitution.EmergencyRatification, constitution.ChaincodeUpgrade, constitution.PartnerAdmission, constitution.PartnerRemoval}, types)
}

func TestSlashing(t *testing.T) {
	s := core.NewMemStore()
	admin := testutil.ID("LabAMSP", "Admin@labA")
	ada := testutil.ID("LabAMSP", "User1@labA")
	_, err := constitution.InstallGenesis(testutil.Tx(s, admin, true, testutil.T0()), constitution.Default())
	require.NoError(t, err)
	_, err = membership.Register(testutil.Tx(s, admin, true, testutil.T0()), membership.RegisterRequest{Member: ada, Name: "Ada"})
	require.NoError(t, err)
	cur, err := constitution.Current(s)
	require.NoError(t, err)
	eff := Slashing()
	payload := func(v any) json.RawMessage {
		raw, err := json.Marshal(v)
		require.NoError(t, err)
		return raw
	}
	good := payload(reputation.SlashRequest{Member: ada, FractionBps: 2500, Reason: "vote buying"})
	require.NoError(t, eff.Check(s, cur, good))
	assert.ErrorIs(t, eff.Check(s, cur, nil), errcode.ErrInvalidArgument)
	assert.ErrorIs(t, eff.Check(s, cur, payload(reputation.SlashRequest{Member: ada, Reason: "r"})), errcode.ErrInvalidArgument)
	assert.ErrorIs(t, eff.Check(s, cur, json.RawMessage(`{"member":{},"x":1}`)), errcode.ErrInvalidArgument)
	assert.ErrorIs(t, eff.Check(s, cur, payload(reputation.SlashRequest{Member: testutil.ID("LabBMSP", "Nobody"), FractionBps: 1, Reason: "r"})), errcode.ErrNotFound)

	tx := testutil.Tx(s, admin, false, testutil.T0())
	out, err := eff.Apply(tx, &decision.Decision{ID: "d1", Type: constitution.Slashing, Payload: good})
	require.NoError(t, err)
	rec, ok := out.(*reputation.SlashRecord)
	require.True(t, ok)
	assert.Equal(t, "d1", rec.Decision)
	assert.Equal(t, reputation.AuthorityDecision, rec.Authority)
	require.NotNil(t, tx.Event(), "the slash emits the governance-incident event")

	// The execution records the slashing in the incident register.
	p, err := incident.List(s, incident.ListRequest{Kind: incident.Slashing})
	require.NoError(t, err)
	require.Len(t, p.Incidents, 1)
	in := p.Incidents[0]
	assert.Equal(t, "d1", in.Decision)
	assert.Equal(t, incident.Medium, in.Severity, "a 25 % slash is of medium severity")
	assert.Equal(t, incident.SourceAutomatic, in.Source)
	assert.Equal(t, "member:"+ada.MSPID+":"+ada.ID, in.Subject)
	assert.Contains(t, in.Transactions, tx.TxID)
}

func TestChaincodeUpgradeRecordsTheAuthorisation(t *testing.T) {
	s := core.NewMemStore()
	admin := testutil.ID("LabAMSP", "Admin@labA")
	_, err := constitution.InstallGenesis(testutil.Tx(s, admin, true, testutil.T0()), constitution.Default())
	require.NoError(t, err)
	cur, err := constitution.Current(s)
	require.NoError(t, err)
	eff := ChaincodeUpgrade()
	digest := "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	good := json.RawMessage(`{"digest":"` + digest + `","sequence":2,"version":"1.1"}`)
	require.NoError(t, eff.Check(s, cur, good))
	for _, bad := range []string{``, `{"digest":"abc","sequence":2,"version":"1.1"}`, `{"digest":"` + digest + `","sequence":1,"version":"1.1"}`, `{"digest":"` + digest + `","sequence":2}`} {
		assert.ErrorIs(t, eff.Check(s, cur, json.RawMessage(bad)), errcode.ErrInvalidArgument, bad)
	}

	tx := testutil.Tx(s, admin, false, testutil.T0())
	out, err := eff.Apply(tx, &decision.Decision{ID: "up-1", Type: constitution.ChaincodeUpgrade, Payload: good})
	require.NoError(t, err)
	a, ok := out.(*upgrade.Authorisation)
	require.True(t, ok)
	assert.Equal(t, upgrade.Authorisation{Decision: "up-1", Digest: digest, Sequence: 2, Version: "1.1", AuthorisedAt: testutil.T0(), TxID: tx.TxID}, *a)
	require.NotNil(t, tx.Event())
	assert.Equal(t, upgrade.EventAuthorised, tx.Event().Type)

	// A second decision for the same sequence is refused at proposal and
	// at execution, and changes nothing.
	before := s.Snapshot()
	other := json.RawMessage(`{"digest":"` + digest[1:] + `f","sequence":2,"version":"1.1"}`)
	assert.ErrorIs(t, eff.Check(s, cur, other), errcode.ErrConflict)
	_, err = eff.Apply(testutil.Tx(s, admin, false, testutil.T0()), &decision.Decision{ID: "up-2", Type: constitution.ChaincodeUpgrade, Payload: other})
	assert.ErrorIs(t, err, errcode.ErrConflict)
	assert.Equal(t, before, s.Snapshot())
}

func TestPartnerAdmissionRecordsTheOrganisation(t *testing.T) {
	s := core.NewMemStore()
	admin := testutil.ID("LabAMSP", "Admin@labA")
	_, err := constitution.InstallGenesis(testutil.Tx(s, admin, true, testutil.T0()), constitution.Default())
	require.NoError(t, err)
	cur, err := constitution.Current(s)
	require.NoError(t, err)
	eff := PartnerAdmission()
	d1, d2 := "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
	good := json.RawMessage(`{"mspId":"LabCMSP","name":"Lab C","rootCaDigests":["` + d1 + `"],"tlsCaDigests":["` + d2 + `"],"peerEndpoints":["10.77.0.2:7051"]}`)
	require.NoError(t, eff.Check(s, cur, good))
	for _, bad := range []string{``, `{"mspId":"LabCMSP"}`, `{"mspId":"LabCMSP","name":"Lab C","rootCaDigests":["` + d1 + `"],"tlsCaDigests":["` + d2 + `"],"peerEndpoints":["127.0.0.1:7051"]}`} {
		assert.ErrorIs(t, eff.Check(s, cur, json.RawMessage(bad)), errcode.ErrInvalidArgument, bad)
	}

	tx := testutil.Tx(s, admin, false, testutil.T0())
	out, err := eff.Apply(tx, &decision.Decision{ID: "adm-1", Type: constitution.PartnerAdmission, Payload: good})
	require.NoError(t, err)
	a, ok := out.(*admission.Admission)
	require.True(t, ok)
	assert.Equal(t, "LabCMSP", a.MSPID)
	assert.Equal(t, "adm-1", a.Decision)
	require.NotNil(t, tx.Event())
	assert.Equal(t, admission.EventRecorded, tx.Event().Type)

	// The same organisation again: refused at proposal and at execution,
	// nothing changed.
	before := s.Snapshot()
	assert.ErrorIs(t, eff.Check(s, cur, good), errcode.ErrConflict)
	_, err = eff.Apply(testutil.Tx(s, admin, false, testutil.T0()), &decision.Decision{ID: "adm-2", Type: constitution.PartnerAdmission, Payload: good})
	assert.ErrorIs(t, err, errcode.ErrConflict)
	assert.Equal(t, before, s.Snapshot())
}

func TestPartnerRemovalMarksTheOrganisationRemoved(t *testing.T) {
	s := core.NewMemStore()
	admin := testutil.ID("LabAMSP", "Admin@labA")
	_, err := constitution.InstallGenesis(testutil.Tx(s, admin, true, testutil.T0()), constitution.Default())
	require.NoError(t, err)
	cur, err := constitution.Current(s)
	require.NoError(t, err)
	d1, d2 := "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
	admit := json.RawMessage(`{"mspId":"LabCMSP","name":"Lab C","rootCaDigests":["` + d1 + `"],"tlsCaDigests":["` + d2 + `"],"peerEndpoints":["10.77.0.2:7051"]}`)
	remove := json.RawMessage(`{"mspId":"LabCMSP","reason":"left the consortium"}`)
	eff := PartnerRemoval()

	// Before any admission: nothing to remove (NOT_FOUND), nothing changed.
	before := s.Snapshot()
	assert.ErrorIs(t, eff.Check(s, cur, remove), errcode.ErrNotFound)
	_, err = eff.Apply(testutil.Tx(s, admin, false, testutil.T0()), &decision.Decision{ID: "rm-0", Type: constitution.PartnerRemoval, Payload: remove})
	assert.ErrorIs(t, err, errcode.ErrNotFound)
	assert.Equal(t, before, s.Snapshot())

	_, err = PartnerAdmission().Apply(testutil.Tx(s, admin, false, testutil.T0()), &decision.Decision{ID: "adm-1", Type: constitution.PartnerAdmission, Payload: admit})
	require.NoError(t, err)
	require.NoError(t, eff.Check(s, cur, remove))
	for _, bad := range []string{``, `{"mspId":"LabCMSP"}`, `{"mspId":"LabCMSP","reason":"r","extra":true}`} {
		assert.ErrorIs(t, eff.Check(s, cur, json.RawMessage(bad)), errcode.ErrInvalidArgument, bad)
	}
	tx := testutil.Tx(s, admin, false, testutil.T0())
	out, err := eff.Apply(tx, &decision.Decision{ID: "rm-1", Type: constitution.PartnerRemoval, Payload: remove})
	require.NoError(t, err)
	a, ok := out.(*admission.Admission)
	require.True(t, ok)
	require.NotNil(t, a.Removal)
	assert.Equal(t, "rm-1", a.Removal.Decision)
	assert.Equal(t, "adm-1", a.Decision)
	require.NotNil(t, tx.Event())
	assert.Equal(t, admission.EventRemoved, tx.Event().Type)

	// Removed once: a second removal refused at proposal and at execution.
	before = s.Snapshot()
	assert.ErrorIs(t, eff.Check(s, cur, remove), errcode.ErrConflict)
	_, err = eff.Apply(testutil.Tx(s, admin, false, testutil.T0()), &decision.Decision{ID: "rm-2", Type: constitution.PartnerRemoval, Payload: remove})
	assert.ErrorIs(t, err, errcode.ErrConflict)
	assert.Equal(t, before, s.Snapshot())
}
