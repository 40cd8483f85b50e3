package contract

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/membership"
	"github.com/charter-gov/charter/chaincode/upgrade"
)

func TestSystemBuildReportsTheRunningBuild(t *testing.T) {
	h := newHarness(t)
	h.cfg.Build = upgrade.Build{Digest: strings.Repeat("ab", 32), Release: "1.1", GoVersion: "go1.26.8", PackageID: "charter_1.1:ff", MSPID: "LabAMSP"}
	h.foundDefault()
	anyone := newIdentity(t, "LabBMSP", "Someone@labB", "client")
	before := h.state.Snapshot()
	res, stub := h.invoke(anyone, 0, "system:Build")
	require.Equal(t, int32(ok), res.Status, res.Message)
	var got upgrade.Build
	require.NoError(t, json.Unmarshal(res.Payload, &got))
	assert.Equal(t, h.cfg.Build, got)
	assert.Empty(t, stub.Events)
	assert.Equal(t, before, h.state.Snapshot(), "a build query writes nothing")

	res, _ = h.invoke(anyone, 0, "system:Build", "extra")
	assert.Contains(t, res.Message, string(errcode.InvalidArgument))

	// A service started without its digest refuses to answer rather than
	// report an empty build.
	h2 := newHarness(t)
	h2.foundDefault()
	res, _ = h2.invoke(anyone, 0, "system:Build")
	assert.True(t, strings.HasPrefix(res.Message, string(errcode.FailedPrecondition)), res.Message)
}

func TestUpgradeSignOffsThroughContract(t *testing.T) {
	h := newHarness(t)
	seatA := newIdentity(t, "LabAMSP", "Seat@labA", "client")
	seatB := newIdentity(t, "LabBMSP", "Seat@labB", "client")
	plain := newIdentity(t, "LabAMSP", "Plain@labA", "client")
	adminA := founderAdmin(t, "LabAMSP")
	id := func(u testIdentity) identity.Identity { return identity.FromCert(u.msp, u.cert) }
	seat := func(u testIdentity) membership.FoundingMember {
		return membership.FoundingMember{Member: id(u), Name: u.cert.Subject.CommonName, Roles: []membership.Role{membership.RoleHouseA}}
	}
	h.foundDefault(seat(seatA), seat(seatB), membership.FoundingMember{Member: id(plain), Name: "Plain"})
	digest := strings.Repeat("0f", 32)
	// The authorisation as an executed decision's effect records it.
	_, err := upgrade.Authorise(&core.Tx{Store: h.state, Time: h.clock, TxID: "exec"}, "dec-1", json.RawMessage(`{"digest":"`+digest+`","sequence":2,"version":"1.1"}`))
	require.NoError(t, err)

	res, _ := h.invoke(plain, 0, "upgrade:Check", digest, "2")
	assert.True(t, strings.HasPrefix(res.Message, string(errcode.FailedPrecondition)), res.Message)

	for _, bad := range []struct {
		who  testIdentity
		req  string
		code errcode.Code
	}{
		{plain, `{"sequence":2,"digest":"` + digest + `"}`, errcode.Forbidden},
		{adminA, `{"sequence":2,"digest":"` + digest + `"}`, errcode.Forbidden},
		{seatA, `{"sequence":2,"digest":"` + strings.Repeat("1e", 32) + `"}`, errcode.FailedPrecondition},
		{seatA, `{"sequence":2,"digest":"` + digest + `","extra":1}`, errcode.InvalidArgument},
	} {
		before := h.state.Snapshot()
		res, stub := h.invoke(bad.who, 0, "upgrade:SignOff", bad.req)
		assert.True(t, strings.HasPrefix(res.Message, string(bad.code)), "%s: %s", bad.req, res.Message)
		assert.Empty(t, stub.Events)
		assert.Equal(t, before, h.state.Snapshot(), "refused sign-off changes nothing")
	}
	for _, u := range []testIdentity{seatA, seatB} {
		res, stub := h.invoke(u, 0, "upgrade:SignOff", `{"sequence":2,"digest":"`+digest+`"}`)
		require.Equal(t, int32(ok), res.Status, res.Message)
		assert.Contains(t, stub.Events, upgrade.EventSignedOff)
	}
	res, _ = h.invoke(plain, 0, "upgrade:Check", digest, "2")
	require.Equal(t, int32(ok), res.Status, res.Message)
	var st upgrade.Status
	require.NoError(t, json.Unmarshal(res.Payload, &st))
	assert.True(t, st.Cleared)
	assert.Equal(t, []string{"LabAMSP", "LabBMSP"}, st.Organisations)
	res, _ = h.invoke(plain, 0, "upgrade:Check", strings.Repeat("1e", 32), "2")
	assert.True(t, strings.HasPrefix(res.Message, string(errcode.FailedPrecondition)), res.Message)
	res, _ = h.invoke(plain, 0, "upgrade:Get", "two")
	assert.True(t, strings.HasPrefix(res.Message, string(errcode.InvalidArgument)), res.Message)
}
