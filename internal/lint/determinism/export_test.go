package determinism

// ParseDirectiveForTest exposes parseDirective to the external test package.
func ParseDirectiveForTest(text string) (category, reason string, ok bool) {
	d, ok := parseDirective(text)
	return d.category, d.reason, ok
}
