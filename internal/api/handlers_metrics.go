package api

import (
	"net/http"
	"time"

	charter "github.com/charter-gov/charter/gateway-client"
	"github.com/charter-gov/charter/internal/metrics"
)

var _ metrics.Ledger = Gateway(nil)

// GetMetrics computes the governance metrics report from the ledger, as
// `charter metrics` does, over [from, to) and the families asked for.
func (s *Server) GetMetrics(w http.ResponseWriter, r *http.Request, p GetMetricsParams) {
	rep, ok := s.metricsReport(w, r, p.From, p.To, familyNames(p.Family))
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, rep)
}

// familyNames are the voting families a metrics request names.
func familyNames[F ~string](fams *[]F) []string {
	if fams == nil {
		return nil
	}
	out := make([]string, 0, len(*fams))
	for _, f := range *fams {
		out = append(out, string(f))
	}
	return out
}

// metricsReport computes the report of the metrics endpoints (the JSON
// and the chart) over [from, to) and the families asked for, or writes
// the problem and returns false.
func (s *Server) metricsReport(w http.ResponseWriter, r *http.Request, from, to *time.Time, families []string) (*metrics.Report, bool) {
	var opt metrics.Options
	if from != nil {
		opt.From = from.UTC()
	}
	if to != nil {
		opt.To = to.UTC()
	}
	if !opt.From.IsZero() && !opt.To.IsZero() && !opt.From.Before(opt.To) {
		writeProblem(w, r, newProblem(charter.CodeInvalidArgument, "from", "from-before-to", "from %s is not before to %s", opt.From, opt.To))
		return nil, false
	}
	opt.Families = families
	ds, err := metrics.Collect(r.Context(), s.gw, s.opts.Now().UTC())
	if err != nil {
		writeProblem(w, r, err)
		return nil, false
	}
	rep, err := metrics.Compute(ds, opt)
	if err != nil {
		writeProblem(w, r, newProblem(charter.CodeInvalidArgument, "from", "metrics-range", "%v", err))
		return nil, false
	}
	return rep, true
}
