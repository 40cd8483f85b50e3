// Package treasury is the community's treasury: named asset accounts with
// integer balances, an append-only record of every movement with its
// reason, budgets opened by House B budget decisions, and spends that are
// approved by the constitution's route, queued for its delay and executed
// by M-of-N treasurers within a per-period limit. See docs/treasury.md for
// the rules, the attack table and the tests of every row.
//
// # Accounts and movements
//
// The accounts are the constitution's (treasury.accounts): the governance
// token account "token" always exists; others (compute credits, a
// currency unit, …) are added by amendment. A balance changes only by a
// movement, stored append-only with its kind and reason:
//
//	issuance  governance tokens issued to the "token" account by an executed token_issuance decision (Issue, from the effect)
//	deposit   an asset received off-chain, recorded by a treasurer with its external reference and confirmed by a treasurer of another organisation (never the token account)
//	spend     an executed spend, naming the spend, its budget decision and its source (e.g. "round:<id>")
//
// Tokens in the treasury's account are issued but not in circulation: they
// count against the constitution's supply cap and issuance limit
// (CirculatingAndReserve) but carry no voting weight until a spend pays
// them out, which mints them to the payees in chaincode/token.
//
// # Spends
//
//  1. A budget decision (House B) opens a budget: {account, amount,
//     purpose} (OpenBudget, from the effect). A budget decision without a
//     payload stays a recorded authorisation and opens nothing.
//  2. A treasurer or the grants administrator proposes a spend drawing on
//     an open budget of the same account (ProposeSpend): one or more
//     payees (members), a reason and an optional source reference. The
//     budget's remaining amount is reserved at once.
//  3. A spend whose total is at most treasury.spendDecisionThreshold is
//     queued at once; above it, it waits for its own treasury_spend
//     decision ({"spend": id}), whose execution queues it
//     (QueueByDecision).
//  4. Treasurers approve it, each with its own key (Approve): no MVCC
//     conflict between treasurers approving at the same time.
//  5. From the end of the delay, by the clock-skew margin, a treasurer
//     executes it (Execute) when treasury.signersRequired distinct
//     treasurers still holding the role approved it (from as many
//     organisations when treasury.signersFromDistinctOrgs), no guardian
//     pause is in force on it, the account holds the total and the
//     account's period limit allows it.
//
// # The API a funding round pays through
//
// A quadratic-funding round pays its results through the same path:
//
//	sp, err := treasury.PrepareSpend(tx, treasury.SpendRequest{
//		Account: "compute_credits",
//		Budget:  budgetDecisionID, // the budget decision that funded the round
//		Payees:  []treasury.Payee{{To: owner, Amount: 1200}, …},
//		Source:  "round:" + roundID,
//		Reason:  "matching for round " + roundID,
//	})
//
// PrepareSpend checks and writes exactly what ProposeSpend does but emits
// no event, so that the round's own transaction emits its one event (which
// should carry the returned *Spend). ProposeSpend is the same with the
// treasury.spend_proposed event. The caller must be a treasurer or the
// grants administrator. The spend then follows steps 3–5 like any other.
// SpendsBySource lists the spends of a source ("round:<id>").
//
// # Periods
//
// Periods are fixed and aligned to the Unix epoch: period n of an account
// is [n·P, (n+1)·P) with P = treasury.periodSeconds, and an executed spend
// counts in the period of its recorded time. A fixed period is one key per
// account and period (a point read, no scan of the history) and its reset
// is a rule anyone can compute; the sum of a period can never exceed the
// limit, whatever the clients' timestamps. What it allows — up to twice
// the limit within a short time across a boundary — is bounded and
// written down; a sliding window would need a scan of every spend of the
// last period on every execution and its bound would move with each
// client-chosen timestamp.
//
// # Who may call what
//
//	Issue, OpenBudget, QueueByDecision  the decision engine's effects; never a transaction
//	Deposit                             a treasurer
//	ConfirmDeposit                      a treasurer of another organisation than the recorder's
//	CancelDeposit                       the deposit's recorder (a treasurer), while it is pending
//	ProposeSpend, PrepareSpend          a treasurer or the grants administrator
//	Approve, Execute                    a treasurer, while the treasury.spend power is in force
//	Cancel                              the spend's proposer, before execution
//	queries                             anyone
//
// Keys:
//
//	"treasury" ~ "acct" ~ account                 → Account
//	"treasury" ~ "move" ~ account ~ seq%020d      → Movement
//	"treasury" ~ "budget" ~ decision              → Budget
//	"treasury" ~ "spend" ~ spend                  → Spend
//	"treasury" ~ "src" ~ source ~ spend           → the spend ID (index by source)
//	"treasury" ~ "sig" ~ spend ~ msp ~ id         → Approval
//	"treasury" ~ "period" ~ account ~ P ~ n%020d  → PeriodUsage
package treasury
