package api

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/asn1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"sync"
	"time"

	"github.com/charter-gov/charter/chaincode/identity"
	charter "github.com/charter-gov/charter/gateway-client"
	"github.com/charter-gov/charter/internal/index"
)

// A signing session is one member's transaction on its way through
// offline signing: prepared (the member signs the proposal), endorsed
// (the member signs the transaction), submitted (a job).

type sessionState int

const (
	statePrepared sessionState = iota
	stateEndorsed
	stateSubmitted
)

type session struct {
	id        string
	key       *ecdsa.PublicKey
	signer    identity.Identity
	certPEM   []byte // the signer's certificate, as given at prepare
	txID      string
	name      string
	state     sessionState
	proposal  *charter.Unsigned
	endorsed  *charter.Endorsed
	jobID     string
	expiresAt time.Time
}

// Job statuses.
const (
	JobSubmitted = "submitted"
	JobCommitted = "committed"
	JobFailed    = "failed"
)

// job is one submitted transaction; it is kept in the state directory's
// index (bucket jobsBucket), so a restarted server still answers it.
type job struct {
	id       string
	txID     string
	failCode string // set when the submit itself failed
	detail   string
}

// jobRecord is a job as stored.
type jobRecord struct {
	TxID     string `json:"txId"`
	FailCode string `json:"failCode,omitempty"`
	Detail   string `json:"detail,omitempty"`
}

// idempotent is an Idempotency-Key as stored: the digest of the request
// it was first used with and the job it made.
type idempotent struct {
	Digest [32]byte `json:"digest"`
	JobID  string   `json:"jobId"`
}

// Buckets of the API's durable records in the index file.
const (
	jobsBucket = "api-jobs"
	keysBucket = "api-idempotency-keys"
)

// Bounds of the in-memory signing state.
const (
	sessionTTL  = 15 * time.Minute
	maxSessions = 10_000
)

// signingStore holds signing sessions in memory (they last minutes, and
// hold the gateway's state of a proposal), and jobs and idempotency keys
// durably in the index file: a restarted server answers GET
// /v1/jobs/{id} and refuses a replayed key with another body.
type signingStore struct {
	mu       sync.Mutex
	now      func() time.Time
	sessions map[string]*session
	idx      *index.Index
}

func newSigningStore(now func() time.Time, idx *index.Index) *signingStore {
	return &signingStore{now: now, sessions: map[string]*session{}, idx: idx}
}

func newID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err))
	}
	return hex.EncodeToString(b[:])
}

// add stores a prepared session, dropping expired ones.
func (s *signingStore) add(ses *session) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for id, old := range s.sessions {
		if now.After(old.expiresAt) {
			delete(s.sessions, id)
		}
	}
	if len(s.sessions) >= maxSessions {
		return newProblem(charter.CodeUnavailable, "", "signing-sessions-limit", "too many signing sessions in progress (%d); try again later", maxSessions)
	}
	ses.expiresAt = now.Add(sessionTTL)
	s.sessions[ses.id] = ses
	return nil
}

// get returns a live session.
func (s *signingStore) get(id string) (*session, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ses, ok := s.sessions[id]
	if !ok || s.now().After(ses.expiresAt) {
		return nil, newProblem(charter.CodeNotFound, "id", "signing-session", "signing session %s does not exist or expired (sessions last %s)", id, sessionTTL)
	}
	return ses, nil
}

// keyUse is what an Idempotency-Key was first used for, if it was.
func (s *signingStore) keyUse(key string) (idempotent, bool, error) {
	raw, err := s.idx.Record(keysBucket, key)
	if err != nil || raw == nil {
		return idempotent{}, false, err
	}
	var k idempotent
	if err := json.Unmarshal(raw, &k); err != nil {
		return idempotent{}, false, fmt.Errorf("idempotency key %q: %w", key, err)
	}
	return k, true, nil
}

// addJob stores a job and the Idempotency-Key that made it, atomically.
func (s *signingStore) addJob(j *job, key string, digest [32]byte) error {
	rec, err := json.Marshal(jobRecord{TxID: j.txID, FailCode: j.failCode, Detail: j.detail})
	if err != nil {
		return err
	}
	use, err := json.Marshal(idempotent{Digest: digest, JobID: j.id})
	if err != nil {
		return err
	}
	return s.idx.Update(func(r index.RecordTx) error {
		if err := r.Put(jobsBucket, j.id, rec); err != nil {
			return err
		}
		return r.Put(keysBucket, key, use)
	})
}

func (s *signingStore) job(id string) (*job, bool, error) {
	raw, err := s.idx.Record(jobsBucket, id)
	if err != nil || raw == nil {
		return nil, false, err
	}
	var rec jobRecord
	if err := json.Unmarshal(raw, &rec); err != nil {
		return nil, false, fmt.Errorf("job %s: %w", id, err)
	}
	return &job{id: id, txID: rec.TxID, failCode: rec.FailCode, detail: rec.Detail}, true, nil
}

// publicKeyOf is the P-256 public key of a PEM certificate.
func publicKeyOf(certPEM []byte) (*ecdsa.PublicKey, error) {
	cert, err := identity.ParsePEM(certPEM)
	if err != nil {
		return nil, newProblem(charter.CodeInvalidArgument, "/signer/certificate", "pem-x509-certificate", "signer certificate: %v", err)
	}
	key, ok := cert.PublicKey.(*ecdsa.PublicKey)
	if !ok || key.Curve != elliptic.P256() {
		return nil, newProblem(charter.CodeInvalidArgument, "/signer/certificate", "ecdsa-p256-key", "signer certificate: the key is not ECDSA P-256 (Fabric members sign with P-256)")
	}
	return key, nil
}

// halfOrder is half the order of P-256: Fabric accepts only signatures
// whose S is at most this (low S).
var halfOrder = new(big.Int).Rsh(elliptic.P256().Params().N, 1)

// verifySignature checks that sig is an ASN.1 DER ECDSA signature with a
// low S by key over SHA-256 of msg. what names the bytes signed.
func verifySignature(key *ecdsa.PublicKey, msg, sig []byte, what string) error {
	var rs struct{ R, S *big.Int }
	rest, err := asn1.Unmarshal(sig, &rs)
	if err != nil || len(rest) != 0 || rs.R == nil || rs.S == nil || rs.R.Sign() <= 0 || rs.S.Sign() <= 0 {
		return newProblem(charter.CodeInvalidArgument, "/signature", "ecdsa-der",
			"signature is not an ASN.1 DER ECDSA signature (SEQUENCE of two positive INTEGERs r, s); WebCrypto's r‖s output must be converted to DER")
	}
	if rs.S.Cmp(halfOrder) > 0 {
		return newProblem(charter.CodeInvalidArgument, "/signature", "low-s",
			"signature has a high S: Fabric accepts only low-S signatures (use N−s when s > N/2)")
	}
	digest := sha256.Sum256(msg)
	if !ecdsa.Verify(key, digest[:], rs.R, rs.S) {
		return newProblem(charter.CodeForbidden, "/signature", "signed-by-signer",
			"signature does not verify with the signer certificate's key over SHA-256 of the %s bytes: signed with another key, or over other bytes", what)
	}
	return nil
}

// errReplay is a reused Idempotency-Key with another request.
var errReplay = errors.New("idempotency key reused")
