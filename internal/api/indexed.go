package api

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/charter-gov/charter/chaincode/ballot"
	"github.com/charter-gov/charter/chaincode/decision"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/membership"
	charter "github.com/charter-gov/charter/gateway-client"
)

// The reads served from the event-fed index (internal/index): ballots,
// their results, decisions and members here; funding rounds, the artifact
// registry and guardian pauses, the treasury, the governance token,
// reputation and the constitution in indexed_areas.go. Each answers from one consistent
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

// indexedList serves one page of an index listing, the steps every
// index-served list shares: decode the cursor (refusing one issued for
// another listing), wait for the index to catch up, read the page at the
// cursor's bookmark from one index snapshot, and answer its items, the
// next cursor and the height that snapshot reflects (in the body and in
// Charter-Block-Height).
func indexedList[T any](s *Server, w http.ResponseWriter, r *http.Request, listing string, cursor *string, read func(bookmark string) ([]T, string, uint64, error)) {
	bm, err := decodeCursor(listing, cursor)
	if err != nil {
		writeProblem(w, r, err)
		return
	}
	if !s.fromIndex(w, r) {
		return
	}
	vs, next, h, err := read(bm)
	if err != nil {
		writeProblem(w, r, err)
		return
	}
	items, err := toItems(vs)
	if err != nil {
		writeProblem(w, r, err)
		return
	}
	stampHeight(w, h)
	writeJSON(w, http.StatusOK, Page{Items: items, NextCursor: encodeCursor(listing, next), BlockHeight: int64(h)})
}

// pageOf adapts one index page read (page, height, error) to indexedList:
// the page's items and bookmark (by parts) at the height, or the read's
// error.
func pageOf[P, T any](parts func(*P) ([]T, string)) func(pg *P, h uint64, err error) ([]T, string, uint64, error) {
	return func(pg *P, h uint64, err error) ([]T, string, uint64, error) {
		if err != nil {
			return nil, "", h, err
		}
		items, next := parts(pg)
		return items, next, h, nil
	}
}

// indexedItems serves a whole (bounded) list read from one index
// snapshot, with the height it reflects.
func indexedItems[T any](s *Server, w http.ResponseWriter, r *http.Request, read func() ([]T, uint64, error)) {
	if !s.fromIndex(w, r) {
		return
	}
	vs, h, err := read()
	if err != nil {
		writeProblem(w, r, err)
		return
	}
	items, err := toItems(vs)
	if err != nil {
		writeProblem(w, r, err)
		return
	}
	stampHeight(w, h)
	writeJSON(w, http.StatusOK, Items{Items: items, BlockHeight: int64(h)})
}

// indexedGet serves one record read from one index snapshot, with the
// height it reflects.
func indexedGet[T any](s *Server, w http.ResponseWriter, r *http.Request, read func() (T, uint64, error)) {
	if !s.fromIndex(w, r) {
		return
	}
	v, h, err := read()
	indexedOne(w, r, v, h, err)
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
	indexedList(s, w, r, "ballots:"+st, p.Cursor, func(bm string) ([]ballot.View, string, uint64, error) {
		return pageOf(func(pg *ballot.ListPage) ([]ballot.View, string) { return pg.Ballots, pg.Bookmark })(s.idx.BallotsPage(s.opts.Now(), ballot.Status(st), limitOf(p.Limit), bm))
	})
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
	indexedList(s, w, r, "decisions:"+st, p.Cursor, func(bm string) ([]decision.Decision, string, uint64, error) {
		return pageOf(func(pg *decision.ListPage) ([]decision.Decision, string) { return pg.Decisions, pg.Bookmark })(s.idx.DecisionsPage(decision.Status(st), limitOf(p.Limit), bm))
	})
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
	indexedList(s, w, r, listing, p.Cursor, func(bm string) ([]membership.Member, string, uint64, error) {
		q.Bookmark = bm
		return pageOf(func(pg *membership.ListPage) ([]membership.Member, string) { return pg.Members, pg.Bookmark })(s.idx.MembersPage(q))
	})
}

func (s *Server) GetMember(w http.ResponseWriter, r *http.Request, mspID MSPIDPath, memberID MemberIDPath, _ GetMemberParams) {
	if !s.fromIndex(w, r) {
		return
	}
	v, h, err := s.idx.Member(identity.Identity{MSPID: mspID, ID: memberID})
	indexedOne(w, r, v, h, err)
}
