// Package constitution holds the document every other rule reads: the two
// houses, how each decision type is routed (house, voting family, quorum,
// threshold, periods, timelock), concurrence and mediation between the
// houses, amendments, appeals, emergency powers, treasury limits and the
// reputation parameters.
//
// The constitution is versioned. Version 1 is installed once by the
// founding act (chaincode/genesis: proposed by one founding organisation's
// admin, adopted when every founding organisation's admin has approved the
// same genesis hash); later versions are installed only by amendment
// decisions. Every version is kept with the SHA-256 of its canonical JSON so
// anyone can prove which rules governed a decision.
//
// Keys:
//
//	"constitution" ~ "v" ~ %020d(version) → Version (JSON), one per version
//	"constitution" ~ "current"            → Version (JSON), the version in force
//
// Fractions are basis points (1 bps = 0.01 %, 10000 = 100 %); durations are
// whole seconds. No floating point is used anywhere.
//
// Who may call what:
//
//	InstallGenesis         the founding act (chaincode/genesis), once
//	Install                an executed amendment decision
//	Current, Get, History  anyone with an identity on the channel
package constitution

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/text"
)

// HouseID names a house.
type HouseID string

// The two houses of the dual-house constitution.
const (
	HouseA HouseID = "A" // maintainers and the safety council
	HouseB HouseID = "B" // the community chamber
)

// Family is a voting family.
type Family string

// The four voting families of the paper, plus one seat one vote for House A.
const (
	FamilyToken      Family = "token"
	FamilyDelegated  Family = "delegated"
	FamilyQuadratic  Family = "quadratic"
	FamilyReputation Family = "reputation"
	FamilySeat       Family = "seat" // one seat, one vote
)

// Families lists every voting family in a fixed order.
func Families() []Family {
	return []Family{FamilyToken, FamilyDelegated, FamilyQuadratic, FamilyReputation, FamilySeat}
}

// DecisionType names a kind of decision.
type DecisionType string

// Decision types that every valid constitution routes.
const (
	ReleaseStage          DecisionType = "release_stage"
	EmergencyRatification DecisionType = "emergency_ratification"
	DatasetTakedown       DecisionType = "dataset_takedown"
	Budget                DecisionType = "budget"
	Roadmap               DecisionType = "roadmap"
	Policy                DecisionType = "policy"
	TreasurySpend         DecisionType = "treasury_spend"
	Amendment             DecisionType = "constitutional_amendment"
	SeatConfirmation      DecisionType = "seat_confirmation"
	SeatRemoval           DecisionType = "seat_removal"
	PartnerAdmission      DecisionType = "partner_admission"
	ChaincodeUpgrade      DecisionType = "chaincode_upgrade"
	Slashing              DecisionType = "slashing"
	// RoleGrant and RoleRevoke give and take the safety roles (guardian,
	// attester with its categories); OfficeGrant and OfficeRevoke the
	// offices that handle money (treasurer, grants administrator). House A
	// seats have their own types (SeatConfirmation, SeatRemoval). Which
	// type carries which role is fixed (RoleDecisionTypes); which houses
	// decide each type is the constitution's routing.
	RoleGrant    DecisionType = "role_grant"
	RoleRevoke   DecisionType = "role_revoke"
	OfficeGrant  DecisionType = "office_grant"
	OfficeRevoke DecisionType = "office_revoke"
	// TokenIssuance issues new governance tokens, within the limits of the
	// constitution's token section.
	TokenIssuance DecisionType = "token_issuance"
	// ProjectAcceptance accepts a project into a funding round by a House
	// decision, as a grants administrator can (its payload names the
	// round and the project).
	ProjectAcceptance DecisionType = "project_acceptance"
	// PartnerRemoval removes an organisation a partner_admission decision
	// admitted (the mirror image of PartnerAdmission; its payload names the
	// MSP ID and the reason).
	PartnerRemoval DecisionType = "partner_removal"
)

// RequiredDecisionTypes lists the decision types a constitution must route.
func RequiredDecisionTypes() []DecisionType {
	return []DecisionType{ReleaseStage, EmergencyRatification, DatasetTakedown, Budget, Roadmap, Policy,
		TreasurySpend, Amendment, SeatConfirmation, SeatRemoval, PartnerAdmission, ChaincodeUpgrade, Slashing,
		RoleGrant, RoleRevoke, OfficeGrant, OfficeRevoke, TokenIssuance}
}

// OptionalDecisionTypes lists the decision types a constitution may route
// and need not: a constitution adopted before the type existed stays
// valid, and a proposal of a type it does not route is refused (NOT_FOUND)
// until an amendment routes it. The default constitution routes them.
func OptionalDecisionTypes() []DecisionType {
	return []DecisionType{ProjectAcceptance, PartnerRemoval}
}

// KnownDecisionTypes lists every decision type: the required ones, then
// the optional ones.
func KnownDecisionTypes() []DecisionType {
	return append(RequiredDecisionTypes(), OptionalDecisionTypes()...)
}

// RoleDecisionTypes returns the decision types that grant and revoke a
// role carrying power, and false for a role no decision grants (the plain
// member role, which an organisation admin gives by registering, or an
// unknown role). Roles are named by their stored spelling (see
// chaincode/membership).
func RoleDecisionTypes(role string) (grant, revoke DecisionType, ok bool) {
	switch role {
	case "house_a":
		return SeatConfirmation, SeatRemoval, true
	case "guardian", "attester":
		return RoleGrant, RoleRevoke, true
	case "treasurer", "grants_admin":
		return OfficeGrant, OfficeRevoke, true
	}
	return "", "", false
}

// Document is the constitution itself.
type Document struct {
	Name          string         `json:"name"`
	Houses        []House        `json:"houses"`
	DecisionRules []DecisionRule `json:"decisionRules"`
	Concurrence   Concurrence    `json:"concurrence"`
	Appeals       Appeals        `json:"appeals"`
	Emergency     Emergency      `json:"emergency"`
	Treasury      Treasury       `json:"treasury"`
	Token         Token          `json:"token"`
	Reputation    Reputation     `json:"reputation"`
	Delegation    Delegation     `json:"delegation"`
	// Time is the one time rule every peer applies (see docs/time.md).
	Time Time `json:"time"`
	// Powers are sunset clauses: powers the constitution grants that expire
	// (see powers.go). A power not listed never expires.
	Powers []Sunset `json:"powers,omitempty"`
	// Safeguards limit what one organisation's registrations can weigh
	// (see safeguards.go).
	Safeguards Safeguards `json:"safeguards"`
	// Funding bounds quadratic-funding rounds (see funding.go). Omitted
	// when empty (read as DefaultFunding), so that documents adopted
	// before rounds keep their bytes and hashes.
	Funding Funding `json:"funding,omitzero"`
	// Incidents says who files governance incidents (see incidents.go).
	// Omitted when empty, so that documents adopted before the incident
	// register keep their bytes and hashes.
	Incidents Incidents `json:"incidents,omitzero"`
	// Release holds the artifact registry's release gates (release.go);
	// nil means DefaultRelease.
	Release *Release `json:"release,omitempty"`
}

// House is one chamber.
type House struct {
	ID          HouseID `json:"id"`
	Name        string  `json:"name"`
	Description string  `json:"description"`
	// MinSeats and MaxSeats bound the number of seats (House A); 0 MaxSeats
	// means every eligible member sits (House B).
	MinSeats int `json:"minSeats"`
	MaxSeats int `json:"maxSeats"`
}

// DecisionRule routes one decision type.
type DecisionRule struct {
	Type   DecisionType `json:"type"`
	Houses []HouseID    `json:"houses"`
	// Family per house, in the order of Houses.
	Families        []Family `json:"families"`
	QuorumBps       int64    `json:"quorumBps"`
	ThresholdBps    int64    `json:"thresholdBps"`
	VotingDelaySec  int64    `json:"votingDelaySeconds"`
	VotingPeriodSec int64    `json:"votingPeriodSeconds"`
	TimelockSec     int64    `json:"timelockSeconds"`
	// ProposalThreshold is the weight a proposer needs in the deciding house.
	ProposalThreshold int64 `json:"proposalThreshold"`
	// VoiceCredits is what each eligible member receives for a quadratic
	// ballot of this type; 0 means DefaultVoiceCredits.
	VoiceCredits int64 `json:"voiceCredits,omitempty"`
	// ReputationCategories names the contribution categories whose score
	// weighs a reputation-weighted ballot of this type; empty means the
	// total score.
	ReputationCategories []string `json:"reputationCategories,omitempty"`
}

// DefaultVoiceCredits is the voice credits of a quadratic ballot whose rule
// names none.
const DefaultVoiceCredits int64 = 100

// MaxVoiceCredits bounds DecisionRule.VoiceCredits, so that every quadratic
// cost fits comfortably in an int64.
const MaxVoiceCredits int64 = 1_000_000_000_000

// Credits returns the voice credits of a quadratic ballot of this type.
func (r DecisionRule) Credits() int64 {
	if r.VoiceCredits == 0 {
		return DefaultVoiceCredits
	}
	return r.VoiceCredits
}

// Concurrence says what happens when the houses of a joint decision
// disagree: after MediationSec, the decision passes only if the house that
// passed it did so with at least PassingHouseBps of its votes and the other
// house gave it at least OtherHouseBps.
type Concurrence struct {
	MediationSec    int64 `json:"mediationSeconds"`
	PassingHouseBps int64 `json:"passingHouseBps"`
	OtherHouseBps   int64 `json:"otherHouseBps"`
}

// Appeals bounds appeals against decisions.
type Appeals struct {
	WindowSec     int64 `json:"windowSeconds"`
	MinAppellants int64 `json:"minAppellants"`
	// MinorityBps, when above zero, also lets one house's minority appeal:
	// the appeal is lodged as soon as the appellants who voted against the
	// decision in one house number at least MinorityBps of the votes
	// counted in that house (rounded up, at least one), even when they are
	// fewer than MinAppellants.
	MinorityBps int64 `json:"minorityBps,omitempty"`
}

// Emergency limits the guardians' emergency powers.
type Emergency struct {
	MaxPauseSec        int64 `json:"maxPauseSeconds"`
	RatifyWithinSec    int64 `json:"ratifyWithinSeconds"`
	GuardiansToAct     int64 `json:"guardiansToAct"`
	PowersExpireAtUnix int64 `json:"powersExpireAtUnix"` // 0: no sunset
	// GuardianOrgsToAct is how many distinct organisations the
	// GuardiansToAct guardians must come from (1..GuardiansToAct).
	GuardianOrgsToAct int64 `json:"guardianOrgsToAct"`
	// DisclosureWithinSec is the deadline, from a pause's start, for the
	// guardians' post-hoc disclosure; a missing one is recorded as a
	// governance incident. 0 means DefaultDisclosureWithinSec.
	DisclosureWithinSec int64 `json:"disclosureWithinSeconds,omitempty"`
}

// DefaultDisclosureWithinSec is the guardians' disclosure deadline when the
// constitution names none: three days.
const DefaultDisclosureWithinSec = 3 * day

// Treasury limits spending (chaincode/treasury, docs/treasury.md).
//
// SpendLimitPerPeriod bounds what the executed spends of one account may
// move in one period of PeriodSec seconds; periods are fixed and aligned
// to the Unix epoch (period n is [n·PeriodSec, (n+1)·PeriodSec)). An
// account listed in Accounts may set its own limit. SignersRequired
// distinct treasurers approve a spend before it executes, from that many
// distinct organisations when SignersFromDistinctOrgs is set; it executes
// no earlier than ExecutionDelaySec after it was queued. A spend whose
// total exceeds SpendDecisionThreshold needs its own treasury_spend
// decision besides the budget decision it draws on.
type Treasury struct {
	SpendLimitPerPeriod int64 `json:"spendLimitPerPeriod"`
	PeriodSec           int64 `json:"periodSeconds"`
	SignersRequired     int64 `json:"signersRequired"`
	ExecutionDelaySec   int64 `json:"executionDelaySeconds"`
	// SpendDecisionThreshold: spends above it need a treasury_spend
	// decision (0, and absent in documents that predate it: every spend
	// does). Both fields below are omitted when zero, so the stored bytes
	// of older documents are unchanged.
	SpendDecisionThreshold int64 `json:"spendDecisionThreshold,omitempty"`
	// SignersFromDistinctOrgs requires the SignersRequired approvals to
	// come from as many distinct organisations.
	SignersFromDistinctOrgs bool `json:"signersFromDistinctOrgs,omitempty"`
	// Accounts names the treasury's asset accounts besides the governance
	// token's ("token", which always exists and may be listed to give it
	// its own limit or unit).
	Accounts []TreasuryAccount `json:"accounts,omitempty"`
	// DepositConfirmWithinSec is how long a recorded deposit waits for
	// another organisation's treasurer's confirmation before it lapses
	// (chaincode/treasury ConfirmDeposit). 0 (and absent in documents that
	// predate it) means DefaultDepositConfirmWithinSec; otherwise
	// MinDepositConfirmWithinSec..MaxDepositConfirmWithinSec. Omitted when
	// zero, so the stored bytes of older documents are unchanged.
	DepositConfirmWithinSec int64 `json:"depositConfirmWithinSeconds,omitempty"`
}

// Bounds of treasury.depositConfirmWithinSeconds.
const (
	DefaultDepositConfirmWithinSec = 14 * day
	MinDepositConfirmWithinSec     = 2 * MaxMaxClockSkewSec // an hour of skew either side still leaves a window
	MaxDepositConfirmWithinSec     = 365 * day
)

// DepositConfirmWithin returns the confirmation window of a deposit
// recorded under this treasury section (the default when none is set).
func (t Treasury) DepositConfirmWithin() int64 {
	if t.DepositConfirmWithinSec == 0 {
		return DefaultDepositConfirmWithinSec
	}
	return t.DepositConfirmWithinSec
}

// TreasuryTokenAccount is the ID of the treasury account that holds
// governance tokens issued by token_issuance decisions.
const TreasuryTokenAccount = "token"

// MaxTreasuryAccounts bounds treasury.accounts.
const MaxTreasuryAccounts = 32

// TreasuryAccount is one named asset account of the treasury.
type TreasuryAccount struct {
	// ID is the account's identifier: 1..32 of a-z, 0-9 and "_".
	ID string `json:"id"`
	// Unit names what one unit of the balance is ("GPU hour", "US cent").
	Unit string `json:"unit"`
	// SpendLimitPerPeriod overrides the treasury's limit for this account
	// when positive.
	SpendLimitPerPeriod int64 `json:"spendLimitPerPeriod,omitempty"`
}

// Account returns the treasury account id (the token account when it is
// not listed), and false when the constitution names no such account.
func (t Treasury) Account(id string) (TreasuryAccount, bool) {
	for _, a := range t.Accounts {
		if a.ID == id {
			return a, true
		}
	}
	if id == TreasuryTokenAccount {
		return TreasuryAccount{ID: TreasuryTokenAccount, Unit: "governance token"}, true
	}
	return TreasuryAccount{}, false
}

// AccountIDs lists every account in a fixed order: the token account,
// then the listed accounts in document order.
func (t Treasury) AccountIDs() []string {
	out := []string{TreasuryTokenAccount}
	for _, a := range t.Accounts {
		if a.ID != TreasuryTokenAccount {
			out = append(out, a.ID)
		}
	}
	return out
}

// SpendLimit returns the per-period spending limit of an account.
func (t Treasury) SpendLimit(id string) int64 {
	if a, ok := t.Account(id); ok && a.SpendLimitPerPeriod > 0 {
		return a.SpendLimitPerPeriod
	}
	return t.SpendLimitPerPeriod
}

func validAccountID(id string) bool {
	if len(id) < 1 || len(id) > 32 {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

func (t Treasury) validate() error {
	if w := t.DepositConfirmWithinSec; w != 0 && (w < MinDepositConfirmWithinSec || w > MaxDepositConfirmWithinSec) {
		return errcode.InvalidFieldf("treasury.depositConfirmWithinSeconds", "range", "constitution: treasury.depositConfirmWithinSeconds is %d, must be 0 (the default, %d) or between %d and %d",
			w, int64(DefaultDepositConfirmWithinSec), int64(MinDepositConfirmWithinSec), int64(MaxDepositConfirmWithinSec))
	}
	if t.SpendDecisionThreshold < 0 || t.SpendDecisionThreshold > 1<<62 {
		return errcode.InvalidFieldf("treasury.spendDecisionThreshold", "range", "constitution: treasury.spendDecisionThreshold is %d, must be between 0 and %d", t.SpendDecisionThreshold, int64(1<<62))
	}
	if len(t.Accounts) > MaxTreasuryAccounts {
		return errcode.InvalidFieldf("treasury.accounts", "range", "constitution: treasury.accounts lists %d accounts, at most %d", len(t.Accounts), MaxTreasuryAccounts)
	}
	for i, a := range t.Accounts {
		if !validAccountID(a.ID) {
			return errcode.InvalidFieldf(fmt.Sprintf("treasury.accounts[%d].id", i), "format", "constitution: treasury.accounts[%d]: id %q must be 1..32 of a-z, 0-9 and _", i, a.ID)
		}
		if len(a.Unit) == 0 || len(a.Unit) > 64 || strings.ContainsFunc(a.Unit, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			return errcode.InvalidFieldf(fmt.Sprintf("treasury.accounts[%d].unit", i), "format", "constitution: treasury.accounts[%d] (%s): unit must be 1..64 bytes of printable text", i, a.ID)
		}
		if a.SpendLimitPerPeriod < 0 || a.SpendLimitPerPeriod > 1<<62 {
			return errcode.InvalidFieldf(fmt.Sprintf("treasury.accounts[%d].spendLimitPerPeriod", i), "range", "constitution: treasury.accounts[%d] (%s): spendLimitPerPeriod is %d, must be between 0 and %d", i, a.ID, a.SpendLimitPerPeriod, int64(1<<62))
		}
		for _, b := range t.Accounts[:i] {
			if b.ID == a.ID {
				return errcode.InvalidFieldf(fmt.Sprintf("treasury.accounts[%d].id", i), "unique", "constitution: treasury.accounts[%d]: account %s is listed twice", i, a.ID)
			}
		}
	}
	return nil
}

// Token limits the issuance of governance tokens. New tokens are issued
// only by executing a token_issuance decision; one decision may issue at
// most the larger of MaxIssuanceBps of the supply at execution and
// MaxIssuanceUnits (so that a young community with a small supply can
// still issue), and never take the supply past SupplyCap.
type Token struct {
	SupplyCap        int64 `json:"supplyCap"`
	MaxIssuanceBps   int64 `json:"maxIssuanceBps"`
	MaxIssuanceUnits int64 `json:"maxIssuanceUnits"`
}

// IssuanceLimit returns the most one token_issuance decision may issue
// when the supply is supply: max(supply × MaxIssuanceBps / 10000,
// MaxIssuanceUnits), bounded by what is left under SupplyCap (never
// negative). Exact integer arithmetic: supply ≤ SupplyCap ≤ 2^62 and
// MaxIssuanceBps ≤ 10000, so the product is computed as
// supply/10000×bps + supply%10000×bps/10000 without overflow.
func (t Token) IssuanceLimit(supply int64) int64 {
	byShare := supply/10000*t.MaxIssuanceBps + supply%10000*t.MaxIssuanceBps/10000
	limit := max(byShare, t.MaxIssuanceUnits)
	left := t.SupplyCap - supply
	if left < 0 {
		left = 0
	}
	return min(limit, left)
}

// DefaultMaxClockSkewSec is the default bound on the distance between a
// transaction's timestamp and an endorsing peer's clock.
const DefaultMaxClockSkewSec = 300

// MaxMaxClockSkewSec bounds time.maxClockSkewSeconds.
const MaxMaxClockSkewSec = 3600

// Time is the time rule (docs/time.md). MaxClockSkewSec is the largest
// accepted distance between a proposal's timestamp and the endorsing
// peer's clock; the endorsement guard applies it, ballots open at least
// this long after they are created, and every deadline is honoured with it
// as margin.
type Time struct {
	MaxClockSkewSec int64 `json:"maxClockSkewSeconds"`
}

// MaxClockSkew returns the skew as a duration.
func (t Time) MaxClockSkew() time.Duration { return time.Duration(t.MaxClockSkewSec) * time.Second }

// Reputation parameters.
type Reputation struct {
	HalfLifeSec           int64 `json:"halfLifeSeconds"`
	MaxWeight             int64 `json:"maxAttestationWeight"`
	CapPerAttesterPeriod  int64 `json:"capPerAttesterPerRecipientPerPeriod"`
	CapPeriodSec          int64 `json:"capPeriodSeconds"`
	EndorsementBonusBps   int64 `json:"endorsementBonusBps"`
	MaxEndorsementBonusBp int64 `json:"maxEndorsementBonusBps"`
	HouseAMinTotal        int64 `json:"houseAMinTotalScore"`
	HouseAMinSafety       int64 `json:"houseAMinSafetyScore"`
}

// Delegation parameters.
type Delegation struct {
	MaxDepth int64 `json:"maxDepth"`
}

const day = int64(24 * 60 * 60)

// Default returns the constitution Charter proposes when a genesis names
// none. See the README for the reasoning behind each value.
func Default() Document {
	rule := func(t DecisionType, houses []HouseID, fams []Family, quorum, threshold, delay, period, timelock int64) DecisionRule {
		return DecisionRule{Type: t, Houses: houses, Families: fams, QuorumBps: quorum, ThresholdBps: threshold,
			VotingDelaySec: delay, VotingPeriodSec: period, TimelockSec: timelock}
	}
	a, b, ab := []HouseID{HouseA}, []HouseID{HouseB}, []HouseID{HouseA, HouseB}
	seat, rep := []Family{FamilySeat}, []Family{FamilyReputation}
	return Document{
		Name: "Charter community constitution",
		Houses: []House{
			{ID: HouseA, Name: "House A", Description: "maintainers and the safety council: non-transferable seats keyed to contribution and safety expertise", MinSeats: 3, MaxSeats: 21},
			{ID: HouseB, Name: "House B", Description: "the community chamber: every active member", MinSeats: 1, MaxSeats: 0},
		},
		DecisionRules: []DecisionRule{
			rule(ReleaseStage, a, seat, 5000, 6667, 0, 3*day, 1*day),
			rule(EmergencyRatification, a, seat, 5000, 5001, 0, 1*day, 0),
			rule(DatasetTakedown, a, seat, 5000, 5001, 0, 2*day, 0),
			rule(Budget, b, rep, 1000, 5001, 1*day, 7*day, 2*day),
			rule(Roadmap, b, rep, 1000, 5001, 1*day, 7*day, 1*day),
			rule(Policy, b, rep, 1000, 5001, 1*day, 7*day, 2*day),
			rule(TreasurySpend, b, []Family{FamilyQuadratic}, 1000, 5001, 1*day, 5*day, 2*day),
			rule(Amendment, ab, []Family{FamilySeat, FamilyReputation}, 3334, 6667, 2*day, 14*day, 7*day),
			rule(SeatConfirmation, ab, []Family{FamilySeat, FamilyReputation}, 2000, 5001, 1*day, 7*day, 1*day),
			rule(SeatRemoval, ab, []Family{FamilySeat, FamilyReputation}, 2000, 6667, 1*day, 7*day, 1*day),
			rule(PartnerAdmission, ab, []Family{FamilySeat, FamilyReputation}, 2000, 6667, 2*day, 14*day, 2*day),
			rule(ChaincodeUpgrade, ab, []Family{FamilySeat, FamilyReputation}, 2000, 6667, 1*day, 7*day, 3*day),
			rule(Slashing, a, seat, 5000, 6667, 0, 3*day, 1*day),
			rule(RoleGrant, a, seat, 5000, 6667, 0, 3*day, 1*day),
			rule(RoleRevoke, a, seat, 5000, 6667, 0, 3*day, 1*day),
			rule(OfficeGrant, ab, []Family{FamilySeat, FamilyReputation}, 2000, 6667, 1*day, 7*day, 2*day),
			rule(OfficeRevoke, ab, []Family{FamilySeat, FamilyReputation}, 2000, 6667, 1*day, 7*day, 1*day),
			rule(TokenIssuance, ab, []Family{FamilySeat, FamilyReputation}, 2000, 6667, 1*day, 7*day, 2*day),
			rule(ProjectAcceptance, b, rep, 1000, 5001, 0, 3*day, 0),
			rule(PartnerRemoval, ab, []Family{FamilySeat, FamilyReputation}, 2000, 6667, 2*day, 14*day, 2*day),
		},
		Concurrence: Concurrence{MediationSec: 7 * day, PassingHouseBps: 8000, OtherHouseBps: 5334},
		Appeals:     Appeals{WindowSec: 3 * day, MinAppellants: 5},
		Emergency:   Emergency{MaxPauseSec: 7 * day, RatifyWithinSec: 2 * day, GuardiansToAct: 2, GuardianOrgsToAct: 2, DisclosureWithinSec: DefaultDisclosureWithinSec},
		Treasury: Treasury{SpendLimitPerPeriod: 1_000_000, PeriodSec: 30 * day, SignersRequired: 2, ExecutionDelaySec: 2 * day,
			SpendDecisionThreshold: 100_000, SignersFromDistinctOrgs: true,
			Accounts: []TreasuryAccount{
				{ID: TreasuryTokenAccount, Unit: "governance token"},
				{ID: "compute_credits", Unit: "GPU hour", SpendLimitPerPeriod: 50_000},
				{ID: "usd", Unit: "US cent"},
			}},
		Token: Token{SupplyCap: 1_000_000_000, MaxIssuanceBps: 500, MaxIssuanceUnits: 100_000},
		Reputation: Reputation{HalfLifeSec: 90 * day, MaxWeight: 1000, CapPerAttesterPeriod: 2000, CapPeriodSec: 30 * day,
			EndorsementBonusBps: 500, MaxEndorsementBonusBp: 2500, HouseAMinTotal: 500, HouseAMinSafety: 100},
		Delegation: Delegation{MaxDepth: 8},
		Time:       Time{MaxClockSkewSec: DefaultMaxClockSkewSec},
		Safeguards: DefaultSafeguards(),
		Funding:    DefaultFunding(),
		Incidents:  Incidents{FilerRoles: DefaultIncidentFilerRoles()},
		Release:    ptr(DefaultRelease()),
	}
}

func ptr[T any](v T) *T { return &v }

// Rule returns the routing of a decision type.
func (d *Document) Rule(t DecisionType) (DecisionRule, error) {
	for _, r := range d.DecisionRules {
		if r.Type == t {
			return r, nil
		}
	}
	return DecisionRule{}, errcode.Fieldf(errcode.NotFound, "type", "exists", "decision type %q is not routed by the constitution", t)
}

// Validate checks every rule of a well-formed constitution and names the
// first problem it finds.
func (d *Document) Validate() error {
	if err := text.Check("constitution: name", d.Name, text.Name()); err != nil {
		return errcode.WithField(err, "name")
	}
	houses := map[HouseID]bool{}
	for i, h := range d.Houses {
		if err := text.Check(fmt.Sprintf("constitution: house %s name", errcode.Quote(string(h.ID))), h.Name, text.Rule{MaxRunes: text.MaxNameRunes}); err != nil {
			return errcode.WithField(err, fmt.Sprintf("houses[%d].name", i))
		}
		if err := text.Check(fmt.Sprintf("constitution: house %s description", errcode.Quote(string(h.ID))), h.Description, text.Description()); err != nil {
			return errcode.WithField(err, fmt.Sprintf("houses[%d].description", i))
		}
		if h.ID != HouseA && h.ID != HouseB {
			return errcode.InvalidFieldf(fmt.Sprintf("houses[%d].id", i), "enum", "constitution: unknown house %q (houses are A and B)", h.ID)
		}
		if houses[h.ID] {
			return errcode.InvalidFieldf(fmt.Sprintf("houses[%d].id", i), "unique", "constitution: house %s is defined twice", h.ID)
		}
		houses[h.ID] = true
		if h.MinSeats < 1 {
			return errcode.InvalidFieldf(fmt.Sprintf("houses[%d].minSeats", i), "range", "constitution: house %s must have at least one seat", h.ID)
		}
		if h.MaxSeats != 0 && h.MaxSeats < h.MinSeats {
			return errcode.InvalidFieldf(fmt.Sprintf("houses[%d].maxSeats", i), "range", "constitution: house %s has maxSeats %d below minSeats %d", h.ID, h.MaxSeats, h.MinSeats)
		}
	}
	if !houses[HouseA] || !houses[HouseB] {
		return errcode.InvalidFieldf("houses", "required", "constitution: both house A and house B must be defined")
	}
	seen := map[DecisionType]bool{}
	for i, r := range d.DecisionRules {
		if err := r.validate(); err != nil {
			return nestField(err, fmt.Sprintf("decisionRules[%d]", i))
		}
		if seen[r.Type] {
			return errcode.InvalidFieldf(fmt.Sprintf("decisionRules[%d].type", i), "unique", "constitution: decision type %q is routed twice", r.Type)
		}
		seen[r.Type] = true
	}
	for _, t := range RequiredDecisionTypes() {
		if !seen[t] {
			return errcode.InvalidFieldf("decisionRules", RuleRequiredRoute, "constitution: decision type %q has no route", t)
		}
	}
	amend, err := d.Rule(Amendment)
	if err != nil {
		return err
	}
	for i, r := range d.DecisionRules {
		if r.ThresholdBps > amend.ThresholdBps {
			return errcode.InvalidFieldf(fmt.Sprintf("decisionRules[%d].thresholdBps", i), RuleStrictestAmendment, "constitution: amendments must have the strictest threshold, but %q needs %d bps against %d", r.Type, r.ThresholdBps, amend.ThresholdBps)
		}
	}
	checks := []struct {
		name string
		v    int64
		min  int64
		max  int64
	}{
		{"concurrence.mediationSeconds", d.Concurrence.MediationSec, 0, 365 * day},
		{"concurrence.passingHouseBps", d.Concurrence.PassingHouseBps, 5001, 10000},
		{"concurrence.otherHouseBps", d.Concurrence.OtherHouseBps, 0, 10000},
		{"appeals.windowSeconds", d.Appeals.WindowSec, 0, 365 * day},
		{"appeals.minAppellants", d.Appeals.MinAppellants, 1, 1 << 20},
		{"appeals.minorityBps", d.Appeals.MinorityBps, 0, 5000},
		{"emergency.maxPauseSeconds", d.Emergency.MaxPauseSec, 1, 90 * day},
		{"emergency.ratifyWithinSeconds", d.Emergency.RatifyWithinSec, 1, 90 * day},
		{"emergency.guardiansToAct", d.Emergency.GuardiansToAct, 1, 1000},
		{"emergency.disclosureWithinSeconds", d.Emergency.DisclosureWithinSec, 0, 90 * day},
		{"emergency.powersExpireAtUnix", d.Emergency.PowersExpireAtUnix, 0, 1 << 40},
		{"treasury.spendLimitPerPeriod", d.Treasury.SpendLimitPerPeriod, 0, 1 << 62},
		{"treasury.periodSeconds", d.Treasury.PeriodSec, 1, 3650 * day},
		{"treasury.signersRequired", d.Treasury.SignersRequired, 2, 100},
		{"treasury.executionDelaySeconds", d.Treasury.ExecutionDelaySec, 0, 365 * day},
		{"token.supplyCap", d.Token.SupplyCap, 1, 1 << 62},
		{"token.maxIssuanceBps", d.Token.MaxIssuanceBps, 0, 10000},
		{"token.maxIssuanceUnits", d.Token.MaxIssuanceUnits, 0, 1 << 62},
		{"reputation.halfLifeSeconds", d.Reputation.HalfLifeSec, day, 3650 * day},
		{"reputation.maxAttestationWeight", d.Reputation.MaxWeight, 1, 1_000_000},
		{"reputation.capPerAttesterPerRecipientPerPeriod", d.Reputation.CapPerAttesterPeriod, 1, 1 << 40},
		{"reputation.capPeriodSeconds", d.Reputation.CapPeriodSec, 1, 3650 * day},
		{"reputation.endorsementBonusBps", d.Reputation.EndorsementBonusBps, 0, 10000},
		{"reputation.maxEndorsementBonusBps", d.Reputation.MaxEndorsementBonusBp, 0, 10000},
		{"reputation.houseAMinTotalScore", d.Reputation.HouseAMinTotal, 0, 1 << 40},
		{"reputation.houseAMinSafetyScore", d.Reputation.HouseAMinSafety, 0, 1 << 40},
		{"delegation.maxDepth", d.Delegation.MaxDepth, 1, 64},
		{"time.maxClockSkewSeconds", d.Time.MaxClockSkewSec, 1, MaxMaxClockSkewSec},
	}
	for _, c := range checks {
		if c.v < c.min || c.v > c.max {
			return errcode.InvalidFieldf(c.name, "range", "constitution: %s is %d, must be between %d and %d", c.name, c.v, c.min, c.max)
		}
	}
	if err := d.Treasury.validate(); err != nil {
		return err
	}
	if err := d.validateMediation(); err != nil {
		return err
	}
	if err := d.validateSafeguards(); err != nil {
		return err
	}
	if err := d.validateFunding(); err != nil {
		return err
	}
	if err := d.validateIncidents(); err != nil {
		return err
	}
	if err := d.validateRelease(); err != nil {
		return err
	}
	return d.validatePowers()
}

// validateMediation refuses a mediation bar weaker than the strictest rule
// it can pass. Mediation decides only joint (two-house) decision types,
// whose strictest threshold T is normally the amendments'. After mediation
// a decision passes with PassingHouseBps in one house and OtherHouseBps in
// the other, so:
//
//   - the passing house must give at least T (PassingHouseBps ≥ T), and
//   - the two houses, counted equally, must give at least T on average
//     (PassingHouseBps + OtherHouseBps ≥ 2T): what the other house lacks
//     below T the passing house must make up above it.
//
// With 66.67 % amendments, 66.67 % and 40 % (the earlier defaults) would
// have let an amendment through with 40 % of one house; the defaults are
// now 80 % and 53.34 %.
func (d *Document) validateMediation() error {
	var strictest int64
	var strictType DecisionType
	for _, r := range d.DecisionRules {
		if len(r.Houses) > 1 && r.ThresholdBps > strictest {
			strictest, strictType = r.ThresholdBps, r.Type
		}
	}
	if strictest == 0 {
		return nil
	}
	c := d.Concurrence
	if c.PassingHouseBps < strictest {
		return errcode.InvalidFieldf("concurrence.passingHouseBps", RuleMediationBar, "constitution: concurrence.passingHouseBps %d is below the %d bps that %q needs in each house; mediation would pass it with less than its own rule",
			c.PassingHouseBps, strictest, strictType)
	}
	if c.PassingHouseBps+c.OtherHouseBps < 2*strictest {
		return errcode.InvalidFieldf("concurrence.otherHouseBps", RuleMediationBar, "constitution: concurrence.passingHouseBps %d + otherHouseBps %d is below twice the %d bps that %q needs in each house; after mediation the two houses together must give at least what its rule needs",
			c.PassingHouseBps, c.OtherHouseBps, strictest, strictType)
	}
	return nil
}

func (r DecisionRule) validate() error {
	if !slices.Contains(KnownDecisionTypes(), r.Type) {
		return errcode.InvalidFieldf("type", "enum", "constitution: unknown decision type %q", r.Type)
	}
	if len(r.Houses) == 0 || len(r.Houses) > 2 {
		return errcode.InvalidFieldf("houses", "range", "constitution: decision type %q must go to house A, house B or both", r.Type)
	}
	if len(r.Families) != len(r.Houses) {
		return errcode.InvalidFieldf("families", RuleFamilyPerHouse, "constitution: decision type %q names %d houses but %d voting families", r.Type, len(r.Houses), len(r.Families))
	}
	if len(r.Houses) == 2 && r.Houses[0] == r.Houses[1] {
		return errcode.InvalidFieldf("houses[1]", "unique", "constitution: decision type %q names house %s twice", r.Type, r.Houses[0])
	}
	for i, h := range r.Houses {
		if h != HouseA && h != HouseB {
			return errcode.InvalidFieldf(fmt.Sprintf("houses[%d]", i), "enum", "constitution: decision type %q goes to unknown house %q", r.Type, h)
		}
		if !slices.Contains(Families(), r.Families[i]) {
			return errcode.InvalidFieldf(fmt.Sprintf("families[%d]", i), "enum", "constitution: decision type %q uses unknown voting family %q", r.Type, r.Families[i])
		}
	}
	if r.QuorumBps < 0 || r.QuorumBps > 10000 {
		return errcode.InvalidFieldf("quorumBps", "range", "constitution: decision type %q quorum %d bps is outside 0..10000", r.Type, r.QuorumBps)
	}
	if r.ThresholdBps < 5001 || r.ThresholdBps > 10000 {
		return errcode.InvalidFieldf("thresholdBps", "range", "constitution: decision type %q threshold %d bps is outside 5001..10000 (more than half)", r.Type, r.ThresholdBps)
	}
	if r.VotingDelaySec < 0 || r.VotingPeriodSec < 1 || r.TimelockSec < 0 {
		return errcode.InvalidFieldf(firstField(r.VotingDelaySec < 0, "votingDelaySeconds", r.VotingPeriodSec < 1, "votingPeriodSeconds", "timelockSeconds"), "range", "constitution: decision type %q needs a voting period of at least 1 second and non-negative delay and timelock", r.Type)
	}
	if r.VotingDelaySec > 365*day || r.VotingPeriodSec > 365*day || r.TimelockSec > 365*day {
		return errcode.InvalidFieldf(firstField(r.VotingDelaySec > 365*day, "votingDelaySeconds", r.VotingPeriodSec > 365*day, "votingPeriodSeconds", "timelockSeconds"), "range", "constitution: decision type %q has a delay, period or timelock longer than a year", r.Type)
	}
	if r.ProposalThreshold < 0 {
		return errcode.InvalidFieldf("proposalThreshold", "range", "constitution: decision type %q has a negative proposal threshold", r.Type)
	}
	if r.VoiceCredits < 0 || r.VoiceCredits > MaxVoiceCredits {
		return errcode.InvalidFieldf("voiceCredits", "range", "constitution: decision type %q voice credits %d are outside 0..%d", r.Type, r.VoiceCredits, MaxVoiceCredits)
	}
	if len(r.ReputationCategories) > 16 {
		return errcode.InvalidFieldf("reputationCategories", "range", "constitution: decision type %q names %d reputation categories, at most 16", r.Type, len(r.ReputationCategories))
	}
	for i, c := range r.ReputationCategories {
		if strings.TrimSpace(c) == "" || len(c) > 64 {
			return errcode.InvalidFieldf(fmt.Sprintf("reputationCategories[%d]", i), "range", "constitution: decision type %q reputation category %d is empty or longer than 64 bytes", r.Type, i)
		}
		if slices.Contains(r.ReputationCategories[:i], c) {
			return errcode.InvalidFieldf(fmt.Sprintf("reputationCategories[%d]", i), "unique", "constitution: decision type %q names reputation category %q twice", r.Type, c)
		}
	}
	return nil
}

// Hash returns the hex SHA-256 of the document's canonical JSON.
func (d *Document) Hash() (string, error) {
	raw, err := json.Marshal(d)
	if err != nil {
		return "", fmt.Errorf("hash constitution: %w", err)
	}
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:]), nil
}

// Version is one adopted version of the constitution.
type Version struct {
	Version   int64             `json:"version"`
	Hash      string            `json:"hash"`
	AdoptedAt time.Time         `json:"adoptedAt"`
	AdoptedBy identity.Identity `json:"adoptedBy"`
	TxID      string            `json:"txId"`
	// Decision is the amendment decision that installed this version
	// ("genesis" for version 1).
	Decision string   `json:"decision,omitempty"`
	Document Document `json:"document"`
}

// Event types this package emits.
const (
	EventAmended = "constitution.amended"
)

const objectType = "constitution"

func versionKey(v int64) string { return core.MustKey(objectType, "v", fmt.Sprintf("%020d", v)) }
func currentKey() string        { return core.MustKey(objectType, "current") }
func timeKey() string           { return core.MustKey(objectType, "time") }

// TimeRule is the clock skew in force (the document's
// time.maxClockSkewSeconds), kept under its own key, constitution ~ time,
// so that what every transaction reads — the endorsement guard's bound and
// the adoption check — is one small record that only the founding act and
// an amendment changing the skew write. Reading the whole constitution
// there made every transaction an MVCC conflict with any amendment in the
// same block.
type TimeRule struct {
	MaxClockSkewSec int64 `json:"maxClockSkewSeconds"`
	// Version is the constitution version that set this skew.
	Version int64 `json:"version"`
}

// MaxClockSkew is the skew as a duration.
func (r TimeRule) MaxClockSkew() time.Duration {
	return time.Duration(r.MaxClockSkewSec) * time.Second
}

// CurrentTimeRule returns the time rule in force: one point read of
// constitution ~ time. On a state adopted before that key existed it reads
// the version in force instead (the next version installed writes the
// key). Errors: FAILED_PRECONDITION before the genesis is adopted.
func CurrentTimeRule(s core.Store) (*TimeRule, error) {
	var r TimeRule
	found, err := core.GetJSON(s, timeKey(), &r)
	if err != nil {
		return nil, fmt.Errorf("read the time rule in force: %w", err)
	}
	if found {
		return &r, nil
	}
	cur, err := Current(s)
	if err != nil {
		return nil, err
	}
	return &TimeRule{MaxClockSkewSec: cur.Document.Time.MaxClockSkewSec, Version: cur.Version}, nil
}

// GenesisDecision is the Decision recorded on version 1: it was adopted by
// the founding act (chaincode/genesis), not by an amendment decision.
const GenesisDecision = "genesis"

// InstallGenesis writes version 1 as the effect of the founding act: the
// genesis every founding organisation's admin approved. It is called by
// chaincode/genesis, never directly by a transaction, and emits no event:
// the founding act emits the transaction's one event.
//
// Errors: CONFLICT (a constitution is already adopted), INVALID_ARGUMENT
// (the document breaks a rule).
func InstallGenesis(tx *core.Tx, doc Document) (*Version, error) {
	var existing Version
	found, err := core.GetJSON(tx.Store, currentKey(), &existing)
	if err != nil {
		return nil, err
	}
	if found {
		return nil, errcode.Fieldf(errcode.Conflict, "", RuleNotAdopted, "a constitution is already adopted (version %d, hash %s)", existing.Version, existing.Hash)
	}
	return write(tx, doc, 1, GenesisDecision)
}

// Install adopts the next version as the effect of an amendment decision.
// It is called by the decision engine, never directly by a transaction.
func Install(tx *core.Tx, doc Document, decision string) (*Version, error) {
	cur, err := Current(tx.Store)
	if err != nil {
		return nil, err
	}
	v, err := write(tx, doc, cur.Version+1, decision)
	if err != nil {
		return nil, err
	}
	return v, tx.Emit(EventAmended, VersionSummary{Version: v.Version, Hash: v.Hash, AdoptedAt: v.AdoptedAt, Decision: decision})
}

func write(tx *core.Tx, doc Document, version int64, decision string) (*Version, error) {
	if err := doc.Validate(); err != nil {
		return nil, err
	}
	hash, err := doc.Hash()
	if err != nil {
		return nil, err
	}
	v := &Version{Version: version, Hash: hash, AdoptedAt: tx.Time, AdoptedBy: tx.Caller.Identity, TxID: tx.TxID, Decision: decision, Document: doc}
	if err := core.PutJSON(tx.Store, versionKey(version), v); err != nil {
		return nil, err
	}
	if err := core.PutJSON(tx.Store, currentKey(), v); err != nil {
		return nil, err
	}
	if err := writeTimeRule(tx, doc, version); err != nil {
		return nil, err
	}
	return v, nil
}

// SetCalibrationTimeRule writes constitution ~ time in a namespace that
// holds no constitution: the calibration chaincode's (chaincode/benchcc),
// where none is ever adopted. Without it the clock-skew guard reads two
// absent keys there (the time rule, then the constitution it falls back
// to) before applying the configured skew, while on an adopted ledger it
// reads one; with it, the calibration put reads exactly what every
// governance transaction's guard reads, so the calibration measures
// Charter's framework and not a fallback only it takes. The rule has
// version 0 (no constitution set it).
//
// Errors: INVALID_ARGUMENT (seconds outside 1..MaxMaxClockSkewSec, field
// maxClockSkewSeconds, rule range), FAILED_PRECONDITION (a constitution is
// adopted in this namespace: there only the founding act and amendments
// write the time rule; field "", rule RuleAdopted). Charter's own
// chaincode has no transaction that calls it; were one to, RequireAdopted
// still would not take a version-0 rule for an adoption.
func SetCalibrationTimeRule(tx *core.Tx, seconds int64) (*TimeRule, error) {
	if seconds < 1 || seconds > MaxMaxClockSkewSec {
		return nil, errcode.InvalidFieldf("maxClockSkewSeconds", "range", "calibration time rule: %d seconds of clock skew; 1..%d are accepted", seconds, MaxMaxClockSkewSec)
	}
	raw, err := tx.Store.Get(currentKey())
	if err != nil {
		return nil, fmt.Errorf("read the constitution in force: %w", err)
	}
	if raw != nil {
		return nil, errcode.PreconditionFieldf("", RuleAdopted, "calibration time rule: a constitution is adopted here; only the founding act and amendments set its clock skew")
	}
	r := &TimeRule{MaxClockSkewSec: seconds}
	if err := core.PutJSON(tx.Store, timeKey(), r); err != nil {
		return nil, err
	}
	return r, nil
}

// writeTimeRule writes constitution ~ time when version sets a skew other
// than the one stored, or when none is stored (the founding act; the first
// version installed on a state that predates the key). An amendment that
// leaves the skew alone does not write it, so transactions reading it do
// not conflict with that amendment.
func writeTimeRule(tx *core.Tx, doc Document, version int64) error {
	var old TimeRule
	found, err := core.GetJSON(tx.Store, timeKey(), &old)
	if err != nil {
		return fmt.Errorf("read the time rule in force: %w", err)
	}
	if found && old.MaxClockSkewSec == doc.Time.MaxClockSkewSec {
		return nil
	}
	return core.PutJSON(tx.Store, timeKey(), TimeRule{MaxClockSkewSec: doc.Time.MaxClockSkewSec, Version: version})
}

// VersionSummary is the payload of constitution events and history entries.
type VersionSummary struct {
	Version   int64     `json:"version"`
	Hash      string    `json:"hash"`
	AdoptedAt time.Time `json:"adoptedAt,omitempty"`
	Decision  string    `json:"decision,omitempty"`
}

// NotAdoptedYet is the text of the FAILED_PRECONDITION every transaction
// but the founding act's meets before the genesis is adopted.
const NotAdoptedYet = "no constitution adopted yet: the founding organisations adopt the genesis first (constitution:ProposeGenesis, constitution:ApproveGenesis)"

// RequireAdopted returns FAILED_PRECONDITION until the genesis is adopted:
// one point read of the time rule (written by the founding act, rewritten
// only when an amendment changes the skew), or, on a state that predates
// that key or before adoption, of the version in force.
func RequireAdopted(s core.Store) error {
	var r TimeRule
	found, err := core.GetJSON(s, timeKey(), &r)
	if err != nil {
		return fmt.Errorf("read the time rule in force: %w", err)
	}
	if found && r.Version >= 1 {
		return nil
	}
	// no time rule, or a calibration namespace's (version 0, set by no
	// constitution): the version in force decides
	raw, err := s.Get(currentKey())
	if err != nil {
		return fmt.Errorf("read the constitution in force: %w", err)
	}
	if raw == nil {
		return errcode.PreconditionFieldf("", RuleAdopted, "%s", NotAdoptedYet)
	}
	return nil
}

// Current returns the version in force, or FAILED_PRECONDITION before the
// genesis is adopted.
func Current(s core.Store) (*Version, error) {
	var v Version
	found, err := core.GetJSON(s, currentKey(), &v)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, errcode.PreconditionFieldf("", RuleAdopted, "%s", NotAdoptedYet)
	}
	return &v, nil
}

// CurrentReputation returns the reputation section of the version in
// force: the same one point read as Current, decoding only that section
// of the document (an attestation reads it on every transaction, and the
// whole document is some kilobytes of JSON). FAILED_PRECONDITION before the
// genesis is adopted.
func CurrentReputation(s core.Store) (Reputation, error) {
	var v struct {
		Document struct {
			Reputation Reputation `json:"reputation"`
		} `json:"document"`
	}
	found, err := core.GetJSON(s, currentKey(), &v)
	if err != nil {
		return Reputation{}, err
	}
	if !found {
		return Reputation{}, errcode.PreconditionFieldf("", RuleAdopted, "%s", NotAdoptedYet)
	}
	return v.Document.Reputation, nil
}

// Get returns one version.
func Get(s core.Store, version int64) (*Version, error) {
	if version < 1 {
		return nil, errcode.InvalidFieldf("version", "range", "constitution version %d: versions start at 1", version)
	}
	var v Version
	found, err := core.GetJSON(s, versionKey(version), &v)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, errcode.Fieldf(errcode.NotFound, "", "exists", "constitution version %d does not exist", version)
	}
	return &v, nil
}

// History lists every version, oldest first.
func History(s core.Store) ([]VersionSummary, error) {
	out := []VersionSummary{}
	err := s.Scan(objectType, []string{"v"}, func(key string, value []byte) error {
		var v Version
		if err := core.DecodeJSON(key, value, &v); err != nil {
			return err
		}
		out = append(out, VersionSummary{Version: v.Version, Hash: v.Hash, AdoptedAt: v.AdoptedAt, Decision: v.Decision})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("constitution history: %w", err)
	}
	return out, nil
}

// Rules a constitution refusal names (errcode.Fieldf), beside the common
// ones ("required", "range", "enum", "unique", "format", "exists",
// "max-length"). Fields of a document are named from its root
// ("decisionRules[3].thresholdBps", "treasury.accounts[1].id").
const (
	RuleAdopted            = "adopted"             // a constitution is adopted (the founding act is done)
	RuleNotAdopted         = "not-adopted"         // the first constitution is installed once
	RuleRequiredRoute      = "required-route"      // every decision type Charter needs is routed
	RuleStrictestAmendment = "amendment-strictest" // no decision type needs more than an amendment
	RuleMediationBar       = "mediation-bar"       // mediation passes nothing with less than its own rule
	RuleFamilyPerHouse     = "family-per-house"    // a decision type names one voting family per house
	RuleAmendmentNoSunset  = "amendment-no-sunset" // the power to amend cannot expire
	RulePowerInForce       = "power-in-force"      // a power is exercised only before its sunset clause lapses it
)

// nestField returns err naming its field under prefix (prefix.field),
// as the document that nests the refused part spells it; an error naming
// no field is returned as it is.
func nestField(err error, prefix string) error {
	if f, _ := errcode.FieldOf(err); f != "" {
		return errcode.WithField(err, prefix+"."+f)
	}
	return err
}

// firstField names the field of a refusal that checks several at once:
// a when ok is set, else b when okB is set, else c.
func firstField(ok bool, a string, okB bool, b, c string) string {
	switch {
	case ok:
		return a
	case okB:
		return b
	}
	return c
}
