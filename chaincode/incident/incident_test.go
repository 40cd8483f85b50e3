package incident_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
	. "github.com/charter-gov/charter/chaincode/incident"
	"github.com/charter-gov/charter/chaincode/internal/testutil"
	"github.com/charter-gov/charter/chaincode/membership"
)

var (
	adminA   = testutil.ID("LabAMSP", "Admin@labA")
	seat     = testutil.ID("LabAMSP", "Seat@labA")
	guardian = testutil.ID("LabBMSP", "Guardian@labB")
	plain    = testutil.ID("LabBMSP", "User1@labB")
	outsider = testutil.ID("LabBMSP", "Stranger@labB")
)

func world(t *testing.T, filers []string) *core.MemStore {
	t.Helper()
	s := core.NewMemStore()
	doc := constitution.Default()
	doc.Incidents.FilerRoles = filers
	_, err := constitution.InstallGenesis(testutil.Tx(s, adminA, true, testutil.T0()), doc)
	require.NoError(t, err)
	for _, m := range []struct {
		id    identity.Identity
		roles []membership.Role
	}{{seat, []membership.Role{membership.RoleHouseA}}, {guardian, []membership.Role{membership.RoleGuardian}}, {plain, nil}} {
		_, err := membership.RegisterFounding(testutil.Tx(s, adminA, true, testutil.T0()), membership.FoundingMember{Member: m.id, Name: "M", Roles: m.roles}, "test-genesis")
		require.NoError(t, err)
	}
	return s
}

func at(d time.Duration) time.Time { return testutil.T0().Add(d) }

func validFile() FileRequest {
	return FileRequest{Kind: KeyCompromise, Severity: High, Summary: "an admin key of LabA was exposed in a CI log",
		Transactions: []string{"abc123"}, Subject: "member:LabAMSP:x509::CN=Admin@labA", PostMortem: "https://example.org/pm/1",
		OccurredAt: at(time.Hour)}
}

func TestFileByEachDefaultFilerRole(t *testing.T) {
	for _, c := range []struct {
		name   string
		caller identity.Identity
		admin  bool
		as     string
	}{
		{"house A seat", seat, false, "house_a"},
		{"guardian", guardian, false, "guardian"},
		{"organisation admin (not a member)", adminA, true, "org_admin"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := world(t, nil)
			tx := testutil.Tx(s, c.caller, c.admin, at(2*time.Hour))
			in, err := File(tx, validFile())
			require.NoError(t, err)
			assert.Equal(t, tx.TxID, in.ID)
			assert.Equal(t, SourceFiled, in.Source)
			assert.Equal(t, c.as, in.FiledAs)
			assert.Equal(t, c.caller, in.RecordedBy)
			assert.Equal(t, at(time.Hour), in.OccurredAt)
			assert.Equal(t, at(2*time.Hour), in.RecordedAt)
			assert.Equal(t, []string{"abc123"}, in.Transactions, "a filed incident lists only the transactions the filer names")
			require.NotNil(t, tx.Event())
			assert.Equal(t, EventFiled, tx.Event().Type)
			got, err := Get(s, in.ID)
			require.NoError(t, err)
			assert.Equal(t, in, got)
		})
	}
}

// Every refusal changes nothing in the store.
func TestFileRefusals(t *testing.T) {
	tests := []struct {
		name   string
		filers []string
		caller identity.Identity
		admin  bool
		mutate func(r *FileRequest)
		code   error
		want   string
	}{
		{"plain member", nil, plain, false, nil, errcode.ErrForbidden, "holds none of the roles"},
		{"not a member", nil, outsider, false, nil, errcode.ErrForbidden, "incidents.filerRoles: house_a, guardian, org_admin"},
		{"admin when the constitution names only guardians", []string{"guardian"}, adminA, true, nil, errcode.ErrForbidden, "incidents.filerRoles: guardian"},
		{"seat when the constitution names only guardians", []string{"guardian"}, seat, false, nil, errcode.ErrForbidden, "holds none"},
		{"unknown kind", nil, seat, false, func(r *FileRequest) { r.Kind = "bad_weather" }, errcode.ErrInvalidArgument, `kind "bad_weather" is unknown`},
		{"unknown severity", nil, seat, false, func(r *FileRequest) { r.Severity = "apocalyptic" }, errcode.ErrInvalidArgument, `severity "apocalyptic" is unknown`},
		{"no summary", nil, seat, false, func(r *FileRequest) { r.Summary = "" }, errcode.ErrInvalidArgument, "incident summary"},
		{"no occurrence time", nil, seat, false, func(r *FileRequest) { r.OccurredAt = time.Time{} }, errcode.ErrInvalidArgument, "occurredAt is required"},
		{"occurred in the future", nil, seat, false, func(r *FileRequest) { r.OccurredAt = at(3 * time.Hour) }, errcode.ErrInvalidArgument, "after it is recorded"},
		{"post-mortem not a link", nil, seat, false, func(r *FileRequest) { r.PostMortem = "see wiki" }, errcode.ErrInvalidArgument, "neither a link"},
		{"transaction twice", nil, seat, false, func(r *FileRequest) { r.Transactions = []string{"a", "a"} }, errcode.ErrInvalidArgument, "twice"},
		{"too many transactions", nil, seat, false, func(r *FileRequest) { r.Transactions = make([]string, MaxTransactions+1) }, errcode.ErrInvalidArgument, "at most 32"},
		{"control character in subject", nil, seat, false, func(r *FileRequest) { r.Subject = "member:\x01" }, errcode.ErrInvalidArgument, "incident subject"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := world(t, tt.filers)
			before := s.Snapshot()
			req := validFile()
			if tt.mutate != nil {
				tt.mutate(&req)
			}
			tx := testutil.Tx(s, tt.caller, tt.admin, at(2*time.Hour))
			_, err := File(tx, req)
			require.ErrorIs(t, err, tt.code)
			assert.Contains(t, err.Error(), tt.want)
			assert.Equal(t, before, s.Snapshot(), "a refused filing writes nothing")
			assert.Nil(t, tx.Event())
		})
	}
}

func TestFileBeforeAdoption(t *testing.T) {
	s := core.NewMemStore()
	_, err := File(testutil.Tx(s, adminA, true, at(time.Hour)), validFile())
	require.ErrorIs(t, err, errcode.ErrFailedPrecondition)
	assert.Empty(t, s.Keys())
}

func TestRecordAutomatic(t *testing.T) {
	s := world(t, nil)
	tx := testutil.Tx(s, plain, false, at(time.Hour))
	a, err := Record(tx, Incident{Kind: Slashing, Severity: Medium, Summary: "slashed by decision d-1", Decision: "d-1", Transactions: []string{"earlier"}})
	require.NoError(t, err)
	assert.Equal(t, tx.TxID, a.ID)
	assert.Equal(t, SourceAutomatic, a.Source)
	assert.Empty(t, a.FiledAs)
	assert.Equal(t, []string{"earlier", tx.TxID}, a.Transactions, "the recording transaction is among those involved")
	assert.Equal(t, at(time.Hour), a.OccurredAt, "zero occurrence means the transaction time")
	assert.Nil(t, tx.Event(), "Record leaves the transaction's one event to its caller")

	b, err := Record(tx, Incident{Kind: EmergencyAction, Severity: High, Summary: "second in the same transaction"})
	require.NoError(t, err)
	assert.Equal(t, tx.TxID+".2", b.ID)

	// Bad input from a caller package is refused and writes nothing.
	before := s.Snapshot()
	_, err = Record(tx, Incident{Kind: "nope", Severity: Low, Summary: "x"})
	require.ErrorIs(t, err, errcode.ErrInvalidArgument)
	_, err = Record(tx, Incident{Kind: Slashing, Severity: Low, Summary: "x", OccurredAt: at(2 * time.Hour)})
	require.ErrorIs(t, err, errcode.ErrInvalidArgument)
	assert.Equal(t, before, s.Snapshot())
}

func TestRecordPerTransactionBound(t *testing.T) {
	s := world(t, nil)
	tx := testutil.Tx(s, plain, false, at(time.Hour))
	for i := 0; i < 16; i++ {
		_, err := Record(tx, Incident{Kind: FailedExecution, Severity: Low, Summary: "x"})
		require.NoError(t, err)
	}
	before := s.Snapshot()
	_, err := Record(tx, Incident{Kind: FailedExecution, Severity: Low, Summary: "x"})
	require.ErrorIs(t, err, errcode.ErrFailedPrecondition)
	assert.Equal(t, before, s.Snapshot())
}

func TestRecordOnce(t *testing.T) {
	s := world(t, nil)
	in := Incident{Kind: FailedExecution, Severity: Medium, Summary: "execution of d-9 fails", Subject: "decision:d-9", Decision: "d-9"}
	first, err := RecordOnce(testutil.Tx(s, plain, false, at(time.Hour)), in)
	require.NoError(t, err)
	before := s.Snapshot()
	_, err = RecordOnce(testutil.Tx(s, seat, false, at(2*time.Hour)), in)
	require.ErrorIs(t, err, errcode.ErrConflict)
	assert.Contains(t, err.Error(), first.ID)
	assert.Equal(t, before, s.Snapshot())
	_, err = RecordOnce(testutil.Tx(s, plain, false, at(3*time.Hour)), Incident{Kind: FailedExecution, Severity: Low, Summary: "x"})
	require.ErrorIs(t, err, errcode.ErrInvalidArgument)
	// Another subject is another incident.
	in.Subject = "decision:d-10"
	_, err = RecordOnce(testutil.Tx(s, plain, false, at(4*time.Hour)), in)
	require.NoError(t, err)
}

func TestAttachPostMortem(t *testing.T) {
	s := world(t, nil)
	req := validFile()
	req.PostMortem = ""
	in, err := File(testutil.Tx(s, seat, false, at(2*time.Hour)), req)
	require.NoError(t, err)

	before := s.Snapshot()
	_, err = AttachPostMortem(testutil.Tx(s, plain, false, at(3*time.Hour)), PostMortemRequest{ID: in.ID, PostMortem: "https://example.org/pm"})
	require.ErrorIs(t, err, errcode.ErrForbidden)
	_, err = AttachPostMortem(testutil.Tx(s, seat, false, at(3*time.Hour)), PostMortemRequest{ID: in.ID, PostMortem: ""})
	require.ErrorIs(t, err, errcode.ErrInvalidArgument)
	_, err = AttachPostMortem(testutil.Tx(s, seat, false, at(3*time.Hour)), PostMortemRequest{ID: "missing", PostMortem: "https://example.org/pm"})
	require.ErrorIs(t, err, errcode.ErrNotFound)
	assert.Equal(t, before, s.Snapshot())

	tx := testutil.Tx(s, guardian, false, at(3*time.Hour))
	got, err := AttachPostMortem(tx, PostMortemRequest{ID: in.ID, PostMortem: "sha256:0a1b"})
	require.NoError(t, err)
	assert.Equal(t, "sha256:0a1b", got.PostMortem)
	assert.Equal(t, guardian, *got.PostMortemBy)
	assert.Equal(t, EventPostMortem, tx.Event().Type)

	before = s.Snapshot()
	_, err = AttachPostMortem(testutil.Tx(s, seat, false, at(4*time.Hour)), PostMortemRequest{ID: in.ID, PostMortem: "https://example.org/other"})
	require.ErrorIs(t, err, errcode.ErrConflict)
	assert.Equal(t, before, s.Snapshot())
}

func TestListPagesAndFilters(t *testing.T) {
	s := world(t, nil)
	kinds := []Kind{Slashing, EmergencyAction, Slashing, FailedExecution, Slashing}
	for i, k := range kinds {
		tx := testutil.Tx(s, plain, false, at(time.Duration(i+1)*time.Hour))
		_, err := Record(tx, Incident{Kind: k, Severity: Low, Summary: "x"})
		require.NoError(t, err)
	}
	var all []Incident
	bm := ""
	pages := 0
	for {
		p, err := List(s, ListRequest{PageSize: 2, Bookmark: bm})
		require.NoError(t, err)
		assert.LessOrEqual(t, len(p.Incidents), 2)
		all = append(all, p.Incidents...)
		pages++
		if bm = p.Bookmark; bm == "" {
			break
		}
	}
	assert.Len(t, all, 5)
	assert.Equal(t, 3, pages)

	p, err := List(s, ListRequest{Kind: Slashing, PageSize: 1000})
	require.NoError(t, err)
	assert.Len(t, p.Incidents, 3)

	from, to := at(2*time.Hour), at(4*time.Hour)
	p, err = List(s, ListRequest{From: &from, To: &to})
	require.NoError(t, err)
	require.Len(t, p.Incidents, 2, "occurred at 2h and 3h; 4h is excluded")

	for _, bad := range []ListRequest{{Kind: "x"}, {From: &to, To: &from}, {PageSize: 1001}, {PageSize: -1}, {Bookmark: "elsewhere"}} {
		_, err := List(s, bad)
		assert.ErrorIs(t, err, errcode.ErrInvalidArgument, "%+v", bad)
	}
}
