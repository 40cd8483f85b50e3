package charter

import (
	"context"
	"crypto/tls"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

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
