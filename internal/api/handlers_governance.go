package api

import (
	"context"
	"net/http"

	"github.com/charter-gov/charter/chaincode/ballot"
	"github.com/charter-gov/charter/chaincode/coi"
	"github.com/charter-gov/charter/chaincode/decision"
	charter "github.com/charter-gov/charter/gateway-client"
)

// Governance: decision proposals of every type, appeals, conflict-of-
// interest disclosures, polls and the ballot lifecycle after voting.

func (s *Server) ProposeDecision(w http.ResponseWriter, r *http.Request) {
	prepareRequest(s, w, r, nil, func(ctx context.Context, as *charter.Client, req decision.ProposeRequest) error {
		_, err := as.ProposeDecision(ctx, req)
		return err
	})
}

func (s *Server) AppealDecision(w http.ResponseWriter, r *http.Request, id ID) {
	prepareRequest(s, w, r, func(req *decision.AppealRequest) { req.Decision = id }, func(ctx context.Context, as *charter.Client, req decision.AppealRequest) error {
		_, err := as.AppealDecision(ctx, req)
		return err
	})
}

func (s *Server) DiscloseConflict(w http.ResponseWriter, r *http.Request) {
	prepareRequest(s, w, r, nil, func(ctx context.Context, as *charter.Client, req coi.DiscloseRequest) error {
		_, err := as.DiscloseConflict(ctx, req)
		return err
	})
}

func (s *Server) CreatePoll(w http.ResponseWriter, r *http.Request) {
	prepareRequest(s, w, r, func(req *ballot.CreateRequest) { req.Kind = ballot.KindPoll }, func(ctx context.Context, as *charter.Client, req ballot.CreateRequest) error {
		_, err := as.CreateBallot(ctx, req)
		return err
	})
}

// defaultTallyPage is the votes one tally transaction counts when the
// body names no page size (the CLI's default).
const defaultTallyPage = 200

func (s *Server) TallyBallot(w http.ResponseWriter, r *http.Request, id ID) {
	type tallyReq struct {
		PageSize int `json:"pageSize"`
	}
	prepareRequest(s, w, r, nil, func(ctx context.Context, as *charter.Client, req tallyReq) error {
		if req.PageSize == 0 {
			req.PageSize = defaultTallyPage
		}
		_, err := as.TallyPage(ctx, id, req.PageSize)
		return err
	})
}

func (s *Server) QueueBallot(w http.ResponseWriter, r *http.Request, id ID) {
	s.signerOnly(w, r, func(ctx context.Context, as *charter.Client) error {
		_, err := as.QueueBallot(ctx, id)
		return err
	})
}

func (s *Server) ExecuteBallot(w http.ResponseWriter, r *http.Request, id ID) {
	s.signerOnly(w, r, func(ctx context.Context, as *charter.Client) error {
		_, err := as.ExecuteBallot(ctx, id)
		return err
	})
}

func (s *Server) CancelPoll(w http.ResponseWriter, r *http.Request, id ID) {
	prepareRequest(s, w, r, func(req *ballot.CancelRequest) { req.Ballot = id }, func(ctx context.Context, as *charter.Client, req ballot.CancelRequest) error {
		_, err := as.CancelBallot(ctx, req)
		return err
	})
}

func (s *Server) PauseBallot(w http.ResponseWriter, r *http.Request, id ID) {
	prepareRequest(s, w, r, func(req *ballot.PauseRequest) { req.Ballot = id }, func(ctx context.Context, as *charter.Client, req ballot.PauseRequest) error {
		_, err := as.PauseBallot(ctx, req)
		return err
	})
}
