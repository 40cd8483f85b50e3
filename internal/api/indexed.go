package api

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/charter-gov/charter/chaincode/ballot"
	"github.com/charter-gov/charter/chaincode/decision"
	"github.com/charter-gov/charter/chaincode/identity"
	charter "github.com/charter-gov/charter/gateway-client"
)

// The reads served from the event-fed index (internal/index): ballots,
// their results, decisions and members. Each answers from one consistent
// snapshot of the index and stamps Charter-Block-Height (and a list's
// blockHeight) with the height that snapshot reflects. Until the index
// has caught up with the ledger the server started against, they wait
// (at most --wait-timeout, then 503 index-catching-up).

// fromIndex waits for the index to catch up; false when it answered a
// problem.
func (s *Server) fromIndex(w http.ResponseWriter, r *http.Request) bool {
	if err := s.blocks.caughtUp(r.Context(), s.opts.WaitTimeout); err != nil {
		writeProblem(w, r, err)
		return false
	}
	return true
}

func stampHeight(w http.ResponseWriter, h uint64) {
	w.Header().Set(HeightHeader, strconv.FormatUint(h, 10))
}

// indexedPage answers one page of an index listing at height h.
func indexedPage[T any](w http.ResponseWriter, r *http.Request, listing string, vs []T, bookmark string, h uint64) {
	items, err := toItems(vs)
	if err != nil {
		writeProblem(w, r, err)
		return
	}
	stampHeight(w, h)
	writeJSON(w, http.StatusOK, Page{Items: items, NextCursor: encodeCursor(listing, bookmark), BlockHeight: int64(h)})
}

// indexedOne answers one index record at height h.
func indexedOne[T any](w http.ResponseWriter, r *http.Request, v T, h uint64, err error) {
	if err != nil {
		writeProblem(w, r, err)
		return
	}
	stampHeight(w, h)
	writeJSON(w, http.StatusOK, v)
}

func (s *Server) ListBallots(w http.ResponseWriter, r *http.Request, p ListBallotsParams) {
	st := ""
	if p.Status != nil {
		st = string(*p.Status)
	}
	listing := "ballots:" + st
	bm, err := decodeCursor(listing, p.Cursor)
	if err != nil {
		writeProblem(w, r, err)
		return
	}
	if !s.fromIndex(w, r) {
		return
	}
	pg, h, err := s.idx.BallotsPage(s.opts.Now(), ballot.Status(st), limitOf(p.Limit), bm)
	if err != nil {
		writeProblem(w, r, err)
		return
	}
	indexedPage(w, r, listing, pg.Ballots, pg.Bookmark, h)
}

func (s *Server) GetBallot(w http.ResponseWriter, r *http.Request, id ID, _ GetBallotParams) {
	if !s.fromIndex(w, r) {
		return
	}
	v, h, err := s.idx.Ballot(s.opts.Now(), id)
	indexedOne(w, r, v, h, err)
}

func (s *Server) GetBallotResults(w http.ResponseWriter, r *http.Request, id ID, _ GetBallotResultsParams) {
	if !s.fromIndex(w, r) {
		return
	}
	v, h, err := s.idx.BallotResults(s.opts.Now(), id)
	indexedOne(w, r, v, h, err)
}

func (s *Server) ListDecisions(w http.ResponseWriter, r *http.Request, p ListDecisionsParams) {
	st := ""
	if p.Status != nil {
		st = string(*p.Status)
	}
	listing := "decisions:" + st
	bm, err := decodeCursor(listing, p.Cursor)
	if err != nil {
		writeProblem(w, r, err)
		return
	}
	if !s.fromIndex(w, r) {
		return
	}
	pg, h, err := s.idx.DecisionsPage(decision.Status(st), limitOf(p.Limit), bm)
	if err != nil {
		writeProblem(w, r, err)
		return
	}
	indexedPage(w, r, listing, pg.Decisions, pg.Bookmark, h)
}

func (s *Server) GetDecision(w http.ResponseWriter, r *http.Request, id ID, _ GetDecisionParams) {
	if !s.fromIndex(w, r) {
		return
	}
	v, h, err := s.idx.Decision(id)
	indexedOne(w, r, v, h, err)
}

func (s *Server) ListMembers(w http.ResponseWriter, r *http.Request, p ListMembersParams) {
	q := charter.MemberQuery{PageSize: limitOf(p.Limit)}
	if p.MspId != nil {
		q.MSPID = *p.MspId
	}
	if p.IncludeRemoved != nil {
		q.IncludeRemoved = *p.IncludeRemoved
	}
	listing := fmt.Sprintf("members:%s:%t", q.MSPID, q.IncludeRemoved)
	bm, err := decodeCursor(listing, p.Cursor)
	if err != nil {
		writeProblem(w, r, err)
		return
	}
	q.Bookmark = bm
	if !s.fromIndex(w, r) {
		return
	}
	pg, h, err := s.idx.MembersPage(q)
	if err != nil {
		writeProblem(w, r, err)
		return
	}
	indexedPage(w, r, listing, pg.Members, pg.Bookmark, h)
}

func (s *Server) GetMember(w http.ResponseWriter, r *http.Request, mspID MSPIDPath, memberID MemberIDPath, _ GetMemberParams) {
	if !s.fromIndex(w, r) {
		return
	}
	v, h, err := s.idx.Member(identity.Identity{MSPID: mspID, ID: memberID})
	indexedOne(w, r, v, h, err)
}
