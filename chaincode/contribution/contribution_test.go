package contribution

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/errcode"
)

func TestValid(t *testing.T) {
	for i, c := range All() {
		assert.True(t, c.Valid(), c)
		assert.Equal(t, i, c.Index())
		require.NoError(t, c.Check())
	}
	for _, c := range []Category{"", "code", "MERGED_CODE", "merged_code "} {
		assert.False(t, c.Valid(), "%q", c)
		assert.Equal(t, -1, c.Index())
		err := c.Check()
		require.ErrorIs(t, err, errcode.ErrInvalidArgument)
		assert.Contains(t, err.Error(), "unknown contribution category")
		assert.Contains(t, err.Error(), "safety_review")
	}
	assert.Len(t, All(), 7)
	for _, c := range Safety() {
		assert.True(t, c.Valid())
	}
}

func TestNormalise(t *testing.T) {
	got, err := Normalise([]Category{SafetyReview, MergedCode, SafetyReview})
	require.NoError(t, err)
	assert.Equal(t, []Category{MergedCode, SafetyReview}, got)
	got, err = Normalise(nil)
	require.NoError(t, err)
	assert.Empty(t, got)
	_, err = Normalise([]Category{MergedCode, "poetry"})
	require.ErrorIs(t, err, errcode.ErrInvalidArgument)
	assert.Contains(t, err.Error(), `"poetry"`)
}
