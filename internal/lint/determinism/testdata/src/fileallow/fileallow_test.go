package fileallow

import (
	"math/rand"
	"testing"
	"time"
)

// Test files are not checked.
var seed = time.Now().UnixNano()

func TestF(t *testing.T) {
	go func() {}()
	_ = rand.Float64() * 2.5
	m := map[string]int{}
	for k := range m {
		_ = k
	}
	_ = seed
}
