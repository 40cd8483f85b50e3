// Package ledger adapts Charter's domain Store to the Fabric world state.
//
// StubStore implements core.Store over a shim.ChaincodeStubInterface. Reads
// and writes go straight to the stub; Scan uses a partial composite-key
// range, which Fabric returns in key order, so scans are deterministic.
package ledger

import (
	"fmt"
	"math"

	"github.com/hyperledger/fabric-chaincode-go/v2/shim"

	"github.com/charter-gov/charter/chaincode/core"
)

// StubStore is the ledger-backed core.Store.
type StubStore struct {
	Stub shim.ChaincodeStubInterface
}

var _ core.Store = StubStore{}

// Get implements core.Store.
func (s StubStore) Get(key string) ([]byte, error) {
	v, err := s.Stub.GetState(key)
	if err != nil {
		return nil, fmt.Errorf("get state %q: %w", key, err)
	}
	return v, nil
}

// Put implements core.Store.
func (s StubStore) Put(key string, value []byte) error {
	if err := s.Stub.PutState(key, value); err != nil {
		return fmt.Errorf("put state %q: %w", key, err)
	}
	return nil
}

// Delete implements core.Store.
func (s StubStore) Delete(key string) error {
	if err := s.Stub.DelState(key); err != nil {
		return fmt.Errorf("delete state %q: %w", key, err)
	}
	return nil
}

// Scan implements core.Store. An iterator read to its end is not closed:
// the peer released it when it sent the last batch (a response without
// "has more"), so the shim's close would be one more message to the peer
// and back for nothing. Nor is one left at its last entry (fn stopped the
// scan on it): HasNext answers from the batch in hand without asking the
// peer, and false means that batch was the last. Only an iterator with
// entries still to send is closed.
func (s StubStore) Scan(objectType string, attrs []string, fn func(key string, value []byte) error) (err error) {
	it, err := s.Stub.GetStateByPartialCompositeKey(objectType, attrs)
	if err != nil {
		return fmt.Errorf("scan %s %v: %w", objectType, attrs, err)
	}
	exhausted := false
	defer func() {
		if exhausted || !it.HasNext() {
			return
		}
		if cerr := it.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("close scan %s: %w", objectType, cerr)
		}
	}()
	for {
		if !it.HasNext() {
			exhausted = true
			return nil
		}
		kv, err := it.Next()
		if err != nil {
			return fmt.Errorf("scan %s %v: %w", objectType, attrs, err)
		}
		if err := fn(kv.Key, kv.Value); err != nil {
			return err
		}
	}
}

var _ core.Pager = StubStore{}

// Page implements core.Pager. The first page (bookmark "") is read with the
// plain partial composite key iterator, closed after limit entries and a
// look at the next key: a peer allows that in a transaction that writes
// (its read set records the range up to the last key read), so a write
// transaction may read a bounded prefix this way. A later page (a bookmark)
// uses Fabric's paginated query, which peers allow only in queries
// (evaluated transactions): a transaction that writes gets an error.
func (s StubStore) Page(objectType string, attrs []string, bookmark string, limit int, fn func(key string, value []byte) error) (next string, err error) {
	if limit < 1 || limit > math.MaxInt32 {
		return "", fmt.Errorf("page %s %v: limit %d out of range", objectType, attrs, limit)
	}
	if bookmark == "" {
		return s.firstPage(objectType, attrs, limit, fn)
	}
	it, meta, err := s.Stub.GetStateByPartialCompositeKeyWithPagination(objectType, attrs, int32(limit), bookmark)
	if err != nil {
		return "", fmt.Errorf("page %s %v: %w", objectType, attrs, err)
	}
	defer func() {
		if cerr := it.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("close page %s: %w", objectType, cerr)
		}
	}()
	for it.HasNext() {
		kv, err := it.Next()
		if err != nil {
			return "", fmt.Errorf("page %s %v: %w", objectType, attrs, err)
		}
		if err := fn(kv.Key, kv.Value); err != nil {
			return "", err
		}
	}
	if meta == nil {
		return "", nil
	}
	return meta.Bookmark, nil
}

// firstPage reads at most limit entries under the prefix with the plain
// iterator and returns the key after them ("" when the prefix is
// exhausted): the same page and bookmark as the paginated query. Like
// Scan it closes only an iterator with entries still to send.
func (s StubStore) firstPage(objectType string, attrs []string, limit int, fn func(key string, value []byte) error) (next string, err error) {
	it, err := s.Stub.GetStateByPartialCompositeKey(objectType, attrs)
	if err != nil {
		return "", fmt.Errorf("page %s %v: %w", objectType, attrs, err)
	}
	exhausted := false
	defer func() {
		if exhausted || !it.HasNext() {
			return
		}
		if cerr := it.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("close page %s: %w", objectType, cerr)
		}
	}()
	for n := 0; ; n++ {
		if !it.HasNext() {
			exhausted = true
			return "", nil
		}
		kv, err := it.Next()
		if err != nil {
			return "", fmt.Errorf("page %s %v: %w", objectType, attrs, err)
		}
		if n == limit {
			return kv.Key, nil
		}
		if err := fn(kv.Key, kv.Value); err != nil {
			return "", err
		}
	}
}
