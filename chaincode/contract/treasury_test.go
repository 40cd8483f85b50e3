package contract

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/membership"
	"github.com/charter-gov/charter/chaincode/treasury"
)

// A deposit through the contract: recorded pending by one organisation's
// treasurer, refused to the same treasurer and to a treasurer of its
// organisation (a coded error, no write, no event), credited when a
// treasurer of another organisation confirms it.
func TestDepositConfirmationThroughContract(t *testing.T) {
	h := newHarness(t)
	foTres := newIdentity(t, "FoundationMSP", "Tres@foundation", "client")
	aTres := newIdentity(t, "LabAMSP", "Tres@labA", "client")
	aTres2 := newIdentity(t, "LabAMSP", "Tres2@labA", "client")
	fm := func(u testIdentity) membership.FoundingMember {
		return membership.FoundingMember{Member: identity.FromCert(u.msp, u.cert), Name: u.cert.Subject.CommonName, Roles: []membership.Role{membership.RoleTreasurer}}
	}
	h.foundDefault(fm(foTres), fm(aTres), fm(aTres2))

	balance := func() int64 {
		res, _ := h.invoke(aTres, 0, "treasury:Account", "usd")
		require.Equal(t, int32(ok), res.Status, res.Message)
		var a treasury.Account
		require.NoError(t, json.Unmarshal(res.Payload, &a))
		return a.Balance
	}

	res, stub := h.invoke(aTres, 0, "treasury:Deposit", mustArg(t, treasury.DepositRequest{Account: "usd", Amount: 900, Reference: "wire-9", Reason: "sponsor"}))
	require.Equal(t, int32(ok), res.Status, res.Message)
	var d treasury.DepositRecord
	require.NoError(t, json.Unmarshal(res.Payload, &d))
	assert.Equal(t, treasury.DepositPending, d.Status)
	assert.Contains(t, stub.Events, treasury.EventDepositRecorded)
	assert.Equal(t, int64(0), balance(), "recorded, not credited")

	confirm := mustArg(t, treasury.ConfirmDepositRequest{Deposit: d.ID})
	for _, tt := range []struct {
		name   string
		caller testIdentity
		msg    string
	}{
		{"the recorder confirms", aTres, "LabAMSP/Tres@labA recorded it"},
		{"a treasurer of the recorder's organisation confirms", aTres2, "is of LabAMSP, the organisation of LabAMSP/Tres@labA"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := h.state.Snapshot()
			res, stub := h.invoke(tt.caller, 0, "treasury:ConfirmDeposit", confirm)
			require.Equal(t, int32(500), res.Status)
			decoded, found := errcode.Decode(res.Message)
			require.True(t, found, "coded error: %s", res.Message)
			assert.Equal(t, errcode.Forbidden, decoded.Code, res.Message)
			assert.Contains(t, res.Message, tt.msg)
			assert.Equal(t, before, h.state.Snapshot(), "state unchanged")
			assert.Empty(t, stub.Events, "no event")
		})
	}

	res, stub = h.invoke(foTres, 0, "treasury:ConfirmDeposit", confirm)
	require.Equal(t, int32(ok), res.Status, res.Message)
	var out treasury.Deposited
	require.NoError(t, json.Unmarshal(res.Payload, &out))
	assert.Equal(t, treasury.DepositConfirmed, out.Deposit.Status)
	assert.Contains(t, stub.Events, treasury.EventDeposited)
	assert.Equal(t, int64(900), balance())

	res, _ = h.invoke(foTres, 0, "treasury:DepositRecord", d.ID)
	require.Equal(t, int32(ok), res.Status, res.Message)
	var got treasury.DepositRecord
	require.NoError(t, json.Unmarshal(res.Payload, &got))
	assert.Equal(t, treasury.DepositConfirmed, got.Status)
	res, _ = h.invoke(foTres, 0, "treasury:Deposits", "", "")
	require.Equal(t, int32(ok), res.Status, res.Message)
	var page treasury.DepositPage
	require.NoError(t, json.Unmarshal(res.Payload, &page))
	assert.Len(t, page.Deposits, 1)
}

// A pending deposit withdrawn through the contract: refused to a treasurer
// of another organisation (a coded error, no write, no event), withdrawn
// by its recorder (event, record cancelled), and then its confirmation is
// refused with the balance unchanged.
func TestDepositCancellationThroughContract(t *testing.T) {
	h := newHarness(t)
	foTres := newIdentity(t, "FoundationMSP", "Tres@foundation", "client")
	aTres := newIdentity(t, "LabAMSP", "Tres@labA", "client")
	fm := func(u testIdentity) membership.FoundingMember {
		return membership.FoundingMember{Member: identity.FromCert(u.msp, u.cert), Name: u.cert.Subject.CommonName, Roles: []membership.Role{membership.RoleTreasurer}}
	}
	h.foundDefault(fm(foTres), fm(aTres))

	res, _ := h.invoke(aTres, 0, "treasury:Deposit", mustArg(t, treasury.DepositRequest{Account: "usd", Amount: 900, Reference: "wire-9", Reason: "sponsor"}))
	require.Equal(t, int32(ok), res.Status, res.Message)
	var d treasury.DepositRecord
	require.NoError(t, json.Unmarshal(res.Payload, &d))

	refused := func(caller testIdentity, fn, arg string, code errcode.Code, msg string) {
		t.Helper()
		before := h.state.Snapshot()
		res, stub := h.invoke(caller, 0, fn, arg)
		require.Equal(t, int32(500), res.Status)
		decoded, found := errcode.Decode(res.Message)
		require.True(t, found, "coded error: %s", res.Message)
		assert.Equal(t, code, decoded.Code, res.Message)
		assert.Contains(t, res.Message, msg)
		assert.Equal(t, before, h.state.Snapshot(), "state unchanged")
		assert.Empty(t, stub.Events, "no event")
	}
	cancel := mustArg(t, treasury.CancelDepositRequest{Deposit: d.ID, Reason: "returned by the bank"})
	refused(foTres, "treasury:CancelDeposit", cancel, errcode.Forbidden, "only LabAMSP/Tres@labA, who recorded it, withdraws it")
	refused(aTres, "treasury:CancelDeposit", `{"deposit":"`+d.ID+`","reason":"r","amount":1}`, errcode.InvalidArgument, "amount")

	res, stub := h.invoke(aTres, 0, "treasury:CancelDeposit", cancel)
	require.Equal(t, int32(ok), res.Status, res.Message)
	var out treasury.DepositRecord
	require.NoError(t, json.Unmarshal(res.Payload, &out))
	assert.Equal(t, treasury.DepositCancelled, out.Status)
	assert.Equal(t, "returned by the bank", out.CancelReason)
	assert.Contains(t, stub.Events, treasury.EventDepositCancelled)

	refused(foTres, "treasury:ConfirmDeposit", mustArg(t, treasury.ConfirmDepositRequest{Deposit: d.ID}), errcode.FailedPrecondition, "a cancelled deposit is not confirmed")
	res, _ = h.invoke(foTres, 0, "treasury:Account", "usd")
	require.Equal(t, int32(ok), res.Status, res.Message)
	var a treasury.Account
	require.NoError(t, json.Unmarshal(res.Payload, &a))
	assert.Equal(t, int64(0), a.Balance, "never credited")
}
