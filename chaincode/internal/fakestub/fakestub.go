// Package fakestub is an in-memory shim.ChaincodeStubInterface. It exists
// only for tests of the chaincode's adapters (the ledger's StubStore and the
// contract layer); no production code may import it.
//
// The fake keeps the world state in a core.MemStore and implements just the
// stub methods Charter uses. It is simpler than a peer in ways tests should
// know about:
//
//   - Reads see the transaction's own writes. A real peer serves reads from
//     the committed state only ("read-your-writes is not supported").
//   - Range scans iterate over a snapshot taken when the scan starts.
//   - Composite-key validation is core.Key's, so an invalid key part is an
//     errcode INVALID_ARGUMENT error; the real shim returns a plain error,
//     and it accepts an empty object type, which core.Key refuses.
//   - An empty value is stored as written; a peer treats writing an empty
//     value as deleting the key.
//
// Methods it does not implement panic through the nil embedded interface,
// so a test that reaches one fails at once.
package fakestub

import (
	"errors"
	"fmt"
	"time"

	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
	"github.com/hyperledger/fabric-protos-go-apiv2/ledger/queryresult"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/charter-gov/charter/chaincode/core"
)

// Stub is the fake stub of one transaction. Set the fields before handing
// it to the code under test; Events collects what the transaction emitted.
type Stub struct {
	shim.ChaincodeStubInterface

	// State is the world state; reads and writes go straight to it.
	State *core.MemStore
	// Args is the invocation: the function name followed by its arguments.
	Args []string
	// Creator is the serialized identity of the submitter.
	Creator []byte
	// Timestamp is the transaction (proposal) timestamp.
	Timestamp time.Time
	// TxID is the transaction ID.
	TxID string
	// Events maps event name to payload; SetEvent creates it if nil.
	Events map[string][]byte
	// Reads lists the keys GetState read, in order (a transaction's point
	// reads: what a peer's read set would hold for them).
	Reads []string
	// Scans counts the range reads GetStateByPartialCompositeKey served,
	// and Closes the Close calls on their iterators (each a message to
	// the peer and back with the real shim).
	Scans, Closes int

	// paginated and wrote enforce what a peer's transaction simulator
	// enforces: a transaction that ran a paginated query may not write,
	// and one that wrote may not run a paginated query.
	paginated, wrote bool
}

var _ shim.ChaincodeStubInterface = (*Stub)(nil)

// GetFunctionAndParameters implements shim.ChaincodeStubInterface.
func (s *Stub) GetFunctionAndParameters() (string, []string) {
	if len(s.Args) == 0 {
		return "", nil
	}
	return s.Args[0], s.Args[1:]
}

// GetArgs implements shim.ChaincodeStubInterface.
func (s *Stub) GetArgs() [][]byte {
	out := make([][]byte, len(s.Args))
	for i, a := range s.Args {
		out[i] = []byte(a)
	}
	return out
}

// GetCreator implements shim.ChaincodeStubInterface.
func (s *Stub) GetCreator() ([]byte, error) { return s.Creator, nil }

// GetTxTimestamp implements shim.ChaincodeStubInterface.
func (s *Stub) GetTxTimestamp() (*timestamppb.Timestamp, error) {
	return timestamppb.New(s.Timestamp), nil
}

// GetTxID implements shim.ChaincodeStubInterface.
func (s *Stub) GetTxID() string { return s.TxID }

// GetState implements shim.ChaincodeStubInterface.
func (s *Stub) GetState(key string) ([]byte, error) {
	s.Reads = append(s.Reads, key)
	return s.State.Get(key)
}

// PutState implements shim.ChaincodeStubInterface.
func (s *Stub) PutState(key string, value []byte) error {
	if err := s.checkWrite(); err != nil {
		return err
	}
	return s.State.Put(key, value)
}

// DelState implements shim.ChaincodeStubInterface.
func (s *Stub) DelState(key string) error {
	if err := s.checkWrite(); err != nil {
		return err
	}
	return s.State.Delete(key)
}

// checkWrite refuses a write after a paginated query, with the peer's own
// words.
func (s *Stub) checkWrite() error {
	if s.paginated {
		return fmt.Errorf("txid [%s]: unsuppored transaction. Transaction has already performed a paginated query. Writes are not allowed", s.TxID)
	}
	s.wrote = true
	return nil
}

// SetEvent implements shim.ChaincodeStubInterface.
func (s *Stub) SetEvent(name string, payload []byte) error {
	if s.Events == nil {
		s.Events = map[string][]byte{}
	}
	s.Events[name] = payload
	return nil
}

// GetStateByPartialCompositeKey implements shim.ChaincodeStubInterface. It
// returns the keys under the prefix in ascending order, as a peer does.
func (s *Stub) GetStateByPartialCompositeKey(objectType string, attrs []string) (shim.StateQueryIteratorInterface, error) {
	s.Scans++
	it := &Iter{stub: s}
	err := s.State.Scan(objectType, attrs, func(key string, value []byte) error {
		it.kvs = append(it.kvs, &queryresult.KV{Key: key, Value: value})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return it, nil
}

// Iter is the iterator GetStateByPartialCompositeKey returns, over a
// snapshot of the matching entries.
type Iter struct {
	kvs  []*queryresult.KV
	i    int
	stub *Stub
}

var _ shim.StateQueryIteratorInterface = (*Iter)(nil)

// HasNext implements shim.StateQueryIteratorInterface.
func (it *Iter) HasNext() bool { return it.i < len(it.kvs) }

// Next implements shim.StateQueryIteratorInterface.
func (it *Iter) Next() (*queryresult.KV, error) {
	if !it.HasNext() {
		return nil, errors.New("fakestub: Next called on an exhausted iterator")
	}
	it.i++
	return it.kvs[it.i-1], nil
}

// Close implements shim.StateQueryIteratorInterface and counts the call.
func (it *Iter) Close() error {
	if it.stub != nil {
		it.stub.Closes++
	}
	return nil
}

// GetStateByPartialCompositeKeyWithPagination implements
// shim.ChaincodeStubInterface like a LevelDB peer: at most pageSize entries
// from bookmark (inclusive), and the next page's first key as the
// bookmark ("" when none is left).
func (s *Stub) GetStateByPartialCompositeKeyWithPagination(objectType string, attrs []string, pageSize int32, bookmark string) (shim.StateQueryIteratorInterface, *peer.QueryResponseMetadata, error) {
	if s.wrote {
		return nil, nil, fmt.Errorf("txid [%s]: unsuppored transaction. Transaction has already performed writes. Paginated queries are not allowed", s.TxID)
	}
	s.paginated = true
	it := &Iter{}
	next, err := s.State.Page(objectType, attrs, bookmark, int(pageSize), func(key string, value []byte) error {
		it.kvs = append(it.kvs, &queryresult.KV{Key: key, Value: value})
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return it, &peer.QueryResponseMetadata{FetchedRecordsCount: int32(len(it.kvs)), Bookmark: next}, nil
}
