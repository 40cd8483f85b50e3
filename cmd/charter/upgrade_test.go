package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/upgrade"
)

// The fake gateway's upgrade operations (upgradeAPI).

var testDigest = strings.Repeat("3f", 32)

type signOffArg struct {
	Sequence int64
	Digest   string
}

type checkArg struct {
	Digest   string
	Sequence int64
}

func testUpgradeStatus() *upgrade.Status {
	at := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	return &upgrade.Status{Authorisation: upgrade.Authorisation{Decision: "d0123", Digest: testDigest, Sequence: 2, Version: "1.1", AuthorisedAt: at},
		SignOffs:      []upgrade.SignOff{{Decision: "d0123", Sequence: 2, Digest: testDigest, Maintainer: testMember.Identity, At: at}},
		Organisations: []string{"LabAMSP"}}
}

func (g *fakeGateway) SignOffUpgrade(_ context.Context, sequence int64, digest string) (*upgrade.SignOff, error) {
	return &testUpgradeStatus().SignOffs[0], g.record("SignOffUpgrade", signOffArg{sequence, digest})
}

func (g *fakeGateway) UpgradeStatus(_ context.Context, sequence int64) (*upgrade.Status, error) {
	return testUpgradeStatus(), g.record("UpgradeStatus", sequence)
}

func (g *fakeGateway) CheckUpgrade(_ context.Context, digest string, sequence int64) (*upgrade.Status, error) {
	return testUpgradeStatus(), g.record("CheckUpgrade", checkArg{digest, sequence})
}

func (g *fakeGateway) Build(_ context.Context) (*upgrade.Build, error) {
	return &upgrade.Build{Digest: testDigest, Release: "1.1", GoVersion: "go1.26.8", PackageID: "charter_2:ab", MSPID: "LabAMSP"}, g.record("Build", nil)
}

func TestUpgradeCommands(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want fakeCall
	}{
		{"signoff", []string{"upgrade", "signoff", "--sequence", "2", "--digest", testDigest}, fakeCall{"SignOffUpgrade", signOffArg{2, testDigest}}},
		{"show", []string{"upgrade", "show", "2"}, fakeCall{"UpgradeStatus", int64(2)}},
		{"check", []string{"upgrade", "check", testDigest, "3"}, fakeCall{"CheckUpgrade", checkArg{testDigest, 3}}},
		{"build", []string{"upgrade", "build"}, fakeCall{"Build", nil}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkCommand(t, tt.args, []fakeCall{tt.want}) })
	}
}

func TestUpgradeTextOutput(t *testing.T) {
	f := newFixture(t)
	r := f.run(t, nil, "upgrade", "show", "2")
	require.Equal(t, exitOK, r.code, r.stderr)
	for _, want := range []string{testDigest, "d0123", "no: needs maintainers of 2 organisations (organisations: LabAMSP)"} {
		assert.Contains(t, r.stdout, want)
	}
	r = f.run(t, nil, "upgrade", "build")
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, "go1.26.8")
}

func TestUpgradeUsageErrors(t *testing.T) {
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"signoff sequence 1", []string{"upgrade", "signoff", "--sequence", "1", "--digest", testDigest}, "2 or more"},
		{"signoff bad digest", []string{"upgrade", "signoff", "--sequence", "2", "--digest", "abc"}, "not a SHA-256 digest"},
		{"signoff without sequence", []string{"upgrade", "signoff", "--digest", testDigest}, "sequence"},
		{"check upper-case digest", []string{"upgrade", "check", strings.ToUpper(testDigest), "2"}, "not a SHA-256 digest"},
		{"show not a number", []string{"upgrade", "show", "two"}, "sequence"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			r := f.run(t, nil, tt.args...)
			assert.Equal(t, exitUsage, r.code, r.stderr)
			assert.Contains(t, r.stderr, tt.want)
			assert.Empty(t, f.fake.calls, "nothing sent")
		})
	}
}
