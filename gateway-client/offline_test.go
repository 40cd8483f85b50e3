package charter

import (
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"testing"

	gwid "github.com/hyperledger/fabric-gateway/pkg/identity"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/ballot"
)

func TestOfflineSigningRoundTrip(t *testing.T) {
	var submitted []string
	f := &fakeGateway{
		endorse: func(call) ([]byte, error) { return []byte(`{"ballotId":"b1"}`), nil },
		submit: func(_ context.Context, txID string) error {
			submitted = append(submitted, txID)
			return nil
		},
	}
	c := newTestClient(t, f)
	member := newCredentials(t, "Voter@laba.charter.local")
	u, err := c.Prepare(t.Context(), Signer{MSPID: "LabAMSP", CertificatePEM: member.certPEM}, func(ctx context.Context, as *Client) error {
		require.Equal(t, "LabAMSP", as.Identity().MSPID)
		_, err := as.Vote(ctx, ballot.CastRequest{Ballot: "b1", Choice: "for"})
		return err
	})
	require.NoError(t, err)
	require.Equal(t, "ballot:Vote", u.Transaction)
	require.Len(t, u.TxID, 64)
	require.Empty(t, f.Calls(), "preparing sends nothing to the gateway")

	key, err := gwid.PrivateKeyFromPEM(member.keyPEM)
	require.NoError(t, err)
	sign, err := gwid.NewPrivateKeySign(key)
	require.NoError(t, err)
	digest := sha256.Sum256(u.Message)
	sig1, err := sign(digest[:])
	require.NoError(t, err)

	e, err := c.EndorseSigned(t.Context(), u.State, sig1)
	require.NoError(t, err)
	require.Equal(t, u.TxID, e.TxID)
	require.JSONEq(t, `{"ballotId":"b1"}`, string(e.Result))
	calls := f.Calls()
	require.Len(t, calls, 1)
	require.Equal(t, "endorse", calls[0].Kind)
	require.Equal(t, "ballot:Vote", calls[0].Name)
	require.Equal(t, u.TxID, calls[0].TxID)
	require.Contains(t, calls[0].Args[0], `"choice":"for"`)

	d2 := sha256.Sum256(e.Message)
	sig2, err := sign(d2[:])
	require.NoError(t, err)
	txID, err := c.SubmitSigned(t.Context(), e.State, sig2)
	require.NoError(t, err)
	require.Equal(t, u.TxID, txID)
	require.Equal(t, []string{u.TxID}, submitted)
	require.True(t, ecdsa.VerifyASN1(key.(*ecdsa.PrivateKey).Public().(*ecdsa.PublicKey), d2[:], sig2))
}

func TestPrepareRefusals(t *testing.T) {
	c := newTestClient(t, &fakeGateway{})
	member := newCredentials(t, "Voter@laba.charter.local")
	s := Signer{MSPID: "LabAMSP", CertificatePEM: member.certPEM}

	_, err := c.Prepare(t.Context(), s, func(ctx context.Context, as *Client) error {
		_, err := as.Ballot(ctx, "b1") // a query: nothing to sign
		return err
	})
	require.Equal(t, CodeInvalidArgument, CodeOf(err))

	_, err = c.Prepare(t.Context(), Signer{MSPID: "LabAMSP", CertificatePEM: []byte("not a certificate")}, func(ctx context.Context, as *Client) error {
		t.Fatal("call must not run with an unusable certificate")
		return nil
	})
	require.Equal(t, CodeInvalidArgument, CodeOf(err))

	_, err = c.EndorseSigned(t.Context(), []byte("garbage"), []byte("sig"))
	require.Equal(t, CodeInvalidArgument, CodeOf(err))
}
