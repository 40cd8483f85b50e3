package metrics

import (
	"fmt"
	"html"
	"io"
	"strings"
	"text/tabwriter"
)

func cell(p *float64, format string) string {
	if p == nil {
		return "—"
	}
	return fmt.Sprintf(format, *p)
}

// WriteTable writes the report as text tables laid out like the paper's
// Table 1 (families as rows; participation, latency, legitimacy, Gini,
// incidents as columns), with the Nakamoto coefficient, the p90 latency
// and the participation among active contributors added, then the same
// per decision type and over everything.
func WriteTable(w io.Writer, r *Report) error {
	fmt.Fprintf(w, "Governance metrics from %s to %s (%.2f years)\n\n", stamp(r.From), stamp(r.To), r.Years)
	section := func(title string, rows []Row) error {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintf(tw, "%s\tballots\tParticipation (%%)\t/ active (%%)\tper ballot (%%)\tLatency (days) median\tp90\tLegitimacy (1–7)\tGini (0–1)\tNakamoto\tIncidents (/yr)\n", title)
		for _, row := range rows {
			fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", row.Label, row.Ballots,
				cell(row.ParticipationPct, "%.1f"), cell(row.ParticipationAct, "%.1f"), cell(row.BallotTurnoutPct, "%.1f"),
				days(row.LatencyMedianDays), days(row.LatencyP90Days),
				cell(row.Legitimacy, "%.2f"), cell(row.Gini, "%.2f"), cell(row.Nakamoto, "%.1f"),
				cell(row.IncidentsPerYear, "%.2f"))
		}
		if err := tw.Flush(); err != nil {
			return fmt.Errorf("write metrics table: %w", err)
		}
		_, err := fmt.Fprintln(w)
		return err
	}
	if err := section("Governance family", r.Families); err != nil {
		return err
	}
	if len(r.DecisionTypes) > 0 {
		if err := section("Decision type", r.DecisionTypes); err != nil {
			return err
		}
	}
	if err := section("Overall", []Row{r.All}); err != nil {
		return err
	}
	if r.Years < 30/365.25 {
		fmt.Fprintf(w, "note: the range is %.1f days; rates per year extrapolate it.\n", r.Years*365.25)
	}
	_, err := fmt.Fprintf(w, "voters %d of %d eligible, %d active contributors (90 days); %d decisions (%d final); %d polls (%d answers); %d incidents (severity-weighted %.2f/yr)\n",
		r.All.Voters, r.All.Eligible, r.All.ActiveContributors, r.All.Decisions, r.All.Final, r.All.Polls, r.All.LegitimacyResponses,
		r.All.Incidents, deref(r.All.SeverityWeightedPerYear))
	return err
}

// days renders a latency in days: two decimals, four under a hundredth
// of a day (a quarter of an hour), so that short test periods show.
func days(p *float64) string {
	if p != nil && *p < 0.01 {
		return cell(p, "%.4f")
	}
	return cell(p, "%.2f")
}

func deref(p *float64) float64 {
	if p == nil {
		return 0
	}
	return *p
}

var familyColours = map[string]string{
	"token": "#d95f02", "delegated": "#7570b3", "quadratic": "#1b9e77", "reputation": "#e7298a", "seat": "#666666",
}

// panel is one metric of the chart.
type panel struct {
	title string
	value func(Row) *float64
	max   float64 // 0: scale to the largest value
	unit  string
}

func panels() []panel {
	return []panel{
		{"Participation (%)", func(r Row) *float64 { return r.ParticipationPct }, 100, "%.1f"},
		{"Decision latency (days, median)", func(r Row) *float64 { return r.LatencyMedianDays }, 0, "%.2f"},
		{"Perceived legitimacy (1–7)", func(r Row) *float64 { return r.Legitimacy }, 7, "%.2f"},
		{"Voting-power Gini (0–1)", func(r Row) *float64 { return r.Gini }, 1, "%.2f"},
		{"Nakamoto coefficient", func(r Row) *float64 { return r.Nakamoto }, 0, "%.1f"},
		{"Incidents (/yr)", func(r Row) *float64 { return r.IncidentsPerYear }, 0, "%.2f"},
	}
}

// ChartTitle is the title of the metrics chart that `charter metrics --svg`
// writes and `GET /v1/metrics/chart.svg` answers.
const ChartTitle = "Charter governance metrics"

// WriteSVG draws the family rows as a chart: one bar panel per Table 1
// metric (and the Nakamoto coefficient), one bar per family, its value
// written above it; "n/a" where the range holds nothing to measure. Plain
// SVG 1.1, no script, no external resource.
func WriteSVG(w io.Writer, r *Report, title string) error {
	const (
		pw, ph     = 300, 260 // panel
		cols       = 3
		top        = 70
		barArea    = 170
		legendH    = 40
		marginLeft = 20
	)
	ps := panels()
	rows := (len(ps) + cols - 1) / cols
	width, height := marginLeft*2+cols*pw, top+rows*ph+legendH
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="Helvetica, Arial, sans-serif">`+"\n", width, height, width, height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="#ffffff"/>`+"\n")
	fmt.Fprintf(&b, `<text x="%d" y="30" font-size="20" font-weight="bold">%s</text>`+"\n", marginLeft, html.EscapeString(title))
	fmt.Fprintf(&b, `<text x="%d" y="52" font-size="13" fill="#444">%s to %s · per voting family · after delegation</text>`+"\n", marginLeft, stamp(r.From), stamp(r.To))
	n := len(r.Families)
	for i, p := range ps {
		x0 := marginLeft + (i%cols)*pw
		y0 := top + (i/cols)*ph
		fmt.Fprintf(&b, `<g transform="translate(%d,%d)">`+"\n", x0, y0)
		fmt.Fprintf(&b, `<text x="10" y="16" font-size="14" font-weight="bold">%s</text>`+"\n", html.EscapeString(p.title))
		baseY := 30 + barArea
		fmt.Fprintf(&b, `<line x1="10" y1="%d" x2="%d" y2="%d" stroke="#999"/>`+"\n", baseY, pw-20, baseY)
		scale := p.max
		if scale == 0 {
			for _, row := range r.Families {
				if v := p.value(row); v != nil && *v > scale {
					scale = *v
				}
			}
			if scale == 0 {
				scale = 1
			}
			scale *= 1.15
		}
		if n == 0 {
			b.WriteString("</g>\n")
			continue
		}
		slot := float64(pw-40) / float64(n)
		for j, row := range r.Families {
			bx := 15 + float64(j)*slot
			bw := slot * 0.7
			v := p.value(row)
			colour := familyColours[row.Key]
			if colour == "" {
				colour = "#888"
			}
			if v == nil {
				fmt.Fprintf(&b, `<text x="%.1f" y="%d" font-size="11" fill="#999" text-anchor="middle">n/a</text>`+"\n", bx+bw/2, baseY-4)
				continue
			}
			h := *v / scale * barArea
			if h > barArea {
				h = barArea
			}
			if h < 0 {
				h = 0
			}
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s: %s</title></rect>`+"\n",
				bx, float64(baseY)-h, bw, h, colour, html.EscapeString(row.Label), fmt.Sprintf(p.unit, *v))
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="11" text-anchor="middle">%s</text>`+"\n", bx+bw/2, float64(baseY)-h-4, fmt.Sprintf(p.unit, *v))
		}
		b.WriteString("</g>\n")
	}
	ly := top + rows*ph + 10
	lx := marginLeft
	for _, row := range r.Families {
		colour := familyColours[row.Key]
		if colour == "" {
			colour = "#888"
		}
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="14" height="14" fill="%s"/><text x="%d" y="%d" font-size="12">%s</text>`+"\n",
			lx, ly, colour, lx+18, ly+12, html.EscapeString(row.Label))
		lx += 180
	}
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	if err != nil {
		return fmt.Errorf("write chart: %w", err)
	}
	return nil
}
