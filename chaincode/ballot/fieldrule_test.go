package ballot

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/errcode"
)

// A quadratic vote refused for its allocations names the allocation and
// the rule it broke.
func TestAllocationRefusalsNameFieldAndRule(t *testing.T) {
	b := &Ballot{ID: "q", Kind: KindDecision, Family: constitution.FamilyQuadratic, Options: []string{"x", "y"}, VoiceCredits: 25}
	for _, tt := range []struct {
		name        string
		as          []Allocation
		field, rule string
	}{
		{"none", nil, "allocations", "required"},
		{"more than the choices", []Allocation{{"x", 1}, {"y", 1}, {"abstain", 1}, {"z", 1}}, "allocations", "max-items"},
		{"an unknown choice", []Allocation{{"x", 1}, {"w", 1}}, "allocations[1].choice", "enum"},
		{"a choice twice", []Allocation{{"x", 1}, {"x", 1}}, "allocations[1].choice", "unique"},
		{"zero votes", []Allocation{{"x", 0}}, "allocations", "positive"},
		{"past the voice credits", []Allocation{{"x", 4}, {"y", 4}}, "allocations", "voice-credits"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := checkAllocations(b, tt.as)
			require.True(t, errcode.IsCode(err, errcode.InvalidArgument), "%v", err)
			field, rule := errcode.FieldOf(err)
			assert.Equal(t, []string{tt.field, tt.rule}, []string{field, rule}, "%v", err)
		})
	}
}
