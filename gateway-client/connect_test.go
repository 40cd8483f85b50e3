package charter

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	gwid "github.com/hyperledger/fabric-gateway/pkg/identity"

	"github.com/hyperledger/fabric-protos-go-apiv2/gateway"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	grpccreds "google.golang.org/grpc/credentials"
)

// tlsGateway is a real gRPC server over TLS that answers Evaluate.
type tlsGateway struct {
	gateway.UnimplementedGatewayServer
	result []byte
}

func (g *tlsGateway) Evaluate(_ context.Context, req *gateway.EvaluateRequest) (*gateway.EvaluateResponse, error) {
	c, err := decodeProposal("evaluate", req.GetProposedTransaction())
	if err != nil {
		return nil, err
	}
	if c.Name != "member:Whoami" {
		return nil, peerError(codes.Unknown, "unexpected transaction "+c.Name)
	}
	return &gateway.EvaluateResponse{Result: &peer.Response{Status: 200, Payload: g.result}}, nil
}

func TestConnectOverTLS(t *testing.T) {
	server := newCredentials(t, "localhost")
	tlsCert, err := tls.X509KeyPair(server.certPEM, server.keyPEM)
	require.NoError(t, err)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := grpc.NewServer(grpc.Creds(grpccreds.NewServerTLSFromCert(&tlsCert)))
	gateway.RegisterGatewayServer(srv, &tlsGateway{result: []byte(`{"identity":{"mspId":"LabAMSP","id":"x509::CN=u::CN=u"},"orgAdmin":false}`)})
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)

	dir := t.TempDir()
	user := newCredentials(t, "User1@laba.charter.local")
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, data, 0o600))
		return p
	}
	cfg := Config{
		MSPID:         "LabAMSP",
		CertPath:      write("user.pem", user.certPEM),
		KeyPath:       write("user_sk", user.keyPEM),
		TLSCACertPath: write("ca.crt", server.certPEM),
		PeerEndpoint:  lis.Addr().String(),
		ServerName:    "localhost",
		DialTimeout:   5 * time.Second,
	}

	c, err := Connect(t.Context(), cfg)
	require.NoError(t, err)
	defer c.Close()
	w, err := c.Whoami(t.Context())
	require.NoError(t, err)
	assert.Equal(t, "LabAMSP", w.Identity.MSPID)
	assert.NotNil(t, c.Network())
	assert.NotNil(t, c.Contract())
	require.NoError(t, c.Close())

	t.Run("wrong server name", func(t *testing.T) {
		bad := cfg
		bad.ServerName = "peer0.elsewhere"
		c, err := Connect(t.Context(), bad)
		require.ErrorIs(t, err, ErrUnavailable)
		assert.Nil(t, c)
	})
}

// startTLSGateway serves tlsGateway over TLS; with clientCA set it requires
// a client certificate signed by it (mutual TLS).
func startTLSGateway(t *testing.T, clientCA []byte) (addr string, serverCA []byte) {
	t.Helper()
	server := newCredentials(t, "localhost")
	tlsCert, err := tls.X509KeyPair(server.certPEM, server.keyPEM)
	require.NoError(t, err)
	cfg := &tls.Config{Certificates: []tls.Certificate{tlsCert}, MinVersion: tls.VersionTLS12}
	if clientCA != nil {
		pool := x509.NewCertPool()
		require.True(t, pool.AppendCertsFromPEM(clientCA))
		cfg.ClientCAs, cfg.ClientAuth = pool, tls.RequireAndVerifyClientCert
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := grpc.NewServer(grpc.Creds(grpccreds.NewTLS(cfg)))
	gateway.RegisterGatewayServer(srv, &tlsGateway{result: []byte(`{"identity":{"mspId":"LabAMSP","id":"x509::CN=u::CN=u"},"orgAdmin":false}`)})
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	return lis.Addr().String(), server.certPEM
}

func writeTemp(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, data, 0o600))
	return p
}

func TestConnectWithMutualTLS(t *testing.T) {
	client := newCredentials(t, "client.laba.charter.local")
	addr, serverCA := startTLSGateway(t, client.certPEM)
	user := newCredentials(t, "User1@laba.charter.local")
	cfg := Config{
		MSPID:         "LabAMSP",
		CertPath:      writeTemp(t, "user.pem", user.certPEM),
		KeyPath:       writeTemp(t, "user_sk", user.keyPEM),
		TLSCACertPath: writeTemp(t, "ca.crt", serverCA),
		PeerEndpoint:  addr,
		ServerName:    "localhost",
		DialTimeout:   5 * time.Second,
	}

	t.Run("without a client certificate the peer refuses", func(t *testing.T) {
		c, err := Connect(t.Context(), cfg)
		if err == nil {
			// The handshake may complete lazily: the first call fails.
			defer c.Close()
			_, err = c.Whoami(t.Context())
		}
		require.ErrorIs(t, err, ErrUnavailable)
	})
	t.Run("with the profile's client certificate", func(t *testing.T) {
		mtls := cfg
		mtls.TLSClientCertPath = writeTemp(t, "client.crt", client.certPEM)
		mtls.TLSClientKeyPath = writeTemp(t, "client.key", client.keyPEM)
		c, err := Connect(t.Context(), mtls)
		require.NoError(t, err)
		defer c.Close()
		w, err := c.Whoami(t.Context())
		require.NoError(t, err)
		assert.Equal(t, "LabAMSP", w.Identity.MSPID)
	})
	t.Run("a certificate without its key", func(t *testing.T) {
		bad := cfg
		bad.TLSClientCertPath = writeTemp(t, "client.crt", client.certPEM)
		_, err := Connect(t.Context(), bad)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "TLSClientCertPath and TLSClientKeyPath go together")
	})
	t.Run("an unreadable client key", func(t *testing.T) {
		bad := cfg
		bad.TLSClientCertPath = writeTemp(t, "client.crt", client.certPEM)
		bad.TLSClientKeyPath = filepath.Join(t.TempDir(), "missing.key")
		_, err := Connect(t.Context(), bad)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "client TLS certificate")
		assert.Contains(t, err.Error(), "missing.key")
	})
}

func TestConnectWithASigner(t *testing.T) {
	addr, serverCA := startTLSGateway(t, nil)
	user := newCredentials(t, "User1@laba.charter.local")
	key, err := gwid.PrivateKeyFromPEM(user.keyPEM)
	require.NoError(t, err)
	keySign, err := gwid.NewPrivateKeySign(key)
	require.NoError(t, err)
	var signed atomic.Int32
	cfg := Config{
		MSPID:    "LabAMSP",
		CertPath: writeTemp(t, "user.pem", user.certPEM),
		// No KeyPath: the key is wherever Sign keeps it.
		Sign: func(digest []byte) ([]byte, error) {
			signed.Add(1)
			return keySign(digest)
		},
		TLSCACertPath: writeTemp(t, "ca.crt", serverCA),
		PeerEndpoint:  addr,
		ServerName:    "localhost",
		DialTimeout:   5 * time.Second,
	}
	c, err := Connect(t.Context(), cfg)
	require.NoError(t, err)
	defer c.Close()
	_, err = c.Whoami(t.Context())
	require.NoError(t, err)
	assert.Equal(t, int32(1), signed.Load(), "the proposal was signed by Config.Sign")
}
