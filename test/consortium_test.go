package test

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/gateway"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/charter-gov/charter/chaincode/contribution"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/genesis"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/membership"
	charter "github.com/charter-gov/charter/gateway-client"
)

func clientArgs(args ...string) []client.ProposalOption {
	return []client.ProposalOption{client.WithArguments(args...)}
}

// profileIdentity is the ledger identity of a profile's certificate.
func profileIdentity(t *testing.T, profile string) identity.Identity {
	t.Helper()
	p, err := net.profiles.Profile(profile)
	require.NoError(t, err)
	pemBytes, err := os.ReadFile(p.CertPath)
	require.NoError(t, err)
	id, err := identity.FromPEM(p.MSPID, pemBytes)
	require.NoError(t, err)
	return id
}

// ensureMember registers profile's identity as a plain member via its org
// admin, tolerating a registration by the genesis or an earlier run on a
// reused network.
func ensureMember(t *testing.T, org, user string) identity.Identity {
	t.Helper()
	id := profileIdentity(t, org+"-"+user)
	_, err := net.client(t, org+"-admin").RegisterMember(ctxFor(t), membership.RegisterRequest{Member: id, Name: org + " " + user})
	if err != nil && codeOf(err) != errcode.Conflict {
		require.NoError(t, err, "register %s-%s", org, user)
	}
	return id
}

// stateFingerprint is what every peer must agree on: the constitution in
// force, its history and the full member list.
func stateFingerprint(t *testing.T, c *charter.Client) string {
	t.Helper()
	ctx := ctxFor(t)
	cur, err := c.Constitution(ctx)
	require.NoError(t, err)
	hist, err := c.ConstitutionHistory(ctx)
	require.NoError(t, err)
	members, err := c.Members(ctx, charter.MemberQuery{IncludeRemoved: true})
	require.NoError(t, err)
	raw, err := json.Marshal(struct {
		Hash    string
		Hist    any
		Members any
	}{cur.Hash, hist, members})
	require.NoError(t, err)
	sum := sha256.Sum256(raw)
	return fmt.Sprintf("%x", sum)
}

// requireSameStateEverywhere reads the state from each organisation's own
// peer and requires one answer.
func requireSameStateEverywhere(t *testing.T) string {
	t.Helper()
	var prints []string
	require.Eventually(t, func() bool {
		prints = prints[:0]
		for _, org := range orgProfiles {
			prints = append(prints, stateFingerprint(t, net.client(t, org+"-user1")))
		}
		return prints[0] == prints[1] && prints[1] == prints[2]
	}, 20*time.Second, 250*time.Millisecond, "every organisation's peer returns the same state: %v", prints)
	return prints[0]
}

func TestEachOrganisationRegistersItsMembers(t *testing.T) {
	ctx := ctxFor(t)
	for _, org := range orgProfiles {
		id := ensureMember(t, org, "user2")
		m, err := net.client(t, org+"-user1").Member(ctx, id)
		require.NoError(t, err)
		assert.Equal(t, mspOf[org], m.MSPID)
		assert.Equal(t, membership.StatusActive, m.Status)
		assert.True(t, m.Has(membership.RoleAttester), "the attester role comes from the genesis")
	}
	requireSameStateEverywhere(t)
}

func TestCommittedTransactionIsEndorsedByAMajority(t *testing.T) {
	ctx := ctxFor(t)
	admin := net.client(t, "labB-admin")
	id := profileIdentity(t, "labB-user3")
	// Start from a known state on reused networks: re-admit if removed.
	_, _ = admin.RemoveMember(ctx, membership.RemoveRequest{Member: id, Reason: "test reset"})
	events, err := admin.WatchEvents(ctx, charter.WatchOptions{})
	require.NoError(t, err)
	m, err := admin.RegisterMember(ctx, membership.RegisterRequest{Member: id, Name: "Grace"})
	require.NoError(t, err)
	assert.Equal(t, "Grace", m.Name)

	var ev charter.Event
	select {
	case ev = <-events:
	case <-time.After(30 * time.Second):
		t.Fatal("no member.registered event within 30s")
	}
	assert.Equal(t, membership.EventRegistered, ev.Name)
	assert.Equal(t, admin.Identity(), ev.Envelope.Actor)

	msps, code := endorsingMSPs(t, admin, ev.TxID)
	assert.Equal(t, peer.TxValidationCode_VALID, code)
	slices.Sort(msps)
	msps = slices.Compact(msps)
	assert.GreaterOrEqual(t, len(msps), 2, "endorsed by at least two organisations: %v", msps)
	requireSameStateEverywhere(t)

	// The status look-up that settles an unknown outcome.
	st, err := admin.TransactionStatus(ctx, ev.TxID)
	require.NoError(t, err)
	assert.Equal(t, &charter.TxStatus{TxID: ev.TxID, Found: true, Valid: true, ValidationCode: "VALID"}, st)
	never := strings.Repeat("0", 64)
	st, err = admin.TransactionStatus(ctx, never)
	require.NoError(t, err)
	assert.Equal(t, &charter.TxStatus{TxID: never}, st, "an ID the ledger never saw is not found")
}

func TestBadInputIsRefusedAndChangesNothing(t *testing.T) {
	ensureMember(t, "labA", "user1")
	labAUser := profileIdentity(t, "labA-user2")
	unknown := profileIdentity(t, "foundation-user3")
	_, _ = net.client(t, "foundation-admin").RemoveMember(ctxFor(t), membership.RemoveRequest{Member: unknown, Reason: "test reset"})

	tests := []struct {
		name string
		call func(t *testing.T) error
		code errcode.Code
		msg  string
	}{
		{"wrong role: a user registers a member", func(t *testing.T) error {
			_, err := net.client(t, "labA-user1").RegisterMember(ctxFor(t), membership.RegisterRequest{Member: labAUser, Name: "X"})
			return err
		}, errcode.Forbidden, "not an organisation admin"},
		{"another organisation's admin registers a member", func(t *testing.T) error {
			_, err := net.client(t, "labB-admin").RegisterMember(ctxFor(t), membership.RegisterRequest{Member: profileIdentity(t, "labA-user3"), Name: "X"})
			return err
		}, errcode.Forbidden, "cannot manage members of LabAMSP"},
		{"unknown member is updated", func(t *testing.T) error {
			_, err := net.client(t, "foundation-admin").UpdateMember(ctxFor(t), membership.UpdateRequest{Member: unknown, Name: "Nobody"})
			return err
		}, errcode.NotFound, "foundation"},
		{"malformed argument", func(t *testing.T) error {
			_, err := net.client(t, "labA-admin").Contract().SubmitWithContext(ctxFor(t), "member:Register", clientArgs(`{"member":`)...)
			return err
		}, errcode.InvalidArgument, "malformed JSON"},
		{"hostile payload: unknown fields", func(t *testing.T) error {
			_, err := net.client(t, "labA-admin").Contract().SubmitWithContext(ctxFor(t), "member:Register", clientArgs(`{"member":{"mspId":"LabAMSP","id":"x509::a::b"},"name":"x","roles":["member"],"isAdmin":true}`)...)
			return err
		}, errcode.InvalidArgument, `unknown field "isAdmin"`},
		{"duplicate key: the last one would have won", func(t *testing.T) error {
			_, err := net.client(t, "labA-admin").Contract().SubmitWithContext(ctxFor(t), "member:Register", clientArgs(`{"member":{"mspId":"LabBMSP","id":"x509::a::b"},"member":{"mspId":"LabAMSP","id":"x509::a::b"},"name":"x"}`)...)
			return err
		}, errcode.InvalidArgument, `duplicate field "member"`},
		{"trailing data after the argument", func(t *testing.T) error {
			_, err := net.client(t, "labA-admin").Contract().SubmitWithContext(ctxFor(t), "member:Register", clientArgs(`{"member":{"mspId":"LabAMSP","id":"x509::a::b"},"name":"x"}]]]garbage`)...)
			return err
		}, errcode.InvalidArgument, "unexpected data after the JSON value"},
		{"an extra argument", func(t *testing.T) error {
			_, err := net.client(t, "labA-admin").Contract().SubmitWithContext(ctxFor(t), "member:Register", clientArgs(`{"member":{"mspId":"LabAMSP","id":"x509::a::b"},"name":"x"}`, "extra")...)
			return err
		}, errcode.InvalidArgument, "member:Register takes 1 argument (request), got 2"},
		{"a 100 KB member ID is refused briefly", func(t *testing.T) error {
			_, err := net.client(t, "labA-admin").Contract().EvaluateWithContext(ctxFor(t), "member:Get", clientArgs("LabAMSP", strings.Repeat("x", 100_000))...)
			if err != nil && len(wireText(err)) > errcode.MaxMessageBytes+200 {
				t.Errorf("the error is %d bytes long", len(wireText(err)))
			}
			return err
		}, errcode.InvalidArgument, "argument id is 100000 bytes, at most 1024"},
		{"a NUL in an MSP ID", func(t *testing.T) error {
			_, err := net.client(t, "labA-admin").Contract().EvaluateWithContext(ctxFor(t), "member:List", clientArgs("LabAMSP\x00", "false", "", "")...)
			return err
		}, errcode.InvalidArgument, "control character U+0000"},
		{"unknown role", func(t *testing.T) error {
			_, err := net.client(t, "labA-admin").RegisterMember(ctxFor(t), membership.RegisterRequest{Member: profileIdentity(t, "labA-user3"), Name: "X", Roles: []membership.Role{"emperor"}})
			return err
		}, errcode.InvalidArgument, `unknown role "emperor"`},
		{"an admin grants itself a House A seat", func(t *testing.T) error {
			_, err := net.client(t, "labA-admin").RegisterMember(ctxFor(t), membership.RegisterRequest{Member: net.client(t, "labA-admin").Identity(), Name: "Me", Roles: []membership.Role{membership.RoleHouseA}})
			return err
		}, errcode.Forbidden, "seat_confirmation decision"},
		{"an admin makes a member a guardian", func(t *testing.T) error {
			_, err := net.client(t, "labA-admin").UpdateMember(ctxFor(t), membership.UpdateRequest{Member: profileIdentity(t, "labA-user1"), Name: "labA user1", Roles: []membership.Role{membership.RoleGuardian}})
			return err
		}, errcode.Forbidden, "the guardian role is granted by the genesis or a role_grant decision"},
		{"an admin makes a member an attester", func(t *testing.T) error {
			_, err := net.client(t, "labB-admin").RegisterMember(ctxFor(t), membership.RegisterRequest{Member: profileIdentity(t, "labB-user3"), Name: "X", Roles: []membership.Role{membership.RoleAttester},
				AttesterCategories: []contribution.Category{contribution.MergedCode}})
			return err
		}, errcode.Forbidden, "role_grant decision"},
		{"a second genesis", func(t *testing.T) error {
			g := genesis.Genesis{Founders: []string{"FoundationMSP", "LabAMSP", "LabBMSP"}, Constitution: testConstitution(),
				Members: []membership.FoundingMember{{Member: profileIdentity(t, "labB-user2"), Name: "LabB's own seat", Roles: []membership.Role{membership.RoleHouseA}}}}
			_, err := net.client(t, "labB-admin").ProposeGenesis(ctxFor(t), g)
			return err
		}, errcode.Conflict, "already adopted"},
		{"a late approval", func(t *testing.T) error {
			st, err := net.client(t, "labB-user1").Genesis(ctxFor(t))
			require.NoError(t, err)
			require.NotNil(t, st.Adopted)
			_, err = net.client(t, "labB-admin").ApproveGenesis(ctxFor(t), st.Adopted.Proposal.Hash)
			return err
		}, errcode.Conflict, "already adopted"},
	}
	observer := net.client(t, "foundation-user1")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := requireSameStateEverywhere(t)
			height := settledHeight(t)
			err := tt.call(t)
			require.Error(t, err)
			assert.Equal(t, tt.code, codeOf(err), "error: %s", wireText(err))
			assert.Contains(t, wireText(err), tt.msg)
			assert.Equal(t, height, chainHeight(t, observer), "no block was added")
			assert.Equal(t, before, requireSameStateEverywhere(t), "state unchanged on every peer")
		})
	}
}

// TestClockSkewGuardRefusesForgedTimestamp builds a proposal, moves its
// timestamp an hour into the future, signs it, and asks the gateway to
// endorse it: every organisation's chaincode refuses.
func TestClockSkewGuardRefusesForgedTimestamp(t *testing.T) {
	ctx := ctxFor(t)
	c := net.client(t, "labA-admin")
	p, err := net.profiles.Profile("labA-admin")
	require.NoError(t, err)
	certPEM, err := os.ReadFile(p.CertPath)
	require.NoError(t, err)
	keyPEM, err := os.ReadFile(p.KeyPath)
	require.NoError(t, err)
	sign := signerFromPEM(t, keyPEM)
	id := unsignedIdentity(t, p.MSPID, certPEM)

	// A gateway without a signer produces unsigned proposals that the
	// caller signs itself (fabric-gateway's offline signing flow).
	gw, err := client.Connect(id, client.WithClientConnection(dialPeer(t, "labA-admin")))
	require.NoError(t, err)
	contract := gw.GetNetwork("charter").GetContract("charter")

	height := settledHeight(t)
	for _, skew := range []time.Duration{time.Hour, -time.Hour} {
		t.Run(fmt.Sprintf("skew %s", skew), func(t *testing.T) {
			unsigned, err := contract.NewProposal("member:Register", client.WithArguments(
				fmt.Sprintf(`{"member":{"mspId":"LabAMSP","id":%q},"name":"Forged"}`, profileIdentity(t, "labA-user3").ID)))
			require.NoError(t, err)
			raw, err := unsigned.Bytes()
			require.NoError(t, err)
			forged := shiftTimestamp(t, raw, skew)

			var pt gateway.ProposedTransaction
			require.NoError(t, proto.Unmarshal(forged, &pt))
			digest := sha256.Sum256(pt.GetProposal().GetProposalBytes())
			sig, err := sign(digest[:])
			require.NoError(t, err)
			proposal, err := gw.NewSignedProposal(forged, sig)
			require.NoError(t, err)

			_, err = proposal.EndorseWithContext(ctx)
			require.Error(t, err)
			assert.Equal(t, errcode.InvalidArgument, codeOf(err), wireText(err))
			assert.Contains(t, wireText(err), "away from this peer's clock")
		})
	}
	assert.Equal(t, height, chainHeight(t, c), "no block was added")
}

// shiftTimestamp moves the channel-header timestamp of a serialized
// gateway.ProposedTransaction by d. The transaction ID does not depend on
// the timestamp, so the result is still a well-formed proposal.
func shiftTimestamp(t *testing.T, raw []byte, d time.Duration) []byte {
	t.Helper()
	var pt gateway.ProposedTransaction
	require.NoError(t, proto.Unmarshal(raw, &pt))
	var prop peer.Proposal
	require.NoError(t, proto.Unmarshal(pt.GetProposal().GetProposalBytes(), &prop))
	var hdr common.Header
	require.NoError(t, proto.Unmarshal(prop.GetHeader(), &hdr))
	var ch common.ChannelHeader
	require.NoError(t, proto.Unmarshal(hdr.GetChannelHeader(), &ch))
	ch.Timestamp = timestamppb.New(ch.GetTimestamp().AsTime().Add(d))

	var err error
	hdr.ChannelHeader, err = proto.Marshal(&ch)
	require.NoError(t, err)
	prop.Header, err = proto.Marshal(&hdr)
	require.NoError(t, err)
	pt.Proposal.ProposalBytes, err = proto.Marshal(&prop)
	require.NoError(t, err)
	pt.Proposal.Signature = nil
	out, err := proto.Marshal(&pt)
	require.NoError(t, err)
	return out
}
