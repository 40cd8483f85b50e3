package coi_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	. "github.com/charter-gov/charter/chaincode/coi"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/internal/testutil"
	"github.com/charter-gov/charter/chaincode/membership"
)

var (
	adminA = testutil.ID("LabAMSP", "Admin@labA")
	ada    = testutil.ID("LabAMSP", "User1@labA")
	ben    = testutil.ID("LabAMSP", "User2@labA")
	gone   = testutil.ID("LabAMSP", "User3@labA")
	nobody = testutil.ID("LabBMSP", "User1@labB")
)

var weights = Subject{Kind: KindArtifact, ID: "llama-7b@sha256:ab12"}

func seeded(t *testing.T) *core.MemStore {
	t.Helper()
	s := core.NewMemStore()
	for _, m := range []identity.Identity{ada, ben, gone} {
		roles := []membership.Role{membership.RoleHouseA}
		if m == gone { // a seat holder is removed only after a seat_removal decision
			roles = nil
		}
		_, err := membership.RegisterFounding(testutil.Tx(s, adminA, true, testutil.T0()), membership.FoundingMember{Member: m, Name: "M", Roles: roles}, "test-genesis")
		require.NoError(t, err)
	}
	_, err := membership.Remove(testutil.Tx(s, adminA, true, testutil.T0()), membership.RemoveRequest{Member: gone, Reason: "left"})
	require.NoError(t, err)
	return s
}

func TestDisclose(t *testing.T) {
	s := seeded(t)
	tx := testutil.Tx(s, ada, false, testutil.T0())
	d, err := Disclose(tx, DiscloseRequest{Subject: weights, Statement: "I trained this model at my employer."})
	require.NoError(t, err)
	want := &Disclosure{Subject: weights, Member: ada, StatementHash: HashStatement("I trained this model at my employer."),
		Statement: "I trained this model at my employer.", DisclosedAt: testutil.T0(), TxID: tx.TxID}
	assert.Empty(t, cmp.Diff(want, d))
	require.NotNil(t, tx.Event())
	assert.Equal(t, EventDisclosed, tx.Event().Type)

	got, err := Get(s, ada, weights)
	require.NoError(t, err)
	assert.Empty(t, cmp.Diff(want, got))

	// Off-ledger statement: only its hash.
	h := HashStatement("private statement")
	d2, err := Disclose(testutil.Tx(s, ben, false, testutil.T0()), DiscloseRequest{Subject: weights, StatementHash: h})
	require.NoError(t, err)
	assert.Equal(t, h, d2.StatementHash)
	assert.Empty(t, d2.Statement)

	// Both, matching.
	org := Subject{Kind: KindOrganisation, ID: "LabBMSP"}
	_, err = Disclose(testutil.Tx(s, ada, false, testutil.T0()), DiscloseRequest{Subject: org, Statement: "advisor", StatementHash: HashStatement("advisor")})
	require.NoError(t, err)
}

func TestConflicted(t *testing.T) {
	s := seeded(t)
	_, err := Disclose(testutil.Tx(s, ada, false, testutil.T0()), DiscloseRequest{Subject: weights, Statement: "mine"})
	require.NoError(t, err)
	tests := []struct {
		name    string
		member  identity.Identity
		subject Subject
		want    bool
	}{
		{"disclosed", ada, weights, true},
		{"other member", ben, weights, false},
		{"other subject ID", ada, Subject{Kind: KindArtifact, ID: "llama-7b"}, false},
		{"same ID other kind", ada, Subject{Kind: KindGrantee, ID: weights.ID}, false},
		{"prefix of the ID", ada, Subject{Kind: KindArtifact, ID: "llama-7b@sha256:ab1"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Conflicted(s, tt.member, tt.subject)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
	_, err = Conflicted(s, ada, Subject{Kind: KindArtifact, ID: "a\x00b"})
	assert.ErrorIs(t, err, errcode.ErrInvalidArgument)
}

func TestRefusalsChangeNothing(t *testing.T) {
	long := strings.Repeat("x", MaxStatementBytes+1)
	tests := []struct {
		name   string
		caller identity.Identity
		req    DiscloseRequest
		code   errcode.Code
	}{
		{"unknown kind", ada, DiscloseRequest{Subject: Subject{Kind: "planet", ID: "x"}, Statement: "s"}, errcode.InvalidArgument},
		{"empty subject ID", ada, DiscloseRequest{Subject: Subject{Kind: KindArtifact, ID: " "}, Statement: "s"}, errcode.InvalidArgument},
		{"control char in ID", ada, DiscloseRequest{Subject: Subject{Kind: KindArtifact, ID: "a\nb"}, Statement: "s"}, errcode.InvalidArgument},
		{"long ID", ada, DiscloseRequest{Subject: Subject{Kind: KindArtifact, ID: strings.Repeat("a", MaxSubjectIDBytes+1)}, Statement: "s"}, errcode.InvalidArgument},
		{"no statement nor hash", ada, DiscloseRequest{Subject: weights}, errcode.InvalidArgument},
		{"blank statement", ada, DiscloseRequest{Subject: weights, Statement: "  "}, errcode.InvalidArgument},
		{"long statement", ada, DiscloseRequest{Subject: weights, Statement: long}, errcode.InvalidArgument},
		{"control char in statement", ada, DiscloseRequest{Subject: weights, Statement: "a\x01"}, errcode.InvalidArgument},
		{"malformed hash", ada, DiscloseRequest{Subject: weights, StatementHash: "abc"}, errcode.InvalidArgument},
		{"upper-case hash", ada, DiscloseRequest{Subject: weights, StatementHash: strings.ToUpper(HashStatement("x"))}, errcode.InvalidArgument},
		{"hash does not match", ada, DiscloseRequest{Subject: weights, Statement: "x", StatementHash: HashStatement("y")}, errcode.InvalidArgument},
		{"not a member", nobody, DiscloseRequest{Subject: weights, Statement: "s"}, errcode.Forbidden},
		{"removed member", gone, DiscloseRequest{Subject: weights, Statement: "s"}, errcode.Forbidden},
		{"second disclosure", ben, DiscloseRequest{Subject: weights, Statement: "again"}, errcode.Conflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := seeded(t)
			_, err := Disclose(testutil.Tx(s, ben, false, testutil.T0()), DiscloseRequest{Subject: weights, Statement: "first"})
			require.NoError(t, err)
			before, writes := s.Snapshot(), s.Writes
			tx := testutil.Tx(s, tt.caller, false, testutil.T0())
			_, err = Disclose(tx, tt.req)
			require.Error(t, err)
			assert.Equal(t, tt.code, errcode.CodeOf(err), "%v", err)
			assert.Equal(t, before, s.Snapshot())
			assert.Equal(t, writes, s.Writes)
			assert.Nil(t, tx.Event())
		})
	}
}

func TestList(t *testing.T) {
	s := seeded(t)
	grant := Subject{Kind: KindGrantee, ID: "docs-bounty-7"}
	for _, c := range []struct {
		m identity.Identity
		s Subject
	}{{ben, weights}, {ada, weights}, {ada, grant}} {
		_, err := Disclose(testutil.Tx(s, c.m, false, testutil.T0()), DiscloseRequest{Subject: c.s, Statement: "s"})
		require.NoError(t, err)
	}
	members := func(p *ListPage) []string {
		out := []string{}
		assert.Empty(t, p.Bookmark, "one page")
		for _, d := range p.Disclosures {
			out = append(out, d.Member.Short()+" "+d.Subject.String())
		}
		return out
	}
	bySubject, err := List(s, ListRequest{Subject: &weights})
	require.NoError(t, err)
	assert.Equal(t, []string{"LabAMSP/User1@labA artifact:llama-7b@sha256:ab12", "LabAMSP/User2@labA artifact:llama-7b@sha256:ab12"}, members(bySubject), "key order: by member")

	byMember, err := List(s, ListRequest{Member: &ada})
	require.NoError(t, err)
	assert.Equal(t, []string{"LabAMSP/User1@labA artifact:llama-7b@sha256:ab12", "LabAMSP/User1@labA grantee:docs-bounty-7"}, members(byMember))

	onlyGrantees, err := List(s, ListRequest{Member: &ada, Kind: KindGrantee})
	require.NoError(t, err)
	assert.Len(t, onlyGrantees.Disclosures, 1)

	none, err := List(s, ListRequest{Member: &nobody})
	require.NoError(t, err)
	assert.Empty(t, none.Disclosures)
	assert.NotNil(t, none.Disclosures, "an empty list encodes as [] not null")

	for name, req := range map[string]ListRequest{
		"neither":          {},
		"both":             {Subject: &weights, Member: &ada},
		"kind on subject":  {Subject: &weights, Kind: KindArtifact},
		"unknown kind":     {Member: &ada, Kind: "x"},
		"bad subject":      {Subject: &Subject{Kind: "x", ID: "y"}},
		"malformed member": {Member: &identity.Identity{MSPID: "X", ID: "nope"}},
		"page too large":   {Member: &ada, PageSize: 1001},
		"negative page":    {Member: &ada, PageSize: -1},
		"foreign bookmark": {Member: &ada, Bookmark: "\x00coi\x00"},
	} {
		_, err := List(s, req)
		assert.ErrorIs(t, err, errcode.ErrInvalidArgument, name)
	}
}

func TestGetNotFound(t *testing.T) {
	_, err := Get(seeded(t), ada, weights)
	assert.ErrorIs(t, err, errcode.ErrNotFound)
}

func TestDeterministicBytes(t *testing.T) {
	run := func() map[string]string {
		s := seeded(t)
		_, err := Disclose(testutil.Tx(s, ada, false, testutil.T0()), DiscloseRequest{Subject: weights, Statement: "s"})
		require.NoError(t, err)
		return s.Snapshot()
	}
	assert.Equal(t, run(), run())
}

func FuzzSubjectKey(f *testing.F) {
	f.Add("artifact", "m@sha256:00")
	f.Add("grantee", "\u00e9")
	f.Fuzz(func(t *testing.T, kind, id string) {
		s := Subject{Kind: Kind(kind), ID: id}
		if s.Validate() != nil {
			return
		}
		k, err := Key(s, ada)
		if err != nil {
			t.Fatalf("valid subject %q gives no key: %v", s, err)
		}
		obj, attrs, err := core.SplitKey(k)
		if err != nil || obj != "coi" || len(attrs) != 4 || attrs[0] != kind || attrs[1] != id {
			t.Fatalf("key round trip of %q: %q %q %v", s, obj, attrs, err)
		}
	})
}

// More disclosures than a page: List returns them in pages, each once and
// in key order, and no page reads more records than its size.
func TestListIsPaged(t *testing.T) {
	s := seeded(t)
	var want []string
	for i := range 7 {
		sub := Subject{Kind: KindGrantee, ID: fmt.Sprintf("bounty-%d", i)}
		_, err := Disclose(testutil.Tx(s, ada, false, testutil.T0()), DiscloseRequest{Subject: sub, Statement: "s"})
		require.NoError(t, err)
		want = append(want, sub.String())
	}
	c := &testutil.Counting{Store: s}
	got, pages, err := testutil.AllPages(10, func(bm string) ([]string, string, error) {
		p, err := List(c, ListRequest{Member: &ada, Kind: KindGrantee, PageSize: 3, Bookmark: bm})
		if err != nil {
			return nil, "", err
		}
		out := []string{}
		for _, d := range p.Disclosures {
			out = append(out, d.Subject.String())
		}
		return out, p.Bookmark, nil
	})
	require.NoError(t, err)
	assert.Equal(t, want, got, "every disclosure once, in key order")
	assert.Equal(t, 3, pages)
	assert.Equal(t, 3, c.MaxPage())
	assert.Empty(t, c.Scans)
}
