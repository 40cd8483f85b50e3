package testutil

import (
	"fmt"

	"github.com/charter-gov/charter/chaincode/core"
)

// Counting wraps a store and counts what its reads return, to prove that a
// query is bounded: the records each Page call delivered and every range
// Scan made (by prefix), so a test can assert that a listing read pages
// only, each at most its page size.
type Counting struct {
	core.Store
	// PageRecords holds, per Page call, the records it delivered.
	PageRecords []int
	// Scans holds the composite-key prefix of every Scan.
	Scans []string
}

// Scan implements core.Store and records the prefix.
func (c *Counting) Scan(objectType string, attrs []string, fn func(key string, value []byte) error) error {
	prefix, err := core.Key(objectType, attrs...)
	if err != nil {
		return err
	}
	c.Scans = append(c.Scans, prefix)
	return c.Store.Scan(objectType, attrs, fn)
}

// Page implements core.Pager over the wrapped store and counts the records
// delivered.
func (c *Counting) Page(objectType string, attrs []string, bookmark string, limit int, fn func(key string, value []byte) error) (string, error) {
	n := 0
	next, err := core.Page(c.Store, objectType, attrs, bookmark, limit, func(key string, value []byte) error {
		n++
		return fn(key, value)
	})
	c.PageRecords = append(c.PageRecords, n)
	return next, err
}

// MaxPage is the most records one Page call delivered.
func (c *Counting) MaxPage() int {
	m := 0
	for _, n := range c.PageRecords {
		m = max(m, n)
	}
	return m
}

// AllPages follows a paged listing from the first page to the last and
// returns every item in order and the number of pages. It fails when a
// bookmark repeats (a listing that would never end) or after limit pages.
func AllPages[T any](limit int, page func(bookmark string) ([]T, string, error)) ([]T, int, error) {
	var out []T
	seen := map[string]bool{}
	bookmark := ""
	for n := 1; n <= limit; n++ {
		items, next, err := page(bookmark)
		if err != nil {
			return nil, n, fmt.Errorf("page %d: %w", n, err)
		}
		out = append(out, items...)
		if next == "" {
			return out, n, nil
		}
		if seen[next] {
			return nil, n, fmt.Errorf("page %d: bookmark %q repeats", n, next)
		}
		seen[next] = true
		bookmark = next
	}
	return nil, limit, fmt.Errorf("more than %d pages", limit)
}
