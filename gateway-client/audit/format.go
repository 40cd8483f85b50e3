// Package audit is Charter's compliance export: a directory holding every
// block of the channel as the peers committed it, a decoded record of
// every transaction (JSON Lines and CSV), the block headers and a manifest
// with what each organisation's peer reported of the chain at export time.
//
// Export streams blocks from a Source into such a directory, resumable
// after a crash without gaps or duplicates. Verify checks a directory
// offline: block numbering, data hashes, the header hash chain, the last
// header hash against the peers' reports, transaction IDs, creator,
// endorsement and orderer signatures against the channel's MSPs, and that
// the decoded files are exactly what the blocks say. CrossCheck compares
// two exports taken from peers of different organisations. Replay rebuilds
// world state from the write sets and re-runs the chaincode's domain
// tally and conclusion code, comparing with what the ledger recorded.
//
// The format is documented in docs/audit-format.md.
package audit

import (
	"encoding/json"
	"time"
)

// FormatVersion names this version of the export format. A reader refuses
// a directory of another major version.
const FormatVersion = "charter-audit/1"

// File names inside an export directory.
const (
	FileBlocks       = "blocks.bin"
	FileHeaders      = "headers.jsonl"
	FileTransactions = "transactions.jsonl"
	FileCSV          = "transactions.csv"
	FileCheckpoint   = "checkpoint.json"
	FileManifest     = "manifest.json"
)

// dataFiles are the append-only files, in the order each block is written
// to them.
var dataFiles = []string{FileBlocks, FileHeaders, FileTransactions, FileCSV}

// BlockRecord is one line of headers.jsonl: a block's header and where its
// raw bytes are in blocks.bin.
type BlockRecord struct {
	Number       uint64 `json:"number"`
	PreviousHash string `json:"previousHash"` // hex, as in the header
	DataHash     string `json:"dataHash"`     // hex, as in the header
	// HeaderHash is SHA-256 of the header's ASN.1 encoding (what the next
	// block's PreviousHash must equal), hex.
	HeaderHash string `json:"headerHash"`
	TxCount    int    `json:"txCount"`
	// Config marks a configuration block.
	Config bool `json:"config,omitempty"`
	// Offset and Length locate the block's frame in blocks.bin; Sha256 is
	// the digest of the frame's block bytes (the per-block digest).
	Offset int64  `json:"offset"`
	Length int    `json:"length"`
	Sha256 string `json:"sha256"`
}

// Identity is a signer as the channel sees it: its MSP and, for X.509
// certificates, the identity the chaincode computes (identity.FromCert).
type Identity struct {
	MSPID string `json:"msp"`
	ID    string `json:"id,omitempty"`
}

// Write is one key written by a transaction.
type Write struct {
	Namespace string `json:"ns"`
	Key       string `json:"key"`
	Delete    bool   `json:"delete,omitempty"`
	// Value is the written value as text when it is valid UTF-8, else
	// base64 with ValueBase64 set.
	Value       string `json:"value,omitempty"`
	ValueBase64 bool   `json:"valueBase64,omitempty"`
}

// ChaincodeEvent is the event a transaction emitted.
type ChaincodeEvent struct {
	Name string `json:"name"`
	// Payload is the event payload as JSON when it is JSON, else a JSON
	// string holding its base64.
	Payload json.RawMessage `json:"payload,omitempty"`
}

// TxRecord is one line of transactions.jsonl: a decoded transaction. The
// fields are generic (function, arguments, writes, event), so that new
// transactions of any capability are exported without a format change.
type TxRecord struct {
	Block uint64 `json:"block"`
	Index int    `json:"index"`
	TxID  string `json:"txId"`
	// Type is the Fabric header type: ENDORSER_TRANSACTION, CONFIG…
	Type    string    `json:"type"`
	Time    time.Time `json:"time"`
	Channel string    `json:"channel"`
	Creator Identity  `json:"creator"`
	// Chaincode, Function and Args are the invocation; Args are text when
	// every one is valid UTF-8, else base64 with ArgsBase64 set.
	Chaincode      string   `json:"chaincode,omitempty"`
	Function       string   `json:"function,omitempty"`
	Args           []string `json:"args,omitempty"`
	ArgsBase64     bool     `json:"argsBase64,omitempty"`
	ValidationCode string   `json:"validationCode"`
	Valid          bool     `json:"valid"`
	// ResponseStatus is the chaincode's response status (200 on success).
	ResponseStatus int32 `json:"responseStatus,omitempty"`
	// Endorsers are the endorsing peers; EndorsingOrgs their MSPs, sorted
	// and unique.
	Endorsers     []Identity      `json:"endorsers,omitempty"`
	EndorsingOrgs []string        `json:"endorsingOrgs,omitempty"`
	Writes        []Write         `json:"writes,omitempty"`
	Event         *ChaincodeEvent `json:"event,omitempty"`
}

// PeerReport is what one organisation's peer reported at export time.
type PeerReport struct {
	MSPID   string `json:"msp"`
	Address string `json:"address"`
	// Height and CurrentBlockHash: qscc GetChainInfo (hex hash of the
	// peer's last block header).
	Height           uint64 `json:"height"`
	CurrentBlockHash string `json:"currentBlockHash"`
	// LastBlockHeaderHash is the header hash of the export's last block as
	// this peer stores it (qscc GetBlockByNumber), comparable even when the
	// peer's chain has grown since.
	LastBlockHeaderHash string `json:"lastBlockHeaderHash,omitempty"`
	// LastBlockValidation is that block's validation codes as this peer
	// recorded them, one per transaction.
	LastBlockValidation []string `json:"lastBlockValidation,omitempty"`
	// Error is set when the peer could not be asked.
	Error string `json:"error,omitempty"`
}

// Filter selects the transaction records written to transactions.jsonl
// and transactions.csv. Blocks and headers are always complete: the chain
// cannot be verified otherwise. Within a kind, any term matches; every
// kind given must match.
type Filter struct {
	// FromBlock and ToBlock bound the records' blocks (ToBlock 0: no
	// bound; export also stops streaming after ToBlock when set).
	FromBlock uint64 `json:"fromBlock,omitempty"`
	ToBlock   uint64 `json:"toBlock,omitempty"`
	// From and To bound the transaction time (inclusive; zero: no bound).
	From time.Time `json:"from,omitzero"`
	To   time.Time `json:"to,omitzero"`
	// Decisions, Artifacts, Members: a transaction matches a term when the
	// term is an attribute of a key it wrote, one of its arguments, or a
	// JSON string inside an argument or its event payload; a member term
	// also matches the creator's "MSP/ID" or ID.
	Decisions []string `json:"decisions,omitempty"`
	Artifacts []string `json:"artifacts,omitempty"`
	Members   []string `json:"members,omitempty"`
}

// FileDigest is a file's size and SHA-256.
type FileDigest struct {
	Size   int64  `json:"size"`
	Sha256 string `json:"sha256"`
}

// BlockDigest is one block's digest, as in headers.jsonl.
type BlockDigest struct {
	Number uint64 `json:"number"`
	Sha256 string `json:"sha256"`
}

// Manifest is manifest.json, written last when an export completes.
type Manifest struct {
	Format    string    `json:"format"`
	Channel   string    `json:"channel"`
	Chaincode string    `json:"chaincode"`
	Source    string    `json:"source"` // the peer the blocks were streamed from
	SourceMSP string    `json:"sourceMsp"`
	Exporter  Identity  `json:"exporter"`
	Started   time.Time `json:"started"`
	Completed time.Time `json:"completed"`
	Filter    Filter    `json:"filter"`
	// FirstBlock is always 0; LastBlock the last exported block.
	FirstBlock     uint64 `json:"firstBlock"`
	LastBlock      uint64 `json:"lastBlock"`
	TxCount        int64  `json:"txCount"`
	RecordCount    int64  `json:"recordCount"`
	LastHeaderHash string `json:"lastHeaderHash"`
	// Peers are each organisation's peer's reports at export time.
	Peers  []PeerReport          `json:"peers"`
	Files  map[string]FileDigest `json:"files"`
	Blocks []BlockDigest         `json:"blocks"`
}

// Checkpoint is checkpoint.json: how far an export got. Every data file
// is durable up to the recorded size; anything beyond is discarded on
// resume.
type Checkpoint struct {
	Format         string           `json:"format"`
	Channel        string           `json:"channel"`
	Filter         Filter           `json:"filter"`
	Started        time.Time        `json:"started"`
	NextBlock      uint64           `json:"nextBlock"`
	LastHeaderHash string           `json:"lastHeaderHash"`
	TxCount        int64            `json:"txCount"`
	RecordCount    int64            `json:"recordCount"`
	Sizes          map[string]int64 `json:"sizes"`
}
