// Package artifact is Charter's artifact registry: hash-anchored records of
// model weights, datasets, training recipes, evaluation baselines, licence
// texts and model cards; the provenance graph between them, queried both
// ways; attestations on them, exported as in-toto Statements; release
// stages behind checklists and House A decisions; and dataset takedowns
// that mark every derived artifact as affected.
//
// Records are append-only: a version is registered once and never
// rewritten; a correction is a new version. Parents must already be
// registered when a version names them and a record never changes, so the
// provenance graph is acyclic by construction (the only cycle a request
// could name, a version deriving from itself, is refused).
//
// The package has no Fabric imports and is deterministic.
package artifact

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/github/go-spdx/v2/spdxexp"

	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/emergency"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/membership"
	"github.com/charter-gov/charter/chaincode/text"
)

// Kind is what an artifact is.
type Kind string

// Artifact kinds.
const (
	KindModelWeights       Kind = "model_weights"
	KindDataset            Kind = "dataset"
	KindTrainingRecipe     Kind = "training_recipe"
	KindEvaluationBaseline Kind = "evaluation_baseline"
	KindLicenceText        Kind = "licence_text"
	KindModelCard          Kind = "model_card"
)

// Kinds lists every kind in a fixed order.
func Kinds() []Kind {
	return []Kind{KindModelWeights, KindDataset, KindTrainingRecipe, KindEvaluationBaseline, KindLicenceText, KindModelCard}
}

// Limits.
const (
	MaxNameBytes    = 128
	MaxVersionBytes = 64
	MaxParents      = 32
	MaxLocations    = 8
	MaxLocationLen  = 1024
	MaxLicenceLen   = 256
	// MaxSize bounds a declared size (1 PiB).
	MaxSize = int64(1) << 50
)

// Events.
const (
	EventRegistered = "artifact.registered"
)

// The rules a refusal names (errcode.FieldOf), next to the field of the
// request it is about.
const (
	RuleRequired       = "required"         // a required input is given
	RuleFormat         = "format"           // an input has the accepted syntax (name@version, URI, hex digest, SPDX, decimal, model card)
	RuleEnum           = "enum"             // an input is one of the listed values (kind, digest algorithm, licence identifier, type, direction, stage, use)
	RuleRange          = "range"            // a number lies within its bounds (size, score, limit, depth, value length)
	RuleUnique         = "unique"           // a digest algorithm or provenance link is named once
	RuleMaxItems       = "max-items"        // a list holds at most its maximum of entries (digests, locations, parents)
	RuleExists         = "exists"           // the named artifact version is registered
	RuleAcyclic        = "acyclic"          // a version is not its own provenance link
	RuleActiveMember   = "active-member"    // the caller is an active member
	RuleWriteOnce      = "write-once"       // versions and attestations are never overwritten
	RuleNotOwnArtifact = "not-own-artifact" // a publisher does not attest its own artifact
	RuleIndependentOrg = "independent-org"  // reproductions come from organisations other than the publisher's
	RuleAttesterOf     = "attester-of"      // the attester holds the attestation type's category
	RuleRecused        = "recused"          // an attester who disclosed a conflict on the artifact or its publisher does not attest
	RuleTypeField      = "type-field"       // an attestation sets only the fields of its type
	RuleReadLimit      = "read-limit"       // a read stays within its bound (attestations, derived versions of a takedown)
	RuleChangesStage   = "changes-stage"    // a release_stage decision changes the stage
	RuleOneStep        = "one-step"         // a promotion moves one stage up
	RuleTakenDown      = "taken-down"       // a version taken down, or derived from a taken-down dataset, is not promoted
	RuleChecklist      = "checklist"        // a promotion meets every checklist item of the target stage
	RuleDatasetOnly    = "dataset-only"     // a takedown names a dataset
	RuleTakedownOnce   = "takedown-once"    // a dataset is taken down once
)

// under names err's field as part of the request field prefix: a
// version's "name" becomes "artifact.name", a refusal about no field of
// the version (NOT_FOUND) names prefix itself. An error without a field
// or rule is returned as it is.
func under(err error, prefix string) error {
	field, rule := errcode.FieldOf(err)
	switch {
	case field == "" && rule == "":
		return err
	case field == "":
		return errcode.WithField(err, prefix)
	}
	return errcode.WithField(err, prefix+"."+field)
}

// Ref names one version of an artifact.
type Ref struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

func (r Ref) String() string { return r.Name + "@" + r.Version }

// Target is the emergency pause target of the artifact version.
func (r Ref) Target() emergency.Target {
	return emergency.Target{Kind: emergency.KindArtifact, ID: r.String()}
}

// Validate checks the name and version: identifiers, the name without '@'
// (so that name@version is unambiguous).
func (r Ref) Validate() error {
	if err := text.Check("artifact name", r.Name, text.ID(MaxNameBytes)); err != nil {
		return errcode.WithField(err, "name")
	}
	if strings.Contains(r.Name, "@") {
		return errcode.InvalidFieldf("name", RuleFormat, "artifact name %s: must not contain '@' (name@version names a version)", errcode.Quote(r.Name))
	}
	if err := text.Check("artifact version", r.Version, text.ID(MaxVersionBytes)); err != nil {
		return errcode.WithField(err, "version")
	}
	return nil
}

// ParseRef parses "name@version" (the last '@' separates them).
func ParseRef(s string) (Ref, error) {
	i := strings.LastIndex(s, "@")
	if i < 1 {
		return Ref{}, errcode.InvalidFieldf("", RuleFormat, "artifact %s: expected name@version", errcode.Quote(s))
	}
	r := Ref{Name: s[:i], Version: s[i+1:]}
	return r, r.Validate()
}

// Digest is a content digest by algorithm name.
type Digest struct {
	Algorithm string `json:"algorithm"`
	Hex       string `json:"hex"`
}

// digestHexLen is the hex length of every accepted algorithm.
func digestHexLen(alg string) (int, bool) {
	switch alg {
	case "sha256", "sha3-256", "blake2b-256":
		return 64, true
	case "sha384":
		return 96, true
	case "sha512", "sha3-512", "blake2b-512":
		return 128, true
	}
	return 0, false
}

// CheckDigest validates a digest: a known algorithm and exactly its
// length of lowercase hexadecimal.
func CheckDigest(alg, hex string) error {
	n, ok := digestHexLen(alg)
	if !ok {
		return errcode.InvalidFieldf("algorithm", RuleEnum, "digest algorithm %s is not accepted (sha256, sha384, sha512, sha3-256, sha3-512, blake2b-256, blake2b-512)", errcode.Quote(alg))
	}
	if len(hex) != n {
		return errcode.InvalidFieldf("hex", RuleFormat, "%s digest must be %d hexadecimal characters, got %d", alg, n, len(hex))
	}
	for i := 0; i < len(hex); i++ {
		c := hex[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return errcode.InvalidFieldf("hex", RuleFormat, "%s digest must be lowercase hexadecimal (0-9, a-f): character %d is %s", alg, i+1, errcode.Quote(string(c)))
		}
	}
	return nil
}

// RegisterRequest registers one version of an artifact.
type RegisterRequest struct {
	Kind    Kind   `json:"kind"`
	Name    string `json:"name"`
	Version string `json:"version"`
	// SHA256 is the content digest (64 lowercase hex characters); Digests
	// adds others by algorithm name.
	SHA256  string   `json:"sha256"`
	Digests []Digest `json:"digests,omitempty"`
	Size    int64    `json:"size"`
	// Locations are where the content can be fetched (URIs).
	Locations []string `json:"locations,omitempty"`
	// Licence is an SPDX licence expression ("Apache-2.0",
	// "MIT OR Apache-2.0", "LicenseRef-…").
	Licence     string `json:"licence"`
	Parents     []Ref  `json:"parents,omitempty"`
	Description string `json:"description,omitempty"`
}

// Artifact is the stored record of one version: artifact ~ name ~
// version. It is written once.
type Artifact struct {
	Kind         Kind              `json:"kind"`
	Name         string            `json:"name"`
	Version      string            `json:"version"`
	SHA256       string            `json:"sha256"`
	Digests      []Digest          `json:"digests,omitempty"`
	Size         int64             `json:"size"`
	Locations    []string          `json:"locations,omitempty"`
	Licence      string            `json:"licence"`
	Parents      []Ref             `json:"parents,omitempty"`
	Description  string            `json:"description,omitempty"`
	Publisher    identity.Identity `json:"publisher"`
	RegisteredAt time.Time         `json:"registeredAt"`
	TxID         string            `json:"txId"`
}

// Ref returns the artifact's name and version.
func (a *Artifact) Ref() Ref { return Ref{Name: a.Name, Version: a.Version} }

// Child is the reverse provenance index: artifact-child ~ parent name ~
// parent version ~ child name ~ child version.
type Child struct {
	Parent Ref  `json:"parent"`
	Child  Ref  `json:"child"`
	Kind   Kind `json:"kind"`
}

func key(r Ref) (string, error) { return core.Key("artifact", r.Name, r.Version) }
func childKey(p, c Ref) (string, error) {
	return core.Key("artifact-child", p.Name, p.Version, c.Name, c.Version)
}
func digestKey(sha string, r Ref) (string, error) {
	return core.Key("artifact-digest", sha, r.Name, r.Version)
}

// CheckLicence validates an SPDX licence expression with go-spdx.
func CheckLicence(expr string) error {
	if err := text.Check("licence", expr, text.Rule{MaxBytes: MaxLicenceLen, Required: true}); err != nil {
		return err
	}
	ids, err := spdxexp.ExtractLicenses(expr)
	if err != nil {
		return errcode.InvalidFieldf("licence", RuleFormat, "licence %s is not a valid SPDX expression: %v", errcode.Quote(expr), err)
	}
	if ok, bad := spdxexp.ValidateLicenses(ids); !ok {
		sort.Strings(bad)
		return errcode.InvalidFieldf("licence", RuleEnum, "licence %s: unknown SPDX licence identifier(s) %s", errcode.Quote(expr), errcode.Quote(strings.Join(bad, ", ")))
	}
	return nil
}

func checkKind(k Kind) error {
	for _, x := range Kinds() {
		if k == x {
			return nil
		}
	}
	return errcode.InvalidFieldf("kind", RuleEnum, "artifact kind %s is unknown (model_weights, dataset, training_recipe, evaluation_baseline, licence_text, model_card)", errcode.Quote(string(k)))
}

func checkLocation(i int, u string) error {
	field := fmt.Sprintf("locations[%d]", i)
	if err := text.Check(fmt.Sprintf("location %d", i+1), u, text.Rule{MaxBytes: MaxLocationLen, Required: true}); err != nil {
		return errcode.WithField(err, field)
	}
	j := strings.Index(u, "://")
	if j < 1 || j+3 == len(u) {
		return errcode.InvalidFieldf(field, RuleFormat, "location %d %s is not a URI (scheme://…)", i+1, errcode.Quote(u))
	}
	for _, c := range u[:j] {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.') {
			return errcode.InvalidFieldf(field, RuleFormat, "location %d %s: the scheme must be lowercase letters, digits, '+', '-' or '.'", i+1, errcode.Quote(u))
		}
	}
	if strings.ContainsAny(u, " \t\n") {
		return errcode.InvalidFieldf(field, RuleFormat, "location %d %s holds whitespace", i+1, errcode.Quote(u))
	}
	return nil
}

// Register records a new artifact version with its provenance links. The
// publisher is the caller (an active member) and its organisation.
//
// Errors: INVALID_ARGUMENT (kind, name, version, a digest of the wrong
// length or alphabet, size, location, licence, a link to itself (a cycle),
// a repeated link, too many links), FORBIDDEN (not an active member),
// NOT_FOUND (a provenance link to an unregistered version), CONFLICT (the
// version is already registered: versions are never overwritten).
func Register(tx *core.Tx, req RegisterRequest) (*Artifact, error) {
	ref := Ref{Name: req.Name, Version: req.Version}
	if err := checkKind(req.Kind); err != nil {
		return nil, err
	}
	if err := ref.Validate(); err != nil {
		return nil, err
	}
	if err := CheckDigest("sha256", req.SHA256); err != nil {
		return nil, errcode.WithField(fmt.Errorf("register %s: %w", ref, err), "sha256")
	}
	seenAlg := map[string]bool{"sha256": true}
	if len(req.Digests) > 6 {
		return nil, errcode.InvalidFieldf("digests", RuleMaxItems, "register %s: %d extra digests, at most 6", ref, len(req.Digests))
	}
	for i, d := range req.Digests {
		if err := CheckDigest(d.Algorithm, d.Hex); err != nil {
			return nil, under(fmt.Errorf("register %s: %w", ref, err), fmt.Sprintf("digests[%d]", i))
		}
		if seenAlg[d.Algorithm] {
			return nil, errcode.InvalidFieldf(fmt.Sprintf("digests[%d].algorithm", i), RuleUnique, "register %s: two %s digests", ref, d.Algorithm)
		}
		seenAlg[d.Algorithm] = true
	}
	if req.Size < 0 || req.Size > MaxSize {
		return nil, errcode.InvalidFieldf("size", RuleRange, "register %s: size %d is outside 0..%d bytes", ref, req.Size, MaxSize)
	}
	if len(req.Locations) > MaxLocations {
		return nil, errcode.InvalidFieldf("locations", RuleMaxItems, "register %s: %d locations, at most %d", ref, len(req.Locations), MaxLocations)
	}
	for i, u := range req.Locations {
		if err := checkLocation(i, u); err != nil {
			return nil, err
		}
	}
	if err := CheckLicence(req.Licence); err != nil {
		return nil, fmt.Errorf("register %s: %w", ref, err)
	}
	if err := text.Check("artifact description", req.Description, text.Description()); err != nil {
		return nil, errcode.WithField(err, "description")
	}
	if len(req.Parents) > MaxParents {
		return nil, errcode.InvalidFieldf("parents", RuleMaxItems, "register %s: %d provenance links, at most %d", ref, len(req.Parents), MaxParents)
	}
	for i, p := range req.Parents {
		if err := p.Validate(); err != nil {
			return nil, under(fmt.Errorf("register %s: provenance link %d: %w", ref, i+1, err), fmt.Sprintf("parents[%d]", i))
		}
		if p == ref {
			return nil, errcode.InvalidFieldf(fmt.Sprintf("parents[%d]", i), RuleAcyclic, "register %s: provenance link %d names the version itself, which would make a cycle; the provenance graph is acyclic", ref, i+1)
		}
		for _, q := range req.Parents[:i] {
			if q == p {
				return nil, errcode.InvalidFieldf(fmt.Sprintf("parents[%d]", i), RuleUnique, "register %s: provenance link %s is repeated", ref, p)
			}
		}
	}
	if _, err := membership.Active(tx.Store, tx.Caller.Identity); err != nil {
		return nil, errcode.Fieldf(errcode.Forbidden, "", RuleActiveMember, "register %s: caller %s is not an active member", ref, tx.Caller.Identity.Short())
	}
	k, err := key(ref)
	if err != nil {
		return nil, err
	}
	var old Artifact
	if found, err := core.GetJSON(tx.Store, k, &old); err != nil {
		return nil, err
	} else if found {
		return nil, errcode.Fieldf(errcode.Conflict, "version", RuleWriteOnce, "register %s: this version was registered by %s at %s; versions are never overwritten, register a correction as a new version", ref, old.Publisher, old.RegisteredAt.Format(time.RFC3339))
	}
	for i, p := range req.Parents {
		if _, err := Get(tx.Store, p); err != nil {
			if errcode.IsCode(err, errcode.NotFound) {
				return nil, errcode.Fieldf(errcode.NotFound, fmt.Sprintf("parents[%d]", i), RuleExists, "register %s: provenance link %d names %s, which is not registered; register what it derives from first", ref, i+1, p)
			}
			return nil, err
		}
	}
	a := &Artifact{Kind: req.Kind, Name: req.Name, Version: req.Version, SHA256: req.SHA256, Digests: req.Digests, Size: req.Size,
		Locations: req.Locations, Licence: req.Licence, Parents: req.Parents, Description: req.Description,
		Publisher: tx.Caller.Identity, RegisteredAt: tx.Time.UTC(), TxID: tx.TxID}
	if err := core.PutJSON(tx.Store, k, a); err != nil {
		return nil, err
	}
	for _, p := range req.Parents {
		ck, err := childKey(p, ref)
		if err != nil {
			return nil, err
		}
		if err := core.PutJSON(tx.Store, ck, Child{Parent: p, Child: ref, Kind: a.Kind}); err != nil {
			return nil, err
		}
	}
	dk, err := digestKey(a.SHA256, ref)
	if err != nil {
		return nil, err
	}
	if err := core.PutJSON(tx.Store, dk, ref); err != nil {
		return nil, err
	}
	return a, tx.Emit(EventRegistered, a)
}

// Get returns a registered version.
func Get(s core.Store, r Ref) (*Artifact, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	k, err := key(r)
	if err != nil {
		return nil, err
	}
	var a Artifact
	found, err := core.GetJSON(s, k, &a)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, errcode.Fieldf(errcode.NotFound, "", RuleExists, "artifact %s is not registered", r)
	}
	return &a, nil
}

// ListRequest pages the registry, optionally one artifact's versions
// (Name) or the versions with a digest (SHA256).
type ListRequest struct {
	Name     string `json:"name,omitempty"`
	SHA256   string `json:"sha256,omitempty"`
	Bookmark string `json:"bookmark,omitempty"`
	Limit    int    `json:"limit,omitempty"`
}

// ListPage is one page of artifacts.
type ListPage struct {
	Artifacts []Artifact `json:"artifacts"`
	Bookmark  string     `json:"bookmark,omitempty"`
}

// List returns one page of registered versions in key order.
func List(s core.Store, req ListRequest) (*ListPage, error) {
	limit, err := core.CheckPage("list artifacts", req.Limit)
	if err != nil {
		return nil, err
	}
	out := &ListPage{Artifacts: []Artifact{}}
	if req.SHA256 != "" {
		if err := CheckDigest("sha256", req.SHA256); err != nil {
			return nil, err
		}
		refs := []Ref{}
		next, err := core.Page(s, "artifact-digest", []string{req.SHA256}, req.Bookmark, limit, func(k string, raw []byte) error {
			var r Ref
			if err := core.DecodeJSON(k, raw, &r); err != nil {
				return err
			}
			refs = append(refs, r)
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("list artifacts with sha256 %s: %w", req.SHA256, err)
		}
		for _, r := range refs {
			a, err := Get(s, r)
			if err != nil {
				return nil, err
			}
			out.Artifacts = append(out.Artifacts, *a)
		}
		out.Bookmark = next
		return out, nil
	}
	var attrs []string
	if req.Name != "" {
		if err := text.Check("artifact name", req.Name, text.ID(MaxNameBytes)); err != nil {
			return nil, err
		}
		attrs = []string{req.Name}
	}
	next, err := core.Page(s, "artifact", attrs, req.Bookmark, limit, func(k string, raw []byte) error {
		var a Artifact
		if err := core.DecodeJSON(k, raw, &a); err != nil {
			return err
		}
		out.Artifacts = append(out.Artifacts, a)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list artifacts: %w", err)
	}
	out.Bookmark = next
	return out, nil
}

// Children returns the versions registered with r as a provenance link,
// at most limit of them (in key order), and whether there were more.
func Children(s core.Store, r Ref, limit int) ([]Child, bool, error) {
	out := []Child{}
	next, err := core.Page(s, "artifact-child", []string{r.Name, r.Version}, "", limit, func(k string, raw []byte) error {
		var c Child
		if err := core.DecodeJSON(k, raw, &c); err != nil {
			return err
		}
		out = append(out, c)
		return nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("children of %s: %w", r, err)
	}
	return out, next != "", nil
}
