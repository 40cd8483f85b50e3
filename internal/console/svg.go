package console

import (
	"fmt"
	"html/template"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/charter-gov/charter/chaincode/artifact"
	"github.com/charter-gov/charter/chaincode/identity"
)

// Point is one sample of a time series.
type Point struct {
	At    time.Time
	Value int64
}

// Chart colours: each meets WCAG 2.2 AA contrast against the white page
// (non-text contrast ≥ 3:1; text ≥ 4.5:1).
const (
	inkColour  = "#1a1a1a"
	lineColour = "#0b5cad" // 6.4:1 on white
	gridColour = "#767676" // 4.5:1 on white
)

// lineChart draws pts as an SVG line chart with a title and a description
// a screen reader reads (the same numbers are in the table beside it).
// Every value it writes is a number or escaped text.
func lineChart(title string, pts []Point, width, height int) template.HTML {
	const padL, padR, padT, padB = 64, 16, 16, 40
	var b strings.Builder
	esc := template.HTMLEscapeString
	fmt.Fprintf(&b, `<svg class="chart" role="img" aria-labelledby="chart-title chart-desc" viewBox="0 0 %d %d" width="%d" height="%d" xmlns="http://www.w3.org/2000/svg">`, width, height, width, height)
	fmt.Fprintf(&b, `<title id="chart-title">%s</title>`, esc(title))
	desc := "No data."
	if len(pts) > 0 {
		desc = fmt.Sprintf("%d samples from %s (%s) to %s (%s).", len(pts), pts[0].At.Format(time.DateOnly), milli(pts[0].Value),
			pts[len(pts)-1].At.Format(time.DateOnly), milli(pts[len(pts)-1].Value))
	}
	fmt.Fprintf(&b, `<desc id="chart-desc">%s</desc>`, esc(desc))
	var maxV int64 = 1
	for _, p := range pts {
		if p.Value > maxV {
			maxV = p.Value
		}
	}
	plotW, plotH := width-padL-padR, height-padT-padB
	x := func(i int) int {
		if len(pts) < 2 {
			return padL + plotW/2
		}
		return padL + i*plotW/(len(pts)-1)
	}
	y := func(v int64) int { return padT + plotH - int(v*int64(plotH)/maxV) }
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s"/>`, padL, padT+plotH, padL+plotW, padT+plotH, gridColour)
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s"/>`, padL, padT, padL, padT+plotH, gridColour)
	fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end" font-size="12" fill="%s">%s</text>`, padL-6, padT+10, inkColour, milli(maxV))
	fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end" font-size="12" fill="%s">0</text>`, padL-6, padT+plotH, inkColour)
	if len(pts) > 0 {
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="12" fill="%s">%s</text>`, padL, height-12, inkColour, pts[0].At.Format(time.DateOnly))
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end" font-size="12" fill="%s">%s</text>`, padL+plotW, height-12, inkColour, pts[len(pts)-1].At.Format(time.DateOnly))
		var path strings.Builder
		for i, p := range pts {
			if i > 0 {
				path.WriteByte(' ')
			}
			fmt.Fprintf(&path, "%d,%d", x(i), y(p.Value))
		}
		fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>`, lineColour, path.String())
		for i, p := range pts {
			fmt.Fprintf(&b, `<circle cx="%d" cy="%d" r="3" fill="%s"/>`, x(i), y(p.Value), lineColour)
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) //nolint:gosec // built from numbers and escaped text only
}

// milli formats milli-points as points with three decimals, exactly.
func milli(v int64) string {
	sign := ""
	if v < 0 {
		sign, v = "-", -v
	}
	return fmt.Sprintf("%s%d.%03d", sign, v/1000, v%1000)
}

// lineageGraph draws a lineage as columns by depth (upstream left), one
// box per version, an arrow per provenance link; the list beside it says
// the same in text.
func lineageGraph(l *artifact.Lineage) template.HTML {
	if l == nil || len(l.Nodes) == 0 {
		return ""
	}
	const boxW, boxH, gapX, gapY, pad = 200, 36, 60, 16, 8
	minD, maxD := 0, 0
	for _, n := range l.Nodes {
		minD, maxD = min(minD, n.Depth), max(maxD, n.Depth)
	}
	rowsAt := map[int]int{}
	pos := map[artifact.Ref][2]int{}
	maxRows := 0
	for _, n := range l.Nodes { // breadth-first order: stable positions
		col := n.Depth - minD
		row := rowsAt[col]
		rowsAt[col]++
		maxRows = max(maxRows, rowsAt[col])
		pos[n.Ref] = [2]int{pad + col*(boxW+gapX), pad + row*(boxH+gapY)}
	}
	width := 2*pad + (maxD-minD+1)*(boxW+gapX) - gapX
	height := 2*pad + maxRows*(boxH+gapY) - gapY
	esc := template.HTMLEscapeString
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="lineage" role="img" aria-labelledby="lineage-title" viewBox="0 0 %d %d" width="%d" height="%d" xmlns="http://www.w3.org/2000/svg">`, width, height, width, height)
	fmt.Fprintf(&b, `<title id="lineage-title">Lineage of %s: %d versions, %d provenance links</title>`, esc(l.Root.String()), len(l.Nodes), len(l.Edges))
	b.WriteString(`<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="` + gridColour + `"/></marker></defs>`)
	for _, e := range l.Edges {
		p, okP := pos[e.Parent]
		c, okC := pos[e.Child]
		if !okP || !okC {
			continue
		}
		fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="1.5" marker-end="url(#arrow)"/>`, p[0]+boxW, p[1]+boxH/2, c[0], c[1]+boxH/2, gridColour)
	}
	for _, n := range l.Nodes {
		p := pos[n.Ref]
		stroke, sw := gridColour, "1"
		if n.Ref == l.Root {
			stroke, sw = lineColour, "3"
		}
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" rx="4" fill="#fff" stroke="%s" stroke-width="%s"/>`, p[0], p[1], boxW, boxH, stroke, sw)
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="12" fill="%s">%s</text>`, p[0]+6, p[1]+15, inkColour, esc(clip(n.Ref.String(), 30)))
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="11" fill="%s">%s</text>`, p[0]+6, p[1]+29, inkColour, esc(string(n.Kind)))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) //nolint:gosec // built from numbers and escaped text only
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// funcs are the template helpers.
var funcs = template.FuncMap{
	"short": func(id identity.Identity) string { return id.Short() },
	"ptrShort": func(id *identity.Identity) string {
		if id == nil {
			return ""
		}
		return id.Short()
	},
	"when": func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.UTC().Format("2006-01-02 15:04:05 UTC")
	},
	"whenp": func(t *time.Time) string {
		if t == nil || t.IsZero() {
			return "—"
		}
		return t.UTC().Format("2006-01-02 15:04:05 UTC")
	},
	"iso": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	// pct renders basis points as a percentage with two decimals, exactly.
	"pct": func(bps int64) string { return fmt.Sprintf("%d.%02d %%", bps/100, bps%100) },
	// barw renders basis points as an SVG width out of 200.
	"barw":  func(bps int64) int64 { return bps * 200 / 10000 },
	"milli": milli,
	"itoa":  func(v int64) string { return strconv.FormatInt(v, 10) },
	"memberPath": func(id identity.Identity) string {
		return "/members/" + urlPathEscape(id.MSPID) + "/" + urlPathEscape(id.ID) + "/reputation"
	},
	"sub": func(a, b int64) int64 { return a - b },
}

func urlPathEscape(s string) string { return url.PathEscape(s) }
