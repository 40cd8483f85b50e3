package charter

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/gateway"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/protoadapt"
)

// The unit tests mock one seam: the gRPC connection under a real
// fabric-gateway client. fakeGateway plays the peer's Gateway service.

// call is one proposal the fake received.
type call struct {
	Kind string   // "evaluate" or "endorse"
	Name string   // "contract:Function"
	Args []string // the arguments after the name
	TxID string
	// Chaincode is the chaincode the proposal addresses (compared only
	// where a case names it)
	Chaincode string
}

// fakeGateway implements grpc.ClientConnInterface. Each hook may be nil
// (evaluate and endorse then return "{}", submit succeeds and commit status
// is VALID).
type fakeGateway struct {
	evaluate     func(c call) ([]byte, error)
	endorse      func(c call) ([]byte, error)
	submit       func(ctx context.Context, txID string) error
	commitStatus func(ctx context.Context, txID string) (peer.TxValidationCode, error)
	// events are sent on a ChaincodeEvents stream, after which it blocks
	// until its context ends (or returns eventsErr when set).
	events    []*gateway.ChaincodeEventsResponse
	eventsErr error

	mu          sync.Mutex
	calls       []call
	eventsStart *gateway.ChaincodeEventsRequest
}

func (f *fakeGateway) Calls() []call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]call(nil), f.calls...)
}

func (f *fakeGateway) record(c call) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, c)
}

func (f *fakeGateway) Invoke(ctx context.Context, method string, args, reply any, _ ...grpc.CallOption) error {
	switch method {
	case gateway.Gateway_Evaluate_FullMethodName:
		req := args.(*gateway.EvaluateRequest)
		c, err := decodeProposal("evaluate", req.GetProposedTransaction())
		if err != nil {
			return err
		}
		f.record(c)
		result := []byte("{}")
		if f.evaluate != nil {
			if result, err = f.evaluate(c); err != nil {
				return err
			}
		}
		proto.Merge(reply.(*gateway.EvaluateResponse), &gateway.EvaluateResponse{Result: &peer.Response{Status: 200, Payload: result}})
		return nil
	case gateway.Gateway_Endorse_FullMethodName:
		req := args.(*gateway.EndorseRequest)
		c, err := decodeProposal("endorse", req.GetProposedTransaction())
		if err != nil {
			return err
		}
		f.record(c)
		result := []byte("{}")
		if f.endorse != nil {
			if result, err = f.endorse(c); err != nil {
				return err
			}
		}
		env, err := preparedTransaction(req.GetChannelId(), result)
		if err != nil {
			return err
		}
		proto.Merge(reply.(*gateway.EndorseResponse), &gateway.EndorseResponse{PreparedTransaction: env})
		return nil
	case gateway.Gateway_Submit_FullMethodName:
		if f.submit != nil {
			return f.submit(ctx, args.(*gateway.SubmitRequest).GetTransactionId())
		}
		return nil
	case gateway.Gateway_CommitStatus_FullMethodName:
		var req gateway.CommitStatusRequest
		if err := proto.Unmarshal(args.(*gateway.SignedCommitStatusRequest).GetRequest(), &req); err != nil {
			return err
		}
		code := peer.TxValidationCode_VALID
		if f.commitStatus != nil {
			var err error
			if code, err = f.commitStatus(ctx, req.GetTransactionId()); err != nil {
				return err
			}
		}
		proto.Merge(reply.(*gateway.CommitStatusResponse), &gateway.CommitStatusResponse{Result: code, BlockNumber: 7})
		return nil
	}
	return status.Errorf(codes.Unimplemented, "fake gateway: no method %s", method)
}

func (f *fakeGateway) NewStream(ctx context.Context, _ *grpc.StreamDesc, method string, _ ...grpc.CallOption) (grpc.ClientStream, error) {
	if method != gateway.Gateway_ChaincodeEvents_FullMethodName {
		return nil, status.Errorf(codes.Unimplemented, "fake gateway: no stream %s", method)
	}
	return &fakeStream{ctx: ctx, f: f, pending: append([]*gateway.ChaincodeEventsResponse(nil), f.events...)}, nil
}

type fakeStream struct {
	ctx     context.Context
	f       *fakeGateway
	pending []*gateway.ChaincodeEventsResponse
}

func (s *fakeStream) Header() (metadata.MD, error) { return nil, nil }
func (s *fakeStream) Trailer() metadata.MD         { return nil }
func (s *fakeStream) CloseSend() error             { return nil }
func (s *fakeStream) Context() context.Context     { return s.ctx }

func (s *fakeStream) SendMsg(m any) error {
	var req gateway.ChaincodeEventsRequest
	if err := proto.Unmarshal(m.(*gateway.SignedChaincodeEventsRequest).GetRequest(), &req); err != nil {
		return err
	}
	s.f.mu.Lock()
	s.f.eventsStart = &req
	s.f.mu.Unlock()
	return nil
}

func (s *fakeStream) RecvMsg(m any) error {
	if len(s.pending) > 0 {
		proto.Merge(m.(proto.Message), s.pending[0])
		s.pending = s.pending[1:]
		return nil
	}
	if s.f.eventsErr != nil {
		return s.f.eventsErr
	}
	<-s.ctx.Done()
	return status.FromContextError(s.ctx.Err()).Err()
}

// decodeProposal extracts the transaction name and arguments.
func decodeProposal(kind string, sp *peer.SignedProposal) (call, error) {
	var prop peer.Proposal
	if err := proto.Unmarshal(sp.GetProposalBytes(), &prop); err != nil {
		return call{}, err
	}
	var hdr common.Header
	if err := proto.Unmarshal(prop.GetHeader(), &hdr); err != nil {
		return call{}, err
	}
	var ch common.ChannelHeader
	if err := proto.Unmarshal(hdr.GetChannelHeader(), &ch); err != nil {
		return call{}, err
	}
	var payload peer.ChaincodeProposalPayload
	if err := proto.Unmarshal(prop.GetPayload(), &payload); err != nil {
		return call{}, err
	}
	var spec peer.ChaincodeInvocationSpec
	if err := proto.Unmarshal(payload.GetInput(), &spec); err != nil {
		return call{}, err
	}
	raw := spec.GetChaincodeSpec().GetInput().GetArgs()
	if len(raw) == 0 {
		return call{}, fmt.Errorf("proposal has no function name")
	}
	c := call{Kind: kind, Name: string(raw[0]), Args: []string{}, TxID: ch.GetTxId(), Chaincode: spec.GetChaincodeSpec().GetChaincodeId().GetName()}
	for _, a := range raw[1:] {
		c.Args = append(c.Args, string(a))
	}
	return c, nil
}

// preparedTransaction builds the envelope fabric-gateway parses the result
// from.
func preparedTransaction(channel string, result []byte) (*common.Envelope, error) {
	m := func(msg proto.Message) []byte {
		b, err := proto.Marshal(msg)
		if err != nil {
			panic(err)
		}
		return b
	}
	action := &peer.ChaincodeAction{Response: &peer.Response{Status: 200, Payload: result}}
	prp := &peer.ProposalResponsePayload{Extension: m(action)}
	cap := &peer.ChaincodeActionPayload{Action: &peer.ChaincodeEndorsedAction{ProposalResponsePayload: m(prp)}}
	tx := &peer.Transaction{Actions: []*peer.TransactionAction{{Payload: m(cap)}}}
	payload := &common.Payload{
		Header: &common.Header{ChannelHeader: m(&common.ChannelHeader{ChannelId: channel})},
		Data:   m(tx),
	}
	return &common.Envelope{Payload: m(payload)}, nil
}

// peerError is the error a Fabric gateway returns when the chaincode fails
// on a peer: a status with one ErrorDetail per peer.
func peerError(code codes.Code, msg string, details ...string) error {
	st := status.New(code, msg)
	var ds []protoadapt.MessageV1
	for i, d := range details {
		ds = append(ds, &gateway.ErrorDetail{Address: fmt.Sprintf("peer%d.example:7051", i), MspId: "LabAMSP", Message: d})
	}
	if len(ds) > 0 {
		var err error
		st, err = st.WithDetails(ds...)
		if err != nil {
			panic(err)
		}
	}
	return st.Err()
}

// testCreds is a throwaway user certificate and key.
type testCreds struct {
	certPEM, keyPEM []byte
}

func newCredentials(t testing.TB, commonName string) testCreds {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: commonName, OrganizationalUnit: []string{"client"}, Organization: []string{"Lab A"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		IsCA:                  true,
		DNSNames:              []string{"localhost"},
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	require.NoError(t, err)
	return testCreds{
		certPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		keyPEM:  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}),
	}
}

// newTestClient connects a Client to f with fast retries.
func newTestClient(t testing.TB, f *fakeGateway, mutate ...func(*Config)) *Client {
	t.Helper()
	cfg := Config{MSPID: "LabAMSP", RetryBackoff: time.Millisecond}
	for _, m := range mutate {
		m(&cfg)
	}
	creds := newCredentials(t, "User1@laba.charter.local")
	u, err := loadUser(creds.certPEM, creds.keyPEM, cfg)
	require.NoError(t, err)
	c, err := connect(f, u, cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

var _ io.Closer = (*Client)(nil)

// proposalCase is one typed client method and the proposal it must send:
// the fake gateway answers result, and the case checks that exactly one
// proposal with the wanted kind, name and arguments went out.
type proposalCase struct {
	name   string
	result string
	invoke func(ctx context.Context, c *Client) (any, error)
	want   call
}

func runProposalCases(t *testing.T, cases []proposalCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeGateway{
				evaluate: func(call) ([]byte, error) { return []byte(tt.result), nil },
				endorse:  func(call) ([]byte, error) { return []byte(tt.result), nil },
			}
			c := newTestClient(t, f)
			_, err := tt.invoke(t.Context(), c)
			require.NoError(t, err)
			calls := f.Calls()
			require.Len(t, calls, 1)
			got := calls[0]
			got.TxID = ""
			if tt.want.Chaincode == "" {
				got.Chaincode = ""
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("proposal (-want +got):\n%s", diff)
			}
		})
	}
}
