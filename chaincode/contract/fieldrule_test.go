package contract

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/membership"
)

// TestRefusalCarriesFieldAndRule: a refusal that names its field and rule
// leaves the chaincode with them in its wire text (the gateway client and
// the API's problems decode them), and changes nothing.
func TestRefusalCarriesFieldAndRule(t *testing.T) {
	h := newHarness(t)
	h.foundDefault()
	admin := newIdentity(t, "LabAMSP", "Admin@labA", "admin")
	user := newIdentity(t, "LabAMSP", "User1@labA", "client")
	for _, tt := range []struct {
		name, memberName string
		rule             string
	}{
		{"too long", strings.Repeat("n", 200), "max-length"},
		{"longer than four bytes a character", strings.Repeat("n", 4000), "max-length"},
		{"a control character", "Ada\x07", "characters"},
		{"blank", "   ", "required"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			reg, err := json.Marshal(membership.RegisterRequest{Member: identity.FromCert("LabAMSP", user.cert), Name: tt.memberName})
			require.NoError(t, err)
			before := h.state.Snapshot()
			res, stub := h.invoke(admin, 0, "member:Register", string(reg))
			require.Equal(t, int32(500), res.Status)
			assert.LessOrEqual(t, len(res.Message), errcode.MaxMessageBytes)
			d, ok := errcode.Decode(res.Message)
			require.True(t, ok, res.Message)
			assert.Equal(t, errcode.InvalidArgument, d.Code, res.Message)
			assert.Equal(t, "name", d.Field, res.Message)
			assert.Equal(t, tt.rule, d.Rule, res.Message)
			assert.Equal(t, before, h.state.Snapshot(), "state unchanged")
			assert.Empty(t, stub.Events)
		})
	}
}
