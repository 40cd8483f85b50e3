package api

import (
	"net/http"

	charter "github.com/charter-gov/charter/gateway-client"
	"github.com/charter-gov/charter/internal/metrics"
)

var _ metrics.Ledger = Gateway(nil)

// GetMetrics computes the governance metrics report from the ledger, as
// `charter metrics` does, over [from, to) and the families asked for.
func (s *Server) GetMetrics(w http.ResponseWriter, r *http.Request, p GetMetricsParams) {
	var opt metrics.Options
	if p.From != nil {
		opt.From = p.From.UTC()
	}
	if p.To != nil {
		opt.To = p.To.UTC()
	}
	if !opt.From.IsZero() && !opt.To.IsZero() && !opt.From.Before(opt.To) {
		writeProblem(w, r, newProblem(charter.CodeInvalidArgument, "from", "from-before-to", "from %s is not before to %s", opt.From, opt.To))
		return
	}
	if p.Family != nil {
		for _, f := range *p.Family {
			opt.Families = append(opt.Families, string(f))
		}
	}
	ds, err := metrics.Collect(r.Context(), s.gw, s.opts.Now().UTC())
	if err != nil {
		writeProblem(w, r, err)
		return
	}
	rep, err := metrics.Compute(ds, opt)
	if err != nil {
		writeProblem(w, r, newProblem(charter.CodeInvalidArgument, "from", "metrics-range", "%v", err))
		return
	}
	writeJSON(w, http.StatusOK, rep)
}
