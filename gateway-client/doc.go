// Package charter is the Go client of Charter, the governance ledger of a
// consortium of AI foundations and labs running on Hyperledger Fabric.
//
// A Client wraps one fabric-gateway connection to one peer as one user. It
// offers one typed method per chaincode transaction, taking a context first
// and Charter's own domain types (from the chaincode's plain Go packages) as
// inputs and outputs. Each method decides whether it evaluates (a query,
// answered by one peer, nothing written) or submits (endorsed, ordered,
// committed; the method returns once the transaction is committed).
//
// Connecting:
//
//	profiles, err := charter.LoadProfiles(".charter/network/profiles.json")
//	cfg, err := profiles.Config("labA-admin")
//	c, err := charter.Connect(ctx, cfg)
//	defer c.Close()
//	w, err := c.Whoami(ctx)
//
// # Errors
//
// Every method returns either nil or an *Error. Its Code says what happened:
// a Charter chaincode code (NOT_FOUND, FORBIDDEN, INVALID_ARGUMENT,
// CONFLICT, FAILED_PRECONDITION, INTERNAL) parsed back from the text Fabric
// wraps it in, or a client-side code (UNKNOWN_OUTCOME, NOT_COMMITTED,
// UNAVAILABLE, DEADLINE_EXCEEDED, CANCELED, UNKNOWN). Match codes with
// errors.Is and the package's sentinels:
//
//	if errors.Is(err, charter.ErrNotFound) { … }
//
// The fabric-gateway error stays reachable through Unwrap, so
// errors.As(err, &endorseErr) with a *client.EndorseError also works.
//
// # Retries
//
// A submitted transaction that fails validation with MVCC_READ_CONFLICT is
// endorsed and submitted again, a bounded number of times with a small
// growing backoff (Config.MVCCRetries, Config.RetryBackoff). No other
// failure is retried. When a transaction was sent to the orderer but its
// commit status did not arrive in time, the error's code is UNKNOWN_OUTCOME
// and it carries the transaction ID so that the caller can find out later.
//
// # Concurrency
//
// A Client is safe for concurrent use by multiple goroutines.
package charter
