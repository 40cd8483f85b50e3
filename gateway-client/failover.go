package charter

import (
	"context"
	"errors"
	"sync"

	"github.com/hyperledger/fabric-gateway/pkg/client"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Endpoint is a gateway peer the client may use: its own organisation's
// peer first, other organisations' peers as fallbacks.
type Endpoint struct {
	// Address is the peer's host:port.
	Address string
	// ServerName overrides the TLS server name.
	ServerName string
	// TLSCACertPath is the PEM CA certificate of the peer's TLS certificate.
	TLSCACertPath string
}

// gatewayEndpoint is one connected gateway.
type gatewayEndpoint struct {
	address string
	conn    grpc.ClientConnInterface
	closer  func() error // closes conn when Connect dialled it
	gateway *client.Gateway
	network *client.Network
}

// pool holds the gateways a Client may use and which one is in use. A
// call goes to the gateway in use; when that gateway is unreachable
// (gRPC Unavailable) and nothing was sent for ordering, the call moves on
// to the next gateway, which stays in use for the calls after it.
type pool struct {
	mu        sync.Mutex
	endpoints []*gatewayEndpoint
	active    int
	chaincode string
}

func (p *pool) current() *gatewayEndpoint {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.endpoints[p.active]
}

// each calls fn on the gateway in use and, while fn reports the gateway
// unreachable and retryable, on the others in turn. The gateway that
// answered becomes the one in use.
func (p *pool) each(fn func(ep *gatewayEndpoint) (retry bool, err error)) error {
	p.mu.Lock()
	start, n := p.active, len(p.endpoints)
	p.mu.Unlock()
	var err error
	for k := range n {
		i := (start + k) % n
		var retry bool
		retry, err = fn(p.endpoints[i])
		if !retry {
			if err == nil || !unreachable(err) {
				p.mu.Lock()
				p.active = i
				p.mu.Unlock()
			}
			return err
		}
	}
	return err
}

func (p *pool) close() error {
	var errs []error
	for _, ep := range p.endpoints {
		if ep.gateway != nil {
			errs = append(errs, ep.gateway.Close())
		}
		if ep.closer != nil {
			errs = append(errs, ep.closer())
		}
	}
	return errors.Join(errs...)
}

// unreachable reports whether err says the gateway peer could not be
// reached at all.
func unreachable(err error) bool {
	var ge interface{ GRPCStatus() *status.Status }
	if errors.As(err, &ge) {
		return ge.GRPCStatus().Code() == codes.Unavailable
	}
	return status.Code(err) == codes.Unavailable
}

// poolContract is the Contract of a pool: queries move to another gateway
// when the one in use is unreachable, and so do transactions whose
// endorsement could not reach it (nothing was endorsed or ordered, so
// trying elsewhere cannot commit a transaction twice). A transaction that
// reached the orderer is never sent again here: its outcome is settled by
// its commit status or TransactionStatus.
type poolContract struct {
	p         *pool
	chaincode string
}

func (pc poolContract) contract(ep *gatewayEndpoint) *client.Contract {
	return ep.network.GetContract(pc.chaincode)
}

func (pc poolContract) EvaluateWithContext(ctx context.Context, name string, options ...client.ProposalOption) ([]byte, error) {
	var out []byte
	err := pc.p.each(func(ep *gatewayEndpoint) (bool, error) {
		raw, err := pc.contract(ep).EvaluateWithContext(ctx, name, options...)
		out = raw
		return err != nil && unreachable(err) && ctx.Err() == nil, err
	})
	return out, err
}

func (pc poolContract) SubmitAsyncWithContext(ctx context.Context, name string, options ...client.ProposalOption) ([]byte, *client.Commit, error) {
	var out []byte
	var commit *client.Commit
	err := pc.p.each(func(ep *gatewayEndpoint) (bool, error) {
		raw, c, err := pc.contract(ep).SubmitAsyncWithContext(ctx, name, options...)
		out, commit = raw, c
		var endorseErr *client.EndorseError
		return err != nil && errors.As(err, &endorseErr) && unreachable(err) && ctx.Err() == nil, err
	})
	return out, commit, err
}

// poolEvents watches events through the gateway in use.
type poolEvents struct{ p *pool }

func (pe poolEvents) ChaincodeEvents(ctx context.Context, chaincodeName string, options ...client.ChaincodeEventsOption) (<-chan *client.ChaincodeEvent, error) {
	var out <-chan *client.ChaincodeEvent
	err := pe.p.each(func(ep *gatewayEndpoint) (bool, error) {
		ch, err := ep.network.ChaincodeEvents(ctx, chaincodeName, options...)
		out = ch
		return err != nil && unreachable(err) && ctx.Err() == nil, err
	})
	return out, err
}
