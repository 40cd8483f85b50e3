package api

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/hyperledger/fabric-gateway/pkg/client"
	gwid "github.com/hyperledger/fabric-gateway/pkg/identity"
	"github.com/hyperledger/fabric-protos-go-apiv2/gateway"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/proto"

	"github.com/charter-gov/charter/chaincode/identity"
	charter "github.com/charter-gov/charter/gateway-client"
)

// recordedTx is the transaction a handler built: its name and the
// arguments the typed client method put in the proposal (the chaincode
// request JSON, usually one argument).
type recordedTx struct {
	Name string
	Args []string
}

// argsContract records what a typed client method submits, decoding the
// arguments from a proposal that fabric-gateway builds offline (no peer
// is contacted: the gRPC connection is never dialled).
type argsContract struct {
	build *client.Contract
	got   *recordedTx
}

var errRecorded = errors.New("transaction recorded")

func (c argsContract) EvaluateWithContext(context.Context, string, ...client.ProposalOption) ([]byte, error) {
	return nil, errors.New("no evaluations here")
}

func (c argsContract) SubmitAsyncWithContext(_ context.Context, name string, opts ...client.ProposalOption) ([]byte, *client.Commit, error) {
	p, err := c.build.NewProposal(name, opts...)
	if err != nil {
		return nil, nil, err
	}
	raw, err := p.Bytes()
	if err != nil {
		return nil, nil, err
	}
	var pt gateway.ProposedTransaction
	var prop peer.Proposal
	var payload peer.ChaincodeProposalPayload
	var spec peer.ChaincodeInvocationSpec
	if err := proto.Unmarshal(raw, &pt); err != nil {
		return nil, nil, err
	}
	if err := proto.Unmarshal(pt.GetProposal().GetProposalBytes(), &prop); err != nil {
		return nil, nil, err
	}
	if err := proto.Unmarshal(prop.Payload, &payload); err != nil {
		return nil, nil, err
	}
	if err := proto.Unmarshal(payload.Input, &spec); err != nil {
		return nil, nil, err
	}
	*c.got = recordedTx{Name: name}
	for _, a := range spec.GetChaincodeSpec().GetInput().GetArgs()[1:] { // [0] is the name
		c.got.Args = append(c.got.Args, string(a))
	}
	return nil, nil, errRecorded
}

// requestRecorder runs each prepared call against a client whose
// contract records the transaction, so a test can assert which typed
// request a handler built.
type requestRecorder struct {
	mu       sync.Mutex
	contract *client.Contract
	txs      []recordedTx
}

func newRequestRecorder(t *testing.T) *requestRecorder {
	t.Helper()
	m := newMember(t, "recorder")
	cert, err := gwid.CertificateFromPEM([]byte(m.certPEM))
	if err != nil {
		t.Fatal(err)
	}
	id, err := gwid.NewX509Identity("LabAMSP", cert)
	if err != nil {
		t.Fatal(err)
	}
	sign, err := gwid.NewPrivateKeySign(m.key)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := grpc.NewClient("passthrough:///never-dialled", grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	gw, err := client.Connect(id, client.WithSign(sign), client.WithClientConnection(conn))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = gw.Close(); _ = conn.Close() })
	return &requestRecorder{contract: gw.GetNetwork("charter").GetContract("charter")}
}

// record runs call and keeps the transaction it submitted.
func (r *requestRecorder) record(ctx context.Context, s charter.Signer, call func(context.Context, *charter.Client) error) {
	var got recordedTx
	err := call(ctx, charter.New(identity.Identity{MSPID: s.MSPID, ID: "member"}, argsContract{build: r.contract, got: &got}, nil, charter.Config{}))
	if got.Name == "" {
		got.Name = "error: " + err.Error()
	}
	r.mu.Lock()
	r.txs = append(r.txs, got)
	r.mu.Unlock()
}

// last returns the transaction recorded last.
func (r *requestRecorder) last() recordedTx {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.txs) == 0 {
		return recordedTx{}
	}
	return r.txs[len(r.txs)-1]
}

// requireArgs compares recorded arguments with the expected ones, JSON
// as JSON.
func requireArgs(t *testing.T, want, got []string, msg string) {
	t.Helper()
	require.Len(t, got, len(want), "%s: %q", msg, got)
	for i := range want {
		if strings.HasPrefix(want[i], "{") {
			require.JSONEq(t, want[i], got[i], "%s: argument %d", msg, i)
		} else {
			require.Equal(t, want[i], got[i], "%s: argument %d", msg, i)
		}
	}
}
