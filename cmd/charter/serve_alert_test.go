package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestServeAlertFlags: serve's alert flags are checked before anything
// connects.
func TestServeAlertFlags(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"alert zero", []string{"serve", "--listen", "127.0.0.1:0", "--alert", "0"}, "--alert 0: want a positive amount"},
		{"webhook without alert", []string{"serve", "--listen", "127.0.0.1:0", "--alert-webhook", "http://x"}, "--alert-webhook goes with --alert"},
		{"webhook not http", []string{"serve", "--listen", "127.0.0.1:0", "--alert", "5", "--alert-webhook", "file:///etc/passwd"}, "http:// or https://"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			r := f.run(t, nil, tc.args...)
			assert.Equal(t, exitUsage, r.code, r.stderr)
			assert.Contains(t, r.stderr, tc.want)
			assert.Empty(t, f.fake.calls, "nothing sent")
		})
	}
}
