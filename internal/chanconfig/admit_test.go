package chanconfig

import (
	"crypto/x509"
	"errors"
	"strings"
	"testing"

	cb "github.com/hyperledger/fabric-protos-go-apiv2/common"
	"google.golang.org/protobuf/proto"

	"github.com/charter-gov/charter/chaincode/admission"
)

func newcomer(t *testing.T) (Newcomer, ca, ca) {
	t.Helper()
	root, tls := newCA(t, "ca.labc"), newCA(t, "tlsca.labc")
	return Newcomer{MSPID: "LabCMSP", RootCerts: []*x509.Certificate{root.cert}, TLSCerts: []*x509.Certificate{tls.cert},
		AnchorPeers: []string{"10.77.1.2:7051"}}, root, tls
}

func admitted(n Newcomer) *admission.Admission {
	return &admission.Admission{Payload: n.Payload(), Decision: "d0042"}
}

func TestAdmissionUpdate(t *testing.T) {
	cfg := channel(t, newCA(t, "ca.laba"), newCA(t, "ca.labb"))
	n, _, _ := newcomer(t)
	update, err := AdmissionUpdate(cfg, "charter", n, admitted(n))
	if err != nil {
		t.Fatalf("admission update: %v", err)
	}
	var u cb.ConfigUpdate
	if err := proto.Unmarshal(update, &u); err != nil {
		t.Fatal(err)
	}
	g := u.GetWriteSet().GetGroups()["Application"].GetGroups()["LabCMSP"]
	if g == nil {
		t.Fatal("the update does not write LabCMSP")
	}
	for _, v := range []string{"MSP", "AnchorPeers"} {
		if g.GetValues()[v] == nil {
			t.Errorf("LabCMSP has no %s value", v)
		}
	}
	for _, p := range []string{"Readers", "Writers", "Admins", "Endorsement"} {
		if g.GetPolicies()[p] == nil {
			t.Errorf("LabCMSP has no %s policy", p)
		}
	}
	if g.GetModPolicy() != "Admins" {
		t.Errorf("LabCMSP's mod_policy is %q", g.GetModPolicy())
	}
	if u.GetReadSet().GetGroups()["Application"] == nil {
		t.Error("the update does not read the Application group (its version guards against a concurrent change)")
	}
}

func TestAdmissionUpdateRefusals(t *testing.T) {
	cfg := channel(t, newCA(t, "ca.laba"), newCA(t, "ca.labb"))
	before := proto.Clone(cfg)
	n, _, _ := newcomer(t)
	other, _, _ := newcomer(t) // other CAs
	moved := n
	moved.AnchorPeers = []string{"10.77.9.9:7051"}
	renamed := n
	renamed.MSPID = "LabAMSP"
	for _, tc := range []struct {
		name     string
		n        Newcomer
		admitted *admission.Admission
		want     string
	}{
		{"no admission on the ledger", n, nil, "no executed partner_admission decision admits LabCMSP"},
		{"another root CA than admitted", other, admitted(n), "root CA digests"},
		{"another peer than admitted", moved, admitted(n), "peer endpoints"},
		{"an organisation already in the channel", renamed, admitted(renamed), "already in the channel"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			update, err := AdmissionUpdate(cfg, "charter", tc.n, tc.admitted)
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want ErrInvalid naming %q", err, tc.want)
			}
			if update != nil {
				t.Fatal("a refused admission returned an update")
			}
		})
	}
	if !proto.Equal(before, cfg) {
		t.Fatal("a refused admission changed the configuration it read")
	}
}

func TestRemovalUpdate(t *testing.T) {
	cfg := channel(t, newCA(t, "ca.laba"), newCA(t, "ca.labb"))
	update, err := RemovalUpdate(cfg, "charter", "LabBMSP")
	if err != nil {
		t.Fatal(err)
	}
	var u cb.ConfigUpdate
	if err := proto.Unmarshal(update, &u); err != nil {
		t.Fatal(err)
	}
	app := u.GetWriteSet().GetGroups()["Application"]
	if app == nil || app.GetGroups()["LabBMSP"] != nil || app.GetGroups()["LabAMSP"] == nil {
		t.Fatalf("the write set's Application groups are %v; want LabAMSP only", app.GetGroups())
	}
	if _, err := RemovalUpdate(cfg, "charter", "LabCMSP"); !errors.Is(err, ErrInvalid) {
		t.Fatalf("removing an organisation not in the channel: err = %v", err)
	}
}
