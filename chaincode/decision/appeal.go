package decision

import (
	"fmt"
	"strings"
	"time"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/membership"
	"github.com/charter-gov/charter/chaincode/text"
)

// Appellant is one member's appeal against a decision.
type Appellant struct {
	Decision string            `json:"decision"`
	Member   identity.Identity `json:"member"`
	Grounds  string            `json:"grounds"`
	At       time.Time         `json:"at"`
	TxID     string            `json:"txId"`
}

// AppealRequest joins the appeal against a decision.
type AppealRequest struct {
	Decision string `json:"decision"`
	Grounds  string `json:"grounds"`
}

func appealKey(decision string, m identity.Identity) (string, error) {
	return core.Key(objAppeal, decision, m.MSPID, m.ID)
}

// AppealResult is what Appeal returns: the caller's appellant record, the
// number of appellants so far, and the decision (appealed when this appeal
// lodged it).
type AppealResult struct {
	Appellant  Appellant `json:"appellant"`
	Appellants int64     `json:"appellants"`
	Required   int64     `json:"required"`
	Lodged     bool      `json:"lodged"`
	// HouseMinority names the house whose minority lodged the appeal
	// (constitution appeals.minorityBps), empty otherwise.
	HouseMinority constitution.HouseID `json:"houseMinority,omitempty"`
	Decision      *Decision            `json:"decision"`
}

// Appeal records the caller's appeal against a passed decision. The
// appeal is lodged when MinAppellants distinct active members (the rule
// frozen at proposal) have appealed within the window: the appeal that
// reaches the number opens the appeal ballot — in the other house for a
// decision of one house, in both houses for a joint decision — and
// suspends execution until Conclude resolves it. "for" on an appeal ballot
// means overturning the decision. A decision is appealed at most once.
//
// Caller: an active member, once per decision.
//
// Errors: INVALID_ARGUMENT (no grounds), NOT_FOUND, FORBIDDEN (not an
// active member), FAILED_PRECONDITION (not passed; already executed; the
// appeal window closed; the appeal is already lodged), CONFLICT (the
// caller already appealed).
func Appeal(tx *core.Tx, deps Deps, req AppealRequest) (*AppealResult, error) {
	if strings.TrimSpace(req.Grounds) == "" {
		return nil, errcode.InvalidFieldf("grounds", "required", "appeal decision %s: grounds are required", req.Decision)
	}
	if len(req.Grounds) > MaxGroundsBytes {
		return nil, errcode.InvalidFieldf("grounds", "max-bytes", "appeal decision %s: grounds are longer than %d bytes", req.Decision, MaxGroundsBytes)
	}
	if err := text.Check("decision appeal grounds", req.Grounds, text.Rule{MaxRunes: MaxGroundsBytes, MultiLine: true, Required: true}); err != nil {
		return nil, errcode.WithField(err, "grounds")
	}
	d, err := Get(tx.Store, req.Decision)
	if err != nil {
		return nil, err
	}
	switch d.Status {
	case StatusPassed:
	case StatusAppealed:
		return nil, errcode.PreconditionFieldf("", RuleAppealOnce, "appeal decision %s: an appeal was already lodged at %s; its ballot decides", d.ID, d.Appeal.LodgedAt.Format(time.RFC3339))
	default:
		return nil, errcode.PreconditionFieldf("", RuleAppealable, "appeal decision %s: it is %s; only passed, unexecuted decisions can be appealed", d.ID, d.Status)
	}
	if d.Appeal != nil {
		return nil, errcode.PreconditionFieldf("", RuleAppealOnce, "appeal decision %s: its appeal was already decided; a decision is appealed once", d.ID)
	}
	if !tx.Time.Before(*d.AppealDeadline) {
		return nil, errcode.PreconditionFieldf("", "window", "appeal decision %s: the appeal window (%ds after the decision) closed at %s", d.ID, d.Appeals.WindowSec, d.AppealDeadline.Format(time.RFC3339))
	}
	caller := tx.Caller.Identity
	if _, err := membership.Active(tx.Store, caller); err != nil {
		return nil, errcode.Fieldf(errcode.Forbidden, "", RuleActiveMember, "appeal decision %s: caller %s is not an active member", d.ID, caller)
	}
	key, err := appealKey(d.ID, caller)
	if err != nil {
		return nil, err
	}
	if raw, err := tx.Store.Get(key); err != nil {
		return nil, err
	} else if raw != nil {
		return nil, errcode.Fieldf(errcode.Conflict, "", RuleOneAppealPerMember, "appeal decision %s: %s has already appealed", d.ID, caller)
	}
	// Count the others first: a range read does not see this
	// transaction's own writes on Fabric.
	others, err := Appellants(tx.Store, d.ID)
	if err != nil {
		return nil, err
	}
	a := Appellant{Decision: d.ID, Member: caller, Grounds: req.Grounds, At: tx.Time, TxID: tx.TxID}
	res := &AppealResult{Appellant: a, Appellants: int64(len(others)) + 1, Required: d.Appeals.MinAppellants, Decision: d}
	bs, err := deps.ballots()
	if err != nil {
		return nil, err
	}
	minority, err := houseMinority(tx.Store, bs, d, append(appellantIDs(others), caller))
	if err != nil {
		return nil, err
	}
	res.HouseMinority = minority
	if res.Appellants < res.Required && minority == "" {
		if err := core.PutJSON(tx.Store, key, a); err != nil {
			return nil, err
		}
		return res, tx.Emit(EventAppealJoined, res)
	}
	frozen, err := constitution.Get(tx.Store, d.ConstitutionVersion)
	if err != nil {
		return nil, err
	}
	st := &AppealState{LodgedAt: tx.Time, Appellants: res.Appellants}
	for _, h := range appealHouses(d) {
		fam := familyIn(d, h)
		rule := d.Rule
		rule.Houses, rule.Families = []constitution.HouseID{h}, []constitution.Family{fam}
		ref := BallotRef{House: h, Family: fam, Ballot: d.ID + "-appeal-" + string(h)}
		spec := BallotSpec{ID: ref.Ballot, Decision: d.ID, Appeal: true, House: h, Family: fam, Rule: rule,
			ConstitutionVersion: d.ConstitutionVersion, ConstitutionHash: d.ConstitutionHash, MaxDelegationDepth: frozen.Document.Delegation.MaxDepth,
			Title: truncate("Appeal: overturn “"+d.Title+"”?", MaxTitleRunes), Description: "for = overturn decision " + d.ID + "; against = let it stand", Proposer: caller}
		if err := openBallot(tx, bs, spec); err != nil {
			return nil, err
		}
		st.Ballots = append(st.Ballots, ref)
	}
	if err := core.PutJSON(tx.Store, key, a); err != nil {
		return nil, err
	}
	d.Appeal, d.Status = st, StatusAppealed
	if err := save(tx, d); err != nil {
		return nil, err
	}
	res.Lodged = true
	return res, tx.Emit(EventAppealed, res)
}

// houseMinority returns the first house of the decision whose minority the
// appellants form: appellants who voted against in that house number at
// least appeals.minorityBps of its counted votes (rounded up, at least
// one). Empty when the constitution grants no minority appeal or no
// house's minority has appealed. One point read per appellant and house.
func houseMinority(s core.Store, bs Ballots, d *Decision, appellants []identity.Identity) (constitution.HouseID, error) {
	if d.Appeals.MinorityBps <= 0 {
		return "", nil
	}
	for _, ref := range d.Ballots {
		r, final, err := bs.Result(s, ref.Ballot)
		if err != nil {
			return "", err
		}
		if !final || r.VotesCounted <= 0 {
			continue
		}
		need := max((r.VotesCounted*d.Appeals.MinorityBps+9999)/10000, 1)
		var against int64
		for _, m := range appellants {
			choice, found, err := bs.VoteChoice(s, ref.Ballot, m)
			if err != nil {
				return "", err
			}
			if found && choice == "against" {
				against++
			}
		}
		if against >= need {
			return ref.House, nil
		}
	}
	return "", nil
}

func appellantIDs(as []Appellant) []identity.Identity {
	out := make([]identity.Identity, len(as))
	for i, a := range as {
		out[i] = a.Member
	}
	return out
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// appealHouses: the other house for a decision of one house; both houses
// (jointly) for a joint decision.
func appealHouses(d *Decision) []constitution.HouseID {
	if len(d.Rule.Houses) == 2 {
		return d.Rule.Houses
	}
	if d.Rule.Houses[0] == constitution.HouseA {
		return []constitution.HouseID{constitution.HouseB}
	}
	return []constitution.HouseID{constitution.HouseA}
}

// familyIn is the voting family of house h on the appeal: the decision
// rule's family for h when the rule has one, else one seat one vote in
// House A and reputation weight in House B.
func familyIn(d *Decision, h constitution.HouseID) constitution.Family {
	for i, x := range d.Rule.Houses {
		if x == h {
			return d.Rule.Families[i]
		}
	}
	if h == constitution.HouseA {
		return constitution.FamilySeat
	}
	return constitution.FamilyReputation
}

// Appellants lists the members who appealed a decision, in key order.
func Appellants(s core.Store, decision string) ([]Appellant, error) {
	out := []Appellant{}
	err := s.Scan(objAppeal, []string{decision}, func(key string, value []byte) error {
		var a Appellant
		if err := core.DecodeJSON(key, value, &a); err != nil {
			return err
		}
		out = append(out, a)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("appellants of decision %s: %w", decision, err)
	}
	return out, nil
}
