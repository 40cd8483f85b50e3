package api

import (
	"context"
	"net/http"

	"github.com/charter-gov/charter/chaincode/ballot"
	"github.com/charter-gov/charter/chaincode/coi"
	"github.com/charter-gov/charter/chaincode/decision"
	"github.com/charter-gov/charter/chaincode/identity"
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

func (s *Server) ListDecisionAppellants(w http.ResponseWriter, r *http.Request, id ID, _ ListDecisionAppellantsParams) {
	v, err := s.gw.Appellants(r.Context(), id)
	list(s, w, r, v, err)
}

func (s *Server) DiscloseConflict(w http.ResponseWriter, r *http.Request) {
	prepareRequest(s, w, r, nil, func(ctx context.Context, as *charter.Client, req coi.DiscloseRequest) error {
		_, err := as.DiscloseConflict(ctx, req)
		return err
	})
}

func (s *Server) ListConflicts(w http.ResponseWriter, r *http.Request, p ListConflictsParams) {
	q := coi.ListRequest{PageSize: limitOf(p.Limit)}
	bySubject := p.SubjectKind != nil || p.SubjectId != nil
	byMember := p.MspId != nil || p.MemberId != nil
	switch {
	case bySubject && byMember:
		writeProblem(w, r, newProblem(charter.CodeInvalidArgument, "subjectKind", "subject-or-member", "list by a subject (subjectKind, subjectId) or by a member (mspId, memberId), not both"))
		return
	case bySubject:
		if p.SubjectKind == nil || p.SubjectId == nil {
			writeProblem(w, r, newProblem(charter.CodeInvalidArgument, "subjectId", "subject-kind-and-id", "a subject needs both subjectKind and subjectId"))
			return
		}
		q.Subject = &coi.Subject{Kind: coi.Kind(*p.SubjectKind), ID: *p.SubjectId}
	case byMember:
		if p.MspId == nil || p.MemberId == nil {
			writeProblem(w, r, newProblem(charter.CodeInvalidArgument, "memberId", "member-msp-and-id", "a member needs both mspId and memberId"))
			return
		}
		q.Member = &identity.Identity{MSPID: *p.MspId, ID: *p.MemberId}
	default:
		writeProblem(w, r, newProblem(charter.CodeInvalidArgument, "subjectKind", "subject-or-member", "name a subject (subjectKind, subjectId) or a member (mspId, memberId)"))
		return
	}
	if p.Kind != nil {
		q.Kind = coi.Kind(*p.Kind)
	}
	var listing string
	if q.Subject != nil {
		listing = "conflicts:subject:" + q.Subject.String() + ":" + string(q.Kind)
	} else {
		listing = "conflicts:member:" + q.Member.MSPID + ":" + q.Member.ID + ":" + string(q.Kind)
	}
	paged(s, w, r, listing, p.Cursor, func(bm string) ([]coi.Disclosure, string, error) {
		q.Bookmark = bm
		pg, err := s.gw.ConflictsPage(r.Context(), q)
		if err != nil {
			return nil, "", err
		}
		return pg.Disclosures, pg.Bookmark, nil
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

func (s *Server) ListPauseSupports(w http.ResponseWriter, r *http.Request, id ID, _ ListPauseSupportsParams) {
	v, err := s.gw.PauseSupports(r.Context(), id)
	list(s, w, r, v, err)
}
