package console

import (
	"context"
	"net/http"
	"time"

	"github.com/charter-gov/charter/chaincode/delegation"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/membership"
	chtext "github.com/charter-gov/charter/chaincode/text"
)

// setStatement is delegation.SetStatement's checks on the fake's records:
// an active member writes their own statement, required, at most
// delegation.MaxStatementRunes characters of those chaincode/text accepts
// in a multi-line field; it replaces their earlier one.
func (f *fakeReader) setStatement(caller identity.Identity, body string, commit bool) (any, error) {
	rec, err := f.Member(context.Background(), caller)
	if err != nil || rec.Status != membership.StatusActive {
		return nil, errcode.Fieldf(errcode.Forbidden, "", delegation.RuleActiveMember, "delegate statement: caller %s is not an active member", caller)
	}
	if err := chtext.Check("delegate statement", body, chtext.Rule{MaxRunes: delegation.MaxStatementRunes, MultiLine: true, Required: true}); err != nil {
		return nil, errcode.WithField(err, "text")
	}
	st := delegation.Statement{Member: caller, Text: body, UpdatedAt: time.Now().UTC(), TxID: "st"}
	if commit {
		f.mu.Lock()
		f.statements[caller] = st
		f.mu.Unlock()
	}
	return st, nil
}

// serveStatement answers the fake API's POST /v1/delegates/statement; it
// reports whether it answered.
func (a *fakeAPI) serveStatement(w http.ResponseWriter, r *http.Request, parts []string) bool {
	if r.Method != http.MethodPost || len(parts) != 2 || parts[0] != "delegates" || parts[1] != "statement" {
		return false
	}
	var b delegation.StatementRequest
	a.prepareOp(w, r, &b, func(caller identity.Identity) func(bool) (any, error) {
		return func(commit bool) (any, error) { return a.reader.setStatement(caller, b.Text, commit) }
	})
	return true
}
