package api

import (
	"fmt"
	"net/http"
	"time"

	"github.com/charter-gov/charter/chaincode/artifact"
	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/contribution"
	"github.com/charter-gov/charter/chaincode/emergency"
	"github.com/charter-gov/charter/chaincode/reputation"
	"github.com/charter-gov/charter/chaincode/round"
	"github.com/charter-gov/charter/chaincode/token"
	"github.com/charter-gov/charter/chaincode/treasury"
	charter "github.com/charter-gov/charter/gateway-client"
)

// The reads of funding rounds, the artifact registry and guardian
// pauses, the treasury, the governance token, reputation and the
// constitution, served from the event-fed index like ballots (indexed.go):
// one snapshot per answer, Charter-Block-Height (and a list's
// blockHeight) the height it reflects, ?waitFor=TXID honoured by the
// fresh middleware before the read.

// ---- funding rounds ----

func (s *Server) GetRound(w http.ResponseWriter, r *http.Request, id ID, _ GetRoundParams) {
	indexedGet(s, w, r, func() (*round.Round, uint64, error) { return s.idx.Round(id) })
}

func (s *Server) ListRoundProjects(w http.ResponseWriter, r *http.Request, id ID, p ListRoundProjectsParams) {
	indexedList(s, w, r, "round-projects:"+id, p.Cursor, func(bm string) ([]round.Project, string, uint64, error) {
		return pageOf(func(pg *round.ProjectPage) ([]round.Project, string) { return pg.Projects, pg.Bookmark })(s.idx.RoundProjects(id, limitOf(p.Limit), bm))
	})
}

func (s *Server) GetRoundEstimate(w http.ResponseWriter, r *http.Request, id ID, _ GetRoundEstimateParams) {
	indexedGet(s, w, r, func() (*round.Estimate, uint64, error) { return s.idx.RoundEstimate(id) })
}

func (s *Server) GetRoundResults(w http.ResponseWriter, r *http.Request, id ID, _ GetRoundResultsParams) {
	indexedGet(s, w, r, func() (*round.Results, uint64, error) { return s.idx.RoundResults(id) })
}

// GetRoundResultsCSV answers a closed round's results as CSV (round.CSV,
// the CLI's --csv).
func (s *Server) GetRoundResultsCSV(w http.ResponseWriter, r *http.Request, id ID, _ GetRoundResultsCSVParams) {
	if !s.fromIndex(w, r) {
		return
	}
	res, h, err := s.idx.RoundResults(id)
	if err != nil {
		writeProblem(w, r, err)
		return
	}
	out, err := round.CSV(res)
	if err != nil {
		writeProblem(w, r, err)
		return
	}
	stampHeight(w, h)
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="round-`+safeFilename(id)+`-results.csv"`)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(out))
}

// ---- the artifact registry and guardian pauses ----

func (s *Server) ListArtifacts(w http.ResponseWriter, r *http.Request, p ListArtifactsParams) {
	req := artifact.ListRequest{Limit: limitOf(p.Limit)}
	if p.Name != nil {
		req.Name = *p.Name
	}
	indexedList(s, w, r, "artifacts:"+req.Name, p.Cursor, func(bm string) ([]artifact.Artifact, string, uint64, error) {
		req.Bookmark = bm
		return pageOf(func(pg *artifact.ListPage) ([]artifact.Artifact, string) { return pg.Artifacts, pg.Bookmark })(s.idx.Artifacts(req))
	})
}

func (s *Server) GetArtifact(w http.ResponseWriter, r *http.Request, name string, version string, _ GetArtifactParams) {
	indexedGet(s, w, r, func() (*artifact.Status, uint64, error) {
		return s.idx.ArtifactStatus(s.opts.Now(), artifact.Ref{Name: name, Version: version})
	})
}

func (s *Server) GetArtifactAttestations(w http.ResponseWriter, r *http.Request, name ArtifactNamePath, version ArtifactVersionPath, _ GetArtifactAttestationsParams) {
	indexedGet(s, w, r, func() (*charter.ArtifactAttestations, uint64, error) {
		return s.idx.ArtifactAttestations(artifact.Ref{Name: name, Version: version})
	})
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
	indexedGet(s, w, r, func() (*artifact.Lineage, uint64, error) { return s.idx.ArtifactLineage(req) })
}

// VerifyArtifact answers an ArtifactVerification (handlers_registry.go)
// from the index.
func (s *Server) VerifyArtifact(w http.ResponseWriter, r *http.Request, name ArtifactNamePath, version ArtifactVersionPath, p VerifyArtifactParams) {
	ref := artifact.Ref{Name: name, Version: version}
	use := artifact.UseResearch
	if p.Use != nil {
		use = string(*p.Use)
	}
	out := ArtifactVerification{Artifact: ref, Use: use, SHA256: p.Sha256, Bytes: p.Size}
	if !s.fromIndex(w, r) {
		return
	}
	st, h, err := s.idx.ArtifactStatus(s.opts.Now(), ref)
	if charter.CodeOf(err) == charter.CodeNotFound {
		out.Reason = fmt.Sprintf("%s is not registered", ref)
		stampHeight(w, h)
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
	stampHeight(w, h)
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) GetGuardianStatus(w http.ResponseWriter, r *http.Request, p GetGuardianStatusParams) {
	indexedGet(s, w, r, func() (*emergency.Status, uint64, error) {
		return s.idx.GuardianStatus(s.opts.Now(), emergency.Target{Kind: emergency.Kind(p.Kind), ID: p.Target})
	})
}

func (s *Server) ListGuardianIncidents(w http.ResponseWriter, r *http.Request, p ListGuardianIncidentsParams) {
	indexedList(s, w, r, "guardian-incidents", p.Cursor, func(bm string) ([]emergency.Incident, string, uint64, error) {
		return pageOf(func(pg *charter.IncidentPage) ([]emergency.Incident, string) { return pg.Incidents, pg.Bookmark })(s.idx.GuardianIncidents(limitOf(p.Limit), bm))
	})
}

// ---- the treasury ----

func (s *Server) ListTreasuryAccounts(w http.ResponseWriter, r *http.Request, _ ListTreasuryAccountsParams) {
	indexedItems(s, w, r, s.idx.TreasuryAccounts)
}

func (s *Server) ListTreasuryMovements(w http.ResponseWriter, r *http.Request, id ID, p ListTreasuryMovementsParams) {
	indexedList(s, w, r, "movements:"+id, p.Cursor, func(bm string) ([]treasury.Movement, string, uint64, error) {
		return pageOf(func(pg *treasury.MovementPage) ([]treasury.Movement, string) { return pg.Movements, pg.Bookmark })(s.idx.TreasuryMovements(id, limitOf(p.Limit), bm))
	})
}

func (s *Server) ListDeposits(w http.ResponseWriter, r *http.Request, p ListDepositsParams) {
	indexedList(s, w, r, "deposits", p.Cursor, func(bm string) ([]treasury.DepositRecord, string, uint64, error) {
		return pageOf(func(pg *treasury.DepositPage) ([]treasury.DepositRecord, string) { return pg.Deposits, pg.Bookmark })(s.idx.TreasuryDeposits(time.Now().UTC(), limitOf(p.Limit), bm))
	})
}

func (s *Server) GetDeposit(w http.ResponseWriter, r *http.Request, id ID, _ GetDepositParams) {
	indexedGet(s, w, r, func() (*treasury.DepositRecord, uint64, error) { return s.idx.TreasuryDeposit(id, time.Now().UTC()) })
}

func (s *Server) GetBudget(w http.ResponseWriter, r *http.Request, id ID, _ GetBudgetParams) {
	indexedGet(s, w, r, func() (*treasury.Budget, uint64, error) { return s.idx.TreasuryBudget(id) })
}

func (s *Server) GetSpend(w http.ResponseWriter, r *http.Request, id ID, _ GetSpendParams) {
	indexedGet(s, w, r, func() (*treasury.Spend, uint64, error) { return s.idx.Spend(id) })
}

func (s *Server) ListSpends(w http.ResponseWriter, r *http.Request, p ListSpendsParams) {
	if p.Source != nil {
		// One source's spends are few (a round's payout, …): one page.
		src := *p.Source
		indexedList(s, w, r, "spends-of:"+src, p.Cursor, func(string) ([]treasury.Spend, string, uint64, error) {
			v, h, err := s.idx.SpendsBySource(src)
			return v, "", h, err
		})
		return
	}
	indexedList(s, w, r, "spends", p.Cursor, func(bm string) ([]treasury.Spend, string, uint64, error) {
		return pageOf(func(pg *treasury.SpendPage) ([]treasury.Spend, string) { return pg.Spends, pg.Bookmark })(s.idx.Spends(limitOf(p.Limit), bm))
	})
}

func (s *Server) ListSpendApprovals(w http.ResponseWriter, r *http.Request, id ID, _ ListSpendApprovalsParams) {
	indexedItems(s, w, r, func() ([]treasury.Approval, uint64, error) { return s.idx.SpendApprovals(id) })
}

func (s *Server) GetTreasuryUsage(w http.ResponseWriter, r *http.Request, id ID, p GetTreasuryUsageParams) {
	at := s.opts.Now()
	if p.At != nil {
		at = *p.At
	}
	indexedGet(s, w, r, func() (*treasury.PeriodUsage, uint64, error) { return s.idx.TreasuryUsage(id, at) })
}

// ---- the governance token ----

func (s *Server) GetMemberBalance(w http.ResponseWriter, r *http.Request, mspID MSPIDPath, memberID MemberIDPath, p GetMemberBalanceParams) {
	id := memberOf(mspID, memberID)
	indexedGet(s, w, r, func() (*charter.Balance, uint64, error) {
		if p.At != nil {
			return s.idx.BalanceAt(id, p.At.UTC())
		}
		return s.idx.Balance(id)
	})
}

func (s *Server) GetTokenSupply(w http.ResponseWriter, r *http.Request, _ GetTokenSupplyParams) {
	indexedGet(s, w, r, func() (Supply, uint64, error) {
		n, h, err := s.idx.Supply()
		return Supply{Supply: n}, h, err
	})
}

func (s *Server) GetTokenHistory(w http.ResponseWriter, r *http.Request, mspID MSPIDPath, memberID MemberIDPath, p GetTokenHistoryParams) {
	indexedItems(s, w, r, func() ([]token.Checkpoint, uint64, error) {
		return s.idx.TokenHistory(memberOf(mspID, memberID), limitOf(p.Limit))
	})
}

func (s *Server) ListTokenAccounts(w http.ResponseWriter, r *http.Request, p ListTokenAccountsParams) {
	msp := ""
	if p.MspId != nil {
		msp = *p.MspId
	}
	indexedList(s, w, r, "token-accounts:"+msp, p.Cursor, func(bm string) ([]token.Account, string, uint64, error) {
		return pageOf(func(pg *token.AccountPage) ([]token.Account, string) { return pg.Accounts, pg.Bookmark })(s.idx.TokenAccounts(msp, limitOf(p.Limit), bm))
	})
}

// ---- reputation ----

func (s *Server) GetMemberReputation(w http.ResponseWriter, r *http.Request, mspID MSPIDPath, memberID MemberIDPath, p GetMemberReputationParams) {
	var at time.Time
	if p.At != nil {
		at = p.At.UTC()
	}
	var cats []contribution.Category
	if p.Categories != nil {
		for _, c := range *p.Categories {
			cats = append(cats, contribution.Category(c))
		}
	}
	indexedGet(s, w, r, func() (*reputation.ScoreReport, uint64, error) {
		return s.idx.Score(s.opts.Now(), memberOf(mspID, memberID), at, cats)
	})
}

func (s *Server) GetReputationHistory(w http.ResponseWriter, r *http.Request, mspID MSPIDPath, memberID MemberIDPath, _ GetReputationHistoryParams) {
	indexedGet(s, w, r, func() (*reputation.History, uint64, error) {
		return s.idx.ReputationHistory(memberOf(mspID, memberID))
	})
}

func (s *Server) GetMemberEligibility(w http.ResponseWriter, r *http.Request, mspID MSPIDPath, memberID MemberIDPath, _ GetMemberEligibilityParams) {
	indexedGet(s, w, r, func() (*reputation.EligibilityReport, uint64, error) {
		return s.idx.Eligibility(s.opts.Now(), memberOf(mspID, memberID), time.Time{})
	})
}

func (s *Server) ListEligibleMembers(w http.ResponseWriter, r *http.Request, p ListEligibleMembersParams) {
	msp := ""
	if p.MspId != nil {
		msp = *p.MspId
	}
	var at time.Time // zero: now, by the server's clock
	listing := "eligibility:" + msp + ":"
	if p.At != nil {
		at = p.At.UTC()
		listing += at.Format(time.RFC3339Nano)
	}
	indexedList(s, w, r, listing, p.Cursor, func(bm string) ([]reputation.EligibilityReport, string, uint64, error) {
		return pageOf(func(pg *reputation.EligibilityPage) ([]reputation.EligibilityReport, string) {
			return pg.Reports, pg.Bookmark
		})(s.idx.EligibleMembers(s.opts.Now(), msp, at, limitOf(p.Limit), bm))
	})
}

// ---- the constitution ----

func (s *Server) GetConstitution(w http.ResponseWriter, r *http.Request, _ GetConstitutionParams) {
	indexedGet(s, w, r, s.idx.Constitution)
}

func (s *Server) GetConstitutionVersion(w http.ResponseWriter, r *http.Request, version int64, _ GetConstitutionVersionParams) {
	indexedGet(s, w, r, func() (*constitution.Version, uint64, error) { return s.idx.ConstitutionVersion(version) })
}

func (s *Server) ListConstitutionVersions(w http.ResponseWriter, r *http.Request, _ ListConstitutionVersionsParams) {
	indexedItems(s, w, r, s.idx.ConstitutionHistory)
}

func (s *Server) GetConstitutionDiff(w http.ResponseWriter, r *http.Request, p GetConstitutionDiffParams) {
	indexedItems(s, w, r, func() ([]constitution.Change, uint64, error) { return s.idx.ConstitutionDiff(p.From, p.To) })
}
