package charter

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"

	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/membership"
)

// twoGateways connects a Client to a primary and a fallback fake gateway.
func twoGateways(t *testing.T, primary, fallback *fakeGateway) *Client {
	t.Helper()
	cfg := Config{MSPID: "LabAMSP", PeerEndpoint: "primary:7051", RetryBackoff: time.Millisecond}
	creds := newCredentials(t, "User1@laba.charter.local")
	u, err := loadUser(creds.certPEM, creds.keyPEM, cfg)
	require.NoError(t, err)
	c, err := connectPool([]*gatewayEndpoint{{address: "primary:7051", conn: primary}, {address: "fallback:8051", conn: fallback}}, 0, u, cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func unreachablePeer() *fakeGateway {
	down := func(call) ([]byte, error) { return nil, peerError(codes.Unavailable, "connection refused") }
	return &fakeGateway{evaluate: down, endorse: down}
}

func TestFailoverMovesQueriesToTheNextGateway(t *testing.T) {
	primary, fallback := unreachablePeer(), &fakeGateway{}
	c := twoGateways(t, primary, fallback)
	require.Equal(t, "primary:7051", c.GatewayAddress())

	_, err := c.Whoami(t.Context())
	require.NoError(t, err)
	assert.Len(t, primary.Calls(), 1)
	assert.Len(t, fallback.Calls(), 1)
	assert.Equal(t, "fallback:8051", c.GatewayAddress(), "the gateway that answered stays in use")

	_, err = c.Whoami(t.Context())
	require.NoError(t, err)
	assert.Len(t, primary.Calls(), 1, "no second try on the unreachable gateway")
	assert.Len(t, fallback.Calls(), 2)
}

func TestFailoverResubmitsOnlyWhatWasNeverEndorsed(t *testing.T) {
	member := identity.Identity{MSPID: "LabAMSP", ID: "x509::CN=Ada::CN=ca"}
	req := membership.RegisterRequest{Member: member, Name: "Ada"}

	t.Run("endorsement unreachable: endorsed and committed elsewhere", func(t *testing.T) {
		primary, fallback := unreachablePeer(), &fakeGateway{}
		c := twoGateways(t, primary, fallback)
		_, err := c.RegisterMember(t.Context(), req)
		require.NoError(t, err)
		assert.Len(t, fallback.Calls(), 1)
	})

	t.Run("ordering unreachable after endorsement: never sent twice", func(t *testing.T) {
		primary := &fakeGateway{submit: func(context.Context, string) error { return peerError(codes.Unavailable, "orderer connection lost") }}
		fallback := &fakeGateway{}
		c := twoGateways(t, primary, fallback)
		_, err := c.RegisterMember(t.Context(), req)
		require.Error(t, err)
		assert.Empty(t, fallback.Calls(), "a transaction that may have reached ordering is not endorsed again elsewhere")
	})

	t.Run("a refusal is an answer, not an outage", func(t *testing.T) {
		primary := &fakeGateway{endorse: func(call) ([]byte, error) {
			return nil, peerError(codes.Aborted, "failed to endorse", "chaincode response 500, FORBIDDEN: not an admin")
		}}
		fallback := &fakeGateway{}
		c := twoGateways(t, primary, fallback)
		_, err := c.RegisterMember(t.Context(), req)
		assert.ErrorIs(t, err, ErrForbidden)
		assert.Empty(t, fallback.Calls())
		assert.Equal(t, "primary:7051", c.GatewayAddress())
	})

	t.Run("every gateway unreachable", func(t *testing.T) {
		c := twoGateways(t, unreachablePeer(), unreachablePeer())
		_, err := c.RegisterMember(t.Context(), req)
		assert.ErrorIs(t, err, ErrUnavailable)
	})
}
