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
		kv.add("identity", v.Identity.Short())
		kv.add("org admin", yesNo(v.OrgAdmin))
		if v.Member == nil {
			kv.add("member", "not registered")
		} else {
			kv.add("member", fmt.Sprintf("%s (%s; roles: %s)", v.Member.Name, v.Member.Status, roles(v.Member.Roles)))
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
		fmt.Fprintln(tw, "MSP\tNAME\tSTATUS\tROLES\tID")
		for _, m := range v {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", m.MSPID, m.Name, m.Status, roles(m.Roles), m.Identity.Short())
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
	for _, render := range []func(*bytes.Buffer, any) error{votingText, decisionText, reputationText, genesisText, guardText} {
		if err := render(w, v); !errors.Is(err, errNoTextForm) {
			return err
		}
	}
	return fmt.Errorf("render text: no text form for %T", v)
}

func memberText(w *bytes.Buffer, m *membership.Member) error {
	kv := newKV(w)
	kv.add("member", m.Identity.Short())
	kv.add("name", m.Name)
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

// eventLine renders one event on one line.
func eventLine(ev charter.Event) string {
	if ev.Err != nil {
		return fmt.Sprintf("block %d  tx %s  %s  (undecodable payload: %v)", ev.BlockNumber, ev.TxID, ev.Name, ev.Err)
	}
	payload := string(ev.Envelope.Payload)
	var b bytes.Buffer
	if json.Compact(&b, ev.Envelope.Payload) == nil {
		payload = b.String()
	}
	return fmt.Sprintf("block %d  tx %s  %s  by %s  at %s  %s", ev.BlockNumber, ev.TxID, ev.Name, actor(ev.Envelope.Actor),
		timeText(ev.Envelope.Time), abbreviate(payload, maxPayloadText))
}

// maxPayloadText is how many characters of an event's payload a text line
// shows; --output json shows all of it.
const maxPayloadText = 160

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

func actor(id identity.Identity) string {
	if id.MSPID == "" && id.ID == "" {
		return "-"
	}
	return id.Short()
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
