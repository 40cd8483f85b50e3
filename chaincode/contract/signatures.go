package contract

import (
	"github.com/charter-gov/charter/chaincode/artifact"
	"github.com/charter-gov/charter/chaincode/ballot"
	"github.com/charter-gov/charter/chaincode/coi"
	"github.com/charter-gov/charter/chaincode/decision"
	"github.com/charter-gov/charter/chaincode/delegation"
	"github.com/charter-gov/charter/chaincode/emergency"
	"github.com/charter-gov/charter/chaincode/genesis"
	"github.com/charter-gov/charter/chaincode/incident"
	"github.com/charter-gov/charter/chaincode/membership"
	"github.com/charter-gov/charter/chaincode/reputation"
	"github.com/charter-gov/charter/chaincode/round"
	"github.com/charter-gov/charter/chaincode/text"
	"github.com/charter-gov/charter/chaincode/token"
	"github.com/charter-gov/charter/chaincode/treasury"
	"github.com/charter-gov/charter/chaincode/upgrade"
	"github.com/charter-gov/charter/chaincode/vouch"
)

// kind is what a plain string argument holds; it decides the argument's
// bound, the characters it may contain and its JSON Schema.
type kind int

const (
	// kindJSON is one JSON document, decoded by chaincode/strictjson into
	// the param's sample type (at most MaxArgBytes).
	kindJSON kind = iota
	// kindMSP is an MSP ID (at most text.MaxMSPIDBytes bytes).
	kindMSP
	// kindMemberID is a member's identity ID (at most text.MaxIdentityIDBytes).
	kindMemberID
	// kindRecordID is a ballot, decision or subject ID, a status, kind,
	// topic or category list (at most text.MaxIDBytes).
	kindRecordID
	// kindInt is a whole number in decimal.
	kindInt
	// kindBool is "true" or "false".
	kindBool
	// kindTime is an RFC 3339 time.
	kindTime
	// kindBookmark is the opaque bookmark of a previous page (a state key:
	// it holds U+0000), bounded in bytes and valid UTF-8.
	kindBookmark
)

const (
	maxIntBytes      = 20
	maxTimeBytes     = 64
	maxBookmarkBytes = 4096
)

// param describes one argument of a transaction.
type param struct {
	name string
	kind kind
	// sample is a value of the Go type a kindJSON argument decodes into.
	sample any
	// optional accepts the empty string (meaning "none" or "the default").
	optional    bool
	description string
}

func (p param) maxBytes() int {
	switch p.kind {
	case kindMSP:
		return text.MaxMSPIDBytes
	case kindMemberID:
		return text.MaxIdentityIDBytes
	case kindRecordID:
		return text.MaxIDBytes
	case kindInt:
		return maxIntBytes
	case kindBool:
		return len("false")
	case kindTime:
		return maxTimeBytes
	case kindBookmark:
		return maxBookmarkBytes
	}
	return MaxArgBytes
}

// signature is one transaction: its contract, name and arguments.
type signature struct {
	contract, name string
	params         []param
}

func (s signature) fullName() string { return s.contract + ":" + s.name }

func js(name string, sample any, description string) param {
	return param{name: name, kind: kindJSON, sample: sample, description: description}
}

func mspParam(name string) param {
	return param{name: name, kind: kindMSP, description: "MSP ID of the member's organisation"}
}

func memberID(name string) param {
	return param{name: name, kind: kindMemberID, description: "the member's identity ID, x509::<subject>::<issuer>"}
}

func recordID(name, description string) param {
	return param{name: name, kind: kindRecordID, description: description}
}

func integer(name, description string) param {
	return param{name: name, kind: kindInt, description: description}
}

func bookmark() param {
	return param{name: "bookmark", kind: kindBookmark, optional: true, description: "the previous page's bookmark; empty for the first page"}
}

func optional(p param) param {
	p.optional = true
	return p
}

// signatures lists every transaction of the chaincode with its arguments,
// in the order of the contracts. NewChaincode refuses to start when a
// contract's exported transactions and this table disagree, so the table
// is the arguments' single description: the invocation check, the error
// for a wrong argument count and the contract metadata all come from it.
func signatures() []signature {
	member := membership.RegisterRequest{}
	at := param{name: "at", kind: kindTime, description: "RFC 3339 time"}
	return []signature{
		{"constitution", "ProposeGenesis", []param{js("genesis", genesis.Genesis{}, "the founding act: constitution, founders, founding members, allocations")}},
		{"constitution", "ApproveGenesis", []param{recordID("hash", "SHA-256 of the pending genesis")}},
		{"constitution", "Genesis", nil},
		{"constitution", "Current", nil},
		{"constitution", "Get", []param{integer("version", "version number, from 1")}},
		{"constitution", "History", nil},
		{"constitution", "Default", nil},

		{"member", "Register", []param{js("request", member, "the member to register")}},
		{"member", "RegisterBatch", []param{js("request", membership.RegisterBatchRequest{}, "1..500 members of the caller's organisation to register, all or nothing")}},
		{"member", "Update", []param{js("request", membership.UpdateRequest{}, "the member's new roles and name")}},
		{"member", "Remove", []param{js("request", membership.RemoveRequest{}, "the member to remove and why")}},
		{"member", "Get", []param{mspParam("mspId"), memberID("id")}},
		{"member", "List", []param{optional(mspParam("mspId")), {name: "includeRemoved", kind: kindBool, description: "whether removed members are listed"}, optional(integer("pageSize", "members per page, 1..1000; empty or 0 for 100")), bookmark()}},
		{"member", "Whoami", nil},
		{"member", "Vouch", []param{js("request", vouch.GiveRequest{}, "the member vouched for")}},
		{"member", "Unvouch", []param{js("request", vouch.WithdrawRequest{}, "the member whose vouch the caller withdraws")}},
		{"member", "Vouches", []param{mspParam("mspId"), memberID("id")}},

		{"decision", "Propose", []param{js("request", decision.ProposeRequest{}, "the decision proposed")}},
		{"decision", "Vote", []param{js("request", decision.VoteRequest{}, "the vote")}},
		{"decision", "Conclude", []param{recordID("id", "decision ID")}},
		{"decision", "Appeal", []param{js("request", decision.AppealRequest{}, "the appeal")}},
		{"decision", "Execute", []param{recordID("id", "decision ID")}},
		{"decision", "Get", []param{recordID("id", "decision ID")}},
		{"decision", "List", []param{optional(recordID("status", "only decisions with this status")), optional(integer("pageSize", "decisions read per page, 1..1000; empty or 0 for 100")), bookmark()}},
		{"decision", "Appellants", []param{recordID("id", "decision ID")}},

		{"coi", "Disclose", []param{js("request", coi.DiscloseRequest{}, "the disclosure")}},
		{"coi", "List", []param{js("request", coi.ListRequest{}, "a subject or a member")}},
		{"coi", "Get", []param{recordID("kind", "subject kind"), recordID("subjectId", "subject ID"), mspParam("mspId"), memberID("memberId")}},

		{"ballot", "Create", []param{js("request", ballot.CreateRequest{}, "the ballot")}},
		{"ballot", "Vote", []param{js("request", ballot.CastRequest{}, "the vote")}},
		{"ballot", "Close", []param{recordID("id", "ballot ID")}},
		{"ballot", "Tally", []param{recordID("id", "ballot ID"), integer("pageSize", "shards tallied by this call")}},
		{"ballot", "Queue", []param{recordID("id", "ballot ID")}},
		{"ballot", "Execute", []param{recordID("id", "ballot ID")}},
		{"ballot", "Cancel", []param{js("request", ballot.CancelRequest{}, "the ballot and the reason")}},
		{"ballot", "Pause", []param{js("request", ballot.PauseRequest{}, "the ballot and the reason")}},
		{"ballot", "PauseSupports", []param{recordID("id", "ballot ID")}},
		{"ballot", "Get", []param{recordID("id", "ballot ID")}},
		{"ballot", "List", []param{optional(recordID("status", "only ballots with this status")), optional(integer("pageSize", "ballots read per page, 1..1000; empty or 0 for 100")), bookmark()}},
		{"ballot", "VoteOf", []param{recordID("id", "ballot ID"), mspParam("mspId"), memberID("voterId")}},
		{"ballot", "Standing", []param{recordID("id", "ballot ID"), mspParam("mspId"), memberID("voterId")}},
		{"ballot", "Results", []param{recordID("id", "ballot ID")}},
		{"ballot", "Votes", []param{recordID("id", "ballot ID"), integer("fromShard", "first shard"), integer("limit", "votes per page")}},

		{"token", "Transfer", []param{js("request", token.TransferRequest{}, "the transfer")}},
		{"token", "Balance", []param{mspParam("mspId"), memberID("id")}},
		{"token", "BalanceAt", []param{mspParam("mspId"), memberID("id"), at}},
		{"token", "Supply", nil},
		{"token", "History", []param{mspParam("mspId"), memberID("id"), integer("limit", "checkpoints, 1..1000")}},
		{"token", "Accounts", []param{optional(mspParam("mspId")), optional(integer("pageSize", "accounts per page; empty or 0 for the default")), bookmark()}},

		{"delegation", "Set", []param{js("request", delegation.SetRequest{}, "the delegation")}},
		{"delegation", "Revoke", []param{js("request", delegation.RevokeRequest{}, "the delegation to revoke")}},
		{"delegation", "List", []param{mspParam("mspId"), memberID("id")}},
		{"delegation", "Effective", []param{mspParam("mspId"), memberID("id"), optional(recordID("topic", "delegation topic")), at}},
		{"delegation", "Incoming", []param{mspParam("mspId"), memberID("id"), optional(recordID("topic", "delegation topic")), at}},
		{"delegation", "SetStatement", []param{js("request", delegation.StatementRequest{}, "the caller's delegate statement")}},
		{"delegation", "Statement", []param{mspParam("mspId"), memberID("id")}},

		{"reputation", "Attest", []param{js("request", reputation.AttestRequest{}, "the attestation")}},
		{"reputation", "Revoke", []param{js("request", reputation.RevokeRequest{}, "the attestation to revoke and why")}},
		{"reputation", "Endorse", []param{js("request", reputation.EndorseRequest{}, "the attestation endorsed")}},
		{"reputation", "Score", []param{mspParam("mspId"), memberID("id"), optional(at), optional(recordID("categories", "comma-separated contribution categories; empty for all"))}},
		{"reputation", "History", []param{mspParam("mspId"), memberID("id")}},
		{"reputation", "Eligible", []param{optional(mspParam("mspId")), optional(memberID("id")), optional(at), optional(integer("pageSize", "members read per page when listing, 1..1000; empty or 0 for 100")), bookmark()}},

		{"round", "Open", []param{js("request", round.OpenRequest{}, "the round: title, categories, matching rule, pool, budget decision, window")}},
		{"round", "Apply", []param{js("request", round.ApplyRequest{}, "the project")}},
		{"round", "Accept", []param{js("request", round.AcceptRequest{}, "the round and project accepted")}},
		{"round", "Contribute", []param{js("request", round.ContributeRequest{}, "the round, project and amount")}},
		{"round", "ContributeBatch", []param{js("request", round.ContributeBatchRequest{Lines: []round.CartLine{{}}}, "the round and the cart's lines (project, amount), at most 100")}},
		{"round", "Close", []param{recordID("id", "round ID"), integer("pageSize", "contributions read by this page at least; 0 for the default")}},
		{"round", "Pay", []param{recordID("id", "round ID")}},
		{"round", "Get", []param{recordID("id", "round ID")}},
		{"round", "Projects", []param{recordID("id", "round ID"), optional(integer("pageSize", "projects per page; empty or 0 for the default")), bookmark()}},
		{"round", "ContributionOf", []param{recordID("id", "round ID"), recordID("project", "project ID"), mspParam("mspId"), memberID("memberId")}},
		{"round", "Results", []param{recordID("id", "round ID")}},
		{"round", "Estimate", []param{recordID("id", "round ID")}},
		{"incident", "File", []param{js("incident", incident.FileRequest{}, "the incident filed")}},
		{"incident", "PostMortem", []param{js("request", incident.PostMortemRequest{}, "the incident and its post-mortem link")}},
		{"incident", "RecordFailedExecution", []param{recordID("id", "decision ID")}},
		{"incident", "Get", []param{recordID("id", "incident ID")}},
		{"incident", "List", []param{optional(recordID("kind", "only incidents of this kind")), optional(param{name: "from", kind: kindTime, description: "RFC 3339 time; only incidents that occurred at or after it"}), optional(param{name: "to", kind: kindTime, description: "RFC 3339 time; only incidents that occurred before it"}), optional(integer("pageSize", "records read, 1..1000; empty or 0 for 100")), bookmark()}},

		{"metrics", "Weights", []param{recordID("id", "ballot ID"), integer("fromShard", "first vote shard, 0..256"), integer("limit", "votes per page, 1..10000")}},
		{"treasury", "Deposit", []param{js("request", treasury.DepositRequest{}, "the asset received off-chain")}},
		{"treasury", "ConfirmDeposit", []param{js("request", treasury.ConfirmDepositRequest{}, "the pending deposit confirmed")}},
		{"treasury", "CancelDeposit", []param{js("request", treasury.CancelDepositRequest{}, "the pending deposit withdrawn by its recorder, and why")}},
		{"treasury", "DepositRecord", []param{recordID("id", "deposit ID")}},
		{"treasury", "Deposits", []param{optional(integer("pageSize", "deposits per page; empty or 0 for the default")), bookmark()}},
		{"treasury", "ProposeSpend", []param{js("request", treasury.SpendRequest{}, "the spend: account, budget decision, payees, source, reason")}},
		{"treasury", "Approve", []param{js("request", treasury.ApproveRequest{}, "the spend approved")}},
		{"treasury", "Execute", []param{recordID("id", "spend ID")}},
		{"treasury", "Cancel", []param{js("request", treasury.CancelRequest{}, "the spend withdrawn and why")}},
		{"treasury", "Accounts", nil},
		{"treasury", "Account", []param{recordID("id", "treasury account ID")}},
		{"treasury", "Movements", []param{recordID("id", "treasury account ID"), optional(integer("pageSize", "movements per page; empty or 0 for the default")), bookmark()}},
		{"treasury", "Budget", []param{recordID("decision", "the budget decision's ID")}},
		{"treasury", "Spend", []param{recordID("id", "spend ID")}},
		{"treasury", "Spends", []param{optional(integer("pageSize", "spends per page; empty or 0 for the default")), bookmark()}},
		{"treasury", "SpendsBySource", []param{recordID("source", "source reference, e.g. round:<id>")}},
		{"treasury", "Approvals", []param{recordID("id", "spend ID")}},
		{"treasury", "Usage", []param{recordID("id", "treasury account ID"), at}},

		{"artifact", "Register", []param{js("request", artifact.RegisterRequest{}, "the artifact version to register")}},
		{"artifact", "Attest", []param{js("request", artifact.AttestRequest{}, "the attestation")}},
		{"artifact", "Get", []param{recordID("name", "artifact name"), recordID("version", "artifact version")}},
		{"artifact", "Status", []param{recordID("name", "artifact name"), recordID("version", "artifact version")}},
		{"artifact", "Lineage", []param{js("request", artifact.LineageRequest{}, "the artifact and the direction")}},
		{"artifact", "List", []param{js("request", artifact.ListRequest{}, "a name or digest filter and the page")}},
		{"artifact", "Attestations", []param{recordID("name", "artifact name"), recordID("version", "artifact version")}},

		{"guardian", "Pause", []param{js("request", emergency.PauseRequest{}, "the target and the reason")}},
		{"guardian", "Disclose", []param{js("request", emergency.DiscloseRequest{}, "the pause and its disclosure")}},
		{"guardian", "RecordMissedDisclosure", []param{recordID("kind", "target kind: ballot, artifact, treasury_spend"), recordID("id", "target ID"), integer("seq", "the pause's sequence number")}},
		{"guardian", "Status", []param{recordID("kind", "target kind: ballot, artifact, treasury_spend"), recordID("id", "target ID")}},
		{"guardian", "Incidents", []param{optional(integer("pageSize", "incidents per page; empty or 0 for the default")), bookmark()}},

		{"upgrade", "SignOff", []param{js("request", upgrade.SignOffRequest{}, "the sequence and the digest the maintainer built")}},
		{"upgrade", "Get", []param{integer("sequence", "chaincode definition sequence")}},
		{"upgrade", "Check", []param{recordID("digest", "SHA-256 of the chaincode build, 64 lowercase hex digits"), integer("sequence", "chaincode definition sequence")}},
		{"admission", "Get", []param{mspParam("mspId")}},

		{"system", "Build", nil},
		{"system", "Version", nil},
	}
}
