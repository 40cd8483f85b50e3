// Package contribution names the kinds of contribution Charter's
// reputation ledger recognises. A category is what an attester is
// authorised for (membership), what an attestation is for (reputation) and
// what House A eligibility thresholds read.
//
// The list is fixed in code so that every peer and every client agree on
// it; adding a category is a chaincode upgrade. It has no Fabric imports.
package contribution

import (
	"fmt"
	"slices"
	"strings"

	"github.com/charter-gov/charter/chaincode/errcode"
)

// Category is one kind of contribution.
type Category string

// The contribution categories, in their fixed order.
const (
	MergedCode         Category = "merged_code"
	DatasetCuration    Category = "dataset_curation"
	EvalMaintenance    Category = "eval_maintenance"
	RedTeaming         Category = "red_teaming"
	IncidentManagement Category = "incident_management"
	Documentation      Category = "documentation"
	SafetyReview       Category = "safety_review"
)

// All lists every category in the fixed order above.
func All() []Category {
	return []Category{MergedCode, DatasetCuration, EvalMaintenance, RedTeaming, IncidentManagement, Documentation, SafetyReview}
}

// Safety lists the categories that count as safety expertise for House A
// eligibility: red-teaming and safety review.
func Safety() []Category { return []Category{RedTeaming, SafetyReview} }

// Valid reports whether c is a known category.
func (c Category) Valid() bool { return slices.Contains(All(), c) }

// Index returns c's position in All, or -1 for an unknown category.
func (c Category) Index() int { return slices.Index(All(), c) }

// Names returns the known category names joined by ", ", for error
// messages and help texts.
func Names() string {
	s := make([]string, 0, len(All()))
	for _, c := range All() {
		s = append(s, string(c))
	}
	return strings.Join(s, ", ")
}

// Check returns an INVALID_ARGUMENT error naming c and the known
// categories when c is unknown (field "category", rule "enum").
func (c Category) Check() error {
	if !c.Valid() {
		return errcode.InvalidFieldf("category", "enum", "unknown contribution category %q (known: %s)", c, Names())
	}
	return nil
}

// Normalise checks every category, drops duplicates and returns them in
// the fixed order of All. An unknown category is an INVALID_ARGUMENT error
// naming it as categories[i].
func Normalise(cs []Category) ([]Category, error) {
	for i, c := range cs {
		if err := c.Check(); err != nil {
			return nil, errcode.WithField(err, fmt.Sprintf("categories[%d]", i))
		}
	}
	out := []Category{}
	for _, c := range All() {
		if slices.Contains(cs, c) {
			out = append(out, c)
		}
	}
	return out, nil
}
