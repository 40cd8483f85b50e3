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
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hyperledger/fabric-protos-go-apiv2/gateway"
	"google.golang.org/grpc/status"

	"github.com/charter-gov/charter/chaincode/contribution"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/genesis"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/membership"
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

// Founding members of the integration tests: the roles the tests need come
// from the genesis, as on a real consortium (organisation admins register
// plain members only).
var (
	// profileFounders are profiles of the network, with their roles.
	profileFounders = []struct {
		profile string
		roles   []membership.Role
	}{
		// The first House A seat; an attester in every organisation
		// (consortium_test).
		{"foundation-user2", []membership.Role{membership.RoleHouseA, membership.RoleAttester}},
		// The reputation tests' attesters (repAttesters), every category.
		{"labA-user1", []membership.Role{membership.RoleAttester}},
		{"labA-user2", []membership.Role{membership.RoleAttester}},
		{"labB-user1", []membership.Role{membership.RoleAttester}},
		{"labB-user2", []membership.Role{membership.RoleAttester}},
	}
	// issuedFounders are identities the harness issues certificates for
	// before the genesis (the decision tests' House A seats); foundingMember
	// connects as them.
	issuedFounders = []struct {
		org, cn string
		roles   []membership.Role
	}{
		{"foundation", "dec-seat1", []membership.Role{membership.RoleHouseA}},
		{"labA", "dec-seat2", []membership.Role{membership.RoleHouseA}},
		// The capture tests' treasurer (capture_test.go).
		{"labA", "cap-treasurer", []membership.Role{membership.RoleTreasurer}},
		// The funding-round tests' grants administrators (rounds_test.go).
		{"foundation", "rounds-admin", []membership.Role{membership.RoleGrantsAdmin}},
		{"labB", "rounds-admin2", []membership.Role{membership.RoleGrantsAdmin}},
		// The treasury tests' treasurers of the two other organisations
		// (treasury_test.go).
		{"foundation", "tres-fo", []membership.Role{membership.RoleTreasurer}},
		{"labB", "tres-b", []membership.Role{membership.RoleTreasurer}},
		// The registry test's guardians, of two organisations (registry_test.go).
		{"labA", "reg-guardian1", []membership.Role{membership.RoleGuardian}},
		{"labB", "reg-guardian2", []membership.Role{membership.RoleGuardian}},
	}
	// issuedAllocations are founding allocations of issued founders: the
	// funding-round tests pay their contributors from rounds-admin's.
	issuedAllocations = map[string]int64{"rounds-admin": 100_000}
	// genesisAllocation is the founding allocation of foundation-user2.
	genesisAllocation int64 = 1000
)

// foundersDir holds the certificates of issuedFounders.
func (n *network) foundersDir() string { return filepath.Join(n.stateDir, "test-founders") }

// testGenesis is the integration tests' genesis: the three organisations
// found the consortium with the short-period test constitution, the
// founding members above and one allocation. Certificates of the issued
// founders are (re)issued; their identities depend on subject and issuer
// only, so a reused network keeps recognising them.
func (n *network) testGenesis() (genesis.Genesis, error) {
	g := genesis.Genesis{Founders: []string{"FoundationMSP", "LabAMSP", "LabBMSP"}, Constitution: testConstitution()}
	for _, f := range profileFounders {
		p, err := n.profiles.Profile(f.profile)
		if err != nil {
			return g, err
		}
		pemBytes, err := os.ReadFile(p.CertPath)
		if err != nil {
			return g, err
		}
		id, err := identity.FromPEM(p.MSPID, pemBytes)
		if err != nil {
			return g, err
		}
		m := membership.FoundingMember{Member: id, Name: strings.Replace(f.profile, "-", " ", 1), Roles: f.roles}
		if slices.Contains(f.roles, membership.RoleAttester) {
			m.AttesterCategories = contribution.All()
		}
		g.Members = append(g.Members, m)
		if f.profile == "foundation-user2" {
			g.Allocations = append(g.Allocations, genesis.Allocation{To: id, Amount: genesisAllocation})
		}
	}
	if err := os.MkdirAll(n.foundersDir(), 0o700); err != nil {
		return g, err
	}
	for _, f := range issuedFounders {
		certPath, _, err := issueCert(n.profiles, f.org, f.cn, n.foundersDir())
		if err != nil {
			return g, fmt.Errorf("issue %s: %w", f.cn, err)
		}
		pemBytes, err := os.ReadFile(certPath)
		if err != nil {
			return g, err
		}
		id, err := identity.FromPEM(mspOf[f.org], pemBytes)
		if err != nil {
			return g, err
		}
		g.Members = append(g.Members, membership.FoundingMember{Member: id, Name: f.cn, Roles: f.roles})
		if amount := issuedAllocations[f.cn]; amount > 0 {
			g.Allocations = append(g.Allocations, genesis.Allocation{To: id, Amount: amount})
		}
	}
	return g, nil
}

// initConstitution plays the founding act unless a constitution is in
// force already (a reused network): the Foundation's admin proposes the
// test genesis, and every founding organisation's admin approves its hash.
func (n *network) initConstitution() error {
	g, err := n.testGenesis()
	if err != nil {
		return fmt.Errorf("test genesis: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	proposer, err := n.connect("foundation-admin")
	if err != nil {
		return err
	}
	st, err := proposer.Genesis(ctx)
	if err != nil {
		return fmt.Errorf("genesis status: %w", err)
	}
	if st.Adopted != nil {
		return nil
	}
	p, err := proposer.ProposeGenesis(ctx, g)
	if err != nil && !errors.Is(err, charter.ErrConflict) {
		return fmt.Errorf("propose genesis: %w", err)
	}
	hash, err := charter.GenesisHash(g)
	if err != nil {
		return err
	}
	if p != nil && p.Hash != hash {
		return fmt.Errorf("the chaincode hashes the genesis as %s, the client as %s", p.Hash, hash)
	}
	for _, org := range orgProfiles {
		c, err := n.connect(org + "-admin")
		if err != nil {
			return err
		}
		if _, err := c.ApproveGenesis(ctx, hash); err != nil && !errors.Is(err, charter.ErrConflict) {
			return fmt.Errorf("%s approves the genesis: %w", org, err)
		}
	}
	// The adoption committed on the last approver's peer; the tests start
	// once every peer has it (a peer without it refuses every transaction).
	for _, org := range orgProfiles {
		c, err := n.connect(org + "-user1")
		if err != nil {
			return err
		}
		for {
			if _, err := c.Constitution(ctx); err == nil {
				break
			} else if !errors.Is(err, charter.ErrFailedPrecondition) {
				return fmt.Errorf("%s's peer: %w", org, err)
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("%s's peer has not adopted the genesis: %w", org, ctx.Err())
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
	return nil
}

// orgAdmins and orgUsers name one profile per organisation.
var (
	orgProfiles = []string{"foundation", "labA", "labB"}
	mspOf       = map[string]string{"foundation": "FoundationMSP", "labA": "LabAMSP", "labB": "LabBMSP"}
)

func ctxFor(t testing.TB) context.Context {
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
