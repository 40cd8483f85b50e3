package main

import (
	"github.com/spf13/pflag"

	charter "github.com/charter-gov/charter/gateway-client"
)

// pageSizeFlag adds --page-size to a list command that follows every page:
// the records read per query (1..1000; 0 means charter.DefaultMemberPage).
func pageSizeFlag(fs *pflag.FlagSet, size *int, what string) {
	fs.IntVar(size, "page-size", 0, what+" read per query while following the pages (1..1000; default 1000)")
}

// pageSize checks a --page-size value and returns the size to ask for.
func pageSize(n int) (int, error) {
	switch {
	case n == 0:
		return charter.DefaultMemberPage, nil
	case n < 0 || n > 1000:
		return 0, usagef("--page-size %d: want 1 to 1000 (0: 1000)", n)
	}
	return n, nil
}
