package api

import (
	"context"
	"net/http"

	"github.com/charter-gov/charter/chaincode/delegation"
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

func (s *Server) GetDefaultConstitution(w http.ResponseWriter, r *http.Request, _ GetDefaultConstitutionParams) {
	v, err := s.gw.DefaultConstitution(r.Context())
	one(w, r, v, err)
}
