//go:build !pkcs11

package charter

import (
	"fmt"

	gwid "github.com/hyperledger/fabric-gateway/pkg/identity"
)

// HSMSupported reports whether this build can use a PKCS#11 token.
const HSMSupported = false

// hsmSign refuses: PKCS#11 needs a build with -tags pkcs11 (and cgo).
func hsmSign(h HSMConfig) (gwid.Sign, func() error, error) {
	return nil, nil, fmt.Errorf("HSM token %q: this build has no PKCS#11 support; rebuild with -tags pkcs11 (cgo enabled), or pass Config.Sign", h.Label)
}
