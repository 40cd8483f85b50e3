package identity

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/errcode"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		id   Identity
		ok   bool
	}{
		{"well formed", Identity{"LabAMSP", "x509::CN=a,OU=client::CN=ca"}, true},
		{"no msp", Identity{"", "x509::CN=a::CN=ca"}, false},
		{"not x509", Identity{"LabAMSP", "CN=a"}, false},
		{"missing issuer", Identity{"LabAMSP", "x509::CN=a"}, false},
		{"control char", Identity{"LabAMSP", "x509::CN=a\n::CN=ca"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.id.Validate()
			if tt.ok {
				assert.NoError(t, err)
			} else {
				assert.ErrorIs(t, err, errcode.ErrInvalidArgument)
			}
		})
	}
}

func TestShort(t *testing.T) {
	assert.Equal(t, "LabAMSP/User1@laba", Identity{"LabAMSP", "x509::CN=User1@laba,OU=client,C=US::CN=ca.laba"}.Short())
	assert.Equal(t, "LabAMSP/x509::OU=client::CN=ca", Identity{"LabAMSP", "x509::OU=client::CN=ca"}.Short())
	assert.Equal(t, "M/odd", Identity{"M", "odd"}.Short())
}

func TestParsePEMRejectsGarbage(t *testing.T) {
	_, err := ParsePEM([]byte("not a certificate"))
	assert.ErrorIs(t, err, errcode.ErrInvalidArgument)
	_, err = FromPEM("M", []byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"))
	assert.ErrorIs(t, err, errcode.ErrInvalidArgument)
}

// A refused identity names the part (mspId, id) when one part is at
// fault, and the rule.
func TestValidateNamesFieldAndRule(t *testing.T) {
	for _, tt := range []struct {
		name        string
		id          Identity
		field, rule string
	}{
		{"no MSP", Identity{MSPID: " ", ID: "x509::CN=a::CN=b"}, "mspId", "required"},
		{"not x509", Identity{MSPID: "LabAMSP", ID: "alice"}, "id", "x509-identity"},
		{"control character", Identity{MSPID: "LabAMSP", ID: "x509::CN=a\x07::CN=b"}, "", "characters"},
		{"too long", Identity{MSPID: "LabAMSP", ID: "x509::CN=" + strings.Repeat("a", 1100) + "::CN=b"}, "", "max-bytes"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.id.Validate()
			require.True(t, errcode.IsCode(err, errcode.InvalidArgument), "%v", err)
			field, rule := errcode.FieldOf(err)
			assert.Equal(t, []string{tt.field, tt.rule}, []string{field, rule})
		})
	}
}
