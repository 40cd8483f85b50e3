package api

import (
	"context"
	"fmt"
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

func (s *Server) GetArtifactAttestations(w http.ResponseWriter, r *http.Request, name ArtifactNamePath, version ArtifactVersionPath, _ GetArtifactAttestationsParams) {
	v, err := s.gw.ArtifactAttestations(r.Context(), artifact.Ref{Name: name, Version: version})
	one(w, r, v, err)
}

func (s *Server) GetArtifactLineage(w http.ResponseWriter, r *http.Request, name ArtifactNamePath, version ArtifactVersionPath, p GetArtifactLineageParams) {
	req := artifact.LineageRequest{Artifact: artifact.Ref{Name: name, Version: version}}
	if p.Direction != nil {
		req.Direction = string(*p.Direction)
	}
	if p.Depth != nil {
		req.MaxDepth = *p.Depth
	}
	if p.Limit != nil {
		req.Limit = *p.Limit
	}
	v, err := s.gw.ArtifactLineage(r.Context(), req)
	one(w, r, v, err)
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

func (s *Server) VerifyArtifact(w http.ResponseWriter, r *http.Request, name ArtifactNamePath, version ArtifactVersionPath, p VerifyArtifactParams) {
	ref := artifact.Ref{Name: name, Version: version}
	use := artifact.UseResearch
	if p.Use != nil {
		use = string(*p.Use)
	}
	out := ArtifactVerification{Artifact: ref, Use: use, SHA256: p.Sha256, Bytes: p.Size}
	st, err := s.gw.ArtifactStatus(r.Context(), ref)
	if charter.CodeOf(err) == charter.CodeNotFound {
		out.Reason = fmt.Sprintf("%s is not registered", ref)
		writeJSON(w, http.StatusOK, out)
		return
	}
	if err != nil {
		writeProblem(w, r, err)
		return
	}
	out.Registered, out.Status = true, st
	out.Matches = p.Sha256 == st.Artifact.SHA256
	out.SizeOK = p.Size == st.Artifact.Size
	ok, why, err := st.Usable(use)
	if err != nil {
		writeProblem(w, r, newProblem(charter.CodeInvalidArgument, "use", "artifact-use", "%v", err))
		return
	}
	out.Released, out.Reason = ok, why
	switch {
	case !out.Matches:
		out.Reason = fmt.Sprintf("digest mismatch: the file's SHA-256 is %s, %s registered %s", p.Sha256, ref, st.Artifact.SHA256)
	case !out.SizeOK:
		out.Reason = fmt.Sprintf("size mismatch: the file has %d bytes, %s registered %d", p.Size, ref, st.Artifact.Size)
	default:
		out.OK = ok
	}
	writeJSON(w, http.StatusOK, out)
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

func (s *Server) ListGuardianIncidents(w http.ResponseWriter, r *http.Request, p ListGuardianIncidentsParams) {
	paged(s, w, r, "guardian-incidents", p.Cursor, func(bm string) ([]emergency.Incident, string, error) {
		pg, err := s.gw.GuardianIncidents(r.Context(), limitOf(p.Limit), bm)
		if err != nil {
			return nil, "", err
		}
		return pg.Incidents, pg.Bookmark, nil
	})
}

func (s *Server) FileIncident(w http.ResponseWriter, r *http.Request) {
	prepareRequest(s, w, r, nil, func(ctx context.Context, as *charter.Client, req incident.FileRequest) error {
		_, err := as.FileIncident(ctx, req)
		return err
	})
}

func (s *Server) GetIncident(w http.ResponseWriter, r *http.Request, id ID, _ GetIncidentParams) {
	v, err := s.gw.Incident(r.Context(), id)
	one(w, r, v, err)
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
