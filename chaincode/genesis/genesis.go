// Package genesis is the founding act: the first constitution, the initial
// holders of every role that carries power, and the initial token
// allocation, adopted only when every founding organisation's admin has
// approved the same document.
//
// One founding organisation's admin proposes a Genesis. It names its
// founding organisations (at least two MSP IDs), the constitution, the
// initial role holders (House A seats, guardians, attesters with their
// categories, treasurers, grants administrators, with their names) and the
// initial allocation. The proposal is normalised to its canonical form and
// identified by the SHA-256 of that form's JSON (Hash). Each founding
// organisation's admin then approves that hash; the approval that completes
// the set adopts the genesis in the same transaction: it installs
// constitution version 1 (decision "genesis"), registers the initial role
// holders and issues the allocation. Until then every other state-changing
// transaction is refused (constitution.RequireAdopted, applied by the
// contract layer).
//
// A second proposal while one is pending REPLACES it and starts a new
// round: approvals of the old round no longer count (they are kept, under
// their round, for the record). Replacing gives no organisation a power it
// lacks anyway — any founder can already stall the founding by withholding
// its approval — and it lets the founders correct a draft without a
// separate withdrawal. Proposing the very hash already pending is refused
// (CONFLICT), so approvals are never reset for nothing. After adoption,
// every proposal and approval is refused (CONFLICT): later changes are
// amendments, decided by both houses.
//
// Why one organisation cannot found alone: the proposer must be a founder,
// a genesis names at least two founders, and adoption needs an approval
// from an admin of every named founder (an admin of an MSP the channel does
// not know cannot sign a proposal at all). Naming only itself is refused;
// naming itself and a fictitious MSP leaves the genesis waiting forever.
// That the founder set is the consortium's is checked at endorsement time
// by each organisation's chaincode server (contract.Config.Founders, from
// CHARTER_FOUNDERS): a peer refuses to endorse a genesis whose founders
// differ, so under the MAJORITY endorsement policy a genesis leaving an
// organisation out needs a majority of the organisations to collude.
//
// Keys (each approval is its own key; no transaction rewrites a counter):
//
//	"genesis" ~ "pending"                         → Proposal, the proposal under approval
//	"genesis" ~ "approval" ~ %020d(round) ~ mspId → Approval, one per founder and round
//	"genesis" ~ "adopted"                         → Adoption, the record of the founding act
//
// Who may call what:
//
//	Propose  an admin of an organisation the genesis names as founder; before adoption
//	Approve  an admin of a founding organisation, once per round; before adoption
//	Status   anyone with an identity on the channel
package genesis

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/membership"
	"github.com/charter-gov/charter/chaincode/token"
)

// Bounds of a genesis.
const (
	MinFounders    = 2
	MaxFounders    = 32
	MaxMembers     = 1000
	MaxAllocations = 1000
)

// Event types this package emits.
const (
	EventProposed = "genesis.proposed"
	EventApproved = "genesis.approved"
	EventAdopted  = "genesis.adopted"
)

const objectType = "genesis"

// Genesis is the founding document.
type Genesis struct {
	// Founders are the founding organisations' MSP IDs (sorted, distinct).
	Founders     []string                    `json:"founders"`
	Constitution constitution.Document       `json:"constitution"`
	Members      []membership.FoundingMember `json:"members"`
	Allocations  []Allocation                `json:"allocations,omitempty"`
}

// Allocation is an initial token allocation to a founding member.
type Allocation struct {
	To     identity.Identity `json:"to"`
	Amount int64             `json:"amount"`
}

// Proposal is a genesis under approval.
type Proposal struct {
	Round      int64             `json:"round"`
	Hash       string            `json:"hash"`
	Genesis    Genesis           `json:"genesis"`
	ProposedBy identity.Identity `json:"proposedBy"`
	ProposedAt time.Time         `json:"proposedAt"`
	TxID       string            `json:"txId"`
}

// Approval is one founding organisation's approval of one round's hash.
type Approval struct {
	Round      int64             `json:"round"`
	Hash       string            `json:"hash"`
	MSPID      string            `json:"mspId"`
	ApprovedBy identity.Identity `json:"approvedBy"`
	ApprovedAt time.Time         `json:"approvedAt"`
	TxID       string            `json:"txId"`
}

// Adoption is the record of the founding act, and the payload of its event.
type Adoption struct {
	Proposal  Proposal                    `json:"proposal"`
	Approvals []Approval                  `json:"approvals"`
	Version   constitution.VersionSummary `json:"version"`
	AdoptedAt time.Time                   `json:"adoptedAt"`
	TxID      string                      `json:"txId"`
	Supply    int64                       `json:"supply"`
}

// ApprovalResult is the result of Approve and the payload of
// genesis.approved: the approval and the founders still to approve.
type ApprovalResult struct {
	Approval Approval  `json:"approval"`
	Missing  []string  `json:"missing"`
	Adopted  *Adoption `json:"adopted,omitempty"`
}

// Status is what Status returns: the pending proposal and its approvals,
// or the adoption.
type Status struct {
	Adopted   *Adoption  `json:"adopted,omitempty"`
	Pending   *Proposal  `json:"pending,omitempty"`
	Approvals []Approval `json:"approvals"`
	Missing   []string   `json:"missing"`
}

func pendingKey() string { return core.MustKey(objectType, "pending") }
func adoptedKey() string { return core.MustKey(objectType, "adopted") }
func approvalKey(round int64, msp string) (string, error) {
	return core.Key(objectType, "approval", fmt.Sprintf("%020d", round), msp)
}

// Rules a genesis refusal names (errcode.Fieldf), beside the common ones
// ("required", "range", "format", "unique", "exists") and
// membership.RuleOrgAdmin.
const (
	RuleFounderAdmin         = "founder-admin"          // the caller is an admin of a founding organisation the genesis names
	RuleNotAdopted           = "not-adopted"            // the founding act happens once
	RuleFoundingOrganisation = "founding-organisation"  // an initial member belongs to a founding organisation
	RuleHouseASeats          = "house-a-seats"          // the genesis seats 1 to the constitution's maximum of House A members
	RuleInitialMember        = "initial-member"         // an allocation goes to an initial member of the genesis
	RuleMaxSupply            = "max-supply"             // the allocations total at most token.MaxSupply
	RulePending              = "pending"                // an approval needs a pending genesis
	RulePendingHash          = "pending-hash"           // an approval names the pending genesis's hash; a proposal names another
	RuleOneApprovalPerRound  = "one-approval-per-round" // an organisation approves a round once
)

func checkMSPID(field, msp string) error {
	if msp == "" || len(msp) > 128 {
		return errcode.InvalidFieldf(field, "range", "genesis: founder MSP ID %q must be 1 to 128 characters", msp)
	}
	for _, r := range msp {
		ok := r == '-' || r == '_' || r == '.' || (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')
		if !ok {
			return errcode.InvalidFieldf(field, "format", "genesis: founder MSP ID %q may contain only letters, digits, '-', '_' and '.'", msp)
		}
	}
	return nil
}

func idLess(a, b identity.Identity) int {
	if c := strings.Compare(a.MSPID, b.MSPID); c != 0 {
		return c
	}
	return strings.Compare(a.ID, b.ID)
}

// Normalise checks every rule of a genesis and returns its canonical form:
// founders sorted, members and allocations sorted by identity, roles and
// categories in their fixed order. It names the first problem it finds.
func Normalise(g Genesis) (Genesis, error) {
	if len(g.Founders) < MinFounders || len(g.Founders) > MaxFounders {
		return Genesis{}, errcode.InvalidFieldf("founders", "range", "genesis: names %d founding organisations; a genesis needs %d to %d (no organisation founds alone)", len(g.Founders), MinFounders, MaxFounders)
	}
	founders := slices.Clone(g.Founders)
	for i, f := range founders {
		if err := checkMSPID(fmt.Sprintf("founders[%d]", i), f); err != nil {
			return Genesis{}, err
		}
	}
	slices.Sort(founders)
	for i := 1; i < len(founders); i++ {
		if founders[i] == founders[i-1] {
			return Genesis{}, errcode.InvalidFieldf("founders", "unique", "genesis: founder %s is named twice", founders[i])
		}
	}
	if err := g.Constitution.Validate(); err != nil {
		return Genesis{}, fmt.Errorf("genesis: %w", membership.NestField(err, "constitution"))
	}
	if len(g.Members) == 0 || len(g.Members) > MaxMembers {
		return Genesis{}, errcode.InvalidFieldf("members", "range", "genesis: names %d initial members; it needs 1 to %d (at least the first House A seats)", len(g.Members), MaxMembers)
	}
	members := make([]membership.FoundingMember, 0, len(g.Members))
	seats := 0
	for i, m := range g.Members {
		n, err := membership.NormaliseFounding(m)
		if err != nil {
			return Genesis{}, fmt.Errorf("genesis: %w", membership.NestField(err, fmt.Sprintf("members[%d]", i)))
		}
		if !slices.Contains(founders, n.Member.MSPID) {
			return Genesis{}, errcode.InvalidFieldf(fmt.Sprintf("members[%d].member.mspId", i), RuleFoundingOrganisation, "genesis: member %s belongs to %s, which is not a founding organisation", n.Member, n.Member.MSPID)
		}
		if slices.Contains(n.Roles, membership.RoleHouseA) {
			seats++
		}
		members = append(members, n)
	}
	slices.SortFunc(members, func(a, b membership.FoundingMember) int { return idLess(a.Member, b.Member) })
	for i := 1; i < len(members); i++ {
		if members[i].Member == members[i-1].Member {
			return Genesis{}, errcode.InvalidFieldf("members", "unique", "genesis: member %s is named twice", members[i].Member)
		}
	}
	for _, h := range g.Constitution.Houses {
		if h.ID != constitution.HouseA {
			continue
		}
		if seats < 1 {
			return Genesis{}, errcode.InvalidFieldf("members", RuleHouseASeats, "genesis: seats no House A member; House A decides seat confirmations, so the genesis seats at least one")
		}
		if h.MaxSeats > 0 && seats > h.MaxSeats {
			return Genesis{}, errcode.InvalidFieldf("members", RuleHouseASeats, "genesis: seats %d House A members, more than the constitution's maximum of %d", seats, h.MaxSeats)
		}
	}
	if len(g.Allocations) > MaxAllocations {
		return Genesis{}, errcode.InvalidFieldf("allocations", "range", "genesis: names %d allocations, at most %d", len(g.Allocations), MaxAllocations)
	}
	var allocs []Allocation
	total := int64(0)
	for i, a := range g.Allocations {
		if a.Amount <= 0 || a.Amount > token.MaxSupply {
			return Genesis{}, errcode.InvalidFieldf(fmt.Sprintf("allocations[%d].amount", i), "range", "genesis: allocation of %d to %s must be a positive whole number at most %d", a.Amount, a.To, token.MaxSupply)
		}
		if _, found := slices.BinarySearchFunc(members, a.To, func(m membership.FoundingMember, id identity.Identity) int { return idLess(m.Member, id) }); !found {
			return Genesis{}, errcode.InvalidFieldf(fmt.Sprintf("allocations[%d].to", i), RuleInitialMember, "genesis: allocation to %s, who is not an initial member of the genesis", a.To)
		}
		if a.Amount > token.MaxSupply-total {
			return Genesis{}, errcode.InvalidFieldf(fmt.Sprintf("allocations[%d].amount", i), RuleMaxSupply, "genesis: allocations total more than the maximum supply %d", token.MaxSupply)
		}
		total += a.Amount
		allocs = append(allocs, a)
	}
	slices.SortFunc(allocs, func(a, b Allocation) int { return idLess(a.To, b.To) })
	for i := 1; i < len(allocs); i++ {
		if allocs[i].To == allocs[i-1].To {
			return Genesis{}, errcode.InvalidFieldf("allocations", "unique", "genesis: %s has two allocations; give one", allocs[i].To)
		}
	}
	return Genesis{Founders: founders, Constitution: g.Constitution, Members: members, Allocations: allocs}, nil
}

// Hash normalises g and returns the hex SHA-256 of its canonical JSON: the
// hash every founder approves. Clients compute it from the document they
// read, so an approver approves what it has read.
func Hash(g Genesis) (string, Genesis, error) {
	n, err := Normalise(g)
	if err != nil {
		return "", Genesis{}, err
	}
	raw, err := json.Marshal(n)
	if err != nil {
		return "", Genesis{}, fmt.Errorf("hash genesis: %w", err)
	}
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:]), n, nil
}

func checkHash(h string) error {
	if len(h) != 64 {
		return errcode.InvalidFieldf("hash", "format", "genesis hash %q is not 64 hexadecimal digits", h)
	}
	for _, r := range h {
		if (r < '0' || r > '9') && (r < 'a' || r > 'f') {
			return errcode.InvalidFieldf("hash", "format", "genesis hash %q is not 64 lower-case hexadecimal digits", h)
		}
	}
	return nil
}

// refuseAdopted returns CONFLICT once the founding act is done.
func refuseAdopted(s core.Store, action string) error {
	found, err := core.GetJSON(s, adoptedKey(), &Adoption{})
	if err != nil {
		return err
	}
	if !found {
		// A constitution installed by any other path also ends the founding.
		if err := constitution.RequireAdopted(s); err == nil {
			found = true
		} else if !errcode.IsCode(err, errcode.FailedPrecondition) {
			return err
		}
	}
	if found {
		return errcode.Fieldf(errcode.Conflict, "", RuleNotAdopted, "%s: the genesis is already adopted; the founding act happens once, and later changes are constitutional amendments decided by both houses", action)
	}
	return nil
}

func requireFounderAdmin(tx *core.Tx, founders []string, action string) error {
	if !tx.Caller.OrgAdmin {
		return errcode.Fieldf(errcode.Forbidden, "", membership.RuleOrgAdmin, "%s: caller %s is not an organisation admin", action, tx.Caller.Identity.Short())
	}
	if !slices.Contains(founders, tx.Caller.MSPID) {
		return errcode.Fieldf(errcode.Forbidden, "", RuleFounderAdmin, "%s: %s is not a founding organisation of this genesis (founders: %s)", action, tx.Caller.MSPID, strings.Join(founders, ", "))
	}
	return nil
}

// Pending returns the proposal under approval, or nil.
func Pending(s core.Store) (*Proposal, error) {
	var p Proposal
	found, err := core.GetJSON(s, pendingKey(), &p)
	if err != nil || !found {
		return nil, err
	}
	return &p, nil
}

// Propose records g as the genesis under approval, replacing any pending
// one (a new round: earlier approvals no longer count).
//
// Errors: CONFLICT (already adopted; this very hash is already pending),
// FORBIDDEN (caller is not an admin of a founding organisation the genesis
// names), INVALID_ARGUMENT (the genesis breaks a rule).
func Propose(tx *core.Tx, g Genesis) (*Proposal, error) {
	const action = "propose genesis"
	if err := refuseAdopted(tx.Store, action); err != nil {
		return nil, err
	}
	if !tx.Caller.OrgAdmin {
		return nil, errcode.Fieldf(errcode.Forbidden, "", membership.RuleOrgAdmin, "%s: caller %s is not an organisation admin", action, tx.Caller.Identity.Short())
	}
	hash, n, err := Hash(g)
	if err != nil {
		return nil, err
	}
	if err := requireFounderAdmin(tx, n.Founders, action); err != nil {
		return nil, err
	}
	prev, err := Pending(tx.Store)
	if err != nil {
		return nil, err
	}
	round := int64(1)
	if prev != nil {
		if prev.Hash == hash {
			return nil, errcode.Fieldf(errcode.Conflict, "", RulePendingHash, "%s: genesis %s is already pending (round %d); approve it instead", action, hash, prev.Round)
		}
		round = prev.Round + 1
	}
	p := &Proposal{Round: round, Hash: hash, Genesis: n, ProposedBy: tx.Caller.Identity, ProposedAt: tx.Time, TxID: tx.TxID}
	if err := core.PutJSON(tx.Store, pendingKey(), p); err != nil {
		return nil, err
	}
	return p, tx.Emit(EventProposed, p)
}

// approvals reads the approvals of p's round, one point read per founder
// (never a range, so two founders approving at once meet as an ordinary
// read conflict, retried, and never both miss the completed set), and the
// founders still missing. own, when not nil, is the approval this very
// transaction wrote: Fabric does not let a transaction read its own
// writes, so it is taken as given instead of read.
func approvals(s core.Store, p *Proposal, own *Approval) ([]Approval, []string, error) {
	got := []Approval{}
	missing := []string{}
	for _, f := range p.Genesis.Founders {
		if own != nil && own.MSPID == f {
			got = append(got, *own)
			continue
		}
		key, err := approvalKey(p.Round, f)
		if err != nil {
			return nil, nil, err
		}
		var a Approval
		found, err := core.GetJSON(s, key, &a)
		if err != nil {
			return nil, nil, err
		}
		if found {
			got = append(got, a)
		} else {
			missing = append(missing, f)
		}
	}
	return got, missing, nil
}

// Approve records the caller's organisation's approval of the pending
// genesis, named by its hash. The approval that completes the set adopts
// the genesis in the same transaction.
//
// Errors: CONFLICT (already adopted; the hash is not the pending one; this
// organisation already approved this round), FAILED_PRECONDITION (no
// genesis is pending), FORBIDDEN (caller is not an admin of a founding
// organisation), INVALID_ARGUMENT (malformed hash), and the adoption's own
// errors.
func Approve(tx *core.Tx, hash string) (*ApprovalResult, error) {
	const action = "approve genesis"
	if err := refuseAdopted(tx.Store, action); err != nil {
		return nil, err
	}
	if !tx.Caller.OrgAdmin {
		return nil, errcode.Fieldf(errcode.Forbidden, "", membership.RuleOrgAdmin, "%s: caller %s is not an organisation admin", action, tx.Caller.Identity.Short())
	}
	if err := checkHash(hash); err != nil {
		return nil, err
	}
	p, err := Pending(tx.Store)
	if err != nil {
		return nil, err
	}
	if p == nil {
		return nil, errcode.PreconditionFieldf("", RulePending, "%s: no genesis is pending; a founding organisation's admin proposes one first", action)
	}
	if err := requireFounderAdmin(tx, p.Genesis.Founders, action); err != nil {
		return nil, err
	}
	if hash != p.Hash {
		return nil, errcode.Fieldf(errcode.Conflict, "hash", RulePendingHash, "%s: the pending genesis (round %d) has hash %s, not %s; approve only the document you have read", action, p.Round, p.Hash, hash)
	}
	key, err := approvalKey(p.Round, tx.Caller.MSPID)
	if err != nil {
		return nil, err
	}
	var prior Approval
	found, err := core.GetJSON(tx.Store, key, &prior)
	if err != nil {
		return nil, err
	}
	if found {
		return nil, errcode.Fieldf(errcode.Conflict, "", RuleOneApprovalPerRound, "%s: %s already approved round %d (by %s, transaction %s)", action, tx.Caller.MSPID, p.Round, prior.ApprovedBy, prior.TxID)
	}
	a := Approval{Round: p.Round, Hash: p.Hash, MSPID: tx.Caller.MSPID, ApprovedBy: tx.Caller.Identity, ApprovedAt: tx.Time, TxID: tx.TxID}
	if err := core.PutJSON(tx.Store, key, a); err != nil {
		return nil, err
	}
	got, missing, err := approvals(tx.Store, p, &a)
	if err != nil {
		return nil, err
	}
	res := &ApprovalResult{Approval: a, Missing: missing}
	if len(missing) > 0 {
		return res, tx.Emit(EventApproved, res)
	}
	ad, err := adopt(tx, p, got)
	if err != nil {
		return nil, err
	}
	res.Adopted = ad
	return res, tx.Emit(EventAdopted, ad)
}

// adopt installs what every founder approved: constitution version 1, the
// initial role holders, the initial allocation. Everything it writes is
// written once and nothing it writes is read back in the same transaction
// (Fabric does not let a transaction read its own writes): the allocation
// is issued in one step to recipients the genesis itself registers.
func adopt(tx *core.Tx, p *Proposal, got []Approval) (*Adoption, error) {
	v, err := constitution.InstallGenesis(tx, p.Genesis.Constitution)
	if err != nil {
		return nil, fmt.Errorf("adopt genesis %s: %w", p.Hash, err)
	}
	for _, m := range p.Genesis.Members {
		if _, err := membership.RegisterFounding(tx, m, p.Hash); err != nil {
			return nil, fmt.Errorf("adopt genesis %s: %w", p.Hash, err)
		}
	}
	reqs := make([]token.MintRequest, len(p.Genesis.Allocations))
	for i, al := range p.Genesis.Allocations {
		reqs[i] = token.MintRequest{To: al.To, Amount: al.Amount, Memo: "genesis allocation"}
	}
	supply, err := token.IssueInitial(tx, reqs)
	if err != nil {
		return nil, fmt.Errorf("adopt genesis %s: %w", p.Hash, err)
	}
	ad := &Adoption{
		Proposal:  *p,
		Approvals: got,
		Version:   constitution.VersionSummary{Version: v.Version, Hash: v.Hash, AdoptedAt: v.AdoptedAt, Decision: v.Decision},
		AdoptedAt: tx.Time,
		TxID:      tx.TxID,
		Supply:    supply,
	}
	if err := core.PutJSON(tx.Store, adoptedKey(), ad); err != nil {
		return nil, err
	}
	if err := tx.Store.Delete(pendingKey()); err != nil {
		return nil, fmt.Errorf("adopt genesis: clear the pending proposal: %w", err)
	}
	return ad, nil
}

// Get returns the founding act's state: the adoption once adopted,
// otherwise the pending proposal (if any) with its round's approvals and
// the founders still to approve.
func Get(s core.Store) (*Status, error) {
	st := &Status{Approvals: []Approval{}, Missing: []string{}}
	var ad Adoption
	found, err := core.GetJSON(s, adoptedKey(), &ad)
	if err != nil {
		return nil, err
	}
	if found {
		st.Adopted = &ad
		st.Approvals = ad.Approvals
		return st, nil
	}
	p, err := Pending(s)
	if err != nil {
		return nil, err
	}
	if p == nil {
		return st, nil
	}
	st.Pending = p
	st.Approvals, st.Missing, err = approvals(s, p, nil)
	if err != nil {
		return nil, err
	}
	return st, nil
}

// SameFounders reports whether a genesis names exactly the founders given
// (in any order). The contract layer uses it for the endorsement-time check
// against the consortium's configured founders.
func SameFounders(g Genesis, consortium []string) bool {
	a, b := slices.Clone(g.Founders), slices.Clone(consortium)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
