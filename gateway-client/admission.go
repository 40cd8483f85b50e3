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

// ProposePartnerRemoval is ProposeDecision for a partner_removal decision
// naming an organisation a partner_admission decision admitted, and why
// it is removed. Once executed, admission:Get shows the removal, and the
// configuration update that takes the organisation out of the channel
// (network/admit.sh --remove) may be signed.
//
// Errors: as ProposeDecision; ErrInvalidArgument (a malformed payload),
// ErrNotFound (no admission of that MSP ID), ErrConflict (already
// removed), ErrFailedPrecondition (a founding organisation).
func (c *Client) ProposePartnerRemoval(ctx context.Context, title, description string, p admission.RemovalPayload) (*decision.Decision, error) {
	payload, err := json.Marshal(p)
	if err != nil {
		return nil, &Error{Code: CodeInvalidArgument, Message: fmt.Sprintf("encode partner removal: %v", err), Err: err}
	}
	return c.ProposeDecision(ctx, decision.ProposeRequest{Type: constitution.PartnerRemoval, Title: title, Description: description, Payload: payload})
}

// Admission evaluates admission:Get: the organisation an executed
// partner_admission decision admitted, with its removal when an executed
// partner_removal decision removed it.
//
// Errors: ErrNotFound (no such decision executed), ErrInvalidArgument.
func (c *Client) Admission(ctx context.Context, mspID string) (*admission.Admission, error) {
	var a admission.Admission
	if err := c.evaluate(ctx, txAdmissionGet, &a, mspID); err != nil {
		return nil, err
	}
	return &a, nil
}
