// Package chanconfig builds the channel configuration updates the consortium
// makes to itself (network/member.sh), with github.com/hyperledger/fabric-config:
// an organisation's certificate revocation list (CRL) put into its MSP
// definition, so that every peer refuses a revoked certificate.
//
// It only builds unsigned updates: the admins whom the channel's policies
// require sign them (peer channel signconfigtx) and one submits them (peer
// channel update); the orderers check the signatures against the policies.
package chanconfig

import (
	"bytes"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"slices"

	"github.com/hyperledger/fabric-config/configtx"
	cb "github.com/hyperledger/fabric-protos-go-apiv2/common"
	"google.golang.org/protobuf/proto"
)

// ErrInvalid marks bad input (a malformed block, an unknown organisation, a
// CRL its organisation's CA did not sign). Callers map it to exit status 2.
var ErrInvalid = errors.New("invalid input")

func invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)
}

// ConfigFromBlock returns the channel configuration a config block carries
// (peer channel fetch config) and the channel's ID.
func ConfigFromBlock(raw []byte) (*cb.Config, string, error) {
	var block cb.Block
	if err := proto.Unmarshal(raw, &block); err != nil {
		return nil, "", invalidf("not a block: %v", err)
	}
	if len(block.GetData().GetData()) != 1 {
		return nil, "", invalidf("a config block holds one envelope, this one %d", len(block.GetData().GetData()))
	}
	var env cb.Envelope
	if err := proto.Unmarshal(block.Data.Data[0], &env); err != nil {
		return nil, "", invalidf("block envelope: %v", err)
	}
	var payload cb.Payload
	if err := proto.Unmarshal(env.GetPayload(), &payload); err != nil {
		return nil, "", invalidf("block payload: %v", err)
	}
	var ch cb.ChannelHeader
	if err := proto.Unmarshal(payload.GetHeader().GetChannelHeader(), &ch); err != nil {
		return nil, "", invalidf("channel header: %v", err)
	}
	if ch.GetType() != int32(cb.HeaderType_CONFIG) {
		return nil, "", invalidf("block %d is not a config block (header type %d)", block.GetHeader().GetNumber(), ch.GetType())
	}
	var ce cb.ConfigEnvelope
	if err := proto.Unmarshal(payload.GetData(), &ce); err != nil {
		return nil, "", invalidf("config envelope: %v", err)
	}
	if ce.GetConfig().GetChannelGroup() == nil {
		return nil, "", invalidf("config block %d has no channel group", block.GetHeader().GetNumber())
	}
	return ce.GetConfig(), ch.GetChannelId(), nil
}

// ParseCRL reads one PEM-encoded CRL.
func ParseCRL(pemBytes []byte) (*pkix.CertificateList, *x509.RevocationList, error) {
	block, _ := pem.Decode(pemBytes)
	if block == nil || block.Type != "X509 CRL" {
		return nil, nil, invalidf("the CRL file holds no PEM block of type X509 CRL")
	}
	rl, err := x509.ParseRevocationList(block.Bytes)
	if err != nil {
		return nil, nil, invalidf("parsing the CRL: %v", err)
	}
	//nolint:staticcheck // fabric-config's MSP type holds pkix.CertificateList
	old, err := x509.ParseCRL(block.Bytes) //lint:ignore SA1019 fabric-config v0.3.0's MSP.RevocationList type
	if err != nil {
		return nil, nil, invalidf("parsing the CRL: %v", err)
	}
	return old, rl, nil
}

// Revocation is what RevocationUpdate changed.
type Revocation struct {
	MSPID string `json:"mspId"`
	// Issuer is the subject of the CA that signed the CRL.
	Issuer string `json:"issuer"`
	// Serials are the revoked certificates' serial numbers (hex) the new
	// CRL lists.
	Serials []string `json:"serials"`
	// Replaced counts the earlier CRLs of the same CA the new one replaces.
	Replaced int `json:"replaced"`
}

// RevocationUpdate returns the marshaled config update (common.ConfigUpdate)
// that puts crlPEM into the revocation list of the application organisation
// mspID, replacing any earlier CRL of the same CA (a CA's CRL lists every
// certificate it revoked). The CRL must be signed by one of the
// organisation's root or intermediate CAs and must list at least one
// certificate; an update that would change nothing is refused.
func RevocationUpdate(cfg *cb.Config, channelID, mspID string, crlPEM []byte) ([]byte, Revocation, error) {
	out := Revocation{MSPID: mspID}
	old, rl, err := ParseCRL(crlPEM)
	if err != nil {
		return nil, out, err
	}
	if len(rl.RevokedCertificateEntries) == 0 {
		return nil, out, invalidf("the CRL revokes no certificate")
	}
	tx := configtx.New(cfg)
	org := tx.Application().Organization(mspID)
	if org == nil {
		return nil, out, invalidf("the channel has no application organisation %q", mspID)
	}
	m, err := org.MSP().Configuration()
	if err != nil {
		return nil, out, fmt.Errorf("reading %s's MSP definition: %w", mspID, err)
	}
	var issuer *x509.Certificate
	for _, ca := range slices.Concat(m.RootCerts, m.IntermediateCerts) {
		if rl.CheckSignatureFrom(ca) == nil {
			issuer = ca
			break
		}
	}
	if issuer == nil {
		return nil, out, invalidf("the CRL (issuer %q) is not signed by a CA of %s's MSP", rl.Issuer.String(), mspID)
	}
	out.Issuer = issuer.Subject.String()
	for _, e := range rl.RevokedCertificateEntries {
		out.Serials = append(out.Serials, e.SerialNumber.Text(16))
	}
	kept := m.RevocationList[:0:0]
	for _, c := range m.RevocationList {
		if issuerSigned(c, issuer) {
			if bytes.Equal(c.TBSCertList.Raw, old.TBSCertList.Raw) {
				return nil, out, invalidf("%s's MSP already holds this CRL: nothing to update", mspID)
			}
			out.Replaced++
			continue
		}
		kept = append(kept, c)
	}
	m.RevocationList = append(kept, old)
	if err := org.SetMSP(m); err != nil {
		return nil, out, fmt.Errorf("setting %s's MSP definition: %w", mspID, err)
	}
	update, err := tx.ComputeMarshaledUpdate(channelID)
	if err != nil {
		return nil, out, fmt.Errorf("computing the config update: %w", err)
	}
	return update, out, nil
}

// issuerSigned reports whether ca signed the CRL c.
func issuerSigned(c *pkix.CertificateList, ca *x509.Certificate) bool {
	//nolint:staticcheck // the old CRL type fabric-config uses
	return ca.CheckCRLSignature(c) == nil //lint:ignore SA1019 fabric-config v0.3.0's MSP.RevocationList type
}

// Envelope wraps a marshaled config update into the unsigned envelope that
// peer channel signconfigtx signs and peer channel update submits.
func Envelope(update []byte) ([]byte, error) {
	env, err := configtx.NewEnvelope(update)
	if err != nil {
		return nil, fmt.Errorf("config update envelope: %w", err)
	}
	raw, err := proto.Marshal(env)
	if err != nil {
		return nil, fmt.Errorf("marshaling the envelope: %w", err)
	}
	return raw, nil
}
