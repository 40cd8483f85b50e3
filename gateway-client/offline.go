package charter

import (
	"context"
	"errors"
	"fmt"

	"github.com/hyperledger/fabric-gateway/pkg/client"
	gwid "github.com/hyperledger/fabric-gateway/pkg/identity"
	"github.com/hyperledger/fabric-protos-go-apiv2/gateway"
	"google.golang.org/protobuf/proto"

	"github.com/charter-gov/charter/chaincode/identity"
)

// Offline signing: a service builds a member's transaction with the
// member's certificate only, the member signs its bytes wherever its key
// lives (a browser's key store, a file), and the service endorses and
// submits what was signed. The service never holds the member's key.
//
//	u, _ := c.Prepare(ctx, signer, func(ctx context.Context, as *charter.Client) error {
//		_, err := as.Vote(ctx, req) // any typed transaction method
//		return err
//	})
//	// the member signs u.Message → sig1
//	e, _ := c.EndorseSigned(ctx, u.State, sig1)
//	// the member signs e.Message → sig2
//	txID, _ := c.SubmitSigned(ctx, e.State, sig2)
//
// Each signature is ASN.1 DER ECDSA (P-256, low S) over the SHA-256 of
// Message: exactly what WebCrypto's ECDSA with SHA-256 signs, once its
// r‖s output is converted to DER with a low S.

// Signer is the member who signs offline: its organisation's MSP ID and
// its PEM certificate. No key.
type Signer struct {
	MSPID          string
	CertificatePEM []byte
}

// Unsigned is a transaction proposal built for a member to sign.
type Unsigned struct {
	// TxID is the transaction ID the proposal carries.
	TxID string
	// Transaction is the chaincode transaction name, e.g. "ballot:Vote".
	Transaction string
	// Message is what the member signs: Fabric's proposal bytes (the
	// signature is over their SHA-256).
	Message []byte
	// State is fabric-gateway's serialized proposal, kept by the caller
	// and handed back to EndorseSigned with the signature.
	State []byte
}

// Endorsed is an endorsed transaction for the member to sign.
type Endorsed struct {
	TxID string
	// Message is what the member signs: the transaction envelope's payload.
	Message []byte
	// State is fabric-gateway's serialized transaction, handed back to
	// SubmitSigned with the signature.
	State []byte
	// Result is the chaincode's JSON result of the endorsement.
	Result []byte
}

// errPrepared stops a typed method at its submit: its proposal was built
// and captured instead.
var errPrepared = errors.New("proposal prepared for offline signing")

// Prepare runs call against a Client acting as s that builds the first
// transaction call submits for s to sign, instead of signing and
// submitting it. Queries call makes on the way are evaluated as c's own
// identity. call must submit exactly one transaction.
//
// Errors: INVALID_ARGUMENT when s's certificate is unusable or call
// submitted nothing; FAILED_PRECONDITION on a Client made by New; call's
// own errors (a refused query, a bad argument) unchanged.
func (c *Client) Prepare(ctx context.Context, s Signer, call func(ctx context.Context, as *Client) error) (*Unsigned, error) {
	if c.pool == nil {
		return nil, &Error{Code: CodeFailedPrecondition, Message: "prepare: this client has no gateway connection (made by New, not Connect)"}
	}
	id, err := identity.FromPEM(s.MSPID, s.CertificatePEM)
	if err != nil {
		return nil, &Error{Code: CodeInvalidArgument, Message: fmt.Sprintf("signer certificate: %v", err), Err: err}
	}
	cert, err := gwid.CertificateFromPEM(s.CertificatePEM)
	if err != nil {
		return nil, &Error{Code: CodeInvalidArgument, Message: fmt.Sprintf("signer certificate: %v", err), Err: err}
	}
	x509id, err := gwid.NewX509Identity(s.MSPID, cert)
	if err != nil {
		return nil, &Error{Code: CodeInvalidArgument, Message: fmt.Sprintf("signer identity: %v", err), Err: err}
	}
	ep := c.pool.current()
	// No signer: this gateway can only build proposals.
	gw, err := client.Connect(x509id, client.WithClientConnection(ep.conn))
	if err != nil {
		return nil, fmt.Errorf("offline gateway for %s: %w", id, err)
	}
	defer func() { _ = gw.Close() }()
	cap := &captureContract{
		read:     c.contract,
		contract: gw.GetNetwork(c.cfg.Channel).GetContract(c.cfg.Chaincode),
	}
	as := New(id, cap, c.events, c.cfg)
	as.ledger = c.ledger
	callErr := call(ctx, as)
	if cap.unsigned != nil {
		return cap.unsigned, nil
	}
	if cap.err != nil {
		return nil, cap.err
	}
	if callErr != nil {
		return nil, callErr
	}
	return nil, &Error{Code: CodeInvalidArgument, Message: "prepare: the operation submitted no transaction"}
}

// captureContract evaluates queries through read and captures the first
// submit as an unsigned proposal.
type captureContract struct {
	read     Contract
	contract *client.Contract
	unsigned *Unsigned
	err      error
}

func (cc *captureContract) EvaluateWithContext(ctx context.Context, name string, options ...client.ProposalOption) ([]byte, error) {
	return cc.read.EvaluateWithContext(ctx, name, options...)
}

func (cc *captureContract) SubmitAsyncWithContext(_ context.Context, name string, options ...client.ProposalOption) ([]byte, *client.Commit, error) {
	if cc.unsigned != nil || cc.err != nil {
		return nil, nil, errPrepared
	}
	p, err := cc.contract.NewProposal(name, options...)
	if err != nil {
		cc.err = &Error{Code: CodeInvalidArgument, Message: fmt.Sprintf("build proposal %s: %v", name, err), Err: err}
		return nil, nil, cc.err
	}
	state, err := p.Bytes()
	if err != nil {
		cc.err = fmt.Errorf("serialize proposal %s: %w", name, err)
		return nil, nil, cc.err
	}
	var pt gateway.ProposedTransaction
	if err := proto.Unmarshal(state, &pt); err != nil {
		cc.err = fmt.Errorf("read back proposal %s: %w", name, err)
		return nil, nil, cc.err
	}
	cc.unsigned = &Unsigned{TxID: p.TransactionID(), Transaction: name, Message: pt.GetProposal().GetProposalBytes(), State: state}
	return nil, nil, errPrepared
}

// EndorseSigned endorses a proposal Prepare built, with the member's
// signature over its Message, and returns the endorsed transaction for
// the member to sign.
//
// Errors: INVALID_ARGUMENT when state is not a prepared proposal; the
// chaincode's code when it refuses the transaction (FORBIDDEN,
// NOT_FOUND, …); the common ones when the gateway cannot be reached.
func (c *Client) EndorseSigned(ctx context.Context, state, signature []byte) (*Endorsed, error) {
	if c.pool == nil {
		return nil, &Error{Code: CodeFailedPrecondition, Message: "endorse: this client has no gateway connection (made by New, not Connect)"}
	}
	gw := c.pool.current().gateway
	p, err := gw.NewSignedProposal(state, signature)
	if err != nil {
		return nil, &Error{Code: CodeInvalidArgument, Message: fmt.Sprintf("signed proposal: %v", err), Err: err}
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.EndorseTimeout)
	defer cancel()
	tx, err := p.EndorseWithContext(ctx)
	if err != nil {
		return nil, mapError(err)
	}
	txState, err := tx.Bytes()
	if err != nil {
		return nil, fmt.Errorf("serialize transaction %s: %w", tx.TransactionID(), err)
	}
	var pt gateway.PreparedTransaction
	if err := proto.Unmarshal(txState, &pt); err != nil {
		return nil, fmt.Errorf("read back transaction %s: %w", tx.TransactionID(), err)
	}
	return &Endorsed{TxID: tx.TransactionID(), Message: pt.GetEnvelope().GetPayload(), State: txState, Result: tx.Result()}, nil
}

// SubmitSigned sends an endorsed transaction, with the member's signature
// over its Message, to the orderer and returns its ID without waiting for
// the commit (watch blocks, or TransactionStatus, for the outcome).
//
// Errors: INVALID_ARGUMENT when state is not an endorsed transaction;
// UNKNOWN_OUTCOME when it may have reached the orderer; the common ones.
func (c *Client) SubmitSigned(ctx context.Context, state, signature []byte) (string, error) {
	if c.pool == nil {
		return "", &Error{Code: CodeFailedPrecondition, Message: "submit: this client has no gateway connection (made by New, not Connect)"}
	}
	gw := c.pool.current().gateway
	tx, err := gw.NewSignedTransaction(state, signature)
	if err != nil {
		return "", &Error{Code: CodeInvalidArgument, Message: fmt.Sprintf("signed transaction: %v", err), Err: err}
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.EndorseTimeout)
	defer cancel()
	if _, err := tx.SubmitWithContext(ctx); err != nil {
		return tx.TransactionID(), mapError(err)
	}
	return tx.TransactionID(), nil
}
