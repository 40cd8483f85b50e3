package membership_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/internal/testutil"
	. "github.com/charter-gov/charter/chaincode/membership"
)

func batchOf(msp string, n int) RegisterBatchRequest {
	var req RegisterBatchRequest
	for i := range n {
		req.Members = append(req.Members, RegisterRequest{Member: testutil.ID(msp, fmt.Sprintf("voter%04d", i)), Name: fmt.Sprintf("Voter %d", i)})
	}
	return req
}

// An organisation admin registers many plain members in one transaction:
// every record, its shard index entry, one event listing them all; the
// same bytes as one registration each would write.
func TestRegisterBatch(t *testing.T) {
	s := core.NewMemStore()
	req := batchOf("LabAMSP", 3)
	tx := testutil.Tx(s, adminA, true, testutil.T0())
	res, err := RegisterBatch(tx, req)
	require.NoError(t, err)
	require.Len(t, res.Members, 3)
	require.NotNil(t, tx.Event())
	assert.Equal(t, EventRegisteredBatch, tx.Event().Type)
	for i, r := range req.Members {
		got, err := Get(s, r.Member)
		require.NoError(t, err)
		assert.Equal(t, res.Members[i], *got)
		assert.Equal(t, []Role{RoleMember}, got.Roles)
		assert.Equal(t, adminA, got.RegisteredBy)
	}

	one := core.NewMemStore()
	for _, r := range req.Members {
		_, err := Register(testutil.Tx(one, adminA, true, testutil.T0()), r)
		require.NoError(t, err)
	}
	assert.Equal(t, one.Snapshot(), s.Snapshot(), "a batch writes what single registrations write")

	full, err := RegisterBatch(testutil.Tx(core.NewMemStore(), adminA, true, testutil.T0()), batchOf("LabAMSP", MaxBatch))
	require.NoError(t, err)
	assert.Len(t, full.Members, MaxBatch)
}

// A batch is all or nothing: any member refused refuses the batch, names
// its index, and nothing is written.
func TestRegisterBatchRefusalsChangeNothing(t *testing.T) {
	mixed := batchOf("LabAMSP", 3)
	mixed.Members[2].Member = testutil.ID("LabBMSP", "intruder")
	dup := batchOf("LabAMSP", 3)
	dup.Members[2] = dup.Members[0]
	role := batchOf("LabAMSP", 2)
	role.Members[1].Roles = []Role{RoleHouseA}
	noName := batchOf("LabAMSP", 2)
	noName.Members[1].Name = " "
	active := batchOf("LabAMSP", 2)
	active.Members[1].Member = ada
	tests := []struct {
		name string
		req  RegisterBatchRequest
		want error
		text string
	}{
		{"empty", RegisterBatchRequest{}, errcode.ErrInvalidArgument, "1..500"},
		{"too many", batchOf("LabAMSP", MaxBatch+1), errcode.ErrInvalidArgument, "501 members"},
		{"another organisation's member", mixed, errcode.ErrForbidden, "member 2"},
		{"listed twice", dup, errcode.ErrInvalidArgument, "member 2"},
		{"a role", role, errcode.ErrForbidden, "member 1"},
		{"a blank name", noName, errcode.ErrInvalidArgument, "member 1"},
		{"already active", active, errcode.ErrConflict, "member 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := seeded(t)
			before, writes := s.Snapshot(), s.Writes
			tx := testutil.Tx(s, adminA, true, testutil.T0())
			_, err := RegisterBatch(tx, tt.req)
			require.ErrorIs(t, err, tt.want)
			assert.Contains(t, err.Error(), tt.text)
			assert.Equal(t, before, s.Snapshot(), "state unchanged")
			assert.Equal(t, writes, s.Writes)
			assert.Nil(t, tx.Event())
		})
	}
	// A plain member is no admin.
	s := seeded(t)
	_, err := RegisterBatch(testutil.Tx(s, ada, false, testutil.T0()), batchOf("LabAMSP", 1))
	assert.ErrorIs(t, err, errcode.ErrForbidden)
}
