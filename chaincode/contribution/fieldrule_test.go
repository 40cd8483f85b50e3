package contribution

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/errcode"
)

// An unknown category names the field it came in and the rule "enum".
func TestCategoryRefusalsNameFieldAndRule(t *testing.T) {
	for _, tt := range []struct {
		name        string
		do          func() error
		field, rule string
	}{
		{"one category", func() error { return Category("poetry").Check() }, "category", "enum"},
		{"a list", func() error { _, err := Normalise([]Category{MergedCode, "poetry"}); return err }, "categories[1]", "enum"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.do()
			require.True(t, errcode.IsCode(err, errcode.InvalidArgument), "%v", err)
			field, rule := errcode.FieldOf(err)
			assert.Equal(t, []string{tt.field, tt.rule}, []string{field, rule}, "%v", err)
			assert.Contains(t, err.Error(), `unknown contribution category "poetry"`)
		})
	}
}
