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

// Defaults of the global flags.
const (
	defaultProfile = "foundation-admin"
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
	connect        func(ctx context.Context, cfg charter.Config) (gatewayAPI, error)
}

func osEnv(stdout, stderr io.Writer) env {
	return env{
		stdin:  os.Stdin,
		stdout: stdout,
		stderr: stderr,
		getenv: os.Getenv,
		getwd:  os.Getwd,
		connect: func(ctx context.Context, cfg charter.Config) (gatewayAPI, error) {
			return charter.Connect(ctx, cfg)
		},
	}
}

// app holds one invocation: its surroundings and its global flags.
type app struct {
	env
	as           string
	profilesPath string
	output       string
	timeout      time.Duration
	debug        bool

	logger   *slog.Logger
	profiles *charter.Profiles // loaded on first use
	started  bool              // flags parsed, a command began to run
}

// run executes the command line args and returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return runWith(ctx, osEnv(stdout, stderr), args)
}

func runWith(ctx context.Context, e env, args []string) int {
	a := &app{env: e}
	root := a.rootCmd()
	root.SetArgs(args)
	root.SetOut(e.stdout)
	root.SetErr(e.stderr)
	err := root.ExecuteContext(ctx)
	if err != nil && !a.started {
		// Cobra failed before any command ran: unknown command or flag,
		// wrong number of arguments.
		var ue *usageError
		if !errors.As(err, &ue) {
			err = &usageError{msg: err.Error()}
		}
	}
	return report(e.stderr, err)
}

func (a *app) rootCmd() *cobra.Command {
	profile := a.getenv(envProfile)
	if profile == "" {
		profile = defaultProfile
	}
	root := &cobra.Command{
		Use:   "charter",
		Short: "Charter: governance of an open-source AI community on Hyperledger Fabric",
		Long: `charter runs Charter operations against a Charter network as one of the
network's user profiles.

Profiles come from the network's profiles.json: --profiles, else
$CHARTER_PROFILES, else the first .charter/network/profiles.json found in the
working directory or one of its parents.

Exit codes: 0 success; 1 other failure; 2 usage error or INVALID_ARGUMENT;
3 FORBIDDEN; 4 NOT_FOUND; 5 CONFLICT; 6 FAILED_PRECONDITION; 7 UNKNOWN_OUTCOME
(the transaction may or may not have committed); 8 UNAVAILABLE or
DEADLINE_EXCEEDED.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			a.started = true
			return a.setup()
		},
	}
	pf := root.PersistentFlags()
	pf.StringVar(&a.as, "as", profile, "profile to act as ($"+envProfile+")")
	pf.StringVar(&a.profilesPath, "profiles", a.getenv(envProfiles), "profiles file ($"+envProfiles+"; default: nearest "+charter.ProfilesFile+")")
	pf.StringVarP(&a.output, "output", "o", "text", "output format: text or json")
	pf.DurationVar(&a.timeout, "timeout", defaultTimeout, "time limit of the whole operation (for events watch: of connecting)")
	pf.BoolVar(&a.debug, "debug", false, "log debug messages to stderr")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &usageError{msg: err.Error()} })
	root.CompletionOptions.DisableDefaultCmd = true

	root.AddCommand(a.whoamiCmd(), a.constitutionCmd(), a.memberCmd(), a.eventsCmd())
	root.AddCommand(a.reputationCmd(), a.txCmd())
	root.AddCommand(a.decisionCmd(), a.coiCmd())
	a.addConstitutionAmendCmds(root)
	root.AddCommand(a.ballotCmd(), a.tokenCmd(), a.delegateCmd())
	root.AddCommand(a.roundCmd())
	root.AddCommand(a.treasuryCmd(), a.artifactCmd(), a.guardianCmd())
	root.AddCommand(a.metricsCmd(), a.incidentCmd(), a.simulateCmd())
	root.AddCommand(a.auditCmd())
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
	if strings.TrimSpace(a.as) == "" {
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
		if path, err = charter.FindProfiles(wd); err != nil {
			return nil, fmt.Errorf("%w (start a network or pass --profiles)", err)
		}
	}
	p, err := charter.LoadProfiles(path)
	if err != nil {
		return nil, err
	}
	a.logger.Debug("loaded profiles", "path", path)
	a.profiles = p
	return p, nil
}

// config returns the connection configuration of the --as profile.
func (a *app) config() (charter.Config, error) {
	p, err := a.loadProfiles()
	if err != nil {
		return charter.Config{}, err
	}
	cfg, err := p.Config(a.as)
	if err != nil {
		return charter.Config{}, usagef("--as: %v", err)
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
