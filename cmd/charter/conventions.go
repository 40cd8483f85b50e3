package main

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// agreedVerbs are the names a command that does something may have, one
// verb per meaning across every group (see the checklist in main.go). A
// command named otherwise fails TestCommandConventions; add a verb here
// only for a meaning none of these has.
var agreedVerbs = map[string]string{
	// Reading.
	"show":    "one record, or the state of one thing (never get, describe, view, info)",
	"list":    "many records (never ls)",
	"history": "the past versions or checkpoints of one thing",
	"results": "a ballot's outcome",
	"score":   "a reputation score",
	"balance": "a token balance",
	"supply":  "the token supply",
	"status":  "where a transaction stands",
	"diff":    "what changed between two versions",
	"default": "the built-in default of a document",
	"whoami":  "the acting identity",
	"version": "the client's and the chaincode's version",
	"watch":   "a stream of events",
	// Writing one's own records.
	"add":      "register a new record the caller owns (never create for members, never new)",
	"update":   "change a record in place",
	"remove":   "withdraw a record, keeping its trail (never rm, delete)",
	"create":   "open a new ballot",
	"set":      "set a per-topic preference",
	"revoke":   "withdraw something the caller granted (a member's certificate: at the CA, in the channel, on the ledger)",
	"enroll":   "enrol a member through the organisation's CA and register them on the ledger",
	"use":      "save a local default",
	"draft":    "write a document locally, sending nothing",
	"disclose": "declare a conflict of interest",
	"attest":   "attest a contribution",
	"endorse":  "endorse an attestation",
	"vouch":    "vouch for a member of another organisation",
	"unvouch":  "withdraw one's own vouch (later ballots stop counting it)",
	"signoff":  "sign off, as a maintainer, on an authorised chaincode build",
	"check":    "ask whether a build is cleared for a sequence",
	"build":    "the chaincode build an organisation's service runs",
	"transfer": "move tokens",
	"issue":    "propose a token issuance",
	"slash":    "propose a slash",
	"eligible": "House A eligibility",
	// Governance steps.
	"propose":           "submit a proposal for others to decide on",
	"propose-amendment": "propose an amended constitution",
	"approve":           "approve a proposal by hash",
	"vote":              "cast a vote",
	"close":             "end voting",
	"tally":             "count votes",
	"conclude":          "apply the concurrence rule",
	"appeal":            "appeal a passed decision",
	"queue":             "queue a passed ballot behind its timelock",
	"execute":           "perform a passed decision or ballot",
	"cancel":            "withdraw one's own ballot before its first vote",
	"pause":             "a guardian's pause",
	"pause-supports":    "the supports of a pause",
	"vouches":           "the vouches for a member",
	// The registry, the guardian council, the incident register and the
	// treasury (their own vocabulary; reads named by what they show).
	"register":                 "add a new artifact version to the registry",
	"lineage":                  "an artifact's provenance graph",
	"promote":                  "propose a release stage",
	"takedown":                 "propose a dataset takedown",
	"export":                   "print records in an exchange format (in-toto)",
	"verify":                   "check a local file against the registry",
	"incidents":                "the governance incidents of one area",
	"record-missed-disclosure": "record a missed disclosure deadline as an incident",
	"failed-execution":         "record a refused decision execution as an incident",
	"file":                     "file an incident",
	"post-mortem":              "link an incident's post-mortem",
	"metrics":                  "governance metrics computed from the ledger",
	"simulate":                 "run a governance simulation locally",
	"bench":                    "measure the network's throughput under a workload",
	"accounts":                 "the treasury's accounts",
	"movements":                "an account's movements",
	"budget":                   "propose or show a budget decision",
	"decide":                   "propose the decision a spend waits for",
	"deposit":                  "record an asset received",
	"confirm-deposit":          "confirm another organisation's deposit",
	"cancel-deposit":           "withdraw one's own pending deposit",
	"deposits":                 "the treasury's deposits",
	"usage":                    "what an account spent in its period",
	// Funding rounds.
	"open":       "open a funding round",
	"apply":      "apply to a round with a project",
	"accept":     "accept a project into a round",
	"contribute": "contribute tokens to a project",
	"pay":        "propose the payout of a closed round",
	"estimate":   "a round's matches so far",
	"projects":   "a round's projects",
	// The audit export.
	"crosscheck": "compare two organisations' exports",
	"replay":     "re-run an export's tallies and conclusions offline",
	// The HTTP API.
	"serve": "run the HTTP API against the network",
}

// flagAliases are old flag spellings still accepted for scripts written
// before the names stopped colliding: --profile (a member, by profile) is
// now --member, and --profiles (the file) is --profiles-file. They are
// not listed in help.
var flagAliases = map[string]string{
	"profile":  "member",
	"profiles": "profiles-file",
}

func normalizeFlag(_ *pflag.FlagSet, name string) pflag.NormalizedName {
	if to, ok := flagAliases[name]; ok {
		return pflag.NormalizedName(to)
	}
	return pflag.NormalizedName(name)
}

// applyConventions finishes the command tree: old flag spellings map to
// the new ones, and every RunE records that the command began, so that
// anything cobra refused before it (arguments, required flags, flag
// groups) is reported as a usage error with that command's usage.
func (a *app) applyConventions(root *cobra.Command) {
	root.SetGlobalNormalizationFunc(normalizeFlag)
	idLists := map[string]func(ctx context.Context, c gatewayAPI) ([]string, error){
		"ballot":   ballotIDs,
		"decision": decisionIDs,
	}
	groupExamples(root)
	walk(root, func(c *cobra.Command) {
		// "member get" answers 'unknown command "get" … did you mean
		// "show"?', whatever flags follow it.
		if c.Name() == "show" {
			c.SuggestFor = append(c.SuggestFor, "get", "describe", "view", "info")
		}
		if c != root && c.HasSubCommands() {
			c.FParseErrWhitelist.UnknownFlags = true
			c.Args = unknownSubcommand
		}
		// A ballot or decision command whose argument is an ID completes
		// it from the ledger.
		if list, ok := idLists[parentName(c)]; ok && c.ValidArgsFunction == nil && strings.Contains(c.Use, " ID") {
			c.ValidArgsFunction = a.completeIDs(list)
		}
		if run := c.RunE; run != nil {
			c.RunE = func(cmd *cobra.Command, args []string) error {
				a.started = true
				return run(cmd, args)
			}
		}
	})
}

// groupExamples gives every group without an Example the first example
// of each of its subcommands, innermost groups first.
func groupExamples(c *cobra.Command) {
	if !c.HasSubCommands() {
		return
	}
	var lines []string
	for _, sub := range c.Commands() {
		groupExamples(sub)
		if first, _, _ := strings.Cut(sub.Example, "\n"); first != "" {
			lines = append(lines, first)
		}
	}
	if c.Example == "" {
		c.Example = strings.Join(lines, "\n")
	}
}

// unknownSubcommand refuses an argument to a group: it names the unknown
// subcommand and suggests the agreed one.
func unknownSubcommand(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
	if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
		msg += fmt.Sprintf("; did you mean %q?", s[0])
	}
	return usagef("%s", msg)
}

func parentName(c *cobra.Command) string {
	if c.HasParent() {
		return c.Parent().Name()
	}
	return ""
}

func ballotIDs(ctx context.Context, c gatewayAPI) ([]string, error) {
	v, ok := c.(votingAPI)
	if !ok {
		return nil, nil
	}
	p, err := v.BallotsPage(ctx, "", completionPage, "")
	if err != nil {
		return nil, err
	}
	bs := p.Ballots
	ids := make([]string, len(bs))
	for i, b := range bs {
		ids[i] = b.ID
	}
	return ids, nil
}

func decisionIDs(ctx context.Context, c gatewayAPI) ([]string, error) {
	d, ok := c.(decisionAPI)
	if !ok {
		return nil, nil
	}
	p, err := d.DecisionsPage(ctx, "", completionPage, "")
	if err != nil {
		return nil, err
	}
	ds := p.Decisions
	ids := make([]string, len(ds))
	for i, x := range ds {
		ids[i] = x.ID
	}
	return ids, nil
}

// walk calls fn on c and every command below it.
func walk(c *cobra.Command, fn func(*cobra.Command)) {
	fn(c)
	for _, sub := range c.Commands() {
		walk(sub, fn)
	}
}

// completeProfiles completes a profile name (for --as and --member).
func (a *app) completeProfiles(_ *cobra.Command, _ []string, prefix string) ([]string, cobra.ShellCompDirective) {
	p, err := a.loadProfiles()
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []string
	for _, n := range p.Names() {
		if strings.HasPrefix(n, prefix) {
			prof := p.Profiles[n]
			out = append(out, n+"\t"+prof.MSPID)
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// completionPage is how many ballot or decision IDs a completion reads
// (one page: completion must stay cheap).
const completionPage = 200

// completionTimeout bounds a completion that asks the network.
const completionTimeout = 3 * time.Second

// completeIDs completes the one positional ID argument of a command with
// the IDs list returns, connecting as the acting profile. Without a
// profile or a network it completes nothing (a shell must never hang).
func (a *app) completeIDs(list func(ctx context.Context, c gatewayAPI) ([]string, error)) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return func(cmd *cobra.Command, args []string, prefix string) ([]string, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		cfg, err := a.config()
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		ctx, cancel := context.WithTimeout(cmd.Context(), completionTimeout)
		defer cancel()
		cfg.DialTimeout = completionTimeout
		var ids []string
		err = a.connectAndRun(ctx, cfg, func(ctx context.Context, c gatewayAPI) error {
			var err error
			ids, err = list(ctx, c)
			return err
		})
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var out []string
		for _, id := range ids {
			if strings.HasPrefix(id, prefix) {
				out = append(out, id)
			}
		}
		sort.Strings(out)
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

// requireFlags marks flags of cmd required: cobra refuses the command,
// naming them, before it runs. A name cmd does not have is a programming
// error that TestCommandConventions catches (the tree is built in every
// test).
func requireFlags(cmd *cobra.Command, names ...string) {
	for _, n := range names {
		if err := cmd.MarkFlagRequired(n); err != nil {
			panic(fmt.Sprintf("%s: %v", cmd.CommandPath(), err))
		}
	}
}
