// Package audittest builds synthetic but cryptographically real Fabric
// channels for testing and benchmarking the audit verifier: certificate
// authorities per organisation, a genesis configuration block with their
// MSPs, endorser transactions signed by a client and endorsed by peers,
// blocks chained by header hash and signed by an orderer.
package audittest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"math/big"
	"time"

	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/ledger/rwset"
	"github.com/hyperledger/fabric-protos-go-apiv2/ledger/rwset/kvrwset"
	"github.com/hyperledger/fabric-protos-go-apiv2/msp"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Signer is an identity with its key.
type Signer struct {
	MSPID      string
	CertPEM    []byte
	Key        *ecdsa.PrivateKey
	Serialized []byte
}

// Sign signs SHA-256 of data with a low-S DER ECDSA signature, as Fabric
// does.
func (s *Signer) Sign(data []byte) []byte {
	h := sha256.Sum256(data)
	r, sv, err := ecdsa.Sign(rand.Reader, s.Key, h[:])
	if err != nil {
		panic(err)
	}
	half := new(big.Int).Rsh(s.Key.Curve.Params().N, 1)
	if sv.Cmp(half) > 0 {
		sv.Sub(s.Key.Curve.Params().N, sv)
	}
	der, err := asn1.Marshal(struct{ R, S *big.Int }{r, sv})
	if err != nil {
		panic(err)
	}
	return der
}

// Org is an organisation: its CA and its signers.
type Org struct {
	MSPID  string
	caCert *x509.Certificate
	caKey  *ecdsa.PrivateKey
	CAPEM  []byte
	// Client, Admin and Peer are signers of the organisation (Admin's
	// certificate carries the NodeOU "admin").
	Client, Admin, Peer *Signer
}

var serial int64

func newCert(tmpl *x509.Certificate, parent *x509.Certificate, parentKey *ecdsa.PrivateKey, key *ecdsa.PrivateKey) ([]byte, *x509.Certificate) {
	serial++
	tmpl.SerialNumber = big.NewInt(serial)
	tmpl.NotBefore = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tmpl.NotAfter = time.Date(2036, 1, 1, 0, 0, 0, 0, time.UTC)
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		panic(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		panic(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), c
}

func newKey() *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	return k
}

// NewOrg creates an organisation with a self-signed CA.
func NewOrg(mspID string) *Org {
	o := &Org{MSPID: mspID, caKey: newKey()}
	o.CAPEM, o.caCert = newCert(&x509.Certificate{
		Subject: pkix.Name{CommonName: "ca." + mspID, Organization: []string{mspID}},
		IsCA:    true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}, nil, nil, o.caKey)
	o.Client = o.NewSigner("User1@"+mspID, "client")
	o.Admin = o.NewSigner("Admin@"+mspID, "admin")
	o.Peer = o.NewSigner("peer0."+mspID, "peer")
	return o
}

// NewSigner issues a certificate under the organisation's CA.
func (o *Org) NewSigner(cn, ou string) *Signer {
	key := newKey()
	certPEM, _ := newCert(&x509.Certificate{
		Subject:  pkix.Name{CommonName: cn, Organization: []string{o.MSPID}, OrganizationalUnit: []string{ou}},
		KeyUsage: x509.KeyUsageDigitalSignature,
	}, o.caCert, o.caKey, key)
	ser, err := proto.Marshal(&msp.SerializedIdentity{Mspid: o.MSPID, IdBytes: certPEM})
	if err != nil {
		panic(err)
	}
	return &Signer{MSPID: o.MSPID, CertPEM: certPEM, Key: key, Serialized: ser}
}

// Chain is a channel being built.
type Chain struct {
	Channel  string
	Orgs     []*Org
	Orderer  *Org
	Blocks   []*common.Block
	prevHash []byte
	clock    time.Time
}

// NewChain creates a channel with peer organisations and an orderer
// organisation, and its genesis configuration block (unsigned, as the
// channel participation API creates it).
func NewChain(channel string, orgs ...string) *Chain {
	c := &Chain{Channel: channel, Orderer: NewOrg("OrdererMSP"), clock: time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)}
	for _, name := range orgs {
		c.Orgs = append(c.Orgs, NewOrg(name))
	}
	group := func(os []*Org) *common.ConfigGroup {
		g := &common.ConfigGroup{Groups: map[string]*common.ConfigGroup{}}
		for _, o := range os {
			fc, _ := proto.Marshal(&msp.FabricMSPConfig{Name: o.MSPID, RootCerts: [][]byte{o.CAPEM}})
			mc, _ := proto.Marshal(&msp.MSPConfig{Type: 0, Config: fc})
			g.Groups[o.MSPID] = &common.ConfigGroup{Values: map[string]*common.ConfigValue{"MSP": {Value: mc}}}
		}
		return g
	}
	cfg := &common.ConfigEnvelope{Config: &common.Config{ChannelGroup: &common.ConfigGroup{Groups: map[string]*common.ConfigGroup{
		"Application": group(c.Orgs),
		"Orderer":     group([]*Org{c.Orderer}),
	}}}}
	data := mustMarshal(cfg)
	ch := mustMarshal(&common.ChannelHeader{Type: int32(common.HeaderType_CONFIG), ChannelId: channel, Timestamp: timestamppb.New(c.clock)})
	pl := mustMarshal(&common.Payload{Header: &common.Header{ChannelHeader: ch, SignatureHeader: mustMarshal(&common.SignatureHeader{})}, Data: data})
	env := mustMarshal(&common.Envelope{Payload: pl})
	c.addBlock([][]byte{env}, []peer.TxValidationCode{peer.TxValidationCode_VALID}, false)
	return c
}

func mustMarshal(m proto.Message) []byte {
	raw, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
	if err != nil {
		panic(err)
	}
	return raw
}

// Tx describes an endorser transaction.
type Tx struct {
	Creator   *Signer
	Endorsers []*Signer
	Chaincode string
	Function  string
	Args      []string
	Writes    []*kvrwset.KVWrite
	EventName string
	Event     []byte
	Time      time.Time // zero: the chain's clock, advanced a second
	Code      peer.TxValidationCode
}

// Envelope builds and signs a transaction envelope; it returns the
// envelope bytes and the transaction ID.
func (c *Chain) Envelope(t Tx) ([]byte, string) {
	if t.Time.IsZero() {
		c.clock = c.clock.Add(time.Second)
		t.Time = c.clock
	}
	if t.Chaincode == "" {
		t.Chaincode = "charter"
	}
	nonce := make([]byte, 24)
	if _, err := rand.Read(nonce); err != nil {
		panic(err)
	}
	sum := sha256.Sum256(append(append([]byte(nil), nonce...), t.Creator.Serialized...))
	txID := hex.EncodeToString(sum[:])
	shdr := mustMarshal(&common.SignatureHeader{Creator: t.Creator.Serialized, Nonce: nonce})
	chdr := mustMarshal(&common.ChannelHeader{Type: int32(common.HeaderType_ENDORSER_TRANSACTION), ChannelId: c.Channel, TxId: txID, Timestamp: timestamppb.New(t.Time),
		Extension: mustMarshal(&peer.ChaincodeHeaderExtension{ChaincodeId: &peer.ChaincodeID{Name: t.Chaincode}})})
	args := [][]byte{[]byte(t.Function)}
	for _, a := range t.Args {
		args = append(args, []byte(a))
	}
	cpp := mustMarshal(&peer.ChaincodeProposalPayload{Input: mustMarshal(&peer.ChaincodeInvocationSpec{ChaincodeSpec: &peer.ChaincodeSpec{
		ChaincodeId: &peer.ChaincodeID{Name: t.Chaincode}, Input: &peer.ChaincodeInput{Args: args}}})})
	rws := mustMarshal(&rwset.TxReadWriteSet{DataModel: rwset.TxReadWriteSet_KV, NsRwset: []*rwset.NsReadWriteSet{{Namespace: t.Chaincode, Rwset: mustMarshal(&kvrwset.KVRWSet{Writes: t.Writes})}}})
	var events []byte
	if t.EventName != "" {
		events = mustMarshal(&peer.ChaincodeEvent{ChaincodeId: t.Chaincode, TxId: txID, EventName: t.EventName, Payload: t.Event})
	}
	cca := mustMarshal(&peer.ChaincodeAction{Results: rws, Events: events, Response: &peer.Response{Status: 200}, ChaincodeId: &peer.ChaincodeID{Name: t.Chaincode}})
	ph := sha256.Sum256(append(append([]byte(nil), chdr...), shdr...))
	prp := mustMarshal(&peer.ProposalResponsePayload{ProposalHash: ph[:], Extension: cca})
	var ends []*peer.Endorsement
	for _, e := range t.Endorsers {
		ends = append(ends, &peer.Endorsement{Endorser: e.Serialized, Signature: e.Sign(append(append([]byte(nil), prp...), e.Serialized...))})
	}
	cap := mustMarshal(&peer.ChaincodeActionPayload{ChaincodeProposalPayload: cpp, Action: &peer.ChaincodeEndorsedAction{ProposalResponsePayload: prp, Endorsements: ends}})
	tx := mustMarshal(&peer.Transaction{Actions: []*peer.TransactionAction{{Header: shdr, Payload: cap}}})
	pl := mustMarshal(&common.Payload{Header: &common.Header{ChannelHeader: chdr, SignatureHeader: shdr}, Data: tx})
	return mustMarshal(&common.Envelope{Payload: pl, Signature: t.Creator.Sign(pl)}), txID
}

// AddBlock appends a block of transactions, signed by the orderer; it
// returns the transaction IDs.
func (c *Chain) AddBlock(txs ...Tx) []string {
	var envs [][]byte
	var codes []peer.TxValidationCode
	var ids []string
	for _, t := range txs {
		env, id := c.Envelope(t)
		envs, ids = append(envs, env), append(ids, id)
		codes = append(codes, t.Code)
	}
	c.addBlock(envs, codes, true)
	return ids
}

// AddRaw appends a block of ready envelopes.
func (c *Chain) AddRaw(envs [][]byte, codes []peer.TxValidationCode) {
	c.addBlock(envs, codes, true)
}

func (c *Chain) addBlock(envs [][]byte, codes []peer.TxValidationCode, sign bool) {
	n := uint64(len(c.Blocks))
	d := &common.BlockData{Data: envs}
	dh := sha256.Sum256(concat(envs))
	h := &common.BlockHeader{Number: n, PreviousHash: c.prevHash, DataHash: dh[:]}
	filter := make([]byte, len(codes))
	for i, code := range codes {
		filter[i] = byte(code)
	}
	md := make([][]byte, 5)
	md[common.BlockMetadataIndex_TRANSACTIONS_FILTER] = filter
	b := &common.Block{Header: h, Data: d, Metadata: &common.BlockMetadata{Metadata: md}}
	if sign {
		c.SignBlock(b)
	}
	c.Blocks = append(c.Blocks, b)
	c.prevHash = headerHash(h)
}

// SignBlock (re)computes the orderer's signature over b's header.
func (c *Chain) SignBlock(b *common.Block) {
	value := mustMarshal(&common.OrdererBlockMetadata{LastConfig: &common.LastConfig{Index: 0}})
	shdr := mustMarshal(&common.SignatureHeader{Creator: c.Orderer.Peer.Serialized, Nonce: []byte("nonce")})
	sig := c.Orderer.Peer.Sign(concat([][]byte{value, shdr, headerBytes(b.Header)}))
	b.Metadata.Metadata[common.BlockMetadataIndex_SIGNATURES] = mustMarshal(&common.Metadata{Value: value, Signatures: []*common.MetadataSignature{{SignatureHeader: shdr, Signature: sig}}})
}

// Rechain recomputes every data hash, previous hash and orderer signature
// from block from on: what someone rewriting history would do.
func (c *Chain) Rechain(from int) {
	for i := from; i < len(c.Blocks); i++ {
		b := c.Blocks[i]
		dh := sha256.Sum256(concat(b.Data.Data))
		b.Header.DataHash = dh[:]
		if i > 0 {
			b.Header.PreviousHash = headerHash(c.Blocks[i-1].Header)
		}
		if i > 0 {
			c.SignBlock(b)
		}
	}
	c.prevHash = headerHash(c.Blocks[len(c.Blocks)-1].Header)
}

func concat(bs [][]byte) []byte {
	var out []byte
	for _, b := range bs {
		out = append(out, b...)
	}
	return out
}

func headerBytes(h *common.BlockHeader) []byte {
	raw, err := asn1.Marshal(struct {
		Number       *big.Int
		PreviousHash []byte
		DataHash     []byte
	}{new(big.Int).SetUint64(h.Number), h.PreviousHash, h.DataHash})
	if err != nil {
		panic(err)
	}
	return raw
}

func headerHash(h *common.BlockHeader) []byte {
	s := sha256.Sum256(headerBytes(h))
	return s[:]
}

// Source serves a Chain as an audit.Source-compatible block source. Peers
// report the chain's height and head; StopAfter, when positive, ends the
// block stream after that many blocks (a broken connection).
type Source struct {
	Chain     *Chain
	StopAfter int
	// Delay is slept before sending each block.
	Delay time.Duration
}

// Height is the chain's height.
func (s *Source) Height(context.Context) (uint64, error) { return uint64(len(s.Chain.Blocks)), nil }

// Blocks streams the chain's blocks from start.
func (s *Source) Blocks(ctx context.Context, start uint64) (<-chan *common.Block, error) {
	if start > uint64(len(s.Chain.Blocks)) {
		return nil, fmt.Errorf("start %d beyond height %d", start, len(s.Chain.Blocks))
	}
	ch := make(chan *common.Block)
	go func() {
		defer close(ch)
		sent := 0
		for _, b := range s.Chain.Blocks[start:] {
			if s.StopAfter > 0 && sent >= s.StopAfter {
				return
			}
			if s.Delay > 0 {
				time.Sleep(s.Delay)
			}
			select {
			case ch <- proto.Clone(b).(*common.Block):
				sent++
			case <-ctx.Done():
				return
			}
		}
	}()
	return ch, nil
}

// PeerInfo is what Source's peers report: every organisation's peer
// reports the chain's head and holds block last as the chain does.
type PeerInfo struct {
	MSPID, Address   string
	Height           uint64
	CurrentBlockHash []byte
	Block            *common.Block
}

// PeerInfos is what each organisation's peer reports.
func (s *Source) PeerInfos(last uint64) []PeerInfo {
	var out []PeerInfo
	head := headerHash(s.Chain.Blocks[len(s.Chain.Blocks)-1].Header)
	for _, o := range s.Chain.Orgs {
		out = append(out, PeerInfo{MSPID: o.MSPID, Address: "peer0." + o.MSPID + ":7051", Height: uint64(len(s.Chain.Blocks)), CurrentBlockHash: head, Block: proto.Clone(s.Chain.Blocks[last]).(*common.Block)})
	}
	return out
}

// Writes is a helper building KV writes from key/value pairs.
func Writes(kv ...string) []*kvrwset.KVWrite {
	var out []*kvrwset.KVWrite
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, &kvrwset.KVWrite{Key: kv[i], Value: []byte(kv[i+1])})
	}
	return out
}
