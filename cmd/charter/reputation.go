package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/contribution"
	"github.com/charter-gov/charter/chaincode/decision"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/reputation"
	charter "github.com/charter-gov/charter/gateway-client"
)

// reputationAPI is what the reputation commands use of a *charter.Client.
type reputationAPI interface {
	Attest(ctx context.Context, req reputation.AttestRequest) (*reputation.Attestation, error)
	RevokeAttestation(ctx context.Context, req reputation.RevokeRequest) (*reputation.Attestation, error)
	Endorse(ctx context.Context, req reputation.EndorseRequest) (*reputation.Endorsement, error)
	Score(ctx context.Context, member identity.Identity, q charter.ScoreQuery) (*reputation.ScoreReport, error)
	ReputationHistory(ctx context.Context, member identity.Identity) (*reputation.History, error)
	Eligibility(ctx context.Context, member identity.Identity, at time.Time) (*reputation.EligibilityReport, error)
	EligibleMembersPage(ctx context.Context, mspID string, at time.Time, pageSize int, bookmark string) (*reputation.EligibilityPage, error)
}

var _ reputationAPI = (*charter.Client)(nil)

// withReputation connects as the --as profile and runs fn with the
// reputation operations of the connection.
func (a *app) withReputation(cmd *cobra.Command, fn func(ctx context.Context, r reputationAPI) error) error {
	return withAPI(a, cmd, "reputation operations", fn)
}

func (a *app) reputationCmd() *cobra.Command {
	return group("reputation", "Attest contributions, endorse, revoke, propose slashes; read scores and House A eligibility",
		a.repAttestCmd(), a.repRevokeCmd(), a.repEndorseCmd(), a.repSlashCmd(),
		a.repScoreCmd(), a.repHistoryCmd(), a.repEligibleCmd())
}

// repResolveOrSelf resolves a member reference, or the acting profile's own
// identity when none is given.
func (a *app) repResolveOrSelf(r memberRef) (identity.Identity, error) {
	if r.profile == "" && r.cert == "" && r.id == "" {
		if r.msp != "" {
			return identity.Identity{}, usagef("--msp goes with --cert or --id")
		}
		name, err := a.actingProfile()
		if err != nil {
			return identity.Identity{}, err
		}
		r.profile = name
	}
	if err := r.check(); err != nil {
		return identity.Identity{}, err
	}
	return a.resolve(r)
}

func repParseCategory(flag, s string) (contribution.Category, error) {
	c := contribution.Category(strings.TrimSpace(s))
	if !c.Valid() {
		return "", usagef("%s: unknown contribution category %q (known: %s)", flag, s, contribution.Names())
	}
	return c, nil
}

func repParseCategoryList(names []string) ([]contribution.Category, error) {
	var out []contribution.Category
	for _, n := range names {
		if strings.TrimSpace(n) == "" {
			continue
		}
		c, err := repParseCategory("--categories", n)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// repParseAt parses --at: RFC 3339, or empty for now (the transaction time).
func repParseAt(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, usagef("--at %q: want an RFC 3339 time such as 2026-03-01T09:00:00Z", s)
	}
	return t, nil
}

func (a *app) repAttestCmd() *cobra.Command {
	var ref memberRef
	var category, evidence, expires, subject string
	var weight int64
	cmd := &cobra.Command{
		Use:   "attest (--member PROFILE | --cert FILE [--msp MSP] | --id ID [--msp MSP]) --category C --weight N --evidence REF [--expires TIME|DURATION]",
		Short: "Attest a member's contribution (as an attester for the category)",
		Long: "Issue an attestation to a member for a contribution. The acting profile must hold the attester role\n" +
			"for the category; the attestation is bound to the recipient and never transferred.\n\n" +
			"Categories: " + contribution.Names() + "\n\n" + memberRefHelp,
		Example: `  charter --as labA-user1 reputation attest --member labB-user2 --category merged_code --weight 40 \
      --evidence https://git.example/org/repo/pull/42
  charter --as labA-user1 reputation attest --member labB-user2 --category red_teaming --weight 10 \
      --evidence sha256:0f1e... --expires 8760h`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cat, err := repParseCategory("--category", category)
			if err != nil {
				return err
			}
			if weight < 1 {
				return usagef("--weight %d: want a whole number of points of at least 1", weight)
			}
			req := reputation.AttestRequest{Category: cat, Weight: weight, Evidence: evidence}
			if expires != "" {
				e, err := repParseExpiry(expires)
				if err != nil {
					return err
				}
				req.ExpiresAt = &e
			}
			if subject != "" {
				sub, err := parseSubject("--subject", subject)
				if err != nil {
					return err
				}
				req.Subject = &sub
			}
			if req.Recipient, err = a.resolve(ref); err != nil {
				return err
			}
			return a.withReputation(cmd, func(ctx context.Context, r reputationAPI) error {
				att, err := r.Attest(ctx, req)
				return printResult(a, att, err)
			})
		},
	}
	a.bindMember(cmd, &ref, true)
	cmd.Flags().StringVar(&category, "category", "", "contribution category (required)")
	cmd.Flags().Int64Var(&weight, "weight", 0, "weight in whole points, 1..the constitution's maximum (required)")
	cmd.Flags().StringVar(&evidence, "evidence", "", "evidence reference: commit, pull request URL, artifact digest (required)")
	cmd.Flags().StringVar(&expires, "expires", "", "expiry: an RFC 3339 time, or a duration from now such as 8760h")
	cmd.Flags().StringVar(&subject, "subject", "", "what the contribution concerns, KIND:ID (an attester with a disclosed conflict on it is recused)")
	requireFlags(cmd, "evidence")
	return cmd
}

// repParseExpiry accepts an RFC 3339 time or a positive duration from now.
func repParseExpiry(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return time.Time{}, usagef("--expires %q: want an RFC 3339 time or a positive duration such as 720h", s)
	}
	return time.Now().Add(d).UTC().Truncate(time.Second), nil
}

func (a *app) repRevokeCmd() *cobra.Command {
	var ref memberRef
	var id, reason string
	cmd := &cobra.Command{
		Use:     "revoke (--member PROFILE | --cert FILE [--msp MSP] | --id ID [--msp MSP]) --attestation ID --reason TEXT",
		Example: `  charter --as labA-user1 reputation revoke --member labB-user2 --attestation a0042 --reason "evidence withdrawn"`,
		Short:   "Revoke an attestation you issued (the record stays, marked)",
		Long:    "Revoke an attestation the acting profile issued to the named recipient. The record stays, marked revoked.\n\n" + memberRefHelp,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			rec, err := a.resolve(ref)
			if err != nil {
				return err
			}
			return a.withReputation(cmd, func(ctx context.Context, r reputationAPI) error {
				att, err := r.RevokeAttestation(ctx, reputation.RevokeRequest{AttestationRef: reputation.AttestationRef{Recipient: rec, AttestationID: id}, Reason: reason})
				return printResult(a, att, err)
			})
		},
	}
	a.bindMember(cmd, &ref, true)
	cmd.Flags().StringVar(&id, "attestation", "", "the attestation ID (required)")
	cmd.Flags().StringVar(&reason, "reason", "", "why it is revoked (required)")
	requireFlags(cmd, "attestation", "reason")
	return cmd
}

func (a *app) repEndorseCmd() *cobra.Command {
	var ref memberRef
	var id, comment string
	cmd := &cobra.Command{
		Use:     "endorse (--member PROFILE | --cert FILE [--msp MSP] | --id ID [--msp MSP]) --attestation ID [--comment TEXT]",
		Example: `  charter --as foundation-user1 reputation endorse --member labB-user2 --attestation a0042 --comment "reviewed the PR"`,
		Short:   "Vouch for another member's attestation (adds a bounded bonus)",
		Long:    "Endorse an attestation of the named recipient. Neither the recipient nor the attester may endorse it.\n\n" + memberRefHelp,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			rec, err := a.resolve(ref)
			if err != nil {
				return err
			}
			return a.withReputation(cmd, func(ctx context.Context, r reputationAPI) error {
				e, err := r.Endorse(ctx, reputation.EndorseRequest{AttestationRef: reputation.AttestationRef{Recipient: rec, AttestationID: id}, Comment: comment})
				return printResult(a, e, err)
			})
		},
	}
	a.bindMember(cmd, &ref, true)
	cmd.Flags().StringVar(&id, "attestation", "", "the attestation ID (required)")
	cmd.Flags().StringVar(&comment, "comment", "", "an optional comment")
	requireFlags(cmd, "attestation")
	return cmd
}

func (a *app) repSlashCmd() *cobra.Command {
	var ref memberRef
	var category, reason, title string
	var bps int64
	cmd := &cobra.Command{
		Use:   "slash (--member PROFILE | --cert FILE [--msp MSP] | --id ID [--msp MSP]) --fraction-bps N [--category C] --reason TEXT [--title TEXT]",
		Short: "Propose a slashing decision against a member (House A decides; a governance incident)",
		Long: "Propose a slashing decision: House A votes on it under the constitution's slashing rule, and\n" +
			"once it has passed, its timelock and appeal window are over and it is executed ('charter decision\n" +
			"execute'), the fraction of the member's score, in one category or all, is slashed from then on and\n" +
			"reported as a governance incident. No one slashes alone: there is no slashing transaction.\n" +
			"The proposer must hold a House A seat (slashing is routed to House A only).\n\n" + memberRefHelp,
		Example: `  charter --as foundation-user1 reputation slash --member labB-user2 --fraction-bps 2500 \
      --category merged_code --reason "farmed review attestations"`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if bps < 1 || bps > 10000 {
				return usagef("--fraction-bps %d: want 1..10000 (10000 = 100%%)", bps)
			}
			req := reputation.SlashRequest{FractionBps: bps, Reason: reason}
			if category != "" {
				c, err := repParseCategory("--category", category)
				if err != nil {
					return err
				}
				req.Category = c
			}
			var err error
			if req.Member, err = a.resolve(ref); err != nil {
				return err
			}
			payload, err := json.Marshal(req)
			if err != nil {
				return fmt.Errorf("encode slash request: %w", err)
			}
			if title == "" {
				title = "Slash " + bps2pct(bps) + ": " + reason
				if r := []rune(title); len(r) > decision.MaxTitleRunes {
					title = string(r[:decision.MaxTitleRunes])
				}
			}
			return a.withDecisions(cmd, func(ctx context.Context, d decisionAPI) error {
				out, err := d.ProposeDecision(ctx, decision.ProposeRequest{Type: constitution.Slashing, Title: title, Payload: payload})
				return printResult(a, out, err)
			})
		},
	}
	a.bindMember(cmd, &ref, true)
	cmd.Flags().Int64Var(&bps, "fraction-bps", 0, "fraction to slash in basis points, 1..10000 (required)")
	cmd.Flags().StringVar(&category, "category", "", "slash only this category (default: every category)")
	cmd.Flags().StringVar(&reason, "reason", "", "the misconduct (required)")
	cmd.Flags().StringVar(&title, "title", "", "the decision's title (default: from the fraction and reason)")
	requireFlags(cmd, "reason")
	return cmd
}

// bps2pct renders basis points as a percentage: 2500 → "25%", 1250 → "12.5%".
func bps2pct(v int64) string {
	if v%100 == 0 {
		return fmt.Sprintf("%d%%", v/100)
	}
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%d.%02d", v/100, v%100), "0"), ".") + "%"
}

func (a *app) repScoreCmd() *cobra.Command {
	var ref memberRef
	var at string
	var cats []string
	cmd := &cobra.Command{
		Use:   "score [--member PROFILE | --cert FILE [--msp MSP] | --id ID [--msp MSP]] [--at TIME] [--categories c1,c2]",
		Short: "Show a member's reputation score (default: your own), now or at a past time",
		Long:  "Show a member's score in points (three decimals: scores are kept in milli-points), per category and in total.\n\n" + memberRefHelp + "\nWith none of them: the acting profile.",
		Example: `  charter --as labA-user1 reputation score
  charter reputation score --member labB-user2 --at 2026-03-01T00:00:00Z --categories red_teaming,safety_review`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			when, err := repParseAt(at)
			if err != nil {
				return err
			}
			cs, err := repParseCategoryList(cats)
			if err != nil {
				return err
			}
			id, err := a.repResolveOrSelf(ref)
			if err != nil {
				return err
			}
			return a.withReputation(cmd, func(ctx context.Context, r reputationAPI) error {
				s, err := r.Score(ctx, id, charter.ScoreQuery{At: when, Categories: cs})
				return printResult(a, s, err)
			})
		},
	}
	a.bindMember(cmd, &ref, false)
	cmd.Flags().StringVar(&at, "at", "", "RFC 3339 time (default: now)")
	cmd.Flags().StringSliceVar(&cats, "categories", nil, "sum only these categories, comma-separated (default: all)")
	return cmd
}

func (a *app) repHistoryCmd() *cobra.Command {
	var ref memberRef
	cmd := &cobra.Command{
		Use: "history [--member PROFILE | --cert FILE [--msp MSP] | --id ID [--msp MSP]]",
		Example: `  charter --as labB-user2 reputation history
  charter reputation history --member labB-user2`,
		Short: "List a member's attestations, endorsements and slashes (default: your own)",
		Long:  "List every reputation record of a member.\n\n" + memberRefHelp + "\nWith none of them: the acting profile.",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			id, err := a.repResolveOrSelf(ref)
			if err != nil {
				return err
			}
			return a.withReputation(cmd, func(ctx context.Context, r reputationAPI) error {
				h, err := r.ReputationHistory(ctx, id)
				return printResult(a, h, err)
			})
		},
	}
	a.bindMember(cmd, &ref, false)
	return cmd
}

func (a *app) repEligibleCmd() *cobra.Command {
	var ref memberRef
	var at string
	var size int
	cmd := &cobra.Command{
		Use: "eligible [--member PROFILE | --cert FILE [--msp MSP] | --id ID [--msp MSP] | --msp MSP] [--at TIME] [--page-size N]",
		Example: `  charter reputation eligible
  charter reputation eligible --msp LabBMSP --page-size 50
  charter reputation eligible --member labA-user2 --at 2026-03-01T00:00:00Z`,
		Short: "Who is eligible for a House A seat, and why",
		Long:  "Report House A eligibility: of one member, or of every active member when none is named\n(of one organisation with --msp alone), read in pages of --page-size members.\n\n" + memberRefHelp,
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			when, err := repParseAt(at)
			if err != nil {
				return err
			}
			if ref.profile == "" && ref.cert == "" && ref.id == "" {
				n, err := pageSize(size)
				if err != nil {
					return err
				}
				return a.withReputation(cmd, func(ctx context.Context, r reputationAPI) error {
					all, err := charter.FollowPages("", func(bookmark string) ([]reputation.EligibilityReport, string, error) {
						p, err := r.EligibleMembersPage(ctx, ref.msp, when, n, bookmark)
						if err != nil {
							return nil, "", err
						}
						return p.Reports, p.Bookmark, nil
					})
					if err != nil {
						return err
					}
					return a.out().print(all)
				})
			}
			if err := ref.check(); err != nil {
				return err
			}
			id, err := a.resolve(ref)
			if err != nil {
				return err
			}
			return a.withReputation(cmd, func(ctx context.Context, r reputationAPI) error {
				e, err := r.Eligibility(ctx, id, when)
				return printResult(a, e, err)
			})
		},
	}
	a.bindMember(cmd, &ref, false)
	cmd.Flags().StringVar(&at, "at", "", "RFC 3339 time (default: now)")
	pageSizeFlag(cmd.Flags(), &size, "members")
	return cmd
}

// repPoints renders milli-points as points with three decimals.
func repPoints(milli int64) string {
	sign := ""
	if milli < 0 {
		sign, milli = "-", -milli
	}
	return fmt.Sprintf("%s%d.%03d", sign, milli/reputation.MilliPerPoint, milli%reputation.MilliPerPoint)
}

// reputationText writes the text form of every reputation result.
func reputationText(w *bytes.Buffer, v any) error {
	switch v := v.(type) {
	case *reputation.Attestation:
		kv := newKV(w)
		kv.add("attestation", v.ID)
		kv.add("recipient", actor(v.Recipient))
		kv.add("attester", actor(v.Attester))
		kv.add("category", string(v.Category))
		kv.add("weight", fmt.Sprintf("%d points", v.Weight))
		kv.add("evidence", v.Evidence)
		kv.add("issued", timeText(v.IssuedAt))
		if v.ExpiresAt != nil {
			kv.add("expires", timeText(*v.ExpiresAt))
		}
		if v.Revoked != nil {
			kv.add("revoked", fmt.Sprintf("%s by %s (%s): %s", timeText(v.Revoked.At), v.Revoked.By, v.Revoked.Authority, v.Revoked.Reason))
		}
		return kv.flush()
	case *reputation.Endorsement:
		kv := newKV(w)
		kv.add("endorsed", v.AttestationID)
		kv.add("recipient", actor(v.Recipient))
		kv.add("endorser", actor(v.Endorser))
		kv.add("at", timeText(v.At))
		if v.Comment != "" {
			kv.add("comment", v.Comment)
		}
		return kv.flush()
	case *reputation.SlashRecord:
		kv := newKV(w)
		scope := "every category"
		if v.Category != "" {
			scope = string(v.Category)
		}
		kv.add("slashed", actor(v.Member))
		kv.add("fraction", fmt.Sprintf("%s of %s", bps(v.FractionBps), scope))
		kv.add("score", fmt.Sprintf("%s → %s points", repPoints(v.ScoreBefore), repPoints(v.ScoreAfter)))
		kv.add("reason", v.Reason)
		kv.add("by", fmt.Sprintf("%s (%s)", v.By, v.Authority))
		kv.add("at", timeText(v.At))
		kv.add("incident", v.ID)
		return kv.flush()
	case *reputation.ScoreReport:
		kv := newKV(w)
		scope := "all categories"
		if len(v.Categories) > 0 {
			names := make([]string, len(v.Categories))
			for i, c := range v.Categories {
				names[i] = string(c)
			}
			scope = strings.Join(names, ", ")
		}
		kv.add("member", actor(v.Member))
		kv.add("at", timeText(v.At))
		kv.add("score", fmt.Sprintf("%s points (%s)", repPoints(v.Score), scope))
		if err := kv.flush(); err != nil {
			return err
		}
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
		for _, c := range v.ByCategory {
			fmt.Fprintf(tw, "  %s\t%s\t\n", c.Category, repPoints(c.Score))
		}
		return tw.Flush()
	case *reputation.History:
		fmt.Fprintf(w, "member: %s\n", v.Member)
		if len(v.Attestations) == 0 {
			w.WriteString("no attestations\n")
		} else {
			tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ATTESTATION\tISSUED\tCATEGORY\tWEIGHT\tATTESTER\tSTATUS\tEVIDENCE")
			for _, at := range v.Attestations {
				status := "active"
				if at.Revoked != nil {
					status = "revoked " + timeText(at.Revoked.At)
				} else if at.ExpiresAt != nil {
					status = "expires " + timeText(*at.ExpiresAt)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\n", at.ID, timeText(at.IssuedAt), at.Category, at.Weight, at.Attester, status, at.Evidence)
			}
			if err := tw.Flush(); err != nil {
				return err
			}
		}
		if len(v.Endorsements) > 0 {
			tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ENDORSED\tAT\tENDORSER\tCOMMENT")
			for _, e := range v.Endorsements {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", e.AttestationID, timeText(e.At), e.Endorser, dash(e.Comment))
			}
			if err := tw.Flush(); err != nil {
				return err
			}
		}
		if len(v.Slashes) > 0 {
			tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "SLASH\tAT\tCATEGORY\tFRACTION\tBY\tREASON")
			for _, s := range v.Slashes {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", s.ID, timeText(s.At), dash(string(s.Category)), bps(s.FractionBps), s.By, s.Reason)
			}
			return tw.Flush()
		}
		return nil
	case *reputation.EligibilityReport:
		kv := newKV(w)
		kv.add("member", actor(v.Member))
		kv.add("at", timeText(v.At))
		kv.add("eligible", yesNo(v.Eligible))
		kv.add("holds seat", yesNo(v.HoldsSeat))
		if err := kv.flush(); err != nil {
			return err
		}
		for _, r := range v.Reasons {
			fmt.Fprintf(w, "  - %s\n", r)
		}
		return nil
	case []reputation.EligibilityReport:
		if len(v) == 0 {
			w.WriteString("no active members\n")
			return nil
		}
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "MEMBER\tELIGIBLE\tSEAT\tTOTAL\tSAFETY\tWHY")
		for _, r := range v {
			seat := yesNo(r.HoldsSeat)
			if r.SeatLost {
				seat = "lost"
			}
			why := "meets every threshold"
			if !r.Eligible {
				var below []string
				if !r.ActiveMember {
					below = append(below, "removed")
				}
				if r.TotalScore < r.MinTotalScore {
					below = append(below, "total below "+repPoints(r.MinTotalScore))
				}
				if r.SafetyScore < r.MinSafetyScore {
					below = append(below, "safety below "+repPoints(r.MinSafetyScore))
				}
				why = strings.Join(below, "; ")
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", actor(r.Member), yesNo(r.Eligible), seat, repPoints(r.TotalScore), repPoints(r.SafetyScore), why)
		}
		return tw.Flush()
	}
	return errNoTextForm
}
