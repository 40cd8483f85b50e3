package api

import (
	"bytes"
	"net/http"

	"github.com/charter-gov/charter/internal/metrics"
)

// GetMetricsChart draws the metrics report for the same filters as
// GetMetrics with the renderer `charter metrics --svg` uses.
func (s *Server) GetMetricsChart(w http.ResponseWriter, r *http.Request, p GetMetricsChartParams) {
	rep, ok := s.metricsReport(w, r, p.From, p.To, familyNames(p.Family))
	if !ok {
		return
	}
	var b bytes.Buffer
	if err := metrics.WriteSVG(&b, rep, metrics.ChartTitle); err != nil {
		writeProblem(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b.Bytes())
}
