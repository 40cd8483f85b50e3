package api

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"os"

	"github.com/charter-gov/charter/chaincode/identity"
	charter "github.com/charter-gov/charter/gateway-client"
)

// Mutual TLS. `charter serve --tls-cert --tls-key --client-ca …` asks
// callers for a client certificate issued by one of the organisations'
// CAs (optional: members in a browser sign without one). A caller who
// presents a verified certificate is authenticated as that certificate,
// and may act only as it: a signing session whose creator certificate is
// another is refused, and a session is endorsed and submitted only over a
// connection with the certificate it was prepared for (or with none). The
// server still never holds a key: writes are signed by the caller
// (offline signing), and the peers check the signatures again.

// mtlsCaller is the verified client certificate of the request's TLS
// connection (DER), or nil when the caller presented none.
func mtlsCaller(r *http.Request) []byte {
	if r.TLS == nil || len(r.TLS.VerifiedChains) == 0 || len(r.TLS.VerifiedChains[0]) == 0 {
		return nil
	}
	return r.TLS.VerifiedChains[0][0].Raw
}

// checkCaller refuses a request authenticated by mutual TLS as another
// certificate than signerPEM, the certificate the transaction is created
// with. field names where that certificate came from.
func checkCaller(r *http.Request, signerPEM []byte, field string) error {
	caller := mtlsCaller(r)
	if caller == nil {
		return nil
	}
	cert, err := identity.ParsePEM(signerPEM)
	if err != nil {
		return newProblem(charter.CodeInvalidArgument, field, "pem-x509-certificate", "signer certificate: %v", err)
	}
	if !bytes.Equal(cert.Raw, caller) {
		return newProblem(charter.CodeForbidden, field, "mtls-client-certificate",
			"the connection is authenticated by mutual TLS as another certificate than the signer's: a caller may act only as its own certificate")
	}
	return nil
}

// ServerTLS is the TLS configuration of `charter serve --tls-cert
// --tls-key [--client-ca …]`: the server's certificate and key, and, when
// clientCAs (PEM files, each one or more CA certificates: the
// organisations' MSP cacerts) are given, mutual TLS that verifies a client
// certificate when one is presented.
func ServerTLS(certFile, keyFile string, clientCAs []string) (*tls.Config, error) {
	if certFile == "" || keyFile == "" {
		return nil, errors.New("the server's TLS certificate and key are both required")
	}
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("server TLS key pair %s, %s: %w", certFile, keyFile, err)
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{pair}}
	if len(clientCAs) == 0 {
		return cfg, nil
	}
	pool := x509.NewCertPool()
	for _, f := range clientCAs {
		raw, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("client CA: %w", err)
		}
		if !pool.AppendCertsFromPEM(raw) {
			return nil, fmt.Errorf("client CA %s: no PEM certificate in it", f)
		}
	}
	cfg.ClientCAs, cfg.ClientAuth = pool, tls.VerifyClientCertIfGiven
	return cfg, nil
}
