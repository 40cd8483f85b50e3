package index

import (
	"time"

	"github.com/charter-gov/charter/chaincode/ballot"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/decision"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/membership"
	charter "github.com/charter-gov/charter/gateway-client"
)

// The read models the index serves. Each runs the same domain function
// as the chaincode's query of the same name (chaincode/contract), with
// now as the transaction time, and returns the height it reflects.

// BallotsPage is ballot:List.
func (x *Index) BallotsPage(now time.Time, status ballot.Status, pageSize int, bookmark string) (*ballot.ListPage, uint64, error) {
	var out *ballot.ListPage
	h, err := x.read(func(s core.Store) (err error) {
		out, err = ballot.List(s, now, status, pageSize, bookmark)
		return err
	})
	return out, h, err
}

// Ballot is ballot:Get.
func (x *Index) Ballot(now time.Time, id string) (*ballot.View, uint64, error) {
	var out *ballot.View
	h, err := x.read(func(s core.Store) error {
		b, err := ballot.Get(s, id)
		if err != nil {
			return err
		}
		out = &ballot.View{Ballot: *b, StatusNow: b.StatusAt(now)}
		return nil
	})
	return out, h, err
}

// BallotResults is ballot:Results.
func (x *Index) BallotResults(now time.Time, id string) (*charter.BallotResults, uint64, error) {
	var out *charter.BallotResults
	h, err := x.read(func(s core.Store) error {
		b, err := ballot.Get(s, id)
		if err != nil {
			return err
		}
		st, err := ballot.TallyProgress(s, id)
		if err != nil {
			return err
		}
		out = &charter.BallotResults{Ballot: ballot.View{Ballot: *b, StatusNow: b.StatusAt(now)}, Tally: st}
		return nil
	})
	return out, h, err
}

// DecisionsPage is decision:List.
func (x *Index) DecisionsPage(status decision.Status, pageSize int, bookmark string) (*decision.ListPage, uint64, error) {
	var out *decision.ListPage
	h, err := x.read(func(s core.Store) (err error) {
		out, err = decision.List(s, status, pageSize, bookmark)
		return err
	})
	return out, h, err
}

// Decision is decision:Get.
func (x *Index) Decision(id string) (*decision.Decision, uint64, error) {
	var out *decision.Decision
	h, err := x.read(func(s core.Store) (err error) {
		out, err = decision.Get(s, id)
		return err
	})
	return out, h, err
}

// MembersPage is member:List.
func (x *Index) MembersPage(q charter.MemberQuery) (*membership.ListPage, uint64, error) {
	var out *membership.ListPage
	h, err := x.read(func(s core.Store) (err error) {
		out, err = membership.ListPaged(s, membership.ListRequest{MSPID: q.MSPID, IncludeRemoved: q.IncludeRemoved, PageSize: q.PageSize, Bookmark: q.Bookmark})
		return err
	})
	return out, h, err
}

// Member is member:Get.
func (x *Index) Member(id identity.Identity) (*membership.Member, uint64, error) {
	var out *membership.Member
	h, err := x.read(func(s core.Store) (err error) {
		out, err = membership.Get(s, id)
		return err
	})
	return out, h, err
}

func (x *Index) read(fn func(s core.Store) error) (uint64, error) {
	var height uint64
	err := x.Read(func(s core.Store, h uint64) error {
		height = h
		return fn(s)
	})
	return height, err
}
