package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/membership"
	charter "github.com/charter-gov/charter/gateway-client"
	"github.com/charter-gov/charter/internal/alert"
)

// formatter renders every result of every command: as JSON (one value per
// line) or as text for people. It is the only place output is formatted.
type formatter struct {
	w    io.Writer
	json bool
}

// print renders v.
func (f formatter) print(v any) error {
	if f.json {
		enc := json.NewEncoder(f.w)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			return fmt.Errorf("render JSON: %w", err)
		}
		return nil
	}
	var b bytes.Buffer
	if err := renderText(&b, v); err != nil {
		return err
	}
	_, err := f.w.Write(b.Bytes())
	return err
}

// errNoTextForm is what a text renderer returns for a type it does not
// render, so that renderText can ask the next one.
var errNoTextForm = errors.New("no text form")

// renderText writes the text form of every type the commands print: the
// core types here, then the voting, decision and reputation types.
func renderText(w *bytes.Buffer, v any) error {
	switch v := v.(type) {
	case *membership.WhoAmI:
		kv := newKV(w)
		kv.add("identity", actor(v.Identity))
		kv.add("org admin", yesNo(v.OrgAdmin))
		if v.Member == nil {
			kv.add("member", "not registered")
		} else {
			kv.add("member", fmt.Sprintf("%s, %s; roles: %s", named(v.Member.Name, v.Member.Identity), v.Member.Status, roles(v.Member.Roles)))
		}
		return kv.flush()
	case *charter.TxStatus:
		kv := newKV(w)
		kv.add("transaction", v.TxID)
		switch {
		case !v.Found:
			kv.add("status", "not found on this peer's ledger (not ordered, lost, or not yet delivered: check again shortly)")
		case v.Valid:
			kv.add("status", "committed, VALID: its writes are in the world state; do not resubmit")
		default:
			kv.add("status", "in a block but invalid ("+v.ValidationCode+"): it changed nothing")
		}
		return kv.flush()
	case *membership.Member:
		return memberText(w, v)
	case []membership.Member:
		if len(v) == 0 {
			w.WriteString("no members\n")
			return nil
		}
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "MEMBER\tIDENTITY\tSTATUS\tROLES")
		for _, m := range v {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", named(m.Name, m.Identity), actor(m.Identity), m.Status, roles(m.Roles))
		}
		return tw.Flush()
	case *constitution.Version:
		kv := newKV(w)
		kv.add("version", fmt.Sprint(v.Version))
		kv.add("hash", v.Hash)
		kv.add("adopted", fmt.Sprintf("%s by %s", timeText(v.AdoptedAt), actor(v.AdoptedBy)))
		kv.add("transaction", v.TxID)
		if v.Decision != "" {
			kv.add("decision", v.Decision)
		}
		if err := kv.flush(); err != nil {
			return err
		}
		w.WriteString("\n")
		return documentText(w, &v.Document)
	case *constitution.Document:
		return documentText(w, v)
	case []constitution.VersionSummary:
		if len(v) == 0 {
			w.WriteString("no versions (no constitution adopted yet)\n")
			return nil
		}
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "VERSION\tADOPTED\tDECISION\tHASH")
		for _, s := range v {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", s.Version, timeText(s.AdoptedAt), dash(s.Decision), s.Hash)
		}
		return tw.Flush()
	case charter.Event:
		w.WriteString(eventLine(v))
		w.WriteString("\n")
		return nil
	case *profileList:
		return profileListText(w, v)
	case *versionInfo:
		return versionText(w, v)
	}
	// The capabilities' own types, each renderer in turn.
	for _, render := range []func(*bytes.Buffer, any) error{votingText, decisionText, reputationText, genesisText, guardText, treasuryText, registryText, roundText, upgradeText} {
		if err := render(w, v); !errors.Is(err, errNoTextForm) {
			return err
		}
	}
	return fmt.Errorf("render text: no text form for %T", v)
}

func memberText(w *bytes.Buffer, m *membership.Member) error {
	kv := newKV(w)
	kv.add("member", named(m.Name, m.Identity))
	kv.add("identity", actor(m.Identity))
	kv.add("status", string(m.Status))
	kv.add("roles", roles(m.Roles))
	if len(m.AttesterCategories) > 0 {
		cats := make([]string, len(m.AttesterCategories))
		for i, c := range m.AttesterCategories {
			cats[i] = string(c)
		}
		kv.add("attests", strings.Join(cats, ","))
	}
	kv.add("registered", fmt.Sprintf("%s by %s", timeText(m.RegisteredAt), actor(m.RegisteredBy)))
	kv.add("updated", timeText(m.UpdatedAt))
	if m.RemovedReason != "" {
		kv.add("removed because", m.RemovedReason)
	}
	return kv.flush()
}

func documentText(w *bytes.Buffer, d *constitution.Document) error {
	fmt.Fprintf(w, "%s\n\nHouses\n", d.Name)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, h := range d.Houses {
		seats := fmt.Sprintf("%d–%d seats", h.MinSeats, h.MaxSeats)
		if h.MaxSeats == 0 {
			seats = "every eligible member"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", h.ID, h.Name, seats, h.Description)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	w.WriteString("\nDecision rules\n")
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  TYPE\tHOUSES\tFAMILIES\tQUORUM\tTHRESHOLD\tDELAY\tVOTING\tTIMELOCK")
	for _, r := range d.DecisionRules {
		houses := make([]string, len(r.Houses))
		for i, h := range r.Houses {
			houses[i] = string(h)
		}
		fams := make([]string, len(r.Families))
		for i, f := range r.Families {
			fams[i] = string(f)
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Type, strings.Join(houses, "+"), strings.Join(fams, ","),
			bps(r.QuorumBps), bps(r.ThresholdBps), seconds(r.VotingDelaySec), seconds(r.VotingPeriodSec), seconds(r.TimelockSec))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	w.WriteString("\n")
	kv := newKV(w)
	c := d.Concurrence
	kv.add("concurrence", fmt.Sprintf("after %s of mediation: passing house %s, other house %s", seconds(c.MediationSec), bps(c.PassingHouseBps), bps(c.OtherHouseBps)))
	kv.add("appeals", fmt.Sprintf("within %s, at least %d appellants", seconds(d.Appeals.WindowSec), d.Appeals.MinAppellants))
	e := d.Emergency
	sunset := "no sunset"
	if e.PowersExpireAtUnix != 0 {
		sunset = "powers expire " + timeText(time.Unix(e.PowersExpireAtUnix, 0))
	}
	kv.add("emergency", fmt.Sprintf("pause at most %s, ratify within %s, %d guardians of %d organisations to act, %s", seconds(e.MaxPauseSec), seconds(e.RatifyWithinSec), e.GuardiansToAct, e.GuardianOrgsToAct, sunset))
	kv.add("safeguards", fmt.Sprintf("an organisation carries at most %d bps of a ballot's counted weight; %d vouches from other organisations to vote", d.Safeguards.OrgCapBps, d.Safeguards.VouchesRequired))
	tr := d.Treasury
	kv.add("treasury", fmt.Sprintf("spend at most %d per %s, %d signers, %s delay", tr.SpendLimitPerPeriod, seconds(tr.PeriodSec), tr.SignersRequired, seconds(tr.ExecutionDelaySec)))
	r := d.Reputation
	kv.add("reputation", fmt.Sprintf("half-life %s, attestation weight at most %d", seconds(r.HalfLifeSec), r.MaxWeight))
	kv.add("delegation", fmt.Sprintf("depth at most %d", d.Delegation.MaxDepth))
	return kv.flush()
}

// eventLine renders one event on one line that fits a terminal (at most
// maxEventLine characters): block, time, event type, who acted, the
// transaction's first characters and the payload, identities in it
// shortened to "LabAMSP/User1". --output json keeps everything.
func eventLine(ev charter.Event) string {
	tx := ev.TxID
	if len(tx) > 8 {
		tx = tx[:8] // transaction IDs are hex
	}
	if ev.Err != nil {
		return abbreviate(fmt.Sprintf("#%d  %s  tx %s  (undecodable payload: %v)", ev.BlockNumber, ev.Name, tx, ev.Err), maxEventLine)
	}
	when := "-"
	if !ev.Envelope.Time.IsZero() {
		when = ev.Envelope.Time.UTC().Format("2006-01-02 15:04:05")
	}
	head := fmt.Sprintf("#%d  %s  %s  %s  tx %s  ", ev.BlockNumber, when, ev.Name, actor(ev.Envelope.Actor), tx)
	return abbreviate(head+readablePayload(ev.Envelope.Payload), maxEventLine)
}

// maxEventLine is the width of an event's text line.
const maxEventLine = 120

// readablePayload renders a JSON payload compactly, every identity object
// {"mspId": …, "id": "x509::…"} replaced by its short form.
func readablePayload(raw json.RawMessage) string {
	var v any
	if len(raw) == 0 || json.Unmarshal(raw, &v) != nil {
		var b bytes.Buffer
		if json.Compact(&b, raw) == nil {
			return b.String()
		}
		return string(raw)
	}
	out, err := json.Marshal(shortenIdentities(v))
	if err != nil {
		return string(raw)
	}
	return string(out)
}

func shortenIdentities(v any) any {
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 2 {
			msp, ok1 := x["mspId"].(string)
			id, ok2 := x["id"].(string)
			if ok1 && ok2 && strings.HasPrefix(id, "x509::") {
				return actor(identity.Identity{MSPID: msp, ID: id})
			}
		}
		for k, e := range x {
			x[k] = shortenIdentities(e)
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = shortenIdentities(e)
		}
		return x
	}
	return v
}

// abbreviate cuts s to at most n characters, marking the cut with "…".
func abbreviate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// kv writes aligned "key: value" lines.
type kv struct{ tw *tabwriter.Writer }

func newKV(w io.Writer) kv { return kv{tw: tabwriter.NewWriter(w, 0, 4, 1, ' ', 0)} }

func (k kv) add(key, value string) { fmt.Fprintf(k.tw, "%s:\t%s\n", key, value) }
func (k kv) flush() error          { return k.tw.Flush() }

func roles(rs []membership.Role) string {
	if len(rs) == 0 {
		return "-"
	}
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = string(r)
	}
	return strings.Join(s, ",")
}

// actor renders an identity for people: "LabAMSP/User1" (alert.Who), or
// "-" for none. JSON output keeps the full identity.
func actor(id identity.Identity) string { return alert.Who(id) }

// named renders a member whose name is known: "Ada Lovelace (LabAMSP)".
func named(name string, id identity.Identity) string {
	if name == "" {
		return actor(id)
	}
	return fmt.Sprintf("%s (%s)", name, id.MSPID)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func timeText(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

// bps renders basis points as a percentage: 6667 → "66.67%".
func bps(v int64) string {
	sign := ""
	if v < 0 {
		sign, v = "-", -v
	}
	if v%100 == 0 {
		return fmt.Sprintf("%s%d%%", sign, v/100)
	}
	return fmt.Sprintf("%s%d.%02d%%", sign, v/100, v%100)
}

// seconds renders whole seconds as days, hours, minutes and seconds:
// 93784 → "1d2h3m4s", 0 → "0s".
func seconds(s int64) string {
	if s == 0 {
		return "0s"
	}
	sign := ""
	if s < 0 {
		sign, s = "-", -s
	}
	var b strings.Builder
	b.WriteString(sign)
	for _, u := range []struct {
		n    int64
		name string
	}{{86400, "d"}, {3600, "h"}, {60, "m"}, {1, "s"}} {
		if s >= u.n {
			fmt.Fprintf(&b, "%d%s", s/u.n, u.name)
			s %= u.n
		}
	}
	return b.String()
}
