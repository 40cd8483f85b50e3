package effects

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/core"
)

func TestOverlayScanMergesInKeyOrder(t *testing.T) {
	base := core.NewMemStore()
	for _, k := range []string{"a", "c", "e"} {
		require.NoError(t, base.Put(core.MustKey("t", k), []byte("base-"+k)))
	}
	o := newOverlay(base)
	require.NoError(t, o.Put(core.MustKey("t", "b"), []byte("new-b")))
	require.NoError(t, o.Put(core.MustKey("t", "c"), []byte("new-c")))
	require.NoError(t, o.Delete(core.MustKey("t", "e")))
	require.NoError(t, o.Put(core.MustKey("t", "f"), []byte("new-f")))
	require.NoError(t, o.Put(core.MustKey("u", "a"), []byte("other")))
	var got []string
	require.NoError(t, o.Scan("t", nil, func(_ string, v []byte) error { got = append(got, string(v)); return nil }))
	assert.Equal(t, []string{"base-a", "new-b", "new-c", "new-f"}, got)
	v, err := o.Get(core.MustKey("t", "e"))
	require.NoError(t, err)
	assert.Nil(t, v)
	assert.Len(t, base.Keys(), 3, "the base is untouched")
	raw, _ := base.Get(core.MustKey("t", "c"))
	assert.Equal(t, "base-c", string(raw))
}
