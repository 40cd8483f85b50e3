package funding

import (
	"fmt"
	"math/big"
	"testing"

	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/internal/testutil"
)

// Every refusal of the matching computation names the input it is about
// and the rule it broke (the package reads and writes no state).
func TestRefusalsNameFieldAndRule(t *testing.T) {
	var many []Contribution
	for i := range 800 { // 800·799/2 > MaxPairs
		many = append(many, c(fmt.Sprint(i), "A", 1))
	}
	for _, tt := range []struct {
		name        string
		do          func() error
		field, rule string
	}{
		{"a zero contribution", func() error {
			_, err := Aggregate(KindQuadratic, proj("p", c("a", "A", 5), c("b", "B", 0)))
			return err
		}, "contributions[1].amount", "range"},
		{"contributions past MaxAmount", func() error {
			_, err := Aggregate(KindQuadratic, proj("p", c("a", "A", MaxAmount), c("b", "B", 1)))
			return err
		}, "contributions[1].amount", RuleMaxAmount},
		{"too many pairs", func() error {
			_, err := Match(Rule{Kind: KindPairwise, PairwiseM: 1}, 10, []Project{proj("big", many...)})
			return err
		}, "rule.kind", RuleMaxPairs},
		{"a negative pool", func() error { _, err := Allocate(-1, 0, false, nil); return err }, "pool", "range"},
		{"a negative cap", func() error { _, err := Allocate(10, -1, true, nil); return err }, "cap", "range"},
		{"a missing weight", func() error { _, err := Allocate(10, 0, false, []*big.Int{big.NewInt(1), nil}); return err }, "weights[1]", "range"},
		{"contributions and pool past MaxAmount", func() error {
			_, err := Match(Rule{Kind: KindQuadratic}, MaxAmount, []Project{proj("p", c("a", "A", MaxAmount/3), c("b", "B", MaxAmount/3))})
			return err
		}, "pool", RuleMaxAmount},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.do()
			testutil.AssertRefusal(t, err, errcode.InvalidArgument, tt.field, tt.rule)
		})
	}
}
