package test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hyperledger/fabric-protos-go-apiv2/gateway"
	"google.golang.org/grpc/status"

	"github.com/charter-gov/charter/chaincode/errcode"
	charter "github.com/charter-gov/charter/gateway-client"
)

// net is the network under test, shared by every test in the package.
var net *network

type network struct {
	root     string
	stateDir string
	reused   bool
	profiles *charter.Profiles

	mu      sync.Mutex
	clients map[string]*charter.Client
}

func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(filepath.Dir(file))
}

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	root := repoRoot()
	reuse := os.Getenv("CHARTER_REUSE_NETWORK") == "1"
	if !reuse {
		for _, script := range []string{"clean.sh", "up.sh"} {
			if err := script_(root, script); err != nil {
				fmt.Fprintf(os.Stderr, "integration: %s failed: %v\n", script, err)
				_ = script_(root, "down.sh")
				return 1
			}
		}
		defer func() {
			if err := script_(root, "down.sh"); err != nil {
				fmt.Fprintf(os.Stderr, "integration: down.sh failed: %v\n", err)
			}
		}()
	}
	stateDir := os.Getenv("CHARTER_STATE_DIR")
	if stateDir == "" {
		stateDir = filepath.Join(root, ".charter", "network")
	}
	profiles, err := charter.LoadProfiles(filepath.Join(stateDir, "profiles.json"))
	if err != nil {
		fmt.Fprintf(os.Stderr, "integration: %v (is the network up?)\n", err)
		return 1
	}
	net = &network{root: root, stateDir: stateDir, reused: reuse, profiles: profiles, clients: map[string]*charter.Client{}}
	defer net.close()
	if err := net.initConstitution(); err != nil {
		fmt.Fprintf(os.Stderr, "integration: %v\n", err)
		return 1
	}
	return m.Run()
}

func script_(root, name string) error {
	cmd := exec.Command("bash", filepath.Join(root, "network", name))
	cmd.Dir = root
	// the tests use the calibration chaincode (BenchPut) next to Charter's
	cmd.Env = append(os.Environ(), "CHARTER_BENCH=1")
	cmd.Stdout = os.Stderr
	cmd.Stderr = os.Stderr
	start := time.Now()
	err := cmd.Run()
	slog.Info("network script", "script", name, "seconds", time.Since(start).Seconds(), "err", err)
	return err
}

// client returns a connected client for a profile (cached).
func (n *network) client(t testing.TB, profile string) *charter.Client {
	t.Helper()
	c, err := n.connect(profile)
	if err != nil {
		t.Fatalf("connect as %s: %v", profile, err)
	}
	return c
}

func (n *network) connect(profile string) (*charter.Client, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if c, ok := n.clients[profile]; ok {
		return c, nil
	}
	cfg, err := n.profiles.Config(profile)
	if err != nil {
		return nil, err
	}
	// The shared clients stay on their own organisation's peer, so that
	// reading the state through each of them reads each peer's state.
	cfg.Fallbacks = nil
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := charter.Connect(ctx, cfg)
	if err != nil {
		return nil, err
	}
	n.clients[profile] = c
	return c, nil
}

func (n *network) close() {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, c := range n.clients {
		_ = c.Close()
	}
}

// initConstitution adopts the integration-test constitution (the default
// with periods of seconds, testConstitution) unless one is in force
// already (a reused network).
func (n *network) initConstitution() error {
	c, err := n.connect("foundation-admin")
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	doc := testConstitution() // periods of seconds: see decision_test.go
	_, err = c.InitConstitution(ctx, &doc)
	if err != nil && !errors.Is(err, charter.ErrConflict) {
		return fmt.Errorf("initialise constitution: %w", err)
	}
	return nil
}

// orgAdmins and orgUsers name one profile per organisation.
var (
	orgProfiles = []string{"foundation", "labA", "labB"}
	mspOf       = map[string]string{"foundation": "FoundationMSP", "labA": "LabAMSP", "labB": "LabBMSP"}
)

func ctxFor(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// wireText gathers an error's text and every peer's detail message, where
// Charter's error codes travel.
func wireText(err error) string {
	if err == nil {
		return ""
	}
	parts := []string{err.Error()}
	var ge interface{ GRPCStatus() *status.Status }
	if errors.As(err, &ge) {
		for _, d := range ge.GRPCStatus().Details() {
			if detail, ok := d.(*gateway.ErrorDetail); ok {
				parts = append(parts, detail.GetMessage())
			}
		}
	}
	return strings.Join(parts, " | ")
}

// codeOf extracts the Charter code from any error the network returned.
func codeOf(err error) errcode.Code {
	if c := charter.CodeOf(err); c.Sentinel() != nil && c != errcode.Internal {
		return c
	}
	if e, ok := errcode.Decode(wireText(err)); ok {
		return e.Code
	}
	return ""
}
