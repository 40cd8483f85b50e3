package delegation

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/internal/testutil"
	"github.com/charter-gov/charter/chaincode/membership"
)

func TestStatement(t *testing.T) {
	s := core.NewMemStore()
	admin := testutil.ID("LabAMSP", "admin")
	ada, bob := testutil.ID("LabAMSP", "ada"), testutil.ID("LabAMSP", "bob")
	t0 := testutil.T0()
	for _, id := range []string{"ada", "bob"} {
		_, err := membership.Register(testutil.Tx(s, admin, true, t0), membership.RegisterRequest{Member: testutil.ID("LabAMSP", id), Name: id})
		require.NoError(t, err)
	}
	_, err := StatementOf(s, ada)
	require.ErrorIs(t, err, errcode.ErrNotFound)

	tx := testutil.Tx(s, ada, false, t0.Add(time.Minute))
	st, err := SetStatement(tx, StatementRequest{Text: "I vote for open evaluations.\nAsk me anything."})
	require.NoError(t, err)
	assert.Equal(t, ada, st.Member)
	got, err := StatementOf(s, ada)
	require.NoError(t, err)
	assert.Equal(t, st, got)
	_, err = SetStatement(testutil.Tx(s, ada, false, t0.Add(2*time.Minute)), StatementRequest{Text: "Changed my mind."})
	require.NoError(t, err)
	got, err = StatementOf(s, ada)
	require.NoError(t, err)
	assert.Equal(t, "Changed my mind.", got.Text, "the latest replaces the earlier")
	assert.Equal(t, t0.Add(2*time.Minute), got.UpdatedAt)

	refusals := []struct {
		name   string
		caller func() *core.Tx
		text   string
		code   errcode.Code
		msg    string
	}{
		{"a non-member", func() *core.Tx { return testutil.Tx(s, testutil.ID("LabBMSP", "stranger"), false, t0) }, "hi", errcode.Forbidden, "not an active member"},
		{"an organisation admin is no member here", func() *core.Tx { return testutil.Tx(s, admin, true, t0) }, "I speak for ada", errcode.Forbidden, "not an active member"},
		{"empty text", func() *core.Tx { return testutil.Tx(s, bob, false, t0) }, "", errcode.InvalidArgument, "delegate statement"},
		{"too long", func() *core.Tx { return testutil.Tx(s, bob, false, t0) }, strings.Repeat("x", MaxStatementRunes+1), errcode.InvalidArgument, "delegate statement"},
		{"a control character", func() *core.Tx { return testutil.Tx(s, bob, false, t0) }, "hi\x00", errcode.InvalidArgument, "delegate statement"},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			before := s.Snapshot()
			_, err := SetStatement(tt.caller(), StatementRequest{Text: tt.text})
			require.ErrorIs(t, err, tt.code.Sentinel())
			assert.Contains(t, err.Error(), tt.msg)
			assert.Equal(t, before, s.Snapshot(), "a refusal changes nothing")
		})
	}
	_, err = StatementOf(s, bob)
	require.ErrorIs(t, err, errcode.ErrNotFound, "bob's refused statements left nothing")
}
