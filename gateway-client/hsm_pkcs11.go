//go:build pkcs11

package charter

import (
	"encoding/hex"
	"fmt"
	"strings"
	"sync"

	gwid "github.com/hyperledger/fabric-gateway/pkg/identity"
)

// hsmFactories holds one fabric-gateway HSMSignerFactory per PKCS#11
// library: a library is initialised once per process.
var (
	hsmMu        sync.Mutex
	hsmFactories = map[string]*gwid.HSMSignerFactory{}
)

// HSMSupported reports whether this build can use a PKCS#11 token.
const HSMSupported = true

// hsmSign opens a signing session on the key h names. Errors name the
// problem and the fix: an unloadable library, no token with the label, a
// wrong PIN, no key with the ID.
func hsmSign(h HSMConfig) (gwid.Sign, func() error, error) {
	if h.Library == "" || h.Label == "" || h.KeyID == "" {
		return nil, nil, fmt.Errorf("HSM: library, label and keyId are all required (got library %q, label %q, keyId %q)", h.Library, h.Label, h.KeyID)
	}
	if h.PIN == "" {
		return nil, nil, fmt.Errorf("HSM token %q: no PIN given (set the environment variable the profile's hsm.pinEnv names)", h.Label)
	}
	id, err := hex.DecodeString(h.KeyID)
	if err != nil {
		return nil, nil, fmt.Errorf("HSM keyId %q is not hex: %w", h.KeyID, err)
	}
	hsmMu.Lock()
	f, ok := hsmFactories[h.Library]
	if !ok {
		f, err = gwid.NewHSMSignerFactory(h.Library)
		if err != nil {
			hsmMu.Unlock()
			return nil, nil, fmt.Errorf("HSM library %s: %w (is the PKCS#11 module installed at that path?)", h.Library, err)
		}
		hsmFactories[h.Library] = f
	}
	hsmMu.Unlock()
	sign, closeFn, err := f.NewHSMSigner(gwid.HSMSignerOptions{Label: h.Label, Pin: h.PIN, Identifier: string(id)})
	if err != nil {
		msg := err.Error()
		switch {
		case strings.Contains(msg, "could not find token"):
			return nil, nil, fmt.Errorf("HSM: no token labelled %q in %s: check hsm.label (softhsm2-util --show-slots lists the tokens)", h.Label, h.Library)
		case strings.Contains(msg, "CKR_PIN_INCORRECT"):
			return nil, nil, fmt.Errorf("HSM token %q: wrong PIN (CKR_PIN_INCORRECT): check the PIN; tokens lock after repeated failures", h.Label)
		case strings.Contains(msg, "CKR_PIN_LOCKED"):
			return nil, nil, fmt.Errorf("HSM token %q: the PIN is locked (CKR_PIN_LOCKED): the token's security officer must unlock it", h.Label)
		case strings.Contains(msg, "Object not found"):
			return nil, nil, fmt.Errorf("HSM token %q: no private key with CKA_ID %s: check hsm.keyId", h.Label, h.KeyID)
		}
		return nil, nil, fmt.Errorf("HSM token %q: %w", h.Label, err)
	}
	return sign, closeFn, nil
}
