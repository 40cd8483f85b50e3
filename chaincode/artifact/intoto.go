package artifact

import (
	"time"
)

// in-toto Statement v1 (https://in-toto.io/Statement/v1) and the predicate
// types Charter exports. Reproductions are SLSA Provenance v1
// (https://slsa.dev/provenance/v1); the other attestations use Charter's
// documented predicate types (docs/registry.md).
const (
	StatementType           = "https://in-toto.io/Statement/v1"
	PredicateSLSAProvenance = "https://slsa.dev/provenance/v1"
	PredicateEvaluation     = "https://charter-gov.dev/attestation/evaluation/v1"
	PredicateRedTeam        = "https://charter-gov.dev/attestation/red-team/v1"
	PredicateLicenceReview  = "https://charter-gov.dev/attestation/licence-review/v1"
	PredicateModelCard      = "https://charter-gov.dev/attestation/model-card/v1"
	BuildTypeReproduction   = "https://charter-gov.dev/build/reproduction/v1"
)

// ResourceDescriptor is in-toto's ResourceDescriptor (the fields used).
type ResourceDescriptor struct {
	Name   string            `json:"name,omitempty"`
	URI    string            `json:"uri,omitempty"`
	Digest map[string]string `json:"digest,omitempty"`
}

// Statement is an in-toto Statement v1.
type Statement struct {
	Type          string               `json:"_type"`
	Subject       []ResourceDescriptor `json:"subject"`
	PredicateType string               `json:"predicateType"`
	Predicate     any                  `json:"predicate"`
}

// SLSAProvenance is the SLSA Provenance v1 predicate (the fields used).
type SLSAProvenance struct {
	BuildDefinition struct {
		BuildType            string               `json:"buildType"`
		ExternalParameters   map[string]any       `json:"externalParameters"`
		ResolvedDependencies []ResourceDescriptor `json:"resolvedDependencies,omitempty"`
	} `json:"buildDefinition"`
	RunDetails struct {
		Builder struct {
			ID string `json:"id"`
		} `json:"builder"`
		Metadata struct {
			InvocationID string    `json:"invocationId"`
			FinishedOn   time.Time `json:"finishedOn"`
		} `json:"metadata"`
		Byproducts []ResourceDescriptor `json:"byproducts,omitempty"`
	} `json:"runDetails"`
}

// Statement exports an attestation as an in-toto Statement whose subject is
// the artifact (its name@version and registered SHA-256; for a
// reproduction the subject digest is the one the builder got).
func (x *Attestation) Statement(a *Artifact) Statement {
	subj := ResourceDescriptor{Name: a.Ref().String(), Digest: map[string]string{"sha256": a.SHA256}}
	st := Statement{Type: StatementType, Subject: []ResourceDescriptor{subj}}
	attester := map[string]any{"mspId": x.Attester.MSPID, "id": x.Attester.ID}
	common := func(m map[string]any) map[string]any {
		m["attester"] = attester
		m["attestedAt"] = x.At
		m["charterTxId"] = x.TxID
		if x.Evidence != "" {
			m["evidence"] = x.Evidence
		}
		return m
	}
	switch x.Type {
	case Reproducibility:
		st.Subject[0].Digest = map[string]string{"sha256": x.Digest}
		var p SLSAProvenance
		p.BuildDefinition.BuildType = BuildTypeReproduction
		p.BuildDefinition.ExternalParameters = map[string]any{"artifact": a.Ref().String(), "registeredSha256": a.SHA256, "matches": x.Matches}
		for _, par := range a.Parents {
			p.BuildDefinition.ResolvedDependencies = append(p.BuildDefinition.ResolvedDependencies, ResourceDescriptor{Name: par.String()})
		}
		p.RunDetails.Builder.ID = x.Builder
		p.RunDetails.Metadata.InvocationID = x.TxID
		p.RunDetails.Metadata.FinishedOn = x.At
		st.PredicateType, st.Predicate = PredicateSLSAProvenance, p
	case Evaluation:
		st.PredicateType = PredicateEvaluation
		st.Predicate = common(map[string]any{"benchmark": x.Benchmark, "metric": x.Metric, "value": x.Value})
	case RedTeam:
		st.PredicateType = PredicateRedTeam
		st.Predicate = common(map[string]any{"scoreBps": x.ScoreBps, "thresholdBps": x.ThresholdBps, "passed": x.ScoreBps >= x.ThresholdBps})
	case LicenceReview:
		st.PredicateType = PredicateLicenceReview
		st.Predicate = common(map[string]any{"licence": x.Licence, "approved": x.Approved})
	case ModelCard:
		st.PredicateType = PredicateModelCard
		st.Predicate = common(map[string]any{"modelCardSha256": x.ModelCardSHA256, "complete": x.Complete, "missing": x.Missing})
	}
	return st
}

// Statements exports every attestation of a version.
func Statements(a *Artifact, atts []Attestation) []Statement {
	out := make([]Statement, len(atts))
	for i := range atts {
		out[i] = atts[i].Statement(a)
	}
	return out
}
