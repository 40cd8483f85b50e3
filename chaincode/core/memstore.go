package core

import (
	"sort"
	"strings"
)

// MemStore is an in-memory Store with the same semantics as the ledger
// adapter: missing keys read as nil, scans in ascending key order. It also
// counts reads and writes so tests can prove that bad input wrote nothing.
// It is not safe for concurrent use.
type MemStore struct {
	data   map[string][]byte
	Writes int
}

// NewMemStore returns an empty MemStore.
func NewMemStore() *MemStore { return &MemStore{data: map[string][]byte{}} }

// Get implements Store.
func (m *MemStore) Get(key string) ([]byte, error) {
	v, ok := m.data[key]
	if !ok {
		return nil, nil
	}
	return append([]byte(nil), v...), nil
}

// Put implements Store.
func (m *MemStore) Put(key string, value []byte) error {
	m.data[key] = append([]byte(nil), value...)
	m.Writes++
	return nil
}

// Delete implements Store.
func (m *MemStore) Delete(key string) error {
	delete(m.data, key)
	m.Writes++
	return nil
}

// Scan implements Store.
func (m *MemStore) Scan(objectType string, attrs []string, fn func(key string, value []byte) error) error {
	prefix, err := Key(objectType, attrs...)
	if err != nil {
		return err
	}
	for _, k := range m.Keys() {
		if strings.HasPrefix(k, prefix) {
			if err := fn(k, append([]byte(nil), m.data[k]...)); err != nil {
				return err
			}
		}
	}
	return nil
}

// Keys returns every key in ascending order.
func (m *MemStore) Keys() []string {
	keys := make([]string, 0, len(m.data))
	for k := range m.data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Snapshot returns a copy of the whole state, for before/after comparisons.
func (m *MemStore) Snapshot() map[string]string {
	out := make(map[string]string, len(m.data))
	for _, k := range m.Keys() {
		out[k] = string(m.data[k])
	}
	return out
}
