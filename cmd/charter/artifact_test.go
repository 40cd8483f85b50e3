package main

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/artifact"
	"github.com/charter-gov/charter/chaincode/emergency"
	charter "github.com/charter-gov/charter/gateway-client"
)

func TestVerifyExitCodesAndText(t *testing.T) {
	assert.Equal(t, exitNotFound, exitCode(&verifyFailed{exitNotFound, "x"}))
	assert.Equal(t, exitFailure, exitCode(&verifyFailed{exitFailure, "x"}))
	assert.Equal(t, exitFailedPrecondition, exitCode(&verifyFailed{exitFailedPrecondition, "x"}))

	v := &charter.Verification{File: "w.bin", Artifact: artifact.Ref{Name: "m", Version: "1"}, Use: "commercial", SHA256: "ab", Registered: true, Matches: true,
		Status: &artifact.Status{Artifact: artifact.Artifact{Licence: "MIT"}, Stage: artifact.StageGeneral, Pause: &emergency.Pause{},
			Attestations: []artifact.Attestation{{Type: artifact.Reproducibility}, {Type: artifact.Reproducibility}, {Type: artifact.RedTeam}}},
		Reason: "distribution paused by 0 guardians"}
	var b bytes.Buffer
	require.NoError(t, renderText(&b, v))
	out := b.String()
	for _, want := range []string{"registered:   yes", "digest match: yes", "stage:        general", "paused:       yes", "attestations: reproducibility 2, red_team 1", "verdict:      FAIL: distribution paused"} {
		assert.Contains(t, out, want)
	}
	_, err := parseRef("no-version")
	require.Error(t, err)
	assert.Equal(t, exitUsage, exitCode(err))
	var tf targetFlags
	_, err = tf.target()
	assert.Equal(t, exitUsage, exitCode(err), "a guardian command names exactly one target")
	tf.artifact, tf.ballot = "m@1", "b1"
	_, err = tf.target()
	assert.Equal(t, exitUsage, exitCode(err))
}
