package token

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/errcode"
)

// TestMemoFollowsTheTextRule: the memo check was a fifth text validator
// that skipped the UTF-8 check (invalid bytes were stored) and counted
// bytes where the others counted characters.
func TestMemoFollowsTheTextRule(t *testing.T) {
	for _, tc := range []struct{ memo, msg string }{
		{"grant \xff", "not valid UTF-8"},
		{"a\nb", "control character U+000A"},
		{"a\u202eb", "bidirectional control"},
		{strings.Repeat("m", MaxMemoRunes+1), "at most 512"},
	} {
		err := checkMemo("mint", tc.memo)
		require.Error(t, err, tc.memo)
		assert.True(t, errcode.IsCode(err, errcode.InvalidArgument))
		assert.Contains(t, err.Error(), "mint: memo")
		assert.Contains(t, err.Error(), tc.msg)
	}
	require.NoError(t, checkMemo("mint", strings.Repeat("é", MaxMemoRunes)), "512 characters of two bytes each")
	require.NoError(t, checkMemo("mint", ""))
}
