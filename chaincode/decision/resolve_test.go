package decision_test

import (
	"math/big"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/constitution"
	. "github.com/charter-gov/charter/chaincode/decision"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/internal/testutil"
)

func TestResolve(t *testing.T) {
	t0 := testutil.T0()
	closeA, closeB := t0, t0.Add(time.Hour) // B closes last
	conc := constitution.Concurrence{MediationSec: 7 * 86400, PassingHouseBps: 6667, OtherHouseBps: 4000}
	mediationEnd := closeB.Add(7 * 24 * time.Hour)
	joint := constitution.DecisionRule{Type: constitution.Amendment, Houses: []constitution.HouseID{"A", "B"}}
	onlyA := constitution.DecisionRule{Type: constitution.ReleaseStage, Houses: []constitution.HouseID{"A"}}
	onlyB := constitution.DecisionRule{Type: constitution.Budget, Houses: []constitution.HouseID{"B"}}
	a := func(quorum, passed bool, bps int64) HouseResult {
		return HouseResult{House: "A", QuorumMet: quorum, Passed: passed, ForBps: bps, ClosedAt: closeA}
	}
	b := func(quorum, passed bool, bps int64) HouseResult {
		return HouseResult{House: "B", QuorumMet: quorum, Passed: passed, ForBps: bps, ClosedAt: closeB}
	}
	tests := []struct {
		name      string
		rule      constitution.DecisionRule
		results   []HouseResult
		now       time.Time
		verdict   Verdict
		branch    string
		decidedAt time.Time
		mediation bool
	}{
		{"A only: passed", onlyA, []HouseResult{a(true, true, 8000)}, closeA, VerdictPassed, BranchSingleHousePassed, closeA, false},
		{"A only: threshold missed", onlyA, []HouseResult{a(true, false, 6000)}, closeA, VerdictRejected, BranchSingleHouseFailed, closeA, false},
		{"A only: quorum missed", onlyA, []HouseResult{a(false, false, 10000)}, closeA, VerdictRejected, BranchSingleHouseFailed, closeA, false},
		{"B only: passed", onlyB, []HouseResult{b(true, true, 5001)}, closeB, VerdictPassed, BranchSingleHousePassed, closeB, false},
		{"cancelled ballot", joint, []HouseResult{a(true, true, 9000), {House: "B", Cancelled: true, ClosedAt: closeB}}, closeB, VerdictRejected, BranchCancelled, closeB, false},
		{"pass/pass", joint, []HouseResult{a(true, true, 7000), b(true, true, 6800)}, closeB, VerdictPassed, BranchBothPassed, closeB, false},
		{"fail/fail", joint, []HouseResult{a(true, false, 3000), b(true, false, 2000)}, closeB, VerdictRejected, BranchBothFailed, closeB, false},
		{"quorum failure in B, A passed", joint, []HouseResult{a(true, true, 9000), b(false, false, 9000)}, mediationEnd, VerdictRejected, BranchQuorumFailed, closeB, false},
		{"quorum failure in A, B passed", joint, []HouseResult{a(false, false, 0), b(true, true, 9000)}, mediationEnd, VerdictRejected, BranchQuorumFailed, closeB, false},
		{"pass/fail: mediating", joint, []HouseResult{a(true, true, 9000), b(true, false, 4500)}, mediationEnd.Add(-time.Second), VerdictMediation, BranchMediating, time.Time{}, true},
		{"pass/fail: after mediation, supermajority exactly at the bars", joint, []HouseResult{a(true, true, 6667), b(true, false, 4000)}, mediationEnd, VerdictPassed, BranchSupermajority, mediationEnd, true},
		{"pass/fail: after mediation, passing house one bp short", joint, []HouseResult{a(true, true, 6666), b(true, false, 4900)}, mediationEnd, VerdictRejected, BranchNoSupermajority, mediationEnd, true},
		{"pass/fail: after mediation, other house one bp short", joint, []HouseResult{a(true, true, 9000), b(true, false, 3999)}, mediationEnd.Add(time.Hour), VerdictRejected, BranchNoSupermajority, mediationEnd, true},
		{"fail/pass: B passed with a supermajority, A gave enough", joint, []HouseResult{a(true, false, 4500), b(true, true, 8000)}, mediationEnd, VerdictPassed, BranchSupermajority, mediationEnd, true},
		{"fail/pass: B passed below the supermajority", joint, []HouseResult{a(true, false, 4500), b(true, true, 6000)}, mediationEnd, VerdictRejected, BranchNoSupermajority, mediationEnd, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := Resolve(tt.rule, conc, tt.results, tt.now)
			require.NoError(t, err)
			assert.Equal(t, tt.verdict, out.Verdict)
			assert.Equal(t, tt.branch, out.Branch)
			assert.Equal(t, tt.decidedAt, out.DecidedAt)
			if tt.mediation {
				require.NotNil(t, out.MediationEndsAt)
				assert.Equal(t, mediationEnd, *out.MediationEndsAt)
			} else {
				assert.Nil(t, out.MediationEndsAt)
			}
			assert.Empty(t, cmp.Diff(tt.results, out.Houses))
			again, err := Resolve(tt.rule, conc, tt.results, tt.now)
			require.NoError(t, err)
			assert.Equal(t, out, again, "pure")
		})
	}
}

func TestResolveZeroMediation(t *testing.T) {
	conc := constitution.Concurrence{MediationSec: 0, PassingHouseBps: 6667, OtherHouseBps: 4000}
	rule := constitution.DecisionRule{Houses: []constitution.HouseID{"A", "B"}}
	t0 := testutil.T0()
	out, err := Resolve(rule, conc, []HouseResult{{House: "A", QuorumMet: true, Passed: true, ForBps: 7000, ClosedAt: t0}, {House: "B", QuorumMet: true, ForBps: 4500, ClosedAt: t0}}, t0)
	require.NoError(t, err)
	assert.Equal(t, VerdictPassed, out.Verdict, "no mediation period: decided at once")
}

func TestResolveRefusesMismatchedResults(t *testing.T) {
	joint := constitution.DecisionRule{Type: constitution.Amendment, Houses: []constitution.HouseID{"A", "B"}}
	conc := constitution.Default().Concurrence
	for name, rs := range map[string][]HouseResult{
		"none":              nil,
		"one of two":        {{House: "A"}},
		"wrong order":       {{House: "B"}, {House: "A"}},
		"passed w/o quorum": {{House: "A", Passed: true}, {House: "B"}},
		"share above 100%":  {{House: "A", ForBps: 10001}, {House: "B"}},
		"negative share":    {{House: "A"}, {House: "B", ForBps: -1}},
	} {
		_, err := Resolve(joint, conc, rs, testutil.T0())
		assert.ErrorIs(t, err, errcode.ErrInvalidArgument, name)
	}
}

func TestShareBps(t *testing.T) {
	tests := []struct {
		f, a int64
		want int64
	}{
		{0, 0, 0}, {0, 5, 0}, {5, 0, 10000}, {2, 1, 6666}, {1, 1, 5000}, {6667, 3333, 6667}, {1, 2, 3333},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, ShareBps(big.NewInt(tt.f), big.NewInt(tt.a)), "%d/%d", tt.f, tt.a)
	}
	// Exactness of the comparison: floor(f×10000/(f+a)) ≥ bar ⇔ f×10000 ≥ bar×(f+a).
	for f := int64(0); f < 40; f++ {
		for a := int64(0); a < 40; a++ {
			for _, bar := range []int64{4000, 5001, 6667} {
				exact := f*10000 >= bar*(f+a) && f+a > 0 && f > 0
				assert.Equal(t, exact, ShareBps(big.NewInt(f), big.NewInt(a)) >= bar, "%d/%d bar %d", f, a, bar)
			}
		}
	}
}

// FuzzResolve checks the concurrence rule's invariants on arbitrary
// results: consistent inputs never error; a joint decision never passes
// without both quorums; passing with disagreeing houses needs both bars
// and the end of mediation; the result does not depend on anything but
// its inputs.
func FuzzResolve(f *testing.F) {
	f.Add(true, true, int64(7000), true, false, int64(4500), int64(3600), int64(6667), int64(4000), int64(7200))
	f.Add(false, false, int64(0), true, true, int64(9000), int64(0), int64(5001), int64(0), int64(0))
	f.Fuzz(func(t *testing.T, qa, pa bool, fa int64, qb, pb bool, fb, med, passBar, otherBar, elapsed int64) {
		clamp := func(v, lo, hi int64) int64 {
			if v < lo {
				return lo
			}
			if v > hi {
				return hi
			}
			return v
		}
		fa, fb = clamp(fa, 0, 10000), clamp(fb, 0, 10000)
		med, elapsed = clamp(med, 0, 1<<30), clamp(elapsed, 0, 1<<31)
		conc := constitution.Concurrence{MediationSec: med, PassingHouseBps: clamp(passBar, 5001, 10000), OtherHouseBps: clamp(otherBar, 0, 10000)}
		t0 := testutil.T0()
		rs := []HouseResult{{House: "A", QuorumMet: qa || pa, Passed: pa, ForBps: fa, ClosedAt: t0}, {House: "B", QuorumMet: qb || pb, Passed: pb, ForBps: fb, ClosedAt: t0}}
		rule := constitution.DecisionRule{Houses: []constitution.HouseID{"A", "B"}}
		now := t0.Add(time.Duration(elapsed) * time.Second)
		out, err := Resolve(rule, conc, rs, now)
		if err != nil {
			t.Fatalf("consistent results refused: %v", err)
		}
		if out.Verdict == VerdictPassed && !(rs[0].QuorumMet && rs[1].QuorumMet) {
			t.Fatalf("passed without both quorums: %+v", out)
		}
		if pa != pb && out.Verdict == VerdictPassed {
			passing, other := fa, fb
			if pb {
				passing, other = fb, fa
			}
			if passing < conc.PassingHouseBps || other < conc.OtherHouseBps || elapsed < med {
				t.Fatalf("passed a disagreement without the supermajority after mediation: %+v", out)
			}
		}
		if out.Verdict == VerdictMediation && (pa == pb || elapsed >= med) {
			t.Fatalf("mediation outside a disagreement before its end: %+v", out)
		}
	})
}
