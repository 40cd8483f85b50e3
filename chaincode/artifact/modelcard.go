package artifact

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/errcode"
)

// Card is a parsed model card in Hugging Face's layout: YAML front matter
// between "---" lines, then Markdown whose level-2 headings are the
// sections.
type Card struct {
	// Fields are the front matter's top-level keys in document order, and
	// their scalar values ("" for lists and maps).
	Fields []CardField
	// Sections are the "## " headings in order.
	Sections []string
	SHA256   string
}

// CardField is one front-matter key.
type CardField struct {
	Key   string
	Value string
}

// ParseModelCard parses a model card. The front matter is required and
// must be a YAML mapping.
func ParseModelCard(md string) (*Card, error) {
	sum := sha256.Sum256([]byte(md))
	c := &Card{SHA256: hex.EncodeToString(sum[:])}
	body := strings.ReplaceAll(md, "\r\n", "\n")
	if !strings.HasPrefix(body, "---\n") {
		return nil, errcode.InvalidFieldf("modelCard", RuleFormat, "model card: it must start with YAML front matter between '---' lines (Hugging Face's model-card layout)")
	}
	rest := body[len("---\n"):]
	end := strings.Index(rest, "\n---\n")
	var front string
	switch {
	case strings.HasPrefix(rest, "---\n"):
		front, rest = "", rest[len("---\n"):]
	case end >= 0:
		front, rest = rest[:end], rest[end+len("\n---\n"):]
	case strings.HasSuffix(rest, "\n---"):
		front, rest = strings.TrimSuffix(rest, "\n---"), ""
	default:
		return nil, errcode.InvalidFieldf("modelCard", RuleFormat, "model card: the YAML front matter is not closed by a '---' line")
	}
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(front), &doc); err != nil {
		return nil, errcode.InvalidFieldf("modelCard", RuleFormat, "model card: the front matter is not valid YAML: %v", err)
	}
	if len(doc.Content) > 0 {
		m := doc.Content[0]
		if m.Kind != yaml.MappingNode {
			return nil, errcode.InvalidFieldf("modelCard", RuleFormat, "model card: the front matter must be a YAML mapping of keys")
		}
		for i := 0; i+1 < len(m.Content); i += 2 {
			f := CardField{Key: m.Content[i].Value}
			if m.Content[i+1].Kind == yaml.ScalarNode {
				f.Value = m.Content[i+1].Value
			}
			c.Fields = append(c.Fields, f)
		}
	}
	inFence := false
	for _, line := range strings.Split(rest, "\n") {
		t := strings.TrimRight(line, " \t")
		if strings.HasPrefix(t, "```") {
			inFence = !inFence
			continue
		}
		if !inFence && strings.HasPrefix(t, "## ") {
			c.Sections = append(c.Sections, strings.TrimSpace(strings.TrimLeft(t[3:], " ")))
		}
	}
	return c, nil
}

// Field returns a front-matter key's value and whether it is present.
func (c *Card) Field(key string) (string, bool) {
	for _, f := range c.Fields {
		if f.Key == key {
			return f.Value, true
		}
	}
	return "", false
}

// Missing lists what the card lacks under the constitution's release
// rules: "section: X" for a required "## X" heading, "field: k" for a
// required front-matter key, and "field: license" when the card's
// licence differs from the registered one (compared case-insensitively).
func (c *Card) Missing(r constitution.Release, licence string) []string {
	out := []string{}
	for _, want := range r.ModelCardSections {
		found := false
		for _, s := range c.Sections {
			if strings.EqualFold(s, want) {
				found = true
			}
		}
		if !found {
			out = append(out, "section: "+want)
		}
	}
	for _, k := range r.ModelCardFields {
		v, ok := c.Field(k)
		if !ok || strings.TrimSpace(v) == "" && k != "license" {
			out = append(out, "field: "+k)
			continue
		}
		if k == "license" && !strings.EqualFold(strings.TrimSpace(v), licence) {
			out = append(out, "field: license ("+v+" differs from the registered "+licence+")")
		}
	}
	return out
}
