// Package decision makes the constitution govern: a decision is a proposal
// of one decision type plus one ballot per house the constitution routes
// that type to. The package holds the concurrence rule between the houses
// (Resolve, a pure function), appeals, recusal of conflicted voters,
// execution of on-chain effects (an effects registry), and the decision
// lifecycle. It has no Fabric imports; the ballot engine is reached
// through the small Ballots interface (chaincode/decision/ballotadapter
// implements it over chaincode/ballot).
//
// # Lifecycle
//
//	Propose ──▶ voting ──Conclude──▶ passed | rejected | mediation
//	mediation ──Conclude (after the mediation timelock)──▶ passed | rejected
//	passed ──Appeal (MinAppellants distinct members, within the window)──▶ appealed
//	appealed ──Conclude (appeal ballots tallied)──▶ passed (appeal dismissed) | overturned
//	passed ──Execute (after max(timelock end, appeal deadline))──▶ executed
//
// # Version pinning
//
// Propose freezes the constitution in force (version and hash), the
// decision rule, the concurrence rule and the appeal rule into the
// decision, and the ballots it opens freeze the rule too. Amendments
// installed later never change an open decision: it is concluded,
// appealed and executed under the rules it was proposed under.
//
// # Keys
//
//	"decision"        ~ id                  → Decision    (written by Propose, Conclude, the appeal that lodges, Execute)
//	"decision-ballot" ~ ballotID            → BallotLink  (written once by Propose or the lodging Appeal; read by recusal)
//	"decision-appeal" ~ id ~ msp ~ memberID → Appellant   (written once, by that appellant)
//
// Each appellant writes only their own key; only the appeal that reaches
// MinAppellants rewrites the decision record.
//
// # Who may call what
//
//	Propose     an active member; a House A seat holder when the type goes to House A only
//	Vote        an eligible member of the ballot's house with no disclosed conflict on the decision
//	Conclude    anyone, once the ballots are tallied (and after mediation)
//	Appeal      an active member, within the appeal window of a passed decision
//	Execute     anyone, after the timelock and the appeal window
//	Get, List, Appellants, CheckVoter   anyone
//
// Determinism: no clock (time is core.Tx.Time), no floating point (shares
// are integer basis points computed with math/big), no map iteration.
package decision
