package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/genesis"
	"github.com/charter-gov/charter/chaincode/membership"
	charter "github.com/charter-gov/charter/gateway-client"
	"github.com/charter-gov/charter/internal/genesisdraft"
)

func (a *app) genesisCmd() *cobra.Command {
	return group("genesis", "The founding act: draft, propose, approve and show the genesis",
		a.genesisDraftCmd(), a.genesisProposeCmd(), a.genesisApproveCmd(), a.genesisShowCmd())
}

func (a *app) genesisDraftCmd() *cobra.Command {
	var founders, memberSpecs, allocations, periodsFor []string
	var docFile string
	var periods, skew, treasuryDelay time.Duration
	cmd := &cobra.Command{
		Use:   "draft --founders MSP,MSP[,…] --member PROFILE:NAME[:ROLES[:CATEGORIES]]… [--allocate PROFILE=AMOUNT]… [--constitution FILE] [--periods D]",
		Short: "Write a genesis document (JSON) from profiles; nothing is sent",
		Long: `Write a genesis document to standard output: the founding organisations, the
constitution (--constitution FILE, else the default document), the initial
role holders and the initial token allocation. Nothing is sent: propose the
file with 'genesis propose', and let every founder approve it.

--member PROFILE:NAME[:ROLES[:CATEGORIES]] names an initial member by a
profile's certificate, with roles and attester categories comma-separated
(house_a, guardian, attester, treasurer, grants_admin). --allocate
PROFILE=AMOUNT gives an initial member governance tokens.

--periods D (for trial networks and demos) votes every decision type (or
those of --periods-for) for D with no voting delay and no timelock, mediates
for D and closes appeals with the vote. --clock-skew D sets the
constitution's clock skew (ballots open one skew after creation, deadlines
wait one skew; docs/time.md). --treasury-delay D sets how long a treasury
spend waits between its approval and its execution.`,
		Example: `  charter constitution genesis draft --founders FoundationMSP,LabAMSP,LabBMSP \
    --member "foundation-user1:Grace Hopper:house_a,guardian" \
    --member "labA-user1:Ada Lovelace:attester,house_a:merged_code,red_teaming" \
    --allocate foundation-user1=1000 > genesis.json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o := genesisdraft.Options{Founders: founders}
			if docFile != "" {
				d, err := a.readDocument(docFile)
				if err != nil {
					return err
				}
				o.Constitution = d
			}
			if cmd.Flags().Changed("periods") {
				if periods < time.Second || periods%time.Second != 0 {
					return usagef("--periods %s: want a whole number of seconds, at least 1s", periods)
				}
				o.PeriodsSec, o.PeriodsFor = int64(periods/time.Second), periodsFor
			} else if len(periodsFor) > 0 {
				return usagef("--periods-for goes with --periods")
			}
			if cmd.Flags().Changed("clock-skew") {
				if skew < time.Second || skew%time.Second != 0 {
					return usagef("--clock-skew %s: want a whole number of seconds, at least 1s", skew)
				}
				o.ClockSkewSec = int64(skew / time.Second)
			}
			if cmd.Flags().Changed("treasury-delay") {
				if treasuryDelay < 0 || treasuryDelay%time.Second != 0 {
					return usagef("--treasury-delay %s: want a whole number of seconds", treasuryDelay)
				}
				d := int64(treasuryDelay / time.Second)
				o.TreasuryDelaySec = &d
			}
			profiles := map[string]membership.FoundingMember{}
			for _, spec := range memberSpecs {
				profile, m, err := a.parseMemberSpec(spec)
				if err != nil {
					return err
				}
				profiles[profile] = m
				o.Members = append(o.Members, m)
			}
			for _, spec := range allocations {
				profile, amount, ok := strings.Cut(spec, "=")
				m, known := profiles[strings.TrimSpace(profile)]
				n, err := strconv.ParseInt(strings.TrimSpace(amount), 10, 64)
				switch {
				case !ok || err != nil:
					return usagef("--allocate %q: want PROFILE=AMOUNT", spec)
				case !known:
					return usagef("--allocate %q: %s is not named by --member (allocations go to initial members)", spec, profile)
				}
				o.Allocations = append(o.Allocations, genesis.Allocation{To: m.Member, Amount: n})
			}
			hash, n, err := genesisdraft.Draft(o)
			if field, _ := errcode.FieldOf(err); field == "periodsFor" {
				return usagef("--periods-for: %v", err)
			}
			if err != nil {
				return err
			}
			a.logger.Debug("drafted genesis", "hash", hash)
			enc := json.NewEncoder(a.stdout)
			enc.SetEscapeHTML(false)
			enc.SetIndent("", "  ")
			return enc.Encode(n)
		},
	}
	fs := cmd.Flags()
	fs.StringSliceVar(&founders, "founders", nil, "the founding organisations' MSP IDs, comma-separated (at least two)")
	fs.StringArrayVar(&memberSpecs, "member", nil, "an initial member: PROFILE:NAME[:ROLES[:CATEGORIES]] (repeat)")
	fs.StringArrayVar(&allocations, "allocate", nil, "an initial allocation: PROFILE=AMOUNT (repeat)")
	fs.StringVar(&docFile, "constitution", "", "constitution document (JSON, as printed by 'charter constitution default -o json'; default: the default document)")
	fs.DurationVar(&periods, "periods", 0, "trial networks: every decision votes for this long, no delay, no timelock")
	fs.StringSliceVar(&periodsFor, "periods-for", nil, "with --periods: only these decision types (comma-separated)")
	fs.DurationVar(&treasuryDelay, "treasury-delay", 0, "the treasury's execution delay (treasury.executionDelaySeconds; trial networks and demos)")
	fs.DurationVar(&skew, "clock-skew", 0, "the constitution's clock skew (time.maxClockSkewSeconds; trial networks whose processes share one clock)")
	requireFlags(cmd, "founders", "member")
	return cmd
}

// parseMemberSpec parses PROFILE:NAME[:ROLES[:CATEGORIES]].
func (a *app) parseMemberSpec(spec string) (string, membership.FoundingMember, error) {
	parts := strings.Split(spec, ":")
	if len(parts) < 2 || len(parts) > 4 || strings.TrimSpace(parts[0]) == "" || strings.TrimSpace(parts[1]) == "" {
		return "", membership.FoundingMember{}, usagef("--member %q: want PROFILE:NAME[:ROLES[:CATEGORIES]]", spec)
	}
	profile := strings.TrimSpace(parts[0])
	id, err := a.resolve(memberRef{profile: profile})
	if err != nil {
		return "", membership.FoundingMember{}, err
	}
	m := membership.FoundingMember{Member: id, Name: strings.TrimSpace(parts[1])}
	if len(parts) > 2 {
		if m.Roles, err = parseRoles(strings.Split(parts[2], ",")); err != nil {
			return "", membership.FoundingMember{}, err
		}
	}
	if len(parts) > 3 {
		m.AttesterCategories = attesterCategories(strings.Split(parts[3], ","))
	}
	return profile, m, nil
}

// readGenesis reads a genesis document strictly, as the chaincode would.
func (a *app) readGenesis(file string) (genesis.Genesis, error) {
	raw, err := a.readFileArg("--file", file)
	if err != nil {
		return genesis.Genesis{}, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var g genesis.Genesis
	if err := dec.Decode(&g); err != nil {
		return genesis.Genesis{}, errcode.Invalidf("--file %s: not a genesis document: %v", file, err)
	}
	if dec.More() {
		return genesis.Genesis{}, errcode.Invalidf("--file %s: unexpected data after the genesis", file)
	}
	return g, nil
}

func (a *app) genesisProposeCmd() *cobra.Command {
	var file string
	cmd := &cobra.Command{
		Use:     "propose --file genesis.json",
		Example: `  charter --as foundation-admin constitution genesis propose --file genesis.json`,
		Short:   "Propose the genesis (an admin of a founding organisation; replaces a pending one)",
		Long: `Propose the genesis in --file ("-" reads standard input). Every founding
organisation's admin must then approve its hash; the last approval adopts it.
A new proposal replaces a pending one and its approvals. After adoption the
genesis is closed: later changes are constitutional amendments.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			g, err := a.readGenesis(file)
			if err != nil {
				return err
			}
			return a.withClient(cmd, func(ctx context.Context, c gatewayAPI) error {
				p, err := c.ProposeGenesis(ctx, g)
				return printResult(a, p, err)
			})
		},
	}
	cmd.Flags().StringVar(&file, "file", "", "the genesis document (JSON; - for standard input)")
	requireFlags(cmd, "file")
	return cmd
}

func (a *app) genesisApproveCmd() *cobra.Command {
	var file, hash string
	cmd := &cobra.Command{
		Use: "approve (--file genesis.json | --hash SHA256)",
		Example: `  charter --as labA-admin constitution genesis approve --file genesis.json
  charter --as labB-admin constitution genesis approve --hash 3f5a…`,
		Short: "Approve the pending genesis for the acting admin's organisation",
		Long: `Approve the pending genesis for the acting admin's organisation. With --file
the hash is computed from the document you have read, so you approve exactly
that document; --hash names it directly. Approving any other hash than the
pending one is refused. The approval that completes the founders' set adopts
the genesis: constitution version 1, the initial role holders, the initial
allocation.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if file != "" {
				g, err := a.readGenesis(file)
				if err != nil {
					return err
				}
				if hash, err = charter.GenesisHash(g); err != nil {
					return err
				}
			}
			return a.withClient(cmd, func(ctx context.Context, c gatewayAPI) error {
				r, err := c.ApproveGenesis(ctx, hash)
				return printResult(a, r, err)
			})
		},
	}
	cmd.Flags().StringVar(&file, "file", "", "the genesis document you approve (JSON; - for standard input)")
	cmd.Flags().StringVar(&hash, "hash", "", "the SHA-256 of the genesis you approve")
	cmd.MarkFlagsOneRequired("file", "hash")
	cmd.MarkFlagsMutuallyExclusive("file", "hash")
	return cmd
}

func (a *app) genesisShowCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "show",
		Example: `  charter constitution genesis show`,
		Short:   "Show the pending genesis and its approvals, or the adopted one",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withClient(cmd, func(ctx context.Context, c gatewayAPI) error {
				st, err := c.Genesis(ctx)
				return printResult(a, st, err)
			})
		},
	}
}

// genesisText renders the founding act's types.
func genesisText(w *bytes.Buffer, v any) error {
	switch v := v.(type) {
	case *genesis.Proposal:
		return proposalText(w, v, "pending")
	case *genesis.ApprovalResult:
		kv := newKV(w)
		kv.add("approved", fmt.Sprintf("round %d, hash %s, for %s by %s", v.Approval.Round, v.Approval.Hash, v.Approval.MSPID, actor(v.Approval.ApprovedBy)))
		if v.Adopted != nil {
			kv.add("adopted", fmt.Sprintf("constitution version %d (%s) at %s; %d initial members; supply %d",
				v.Adopted.Version.Version, v.Adopted.Version.Hash, timeText(v.Adopted.AdoptedAt), len(v.Adopted.Proposal.Genesis.Members), v.Adopted.Supply))
		} else {
			kv.add("waiting for", strings.Join(v.Missing, ", "))
		}
		return kv.flush()
	case *genesis.Status:
		switch {
		case v.Adopted != nil:
			if err := proposalText(w, &v.Adopted.Proposal, "adopted "+timeText(v.Adopted.AdoptedAt)); err != nil {
				return err
			}
		case v.Pending != nil:
			if err := proposalText(w, v.Pending, "pending"); err != nil {
				return err
			}
		default:
			w.WriteString("no genesis proposed yet\n")
			return nil
		}
		w.WriteString("\nApprovals\n")
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		for _, ap := range v.Approvals {
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", ap.MSPID, actor(ap.ApprovedBy), timeText(ap.ApprovedAt))
		}
		for _, m := range v.Missing {
			fmt.Fprintf(tw, "  %s\t(not yet)\t\n", m)
		}
		return tw.Flush()
	}
	return errNoTextForm
}

func proposalText(w *bytes.Buffer, p *genesis.Proposal, state string) error {
	kv := newKV(w)
	kv.add("genesis", p.Hash)
	kv.add("state", fmt.Sprintf("%s (round %d)", state, p.Round))
	kv.add("proposed", fmt.Sprintf("%s by %s", timeText(p.ProposedAt), actor(p.ProposedBy)))
	kv.add("founders", strings.Join(p.Genesis.Founders, ", "))
	kv.add("constitution", p.Genesis.Constitution.Name)
	if err := kv.flush(); err != nil {
		return err
	}
	w.WriteString("\nInitial members\n")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, m := range p.Genesis.Members {
		cats := make([]string, len(m.AttesterCategories))
		for i, c := range m.AttesterCategories {
			cats[i] = string(c)
		}
		tokens := ""
		for _, al := range p.Genesis.Allocations {
			if al.To == m.Member {
				tokens = fmt.Sprintf("%d tokens", al.Amount)
			}
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", m.Member.MSPID, m.Name, roles(m.Roles), strings.Join(cats, ","), tokens)
	}
	return tw.Flush()
}
