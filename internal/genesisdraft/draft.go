// Package genesisdraft builds a genesis document from its parts: the one
// implementation behind `charter genesis draft` and the API's
// `POST /v1/genesis/draft`. Nothing is sent anywhere: the draft is
// proposed afterwards (genesis propose, POST /v1/genesis/proposals).
package genesisdraft

import (
	"fmt"
	"slices"
	"strings"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/genesis"
	"github.com/charter-gov/charter/chaincode/membership"
)

// Options are a draft's parts. Zero values leave the constitution's own.
type Options struct {
	// Founders are the founding organisations' MSP IDs.
	Founders []string
	// Constitution is the document; nil: constitution.Default().
	Constitution *constitution.Document
	// Members are the initial members with their roles.
	Members []membership.FoundingMember
	// Allocations give initial members governance tokens.
	Allocations []genesis.Allocation
	// PeriodsSec > 0 (trial networks and demos) votes every decision type
	// (or those of PeriodsFor) for that long with no voting delay and no
	// timelock, mediates for it and closes appeals with the vote.
	PeriodsSec int64
	PeriodsFor []string
	// ClockSkewSec > 0 sets the constitution's clock skew.
	ClockSkewSec int64
	// TreasuryDelaySec, when set, is the treasury's execution delay.
	TreasuryDelaySec *int64
}

// Draft builds the genesis document of o and returns its hash and its
// normalised form (what the chaincode hashes and what a founder
// approves). Errors: INVALID_ARGUMENT naming the field (periodsFor,
// the genesis's own rules).
func Draft(o Options) (string, genesis.Genesis, error) {
	doc := constitution.Default()
	if o.Constitution != nil {
		doc = *o.Constitution
	}
	if o.PeriodsSec < 0 || o.ClockSkewSec < 0 || (o.TreasuryDelaySec != nil && *o.TreasuryDelaySec < 0) {
		return "", genesis.Genesis{}, errcode.Invalidf("genesis draft: periods, clock skew and treasury delay are whole seconds, not negative")
	}
	if o.PeriodsSec > 0 {
		if err := shortPeriods(&doc, o.PeriodsSec, o.PeriodsFor); err != nil {
			return "", genesis.Genesis{}, err
		}
	} else if len(o.PeriodsFor) > 0 {
		return "", genesis.Genesis{}, errcode.InvalidFieldf("periodsFor", "with-periods", "periodsFor goes with periods")
	}
	if o.ClockSkewSec > 0 {
		doc.Time.MaxClockSkewSec = o.ClockSkewSec
	}
	if o.TreasuryDelaySec != nil {
		doc.Treasury.ExecutionDelaySec = *o.TreasuryDelaySec
	}
	g := genesis.Genesis{Founders: o.Founders, Constitution: doc, Members: o.Members, Allocations: o.Allocations}
	hash, n, err := genesis.Hash(g)
	if err != nil {
		return "", genesis.Genesis{}, fmt.Errorf("genesis draft: %w", err)
	}
	return hash, n, nil
}

// shortPeriods makes every decision of doc (or those of types) vote for
// sec seconds with no delay or timelock, mediation last sec seconds and
// appeals close with the vote.
func shortPeriods(doc *constitution.Document, sec int64, types []string) error {
	for _, t := range types {
		if _, err := doc.Rule(constitution.DecisionType(strings.TrimSpace(t))); err != nil {
			return errcode.InvalidFieldf("periodsFor", "decision-type", "%v", err)
		}
	}
	for i := range doc.DecisionRules {
		r := &doc.DecisionRules[i]
		if len(types) > 0 && !slices.Contains(types, string(r.Type)) {
			continue
		}
		r.VotingDelaySec, r.VotingPeriodSec, r.TimelockSec = 0, sec, 0
	}
	doc.Concurrence.MediationSec = sec
	doc.Appeals.WindowSec = 0
	return nil
}
