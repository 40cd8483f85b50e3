package charter

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// fakeQSCC answers GetTransactionByID with a fixed result or error and
// records the arguments it was given.
type fakeQSCC struct {
	result []byte
	err    error
	name   string
}

func (f *fakeQSCC) EvaluateWithContext(_ context.Context, name string, _ ...client.ProposalOption) ([]byte, error) {
	f.name = name
	return f.result, f.err
}

const someTxID = "961cdd5a405de8ef05c304d89016c48e7b71591105694f618a3c31d0166e72fb"

func processed(t *testing.T, code peer.TxValidationCode) []byte {
	t.Helper()
	raw, err := proto.Marshal(&peer.ProcessedTransaction{ValidationCode: int32(code)})
	require.NoError(t, err)
	return raw
}

func TestTransactionStatus(t *testing.T) {
	tests := []struct {
		name  string
		qscc  *fakeQSCC
		want  *TxStatus
		code  Code
		isErr bool
	}{
		{"valid", &fakeQSCC{result: processed(t, peer.TxValidationCode_VALID)},
			&TxStatus{TxID: someTxID, Found: true, Valid: true, ValidationCode: "VALID"}, "", false},
		{"invalid", &fakeQSCC{result: processed(t, peer.TxValidationCode_MVCC_READ_CONFLICT)},
			&TxStatus{TxID: someTxID, Found: true, ValidationCode: "MVCC_READ_CONFLICT"}, "", false},
		{"not found", &fakeQSCC{err: status.Error(codes.Unknown, "evaluate call to endorser returned error: chaincode response 500, Failed to get transaction with id "+someTxID+", error no such transaction ID ["+someTxID+"] in index")},
			&TxStatus{TxID: someTxID}, "", false},
		{"peer unavailable", &fakeQSCC{err: status.Error(codes.Unavailable, "connection refused")}, nil, CodeUnavailable, true},
		{"undecodable answer", &fakeQSCC{result: []byte{0xff, 0xff}}, nil, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := transactionStatus(t.Context(), tt.qscc, "charter", someTxID)
			assert.Equal(t, "GetTransactionByID", tt.qscc.name)
			if tt.isErr {
				require.Error(t, err)
				if tt.code != "" {
					assert.Equal(t, tt.code, CodeOf(err))
				}
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestTransactionStatusRefusals(t *testing.T) {
	c := New(ada, nil, nil, Config{})
	for _, id := range []string{"", "abc", strings.Repeat("G", 64), strings.ToUpper(someTxID)} {
		_, err := c.TransactionStatus(t.Context(), id)
		assert.True(t, errors.Is(err, ErrInvalidArgument), "%q: %v", id, err)
	}
	_, err := c.TransactionStatus(t.Context(), someTxID)
	assert.True(t, errors.Is(err, ErrFailedPrecondition), "a Client made by New has no ledger access: %v", err)
}
