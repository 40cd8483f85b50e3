package contract

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"testing"
	"time"

	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"
	"github.com/hyperledger/fabric-protos-go-apiv2/msp"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/internal/fakestub"
)

// fakeStub is the contract tests' view of a fakestub.Stub: the same
// transaction under the field names the test files use (stub.events,
// stub.txID, and the repWorld literal). Its stub methods delegate to a
// fakestub.Stub built from those fields on each call; events is shared by
// reference, so SetEvent lands in stub.events. Methods it does not delegate
// panic through the nil embedded interface.
type fakeStub struct {
	shim.ChaincodeStubInterface
	state   *core.MemStore
	args    []string
	creator []byte
	ts      time.Time
	txID    string
	events  map[string][]byte
}

func (s *fakeStub) fake() *fakestub.Stub {
	if s.events == nil {
		s.events = map[string][]byte{}
	}
	return &fakestub.Stub{State: s.state, Args: s.args, Creator: s.creator, Timestamp: s.ts, TxID: s.txID, Events: s.events}
}

func (s *fakeStub) GetFunctionAndParameters() (string, []string) {
	return s.fake().GetFunctionAndParameters()
}
func (s *fakeStub) GetArgs() [][]byte                               { return s.fake().GetArgs() }
func (s *fakeStub) GetCreator() ([]byte, error)                     { return s.fake().GetCreator() }
func (s *fakeStub) GetTxTimestamp() (*timestamppb.Timestamp, error) { return s.fake().GetTxTimestamp() }
func (s *fakeStub) GetTxID() string                                 { return s.fake().GetTxID() }
func (s *fakeStub) GetState(k string) ([]byte, error)               { return s.fake().GetState(k) }
func (s *fakeStub) PutState(k string, v []byte) error               { return s.fake().PutState(k, v) }
func (s *fakeStub) DelState(k string) error                         { return s.fake().DelState(k) }
func (s *fakeStub) SetEvent(name string, payload []byte) error {
	return s.fake().SetEvent(name, payload)
}
func (s *fakeStub) GetStateByPartialCompositeKey(objectType string, attrs []string) (shim.StateQueryIteratorInterface, error) {
	return s.fake().GetStateByPartialCompositeKey(objectType, attrs)
}

// testIdentity is a certificate and the serialized identity Fabric would
// put in a proposal.
type testIdentity struct {
	msp  string
	cert *x509.Certificate
	pem  []byte
}

func newIdentity(t testing.TB, mspID, cn, ou string) testIdentity {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: cn, OrganizationalUnit: []string{ou}},
		Issuer:       pkix.Name{CommonName: "ca." + mspID},
		NotBefore:    time.Unix(0, 0),
		NotAfter:     time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	return testIdentity{msp: mspID, cert: cert, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

func (id testIdentity) serialized(t testing.TB) []byte {
	t.Helper()
	raw, err := proto.Marshal(&msp.SerializedIdentity{Mspid: id.msp, IdBytes: id.pem})
	require.NoError(t, err)
	return raw
}

// harness invokes the assembled chaincode as the peer would.
type harness struct {
	t     testing.TB
	state *core.MemStore
	clock time.Time
	n     int
	cfg   Config
	cc    *contractapi.ContractChaincode
}

func newHarness(t testing.TB) *harness {
	clock := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	h := &harness{t: t, state: core.NewMemStore(), clock: clock}
	h.cfg = Config{Now: func() time.Time { return h.clock }}
	return h
}

// invoke runs fn with args as caller, with the proposal timestamp offset
// from the peer's clock by skew.
func (h *harness) invoke(caller testIdentity, skew time.Duration, fn string, args ...string) (*peer.Response, *fakeStub) {
	h.t.Helper()
	if h.cc == nil {
		cc, err := NewChaincode(h.cfg)
		require.NoError(h.t, err)
		h.cc = cc
	}
	h.n++
	stub := &fakeStub{
		state:   h.state,
		args:    append([]string{fn}, args...),
		creator: caller.serialized(h.t),
		ts:      h.clock.Add(skew),
		txID:    "tx" + string(rune('a'+h.n%26)),
		events:  map[string][]byte{},
	}
	return h.cc.Invoke(stub), stub
}
