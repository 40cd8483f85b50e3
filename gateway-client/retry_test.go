package charter

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/charter-gov/charter/chaincode/membership"
)

// retryScript plays a gateway whose n-th endorsement (0-based), submit and
// commit status and whose ledger look-ups are scripted, and records every
// proposal, every submit and every look-up by transaction ID.
type retryScript struct {
	// submit answers the submit of the n-th endorsed transaction.
	submit func(n int) error
	// commit answers the commit status of the n-th endorsed transaction.
	commit func(n int) (peer.TxValidationCode, error)
	// lookup answers GetTransactionByID for the n-th endorsed
	// transaction: found with a code, or not found.
	lookup func(n int) (code peer.TxValidationCode, found bool)

	mu       sync.Mutex
	endorsed []string       // transaction IDs in endorsement order
	submits  map[string]int // submits per transaction ID
	lookups  []string       // transaction IDs looked up, in order
}

func (s *retryScript) index(txID string) int {
	for i, id := range s.endorsed {
		if id == txID {
			return i
		}
	}
	return -1
}

func (s *retryScript) gateway(t *testing.T) *fakeGateway {
	s.submits = map[string]int{}
	return &fakeGateway{
		endorse: func(c call) ([]byte, error) {
			s.mu.Lock()
			defer s.mu.Unlock()
			s.endorsed = append(s.endorsed, c.TxID)
			return []byte(`{"name":"Ada"}`), nil
		},
		submit: func(_ context.Context, txID string) error {
			s.mu.Lock()
			n := s.index(txID)
			s.submits[txID]++
			s.mu.Unlock()
			if s.submit != nil {
				return s.submit(n)
			}
			return nil
		},
		commitStatus: func(_ context.Context, txID string) (peer.TxValidationCode, error) {
			s.mu.Lock()
			n := s.index(txID)
			s.mu.Unlock()
			if s.commit != nil {
				return s.commit(n)
			}
			return peer.TxValidationCode_VALID, nil
		},
		evaluate: func(c call) ([]byte, error) {
			if c.Chaincode != "qscc" || c.Name != "GetTransactionByID" || len(c.Args) != 2 {
				t.Errorf("unexpected evaluate %+v", c)
				return nil, errors.New("unexpected evaluate")
			}
			s.mu.Lock()
			s.lookups = append(s.lookups, c.Args[1])
			n := s.index(c.Args[1])
			s.mu.Unlock()
			code, found := peer.TxValidationCode_VALID, true
			if s.lookup != nil {
				code, found = s.lookup(n)
			}
			if !found {
				return nil, peerError(codes.Unknown, "evaluate call to endorser returned error: chaincode response 500, Failed to get transaction with id "+c.Args[1]+", error no such transaction ID ["+c.Args[1]+"] in index")
			}
			return processed(t, code), nil
		},
	}
}

func conflictThen(code peer.TxValidationCode, conflicts int) func(int) (peer.TxValidationCode, error) {
	return func(n int) (peer.TxValidationCode, error) {
		if n < conflicts {
			return code, nil
		}
		return peer.TxValidationCode_VALID, nil
	}
}

var (
	commitTimedOut = func(int) (peer.TxValidationCode, error) {
		return 0, status.Error(codes.DeadlineExceeded, "context deadline exceeded")
	}
	commitConnectionLost = func(int) (peer.TxValidationCode, error) {
		return 0, status.Error(codes.Unavailable, "error reading from server: EOF")
	}
	notFound = func(int) (peer.TxValidationCode, bool) { return 0, false }
)

// TestRetrySemantics pins what the client retries and what it never does:
// a read conflict is tried again as a new proposal (a new transaction
// ID); a transaction whose fate is unknown is looked up by its ID and
// reported by what the ledger says, never sent again and never replaced
// by a new one; every other failure is returned as it is. In every case
// no transaction ID is submitted more than once.
func TestRetrySemantics(t *testing.T) {
	tests := []struct {
		name string
		s    *retryScript
		// want: the error code ("" for success), how many proposals were
		// endorsed, how many look-ups ran (-1: at least one).
		code      Code
		sentinel  error
		proposals int
		lookups   int
		// resultKept: the success carries the endorsement's result.
		validation peer.TxValidationCode
	}{
		{name: "MVCC read conflict: a new proposal commits",
			s: &retryScript{commit: conflictThen(peer.TxValidationCode_MVCC_READ_CONFLICT, 1)}, proposals: 2},
		{name: "phantom read conflict: a new proposal commits",
			s: &retryScript{commit: conflictThen(peer.TxValidationCode_PHANTOM_READ_CONFLICT, 2)}, proposals: 3},
		{name: "read conflicts beyond the retries: NOT_COMMITTED after 1+3 proposals",
			s:    &retryScript{commit: conflictThen(peer.TxValidationCode_MVCC_READ_CONFLICT, 99)},
			code: CodeNotCommitted, sentinel: ErrNotCommitted, proposals: 4, validation: peer.TxValidationCode_MVCC_READ_CONFLICT},
		{name: "endorsement policy failure: an answer, not retried",
			s:    &retryScript{commit: conflictThen(peer.TxValidationCode_ENDORSEMENT_POLICY_FAILURE, 99)},
			code: CodeNotCommitted, sentinel: ErrNotCommitted, proposals: 1, validation: peer.TxValidationCode_ENDORSEMENT_POLICY_FAILURE},
		{name: "duplicate transaction ID: an answer, not retried",
			s:    &retryScript{commit: conflictThen(peer.TxValidationCode_DUPLICATE_TXID, 99)},
			code: CodeNotCommitted, sentinel: ErrNotCommitted, proposals: 1, validation: peer.TxValidationCode_DUPLICATE_TXID},
		{name: "commit status timed out, the look-up finds it VALID: success, nothing sent again",
			s: &retryScript{commit: commitTimedOut}, proposals: 1, lookups: 1},
		{name: "commit status connection lost, the look-up finds it VALID: success",
			s: &retryScript{commit: commitConnectionLost}, proposals: 1, lookups: 1},
		{name: "commit status timed out, the look-up finds an MVCC conflict: it changed nothing, a new proposal commits",
			s: &retryScript{
				commit: func(n int) (peer.TxValidationCode, error) {
					if n == 0 {
						return commitTimedOut(n)
					}
					return peer.TxValidationCode_VALID, nil
				},
				lookup: func(int) (peer.TxValidationCode, bool) { return peer.TxValidationCode_MVCC_READ_CONFLICT, true },
			}, proposals: 2, lookups: 1},
		{name: "commit status timed out, the look-up finds it invalid otherwise: NOT_COMMITTED, no retry",
			s: &retryScript{commit: commitTimedOut,
				lookup: func(int) (peer.TxValidationCode, bool) { return peer.TxValidationCode_ENDORSEMENT_POLICY_FAILURE, true }},
			code: CodeNotCommitted, sentinel: ErrNotCommitted, proposals: 1, lookups: 1, validation: peer.TxValidationCode_ENDORSEMENT_POLICY_FAILURE},
		{name: "commit status timed out, never on the ledger: UNKNOWN_OUTCOME, no new transaction",
			s:    &retryScript{commit: commitTimedOut, lookup: notFound},
			code: CodeUnknownOutcome, sentinel: ErrUnknownOutcome, proposals: 1, lookups: -1},
		{name: "commit status connection lost, never on the ledger: UNKNOWN_OUTCOME",
			s:    &retryScript{commit: commitConnectionLost, lookup: notFound},
			code: CodeUnknownOutcome, sentinel: ErrUnknownOutcome, proposals: 1, lookups: -1},
		{name: "submit timed out (it may have reached ordering): looked up, never sent again",
			s: &retryScript{submit: func(int) error {
				return status.Error(codes.DeadlineExceeded, "submit timeout expired while broadcasting to ordering service")
			},
				lookup: notFound},
			code: CodeUnknownOutcome, sentinel: ErrUnknownOutcome, proposals: 1, lookups: -1},
		{name: "submit lost the gateway connection, the look-up finds it VALID: success",
			s:         &retryScript{submit: func(int) error { return status.Error(codes.Unavailable, "connection reset by peer") }},
			proposals: 1, lookups: 1},
		{name: "no orderer accepted it: ORDERING_UNAVAILABLE after one look-up, not sent again",
			s: &retryScript{submit: func(int) error {
				return peerError(codes.Unavailable, "no orderers could successfully process transaction",
					"received unsuccessful response from orderer: status=SERVICE_UNAVAILABLE, info=no Raft leader")
			}, lookup: notFound},
			code: CodeOrderingUnavailable, sentinel: ErrOrderingUnavailable, proposals: 1, lookups: 1},
		{name: "the orderer refused it as a bad request: an answer, not looked up",
			s: &retryScript{submit: func(int) error {
				return status.Error(codes.Aborted, "received unsuccessful response from orderer: status=BAD_REQUEST, info=too big")
			}},
			code: CodeUnknown, sentinel: ErrUnknown, proposals: 1, lookups: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := tt.s.gateway(t)
			c := newTestClient(t, f, func(cfg *Config) { cfg.StatusLookupWindow = 600 * time.Millisecond })
			m, err := c.RegisterMember(t.Context(), membership.RegisterRequest{Member: ada, Name: "Ada"})
			tt.s.mu.Lock()
			defer tt.s.mu.Unlock()

			assert.Len(t, tt.s.endorsed, tt.proposals, "proposals endorsed")
			seen := map[string]bool{}
			for _, id := range tt.s.endorsed {
				assert.False(t, seen[id], "every proposal has a new transaction ID: %s twice", id)
				seen[id] = true
			}
			for id, n := range tt.s.submits {
				assert.Equal(t, 1, n, "transaction %s submitted %d times: an envelope is never sent again", id, n)
			}
			assert.Len(t, tt.s.submits, len(tt.s.endorsed), "every endorsed proposal submitted once")
			for _, id := range tt.s.lookups {
				assert.Contains(t, tt.s.endorsed, id, "only endorsed transactions are looked up")
			}
			switch tt.lookups {
			case -1:
				assert.GreaterOrEqual(t, len(tt.s.lookups), 2, "looked up again while not found, within the window")
			default:
				assert.Len(t, tt.s.lookups, tt.lookups, "look-ups by ID")
			}

			if tt.code == "" {
				require.NoError(t, err)
				assert.Equal(t, "Ada", m.Name, "the endorsement's result is returned")
				return
			}
			require.Error(t, err)
			assert.Equal(t, tt.code, CodeOf(err), "%v", err)
			assert.ErrorIs(t, err, tt.sentinel)
			var ce *Error
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, tt.s.endorsed[len(tt.s.endorsed)-1], ce.TxID, "the error names the last transaction")
			if tt.validation != 0 {
				var ve *ValidationError
				require.ErrorAs(t, err, &ve)
				assert.Equal(t, tt.validation, ve.Code)
			}
			if tt.code == CodeUnknownOutcome {
				assert.Contains(t, ce.Message, "not on the ledger after", "the message says what the look-up saw")
			}
		})
	}
}

// TestRetrySemanticsLookupFails: when the ledger cannot be asked either,
// the outcome stays UNKNOWN_OUTCOME with the transaction ID and the
// look-up's failure in the message.
func TestRetrySemanticsLookupFails(t *testing.T) {
	s := &retryScript{commit: commitConnectionLost}
	f := s.gateway(t)
	f.evaluate = func(call) ([]byte, error) { return nil, status.Error(codes.Unavailable, "connection refused") }
	c := newTestClient(t, f, func(cfg *Config) { cfg.StatusLookupWindow = time.Millisecond })
	_, err := c.RegisterMember(t.Context(), membership.RegisterRequest{Member: ada, Name: "Ada"})
	require.Error(t, err)
	assert.Equal(t, CodeUnknownOutcome, CodeOf(err))
	var ce *Error
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, s.endorsed[0], ce.TxID)
	assert.Contains(t, ce.Message, "looking it up by ID failed")
	assert.Len(t, s.endorsed, 1, "no new transaction for one whose fate is unknown")
}

// TestRetrySemanticsCanceled: a caller that gives up while the fate is
// unknown gets UNKNOWN_OUTCOME promptly; nothing is sent again.
func TestRetrySemanticsCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	s := &retryScript{commit: func(int) (peer.TxValidationCode, error) {
		cancel()
		return 0, status.Error(codes.Canceled, "context canceled")
	}}
	c := newTestClient(t, s.gateway(t))
	_, err := c.RegisterMember(ctx, membership.RegisterRequest{Member: ada, Name: "Ada"})
	assert.Equal(t, CodeUnknownOutcome, CodeOf(err), "%v", err)
	assert.Len(t, s.endorsed, 1)
	assert.Empty(t, s.lookups, "a canceled caller's context cannot ask the ledger")
}
