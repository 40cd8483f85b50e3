package api

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"io"
	"net/http"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/genesis"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/membership"
	charter "github.com/charter-gov/charter/gateway-client"
	"github.com/charter-gov/charter/internal/genesisdraft"
)

// Endpoints of CLI operations that are not chaincode transactions:
// whoami and the genesis draft.

// Whoami answers whose identity a request is: with mutual TLS the
// caller's verified certificate (its identity under the MSP the caller
// names, organisation admin by its certificate's OU as the chaincode
// decides it, and its member record), without it the server's own read
// identity (member:Whoami evaluated as the server), marked `server`.
func (s *Server) Whoami(w http.ResponseWriter, r *http.Request, p WhoamiParams) {
	caller := mtlsCaller(r)
	if caller == nil {
		if p.MspId != nil {
			writeProblem(w, r, newProblem(charter.CodeInvalidArgument, "mspId", "mtls-only",
				"mspId names the organisation of a mutual-TLS client certificate; this connection has none, so the answer is the server's own identity"))
			return
		}
		v, err := s.gw.Whoami(r.Context())
		if err != nil {
			writeProblem(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, whoamiOf(WhoamiSourceServer, v))
		return
	}
	if p.MspId == nil {
		writeProblem(w, r, newProblem(charter.CodeInvalidArgument, "mspId", "required-with-mtls",
			"name your organisation's MSP ID (?mspId=): a client certificate alone does not name it"))
		return
	}
	cert, err := x509.ParseCertificate(caller)
	if err != nil { // verified by the TLS handshake: cannot happen
		writeProblem(w, r, err)
		return
	}
	id := identity.FromCert(*p.MspId, cert)
	v := &membership.WhoAmI{Identity: id, OrgAdmin: identity.IsOrgAdmin(cert)}
	m, err := s.gw.Member(r.Context(), id)
	switch {
	case err == nil:
		v.Member = m
	case charter.CodeOf(err) == charter.CodeNotFound:
	default:
		writeProblem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, whoamiOf(WhoamiSourceMTLS, v))
}

func whoamiOf(source WhoamiSource, v *membership.WhoAmI) map[string]any {
	out := map[string]any{"source": source, "identity": v.Identity, "orgAdmin": v.OrgAdmin}
	if v.Member != nil {
		out["member"] = v.Member
	}
	return out
}

// DraftGenesis builds a genesis document as `charter genesis draft` does
// (package genesisdraft), from members named by identity rather than by
// local profile. Nothing is sent or stored.
func (s *Server) DraftGenesis(w http.ResponseWriter, r *http.Request) {
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		writeProblem(w, r, newProblem(charter.CodeInvalidArgument, "body", "json", "request body: %v", err))
		return
	}
	var b struct {
		Founders             []string                    `json:"founders"`
		Members              []membership.FoundingMember `json:"members"`
		Allocations          []genesis.Allocation        `json:"allocations"`
		Constitution         json.RawMessage             `json:"constitution"`
		PeriodsSeconds       int64                       `json:"periodsSeconds"`
		PeriodsFor           []string                    `json:"periodsFor"`
		ClockSkewSeconds     int64                       `json:"clockSkewSeconds"`
		TreasuryDelaySeconds *int64                      `json:"treasuryDelaySeconds"`
	}
	if err := json.Unmarshal(raw, &b); err != nil {
		writeProblem(w, r, newProblem(charter.CodeInvalidArgument, "body", "json", "request body: %v", err))
		return
	}
	o := genesisdraft.Options{Founders: b.Founders, Members: b.Members, Allocations: b.Allocations,
		PeriodsSec: b.PeriodsSeconds, PeriodsFor: b.PeriodsFor, ClockSkewSec: b.ClockSkewSeconds, TreasuryDelaySec: b.TreasuryDelaySeconds}
	if len(b.Constitution) > 0 {
		dec := json.NewDecoder(bytes.NewReader(b.Constitution))
		dec.DisallowUnknownFields()
		var d constitution.Document
		if err := dec.Decode(&d); err != nil {
			writeProblem(w, r, newProblem(charter.CodeInvalidArgument, "/constitution", "constitution-document", "not a constitution document: %v", err))
			return
		}
		o.Constitution = &d
	}
	hash, g, err := genesisdraft.Draft(o)
	if err != nil {
		p := problemOf(err)
		if field, _ := errcode.FieldOf(err); field == "periodsFor" {
			p.Field = "/periodsFor"
		}
		writeProblem(w, r, p)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"hash": hash, "genesis": g})
}
