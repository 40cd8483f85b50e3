package console

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/treasury"
	"github.com/charter-gov/charter/internal/alert"
)

// alertsFake is a reader that also lists treasury alerts.
type alertsFake struct {
	*fakeReader
	alerts []alert.Alert
	err    error
	min    int64
	limit  int
}

func (f *alertsFake) TreasuryAlerts(_ context.Context, min int64, limit int) ([]alert.Alert, error) {
	f.min, f.limit = min, limit
	return f.alerts, f.err
}

func alertsServer(t *testing.T, r Reader, amount int64) *httptest.Server {
	t.Helper()
	h, err := New(Options{Reader: r, AlertAmount: amount})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// TestGuardianAlerts: the guardian page lists the latest treasury alerts
// at the server's alert amount, says so when there are none, and when
// the server reports no alerts.
func TestGuardianAlerts(t *testing.T) {
	f := &alertsFake{fakeReader: newFake(), alerts: []alert.Alert{
		{Block: 9, Event: treasury.EventSpendExecuted, Account: "usd", Spend: "s-large", Amount: 90000, Actor: ada, Why: []string{"90000 ≥ the alert amount 50000"}},
		{Block: 8, Event: treasury.EventSpendProposed, Account: "usd", Spend: "s-self", Amount: 3, Actor: ada, Why: []string{"pays its own proposer LabAMSP/ada", "cancelled: dup"}},
	}}
	code, body := get(t, alertsServer(t, f, 50000), "/guardian", nil)
	require.Equal(t, 200, code, body)
	assert.Contains(t, body, `id="treasury-alerts"`)
	assert.Contains(t, body, "amount 50000 or more")
	assert.Contains(t, body, "<th scope=\"row\">treasury.spend_executed</th><td>usd</td><td>s-large</td><td>90000</td>")
	assert.Contains(t, body, "90000 ≥ the alert amount 50000")
	assert.Contains(t, body, "pays its own proposer LabAMSP/ada; cancelled: dup")
	assert.Less(t, indexOf(body, "s-large"), indexOf(body, "s-self"), "in the reader's order, newest first")
	assert.Equal(t, int64(50000), f.min, "read at the server's amount")
	assert.Equal(t, latestAlerts, f.limit)

	empty := &alertsFake{fakeReader: newFake()}
	code, body = get(t, alertsServer(t, empty, 7), "/guardian", nil)
	require.Equal(t, 200, code, body)
	assert.Contains(t, body, "No treasury alerts in the last 1000 blocks.")

	code, body = get(t, alertsServer(t, f, 0), "/guardian", nil)
	require.Equal(t, 200, code, body)
	assert.Contains(t, body, `id="treasury-alerts-off"`)
	assert.NotContains(t, body, "s-large")

	failing := &alertsFake{fakeReader: newFake(), err: errors.New("block stream refused")}
	code, body = get(t, alertsServer(t, failing, 7), "/guardian", nil)
	assert.NotEqual(t, 200, code)
	assert.Contains(t, body, "treasury alerts")
}

func indexOf(s, sub string) int { return strings.Index(s, sub) }
