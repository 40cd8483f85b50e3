package main

// charter member enroll|revoke: a member enrolled and revoked through its
// organisation's own CA, the CA side and the ledger side together (the
// same steps as network/member.sh; docs/consortium.md).
//
// The CA side runs the fabric-ca-client binary that network/build-fabric.sh
// built from the pinned tools module network/fabric-ca (fabric-ca v1.5.13),
// with the organisation's registrar identity. Linking fabric-ca's Go
// library instead would pull fabric-ca's own dependency tree (cfssl, an
// older Fabric, the cgo SQLite driver of its server) into Charter's one
// module, beside fabric-gateway and fabric-config; the binary keeps the
// pin where it is and is the same tool an organisation's operator uses.
// The ledger side is this client's own member:Register and member:Remove.
// The channel side of a revocation (a config update putting the CRL into
// the organisation's MSP definition, signed by a majority of the
// organisations' admins with their MSPs and the peer CLI) is run by
// network/member.sh crl-update, where those admins' identities and the
// signing live.

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/membership"
)

// enrollmentIDPattern is what a CA enrollment ID may be: it becomes the
// certificate's CN and a folder name.
var enrollmentIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// checkEnrollmentID is the argument check of enroll and revoke.
func checkEnrollmentID(id string) error {
	if !enrollmentIDPattern.MatchString(id) {
		return usagef("enrollment ID %q: 1..64 of A-Z a-z 0-9 . _ - (starting with a letter or digit)", id)
	}
	if id == "registrar" {
		return usagef("enrollment ID %q is the CA's own registrar", id)
	}
	return nil
}

// orgCA is where an organisation's CA and its members' files are, read
// from the network.env next to the profiles file.
type orgCA struct {
	org, mspID string
	url        string // https://host:port
	name       string // the CA name (--caname)
	root       string // the CA's root certificate (TLS trust)
	home       string // the CA's folder: registrar.secret, registrar/msp, client/
	members    string // where enrolled members' folders go
	bin        string // fabric-ca-client
	netDir     string // the network's state folder
	repo       string // the checkout (network/member.sh)
	offset     string // CHARTER_PORT_OFFSET
}

func (c orgCA) registrarMSP() string { return filepath.Join(c.home, "registrar", "msp") }

// loadOrgCA reads the network.env of the profiles file's folder.
func (a *app) loadOrgCA(org, mspID string) (orgCA, error) {
	if _, err := a.loadProfiles(); err != nil {
		return orgCA{}, err
	}
	netDir := filepath.Dir(a.profilesFile)
	env, err := readNetworkEnv(filepath.Join(netDir, "network.env"))
	if err != nil {
		return orgCA{}, errcode.Preconditionf("member enrolment needs the network's environment next to the profiles file: %v", err)
	}
	O := strings.ToUpper(org)
	c := orgCA{org: org, mspID: mspID, netDir: netDir, repo: env["CHARTER_ROOT"], offset: env["CHARTER_PORT_OFFSET"],
		url: env["CHARTER_"+O+"_CA_URL"], root: env["CHARTER_"+O+"_CA_ROOT"], name: env["CHARTER_"+O+"_CA_NAME"],
		home: env["CHARTER_"+O+"_CA_HOME"], members: env["CHARTER_"+O+"_MEMBERS_DIR"]}
	if c.url == "" || c.root == "" {
		return orgCA{}, errcode.Preconditionf("the network names no CA for %s (CHARTER_%s_CA_URL in %s): network/up.sh starts one per organisation", org, O, filepath.Join(netDir, "network.env"))
	}
	// networks started before network.env named them: network/lib.sh's layout
	key := strings.ToLower(org)
	if c.name == "" {
		c.name = "ca-" + key
	}
	if c.home == "" {
		c.home = filepath.Join(netDir, "ca", key)
	}
	if c.members == "" {
		c.members = filepath.Join(netDir, "members", key)
	}
	c.bin = "fabric-ca-client"
	if b := env["CHARTER_BIN"]; b != "" {
		c.bin = filepath.Join(b, "fabric-ca-client")
	}
	return c, nil
}

// caClient runs fabric-ca-client against the organisation's CA over TLS
// and returns what it printed.
func (a *app) caClient(ctx context.Context, c orgCA, args ...string) (string, error) {
	args = append(args, "--caname", c.name, "--tls.certfiles", c.root, "--home", filepath.Join(c.home, "client"))
	cmd := exec.CommandContext(ctx, c.bin, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	a.logger.Debug("fabric-ca-client", "args", args)
	err := cmd.Run()
	if err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			return out.String(), fmt.Errorf("run %s: %w", c.bin, err)
		}
		return out.String(), errors.New(caError(out.String()))
	}
	return out.String(), nil
}

// caError is the CA's answer in one line (fabric-ca-client prints it after
// "Error:").
func caError(out string) string {
	msg := ""
	for _, line := range strings.Split(out, "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "Error: "); ok {
			msg = rest
		}
	}
	if msg == "" {
		msg = strings.TrimSpace(out)
	}
	return errcode.Clip(msg, 400)
}

// hostPort is the CA URL without its scheme.
func (c orgCA) hostPort() string {
	_, hp, ok := strings.Cut(c.url, "://")
	if !ok {
		return c.url
	}
	return hp
}

// ensureRegistrar enrolls the organisation's registrar (the CA's bootstrap
// identity) once, into its MSP folder.
func (a *app) ensureRegistrar(ctx context.Context, c orgCA) error {
	if _, err := os.Stat(filepath.Join(c.registrarMSP(), "signcerts", "cert.pem")); err == nil {
		return nil
	}
	secret, err := os.ReadFile(filepath.Join(c.home, "registrar.secret"))
	if err != nil {
		return errcode.Preconditionf("the %s registrar is not enrolled and its secret is unreadable: %v", c.org, err)
	}
	u := "https://registrar:" + strings.TrimSpace(string(secret)) + "@" + c.hostPort()
	if _, err := a.caClient(ctx, c, "enroll", "-u", u, "--mspdir", c.registrarMSP()); err != nil {
		return fmt.Errorf("the %s registrar cannot enroll at %s: %w", c.org, c.url, err)
	}
	return nil
}

// actingAdmin checks that the acting profile is an organisation admin
// (NodeOU admin) and returns its organisation and MSP ID: only an
// organisation's admin enrols and revokes its members, and only its own.
func (a *app) actingAdmin() (org, mspID string, err error) {
	cfg, err := a.config()
	if err != nil {
		return "", "", err
	}
	name, _ := a.actingProfile()
	p, err := a.loadProfiles()
	if err != nil {
		return "", "", err
	}
	prof := p.Profiles[name]
	raw, err := os.ReadFile(cfg.CertPath)
	if err != nil {
		return "", "", fmt.Errorf("the acting profile's certificate: %w", err)
	}
	cert, err := identity.ParsePEM(raw)
	if err != nil {
		return "", "", fmt.Errorf("the acting profile's certificate: %w", err)
	}
	if !identity.IsOrgAdmin(cert) {
		return "", "", errcode.Forbiddenf("member enrolment and revocation: %s is not an organisation admin (NodeOU admin); act as your organisation's admin (for example --as %s-admin)", name, strings.SplitN(name, "-", 2)[0])
	}
	if prof.Org == "" {
		return "", "", usagef("profile %s names no organisation", name)
	}
	return prof.Org, cfg.MSPID, nil
}

// enrolment is what member enroll prints.
type enrolment struct {
	Org          string             `json:"org"`
	MSPID        string             `json:"mspId"`
	EnrollmentID string             `json:"enrollmentId"`
	ID           string             `json:"id"`
	CertPath     string             `json:"certPath"`
	KeyPath      string             `json:"keyPath"`
	Member       *membership.Member `json:"member"`
}

// revocation is what member revoke prints.
type revocation struct {
	Org          string             `json:"org"`
	MSPID        string             `json:"mspId"`
	EnrollmentID string             `json:"enrollmentId"`
	ID           string             `json:"id"`
	ConfigBlock  uint64             `json:"configBlock"`
	CertPath     string             `json:"certPath"`
	Member       *membership.Member `json:"member"`
}

func (a *app) memberEnrollCmd() *cobra.Command {
	var name, registrarMSP string
	cmd := &cobra.Command{
		Use:   "enroll ID [--name NAME]",
		Short: "Enrol a member through the acting admin's organisation's CA and register it on the ledger",
		Long: `Enrol a plain member through the acting admin's organisation's own CA and register
them on the ledger, in one step (what network/member.sh enroll does):

  1. the organisation's registrar registers ID at its CA (type client, so the
     certificate carries the NodeOU "client"; attribute charter.org=ORG; one
     enrolment; a fresh one-time secret);
  2. ID enrolls: a key pair made here, a certificate signed by the CA, in the
     network's members/<org>/ID/ folder (cert.pem, key.pem, msp/);
  3. the acting admin registers the certificate as a plain member
     (member:Register). If the ledger refuses, the CA identity is revoked again.

Act as the organisation's admin (NodeOU admin): another profile is refused
(FORBIDDEN) before the CA is asked. The CA refuses a registrar of another
organisation (FORBIDDEN, exit 3; nothing enrolled, the ledger unchanged).
The network's CA is found through network.env next to the profiles file;
fabric-ca-client comes from the network's bin folder.`,
		Example: `  charter --as labA-admin member enroll ada --name "Ada Lovelace"
  charter --as labA-admin -o json member enroll grace | jq -r .certPath`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("%s takes one argument: the enrollment ID", cmd.CommandPath())
			}
			return checkEnrollmentID(args[0])
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := a.enroll(cmd, args[0], name, registrarMSP)
			return printResult(a, e, err)
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "the member's name on the ledger (default: the enrollment ID)")
	cmd.Flags().StringVar(&registrarMSP, "registrar-msp", "", "register with this registrar MSP folder instead of the organisation's (an organisation whose registrar lives elsewhere)")
	return cmd
}

func (a *app) enroll(cmd *cobra.Command, id, name, registrarMSP string) (*enrolment, error) {
	if name == "" {
		name = id
	}
	org, mspID, err := a.actingAdmin()
	if err != nil {
		return nil, err
	}
	c, err := a.loadOrgCA(org, mspID)
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(c.members, id)
	if _, err := os.Stat(dir); err == nil {
		return nil, errcode.Conflictf("%s is already enrolled in %s (%s): an enrollment ID is used once", id, org, dir)
	}
	ctx, cancel := context.WithTimeout(cmd.Context(), a.timeout)
	defer cancel()
	if err := a.ensureRegistrar(ctx, c); err != nil {
		return nil, err
	}
	if registrarMSP == "" {
		registrarMSP = c.registrarMSP()
	}
	secret, err := randomSecret()
	if err != nil {
		return nil, err
	}
	if _, err := a.caClient(ctx, c, "register", "-u", c.url, "--mspdir", registrarMSP,
		"--id.name", id, "--id.secret", secret, "--id.type", "client", "--id.maxenrollments", "1",
		"--id.attrs", "charter.org="+org+":ecert"); err != nil {
		msg := err.Error()
		if strings.Contains(msg, "already registered") {
			return nil, errcode.Conflictf("%s's CA does not register %s: %s", org, id, msg)
		}
		if strings.Contains(msg, "Authentication failure") || strings.Contains(msg, "Authorization failure") || strings.Contains(msg, "not authorized") {
			return nil, errcode.Forbiddenf("%s's CA does not register %s: %s (only %s's registrar registers %s's members)", org, id, msg, org, org)
		}
		return nil, fmt.Errorf("%s's CA does not register %s: %s", org, id, msg)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("member folder: %w", err)
	}
	if _, err := a.caClient(ctx, c, "enroll", "-u", "https://"+id+":"+secret+"@"+c.hostPort(), "--mspdir", filepath.Join(dir, "msp")); err != nil {
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("%s cannot enroll at %s: %w", id, c.url, err)
	}
	certPath, keyPath, err := collectEnrolled(dir)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(a.stderr, "member: CA: %s's CA registered and enrolled %s (%s)\n", org, id, certPath)
	pemBytes, err := os.ReadFile(certPath)
	if err != nil {
		return nil, fmt.Errorf("enrolled certificate: %w", err)
	}
	ident, err := identity.FromPEM(mspID, pemBytes)
	if err != nil {
		return nil, fmt.Errorf("enrolled certificate: %w", err)
	}
	var m *membership.Member
	err = a.withClient(cmd, func(ctx context.Context, gw gatewayAPI) error {
		var err error
		m, err = gw.RegisterMember(ctx, membership.RegisterRequest{Member: ident, Name: name})
		return err
	})
	if err != nil {
		// undo the CA side: the certificate is of no use without the ledger
		rctx, rcancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer rcancel()
		if _, rerr := a.caClient(rctx, c, "revoke", "-u", c.url, "--mspdir", c.registrarMSP(), "-e", id, "-r", "cessationofoperation"); rerr != nil {
			fmt.Fprintf(a.stderr, "member: the CA did not revoke %s again: %v\n", id, rerr)
		} else {
			fmt.Fprintf(a.stderr, "member: the ledger refused %s; its certificate was revoked at the CA again\n", id)
		}
		return nil, fmt.Errorf("the ledger refused to register %s as a member of %s: %w", id, mspID, err)
	}
	fmt.Fprintf(a.stderr, "member: ledger: %s's admin registered %s as a member\n", mspID, id)
	return &enrolment{Org: org, MSPID: mspID, EnrollmentID: id, ID: ident.ID, CertPath: certPath, KeyPath: keyPath, Member: m}, nil
}

// collectEnrolled copies the enrolled certificate and key next to the MSP
// folder (cert.pem, key.pem 0600), as network/member.sh does.
func collectEnrolled(dir string) (certPath, keyPath string, err error) {
	cert, err := os.ReadFile(filepath.Join(dir, "msp", "signcerts", "cert.pem"))
	if err != nil {
		return "", "", fmt.Errorf("enrolled certificate: %w", err)
	}
	keys, err := filepath.Glob(filepath.Join(dir, "msp", "keystore", "*_sk"))
	if err != nil || len(keys) != 1 {
		return "", "", fmt.Errorf("expected one key in %s", filepath.Join(dir, "msp", "keystore"))
	}
	key, err := os.ReadFile(keys[0])
	if err != nil {
		return "", "", fmt.Errorf("enrolled key: %w", err)
	}
	certPath, keyPath = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certPath, cert, 0o644); err != nil {
		return "", "", err
	}
	if err := os.WriteFile(keyPath, key, 0o600); err != nil {
		return "", "", err
	}
	return certPath, keyPath, nil
}

func randomSecret() (string, error) {
	raw := make([]byte, 18)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("enrolment secret: %w", err)
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	out := make([]byte, len(raw))
	for i, b := range raw {
		out[i] = alphabet[int(b)%len(alphabet)]
	}
	return string(out), nil
}

func (a *app) memberRevokeCmd() *cobra.Command {
	var reason string
	cmd := &cobra.Command{
		Use:   "revoke ID --reason TEXT",
		Short: "Revoke a member's certificate at the CA and in the channel, and remove them on the ledger",
		Long: `Revoke a member that the acting admin's organisation's CA enrolled (charter member
enroll or network/member.sh enroll), in one step (what network/member.sh revoke
does):

  1. the organisation's registrar revokes ID at its CA (every certificate it
     holds) and the CA issues its CRL;
  2. the CRL goes into the organisation's MSP definition in the channel: a
     config update signed by the admins of a majority of the application
     organisations, the organisation's first (network/member.sh crl-update);
     from its config block on, every peer refuses the certificate;
  3. the acting admin marks the member removed on the ledger (member:Remove),
     with the reason.

Act as the organisation's admin (NodeOU admin). When the orderers refuse the
config update (too few admins signed) the command exits 3 (FORBIDDEN) with
the channel configuration and the ledger unchanged; run it again.`,
		Example: `  charter --as labA-admin member revoke ada --reason "left LabA"`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("%s takes one argument: the enrollment ID", cmd.CommandPath())
			}
			return checkEnrollmentID(args[0])
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := a.revoke(cmd, args[0], reason)
			return printResult(a, r, err)
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why the member is revoked (required; recorded on the ledger)")
	requireFlags(cmd, "reason")
	return cmd
}

func (a *app) revoke(cmd *cobra.Command, id, reason string) (*revocation, error) {
	if strings.TrimSpace(reason) == "" {
		return nil, usagef("--reason: say why the member is revoked (recorded on the ledger)")
	}
	org, mspID, err := a.actingAdmin()
	if err != nil {
		return nil, err
	}
	c, err := a.loadOrgCA(org, mspID)
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(c.members, id)
	certPath := filepath.Join(dir, "cert.pem")
	pemBytes, err := os.ReadFile(certPath)
	if err != nil {
		return nil, errcode.NotFoundf("%s was not enrolled in %s by this network's CA (no %s)", id, org, certPath)
	}
	ident, err := identity.FromPEM(mspID, pemBytes)
	if err != nil {
		return nil, fmt.Errorf("enrolled certificate: %w", err)
	}
	if c.repo == "" {
		return nil, errcode.Preconditionf("%s names no CHARTER_ROOT: cannot find network/member.sh for the channel's config update", filepath.Join(c.netDir, "network.env"))
	}
	ctx, cancel := context.WithTimeout(cmd.Context(), a.timeout+2*time.Minute)
	defer cancel()
	if err := a.ensureRegistrar(ctx, c); err != nil {
		return nil, err
	}
	// 1. the CA
	if _, err := a.caClient(ctx, c, "revoke", "-u", c.url, "--mspdir", c.registrarMSP(), "-e", id, "-r", "cessationofoperation"); err != nil {
		return nil, errcode.Forbiddenf("%s's CA does not revoke %s: %s", org, id, err.Error())
	}
	if _, err := a.caClient(ctx, c, "gencrl", "-u", c.url, "--mspdir", c.registrarMSP()); err != nil {
		return nil, fmt.Errorf("%s's CA does not issue its CRL: %w", org, err)
	}
	tmp, err := os.MkdirTemp("", "charter-crl-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	crl, err := os.ReadFile(filepath.Join(c.registrarMSP(), "crls", "crl.pem"))
	if err != nil {
		return nil, fmt.Errorf("%s's CRL: %w", org, err)
	}
	crlPath := filepath.Join(tmp, "crl.pem")
	if err := os.WriteFile(crlPath, crl, 0o600); err != nil {
		return nil, err
	}
	fmt.Fprintf(a.stderr, "member: CA: %s's CA revoked %s and issued its CRL\n", org, id)
	// 2. the channel
	block, err := a.crlToChannel(ctx, c, crlPath)
	if err != nil {
		return nil, err
	}
	// 3. the ledger
	var m *membership.Member
	err = a.withClient(cmd, func(ctx context.Context, gw gatewayAPI) error {
		var err error
		m, err = gw.RemoveMember(ctx, membership.RemoveRequest{Member: ident, Reason: reason})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("the certificate is revoked on every peer (config block %d), but the ledger did not mark %s removed; run 'charter member remove --cert %s --reason ...': %w", block, id, certPath, err)
	}
	fmt.Fprintf(a.stderr, "member: ledger: %s's admin marked %s removed\n", mspID, id)
	return &revocation{Org: org, MSPID: mspID, EnrollmentID: id, ID: ident.ID, ConfigBlock: block, CertPath: certPath, Member: m}, nil
}

// crlToChannel runs network/member.sh crl-update and returns the config
// block that put the CRL into the organisation's MSP definition. The
// script's refusals (exit 3: no update, or the orderers refused the
// signatures) are FORBIDDEN with its message.
func (a *app) crlToChannel(ctx context.Context, c orgCA, crlPath string) (uint64, error) {
	script := filepath.Join(c.repo, "network", "member.sh")
	cmd := exec.CommandContext(ctx, "bash", script, "crl-update", c.org, crlPath)
	cmd.Env = append(os.Environ(), "CHARTER_STATE_DIR="+c.netDir, "CHARTER_PORT_OFFSET="+c.offset)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	a.logger.Debug("member.sh crl-update", "stdout", stdout.String(), "stderr", stderr.String())
	if err != nil {
		msg := lastLine(stderr.String())
		var ee *exec.ExitError
		if errors.As(err, &ee) && ee.ExitCode() == 3 {
			return 0, errcode.Forbiddenf("the channel refused %s's CRL: %s (the channel configuration and the ledger are unchanged; the CA has revoked the certificate: run revoke again)",
				c.org, strings.TrimPrefix(msg, "member: REFUSED: "))
		}
		return 0, fmt.Errorf("network/member.sh crl-update: %w: %s", err, msg)
	}
	var res struct {
		ConfigBlock uint64 `json:"configBlock"`
	}
	if err := json.Unmarshal([]byte(lastLine(stdout.String())), &res); err != nil {
		return 0, fmt.Errorf("network/member.sh crl-update printed no result: %w", err)
	}
	return res.ConfigBlock, nil
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}
