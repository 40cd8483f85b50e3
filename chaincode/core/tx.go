package core

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
)

// Caller is the identity that submitted the transaction, taken from its
// certificate (never from an argument), and whether that certificate carries
// the organisation-admin role (Fabric NodeOU "admin").
type Caller struct {
	identity.Identity
	OrgAdmin bool
}

// Event is the one chaincode event a transaction emits. Fabric keeps a
// single event per transaction, so each state-changing operation emits
// exactly one, with a typed payload.
type Event struct {
	Type    string            `json:"type"`
	TxID    string            `json:"txId"`
	Time    time.Time         `json:"time"`
	Actor   identity.Identity `json:"actor"`
	Payload json.RawMessage   `json:"payload"`
}

// Tx is the context of one transaction: where state lives, who called, and
// when (the transaction timestamp, identical on every endorsing peer).
type Tx struct {
	Store  Store
	Caller Caller
	Time   time.Time
	TxID   string
	event  *Event
}

// Emit records the transaction's event. A transaction emits at most one
// event; a second Emit is a programming error and returns ErrInternal.
func (tx *Tx) Emit(eventType string, payload any) error {
	if tx.event != nil {
		return errcode.New(errcode.Internal, "transaction already emitted event %q; cannot emit %q", tx.event.Type, eventType)
	}
	raw, err := json.Marshal(payload)
	if err != nil {
		return fmt.Errorf("encode %s event: %w", eventType, err)
	}
	tx.event = &Event{Type: eventType, TxID: tx.TxID, Time: tx.Time, Actor: tx.Caller.Identity, Payload: raw}
	return nil
}

// Event returns the event the transaction emitted, or nil.
func (tx *Tx) Event() *Event { return tx.event }

// GetJSON reads key into v. found is false when the key does not exist.
func GetJSON(s Store, key string, v any) (found bool, err error) {
	raw, err := s.Get(key)
	if err != nil {
		return false, fmt.Errorf("read %q: %w", key, err)
	}
	if raw == nil {
		return false, nil
	}
	return true, DecodeJSON(key, raw, v)
}

// DecodeJSON decodes a stored value; a value that does not decode is an
// internal error naming its key.
func DecodeJSON(key string, raw []byte, v any) error {
	if err := json.Unmarshal(raw, v); err != nil {
		return errcode.New(errcode.Internal, "decode %q: %v", key, err)
	}
	return nil
}

// PutJSON writes v as JSON under key. encoding/json output is deterministic
// for structs and slices, which is all Charter stores (no maps).
func PutJSON(s Store, key string, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %q: %w", key, err)
	}
	if err := s.Put(key, raw); err != nil {
		return fmt.Errorf("write %q: %w", key, err)
	}
	return nil
}
