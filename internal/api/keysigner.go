package api

import (
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"time"

	gwid "github.com/hyperledger/fabric-gateway/pkg/identity"

	"github.com/charter-gov/charter/chaincode/errcode"
)

// KeySigner signs as a member with its own private key, on the member's
// side of the API (tests, scripts; a browser does the same with
// WebCrypto): it never sends the key, only signatures.
type KeySigner struct {
	mspID   string
	certPEM []byte
	sign    gwid.Sign
}

// LoadKeySigner reads a member's PEM certificate and private key files.
func LoadKeySigner(mspID, certPath, keyPath string) (*KeySigner, error) {
	certPEM, err := os.ReadFile(certPath)
	if err != nil {
		return nil, fmt.Errorf("member certificate: %w", err)
	}
	keyPEM, err := os.ReadFile(keyPath)
	if err != nil {
		return nil, fmt.Errorf("member key: %w", err)
	}
	key, err := gwid.PrivateKeyFromPEM(keyPEM)
	if err != nil {
		return nil, fmt.Errorf("member key %s: %w", keyPath, err)
	}
	sign, err := gwid.NewPrivateKeySign(key)
	if err != nil {
		return nil, fmt.Errorf("member key %s: %w", keyPath, err)
	}
	return &KeySigner{mspID: mspID, certPEM: certPEM, sign: sign}, nil
}

// Signer is the body's "signer": the member's MSP ID and certificate.
func (k *KeySigner) Signer() Signer { return Signer{MspId: k.mspID, Certificate: string(k.certPEM)} }

// Sign returns the DER ECDSA signature, low S, over SHA-256 of msg.
func (k *KeySigner) Sign(msg []byte) ([]byte, error) {
	d := sha256.Sum256(msg)
	return k.sign(d[:])
}

// ProblemError is a problem the API answered.
type ProblemError struct {
	Status  int
	Problem Problem
}

func (e *ProblemError) Error() string {
	s := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	return fmt.Sprintf("HTTP %d %s: %s%s", e.Status, s(e.Problem.Code), s(e.Problem.Detail), errcode.Readable(s(e.Problem.Field), s(e.Problem.Rule)))
}

func problemError(status int, p *Problem, body []byte) error {
	if p == nil {
		d := string(body)
		p = &Problem{Detail: &d}
	}
	return &ProblemError{Status: status, Problem: *p}
}

// Complete finishes a prepared write: signs the proposal, has the server
// endorse it, signs the transaction and submits it with idempotencyKey.
// It returns the job as submitted.
//
// Errors: a *ProblemError with the server's problem (a refusal of the
// chaincode carries its code); transport errors.
func (k *KeySigner) Complete(ctx context.Context, c ClientWithResponsesInterface, prepared *SigningResponse, idempotencyKey string) (*Job, error) {
	if prepared == nil {
		return nil, fmt.Errorf("complete: nothing was prepared")
	}
	sig, err := k.Sign(prepared.Signing.Proposal)
	if err != nil {
		return nil, fmt.Errorf("sign proposal %s: %w", prepared.Signing.TxId, err)
	}
	e, err := c.EndorseSigningWithResponse(ctx, prepared.Signing.Id, EndorseSigningJSONRequestBody{Signature: sig})
	if err != nil {
		return nil, fmt.Errorf("endorse %s: %w", prepared.Signing.TxId, err)
	}
	if e.JSON200 == nil {
		return nil, problemError(e.StatusCode(), e.ApplicationproblemJSONDefault, e.Body)
	}
	sig, err = k.Sign(e.JSON200.Transaction)
	if err != nil {
		return nil, fmt.Errorf("sign transaction %s: %w", prepared.Signing.TxId, err)
	}
	s, err := c.SubmitSigningWithResponse(ctx, prepared.Signing.Id, &SubmitSigningParams{IdempotencyKey: idempotencyKey}, SubmitSigningJSONRequestBody{Signature: sig})
	if err != nil {
		return nil, fmt.Errorf("submit %s: %w", prepared.Signing.TxId, err)
	}
	if s.JSON202 == nil {
		return nil, problemError(s.StatusCode(), s.ApplicationproblemJSONDefault, s.Body)
	}
	return &s.JSON202.Job, nil
}

// AwaitJob polls a job until it is committed or failed, or ctx ends.
func AwaitJob(ctx context.Context, c ClientWithResponsesInterface, id string) (*Job, error) {
	for {
		r, err := c.GetJobWithResponse(ctx, id, nil)
		if err != nil {
			return nil, fmt.Errorf("job %s: %w", id, err)
		}
		if r.JSON200 == nil {
			return nil, problemError(r.StatusCode(), r.ApplicationproblemJSONDefault, r.Body)
		}
		if r.JSON200.Status != JobSubmitted {
			return r.JSON200, nil
		}
		t := time.NewTimer(100 * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return r.JSON200, ctx.Err()
		case <-t.C:
		}
	}
}
