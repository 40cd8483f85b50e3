package charter

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const goodProfiles = `{
  "channel": "charter",
  "chaincode": "charter",
  "peers": {
    "Foundation": {"mspId": "FoundationMSP", "endpoint": "127.0.0.1:7051", "tlsCACert": "/abs/foundation/ca.crt", "serverName": "localhost"},
    "LabA": {"mspId": "LabAMSP", "endpoint": "127.0.0.1:8051", "tlsCACert": "crypto/laba/ca.crt", "serverName": "localhost"}
  },
  "profiles": {
    "foundation-admin": {"org": "Foundation", "mspId": "FoundationMSP", "certPath": "/abs/admin/cert.pem", "keyPath": "/abs/admin/priv_sk", "peer": "Foundation"},
    "labA-user1": {"org": "LabA", "mspId": "LabAMSP", "certPath": "crypto/user1/cert.pem", "keyPath": "crypto/user1/priv_sk", "peer": "LabA"}
  },
  "futureField": {"ignored": true}
}`

func writeProfiles(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "profiles.json")
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
	return path
}

func TestLoadProfiles(t *testing.T) {
	path := writeProfiles(t, goodProfiles)
	dir := filepath.Dir(path)

	p, err := LoadProfiles(path)
	require.NoError(t, err)
	assert.Equal(t, []string{"foundation-admin", "labA-user1"}, p.Names())

	tests := []struct {
		name string
		want Config
	}{
		{"foundation-admin", Config{MSPID: "FoundationMSP", CertPath: "/abs/admin/cert.pem", KeyPath: "/abs/admin/priv_sk",
			TLSCACertPath: "/abs/foundation/ca.crt", PeerEndpoint: "127.0.0.1:7051", ServerName: "localhost", Channel: "charter", Chaincode: "charter",
			Fallbacks: []Endpoint{{Address: "127.0.0.1:8051", ServerName: "localhost", TLSCACertPath: filepath.Join(dir, "crypto/laba/ca.crt")}}}},
		{"labA-user1", Config{MSPID: "LabAMSP", CertPath: filepath.Join(dir, "crypto/user1/cert.pem"), KeyPath: filepath.Join(dir, "crypto/user1/priv_sk"),
			TLSCACertPath: filepath.Join(dir, "crypto/laba/ca.crt"), PeerEndpoint: "127.0.0.1:8051", ServerName: "localhost", Channel: "charter", Chaincode: "charter",
			Fallbacks: []Endpoint{{Address: "127.0.0.1:7051", ServerName: "localhost", TLSCACertPath: "/abs/foundation/ca.crt"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := p.Config(tt.name)
			require.NoError(t, err)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("config (-want +got):\n%s", diff)
			}
		})
	}
}

func TestProfilesUnknownName(t *testing.T) {
	p, err := LoadProfiles(writeProfiles(t, goodProfiles))
	require.NoError(t, err)

	_, err = p.Config("labB-admin")
	require.Error(t, err)
	assert.EqualError(t, err, `unknown profile "labB-admin" (known: foundation-admin, labA-user1)`)
}

func TestLoadProfilesRejectsBadFiles(t *testing.T) {
	tests := []struct {
		name    string
		content string
		want    string
	}{
		{"malformed JSON", `{"channel": "charter",`, "malformed JSON"},
		{"wrong type", `{"channel": 7}`, "malformed JSON"},
		{"empty object", `{}`, "channel is empty"},
		{"unknown peer", `{"channel":"c","chaincode":"c","peers":{},"profiles":{"u":{"mspId":"M","certPath":"c","keyPath":"k","peer":"Nope"}}}`,
			`profile "u": unknown peer "Nope"`},
		{"missing paths", `{"channel":"c","chaincode":"c","peers":{"P":{"mspId":"M","endpoint":"e","tlsCACert":"t"}},"profiles":{"u":{"mspId":"M","peer":"P"}}}`,
			`profile "u": mspId, certPath and keyPath (or hsm) are required`},
		{"MSP mismatch", `{"channel":"c","chaincode":"c","peers":{"P":{"mspId":"M","endpoint":"e","tlsCACert":"t"}},"profiles":{"u":{"mspId":"N","certPath":"c","keyPath":"k","peer":"P"}}}`,
			`profile "u": MSP N differs from its peer's MSP M`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeProfiles(t, tt.content)
			_, err := LoadProfiles(path)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.Contains(t, err.Error(), path)
		})
	}

	t.Run("missing file", func(t *testing.T) {
		_, err := LoadProfiles(filepath.Join(t.TempDir(), "nope.json"))
		require.ErrorIs(t, err, fs.ErrNotExist)
	})
}

func TestFindProfiles(t *testing.T) {
	root := t.TempDir()
	want := filepath.Join(root, ProfilesFile)
	require.NoError(t, os.MkdirAll(filepath.Dir(want), 0o755))
	require.NoError(t, os.WriteFile(want, []byte(goodProfiles), 0o600))
	deep := filepath.Join(root, "a", "b", "c")
	require.NoError(t, os.MkdirAll(deep, 0o755))

	got, err := FindProfiles(deep)
	require.NoError(t, err)
	assert.Equal(t, want, got)

	_, err = FindProfiles(t.TempDir())
	require.ErrorIs(t, err, fs.ErrNotExist)
}
