package api

import (
	"context"
	"net/http"

	"github.com/charter-gov/charter/chaincode/artifact"
	"github.com/charter-gov/charter/chaincode/emergency"
	"github.com/charter-gov/charter/chaincode/incident"
	charter "github.com/charter-gov/charter/gateway-client"
)

// The artifact registry, guardians' disclosures and the incident register.
// Promotions and takedowns are decisions (release_stage,
// dataset_takedown): POST /v1/decisions.

func (s *Server) RegisterArtifact(w http.ResponseWriter, r *http.Request) {
	prepareRequest(s, w, r, nil, func(ctx context.Context, as *charter.Client, req artifact.RegisterRequest) error {
		_, err := as.RegisterArtifact(ctx, req)
		return err
	})
}

func (s *Server) AttestArtifact(w http.ResponseWriter, r *http.Request, name ArtifactNamePath, version ArtifactVersionPath) {
	fill := func(req *artifact.AttestRequest) { req.Artifact = artifact.Ref{Name: name, Version: version} }
	prepareRequest(s, w, r, fill, func(ctx context.Context, as *charter.Client, req artifact.AttestRequest) error {
		_, err := as.AttestArtifact(ctx, req)
		return err
	})
}

// ArtifactVerification is what GET …/verification answers: whether a file
// with the given SHA-256 and size is the registered version, released for
// the use now (the file itself stays with the caller).
type ArtifactVerification struct {
	Artifact   artifact.Ref     `json:"artifact"`
	Use        string           `json:"use"`
	SHA256     string           `json:"sha256"`
	Bytes      int64            `json:"bytes"`
	Registered bool             `json:"registered"`
	Matches    bool             `json:"matches"`
	SizeOK     bool             `json:"sizeMatches"`
	Released   bool             `json:"released"`
	OK         bool             `json:"ok"`
	Reason     string           `json:"reason"`
	Status     *artifact.Status `json:"status,omitempty"`
}

func (s *Server) DiscloseGuardianPause(w http.ResponseWriter, r *http.Request) {
	prepareRequest(s, w, r, nil, func(ctx context.Context, as *charter.Client, req emergency.DiscloseRequest) error {
		_, err := as.GuardianDisclose(ctx, req)
		return err
	})
}

func (s *Server) RecordMissedDisclosure(w http.ResponseWriter, r *http.Request) {
	type missedReq struct {
		Target emergency.Target `json:"target"`
		Seq    int64            `json:"seq"`
	}
	prepareRequest(s, w, r, nil, func(ctx context.Context, as *charter.Client, req missedReq) error {
		_, err := as.RecordMissedDisclosure(ctx, req.Target, req.Seq)
		return err
	})
}

func (s *Server) FileIncident(w http.ResponseWriter, r *http.Request) {
	prepareRequest(s, w, r, nil, func(ctx context.Context, as *charter.Client, req incident.FileRequest) error {
		_, err := as.FileIncident(ctx, req)
		return err
	})
}

func (s *Server) AttachPostMortem(w http.ResponseWriter, r *http.Request, id ID) {
	prepareRequest(s, w, r, func(req *incident.PostMortemRequest) { req.ID = id }, func(ctx context.Context, as *charter.Client, req incident.PostMortemRequest) error {
		_, err := as.AttachPostMortem(ctx, req)
		return err
	})
}

func (s *Server) RecordFailedExecution(w http.ResponseWriter, r *http.Request, id ID) {
	s.signerOnly(w, r, func(ctx context.Context, as *charter.Client) error {
		_, err := as.RecordFailedExecution(ctx, id)
		return err
	})
}

// ExportArtifactInToto answers a version's attestations as in-toto
// Statements in JSON Lines, written by the same code as `charter artifact
// export` (charter.ArtifactAttestations.WriteInToto).
func (s *Server) ExportArtifactInToto(w http.ResponseWriter, r *http.Request, name ArtifactNamePath, version ArtifactVersionPath, _ ExportArtifactInTotoParams) {
	v, err := s.gw.ArtifactAttestations(r.Context(), artifact.Ref{Name: name, Version: version})
	if err != nil {
		writeProblem(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.WriteHeader(http.StatusOK)
	_ = v.WriteInToto(w)
}
