package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// stub is the part of the shim's stub the chaincode uses: a function, its
// arguments and a map state.
type stub struct {
	shim.ChaincodeStubInterface
	fn    string
	args  []string
	state map[string][]byte
	fail  error
}

func (s *stub) GetFunctionAndParameters() (string, []string) { return s.fn, s.args }
func (s *stub) PutState(k string, v []byte) error {
	if s.fail != nil {
		return s.fail
	}
	s.state[k] = v
	return nil
}

func TestInvoke(t *testing.T) {
	tests := []struct {
		name string
		fn   string
		args []string
		fail error
		want string // "" = success
	}{
		{"put", "Put", []string{"k1", "v"}, nil, ""},
		{"empty value", "Put", []string{"k2", ""}, nil, ""},
		{"unknown function", "Get", []string{"k1"}, nil, "one function, Put"},
		{"contractapi-style name", "bench:Put", []string{"k1", "v"}, nil, "one function, Put"},
		{"one argument", "Put", []string{"k1"}, nil, "got 1 arguments"},
		{"empty key", "Put", []string{"", "v"}, nil, "key must be"},
		{"composite-key namespace", "Put", []string{"\x00bench\x00k\x00", "v"}, nil, "zero byte"},
		{"key too long", "Put", []string{strings.Repeat("k", maxKeyBytes+1), "v"}, nil, "key must be"},
		{"value too long", "Put", []string{"k", strings.Repeat("v", maxValueBytes+1)}, nil, "at most"},
		{"ledger error", "Put", []string{"k", "v"}, errors.New("boom"), "boom"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := &stub{fn: tc.fn, args: tc.args, state: map[string][]byte{}, fail: tc.fail}
			r := bareput{}.Invoke(s)
			if tc.want == "" {
				require.EqualValues(t, shim.OK, r.Status, r.Message)
				assert.Equal(t, []byte(tc.args[1]), s.state[tc.args[0]])
				return
			}
			assert.EqualValues(t, shim.ERROR, r.Status)
			assert.Contains(t, r.Message, tc.want)
			assert.Empty(t, s.state, "a refused put writes nothing")
		})
	}
	assert.EqualValues(t, shim.OK, bareput{}.Init(&stub{}).Status)
}

func TestTLSProperties(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"key", "cert", "ca"} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, f), []byte(f+"-pem"), 0o600))
	}
	env := map[string]string{}
	get := func(k string) string { return env[k] }
	p, err := tlsProperties(get)
	require.NoError(t, err)
	assert.True(t, p.Disabled, "TLS is off unless enabled")

	env["CORE_PEER_TLS_ENABLED"] = "true"
	_, err = tlsProperties(get)
	require.ErrorContains(t, err, "CORE_TLS_CLIENT_KEY_FILE is not set")

	env["CORE_TLS_CLIENT_KEY_FILE"] = filepath.Join(dir, "key")
	env["CORE_TLS_CLIENT_CERT_FILE"] = filepath.Join(dir, "cert")
	env["CORE_PEER_TLS_ROOTCERT_FILE"] = filepath.Join(dir, "ca")
	p, err = tlsProperties(get)
	require.NoError(t, err)
	assert.False(t, p.Disabled)
	assert.Equal(t, "key-pem", string(p.Key))
	assert.Equal(t, "cert-pem", string(p.Cert))
	assert.Equal(t, "ca-pem", string(p.ClientCACerts))

	env["CORE_TLS_CLIENT_CERT_FILE"] = filepath.Join(dir, "missing")
	_, err = tlsProperties(get)
	assert.ErrorContains(t, err, "CORE_TLS_CLIENT_CERT_FILE")
}
