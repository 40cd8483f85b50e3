package contract

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/hyperledger/fabric-contract-api-go/v2/serializer"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/artifact"
	"github.com/charter-gov/charter/chaincode/ballot"
	"github.com/charter-gov/charter/chaincode/benchcc"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/internal/fakestub"
	"github.com/charter-gov/charter/chaincode/membership"
	"github.com/charter-gov/charter/chaincode/vouch"
)

// BenchmarkChaincodeVoteVsPut measures the chaincode's own cost of a poll
// vote and of the calibration chaincode's bench:Put, invoked as the peer
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
	vouchFor(b, h, ada)
	h.clock = h.clock.Add(time.Second)
	create, err := json.Marshal(ballot.CreateRequest{Kind: ballot.KindPoll, Title: "legitimacy", VotingPeriodSec: 3600})
	require.NoError(b, err)
	res, _ = h.invoke(ada, 0, "ballot:Create", string(create))
	require.Equal(b, int32(ok), res.Status, res.Message)
	var poll ballot.Ballot
	require.NoError(b, json.Unmarshal(res.Payload, &poll))
	h.clock = poll.OpensAt // voting opens one clock skew after the ballot is created
	vote, err := json.Marshal(ballot.CastRequest{Ballot: poll.ID, Choice: "5"})
	require.NoError(b, err)

	hb := newHarness(b)
	bench, err := NewBenchChaincode(hb.cfg)
	require.NoError(b, err)
	hb.cc = bench
	b.Run("put", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			if res, _ := hb.invoke(ada, 0, "bench:Put", "k"+strconv.Itoa(i), "v"); res.Status != ok {
				b.Fatal(res.Message)
			}
		}
	})
	// The same put through contractapi's own serializer, which checks
	// every string argument and result against a JSON schema
	// (stringSerializer): compare with "put" in the same run.
	hj := newHarness(b)
	benchJSON, err := NewBenchChaincode(hj.cfg)
	require.NoError(b, err)
	benchJSON.TransactionSerializer = new(serializer.JSONSerializer)
	hj.cc = benchJSON
	b.Run("put-contractapi-serializer", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			if res, _ := hj.invoke(ada, 0, "bench:Put", "k"+strconv.Itoa(i), "v"); res.Status != ok {
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

// vouchFor has a member of LabB vouch for voter, so that it may vote
// under the default constitution's safeguards.vouchesRequired.
func vouchFor(tb testing.TB, h *harness, voter testIdentity) {
	tb.Helper()
	admin := newIdentity(tb, "LabBMSP", "Admin@labB", "admin")
	bob := newIdentity(tb, "LabBMSP", "Bob@labB", "client")
	reg, err := json.Marshal(membership.RegisterRequest{Member: identity.FromCert(bob.msp, bob.cert), Name: "Bob"})
	require.NoError(tb, err)
	res, _ := h.invoke(admin, 0, "member:Register", string(reg))
	require.Equal(tb, int32(ok), res.Status, res.Message)
	v, err := json.Marshal(vouch.GiveRequest{Member: identity.FromCert(voter.msp, voter.cert)})
	require.NoError(tb, err)
	res, _ = h.invoke(bob, 0, "member:Vouch", string(v))
	require.Equal(tb, int32(ok), res.Status, res.Message)
}

// metadataContracts lists the contracts a chaincode's metadata names.
func metadataContracts(t *testing.T, h *harness) []string {
	t.Helper()
	caller := newIdentity(t, "LabAMSP", "Ada@labA", "client")
	res, _ := h.invoke(caller, 0, "org.hyperledger.fabric:GetMetadata")
	require.Equal(t, int32(ok), res.Status, res.Message)
	var md struct {
		Contracts map[string]json.RawMessage `json:"contracts"`
	}
	require.NoError(t, json.Unmarshal(res.Payload, &md))
	var names []string
	for n := range md.Contracts {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// The calibration put lets anyone write without limit: it lives in its
// own chaincode, never in the production one.
func TestProductionChaincodeHasNoCalibrationPut(t *testing.T) {
	h := newHarness(t)
	names := metadataContracts(t, h)
	assert.NotContains(t, names, "bench")
	assert.Contains(t, names, "constitution")

	ada := newIdentity(t, "LabAMSP", "Ada@labA", "client")
	before := h.state.Snapshot()
	res, stub := h.invoke(ada, 0, "bench:Put", "k", "v")
	assert.NotEqual(t, int32(ok), res.Status, "bench:Put is refused by the production chaincode")
	assert.Contains(t, res.Message, "bench")
	assert.Empty(t, stub.Events)
	assert.Equal(t, before, h.state.Snapshot(), "nothing written")
}

func TestBenchChaincodePutsAndRefuses(t *testing.T) {
	h := newHarness(t)
	cc, err := NewBenchChaincode(h.cfg)
	require.NoError(t, err)
	h.cc = cc
	assert.Equal(t, []string{"bench", "org.hyperledger.fabric"}, metadataContracts(t, h))

	ada := newIdentity(t, "LabAMSP", "Ada@labA", "client")
	res, stub := h.invoke(ada, 0, "bench:Put", "k1", "v1")
	require.Equal(t, int32(ok), res.Status, res.Message)
	assert.JSONEq(t, `{"key":"k1","bytes":2}`, string(res.Payload))
	assert.Contains(t, stub.Events, "bench.put")

	before := h.state.Snapshot()
	res, stub = h.invoke(ada, 0, "bench:Put", "", "v")
	assert.NotEqual(t, int32(ok), res.Status)
	assert.Contains(t, res.Message, "INVALID_ARGUMENT: bench put: key must be")
	assert.Empty(t, stub.Events)
	assert.Equal(t, before, h.state.Snapshot(), "a refused put writes nothing")

	res, _ = h.invoke(ada, time.Hour, "bench:Put", "k2", "v")
	assert.NotEqual(t, int32(ok), res.Status, "the clock-skew guard applies as in the production chaincode")
	assert.Equal(t, before, h.state.Snapshot())

	_, err = NewBenchChaincode(Config{MaxClockSkew: -time.Second})
	assert.Error(t, err)
}

// BenchmarkChaincodeAttestArtifactVsPut measures the chaincode's own cost
// of an attestation and an artifact registration against the calibration
// put, invoked as the peer would; the attester attests one recipient again
// and again (the cap index grows, the cap period holds it all).
func BenchmarkChaincodeAttestArtifactVsPut(b *testing.B) {
	w := newRepWorldTB(b)
	hb := newHarness(b)
	bench, err := NewBenchChaincode(hb.cfg)
	require.NoError(b, err)
	hb.cc = bench
	ada := newIdentity(b, "LabAMSP", "Ada@labA", "client")
	cc, err := NewChaincode(w.cfg)
	require.NoError(b, err)
	// call invokes the one chaincode instance with a fresh transaction ID,
	// as a chaincode server does.
	call := func(caller testIdentity, fn string, args ...string) *peer.Response {
		w.seq++
		return cc.Invoke(&fakestub.Stub{State: w.state, Args: append([]string{fn}, args...), Creator: caller.serialized(b),
			Timestamp: w.clock, TxID: fmt.Sprintf("bench-tx-%08d", w.seq), Events: map[string][]byte{}})
	}
	b.Run("put", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			if res, _ := hb.invoke(ada, 0, "bench:Put", "k"+strconv.Itoa(i), "v"); res.Status != ok {
				b.Fatal(res.Message)
			}
		}
	})
	b.Run("attest", func(b *testing.B) {
		req := w.attestReq(1)
		for b.Loop() {
			if res := call(w.attester, "reputation:Attest", req); res.Status != ok {
				b.Fatal(res.Message)
			}
		}
	})
	b.Run("artifact", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			req := mustJSON(b, artifact.RegisterRequest{Kind: artifact.KindDataset, Name: "bench-" + strconv.Itoa(i), Version: "1",
				SHA256: "a3b1c2d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90", Size: 1, Licence: "Apache-2.0"})
			if res := call(w.member, "artifact:Register", req); res.Status != ok {
				b.Fatal(res.Message)
			}
		}
	})
}

// Without a time rule in its namespace the calibration put's guard reads
// two absent keys (the time rule, then the constitution it falls back
// to); a governance transaction on an adopted ledger reads one. After
// bench:SetSkew the put reads exactly that one key, and its guard applies
// the rule's skew.
func TestBenchSkewMakesThePutReadWhatGovernanceReads(t *testing.T) {
	h := newHarness(t)
	cc, err := NewBenchChaincode(h.cfg)
	require.NoError(t, err)
	h.cc = cc
	ada := newIdentity(t, "LabAMSP", "Ada@labA", "client")
	timeKey := core.MustKey("constitution", "time")

	res, stub := h.invoke(ada, 0, "bench:Put", "k1", "v")
	require.Equal(t, int32(ok), res.Status, res.Message)
	assert.Equal(t, []string{timeKey, core.MustKey("constitution", "current")}, stub.Reads, "the fallback: two absent keys")
	res, _ = h.invoke(ada, 3*time.Second, "bench:Put", "k2", "v")
	require.Equal(t, int32(ok), res.Status, "3 s is inside the configured default skew: %s", res.Message)

	res, stub = h.invoke(ada, 0, "bench:SetSkew", "2")
	require.Equal(t, int32(ok), res.Status, res.Message)
	assert.JSONEq(t, `{"maxClockSkewSeconds":2,"version":0}`, string(res.Payload))
	assert.Contains(t, stub.Events, benchcc.EventSkew)

	res, stub = h.invoke(ada, 0, "bench:Put", "k3", "v")
	require.Equal(t, int32(ok), res.Status, res.Message)
	assert.Equal(t, []string{timeKey}, stub.Reads, "one read, the time rule, as a governance transaction's guard")
	before := h.state.Snapshot()
	res, _ = h.invoke(ada, 3*time.Second, "bench:Put", "k4", "v")
	assert.Contains(t, res.Message, "at most 2s is accepted", "the guard applies the rule's skew")
	assert.Equal(t, before, h.state.Snapshot())

	for _, arg := range []string{"", "0", "-1", "+5", "5.0", " 5", "3601", "99999999999999999999", "five"} {
		before := h.state.Snapshot()
		res, stub := h.invoke(ada, 0, "bench:SetSkew", arg)
		require.Equal(t, int32(500), res.Status, "%q", arg)
		d, found := errcode.Decode(res.Message)
		require.True(t, found, res.Message)
		assert.Equal(t, errcode.InvalidArgument, d.Code, res.Message)
		assert.Equal(t, "maxClockSkewSeconds", d.Field, res.Message)
		assert.Equal(t, before, h.state.Snapshot(), "%q writes nothing", arg)
		assert.Empty(t, stub.Events)
	}

	// the production chaincode has no such transaction: there only the
	// founding act and amendments write the time rule
	hp := newHarness(t)
	before = hp.state.Snapshot()
	res, _ = hp.invoke(ada, 0, "bench:SetSkew", "2")
	assert.NotEqual(t, int32(ok), res.Status)
	assert.Equal(t, before, hp.state.Snapshot())
}
