// Package admission holds the ledger side of admitting a partner
// organisation to the consortium.
//
// A partner_admission decision (both houses) names the organisation the
// consortium admits: its MSP ID, the SHA-256 digests of its root CA and TLS
// CA certificates, and its peers' endpoints. When the decision executes, its
// effect (Admit) records the Admission. The channel configuration update
// that adds the organisation (network/admit.sh, charter-netadmin) is built
// only from a recorded admission and refused when the organisation it
// would add differs from it in any of these (Get, Matches): no
// organisation's operator, and no majority of operators, adds an
// organisation the consortium did not decide on.
//
// A partner_removal decision (both houses) is the mirror image: when it
// executes, its effect (Remove) marks the admitted organisation removed on
// its record (the decision, the reason, the time), and the configuration
// update that takes the organisation out of the channel (network/admit.sh
// --remove) is refused unless every peer's record shows that removal. Only
// an organisation a partner_admission decision admitted is removed this
// way: a founding organisation is part of the founding act every founder
// approved (chaincode/genesis), which no later decision of the others
// undoes. A removed organisation may be admitted again by a new
// partner_admission decision (its record is then replaced; the earlier
// admission and removal stay in the events and the ledger's history).
//
// Keys: "admission" ~ mspId → Admission (one per organisation).
// Events: admission.recorded, admission.removed.
//
// Who may call what: Admit and Remove only through an executed decision;
// Get anyone with an identity on the channel. The package has no Fabric
// imports; the contract adapts it.
package admission

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/genesis"
	"github.com/charter-gov/charter/chaincode/strictjson"
	"github.com/charter-gov/charter/chaincode/text"
)

const objectType = "admission"

// EventRecorded is emitted when an executed decision admits an organisation.
const EventRecorded = "admission.recorded"

// EventRemoved is emitted when an executed decision removes an admitted
// organisation.
const EventRemoved = "admission.removed"

// Bounds of a payload.
const (
	MaxMSPIDBytes = 128
	MaxDigests    = 8
	MaxEndpoints  = 8
	MaxHostBytes  = 253
)

// Payload is the payload of a partner_admission decision.
type Payload struct {
	// MSPID is the organisation's MSP ID (letters, digits, '-', '_', '.').
	MSPID string `json:"mspId"`
	// Name is the organisation's display name.
	Name string `json:"name"`
	// RootCADigests are the SHA-256 digests (64 lowercase hex digits) of
	// the DER bytes of the root CA certificates of its MSP (cacerts).
	RootCADigests []string `json:"rootCaDigests"`
	// TLSCADigests are those of its TLS root CA certificates (tlscacerts).
	TLSCADigests []string `json:"tlsCaDigests"`
	// PeerEndpoints are its peers' public host:port (anchor peers), each
	// reachable from the other organisations: never a loopback address.
	PeerEndpoints []string `json:"peerEndpoints"`
}

// Admission is the stored record of an executed partner_admission decision.
type Admission struct {
	Payload
	Decision   string    `json:"decision"`
	AdmittedAt time.Time `json:"admittedAt"`
	TxID       string    `json:"txId"`
	// Removal is set once an executed partner_removal decision removed the
	// organisation.
	Removal *Removal `json:"removal,omitempty"`
}

// Removal is the removal of an admitted organisation by an executed
// partner_removal decision.
type Removal struct {
	Decision  string    `json:"decision"`
	Reason    string    `json:"reason"`
	RemovedAt time.Time `json:"removedAt"`
	TxID      string    `json:"txId"`
}

// RemovalPayload is the payload of a partner_removal decision.
type RemovalPayload struct {
	// MSPID is the admitted organisation's MSP ID.
	MSPID string `json:"mspId"`
	// Reason says why the consortium removes it.
	Reason string `json:"reason"`
}

// Rules an admission or removal refusal names (errcode.Fieldf), beside the
// common ones ("required", "range", "format", "unique", "exists").
const (
	RuleNotFounder     = "not-founder"     // a founding organisation is neither admitted nor removed by decision
	RuleNotAdmitted    = "not-admitted"    // an organisation is admitted once (again only after a removal)
	RuleNotRemoved     = "not-removed"     // an organisation is removed once, and a removed one no longer matches its admission
	RuleReachableHost  = "reachable-host"  // a peer endpoint names an address or host the other organisations reach
	RuleMatchAdmission = "match-admission" // a channel configuration update adds what the decision admitted
)

// payloadFormat names the payload and the format rule on a refusal of the
// strict decoder, which names neither.
func payloadFormat(err error) error {
	var e *errcode.Error
	if !errors.As(err, &e) || e.Rule != "" {
		return err
	}
	return errcode.Fieldf(e.Code, "payload", "format", "%s", e.Message)
}

func checkMSPID(field, msp string) error {
	if msp == "" || len(msp) > MaxMSPIDBytes {
		return errcode.InvalidFieldf(field, "range", "partner admission: MSP ID %s must be 1 to %d characters", errcode.Quote(msp), MaxMSPIDBytes)
	}
	for _, r := range msp {
		ok := r == '-' || r == '_' || r == '.' || (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')
		if !ok {
			return errcode.InvalidFieldf(field, "format", "partner admission: MSP ID %s may contain only letters, digits, '-', '_' and '.'", errcode.Quote(msp))
		}
	}
	return nil
}

func checkDigests(what, field string, ds []string) ([]string, error) {
	if len(ds) == 0 || len(ds) > MaxDigests {
		return nil, errcode.InvalidFieldf(field, "range", "partner admission: %s: name 1 to %d certificate digests, not %d", what, MaxDigests, len(ds))
	}
	out := slices.Clone(ds)
	for i, d := range out {
		if len(d) != 64 || strings.Trim(d, "0123456789abcdef") != "" {
			return nil, errcode.InvalidFieldf(fmt.Sprintf("%s[%d]", field, i), "format", "partner admission: %s: %s is not a SHA-256 digest: it must be 64 lowercase hexadecimal digits", what, errcode.Quote(d))
		}
	}
	slices.Sort(out)
	if len(slices.Compact(slices.Clone(out))) != len(out) {
		return nil, errcode.InvalidFieldf(field, "unique", "partner admission: %s: a digest is named twice", what)
	}
	return out, nil
}

// checkEndpoint accepts host:port with a DNS name or an IPv4 address that
// is not a loopback, unspecified, link-local, multicast or broadcast one,
// and a port 1..65535.
func checkEndpoint(field, e string) error {
	i := strings.LastIndexByte(e, ':')
	if i <= 0 {
		return errcode.InvalidFieldf(field, "format", "partner admission: peer endpoint %s is not host:port", errcode.Quote(e))
	}
	host, port := e[:i], e[i+1:]
	if strings.Contains(host, ":") || strings.HasPrefix(host, "[") {
		return errcode.InvalidFieldf(field, "format", "partner admission: peer endpoint %s: name an IPv4 address or a DNS host name (IPv6 literals are not accepted)", errcode.Quote(e))
	}
	if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 || strconv.Itoa(p) != port {
		return errcode.InvalidFieldf(field, "range", "partner admission: peer endpoint %s: port must be 1..65535", errcode.Quote(e))
	}
	if ip, ok := ipv4(host); ok {
		if ip[0] == 127 || ip == [4]int{} || ip[0] == 0 || (ip[0] == 169 && ip[1] == 254) || (ip[0] >= 224 && ip[0] <= 239) || ip == [4]int{255, 255, 255, 255} {
			return errcode.InvalidFieldf(field, RuleReachableHost, "partner admission: peer endpoint %s: the other organisations reach a partner's peer at its own host's address, not a loopback, unspecified, link-local, multicast or broadcast one", errcode.Quote(e))
		}
		return nil
	}
	if strings.Trim(host, "0123456789.") == "" {
		return errcode.InvalidFieldf(field, "format", "partner admission: peer endpoint %s: %s is not an IPv4 address", errcode.Quote(e), errcode.Quote(host))
	}
	if len(host) > MaxHostBytes || strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost") {
		return errcode.InvalidFieldf(field, RuleReachableHost, "partner admission: peer endpoint %s: the other organisations reach a partner's peer at its own host's name, not localhost", errcode.Quote(e))
	}
	for _, label := range strings.Split(host, ".") {
		if label == "" || len(label) > 63 || strings.Trim(strings.ToLower(label), "abcdefghijklmnopqrstuvwxyz0123456789-") != "" ||
			strings.HasPrefix(label, "-") || strings.HasSuffix(label, "-") {
			return errcode.InvalidFieldf(field, "format", "partner admission: peer endpoint %s: %s is not a DNS host name", errcode.Quote(e), errcode.Quote(host))
		}
	}
	return nil
}

// ipv4 parses a dotted-quad IPv4 address (no leading zeros).
func ipv4(host string) ([4]int, bool) {
	var ip [4]int
	parts := strings.Split(host, ".")
	if len(parts) != 4 {
		return ip, false
	}
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || n > 255 || strconv.Itoa(n) != p {
			return ip, false
		}
		ip[i] = n
	}
	return ip, true
}

// DecodePayload decodes and validates a partner_admission payload with the
// one strict decoder; the digests and endpoints come back sorted.
func DecodePayload(raw json.RawMessage) (Payload, error) {
	var p Payload
	if len(raw) == 0 {
		return p, errcode.InvalidFieldf("payload", "required", "partner admission: the decision needs a payload {mspId, name, rootCaDigests, tlsCaDigests, peerEndpoints}")
	}
	if err := strictjson.Decode("partner admission payload", raw, 0, &p); err != nil {
		return p, payloadFormat(err)
	}
	if err := checkMSPID("payload.mspId", p.MSPID); err != nil {
		return p, err
	}
	if err := text.Check("partner admission: name", p.Name, text.Name()); err != nil {
		return p, errcode.WithField(err, "payload.name")
	}
	var err error
	if p.RootCADigests, err = checkDigests("root CA digests", "payload.rootCaDigests", p.RootCADigests); err != nil {
		return p, err
	}
	if p.TLSCADigests, err = checkDigests("TLS CA digests", "payload.tlsCaDigests", p.TLSCADigests); err != nil {
		return p, err
	}
	if len(p.PeerEndpoints) == 0 || len(p.PeerEndpoints) > MaxEndpoints {
		return p, errcode.InvalidFieldf("payload.peerEndpoints", "range", "partner admission: name 1 to %d peer endpoints, not %d", MaxEndpoints, len(p.PeerEndpoints))
	}
	p.PeerEndpoints = slices.Clone(p.PeerEndpoints)
	for i, e := range p.PeerEndpoints {
		if err := checkEndpoint(fmt.Sprintf("payload.peerEndpoints[%d]", i), e); err != nil {
			return p, err
		}
	}
	slices.Sort(p.PeerEndpoints)
	if len(slices.Compact(slices.Clone(p.PeerEndpoints))) != len(p.PeerEndpoints) {
		return p, errcode.InvalidFieldf("payload.peerEndpoints", "unique", "partner admission: a peer endpoint is named twice")
	}
	return p, nil
}

func key(msp string) (string, error) { return core.Key(objectType, msp) }

// Get returns the admission recorded for an MSP ID, or NOT_FOUND.
func Get(s core.Store, msp string) (*Admission, error) {
	if err := checkMSPID("mspId", msp); err != nil {
		return nil, err
	}
	k, err := key(msp)
	if err != nil {
		return nil, err
	}
	var a Admission
	found, err := core.GetJSON(s, k, &a)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, errcode.Fieldf(errcode.NotFound, "", "exists", "no executed partner_admission decision admits %s", msp)
	}
	return &a, nil
}

// CheckAdmit is the proposal- and execution-time check of a
// partner_admission decision: a valid payload naming an organisation that
// is neither a founder nor already admitted.
func CheckAdmit(s core.Store, raw json.RawMessage) (Payload, error) {
	p, err := DecodePayload(raw)
	if err != nil {
		return p, err
	}
	st, err := genesis.Get(s)
	if err != nil {
		return p, err
	}
	if st.Adopted != nil && slices.Contains(st.Adopted.Proposal.Genesis.Founders, p.MSPID) {
		return p, errcode.Fieldf(errcode.Conflict, "payload.mspId", RuleNotFounder, "partner admission: %s founded the consortium; it is not admitted again", p.MSPID)
	}
	prev, err := Get(s, p.MSPID)
	if err == nil && prev.Removal == nil {
		return p, errcode.Fieldf(errcode.Conflict, "payload.mspId", RuleNotAdmitted, "partner admission: %s is already admitted by decision %s", p.MSPID, errcode.Quote(prev.Decision))
	}
	if err == nil {
		return p, nil // removed: a new decision admits it again
	}
	if !errcode.IsCode(err, errcode.NotFound) {
		return p, err
	}
	return p, nil
}

// Admit records the admission of an executed partner_admission decision
// and emits EventRecorded.
func Admit(tx *core.Tx, decisionID string, raw json.RawMessage) (*Admission, error) {
	p, err := CheckAdmit(tx.Store, raw)
	if err != nil {
		return nil, err
	}
	a := &Admission{Payload: p, Decision: decisionID, AdmittedAt: tx.Time, TxID: tx.TxID}
	k, err := key(p.MSPID)
	if err != nil {
		return nil, err
	}
	if err := core.PutJSON(tx.Store, k, a); err != nil {
		return nil, err
	}
	return a, tx.Emit(EventRecorded, a)
}

// DecodeRemovalPayload decodes and validates a partner_removal payload
// with the one strict decoder.
func DecodeRemovalPayload(raw json.RawMessage) (RemovalPayload, error) {
	var p RemovalPayload
	if len(raw) == 0 {
		return p, errcode.InvalidFieldf("payload", "required", "partner removal: the decision needs a payload {mspId, reason}")
	}
	if err := strictjson.Decode("partner removal payload", raw, 0, &p); err != nil {
		return p, payloadFormat(err)
	}
	if err := checkMSPID("payload.mspId", p.MSPID); err != nil {
		return p, err
	}
	reason := text.Reason()
	reason.Required = true
	if err := text.Check("partner removal: reason", p.Reason, reason); err != nil {
		return p, errcode.WithField(err, "payload.reason")
	}
	return p, nil
}

// CheckRemove is the proposal- and execution-time check of a
// partner_removal decision: a valid payload naming an organisation that an
// executed partner_admission decision admitted and that is not removed
// yet. A founding organisation is refused: it was never admitted by
// decision, and the founding act every founder approved is not undone by
// the others' decision.
func CheckRemove(s core.Store, raw json.RawMessage) (*Admission, RemovalPayload, error) {
	p, err := DecodeRemovalPayload(raw)
	if err != nil {
		return nil, p, err
	}
	st, err := genesis.Get(s)
	if err != nil {
		return nil, p, err
	}
	if st.Adopted != nil && slices.Contains(st.Adopted.Proposal.Genesis.Founders, p.MSPID) {
		return nil, p, errcode.PreconditionFieldf("payload.mspId", RuleNotFounder, "partner removal: %s founded the consortium: a partner_removal decision removes only an organisation a partner_admission decision admitted", p.MSPID)
	}
	a, err := Get(s, p.MSPID)
	if err != nil {
		if errcode.IsCode(err, errcode.NotFound) {
			return nil, p, errcode.Fieldf(errcode.NotFound, "payload.mspId", "exists", "partner removal: no executed partner_admission decision admits %s", p.MSPID)
		}
		return nil, p, err
	}
	if a.Removal != nil {
		return nil, p, errcode.Fieldf(errcode.Conflict, "payload.mspId", RuleNotRemoved, "partner removal: %s is already removed by decision %s", p.MSPID, errcode.Quote(a.Removal.Decision))
	}
	return a, p, nil
}

// Remove marks the admitted organisation of an executed partner_removal
// decision removed and emits EventRemoved.
func Remove(tx *core.Tx, decisionID string, raw json.RawMessage) (*Admission, error) {
	a, p, err := CheckRemove(tx.Store, raw)
	if err != nil {
		return nil, err
	}
	a.Removal = &Removal{Decision: decisionID, Reason: p.Reason, RemovedAt: tx.Time, TxID: tx.TxID}
	k, err := key(p.MSPID)
	if err != nil {
		return nil, err
	}
	if err := core.PutJSON(tx.Store, k, a); err != nil {
		return nil, err
	}
	return a, tx.Emit(EventRemoved, a)
}

// Matches compares the organisation a channel configuration update would
// add with the recorded admission: the same MSP ID, root CA digests, TLS CA
// digests and peer endpoints (as sets), and an admission no partner_removal
// decision has removed since. It returns a FAILED_PRECONDITION error
// naming the first difference.
func (a *Admission) Matches(got Payload) error {
	diff := func(field, jsonField string, want, have []string) error {
		w, h := slices.Clone(want), slices.Clone(have)
		slices.Sort(w)
		slices.Sort(h)
		if slices.Equal(w, h) {
			return nil
		}
		return errcode.PreconditionFieldf(jsonField, RuleMatchAdmission, "the update's %s for %s are [%s], decision %s admitted [%s]",
			field, a.MSPID, strings.Join(h, ", "), errcode.Quote(a.Decision), strings.Join(w, ", "))
	}
	if got.MSPID != a.MSPID {
		return errcode.PreconditionFieldf("mspId", RuleMatchAdmission, "the update adds %s, decision %s admitted %s", errcode.Quote(got.MSPID), errcode.Quote(a.Decision), a.MSPID)
	}
	if a.Removal != nil {
		return errcode.PreconditionFieldf("mspId", RuleNotRemoved, "%s was removed by decision %s after decision %s admitted it; a new partner_admission decision admits it again",
			a.MSPID, errcode.Quote(a.Removal.Decision), errcode.Quote(a.Decision))
	}
	if err := diff("root CA digests", "rootCaDigests", a.RootCADigests, got.RootCADigests); err != nil {
		return err
	}
	if err := diff("TLS CA digests", "tlsCaDigests", a.TLSCADigests, got.TLSCADigests); err != nil {
		return err
	}
	if err := diff("peer endpoints", "peerEndpoints", a.PeerEndpoints, got.PeerEndpoints); err != nil {
		return err
	}
	return nil
}

// String names an admission for messages.
func (a *Admission) String() string {
	if a.Removal != nil {
		return fmt.Sprintf("%s (%s) admitted by decision %s, removed by decision %s", a.MSPID, a.Name, a.Decision, a.Removal.Decision)
	}
	return fmt.Sprintf("%s (%s) admitted by decision %s", a.MSPID, a.Name, a.Decision)
}
