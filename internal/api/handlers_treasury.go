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

func (s *Server) ListDeposits(w http.ResponseWriter, r *http.Request, p ListDepositsParams) {
	paged(s, w, r, "deposits", p.Cursor, func(bm string) ([]treasury.DepositRecord, string, error) {
		pg, err := s.gw.TreasuryDeposits(r.Context(), limitOf(p.Limit), bm)
		if err != nil {
			return nil, "", err
		}
		return pg.Deposits, pg.Bookmark, nil
	})
}

func (s *Server) GetDeposit(w http.ResponseWriter, r *http.Request, id ID, _ GetDepositParams) {
	v, err := s.gw.TreasuryDeposit(r.Context(), id)
	one(w, r, v, err)
}

func (s *Server) ProposeSpend(w http.ResponseWriter, r *http.Request) {
	prepareRequest(s, w, r, nil, func(ctx context.Context, as *charter.Client, req treasury.SpendRequest) error {
		_, err := as.ProposeSpend(ctx, req)
		return err
	})
}

func (s *Server) GetSpend(w http.ResponseWriter, r *http.Request, id ID, _ GetSpendParams) {
	v, err := s.gw.Spend(r.Context(), id)
	one(w, r, v, err)
}

func (s *Server) ListSpendApprovals(w http.ResponseWriter, r *http.Request, id ID, _ ListSpendApprovalsParams) {
	v, err := s.gw.SpendApprovals(r.Context(), id)
	list(s, w, r, v, err)
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

func (s *Server) GetBudget(w http.ResponseWriter, r *http.Request, id ID, _ GetBudgetParams) {
	v, err := s.gw.TreasuryBudget(r.Context(), id)
	one(w, r, v, err)
}

func (s *Server) GetTreasuryUsage(w http.ResponseWriter, r *http.Request, id ID, p GetTreasuryUsageParams) {
	at := s.opts.Now()
	if p.At != nil {
		at = *p.At
	}
	v, err := s.gw.TreasuryUsage(r.Context(), id, at)
	one(w, r, v, err)
}
