package api

import (
	"context"
	"net/http"

	"github.com/charter-gov/charter/chaincode/genesis"
	"github.com/charter-gov/charter/chaincode/membership"
	charter "github.com/charter-gov/charter/gateway-client"
)

// Members by their organisation's admins, the genesis and chaincode
// upgrades' sign-offs.

func (s *Server) RegisterMember(w http.ResponseWriter, r *http.Request) {
	prepareRequest(s, w, r, nil, func(ctx context.Context, as *charter.Client, req membership.RegisterRequest) error {
		_, err := as.RegisterMember(ctx, req)
		return err
	})
}

func (s *Server) UpdateMember(w http.ResponseWriter, r *http.Request, mspID MSPIDPath, memberID MemberIDPath) {
	fill := func(req *membership.UpdateRequest) { req.Member = memberOf(mspID, memberID) }
	prepareRequest(s, w, r, fill, func(ctx context.Context, as *charter.Client, req membership.UpdateRequest) error {
		_, err := as.UpdateMember(ctx, req)
		return err
	})
}

func (s *Server) RemoveMember(w http.ResponseWriter, r *http.Request, mspID MSPIDPath, memberID MemberIDPath) {
	fill := func(req *membership.RemoveRequest) { req.Member = memberOf(mspID, memberID) }
	prepareRequest(s, w, r, fill, func(ctx context.Context, as *charter.Client, req membership.RemoveRequest) error {
		_, err := as.RemoveMember(ctx, req)
		return err
	})
}

func (s *Server) ProposeGenesis(w http.ResponseWriter, r *http.Request) {
	type genesisReq struct {
		Genesis genesis.Genesis `json:"genesis"`
	}
	prepareRequest(s, w, r, nil, func(ctx context.Context, as *charter.Client, req genesisReq) error {
		_, err := as.ProposeGenesis(ctx, req.Genesis)
		return err
	})
}

func (s *Server) ApproveGenesis(w http.ResponseWriter, r *http.Request) {
	type approveReq struct {
		Hash string `json:"hash"`
	}
	prepareRequest(s, w, r, nil, func(ctx context.Context, as *charter.Client, req approveReq) error {
		_, err := as.ApproveGenesis(ctx, req.Hash)
		return err
	})
}

func (s *Server) GetBuild(w http.ResponseWriter, r *http.Request, _ GetBuildParams) {
	v, err := s.gw.Build(r.Context())
	one(w, r, v, err)
}

func (s *Server) SignOffUpgrade(w http.ResponseWriter, r *http.Request, sequence Sequence) {
	type signOffReq struct {
		Digest string `json:"digest"`
	}
	prepareRequest(s, w, r, nil, func(ctx context.Context, as *charter.Client, req signOffReq) error {
		_, err := as.SignOffUpgrade(ctx, sequence, req.Digest)
		return err
	})
}
