package audit

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hyperledger/fabric-protos-go-apiv2/msp"
	"google.golang.org/protobuf/proto"

	"github.com/charter-gov/charter/chaincode/ballot"
	"github.com/charter-gov/charter/chaincode/contract"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/decision"
	"github.com/charter-gov/charter/chaincode/identity"
)

// replayers are the transactions Replay re-executes: the ones that decide
// outcomes (a ballot's tally, a decision's conclusion and execution, a
// ballot's close). Each gets the reconstructed state before it and its
// recorded arguments, caller and time.
var replayers = map[string]func(tx *core.Tx, args []string) error{
	"ballot:Tally": func(tx *core.Tx, args []string) error {
		if len(args) != 2 {
			return fmt.Errorf("ballot:Tally takes 2 arguments, the ledger has %d", len(args))
		}
		n, err := strconv.Atoi(args[1])
		if err != nil {
			return fmt.Errorf("tally page size %q: %w", args[1], err)
		}
		_, err = ballot.Tally(tx, contract.BallotDeps(), args[0], n)
		return err
	},
	"ballot:Close": func(tx *core.Tx, args []string) error {
		if len(args) != 1 {
			return fmt.Errorf("ballot:Close takes 1 argument, the ledger has %d", len(args))
		}
		_, err := ballot.Close(tx, args[0])
		return err
	},
	"decision:Conclude": func(tx *core.Tx, args []string) error {
		if len(args) != 1 {
			return fmt.Errorf("decision:Conclude takes 1 argument, the ledger has %d", len(args))
		}
		_, err := decision.Conclude(tx, contract.DecisionDeps(), args[0])
		return err
	},
	"decision:Execute": func(tx *core.Tx, args []string) error {
		if len(args) != 1 {
			return fmt.Errorf("decision:Execute takes 1 argument, the ledger has %d", len(args))
		}
		_, err := decision.Execute(tx, contract.DecisionDeps(), args[0])
		return err
	},
}

// Outcome is one replayed outcome: a ballot's tally result or a
// decision's verdict, as recorded and as recomputed.
type Outcome struct {
	Kind     string          `json:"kind"` // "ballot" or "decision"
	ID       string          `json:"id"`
	Block    uint64          `json:"block"`
	TxID     string          `json:"txId"`
	Function string          `json:"function"`
	Recorded json.RawMessage `json:"recorded"`
	Replayed json.RawMessage `json:"replayed"`
	Match    bool            `json:"match"`
}

// ReplayReport is what Replay did.
type ReplayReport struct {
	Applied    int            `json:"validTransactionsApplied"`
	Keys       int            `json:"stateKeys"`
	Replayed   int            `json:"transactionsReExecuted"`
	ByFunction map[string]int `json:"byFunction"`
	Outcomes   []Outcome      `json:"outcomes"`
	Mismatches int            `json:"mismatches"`
	Elapsed    time.Duration  `json:"elapsedNs"`
}

// ReplayError names the first transaction whose re-execution differs from
// what the ledger recorded.
type ReplayError struct {
	Block    uint64
	TxIndex  int
	TxID     string
	Function string
	Err      error
}

func (e *ReplayError) Error() string {
	return fmt.Sprintf("replay: block %d, transaction %d (%s, %s): %v", e.Block, e.TxIndex, e.TxID, e.Function, e.Err)
}

func (e *ReplayError) Unwrap() error { return e.Err }

// recStore is the store a re-executed transaction sees: reads come from
// the state before the transaction (as Fabric's GetState and range
// queries read committed state, never the transaction's own writes), and
// writes are only recorded, the last write of a key winning, as in
// Fabric's write set.
type recStore struct {
	*core.MemStore // the state before the transaction; never written here
	writes         map[string]*Write
}

func (r *recStore) Put(key string, value []byte) error {
	v, b64 := text(value)
	r.writes[key] = &Write{Key: key, Value: v, ValueBase64: b64}
	return nil
}

func (r *recStore) Delete(key string) error {
	r.writes[key] = &Write{Key: key, Delete: true}
	return nil
}

// Replay rebuilds the chaincode's world state from an export's write sets
// (valid transactions of the manifest's chaincode, in block order) into a
// core.MemStore and, before applying each ballot:Tally, ballot:Close,
// decision:Conclude and decision:Execute, re-runs the chaincode's domain
// code on that state (reading it as Fabric does: committed state only,
// not the transaction's own writes) with the recorded arguments, caller
// and time. The writes and event it produces must equal the recorded ones;
// the tally results and verdicts are reported side by side. The export
// should be verified first (Verify): Replay trusts the blocks it reads.
func Replay(dir string) (*ReplayReport, error) {
	started := time.Now()
	e, err := loadExport(dir, 0)
	if err != nil {
		return nil, err
	}
	cc := e.manifest.Chaincode
	if cc == "" {
		cc = "charter"
	}
	state := core.NewMemStore()
	rep := &ReplayReport{ByFunction: map[string]int{}}
	for _, db := range e.blocks {
		for _, t := range db.txs {
			r := &t.rec
			if !r.Valid || r.Chaincode != cc || t.decodeErr != nil {
				continue
			}
			recorded := map[string]*Write{}
			for i := range r.Writes {
				if r.Writes[i].Namespace == cc {
					w := r.Writes[i]
					recorded[w.Key] = &w
				}
			}
			if fn, ok := replayers[r.Function]; ok && !r.ArgsBase64 {
				out, err := replayOne(state, t, fn, recorded)
				if err != nil {
					return nil, &ReplayError{Block: r.Block, TxIndex: r.Index, TxID: r.TxID, Function: r.Function, Err: err}
				}
				rep.Replayed++
				rep.ByFunction[r.Function]++
				rep.Outcomes = append(rep.Outcomes, out...)
			}
			for _, w := range recorded {
				if err := apply(state, w); err != nil {
					return nil, &ReplayError{Block: r.Block, TxIndex: r.Index, TxID: r.TxID, Function: r.Function, Err: err}
				}
			}
			rep.Applied++
		}
	}
	for _, o := range rep.Outcomes {
		if !o.Match {
			rep.Mismatches++
		}
	}
	rep.Keys = len(state.Keys())
	rep.Elapsed = time.Since(started)
	return rep, nil
}

func apply(s *core.MemStore, w *Write) error {
	if w.Delete {
		return s.Delete(w.Key)
	}
	v := []byte(w.Value)
	if w.ValueBase64 {
		raw, err := base64.StdEncoding.DecodeString(w.Value)
		if err != nil {
			return fmt.Errorf("write %q: value is not base64: %w", w.Key, err)
		}
		v = raw
	}
	return s.Put(w.Key, v)
}

// replayOne re-executes one transaction over state and compares
// its writes and event with the recorded ones.
func replayOne(state *core.MemStore, t decodedTx, fn func(*core.Tx, []string) error, recorded map[string]*Write) ([]Outcome, error) {
	r := &t.rec
	caller, err := callerOf(t.creator)
	if err != nil {
		return nil, err
	}
	rs := &recStore{MemStore: state, writes: map[string]*Write{}}
	tx := &core.Tx{Store: rs, Caller: caller, Time: r.Time, TxID: r.TxID}
	if err := fn(tx, r.Args); err != nil {
		return nil, fmt.Errorf("the ledger recorded it VALID but the domain code refuses it on the rebuilt state: %w", err)
	}
	keys := make([]string, 0, len(recorded)+len(rs.writes))
	for k := range recorded {
		keys = append(keys, k)
	}
	for k := range rs.writes {
		if recorded[k] == nil {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		got, want := rs.writes[k], recorded[k]
		switch {
		case want == nil:
			return nil, fmt.Errorf("re-execution writes %s, the ledger recorded no such write", printableKey(k))
		case got == nil:
			return nil, fmt.Errorf("the ledger recorded a write of %s that re-execution does not make", printableKey(k))
		case got.Delete != want.Delete || !sameValue(got, want):
			return nil, fmt.Errorf("re-execution writes %s as %s, the ledger recorded %s", printableKey(k), clip(got.Value), clip(want.Value))
		}
	}
	if ev := tx.Event(); ev != nil || r.Event != nil {
		if ev == nil || r.Event == nil {
			return nil, fmt.Errorf("re-execution and the ledger disagree on whether an event was emitted")
		}
		raw, err := json.Marshal(ev)
		if err != nil {
			return nil, err
		}
		if ev.Type != r.Event.Name || !jsonEqual(raw, r.Event.Payload) {
			return nil, fmt.Errorf("re-execution emits event %s %s, the ledger recorded %s %s", ev.Type, clip(string(raw)), r.Event.Name, clip(string(r.Event.Payload)))
		}
	}
	return outcomes(t, rs.writes, recorded)
}

// outcomes extracts tally results and verdicts from the replayed and the
// recorded writes.
func outcomes(t decodedTx, got, want map[string]*Write) ([]Outcome, error) {
	r := &t.rec
	var out []Outcome
	keys := make([]string, 0, len(want))
	for k := range want {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		objType, attrs, err := core.SplitKey(k)
		if err != nil || len(attrs) != 1 || got[k] == nil || got[k].Delete {
			continue
		}
		switch objType {
		case "ballot":
			var a, b ballot.Ballot
			if json.Unmarshal([]byte(got[k].Value), &a) != nil || json.Unmarshal([]byte(want[k].Value), &b) != nil || b.Result == nil {
				continue
			}
			if r.Function != "ballot:Tally" {
				continue
			}
			ra, _ := json.Marshal(a.Result)
			rb, _ := json.Marshal(b.Result)
			out = append(out, Outcome{Kind: "ballot", ID: attrs[0], Block: r.Block, TxID: r.TxID, Function: r.Function, Recorded: rb, Replayed: ra, Match: bytes.Equal(ra, rb)})
		case "decision":
			var a, b decision.Decision
			if json.Unmarshal([]byte(got[k].Value), &a) != nil || json.Unmarshal([]byte(want[k].Value), &b) != nil {
				continue
			}
			type verdict struct {
				Status  decision.Status   `json:"status"`
				Outcome *decision.Outcome `json:"outcome,omitempty"`
			}
			ra, _ := json.Marshal(verdict{a.Status, a.Outcome})
			rb, _ := json.Marshal(verdict{b.Status, b.Outcome})
			out = append(out, Outcome{Kind: "decision", ID: attrs[0], Block: r.Block, TxID: r.TxID, Function: r.Function, Recorded: rb, Replayed: ra, Match: bytes.Equal(ra, rb)})
		}
	}
	return out, nil
}

func sameValue(a, b *Write) bool {
	return a.Value == b.Value && a.ValueBase64 == b.ValueBase64
}

func jsonEqual(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return bytes.Equal(a, b)
	}
	ra, _ := json.Marshal(x)
	rb, _ := json.Marshal(y)
	return bytes.Equal(ra, rb)
}

func printableKey(k string) string { return strconv.Quote(strings.ReplaceAll(k, "\x00", "~")) }

func clip(s string) string {
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}

// callerOf is the caller the chaincode sees for a serialized creator.
func callerOf(serialized []byte) (core.Caller, error) {
	var si msp.SerializedIdentity
	if err := proto.Unmarshal(serialized, &si); err != nil {
		return core.Caller{}, fmt.Errorf("creator identity: %w", err)
	}
	cert, err := parseCertPEM(si.GetIdBytes())
	if err != nil {
		return core.Caller{}, fmt.Errorf("creator certificate: %w", err)
	}
	return core.Caller{Identity: identity.FromCert(si.GetMspid(), cert), OrgAdmin: identity.IsOrgAdmin(cert)}, nil
}
