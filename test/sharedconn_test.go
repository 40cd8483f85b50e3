package test

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"sync"
	"testing"

	"github.com/hyperledger/fabric-gateway/pkg/client"
	gwid "github.com/hyperledger/fabric-gateway/pkg/identity"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"

	"github.com/charter-gov/charter/chaincode/identity"
	charter "github.com/charter-gov/charter/gateway-client"
)

// sharedConns keeps one TLS gRPC connection per peer endpoint, so that
// many members (thousands in a benchmark) act over a few connections, as
// an application serving many users would, instead of one TLS handshake
// per member.
type sharedConns struct {
	mu    sync.Mutex
	conns map[string]*grpc.ClientConn
}

func (s *sharedConns) conn(cfg charter.Config) (*grpc.ClientConn, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.conns[cfg.PeerEndpoint]; ok {
		return c, nil
	}
	caPEM, err := os.ReadFile(cfg.TLSCACertPath)
	if err != nil {
		return nil, fmt.Errorf("read TLS CA of %s: %w", cfg.PeerEndpoint, err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, fmt.Errorf("TLS CA %s: no PEM certificate", cfg.TLSCACertPath)
	}
	c, err := grpc.NewClient(cfg.PeerEndpoint, grpc.WithTransportCredentials(credentials.NewTLS(&tls.Config{RootCAs: pool, ServerName: cfg.ServerName, MinVersion: tls.VersionTLS12})))
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", cfg.PeerEndpoint, err)
	}
	if s.conns == nil {
		s.conns = map[string]*grpc.ClientConn{}
	}
	s.conns[cfg.PeerEndpoint] = c
	return c, nil
}

// client returns a Client acting as the member of cfg (its CertPath and
// KeyPath) over the shared connection to cfg's peer. Closing it is not
// needed; close the sharedConns when done.
func (s *sharedConns) client(tb testing.TB, cfg charter.Config) *charter.Client {
	tb.Helper()
	conn, err := s.conn(cfg)
	require.NoError(tb, err)
	certPEM, err := os.ReadFile(cfg.CertPath)
	require.NoError(tb, err)
	keyPEM, err := os.ReadFile(cfg.KeyPath)
	require.NoError(tb, err)
	cert, err := gwid.CertificateFromPEM(certPEM)
	require.NoError(tb, err)
	signer, err := gwid.NewX509Identity(cfg.MSPID, cert)
	require.NoError(tb, err)
	key, err := gwid.PrivateKeyFromPEM(keyPEM)
	require.NoError(tb, err)
	sign, err := gwid.NewPrivateKeySign(key)
	require.NoError(tb, err)
	id, err := identity.FromPEM(cfg.MSPID, certPEM)
	require.NoError(tb, err)
	channel, chaincode := cfg.Channel, cfg.Chaincode
	if channel == "" {
		channel = charter.DefaultChannel
	}
	if chaincode == "" {
		chaincode = charter.DefaultChaincode
	}
	gw, err := client.Connect(signer, client.WithSign(sign), client.WithClientConnection(conn),
		client.WithEndorseTimeout(cfg.EndorseTimeout), client.WithSubmitTimeout(cfg.EndorseTimeout),
		client.WithCommitStatusTimeout(cfg.CommitTimeout))
	require.NoError(tb, err)
	network := gw.GetNetwork(channel)
	return charter.New(id, network.GetContract(chaincode), network, cfg)
}

func (s *sharedConns) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.conns {
		_ = c.Close()
	}
	s.conns = nil
}
