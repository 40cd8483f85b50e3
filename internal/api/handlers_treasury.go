package api

import (
	"context"
	"net/http"

	"github.com/charter-gov/charter/chaincode/treasury"
	charter "github.com/charter-gov/charter/gateway-client"
)

// The treasury: deposits and their confirmation, spends from proposal to
// execution or cancellation, budgets and period usage.

func (s *Server) DepositToTreasury(w http.ResponseWriter, r *http.Request) {
	prepareRequest(s, w, r, nil, func(ctx context.Context, as *charter.Client, req treasury.DepositRequest) error {
		_, err := as.Deposit(ctx, req)
		return err
	})
}

func (s *Server) ConfirmDeposit(w http.ResponseWriter, r *http.Request, id ID) {
	s.signerOnly(w, r, func(ctx context.Context, as *charter.Client) error {
		_, err := as.ConfirmDeposit(ctx, id)
		return err
	})
}

func (s *Server) ProposeSpend(w http.ResponseWriter, r *http.Request) {
	prepareRequest(s, w, r, nil, func(ctx context.Context, as *charter.Client, req treasury.SpendRequest) error {
		_, err := as.ProposeSpend(ctx, req)
		return err
	})
}

func (s *Server) ExecuteSpend(w http.ResponseWriter, r *http.Request, id ID) {
	s.signerOnly(w, r, func(ctx context.Context, as *charter.Client) error {
		_, err := as.ExecuteSpend(ctx, id)
		return err
	})
}

func (s *Server) CancelSpend(w http.ResponseWriter, r *http.Request, id ID) {
	prepareRequest(s, w, r, nil, func(ctx context.Context, as *charter.Client, req reasonReq) error {
		_, err := as.CancelSpend(ctx, id, req.Reason)
		return err
	})
}
