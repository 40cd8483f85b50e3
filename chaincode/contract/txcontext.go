package contract

import (
	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"

	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/ledger"
)

// txContext is the transaction context contractapi hands every Charter
// transaction: contractapi's own, plus the point reads the transaction
// made, so that a key the guard and the transaction both read (the
// constitution's time rule: the clock-skew bound and the adoption check)
// costs one round trip to the peer, not one per reader. contractapi makes
// a new one for every invocation (its Invoke allocates the handler's type
// afresh), so nothing is shared between transactions.
type txContext struct {
	contractapi.TransactionContext
	reads map[string][]byte
}

// store returns the transaction's store: the ledger, with point reads
// remembered for this transaction.
func store(ctx contractapi.TransactionContextInterface) core.Store {
	base := ledger.StubStore{Stub: ctx.GetStub()}
	c, ok := ctx.(*txContext)
	if !ok {
		return base
	}
	return memoStore{StubStore: base, ctx: c}
}

// memoStore is the ledger store of one transaction that reads each key
// from the peer once. It returns what the peer returned the first time,
// also after the transaction wrote the key: a peer serves reads from the
// committed state only (a transaction never reads its own writes), and the
// state a transaction simulates against does not change while it runs, so
// a second read from the peer would return the same value. Writes, range
// reads and pages go straight to the ledger.
type memoStore struct {
	ledger.StubStore
	ctx *txContext
}

var (
	_ core.Store = memoStore{}
	_ core.Pager = memoStore{}
)

// Get implements core.Store.
func (m memoStore) Get(key string) ([]byte, error) {
	if v, ok := m.ctx.reads[key]; ok {
		if v == nil {
			return nil, nil
		}
		return append([]byte(nil), v...), nil
	}
	v, err := m.StubStore.Get(key)
	if err != nil {
		return nil, err
	}
	if m.ctx.reads == nil {
		m.ctx.reads = map[string][]byte{}
	}
	if v == nil {
		m.ctx.reads[key] = nil
		return nil, nil
	}
	m.ctx.reads[key] = append([]byte(nil), v...)
	return v, nil
}
