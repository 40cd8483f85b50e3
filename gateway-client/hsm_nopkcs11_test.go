//go:build !pkcs11

package charter

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestConnectWithHSMOnABuildWithoutPKCS11(t *testing.T) {
	user := newCredentials(t, "User1@laba.charter.local")
	cfg := Config{MSPID: "LabAMSP", CertPath: writeTemp(t, "user.pem", user.certPEM), HSM: &HSMConfig{Library: "/usr/lib/softhsm/libsofthsm2.so", Label: "charter", KeyID: "01", PIN: "1234"},
		TLSCACertPath: "ca.crt", PeerEndpoint: "127.0.0.1:1"}
	_, err := Connect(t.Context(), cfg)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `HSM token "charter": this build has no PKCS#11 support; rebuild with -tags pkcs11`)
}
