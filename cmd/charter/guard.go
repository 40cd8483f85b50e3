package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/charter-gov/charter/chaincode/ballot"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/vouch"
	charter "github.com/charter-gov/charter/gateway-client"
)

// guardAPI is the guardians' pause and vouching.
type guardAPI interface {
	PauseBallot(ctx context.Context, req ballot.PauseRequest) (*ballot.PauseResult, error)
	PauseSupports(ctx context.Context, id string) ([]ballot.PauseSupport, error)
	Vouch(ctx context.Context, member identity.Identity) (*vouch.Vouch, error)
	Unvouch(ctx context.Context, member identity.Identity) (*vouch.Vouch, error)
	Vouches(ctx context.Context, member identity.Identity) ([]vouch.Vouch, error)
}

var _ guardAPI = (*charter.Client)(nil)

func (a *app) withGuard(cmd *cobra.Command, fn func(ctx context.Context, g guardAPI) error) error {
	return withAPI(a, cmd, "pause and vouch operations", fn)
}

func (a *app) ballotPauseCmd() *cobra.Command {
	return idReasonCmd(a, a.withGuard, cmdSpec{
		Use:   "pause ID --reason TEXT",
		Short: "As a guardian, support pausing a ballot (k guardians of enough organisations put it in force)",
		Long: `Record your support, as a guardian, for pausing a ballot. The pause comes into
force when the constitution's emergency.guardiansToAct guardians from at least
emergency.guardianOrgsToAct organisations support it; it then blocks votes,
closing and tallying until it expires by itself, and gives voters back the
voting time it took. A ballot is paused at most once; guardians never cancel.`,
		Example: `  charter --as labA-guardian ballot pause b1234 --reason "credible report of vote buying"`,
		Args:    oneID,
	}, func(g guardAPI, ctx context.Context, id, reason string) (*ballot.PauseResult, error) {
		return g.PauseBallot(ctx, ballot.PauseRequest{Ballot: id, Reason: reason})
	})
}

func (a *app) ballotPausesCmd() *cobra.Command {
	return idCmd(a, a.withGuard, cmdSpec{
		Use: "pause-supports ID", Short: "List the guardians' supports for pausing a ballot", Args: oneID,
		Example: `  charter ballot pause-supports b0123456789abcdef`,
	}, guardAPI.PauseSupports)
}

func (a *app) memberVouchCmd() *cobra.Command {
	return a.memberRefCmd(memberRefSpec{
		use:   "vouch (--member PROFILE | --cert FILE --msp MSP | --id ID --msp MSP)",
		short: "Vouch for a member of another organisation (needed before it votes)",
		long: "Vouch, as an active member, for a member of another organisation: a member votes\n" +
			"only once the constitution's safeguards.vouchesRequired members of other\n" +
			"organisations have vouched for it before a ballot opens.",
		example: `  charter --as labB-user1 member vouch --member labA-user2`,
	}, func(cmd *cobra.Command, id identity.Identity, _ string) error {
		return a.withGuard(cmd, func(ctx context.Context, g guardAPI) error {
			v, err := g.Vouch(ctx, id)
			return printResult(a, v, err)
		})
	})
}

func (a *app) memberUnvouchCmd() *cobra.Command {
	return a.memberRefCmd(memberRefSpec{
		use:   "unvouch (--profile NAME | --cert FILE --msp MSP | --id ID --msp MSP)",
		short: "Withdraw the acting profile's vouch for a member",
		long: "Withdraw the acting profile's vouch for a member. Ballots that opened before the\n" +
			"withdrawal keep counting it; ballots that open afterwards do not. A withdrawn vouch\n" +
			"is not given again.",
		example: `  charter --as labB-user1 member unvouch --profile labA-user2`,
	}, func(cmd *cobra.Command, id identity.Identity, _ string) error {
		return a.withGuard(cmd, func(ctx context.Context, g guardAPI) error {
			v, err := g.Unvouch(ctx, id)
			return printResult(a, v, err)
		})
	})
}

func (a *app) memberVouchesCmd() *cobra.Command {
	return a.memberRefCmd(memberRefSpec{
		use:     "vouches (--member PROFILE | --cert FILE [--msp MSP] | --msp MSP --id ID)",
		short:   "List the vouches for a member",
		long:    "List the vouches for a member.",
		example: "  charter member vouches --member labA-user2",
	}, func(cmd *cobra.Command, id identity.Identity, _ string) error {
		return a.withGuard(cmd, func(ctx context.Context, g guardAPI) error {
			vs, err := g.Vouches(ctx, id)
			return printResult(a, vs, err)
		})
	})
}

// guardText renders the pause and vouch types.
func guardText(w *bytes.Buffer, v any) error {
	switch v := v.(type) {
	case *ballot.PauseResult:
		kv := newKV(w)
		kv.add("ballot", v.Support.Ballot)
		kv.add("supporters", fmt.Sprintf("%d of %d guardians, %d of %d organisations", v.Supporters, v.Required, v.Organisations, v.RequiredOrgs))
		if v.InForce && v.Ballot != nil && v.Ballot.Pause != nil {
			kv.add("pause", fmt.Sprintf("in force until %s; voting now ends %s", timeText(v.Ballot.Pause.Until), timeText(v.Ballot.EndsAt)))
		} else {
			kv.add("pause", "not in force: more guardians must support it")
		}
		return kv.flush()
	case []ballot.PauseSupport:
		if len(v) == 0 {
			w.WriteString("no guardian supports a pause\n")
			return nil
		}
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "GUARDIAN\tAT\tREASON")
		for _, p := range v {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", actor(p.Guardian), timeText(p.At), p.Reason)
		}
		return tw.Flush()
	case *vouch.Vouch:
		kv := newKV(w)
		kv.add("member", actor(v.Member))
		kv.add("vouched by", actor(v.Voucher))
		kv.add("at", timeText(v.At))
		if v.WithdrawnAt != nil {
			kv.add("withdrawn at", timeText(*v.WithdrawnAt))
		}
		return kv.flush()
	case []vouch.Vouch:
		if len(v) == 0 {
			w.WriteString("no vouches\n")
			return nil
		}
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "VOUCHED BY\tAT\tWITHDRAWN")
		for _, x := range v {
			withdrawn := "-"
			if x.WithdrawnAt != nil {
				withdrawn = timeText(*x.WithdrawnAt)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\n", actor(x.Voucher), timeText(x.At), withdrawn)
		}
		return tw.Flush()
	}
	return errNoTextForm
}

// orgCapText says what the organisation cap did to a result.
func orgCapText(c *ballot.OrgCap) string {
	ws := make([]string, len(c.Weights))
	for i, w := range c.Weights {
		ws[i] = w.MSPID + " " + w.Weight
	}
	s := fmt.Sprintf("%s; weights %s", bpsText(c.CapBps), strings.Join(ws, ", "))
	if c.Capped == "" {
		return s + "; nobody over the cap"
	}
	return s + "; " + c.Capped + " capped to " + c.CappedWeight
}

func bpsText(v int64) string { return fmt.Sprintf("%d.%02d %%", v/100, v%100) }
