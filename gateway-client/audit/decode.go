package audit

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"slices"
	"sync"
	"unicode/utf8"

	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/ledger/rwset"
	"github.com/hyperledger/fabric-protos-go-apiv2/ledger/rwset/kvrwset"
	"github.com/hyperledger/fabric-protos-go-apiv2/msp"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/protobuf/proto"

	"github.com/charter-gov/charter/chaincode/identity"
)

// HeaderBytes is Fabric's encoding of a block header for hashing: the
// DER of SEQUENCE { number INTEGER, previousHash OCTET STRING, dataHash
// OCTET STRING }.
func HeaderBytes(h *common.BlockHeader) []byte {
	raw, err := asn1.Marshal(struct {
		Number       *big.Int
		PreviousHash []byte
		DataHash     []byte
	}{new(big.Int).SetUint64(h.GetNumber()), h.GetPreviousHash(), h.GetDataHash()})
	if err != nil {
		panic(fmt.Sprintf("asn1 block header: %v", err)) // only ints and byte slices: cannot fail
	}
	return raw
}

// HeaderHash is SHA-256 of HeaderBytes: the hash the next block's header
// carries as its previous hash.
func HeaderHash(h *common.BlockHeader) []byte {
	s := sha256.Sum256(HeaderBytes(h))
	return s[:]
}

// DataHash is SHA-256 of the concatenation of the block's data entries.
func DataHash(d *common.BlockData) []byte {
	s := sha256.Sum256(bytes.Join(d.GetData(), nil))
	return s[:]
}

// TxID is Fabric's transaction ID: hex SHA-256 of nonce followed by the
// serialized creator identity.
func TxID(nonce, creator []byte) string {
	s := sha256.Sum256(append(append([]byte(nil), nonce...), creator...))
	return hex.EncodeToString(s[:])
}

// signed is one signature to check: identity (a serialized
// msp.SerializedIdentity), the signed bytes, and the DER signature.
type signed struct {
	what      string // "creator", "endorsement 1"…
	identity  []byte
	data      []byte
	signature []byte
}

// decodedTx is a transaction record and what verifying it needs.
type decodedTx struct {
	rec       TxRecord
	nonce     []byte
	creator   []byte
	headerTx  string // the channel header's TxId
	sigs      []signed
	config    *common.Config // set for a CONFIG transaction
	unsigned  bool           // envelope carries no signature (the genesis block)
	decodeErr error
}

// decodedBlock is a decoded block.
type decodedBlock struct {
	block *common.Block
	rec   BlockRecord
	txs   []decodedTx
	// orderer signatures over the header
	ordererSigs []signed
	codes       []byte
}

// decodeBlock decodes a block. A transaction that does not decode is kept
// with decodeErr set (Fabric stores malformed transactions too, marked
// invalid); only a block whose structure is unreadable is an error.
func decodeBlock(b *common.Block) (*decodedBlock, error) {
	if b.GetHeader() == nil {
		return nil, fmt.Errorf("block has no header")
	}
	h := b.GetHeader()
	db := &decodedBlock{block: b, rec: BlockRecord{
		Number:       h.GetNumber(),
		PreviousHash: hex.EncodeToString(h.GetPreviousHash()),
		DataHash:     hex.EncodeToString(h.GetDataHash()),
		HeaderHash:   hex.EncodeToString(HeaderHash(h)),
		TxCount:      len(b.GetData().GetData()),
	}}
	md := b.GetMetadata().GetMetadata()
	if int(common.BlockMetadataIndex_TRANSACTIONS_FILTER) < len(md) {
		db.codes = md[common.BlockMetadataIndex_TRANSACTIONS_FILTER]
	}
	if int(common.BlockMetadataIndex_SIGNATURES) < len(md) && len(md[common.BlockMetadataIndex_SIGNATURES]) > 0 {
		var m common.Metadata
		if err := proto.Unmarshal(md[common.BlockMetadataIndex_SIGNATURES], &m); err != nil {
			return nil, fmt.Errorf("block %d: signatures metadata: %w", h.GetNumber(), err)
		}
		hb := HeaderBytes(h)
		for i, s := range m.GetSignatures() {
			var sh common.SignatureHeader
			if err := proto.Unmarshal(s.GetSignatureHeader(), &sh); err != nil {
				return nil, fmt.Errorf("block %d: orderer signature %d header: %w", h.GetNumber(), i+1, err)
			}
			data := slices.Concat(m.GetValue(), s.GetSignatureHeader(), hb)
			db.ordererSigs = append(db.ordererSigs, signed{what: fmt.Sprintf("orderer signature %d", i+1), identity: sh.GetCreator(), data: data, signature: s.GetSignature()})
		}
	}
	for i, env := range b.GetData().GetData() {
		code := peer.TxValidationCode_NOT_VALIDATED
		if i < len(db.codes) {
			code = peer.TxValidationCode(db.codes[i])
		}
		t := decodeTx(env)
		t.rec.Block, t.rec.Index = h.GetNumber(), i
		t.rec.ValidationCode, t.rec.Valid = code.String(), code == peer.TxValidationCode_VALID
		if t.config != nil {
			db.rec.Config = true
		}
		db.txs = append(db.txs, t)
	}
	return db, nil
}

// decodeTx decodes one envelope.
func decodeTx(raw []byte) decodedTx {
	var t decodedTx
	fail := func(format string, args ...any) decodedTx {
		t.decodeErr = fmt.Errorf(format, args...)
		return t
	}
	var env common.Envelope
	if err := proto.Unmarshal(raw, &env); err != nil {
		return fail("envelope: %w", err)
	}
	var pl common.Payload
	if err := proto.Unmarshal(env.GetPayload(), &pl); err != nil {
		return fail("payload: %w", err)
	}
	var ch common.ChannelHeader
	if err := proto.Unmarshal(pl.GetHeader().GetChannelHeader(), &ch); err != nil {
		return fail("channel header: %w", err)
	}
	var sh common.SignatureHeader
	if err := proto.Unmarshal(pl.GetHeader().GetSignatureHeader(), &sh); err != nil {
		return fail("signature header: %w", err)
	}
	t.rec.TxID, t.headerTx = ch.GetTxId(), ch.GetTxId()
	t.rec.Type = common.HeaderType(ch.GetType()).String()
	t.rec.Channel = ch.GetChannelId()
	if ts := ch.GetTimestamp(); ts != nil {
		t.rec.Time = ts.AsTime().UTC()
	}
	t.nonce, t.creator = sh.GetNonce(), sh.GetCreator()
	t.rec.Creator = identityOf(sh.GetCreator())
	if len(env.GetSignature()) == 0 {
		t.unsigned = true
	} else {
		t.sigs = append(t.sigs, signed{what: "creator signature", identity: sh.GetCreator(), data: env.GetPayload(), signature: env.GetSignature()})
	}
	switch common.HeaderType(ch.GetType()) {
	case common.HeaderType_CONFIG:
		var ce common.ConfigEnvelope
		if err := proto.Unmarshal(pl.GetData(), &ce); err != nil {
			return fail("config envelope: %w", err)
		}
		t.config = ce.GetConfig()
		if t.config == nil {
			return fail("config envelope has no config")
		}
	case common.HeaderType_ENDORSER_TRANSACTION:
		if err := decodeEndorserTx(&t, pl.GetData()); err != nil {
			return fail("%w", err)
		}
	}
	return t
}

func decodeEndorserTx(t *decodedTx, data []byte) error {
	var tx peer.Transaction
	if err := proto.Unmarshal(data, &tx); err != nil {
		return fmt.Errorf("transaction: %w", err)
	}
	orgs := map[string]bool{}
	for ai, act := range tx.GetActions() {
		var cap peer.ChaincodeActionPayload
		if err := proto.Unmarshal(act.GetPayload(), &cap); err != nil {
			return fmt.Errorf("action %d payload: %w", ai, err)
		}
		var cpp peer.ChaincodeProposalPayload
		if err := proto.Unmarshal(cap.GetChaincodeProposalPayload(), &cpp); err != nil {
			return fmt.Errorf("action %d proposal payload: %w", ai, err)
		}
		var cis peer.ChaincodeInvocationSpec
		if err := proto.Unmarshal(cpp.GetInput(), &cis); err != nil {
			return fmt.Errorf("action %d invocation: %w", ai, err)
		}
		if ai == 0 {
			t.rec.Chaincode = cis.GetChaincodeSpec().GetChaincodeId().GetName()
			args := cis.GetChaincodeSpec().GetInput().GetArgs()
			if len(args) > 0 {
				t.rec.Function = string(args[0])
				args = args[1:]
			}
			t.rec.Args, t.rec.ArgsBase64 = texts(args)
		}
		prpBytes := cap.GetAction().GetProposalResponsePayload()
		for ei, e := range cap.GetAction().GetEndorsements() {
			id := identityOf(e.GetEndorser())
			t.rec.Endorsers = append(t.rec.Endorsers, id)
			orgs[id.MSPID] = true
			t.sigs = append(t.sigs, signed{what: fmt.Sprintf("endorsement %d (%s)", ei+1, id.MSPID), identity: e.GetEndorser(), data: slices.Concat(prpBytes, e.GetEndorser()), signature: e.GetSignature()})
		}
		var prp peer.ProposalResponsePayload
		if err := proto.Unmarshal(prpBytes, &prp); err != nil {
			return fmt.Errorf("action %d proposal response: %w", ai, err)
		}
		var cca peer.ChaincodeAction
		if err := proto.Unmarshal(prp.GetExtension(), &cca); err != nil {
			return fmt.Errorf("action %d chaincode action: %w", ai, err)
		}
		if ai == 0 {
			t.rec.ResponseStatus = cca.GetResponse().GetStatus()
		}
		var rws rwset.TxReadWriteSet
		if err := proto.Unmarshal(cca.GetResults(), &rws); err != nil {
			return fmt.Errorf("action %d read-write set: %w", ai, err)
		}
		for _, ns := range rws.GetNsRwset() {
			var kv kvrwset.KVRWSet
			if err := proto.Unmarshal(ns.GetRwset(), &kv); err != nil {
				return fmt.Errorf("action %d namespace %s writes: %w", ai, ns.GetNamespace(), err)
			}
			for _, w := range kv.GetWrites() {
				wr := Write{Namespace: ns.GetNamespace(), Key: w.GetKey(), Delete: w.GetIsDelete()}
				if !w.GetIsDelete() {
					wr.Value, wr.ValueBase64 = text(w.GetValue())
				}
				t.rec.Writes = append(t.rec.Writes, wr)
			}
		}
		if len(cca.GetEvents()) > 0 {
			var ev peer.ChaincodeEvent
			if err := proto.Unmarshal(cca.GetEvents(), &ev); err != nil {
				return fmt.Errorf("action %d event: %w", ai, err)
			}
			if ev.GetEventName() != "" || len(ev.GetPayload()) > 0 {
				t.rec.Event = &ChaincodeEvent{Name: ev.GetEventName(), Payload: jsonOrBase64(ev.GetPayload())}
			}
		}
	}
	for o := range orgs {
		t.rec.EndorsingOrgs = append(t.rec.EndorsingOrgs, o)
	}
	slices.Sort(t.rec.EndorsingOrgs)
	return nil
}

// identityOf names a serialized identity: its MSP and, when it holds an
// X.509 certificate, the identity the chaincode computes from it.
func identityOf(serialized []byte) Identity {
	if len(serialized) == 0 {
		return Identity{}
	}
	if v, ok := identities.Load(string(serialized)); ok {
		return v.(Identity)
	}
	id := parseIdentity(serialized)
	identities.Store(string(serialized), id)
	return id
}

// identities caches identityOf: a chain has few signers and many
// signatures.
var identities sync.Map

func parseIdentity(serialized []byte) Identity {
	var si msp.SerializedIdentity
	if err := proto.Unmarshal(serialized, &si); err != nil {
		return Identity{}
	}
	id := Identity{MSPID: si.GetMspid()}
	if cert, err := parseCertPEM(si.GetIdBytes()); err == nil {
		id.ID = identity.FromCert(si.GetMspid(), cert).ID
	}
	return id
}

func parseCertPEM(raw []byte) (*x509.Certificate, error) {
	block, _ := pem.Decode(raw)
	if block == nil {
		return nil, fmt.Errorf("no PEM block")
	}
	return x509.ParseCertificate(block.Bytes)
}

// text returns b as a string when it is valid UTF-8, else its base64.
func text(b []byte) (string, bool) {
	if utf8.Valid(b) {
		return string(b), false
	}
	return base64.StdEncoding.EncodeToString(b), true
}

// texts is text for a list: all as text, or all as base64.
func texts(bs [][]byte) ([]string, bool) {
	out := make([]string, len(bs))
	b64 := false
	for _, b := range bs {
		if !utf8.Valid(b) {
			b64 = true
		}
	}
	for i, b := range bs {
		if b64 {
			out[i] = base64.StdEncoding.EncodeToString(b)
		} else {
			out[i] = string(b)
		}
	}
	return out, b64
}

// jsonOrBase64 returns p when it is valid JSON, else a JSON string of its
// base64.
func jsonOrBase64(p []byte) json.RawMessage {
	if len(p) == 0 {
		return nil
	}
	if json.Valid(p) {
		var buf bytes.Buffer
		if err := json.Compact(&buf, p); err == nil {
			return buf.Bytes()
		}
	}
	raw, _ := json.Marshal(base64.StdEncoding.EncodeToString(p))
	return raw
}
