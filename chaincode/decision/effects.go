package decision

import (
	"encoding/json"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/membership"
	"github.com/charter-gov/charter/chaincode/strictjson"
)

// AmendmentPayload is the payload of a constitutional amendment: the whole
// amended document.
type AmendmentPayload struct {
	Document constitution.Document `json:"document"`
}

// SeatPayload is the payload of a House A seat confirmation or removal.
type SeatPayload struct {
	Member identity.Identity `json:"member"`
}

// CoreEffects returns the effects this package owns: a constitutional
// amendment installs the new version; a seat confirmation grants the
// house_a role; a seat removal takes it away. Slashing lives in
// chaincode/decision/effects (it needs the reputation ledger).
func CoreEffects() []Effect {
	return []Effect{
		{Type: constitution.Amendment, Check: checkAmendment, Apply: applyAmendment},
		{Type: constitution.SeatConfirmation, Check: checkSeatConfirmation, Apply: applySeatConfirmation},
		{Type: constitution.SeatRemoval, Check: checkSeatRemoval, Apply: applySeatRemoval},
	}
}

// DecodePayload decodes a payload with the one strict decoder
// (chaincode/strictjson: no unknown, duplicate or case-folded fields, no
// trailing data, no invalid escapes, no null) into v, refusing an empty one.
func DecodePayload(what string, payload json.RawMessage, v any) error {
	if len(payload) == 0 {
		return errcode.InvalidFieldf("payload", "required", "%s: the decision needs a payload", what)
	}
	return refused(strictjson.Decode(what+" payload", payload, 0, v), "payload", "format")
}

func amendment(payload json.RawMessage) (constitution.Document, error) {
	var p AmendmentPayload
	if err := DecodePayload("constitutional amendment", payload, &p); err != nil {
		return constitution.Document{}, err
	}
	if err := p.Document.Validate(); err != nil {
		return constitution.Document{}, errcode.InvalidFieldf("payload.document", RuleValidConstitution, "constitutional amendment would leave the constitution invalid: %v", err)
	}
	return p.Document, nil
}

func checkAmendment(_ core.Store, cur *constitution.Version, payload json.RawMessage) error {
	doc, err := amendment(payload)
	if err != nil {
		return err
	}
	changes, err := constitution.Diff(cur.Document, doc)
	if err != nil {
		return err
	}
	if len(changes) == 0 {
		return errcode.InvalidFieldf("payload.document", RuleChangesSomething, "constitutional amendment changes nothing in version %d", cur.Version)
	}
	return nil
}

// applyAmendment installs the amended document as the next version. It
// refuses when another amendment was installed since this one was proposed
// (it was drafted against the version it would silently undo).
func applyAmendment(tx *core.Tx, d *Decision) (any, error) {
	doc, err := amendment(d.Payload)
	if err != nil {
		return nil, err
	}
	cur, err := constitution.Current(tx.Store)
	if err != nil {
		return nil, err
	}
	if cur.Version != d.ConstitutionVersion {
		return nil, errcode.PreconditionFieldf("", RuleConstitutionVersion, "the amendment was drafted against constitution version %d, but version %d is in force now; propose it again against the current version", d.ConstitutionVersion, cur.Version)
	}
	v, err := constitution.Install(tx, doc, d.ID)
	if err != nil {
		return nil, err
	}
	return constitution.VersionSummary{Version: v.Version, Hash: v.Hash, AdoptedAt: v.AdoptedAt, Decision: v.Decision}, nil
}

func seat(payload json.RawMessage, what string) (identity.Identity, error) {
	var p SeatPayload
	if err := DecodePayload(what, payload, &p); err != nil {
		return identity.Identity{}, err
	}
	if err := p.Member.Validate(); err != nil {
		return identity.Identity{}, errcode.WithField(err, "payload.member")
	}
	return p.Member, nil
}

// HouseASeats counts the active members holding a House A seat. It reads
// the seat index, which holds only seat holders, never the whole register.
func HouseASeats(s core.Store) (int, error) {
	ms, err := membership.SeatHolders(s)
	if err != nil {
		return 0, err
	}
	return len(ms), nil
}

func checkSeatConfirmation(s core.Store, cur *constitution.Version, payload json.RawMessage) error {
	m, err := seat(payload, "seat confirmation")
	if err != nil {
		return err
	}
	return seatAvailable(s, &cur.Document, m)
}

func seatAvailable(s core.Store, doc *constitution.Document, id identity.Identity) error {
	m, err := membership.Active(s, id)
	if err != nil {
		return refused(err, "payload.member", RuleActiveMember)
	}
	if m.Has(membership.RoleHouseA) {
		return errcode.Fieldf(errcode.Conflict, "payload.member", RuleNoSeat, "seat confirmation: %s already holds a House A seat", id.Short())
	}
	for _, h := range doc.Houses {
		if h.ID == constitution.HouseA && h.MaxSeats > 0 {
			n, err := HouseASeats(s)
			if err != nil {
				return err
			}
			if n >= h.MaxSeats {
				return errcode.PreconditionFieldf("", RuleMaxSeats, "seat confirmation: House A has %d seats filled, its maximum under the constitution", n)
			}
		}
	}
	return nil
}

func applySeatConfirmation(tx *core.Tx, d *Decision) (any, error) {
	id, err := seat(d.Payload, "seat confirmation")
	if err != nil {
		return nil, err
	}
	cur, err := constitution.Current(tx.Store)
	if err != nil {
		return nil, err
	}
	if err := seatAvailable(tx.Store, &cur.Document, id); err != nil {
		return nil, err
	}
	return membership.GrantRoleByDecision(tx, id, membership.RoleHouseA, d.ID)
}

func checkSeatRemoval(s core.Store, _ *constitution.Version, payload json.RawMessage) error {
	id, err := seat(payload, "seat removal")
	if err != nil {
		return err
	}
	m, err := membership.Active(s, id)
	if err != nil {
		return refused(err, "payload.member", RuleActiveMember)
	}
	if !m.Has(membership.RoleHouseA) {
		return errcode.InvalidFieldf("payload.member", RuleHoldsSeat, "seat removal: %s holds no House A seat", id.Short())
	}
	return nil
}

func applySeatRemoval(tx *core.Tx, d *Decision) (any, error) {
	id, err := seat(d.Payload, "seat removal")
	if err != nil {
		return nil, err
	}
	return membership.RevokeRoleByDecision(tx, id, membership.RoleHouseA, d.ID)
}
