package testutil

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/errcode"
)

// AssertRefusal checks that err is a refusal of code naming field and rule,
// and that field and rule survive the wire (errcode.Encode, then Decode),
// as the client and the HTTP API read them. Whether the refusal wrote
// nothing is the caller's check: only it knows its store.
func AssertRefusal(t testing.TB, err error, code errcode.Code, field, rule string) {
	t.Helper()
	require.Error(t, err)
	assert.True(t, errcode.IsCode(err, code), "want %s, got %v", code, err)
	f, r := errcode.FieldOf(err)
	assert.Equal(t, []string{field, rule}, []string{f, r}, "field and rule of %v", err)
	d, found := errcode.Decode(errcode.Encode(err))
	require.True(t, found, "the refusal decodes from the wire")
	assert.Equal(t, []string{field, rule}, []string{d.Field, d.Rule}, "on the wire")
}
