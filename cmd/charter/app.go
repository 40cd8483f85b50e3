package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/genesis"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/membership"
	charter "github.com/charter-gov/charter/gateway-client"
)

// Defaults of the global flags, and the environment variables that stand
// in for them.
const (
	defaultTimeout = 30 * time.Second
	envProfile     = "CHARTER_PROFILE"
	envProfiles    = "CHARTER_PROFILES"
)

// gatewayAPI is what the commands use of a *charter.Client.
type gatewayAPI interface {
	Whoami(ctx context.Context) (*membership.WhoAmI, error)
	Constitution(ctx context.Context) (*constitution.Version, error)
	ConstitutionVersion(ctx context.Context, version int64) (*constitution.Version, error)
	ConstitutionHistory(ctx context.Context) ([]constitution.VersionSummary, error)
	ProposeGenesis(ctx context.Context, g genesis.Genesis) (*genesis.Proposal, error)
	ApproveGenesis(ctx context.Context, hash string) (*genesis.ApprovalResult, error)
	Genesis(ctx context.Context) (*genesis.Status, error)
	DefaultConstitution(ctx context.Context) (*constitution.Document, error)
	RegisterMember(ctx context.Context, req membership.RegisterRequest) (*membership.Member, error)
	UpdateMember(ctx context.Context, req membership.UpdateRequest) (*membership.Member, error)
	RemoveMember(ctx context.Context, req membership.RemoveRequest) (*membership.Member, error)
	Member(ctx context.Context, id identity.Identity) (*membership.Member, error)
	Members(ctx context.Context, q charter.MemberQuery) ([]membership.Member, error)
	WatchEvents(ctx context.Context, opts charter.WatchOptions) (<-chan charter.Event, error)
	Close() error
}

var _ gatewayAPI = (*charter.Client)(nil)

// env is what the program reads from its surroundings, passed in so that
// tests can drive the CLI in-process.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	getwd          func() (string, error)
	// userConfigDir is os.UserConfigDir: the CLI's own settings live in
	// its charter/ subdirectory (see userconfig.go).
	userConfigDir func() (string, error)
	connect       func(ctx context.Context, cfg charter.Config) (gatewayAPI, error)
}

func osEnv(stdout, stderr io.Writer) env {
	return env{
		stdin:  os.Stdin,
		stdout: stdout,
		stderr: stderr,
		getenv: os.Getenv,
		getwd:  os.Getwd,

		userConfigDir: os.UserConfigDir,
		connect: func(ctx context.Context, cfg charter.Config) (gatewayAPI, error) {
			return charter.Connect(ctx, cfg)
		},
	}
}

// app holds one invocation: its surroundings and its global flags.
type app struct {
	env
	as           string // --as, resolved by actingProfile
	asSource     string // where the acting profile came from, for messages
	profilesPath string
	output       string
	timeout      time.Duration
	debug        bool

	logger       *slog.Logger
	profiles     *charter.Profiles // loaded on first use
	profilesFile string            // the file profiles came from
	started      bool              // flags parsed, a command began to run
}

// run executes the command line args and returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return runWith(ctx, osEnv(stdout, stderr), args)
}

func runWith(ctx context.Context, e env, args []string) int {
	a := &app{env: e}
	// A logger before any flag is read: shell completion runs no
	// PersistentPreRunE.
	a.logger = slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	root := a.rootCmd()
	root.SetArgs(args)
	root.SetOut(e.stdout)
	root.SetErr(e.stderr)
	cmd, err := root.ExecuteContextC(ctx)
	if err != nil && !a.started {
		// Cobra failed before the command's RunE began: unknown command
		// or flag, wrong number of arguments, a required flag missing or
		// flags that exclude each other.
		var ue *usageError
		if !errors.As(err, &ue) {
			err = &usageError{msg: err.Error()}
		}
	}
	if err != nil && charter.CodeOf(err) == charter.CodeForbidden && a.asSource != "" && a.asSource != "--as" {
		// The identity decides what is allowed: say which one acted when
		// it was not named on the command line.
		err = fmt.Errorf("%w (acted as profile %q, from %s)", err, a.as, a.asSource)
	}
	return report(e.stderr, err, reportOptions{json: a.output == "json", cmd: cmd})
}

func (a *app) rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "charter",
		Short: "Charter: governance of an open-source AI community on Hyperledger Fabric",
		Long: `charter runs Charter operations against a Charter network as one of the
network's user profiles.

The acting profile (whose certificate signs) is --as, else $CHARTER_PROFILE,
else the default saved by 'charter profile use NAME' in the user's config
directory; there is no built-in default. Profiles come from the network's
profiles.json: --profiles-file, else $CHARTER_PROFILES, else the first
.charter/network/profiles.json found in the working directory or one of its
parents, else the file saved by 'charter profile use'.

Exit codes: 0 success; 1 other failure; 2 usage error or INVALID_ARGUMENT;
3 FORBIDDEN; 4 NOT_FOUND; 5 CONFLICT; 6 FAILED_PRECONDITION; 7 UNKNOWN_OUTCOME
or ORDERING_UNAVAILABLE (the transaction may or may not have committed: look
it up with 'charter tx status TXID' before trying again); 8 UNAVAILABLE or
DEADLINE_EXCEEDED.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Example: `  charter profile list
  charter --as labA-user1 whoami
  export CHARTER_PROFILE=labA-user1; charter ballot list
  charter -o json decision show d0001 | jq .status`,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			return a.setup()
		},
	}
	pf := root.PersistentFlags()
	pf.StringVar(&a.as, "as", "", "profile to act as (default $"+envProfile+", else the saved default: charter profile use)")
	pf.StringVar(&a.profilesPath, "profiles-file", a.getenv(envProfiles), "profiles file ($"+envProfiles+"; default: nearest "+charter.ProfilesFile+")")
	pf.StringVarP(&a.output, "output", "o", "text", "output format: text or json")
	pf.DurationVar(&a.timeout, "timeout", defaultTimeout, "time limit of the whole operation (for events watch: of connecting)")
	pf.BoolVar(&a.debug, "debug", false, "log debug messages to stderr")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &usageError{msg: err.Error()} })
	_ = root.RegisterFlagCompletionFunc("as", a.completeProfiles)

	root.AddCommand(a.whoamiCmd(), a.constitutionCmd(), a.memberCmd(), a.eventsCmd())
	root.AddCommand(a.reputationCmd(), a.txCmd())
	root.AddCommand(a.decisionCmd(), a.coiCmd(), a.upgradeCmd())
	a.addConstitutionAmendCmds(root)
	root.AddCommand(a.ballotCmd(), a.tokenCmd(), a.delegateCmd())
	root.AddCommand(a.roundCmd())
	root.AddCommand(a.treasuryCmd(), a.artifactCmd(), a.guardianCmd())
	root.AddCommand(a.metricsCmd(), a.incidentCmd(), a.simulateCmd())
	root.AddCommand(a.auditCmd())
	root.AddCommand(a.serveCmd())
	root.AddCommand(a.profileCmd(), a.versionCmd())
	root.AddCommand(a.benchCmd())
	a.applyConventions(root)
	return root
}

// setup checks the global flags.
func (a *app) setup() error {
	if a.output != "text" && a.output != "json" {
		return usagef("--output %q: want text or json", a.output)
	}
	if a.timeout <= 0 {
		return usagef("--timeout %s: want a positive duration", a.timeout)
	}
	if a.as != "" && strings.TrimSpace(a.as) == "" {
		return usagef("--as: profile name is empty")
	}
	level := slog.LevelWarn
	if a.debug {
		level = slog.LevelDebug
	}
	a.logger = slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: level}))
	return nil
}

// out returns the formatter of the chosen output format.
func (a *app) out() formatter { return formatter{w: a.stdout, json: a.output == "json"} }

// loadProfiles reads the profiles file once.
func (a *app) loadProfiles() (*charter.Profiles, error) {
	if a.profiles != nil {
		return a.profiles, nil
	}
	path := a.profilesPath
	if path == "" {
		wd, err := a.getwd()
		if err != nil {
			return nil, fmt.Errorf("working directory: %w", err)
		}
		found, err := charter.FindProfiles(wd)
		if err != nil {
			uc, ucErr := a.readUserConfig()
			if ucErr != nil {
				return nil, ucErr
			}
			if uc.ProfilesFile == "" {
				return nil, fmt.Errorf("%w (start a network, pass --profiles-file or set $%s)", err, envProfiles)
			}
			found = uc.ProfilesFile
		}
		path = found
	}
	p, err := charter.LoadProfiles(path)
	if err != nil {
		return nil, err
	}
	a.logger.Debug("loaded profiles", "path", path)
	a.profiles, a.profilesFile = p, path
	return p, nil
}

// loadProfilesPath is loadProfiles that also returns the file's path.
func (a *app) loadProfilesPath() (*charter.Profiles, string, error) {
	p, err := a.loadProfiles()
	return p, a.profilesFile, err
}

// actingProfile resolves the acting profile's name, once: --as, else
// $CHARTER_PROFILE, else the user config's default. There is no built-in
// default: with none of them it is a usage error naming the three ways.
func (a *app) actingProfile() (string, error) {
	if a.asSource != "" {
		return a.as, nil
	}
	switch {
	case a.as != "":
		a.asSource = "--as"
	case a.getenv(envProfile) != "":
		a.as, a.asSource = a.getenv(envProfile), "$"+envProfile
	default:
		uc, err := a.readUserConfig()
		if err != nil {
			return "", err
		}
		if uc.Profile == "" {
			hint := ""
			if p, err := a.loadProfiles(); err == nil {
				hint = " (profiles: " + strings.Join(p.Names(), ", ") + ")"
			}
			return "", usagef("no acting profile: pass --as NAME, set $%s, or save a default with 'charter profile use NAME'%s", envProfile, hint)
		}
		a.as, a.asSource = uc.Profile, uc.path
	}
	a.logger.Debug("acting profile", "profile", a.as, "from", a.asSource)
	return a.as, nil
}

// config returns the connection configuration of the acting profile.
func (a *app) config() (charter.Config, error) {
	name, err := a.actingProfile()
	if err != nil {
		return charter.Config{}, err
	}
	p, err := a.loadProfiles()
	if err != nil {
		return charter.Config{}, err
	}
	cfg, err := p.Config(name)
	if err != nil {
		flag := "--as"
		if a.asSource != "--as" {
			flag = "profile from " + a.asSource
		}
		return charter.Config{}, usagef("%s: %v", flag, err)
	}
	cfg.Logger = a.logger
	return cfg, nil
}

// withClient connects as the --as profile, runs fn within --timeout, and
// closes the connection.
func (a *app) withClient(cmd *cobra.Command, fn func(ctx context.Context, c gatewayAPI) error) error {
	cfg, err := a.config()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(cmd.Context(), a.timeout)
	defer cancel()
	return a.connectAndRun(ctx, cfg, fn)
}

func (a *app) connectAndRun(ctx context.Context, cfg charter.Config, fn func(ctx context.Context, c gatewayAPI) error) error {
	a.logger.Debug("connecting", "profile", a.as, "peer", cfg.PeerEndpoint, "msp", cfg.MSPID)
	c, err := a.connect(ctx, cfg)
	if err != nil {
		return err
	}
	defer func() {
		if err := c.Close(); err != nil {
			a.logger.Warn("closing connection", "err", err)
		}
	}()
	return fn(ctx, c)
}
