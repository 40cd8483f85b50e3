package charter

import (
	"context"
	"fmt"
	"strings"

	"github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/protobuf/proto"
)

// TxStatus is what the ledger says of a transaction ID.
type TxStatus struct {
	TxID string `json:"txId"`
	// Found is false when no block on the gateway peer holds the
	// transaction (yet): it was never ordered, or its block has not reached
	// this peer.
	Found bool `json:"found"`
	// Valid is true when the transaction committed with code VALID, so its
	// writes are in the world state.
	Valid bool `json:"valid"`
	// ValidationCode is Fabric's validation code, e.g. VALID or
	// MVCC_READ_CONFLICT; empty when not found.
	ValidationCode string `json:"validationCode,omitempty"`
}

// ledgerContract is what TransactionStatus needs of the qscc contract.
type ledgerContract interface {
	EvaluateWithContext(ctx context.Context, transactionName string, options ...client.ProposalOption) ([]byte, error)
}

// TransactionStatus looks a transaction up on the ledger by ID (qscc
// GetTransactionByID). Use it to settle an UNKNOWN_OUTCOME before
// submitting again: a transaction that is Found and Valid must not be
// resubmitted; one that is Found but not Valid changed nothing; one that
// is not Found may still arrive, or may have been lost with a failing
// orderer — check again after a few seconds.
//
// Errors: INVALID_ARGUMENT for a malformed ID; the common ones (see the
// transaction methods) when the peer cannot be asked; FAILED_PRECONDITION
// on a Client made by New, which has no ledger access.
func (c *Client) TransactionStatus(ctx context.Context, txID string) (*TxStatus, error) {
	if len(txID) != 64 || strings.Trim(txID, "0123456789abcdef") != "" {
		return nil, &Error{Code: CodeInvalidArgument, Message: fmt.Sprintf("transaction ID %q: want 64 lowercase hex digits", txID)}
	}
	if c.ledger == nil {
		return nil, &Error{Code: CodeFailedPrecondition, Message: "transaction status: this client has no ledger access (made by New, not Connect)"}
	}
	return transactionStatus(ctx, c.ledger, c.cfg.Channel, txID)
}

func transactionStatus(ctx context.Context, qscc ledgerContract, channel, txID string) (*TxStatus, error) {
	raw, err := qscc.EvaluateWithContext(ctx, "GetTransactionByID", client.WithArguments(channel, txID))
	if err != nil {
		// qscc answers an unknown ID with an error whose text says so.
		if strings.Contains(describe(err), "Failed to get transaction with id") || strings.Contains(describe(err), "no such transaction ID") {
			return &TxStatus{TxID: txID}, nil
		}
		return nil, mapError(fmt.Errorf("look up transaction %s: %w", txID, err))
	}
	var ptx peer.ProcessedTransaction
	if err := proto.Unmarshal(raw, &ptx); err != nil {
		return nil, fmt.Errorf("decode transaction %s from qscc: %w", txID, err)
	}
	code := peer.TxValidationCode(ptx.GetValidationCode())
	return &TxStatus{TxID: txID, Found: true, Valid: code == peer.TxValidationCode_VALID, ValidationCode: code.String()}, nil
}
