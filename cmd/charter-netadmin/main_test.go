package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestExitStatusAndMessages(t *testing.T) {
	dir := t.TempDir()
	notBlock := filepath.Join(dir, "block")
	if err := os.WriteFile(notBlock, []byte("not a block"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no command", nil, 2, "usage"},
		{"unknown command", []string{"sign"}, 2, `unknown command "sign"`},
		{"crl-update without flags", []string{"crl-update"}, 2, "--block is required"},
		{"admit-update without an admission flag", []string{"admit-update", "--block", notBlock, "--msp", "LabCMSP", "--msp-dir", dir, "--anchor", "10.77.1.2:7051", "--out", filepath.Join(dir, "out")}, 2, "--admission is required"},
		{"forward without ports", []string{"forward", "--listen", "10.213.0.1", "--to", "127.0.0.1"}, 2, "--ports is required"},
		{"forward to a host name", []string{"forward", "--listen", "10.213.0.1", "--to", "localhost", "--ports", "7050"}, 2, `"localhost" is not an IP address`},
		{"forward a bad port", []string{"forward", "--listen", "10.213.0.1", "--to", "127.0.0.1", "--ports", "7050,99999"}, 2, `port "99999"`},
		{"remove-update of a file that is no block", []string{"remove-update", "--block", notBlock, "--msp", "LabCMSP", "--out", filepath.Join(dir, "out")}, 2, "not a block"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(tc.args, &stdout, &stderr); code != tc.code {
				t.Fatalf("exit %d, want %d (%s)", code, tc.code, stderr.String())
			}
			if !strings.Contains(stderr.String(), tc.want) {
				t.Fatalf("stderr %q does not name %q", stderr.String(), tc.want)
			}
			if _, err := os.Stat(filepath.Join(dir, "out")); !os.IsNotExist(err) {
				t.Fatal("a refused command wrote an envelope")
			}
		})
	}
}
