package contract

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"
	"github.com/hyperledger/fabric-protos-go-apiv2/ledger/queryresult"
	"github.com/hyperledger/fabric-protos-go-apiv2/msp"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/charter-gov/charter/chaincode/core"
)

// fakeStub is an in-memory ChaincodeStubInterface with just what Charter's
// contracts use. Unimplemented methods panic through the nil embedded
// interface, which a test would show at once.
type fakeStub struct {
	shim.ChaincodeStubInterface
	state   *core.MemStore
	args    []string
	creator []byte
	ts      time.Time
	txID    string
	events  map[string][]byte
}

func (s *fakeStub) GetFunctionAndParameters() (string, []string) {
	if len(s.args) == 0 {
		return "", nil
	}
	return s.args[0], s.args[1:]
}
func (s *fakeStub) GetArgs() [][]byte {
	out := make([][]byte, len(s.args))
	for i, a := range s.args {
		out[i] = []byte(a)
	}
	return out
}
func (s *fakeStub) GetCreator() ([]byte, error) { return s.creator, nil }
func (s *fakeStub) GetTxTimestamp() (*timestamppb.Timestamp, error) {
	return timestamppb.New(s.ts), nil
}
func (s *fakeStub) GetTxID() string                   { return s.txID }
func (s *fakeStub) GetState(k string) ([]byte, error) { return s.state.Get(k) }
func (s *fakeStub) PutState(k string, v []byte) error { return s.state.Put(k, v) }
func (s *fakeStub) DelState(k string) error           { return s.state.Delete(k) }
func (s *fakeStub) SetEvent(name string, payload []byte) error {
	s.events[name] = payload
	return nil
}
func (s *fakeStub) GetStateByPartialCompositeKey(objectType string, attrs []string) (shim.StateQueryIteratorInterface, error) {
	prefix, err := core.Key(objectType, attrs...)
	if err != nil {
		return nil, err
	}
	it := &fakeIter{}
	keys := s.state.Keys()
	sort.Strings(keys)
	for _, k := range keys {
		if strings.HasPrefix(k, prefix) {
			v, _ := s.state.Get(k)
			it.kvs = append(it.kvs, &queryresult.KV{Key: k, Value: v})
		}
	}
	return it, nil
}

type fakeIter struct {
	kvs []*queryresult.KV
	i   int
}

func (it *fakeIter) HasNext() bool { return it.i < len(it.kvs) }
func (it *fakeIter) Next() (*queryresult.KV, error) {
	it.i++
	return it.kvs[it.i-1], nil
}
func (it *fakeIter) Close() error { return nil }

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
