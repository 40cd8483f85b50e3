package core

import (
	"errors"
	"fmt"
	"strings"

	"github.com/charter-gov/charter/chaincode/errcode"
)

// Paging. Fabric caps what one query may return (the peer's
// ledger.state.totalQueryLimit, 100,000 by default) and may cut a longer
// result short, so no read may depend on reading a whole, growing range.
// Two ways to stay under it:
//
//   - Queries (evaluated, never committed) read a page with a bookmark:
//     Page, which the ledger adapter maps to Fabric's paginated partial
//     composite key query. Fabric refuses paginated queries in a
//     transaction that writes.
//   - Transactions that write read bounded prefixes with Scan: the data is
//     spread over shards (votes, the member register's shard index) and a
//     transaction reads whole shards, never resuming inside one.

// MaxPageSize bounds one page of any list query, well under Fabric's
// default totalQueryLimit.
const MaxPageSize = 1000

// DefaultListPage is the page size a list query uses when none is given.
const DefaultListPage = 100

// Pager is a Store that can read a page of a prefix from a bookmark.
// Page calls fn for at most limit entries under (objectType, attrs...) in
// ascending key order, starting at bookmark (a key previously returned;
// "" is the start), and returns the bookmark of the next page, or "" when
// the prefix is exhausted.
type Pager interface {
	Page(objectType string, attrs []string, bookmark string, limit int, fn func(key string, value []byte) error) (string, error)
}

// CheckPage validates a page request: limit 0 means DefaultListPage; the
// result is the limit to use.
func CheckPage(what string, limit int) (int, error) {
	if limit == 0 {
		return DefaultListPage, nil
	}
	if limit < 1 || limit > MaxPageSize {
		return 0, errcode.InvalidFieldf("pageSize", "range", "%s: page size %d is outside 1..%d", what, limit, MaxPageSize)
	}
	return limit, nil
}

type pageFull struct{}

func (pageFull) Error() string { return "page full" }

// Page reads one page from s: through s.Page when s is a Pager, else by a
// Scan that skips the keys before bookmark and stops after limit entries
// (the same results, for stores without native paging). A bookmark must
// lie under the prefix.
func Page(s Store, objectType string, attrs []string, bookmark string, limit int, fn func(key string, value []byte) error) (string, error) {
	if limit < 1 {
		return "", errcode.Invalidf("page of %s: limit %d is below 1", objectType, limit)
	}
	prefix, err := Key(objectType, attrs...)
	if err != nil {
		return "", err
	}
	if bookmark != "" && !strings.HasPrefix(bookmark, prefix) {
		return "", errcode.InvalidFieldf("bookmark", "same-list", "page of %s: bookmark %q does not belong to this list", objectType, bookmark)
	}
	if p, ok := s.(Pager); ok {
		return p.Page(objectType, attrs, bookmark, limit, fn)
	}
	n, next := 0, ""
	err = s.Scan(objectType, attrs, func(key string, value []byte) error {
		if key < bookmark {
			return nil
		}
		if n == limit {
			next = key
			return pageFull{}
		}
		n++
		return fn(key, value)
	})
	if err != nil && !errors.As(err, new(pageFull)) {
		return "", err
	}
	return next, nil
}

// Page implements Pager.
func (m *MemStore) Page(objectType string, attrs []string, bookmark string, limit int, fn func(key string, value []byte) error) (string, error) {
	prefix, err := Key(objectType, attrs...)
	if err != nil {
		return "", err
	}
	n := 0
	for _, k := range m.withPrefix(prefix) {
		if k < bookmark {
			continue
		}
		if n == limit {
			return k, nil
		}
		n++
		if err := fn(k, append([]byte(nil), m.data[k]...)); err != nil {
			return "", err
		}
	}
	return "", nil
}

// PageJSON reads one page of JSON records of type T under (objectType,
// attrs...): at most pageSize records (1..MaxPageSize; 0 means
// DefaultListPage) in key order from bookmark ("" starts). keep, when not
// nil, decides which records read are returned, so a page may hold fewer
// than pageSize records while the bookmark still moves on; the bookmark
// returned is "" after the last page. what names the list in errors. A
// query: it reads at most pageSize records, whatever the range holds.
func PageJSON[T any](s Store, what, objectType string, attrs []string, pageSize int, bookmark string, keep func(*T) bool) ([]T, string, error) {
	limit, err := CheckPage(what, pageSize)
	if err != nil {
		return nil, "", err
	}
	out := []T{}
	next, err := Page(s, objectType, attrs, bookmark, limit, func(key string, raw []byte) error {
		var v T
		if err := DecodeJSON(key, raw, &v); err != nil {
			return err
		}
		if keep == nil || keep(&v) {
			out = append(out, v)
		}
		return nil
	})
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", what, err)
	}
	return out, next, nil
}

type scanFull struct{}

func (scanFull) Error() string { return "scan full" }

// ScanUpTo calls fn for at most limit entries under (objectType,
// attrs...) in ascending key order, with Scan: the bounded read for a
// transaction that writes (Fabric refuses paginated queries there). It
// reports whether entries were left unread.
func ScanUpTo(s Store, objectType string, attrs []string, limit int, fn func(key string, value []byte) error) (more bool, err error) {
	if limit < 1 {
		return false, errcode.Invalidf("scan of %s: limit %d is below 1", objectType, limit)
	}
	n := 0
	err = s.Scan(objectType, attrs, func(key string, value []byte) error {
		if n == limit {
			return scanFull{}
		}
		n++
		return fn(key, value)
	})
	if errors.As(err, new(scanFull)) {
		return true, nil
	}
	return false, err
}
