package charter

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/charter-gov/charter/chaincode/artifact"
	"github.com/charter-gov/charter/chaincode/ballot"
	"github.com/charter-gov/charter/chaincode/emergency"
)

// Transactions of the artifact registry and the guardian council.
const (
	txArtifactRegister     = "artifact:Register"
	txArtifactAttest       = "artifact:Attest"
	txArtifactGet          = "artifact:Get"
	txArtifactStatus       = "artifact:Status"
	txArtifactLineage      = "artifact:Lineage"
	txArtifactList         = "artifact:List"
	txArtifactAttestations = "artifact:Attestations"
	txGuardianPause        = "guardian:Pause"
	txGuardianDisclose     = "guardian:Disclose"
	txGuardianRecordMissed = "guardian:RecordMissedDisclosure"
	txGuardianStatus       = "guardian:Status"
	txGuardianIncidents    = "guardian:Incidents"
)

// RegisterArtifact submits artifact:Register: a new version, published by
// the caller.
//
// Errors: ErrInvalidArgument (a digest of the wrong length or alphabet, a
// licence that is not an SPDX expression, a link to the version itself, …),
// ErrNotFound (a provenance link to an unregistered version), ErrConflict
// (the version exists: versions are never overwritten), ErrForbidden.
func (c *Client) RegisterArtifact(ctx context.Context, req artifact.RegisterRequest) (*artifact.Artifact, error) {
	var a artifact.Artifact
	if err := c.submitJSON(ctx, txArtifactRegister, "register request", req, &a); err != nil {
		return nil, err
	}
	return &a, nil
}

// AttestArtifact submits artifact:Attest.
//
// Errors: ErrForbidden (the publisher; its organisation for a
// reproduction; a conflicted attester; a missing attester category),
// ErrConflict (already attested by the caller), ErrInvalidArgument,
// ErrNotFound.
func (c *Client) AttestArtifact(ctx context.Context, req artifact.AttestRequest) (*artifact.Attestation, error) {
	var a artifact.Attestation
	if err := c.submitJSON(ctx, txArtifactAttest, "attest request", req, &a); err != nil {
		return nil, err
	}
	return &a, nil
}

// Artifact evaluates artifact:Get.
func (c *Client) Artifact(ctx context.Context, r artifact.Ref) (*artifact.Artifact, error) {
	var a artifact.Artifact
	if err := c.evaluate(ctx, txArtifactGet, &a, r.Name, r.Version); err != nil {
		return nil, err
	}
	return &a, nil
}

// ArtifactStatus evaluates artifact:Status: stage, the pause in force now,
// takedowns, attestations and the next promotion's checklist.
func (c *Client) ArtifactStatus(ctx context.Context, r artifact.Ref) (*artifact.Status, error) {
	var s artifact.Status
	if err := c.evaluate(ctx, txArtifactStatus, &s, r.Name, r.Version); err != nil {
		return nil, err
	}
	return &s, nil
}

// ArtifactLineage evaluates artifact:Lineage.
func (c *Client) ArtifactLineage(ctx context.Context, req artifact.LineageRequest) (*artifact.Lineage, error) {
	arg, err := encodeArg("lineage request", req)
	if err != nil {
		return nil, err
	}
	var l artifact.Lineage
	if err := c.evaluate(ctx, txArtifactLineage, &l, arg); err != nil {
		return nil, err
	}
	return &l, nil
}

// ListArtifacts evaluates artifact:List, one page.
func (c *Client) ListArtifacts(ctx context.Context, req artifact.ListRequest) (*artifact.ListPage, error) {
	arg, err := encodeArg("list request", req)
	if err != nil {
		return nil, err
	}
	var p artifact.ListPage
	if err := c.evaluate(ctx, txArtifactList, &p, arg); err != nil {
		return nil, err
	}
	return &p, nil
}

// ArtifactAttestations is what ArtifactAttestations returns: the records
// and their in-toto Statements, in the same order.
type ArtifactAttestations struct {
	Attestations []artifact.Attestation `json:"attestations"`
	Statements   []artifact.Statement   `json:"statements"`
}

// ArtifactAttestations evaluates artifact:Attestations.
func (c *Client) ArtifactAttestations(ctx context.Context, r artifact.Ref) (*ArtifactAttestations, error) {
	var out ArtifactAttestations
	if err := c.evaluate(ctx, txArtifactAttestations, &out, r.Name, r.Version); err != nil {
		return nil, err
	}
	return &out, nil
}

// WriteInToto writes a's in-toto Statements as JSON Lines (one Statement
// per line, HTML characters unescaped): what `charter artifact export`
// prints and `GET /v1/artifacts/{name}/{version}/export` answers.
func (a *ArtifactAttestations) WriteInToto(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, s := range a.Statements {
		if err := enc.Encode(s); err != nil {
			return fmt.Errorf("in-toto statement: %w", err)
		}
	}
	return nil
}

// GuardianPauseResult is what GuardianPause returns: the emergency
// support result, and for a ballot target the ballot's own result (with
// the ballot's new end of voting).
type GuardianPauseResult struct {
	emergency.SupportResult
	Ballot *ballot.PauseResult `json:"ballotResult,omitempty"`
}

// GuardianPause submits guardian:Pause, the calling guardian's support for
// pausing a target (a ballot, an artifact "name@version", a treasury
// spend).
//
// Errors: ErrForbidden (not a guardian), ErrConflict (support already
// current), ErrFailedPrecondition (already paused; the caller paused it
// before and no decision allowed a new pause; the power's sunset passed),
// ErrNotFound, ErrInvalidArgument.
func (c *Client) GuardianPause(ctx context.Context, req emergency.PauseRequest) (*GuardianPauseResult, error) {
	arg, err := encodeArg("pause request", req)
	if err != nil {
		return nil, err
	}
	var raw json.RawMessage
	if err := c.submit(ctx, txGuardianPause, &raw, arg); err != nil {
		return nil, err
	}
	out := &GuardianPauseResult{}
	if req.Target.Kind == emergency.KindBallot {
		var b ballot.PauseResult
		if err := json.Unmarshal(raw, &b); err != nil {
			return nil, &Error{Code: CodeInternal, Message: fmt.Sprintf("decode %s result: %v", txGuardianPause, err), Err: err}
		}
		out.Ballot = &b
		out.Supporters, out.Organisations, out.Required, out.RequiredOrgs, out.InForce = b.Supporters, b.Organisations, b.Required, b.RequiredOrgs, b.InForce
		out.Support = emergency.Support{Target: req.Target, Guardian: b.Support.Guardian, Reason: b.Support.Reason, At: b.Support.At, TxID: b.Support.TxID}
		return out, nil
	}
	if err := json.Unmarshal(raw, &out.SupportResult); err != nil {
		return nil, &Error{Code: CodeInternal, Message: fmt.Sprintf("decode %s result: %v", txGuardianPause, err), Err: err}
	}
	return out, nil
}

// GuardianDisclose submits guardian:Disclose, the post-hoc disclosure of
// a pause by one of its guardians.
func (c *Client) GuardianDisclose(ctx context.Context, req emergency.DiscloseRequest) (*emergency.Pause, error) {
	var p emergency.Pause
	if err := c.submitJSON(ctx, txGuardianDisclose, "disclose request", req, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// RecordMissedDisclosure submits guardian:RecordMissedDisclosure: the
// governance incident of a pause whose disclosure deadline passed.
func (c *Client) RecordMissedDisclosure(ctx context.Context, t emergency.Target, seq int64) (*emergency.Incident, error) {
	var in emergency.Incident
	if err := c.submit(ctx, txGuardianRecordMissed, &in, string(t.Kind), t.ID, strconv.FormatInt(seq, 10)); err != nil {
		return nil, err
	}
	return &in, nil
}

// GuardianStatus evaluates guardian:Status for a target.
func (c *Client) GuardianStatus(ctx context.Context, t emergency.Target) (*emergency.Status, error) {
	var s emergency.Status
	if err := c.evaluate(ctx, txGuardianStatus, &s, string(t.Kind), t.ID); err != nil {
		return nil, err
	}
	return &s, nil
}

// IncidentPage is one page of disclosure incidents.
type IncidentPage struct {
	Incidents []emergency.Incident `json:"incidents"`
	Bookmark  string               `json:"bookmark,omitempty"`
}

// GuardianIncidents evaluates guardian:Incidents, one page.
func (c *Client) GuardianIncidents(ctx context.Context, pageSize int, bookmark string) (*IncidentPage, error) {
	ps := ""
	if pageSize > 0 {
		ps = strconv.Itoa(pageSize)
	}
	var p IncidentPage
	if err := c.evaluate(ctx, txGuardianIncidents, &p, ps, bookmark); err != nil {
		return nil, err
	}
	return &p, nil
}

// HashBufferSize is the read size of HashFile: large reads keep the
// SHA-256 the bottleneck, not the system calls.
const HashBufferSize = 4 << 20

// HashReader streams r through SHA-256 and returns the digest (lowercase
// hex) and the bytes read; progress, when set, is called after every read
// with the running total.
func HashReader(r io.Reader, progress func(done int64)) (string, int64, error) {
	h := sha256.New()
	buf := make([]byte, HashBufferSize)
	var n int64
	for {
		k, err := r.Read(buf)
		if k > 0 {
			h.Write(buf[:k])
			n += int64(k)
			if progress != nil {
				progress(n)
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", n, err
		}
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// HashFile streams a file through SHA-256.
func HashFile(path string, progress func(done int64)) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	return HashReader(f, progress)
}

// Verification is the report of VerifyFile.
type Verification struct {
	File       string           `json:"file"`
	Artifact   artifact.Ref     `json:"artifact"`
	Use        string           `json:"use"`
	SHA256     string           `json:"sha256"`
	Bytes      int64            `json:"bytes"`
	Registered bool             `json:"registered"`
	Matches    bool             `json:"matches"`
	SizeOK     bool             `json:"sizeMatches"`
	Released   bool             `json:"released"`
	Reason     string           `json:"reason"`
	Status     *artifact.Status `json:"status,omitempty"`
	// OK: registered, digest matches and released for the use asked for.
	OK bool `json:"ok"`
}

// VerifyFile checks a downloaded file against the registry: it streams
// the file through SHA-256 while it asks the ledger for the version's
// status (so the round trip hides behind the hashing), then reports
// whether the file is registered, matches, and is released for use
// (research, non_commercial or commercial) now: not paused, not taken
// down or derived from a taken-down dataset, at a stage that allows it.
func (c *Client) VerifyFile(ctx context.Context, path string, r artifact.Ref, use string, progress func(done int64)) (*Verification, error) {
	if _, err := artifact.StageAllows(artifact.StageGeneral, use); err != nil {
		return nil, localError(CodeInvalidArgument, err)
	}
	type statusResult struct {
		s   *artifact.Status
		err error
	}
	ch := make(chan statusResult, 1)
	go func() {
		s, err := c.ArtifactStatus(ctx, r)
		ch <- statusResult{s, err}
	}()
	sum, n, herr := HashFile(path, progress)
	res := <-ch
	if herr != nil {
		return nil, &Error{Code: CodeInvalidArgument, Message: fmt.Sprintf("read %s: %v", path, herr), Err: herr}
	}
	v := &Verification{File: path, Artifact: r, Use: use, SHA256: sum, Bytes: n}
	if res.err != nil {
		if CodeOf(res.err) == CodeNotFound {
			v.Reason = fmt.Sprintf("%s is not registered", r)
			return v, nil
		}
		return nil, res.err
	}
	v.Registered, v.Status = true, res.s
	v.Matches = sum == res.s.Artifact.SHA256
	v.SizeOK = n == res.s.Artifact.Size
	ok, why, err := res.s.Usable(use)
	if err != nil {
		return nil, localError(CodeInvalidArgument, err)
	}
	v.Released = ok
	switch {
	case !v.Matches:
		v.Reason = fmt.Sprintf("digest mismatch: the file's SHA-256 is %s, %s registered %s", sum, r, res.s.Artifact.SHA256)
	case !ok:
		v.Reason = why
	default:
		v.Reason = why
		v.OK = true
	}
	return v, nil
}
