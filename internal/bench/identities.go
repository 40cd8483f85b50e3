package bench

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
)

// Issued is a client identity the benchmark made for itself: a P-256 key
// and a certificate with the client role, issued by an organisation's CA.
type Issued struct {
	MSPID   string
	CN      string
	CertPEM []byte
	Key     *ecdsa.PrivateKey
}

// CA is an organisation's certificate authority as cryptogen wrote it on a
// development network (NET/crypto/peerOrganizations/DOMAIN/ca): the
// benchmark issues its client identities with it, as an organisation's
// own CA would. A consortium's production network has no such files; the
// benchmark is for development and sizing networks.
type CA struct {
	cert *x509.Certificate
	key  any
}

// LoadCA reads the CA that issued the certificate at userCertPath (a
// profile's certificate) from cryptoDir (NET/crypto).
func LoadCA(cryptoDir, userCertPath string) (*CA, error) {
	user, err := readCert(userCertPath)
	if err != nil {
		return nil, err
	}
	if len(user.Issuer.Organization) == 0 {
		return nil, fmt.Errorf("the issuer of %s names no organisation domain", userCertPath)
	}
	domain := user.Issuer.Organization[0]
	dir := filepath.Join(cryptoDir, "peerOrganizations", domain, "ca")
	caCert, err := readCert(filepath.Join(dir, "ca."+domain+"-cert.pem"))
	if err != nil {
		return nil, fmt.Errorf("the CA of %s: %w", domain, err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "priv_sk"))
	if err != nil {
		return nil, fmt.Errorf("the CA key of %s: %w", domain, err)
	}
	block, _ := pem.Decode(raw)
	if block == nil {
		return nil, fmt.Errorf("%s holds no PEM block", filepath.Join(dir, "priv_sk"))
	}
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("the CA key of %s: %w", domain, err)
	}
	return &CA{cert: caCert, key: key}, nil
}

func readCert(path string) (*x509.Certificate, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(raw)
	if block == nil {
		return nil, fmt.Errorf("%s holds no PEM certificate", path)
	}
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// Issue makes a client identity named cn of the CA's organisation (mspID).
func (ca *CA) Issue(mspID, cn string) (Issued, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return Issued{}, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return Issued{}, err
	}
	s := ca.cert.Subject
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject: pkix.Name{Country: s.Country, Province: s.Province, Locality: s.Locality,
			OrganizationalUnit: []string{"client"}, CommonName: cn},
		// Fabric's MSP checks the chain at NotBefore+1s: the certificate
		// must not predate its CA.
		NotBefore: ca.cert.NotBefore, NotAfter: ca.cert.NotAfter,
		KeyUsage: x509.KeyUsageDigitalSignature, BasicConstraintsValid: true,
		AuthorityKeyId: ca.cert.SubjectKeyId,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		return Issued{}, fmt.Errorf("issue %s: %w", cn, err)
	}
	return Issued{MSPID: mspID, CN: cn, CertPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), Key: key}, nil
}
