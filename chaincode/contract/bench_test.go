package contract

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/ballot"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/membership"
)

// BenchmarkChaincodeVoteVsPut measures the chaincode's own cost of a poll
// vote and of the bench:Put calibration transaction, invoked as the peer
// would (contractapi dispatch, argument decoding, identity, state, event).
// Compare the two in one run; the network benchmark (make bench-network)
// measures the whole transaction.
func BenchmarkChaincodeVoteVsPut(b *testing.B) {
	h := newHarness(b)
	admin := newIdentity(b, "LabAMSP", "Admin@labA", "admin")
	ada := newIdentity(b, "LabAMSP", "Ada@labA", "client")
	h.foundDefault()
	reg, err := json.Marshal(membership.RegisterRequest{Member: identity.FromCert(ada.msp, ada.cert), Name: "Ada"})
	require.NoError(b, err)
	res, _ := h.invoke(admin, 0, "member:Register", string(reg))
	require.Equal(b, int32(ok), res.Status, res.Message)
	h.clock = h.clock.Add(time.Second)
	create, err := json.Marshal(ballot.CreateRequest{Kind: ballot.KindPoll, Title: "legitimacy", VotingPeriodSec: 3600})
	require.NoError(b, err)
	res, _ = h.invoke(ada, 0, "ballot:Create", string(create))
	require.Equal(b, int32(ok), res.Status, res.Message)
	var poll ballot.Ballot
	require.NoError(b, json.Unmarshal(res.Payload, &poll))
	vote, err := json.Marshal(ballot.CastRequest{Ballot: poll.ID, Choice: "5"})
	require.NoError(b, err)

	b.Run("put", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			if res, _ := h.invoke(ada, 0, "bench:Put", "k"+strconv.Itoa(i), "v"); res.Status != ok {
				b.Fatal(res.Message)
			}
		}
	})
	b.Run("vote", func(b *testing.B) {
		for b.Loop() {
			if res, _ := h.invoke(ada, 0, "ballot:Vote", string(vote)); res.Status != ok {
				b.Fatal(res.Message)
			}
		}
	})
}
