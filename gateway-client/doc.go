// Package charter is the Go client of Charter, the governance ledger of a
// consortium of AI foundations and labs running on Hyperledger Fabric.
//
// A Client wraps fabric-gateway connections to one organisation's peer (and
// other organisations' peers as fallbacks) as one user. It offers one typed
// method per chaincode transaction, taking a context first and Charter's own
// domain types (from the chaincode's plain Go packages) as inputs and
// outputs; no method returns raw JSON. Each method decides whether it
// evaluates (a query, answered by one peer, nothing written) or submits
// (endorsed, ordered, committed; the method returns once the transaction is
// committed).
//
// Connecting:
//
//	profiles, err := charter.LoadProfiles(".charter/network/profiles.json")
//	cfg, err := profiles.Config("labA-admin")
//	c, err := charter.Connect(ctx, cfg)
//	defer c.Close()
//	w, err := c.Whoami(ctx)
//
// # Finding a method
//
// The Client is one flat type (c.Method(ctx, …)); its methods are grouped by
// area, one source file per area, and each file starts with the
// transaction names it calls:
//
//   - Connection (client.go, config.go, profiles.go, failover.go): Connect,
//     New, Close, Identity, GatewayAddress, Network, Contract; Config,
//     Profiles.
//   - Founding act (genesis.go): ProposeGenesis, ApproveGenesis, Genesis,
//     GenesisHash.
//   - Constitution (constitution.go): Constitution, ConstitutionVersion,
//     ConstitutionHistory, ConstitutionDiff, DefaultConstitution.
//   - Members (member.go): RegisterMember, UpdateMember, RemoveMember,
//     Member, Members, MembersPage, Whoami.
//   - Ballots (ballot.go): CreateBallot, Vote, VoteOf, Standing, Tally, TallyPage,
//     CloseBallot, CancelBallot, QueueBallot, ExecuteBallot, Ballot,
//     Ballots, BallotResults, BallotVotes.
//   - Decisions (decision.go): ProposeDecision and its typed forms
//     (ProposeAmendment, ProposeTokenIssuance, ProposeRoleChange),
//     VoteOnDecision, ConcludeDecision, AppealDecision, ExecuteDecision,
//     Decision, Decisions, Appellants.
//   - Conflicts of interest (coi.go), delegation (delegation.go),
//     reputation (reputation.go), tokens (token.go), guardians' pauses and
//     vouching (guard.go): one file each.
//   - Treasury (treasury.go): Deposit, ConfirmDeposit, TreasuryDeposit,
//     TreasuryDeposits, ProposeSpend, ApproveSpend,
//     ExecuteSpend, CancelSpend, TreasuryAccounts, TreasuryAccount,
//     TreasuryMovements, TreasuryBudget, Spend, Spends, SpendsBySource,
//     SpendApprovals, TreasuryUsage; the typed decisions ProposeBudget and
//     ProposeSpendDecision.
//   - Events (events.go): WatchEvents, with resumable checkpoints.
//   - Ledger look-ups (txstatus.go): TransactionStatus.
//
// A new capability adds its own file with its methods and its
// transaction-name constants, and a line to this list.
//
// # Errors
//
// Every method returns either nil or an *Error. Its Code says what happened:
// a Charter chaincode code (NOT_FOUND, FORBIDDEN, INVALID_ARGUMENT,
// CONFLICT, FAILED_PRECONDITION, INTERNAL) parsed back from the text Fabric
// wraps it in, or a client-side code (UNKNOWN_OUTCOME, ORDERING_UNAVAILABLE, NOT_COMMITTED,
// UNAVAILABLE, DEADLINE_EXCEEDED, CANCELED, UNKNOWN). Match codes with
// errors.Is and the package's sentinels:
//
//	if errors.Is(err, charter.ErrNotFound) { … }
//
// The fabric-gateway error stays reachable through Unwrap, so
// errors.As(err, &endorseErr) with a *client.EndorseError also works. A
// transaction that was ordered but failed validation wraps Charter's own
// *ValidationError (not fabric-gateway's client.CommitError).
//
// Errors common to every method (each method's documentation lists those
// it adds):
//
//   - CodeUnavailable, CodeDeadlineExceeded, CodeCanceled: the peer could
//     not be reached, or the timeout or ctx ended before the transaction
//     reached the orderer (nothing was written).
//   - CodeUnknown: any other gateway failure (for example an endorsement
//     policy failure); the message includes each peer's report.
//   - CodeInternal: a chaincode bug, or a result the client cannot decode.
//
// Submitting methods may also return:
//
//   - CodeUnknownOutcome: sent for ordering, its fate not learnt (commit
//     status not received in time, or the connection lost) and not found
//     by looking its ID up for Config.StatusLookupWindow; the *Error
//     carries the TxID (settle it later with TransactionStatus).
//   - CodeOrderingUnavailable: endorsed, but no orderer accepted it (no
//     Raft leader: too few orderers running); looked up once and not
//     found. Most likely never ordered; the *Error carries the TxID.
//   - CodeNotCommitted: the transaction failed validation, including
//     MVCC_READ_CONFLICT after Config.MVCCRetries retries; the *Error wraps
//     a *ValidationError.
//
// # Retries
//
// The client retries only what cannot commit twice (docs/client.md,
// "Retries", and TestRetrySemantics pin each case):
//
//   - a transaction that failed validation with MVCC_READ_CONFLICT or
//     PHANTOM_READ_CONFLICT changed nothing: it is endorsed again as a new
//     proposal (a new transaction ID) and submitted, a bounded number of
//     times with a small growing backoff (Config.MVCCRetries,
//     Config.RetryBackoff);
//   - a transaction that may have reached ordering but whose fate is
//     unknown (submit or commit-status timeout, lost connection) is looked
//     up by its ID (qscc GetTransactionByID) and reported as the ledger
//     says: VALID is success, invalid is NOT_COMMITTED (a read conflict
//     then takes the new-proposal path above), absent is UNKNOWN_OUTCOME;
//   - endorsement that could not reach the gateway peer moves to the next
//     organisation's gateway (Config.Fallbacks).
//
// The same envelope is never submitted twice, and no new transaction is
// made for one whose fate is unknown.
//
// # Concurrency
//
// A Client is safe for concurrent use by multiple goroutines.
package charter
