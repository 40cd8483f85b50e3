package core

import (
	"fmt"
	"unicode/utf8"

	"github.com/charter-gov/charter/chaincode/errcode"
)

// Store is the world state as the domain sees it. The ledger adapter
// implements it over the Fabric stub; MemStore implements it in memory.
//
// Get returns (nil, nil) for a missing key. Scan calls fn for every key
// under the composite-key prefix (objectType, attrs...) in ascending key
// order and stops at the first error fn returns.
type Store interface {
	Get(key string) ([]byte, error)
	Put(key string, value []byte) error
	Delete(key string) error
	Scan(objectType string, attrs []string, fn func(key string, value []byte) error) error
}

const (
	keySep         = "\x00"
	maxUnicodeRune = utf8.MaxRune
)

// Key builds a composite key in Fabric's format
// ("\x00" + objectType + "\x00" + attr + "\x00" ...), so that keys built here
// and by the stub are identical and sort the same way. Every part must be
// valid UTF-8 without U+0000 or U+10FFFF; attrs must be non-empty strings
// except that an empty objectType is refused.
func Key(objectType string, attrs ...string) (string, error) {
	if objectType == "" {
		return "", errcode.Invalidf("composite key: object type is empty")
	}
	if err := checkKeyPart(objectType); err != nil {
		return "", err
	}
	k := keySep + objectType + keySep
	for _, a := range attrs {
		if err := checkKeyPart(a); err != nil {
			return "", err
		}
		k += a + keySep
	}
	return k, nil
}

// SplitKey is the inverse of Key.
func SplitKey(key string) (objectType string, attrs []string, err error) {
	if len(key) < 2 || key[0] != 0 || key[len(key)-1] != 0 {
		return "", nil, errcode.Invalidf("composite key %q: not a composite key", key)
	}
	var parts []string
	start := 1
	for i := 1; i < len(key); i++ {
		if key[i] == 0 {
			parts = append(parts, key[start:i])
			start = i + 1
		}
	}
	if len(parts) == 0 || parts[0] == "" {
		return "", nil, errcode.Invalidf("composite key %q: no object type", key)
	}
	return parts[0], parts[1:], nil
}

func checkKeyPart(s string) error {
	if !utf8.ValidString(s) {
		return errcode.Invalidf("composite key part %q is not valid UTF-8", s)
	}
	for _, r := range s {
		if r == 0 || r == maxUnicodeRune {
			return errcode.Invalidf("composite key part %q contains U+%04X, which keys cannot hold", s, r)
		}
	}
	return nil
}

// MustKey is Key for parts known to be valid (constants and values already
// validated); it panics otherwise, which is a programming error.
func MustKey(objectType string, attrs ...string) string {
	k, err := Key(objectType, attrs...)
	if err != nil {
		panic(fmt.Sprintf("core.MustKey: %v", err))
	}
	return k
}
