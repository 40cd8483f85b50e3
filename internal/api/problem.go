package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/charter-gov/charter/chaincode/errcode"
	charter "github.com/charter-gov/charter/gateway-client"
)

// problem is an RFC 9457 problem detail, with Charter's code and the
// field and rule that refused the request.
type problem struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail,omitempty"`
	Instance string `json:"instance,omitempty"`
	Code     string `json:"code,omitempty"`
	Field    string `json:"field,omitempty"`
	Rule     string `json:"rule,omitempty"`
	TxID     string `json:"txId,omitempty"`
}

func (p *problem) Error() string { return fmt.Sprintf("%s: %s", p.Code, p.Detail) }

// Codes the server adds to the client's.
const (
	codeNotAcceptable charter.Code = "PAYLOAD_TOO_LARGE"
	codeTimeout       charter.Code = "WAIT_TIMEOUT"
)

// statusOf is the one mapping from Charter's error codes to HTTP statuses.
func statusOf(code charter.Code) int {
	switch code {
	case charter.CodeInvalidArgument:
		return http.StatusBadRequest
	case charter.CodeForbidden:
		return http.StatusForbidden
	case charter.CodeNotFound:
		return http.StatusNotFound
	case charter.CodeConflict, charter.CodeFailedPrecondition, charter.CodeNotCommitted:
		return http.StatusConflict
	case codeNotAcceptable:
		return http.StatusRequestEntityTooLarge
	case charter.CodeUnavailable:
		return http.StatusServiceUnavailable
	case charter.CodeDeadlineExceeded, charter.CodeUnknownOutcome, codeTimeout:
		return http.StatusGatewayTimeout
	case charter.CodeCanceled:
		return 499
	case charter.CodeUnknown:
		return http.StatusBadGateway
	}
	return http.StatusInternalServerError
}

// titles are the problems' short, stable titles.
var titles = map[charter.Code]string{
	charter.CodeInvalidArgument:    "Invalid argument",
	charter.CodeForbidden:          "Forbidden",
	charter.CodeNotFound:           "Not found",
	charter.CodeConflict:           "Conflict",
	charter.CodeFailedPrecondition: "Failed precondition",
	charter.CodeNotCommitted:       "Not committed",
	charter.CodeUnavailable:        "Gateway unavailable",
	charter.CodeDeadlineExceeded:   "Deadline exceeded",
	charter.CodeUnknownOutcome:     "Outcome unknown",
	charter.CodeCanceled:           "Canceled",
	charter.CodeUnknown:            "Gateway error",
	charter.CodeInternal:           "Internal error",
	codeNotAcceptable:              "Payload too large",
	codeTimeout:                    "Wait timed out",
}

// newProblem builds a problem of code; field and rule may be empty.
func newProblem(code charter.Code, field, rule, format string, args ...any) *problem {
	return &problem{Code: string(code), Field: field, Rule: rule, Detail: fmt.Sprintf(format, args...)}
}

// problemOf turns any error into a problem: a *problem as it is, a
// client *Error (or a Charter errcode) by its code, anything else
// INTERNAL.
func problemOf(err error) *problem {
	var p *problem
	if errors.As(err, &p) {
		return p
	}
	code := charter.CodeOf(err)
	pr := &problem{Code: string(code), Detail: err.Error()}
	var ce *charter.Error
	if errors.As(err, &ce) {
		pr.Detail, pr.TxID = ce.Message, ce.TxID
		pr.Field, pr.Rule = ce.Field, ce.Rule
	} else {
		// A Charter errcode error (a domain function run on the server)
		// names its field and rule itself.
		pr.Field, pr.Rule = errcode.FieldOf(err)
	}
	pr.Detail = strings.TrimPrefix(pr.Detail, string(code)+": ")
	return pr
}

// writeProblem renders err as application/problem+json.
func writeProblem(w http.ResponseWriter, r *http.Request, err error) {
	p := *problemOf(err)
	if p.Code == string(charter.CodeNotFound) && p.Field == "" && r.Method == http.MethodGet {
		// A read of a record the path names: the path's parameters are
		// the field, and the rule is that the record must exist.
		if f := pathParams(r.Pattern); f != "" {
			p.Field, p.Rule = f, "exists"
		}
	}
	p.Status = statusOf(charter.Code(p.Code))
	p.Type = "urn:charter:problem:" + strings.ToLower(strings.ReplaceAll(p.Code, "_", "-"))
	if t, ok := titles[charter.Code(p.Code)]; ok {
		p.Title = t
	} else {
		p.Title = http.StatusText(p.Status)
	}
	p.Instance = r.URL.Path
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// pathParams lists the {parameters} of a route pattern such as
// "GET /v1/artifacts/{name}/{version}", comma-separated ("name,version").
func pathParams(pattern string) string {
	var names []string
	for rest := pattern; ; {
		i := strings.IndexByte(rest, '{')
		if i < 0 {
			break
		}
		j := strings.IndexByte(rest[i:], '}')
		if j < 0 {
			break
		}
		names = append(names, strings.TrimSuffix(rest[i+1:i+j], "..."))
		rest = rest[i+j+1:]
	}
	return strings.Join(names, ",")
}

// writeJSON renders v with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
