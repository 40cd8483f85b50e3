package audit

import (
	"fmt"
)

// CrossReport is what CrossCheck compared.
type CrossReport struct {
	A, B         string `json:"-"`
	SourceA      string `json:"sourceA"`
	SourceB      string `json:"sourceB"`
	Blocks       int    `json:"blocksCompared"`
	Transactions int    `json:"transactionsCompared"`
	// LastA and LastB are each export's last block; only the common
	// prefix is compared.
	LastA uint64 `json:"lastBlockA"`
	LastB uint64 `json:"lastBlockB"`
}

// CrossCheck compares two exports, normally taken from peers of two
// different organisations: over their common blocks, every header hash
// and every transaction's validation code must agree. The validation codes
// live in block metadata that no hash or signature covers: each peer
// computes them itself, so only another organisation's copy can confirm
// them. Each export should be verified first (Verify).
func CrossCheck(a, b string) (*CrossReport, error) {
	ea, err := loadExport(a, 0)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", a, err)
	}
	eb, err := loadExport(b, 0)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", b, err)
	}
	rep := &CrossReport{A: a, B: b, SourceA: ea.manifest.SourceMSP + " " + ea.manifest.Source, SourceB: eb.manifest.SourceMSP + " " + eb.manifest.Source,
		LastA: uint64(len(ea.blocks) - 1), LastB: uint64(len(eb.blocks) - 1)}
	if ea.manifest.Channel != eb.manifest.Channel {
		return nil, breakf("cross-check", -1, -1, "", "the exports are of channels %q and %q", ea.manifest.Channel, eb.manifest.Channel)
	}
	n := min(len(ea.blocks), len(eb.blocks))
	for i := range n {
		x, y := ea.blocks[i], eb.blocks[i]
		if x.rec.HeaderHash != y.rec.HeaderHash {
			return nil, breakf("cross-check header hash", int64(i), -1, "", "%s has header hash %s, %s has %s", a, x.rec.HeaderHash, b, y.rec.HeaderHash)
		}
		if len(x.txs) != len(y.txs) {
			return nil, breakf("cross-check", int64(i), -1, "", "%s has %d transactions, %s has %d", a, len(x.txs), b, len(y.txs))
		}
		for j := range x.txs {
			if x.txs[j].rec.ValidationCode != y.txs[j].rec.ValidationCode {
				return nil, breakf("cross-check validation code", int64(i), j, x.txs[j].rec.TxID, "%s's peer recorded %s, %s's peer recorded %s",
					ea.manifest.SourceMSP, x.txs[j].rec.ValidationCode, eb.manifest.SourceMSP, y.txs[j].rec.ValidationCode)
			}
			rep.Transactions++
		}
		rep.Blocks++
	}
	return rep, nil
}
