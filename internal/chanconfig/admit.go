package chanconfig

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/hyperledger/fabric-config/configtx"
	"github.com/hyperledger/fabric-config/configtx/membership"
	cb "github.com/hyperledger/fabric-protos-go-apiv2/common"

	"github.com/charter-gov/charter/chaincode/admission"
)

// Newcomer is the public part of an organisation that asks to join: its
// MSP ID, its root and TLS root CA certificates, and its anchor peers.
type Newcomer struct {
	MSPID       string
	RootCerts   []*x509.Certificate
	TLSCerts    []*x509.Certificate
	AnchorPeers []string // host:port
}

// Digest is the SHA-256 of a certificate's DER bytes, as a partner_admission
// decision names it.
func Digest(c *x509.Certificate) string {
	sum := sha256.Sum256(c.Raw)
	return hex.EncodeToString(sum[:])
}

// Payload returns what the newcomer's definition would add, in the terms of
// a partner_admission decision (admission.Admission.Matches compares it).
func (n Newcomer) Payload() admission.Payload {
	p := admission.Payload{MSPID: n.MSPID, PeerEndpoints: slices.Clone(n.AnchorPeers)}
	for _, c := range n.RootCerts {
		p.RootCADigests = append(p.RootCADigests, Digest(c))
	}
	for _, c := range n.TLSCerts {
		p.TLSCADigests = append(p.TLSCADigests, Digest(c))
	}
	return p
}

// ReadMSPDir reads the public MSP folder an organisation hands to the
// consortium: cacerts/*.pem and tlscacerts/*.pem (one or more each).
func ReadMSPDir(mspID, dir string, anchorPeers []string) (Newcomer, error) {
	n := Newcomer{MSPID: mspID, AnchorPeers: anchorPeers}
	var err error
	if n.RootCerts, err = readCerts(filepath.Join(dir, "cacerts")); err != nil {
		return n, err
	}
	if n.TLSCerts, err = readCerts(filepath.Join(dir, "tlscacerts")); err != nil {
		return n, err
	}
	return n, nil
}

func readCerts(dir string) ([]*x509.Certificate, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.pem"))
	if err != nil {
		return nil, fmt.Errorf("listing %s: %w", dir, err)
	}
	slices.Sort(files)
	if len(files) == 0 {
		return nil, invalidf("%s holds no certificate (*.pem)", dir)
	}
	var out []*x509.Certificate
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			return nil, invalidf("%v", err)
		}
		block, _ := pem.Decode(raw)
		if block == nil || block.Type != "CERTIFICATE" {
			return nil, invalidf("%s holds no PEM certificate", f)
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, invalidf("%s: %v", f, err)
		}
		if !c.IsCA {
			return nil, invalidf("%s is not a CA certificate", f)
		}
		out = append(out, c)
	}
	return out, nil
}

// AdmissionUpdate returns the marshaled config update that adds the
// newcomer to the channel's Application group — its MSP (NodeOUs enabled
// with the client, peer, admin and orderer OUs on its first root CA), its
// Readers, Writers, Admins and Endorsement policies, its anchor peers —
// after checking it against the admission an executed partner_admission
// decision recorded: a newcomer the ledger did not admit, or one whose MSP
// ID, CA digests or peers differ from the admission, gets no update.
func AdmissionUpdate(cfg *cb.Config, channelID string, n Newcomer, admitted *admission.Admission) ([]byte, error) {
	if admitted == nil {
		return nil, invalidf("no executed partner_admission decision admits %s: no update is built without one", n.MSPID)
	}
	if err := admitted.Matches(n.Payload()); err != nil {
		return nil, invalidf("the organisation does not match its admission: %v", err)
	}
	tx := configtx.New(cfg)
	if tx.Application().Organization(n.MSPID) != nil {
		return nil, invalidf("%s is already in the channel", n.MSPID)
	}
	var anchors []configtx.Address
	for _, e := range n.AnchorPeers {
		i := strings.LastIndexByte(e, ':')
		port, err := strconv.Atoi(e[i+1:])
		if i <= 0 || err != nil {
			return nil, invalidf("anchor peer %q is not host:port", e)
		}
		anchors = append(anchors, configtx.Address{Host: e[:i], Port: port})
	}
	root := n.RootCerts[0]
	ou := func(role string) membership.OUIdentifier {
		return membership.OUIdentifier{Certificate: root, OrganizationalUnitIdentifier: role}
	}
	m := n.MSPID
	sig := func(rule string) configtx.Policy {
		return configtx.Policy{Type: configtx.SignaturePolicyType, Rule: rule}
	}
	org := configtx.Organization{
		Name: m,
		Policies: map[string]configtx.Policy{
			configtx.ReadersPolicyKey:     sig(fmt.Sprintf("OR('%s.admin', '%s.peer', '%s.client')", m, m, m)),
			configtx.WritersPolicyKey:     sig(fmt.Sprintf("OR('%s.admin', '%s.client')", m, m)),
			configtx.AdminsPolicyKey:      sig(fmt.Sprintf("OR('%s.admin')", m)),
			configtx.EndorsementPolicyKey: sig(fmt.Sprintf("OR('%s.peer')", m)),
		},
		MSP: configtx.MSP{
			Name: m, RootCerts: n.RootCerts, TLSRootCerts: n.TLSCerts,
			CryptoConfig: membership.CryptoConfig{SignatureHashFamily: "SHA2", IdentityIdentifierHashFunction: "SHA256"},
			NodeOUs: membership.NodeOUs{Enable: true, ClientOUIdentifier: ou("client"), PeerOUIdentifier: ou("peer"),
				AdminOUIdentifier: ou("admin"), OrdererOUIdentifier: ou("orderer")},
		},
		AnchorPeers: anchors,
		ModPolicy:   configtx.AdminsPolicyKey,
	}
	if err := tx.Application().SetOrganization(org); err != nil {
		return nil, invalidf("the organisation's definition: %v", err)
	}
	update, err := tx.ComputeMarshaledUpdate(channelID)
	if err != nil {
		return nil, fmt.Errorf("computing the config update: %w", err)
	}
	return update, nil
}

// RemovalUpdate returns the marshaled config update that removes an
// application organisation from the channel (the mirror image of an
// admission; the channel's Admins policy decides who must sign).
func RemovalUpdate(cfg *cb.Config, channelID, mspID string) ([]byte, error) {
	tx := configtx.New(cfg)
	if tx.Application().Organization(mspID) == nil {
		return nil, invalidf("the channel has no application organisation %q", mspID)
	}
	tx.Application().RemoveOrganization(mspID)
	update, err := tx.ComputeMarshaledUpdate(channelID)
	if err != nil {
		return nil, fmt.Errorf("computing the config update: %w", err)
	}
	return update, nil
}
