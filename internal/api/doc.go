// Package api is Charter's HTTP API: the handlers of the operations in
// api/openapi.yaml (the generated ServerInterface, client and models live
// in openapi.gen.go; `go generate ./internal/api` regenerates them), over
// the typed gateway client.
//
// NewServer returns the http.Handler that `charter serve` runs. Requests
// are validated against the spec before any handler runs; every error is
// an RFC 9457 problem, mapped from the client's error codes in one place
// (statusOf). Reads are evaluated on the gateway peer as the server's read
// identity; writes are built for the member's certificate and signed by
// the member (offline signing): the server never holds a member's key. A
// block listener follows the channel's blocks: it settles the status of
// submitted jobs, serves `waitFor`, feeds live ballot results (SSE) and
// stamps every response with the block height it reflects.
package api
