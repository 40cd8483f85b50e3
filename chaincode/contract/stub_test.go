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
	"github.com/hyperledger/fabric-protos-go-apiv2/msp"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/internal/fakestub"
)

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
	cc    shim.Chaincode
}

func newHarness(t testing.TB) *harness {
	clock := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	h := &harness{t: t, state: core.NewMemStore(), clock: clock}
	h.cfg = Config{Now: func() time.Time { return h.clock }}
	return h
}

// invoke runs fn with args as caller, with the proposal timestamp offset
// from the peer's clock by skew.
func (h *harness) invoke(caller testIdentity, skew time.Duration, fn string, args ...string) (*peer.Response, *fakestub.Stub) {
	h.t.Helper()
	if h.cc == nil {
		cc, err := NewChaincode(h.cfg)
		require.NoError(h.t, err)
		h.cc = cc
	}
	h.n++
	stub := &fakestub.Stub{
		State:     h.state,
		Args:      append([]string{fn}, args...),
		Creator:   caller.serialized(h.t),
		Timestamp: h.clock.Add(skew),
		TxID:      "tx" + string(rune('a'+h.n%26)),
		Events:    map[string][]byte{},
	}
	return h.cc.Invoke(stub), stub
}
