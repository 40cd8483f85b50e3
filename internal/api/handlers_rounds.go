package api

// The funding-round manager's endpoints: open a round, accept projects,
// close it in pages, propose the payout of its matches, and its results
// as CSV. Every write is prepared for the member's own signature (201
// with a signing session), as the rest of the API's writes; the member
// endorses and submits it through /v1/signing.

import (
	"context"
	"net/http"

	"github.com/charter-gov/charter/chaincode/funding"
	"github.com/charter-gov/charter/chaincode/round"
	charter "github.com/charter-gov/charter/gateway-client"
)

// OpenRound prepares round:Open (a grants administrator).
func (s *Server) OpenRound(w http.ResponseWriter, r *http.Request) {
	var b RoundOpenBody
	if err := decodeBody(r, &b); err != nil {
		writeProblem(w, r, err)
		return
	}
	if !b.ClosesAt.After(b.OpensAt) {
		writeProblem(w, r, newProblem(charter.CodeInvalidArgument, "/closesAt", "window", "closesAt %s is not after opensAt %s: a round's window must have a length", b.ClosesAt.Format(timeLayout), b.OpensAt.Format(timeLayout)))
		return
	}
	req := round.OpenRequest{
		Title: b.Title, Description: deref(b.Description), Pool: b.Pool, BudgetDecision: b.BudgetDecision,
		OpensAt: b.OpensAt.UTC(), ClosesAt: b.ClosesAt.UTC(),
		Rule: funding.Rule{Kind: funding.Kind(b.Rule.Kind)},
	}
	for _, c := range b.Categories {
		req.Categories = append(req.Categories, round.Category(c))
	}
	if b.Rule.CapBps != nil {
		req.Rule.CapBps = *b.Rule.CapBps
	}
	if b.Rule.PairwiseM != nil {
		req.Rule.PairwiseM = *b.Rule.PairwiseM
	}
	s.prepare(w, r, b.Signer, func(ctx context.Context, as *charter.Client) error {
		_, err := as.OpenRound(ctx, req)
		return err
	})
}

// timeLayout is how the round handlers name times in problems.
const timeLayout = "2006-01-02T15:04:05Z07:00"

// roundExists answers a problem (and false) when the round is unknown, so
// a manager action on a mistyped round is refused before anything is
// prepared or signed.
func (s *Server) roundExists(w http.ResponseWriter, r *http.Request, id string) bool {
	if _, err := s.gw.Round(r.Context(), id); err != nil {
		writeProblem(w, r, err)
		return false
	}
	return true
}

// AcceptProject prepares round:Accept (a grants administrator who did not
// apply for the project).
func (s *Server) AcceptProject(w http.ResponseWriter, r *http.Request, id ID) {
	var b AcceptanceBody
	if err := decodeBody(r, &b); err != nil {
		writeProblem(w, r, err)
		return
	}
	if !s.roundExists(w, r, id) {
		return
	}
	req := round.AcceptRequest{Round: id, Project: b.Project}
	s.prepare(w, r, b.Signer, func(ctx context.Context, as *charter.Client) error {
		_, err := as.AcceptProject(ctx, req)
		return err
	})
}

// CloseRoundPage prepares one page of round:Close (anyone, once the
// window is over by the skew). The endorse answer carries the page's
// progress; the caller prepares pages until it says done, as
// charter round close does.
func (s *Server) CloseRoundPage(w http.ResponseWriter, r *http.Request, id ID) {
	var b ClosePageBody
	if err := decodeBody(r, &b); err != nil {
		writeProblem(w, r, err)
		return
	}
	pageSize := 0
	if b.PageSize != nil {
		pageSize = *b.PageSize
	}
	if !s.roundExists(w, r, id) {
		return
	}
	s.prepare(w, r, b.Signer, func(ctx context.Context, as *charter.Client) error {
		_, err := as.CloseRoundPage(ctx, id, pageSize)
		return err
	})
}

// PayRound prepares round:Pay: the treasury spend of a closed round's
// matches (a grants administrator or treasurer, once).
func (s *Server) PayRound(w http.ResponseWriter, r *http.Request, id ID) {
	var b SignerOnlyBody
	if err := decodeBody(r, &b); err != nil {
		writeProblem(w, r, err)
		return
	}
	if !s.roundExists(w, r, id) {
		return
	}
	s.prepare(w, r, b.Signer, func(ctx context.Context, as *charter.Client) error {
		_, err := as.PayRound(ctx, id)
		return err
	})
}

// safeFilename keeps a round ID's filename characters (the ID pattern
// allows only these and ".:@-"; ":" and "@" become "_").
func safeFilename(id string) string {
	b := []byte(id)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_') {
			b[i] = '_'
		}
	}
	return string(b)
}
