package api

import (
	"fmt"
	"net/http"
	"time"

	"github.com/charter-gov/charter/chaincode/ballot"
	"github.com/charter-gov/charter/chaincode/coi"
	"github.com/charter-gov/charter/chaincode/decision"
	"github.com/charter-gov/charter/chaincode/delegation"
	"github.com/charter-gov/charter/chaincode/genesis"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/incident"
	"github.com/charter-gov/charter/chaincode/upgrade"
	"github.com/charter-gov/charter/chaincode/vouch"
	charter "github.com/charter-gov/charter/gateway-client"
)

// The reads of delegations and delegate statements, vouches, conflicts of
// interest, guardians' pause supports, appellants, the incident register,
// the genesis and chaincode upgrades, served from the event-fed index like
// ballots (indexed.go): one snapshot per answer, Charter-Block-Height (and
// a list's blockHeight) the height it reflects, ?waitFor=TXID honoured by
// the fresh middleware before the read.

// ---- delegation ----

func (s *Server) ListMemberDelegations(w http.ResponseWriter, r *http.Request, mspID MSPIDPath, memberID MemberIDPath, _ ListMemberDelegationsParams) {
	indexedItems(s, w, r, func() ([]delegation.Version, uint64, error) {
		return s.idx.Delegations(s.opts.Now(), memberOf(mspID, memberID))
	})
}

func (s *Server) GetDelegateStatement(w http.ResponseWriter, r *http.Request, mspID MSPIDPath, memberID MemberIDPath, _ GetDelegateStatementParams) {
	indexedGet(s, w, r, func() (*delegation.Statement, uint64, error) {
		return s.idx.DelegateStatement(memberOf(mspID, memberID))
	})
}

// ---- safeguards ----

func (s *Server) ListVouches(w http.ResponseWriter, r *http.Request, mspID MSPIDPath, memberID MemberIDPath, _ ListVouchesParams) {
	indexedItems(s, w, r, func() ([]vouch.Vouch, uint64, error) { return s.idx.Vouches(memberOf(mspID, memberID)) })
}

func (s *Server) ListPauseSupports(w http.ResponseWriter, r *http.Request, id ID, _ ListPauseSupportsParams) {
	indexedItems(s, w, r, func() ([]ballot.PauseSupport, uint64, error) { return s.idx.PauseSupports(id) })
}

func (s *Server) ListDecisionAppellants(w http.ResponseWriter, r *http.Request, id ID, _ ListDecisionAppellantsParams) {
	indexedItems(s, w, r, func() ([]decision.Appellant, uint64, error) { return s.idx.Appellants(id) })
}

func (s *Server) ListConflicts(w http.ResponseWriter, r *http.Request, p ListConflictsParams) {
	q := coi.ListRequest{PageSize: limitOf(p.Limit)}
	bySubject := p.SubjectKind != nil || p.SubjectId != nil
	byMember := p.MspId != nil || p.MemberId != nil
	switch {
	case bySubject && byMember:
		writeProblem(w, r, newProblem(charter.CodeInvalidArgument, "subjectKind", "subject-or-member", "list by a subject (subjectKind, subjectId) or by a member (mspId, memberId), not both"))
		return
	case bySubject:
		if p.SubjectKind == nil || p.SubjectId == nil {
			writeProblem(w, r, newProblem(charter.CodeInvalidArgument, "subjectId", "subject-kind-and-id", "a subject needs both subjectKind and subjectId"))
			return
		}
		q.Subject = &coi.Subject{Kind: coi.Kind(*p.SubjectKind), ID: *p.SubjectId}
	case byMember:
		if p.MspId == nil || p.MemberId == nil {
			writeProblem(w, r, newProblem(charter.CodeInvalidArgument, "memberId", "member-msp-and-id", "a member needs both mspId and memberId"))
			return
		}
		q.Member = &identity.Identity{MSPID: *p.MspId, ID: *p.MemberId}
	default:
		writeProblem(w, r, newProblem(charter.CodeInvalidArgument, "subjectKind", "subject-or-member", "name a subject (subjectKind, subjectId) or a member (mspId, memberId)"))
		return
	}
	if p.Kind != nil {
		q.Kind = coi.Kind(*p.Kind)
	}
	var listing string
	if q.Subject != nil {
		listing = "conflicts:subject:" + q.Subject.String() + ":" + string(q.Kind)
	} else {
		listing = "conflicts:member:" + q.Member.MSPID + ":" + q.Member.ID + ":" + string(q.Kind)
	}
	indexedList(s, w, r, listing, p.Cursor, func(bm string) ([]coi.Disclosure, string, uint64, error) {
		q.Bookmark = bm
		return pageOf(func(pg *coi.ListPage) ([]coi.Disclosure, string) { return pg.Disclosures, pg.Bookmark })(s.idx.Conflicts(q))
	})
}

// ---- the incident register ----

func (s *Server) GetIncident(w http.ResponseWriter, r *http.Request, id ID, _ GetIncidentParams) {
	indexedGet(s, w, r, func() (*incident.Incident, uint64, error) { return s.idx.Incident(id) })
}

func (s *Server) ListIncidents(w http.ResponseWriter, r *http.Request, p ListIncidentsParams) {
	q := charter.IncidentQuery{PageSize: limitOf(p.Limit)}
	if p.Kind != nil {
		q.Kind = incident.Kind(*p.Kind)
	}
	if p.From != nil {
		q.From = p.From.UTC()
	}
	if p.To != nil {
		q.To = p.To.UTC()
	}
	listing := fmt.Sprintf("incidents:%s:%s:%s", q.Kind, q.From.Format(time.RFC3339Nano), q.To.Format(time.RFC3339Nano))
	indexedList(s, w, r, listing, p.Cursor, func(bm string) ([]incident.Incident, string, uint64, error) {
		q.Bookmark = bm
		return pageOf(func(pg *incident.ListPage) ([]incident.Incident, string) { return pg.Incidents, pg.Bookmark })(s.idx.Incidents(q))
	})
}

// ---- the founding act and chaincode upgrades ----

func (s *Server) GetGenesis(w http.ResponseWriter, r *http.Request, _ GetGenesisParams) {
	indexedGet(s, w, r, func() (*genesis.Status, uint64, error) { return s.idx.Genesis() })
}

func (s *Server) GetUpgradeStatus(w http.ResponseWriter, r *http.Request, sequence Sequence, p GetUpgradeStatusParams) {
	indexedGet(s, w, r, func() (*upgrade.Status, uint64, error) {
		if p.Digest != nil {
			return s.idx.CheckUpgrade(*p.Digest, sequence)
		}
		return s.idx.UpgradeStatus(sequence)
	})
}
