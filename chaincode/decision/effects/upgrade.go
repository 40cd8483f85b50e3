package effects

import (
	"encoding/json"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/decision"
	"github.com/charter-gov/charter/chaincode/upgrade"
)

// ChaincodeUpgrade is the effect of a chaincode_upgrade decision: the
// payload is an upgrade.Payload ({digest, sequence, version}); executing
// it records the authorisation of exactly that build for exactly that
// definition sequence (upgrade.Authorise). It installs nothing: the
// organisations approve the new definition only once maintainers of two
// organisations have signed off on the digest (upgrade.Sign) and every
// organisation's service reports it (network/upgrade.sh).
func ChaincodeUpgrade() decision.Effect {
	return decision.Effect{Type: constitution.ChaincodeUpgrade, Check: checkUpgrade, Apply: applyUpgrade}
}

func checkUpgrade(s core.Store, _ *constitution.Version, payload json.RawMessage) error {
	_, err := upgrade.CheckAuthorise(s, payload)
	return err
}

func applyUpgrade(tx *core.Tx, d *decision.Decision) (any, error) {
	return upgrade.Authorise(tx, d.ID, d.Payload)
}
