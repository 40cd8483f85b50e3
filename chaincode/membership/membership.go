// Package membership holds the consortium's members and their roles.
//
// A member is a Fabric identity (MSP ID + certificate identity). An
// organisation's admin (a certificate with the NodeOU admin role) registers,
// renames and removes PLAIN members of its own organisation: it grants no
// role. Every role that carries power (house_a, guardian, attester,
// treasurer, grants_admin) comes from the genesis every founding
// organisation approved (RegisterFounding) or from a decision
// (GrantRoleByDecision, RevokeRoleByDecision). Other packages ask this one
// whether a caller holds a role.
//
// Time rule (docs/time.md): a member's record is a history in time order.
// Registration, re-admission, role changes and removal are recorded at
// max(transaction time, the record's UpdatedAt); Grants date each role, so
// ballots count House A seats held when they opened (HeldSince).
//
// Keys: "member" ~ mspId ~ id → Member (JSON). One key per member, so
// registrations by different organisations never conflict. Two indexes are written with it, by the
// same transaction: "member-shard" ~ shard ~ mspId ~ id (a copy, so that a
// transaction can visit every member shard by shard, each read bounded)
// and "member-seat" ~ mspId ~ id (a copy for each House A seat holder, so
// that counting seats never reads the whole register).
//
// Attesters are authorised per contribution category: a member holding the
// attester role may attest only in the categories of its
// AttesterCategories, set with the role by the genesis or a decision (an
// attester with no categories may attest nothing).
//
// Who may call what:
//
//	Register, Update, Remove  the caller's organisation admin, for plain members of that organisation
//	RegisterFounding          the founding act (chaincode/genesis) only
//	Get, List, Whoami          anyone with an identity on the channel
package membership

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/contribution"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/text"
	"github.com/charter-gov/charter/chaincode/timerule"
)

// Role is a capacity recorded on the ledger. Organisation admin is not a
// stored role: it comes from the caller's certificate.
type Role string

// Roles a member can hold.
const (
	RoleMember      Role = "member"
	RoleAttester    Role = "attester"
	RoleHouseA      Role = "house_a"
	RoleGuardian    Role = "guardian"
	RoleTreasurer   Role = "treasurer"
	RoleGrantsAdmin Role = "grants_admin"
)

// AllRoles lists every role in a fixed order.
func AllRoles() []Role {
	return []Role{RoleMember, RoleAttester, RoleHouseA, RoleGuardian, RoleTreasurer, RoleGrantsAdmin}
}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return slices.Contains(AllRoles(), r) }

// Status is a member's standing.
type Status string

// Member statuses.
const (
	StatusActive  Status = "active"
	StatusRemoved Status = "removed"
)

// Member is the stored record of one member.
type Member struct {
	identity.Identity
	Name  string `json:"name"`
	Roles []Role `json:"roles"`
	// AttesterCategories are the contribution categories an attester may
	// attest in (only with RoleAttester; fixed order, no duplicates).
	AttesterCategories []contribution.Category `json:"attesterCategories,omitempty"`
	Status             Status                  `json:"status"`
	// Grants record since when the member holds each role (the recorded
	// time of the registration or update that granted it), so that a
	// ballot can ask who held a role when it opened.
	Grants        []RoleGrant       `json:"grants,omitempty"`
	RegisteredBy  identity.Identity `json:"registeredBy"`
	RegisteredAt  time.Time         `json:"registeredAt"`
	UpdatedAt     time.Time         `json:"updatedAt"`
	RemovedReason string            `json:"removedReason,omitempty"`
	// Genesis is the hash of the genesis that registered this member with
	// its roles (founding members only).
	Genesis string `json:"genesis,omitempty"`
}

// RoleGrant is since when a member holds a role.
type RoleGrant struct {
	Role  Role      `json:"role"`
	Since time.Time `json:"since"`
}

// HeldSince reports whether an active member holds role and has held it
// since t or earlier (records without grants date every role from the
// registration).
func (m *Member) HeldSince(role Role, t time.Time) bool {
	if !m.Has(role) {
		return false
	}
	since := m.RegisteredAt
	for _, g := range m.Grants {
		if g.Role == role {
			since = g.Since
		}
	}
	return !since.After(t)
}

// grants dates the roles of m at time at, keeping the date of every role
// prev already held.
func grants(prev *Member, roles []Role, at time.Time) []RoleGrant {
	out := make([]RoleGrant, 0, len(roles))
	for _, r := range roles {
		g := RoleGrant{Role: r, Since: at}
		if prev != nil && prev.Status == StatusActive && slices.Contains(prev.Roles, r) {
			g.Since = prev.RegisteredAt
			for _, pg := range prev.Grants {
				if pg.Role == r {
					g.Since = pg.Since
				}
			}
		}
		out = append(out, g)
	}
	return out
}

// Has reports whether an active member holds role.
func (m *Member) Has(role Role) bool {
	return m != nil && m.Status == StatusActive && slices.Contains(m.Roles, role)
}

// CanAttest reports whether an active member holds the attester role and is
// authorised for category c.
func (m *Member) CanAttest(c contribution.Category) bool {
	return m.Has(RoleAttester) && slices.Contains(m.AttesterCategories, c)
}

// Event types this package emits.
const (
	EventRegistered = "member.registered"
	EventUpdated    = "member.updated"
	EventRemoved    = "member.removed"
)

const objectType = "member"

// Key returns the state key of a member.
func Key(id identity.Identity) (string, error) {
	return core.Key(objectType, id.MSPID, id.ID)
}

// RegisterRequest asks to register (or re-admit) a plain member.
type RegisterRequest struct {
	Member identity.Identity `json:"member"`
	Name   string            `json:"name"`
	// Roles must be empty (or name only "member"): an organisation admin
	// grants no role. The field exists so that a request still carrying
	// roles is refused with the decision type that grants them, not with
	// "unknown field".
	Roles []Role `json:"roles,omitempty"`
	// AttesterCategories must be empty, like Roles.
	AttesterCategories []contribution.Category `json:"attesterCategories,omitempty"`
}

// UpdateRequest renames a member. Roles and AttesterCategories must be
// empty: roles change only by decision.
type UpdateRequest struct {
	Member             identity.Identity       `json:"member"`
	Name               string                  `json:"name"`
	Roles              []Role                  `json:"roles,omitempty"`
	AttesterCategories []contribution.Category `json:"attesterCategories,omitempty"`
}

// FoundingMember is an initial role holder named by the genesis.
type FoundingMember struct {
	Member identity.Identity `json:"member"`
	Name   string            `json:"name"`
	Roles  []Role            `json:"roles"`
	// AttesterCategories authorise an attester per contribution category;
	// they need RoleAttester in Roles.
	AttesterCategories []contribution.Category `json:"attesterCategories,omitempty"`
}

// GrantingDecision names the decision type that grants role, as the
// constitution fixes it (constitution.RoleDecisionTypes): House A seats by
// seat_confirmation, guardians and attesters by role_grant, treasurers and
// grants administrators by office_grant.
func GrantingDecision(role Role) string {
	grant, _, ok := constitution.RoleDecisionTypes(string(role))
	if !ok {
		return "role_grant"
	}
	return string(grant)
}

// refuseRoles refuses a request by an organisation admin that carries
// roles or attester categories, naming the decision type that grants them.
func refuseRoles(action string, roles []Role, cats []contribution.Category) error {
	for _, r := range roles {
		if r == RoleMember {
			continue
		}
		if !r.Valid() {
			return errcode.InvalidFieldf("roles", "enum", "%s: unknown role %q (known: %s)", action, r, joinRoles(AllRoles()))
		}
		return errcode.Fieldf(errcode.Forbidden, "roles", RuleGrantedByDecision, "%s: an organisation admin registers plain members only; the %s role is granted by the genesis or a %s decision", action, r, GrantingDecision(r))
	}
	if len(cats) > 0 {
		return errcode.Fieldf(errcode.Forbidden, "attesterCategories", RuleGrantedByDecision, "%s: an organisation admin registers plain members only; attester categories are granted with the %s role by the genesis or a %s decision", action, RoleAttester, GrantingDecision(RoleAttester))
	}
	return nil
}

// NormaliseFounding checks a founding member and returns it with roles and
// categories in their fixed order (the canonical form the genesis hashes).
func NormaliseFounding(f FoundingMember) (FoundingMember, error) {
	if err := ValidateIdentity(f.Member, "member"); err != nil {
		return FoundingMember{}, err
	}
	if err := checkName(f.Name); err != nil {
		return FoundingMember{}, fmt.Errorf("member %s: %w", f.Member, err)
	}
	roles, err := normaliseRoles(f.Roles)
	if err != nil {
		return FoundingMember{}, fmt.Errorf("member %s: %w", f.Member, err)
	}
	cats, err := normaliseAttesterCategories(roles, f.AttesterCategories)
	if err != nil {
		return FoundingMember{}, fmt.Errorf("member %s: %w", f.Member, err)
	}
	return FoundingMember{Member: f.Member, Name: f.Name, Roles: roles, AttesterCategories: cats}, nil
}

// RemoveRequest removes a member, keeping the record for the audit trail.
type RemoveRequest struct {
	Member identity.Identity `json:"member"`
	Reason string            `json:"reason"`
}

func normaliseRoles(roles []Role) ([]Role, error) {
	out := []Role{RoleMember}
	for _, r := range roles {
		if !r.Valid() {
			return nil, errcode.InvalidFieldf("roles", "enum", "unknown role %q (known: %s)", r, joinRoles(AllRoles()))
		}
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	// Fixed order: the order of AllRoles.
	sorted := make([]Role, 0, len(out))
	for _, r := range AllRoles() {
		if slices.Contains(out, r) {
			sorted = append(sorted, r)
		}
	}
	return sorted, nil
}

// normaliseAttesterCategories checks the categories against the (already
// normalised) roles: categories are only meaningful for an attester.
func normaliseAttesterCategories(roles []Role, cs []contribution.Category) ([]contribution.Category, error) {
	out, err := contribution.Normalise(cs)
	if err != nil {
		return nil, fmt.Errorf("attester categories: %w", errcode.WithField(err, "attesterCategories"))
	}
	if len(out) > 0 && !slices.Contains(roles, RoleAttester) {
		return nil, errcode.InvalidFieldf("attesterCategories", RuleAttesterRole, "attester categories %v need the %s role", out, RoleAttester)
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

func joinRoles(rs []Role) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = string(r)
	}
	return strings.Join(s, ", ")
}

// checkName applies the text rule (chaincode/text) to a member's name.
func checkName(name string) error {
	return errcode.WithField(text.Check("member name", name, text.Name()), "name")
}

// requireOwnOrgAdmin refuses callers that are not the admin of target's
// organisation.
func requireOwnOrgAdmin(tx *core.Tx, target identity.Identity, action string) error {
	if !tx.Caller.OrgAdmin {
		return errcode.Fieldf(errcode.Forbidden, "", RuleOrgAdmin, "%s: caller %s is not an organisation admin", action, tx.Caller.Identity.Short())
	}
	if tx.Caller.MSPID != target.MSPID {
		return errcode.Fieldf(errcode.Forbidden, "member", RuleOwnOrganisation, "%s: an admin of %s cannot manage members of %s", action, tx.Caller.MSPID, target.MSPID)
	}
	return nil
}

// Get returns a member, or a NOT_FOUND error (rule "exists", naming no
// field: a caller names the request field that gave the identity).
func Get(s core.Store, id identity.Identity) (*Member, error) {
	if err := id.Validate(); err != nil {
		return nil, err
	}
	key, err := Key(id)
	if err != nil {
		return nil, err
	}
	var m Member
	found, err := core.GetJSON(s, key, &m)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, errcode.Fieldf(errcode.NotFound, "", "exists", "member %s is not registered", id.Short())
	}
	return &m, nil
}

// Active returns an active member, or NOT_FOUND when the identity is not
// registered (rule "exists") or was removed (RuleActiveMember), naming no
// field, as Get.
func Active(s core.Store, id identity.Identity) (*Member, error) {
	m, err := Get(s, id)
	if err != nil {
		return nil, err
	}
	if m.Status != StatusActive {
		return nil, errcode.Fieldf(errcode.NotFound, "", RuleActiveMember, "member %s was removed", id.Short())
	}
	return m, nil
}

// RequireRole returns the caller's member record if the caller is an active
// member holding role, and a FORBIDDEN error naming the missing role
// otherwise.
func RequireRole(tx *core.Tx, role Role, action string) (*Member, error) {
	m, err := Active(tx.Store, tx.Caller.Identity)
	if err != nil {
		return nil, errcode.Fieldf(errcode.Forbidden, "", RuleActiveMember, "%s: caller %s is not an active member", action, tx.Caller.Identity.Short())
	}
	if !m.Has(role) {
		return nil, errcode.Fieldf(errcode.Forbidden, "", RuleHoldsRole, "%s: caller %s does not hold the %s role", action, tx.Caller.Identity.Short(), role)
	}
	return m, nil
}

// Register records a new member or re-admits a removed one.
func Register(tx *core.Tx, req RegisterRequest) (*Member, error) {
	m, err := prepareRegistration(tx, req)
	if err != nil {
		return nil, err
	}
	if err := save(tx, m); err != nil {
		return nil, err
	}
	return m, tx.Emit(EventRegistered, m)
}

// prepareRegistration checks a registration and returns the record it
// writes, writing nothing.
func prepareRegistration(tx *core.Tx, req RegisterRequest) (*Member, error) {
	if err := ValidateIdentity(req.Member, "member"); err != nil {
		return nil, err
	}
	if err := requireOwnOrgAdmin(tx, req.Member, "register member"); err != nil {
		return nil, err
	}
	if err := refuseRoles("register member", req.Roles, req.AttesterCategories); err != nil {
		return nil, err
	}
	if err := checkName(req.Name); err != nil {
		return nil, err
	}
	existing, err := Get(tx.Store, req.Member)
	if err != nil && !errcode.IsCode(err, errcode.NotFound) {
		return nil, err
	}
	if existing != nil && existing.Status == StatusActive {
		return nil, errcode.Fieldf(errcode.Conflict, "member", "unique", "member %s is already registered", req.Member.Short())
	}
	// The time rule: a member's record is a history in time order; a
	// re-admission stamped before the removal is recorded at the removal.
	at := tx.Time
	if existing != nil {
		at = timerule.Stamp(tx.Time, existing.UpdatedAt)
	}
	m := &Member{
		Identity:     req.Member,
		Name:         req.Name,
		Roles:        []Role{RoleMember},
		Status:       StatusActive,
		Grants:       grants(nil, []Role{RoleMember}, at),
		RegisteredBy: tx.Caller.Identity,
		RegisteredAt: at,
		UpdatedAt:    at,
	}
	return m, nil
}

// MaxBatch bounds the members one RegisterBatch registers: what one
// transaction writes (three keys a member at most) stays far below what
// a block carries, and a refused batch costs its sender alone.
const MaxBatch = 500

// EventRegisteredBatch is the event RegisterBatch emits.
const EventRegisteredBatch = "member.registered_batch"

// RegisterBatchRequest registers several plain members of the caller's
// organisation in one transaction.
type RegisterBatchRequest struct {
	Members []RegisterRequest `json:"members"`
}

// BatchResult is what RegisterBatch returns and its event's payload: the
// members registered, in the request's order.
type BatchResult struct {
	Members []Member `json:"members"`
}

// RegisterBatch registers 1..MaxBatch plain members in one transaction:
// onboarding a community of thousands without a transaction each. Every
// member obeys Register's rules (the caller's own organisation, no role, a
// valid name, not already active); the batch is all or nothing: the first
// member refused refuses the batch, naming its index, and nothing is
// written. A member listed twice is refused. One event lists them all.
//
// Errors: as Register, and INVALID_ARGUMENT (an empty or oversized batch,
// a member listed twice).
func RegisterBatch(tx *core.Tx, req RegisterBatchRequest) (*BatchResult, error) {
	if len(req.Members) == 0 || len(req.Members) > MaxBatch {
		return nil, errcode.InvalidFieldf("members", "range", "register batch: %d members; a batch holds 1..%d", len(req.Members), MaxBatch)
	}
	listed := make(map[identity.Identity]int, len(req.Members))
	out := &BatchResult{Members: make([]Member, 0, len(req.Members))}
	for i, r := range req.Members {
		if j, dup := listed[r.Member]; dup {
			return nil, errcode.InvalidFieldf(fmt.Sprintf("members[%d].member", i), "unique", "register batch: member %d (%s) is member %d again", i, r.Member.Short(), j)
		}
		listed[r.Member] = i
		m, err := prepareRegistration(tx, r)
		if err != nil {
			return nil, fmt.Errorf("register batch: member %d: %w", i, NestField(err, fmt.Sprintf("members[%d]", i)))
		}
		out.Members = append(out.Members, *m)
	}
	for i := range out.Members {
		if err := save(tx, &out.Members[i]); err != nil {
			return nil, err
		}
	}
	return out, tx.Emit(EventRegisteredBatch, out)
}

// RegisterFounding records an initial role holder named by the adopted
// genesis, with its roles and attester categories. It is called by the
// founding act (chaincode/genesis) only, which every founding organisation's
// admin approved, and emits no event: the founding act emits the
// transaction's one event, listing every founding member.
//
// Errors: INVALID_ARGUMENT (bad identity, name, role or category), CONFLICT
// (the identity is already registered).
func RegisterFounding(tx *core.Tx, f FoundingMember, genesisHash string) (*Member, error) {
	if genesisHash == "" {
		return nil, errcode.InvalidFieldf("genesis", "required", "a founding registration needs the genesis hash")
	}
	f, err := NormaliseFounding(f)
	if err != nil {
		return nil, err
	}
	existing, err := Get(tx.Store, f.Member)
	if err != nil && !errcode.IsCode(err, errcode.NotFound) {
		return nil, err
	}
	if existing != nil {
		return nil, errcode.Fieldf(errcode.Conflict, "member", "unique", "member %s is already registered", f.Member.Short())
	}
	m := &Member{
		Identity:           f.Member,
		Name:               f.Name,
		Roles:              f.Roles,
		AttesterCategories: f.AttesterCategories,
		Status:             StatusActive,
		Grants:             grants(nil, f.Roles, tx.Time),
		RegisteredBy:       tx.Caller.Identity,
		RegisteredAt:       tx.Time,
		UpdatedAt:          tx.Time,
		Genesis:            genesisHash,
	}
	return m, save(tx, m)
}

// Update renames a member of the caller's organisation. It changes no role:
// a request carrying roles is refused with the decision type that grants
// them.
func Update(tx *core.Tx, req UpdateRequest) (*Member, error) {
	if err := ValidateIdentity(req.Member, "member"); err != nil {
		return nil, err
	}
	if err := requireOwnOrgAdmin(tx, req.Member, "update member"); err != nil {
		return nil, err
	}
	if err := refuseRoles("update member", req.Roles, req.AttesterCategories); err != nil {
		return nil, err
	}
	if err := checkName(req.Name); err != nil {
		return nil, err
	}
	m, err := Active(tx.Store, req.Member)
	if err != nil {
		return nil, errcode.WithField(err, "member")
	}
	at := timerule.Stamp(tx.Time, m.UpdatedAt)
	m.Name = req.Name
	m.UpdatedAt = at
	if err := save(tx, m); err != nil {
		return nil, err
	}
	return m, tx.Emit(EventUpdated, m)
}

// Remove marks a member removed; the record stays for the audit trail.
func Remove(tx *core.Tx, req RemoveRequest) (*Member, error) {
	if err := ValidateIdentity(req.Member, "member"); err != nil {
		return nil, err
	}
	if err := requireOwnOrgAdmin(tx, req.Member, "remove member"); err != nil {
		return nil, err
	}
	if strings.TrimSpace(req.Reason) == "" {
		return nil, errcode.InvalidFieldf("reason", "required", "remove member: a reason is required")
	}
	if len(req.Reason) > 1024 {
		return nil, errcode.InvalidFieldf("reason", "max-bytes", "remove member: reason is longer than 1024 bytes")
	}
	m, err := Active(tx.Store, req.Member)
	if err != nil {
		return nil, errcode.WithField(err, "member")
	}
	// Powers the consortium granted (by the genesis or a decision) are
	// withdrawn only the way they were granted: an organisation cannot
	// strip a House A seat or a guardian by removing its holder.
	for _, r := range m.Roles {
		if r == RoleMember {
			continue
		}
		_, revoke, ok := constitution.RoleDecisionTypes(string(r))
		if !ok {
			revoke = constitution.RoleRevoke
		}
		return nil, errcode.PreconditionFieldf("member", RuleRevokedByDecision, "remove member: %s holds the %s role, which the consortium granted; it is withdrawn only by a %s decision, after which the organisation may remove the member", m.Identity.Short(), r, revoke)
	}
	m.Status = StatusRemoved
	m.Roles = nil
	m.Grants = nil
	m.AttesterCategories = nil
	m.RemovedReason = req.Reason
	m.UpdatedAt = timerule.Stamp(tx.Time, m.UpdatedAt)
	if err := save(tx, m); err != nil {
		return nil, err
	}
	return m, tx.Emit(EventRemoved, m)
}

func save(tx *core.Tx, m *Member) error {
	key, err := Key(m.Identity)
	if err != nil {
		return err
	}
	if err := core.PutJSON(tx.Store, key, m); err != nil {
		return fmt.Errorf("save member %s: %w", m.Identity, err)
	}
	sk, err := ShardKey(m.Identity)
	if err != nil {
		return err
	}
	if err := core.PutJSON(tx.Store, sk, m); err != nil {
		return fmt.Errorf("save member %s (shard index): %w", m.Identity, err)
	}
	seat, err := seatKey(m.Identity)
	if err != nil {
		return err
	}
	if m.Has(RoleHouseA) {
		err = core.PutJSON(tx.Store, seat, m)
	} else {
		err = tx.Store.Delete(seat)
	}
	if err != nil {
		return fmt.Errorf("save member %s (seat index): %w", m.Identity, err)
	}
	return nil
}

// Shards is the number of shards of the member register's shard index.
const Shards = 256

// Shard returns a member's shard: two hex digits of SHA-256(msp, id).
func Shard(id identity.Identity) string {
	h := sha256.Sum256([]byte(id.MSPID + "\x00" + id.ID))
	return hex.EncodeToString(h[:1])
}

// ShardKey returns the key of a member's copy in the shard index:
// "member-shard" ~ shard ~ msp ~ id → Member. Transactions that must visit
// every member (a tally's electorate) read it shard by shard, each shard a
// bounded prefix, since Fabric cannot resume a composite-key range in a
// transaction that writes.
func ShardKey(id identity.Identity) (string, error) {
	return core.Key(shardObjectType, Shard(id), id.MSPID, id.ID)
}

func seatKey(id identity.Identity) (string, error) {
	return core.Key(seatObjectType, id.MSPID, id.ID)
}

const (
	shardObjectType = "member-shard"
	seatObjectType  = "member-seat"
)

// ScanShard calls fn for every member in shard (0..Shards-1), in key order.
func ScanShard(s core.Store, shard int, fn func(m *Member) error) error {
	if shard < 0 || shard >= Shards {
		return errcode.InvalidFieldf("shard", "range", "member shard %d is outside 0..%d", shard, Shards-1)
	}
	err := s.Scan(shardObjectType, []string{fmt.Sprintf("%02x", shard)}, func(key string, raw []byte) error {
		var m Member
		if err := core.DecodeJSON(key, raw, &m); err != nil {
			return err
		}
		return fn(&m)
	})
	if err != nil {
		return fmt.Errorf("member shard %02x: %w", shard, err)
	}
	return nil
}

// SeatHolders returns the active members holding a House A seat, in key
// order. It reads the seat index ("member-seat" ~ msp ~ id), which holds
// exactly the seat holders, so it reads at most the house's seats, never
// the whole register.
func SeatHolders(s core.Store) ([]Member, error) {
	out := []Member{}
	err := s.Scan(seatObjectType, nil, func(key string, raw []byte) error {
		var m Member
		if err := core.DecodeJSON(key, raw, &m); err != nil {
			return err
		}
		if m.Has(RoleHouseA) {
			out = append(out, m)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("seat holders: %w", err)
	}
	return out, nil
}

// ListRequest asks for one page of the member register.
type ListRequest struct {
	MSPID          string `json:"mspId,omitempty"`
	IncludeRemoved bool   `json:"includeRemoved,omitempty"`
	// PageSize is at most core.MaxPageSize; 0 means core.DefaultListPage.
	PageSize int `json:"pageSize,omitempty"`
	// Bookmark continues from the previous page's Bookmark; "" starts.
	Bookmark string `json:"bookmark,omitempty"`
}

// ListPage is one page of members and the bookmark of the next ("" when
// this was the last). A page may hold fewer than PageSize members when
// removed members were read and left out.
type ListPage struct {
	Members  []Member `json:"members"`
	Bookmark string   `json:"bookmark,omitempty"`
}

// ListPaged returns one page of members in key order (a query: it reads at
// most PageSize records).
func ListPaged(s core.Store, req ListRequest) (*ListPage, error) {
	limit, err := core.CheckPage("list members", req.PageSize)
	if err != nil {
		return nil, err
	}
	var attrs []string
	if req.MSPID != "" {
		attrs = []string{req.MSPID}
	}
	out := &ListPage{Members: []Member{}}
	next, err := core.Page(s, objectType, attrs, req.Bookmark, limit, func(key string, value []byte) error {
		var m Member
		if err := core.DecodeJSON(key, value, &m); err != nil {
			return err
		}
		if req.IncludeRemoved || m.Status == StatusActive {
			out.Members = append(out.Members, m)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list members: %w", err)
	}
	out.Bookmark = next
	return out, nil
}

// List returns members in key order, optionally only those of one MSP and
// optionally including removed ones. It reads the whole register: no
// transaction calls it; it serves tests. Queries use ListPaged.
func List(s core.Store, mspID string, includeRemoved bool) ([]Member, error) {
	var attrs []string
	if mspID != "" {
		attrs = []string{mspID}
	}
	out := []Member{}
	err := s.Scan(objectType, attrs, func(key string, value []byte) error {
		var m Member
		if err := core.DecodeJSON(key, value, &m); err != nil {
			return err
		}
		if includeRemoved || m.Status == StatusActive {
			out = append(out, m)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list members: %w", err)
	}
	return out, nil
}

// WhoAmI describes the caller.
type WhoAmI struct {
	Identity identity.Identity `json:"identity"`
	OrgAdmin bool              `json:"orgAdmin"`
	Member   *Member           `json:"member,omitempty"`
}

// Whoami returns the caller's identity, admin flag and member record.
func Whoami(tx *core.Tx) (*WhoAmI, error) {
	w := &WhoAmI{Identity: tx.Caller.Identity, OrgAdmin: tx.Caller.OrgAdmin}
	m, err := Get(tx.Store, tx.Caller.Identity)
	switch {
	case err == nil:
		w.Member = m
	case errcode.IsCode(err, errcode.NotFound):
	default:
		return nil, err
	}
	return w, nil
}

// Rules a membership refusal names (errcode.Fieldf), beside the common
// ones ("required", "enum", "range", "unique", "exists", "max-bytes").
const (
	RuleActiveMember      = "active-member"       // the caller (or the member named) is a registered, not removed member
	RuleHoldsRole         = "holds-role"          // the member holds (or, to be granted it, does not yet hold) the role
	RuleOrgAdmin          = "org-admin"           // the caller is an organisation admin
	RuleOwnOrganisation   = "own-organisation"    // an organisation admin manages its own organisation's members only
	RuleGrantedByDecision = "granted-by-decision" // a power role (or attester category) is granted by the genesis or a decision, never by an admin
	RuleRevokedByDecision = "revoked-by-decision" // a role the consortium granted is withdrawn only by a decision (and the member role only by removal)
	RuleAttesterRole      = "attester-role"       // attester categories need the attester role
)

// ValidateIdentity checks an identity given as the request field field
// (identity.Validate), naming the refused part as field.mspId or field.id,
// or field itself when the rule is about the whole identity.
func ValidateIdentity(id identity.Identity, field string) error {
	err := id.Validate()
	if f, _ := errcode.FieldOf(err); err != nil && f == "" {
		return errcode.WithField(err, field)
	}
	return NestField(err, field)
}

// NestField returns err naming its field under prefix, as a request that
// nests the refused input spells it: prefix.field ("members[3].name").
// An error naming no field (a refusal not about one input) and an error
// without a code are returned as they are.
func NestField(err error, prefix string) error {
	if f, _ := errcode.FieldOf(err); f != "" {
		return errcode.WithField(err, prefix+"."+f)
	}
	return err
}
