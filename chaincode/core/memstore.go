package core

import (
	"slices"
	"strings"
)

// MemStore is an in-memory Store with the same semantics as the ledger
// adapter: missing keys read as nil, scans in ascending key order. It also
// counts reads and writes so tests can prove that bad input wrote nothing.
// It is not safe for concurrent use.
type MemStore struct {
	data map[string][]byte
	// sorted holds data's keys in ascending order, kept on every write, so
	// that a scan finds its range by binary search instead of sorting the
	// whole state.
	sorted []string
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
	if _, ok := m.data[key]; !ok {
		i, _ := slices.BinarySearch(m.sorted, key)
		m.sorted = slices.Insert(m.sorted, i, key)
	}
	m.data[key] = append([]byte(nil), value...)
	m.Writes++
	return nil
}

// Delete implements Store.
func (m *MemStore) Delete(key string) error {
	if i, ok := slices.BinarySearch(m.sorted, key); ok {
		m.sorted = slices.Delete(m.sorted, i, i+1)
	}
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
	for _, k := range m.withPrefix(prefix) {
		if err := fn(k, append([]byte(nil), m.data[k]...)); err != nil {
			return err
		}
	}
	return nil
}

// withPrefix returns a copy of the keys that start with prefix, in
// ascending order: a callback may write while the caller walks it.
func (m *MemStore) withPrefix(prefix string) []string {
	lo, _ := slices.BinarySearch(m.sorted, prefix)
	hi := lo
	for hi < len(m.sorted) && strings.HasPrefix(m.sorted[hi], prefix) {
		hi++
	}
	return slices.Clone(m.sorted[lo:hi])
}

// Keys returns every key in ascending order.
func (m *MemStore) Keys() []string { return slices.Clone(m.sorted) }

// Snapshot returns a copy of the whole state, for before/after comparisons.
func (m *MemStore) Snapshot() map[string]string {
	out := make(map[string]string, len(m.data))
	for _, k := range m.Keys() {
		out[k] = string(m.data[k])
	}
	return out
}
