package constitution

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Change is one difference between two constitution documents, in a form a
// person reads: the path of the value ("decisionRules[budget].quorumBps"),
// and its old and new value rendered as text (fractions also as percent,
// durations also in days/hours, Unix times also as dates; "(none)" for a
// value that is absent on one side).
type Change struct {
	Path string `json:"path"`
	Old  string `json:"old"`
	New  string `json:"new"`
}

func (c Change) String() string { return c.Path + ": " + c.Old + " → " + c.New }

// Absent renders a value missing on one side of a Change.
const Absent = "(none)"

// Diff returns what changed from a to b. Elements of the houses, decision
// rules and sunset clauses are matched by their ID, type and power (not by
// position), lists of plain values are compared whole. Order is
// deterministic: a's fields in document order, then fields only b has, in
// b's order. Equal documents give an empty (non-nil) slice.
func Diff(a, b Document) ([]Change, error) {
	la, err := leavesOf(a)
	if err != nil {
		return nil, err
	}
	lb, err := leavesOf(b)
	if err != nil {
		return nil, err
	}
	inB := make(map[string]int, len(lb))
	for i, l := range lb {
		inB[l.path] = i
	}
	inA := make(map[string]bool, len(la))
	out := []Change{}
	for _, l := range la {
		inA[l.path] = true
		j, ok := inB[l.path]
		switch {
		case !ok:
			out = append(out, Change{Path: l.path, Old: l.text, New: Absent})
		case lb[j].raw != l.raw:
			out = append(out, Change{Path: l.path, Old: l.text, New: lb[j].text})
		}
	}
	for _, l := range lb {
		if !inA[l.path] {
			out = append(out, Change{Path: l.path, Old: Absent, New: l.text})
		}
	}
	return out, nil
}

type leaf struct {
	path string
	raw  string // canonical JSON of the value, for comparison
	text string // human-readable rendering
}

// keyFields names, per array, the element field that identifies elements.
func keyField(array string) string {
	switch array {
	case "houses":
		return "id"
	case "decisionRules":
		return "type"
	case "powers":
		return "power"
	case "checklists":
		return "stage"
	}
	return ""
}

func leavesOf(d Document) ([]leaf, error) {
	raw, err := json.Marshal(d)
	if err != nil {
		return nil, fmt.Errorf("diff constitution: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var out []leaf
	if err := walk(dec, "", "", &out); err != nil {
		return nil, fmt.Errorf("diff constitution: %w", err)
	}
	return out, nil
}

// walk reads one JSON value from dec and appends its leaves under path.
// name is the field name the value sits under (used to render numbers and
// to pick an array's element key).
func walk(dec *json.Decoder, path, name string, out *[]leaf) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return err
				}
				k, _ := kt.(string)
				if err := walk(dec, join(path, k), k, out); err != nil {
					return err
				}
			}
			_, err := dec.Token() // '}'
			return err
		case '[':
			return walkArray(dec, path, name, out)
		}
		return fmt.Errorf("unexpected %v", t)
	default:
		*out = append(*out, scalarLeaf(path, name, tok))
		return nil
	}
}

func join(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}

// walkArray renders an array of objects element by element (keyed by the
// element's ID field when the array has one, else by index) and an array
// of plain values as one leaf.
func walkArray(dec *json.Decoder, path, name string, out *[]leaf) error {
	var elems []json.RawMessage
	for dec.More() {
		var e json.RawMessage
		if err := dec.Decode(&e); err != nil {
			return err
		}
		elems = append(elems, e)
	}
	if _, err := dec.Token(); err != nil { // ']'
		return err
	}
	objects := len(elems) > 0
	for _, e := range elems {
		if len(bytes.TrimSpace(e)) == 0 || bytes.TrimSpace(e)[0] != '{' {
			objects = false
		}
	}
	if !objects {
		parts := make([]string, len(elems))
		raws := make([]string, len(elems))
		for i, e := range elems {
			raws[i] = string(e)
			var s string
			if json.Unmarshal(e, &s) == nil {
				parts[i] = s
			} else {
				parts[i] = string(e)
			}
		}
		*out = append(*out, leaf{path: path, raw: "[" + strings.Join(raws, ",") + "]", text: "[" + strings.Join(parts, ", ") + "]"})
		return nil
	}
	key := keyField(name)
	for i, e := range elems {
		id := strconv.Itoa(i)
		if key != "" {
			var probe map[string]json.RawMessage
			if err := json.Unmarshal(e, &probe); err != nil {
				return err
			}
			var s string
			if json.Unmarshal(probe[key], &s) == nil && s != "" {
				id = s
			}
		}
		sub := json.NewDecoder(bytes.NewReader(e))
		sub.UseNumber()
		if err := walk(sub, path+"["+id+"]", "", out); err != nil {
			return err
		}
	}
	return nil
}

func scalarLeaf(path, name string, tok json.Token) leaf {
	switch v := tok.(type) {
	case nil:
		return leaf{path: path, raw: "null", text: Absent}
	case bool:
		return leaf{path: path, raw: strconv.FormatBool(v), text: strconv.FormatBool(v)}
	case string:
		return leaf{path: path, raw: strconv.Quote(v), text: strconv.Quote(v)}
	case json.Number:
		n, err := v.Int64()
		if err != nil {
			return leaf{path: path, raw: v.String(), text: v.String()}
		}
		return leaf{path: path, raw: v.String(), text: renderInt(name, n)}
	}
	return leaf{path: path, raw: fmt.Sprint(tok), text: fmt.Sprint(tok)}
}

// renderInt adds a reading to integers whose field name says what they
// are: basis points, seconds, Unix times.
func renderInt(name string, n int64) string {
	s := strconv.FormatInt(n, 10)
	switch {
	case strings.HasSuffix(name, "Bps"):
		return s + " (" + percent(n) + ")"
	case strings.HasSuffix(name, "Seconds"):
		return s + " (" + duration(n) + ")"
	case strings.HasSuffix(name, "Unix") && n > 0:
		return s + " (" + time.Unix(n, 0).UTC().Format(time.RFC3339) + ")"
	}
	return s
}

// percent renders basis points exactly: 6667 → "66.67 %".
func percent(bps int64) string {
	sign := ""
	if bps < 0 {
		sign, bps = "-", -bps
	}
	return fmt.Sprintf("%s%d.%02d %%", sign, bps/100, bps%100)
}

// duration renders seconds as days, hours, minutes and seconds: 90061 →
// "1d 1h 1m 1s"; 0 → "0s".
func duration(sec int64) string {
	if sec == 0 {
		return "0s"
	}
	sign := ""
	if sec < 0 {
		sign, sec = "-", -sec
	}
	var parts []string
	for _, u := range []struct {
		n    int64
		unit string
	}{{day, "d"}, {3600, "h"}, {60, "m"}, {1, "s"}} {
		if sec >= u.n {
			parts = append(parts, strconv.FormatInt(sec/u.n, 10)+u.unit)
			sec %= u.n
		}
	}
	return sign + strings.Join(parts, " ")
}
