// Package identity turns a Fabric X.509 certificate into the identity
// Charter records: the MSP ID plus a stable certificate identity. It is
// shared by the chaincode (which reads the caller's certificate from the
// proposal) and the client (which names members by their certificates), so
// both compute the same ID. It has no Fabric imports.
package identity

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"slices"
	"strings"

	"github.com/charter-gov/charter/chaincode/errcode"
)

// Identity is a member of the consortium: an MSP and a certificate identity
// of the form "x509::<subject DN>::<issuer DN>", the same shape Fabric's cid
// library uses. Re-issued certificates with the same subject and issuer keep
// the identity.
type Identity struct {
	MSPID string `json:"mspId"`
	ID    string `json:"id"`
}

func (i Identity) String() string { return i.MSPID + "/" + i.ID }

// Validate checks that both parts are present and printable.
func (i Identity) Validate() error {
	if strings.TrimSpace(i.MSPID) == "" {
		return errcode.InvalidFieldf("mspId", "required", "identity: MSP ID is empty")
	}
	if !strings.HasPrefix(i.ID, "x509::") || strings.Count(i.ID, "::") != 2 {
		return errcode.InvalidFieldf("id", "x509-identity", "identity %q: ID must look like x509::<subject>::<issuer>", i.ID)
	}
	for _, s := range []string{i.MSPID, i.ID} {
		for _, r := range s {
			if r < 0x20 || r == 0x7f {
				return errcode.InvalidFieldf("", "characters", "identity %q: contains control character U+%04X", s, r)
			}
		}
	}
	if len(i.ID) > 1024 || len(i.MSPID) > 128 {
		return errcode.InvalidFieldf("", "max-bytes", "identity: too long (MSP ID at most 128, ID at most 1024 bytes)")
	}
	return nil
}

// FromCert returns the identity of cert in mspID.
func FromCert(mspID string, cert *x509.Certificate) Identity {
	return Identity{MSPID: mspID, ID: "x509::" + cert.Subject.String() + "::" + cert.Issuer.String()}
}

// IsOrgAdmin reports whether cert carries Fabric's NodeOU admin role.
func IsOrgAdmin(cert *x509.Certificate) bool {
	return slices.Contains(cert.Subject.OrganizationalUnit, "admin")
}

// ParsePEM parses the first certificate in a PEM block.
func ParsePEM(certPEM []byte) (*x509.Certificate, error) {
	block, _ := pem.Decode(certPEM)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, errcode.Invalidf("certificate: no PEM CERTIFICATE block")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, errcode.Invalidf("certificate: %v", err)
	}
	return cert, nil
}

// FromPEM returns the identity of a PEM certificate in mspID.
func FromPEM(mspID string, certPEM []byte) (Identity, error) {
	cert, err := ParsePEM(certPEM)
	if err != nil {
		return Identity{}, fmt.Errorf("identity of %s certificate: %w", mspID, err)
	}
	return FromCert(mspID, cert), nil
}

// Short is a human-readable form for text output: the MSP and the subject's
// common name ("LabAMSP/User1@laba.example.org"), or String() when the ID
// has no common name.
func (i Identity) Short() string {
	subject, _, found := strings.Cut(strings.TrimPrefix(i.ID, "x509::"), "::")
	if !found {
		return i.String()
	}
	for _, part := range strings.Split(subject, ",") {
		if cn, ok := strings.CutPrefix(part, "CN="); ok && cn != "" {
			return i.MSPID + "/" + cn
		}
	}
	return i.String()
}
