package api

import (
	"context"
	"net/http"
	"time"

	"github.com/charter-gov/charter/chaincode/delegation"
	"github.com/charter-gov/charter/chaincode/reputation"
	charter "github.com/charter-gov/charter/gateway-client"
)

// Delegate statements, the constitution's versions and the eligibility
// listing.

func (s *Server) SetDelegateStatement(w http.ResponseWriter, r *http.Request) {
	prepareRequest(s, w, r, nil, func(ctx context.Context, as *charter.Client, req delegation.StatementRequest) error {
		_, err := as.SetDelegateStatement(ctx, req.Text)
		return err
	})
}

func (s *Server) GetDelegateStatement(w http.ResponseWriter, r *http.Request, mspID MSPIDPath, memberID MemberIDPath, _ GetDelegateStatementParams) {
	v, err := s.gw.DelegateStatement(r.Context(), memberOf(mspID, memberID))
	one(w, r, v, err)
}

func (s *Server) GetConstitutionVersion(w http.ResponseWriter, r *http.Request, version int64, _ GetConstitutionVersionParams) {
	v, err := s.gw.ConstitutionVersion(r.Context(), version)
	one(w, r, v, err)
}

func (s *Server) GetDefaultConstitution(w http.ResponseWriter, r *http.Request, _ GetDefaultConstitutionParams) {
	v, err := s.gw.DefaultConstitution(r.Context())
	one(w, r, v, err)
}

func (s *Server) GetConstitutionDiff(w http.ResponseWriter, r *http.Request, p GetConstitutionDiffParams) {
	v, err := s.gw.ConstitutionDiff(r.Context(), p.From, p.To)
	list(s, w, r, v, err)
}

func (s *Server) ListEligibleMembers(w http.ResponseWriter, r *http.Request, p ListEligibleMembersParams) {
	msp := ""
	if p.MspId != nil {
		msp = *p.MspId
	}
	var at time.Time // zero: now, by the chaincode's clock
	listing := "eligibility:" + msp + ":"
	if p.At != nil {
		at = p.At.UTC()
		listing += at.Format(time.RFC3339Nano)
	}
	paged(s, w, r, listing, p.Cursor, func(bm string) ([]reputation.EligibilityReport, string, error) {
		pg, err := s.gw.EligibleMembersPage(r.Context(), msp, at, limitOf(p.Limit), bm)
		if err != nil {
			return nil, "", err
		}
		return pg.Reports, pg.Bookmark, nil
	})
}
