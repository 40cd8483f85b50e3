package testutil

import "github.com/charter-gov/charter/chaincode/core"

// Staged is a store with Fabric's transaction semantics over a MemStore:
// reads see the state as it was before the transaction, never the
// transaction's own writes, and writes reach the MemStore only on Commit.
// Domain code that reads back what it wrote passes MemStore tests but
// fails on a peer; tests of such paths run through Staged.
type Staged struct {
	Base    *core.MemStore
	order   []string
	values  map[string][]byte
	deleted map[string]bool
}

// NewStaged starts a transaction over base.
func NewStaged(base *core.MemStore) *Staged {
	return &Staged{Base: base, values: map[string][]byte{}, deleted: map[string]bool{}}
}

// Get implements core.Store: the state before the transaction.
func (s *Staged) Get(key string) ([]byte, error) { return s.Base.Get(key) }

// Scan implements core.Store: the state before the transaction.
func (s *Staged) Scan(objectType string, attrs []string, fn func(key string, value []byte) error) error {
	return s.Base.Scan(objectType, attrs, fn)
}

func (s *Staged) touch(key string) {
	if _, ok := s.values[key]; !ok && !s.deleted[key] {
		s.order = append(s.order, key)
	}
}

// Put implements core.Store: staged until Commit.
func (s *Staged) Put(key string, value []byte) error {
	s.touch(key)
	delete(s.deleted, key)
	s.values[key] = append([]byte(nil), value...)
	return nil
}

// Delete implements core.Store: staged until Commit.
func (s *Staged) Delete(key string) error {
	s.touch(key)
	delete(s.values, key)
	s.deleted[key] = true
	return nil
}

// Commit applies the staged writes, in the order their keys were first
// written.
func (s *Staged) Commit() error {
	for _, k := range s.order {
		var err error
		if s.deleted[k] {
			err = s.Base.Delete(k)
		} else {
			err = s.Base.Put(k, s.values[k])
		}
		if err != nil {
			return err
		}
	}
	return nil
}
