package constitution

import (
	"fmt"
	"slices"

	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/funding"
)

// Funding bounds quadratic-funding rounds (chaincode/round,
// docs/funding.md):
//
//   - Rules are the matching-rule kinds a round may use (chaincode/funding:
//     quadratic, org_grouped, pairwise, org_pairwise): the anti-collusion
//     options the community allows;
//   - MaxProjectsPerRound bounds a round's accepted projects (the close
//     reads every project's totals in its last page);
//   - MinWindowSec and MaxWindowSec bound a round's contribution window.
//
// A document without the section (older versions) reads as
// DefaultFunding.
type Funding struct {
	Rules               []funding.Kind `json:"rules,omitempty"`
	MaxProjectsPerRound int64          `json:"maxProjectsPerRound,omitempty"`
	MinWindowSec        int64          `json:"minWindowSeconds,omitempty"`
	MaxWindowSec        int64          `json:"maxWindowSeconds,omitempty"`
}

// MaxProjectsPerRound is the hard bound on Funding.MaxProjectsPerRound.
const MaxProjectsPerRound = 1000

// DefaultFunding: rounds group contributors by organisation (with or
// without pairwise bounds) or bound pairs of contributors; plain
// per-identity quadratic matching is not allowed by default, because in a
// permissioned consortium one organisation's admin registers identities and
// could split one contribution over many of them. At most 200 projects per
// round, windows of one hour to 90 days.
func DefaultFunding() Funding {
	return Funding{
		Rules:               []funding.Kind{funding.KindOrgGrouped, funding.KindPairwise, funding.KindOrgPairwise},
		MaxProjectsPerRound: 200,
		MinWindowSec:        3600,
		MaxWindowSec:        90 * day,
	}
}

// Effective returns f, or DefaultFunding when the section is absent.
func (f Funding) Effective() Funding {
	if len(f.Rules) == 0 && f.MaxProjectsPerRound == 0 && f.MinWindowSec == 0 && f.MaxWindowSec == 0 {
		return DefaultFunding()
	}
	return f
}

// Allows reports whether a round may use kind k.
func (f Funding) Allows(k funding.Kind) bool { return slices.Contains(f.Effective().Rules, k) }

func (d *Document) validateFunding() error {
	f := d.Funding.Effective()
	if len(f.Rules) == 0 {
		return errcode.InvalidFieldf("funding.rules", "required", "constitution: funding.rules is empty: name at least one matching rule (%v)", funding.Kinds())
	}
	for i, k := range f.Rules {
		if !k.Valid() {
			return errcode.InvalidFieldf(fmt.Sprintf("funding.rules[%d]", i), "enum", "constitution: funding.rules[%d] is %s, not a matching rule (%v)", i, errcode.Quote(string(k)), funding.Kinds())
		}
		if slices.Contains(f.Rules[:i], k) {
			return errcode.InvalidFieldf(fmt.Sprintf("funding.rules[%d]", i), "unique", "constitution: funding.rules[%d] names %s twice", i, k)
		}
	}
	if f.MaxProjectsPerRound < 1 || f.MaxProjectsPerRound > MaxProjectsPerRound {
		return errcode.InvalidFieldf("funding.maxProjectsPerRound", "range", "constitution: funding.maxProjectsPerRound is %d, must be between 1 and %d", f.MaxProjectsPerRound, MaxProjectsPerRound)
	}
	if f.MinWindowSec < 60 || f.MaxWindowSec < f.MinWindowSec || f.MaxWindowSec > 365*day {
		return errcode.InvalidFieldf(firstField(f.MinWindowSec < 60, "funding.minWindowSeconds", false, "", "funding.maxWindowSeconds"), "range", "constitution: funding window bounds %d..%d seconds: need 60 ≤ minWindowSeconds ≤ maxWindowSeconds ≤ %d", f.MinWindowSec, f.MaxWindowSec, 365*day)
	}
	return nil
}
