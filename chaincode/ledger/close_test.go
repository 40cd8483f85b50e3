package ledger_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/internal/fakestub"
	"github.com/charter-gov/charter/chaincode/ledger"
)

// A range read that reaches the end of its range does not close the
// iterator (the peer released it with the last batch; the close would be
// one more message to the peer and back); one that stops early closes it.
func TestScanClosesOnlyAnIteratorLeftEarly(t *testing.T) {
	state := core.NewMemStore()
	for _, k := range []string{"a", "b", "c"} {
		require.NoError(t, state.Put(core.MustKey("t", k), []byte(k)))
	}
	stop := errors.New("stop")
	// stopAt scans "t" and stops on the entry with attribute last.
	stopAt := func(last string) func(s ledger.StubStore) error {
		return func(s ledger.StubStore) error {
			err := s.Scan("t", nil, func(k string, _ []byte) error {
				if k == core.MustKey("t", last) {
					return stop
				}
				return nil
			})
			if errors.Is(err, stop) {
				return nil
			}
			return err
		}
	}
	for _, tt := range []struct {
		name      string
		scan      func(s ledger.StubStore) error
		wantClose int
	}{
		{"a scan to the end", func(s ledger.StubStore) error {
			return s.Scan("t", nil, func(string, []byte) error { return nil })
		}, 0},
		{"an empty scan", func(s ledger.StubStore) error {
			return s.Scan("none", nil, func(string, []byte) error { return nil })
		}, 0},
		{"a scan stopped early", stopAt("b"), 1},
		{"a scan stopped at its last entry", stopAt("c"), 0},
		{"a scan stopped at its first entry of three", stopAt("a"), 1},
		{"a first page that holds the whole range", func(s ledger.StubStore) error {
			next, err := s.Page("t", nil, "", 5, func(string, []byte) error { return nil })
			assert.Empty(t, next)
			return err
		}, 0},
		{"a first page one entry short of the range", func(s ledger.StubStore) error {
			// the look at the next key reads the range's last entry
			next, err := s.Page("t", nil, "", 2, func(string, []byte) error { return nil })
			assert.Equal(t, core.MustKey("t", "c"), next)
			return err
		}, 0},
		{"a first page two entries short of the range", func(s ledger.StubStore) error {
			next, err := s.Page("t", nil, "", 1, func(string, []byte) error { return nil })
			assert.Equal(t, core.MustKey("t", "b"), next)
			return err
		}, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			stub := &fakestub.Stub{State: state}
			require.NoError(t, tt.scan(ledger.StubStore{Stub: stub}))
			assert.Equal(t, 1, stub.Scans)
			assert.Equal(t, tt.wantClose, stub.Closes)
		})
	}
}
