package mapiter

import (
	"slices"
	"sort"
)

func bad(m map[string]int) int {
	total := 0
	for _, v := range m { // want `determinism: map iteration order is random.*collect and sort the keys first.*\[map\]`
		total += v
	}
	for k := range m { // want `map iteration order is random`
		total += len(k)
	}
	return total
}

// Collecting keys without sorting them is still random.
func unsorted(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m { // want `map iteration order is random`
		keys = append(keys, k)
	}
	return keys
}

// Sorting a different slice does not help.
func wrongSlice(m map[string]int, other []string) []string {
	var keys []string
	for k := range m { // want `map iteration order is random`
		keys = append(keys, k)
	}
	sort.Strings(other)
	return keys
}

// Sorting before the loop does not help.
func sortedBefore(m map[string]int) []string {
	var keys []string
	sort.Strings(keys)
	for k := range m { // want `map iteration order is random`
		keys = append(keys, k)
	}
	return keys
}

// A body doing more than appending the key is flagged.
func extraWork(m map[string]int) []string {
	var keys []string
	for k, v := range m { // want `map iteration order is random`
		keys = append(keys, k)
		_ = v
	}
	sort.Strings(keys)
	return keys
}

type Ledger map[string][]byte

func namedMap(l Ledger) {
	for k := range l { // want `map iteration order is random`
		delete(l, k)
	}
}

// The sorted-keys idioms are allowed.
func sortStrings(m map[string]int) int {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	total := 0
	for _, k := range keys {
		total += m[k]
	}
	return total
}

func sortSlice(m map[int]string) []int {
	var keys []int
	for k, _ := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	return keys
}

func slicesSort(m map[string]bool) []string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func slicesSortFunc(m map[string]bool) []string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		if a < b {
			return -1
		}
		return 0
	})
	return keys
}

// Ranging over slices, strings and integers is fine.
func others(s []int, str string) int {
	n := 0
	for _, v := range s {
		n += v
	}
	for range str {
		n++
	}
	for i := range 3 {
		n += i
	}
	return n
}
