package storedformat

import (
	"bytes"
	"encoding/json"
	"github.com/charter-gov/charter/chaincode/admission"
	"github.com/charter-gov/charter/chaincode/artifact"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/ballot"
	"github.com/charter-gov/charter/chaincode/coi"
	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/decision"
	"github.com/charter-gov/charter/chaincode/delegation"
	"github.com/charter-gov/charter/chaincode/emergency"
	"github.com/charter-gov/charter/chaincode/funding"
	"github.com/charter-gov/charter/chaincode/genesis"
	"github.com/charter-gov/charter/chaincode/incident"
	"github.com/charter-gov/charter/chaincode/membership"
	"github.com/charter-gov/charter/chaincode/reputation"
	"github.com/charter-gov/charter/chaincode/round"
	"github.com/charter-gov/charter/chaincode/token"
	"github.com/charter-gov/charter/chaincode/treasury"
	"github.com/charter-gov/charter/chaincode/upgrade"
	"github.com/charter-gov/charter/chaincode/vouch"
	"github.com/charter-gov/charter/internal/golden"
)

// records lists every record type written to the ledger. Each golden file
// holds two lines: the stored bytes of a record with every field set, and
// of the zero record (which shows the fields omitted when empty).
func records() []struct {
	file string
	new  func() any
} {
	return []struct {
		file string
		new  func() any
	}{
		{"member.golden.jsonl", func() any { return new(membership.Member) }},
		{"constitution-version.golden.jsonl", func() any { return new(constitution.Version) }},
		{"constitution-time-rule.golden.jsonl", func() any { return new(constitution.TimeRule) }},
		{"ballot.golden.jsonl", func() any { return new(ballot.Ballot) }},
		{"vote.golden.jsonl", func() any { return new(ballot.Vote) }},
		{"ballot-tally-state.golden.jsonl", func() any { return new(ballot.TallyState) }},
		{"decision.golden.jsonl", func() any { return new(decision.Decision) }},
		{"decision-ballot-link.golden.jsonl", func() any { return new(decision.BallotLink) }},
		{"decision-appellant.golden.jsonl", func() any { return new(decision.Appellant) }},
		{"token-checkpoint.golden.jsonl", func() any { return new(token.Checkpoint) }},
		{"token-account.golden.jsonl", func() any { return new(token.Account) }},
		{"delegation.golden.jsonl", func() any { return new(delegation.Version) }},
		{"delegation-in-edge.golden.jsonl", func() any { return new(delegation.InEdge) }},
		{"disclosure.golden.jsonl", func() any { return new(coi.Disclosure) }},
		{"attestation.golden.jsonl", func() any { return new(reputation.Attestation) }},
		{"attestation-given.golden.jsonl", func() any { return new(reputation.Given) }},
		{"endorsement.golden.jsonl", func() any { return new(reputation.Endorsement) }},
		{"slash.golden.jsonl", func() any { return new(reputation.SlashRecord) }},
		{"genesis-proposal.golden.jsonl", func() any { return new(genesis.Proposal) }},
		{"genesis-approval.golden.jsonl", func() any { return new(genesis.Approval) }},
		{"genesis-adoption.golden.jsonl", func() any { return new(genesis.Adoption) }},
		{"vouch.golden.jsonl", func() any { return new(vouch.Vouch) }},
		{"round.golden.jsonl", func() any { return new(round.Round) }},
		{"round-budget-use.golden.jsonl", func() any { return new(round.BudgetUse) }},
		{"round-project.golden.jsonl", func() any { return new(round.Project) }},
		{"round-accepted.golden.jsonl", func() any { return new(round.AcceptedRef) }},
		{"round-contribution.golden.jsonl", func() any { return new(round.Contribution) }},
		{"round-totals.golden.jsonl", func() any { return new(funding.Totals) }},
		{"round-close-state.golden.jsonl", func() any { return new(round.CloseState) }},
		{"round-results.golden.jsonl", func() any { return new(round.Results) }},
		{"incident.golden.jsonl", func() any { return new(incident.Incident) }},
		{"treasury-account.golden.jsonl", func() any { return new(treasury.Account) }},
		{"treasury-movement.golden.jsonl", func() any { return new(treasury.Movement) }},
		{"treasury-budget.golden.jsonl", func() any { return new(treasury.Budget) }},
		{"treasury-spend.golden.jsonl", func() any { return new(treasury.Spend) }},
		{"treasury-approval.golden.jsonl", func() any { return new(treasury.Approval) }},
		{"treasury-period-usage.golden.jsonl", func() any { return new(treasury.PeriodUsage) }},
		{"treasury-deposit.golden.jsonl", func() any { return new(treasury.DepositRecord) }},
		{"emergency-support.golden.jsonl", func() any { return new(emergency.Support) }},
		{"emergency-pause.golden.jsonl", func() any { return new(emergency.Pause) }},
		{"emergency-incident.golden.jsonl", func() any { return new(emergency.Incident) }},
		{"emergency-clearance.golden.jsonl", func() any { return new(emergency.Clearance) }},
		{"upgrade-authorisation.golden.jsonl", func() any { return new(upgrade.Authorisation) }},
		{"upgrade-signoff.golden.jsonl", func() any { return new(upgrade.SignOff) }},
		{"admission.golden.jsonl", func() any { return new(admission.Admission) }},
		{"artifact.golden.jsonl", func() any { return new(artifact.Artifact) }},
		{"artifact-child.golden.jsonl", func() any { return new(artifact.Child) }},
		{"artifact-digest.golden.jsonl", func() any { return new(artifact.Ref) }},
		{"artifact-attestation.golden.jsonl", func() any { return new(artifact.Attestation) }},
		{"artifact-state.golden.jsonl", func() any { return new(artifact.State) }},
		{"artifact-takedown.golden.jsonl", func() any { return new(artifact.Takedown) }},
		{"artifact-affected.golden.jsonl", func() any { return new(artifact.Affected) }},
	}
}

func stored(t *testing.T, v any) []byte {
	t.Helper()
	s := core.NewMemStore()
	require.NoError(t, core.PutJSON(s, "k", v))
	raw, err := s.Get("k")
	require.NoError(t, err)
	return raw
}

// TestStoredRecordsMatchGoldenFiles fails when any stored record's bytes
// change: a field renamed, added, removed, retyped, or encoded otherwise.
func TestStoredRecordsMatchGoldenFiles(t *testing.T) {
	for _, r := range records() {
		t.Run(r.file, func(t *testing.T) {
			filled := r.new()
			golden.Fill(filled)
			var out bytes.Buffer
			out.Write(stored(t, filled))
			out.WriteByte('\n')
			out.Write(stored(t, r.new()))
			out.WriteByte('\n')
			golden.Assert(t, r.file, out.Bytes())

			// The filled record reads back to itself: nothing is lost in
			// the stored form.
			back := r.new()
			require.NoError(t, json.Unmarshal(stored(t, filled), back))
			require.Equal(t, filled, back)
		})
	}
}
