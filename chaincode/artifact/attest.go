package artifact

import (
	"fmt"
	"time"

	"github.com/charter-gov/charter/chaincode/coi"
	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/contribution"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/membership"
	"github.com/charter-gov/charter/chaincode/text"
)

// AttestationType is what an attestation states.
type AttestationType string

// Attestation types.
const (
	// Reproducibility: an independent builder rebuilt the artifact and got
	// Digest. Exported as SLSA Provenance v1.
	Reproducibility AttestationType = "reproducibility"
	// Evaluation: a benchmark result (Benchmark, Metric, Value).
	Evaluation AttestationType = "evaluation"
	// RedTeam: a red-team score in basis points against the constitution's
	// release.redTeamMinScoreBps.
	RedTeam AttestationType = "red_team"
	// LicenceReview: the licence was reviewed (Approved).
	LicenceReview AttestationType = "licence_review"
	// ModelCard: the model card's completeness, checked by the chaincode
	// against the sections the constitution lists.
	ModelCard AttestationType = "model_card"
)

// AttestationTypes lists every type in a fixed order.
func AttestationTypes() []AttestationType {
	return []AttestationType{Reproducibility, Evaluation, RedTeam, LicenceReview, ModelCard}
}

// EventAttested is emitted by Attest.
const EventAttested = "artifact.attested"

// Limits.
const (
	MaxModelCardBytes = 64 * 1024
	MaxBenchmarkBytes = 128
	MaxValueBytes     = 40
)

// AttestRequest attests something about an artifact version. Which fields
// apply depends on Type.
type AttestRequest struct {
	Artifact Ref             `json:"artifact"`
	Type     AttestationType `json:"type"`
	// Reproducibility: the SHA-256 the builder got, and the builder's ID
	// (a URI naming the build system).
	Digest  string `json:"digest,omitempty"`
	Builder string `json:"builder,omitempty"`
	// Evaluation: the benchmark, the metric and its value as a decimal
	// string (no floating point is stored).
	Benchmark string `json:"benchmark,omitempty"`
	Metric    string `json:"metric,omitempty"`
	Value     string `json:"value,omitempty"`
	// RedTeam: the score in basis points (0..10000).
	ScoreBps int64 `json:"scoreBps,omitempty"`
	// LicenceReview: whether the reviewer approves the licence.
	Approved bool `json:"approved,omitempty"`
	// ModelCard: the model card, Markdown with YAML front matter.
	ModelCard string `json:"modelCard,omitempty"`
	// Evidence is a link or a note (a report, a log).
	Evidence string `json:"evidence,omitempty"`
}

// Attestation is the stored record: artifact-attestation ~ name ~ version
// ~ type ~ topic ~ MSP ID ~ ID (topic: the benchmark for evaluations,
// "-" otherwise). One per attester, type and topic; never rewritten.
type Attestation struct {
	Artifact  Ref               `json:"artifact"`
	Type      AttestationType   `json:"type"`
	Attester  identity.Identity `json:"attester"`
	Digest    string            `json:"digest,omitempty"`
	Builder   string            `json:"builder,omitempty"`
	Matches   bool              `json:"matches,omitempty"` // reproducibility: Digest equals the artifact's
	Benchmark string            `json:"benchmark,omitempty"`
	Metric    string            `json:"metric,omitempty"`
	Value     string            `json:"value,omitempty"`
	ScoreBps  int64             `json:"scoreBps,omitempty"`
	// ThresholdBps is the red-team threshold in force when attested.
	ThresholdBps int64  `json:"thresholdBps,omitempty"`
	Approved     bool   `json:"approved,omitempty"`
	Licence      string `json:"licence,omitempty"`
	// ModelCardSHA256 is the digest of the card checked; Missing lists
	// the required sections and fields it lacks (empty: complete).
	ModelCardSHA256 string    `json:"modelCardSha256,omitempty"`
	Missing         []string  `json:"missing,omitempty"`
	Complete        bool      `json:"complete,omitempty"`
	Evidence        string    `json:"evidence,omitempty"`
	At              time.Time `json:"at"`
	TxID            string    `json:"txId"`
}

func attestationKey(a Ref, t AttestationType, topic string, who identity.Identity) (string, error) {
	return core.Key("artifact-attestation", a.Name, a.Version, string(t), topic, who.MSPID, who.ID)
}

// Subject is the conflict-of-interest subject of an artifact version.
func Subject(r Ref) coi.Subject { return coi.Subject{Kind: coi.KindArtifact, ID: r.String()} }

// checkDecimal accepts -?digits(.digits)?, at most MaxValueBytes.
func checkDecimal(v string) error {
	if v == "" || len(v) > MaxValueBytes {
		return errcode.InvalidFieldf("value", RuleRange, "evaluation value %s must be a decimal number of 1..%d characters", errcode.Quote(v), MaxValueBytes)
	}
	s := v
	if s[0] == '-' {
		s = s[1:]
	}
	dot, digits := false, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && !dot && digits > 0 && i < len(s)-1:
			dot = true
		default:
			return errcode.InvalidFieldf("value", RuleFormat, "evaluation value %s is not a decimal number (digits, one '.', optional leading '-'; no exponent)", errcode.Quote(v))
		}
	}
	if digits == 0 {
		return errcode.InvalidFieldf("value", RuleFormat, "evaluation value %s has no digits", errcode.Quote(v))
	}
	return nil
}

// Attest records an attestation on an artifact version.
//
// Caller: an active member who is not the publisher and has no disclosed
// conflict of interest on the artifact or on the publisher's organisation.
// Reproducibility: a member of an organisation other than the
// publisher's. Red team: an attester in red_teaming. Evaluation: an
// attester in eval_maintenance.
//
// Errors: INVALID_ARGUMENT (type, fields), NOT_FOUND (artifact),
// FORBIDDEN (the publisher; the publisher's organisation for
// reproducibility; a conflicted attester; a missing attester category),
// CONFLICT (the same attester already attested this).
func Attest(tx *core.Tx, req AttestRequest) (*Attestation, error) {
	a, err := Get(tx.Store, req.Artifact)
	if err != nil {
		return nil, under(err, "artifact")
	}
	ref := a.Ref()
	att := &Attestation{Artifact: ref, Type: req.Type, Attester: tx.Caller.Identity, At: tx.Time.UTC(), TxID: tx.TxID}
	if err := text.Check("attestation evidence", req.Evidence, text.Reason()); err != nil {
		return nil, errcode.WithField(err, "evidence")
	}
	att.Evidence = req.Evidence
	topic := "-"
	cur, err := constitution.Current(tx.Store)
	if err != nil {
		return nil, err
	}
	rules := cur.Document.ReleaseRules()
	var category contribution.Category
	switch req.Type {
	case Reproducibility:
		if err := CheckDigest("sha256", req.Digest); err != nil {
			return nil, errcode.WithField(fmt.Errorf("attest reproducibility of %s: %w", ref, err), "digest")
		}
		if err := text.Check("builder", req.Builder, text.Rule{MaxBytes: MaxLocationLen, Required: true}); err != nil {
			return nil, err
		}
		att.Digest, att.Builder, att.Matches = req.Digest, req.Builder, req.Digest == a.SHA256
	case Evaluation:
		if err := text.Check("benchmark", req.Benchmark, text.ID(MaxBenchmarkBytes)); err != nil {
			return nil, err
		}
		if err := text.Check("metric", req.Metric, text.ID(MaxBenchmarkBytes)); err != nil {
			return nil, err
		}
		if err := checkDecimal(req.Value); err != nil {
			return nil, err
		}
		att.Benchmark, att.Metric, att.Value = req.Benchmark, req.Metric, req.Value
		topic = req.Benchmark
		category = contribution.EvalMaintenance
	case RedTeam:
		if req.ScoreBps < 0 || req.ScoreBps > 10000 {
			return nil, errcode.InvalidFieldf("scoreBps", RuleRange, "attest red team of %s: score %d bps is outside 0..10000", ref, req.ScoreBps)
		}
		att.ScoreBps, att.ThresholdBps = req.ScoreBps, rules.RedTeamMinScoreBps
		category = contribution.RedTeaming
	case LicenceReview:
		att.Approved, att.Licence = req.Approved, a.Licence
	case ModelCard:
		if len(req.ModelCard) > MaxModelCardBytes {
			return nil, errcode.InvalidFieldf("modelCard", text.RuleMaxBytes, "attest model card of %s: %d bytes, at most %d", ref, len(req.ModelCard), MaxModelCardBytes)
		}
		if err := text.Check("model card", req.ModelCard, text.Rule{MaxRunes: MaxModelCardBytes, MultiLine: true, Required: true}); err != nil {
			return nil, errcode.WithField(err, "modelCard")
		}
		card, err := ParseModelCard(req.ModelCard)
		if err != nil {
			return nil, errcode.WithField(fmt.Errorf("attest model card of %s: %w", ref, err), "modelCard")
		}
		att.Missing = card.Missing(rules, a.Licence)
		att.Complete = len(att.Missing) == 0
		att.ModelCardSHA256 = card.SHA256
	default:
		return nil, errcode.InvalidFieldf("type", RuleEnum, "attestation type %s is unknown (reproducibility, evaluation, red_team, licence_review, model_card)", errcode.Quote(string(req.Type)))
	}
	if err := refuseUnused(req); err != nil {
		return nil, err
	}
	caller := tx.Caller.Identity
	m, err := membership.Active(tx.Store, caller)
	if err != nil {
		return nil, errcode.Fieldf(errcode.Forbidden, "", RuleActiveMember, "attest %s of %s: caller %s is not an active member", req.Type, ref, caller)
	}
	if caller == a.Publisher {
		return nil, errcode.Fieldf(errcode.Forbidden, "", RuleNotOwnArtifact, "attest %s of %s: %s published it and cannot attest its own artifact", req.Type, ref, caller)
	}
	if req.Type == Reproducibility && caller.MSPID == a.Publisher.MSPID {
		return nil, errcode.Fieldf(errcode.Forbidden, "", RuleIndependentOrg, "attest reproducibility of %s: %s belongs to the publisher's organisation %s; reproductions must come from independent builders of other organisations", ref, caller, a.Publisher.MSPID)
	}
	if category != "" && !m.CanAttest(category) {
		return nil, errcode.Fieldf(errcode.Forbidden, "", RuleAttesterOf, "attest %s of %s: %s is not an attester in %s (granted by a role_grant decision)", req.Type, ref, caller, category)
	}
	for _, subj := range []coi.Subject{Subject(ref), {Kind: coi.KindOrganisation, ID: a.Publisher.MSPID}} {
		conflicted, err := coi.Conflicted(tx.Store, caller, subj)
		if err != nil {
			return nil, err
		}
		if conflicted {
			return nil, errcode.Fieldf(errcode.Forbidden, "", RuleRecused, "attest %s of %s: %s disclosed a conflict of interest on %s and is recused", req.Type, ref, caller, subj)
		}
	}
	k, err := attestationKey(ref, req.Type, topic, caller)
	if err != nil {
		return nil, err
	}
	var old Attestation
	if found, err := core.GetJSON(tx.Store, k, &old); err != nil {
		return nil, err
	} else if found {
		return nil, errcode.Fieldf(errcode.Conflict, "", RuleWriteOnce, "attest %s of %s: %s already attested it at %s; attestations are never rewritten", req.Type, ref, caller, old.At.Format(time.RFC3339))
	}
	if err := core.PutJSON(tx.Store, k, att); err != nil {
		return nil, err
	}
	return att, tx.Emit(EventAttested, att)
}

// refuseUnused refuses fields that do not belong to the type, so that a
// mistyped request is not silently half-recorded.
func refuseUnused(req AttestRequest) error {
	type f struct {
		name string
		set  bool
		for_ AttestationType
	}
	for _, x := range []f{
		{"digest", req.Digest != "", Reproducibility}, {"builder", req.Builder != "", Reproducibility},
		{"benchmark", req.Benchmark != "", Evaluation}, {"metric", req.Metric != "", Evaluation}, {"value", req.Value != "", Evaluation},
		{"scoreBps", req.ScoreBps != 0, RedTeam}, {"approved", req.Approved, LicenceReview}, {"modelCard", req.ModelCard != "", ModelCard},
	} {
		if x.set && x.for_ != req.Type {
			return errcode.InvalidFieldf(x.name, RuleTypeField, "attestation of type %s: field %s belongs to %s attestations", req.Type, x.name, x.for_)
		}
	}
	return nil
}

// Attestations lists an artifact version's attestations in key order
// (type, topic, attester), at most MaxAttestationsRead.
func Attestations(s core.Store, r Ref) ([]Attestation, error) {
	if _, err := Get(s, r); err != nil {
		return nil, err
	}
	out := []Attestation{}
	next, err := core.Page(s, "artifact-attestation", []string{r.Name, r.Version}, "", MaxAttestationsRead, func(k string, raw []byte) error {
		var a Attestation
		if err := core.DecodeJSON(k, raw, &a); err != nil {
			return err
		}
		out = append(out, a)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("attestations of %s: %w", r, err)
	}
	if next != "" {
		return nil, errcode.PreconditionFieldf("", RuleReadLimit, "attestations of %s: more than %d", r, MaxAttestationsRead)
	}
	return out, nil
}

// MaxAttestationsRead bounds the attestations read for one version.
const MaxAttestationsRead = 1000
