package audit

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"sync"
	"time"

	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/msp"
	"google.golang.org/protobuf/proto"
)

// mspSet is the channel's MSPs as one configuration block defines them.
type mspSet struct {
	// block is the configuration block that defined it.
	block uint64
	msps  map[string]*mspInfo
	// keys caches parsed and validated signer certificates.
	keys sync.Map // string(serialized identity) → keyResult
}

type mspInfo struct {
	name    string
	roots   *x509.CertPool
	inters  *x509.CertPool
	orderer bool
}

type keyResult struct {
	pub *ecdsa.PublicKey
	err error
}

// mspsOf reads every organisation MSP (application and orderer) of a
// channel configuration.
func mspsOf(block uint64, cfg *common.Config) (*mspSet, error) {
	set := &mspSet{block: block, msps: map[string]*mspInfo{}}
	ch := cfg.GetChannelGroup()
	for _, section := range []string{"Application", "Orderer"} {
		g := ch.GetGroups()[section]
		if g == nil {
			continue
		}
		names := make([]string, 0, len(g.GetGroups()))
		for name := range g.GetGroups() {
			names = append(names, name)
		}
		slices.Sort(names)
		for _, org := range names {
			v := g.GetGroups()[org].GetValues()["MSP"]
			if v == nil {
				continue
			}
			var mc msp.MSPConfig
			if err := proto.Unmarshal(v.GetValue(), &mc); err != nil {
				return nil, fmt.Errorf("config block %d: %s org %s MSP value: %w", block, section, org, err)
			}
			var fc msp.FabricMSPConfig
			if err := proto.Unmarshal(mc.GetConfig(), &fc); err != nil {
				return nil, fmt.Errorf("config block %d: %s org %s MSP config: %w", block, section, org, err)
			}
			info := &mspInfo{name: fc.GetName(), roots: x509.NewCertPool(), inters: x509.NewCertPool(), orderer: section == "Orderer"}
			for _, pemCert := range fc.GetRootCerts() {
				c, err := parseCertPEM(pemCert)
				if err != nil {
					return nil, fmt.Errorf("config block %d: MSP %s root certificate: %w", block, fc.GetName(), err)
				}
				info.roots.AddCert(c)
			}
			for _, pemCert := range fc.GetIntermediateCerts() {
				c, err := parseCertPEM(pemCert)
				if err != nil {
					return nil, fmt.Errorf("config block %d: MSP %s intermediate certificate: %w", block, fc.GetName(), err)
				}
				info.inters.AddCert(c)
			}
			set.msps[fc.GetName()] = info
		}
	}
	if len(set.msps) == 0 {
		return nil, fmt.Errorf("config block %d defines no MSP", block)
	}
	return set, nil
}

// key returns the public key of a serialized identity after checking that
// its certificate chains to a root of its MSP. The certificate's validity
// period is not judged here (the peers judged it at commit, and the
// validation code records their verdict): the chain is verified as of the
// certificate's own start of validity.
func (s *mspSet) key(serialized []byte) (*ecdsa.PublicKey, error) {
	if v, ok := s.keys.Load(string(serialized)); ok {
		kr := v.(keyResult)
		return kr.pub, kr.err
	}
	pub, err := s.resolve(serialized)
	s.keys.Store(string(serialized), keyResult{pub, err})
	return pub, err
}

func (s *mspSet) resolve(serialized []byte) (*ecdsa.PublicKey, error) {
	var si msp.SerializedIdentity
	if err := proto.Unmarshal(serialized, &si); err != nil {
		return nil, fmt.Errorf("identity does not decode: %w", err)
	}
	info := s.msps[si.GetMspid()]
	if info == nil {
		return nil, fmt.Errorf("identity of MSP %q: no such MSP in the channel configuration of block %d", si.GetMspid(), s.block)
	}
	cert, err := parseCertPEM(si.GetIdBytes())
	if err != nil {
		return nil, fmt.Errorf("identity of MSP %s: certificate: %w", si.GetMspid(), err)
	}
	if _, err := cert.Verify(x509.VerifyOptions{
		Roots: info.roots, Intermediates: info.inters,
		CurrentTime: cert.NotBefore.Add(time.Second),
		KeyUsages:   []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	}); err != nil {
		return nil, fmt.Errorf("certificate %q does not chain to MSP %s's roots (configuration of block %d): %w", cert.Subject.String(), si.GetMspid(), s.block, err)
	}
	pub, ok := cert.PublicKey.(*ecdsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("certificate %q: public key is %T, not ECDSA", cert.Subject.String(), cert.PublicKey)
	}
	return pub, nil
}

// errHighS is a signature whose S is above half the curve order: Fabric
// refuses those (malleability).
var errHighS = errors.New("signature S is not low (Fabric requires S ≤ N/2)")

// verifySig checks a DER ECDSA signature over SHA-256 of data, with the
// low-S rule.
func verifySig(pub *ecdsa.PublicKey, data, sig []byte) error {
	var rs struct{ R, S *big.Int }
	rest, err := asn1.Unmarshal(sig, &rs)
	if err != nil || len(rest) > 0 {
		return fmt.Errorf("signature is not DER (r, s)")
	}
	if rs.R == nil || rs.S == nil || rs.R.Sign() <= 0 || rs.S.Sign() <= 0 {
		return fmt.Errorf("signature r or s is not positive")
	}
	if rs.S.Cmp(halfOrder(pub.Curve)) > 0 {
		return errHighS
	}
	h := sha256.Sum256(data)
	if !ecdsa.Verify(pub, h[:], rs.R, rs.S) {
		return fmt.Errorf("ECDSA signature does not verify")
	}
	return nil
}

var (
	halfOnce   sync.Once
	halfOrders map[elliptic.Curve]*big.Int
)

func halfOrder(c elliptic.Curve) *big.Int {
	halfOnce.Do(func() {
		halfOrders = map[elliptic.Curve]*big.Int{}
		for _, k := range []elliptic.Curve{elliptic.P224(), elliptic.P256(), elliptic.P384(), elliptic.P521()} {
			halfOrders[k] = new(big.Int).Rsh(k.Params().N, 1)
		}
	})
	if h, ok := halfOrders[c]; ok {
		return h
	}
	return new(big.Int).Rsh(c.Params().N, 1)
}
