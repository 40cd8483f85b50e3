package core

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/errcode"
)

func TestKey(t *testing.T) {
	tests := []struct {
		name    string
		obj     string
		attrs   []string
		want    string
		wantErr bool
	}{
		{"type only", "member", nil, "\x00member\x00", false},
		{"attrs", "member", []string{"LabAMSP", "x509::CN=a::CN=b"}, "\x00member\x00LabAMSP\x00x509::CN=a::CN=b\x00", false},
		{"empty attr allowed", "m", []string{""}, "\x00m\x00\x00", false},
		{"empty type", "", nil, "", true},
		{"nul in attr", "m", []string{"a\x00b"}, "", true},
		{"max rune", "m", []string{"a\U0010FFFF"}, "", true},
		{"bad utf8", "m", []string{"\xff"}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Key(tt.obj, tt.attrs...)
			if tt.wantErr {
				require.Error(t, err)
				assert.ErrorIs(t, err, errcode.ErrInvalidArgument)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			obj, attrs, err := SplitKey(got)
			require.NoError(t, err)
			assert.Equal(t, tt.obj, obj)
			if len(tt.attrs) == 0 {
				assert.Empty(t, attrs)
			} else {
				assert.Equal(t, tt.attrs, attrs)
			}
		})
	}
}

func TestSplitKeyRejects(t *testing.T) {
	for _, k := range []string{"", "plain", "\x00", "\x00\x00", "\x00abc"} {
		_, _, err := SplitKey(k)
		assert.ErrorIs(t, err, errcode.ErrInvalidArgument, "%q", k)
	}
}

func FuzzKeyRoundTrip(f *testing.F) {
	f.Add("member", "LabAMSP", "x509::CN=a")
	f.Add("b", "", "\u00e9")
	f.Fuzz(func(t *testing.T, obj, a, b string) {
		k, err := Key(obj, a, b)
		if err != nil {
			return
		}
		gotObj, attrs, err := SplitKey(k)
		if err != nil {
			t.Fatalf("split %q: %v", k, err)
		}
		if gotObj != obj || len(attrs) != 2 || attrs[0] != a || attrs[1] != b {
			t.Fatalf("round trip %q %q %q → %q %q", obj, a, b, gotObj, attrs)
		}
	})
}

func TestMemStoreScanOrderAndPrefix(t *testing.T) {
	s := NewMemStore()
	for _, k := range [][]string{{"b", "2"}, {"a", "9"}, {"b", "1"}, {"bb", "0"}} {
		require.NoError(t, s.Put(MustKey("t", k...), []byte(k[1])))
	}
	require.NoError(t, s.Put(MustKey("u", "a"), []byte("x")))
	var got []string
	require.NoError(t, s.Scan("t", []string{"b"}, func(key string, v []byte) error {
		got = append(got, string(v))
		return nil
	}))
	assert.Equal(t, []string{"1", "2"}, got, "prefix b must not match bb and must be sorted")

	stop := errors.New("stop")
	n := 0
	err := s.Scan("t", nil, func(string, []byte) error { n++; return stop })
	assert.ErrorIs(t, err, stop)
	assert.Equal(t, 1, n)

	v, err := s.Get("missing")
	require.NoError(t, err)
	assert.Nil(t, v)
	require.NoError(t, s.Delete(MustKey("u", "a")))
	v, _ = s.Get(MustKey("u", "a"))
	assert.Nil(t, v)
}

func TestEmitOnce(t *testing.T) {
	tx := &Tx{Store: NewMemStore(), TxID: "t1"}
	require.NoError(t, tx.Emit("a.b", map[string]int{"x": 1}))
	err := tx.Emit("c.d", nil)
	assert.ErrorIs(t, err, errcode.ErrInternal)
	require.NotNil(t, tx.Event())
	assert.Equal(t, "a.b", tx.Event().Type)
	assert.JSONEq(t, `{"x":1}`, string(tx.Event().Payload))
}

func TestScanUpTo(t *testing.T) {
	s := NewMemStore()
	for _, k := range []string{"a", "b", "c"} {
		require.NoError(t, s.Put(MustKey("x", k), []byte(k)))
	}
	var got []string
	more, err := ScanUpTo(s, "x", nil, 2, func(_ string, v []byte) error { got = append(got, string(v)); return nil })
	require.NoError(t, err)
	assert.True(t, more, "one entry left unread")
	assert.Equal(t, []string{"a", "b"}, got)
	got = nil
	more, err = ScanUpTo(s, "x", nil, 3, func(_ string, v []byte) error { got = append(got, string(v)); return nil })
	require.NoError(t, err)
	assert.False(t, more)
	assert.Equal(t, []string{"a", "b", "c"}, got)
	_, err = ScanUpTo(s, "x", nil, 0, func(string, []byte) error { return nil })
	assert.ErrorIs(t, err, errcode.ErrInvalidArgument)
}

// Page requests refused for their size or bookmark name the field and rule.
func TestPageRefusalsNameFieldAndRule(t *testing.T) {
	_, err := CheckPage("members", MaxPageSize+1)
	field, rule := errcode.FieldOf(err)
	assert.Equal(t, []string{"pageSize", "range"}, []string{field, rule}, "%v", err)

	s := NewMemStore()
	other, err := Key("other", "x")
	require.NoError(t, err)
	_, err = Page(s, "member", nil, other, 10, func(string, []byte) error { return nil })
	require.True(t, errcode.IsCode(err, errcode.InvalidArgument), "%v", err)
	field, rule = errcode.FieldOf(err)
	assert.Equal(t, []string{"bookmark", "same-list"}, []string{field, rule}, "%v", err)
}
