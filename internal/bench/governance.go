package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/contribution"
	"github.com/charter-gov/charter/chaincode/decision"
	"github.com/charter-gov/charter/chaincode/funding"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/membership"
	"github.com/charter-gov/charter/chaincode/reputation"
	"github.com/charter-gov/charter/chaincode/round"
	"github.com/charter-gov/charter/chaincode/token"
	charter "github.com/charter-gov/charter/gateway-client"
)

// FundingConfig is what the contribute workload's set-up needs. A round's
// matching pool is funded only by an executed budget decision that funds
// no other round, opened only by a grants administrator (an office the
// genesis or a decision grants), and contributions are paid from the
// contributor's own tokens: the bench cannot make any of these itself.
type FundingConfig struct {
	// BudgetDecision is an executed budget decision that funds no round
	// yet (charter treasury budget …, voted and executed).
	BudgetDecision string
	// Pool is the round's matching pool (default: what the budget has
	// left).
	Pool int64
	// Admin is a grants administrator: it opens the round and accepts
	// the projects.
	Admin charter.Config
	// Funder is a member holding tokens: it pays every client the tokens
	// it contributes.
	Funder charter.Config
	// TokensPerClient is what each client receives (default 20; fewer
	// when the funder holds less); each contribution is 1 token.
	TokensPerClient int64
	// Projects is how many projects apply (default 3), each by an
	// identity of its own (an applicant never contributes to its own
	// project).
	Projects int
}

// Funding defaults.
const (
	DefaultTokensPerClient = 20
	DefaultProjects        = 3
	// roundWindow is the round's window when the constitution allows it.
	roundWindow = 2 * time.Hour
)

// attester is a member holding the attester role, with the category it
// attests in.
type attester struct {
	cc       *charter.Client
	category contribution.Category
}

// attesterFor assigns slot its attester: slot s attests with attester
// s mod A to its own worker's identity, so that no two slots in flight
// write the same attester–recipient pair (the farming cap's index is read
// per pair: two attestations of one pair in one block conflict).
func attesterFor(slot, attesters int) int { return slot % attesters }

// projectFor assigns slot the project it contributes to: spread over the
// projects (every project gets contributors of every organisation).
func projectFor(slot, projects int) int { return (slot / 3) % projects }

// tokenShare is how many tokens each of clients receives from a funder
// holding balance: want each, or an equal share of the balance when it is
// smaller. An error when not even one each.
func tokenShare(balance, want int64, clients int) (int64, error) {
	if clients < 1 {
		return 0, fmt.Errorf("no clients to fund")
	}
	share := min(want, balance/int64(clients))
	if share < 1 {
		return 0, fmt.Errorf("the funder holds %d tokens: not one each for %d clients", balance, clients)
	}
	return share, nil
}

// transferPlan is one transfer of the token distribution: from holds its
// share and passes Amount to To, who passes some of it on later.
type transferPlan struct {
	Level, From, To int // From -1 is the funder; otherwise a client index
	Amount          int64
}

// distribution plans giving share tokens to each of n clients from the
// funder in ⌈log2(n+1)⌉ levels: at each level every holder (the funder and
// the clients already paid) passes half of what it still has to give on
// to a new client, so the transfers of a level run in parallel, each from
// its own account (a holder's transfers are sequential: each rewrites its
// account).
func distribution(n int, share int64) []transferPlan {
	type holder struct {
		id      int
		clients []int // the clients this holder still pays (itself excluded)
	}
	all := make([]int, n)
	for i := range all {
		all[i] = i
	}
	holders := []holder{{id: -1, clients: all}}
	var out []transferPlan
	for level := 0; ; level++ {
		var next []holder
		moved := false
		for _, h := range holders {
			if len(h.clients) == 0 {
				continue
			}
			// h keeps the first half; the first of the second half takes
			// the second half (itself included).
			half := len(h.clients) / 2
			mine, theirs := h.clients[:half], h.clients[half:]
			to := theirs[0]
			out = append(out, transferPlan{Level: level, From: h.id, To: to, Amount: share * int64(len(theirs))})
			moved = true
			next = append(next, holder{id: h.id, clients: mine}, holder{id: to, clients: theirs[1:]})
		}
		if !moved {
			return out
		}
		holders = next
	}
}

// roundPlan is the round the set-up opens: its rule, window and pool.
type roundPlan struct {
	Rule              funding.Rule
	Category          round.Category
	OpensAt, ClosesAt time.Time
}

// planRound picks the first matching rule the constitution allows, the
// first funding category, and a window of roundWindow (within the
// constitution's bounds) opening one clock skew and a second after now.
func planRound(doc constitution.Document, now time.Time) (roundPlan, error) {
	f := doc.Funding.Effective()
	if len(f.Rules) == 0 {
		return roundPlan{}, errors.New("the constitution allows no matching rule")
	}
	rule := funding.Rule{Kind: f.Rules[0], CapBps: 2500}
	if rule.Kind.Pairwise() {
		rule.PairwiseM = 100
	}
	window := roundWindow
	if lo := time.Duration(f.MinWindowSec) * time.Second; window < lo {
		window = lo
	}
	if hi := time.Duration(f.MaxWindowSec) * time.Second; hi > 0 && window > hi {
		window = hi
	}
	skew := time.Duration(doc.Time.MaxClockSkewSec) * time.Second
	opens := now.Add(skew + time.Second).UTC().Truncate(time.Second).Add(time.Second)
	return roundPlan{Rule: rule, Category: round.Categories()[0], OpensAt: opens, ClosesAt: opens.Add(window)}, nil
}

// prepareAttesters connects the configured attesters and keeps those the
// ledger records as attesters, each with its first category.
func (h *Harness) prepareAttesters(ctx context.Context) error {
	if len(h.attesters) > 0 {
		return nil
	}
	if len(h.cfg.Attesters) == 0 {
		return errors.New("workload attest: no attester given: attestations are issued only by members the genesis or a decision made attesters (charter bench --attesters PROFILE,...; by default every profile holding the role)")
	}
	var refused []string
	for _, cfg := range h.cfg.Attesters {
		cfg.MVCCRetries = -1 // every attempt is one measured transaction
		cfg.EndorseTimeout, cfg.CommitTimeout = h.cfg.EndorseTimeout, h.cfg.CommitTimeout
		c, err := charter.Connect(ctx, cfg)
		if err != nil {
			return fmt.Errorf("connect attester %s: %w", cfg.CertPath, err)
		}
		h.extra = append(h.extra, c)
		m, err := c.Member(ctx, c.Identity())
		if err != nil {
			return fmt.Errorf("attester %s: %w", c.Identity().Short(), err)
		}
		if !m.Has(membership.RoleAttester) || len(m.AttesterCategories) == 0 {
			refused = append(refused, c.Identity().Short())
			continue
		}
		h.attesters = append(h.attesters, attester{cc: c, category: m.AttesterCategories[0]})
	}
	if len(h.attesters) == 0 {
		return fmt.Errorf("workload attest: none of %s holds the attester role with a category", strings.Join(refused, ", "))
	}
	return nil
}

// openRound opens the benchmark's round on the configured budget decision
// or, when none is configured, on the newest executed budget decision that
// has an amount left and funds no round yet: the chaincode's own rule (a
// budget decision funds one round) refuses the others, and nothing is
// written by a refused opening.
func (h *Harness) openRound(ctx context.Context, admin *charter.Client, plan roundPlan) (*round.Round, error) {
	fc := h.cfg.Funding
	candidates := []string{fc.BudgetDecision}
	if fc.BudgetDecision == "" {
		executed, err := admin.Decisions(ctx, decision.StatusExecuted)
		if err != nil {
			return nil, fmt.Errorf("workload contribute: list the executed decisions: %w", err)
		}
		candidates = budgetCandidates(executed)
	}
	for _, id := range candidates {
		budget, err := admin.TreasuryBudget(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("budget decision %s: %w", id, err)
		}
		pool := fc.Pool
		if pool == 0 {
			pool = budget.Amount - budget.Reserved
		}
		if pool <= 0 && fc.BudgetDecision == "" {
			continue
		}
		r, err := admin.OpenRound(ctx, round.OpenRequest{Title: "charter bench " + h.cfg.RunID, Categories: []round.Category{plan.Category},
			Rule: plan.Rule, Pool: pool, BudgetDecision: id, OpensAt: plan.OpensAt, ClosesAt: plan.ClosesAt})
		if errors.Is(err, charter.ErrConflict) && fc.BudgetDecision == "" {
			continue // it funds a round already
		}
		if err != nil {
			return nil, fmt.Errorf("open the benchmark round on budget %s: %w", id, err)
		}
		return r, nil
	}
	return nil, fmt.Errorf("workload contribute: none of the %d executed budget decisions has an amount left and funds no round yet; a round's matching pool is funded only by one (charter treasury budget …, voted and executed; or name one with --budget-decision)", len(candidates))
}

// budgetCandidates returns the IDs of the executed budget decisions,
// newest first.
func budgetCandidates(executed []decision.Decision) []string {
	var out []decision.Decision
	for _, d := range executed {
		if d.Type == constitution.Budget {
			out = append(out, d)
		}
	}
	slices.SortStableFunc(out, func(a, b decision.Decision) int { return b.ProposedAt.Compare(a.ProposedAt) })
	ids := make([]string, len(out))
	for i, d := range out {
		ids[i] = d.ID
	}
	return ids
}

// prepareFunding opens the benchmark's round on the configured budget
// decision, has its projects apply and accepted, pays every client its
// tokens, and waits until the window opens.
func (h *Harness) prepareFunding(ctx context.Context) error {
	if h.roundID != "" {
		return nil
	}
	fc := h.cfg.Funding
	if fc == nil {
		return errors.New("workload contribute: no grants administrator and funder configured")
	}
	if fc.TokensPerClient == 0 {
		fc.TokensPerClient = DefaultTokensPerClient
	}
	if fc.Projects == 0 {
		fc.Projects = DefaultProjects
	}
	admin, err := charter.Connect(ctx, fc.Admin)
	if err != nil {
		return fmt.Errorf("connect the grants administrator: %w", err)
	}
	h.extra = append(h.extra, admin)
	funder, err := charter.Connect(ctx, fc.Funder)
	if err != nil {
		return fmt.Errorf("connect the funder: %w", err)
	}
	h.extra = append(h.extra, funder)
	cur, err := admin.Constitution(ctx)
	if err != nil {
		return err
	}
	plan, err := planRound(cur.Document, time.Now())
	if err != nil {
		return err
	}
	r, err := h.openRound(ctx, admin, plan)
	if err != nil {
		return err
	}
	h.roundID = r.ID
	h.cfg.Logger.Info("opened the benchmark round", "round", r.ID, "budget", r.BudgetDecision, "pool", r.Pool, "opens", r.OpensAt)
	// The projects: each applicant applies through its own gateway; the
	// administrator accepts once every peer has the application (the
	// gateway may pick any two peers to endorse).
	for i, a := range h.applicants {
		p, err := a.cc.ApplyToRound(ctx, round.ApplyRequest{Round: r.ID, Title: fmt.Sprintf("charter bench project %d", i), Category: plan.Category})
		if err != nil {
			return fmt.Errorf("project %d applies: %w", i, err)
		}
		if err := h.everyPeer(ctx, "the application of "+p.ID, func(c *charter.Client) bool {
			_, err := c.Round(ctx, r.ID)
			if err != nil {
				return false
			}
			page, err := c.RoundProjects(ctx, r.ID, 0, "")
			if err != nil {
				return false
			}
			return slices.ContainsFunc(page.Projects, func(q round.Project) bool { return q.ID == p.ID })
		}); err != nil {
			return err
		}
		if _, err := admin.AcceptProject(ctx, round.AcceptRequest{Round: r.ID, Project: p.ID}); err != nil {
			return fmt.Errorf("accept project %s: %w", p.ID, err)
		}
		h.projects = append(h.projects, p.ID)
	}
	// The tokens, level by level.
	bal, err := funder.Balance(ctx, funder.Identity())
	if err != nil {
		return err
	}
	share, err := tokenShare(bal.Balance, fc.TokensPerClient, len(h.workers))
	if err != nil {
		return fmt.Errorf("workload contribute: %w", err)
	}
	h.tokens = share
	plans := distribution(len(h.workers), share)
	for level := 0; ; level++ {
		var these []transferPlan
		for _, p := range plans {
			if p.Level == level {
				these = append(these, p)
			}
		}
		if len(these) == 0 {
			break
		}
		errs := make(chan error, len(these))
		for _, p := range these {
			go func() {
				from := funder
				if p.From >= 0 {
					from = h.workers[p.From].cc
				}
				_, err := from.Transfer(ctx, token.TransferRequest{To: h.workers[p.To].id, Amount: p.Amount, Memo: "charter bench " + h.cfg.RunID})
				if err != nil {
					err = fmt.Errorf("transfer %d tokens to benchmark client %d: %w", p.Amount, p.To, err)
				}
				errs <- err
			}()
		}
		for range these {
			if err := <-errs; err != nil {
				return err
			}
		}
		// Every peer has this level's transfers before the recipients pay
		// on (a peer behind would endorse another balance).
		for _, p := range these {
			id := h.workers[p.To].id
			if err := h.everyPeer(ctx, "the tokens of "+id.Short(), func(c *charter.Client) bool {
				b, err := c.Balance(ctx, id)
				return err == nil && b.Balance >= share
			}); err != nil {
				return err
			}
		}
	}
	if wait := time.Until(r.OpensAt); wait > 0 {
		h.cfg.Logger.Info("waiting for the benchmark round to open", "round", r.ID, "wait", wait.Round(time.Millisecond))
		t := time.NewTimer(wait + 500*time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
	return nil
}

// everyPeer waits until cond holds on every organisation's peer (each
// organisation's admin reads its own peer), polling.
func (h *Harness) everyPeer(ctx context.Context, what string, cond func(c *charter.Client) bool) error {
	for _, org := range h.orgs {
		c := h.admins[org]
		for !cond(c) {
			select {
			case <-ctx.Done():
				return fmt.Errorf("waiting until %s's peer has %s: %w", org, what, ctx.Err())
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
	return nil
}

func (h *Harness) attest(ctx context.Context, slot int, seq int64) (string, string) {
	a := h.attesters[attesterFor(slot, len(h.attesters))]
	_, err := a.cc.Attest(ctx, reputation.AttestRequest{Recipient: h.worker(slot).id, Category: a.category, Weight: 1,
		Evidence: fmt.Sprintf("https://bench.invalid/%s/%d", h.cfg.RunID, seq)})
	return h.kindOf(err)
}

func (h *Harness) contribute(ctx context.Context, slot int, _ int64) (string, string) {
	_, err := h.worker(slot).cc.Contribute(ctx, round.ContributeRequest{Round: h.roundID,
		Project: h.projects[projectFor(slot, len(h.projects))], Amount: 1})
	return h.kindOf(err)
}

// RoundInfo is the benchmark round and the tokens each client received
// (empty before Prepare readied the contribute workload).
func (h *Harness) RoundInfo() (roundID string, projects []string, tokensPerClient int64) {
	return h.roundID, slices.Clone(h.projects), h.tokens
}

// WorkerIdentities are the benchmark clients' identities, by slot.
func (h *Harness) WorkerIdentities() []identity.Identity {
	out := make([]identity.Identity, len(h.workers))
	for i, w := range h.workers {
		out[i] = w.id
	}
	return out
}

// ProfileRoles is a profile's member record as the ledger has it: the
// roles it holds and its token balance.
type ProfileRoles struct {
	Profile  string
	Roles    []membership.Role
	Balance  int64
	Attester bool // holds the attester role with at least one category
}

// DiscoverRoles reads, through reader, the member record and balance of
// every plain (not admin, not HSM) profile: who may attest, who
// administers grants, who holds tokens. Profiles that are not members are
// left out.
func DiscoverRoles(ctx context.Context, reader *charter.Client, profiles *charter.Profiles) ([]ProfileRoles, error) {
	var out []ProfileRoles
	for _, name := range profiles.Names() {
		p, err := profiles.Profile(name)
		if err != nil {
			return nil, err
		}
		if strings.HasSuffix(strings.ToLower(name), "-admin") || p.HSM != nil {
			continue
		}
		raw, err := os.ReadFile(p.CertPath)
		if err != nil {
			continue // a profile without its certificate on this machine
		}
		id, err := identity.FromPEM(p.MSPID, raw)
		if err != nil {
			return nil, fmt.Errorf("profile %s: %w", name, err)
		}
		m, err := reader.Member(ctx, id)
		if err != nil {
			if errors.Is(err, charter.ErrNotFound) {
				continue
			}
			return nil, fmt.Errorf("member record of profile %s: %w", name, err)
		}
		if m.Status != membership.StatusActive {
			continue
		}
		b, err := reader.Balance(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("balance of profile %s: %w", name, err)
		}
		out = append(out, ProfileRoles{Profile: name, Roles: m.Roles, Balance: b.Balance,
			Attester: m.Has(membership.RoleAttester) && len(m.AttesterCategories) > 0})
	}
	return out, nil
}
