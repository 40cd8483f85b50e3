// Package index is the API server's event-fed read index: a replica of
// the Charter chaincode's world state built from the write sets of the
// valid transactions in each block, the validation outcome of every
// transaction, and the checkpoint (the next block to apply and the hash
// of the last block's header), all in one bbolt file. A block is applied
// in one bbolt transaction: its writes, its transactions' outcomes and the
// checkpoint commit together or not at all, so after a restart the server
// resumes from the checkpoint and no block is missed or applied twice.
//
// Reads run the chaincode's own domain read functions (ballot.List,
// decision.List, membership.ListPaged, …) over a read-only core.Store on a
// bbolt read transaction, so an index answer is the answer the peer's
// evaluate gives at the same height and time, and it reflects exactly the
// height read in the same transaction.
//
// The same file holds the API's own durable records (jobs, idempotency
// keys) in their own buckets (Update, Record).
package index

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/ledger/rwset"
	"github.com/hyperledger/fabric-protos-go-apiv2/ledger/rwset/kvrwset"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	bolt "go.etcd.io/bbolt"
	"google.golang.org/protobuf/proto"

	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/gateway-client/audit"
)

var (
	bucketMeta  = []byte("meta")
	bucketState = []byte("state")
	bucketTxs   = []byte("txs")

	keyHeight    = []byte("height")
	keyLastHash  = []byte("lastHeaderHash")
	keyNamespace = []byte("namespace")
)

// FileName is the index's file inside a state directory.
const FileName = "index.db"

// Outcome is what a block said of one transaction.
type Outcome struct {
	Block uint64                `json:"block"`
	Code  peer.TxValidationCode `json:"code"`
}

// Valid reports whether the transaction was valid (its writes applied).
func (o Outcome) Valid() bool { return o.Code == peer.TxValidationCode_VALID }

// Index is the read index. Safe for concurrent use (bbolt serialises
// writers; readers see consistent snapshots).
type Index struct {
	db        *bolt.DB
	namespace string
	path      string
}

// Open opens (creating it when new) the index in dir for the chaincode
// namespace (its name on the channel). An index made for another
// namespace is refused.
func Open(dir, namespace string) (*Index, error) {
	if namespace == "" {
		return nil, errors.New("index: namespace (the chaincode's name) is required")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("index: state directory %s: %w", dir, err)
	}
	path := filepath.Join(dir, FileName)
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 2e9})
	if err != nil {
		return nil, fmt.Errorf("index: open %s (another server using the same --state-dir holds its lock?): %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketMeta, bucketState, bucketTxs} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		meta := tx.Bucket(bucketMeta)
		if ns := meta.Get(keyNamespace); ns == nil {
			return meta.Put(keyNamespace, []byte(namespace))
		} else if string(ns) != namespace {
			return fmt.Errorf("it indexes chaincode %q, not %q: use another --state-dir", ns, namespace)
		}
		return nil
	})
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("index: %s: %w", path, err)
	}
	return &Index{db: db, namespace: namespace, path: path}, nil
}

// Close closes the file.
func (x *Index) Close() error { return x.db.Close() }

// Path is the index file.
func (x *Index) Path() string { return x.path }

// Height is the checkpoint: the number of blocks applied (the next block
// to apply). Every answer of the index reflects exactly this height.
func (x *Index) Height() (uint64, error) {
	var h uint64
	err := x.db.View(func(tx *bolt.Tx) error {
		h = heightOf(tx)
		return nil
	})
	return h, err
}

func heightOf(tx *bolt.Tx) uint64 {
	v := tx.Bucket(bucketMeta).Get(keyHeight)
	if len(v) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(v)
}

// ErrGap is returned by Apply for a block after the next one expected.
var ErrGap = errors.New("index: block out of order")

// Apply applies blocks in order, in one atomic commit: for each, the
// writes of its valid transactions to the chaincode's namespace, every
// transaction's outcome, and the checkpoint. A block below the checkpoint
// was applied already and is skipped (applied counts the others); a block
// above it is refused (ErrGap), as is one whose previous-hash does not
// chain onto the last applied block (the index belongs to another chain).
// When any block is refused, none is applied.
func (x *Index) Apply(blocks ...*common.Block) (applied int, err error) {
	err = x.db.Update(func(tx *bolt.Tx) error {
		applied = 0
		meta := tx.Bucket(bucketMeta)
		for _, b := range blocks {
			num := b.GetHeader().GetNumber()
			h := heightOf(tx)
			if num < h {
				continue
			}
			if num > h {
				return fmt.Errorf("%w: got block %d, the index is at height %d", ErrGap, num, h)
			}
			if prev := meta.Get(keyLastHash); prev != nil && !bytes.Equal(prev, b.GetHeader().GetPreviousHash()) {
				return fmt.Errorf("index: block %d does not chain onto the indexed block %d (another network's index?): remove %s and restart", num, num-1, x.path)
			}
			if err := x.applyTxs(tx, b); err != nil {
				return fmt.Errorf("index: block %d: %w", num, err)
			}
			var hb [8]byte
			binary.BigEndian.PutUint64(hb[:], num+1)
			if err := meta.Put(keyHeight, hb[:]); err != nil {
				return err
			}
			if err := meta.Put(keyLastHash, audit.HeaderHash(b.GetHeader())); err != nil {
				return err
			}
			applied++
		}
		return nil
	})
	if err != nil {
		applied = 0
	}
	return applied, err
}

func (x *Index) applyTxs(tx *bolt.Tx, b *common.Block) error {
	num := b.GetHeader().GetNumber()
	var filter []byte
	if md := b.GetMetadata().GetMetadata(); len(md) > int(common.BlockMetadataIndex_TRANSACTIONS_FILTER) {
		filter = md[common.BlockMetadataIndex_TRANSACTIONS_FILTER]
	}
	state, txs := tx.Bucket(bucketState), tx.Bucket(bucketTxs)
	for i, raw := range b.GetData().GetData() {
		code := peer.TxValidationCode_INVALID_OTHER_REASON
		if i < len(filter) {
			code = peer.TxValidationCode(filter[i])
		}
		txID, writes, err := decodeEnvelope(raw, x.namespace)
		if err != nil {
			// A transaction the index cannot decode cannot have been
			// validated by the peer either unless it is of a kind the
			// index does not follow; a valid one would be lost.
			if code == peer.TxValidationCode_VALID {
				return fmt.Errorf("transaction %d: %w", i, err)
			}
			continue
		}
		if txID == "" {
			continue
		}
		if code == peer.TxValidationCode_VALID {
			for _, w := range writes {
				if w.GetIsDelete() {
					if err := state.Delete([]byte(w.GetKey())); err != nil {
						return err
					}
					continue
				}
				if err := state.Put([]byte(w.GetKey()), w.GetValue()); err != nil {
					return err
				}
			}
		}
		// A transaction ID is kept with its first outcome: a later
		// duplicate (refused as DUPLICATE_TXID) does not hide it.
		if txs.Get([]byte(txID)) != nil {
			continue
		}
		out, _ := json.Marshal(Outcome{Block: num, Code: code})
		if err := txs.Put([]byte(txID), out); err != nil {
			return err
		}
	}
	return nil
}

// decodeEnvelope returns a transaction's ID and, for an endorser
// transaction, its writes to namespace (in the order of its actions).
func decodeEnvelope(raw []byte, namespace string) (string, []*kvrwset.KVWrite, error) {
	var env common.Envelope
	if err := proto.Unmarshal(raw, &env); err != nil {
		return "", nil, fmt.Errorf("envelope: %w", err)
	}
	var pl common.Payload
	if err := proto.Unmarshal(env.GetPayload(), &pl); err != nil {
		return "", nil, fmt.Errorf("payload: %w", err)
	}
	var ch common.ChannelHeader
	if err := proto.Unmarshal(pl.GetHeader().GetChannelHeader(), &ch); err != nil {
		return "", nil, fmt.Errorf("channel header: %w", err)
	}
	if common.HeaderType(ch.GetType()) != common.HeaderType_ENDORSER_TRANSACTION {
		return ch.GetTxId(), nil, nil
	}
	var t peer.Transaction
	if err := proto.Unmarshal(pl.GetData(), &t); err != nil {
		return "", nil, fmt.Errorf("transaction: %w", err)
	}
	var writes []*kvrwset.KVWrite
	for ai, act := range t.GetActions() {
		var cap peer.ChaincodeActionPayload
		if err := proto.Unmarshal(act.GetPayload(), &cap); err != nil {
			return "", nil, fmt.Errorf("action %d payload: %w", ai, err)
		}
		var prp peer.ProposalResponsePayload
		if err := proto.Unmarshal(cap.GetAction().GetProposalResponsePayload(), &prp); err != nil {
			return "", nil, fmt.Errorf("action %d proposal response: %w", ai, err)
		}
		var cca peer.ChaincodeAction
		if err := proto.Unmarshal(prp.GetExtension(), &cca); err != nil {
			return "", nil, fmt.Errorf("action %d chaincode action: %w", ai, err)
		}
		var rws rwset.TxReadWriteSet
		if err := proto.Unmarshal(cca.GetResults(), &rws); err != nil {
			return "", nil, fmt.Errorf("action %d read-write set: %w", ai, err)
		}
		for _, ns := range rws.GetNsRwset() {
			if ns.GetNamespace() != namespace {
				continue
			}
			var kv kvrwset.KVRWSet
			if err := proto.Unmarshal(ns.GetRwset(), &kv); err != nil {
				return "", nil, fmt.Errorf("action %d namespace %s writes: %w", ai, namespace, err)
			}
			writes = append(writes, kv.GetWrites()...)
		}
	}
	return ch.GetTxId(), writes, nil
}

// Outcome is what the index saw of txID: its block and validation code.
func (x *Index) Outcome(txID string) (Outcome, bool, error) {
	var o Outcome
	var ok bool
	err := x.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketTxs).Get([]byte(txID))
		if v == nil {
			return nil
		}
		ok = true
		return json.Unmarshal(v, &o)
	})
	if err != nil {
		return Outcome{}, false, fmt.Errorf("index: transaction %s: %w", txID, err)
	}
	return o, ok, nil
}

// Read runs fn over a consistent read-only view of the replicated world
// state and the height it reflects.
func (x *Index) Read(fn func(s core.Store, height uint64) error) error {
	return x.db.View(func(tx *bolt.Tx) error {
		return fn(roStore{b: tx.Bucket(bucketState)}, heightOf(tx))
	})
}

// roStore is a read-only core.Store (and core.Pager) over the state
// bucket of a read transaction.
type roStore struct{ b *bolt.Bucket }

var errReadOnly = errcode.New(errcode.Internal, "the read index is read-only")

func (s roStore) Get(key string) ([]byte, error) {
	v := s.b.Get([]byte(key))
	if v == nil {
		return nil, nil
	}
	return bytes.Clone(v), nil
}

func (s roStore) Put(string, []byte) error { return errReadOnly }
func (s roStore) Delete(string) error      { return errReadOnly }

func (s roStore) Scan(objectType string, attrs []string, fn func(key string, value []byte) error) error {
	prefix, err := core.Key(objectType, attrs...)
	if err != nil {
		return err
	}
	c := s.b.Cursor()
	for k, v := c.Seek([]byte(prefix)); k != nil && bytes.HasPrefix(k, []byte(prefix)); k, v = c.Next() {
		if err := fn(string(k), bytes.Clone(v)); err != nil {
			return err
		}
	}
	return nil
}

// Page implements core.Pager with the ledger adapter's semantics: the
// bookmark is the first key of the next page.
func (s roStore) Page(objectType string, attrs []string, bookmark string, limit int, fn func(key string, value []byte) error) (string, error) {
	prefix, err := core.Key(objectType, attrs...)
	if err != nil {
		return "", err
	}
	start := prefix
	if bookmark != "" {
		if !strings.HasPrefix(bookmark, prefix) {
			return "", errcode.Invalidf("page of %s: bookmark %q does not belong to this list", objectType, bookmark)
		}
		start = bookmark
	}
	c := s.b.Cursor()
	n := 0
	for k, v := c.Seek([]byte(start)); k != nil && bytes.HasPrefix(k, []byte(prefix)); k, v = c.Next() {
		if n == limit {
			return string(k), nil
		}
		n++
		if err := fn(string(k), bytes.Clone(v)); err != nil {
			return "", err
		}
	}
	return "", nil
}

// RecordTx reads and writes the API's own records in one atomic update.
type RecordTx struct{ tx *bolt.Tx }

// Get returns a record (nil when absent).
func (r RecordTx) Get(bucket, key string) []byte {
	b := r.tx.Bucket([]byte(bucket))
	if b == nil {
		return nil
	}
	return bytes.Clone(b.Get([]byte(key)))
}

// Put stores a record.
func (r RecordTx) Put(bucket, key string, value []byte) error {
	b, err := r.tx.CreateBucketIfNotExists([]byte(bucket))
	if err != nil {
		return err
	}
	return b.Put([]byte(key), value)
}

// Update runs fn in one atomic write of the API's records.
func (x *Index) Update(fn func(r RecordTx) error) error {
	if err := x.db.Update(func(tx *bolt.Tx) error { return fn(RecordTx{tx: tx}) }); err != nil {
		return fmt.Errorf("index: update records: %w", err)
	}
	return nil
}

// Record returns one of the API's records (nil when absent).
func (x *Index) Record(bucket, key string) ([]byte, error) {
	var out []byte
	err := x.db.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket([]byte(bucket)); b != nil {
			out = bytes.Clone(b.Get([]byte(key)))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("index: record %s/%s: %w", bucket, key, err)
	}
	return out, nil
}
