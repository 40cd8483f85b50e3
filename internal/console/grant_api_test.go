package console

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/funding"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/round"
)

// refuse answers a chaincode refusal as the API does: a problem with the
// code and the chaincode's message.
func (a *fakeAPI) refuse(w http.ResponseWriter, err error) {
	code := errcode.CodeOf(err)
	status := map[errcode.Code]int{errcode.NotFound: 404, errcode.Forbidden: 403, errcode.InvalidArgument: 400, errcode.Conflict: 409, errcode.FailedPrecondition: 409}[code]
	if status == 0 {
		status = 500
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"title": http.StatusText(status), "status": status, "code": string(code), "detail": err.Error()})
}

// prepareOp decodes a write's body and signer and opens a signing
// session whose chaincode answer is op (given the caller and the body).
func (a *fakeAPI) prepareOp(w http.ResponseWriter, r *http.Request, body any, op func(caller identity.Identity) func(commit bool) (any, error)) {
	var env struct {
		Signer struct {
			MSPID       string `json:"mspId"`
			Certificate string `json:"certificate"`
		} `json:"signer"`
	}
	raw := json.RawMessage{}
	if err := json.NewDecoder(r.Body).Decode(&raw); err != nil {
		a.problem(w, 400, err.Error())
		return
	}
	if err := json.Unmarshal(raw, &env); err != nil {
		a.problem(w, 400, err.Error())
		return
	}
	if body != nil {
		if err := json.Unmarshal(raw, body); err != nil {
			a.problem(w, 400, err.Error())
			return
		}
	}
	cert, err := identity.ParsePEM([]byte(env.Signer.Certificate))
	if err != nil {
		a.problem(w, 400, "signer.certificate: "+err.Error())
		return
	}
	caller := identity.FromCert(env.Signer.MSPID, cert)
	a.n++
	id := fmt.Sprintf("%032x", a.n)
	prop := make([]byte, 200)
	_, _ = rand.Read(prop)
	a.s[id] = &fakeSigning{cert: cert, voter: caller, proposal: prop, op: op(caller)}
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(map[string]any{"signing": map[string]any{"id": id, "txId": hex.EncodeToString(prop[:32]), "proposal": prop}})
}

// serveGrant serves the round manager's endpoints for round r2 and the
// audit export (reader.auditRows NDJSON lines); it reports whether it
// answered.
func (a *fakeAPI) serveGrant(w http.ResponseWriter, r *http.Request, parts []string) bool {
	g := func() *fakeGrant {
		a.reader.mu.Lock()
		defer a.reader.mu.Unlock()
		return a.reader.grant
	}
	switch {
	case r.Method == http.MethodPost && len(parts) == 1 && parts[0] == "rounds":
		var b struct {
			Title          string           `json:"title"`
			Categories     []round.Category `json:"categories"`
			Rule           funding.Rule     `json:"rule"`
			Pool           int64            `json:"pool"`
			BudgetDecision string           `json:"budgetDecision"`
			OpensAt        time.Time        `json:"opensAt"`
			ClosesAt       time.Time        `json:"closesAt"`
		}
		a.prepareOp(w, r, &b, func(caller identity.Identity) func(bool) (any, error) {
			return func(commit bool) (any, error) {
				if b.Pool < 1 || !b.ClosesAt.After(b.OpensAt) || len(b.Categories) == 0 {
					return nil, errcode.Invalidf("open round: pool %d, window %s..%s, categories %v", b.Pool, b.OpensAt, b.ClosesAt, b.Categories)
				}
				ng := newGrant(0)
				ng.r.Title, ng.r.Categories, ng.r.Rule, ng.r.Pool, ng.r.BudgetDecision = b.Title, b.Categories, b.Rule, b.Pool, b.BudgetDecision
				ng.r.OpensAt, ng.r.ClosesAt, ng.r.Admin = b.OpensAt.UTC(), b.ClosesAt.UTC(), caller
				if commit {
					a.reader.mu.Lock()
					a.reader.grant = ng
					a.reader.mu.Unlock()
				}
				return ng.r, nil
			}
		})
	case len(parts) >= 3 && parts[0] == "rounds" && parts[1] != "r2":
		a.refuse(w, errcode.NotFoundf("round %s", parts[1]))
	case r.Method == http.MethodPost && len(parts) == 3 && parts[0] == "rounds" && parts[2] == "acceptances":
		var b struct {
			Project string `json:"project"`
		}
		a.prepareOp(w, r, &b, func(caller identity.Identity) func(bool) (any, error) {
			return func(commit bool) (any, error) { return g().accept(caller, b.Project, commit) }
		})
	case r.Method == http.MethodPost && len(parts) == 3 && parts[0] == "rounds" && parts[2] == "close":
		a.prepareOp(w, r, nil, func(identity.Identity) func(bool) (any, error) {
			return func(commit bool) (any, error) { return g().closeStep(commit) }
		})
	case r.Method == http.MethodPost && len(parts) == 3 && parts[0] == "rounds" && parts[2] == "payout":
		a.prepareOp(w, r, nil, func(caller identity.Identity) func(bool) (any, error) {
			return func(commit bool) (any, error) { return g().pay(caller, commit) }
		})
	case r.Method == http.MethodGet && len(parts) == 3 && parts[0] == "rounds" && parts[2] == "results":
		res, err := g().results()
		if err != nil {
			a.refuse(w, err)
			return true
		}
		_ = json.NewEncoder(w).Encode(res)
	case r.Method == http.MethodGet && len(parts) == 3 && parts[0] == "rounds" && parts[2] == "results.csv":
		res, err := g().results()
		if err != nil {
			a.refuse(w, err)
			return true
		}
		out, err := round.CSV(res)
		if err != nil {
			a.refuse(w, err)
			return true
		}
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		_, _ = w.Write([]byte(out))
	case r.Method == http.MethodGet && len(parts) == 2 && parts[0] == "audit" && (parts[1] == "blocks" || parts[1] == "transactions"):
		a.serveAudit(w, r, parts[1] == "blocks")
	default:
		return false
	}
	return true
}

// auditPerBlock is how many transactions the fake ledger puts in a block.
const auditPerBlock = 3

// serveAudit streams the fake ledger's audit rows as the API does: one
// line per block or per transaction of blocks from..to (to: default the
// last block, announced in Charter-Audit-To). With reader.auditCut set
// it writes that many bytes and breaks the connection, once.
func (a *fakeAPI) serveAudit(w http.ResponseWriter, r *http.Request, blocks bool) {
	a.reader.mu.Lock()
	n, cut := a.reader.auditRows, a.reader.auditCut
	a.reader.auditCut = 0
	a.reader.auditRequests = append(a.reader.auditRequests, r.URL.RawQuery)
	a.reader.mu.Unlock()
	last := (n+auditPerBlock-1)/auditPerBlock - 1
	from, to := 0, last
	if v := r.URL.Query().Get("from"); v != "" {
		from, _ = strconv.Atoi(v)
	}
	if v := r.URL.Query().Get("to"); v != "" {
		to, _ = strconv.Atoi(v)
	}
	if from > to || to > last {
		a.refuse(w, errcode.Invalidf("from %d to %d: the blocks are 0 to %d", from, to, last))
		return
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for b := from; b <= to; b++ {
		var txs []map[string]string
		for i := 0; i < auditPerBlock && b*auditPerBlock+i < n; i++ {
			k := b*auditPerBlock + i
			code := "VALID"
			if k%5 == 4 {
				code = "MVCC_READ_CONFLICT"
			}
			if blocks {
				txs = append(txs, map[string]string{"txId": fmt.Sprintf("%064x", k), "validationCode": code})
				continue
			}
			_ = enc.Encode(map[string]any{"block": b, "index": i, "txId": fmt.Sprintf("%064x", k), "type": "ENDORSER_TRANSACTION", "creatorMsp": "LabAMSP", "creator": "LabAMSP/ada", "chaincode": "charter", "function": "decision:Vote", "validationCode": code})
		}
		if blocks {
			_ = enc.Encode(map[string]any{"number": b, "transactions": txs})
		}
	}
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.Header().Set("Charter-Audit-To", strconv.Itoa(to))
	if cut > 0 && cut < buf.Len() {
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(buf.Bytes()[:cut])
		w.(http.Flusher).Flush()
		panic(http.ErrAbortHandler) // the connection breaks mid-row
	}
	_, _ = w.Write(buf.Bytes())
}
