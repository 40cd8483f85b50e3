package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/charter-gov/charter/chaincode/artifact"
	"github.com/charter-gov/charter/chaincode/coi"
	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/decision"
	"github.com/charter-gov/charter/chaincode/emergency"
	charter "github.com/charter-gov/charter/gateway-client"
)

// registryAPI is the artifact registry and the guardian council.
type registryAPI interface {
	RegisterArtifact(ctx context.Context, req artifact.RegisterRequest) (*artifact.Artifact, error)
	AttestArtifact(ctx context.Context, req artifact.AttestRequest) (*artifact.Attestation, error)
	ArtifactStatus(ctx context.Context, r artifact.Ref) (*artifact.Status, error)
	ArtifactLineage(ctx context.Context, req artifact.LineageRequest) (*artifact.Lineage, error)
	ListArtifacts(ctx context.Context, req artifact.ListRequest) (*artifact.ListPage, error)
	ArtifactAttestations(ctx context.Context, r artifact.Ref) (*charter.ArtifactAttestations, error)
	ProposeDecision(ctx context.Context, req decision.ProposeRequest) (*decision.Decision, error)
	VerifyFile(ctx context.Context, path string, r artifact.Ref, use string, progress func(done int64)) (*charter.Verification, error)
	GuardianPause(ctx context.Context, req emergency.PauseRequest) (*charter.GuardianPauseResult, error)
	GuardianDisclose(ctx context.Context, req emergency.DiscloseRequest) (*emergency.Pause, error)
	RecordMissedDisclosure(ctx context.Context, t emergency.Target, seq int64) (*emergency.Incident, error)
	GuardianStatus(ctx context.Context, t emergency.Target) (*emergency.Status, error)
	GuardianIncidents(ctx context.Context, pageSize int, bookmark string) (*charter.IncidentPage, error)
}

var _ registryAPI = (*charter.Client)(nil)

func (a *app) withRegistry(cmd *cobra.Command, fn func(ctx context.Context, r registryAPI) error) error {
	return withAPI(a, cmd, "registry operations", fn)
}

func oneRef(cmd *cobra.Command, args []string) error {
	if len(args) != 1 || !strings.Contains(args[0], "@") {
		return usagef("%s takes one argument: the artifact as NAME@VERSION", cmd.CommandPath())
	}
	return nil
}

func parseRef(s string) (artifact.Ref, error) {
	r, err := artifact.ParseRef(s)
	if err != nil {
		return r, usagef("%v", err)
	}
	return r, nil
}

func (a *app) artifactCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "artifact",
		Short: "The artifact registry: register, attest, promote, take down, verify a download",
		Long: `The artifact registry: hash-anchored versions of model weights, datasets,
training recipes, evaluation baselines, licence texts and model cards, with
provenance links, attestations (exported as in-toto Statements), release stages
(research_only → non_commercial → general) decided by House A, and takedowns.`,
	}
	cmd.AddCommand(a.artifactRegisterCmd(), a.artifactShowCmd(), a.artifactLineageCmd(), a.artifactAttestCmd(),
		a.artifactPromoteCmd(), a.artifactTakedownCmd(), a.artifactListCmd(), a.artifactVerifyCmd(), a.artifactExportCmd())
	return cmd
}

func (a *app) artifactRegisterCmd() *cobra.Command {
	var req artifact.RegisterRequest
	var kind, file string
	var parents []string
	cmd := &cobra.Command{
		Use:   "register --kind KIND --name NAME --version V (--sha256 HEX --size N | --file FILE) --licence SPDX [--parent NAME@V]...",
		Short: "Register an artifact version (you are its publisher); versions are never overwritten",
		Example: `  charter --as labA-user1 artifact register --kind model_weights --name llama-x --version 1.0 \
      --file weights.safetensors --licence Apache-2.0 --parent corpus@1 --parent recipe@1 \
      --location https://models.example/llama-x-1.0`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			req.Kind = artifact.Kind(kind)
			if file != "" {
				sum, n, err := charter.HashFile(file, nil)
				if err != nil {
					return usagef("--file %s: %v", file, err)
				}
				req.SHA256, req.Size = sum, n
			}
			for _, p := range parents {
				r, err := parseRef(p)
				if err != nil {
					return err
				}
				req.Parents = append(req.Parents, r)
			}
			return a.withRegistry(cmd, func(ctx context.Context, r registryAPI) error {
				out, err := r.RegisterArtifact(ctx, req)
				return printResult(a, out, err)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&kind, "kind", "", "model_weights, dataset, training_recipe, evaluation_baseline, licence_text or model_card")
	f.StringVar(&req.Name, "name", "", "artifact name")
	f.StringVar(&req.Version, "version", "", "version")
	f.StringVar(&req.SHA256, "sha256", "", "content SHA-256 (64 lowercase hex); or --file")
	f.Int64Var(&req.Size, "size", 0, "size in bytes; or --file")
	f.StringVar(&file, "file", "", "compute --sha256 and --size from this file")
	f.StringVar(&req.Licence, "licence", "", "SPDX licence expression")
	f.StringArrayVar(&parents, "parent", nil, "provenance link NAME@VERSION (repeatable)")
	f.StringArrayVar(&req.Locations, "location", nil, "where it can be fetched (URI, repeatable)")
	f.StringVar(&req.Description, "description", "", "description")
	return cmd
}

func (a *app) artifactShowCmd() *cobra.Command {
	return &cobra.Command{
		Use: "show NAME@VERSION", Short: "Show a version: stage, pause, takedowns, attestations, next checklist", Args: oneRef,
		Example: `  charter artifact show model-x@1.0.0`,
		RunE: func(cmd *cobra.Command, args []string) error {
			ref, err := parseRef(args[0])
			if err != nil {
				return err
			}
			return a.withRegistry(cmd, func(ctx context.Context, r registryAPI) error {
				st, err := r.ArtifactStatus(ctx, ref)
				return printResult(a, st, err)
			})
		},
	}
}

func (a *app) artifactLineageCmd() *cobra.Command {
	var req artifact.LineageRequest
	cmd := &cobra.Command{
		Use: "lineage NAME@VERSION [--direction up|down|both] [--depth N] [--limit N]", Short: "The provenance graph of a version, both ways", Args: oneRef,
		Example: `  charter artifact lineage model-x@1.0.0 --direction up --depth 3`,
		RunE: func(cmd *cobra.Command, args []string) error {
			ref, err := parseRef(args[0])
			if err != nil {
				return err
			}
			req.Artifact = ref
			return a.withRegistry(cmd, func(ctx context.Context, r registryAPI) error {
				l, err := r.ArtifactLineage(ctx, req)
				return printResult(a, l, err)
			})
		},
	}
	cmd.Flags().StringVar(&req.Direction, "direction", "both", "up (made from), down (made from it) or both")
	cmd.Flags().IntVar(&req.MaxDepth, "depth", 0, "at most this many hops (0: no bound)")
	cmd.Flags().IntVar(&req.Limit, "limit", 0, "at most this many versions (0: 10000)")
	return cmd
}

func (a *app) artifactAttestCmd() *cobra.Command {
	var req artifact.AttestRequest
	var typ, file, card string
	cmd := &cobra.Command{
		Use:   "attest NAME@VERSION --type TYPE [fields of the type]",
		Short: "Attest a reproduction, an evaluation, a red-team result, a licence review or a model card",
		Long: `Attest something about a version. Types and their fields:
  reproducibility  --digest HEX (or --file FILE you rebuilt) --builder URI
  evaluation       --benchmark NAME --metric NAME --value DECIMAL
  red_team         --score-bps N (0..10000, against the constitution's threshold)
  licence_review   --approved
  model_card       --model-card FILE (Markdown with YAML front matter)
The publisher never attests its own version; a reproduction comes from another
organisation; conflicted members are refused.`,
		Example: `  charter --as labB-user1 artifact attest llama-x@1.0 --type reproducibility --file rebuilt.safetensors --builder https://ci.labb.example`,
		Args:    oneRef,
		RunE: func(cmd *cobra.Command, args []string) error {
			ref, err := parseRef(args[0])
			if err != nil {
				return err
			}
			req.Artifact, req.Type = ref, artifact.AttestationType(typ)
			if file != "" {
				sum, _, err := charter.HashFile(file, nil)
				if err != nil {
					return usagef("--file %s: %v", file, err)
				}
				req.Digest = sum
			}
			if card != "" {
				raw, err := a.readFileArg("--model-card", card)
				if err != nil {
					return err
				}
				req.ModelCard = string(raw)
			}
			return a.withRegistry(cmd, func(ctx context.Context, r registryAPI) error {
				out, err := r.AttestArtifact(ctx, req)
				return printResult(a, out, err)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&typ, "type", "", "reproducibility, evaluation, red_team, licence_review or model_card")
	f.StringVar(&req.Digest, "digest", "", "reproducibility: the SHA-256 you got")
	f.StringVar(&file, "file", "", "reproducibility: compute --digest from this file")
	f.StringVar(&req.Builder, "builder", "", "reproducibility: the builder's ID (URI)")
	f.StringVar(&req.Benchmark, "benchmark", "", "evaluation: benchmark")
	f.StringVar(&req.Metric, "metric", "", "evaluation: metric")
	f.StringVar(&req.Value, "value", "", "evaluation: value (decimal)")
	f.Int64Var(&req.ScoreBps, "score-bps", 0, "red_team: score in basis points")
	f.BoolVar(&req.Approved, "approved", false, "licence_review: approve the licence")
	f.StringVar(&card, "model-card", "", "model_card: the card's file (- for standard input)")
	f.StringVar(&req.Evidence, "evidence", "", "a link or note")
	return cmd
}

func (a *app) proposeFor(cmd *cobra.Command, typ constitution.DecisionType, title string, ref artifact.Ref, payload any) error {
	raw, err := json.Marshal(payload)
	if err != nil {
		return err
	}
	s := coi.Subject{Kind: coi.KindArtifact, ID: ref.String()}
	return a.withRegistry(cmd, func(ctx context.Context, r registryAPI) error {
		d, err := r.ProposeDecision(ctx, decision.ProposeRequest{Type: typ, Title: title, Subject: &s, Payload: raw})
		return printResult(a, d, err)
	})
}

func (a *app) artifactPromoteCmd() *cobra.Command {
	var stage, title string
	cmd := &cobra.Command{
		Use:   "promote NAME@VERSION --stage STAGE [--title TEXT]",
		Short: "Propose a release_stage decision (House A): promote one stage with its checklist complete, or demote",
		Long: `Propose a release_stage decision moving a version to --stage: the next stage
(research_only → non_commercial → general), refused now and at execution if a
checklist item is missing, or any earlier stage (a demotion). House A decides;
'charter decision' votes, concludes and executes it.`,
		Example: `  charter --as labA-user1 artifact promote llama-x@1.0 --stage non_commercial`,
		Args:    oneRef,
		RunE: func(cmd *cobra.Command, args []string) error {
			ref, err := parseRef(args[0])
			if err != nil {
				return err
			}
			if title == "" {
				title = fmt.Sprintf("Release %s as %s", ref, stage)
			}
			return a.proposeFor(cmd, constitution.ReleaseStage, title, ref, artifact.StagePayload{Artifact: ref, Stage: stage})
		},
	}
	cmd.Flags().StringVar(&stage, "stage", "", "research_only, non_commercial or general")
	cmd.Flags().StringVar(&title, "title", "", "decision title")
	requireFlags(cmd, "stage")
	return cmd
}

func (a *app) artifactTakedownCmd() *cobra.Command {
	var reason, title string
	cmd := &cobra.Command{
		Use:     "takedown NAME@VERSION --reason TEXT [--title TEXT]",
		Example: `  charter --as foundation-user1 artifact takedown dataset-y@2.0 --reason "personal data found"`,
		Short:   "Propose a dataset_takedown decision (House A); executed, it marks every derived version affected",
		Args:    oneRef,
		RunE: func(cmd *cobra.Command, args []string) error {
			ref, err := parseRef(args[0])
			if err != nil {
				return err
			}
			if title == "" {
				title = "Take down " + ref.String()
			}
			return a.proposeFor(cmd, constitution.DatasetTakedown, title, ref, artifact.TakedownPayload{Dataset: ref, Reason: reason})
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why (required)")
	cmd.Flags().StringVar(&title, "title", "", "decision title")
	requireFlags(cmd, "reason")
	return cmd
}

func (a *app) artifactListCmd() *cobra.Command {
	var req artifact.ListRequest
	cmd := &cobra.Command{
		Use: "list [--name NAME | --sha256 HEX] [--limit N] [--bookmark B]", Short: "List registered versions, one page", Args: noArgs,
		Example: `  charter artifact list --name model-x
  charter artifact list --sha256 9f86d081884c7d65`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withRegistry(cmd, func(ctx context.Context, r registryAPI) error {
				p, err := r.ListArtifacts(ctx, req)
				return printResult(a, p, err)
			})
		},
	}
	cmd.Flags().StringVar(&req.Name, "name", "", "only this artifact's versions")
	cmd.Flags().StringVar(&req.SHA256, "sha256", "", "only versions with this digest")
	cmd.Flags().IntVar(&req.Limit, "limit", 0, "versions per page (0: default)")
	cmd.Flags().StringVar(&req.Bookmark, "bookmark", "", "the previous page's bookmark")
	return cmd
}

func (a *app) artifactExportCmd() *cobra.Command {
	return &cobra.Command{
		Use: "export NAME@VERSION", Short: "Print a version's attestations as in-toto Statements (one JSON per line)", Args: oneRef,
		Example: `  charter artifact export model-x@1.0.0 > model-x.intoto.jsonl`,
		RunE: func(cmd *cobra.Command, args []string) error {
			ref, err := parseRef(args[0])
			if err != nil {
				return err
			}
			return a.withRegistry(cmd, func(ctx context.Context, r registryAPI) error {
				out, err := r.ArtifactAttestations(ctx, ref)
				if err != nil {
					return err
				}
				return out.WriteInToto(a.stdout)
			})
		},
	}
}

// verifyFailed is verify's refusal: the report was printed; the exit code
// says why (not registered 4, digest mismatch 1, not released now 6).
type verifyFailed struct {
	code int
	msg  string
}

func (e *verifyFailed) Error() string { return e.msg }

func (a *app) artifactVerifyCmd() *cobra.Command {
	var name, version, use string
	var quiet bool
	cmd := &cobra.Command{
		Use:   "verify FILE --name NAME --version V [--use research|non_commercial|commercial]",
		Short: "Verify a downloaded file against the registry (exit 0 only if registered, matching and released for the use)",
		Long: `Stream FILE through SHA-256 (progress on standard error for large files) while
asking the ledger for the version's status, then report: registered or not,
digest match, stage, paused or taken down, licence and attestations.
Exit codes: 0 registered, matching and released for --use now; 4 not
registered; 1 digest mismatch; 6 registered and matching but not released for
that use now (paused, taken down, derived from a taken-down dataset, or an
earlier stage).`,
		Example: `  charter artifact verify llama-x-1.0.safetensors --name llama-x --version 1.0 --use commercial`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("%s takes one argument: the file", cmd.CommandPath())
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			ref := artifact.Ref{Name: name, Version: version}
			if err := ref.Validate(); err != nil {
				return usagef("--name and --version: %v", err)
			}
			fi, err := os.Stat(args[0])
			if err != nil {
				return usagef("%v", err)
			}
			progress := a.progress(args[0], fi.Size(), quiet)
			return a.withRegistry(cmd, func(ctx context.Context, r registryAPI) error {
				v, err := r.VerifyFile(ctx, args[0], ref, use, progress)
				if err != nil {
					return err
				}
				if err := a.out().print(v); err != nil {
					return err
				}
				switch {
				case v.OK:
					return nil
				case !v.Registered:
					return &verifyFailed{exitNotFound, v.Reason}
				case !v.Matches:
					return &verifyFailed{exitFailure, v.Reason}
				}
				return &verifyFailed{exitFailedPrecondition, v.Reason}
			})
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "artifact name")
	cmd.Flags().StringVar(&version, "version", "", "artifact version")
	cmd.Flags().StringVar(&use, "use", artifact.UseResearch, "research, non_commercial or commercial")
	cmd.Flags().BoolVar(&quiet, "quiet", false, "no progress")
	return cmd
}

// progress returns a progress reporter on standard error for files over
// 64 MiB: at most one line a second, and the last.
func (a *app) progress(name string, total int64, quiet bool) func(int64) {
	if quiet || total < 64<<20 {
		return nil
	}
	start, last := time.Now(), time.Time{}
	return func(done int64) {
		now := time.Now()
		if done < total && now.Sub(last) < time.Second {
			return
		}
		last = now
		secs := now.Sub(start).Seconds()
		rate := 0.0
		if secs > 0 {
			rate = float64(done) / secs / (1 << 20)
		}
		fmt.Fprintf(a.stderr, "hashing %s: %.1f / %.1f GiB (%d %%), %.0f MiB/s\n", name, float64(done)/(1<<30), float64(total)/(1<<30), done*100/total, rate)
	}
}

// guardianCmd is the guardian council's emergency power.
func (a *app) guardianCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "guardian",
		Short: "The guardian council: k-of-n time-boxed pauses, disclosures, status",
	}
	cmd.AddCommand(a.guardianPauseCmd(), a.guardianDiscloseCmd(), a.guardianStatusCmd(), a.guardianRecordMissedCmd(), a.guardianIncidentsCmd())
	return cmd
}

type targetFlags struct{ artifact, ballot, spend string }

func (t *targetFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringVar(&t.artifact, "artifact", "", "an artifact version NAME@VERSION")
	cmd.Flags().StringVar(&t.ballot, "ballot", "", "a ballot ID")
	cmd.Flags().StringVar(&t.spend, "treasury-spend", "", "a pending treasury action's ID")
}

func (t *targetFlags) target() (emergency.Target, error) {
	var out []emergency.Target
	if t.artifact != "" {
		if _, err := parseRef(t.artifact); err != nil {
			return emergency.Target{}, err
		}
		out = append(out, emergency.Target{Kind: emergency.KindArtifact, ID: t.artifact})
	}
	if t.ballot != "" {
		out = append(out, emergency.Target{Kind: emergency.KindBallot, ID: t.ballot})
	}
	if t.spend != "" {
		out = append(out, emergency.Target{Kind: emergency.KindTreasurySpend, ID: t.spend})
	}
	if len(out) != 1 {
		return emergency.Target{}, usagef("name exactly one target: --artifact, --ballot or --treasury-spend")
	}
	return out[0], nil
}

func (a *app) guardianPauseCmd() *cobra.Command {
	var t targetFlags
	var reason string
	cmd := &cobra.Command{
		Use:   "pause (--artifact NAME@V | --ballot ID | --treasury-spend ID) --reason TEXT",
		Short: "As a guardian, support pausing a target; the k-th support of enough organisations puts it in force",
		Long: `Record your support, as a guardian, for pausing an artifact's distribution, a
ballot or a pending treasury action. The pause comes into force when
emergency.guardiansToAct guardians of emergency.guardianOrgsToAct organisations
support it; it expires by itself (min(maxPauseSeconds, ratifyWithinSeconds),
longer only by an emergency_ratification decision of House A). The guardians
must publish a disclosure within emergency.disclosureWithinSeconds.`,
		Example: `  charter --as labA-guardian guardian pause --artifact llama-x@1.0 --reason "weights leak personal data"`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			tg, err := t.target()
			if err != nil {
				return err
			}
			return a.withRegistry(cmd, func(ctx context.Context, r registryAPI) error {
				out, err := r.GuardianPause(ctx, emergency.PauseRequest{Target: tg, Reason: reason})
				return printResult(a, out, err)
			})
		},
	}
	t.add(cmd)
	cmd.Flags().StringVar(&reason, "reason", "", "why (required)")
	requireFlags(cmd, "reason")
	return cmd
}

func (a *app) guardianDiscloseCmd() *cobra.Command {
	var t targetFlags
	var seq int64
	var text, file string
	cmd := &cobra.Command{
		Use:     "disclose (--artifact NAME@V | --ballot ID | --treasury-spend ID) --seq N (--text TEXT | --file FILE)",
		Example: `  charter --as foundation-user1 guardian disclose --ballot b0123456789abcdef --seq 1 --text "what we saw and why we paused"`,
		Short:   "As one of a pause's guardians, publish its post-hoc disclosure",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			tg, err := t.target()
			if err != nil {
				return err
			}
			if file != "" {
				raw, err := a.readFileArg("--file", file)
				if err != nil {
					return err
				}
				text = string(raw)
			}
			if strings.TrimSpace(text) == "" {
				return usagef("--text or --file is required")
			}
			return a.withRegistry(cmd, func(ctx context.Context, r registryAPI) error {
				p, err := r.GuardianDisclose(ctx, emergency.DiscloseRequest{Target: tg, Seq: seq, Text: text})
				return printResult(a, p, err)
			})
		},
	}
	t.add(cmd)
	cmd.Flags().Int64Var(&seq, "seq", 1, "the pause's sequence number (guardian status lists them)")
	cmd.Flags().StringVar(&text, "text", "", "the disclosure")
	cmd.Flags().StringVar(&file, "file", "", "read the disclosure from a file (- for standard input)")
	return cmd
}

func (a *app) guardianStatusCmd() *cobra.Command {
	var t targetFlags
	cmd := &cobra.Command{
		Use: "status (--artifact NAME@V | --ballot ID | --treasury-spend ID)", Short: "A target's pauses, supports and the pause in force now", Args: noArgs,
		Example: `  charter guardian status --artifact model-x@1.0.0`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			tg, err := t.target()
			if err != nil {
				return err
			}
			return a.withRegistry(cmd, func(ctx context.Context, r registryAPI) error {
				s, err := r.GuardianStatus(ctx, tg)
				return printResult(a, s, err)
			})
		},
	}
	t.add(cmd)
	return cmd
}

func (a *app) guardianRecordMissedCmd() *cobra.Command {
	var t targetFlags
	var seq int64
	cmd := &cobra.Command{
		Use: "record-missed-disclosure (--artifact NAME@V | --ballot ID | --treasury-spend ID) --seq N", Short: "Record the governance incident of a pause whose disclosure deadline passed", Args: noArgs,
		Example: `  charter guardian record-missed-disclosure --ballot b0123456789abcdef --seq 1`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			tg, err := t.target()
			if err != nil {
				return err
			}
			return a.withRegistry(cmd, func(ctx context.Context, r registryAPI) error {
				in, err := r.RecordMissedDisclosure(ctx, tg, seq)
				return printResult(a, in, err)
			})
		},
	}
	t.add(cmd)
	cmd.Flags().Int64Var(&seq, "seq", 1, "the pause's sequence number")
	return cmd
}

func (a *app) guardianIncidentsCmd() *cobra.Command {
	var limit int
	var bookmark string
	cmd := &cobra.Command{
		Use: "incidents [--limit N] [--bookmark B]", Short: "List the disclosure incidents recorded", Args: noArgs,
		Example: `  charter guardian incidents --limit 20`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withRegistry(cmd, func(ctx context.Context, r registryAPI) error {
				p, err := r.GuardianIncidents(ctx, limit, bookmark)
				return printResult(a, p, err)
			})
		},
	}
	cmd.Flags().IntVar(&limit, "limit", 0, "incidents per page")
	cmd.Flags().StringVar(&bookmark, "bookmark", "", "the previous page's bookmark")
	return cmd
}

// registryText renders the registry and guardian types.
func registryText(w *bytes.Buffer, v any) error {
	switch v := v.(type) {
	case *artifact.Artifact:
		kv := newKV(w)
		kv.add("artifact", v.Ref().String()+" ("+string(v.Kind)+")")
		kv.add("sha256", v.SHA256)
		kv.add("size", fmt.Sprintf("%d bytes", v.Size))
		kv.add("licence", v.Licence)
		kv.add("publisher", actor(v.Publisher))
		kv.add("registered", timeText(v.RegisteredAt))
		if len(v.Parents) > 0 {
			ps := make([]string, len(v.Parents))
			for i, p := range v.Parents {
				ps[i] = p.String()
			}
			kv.add("made from", strings.Join(ps, ", "))
		}
		return kv.flush()
	case *artifact.Status:
		if err := registryText(w, &v.Artifact); err != nil {
			return err
		}
		kv := newKV(w)
		kv.add("stage", v.Stage)
		if v.Pause != nil {
			kv.add("paused", fmt.Sprintf("yes, by %d guardians until %s", len(v.Pause.Guardians), timeText(v.Pause.EndsAt())))
		} else {
			kv.add("paused", "no")
		}
		if v.TakenDown != nil {
			kv.add("taken down", "by decision "+v.TakenDown.Decision+": "+v.TakenDown.Reason)
		}
		for _, x := range v.AffectedBy {
			kv.add("affected", "derived from "+x.Dataset.String()+", taken down by decision "+x.Decision)
		}
		kv.add("attestations", fmt.Sprintf("%d", len(v.Attestations)))
		for _, c := range v.Next {
			kv.add("to "+v.NextStage, fmt.Sprintf("%s: %s — %s", c.Item, map[bool]string{true: "met", false: "MISSING"}[c.Met], c.Detail))
		}
		return kv.flush()
	case *artifact.Attestation:
		kv := newKV(w)
		kv.add("attested", string(v.Type)+" of "+v.Artifact.String())
		kv.add("attester", actor(v.Attester))
		switch v.Type {
		case artifact.Reproducibility:
			kv.add("digest", fmt.Sprintf("%s (matches: %s)", v.Digest, yesNo(v.Matches)))
		case artifact.Evaluation:
			kv.add("result", v.Benchmark+" "+v.Metric+" = "+v.Value)
		case artifact.RedTeam:
			kv.add("score", fmt.Sprintf("%s (threshold %s)", bpsText(v.ScoreBps), bpsText(v.ThresholdBps)))
		case artifact.ModelCard:
			kv.add("complete", yesNo(v.Complete))
			if len(v.Missing) > 0 {
				kv.add("missing", strings.Join(v.Missing, "; "))
			}
		case artifact.LicenceReview:
			kv.add("approved", yesNo(v.Approved)+" ("+v.Licence+")")
		}
		return kv.flush()
	case *artifact.Lineage:
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "DEPTH\tARTIFACT\tKIND")
		for _, n := range v.Nodes {
			fmt.Fprintf(tw, "%d\t%s\t%s\n", n.Depth, n.Ref, n.Kind)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		fmt.Fprintf(w, "%d versions, %d links", len(v.Nodes), len(v.Edges))
		if v.Truncated {
			w.WriteString(" (truncated: raise --limit)")
		}
		w.WriteString("\n")
		return nil
	case *artifact.ListPage:
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ARTIFACT\tKIND\tLICENCE\tSHA256\tPUBLISHER")
		for _, x := range v.Artifacts {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", x.Ref(), x.Kind, x.Licence, x.SHA256[:16]+"…", actor(x.Publisher))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		if v.Bookmark != "" {
			fmt.Fprintf(w, "more: --bookmark %q\n", v.Bookmark)
		}
		return nil
	case *charter.Verification:
		kv := newKV(w)
		kv.add("file", v.File)
		kv.add("sha256", v.SHA256)
		kv.add("artifact", v.Artifact.String())
		kv.add("registered", yesNo(v.Registered))
		if v.Registered {
			kv.add("digest match", yesNo(v.Matches))
			st := v.Status
			kv.add("stage", st.Stage)
			kv.add("licence", st.Artifact.Licence)
			kv.add("paused", yesNo(st.Pause != nil))
			kv.add("taken down", yesNo(st.TakenDown != nil || len(st.AffectedBy) > 0))
			types := map[artifact.AttestationType]int{}
			for _, x := range st.Attestations {
				types[x.Type]++
			}
			var parts []string
			for _, t := range artifact.AttestationTypes() {
				if types[t] > 0 {
					parts = append(parts, fmt.Sprintf("%s %d", t, types[t]))
				}
			}
			kv.add("attestations", strings.Join(parts, ", "))
		}
		kv.add("use", v.Use)
		kv.add("verdict", map[bool]string{true: "OK: ", false: "FAIL: "}[v.OK]+v.Reason)
		return kv.flush()
	case *charter.GuardianPauseResult:
		kv := newKV(w)
		kv.add("target", v.Support.Target.String())
		kv.add("supporters", fmt.Sprintf("%d of %d guardians, %d of %d organisations", v.Supporters, v.Required, v.Organisations, v.RequiredOrgs))
		switch {
		case v.InForce && v.Pause != nil:
			kv.add("pause", fmt.Sprintf("%d in force until %s; disclosure due %s", v.Pause.Seq, timeText(v.Pause.EndsAt()), timeText(v.Pause.DisclosureDue)))
		case v.InForce:
			kv.add("pause", "in force")
		default:
			kv.add("pause", "not in force: more guardians must support it")
		}
		return kv.flush()
	case *emergency.Status:
		kv := newKV(w)
		kv.add("target", v.Target.String())
		if v.InForce != nil {
			kv.add("paused", fmt.Sprintf("yes (pause %d) until %s", v.InForce.Seq, timeText(v.InForce.EndsAt())))
		} else {
			kv.add("paused", "no")
		}
		for _, p := range v.Pauses {
			d := "disclosure due " + timeText(p.DisclosureDue)
			if p.Disclosure != nil {
				d = "disclosed " + timeText(p.Disclosure.At)
			}
			if p.Incident != nil {
				d += "; incident recorded"
			}
			kv.add(fmt.Sprintf("pause %d", p.Seq), fmt.Sprintf("%s → %s by %d guardians; %s", timeText(p.From), timeText(p.EndsAt()), len(p.Guardians), d))
		}
		kv.add("supports", fmt.Sprintf("%d", len(v.Supports)))
		return kv.flush()
	case *emergency.Pause:
		kv := newKV(w)
		kv.add("pause", fmt.Sprintf("%d of %s", v.Seq, v.Target))
		kv.add("until", timeText(v.EndsAt()))
		if v.Disclosure != nil {
			kv.add("disclosed", fmt.Sprintf("%s by %s (late: %s)", timeText(v.Disclosure.At), actor(v.Disclosure.By), yesNo(v.Disclosure.Late)))
		}
		return kv.flush()
	case *emergency.Incident:
		kv := newKV(w)
		kv.add("incident", fmt.Sprintf("pause %d of %s", v.Seq, v.Target))
		kv.add("rule", v.Rule)
		kv.add("due", timeText(v.Due))
		return kv.flush()
	case *charter.IncidentPage:
		if len(v.Incidents) == 0 {
			w.WriteString("no incidents\n")
			return nil
		}
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "TARGET\tPAUSE\tDUE\tRULE")
		for _, x := range v.Incidents {
			fmt.Fprintf(tw, "%s\t%d\t%s\t%s\n", x.Target, x.Seq, timeText(x.Due), x.Rule)
		}
		return tw.Flush()
	}
	return errNoTextForm
}
