package determinism_test

import (
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/charter-gov/charter/internal/lint/determinism"
)

func TestAnalyzer(t *testing.T) {
	testdata := analysistest.TestData()
	for _, pkg := range []string{
		"clock",
		"randimport",
		"goroutine",
		"floats",
		"globals",
		"ioimports",
		"mapiter",
		"errs",
		"allow",
		"fileallow",
		"clean",
	} {
		t.Run(pkg, func(t *testing.T) {
			analysistest.Run(t, testdata, determinism.Analyzer, pkg)
		})
	}
}

func TestParseDirective(t *testing.T) {
	for _, tc := range []struct {
		text          string
		ok            bool
		category, why string
	}{
		{"//charter:allow clock skew guard", true, "clock", "skew guard"},
		{"//charter:allow clock", true, "clock", ""},
		{"//charter:allow", true, "", ""},
		{"//charter:allow clock // trailing comment", true, "clock", ""},
		{"//charter:allow-global read-only table", true, "global", "read-only table"},
		{"//charter:allow-global", true, "global", ""},
		{"//charter:allowed clock x", false, "", ""},
		{"// charter:allow clock x", false, "", ""},
		{"// an ordinary comment", false, "", ""},
	} {
		cat, why, ok := determinism.ParseDirectiveForTest(tc.text)
		if ok != tc.ok || cat != tc.category || why != tc.why {
			t.Errorf("parse(%q) = %q, %q, %v; want %q, %q, %v", tc.text, cat, why, ok, tc.category, tc.why, tc.ok)
		}
	}
}
