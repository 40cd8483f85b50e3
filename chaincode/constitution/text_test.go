package constitution

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/errcode"
)

// TestTextsFollowTheTextRule: Init accepted a document whose name held
// U+0000 and one whose name had 120,000 characters; the constitution's own
// texts now follow chaincode/text like every other capability's.
func TestTextsFollowTheTextRule(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(d *Document)
		msg    string
	}{
		{"NUL in the name", func(d *Document) { d.Name = "Charter\x00" }, "control character U+0000"},
		{"a 120,000-character name", func(d *Document) { d.Name = strings.Repeat("n", 120000) }, "longer than 128 characters"},
		{"a newline in the name", func(d *Document) { d.Name = "Char\nter" }, "control character U+000A"},
		{"a bidirectional override in a house name", func(d *Document) { d.Houses[0].Name = "House \u202eA" }, "bidirectional control U+202E"},
		{"invalid UTF-8 in a house description", func(d *Document) { d.Houses[1].Description = "\xff" }, "not valid UTF-8"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := Default()
			tc.mutate(&d)
			err := d.Validate()
			require.Error(t, err)
			assert.True(t, errcode.IsCode(err, errcode.InvalidArgument), "%v", err)
			assert.Contains(t, err.Error(), tc.msg)
			assert.Less(t, len(err.Error()), 400, "the error does not echo the text")
		})
	}
	d := Default()
	d.Houses[0].Description = "Maintainers and the safety council.\nDecides what is safety-critical."
	require.NoError(t, d.Validate(), "descriptions may span lines")
}
