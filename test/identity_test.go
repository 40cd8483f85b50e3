package test

import (
	"crypto/x509"
	"os"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"

	"github.com/hyperledger/fabric-gateway/pkg/identity"
	"github.com/stretchr/testify/require"
)

func signerFromPEM(t *testing.T, keyPEM []byte) identity.Sign {
	t.Helper()
	key, err := identity.PrivateKeyFromPEM(keyPEM)
	require.NoError(t, err)
	sign, err := identity.NewPrivateKeySign(key)
	require.NoError(t, err)
	return sign
}

func unsignedIdentity(t *testing.T, mspID string, certPEM []byte) *identity.X509Identity {
	t.Helper()
	cert, err := identity.CertificateFromPEM(certPEM)
	require.NoError(t, err)
	id, err := identity.NewX509Identity(mspID, cert)
	require.NoError(t, err)
	return id
}

// dialPeer opens a TLS gRPC connection to the gateway peer of a profile.
func dialPeer(t *testing.T, profile string) *grpc.ClientConn {
	t.Helper()
	p, err := net.profiles.Profile(profile)
	require.NoError(t, err)
	peer, ok := net.profiles.Peers[p.Peer]
	require.True(t, ok, "peer %s of profile %s", p.Peer, profile)
	caPEM, err := os.ReadFile(peer.TLSCACert)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(caPEM))
	conn, err := grpc.NewClient(peer.Endpoint, grpc.WithTransportCredentials(credentials.NewClientTLSFromCert(pool, peer.ServerName)))
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}
