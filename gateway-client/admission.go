package charter

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/charter-gov/charter/chaincode/admission"
	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/decision"
)

// Transaction names of partner admissions.
const txAdmissionGet = "admission:Get"

// ProposePartnerAdmission is ProposeDecision for a partner_admission
// decision naming the organisation: its MSP ID, the SHA-256 digests of its
// root and TLS CA certificates and its peers' endpoints (never loopback).
//
// Errors: as ProposeDecision; ErrInvalidArgument (a malformed payload),
// ErrConflict (a founder, or already admitted).
func (c *Client) ProposePartnerAdmission(ctx context.Context, title, description string, p admission.Payload) (*decision.Decision, error) {
	payload, err := json.Marshal(p)
	if err != nil {
		return nil, &Error{Code: CodeInvalidArgument, Message: fmt.Sprintf("encode partner admission: %v", err), Err: err}
	}
	return c.ProposeDecision(ctx, decision.ProposeRequest{Type: constitution.PartnerAdmission, Title: title, Description: description, Payload: payload})
}

// Admission evaluates admission:Get: the organisation an executed
// partner_admission decision admitted.
//
// Errors: ErrNotFound (no such decision executed), ErrInvalidArgument.
func (c *Client) Admission(ctx context.Context, mspID string) (*admission.Admission, error) {
	var a admission.Admission
	if err := c.evaluate(ctx, txAdmissionGet, &a, mspID); err != nil {
		return nil, err
	}
	return &a, nil
}
