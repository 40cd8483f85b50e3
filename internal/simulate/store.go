package simulate

import (
	"sort"
	"strings"

	"github.com/charter-gov/charter/chaincode/core"
)

// sortedStore is a core.Store that keeps its keys sorted, so that a scan
// costs its range, not a sort of the whole state (core.MemStore sorts every
// key on every scan, which dominates a community of thousands). Same
// semantics as core.MemStore: missing keys read as nil, scans in ascending
// key order.
type sortedStore struct {
	data map[string][]byte
	keys []string
}

func newSortedStore() *sortedStore { return &sortedStore{data: map[string][]byte{}} }

func (s *sortedStore) Get(k string) ([]byte, error) {
	v, ok := s.data[k]
	if !ok {
		return nil, nil
	}
	return append([]byte(nil), v...), nil
}

func (s *sortedStore) Put(k string, v []byte) error {
	if _, ok := s.data[k]; !ok {
		i := sort.SearchStrings(s.keys, k)
		s.keys = append(s.keys, "")
		copy(s.keys[i+1:], s.keys[i:])
		s.keys[i] = k
	}
	s.data[k] = append([]byte(nil), v...)
	return nil
}

func (s *sortedStore) Delete(k string) error {
	if _, ok := s.data[k]; ok {
		delete(s.data, k)
		i := sort.SearchStrings(s.keys, k)
		s.keys = append(s.keys[:i], s.keys[i+1:]...)
	}
	return nil
}

func (s *sortedStore) Scan(obj string, attrs []string, fn func(string, []byte) error) error {
	prefix, err := core.Key(obj, attrs...)
	if err != nil {
		return err
	}
	for i := sort.SearchStrings(s.keys, prefix); i < len(s.keys) && strings.HasPrefix(s.keys[i], prefix); i++ {
		k := s.keys[i]
		if err := fn(k, append([]byte(nil), s.data[k]...)); err != nil {
			return err
		}
	}
	return nil
}
