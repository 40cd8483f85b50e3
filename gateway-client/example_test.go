package charter_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	charter "github.com/charter-gov/charter/gateway-client"
)

// Errors carry a stable code that errors.Is matches, however deeply they
// are wrapped.
func ExampleError() {
	err := fmt.Errorf("add Ada: %w", &charter.Error{Code: charter.CodeNotFound, Message: "member LabAMSP/x509::CN=Ada::CN=ca is not registered"})

	fmt.Println(errors.Is(err, charter.ErrNotFound), errors.Is(err, charter.ErrForbidden))
	fmt.Println(charter.CodeOf(err))
	fmt.Println(err)
	// Output:
	// true false
	// NOT_FOUND
	// add Ada: NOT_FOUND: member LabAMSP/x509::CN=Ada::CN=ca is not registered
}

func ExampleProfiles_Config() {
	dir, err := os.MkdirTemp("", "profiles")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "profiles.json")
	if err := os.WriteFile(path, []byte(`{"channel":"charter","chaincode":"charter",
 "peers":{"LabA":{"mspId":"LabAMSP","endpoint":"127.0.0.1:8051","tlsCACert":"/net/laba-ca.crt","serverName":"localhost"}},
 "profiles":{"labA-admin":{"org":"LabA","mspId":"LabAMSP","certPath":"/net/admin.pem","keyPath":"/net/admin_sk","peer":"LabA"}}}`), 0o600); err != nil {
		panic(err)
	}

	profiles, err := charter.LoadProfiles(path)
	if err != nil {
		panic(err)
	}
	cfg, err := profiles.Config("labA-admin")
	fmt.Println(cfg.MSPID, cfg.PeerEndpoint, cfg.CertPath, err)
	_, err = profiles.Config("labB-admin")
	fmt.Println(err)
	// Output:
	// LabAMSP 127.0.0.1:8051 /net/admin.pem <nil>
	// unknown profile "labB-admin" (known: labA-admin)
}
