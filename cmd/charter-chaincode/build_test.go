package main

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// repoRoot is the module root (two levels up from this package).
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	return root
}

// copySource copies what the chaincode server is built from (go.mod,
// go.sum, chaincode/, cmd/charter-chaincode/ and the build script with its
// toolchain pin) into dst.
func copySource(t *testing.T, root, dst string) {
	t.Helper()
	for _, rel := range []string{"go.mod", "go.sum", "chaincode", "cmd/charter-chaincode", "network/build-chaincode.sh", "network/chaincode-toolchain"} {
		src := filepath.Join(root, rel)
		err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			r, err := filepath.Rel(root, p)
			if err != nil {
				return err
			}
			target := filepath.Join(dst, r)
			if d.IsDir() {
				return os.MkdirAll(target, 0o755)
			}
			raw, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			info, err := d.Info()
			if err != nil {
				return err
			}
			require.NoError(t, os.MkdirAll(filepath.Dir(target), 0o755))
			return os.WriteFile(target, raw, info.Mode().Perm())
		})
		require.NoError(t, err, "copy %s", rel)
	}
}

// build runs network/build-chaincode.sh in dir and returns the digest it
// prints, after checking it against the file's own SHA-256.
func build(t *testing.T, dir, release string) string {
	t.Helper()
	out := filepath.Join(dir, "out", "charter-chaincode")
	cmd := exec.Command(filepath.Join(dir, "network", "build-chaincode.sh"), "-o", out, "--release", release)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Run(), "build in %s: %s", dir, stderr.String())
	fields := strings.Fields(stdout.String())
	require.Len(t, fields, 2, "build-chaincode.sh prints <sha256> <path>: %q", stdout.String())
	require.Equal(t, out, fields[1])
	sum, err := exec.Command("sha256sum", out).Output()
	require.NoError(t, err)
	require.Equal(t, fields[0], strings.Fields(string(sum))[0], "the printed digest is the file's SHA-256")
	return fields[0]
}

// TestReproducibleBuildInTwoFolders builds the chaincode server from two
// copies of the source in two different folders: the binaries are
// byte-identical (same SHA-256), so any organisation can check the digest
// a chaincode_upgrade decision names. A different release stamp gives a
// different digest, so the digest really names the build. (The two builds
// share this machine's build cache; `make repro-check` repeats the second
// with an empty cache.)
func TestReproducibleBuildInTwoFolders(t *testing.T) {
	if _, err := exec.LookPath("sha256sum"); err != nil {
		t.Fatalf("sha256sum is needed: %v", err)
	}
	root := repoRoot(t)
	a := filepath.Join(t.TempDir(), "first", "checkout")
	b := filepath.Join(t.TempDir(), "somewhere", "else", "entirely")
	copySource(t, root, a)
	copySource(t, root, b)
	da := build(t, a, "repro-test")
	db := build(t, b, "repro-test")
	require.Equal(t, da, db, "the same source built in %s and %s gives different binaries", a, b)
	dc := build(t, b, "repro-test-other-stamp")
	require.NotEqual(t, da, dc, "the release stamp is part of the build")
}
