package api

import (
	"context"
	"net/http"

	"github.com/charter-gov/charter/chaincode/reputation"
	charter "github.com/charter-gov/charter/gateway-client"
)

// Reputation, vouches and the governance token's ledger.

func (s *Server) AttestReputation(w http.ResponseWriter, r *http.Request, mspID MSPIDPath, memberID MemberIDPath) {
	fill := func(req *reputation.AttestRequest) { req.Recipient = memberOf(mspID, memberID) }
	prepareRequest(s, w, r, fill, func(ctx context.Context, as *charter.Client, req reputation.AttestRequest) error {
		_, err := as.Attest(ctx, req)
		return err
	})
}

func (s *Server) RevokeAttestation(w http.ResponseWriter, r *http.Request, mspID MSPIDPath, memberID MemberIDPath, attestationID AttestationIDPath) {
	fill := func(req *reputation.RevokeRequest) {
		req.AttestationRef = reputation.AttestationRef{Recipient: memberOf(mspID, memberID), AttestationID: attestationID}
	}
	prepareRequest(s, w, r, fill, func(ctx context.Context, as *charter.Client, req reputation.RevokeRequest) error {
		_, err := as.RevokeAttestation(ctx, req)
		return err
	})
}

func (s *Server) EndorseAttestation(w http.ResponseWriter, r *http.Request, mspID MSPIDPath, memberID MemberIDPath, attestationID AttestationIDPath) {
	fill := func(req *reputation.EndorseRequest) {
		req.AttestationRef = reputation.AttestationRef{Recipient: memberOf(mspID, memberID), AttestationID: attestationID}
	}
	prepareRequest(s, w, r, fill, func(ctx context.Context, as *charter.Client, req reputation.EndorseRequest) error {
		_, err := as.Endorse(ctx, req)
		return err
	})
}

func (s *Server) VouchForMember(w http.ResponseWriter, r *http.Request, mspID MSPIDPath, memberID MemberIDPath) {
	s.signerOnly(w, r, func(ctx context.Context, as *charter.Client) error {
		_, err := as.Vouch(ctx, memberOf(mspID, memberID))
		return err
	})
}

func (s *Server) RevokeVouch(w http.ResponseWriter, r *http.Request, mspID MSPIDPath, memberID MemberIDPath) {
	s.signerOnly(w, r, func(ctx context.Context, as *charter.Client) error {
		_, err := as.Unvouch(ctx, memberOf(mspID, memberID))
		return err
	})
}
