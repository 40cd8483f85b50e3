package charter

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/genesis"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/membership"
)

var ada = identity.Identity{MSPID: "LabAMSP", ID: "x509::CN=Ada::CN=ca.laba"}

func TestTransactionArguments(t *testing.T) {
	gen := genesis.Genesis{Founders: []string{"LabAMSP", "LabBMSP"}, Constitution: constitution.Default(),
		Members: []membership.FoundingMember{{Member: ada, Name: "Ada", Roles: []membership.Role{membership.RoleHouseA}}}}
	genJSON, err := json.Marshal(gen)
	require.NoError(t, err)
	hash := strings.Repeat("ab", 32)
	register := membership.RegisterRequest{Member: ada, Name: "Ada"}
	update := membership.UpdateRequest{Member: ada, Name: "Ada L."}
	remove := membership.RemoveRequest{Member: ada, Reason: "left the lab"}
	mustJSON := func(v any) string {
		raw, err := json.Marshal(v)
		require.NoError(t, err)
		return string(raw)
	}

	tests := []struct {
		name   string
		invoke func(ctx context.Context, c *Client) (any, error)
		want   call
	}{
		{"ProposeGenesis", func(ctx context.Context, c *Client) (any, error) { return c.ProposeGenesis(ctx, gen) },
			call{Kind: "endorse", Name: "constitution:ProposeGenesis", Args: []string{string(genJSON)}}},
		{"ApproveGenesis", func(ctx context.Context, c *Client) (any, error) { return c.ApproveGenesis(ctx, hash) },
			call{Kind: "endorse", Name: "constitution:ApproveGenesis", Args: []string{hash}}},
		{"Genesis", func(ctx context.Context, c *Client) (any, error) { return c.Genesis(ctx) },
			call{Kind: "evaluate", Name: "constitution:Genesis", Args: []string{}}},
		{"Constitution", func(ctx context.Context, c *Client) (any, error) { return c.Constitution(ctx) },
			call{Kind: "evaluate", Name: "constitution:Current", Args: []string{}}},
		{"ConstitutionVersion", func(ctx context.Context, c *Client) (any, error) { return c.ConstitutionVersion(ctx, 12) },
			call{Kind: "evaluate", Name: "constitution:Get", Args: []string{"12"}}},
		{"ConstitutionHistory", func(ctx context.Context, c *Client) (any, error) { return c.ConstitutionHistory(ctx) },
			call{Kind: "evaluate", Name: "constitution:History", Args: []string{}}},
		{"DefaultConstitution", func(ctx context.Context, c *Client) (any, error) { return c.DefaultConstitution(ctx) },
			call{Kind: "evaluate", Name: "constitution:Default", Args: []string{}}},
		{"RegisterMember", func(ctx context.Context, c *Client) (any, error) { return c.RegisterMember(ctx, register) },
			call{Kind: "endorse", Name: "member:Register", Args: []string{mustJSON(register)}}},
		{"UpdateMember", func(ctx context.Context, c *Client) (any, error) { return c.UpdateMember(ctx, update) },
			call{Kind: "endorse", Name: "member:Update", Args: []string{mustJSON(update)}}},
		{"RemoveMember", func(ctx context.Context, c *Client) (any, error) { return c.RemoveMember(ctx, remove) },
			call{Kind: "endorse", Name: "member:Remove", Args: []string{mustJSON(remove)}}},
		{"Member", func(ctx context.Context, c *Client) (any, error) { return c.Member(ctx, ada) },
			call{Kind: "evaluate", Name: "member:Get", Args: []string{ada.MSPID, ada.ID}}},
		{"Members all", func(ctx context.Context, c *Client) (any, error) { return c.Members(ctx, MemberQuery{}) },
			call{Kind: "evaluate", Name: "member:List", Args: []string{"", "false", "1000", ""}}},
		{"Members of one MSP with removed", func(ctx context.Context, c *Client) (any, error) {
			return c.Members(ctx, MemberQuery{MSPID: "LabBMSP", IncludeRemoved: true})
		}, call{Kind: "evaluate", Name: "member:List", Args: []string{"LabBMSP", "true", "1000", ""}}},
		{"Whoami", func(ctx context.Context, c *Client) (any, error) { return c.Whoami(ctx) },
			call{Kind: "evaluate", Name: "member:Whoami", Args: []string{}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			result := []byte("{}")
			if tt.want.Name == "constitution:History" {
				result = []byte("[]")
			}
			f := &fakeGateway{
				evaluate: func(call) ([]byte, error) { return result, nil },
				endorse:  func(call) ([]byte, error) { return result, nil },
			}
			c := newTestClient(t, f)
			_, err := tt.invoke(t.Context(), c)
			require.NoError(t, err)
			calls := f.Calls()
			require.Len(t, calls, 1)
			got := calls[0]
			got.TxID, got.Chaincode = "", ""
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("proposal (-want +got):\n%s", diff)
			}
		})
	}
}

func TestResultsAreDecoded(t *testing.T) {
	registered := membership.Member{Identity: ada, Name: "Ada", Roles: []membership.Role{membership.RoleMember}, Status: membership.StatusActive,
		RegisteredAt: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC), UpdatedAt: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}
	raw, err := json.Marshal(registered)
	require.NoError(t, err)
	f := &fakeGateway{endorse: func(call) ([]byte, error) { return raw, nil }}
	c := newTestClient(t, f)

	got, err := c.RegisterMember(t.Context(), membership.RegisterRequest{Member: ada, Name: "Ada"})
	require.NoError(t, err)
	if diff := cmp.Diff(&registered, got); diff != "" {
		t.Errorf("member (-want +got):\n%s", diff)
	}
}

func TestUndecodableResultIsInternal(t *testing.T) {
	f := &fakeGateway{evaluate: func(call) ([]byte, error) { return []byte("not json"), nil }}
	c := newTestClient(t, f)

	_, err := c.Whoami(t.Context())
	require.ErrorIs(t, err, ErrInternal)
	assert.Contains(t, err.Error(), "decode result of member:Whoami")
}

func TestMVCCConflictIsRetried(t *testing.T) {
	conflicts := 2
	f := &fakeGateway{commitStatus: func(context.Context, string) (peer.TxValidationCode, error) {
		if conflicts > 0 {
			conflicts--
			return peer.TxValidationCode_MVCC_READ_CONFLICT, nil
		}
		return peer.TxValidationCode_VALID, nil
	}}
	c := newTestClient(t, f)

	_, err := c.RegisterMember(t.Context(), membership.RegisterRequest{Member: ada, Name: "Ada"})
	require.NoError(t, err)
	calls := f.Calls()
	require.Len(t, calls, 3, "endorsed once and retried twice")
	assert.NotEqual(t, calls[0].TxID, calls[1].TxID, "each attempt is a new transaction")
}

func TestMVCCConflictGivesUpAfterLimit(t *testing.T) {
	f := &fakeGateway{commitStatus: func(context.Context, string) (peer.TxValidationCode, error) {
		return peer.TxValidationCode_MVCC_READ_CONFLICT, nil
	}}
	c := newTestClient(t, f, func(cfg *Config) { cfg.MVCCRetries = 2 })

	_, err := c.RegisterMember(t.Context(), membership.RegisterRequest{Member: ada, Name: "Ada"})
	require.ErrorIs(t, err, ErrNotCommitted)
	var commitErr *ValidationError
	require.ErrorAs(t, err, &commitErr)
	assert.Equal(t, peer.TxValidationCode_MVCC_READ_CONFLICT, commitErr.Code)
	assert.Equal(t, 3, commitErr.Attempts)
	assert.Len(t, f.Calls(), 3)
	var e *Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, f.Calls()[2].TxID, e.TxID)
}

func TestMVCCRetriesCanBeDisabled(t *testing.T) {
	f := &fakeGateway{commitStatus: func(context.Context, string) (peer.TxValidationCode, error) {
		return peer.TxValidationCode_MVCC_READ_CONFLICT, nil
	}}
	c := newTestClient(t, f, func(cfg *Config) { cfg.MVCCRetries = -1 })

	_, err := c.RegisterMember(t.Context(), membership.RegisterRequest{Member: ada, Name: "Ada"})
	require.ErrorIs(t, err, ErrNotCommitted)
	assert.Len(t, f.Calls(), 1)
}

func TestOtherValidationFailuresAreNotRetried(t *testing.T) {
	f := &fakeGateway{commitStatus: func(context.Context, string) (peer.TxValidationCode, error) {
		return peer.TxValidationCode_ENDORSEMENT_POLICY_FAILURE, nil
	}}
	c := newTestClient(t, f)

	_, err := c.RegisterMember(t.Context(), membership.RegisterRequest{Member: ada, Name: "Ada"})
	require.ErrorIs(t, err, ErrNotCommitted)
	assert.Contains(t, err.Error(), "ENDORSEMENT_POLICY_FAILURE")
	assert.Len(t, f.Calls(), 1)
}

func TestChaincodeErrorsAreNotRetried(t *testing.T) {
	f := &fakeGateway{endorse: func(call) ([]byte, error) {
		return nil, peerError(codes.Aborted, "failed to endorse transaction, see attached details for more info",
			"chaincode response 500, CONFLICT: member LabAMSP/x is already registered")
	}}
	c := newTestClient(t, f)

	_, err := c.RegisterMember(t.Context(), membership.RegisterRequest{Member: ada, Name: "Ada"})
	require.ErrorIs(t, err, ErrConflict)
	assert.Len(t, f.Calls(), 1)
}

func TestCommitStatusTimeoutIsUnknownOutcome(t *testing.T) {
	f := &fakeGateway{commitStatus: func(ctx context.Context, _ string) (peer.TxValidationCode, error) {
		<-ctx.Done()
		return 0, status.FromContextError(ctx.Err()).Err()
	}}
	f.evaluate = func(c call) ([]byte, error) { // the look-up by ID never finds it
		return nil, peerError(codes.Unknown, "chaincode response 500, Failed to get transaction with id "+c.Args[1])
	}
	c := newTestClient(t, f, func(cfg *Config) {
		cfg.CommitTimeout, cfg.StatusLookupWindow = 20*time.Millisecond, 20*time.Millisecond
	})

	_, err := c.RegisterMember(t.Context(), membership.RegisterRequest{Member: ada, Name: "Ada"})
	require.ErrorIs(t, err, ErrUnknownOutcome)
	var e *Error
	require.ErrorAs(t, err, &e)
	calls := f.Calls()
	require.NotEmpty(t, calls)
	assert.Equal(t, "endorse", calls[0].Kind)
	for _, c := range calls[1:] {
		assert.Equal(t, call{Kind: "evaluate", Name: "GetTransactionByID", Args: []string{"charter", calls[0].TxID}, TxID: c.TxID, Chaincode: "qscc"}, c,
			"after the endorsement only look-ups by the transaction's ID")
	}
	assert.Equal(t, calls[0].TxID, e.TxID)
	assert.Contains(t, e.Message, e.TxID)
	assert.Contains(t, e.Message, "may or may not have committed")
	var statusErr *client.CommitStatusError
	assert.ErrorAs(t, err, &statusErr)
}

func TestCanceledContextStopsRetries(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	f := &fakeGateway{commitStatus: func(context.Context, string) (peer.TxValidationCode, error) {
		cancel()
		return peer.TxValidationCode_MVCC_READ_CONFLICT, nil
	}}
	c := newTestClient(t, f, func(cfg *Config) { cfg.RetryBackoff = time.Hour })

	_, err := c.RegisterMember(ctx, membership.RegisterRequest{Member: ada, Name: "Ada"})
	require.ErrorIs(t, err, ErrNotCommitted)
	assert.Len(t, f.Calls(), 1)
}

func TestIdentityIsComputedFromCertificate(t *testing.T) {
	c := newTestClient(t, &fakeGateway{})
	assert.Equal(t, "LabAMSP", c.Identity().MSPID)
	assert.Contains(t, c.Identity().ID, "CN=User1@laba.charter.local")
	require.NoError(t, c.Identity().Validate())
}

func TestConnectRejectsBadConfig(t *testing.T) {
	dir := t.TempDir()
	creds := newCredentials(t, "User1")
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, data, 0o600))
		return p
	}
	cert, key := write("cert.pem", creds.certPEM), write("key.pem", creds.keyPEM)
	garbage := write("garbage.pem", []byte("not pem"))
	good := Config{MSPID: "LabAMSP", CertPath: cert, KeyPath: key, TLSCACertPath: cert, PeerEndpoint: "127.0.0.1:1", DialTimeout: 5 * time.Second}

	tests := []struct {
		name   string
		mutate func(*Config)
		want   string
	}{
		{"missing fields", func(c *Config) { *c = Config{} }, "missing MSPID, CertPath, TLSCACertPath, PeerEndpoint, KeyPath (or Sign, or HSM)"},
		{"negative timeout", func(c *Config) { c.CommitTimeout = -time.Second }, "CommitTimeout -1s is negative"},
		{"no certificate file", func(c *Config) { c.CertPath = filepath.Join(dir, "nope") }, "read user certificate"},
		{"no key file", func(c *Config) { c.KeyPath = filepath.Join(dir, "nope") }, "read user private key"},
		{"bad TLS CA", func(c *Config) { c.TLSCACertPath = garbage }, "no PEM certificate found"},
		{"bad certificate, before dialling", func(c *Config) { c.CertPath = garbage }, "user certificate " + garbage},
		{"bad key, before dialling", func(c *Config) { c.KeyPath = garbage }, "user private key " + garbage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := good
			tt.mutate(&cfg)
			c, err := Connect(t.Context(), cfg)
			require.Error(t, err)
			assert.Nil(t, c)
			assert.Contains(t, err.Error(), tt.want)
		})
	}

	t.Run("unreachable peer", func(t *testing.T) {
		c, err := Connect(t.Context(), good)
		require.ErrorIs(t, err, ErrUnavailable)
		assert.Nil(t, c)
		assert.Contains(t, err.Error(), "127.0.0.1:1")
	})
}

func TestConnectRejectsBadCredentials(t *testing.T) {
	creds := newCredentials(t, "User1")
	_, err := loadUser([]byte("garbage"), creds.keyPEM, Config{MSPID: "LabAMSP", CertPath: "cert.pem"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "user certificate cert.pem")

	_, err = loadUser(creds.certPEM, []byte("garbage"), Config{MSPID: "LabAMSP", KeyPath: "key.pem"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "user private key key.pem")
}

func TestCloseTwice(t *testing.T) {
	c := newTestClient(t, &fakeGateway{})
	require.NoError(t, c.Close())
	require.NoError(t, c.Close())
}

func TestNewWithCustomContract(t *testing.T) {
	rec := &recordingContract{result: []byte(`{"identity":{"mspId":"LabAMSP","id":"x509::CN=a::CN=b"},"orgAdmin":true}`)}
	c := New(ada, rec, nil, Config{})
	w, err := c.Whoami(t.Context())
	require.NoError(t, err)
	assert.True(t, w.OrgAdmin)
	assert.Equal(t, []string{"member:Whoami"}, rec.names)
	assert.Nil(t, c.Network())
	assert.Nil(t, c.Contract())
	require.NoError(t, c.Close())
}

// recordingContract is a Contract that answers every query with result.
type recordingContract struct {
	result []byte
	names  []string
}

func (r *recordingContract) EvaluateWithContext(_ context.Context, name string, _ ...client.ProposalOption) ([]byte, error) {
	r.names = append(r.names, name)
	return r.result, nil
}

func (r *recordingContract) SubmitAsyncWithContext(_ context.Context, name string, _ ...client.ProposalOption) ([]byte, *client.Commit, error) {
	r.names = append(r.names, name)
	return nil, nil, errors.New("recordingContract does not submit")
}

// Members follows member:List's bookmarks to the end; MembersPage reads one.
func TestMembersFollowsPages(t *testing.T) {
	bob := identity.Identity{MSPID: "LabBMSP", ID: "x509::CN=bob::CN=ca"}
	pages := map[string]membership.ListPage{
		"":      {Members: []membership.Member{{Identity: ada}}, Bookmark: "bm-1"},
		"bm-1":  {Members: []membership.Member{}, Bookmark: "bm-2"}, // a page of removed members only
		"bm-2":  {Members: []membership.Member{{Identity: bob}}},
		"wrong": {},
	}
	f := &fakeGateway{evaluate: func(c call) ([]byte, error) {
		require.Len(t, c.Args, 4)
		assert.Equal(t, "2", c.Args[2], "the page size asked for")
		return json.Marshal(pages[c.Args[3]])
	}}
	c := newTestClient(t, f)
	ms, err := c.Members(t.Context(), MemberQuery{PageSize: 2})
	require.NoError(t, err)
	require.Len(t, ms, 2)
	assert.Equal(t, []identity.Identity{ada, bob}, []identity.Identity{ms[0].Identity, ms[1].Identity})
	assert.Len(t, f.Calls(), 3, "three pages, three queries")
	p, err := c.MembersPage(t.Context(), MemberQuery{PageSize: 2, Bookmark: "bm-1"})
	require.NoError(t, err)
	assert.Equal(t, "bm-2", p.Bookmark)
}

func TestGenesisHashIsTheChaincodes(t *testing.T) {
	g := genesis.Genesis{Founders: []string{"LabBMSP", "LabAMSP"}, Constitution: constitution.Default(),
		Members: []membership.FoundingMember{{Member: ada, Name: "Ada", Roles: []membership.Role{membership.RoleHouseA}}}}
	got, err := GenesisHash(g)
	require.NoError(t, err)
	want, _, err := genesis.Hash(g)
	require.NoError(t, err)
	assert.Equal(t, want, got)
	assert.Len(t, got, 64)
	g.Founders = g.Founders[:1]
	_, err = GenesisHash(g)
	require.ErrorIs(t, err, ErrInvalidArgument, "a genesis the chaincode would refuse is refused before sending")
}

// After a chaincode upgrade commits, the gateway finds no peers with the new
// definition's package for about one gossip interval: nothing was endorsed
// or ordered, so the submit asks again and commits once.
func TestNoEndorsementPlanIsAskedAgain(t *testing.T) {
	const planErr = "no combination of peers can be derived which satisfy the endorsement policy: required chaincodes are not installed on sufficient peers"
	n := 0
	f := &fakeGateway{endorse: func(call) ([]byte, error) {
		n++
		if n <= 2 {
			return nil, peerError(codes.FailedPrecondition, planErr)
		}
		return []byte(`{}`), nil
	}}
	c := newTestClient(t, f)
	_, err := c.RegisterMember(t.Context(), membership.RegisterRequest{Member: ada, Name: "Ada"})
	require.NoError(t, err)
	assert.Len(t, f.Calls(), 3, "two refused plans, then the endorsement that committed")

	// The peers' words while the definition changes, in the details.
	for _, detail := range []string{"ProposalResponsePayloads do not match",
		"make sure the chaincode charter has been successfully defined on channel charter and try again: chaincode cache at sequence 2 but current sequence is 1, chaincode definition for 'charter' changed during invoke"} {
		n = 0
		f = &fakeGateway{endorse: func(call) ([]byte, error) {
			n++
			if n == 1 {
				return nil, peerError(codes.Aborted, "failed to collect enough transaction endorsements, see attached details for more info", detail)
			}
			return []byte(`{}`), nil
		}}
		c = newTestClient(t, f)
		_, err = c.RegisterMember(t.Context(), membership.RegisterRequest{Member: ada, Name: "Ada"})
		require.NoError(t, err, detail)
		assert.Len(t, f.Calls(), 2, detail)
	}

	// Another endorsement-policy problem is not retried.
	f = &fakeGateway{endorse: func(call) ([]byte, error) {
		return nil, peerError(codes.FailedPrecondition, "no combination of peers can be derived which satisfy the endorsement policy: no peer of LabBMSP is up")
	}}
	c = newTestClient(t, f)
	_, err = c.RegisterMember(t.Context(), membership.RegisterRequest{Member: ada, Name: "Ada"})
	require.Error(t, err)
	assert.Len(t, f.Calls(), 1)
}
