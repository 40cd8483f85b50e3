package reputation

import (
	"fmt"
	"math"
	"math/bits"
	"sort"
	"time"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/contribution"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/membership"
)

// breakdown is a member's score per category (in the order of
// contribution.All), in milli-points.
type breakdown [7]int64

// sum adds the scores of cats (every category when cats is empty).
func (b breakdown) sum(cats []contribution.Category) int64 {
	var total int64
	if len(cats) == 0 {
		for _, v := range b {
			total = satAdd(total, v)
		}
		return total
	}
	for _, c := range cats {
		if i := c.Index(); i >= 0 {
			total = satAdd(total, b[i])
		}
	}
	return total
}

// satAdd adds two non-negative scores, saturating at math.MaxInt64 (out of
// reach in practice: the caps bound what one member can receive).
func satAdd(a, b int64) int64 {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

// scaleBps returns floor(v × bps / 10000) without overflow, for
// 0 ≤ bps ≤ 10000 and v ≥ 0.
func scaleBps(v, bps int64) int64 {
	hi, lo := bits.Mul64(uint64(v), uint64(bps))
	q, _ := bits.Div64(hi, lo, 10000)
	return int64(q)
}

// value returns the undecayed value of an attestation in milli-points:
// weight × 1000 raised by the endorsement bonus,
// floor(weight × 1000 × (10000 + bonusBps) / 10000), where bonusBps is
// min(endorsements × endorsementBonusBps, maxEndorsementBonusBps).
func value(weight, endorsements int64, p constitution.Reputation) int64 {
	// endorsements is bounded by the number of members and the bonus by
	// 10000 bps, so the product cannot overflow.
	bonus := max(min(endorsements*p.EndorsementBonusBps, p.MaxEndorsementBonusBp), 0)
	return scaleBps(weight*MilliPerPoint, 10000+bonus)
}

// counts reports whether an attestation counts at time at: issued at or
// before at, not revoked at or before at, not expired at at.
func (a *Attestation) counts(at time.Time) bool {
	if a.IssuedAt.After(at) {
		return false
	}
	if a.Revoked != nil && !a.Revoked.At.After(at) {
		return false
	}
	if a.ExpiresAt != nil && !at.Before(*a.ExpiresAt) {
		return false
	}
	return true
}

// slashesAt returns the member's slashes made at or before at, ordered by
// (At, ID), with extra (a slash being made) appended last.
func slashesAt(s core.Store, member identity.Identity, at time.Time, extra *SlashRecord) ([]SlashRecord, error) {
	var out []SlashRecord
	err := s.Scan(objSlash, []string{member.MSPID, member.ID}, func(key string, value []byte) error {
		var sl SlashRecord
		if err := core.DecodeJSON(key, value, &sl); err != nil {
			return err
		}
		if !sl.At.After(at) {
			out = append(out, sl)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read slashes of %s: %w", member, err)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].At.Equal(out[j].At) {
			return out[i].At.Before(out[j].At)
		}
		return out[i].ID < out[j].ID
	})
	if extra != nil {
		out = append(out, *extra)
	}
	return out, nil
}

// endorsementCounts counts, per attestation ID, the endorsements made at or
// before at. The map is only looked up, never iterated.
func endorsementCounts(s core.Store, member identity.Identity, at time.Time) (map[string]int64, error) {
	n := map[string]int64{}
	err := s.Scan(objEndorsement, []string{member.MSPID, member.ID}, func(key string, value []byte) error {
		var e Endorsement
		if err := core.DecodeJSON(key, value, &e); err != nil {
			return err
		}
		if !e.At.After(at) {
			n[e.AttestationID]++
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read endorsements of %s: %w", member, err)
	}
	return n, nil
}

// compute is the one score computation. For each category it sums the
// decayed values of the counting attestations, grouped by the slashes that
// apply to them (a slash applies to the attestations issued at or before
// it, so the applicable slashes of an attestation are a suffix of the
// time-ordered list); each group's sum is then scaled by its slashes in
// time order, rounding down at each slash, and the groups are added.
// Every step is integer arithmetic; the result depends only on the stored
// records, at and p.
func compute(s core.Store, member identity.Identity, at time.Time, p constitution.Reputation, extra *SlashRecord) (breakdown, error) {
	var b breakdown
	slashes, err := slashesAt(s, member, at, extra)
	if err != nil {
		return b, err
	}
	endorsed, err := endorsementCounts(s, member, at)
	if err != nil {
		return b, err
	}
	// groups[c][g]: the decayed sum of category c's attestations to which
	// slashes[g:] apply.
	groups := make([][]int64, len(b))
	for i := range groups {
		groups[i] = make([]int64, len(slashes)+1)
	}
	atUnix := at.Unix()
	err = s.Scan(objAttestation, []string{member.MSPID, member.ID}, func(key string, raw []byte) error {
		var a Attestation
		if err := core.DecodeJSON(key, raw, &a); err != nil {
			return err
		}
		if !a.counts(at) {
			return nil
		}
		ci := a.Category.Index()
		if ci < 0 {
			return errcode.New(errcode.Internal, "attestation %s has unknown category %q", a.ID, a.Category)
		}
		v := Decay(value(a.Weight, endorsed[a.ID], p), atUnix-a.IssuedAt.Unix(), p.HalfLifeSec)
		g := sort.Search(len(slashes), func(i int) bool { return !slashes[i].At.Before(a.IssuedAt) })
		groups[ci][g] = satAdd(groups[ci][g], v)
		return nil
	})
	if err != nil {
		return b, fmt.Errorf("read attestations of %s: %w", member, err)
	}
	for ci, cat := range contribution.All() {
		var total int64
		for g, v := range groups[ci] {
			for _, sl := range slashes[g:] {
				if sl.Category == "" || sl.Category == cat {
					v = scaleBps(v, 10000-sl.FractionBps)
				}
			}
			total = satAdd(total, v)
		}
		b[ci] = total
	}
	return b, nil
}

// ScoreAt returns member's reputation score at time at, in milli-points,
// over categories (every category when empty): the sum of the category
// scores (a category named twice counts once). It is what the ballot
// engine snapshots when a ballot opens.
//
// It is computable for any past (or future) at: an attestation issued after
// at, revoked at or before at, or expired at at does not count; endorsements
// and slashes made after at do not count. It reads only the member's own
// records and the reputation parameters of the constitution in force.
// Identical stores give identical results on every peer.
//
// Caller: anyone. Errors: INVALID_ARGUMENT (malformed identity, unknown
// category), FAILED_PRECONDITION (no constitution).
func ScoreAt(s core.Store, member identity.Identity, at time.Time, categories []contribution.Category) (int64, error) {
	return ScoreWith(s, member, at, categories, nil)
}

// ScoreWith is ScoreAt under the given reputation parameters (those of the
// constitution in force when p is nil). A ballot passes the parameters it
// pinned when it was created, so an amendment between its opening and its
// tally changes no weight.
func ScoreWith(s core.Store, member identity.Identity, at time.Time, categories []contribution.Category, pinned *constitution.Reputation) (int64, error) {
	if err := member.Validate(); err != nil {
		return 0, err
	}
	cats, err := contribution.Normalise(categories)
	if err != nil {
		return 0, err
	}
	var p constitution.Reputation
	if pinned != nil {
		p = *pinned
	} else if p, err = params(s); err != nil {
		return 0, err
	}
	b, err := compute(s, member, at, p, nil)
	if err != nil {
		return 0, err
	}
	return b.sum(cats), nil
}

// CategoryScore is one category's score in milli-points.
type CategoryScore struct {
	Category contribution.Category `json:"category"`
	Score    int64                 `json:"score"`
}

// ScoreReport is a member's score at a point in time.
type ScoreReport struct {
	Member identity.Identity `json:"member"`
	At     time.Time         `json:"at"`
	// Categories are the categories Score sums; empty means all.
	Categories []contribution.Category `json:"categories,omitempty"`
	// Score is in milli-points (1000 per attestation weight point).
	Score int64 `json:"score"`
	// ByCategory lists every category's score, in the fixed category order.
	ByCategory []CategoryScore `json:"byCategory"`
}

// Scores returns member's score at at over categories (every category when
// empty), with every category's score. Caller: anyone. Errors: as ScoreAt.
func Scores(s core.Store, member identity.Identity, at time.Time, categories []contribution.Category) (*ScoreReport, error) {
	if err := member.Validate(); err != nil {
		return nil, err
	}
	cats, err := contribution.Normalise(categories)
	if err != nil {
		return nil, err
	}
	p, err := params(s)
	if err != nil {
		return nil, err
	}
	b, err := compute(s, member, at, p, nil)
	if err != nil {
		return nil, err
	}
	r := &ScoreReport{Member: member, At: at.UTC(), Categories: cats, Score: b.sum(cats), ByCategory: make([]CategoryScore, 0, len(b))}
	for i, c := range contribution.All() {
		r.ByCategory = append(r.ByCategory, CategoryScore{Category: c, Score: b[i]})
	}
	return r, nil
}

// EligibilityReport says whether a member is eligible for a House A seat at
// a point in time, and why.
type EligibilityReport struct {
	Member identity.Identity `json:"member"`
	At     time.Time         `json:"at"`
	// Eligible is true when the member is active and meets both thresholds.
	Eligible     bool `json:"eligible"`
	ActiveMember bool `json:"activeMember"`
	// HoldsSeat is true when the member holds the house_a role.
	HoldsSeat bool `json:"holdsSeat"`
	// SeatLost is true when the member holds a seat but is no longer
	// eligible: seats are non-transferable and lost below the threshold or
	// on removal.
	SeatLost bool `json:"seatLost"`
	// Scores and thresholds, in milli-points. SafetyScore sums the
	// red_teaming and safety_review categories.
	TotalScore     int64 `json:"totalScore"`
	SafetyScore    int64 `json:"safetyScore"`
	MinTotalScore  int64 `json:"minTotalScore"`
	MinSafetyScore int64 `json:"minSafetyScore"`
	// Reasons explains the outcome, one line per rule.
	Reasons []string `json:"reasons"`
}

// Eligibility reports whether member is eligible for a House A seat at at.
// The constitution's houseAMinTotalScore and houseAMinSafetyScore are in
// whole points; a member is eligible when active, with a total score of at
// least houseAMinTotalScore × 1000 milli-points and a safety score
// (red_teaming + safety_review) of at least houseAMinSafetyScore × 1000.
//
// Caller: anyone. Errors: INVALID_ARGUMENT (malformed identity), NOT_FOUND
// (never registered), FAILED_PRECONDITION (no constitution).
func Eligibility(s core.Store, member identity.Identity, at time.Time) (EligibilityReport, error) {
	m, err := membership.Get(s, member)
	if err != nil {
		return EligibilityReport{}, err
	}
	p, err := params(s)
	if err != nil {
		return EligibilityReport{}, err
	}
	return eligibility(s, m, at, p)
}

func eligibility(s core.Store, m *membership.Member, at time.Time, p constitution.Reputation) (EligibilityReport, error) {
	b, err := compute(s, m.Identity, at, p, nil)
	if err != nil {
		return EligibilityReport{}, err
	}
	r := EligibilityReport{
		Member:         m.Identity,
		At:             at.UTC(),
		ActiveMember:   m.Status == membership.StatusActive,
		HoldsSeat:      m.Has(membership.RoleHouseA),
		TotalScore:     b.sum(nil),
		SafetyScore:    b.sum(contribution.Safety()),
		MinTotalScore:  satMul(p.HouseAMinTotal, MilliPerPoint),
		MinSafetyScore: satMul(p.HouseAMinSafety, MilliPerPoint),
		Reasons:        []string{},
	}
	totalOK := r.TotalScore >= r.MinTotalScore
	safetyOK := r.SafetyScore >= r.MinSafetyScore
	if r.ActiveMember {
		r.Reasons = append(r.Reasons, "is an active member")
	} else {
		r.Reasons = append(r.Reasons, "is not an active member (removed)")
	}
	r.Reasons = append(r.Reasons, fmt.Sprintf("total score %s %s the minimum %s", milli(r.TotalScore), meets(totalOK), milli(r.MinTotalScore)))
	r.Reasons = append(r.Reasons, fmt.Sprintf("safety score (red_teaming + safety_review) %s %s the minimum %s", milli(r.SafetyScore), meets(safetyOK), milli(r.MinSafetyScore)))
	r.Eligible = r.ActiveMember && totalOK && safetyOK
	r.SeatLost = r.HoldsSeat && !r.Eligible
	if r.SeatLost {
		r.Reasons = append(r.Reasons, "holds a House A seat but no longer qualifies: the seat is lost")
	}
	return r, nil
}

func satMul(a, b int64) int64 {
	if a > 0 && a > math.MaxInt64/b {
		return math.MaxInt64
	}
	return a * b
}

func meets(ok bool) string {
	if ok {
		return "meets"
	}
	return "is below"
}

// milli renders milli-points as points with three decimals: 1500 → "1.500".
func milli(v int64) string { return fmt.Sprintf("%d.%03d", v/MilliPerPoint, v%MilliPerPoint) }

// EligibilityPage is one page of eligibility reports and the bookmark of
// the next ("" when this was the last).
type EligibilityPage struct {
	Reports  []EligibilityReport `json:"reports"`
	Bookmark string              `json:"bookmark,omitempty"`
}

// EligibleMembers reports House A eligibility at at for one page of active
// members (eligible or not, seat holders included) in key order (by MSP,
// then identity), of one MSP when mspID is not empty: at most pageSize
// member records read (1..core.MaxPageSize; 0 means core.DefaultListPage)
// from bookmark ("" starts). A page may hold fewer reports than it read
// when removed members were skipped. A query: it reads one page of the
// register and each listed member's own reputation records.
// Caller: anyone. Errors: FAILED_PRECONDITION (no constitution),
// INVALID_ARGUMENT (page size, bookmark).
func EligibleMembers(s core.Store, mspID string, at time.Time, pageSize int, bookmark string) (*EligibilityPage, error) {
	p, err := params(s)
	if err != nil {
		return nil, err
	}
	page, err := membership.ListPaged(s, membership.ListRequest{MSPID: mspID, PageSize: pageSize, Bookmark: bookmark})
	if err != nil {
		return nil, fmt.Errorf("eligible members: %w", err)
	}
	out := &EligibilityPage{Reports: make([]EligibilityReport, 0, len(page.Members)), Bookmark: page.Bookmark}
	for i := range page.Members {
		r, err := eligibility(s, &page.Members[i], at, p)
		if err != nil {
			return nil, err
		}
		out.Reports = append(out.Reports, r)
	}
	return out, nil
}

// History is every reputation record of a member, in key order: the
// attestations it received (revoked ones marked), their endorsements and
// its slashes.
type History struct {
	Member       identity.Identity `json:"member"`
	Attestations []Attestation     `json:"attestations"`
	Endorsements []Endorsement     `json:"endorsements"`
	Slashes      []SlashRecord     `json:"slashes"`
}

// MemberHistory returns every reputation record of member. Caller: anyone.
// Errors: INVALID_ARGUMENT (malformed identity).
func MemberHistory(s core.Store, member identity.Identity) (*History, error) {
	if err := member.Validate(); err != nil {
		return nil, err
	}
	h := &History{Member: member, Attestations: []Attestation{}, Endorsements: []Endorsement{}, Slashes: []SlashRecord{}}
	attrs := []string{member.MSPID, member.ID}
	err := s.Scan(objAttestation, attrs, func(key string, value []byte) error {
		var a Attestation
		if err := core.DecodeJSON(key, value, &a); err != nil {
			return err
		}
		h.Attestations = append(h.Attestations, a)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("history of %s: %w", member, err)
	}
	err = s.Scan(objEndorsement, attrs, func(key string, value []byte) error {
		var e Endorsement
		if err := core.DecodeJSON(key, value, &e); err != nil {
			return err
		}
		h.Endorsements = append(h.Endorsements, e)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("history of %s: %w", member, err)
	}
	err = s.Scan(objSlash, attrs, func(key string, value []byte) error {
		var sl SlashRecord
		if err := core.DecodeJSON(key, value, &sl); err != nil {
			return err
		}
		h.Slashes = append(h.Slashes, sl)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("history of %s: %w", member, err)
	}
	return h, nil
}
