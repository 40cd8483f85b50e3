package chanconfig

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	cb "github.com/hyperledger/fabric-protos-go-apiv2/common"
	mb "github.com/hyperledger/fabric-protos-go-apiv2/msp"
	"google.golang.org/protobuf/proto"
)

type ca struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

func newCA(t *testing.T, cn string) ca {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn, Organization: []string{cn}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		SubjectKeyId: []byte(cn),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return ca{cert: cert, key: key}
}

func (c ca) certPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.cert.Raw})
}

func (c ca) crl(t *testing.T, number int64, serials ...int64) []byte {
	t.Helper()
	tmpl := &x509.RevocationList{Number: big.NewInt(number), ThisUpdate: time.Now().Add(-time.Minute), NextUpdate: time.Now().Add(time.Hour)}
	for _, s := range serials {
		tmpl.RevokedCertificateEntries = append(tmpl.RevokedCertificateEntries,
			x509.RevocationListEntry{SerialNumber: big.NewInt(s), RevocationTime: time.Now().Add(-time.Minute)})
	}
	der, err := x509.CreateRevocationList(rand.Reader, tmpl, c.cert, c.key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: der})
}

func mspValue(t *testing.T, name string, root ca) *cb.ConfigValue {
	t.Helper()
	ou := func(role string) *mb.FabricOUIdentifier {
		return &mb.FabricOUIdentifier{Certificate: root.certPEM(), OrganizationalUnitIdentifier: role}
	}
	fc, err := proto.Marshal(&mb.FabricMSPConfig{
		Name: name, RootCerts: [][]byte{root.certPEM()}, TlsRootCerts: [][]byte{root.certPEM()},
		CryptoConfig: &mb.FabricCryptoConfig{SignatureHashFamily: "SHA2", IdentityIdentifierHashFunction: "SHA256"},
		FabricNodeOus: &mb.FabricNodeOUs{Enable: true, ClientOuIdentifier: ou("client"), PeerOuIdentifier: ou("peer"),
			AdminOuIdentifier: ou("admin"), OrdererOuIdentifier: ou("orderer")},
	})
	if err != nil {
		t.Fatal(err)
	}
	v, err := proto.Marshal(&mb.MSPConfig{Type: 0, Config: fc})
	if err != nil {
		t.Fatal(err)
	}
	return &cb.ConfigValue{Value: v, ModPolicy: "Admins"}
}

// channel is a configuration with two application organisations.
func channel(t *testing.T, labA, labB ca) *cb.Config {
	t.Helper()
	org := func(name string, root ca) *cb.ConfigGroup {
		return &cb.ConfigGroup{Values: map[string]*cb.ConfigValue{"MSP": mspValue(t, name, root)}, ModPolicy: "Admins",
			Policies: map[string]*cb.ConfigPolicy{}, Groups: map[string]*cb.ConfigGroup{}}
	}
	return &cb.Config{ChannelGroup: &cb.ConfigGroup{
		Groups: map[string]*cb.ConfigGroup{"Application": {
			Groups:    map[string]*cb.ConfigGroup{"LabAMSP": org("LabAMSP", labA), "LabBMSP": org("LabBMSP", labB)},
			ModPolicy: "Admins", Values: map[string]*cb.ConfigValue{}, Policies: map[string]*cb.ConfigPolicy{},
		}},
		Values: map[string]*cb.ConfigValue{}, Policies: map[string]*cb.ConfigPolicy{},
	}}
}

// written returns the revocation list the update writes for org (nil when
// the update does not write org's MSP).
func written(t *testing.T, update []byte, org string) [][]byte {
	t.Helper()
	var u cb.ConfigUpdate
	if err := proto.Unmarshal(update, &u); err != nil {
		t.Fatal(err)
	}
	if u.GetChannelId() != "charter" {
		t.Fatalf("update for channel %q", u.GetChannelId())
	}
	v := u.GetWriteSet().GetGroups()["Application"].GetGroups()[org].GetValues()["MSP"]
	if v == nil {
		return nil
	}
	var mc mb.MSPConfig
	var fc mb.FabricMSPConfig
	if err := proto.Unmarshal(v.GetValue(), &mc); err != nil {
		t.Fatal(err)
	}
	if err := proto.Unmarshal(mc.GetConfig(), &fc); err != nil {
		t.Fatal(err)
	}
	return fc.GetRevocationList()
}

// apply returns cfg with the update's write set applied to the MSP of org.
func apply(t *testing.T, cfg *cb.Config, update []byte, org string) *cb.Config {
	t.Helper()
	var u cb.ConfigUpdate
	if err := proto.Unmarshal(update, &u); err != nil {
		t.Fatal(err)
	}
	next := proto.Clone(cfg).(*cb.Config)
	v := u.GetWriteSet().GetGroups()["Application"].GetGroups()[org].GetValues()["MSP"]
	next.ChannelGroup.Groups["Application"].Groups[org].Values["MSP"] = v
	return next
}

func TestRevocationUpdate(t *testing.T) {
	labA, labB := newCA(t, "ca.laba"), newCA(t, "ca.labb")
	cfg := channel(t, labA, labB)

	update, rev, err := RevocationUpdate(cfg, "charter", "LabAMSP", labA.crl(t, 1, 42))
	if err != nil {
		t.Fatalf("revocation update: %v", err)
	}
	if got := written(t, update, "LabAMSP"); len(got) != 1 {
		t.Fatalf("LabAMSP's written revocation list has %d CRLs, want 1", len(got))
	}
	if written(t, update, "LabBMSP") != nil {
		t.Fatal("the update writes LabBMSP's MSP, which it must not touch")
	}
	if rev.Replaced != 0 || len(rev.Serials) != 1 || rev.Serials[0] != "2a" || rev.MSPID != "LabAMSP" {
		t.Fatalf("revocation = %+v", rev)
	}

	// a later CRL of the same CA replaces the first one
	cfg2 := apply(t, cfg, update, "LabAMSP")
	update2, rev2, err := RevocationUpdate(cfg2, "charter", "LabAMSP", labA.crl(t, 2, 42, 43))
	if err != nil {
		t.Fatalf("second revocation update: %v", err)
	}
	if got := written(t, update2, "LabAMSP"); len(got) != 1 {
		t.Fatalf("after the second CRL LabAMSP holds %d CRLs, want 1 (replaced)", len(got))
	}
	if rev2.Replaced != 1 || len(rev2.Serials) != 2 {
		t.Fatalf("second revocation = %+v", rev2)
	}
}

func TestRevocationUpdateRefusals(t *testing.T) {
	labA, labB := newCA(t, "ca.laba"), newCA(t, "ca.labb")
	cfg := channel(t, labA, labB)
	first, _, err := RevocationUpdate(cfg, "charter", "LabAMSP", labA.crl(t, 1, 42))
	if err != nil {
		t.Fatal(err)
	}
	withCRL := apply(t, cfg, first, "LabAMSP")
	sameCRL := written(t, first, "LabAMSP")[0] // the CRL withCRL holds, as PEM
	before := proto.Clone(cfg)
	for _, tc := range []struct {
		name string
		cfg  *cb.Config
		msp  string
		crl  []byte
		want string
	}{
		{"a CRL of another organisation's CA", cfg, "LabAMSP", labB.crl(t, 1, 42), "not signed by a CA of LabAMSP"},
		{"an organisation not in the channel", cfg, "LabCMSP", labA.crl(t, 1, 42), "no application organisation"},
		{"a CRL that revokes nothing", cfg, "LabAMSP", labA.crl(t, 1), "revokes no certificate"},
		{"not a CRL", cfg, "LabAMSP", labA.certPEM(), "no PEM block of type X509 CRL"},
		{"no PEM at all", cfg, "LabAMSP", []byte("revoke alice"), "no PEM block"},
		{"the CRL the MSP already holds", withCRL, "LabAMSP", sameCRL, "already holds this CRL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			update, _, err := RevocationUpdate(tc.cfg, "charter", tc.msp, tc.crl)
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to name %q", err, tc.want)
			}
			if update != nil {
				t.Fatal("a refused revocation returned an update")
			}
		})
	}
	if !proto.Equal(before, cfg) {
		t.Fatal("a refused revocation changed the configuration it read")
	}
}

func TestConfigFromBlock(t *testing.T) {
	labA, labB := newCA(t, "ca.laba"), newCA(t, "ca.labb")
	cfg := channel(t, labA, labB)
	block := func(typ cb.HeaderType, data proto.Message) []byte {
		d, _ := proto.Marshal(data)
		ch, _ := proto.Marshal(&cb.ChannelHeader{Type: int32(typ), ChannelId: "charter"})
		p, _ := proto.Marshal(&cb.Payload{Header: &cb.Header{ChannelHeader: ch}, Data: d})
		e, _ := proto.Marshal(&cb.Envelope{Payload: p})
		raw, _ := proto.Marshal(&cb.Block{Header: &cb.BlockHeader{Number: 7}, Data: &cb.BlockData{Data: [][]byte{e}}})
		return raw
	}
	got, id, err := ConfigFromBlock(block(cb.HeaderType_CONFIG, &cb.ConfigEnvelope{Config: cfg}))
	if err != nil {
		t.Fatal(err)
	}
	if id != "charter" || !proto.Equal(got, cfg) {
		t.Fatalf("config block read back as channel %q, equal=%v", id, proto.Equal(got, cfg))
	}
	if _, _, err := ConfigFromBlock(block(cb.HeaderType_ENDORSER_TRANSACTION, &cb.ConfigEnvelope{Config: cfg})); !errors.Is(err, ErrInvalid) {
		t.Fatalf("a transaction block: err = %v, want ErrInvalid", err)
	}
	if _, _, err := ConfigFromBlock([]byte("not a block")); !errors.Is(err, ErrInvalid) {
		t.Fatalf("garbage: err = %v, want ErrInvalid", err)
	}
}

func TestEnvelope(t *testing.T) {
	labA, labB := newCA(t, "ca.laba"), newCA(t, "ca.labb")
	update, _, err := RevocationUpdate(channel(t, labA, labB), "charter", "LabAMSP", labA.crl(t, 1, 42))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := Envelope(update)
	if err != nil {
		t.Fatal(err)
	}
	var env cb.Envelope
	var p cb.Payload
	var ch cb.ChannelHeader
	var cue cb.ConfigUpdateEnvelope
	if err := proto.Unmarshal(raw, &env); err != nil {
		t.Fatal(err)
	}
	if err := proto.Unmarshal(env.GetPayload(), &p); err != nil {
		t.Fatal(err)
	}
	if err := proto.Unmarshal(p.GetHeader().GetChannelHeader(), &ch); err != nil {
		t.Fatal(err)
	}
	if err := proto.Unmarshal(p.GetData(), &cue); err != nil {
		t.Fatal(err)
	}
	if ch.GetType() != int32(cb.HeaderType_CONFIG_UPDATE) || ch.GetChannelId() != "charter" {
		t.Fatalf("envelope header type %d channel %q", ch.GetType(), ch.GetChannelId())
	}
	if string(cue.GetConfigUpdate()) != string(update) || len(cue.GetSignatures()) != 0 {
		t.Fatal("the envelope must carry the update unchanged and unsigned")
	}
}
