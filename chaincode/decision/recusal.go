package decision

import (
	"github.com/charter-gov/charter/chaincode/coi"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
)

// Recused returns FORBIDDEN when member has disclosed a conflict of
// interest on the decision's subject or on the decision itself
// ({proposal, id}), and nil otherwise. Two point reads.
func Recused(s core.Store, d *Decision, member identity.Identity) error {
	subjects := []coi.Subject{d.Subject}
	if self := (coi.Subject{Kind: coi.KindProposal, ID: d.ID}); self != d.Subject {
		subjects = append(subjects, self)
	}
	for _, sub := range subjects {
		c, err := coi.Conflicted(s, member, sub)
		if err != nil {
			return err
		}
		if c {
			return errcode.Fieldf(errcode.Forbidden, "", RuleRecused, "vote on decision %s: %s disclosed a conflict of interest on %s and is recused; a conflicted vote is refused", d.ID, member.Short(), sub)
		}
	}
	return nil
}

// CheckVoter is the recusal hook for the ballot engine: before it records
// a vote on ballotID, it returns FORBIDDEN when the ballot belongs to a
// decision (or its appeal) on whose subject voter disclosed a conflict,
// and nil for ballots that belong to no decision. At most three point
// reads; no range read, so it adds no phantom risk to a vote.
func CheckVoter(s core.Store, ballotID string, voter identity.Identity) error {
	lk, err := ballotLinkKey(ballotID)
	if err != nil {
		return err
	}
	var link BallotLink
	found, err := core.GetJSON(s, lk, &link)
	if err != nil || !found {
		return err
	}
	d, err := Get(s, link.Decision)
	if err != nil {
		return err
	}
	return Recused(s, d, voter)
}

// RequireStandalone refuses to let a ballot that belongs to a decision be
// queued or executed on its own: a decision's ballots are concluded and
// executed through the decision (its concurrence, appeals and effects).
// Ballots that belong to no decision pass. One point read.
func RequireStandalone(s core.Store, ballotID, action string) error {
	lk, err := ballotLinkKey(ballotID)
	if err != nil {
		return err
	}
	var link BallotLink
	found, err := core.GetJSON(s, lk, &link)
	if err != nil {
		return err
	}
	if found {
		return errcode.PreconditionFieldf("", RuleStandalone, "%s ballot %s: it belongs to decision %s; conclude and execute the decision instead", action, ballotID, link.Decision)
	}
	return nil
}
