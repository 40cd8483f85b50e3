package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/hyperledger/fabric-protos-go-apiv2/common"

	"github.com/charter-gov/charter/chaincode/ballot"
	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/decision"
	"github.com/charter-gov/charter/chaincode/delegation"
	"github.com/charter-gov/charter/chaincode/emergency"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/round"
	"github.com/charter-gov/charter/chaincode/token"
	charter "github.com/charter-gov/charter/gateway-client"
	"github.com/charter-gov/charter/gateway-client/audit"
)

var _ ServerInterface = (*Server)(nil)

// ---- health ----

func (s *Server) GetHealthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, Health{Status: "ok"})
}

// maxLag is how many blocks the listener may trail the peer and still be
// ready.
const maxLag = 5

func (s *Server) GetReadyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	h, _ := s.blocks.Height()
	started, lerr := s.blocks.state()
	out := Readiness{BlockHeight: int64(h)}
	peerH, err := s.gw.ChainHeight(ctx)
	switch {
	case err != nil:
		d := fmt.Sprintf("peer unreachable: %v", err)
		out.Detail = &d
	case !started:
		out.PeerReachable, out.PeerHeight = true, int64(peerH)
		d := "block listener has not started"
		if lerr != nil {
			d += ": " + lerr.Error()
		}
		out.Detail = &d
	default:
		out.PeerReachable, out.PeerHeight = true, int64(peerH)
		if peerH > h {
			out.EventLag = int64(peerH - h)
		}
		out.Ready = out.EventLag <= maxLag
		if !out.Ready {
			d := fmt.Sprintf("block listener trails the peer by %d blocks (more than %d)", out.EventLag, maxLag)
			out.Detail = &d
		}
	}
	status := http.StatusOK
	if !out.Ready {
		status = http.StatusServiceUnavailable
	}
	writeJSON(w, status, out)
}

// ---- reads (the index-served ones are in indexed.go) ----

func (s *Server) GetTransaction(w http.ResponseWriter, r *http.Request, txID TxID) {
	v, err := s.gw.TransactionStatus(r.Context(), txID)
	one(w, r, v, err)
}

// ---- writes: prepare for the member's signature ----

// prepare builds the member's transaction (call runs one typed client
// method as the member) and answers 201 with the signing session.
func (s *Server) prepare(w http.ResponseWriter, r *http.Request, signer Signer, call func(ctx context.Context, as *charter.Client) error) {
	key, err := publicKeyOf([]byte(signer.Certificate))
	if err != nil {
		writeProblem(w, r, err)
		return
	}
	if err := checkCaller(r, []byte(signer.Certificate), "/signer/certificate"); err != nil {
		writeProblem(w, r, err)
		return
	}
	id, err := identity.FromPEM(signer.MspId, []byte(signer.Certificate))
	if err != nil {
		writeProblem(w, r, newProblem(charter.CodeInvalidArgument, "/signer/certificate", "member-certificate", "signer certificate: %v", err))
		return
	}
	u, err := s.gw.Prepare(r.Context(), charter.Signer{MSPID: signer.MspId, CertificatePEM: []byte(signer.Certificate)}, call)
	if err != nil {
		writeProblem(w, r, err)
		return
	}
	ses := &session{id: newID(), key: key, signer: id, certPEM: []byte(signer.Certificate), txID: u.TxID, name: u.Transaction, proposal: u}
	if err := s.signing.add(ses); err != nil {
		writeProblem(w, r, err)
		return
	}
	tx := u.Transaction
	writeJSON(w, http.StatusCreated, SigningResponse{Signing: Signing{Id: ses.id, TxId: u.TxID, Transaction: &tx, Proposal: u.Message}})
}

// decodeBody decodes a body the validator already checked.
func decodeBody(r *http.Request, v any) error {
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		return newProblem(charter.CodeInvalidArgument, "body", "json", "request body: %v", err)
	}
	return nil
}

func allocations(as *[]Allocation) []ballot.Allocation {
	if as == nil {
		return nil
	}
	out := make([]ballot.Allocation, len(*as))
	for i, a := range *as {
		out[i] = ballot.Allocation{Choice: a.Choice, Votes: a.Votes}
	}
	return out
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func (s *Server) CastVote(w http.ResponseWriter, r *http.Request, id ID) {
	var b VoteBody
	if err := decodeBody(r, &b); err != nil {
		writeProblem(w, r, err)
		return
	}
	req := ballot.CastRequest{Ballot: id, Choice: deref(b.Choice), Allocations: allocations(b.Allocations)}
	s.prepare(w, r, b.Signer, func(ctx context.Context, as *charter.Client) error {
		_, err := as.Vote(ctx, req)
		return err
	})
}

func (s *Server) VoteOnDecision(w http.ResponseWriter, r *http.Request, id ID) {
	var b DecisionVoteBody
	if err := decodeBody(r, &b); err != nil {
		writeProblem(w, r, err)
		return
	}
	req := decision.VoteRequest{Decision: id, House: constitution.HouseID(b.House), Choice: deref(b.Choice)}
	if b.Appeal != nil {
		req.Appeal = *b.Appeal
	}
	for _, a := range allocations(b.Allocations) {
		req.Allocations = append(req.Allocations, decision.Allocation(a))
	}
	s.prepare(w, r, b.Signer, func(ctx context.Context, as *charter.Client) error {
		_, err := as.VoteOnDecision(ctx, req)
		return err
	})
}

func (s *Server) SetDelegation(w http.ResponseWriter, r *http.Request) {
	var b DelegationBody
	if err := decodeBody(r, &b); err != nil {
		writeProblem(w, r, err)
		return
	}
	req := delegation.SetRequest{Topic: b.Topic, ExpiresAt: b.ExpiresAt}
	for _, l := range b.Legs {
		req.Legs = append(req.Legs, delegation.Leg{To: identity.Identity{MSPID: l.To.MspId, ID: l.To.Id}, Percent: l.Percent})
	}
	s.prepare(w, r, b.Signer, func(ctx context.Context, as *charter.Client) error {
		_, err := as.Delegate(ctx, req)
		return err
	})
}

func (s *Server) RevokeDelegation(w http.ResponseWriter, r *http.Request) {
	var b RevokeDelegationBody
	if err := decodeBody(r, &b); err != nil {
		writeProblem(w, r, err)
		return
	}
	s.prepare(w, r, b.Signer, func(ctx context.Context, as *charter.Client) error {
		_, err := as.RevokeDelegation(ctx, delegation.RevokeRequest{Topic: b.Topic})
		return err
	})
}

func (s *Server) Contribute(w http.ResponseWriter, r *http.Request, id ID) {
	var b ContributionBody
	if err := decodeBody(r, &b); err != nil {
		writeProblem(w, r, err)
		return
	}
	s.prepare(w, r, b.Signer, func(ctx context.Context, as *charter.Client) error {
		_, err := as.Contribute(ctx, round.ContributeRequest{Round: id, Project: b.Project, Amount: b.Amount})
		return err
	})
}

func (s *Server) ContributeCart(w http.ResponseWriter, r *http.Request, id ID) {
	var b CartBody
	if err := decodeBody(r, &b); err != nil {
		writeProblem(w, r, err)
		return
	}
	req := round.ContributeBatchRequest{Round: id, Lines: make([]round.CartLine, len(b.Lines))}
	for i, l := range b.Lines {
		req.Lines[i] = round.CartLine{Project: l.Project, Amount: l.Amount}
	}
	s.prepare(w, r, b.Signer, func(ctx context.Context, as *charter.Client) error {
		_, err := as.ContributeBatch(ctx, req)
		return err
	})
}

func (s *Server) ApproveSpend(w http.ResponseWriter, r *http.Request, id ID) {
	var b SignerOnlyBody
	if err := decodeBody(r, &b); err != nil {
		writeProblem(w, r, err)
		return
	}
	s.prepare(w, r, b.Signer, func(ctx context.Context, as *charter.Client) error {
		_, err := as.ApproveSpend(ctx, id)
		return err
	})
}

func (s *Server) SupportPause(w http.ResponseWriter, r *http.Request) {
	var b PauseBody
	if err := decodeBody(r, &b); err != nil {
		writeProblem(w, r, err)
		return
	}
	req := emergency.PauseRequest{Target: emergency.Target{Kind: emergency.Kind(b.Kind), ID: b.Target}, Reason: b.Reason}
	s.prepare(w, r, b.Signer, func(ctx context.Context, as *charter.Client) error {
		_, err := as.GuardianPause(ctx, req)
		return err
	})
}

func (s *Server) CloseBallot(w http.ResponseWriter, r *http.Request, id ID) {
	s.signerOnly(w, r, func(ctx context.Context, as *charter.Client) error {
		_, err := as.CloseBallot(ctx, id)
		return err
	})
}

func (s *Server) ConcludeDecision(w http.ResponseWriter, r *http.Request, id ID) {
	s.signerOnly(w, r, func(ctx context.Context, as *charter.Client) error {
		_, err := as.ConcludeDecision(ctx, id)
		return err
	})
}

func (s *Server) ExecuteDecision(w http.ResponseWriter, r *http.Request, id ID) {
	s.signerOnly(w, r, func(ctx context.Context, as *charter.Client) error {
		_, err := as.ExecuteDecision(ctx, id)
		return err
	})
}

// signerOnly prepares an operation whose body is only the signer.
func (s *Server) signerOnly(w http.ResponseWriter, r *http.Request, call func(ctx context.Context, as *charter.Client) error) {
	var b SignerOnlyBody
	if err := decodeBody(r, &b); err != nil {
		writeProblem(w, r, err)
		return
	}
	s.prepare(w, r, b.Signer, call)
}

func (s *Server) TransferTokens(w http.ResponseWriter, r *http.Request) {
	var b TransferBody
	if err := decodeBody(r, &b); err != nil {
		writeProblem(w, r, err)
		return
	}
	req := token.TransferRequest{To: identity.Identity{MSPID: b.To.MspId, ID: b.To.Id}, Amount: b.Amount, Memo: deref(b.Memo)}
	s.prepare(w, r, b.Signer, func(ctx context.Context, as *charter.Client) error {
		_, err := as.Transfer(ctx, req)
		return err
	})
}

func (s *Server) ApplyToRound(w http.ResponseWriter, r *http.Request, id ID) {
	var b ApplicationBody
	if err := decodeBody(r, &b); err != nil {
		writeProblem(w, r, err)
		return
	}
	req := round.ApplyRequest{Round: id, Title: b.Title, Description: deref(b.Description), Category: round.Category(b.Category)}
	if b.Artifacts != nil {
		req.Artifacts = *b.Artifacts
	}
	s.prepare(w, r, b.Signer, func(ctx context.Context, as *charter.Client) error {
		_, err := as.ApplyToRound(ctx, req)
		return err
	})
}

// ---- signing ----

func (s *Server) EndorseSigning(w http.ResponseWriter, r *http.Request, id SigningID) {
	var b SignatureBody
	if err := decodeBody(r, &b); err != nil {
		writeProblem(w, r, err)
		return
	}
	ses, err := s.signing.get(id)
	if err != nil {
		writeProblem(w, r, err)
		return
	}
	if err := checkCaller(r, ses.certPEM, "id"); err != nil {
		writeProblem(w, r, err)
		return
	}
	s.signing.mu.Lock()
	state := ses.state
	s.signing.mu.Unlock()
	if state != statePrepared {
		writeProblem(w, r, newProblem(charter.CodeFailedPrecondition, "id", "endorse-once", "signing session %s was already endorsed: sign its transaction and submit", id))
		return
	}
	if err := verifySignature(ses.key, ses.proposal.Message, b.Signature, "proposal"); err != nil {
		writeProblem(w, r, err)
		return
	}
	e, err := s.gw.EndorseSigned(r.Context(), ses.proposal.State, b.Signature)
	if err != nil {
		writeProblem(w, r, err)
		return
	}
	s.signing.mu.Lock()
	if ses.state != statePrepared {
		s.signing.mu.Unlock()
		writeProblem(w, r, newProblem(charter.CodeConflict, "id", "endorse-once", "signing session %s was endorsed by a concurrent request", id))
		return
	}
	ses.state, ses.endorsed = stateEndorsed, e
	s.signing.mu.Unlock()
	out := EndorseResponse{Transaction: e.Message}
	if len(e.Result) > 0 {
		var res map[string]any
		if json.Unmarshal(e.Result, &res) == nil {
			out.Result = &res
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) SubmitSigning(w http.ResponseWriter, r *http.Request, id SigningID, p SubmitSigningParams) {
	var b SignatureBody
	if err := decodeBody(r, &b); err != nil {
		writeProblem(w, r, err)
		return
	}
	digest := sha256.Sum256(append([]byte(id+"\x00"), b.Signature...))
	prev, used, err := s.signing.keyUse(p.IdempotencyKey)
	if err != nil {
		writeProblem(w, r, err)
		return
	}
	if used {
		if prev.Digest != digest {
			writeProblem(w, r, newProblem(charter.CodeConflict, "Idempotency-Key", "idempotency-key-reuse", "Idempotency-Key %q was used with another request (another signing session or signature); use a new key", p.IdempotencyKey))
			return
		}
		s.writeJob(w, r, prev.JobID, http.StatusAccepted)
		return
	}

	ses, err := s.signing.get(id)
	if err != nil {
		writeProblem(w, r, err)
		return
	}
	if err := checkCaller(r, ses.certPEM, "id"); err != nil {
		writeProblem(w, r, err)
		return
	}
	s.signing.mu.Lock()
	state := ses.state
	s.signing.mu.Unlock()
	switch state {
	case statePrepared:
		writeProblem(w, r, newProblem(charter.CodeFailedPrecondition, "id", "endorse-before-submit", "signing session %s is not endorsed yet: POST /v1/signing/%s/endorse first", id, id))
		return
	case stateSubmitted:
		writeProblem(w, r, newProblem(charter.CodeConflict, "id", "submit-once", "signing session %s was already submitted (job %s); replay with the same Idempotency-Key to get it", id, ses.jobID))
		return
	}
	if err := verifySignature(ses.key, ses.endorsed.Message, b.Signature, "transaction"); err != nil {
		writeProblem(w, r, err)
		return
	}
	s.signing.mu.Lock()
	if ses.state != stateEndorsed {
		s.signing.mu.Unlock()
		writeProblem(w, r, newProblem(charter.CodeConflict, "id", "submit-once", "signing session %s was submitted by a concurrent request", id))
		return
	}
	ses.state = stateSubmitted
	s.signing.mu.Unlock()

	txID, err := s.gw.SubmitSigned(r.Context(), ses.endorsed.State, b.Signature)
	j := &job{id: newID(), txID: ses.txID}
	if txID != "" {
		j.txID = txID
	}
	if err != nil {
		code := charter.CodeOf(err)
		if code != charter.CodeUnknownOutcome {
			// Nothing reached the orderer: the session may be submitted again.
			s.signing.mu.Lock()
			ses.state = stateEndorsed
			s.signing.mu.Unlock()
			writeProblem(w, r, err)
			return
		}
		j.detail = problemOf(err).Detail
	}
	if err := s.signing.addJob(j, p.IdempotencyKey, digest); err != nil {
		// The transaction went out: the job is lost, not the transaction.
		writeProblem(w, r, fmt.Errorf("transaction %s was submitted but its job could not be stored (find it at /v1/transactions/%s): %w", j.txID, j.txID, err))
		return
	}
	s.signing.mu.Lock()
	ses.jobID = j.id
	s.signing.mu.Unlock()
	w.Header().Set("Location", "/v1/jobs/"+j.id)
	s.writeJob(w, r, j.id, http.StatusAccepted)
}

// jobView is a job with its status from the block listener (or, for a
// transaction it no longer remembers, from the ledger).
func (s *Server) jobView(ctx context.Context, j *job) Job {
	out := Job{Id: j.id, TxId: j.txID, Status: JobSubmitted}
	if j.detail != "" {
		d := j.detail
		out.Detail = &d
	}
	if seen, ok := s.blocks.Seen(j.txID); ok {
		h := int64(seen.Block) + 1
		out.BlockHeight = &h
		if seen.Code.String() == "VALID" {
			out.Status = JobCommitted
		} else {
			out.Status = JobFailed
			code := seen.Code.String()
			d := fmt.Sprintf("transaction %s failed validation with %s in block %d and changed nothing", j.txID, code, seen.Block)
			out.Code, out.Detail = &code, &d
		}
	}
	return out
}

func (s *Server) writeJob(w http.ResponseWriter, r *http.Request, id string, status int) {
	j, ok, err := s.signing.job(id)
	if err != nil {
		writeProblem(w, r, err)
		return
	}
	if !ok {
		writeProblem(w, r, newProblem(charter.CodeNotFound, "id", "job", "job %s does not exist on this server", id))
		return
	}
	writeJSON(w, status, JobResponse{Job: s.jobView(r.Context(), j)})
}

func (s *Server) GetJob(w http.ResponseWriter, r *http.Request, id string, _ GetJobParams) {
	j, ok, err := s.signing.job(id)
	if err != nil {
		writeProblem(w, r, err)
		return
	}
	if !ok {
		writeProblem(w, r, newProblem(charter.CodeNotFound, "id", "job", "job %s does not exist on this server", id))
		return
	}
	writeJSON(w, http.StatusOK, s.jobView(r.Context(), j))
}

// ---- live results ----

func (s *Server) StreamBallotResults(w http.ResponseWriter, r *http.Request, id ID, p StreamBallotResultsParams) {
	fl, ok := w.(http.Flusher)
	if !ok {
		writeProblem(w, r, newProblem(charter.CodeInternal, "", "streaming", "the connection does not support streaming"))
		return
	}
	ctx := r.Context()
	// The results come from the index with the exact height they
	// reflect (an event's id); the change channel is taken first, so no
	// block after that read is missed. The first read answers an unknown
	// ballot with a problem.
	if !s.fromIndex(w, r) {
		return
	}
	_, changed := s.blocks.Height()
	res, h, err := s.idx.BallotResults(s.opts.Now(), id)
	if err != nil {
		writeProblem(w, r, err)
		return
	}
	var resumeAt uint64
	if p.LastEventID != nil {
		resumeAt, _ = strconv.ParseUint(*p.LastEventID, 10, 64)
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	fl.Flush()
	var last []byte
	heartbeat := time.NewTicker(15 * time.Second)
	defer heartbeat.Stop()
	for {
		raw, err := json.Marshal(res)
		if err != nil {
			return
		}
		// A client resuming at height h or later already has this state.
		if !bytes.Equal(raw, last) && (resumeAt == 0 || h > resumeAt) {
			fmt.Fprintf(w, "id: %d\nevent: results\ndata: %s\n\n", h, raw)
			fl.Flush()
			last = raw
		} else if last == nil {
			last = raw
		}
	wait:
		for {
			select {
			case <-ctx.Done():
				return
			case <-heartbeat.C:
				fmt.Fprint(w, ": keep-alive\n\n")
				fl.Flush()
			case <-changed:
				break wait
			}
		}
		resumeAt = 0
		_, changed = s.blocks.Height()
		if res, h, err = s.idx.BallotResults(s.opts.Now(), id); err != nil {
			p := problemOf(err)
			fmt.Fprintf(w, "event: problem\ndata: {\"code\":%q,\"detail\":%q}\n\n", p.Code, p.Detail)
			fl.Flush()
			return
		}
	}
}

// ---- audit ----

// blockLine is one NDJSON line of the block stream.
type blockLine struct {
	Number       uint64   `json:"number"`
	Transactions []txLine `json:"transactions"`
}

type txLine struct {
	TxID string `json:"txId"`
	Code string `json:"validationCode"`
}

func (s *Server) StreamAuditBlocks(w http.ResponseWriter, r *http.Request, p StreamAuditBlocksParams) {
	s.streamAudit(w, r, p.From, p.To, func(enc *json.Encoder, b *common.Block) error {
		line := blockLine{Number: b.GetHeader().GetNumber(), Transactions: []txLine{}}
		filter := b.GetMetadata().GetMetadata()
		var codes []byte
		if len(filter) > 2 {
			codes = filter[2]
		}
		for i, env := range b.GetData().GetData() {
			tl := txLine{TxID: envelopeTxID(env)}
			if i < len(codes) {
				tl.Code = txCodeName(codes[i])
			}
			line.Transactions = append(line.Transactions, tl)
		}
		return enc.Encode(line)
	})
}

// txRow is one NDJSON line of the transaction stream: the schema
// AuditTransaction, its fields in the order an auditor reads them.
type txRow struct {
	Block          uint64     `json:"block"`
	Index          int        `json:"index"`
	TxID           string     `json:"txId"`
	Type           string     `json:"type"`
	Time           *time.Time `json:"time,omitempty"`
	CreatorMSP     string     `json:"creatorMsp,omitempty"`
	Creator        string     `json:"creator,omitempty"`
	CreatorID      string     `json:"creatorId,omitempty"`
	Chaincode      string     `json:"chaincode,omitempty"`
	Function       string     `json:"function,omitempty"`
	ValidationCode string     `json:"validationCode"`
	Event          string     `json:"event,omitempty"`
	DecodeError    string     `json:"decodeError,omitempty"`
}

// StreamAuditTransactions streams one line per transaction of the blocks
// asked for, decoded as `charter audit export` decodes them
// (audit.Transactions).
func (s *Server) StreamAuditTransactions(w http.ResponseWriter, r *http.Request, p StreamAuditTransactionsParams) {
	s.streamAudit(w, r, p.From, p.To, func(enc *json.Encoder, b *common.Block) error {
		txs, err := audit.Transactions(b)
		if err != nil {
			return fmt.Errorf("block %d: %w", b.GetHeader().GetNumber(), err)
		}
		for _, t := range txs {
			rec := t.Record
			row := txRow{
				Block: rec.Block, Index: rec.Index, TxID: rec.TxID, Type: rec.Type,
				CreatorMSP: rec.Creator.MSPID, CreatorID: rec.Creator.ID,
				Chaincode: rec.Chaincode, Function: rec.Function, ValidationCode: rec.ValidationCode,
			}
			if !rec.Time.IsZero() {
				row.Time = &rec.Time
			}
			if rec.Creator.ID != "" {
				row.Creator = identity.Identity{MSPID: rec.Creator.MSPID, ID: rec.Creator.ID}.Short()
			}
			if rec.Event != nil {
				row.Event = rec.Event.Name
			}
			if t.DecodeError != nil {
				row.DecodeError = t.DecodeError.Error()
			}
			if err := enc.Encode(row); err != nil {
				return err
			}
		}
		return nil
	})
}

// AuditToHeader names the last block an audit stream covers: its to
// parameter, or the default (the height when the request arrived, minus
// one). A client that resumes a broken stream asks for the same blocks.
const AuditToHeader = "Charter-Audit-To"

// streamAudit is the audit streams' loop: it checks from and to (to
// defaults to the height when the request arrived, minus one), streams
// the blocks from..to from the gateway and writes each with row, flushing
// every 64 blocks. A stream that ends before block to (the peer's stream
// broke, or row failed) aborts the response, so that the client sees a
// broken transfer rather than a complete-looking short file.
func (s *Server) streamAudit(w http.ResponseWriter, r *http.Request, pFrom, pTo *int64, row func(*json.Encoder, *common.Block) error) {
	h, _ := s.blocks.Height()
	var from, to uint64
	if pFrom != nil {
		from = uint64(*pFrom)
	}
	if h == 0 {
		writeProblem(w, r, newProblem(charter.CodeUnavailable, "", "listener-started", "the block listener has not started; try again"))
		return
	}
	to = h - 1
	if pTo != nil {
		to = uint64(*pTo)
	}
	if from > to {
		writeProblem(w, r, newProblem(charter.CodeInvalidArgument, "from", "from-le-to", "from %d is after to %d", from, to))
		return
	}
	if to >= h {
		writeProblem(w, r, newProblem(charter.CodeInvalidArgument, "to", "committed-block", "block %d is not committed yet (height %d)", to, h))
		return
	}
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	blocks, err := s.gw.BlockEvents(ctx, from)
	if err != nil {
		writeProblem(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.Header().Set(AuditToHeader, strconv.FormatUint(to, 10))
	w.WriteHeader(http.StatusOK)
	fl, _ := w.(http.Flusher)
	if fl != nil {
		fl.Flush() // the status and AuditToHeader, before the first block
	}
	enc := json.NewEncoder(w)
	next := from
	for b := range blocks {
		n := b.GetHeader().GetNumber()
		if err := row(enc, b); err != nil {
			if r.Context().Err() == nil {
				s.log.Warn("audit stream: writing a block failed; aborting the response", "path", r.URL.Path, "block", n, "err", err)
			}
			panic(http.ErrAbortHandler)
		}
		next = n + 1
		if fl != nil && n%64 == 0 {
			fl.Flush()
		}
		if n >= to {
			return
		}
	}
	if r.Context().Err() == nil {
		s.log.Warn("audit stream: the peer's block stream ended early; aborting the response", "path", r.URL.Path, "next", next, "to", to)
	}
	panic(http.ErrAbortHandler)
}
